r"""Policy gradients on the race to the goal (TTIC 31230, Quiz 4, problem 3(d)).

The policy has one parameter, $\lambda = \pi(a_2)$, so its score is

$$\frac{d}{d\lambda} \ln \pi(a_2) = \frac{1}{\lambda}, \qquad
  \frac{d}{d\lambda} \ln \pi(a_1) = -\frac{1}{1-\lambda}.$$

For one episode $(s_0, a_0, \dots, s_{T-1}, a_{T-1})$ of $T$ actions the two
per-episode estimates of $\frac{d}{d\lambda} E[R]$ are

$$\hat g_{\text{REINFORCE}} = \sum_{t<T} \frac{d \ln \pi(a_t)}{d\lambda}
     \sum_{t' \ge t} R(s_{t'}, a_{t'}), \qquad
  \hat g_{\text{A2C}} = \sum_{t<T} \frac{d \ln \pi(a_t)}{d\lambda} A^\pi(s_t, a_t).$$

The analysis lives in three sibling modules; this one re-exports their names
(so ``pg.a2c_never_decreases``, ``pg.episode_law``, ``pg.var_ratio``, ... are
where they always were) and adds every derivation at once and the table of
exact values:

- :mod:`derivations.race.signs`: the scores, the admissible ranges of a
  variant's parameters, and the signs of the updates (whether A2C can move
  $\lambda$ the wrong way, an episode in which REINFORCE does);
- :mod:`derivations.race.episodes`: the joint law of $(T, n_2)$ through its
  PGF, and the short episodes;
- :mod:`derivations.race.estimators`: $\frac{d}{d\lambda} E[R]$, the means and
  variances of both estimates, their ratio, and the probability that one
  REINFORCE episode decreases $\lambda$.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from derivations.core import Derivation, Step
from derivations.race.episodes import EpisodeLaw, K_sym, T_sym, episode_law, n2_sym, rewards, x, y
from derivations.race.estimators import (
    PER_STEP_REASON,
    a2c_estimate,
    expected_return,
    gradient,
    mean_estimate,
    per_step_reinforce_moments,
    prob_decrease_reinforce,
    reinforce_estimate,
    var_estimate,
    var_ratio,
)
from derivations.race.rules import DOMAIN, RaceRules, lam
from derivations.race.rules import N as N_sym
from derivations.race.rules import i as i_sym
from derivations.race.rules import t as t_sym
from derivations.race.signs import (
    ACTIONS,
    GRID,
    HALF,
    PARAM_GRID,
    UNIT,
    Bounds,
    a2c_never_decreases,
    a_1,
    a_2,
    interval_of,
    interval_points,
    interval_text,
    reinforce_can_decrease,
    reinforce_update,
    score,
    score_theta,
    theta,
    tidy,
    u,
)
from derivations.race.values import advantage, value_function

# Every public name of the module before it was split (its own and those it imported).
__all__ = [
    "ACTIONS",
    "DOMAIN",
    "ESTIMATOR_IDS",
    "GRID",
    "HALF",
    "PARAM_GRID",
    "PER_STEP_REASON",
    "UNIT",
    "Bounds",
    "Derivation",
    "EpisodeLaw",
    "K_sym",
    "N_sym",
    "RaceRules",
    "Step",
    "T_sym",
    "a2c_estimate",
    "a2c_never_decreases",
    "a_1",
    "a_2",
    "advantage",
    "derive_all",
    "episode_law",
    "expected_return",
    "gradient",
    "i_sym",
    "interval_of",
    "interval_points",
    "interval_text",
    "lam",
    "mean_estimate",
    "n2_sym",
    "per_step_reinforce_moments",
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
    """Every p3d derivation for these rules, by claim id."""
    out = [
        a2c_never_decreases(rules),
        reinforce_can_decrease(rules),
        gradient(rules),
        mean_estimate(rules, "reinforce"),
        mean_estimate(rules, "a2c"),
        var_estimate(rules, "reinforce"),
        var_estimate(rules, "a2c"),
        var_ratio(rules),
        prob_decrease_reinforce(rules),
    ]
    return {d.id: d for d in out}


ESTIMATOR_IDS = (
    "p3d.grad",
    "p3d.var.reinforce",
    "p3d.var.a2c",
    "p3d.var_ratio",
    "p3d.prob_decrease.reinforce",
)


def table_rows(
    rules: RaceRules, goals: tuple[int, ...], lambdas: tuple[sp.Rational, ...]
) -> list[dict[str, sp.Basic]]:
    """Exact values of the estimator analysis on a grid of N and lambda (one dict per row).

    Pure SymPy: the report turns the rows into a table.  A form without a closed
    form for these rules gives ``nan``; the new symbols of a variant stay symbolic.
    """
    forms = {cid: derive_all(rules)[cid].result for cid in ESTIMATOR_IDS}
    rows = []
    for goal in goals:
        for lv in lambdas:
            row: dict[str, sp.Basic] = {"N": sp.Integer(goal), "lambda": lv}
            for cid, form in forms.items():
                value = form.subs({N_sym: goal, lam: lv})
                if isinstance(value, sp.betainc_regularized):
                    value = sp.nsimplify(value.rewrite(sp.Integral).doit())  # a finite sum
                row[cid] = sp.simplify(value)
            rows.append(row)
    return rows
