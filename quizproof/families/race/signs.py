r"""The race's yes/no claims in simulation: the last step, and the signs of the updates.

No derived form enters here.  The last-step claim ("these equations handle the
last step as well") is tested on the file's own printed $Q$ formulas: each is
evaluated at $i = N - 1$ and compared with $Q$ simulated there.  The sign
claims are decided by what the simulation shows:

- "REINFORCE can decrease $\lambda$": whether some episode's REINFORCE update
  at $\lambda = 1/2$ is negative;
- "A2C never decreases $\lambda$": A2C's update is a sum of terms
  $\partial_\lambda \ln \pi(a) \, A(s, a)$, so it never decreases $\lambda$
  exactly when no such term is negative.  At a grid of states the advantages
  are estimated from paired episodes ($A(s, a_1) = \lambda D$,
  $A(s, a_2) = -(1-\lambda) D$, $D = Q(s, a_1) - Q(s, a_2)$) and each term is
  z-tested against zero: the claim "yes" fails when some term is negative
  beyond the false-alarm rate, "no" fails when none is.
"""

from __future__ import annotations

import itertools
import math

import sympy as sp

from derivations.race import RaceRules, i, lam, t
from numerics import race as sim
from numerics.stats import FALSE_ALARM, critical_z
from quizproof.families.race.notation import UNKNOWNS
from quizproof.families.race.quantities import Quantity
from quizproof.families.race.runs import param_values, race_of, race_points
from quizproof.family import Context
from quizproof.model import Claim
from quizproof.notation import NotationError, yes_no
from quizproof.notation.unknowns import marked
from quizproof.simulation import (
    ClaimCheck,
    NotSimulated,
    PointCheck,
    SimulationRun,
    members,
    number,
    show,
)

NEGATIVE_EPISODES = 50_000  # episodes per point for the REINFORCE sign claim
PAIRS = 1 << 14  # paired episodes per state for the A2C sign claim
SIGN_N = 3  # advances to the goal in the sign-of-update checks
SIGN_LAMBDAS = (sp.Rational(1, 2), sp.Rational(1, 3), sp.Rational(4, 5))
SIGN_STATES = tuple((ii, tt) for ii in range(SIGN_N) for tt in (0, 1, 4))


def _printed_q(claim: Claim, ctx: Context, run: SimulationRun) -> dict[int, sp.Basic]:
    """The closed forms the file prints for Q of each action in the same problem."""
    out = {}
    for action in (1, 2):
        for c in run.quiz.claims:
            if c.problem == claim.problem and c.kind == f"Q.a{action}" and not c.error:
                try:
                    value = members(c, ctx, unknowns=UNKNOWNS)[-1]
                except NotationError:
                    continue
                if not marked(value) and not isinstance(value, sp.Tuple):
                    out[action] = value
                    break
    return out


def last_step(claim: Claim, ctx: Context, run: SimulationRun) -> ClaimCheck:
    """Yes/no: do the file's printed Q formulas, right away from the goal, hold next to it?

    Each printed formula is tested against simulated $Q$ at states two or more
    advances from the goal and at $i = N - 1$.  Where it fails away from the goal
    it is simply wrong, and says nothing about the last step: not simulated.
    """
    rules: RaceRules = ctx.params
    out = ClaimCheck(claim.id, claim.answer)
    claimed_yes = yes_no(claim.answer)
    forms = _printed_q(claim, ctx, run)
    if not forms:
        raise NotSimulated("the file prints no formula for Q to test at the last step")
    interior = [rp for rp in race_points(rules) if rp.i < rp.race.N - 1]
    holds = True
    for p, rp in enumerate([*interior, *race_points(rules, last=True)]):
        last = rp.i == rp.race.N - 1
        for action, form in forms.items():
            q = Quantity("Q", rp.i, rp.t, action)
            estimate = q.estimator(rp.race, run.planner, (run.index, p, action))
            pc = run.planner.decide(rp.shown, number(form, rp.exact), estimate)
            if not last and not pc.passed:
                raise NotSimulated(
                    f"the printed $Q^\\pi((i, t), a_{action})$ fails away from the goal too "
                    f"(at {show(rp.exact)}), so it says nothing about the last step"
                )
            where = "at $i = N - 1$" if last else "away from the goal"
            pc.note = f"the printed $Q^\\pi((i, t), a_{action})$ {where} against simulated $Q$"
            holds = holds and pc.passed
            out.points.append(pc)
    for pc in out.points:
        pc.passed = claimed_yes == holds
        pc.claimed = "yes" if claimed_yes else "no"
    return out


