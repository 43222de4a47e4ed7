"""The race's runs for a check: admissible points, sized runs of the simulator, advantages."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from derivations.race import N, RaceRules, i, lam, t
from derivations.race import policy_gradient as pg
from numerics import race as sim
from quizproof.simulation import SimulationError

# Admissible points (exact): N, lambda, i, t.  i = N - 1 keeps the variance of a return small.
POINTS = (
    (3, sp.Rational(1, 2), 2, 3),
    (4, sp.Rational(3, 4), 2, 1),
    (2, sp.Rational(2, 5), 1, 2),
)
PARAM_VALUES = (sp.Rational(1, 2), sp.Rational(2, 3), sp.Rational(3, 4))


@dataclass(frozen=True)
class RacePoint:
    exact: dict[sp.Symbol, sp.Basic]
    race: sim.Race
    i: int
    t: int

    @property
    def shown(self) -> dict[str, str]:
        return {str(k): str(v) for k, v in self.exact.items()}


def param_values(rules: RaceRules) -> dict[sp.Symbol, list[sp.Basic]]:
    """Admissible values of each new symbol of a variant (inside its ``[race.assume]`` range)."""
    out = {}
    for p in rules.parameters:
        iv = pg.interval_of(p, getattr(rules, "bounds", ()))
        values = [v for v in PARAM_VALUES if iv.contains(v) is sp.true]
        values += [v for v in pg.interval_points(iv) if v not in values]
        out[p] = values
    return out


def race_points(rules: RaceRules, last: bool = False, start: bool = False) -> list[RacePoint]:
    """The admissible points of a check.

    ``last`` puts the state one advance from the goal, ``start`` at $(0, 0)$.
    """
    values = param_values(rules)
    out = []
    for n, (NN, lv, ii, tt) in enumerate(POINTS):
        if last:
            ii = NN - 1
        if start:
            ii, tt = 0, 0
        exact: dict[sp.Symbol, sp.Basic] = {N: sp.Integer(NN), lam: lv, i: sp.Integer(ii)}
        exact[t] = sp.Integer(tt)
        for k, p in enumerate(rules.parameters):
            exact[p] = values[p][(n + k) % len(values[p])]
        out.append(RacePoint(exact, race_of(rules, exact), ii, tt))
    return out


def rules_only(rules: RaceRules) -> RaceRules:
    """The rules without a variant's ranges (what the derivations take)."""
    return getattr(rules, "rules", rules)


def race_of(rules: RaceRules, exact: dict[sp.Symbol, sp.Basic]) -> sim.Race:
    return sim.Race(
        lam=float(exact[lam]),
        N=int(exact[N]),
        advance_a1=float(rules.advance_a1.subs(exact)),
        advance_a2=float(rules.advance_a2.subs(exact)),
        reward=rules.reward,
    )


def advantage_function(
    forms: dict[int, sp.Basic], exact: dict[sp.Symbol, sp.Basic]
) -> sim.Advantage:
    """The advantages as numpy functions of (i, t): lambdified here, and only here."""
    fixed = {k: v for k, v in exact.items() if k not in (i, t)}
    funcs = {}
    for action, form in forms.items():
        expr = form.subs(fixed)
        if expr.has(sp.Sum):
            expr = expr.doit()
        extra = expr.free_symbols - {i, t}
        if extra:
            names = ", ".join(sorted(str(s) for s in extra))
            raise SimulationError(f"the advantage of a_{action} depends on {names}")
        funcs[action] = sp.lambdify((i, t), expr, modules="numpy")

    def advantage(ii: np.ndarray, tt: np.ndarray, a: np.ndarray) -> np.ndarray:
        ones = np.ones(ii.shape)
        a1 = np.asarray(funcs[1](ii, tt), dtype=np.float64) * ones
        a2 = np.asarray(funcs[2](ii, tt), dtype=np.float64) * ones
        return np.where(a == 2, a2, a1)

    return advantage
