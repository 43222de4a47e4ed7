r"""Flipping a coin until the $k$-th head: the family's derivations, in SymPy alone.

A coin lands heads with probability $p$ ($0 < p \le 1$) on every flip,
independently of the other flips, and is flipped until it has shown $k$ heads;
$T$ is the number of flips, the $k$-th head included.  Each result is derived
from that description, never typed in:

- ``flips``, $E(T)$: the first-step recursion for the expected number of
  flips still to come, solved by :func:`sympy.rsolve`;
- ``tails``, the expected number of tails: every flip that is not one of the
  $k$ heads is a tail, so it is $E(T) - k$;
- ``variance``, $\operatorname{Var}(T)$: from the probability generating
  function of $T$, itself found from a first-step equation for one head and
  raised to the $k$-th power (the waits for successive heads are independent
  and alike); its mean is checked against the recursion's;
- ``at_least_one_head`` in $n$ flips: one minus the chance of $n$ tails.

The forms are derived once in the symbols $p$, $k$, $n$; a problem whose bias
or number of heads is a number, or another symbol, substitutes its own values
in a last step.  This module imports only SymPy and :mod:`derivations.core`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from derivations.core import Derivation, Step

p = sp.Symbol("p", positive=True)  # the probability of heads, 0 < p <= 1
k = sp.Symbol("k", positive=True, integer=True)  # the number of heads to wait for
n = sp.Symbol("n", positive=True, integer=True)  # a number of flips (at least one head)
j = sp.Symbol("j", nonnegative=True, integer=True)  # heads still needed
i = sp.Symbol("i", positive=True, integer=True)  # the index of a flip
s = sp.Symbol("s")  # the argument of a generating function
G = sp.Symbol("G")  # the unknown generating function of one wait
m = sp.Function("m")  # m(j): the expected number of flips still to come, j heads needed

ASSUMPTIONS = "0 < p <= 1; k and n positive integers"


@dataclass(frozen=True)
class Coin:
    """One problem's coin: its bias and the heads to wait for (SymPy numbers or symbols)."""

    bias: sp.Expr = p
    heads: sp.Expr = k

    def values(self) -> dict[sp.Symbol, sp.Expr]:
        """What this coin puts for $p$ and $k$ (only where it differs from them)."""
        return {sym: v for sym, v in ((p, self.bias), (k, self.heads)) if v != sym}


def _tidy(expr: sp.Expr, bias: sp.Expr) -> sp.Expr:
    """A multiple of $1 - p$ written as one: $k(1-p)/p^2$ rather than $-k(p-1)/p^2$."""
    expr = sp.factor(sp.cancel(expr))
    if not isinstance(bias, sp.Symbol) or expr == 0:
        return expr
    num, den = sp.fraction(expr)
    try:
        quotient, remainder = sp.div(sp.expand(num), 1 - bias, bias)
    except sp.PolynomialError:
        return expr
    if remainder != 0:
        return expr
    return sp.factor(quotient) / den * (1 - bias)  # a number times 1 - p would be expanded


def _for(coin: Coin, d: Derivation, tidy: bool = False) -> Derivation:
    """The generic derivation with this coin's bias and number of heads put in."""
    values = coin.values()
    if not values:
        return d
    result = d.result.subs(values, simultaneous=True)
    result = _tidy(result, coin.bias) if tidy else result
    said = " and ".join(f"${sp.latex(a)} = {sp.latex(b)}$" for a, b in values.items())
    step = Step(f"With {said} in this problem:", result)
    return Derivation(d.id, result, (*d.steps, step), ASSUMPTIONS)