def sign(claim: Claim, ctx: Context, run: SimulationRun) -> ClaimCheck:
    """The sign-of-update claims of the estimator analysis."""
    out = ClaimCheck(claim.id, claim.answer)
    if claim.kind == "reinforce_can_decrease":
        return _reinforce_sign(claim, run, ctx.params, out)
    if claim.kind == "a2c_toward_better":
        return _toward_better(claim, run, ctx.params, out)
    return _a2c_sign(claim, run, ctx.params, out)


def _sign_points(rules: RaceRules, lambdas) -> list[dict[sp.Symbol, sp.Basic]]:
    """A grid over the admissible parameters: each lambda, each value of each new symbol.

    A race whose goal is the symbol $N$ is run with $N$ = :data:`SIGN_N`; a
    variant's own goal is kept.
    """
    values = param_values(rules)
    grids = [values[p] for p in rules.parameters]
    goal = {} if rules.goal.is_number else {rules.goal: sp.Integer(SIGN_N)}
    return [
        {**goal, lam: lv, **dict(zip(rules.parameters, pv, strict=True))}
        for lv in lambdas
        for pv in itertools.product(*grids)
    ]


def _states(race: sim.Race) -> tuple[tuple[int, int], ...]:
    """The grid states inside the race (a variant's goal may be nearer than SIGN_N)."""
    return tuple((ii, tt) for ii, tt in SIGN_STATES if ii < race.N)


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
    for p, exact in enumerate(_sign_points(rules, (sp.Rational(1, 2),))):
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


def _a2c_sign(claim, run: SimulationRun, rules: RaceRules, out: ClaimCheck) -> ClaimCheck:
    r"""Yes/no: is no term $\partial_\lambda \ln\pi(a) A(s, a)$ negative, at any grid state?

    The scores are the policy's own, $1/\lambda$ for $a_2$ and $-1/(1-\lambda)$ for
    $a_1$; with $\lambda = \sigma(\theta)$ each is multiplied by $\lambda(1-\lambda) > 0$,
    which changes no sign.
    """
    claimed_yes = yes_no(claim.answer)
    n = run.samples or PAIRS
    points = _sign_points(rules, SIGN_LAMBDAS)
    crit = critical_z() if len(points) == 1 else critical_z(1e-6 / len(points) / len(SIGN_STATES))
    never_all = True
    for p, exact in enumerate(points):
        race = race_of(rules, exact)
        lam_v = race.lam
        worst = (math.inf, None, 0.0, 0.0)  # (z, state, term, se)
        for s, state in enumerate(_states(race)):
            d = sim.simulate_pairs(race, n, start=state, seed=run.seedseq(p, s)).diff
            for score, factor in ((-1.0 / (1.0 - lam_v), lam_v), (1.0 / lam_v, -(1.0 - lam_v))):
                term = score * factor * d.mean  # $\partial_\lambda \ln\pi(a) \hat A(s, a)$
                se = abs(score * factor) * (d.stderr if d.variance > 0 else 0.0)
                z = term / se if se > 0 else (0.0 if term == 0 else math.copysign(math.inf, term))
                if z < worst[0]:
                    worst = (z, state, term, se)
        z, state, term, se = worst
        negative = z < -crit
        never_all = never_all and not negative
        where = {**exact, i: sp.Integer(state[0]), t: sp.Integer(state[1])}
        note = (
            f"most negative score-times-advantage term {term:.4g} ± {se:.2g} at "
            f"{show({i: where[i], t: where[t]})} (z = {z:+.2f}; negative beyond {crit:.2f}: "
            f"{'yes' if negative else 'no'}); advantages from {n} paired episodes per state"
        )
        out.points.append(
            PointCheck({str(k): str(v) for k, v in exact.items()}, term, se,
                       "yes" if claimed_yes else "no", z, False, n * len(_states(race)), note)
        )  # fmt: skip
    return _sign_verdict(out, claimed_yes, never_all)


