"""Comparing update formulas: equal as functions, or an exact admissible point where not."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import sympy as sp

from derivations.vq.symbols import e, e_grad, eta, mu, x, x_grad


@dataclass(frozen=True)
class Difference:
    """Where a claimed formula and a derived one part: an exact point, or ``None``."""

    equal: bool | None  # None: not identical, yet no grid point tells them apart
    point: dict[sp.Symbol, sp.Rational] | None = None
    claimed: sp.Expr | None = None
    derived: sp.Expr | None = None


GRID: dict[sp.Symbol, Sequence[sp.Rational]] = {
    eta: (sp.Rational(1, 4), sp.Rational(1, 8), sp.Rational(1, 3)),
    e: (sp.Integer(1), sp.Integer(-1), sp.Rational(1, 2), sp.Integer(0)),
    x: (sp.Integer(0), sp.Integer(3), sp.Integer(2), sp.Rational(1, 2)),
    x_grad: (sp.Integer(1), sp.Integer(2), sp.Integer(0)),
    e_grad: (sp.Integer(2), sp.Integer(3), sp.Integer(-1)),
    mu: (sp.Integer(1), sp.Integer(5)),
}


def compare(
    claimed: sp.Expr,
    derived: sp.Expr,
    symbols: Iterable[sp.Symbol] | None = None,
    grid: Mapping[sp.Symbol, Sequence[sp.Rational]] | None = None,
) -> Difference:
    """Equal as functions of the problem's symbols, or an exact admissible point where not.

    ``grid`` adds the admissible values of a variant's own symbols (its weights, a decay).
    """
    diff = sp.simplify(claimed - derived)
    if diff == 0:
        return Difference(True)
    syms = sorted(
        (claimed.free_symbols | derived.free_symbols) if symbols is None else set(symbols),
        key=str,
    )
    values = {**GRID, **(grid or {})}
    grids = [values.get(s, (sp.Integer(1), sp.Integer(2), sp.Integer(-1))) for s in syms]
    for point in itertools.product(*grids):
        pt = dict(zip(syms, point, strict=True))
        c, d = claimed.xreplace(pt), derived.xreplace(pt)
        if c.is_number and d.is_number and sp.simplify(c - d) != 0:
            return Difference(False, pt, sp.simplify(c), sp.simplify(d))
    return Difference(None)
