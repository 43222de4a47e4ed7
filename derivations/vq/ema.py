r"""An exponential moving average (EMA) of the codebook: its rolling-average form and its rate.

**The definition.**  An EMA with decay $d$ ($0 < d < 1$) keeps each codeword $e(k)$ at a
weighted average of the vectors $x_1, \dots, x_n$ assigned to $k$ so far and of its
starting value $e_0$: the newest vector has weight $1 - d$, each older one $d$ times
the weight of the one after it, and $e_0$ keeps the remaining weight,

$$e_n = d^n e_0 + \sum_{m=1}^{n} (1 - d)\, d^{\,n-m} x_m .$$

**Rolling-average form.**  Splitting the newest term off $e_{n+1}$ gives
$e_{n+1} - d\, e_n = (1 - d) x_{n+1}$, i.e. $e(k) \leftarrow d\, e(k) + (1 - d) x_\Psi(y)$.

Its learning rate, and the decay of the SGD step, are in :mod:`.rates`.
"""

from __future__ import annotations

import functools

import sympy as sp

from derivations.core import Derivation, Step
from derivations.vq.symbols import DOMAIN, EK, QUIZ, VQParams, X, scalar, tex

n, m = sp.symbols("n m", integer=True, positive=True)
XS = sp.IndexedBase("x")  # the vectors assigned to the symbol, in turn
E0 = sp.Symbol("e_0")  # the codeword before the first of them


def _times(k: sp.Expr) -> str:
    """A coefficient written before a vector: ``(1 - d)``, ``\\frac{1}{100}``."""
    return rf"\left({tex(k)}\right)" if isinstance(k, sp.Add) else sp.latex(k)


def ema_sum(d: sp.Expr, count: sp.Expr) -> sp.Expr:
    """The EMA's definition: the weighted average after ``count`` assigned vectors."""
    return d**count * E0 + sp.Sum((1 - d) * d ** (count - m) * XS[m], (m, 1, count))


def unrolled_gap(d: sp.Expr, count: int) -> sp.Expr:
    r"""$e \leftarrow d\,e + (1 - d)x_k$ repeated ``count`` times from $e_0$, minus the definition."""
    value: sp.Expr = E0
    for k in range(1, count + 1):
        value = d * value + (1 - d) * XS[k]
    return sp.expand(value - ema_sum(d, count).doit())


@functools.cache
def ema_update(params: VQParams = QUIZ) -> Derivation:
    r"""The EMA with decay $d$ as a rolling average: $e(k) \leftarrow d\,e(k) + (1 - d)x_\Psi(y)$."""
    d = params.decay
    weights = sp.simplify(d**n + sp.summation((1 - d) * d ** (n - m), (m, 1, n)))
    # $e_{n+1}$ by the definition, its newest term split off the sum
    peeled = (
        d ** (n + 1) * E0
        + sp.Sum((1 - d) * d ** (n + 1 - m) * XS[m], (m, 1, n))
        + ((1 - d) * d ** (n + 1 - m) * XS[m]).subs(m, n + 1)
    )
    added = sp.simplify(peeled - d * ema_sum(d, n))  # what the new average adds to d e_n
    rate = sp.cancel(added / XS[n + 1])
    if rate.free_symbols & {n, m} or added.has(sp.Sum):
        raise ArithmeticError("the EMA is not a one-step update")
    new = sp.MatAdd(d * EK, rate * X, evaluate=False)  # the old codeword first
    steps = (
        Step(
            f"An exponential moving average with decay ${sp.latex(d)}$ keeps $e(k)$ at a "
            r"weighted average of the vectors $x_1, \dots, x_n$ assigned to $k$ so far and of "
            f"its starting value $e_0$: the newest vector has weight ${tex(1 - d)}$, each older "
            f"one ${sp.latex(d)}$ times the weight of the one after it, and $e_0$ keeps what "
            "remains,",
            ema_sum(d, n),
            f"e_n = {sp.latex(d**n)} e_0 + "
            + sp.latex(sp.Sum((1 - d) * d ** (n - m) * XS[m], (m, 1, n)), order="rev-lex"),
        ),
        Step(
            "These weights sum to one:",
            sp.Eq(d**n + sp.Sum((1 - d) * d ** (n - m), (m, 1, n)), weights, evaluate=False),
            tex(sp.Eq(d**n + sp.Sum((1 - d) * d ** (n - m), (m, 1, n)), weights, evaluate=False)),
        ),
        Step(
            "When the next vector $x_{n+1}$ is assigned to $k$, splitting its term off the sum "
            f"for $e_{{n+1}}$ leaves ${sp.latex(d)}$ times the old average and one new term:",
            added,
            f"e_{{n+1}} - {sp.latex(d)} e_n = {_times(rate)} x_{{n+1}}",
        ),
        Step(
            "So the moving average is the rolling-average update",
            new,
            r"e(k) \leftarrow " + sp.latex(new, order="none"),
        ),
    )
    checks = (
        (
            "Repeating the update 1 to 6 times from a symbolic start gives exactly the weighted "
            "sums of the definition."
        ),
    )
    if any(unrolled_gap(d, k) != 0 for k in range(1, 7)):
        raise ArithmeticError("the update does not unroll to the definition")
    return Derivation("p2c.ema_update", scalar(new), steps, DOMAIN, checks=checks)