def _toward_better(claim, run: SimulationRun, rules: RaceRules, out: ClaimCheck) -> ClaimCheck:
    r"""Yes/no: does every A2C term push $\lambda$ toward the action with the larger $Q^\pi$?

    At each grid state three independent runs estimate $V^\pi(s)$ (the policy's
    own episodes) and $Q^\pi(s, a_1)$, $Q^\pi(s, a_2)$ (first action forced);
    two more independent runs estimate the $Q$s again to name the better action,
    $\hat\Delta = \hat Q_2' - \hat Q_1'$.  Each term
    $\partial_\lambda \ln\pi(a)\,(\hat Q_a - \hat V)$ is compared with $\hat\Delta$:
    a term and a $\hat\Delta$ both beyond the critical $z$ (Bonferroni over
    every test) with opposite signs contradict "yes".  "No" fails when no
    state shows such a contradiction.
    """
    claimed_yes = yes_no(claim.answer)
    n = run.samples or PAIRS
    points = _sign_points(rules, SIGN_LAMBDAS)
    tests = 2 * len(points) * len(SIGN_STATES)
    crit = critical_z(FALSE_ALARM / tests)
    agrees_all = True
    for p, exact in enumerate(points):
        race = race_of(rules, exact)
        lv = race.lam
        decisive, against = 0, None
        for s, state in enumerate(_states(race)):
            seeds = [run.seedseq(p, s, m) for m in range(5)]
            v, v_se = _mean_return(race, n, state, None, seeds[0])
            q = {a: _mean_return(race, n, state, a, seeds[a]) for a in (1, 2)}
            q1, q2 = (_mean_return(race, n, state, a, seeds[a + 2]) for a in (1, 2))
            delta, d_se = q2[0] - q1[0], math.hypot(q1[1], q2[1])
            for action, score in ((1, -1.0 / (1.0 - lv)), (2, 1.0 / lv)):
                term = score * (q[action][0] - v)
                se = abs(score) * math.hypot(q[action][1], v_se)
                if _beyond(term, se, crit) and _beyond(delta, d_se, crit):
                    decisive += 1
                    if (term > 0) != (delta > 0):
                        against = (state, action, term, se, delta, d_se)
        agrees_all = agrees_all and against is None
        if against is None:
            note = (f"every term and the better action agree in sign at the {decisive} "
                    f"decisive (action, state) pairs (|z| > {crit:.2f} for both)")  # fmt: skip
        else:
            (si, st), action, term, se, delta, d_se = against
            note = (f"at $({si}, {st})$ the term of $a_{action}$ is {term:.4g} ± {se:.2g} "
                    f"but $Q_2 - Q_1$ = {delta:.4g} ± {d_se:.2g}")  # fmt: skip
        out.points.append(
            PointCheck({str(k): str(v) for k, v in exact.items()}, float(decisive), 0.0,
                       "yes" if claimed_yes else "no", None, False, 5 * n * len(_states(race)),
                       note)
        )  # fmt: skip
    return _sign_verdict(out, claimed_yes, agrees_all)


def _mean_return(race: sim.Race, n: int, state, first: int | None, seed) -> tuple[float, float]:
    """The mean return of n episodes from the state (first action forced, or not), its se."""
    r = sim.simulate(race, n, start=state, first_action=first, seed=seed).ret
    return r.mean, r.stderr if r.variance > 0 else 0.0


def _beyond(value: float, se: float, crit: float) -> bool:
    """Is the value's sign settled: |z| beyond the critical value (exact when se = 0)?"""
    return value != 0 and (se == 0 or abs(value) / se > crit)
