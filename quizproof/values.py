"""A printed answer's values, as a simulation reads them: its members, and each one's number
at an exact point.

The members of a chain ``X = Y = value`` are read as the checker reads them, with the
quantities the question asks for left marked for the simulator to estimate.  A member
holding a series whose terms do not tend to 0 has no value (:mod:`quizproof.series`):
its claim fails at once, with the reason.  Any other member is evaluated at each point
within :data:`NUMBER_BOUND` seconds, since SymPy, summing a series, may not end.
"""

from __future__ import annotations

import math

import sympy as sp

from quizproof.family import Context
from quizproof.model import Claim
from quizproof.notation import parse
from quizproof.notation.unknowns import marking
from quizproof.pool import time_bound
from quizproof.printing import latex
from quizproof.series import divergent_series


class SimulationError(ValueError):
    """A claim cannot be simulated (its value is not a finite number at a point): it fails."""


def show(point: dict[sp.Symbol, sp.Basic]) -> str:
    return ", ".join(f"{k} = {v}" for k, v in point.items())


NUMBER_BOUND = 10.0  # seconds to evaluate a printed member at one point (a series may not end)


def number(expr: sp.Basic, point: dict[sp.Symbol, sp.Basic]) -> float:
    """A printed member's value at an exact point, as a float (SimulationError if none)."""
    why = f"the answer's value at {show(point)} was not computed within {NUMBER_BOUND:g} s"
    with time_bound(NUMBER_BOUND, lambda: SimulationError(why)):
        value = expr.subs(point)
        if value.has(sp.Sum):
            value = value.doit()
        if value.free_symbols:
            names = ", ".join(sorted(str(s) for s in value.free_symbols))
            raise SimulationError(f"the answer still depends on {names} at a parameter point")
        z = complex(sp.N(value, 30))
    if not (math.isfinite(z.real) and abs(z.imag) <= 1e-12 * max(1.0, abs(z.real))):
        raise SimulationError(f"the answer is not a finite real number at {show(point)}")
    return z.real


def members(claim: Claim, ctx: Context, unknowns: tuple[str, ...] = ()) -> list[sp.Basic]:
    """The members of a value answer (``X = Y = value``) other than the one naming the subject.

    The ``unknowns`` (quantities the question asks for) are left marked, for the
    simulator to estimate from their definitions (:mod:`quizproof.notation.unknowns`).
    """
    out = parse(claim.answer, marking(ctx.scope, unknowns)).values()
    for member in out:
        found = divergent_series(member)
        if found is not None:
            series, limit = found
            raise SimulationError(
                f"the series {latex(series)} in the answer diverges (its terms tend to "
                f"{latex(limit)}, not 0): the answer has no value to estimate"
            )
    return out
