r"""Deciding a condition on the learning rate: when is the SGD step of (b) a rolling average?

The step gives the vector the weight $w = 2c\eta$ ($c$ the weight of objective (4)) and
the old codeword $1 - w$; it is a rolling average when both are nonnegative, $0 < w \le 1$
given $\eta > 0$.  A condition that keeps some of the old value, $w < 1$, is as good
an answer.  So a claimed condition is verified when, for every admissible $c$, the rates
it admits lie between those with $0 < w < 1$ and those with $0 < w \le 1$.

A claimed condition is read in the variable $w$: $\eta = w/(2c)$ is substituted and the
positive factors of each relation (powers of $c$) are cancelled.  If the relations then no
longer involve $c$, the sets are compared exactly; otherwise the condition depends on $c$
in another way, and a grid of admissible $c$ and rates is searched for a rate it gets
wrong.
"""

from __future__ import annotations

from itertools import product
from typing import Any

import sympy as sp

from derivations import vq as V
from derivations.core import Derivation
from quizproof.families.vq.reading import read_condition
from quizproof.families.vq.variants import grid
from quizproof.family import Context

W = sp.Symbol("w", real=True)  # the weight 2 c eta of the vector
LOOSE = sp.Interval.Lopen(0, 1)  # both weights nonnegative (and eta > 0)
STRICT = sp.Interval.open(0, 1)  # the old codeword keeps a positive weight
_REL = {sp.StrictLessThan: sp.Lt, sp.LessThan: sp.Le, sp.StrictGreaterThan: sp.Gt,
        sp.GreaterThan: sp.Ge}  # fmt: skip


def _in_weight(rel: sp.Basic, c: sp.Expr) -> sp.Basic | None:
    """The relation in $w$ alone, its positive factors cancelled; None if $c$ remains."""
    expr = sp.together((rel.lhs - rel.rhs).xreplace({V.eta: W / (2 * c)}))
    num, den = sp.fraction(sp.factor(expr))
    kept, sign = [], 1
    for f in sp.Mul.make_args(num) + tuple(1 / g for g in sp.Mul.make_args(den)):
        if f.is_positive:
            continue
        if f.is_negative:
            sign = -sign
            continue
        kept.append(f)
    reduced = sign * sp.Mul(*kept)
    if reduced.free_symbols - {W}:
        return None
    return _REL[type(rel)](reduced, 0)


def _inside(s: sp.Set) -> sp.Rational:
    """An exact rational point of a nonempty union of intervals."""
    for part in s.args if isinstance(s, sp.Union) else (s,):
        if isinstance(part, sp.FiniteSet):
            return sp.Rational(part.args[0])
        if isinstance(part, sp.Interval):
            lo, hi = part.start, part.end
            if hi == sp.oo:
                return sp.Rational(lo) + 1 if lo.is_finite else sp.Integer(1)
            if lo == -sp.oo:
                return sp.Rational(hi) - 1
            return sp.Rational(lo + hi) / 2
    raise ValueError("empty set")  # pragma: no cover


def _refuted(point: dict[str, Any], holds: bool, w: sp.Rational, sufficient: bool):
    return {
        "verdict": "refuted",
        "evidence": "the condition admits or excludes a learning rate it should not",
        "counterexample": {
            "point": point,
            "claimed": r"\text{holds}" if holds else r"\text{fails}",
            "derived": (
                rf"\text{{weights }} ({sp.latex(1 - w)}, {sp.latex(w)})"
                + (r"\text{: an average}" if 0 <= w <= 1 else r"\text{: not an average}")
            ),
        },
        "slip": "the condition is only sufficient"
        if sufficient
        else "the condition admits a negative weight",
    }


def condition_verdict(text: str, ctx: Context, derivation: Derivation) -> dict[str, Any]:
    """Decide a condition on eta given as LaTeX text (for the step's own weight of (4))."""
    del derivation  # the rates are those of the weights, read off the step itself below
    conds = read_condition(text, ctx.scope)
    c = ctx.params.codebook
    c_value = c if not c.free_symbols else sp.Integer(1)
    reduced = [_in_weight(rel, c) for rel in conds]
    if any(r is None for r in reduced):
        return _search(conds, ctx)
    claimed = sp.Interval.open(0, sp.oo)
    for rel in reduced:
        claimed = claimed & sp.solveset(rel, W, sp.S.Reals)
    if STRICT.is_subset(claimed) and claimed.is_subset(LOOSE):
        msg = ""
        if claimed != LOOSE:
            rate = sp.latex(1 / (2 * c))
            msg = (
                rf"$\eta = {rate}$ is excluded: there the step sets $e$ to $x$ and keeps "
                "nothing of the old value"
            )
        return {"verdict": "verified", "message": msg,
                "evidence": "the same set of learning rates as the derived condition"}  # fmt: skip
    sufficient = claimed.is_subset(LOOSE)
    w = _inside((STRICT - claimed) if sufficient else (claimed - LOOSE))
    point = {r"\eta": sp.latex(w / (2 * c_value))}
    if c.free_symbols:
        point[sp.latex(c)] = sp.latex(c_value)
    return _refuted(point, not sufficient, w, sufficient)


def _search(conds: list[sp.Basic], ctx: Context) -> dict[str, Any]:
    """A condition that involves c other than through 2c eta: look for a rate it gets wrong."""
    c = ctx.params.codebook
    cs = grid(ctx.params).get(c, (c,))
    ws = [sp.Rational(k, 8) for k in range(1, 16) if k != 8]  # w = 1 may go either way
    for c_value, w in product(cs, ws):
        rate = w / (2 * c_value)
        holds = all(bool(rel.xreplace({V.eta: rate, c: c_value})) for rel in conds)
        if holds != (w <= 1):
            point = {r"\eta": sp.latex(rate), sp.latex(c): sp.latex(c_value)}
            return _refuted(point, holds, w, not holds)
    return {
        "verdict": "undecided",
        "evidence": "the condition depends on the weight of (4) in a way no rate tried refutes",
    }
