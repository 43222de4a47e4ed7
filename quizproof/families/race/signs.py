r"""The race's yes/no claims in simulation: the last step, and the signs of the updates.

Yes/no claims are decided by what the episodes show: a negative REINFORCE
update either occurs or not; "A2C never decreases $\lambda$" passes when no
episode's A2C update is negative (after $n$ clean episodes the chance of a
negative update is below $-\ln\alpha/n$ at confidence $1-\alpha$).
"""

from __future__ import annotations

import itertools
import math

import sympy as sp

from derivations import race as race_derivations
from derivations.race import N, RaceRules, lam
from numerics import race as sim
from quizproof.families.race.runs import (
    advantage_function,
    check_race_value,
    param_values,
    race_of,
    race_points,
    rules_only,
)
from quizproof.family import Context
from quizproof.model import Claim
from quizproof.notation import NotationError, yes_no
from quizproof.simulation import ClaimCheck, PointCheck, SimulationRun, members, number

NEGATIVE_EPISODES = 50_000  # episodes per point for the sign-of-update claims
SIGN_N = 3  # advances to the goal in the sign-of-update checks
SIGN_LAMBDAS = (sp.Rational(1, 2), sp.Rational(1, 3), sp.Rational(4, 5))


def last_step(claim: Claim, ctx: Context, run: SimulationRun) -> ClaimCheck:
    """Yes/no: do the problem's Q formulas hold at i = N - 1?  Simulated Q decides."""
    rules: RaceRules = ctx.params
    out = ClaimCheck(claim.id, claim.answer)
    claimed_yes = yes_no(claim.answer)
    agree = True
    for p, rp in enumerate(race_points(rules, last=True)):
        for action in (1, 2):
            form = race_derivations.q_value(rules_only(rules), action).result
            value = number(form, rp.exact)
            runs = [(1, {"start": (rp.i, rp.t), "first_action": action})]
            pc = check_race_value(run.planner, (run.index, p, action), rp, value, runs)
            agree = agree and pc.passed
            pc.note = f"Q((N-1, t), a_{action}) by the general formula"
            out.points.append(pc)
    for pc in out.points:
        pc.passed = claimed_yes == agree
        pc.claimed = "yes" if claimed_yes else "no"
    return out


def sign(claim: Claim, ctx: Context, run: SimulationRun) -> ClaimCheck:
    """The two sign-of-update claims of the estimator analysis."""
    out = ClaimCheck(claim.id, claim.answer)
    if claim.kind == "reinforce_can_decrease":
        return _reinforce_sign(claim, run, ctx.params, out)
    return _a2c_sign(claim, ctx, run, out)


def _sign_points(rules: RaceRules, lambdas) -> list[dict[sp.Symbol, sp.Basic]]:
    """A grid over the admissible parameters: each lambda, each value of each new symbol."""
    values = param_values(rules)
    grids = [values[p] for p in rules.parameters]
    return [
        {N: sp.Integer(SIGN_N), lam: lv, **dict(zip(rules.parameters, pv, strict=True))}
        for lv in lambdas
        for pv in itertools.product(*grids)
    ]


def _sign_verdict(out: ClaimCheck, claimed_yes: bool, holds: bool) -> ClaimCheck:
    """Every point carries the claim's verdict: the property is one of the whole domain."""
    for pc in out.points:
        pc.passed = claimed_yes == holds
    return out


def _reinforce_sign(claim, run: SimulationRun, rules: RaceRules, out: ClaimCheck) -> ClaimCheck:
    """Yes/no: at lambda = 1/2, does some REINFORCE update decrease lambda (at some point)?"""
    claimed_yes = yes_no(claim.answer)
    n = run.samples or NEGATIVE_EPISODES
    seen_any = False
    points = _sign_points(rules, (sp.Rational(1, 2),))
    for p, exact in enumerate(points):
        s = sim.simulate(race_of(rules, exact), n, start=(0, 0), seed=run.seedseq(p))
        freq = s.reinforce_negative / s.episodes
        se = math.sqrt(freq * (1 - freq) / s.episodes)
        seen_any = seen_any or s.reinforce_negative > 0
        shown = {str(k): str(v) for k, v in exact.items()}
        note = f"{s.reinforce_negative} of {s.episodes} REINFORCE updates negative"
        out.points.append(
            PointCheck(shown, freq, se, "yes" if claimed_yes else "no", None, False, n, note)
        )
    return _sign_verdict(out, claimed_yes, seen_any)


def _advantages(claim: Claim, ctx: Context, run: SimulationRun) -> tuple[dict[int, sp.Basic], str]:
    r"""The advantages A2C uses: the true $A^\pi$.

    The file's printed advantages (what "given your answer to (c)" refers to)
    when this run's simulation confirmed them; otherwise the derived ones.
    """
    forms: dict[int, sp.Basic] = {}
    sources = []
    for action in (1, 2):
        kind = f"A.a{action}"
        printed = next(
            (c for c in run.quiz.claims
             if c.problem == claim.problem and c.kind == kind and not c.error),
            None,
        )  # fmt: skip
        member = None
        if printed is not None and printed.id in run.done and run.done[printed.id].passed:
            try:
                member = members(printed, ctx)[-1]
            except NotationError:
                member = None
        if member is None or isinstance(member, sp.Tuple):
            member = race_derivations.advantage(rules_only(ctx.params), action).result
            sources.append(f"derived A(a_{action})")
        else:
            sources.append(f"printed A(a_{action})")
        forms[action] = member
    return forms, " and ".join(sources)


def _a2c_sign(claim: Claim, ctx: Context, run: SimulationRun, out: ClaimCheck) -> ClaimCheck:
    """Yes/no: is no A2C update ever negative, anywhere on the admissible grid?"""
    rules: RaceRules = ctx.params
    claimed_yes = yes_no(claim.answer)
    forms, source = _advantages(claim, ctx, run)
    n = run.samples or NEGATIVE_EPISODES
    never_all = True
    points = _sign_points(rules, SIGN_LAMBDAS)
    for p, exact in enumerate(points):
        adv = advantage_function(forms, exact)
        s = sim.simulate(race_of(rules, exact), n, seed=run.seedseq(p), advantage=adv)
        freq = s.a2c_negative / s.episodes
        se = math.sqrt(freq * (1 - freq) / s.episodes)
        never_all = never_all and s.a2c_negative == 0
        shown = {str(k): str(v) for k, v in exact.items()}
        note = (
            f"{s.a2c_negative} of {s.episodes} A2C updates negative (advantages: {source}); "
            f"mean update {s.a2c.mean:.4g} ± {s.a2c.stderr:.2g}, variance {s.a2c.variance:.4g}"
            f" against REINFORCE's {s.reinforce.mean:.4g} ± {s.reinforce.stderr:.2g}, "
            f"variance {s.reinforce.variance:.4g}"
        )
        out.points.append(
            PointCheck(shown, freq, se, "yes" if claimed_yes else "no", None, False, n, note)
        )
    return _sign_verdict(out, claimed_yes, never_all)
