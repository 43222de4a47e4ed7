r"""The race to the goal: a family binding (TTIC 31230, Quiz 4, problem 3).

A policy flips a biased coin each step ($a_2$ with probability $\lambda$);
actions advance with their own probabilities; the episode ends after $N$
advances.  The family derives the next state, the value, action values and
advantages of the policy, and the exact analysis of the REINFORCE and A2C
policy-gradient estimates; its simulator runs the race step by step.

Its variant table is ``[race]`` (:mod:`.variants`); its notation is in
:mod:`.notation`; its simulation bindings in :mod:`.simulate`; its pages in
:mod:`.manual`.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from derivations import race
from derivations.core import Derivation
from derivations.race import policy_gradient as pg
from quizproof.decide import decide_value
from quizproof.families.race import estimators, laws, signs, simulate, steps
from quizproof.families.race.notation import UNKNOWNS
from quizproof.families.race.variants import prepare
from quizproof.family import ClaimKind, Context, Family, Legacy, ManualContent, kinds, lazy
from quizproof.model import Claim


def _decide_estimator(claim: Claim, ctx: Context, derivation: Derivation) -> dict[str, Any]:
    """A value of the estimator analysis; an infinite ratio is said, not compared."""
    if derivation.result is sp.oo:
        return {
            "verdict": "undecided",
            "evidence": "the ratio is infinite here: A2C's estimate has variance zero",
        }
    return decide_value(claim, ctx, derivation, UNKNOWNS)


def _decide_law(claim: Claim, ctx: Context, derivation: Derivation) -> dict[str, Any]:
    return laws.decide_law(claim, ctx, derivation, UNKNOWNS)


def _rules(derive):
    """A derivation of the rules alone (not their ranges), so variants share its cache."""
    return lambda ctx: derive(ctx.params.rules)


def _value(name: str, title: str, derive, simulator) -> ClaimKind:
    return ClaimKind(name, title, _rules(derive), "value", simulator, UNKNOWNS)


def _law(name: str, title: str, derive, simulator) -> ClaimKind:
    """A random outcome: its law (a single value when it is certain)."""
    return ClaimKind(name, title, _rules(derive), _decide_law, simulator, UNKNOWNS,
                     written=laws.written)  # fmt: skip


def _estimator(name: str, title: str, derive) -> ClaimKind:
    return ClaimKind(name, title, _rules(derive), _decide_estimator, estimators.estimator,
                     UNKNOWNS)  # fmt: skip


def _sign(name: str, title: str, derive) -> ClaimKind:
    """A yes/no claim about every admissible parameter: it quantifies over the ranges too."""
    return ClaimKind(
        name, title, lambda ctx: derive(ctx.params.rules, ctx.params.bounds), "yesno",
        signs.sign,
    )  # fmt: skip


KINDS = kinds(
    _law("next.a1", r"next state after $a_1$", lambda r: race.next_state_law(r, 1),
         steps.step),
    _law("next.a2", r"next state after $a_2$", lambda r: race.next_state_law(r, 2),
         steps.step),
    _value("series", "expected actions per advance", race.series, simulate.value),
    _value("V", r"$V^\pi(i, t)$", race.value_function, simulate.value),
    _law("R.last", r"$R((N-1, t), a_2)$, the reward of the last step",
         lambda r: race.last_step_reward_law(r, 2), steps.step),
    _value("ER.last", r"$E[R((N-1, t), a_2)]$, its expected reward",
           lambda r: race.expected_last_step_reward(r, 2), steps.step),
    _value("Q.a1", r"$Q^\pi((i, t), a_1)$", lambda r: race.q_value(r, 1), simulate.value),
    _value("Q.a2", r"$Q^\pi((i, t), a_2)$", lambda r: race.q_value(r, 2), simulate.value),
    _value("A.a1", r"$A^\pi((i, t), a_1)$", lambda r: race.advantage(r, 1), simulate.value),
    _value("A.a2", r"$A^\pi((i, t), a_2)$", lambda r: race.advantage(r, 2), simulate.value),
    ClaimKind("last_step", "the formulas hold at the last step", _rules(race.last_step),
              "yesno", signs.last_step),
    _sign("reinforce_can_decrease", r"REINFORCE can decrease $\lambda$",
          pg.reinforce_can_decrease),
    _sign("a2c_never_decreases", r"A2C never decreases $\lambda$", pg.a2c_never_decreases),
    _sign("a2c_toward_better", "A2C always moves toward the better action",
          pg.a2c_toward_better),
    _estimator("grad", r"$\frac{d}{d\lambda} E[R]$", pg.gradient),
    _estimator("mean.reinforce", "mean of REINFORCE's estimate",
               lambda r: pg.mean_estimate(r, "reinforce")),
    _estimator("mean.a2c", "mean of A2C's estimate", lambda r: pg.mean_estimate(r, "a2c")),
    _estimator("var.reinforce", "variance of REINFORCE's estimate",
               lambda r: pg.var_estimate(r, "reinforce")),
    _estimator("var.a2c", "variance of A2C's estimate", lambda r: pg.var_estimate(r, "a2c")),
    _estimator("var_ratio", "variance ratio, REINFORCE / A2C", pg.var_ratio),
    _estimator("prob_decrease.reinforce",
               r"probability that a REINFORCE episode decreases $\lambda$",
               pg.prob_decrease_reinforce),
)  # fmt: skip

# Quiz 4 poses the race as its problem 3, and its files name the claims by part.
LEGACY = Legacy(
    "3",
    {
        "p3a.next.a1": "next.a1",
        "p3a.next.a2": "next.a2",
        "p3b.series": "series",
        "p3b.V": "V",
        "p3c.R.last": "R.last",
        "p3c.ER.last": "ER.last",
        "p3c.Q.a1": "Q.a1",
        "p3c.Q.a2": "Q.a2",
        "p3c.V": "V",
        "p3c.A.a1": "A.a1",
        "p3c.A.a2": "A.a2",
        "p3c.last_step": "last_step",
        **{f"p3d.{name}": name for name in list(KINDS)[11:]},
    },
)

FAMILY = Family(
    name="race",
    title="The race to the goal",
    kinds=KINDS,
    prepare=prepare,
    table="race",
    legacy=LEGACY,
    manual=ManualContent(
        restatement=lazy("quizproof.families.race.manual:restatement"),
        rules=lazy("quizproof.families.race.manual:rules"),
        figures=lazy("quizproof.families.race.manual:figures"),
        tables=lazy("quizproof.families.race.manual:tables"),
    ),
    bench=lazy("quizproof.families.race.simulate:bench"),
)
