"""The race's runs for a check: admissible points, sized runs of the simulator, advantages."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from derivations.race import RaceRules, i, lam, t
from derivations.race import policy_gradient as pg
from numerics import race as sim

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
        iv = pg.interval_of(p, getattr(rules, "bounds", ()), rules)
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
        if rules.goal.is_number:  # the race's own goal; the state kept inside it
            NN, ii = int(rules.goal), min(ii, int(rules.goal) - 1)
        if last:
            ii = NN - 1
        if start:
            ii, tt = 0, 0
        exact: dict[sp.Symbol, sp.Basic] = {lam: lv, i: sp.Integer(ii), t: sp.Integer(tt)}
        if not rules.goal.is_number:
            exact[rules.goal] = sp.Integer(NN)
        for k, p in enumerate(rules.parameters):
            exact[p] = values[p][(n + k) % len(values[p])]
        out.append(RacePoint(exact, race_of(rules, exact), ii, tt))
    return out


def rules_only(rules: RaceRules) -> RaceRules:
    """The rules without a variant's ranges (what the derivations take)."""
    return getattr(rules, "rules", rules)


def race_of(rules: RaceRules, exact: dict[sp.Symbol, sp.Basic]) -> sim.Race:
    """The simulator's race at an exact point of the rules' parameters."""
    return sim.Race(
        lam=float(exact[lam]),
        N=int(rules.goal.subs(exact)),
        advance_a1=float(rules.advance_a1.subs(exact)),
        advance_a2=float(rules.advance_a2.subs(exact)),
        reward=rules.reward,
        discount=float(rules.discount.subs(exact)),
    )
