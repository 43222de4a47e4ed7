r"""Policy gradients on the race to the goal (TTIC 31230, Quiz 4, problem 3(d)).

The policy has one parameter, $\lambda = \pi(a_2)$, so its score is

$$\frac{d}{d\lambda} \ln \pi(a_2) = \frac{1}{\lambda}, \qquad
  \frac{d}{d\lambda} \ln \pi(a_1) = -\frac{1}{1-\lambda}.$$

For one episode from $(0, 0)$ the two per-episode estimates of
$\frac{d}{d\lambda} V^\pi(0, 0)$ follow the discounted policy-gradient theorem,

$$\hat g_{\text{REINFORCE}} = \sum_t \frac{d \ln \pi(a_t)}{d\lambda}\, \gamma^t G_t, \quad
  G_t = \sum_{k \ge t} \gamma^{k-t} r_k, \qquad
  \hat g_{\text{A2C}} = \sum_t \gamma^t \frac{d \ln \pi(a_t)}{d\lambda} A^\pi(s_t, a_t),$$

the quiz's own estimates when $\gamma = 1$.  The analysis lives in sibling
modules; this one re-exports their names (``pg.a2c_never_decreases``,
``pg.var_ratio``, ...) and adds every derivation at once, exact values at
numeric parameters and the table of them:

- :mod:`derivations.race.signs`: the scores and the signs of A2C's updates
  (whether it can move $\lambda$ the wrong way; whether it moves it toward the
  better action), on the domain of :mod:`derivations.race.domain`;
- :mod:`derivations.race.reinforce_sign`: an episode in which REINFORCE does;
- :mod:`derivations.race.episodes`: the joint law of $(T, n_2)$ through its PGF;
- :mod:`derivations.race.recursion`: moments by a first-step recursion;
- :mod:`derivations.race.estimators`: the gradient, the means and variances of
  both estimates and their ratio (closed forms for every rule);
- :mod:`derivations.race.decrease`: the probability that a REINFORCE episode
  decreases $\lambda$ (closed only where one count is fixed and only the goal
  pays; otherwise :class:`~derivations.core.NoClosedForm` and exact bounds).
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

import sympy as sp

from derivations.core import Derivation, NoClosedForm, Step
from derivations.race.decrease import K_sym, prob_decrease_bounds, prob_decrease_reinforce
from derivations.race.domain import (
    GRID,
    HALF,
    PARAM_GRID,
    UNIT,
    Bounds,
    interval_of,
    interval_points,
    interval_text,
    tidy,
    u,
)
from derivations.race.episodes import EpisodeLaw, T_sym, episode_law, n2_sym, rewards, x, y
from derivations.race.estimators import (
    a2c_estimate,
    expected_return,
    gradient,
    mean_estimate,
    reinforce_estimate,
    var_estimate,
    var_ratio,
)
from derivations.race.reinforce_sign import reinforce_can_decrease, reinforce_update
from derivations.race.rules import DOMAIN, RaceRules, lam
from derivations.race.rules import N as N_sym
from derivations.race.rules import i as i_sym
from derivations.race.rules import t as t_sym
from derivations.race.signs import (
    ACTIONS,
    a2c_never_decreases,
    a2c_toward_better,
    a_1,
    a_2,
    score,
    score_theta,
    theta,
)
from derivations.race.values import advantage, value_function

__all__ = [
    "ACTIONS",
    "DOMAIN",
    "ESTIMATOR_IDS",
    "GRID",
    "HALF",
    "PARAM_GRID",
    "UNIT",
    "Bounds",
    "Derivation",
    "EpisodeLaw",
    "K_sym",
    "N_sym",
    "NoClosedForm",
    "RaceRules",
    "Step",
    "T_sym",
    "a2c_estimate",
    "a2c_never_decreases",
    "a2c_toward_better",
    "a_1",
    "a_2",
    "advantage",
    "derive_all",
    "episode_law",
    "estimator_value",
    "expected_return",
    "gradient",
    "i_sym",
    "interval_of",
    "interval_points",
    "interval_text",
    "lam",
    "mean_estimate",
    "n2_sym",
    "prob_decrease_bounds",
    "prob_decrease_reinforce",
    "reinforce_can_decrease",
    "reinforce_estimate",
    "reinforce_update",
    "rewards",
    "score",
    "score_theta",
    "t_sym",
    "table_rows",
    "theta",
    "tidy",
    "u",
    "value_function",
    "var_estimate",
    "var_ratio",
    "x",
    "y",
]


# --------------------------------------------------------------------------- everything at once


@lru_cache(maxsize=64)
def derive_all(rules: RaceRules) -> dict[str, Derivation]:
    """Every p3d derivation for these rules, by claim id (those without a closed form absent)."""
    makers = [
        lambda: a2c_never_decreases(rules),
        lambda: a2c_toward_better(rules),
        lambda: reinforce_can_decrease(rules),
        lambda: gradient(rules),
        lambda: mean_estimate(rules, "reinforce"),
        lambda: mean_estimate(rules, "a2c"),
        lambda: var_estimate(rules, "reinforce"),
        lambda: var_estimate(rules, "a2c"),
        lambda: var_ratio(rules),
        lambda: prob_decrease_reinforce(rules),
    ]
    out = {}
    for make in makers:
        try:
            d = make()
        except NoClosedForm:
            continue
        out[d.id] = d
    return out


ESTIMATOR_IDS = (
    "p3d.grad",
    "p3d.var.reinforce",
    "p3d.var.a2c",
    "p3d.var_ratio",
    "p3d.prob_decrease.reinforce",
)
KINDS = ("grad", "mean.reinforce", "mean.a2c", "var.reinforce", "var.a2c", "var_ratio")


def _exact(value: object) -> sp.Expr | None:
    if value is None or isinstance(value, sp.Basic):
        return value
    if isinstance(value, bool):
        raise TypeError(f"not a number: {value!r}")
    f = Fraction(str(value)) if isinstance(value, float) else Fraction(value)
    return sp.Rational(f.numerator, f.denominator)


def point_of(rules: RaceRules, values: dict[str, object]) -> dict[sp.Symbol, sp.Expr]:
    """Exact values of lambda (``lam``), the goal (``N`` or its name) and the rules' symbols."""
    values = dict(values)
    point = {lam: _exact(values.pop("lam", None))}
    if not rules.goal.is_number:
        point[rules.goal] = _exact(values.pop(rules.goal.name, values.pop("N", None)))
    for p in rules.parameters:
        point[p] = _exact(values.pop(p.name, None))
    missing = [str(s) for s, v in point.items() if v is None]
    if missing or values:
        unknown = ", ".join(values)
        raise ValueError(f"values needed for: {', '.join(missing)}; unknown names: {unknown}")
    return point


