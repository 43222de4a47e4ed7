r"""A series printed in an answer that has no value: the term test.

A series $\sum_{k=a}^{\infty} f(k)$ whose terms do not tend to $0$ diverges, so an
answer holding it (such as $e^{-\sum_{k \ge 1} \sqrt{k}}$) has no finite value: it can
be neither proved equal to a derived form nor compared with one at a point.  SymPy,
asked to sum such a series, may work until a time bound stops it; the term test
settles it at once and gives the reason.

Only a series whose terms name no symbol but its index is tested: its terms' limit is
then a number.  A limit that is not a number, is $0$, or is only bounded
(an oscillation such as $(-1)^k$, which SymPy gives as an interval) proves nothing,
and the series is left to the usual route.
"""

from __future__ import annotations

import sympy as sp
from sympy.calculus.accumulationbounds import AccumBounds

# What SymPy raises when it cannot handle an expression (an internal AttributeError among
# them, for a sum of an unevaluated ceiling): a step that fails proves and shows nothing.
# The checker (:mod:`quizproof.decide`) catches the same.
FAILURES = (ArithmeticError, ValueError, TypeError, AttributeError, NotImplementedError,
            sp.PolynomialError)  # fmt: skip


def divergent_series(expr: sp.Basic) -> tuple[sp.Sum, sp.Basic] | None:
    r"""A series in ``expr`` whose terms tend to a nonzero limit, with that limit; or None.

    Both are returned as a reader writes them, their terms evaluated.

    ``expr`` is a printed answer as read, unevaluated: SymPy evaluating
    $e^{-\sum_{k \ge 1} \sqrt{k}}$ may itself try to sum the series.
    """
    for whole in sorted(expr.atoms(sp.Sum), key=sp.default_sort_key):
        series = sp.Sum(whole.function, whole.limits[0])  # the innermost sum of a multiple one
        k, lower, upper = series.limits[0]
        if series.function.free_symbols - {k}:
            continue
        for end in (upper, lower):
            if end not in (sp.oo, -sp.oo):
                continue
            try:
                limit = sp.limit(series.function, k, end)
            except FAILURES:
                continue
            if limit.is_number and not limit.has(AccumBounds, sp.Limit) and limit.is_zero is False:
                return _evaluated(series), _evaluated(limit)
    return None


def _evaluated(expr: sp.Basic) -> sp.Basic:
    """As a reader writes it (``2``, not ``1 * ceiling(sqrt(2))``): safe, since
    it names no symbol but the index."""
    try:
        if isinstance(expr, sp.Sum):
            return sp.Sum(expr.function.doit(), *expr.limits)
        return expr.doit()
    except FAILURES:
        return expr