@cache
def _flips() -> Derivation:
    # $m_j = 1 + p\,m_{j-1} + (1-p)\,m_j$: one flip, then j - 1 or still j heads needed
    first_step = sp.Eq(m(j), 1 + p * m(j - 1) + (1 - p) * m(j))
    solved = sp.rsolve(first_step.lhs - first_step.rhs, m(j), {m(0): 0})
    if solved is None:
        raise ArithmeticError("the first-step recursion has no solution")
    mean = sp.simplify(solved.subs(j, k))  # $E(T) = m_k$
    steps = (
        Step(
            "Let $m_j$ be the expected number of flips still to come when $j$ more heads are "
            "needed, so $m_0 = 0$. The next flip counts one; it is a head with probability "
            "$p$ (then $j - 1$ are needed) and a tail otherwise (still $j$):",
            first_step,
        ),
        Step(
            "Every $m_j$ is finite when $p > 0$, so the recursion can be solved for $m_j$; "
            "with $m_0 = 0$ (SymPy's rsolve) its solution is",
            sp.Eq(m(j), solved),
        ),
        Step("From the start $k$ heads are needed, so $E(T) = m_k$:", mean),
    )
    return Derivation("flips", mean, steps, ASSUMPTIONS)


@cache
def _tails() -> Derivation:
    d = _flips()
    tails = _tidy(d.result - k, p)  # $E(T - k) = E(T) - k$
    step = Step(
        "Every flip is a head or a tail and exactly $k$ of the $T$ flips are heads, so the "
        "number of tails is $T - k$ and its expectation $E(T) - k$:",
        tails,
    )
    return Derivation("tails", tails, (*d.steps, step), ASSUMPTIONS)


@cache
def _variance() -> Derivation:
    # $G_1(s) = E(s^{T_1}) = s\,(p + (1-p)\,G_1(s))$: one flip, then done or back at the start
    equation = sp.Eq(G, s * (p + (1 - p) * G))
    (one,) = sp.solve(equation, G)
    pgf = one**k  # $G_T(s) = G_1(s)^k$: T is the sum of k independent waits for one head
    d1 = sp.simplify(sp.diff(pgf, s).subs(s, 1))  # $E(T) = G_T'(1)$
    d2 = sp.simplify(sp.diff(pgf, s, 2).subs(s, 1))  # $E(T(T-1)) = G_T''(1)$
    if sp.simplify(d1 - _flips().result) != 0:
        raise ArithmeticError("the generating function and the recursion disagree on E(T)")
    variance = _tidy(d2 + d1 - d1**2, p)  # $\operatorname{Var}(T) = G''(1) + G'(1) - G'(1)^2$
    steps = (
        Step(
            "Let $G_1(s) = E(s^{T_1})$ for the flips $T_1$ up to the first head. One flip is "
            "made; it is a head with probability $p$ and otherwise the wait starts afresh:",
            sp.Eq(G, equation.rhs),
        ),
        Step("Solved for $G_1(s)$:", one),
        Step(
            "The waits for the $k$ heads one after another are independent copies of $T_1$ "
            "(the flips are independent), so $G_T(s) = G_1(s)^k$:",
            pgf,
        ),
        Step("Its first derivative at $s = 1$ is $E(T)$, the same as the recursion's:", d1),
        Step("Its second derivative at $s = 1$ is $E(T(T-1))$:", d2),
        Step("$\\operatorname{Var}(T) = G_T''(1) + G_T'(1) - G_T'(1)^2$:", variance),
    )
    return Derivation("variance", variance, steps, ASSUMPTIONS)


@cache
def _at_least_one_head() -> Derivation:
    no_head = sp.Product(1 - p, (i, 1, n))  # $P(\text{no head}) = \prod_{i=1}^n (1-p)$
    none = no_head.doit()
    result = 1 - none  # $P(\text{at least one head}) = 1 - (1-p)^n$
    steps = (
        Step("Each of the $n$ flips is a tail with probability $1 - p$, independently:", no_head),
        Step("So none of them is a head with probability", none),
        Step("At least one head is the complement:", result),
    )
    return Derivation("at_least_one_head", result, steps, ASSUMPTIONS)


def flips(coin: Coin) -> Derivation:
    """$E(T)$, the expected number of flips until the $k$-th head."""
    return _for(coin, _flips())


def tails(coin: Coin) -> Derivation:
    """The expected number of tails before the $k$-th head."""
    return _for(coin, _tails(), tidy=True)


def variance(coin: Coin) -> Derivation:
    r"""$\operatorname{Var}(T)$, the variance of the number of flips."""
    return _for(coin, _variance(), tidy=True)


def at_least_one_head(coin: Coin) -> Derivation:
    """The probability that $n$ flips show at least one head."""
    return _for(coin, _at_least_one_head())