def estimator_value(rules: RaceRules, kind: str, **values: object) -> sp.Expr:
    """The exact value of a 3(d) quantity at numeric parameters: a Rational, or oo.

    ``kind`` is ``grad``, ``mean.reinforce``, ``mean.a2c``, ``var.reinforce``,
    ``var.a2c``, ``var_ratio`` or ``prob_decrease.reinforce``; ``values`` give
    ``lam``, ``N`` (a symbolic goal) and each symbol of the rules by name, e.g.
    ``estimator_value(rules, "var.a2c", N=3, lam=Fraction(1, 2), gamma=0.9)``.
    Raises :class:`~derivations.core.NoClosedForm` for a probability of a
    decrease outside its closed cases (:func:`prob_decrease_bounds` brackets it).
    """
    point = point_of(rules, values)
    if kind == "prob_decrease.reinforce":
        form = prob_decrease_reinforce(rules).result.subs(point)
        if form.has(sp.betainc_regularized):
            form = form.rewrite(sp.Integral).doit()  # a finite sum at integer arguments
        return sp.nsimplify(sp.simplify(form))
    if kind not in KINDS:
        raise ValueError(f"unknown quantity {kind!r}; one of {', '.join(KINDS)}")
    if kind == "var_ratio":
        va = estimator_value(rules, "var.a2c", **values)
        return sp.oo if va == 0 else estimator_value(rules, "var.reinforce", **values) / va
    head, _, which = kind.partition(".")
    form = {
        "grad": lambda: gradient(rules),
        "mean": lambda: mean_estimate(rules, which),
        "var": lambda: var_estimate(rules, which),
    }[head]().result
    return sp.nsimplify(sp.simplify(form.subs(point)))


def table_rows(
    rules: RaceRules, goals: tuple[int, ...], lambdas: tuple[sp.Rational, ...]
) -> list[dict[str, sp.Basic | None]]:
    """Exact values of the estimator analysis on a grid of N and lambda (one dict per row).

    Pure SymPy: the report turns the rows into a table.  A quantity with no
    exact value for these rules is ``None``; the rules' own symbols stay symbolic
    (only ``N`` and ``lambda`` are set).
    """
    rows = []
    for goal in goals:
        for lv in lambdas:
            row: dict[str, sp.Basic | None] = {"N": sp.Integer(goal), "lambda": lv}
            for cid in ESTIMATOR_IDS:
                derived = derive_all(rules).get(cid)
                if derived is None:  # no closed form for these rules
                    row[cid] = None
                    continue
                value = derived.result.subs({N_sym: goal, lam: lv})
                if value.has(sp.betainc_regularized):
                    value = sp.nsimplify(value.rewrite(sp.Integral).doit())  # a finite sum
                row[cid] = sp.simplify(value)
            rows.append(row)
    return rows
