r"""Where a printed answer meets a simulation of its problem's own process.

For every claim with a value to simulate, the claim's answer (read in its
problem's notation, as the checker reads it; every member of a chain) is
evaluated at a few admissible parameter points and tested against a numpy
simulation that knows nothing of the closed forms (:mod:`numerics`).  So a
wrong printed answer fails here even when the derivation is right, and a
wrong derivation cannot make a right answer fail.

**What is simulated.**  Problem 3, the race (a file's ``[race]`` table sets
the rules the simulation runs):

| claim ids | simulated quantity |
| --- | --- |
| ``p3b.V``, ``p3c.V`` | mean return of episodes from $(i, t)$ |
| ``p3c.Q.a1``, ``p3c.Q.a2`` | mean return with the first action forced |
| ``p3c.A.a1``, ``p3c.A.a2`` | $\lambda D$ and $-(1-\lambda) D$, $D$ the paired difference of the returns after a forced $a_1$ and a forced $a_2$ |
| ``p3b.series`` | mean number of actions to make one advance |
| ``p3c.R.last`` | mean reward of $a_2$ in $(N-1, t)$ |
| ``p3a.next.a1``, ``p3a.next.a2`` | mean next state $(i', t')$ after the action |
| ``p3c.last_step`` | the problem's formulas for $Q$ at $i = N - 1$ against simulated $Q$ |
| ``p3d.reinforce_can_decrease`` | whether some REINFORCE update at $\lambda = 1/2$ is negative |
| ``p3d.a2c_never_decreases`` | whether no A2C update is negative, with the true advantages |
| ``p3d.grad`` | mean of REINFORCE's estimate with a constant baseline, from $(0, 0)$ |
| ``p3d.mean.*`` | mean of REINFORCE's (A2C's) per-episode estimate from $(0, 0)$ |
| ``p3d.var.*``, ``p3d.var_ratio`` | sample variances (standard error from $\hat\mu_4$), their ratio |
| ``p3d.prob_decrease.reinforce`` | share of episodes whose REINFORCE update is negative |

The sign-of-update claims are properties of the whole admissible domain: they
are simulated on a grid of $\lambda$ and of the variant's parameters (inside
its ``[race.assume]`` ranges), and decided by what any episode shows.

Problem 2, vector quantization: ``p2b.sgd_update`` and ``p2c.rolling_average``
(an update of $e(k)$) are applied once against an SGD step on objective (4)
and then drive a codebook on streaming Gaussian-mixture data, whose codewords
must settle at the mean of their assigned vectors; ``p2a.straight_through``
(an update of ``x.grad``) is compared with central differences of a smooth
stand-in of objective (3).  Problem 1: ``p1a.identity`` and ``p1c.bound`` (the
integrands) on random finite populations, encoders and models: the exact
expectation on the finite support and a sampled one against $H(y)$ (equal for
the identity and for the bound at the true models; never below for the bound).

**How a check decides.**  Each point is a two-sided z-test
$z = (\hat\theta - c)/\mathrm{se}$ (:mod:`numerics.stats`) with false-alarm
rate $\alpha = 10^{-6}$ per point.  Unless ``samples`` fixes the number of
episodes, it runs in two stages, each tested at $\alpha/2$ (so at most
$\alpha$ together): a pilot of $2^{14}$ episodes, which already fails a claim
far off; then a run of
$n = \lceil ((z_{1-\alpha/4} + z_{0.99})\,\sigma/\delta)^2 \rceil$ episodes,
$\sigma$ the pilot's per-episode standard deviation (inflated by 5% for the
pilot's own error) and $\delta = 1\%$ of the claimed value, so a claim off by
1% fails with probability at least $0.99$.  A claim passes when every point
and every member of its chain passes.  A quantity that does not vary (a
deterministic transition) is compared exactly, up to float rounding.

Yes/no claims are decided by what the episodes show: a negative REINFORCE
update either occurs or not; "A2C never decreases $\lambda$" passes when no
episode's A2C update is negative (after $n$ clean episodes the chance of a
negative update is below $-\ln\alpha/n$ at confidence $1-\alpha$).

One seed fixes every number: the check of claim $c$ at point $p$ draws from
``SeedSequence(seed, spawn_key=(c, p))``.
"""

from __future__ import annotations

import argparse
import importlib
import itertools
import math
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp

from derivations import race as race_derivations
from derivations.race import N, RaceRules, i, lam, t
from derivations.race import policy_gradient as pg
from numerics import entropy, vq
from numerics import race as sim
from numerics.stats import FALSE_ALARM, RELATIVE_DEVIATION, Moments, samples_needed, z_test
from quizproof.families import Context, FamilyError, families
from quizproof.model import Claim, Quiz, load_quiz
from quizproof.notation import SUBJECT, NotationError, parse, yes_no
from quizproof.output import emit

PILOT = 1 << 14
STAGE_ALARM = FALSE_ALARM / 2  # the pilot's test and the main run's test
SIGMA_MARGIN = 1.05
MAX_EPISODES = 20_000_000
NEGATIVE_EPISODES = 50_000  # episodes per point for the sign-of-update claims
SIGN_N = 3  # advances to the goal in the sign-of-update checks

# Admissible points (exact): N, lambda, i, t.  i = N - 1 keeps the variance of a return small.
POINTS = (
    (3, sp.Rational(1, 2), 2, 3),
    (4, sp.Rational(3, 4), 2, 1),
    (2, sp.Rational(2, 5), 1, 2),
)
PARAM_VALUES = (sp.Rational(1, 2), sp.Rational(2, 3), sp.Rational(3, 4))
SIGN_LAMBDAS = (sp.Rational(1, 2), sp.Rational(1, 3), sp.Rational(4, 5))


class SimulationError(ValueError):
    """A claim cannot be simulated (its value is not a finite number at a point)."""


# ---------------------------------------------------------------------------
# Records


@dataclass
class PointCheck:
    point: dict[str, str]
    estimate: float
    stderr: float
    claimed: Any
    z: float | None
    passed: bool
    episodes: int
    note: str = ""
    one_sided: bool = False  # a bound: a large z on the right side is no deviation
    member: str = ""  # in a chain X = Y = value, which member this point tests


@dataclass
class ClaimCheck:
    id: str
    answer: str
    points: list[PointCheck] = field(default_factory=list)
    message: str = ""

    @property
    def passed(self) -> bool:
        return bool(self.points) and all(p.passed for p in self.points)

    def worst(self) -> PointCheck:
        def badness(p: PointCheck) -> tuple[int, int, float]:
            if p.z is None or (p.one_sided and p.passed):
                return (0 if p.passed else 1, 0, 0.0)
            z = p.z if math.isfinite(p.z) else math.inf
            return (0 if p.passed else 1, 1, abs(z))

        return max(self.points, key=badness)

    def as_json(self) -> dict[str, Any]:
        if not self.points:
            return {
                "id": self.id,
                "answer": self.answer,
                "estimate": None,
                "stderr": None,
                "claimed": None,
                "z": None,
                "passed": False,
                "points": [],
                "message": self.message,
            }
        w = self.worst()
        return {
            "id": self.id,
            "answer": self.answer,
            "estimate": _finite(w.estimate),
            "stderr": _finite(w.stderr),
            "claimed": _finite(w.claimed) if isinstance(w.claimed, float) else w.claimed,
            "z": _finite(w.z),
            "passed": self.passed,
            "points": [
                {
                    "point": p.point,
                    "estimate": _finite(p.estimate),
                    "stderr": _finite(p.stderr),
                    "claimed": _finite(p.claimed) if isinstance(p.claimed, float) else p.claimed,
                    "z": _finite(p.z),
                    "passed": p.passed,
                    "episodes": p.episodes,
                    **({"member": p.member} if p.member else {}),
                    **({"note": p.note} if p.note else {}),
                }
                for p in self.points
            ],
            **({"message": self.message} if self.message else {}),
        }


def _labelled(pc: PointCheck, member: sp.Basic, members: list[sp.Basic]) -> PointCheck:
    """Name the chain member a point tests, when the answer is a chain of several."""
    if len(members) > 1:
        k = next(n for n, m in enumerate(members) if m is member)
        pc.member = f"{k + 1} of {len(members)}"
    return pc


def _finite(x: float | None) -> float | None:
    """JSON has no infinities: a non-finite number is written as null."""
    if x is None or not math.isfinite(x):
        return None
    return float(x)


# ---------------------------------------------------------------------------
# Evaluating a claim at a point


def _number(expr: sp.Basic, point: dict[sp.Symbol, sp.Basic]) -> float:
    value = expr.subs(point)
    if value.has(sp.Sum):
        value = value.doit()
    if value.free_symbols:
        names = ", ".join(sorted(str(s) for s in value.free_symbols))
        raise SimulationError(f"the answer still depends on {names} at a parameter point")
    z = complex(sp.N(value, 30))
    if not (math.isfinite(z.real) and abs(z.imag) <= 1e-12 * max(1.0, abs(z.real))):
        raise SimulationError(f"the answer is not a finite real number at {_show(point)}")
    return z.real


def _show(point: dict[sp.Symbol, sp.Basic]) -> str:
    return ", ".join(f"{k} = {v}" for k, v in point.items())


def _members(claim: Claim, ctx: Context) -> list[sp.Basic]:
    parsed = parse(claim.answer, ctx.scope)
    if any(rel != "=" for rel in parsed.relations):
        bad = next(rel for rel in parsed.relations if rel != "=")
        raise NotationError(f"expected a value or a chain of '=', found {bad!r}")
    members = [m for m in parsed.members if m is not SUBJECT]
    if not members:
        raise NotationError("the answer names what is asked but gives no value")
    return members


# ---------------------------------------------------------------------------
# The race


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
        out.append(RacePoint(exact, _race(rules, exact), ii, tt))
    return out


def _rules_only(rules: RaceRules) -> RaceRules:
    """The rules without a variant's ranges (what the derivations take)."""
    return getattr(rules, "rules", rules)


def _race(rules: RaceRules, exact: dict[sp.Symbol, sp.Basic]) -> sim.Race:
    return sim.Race(
        lam=float(exact[lam]),
        N=int(exact[N]),
        advance_a1=float(rules.advance_a1.subs(exact)),
        advance_a2=float(rules.advance_a2.subs(exact)),
        reward=rules.reward,
    )


class Planner:
    """Sizes and seeds the runs of a check.

    With ``samples`` every run has that many episodes and each point is one
    z-test at :data:`FALSE_ALARM`.  Otherwise a point is a two-stage test: the
    pilot run is tested first, then a run sized by the sample-size rule, each
    at half the false-alarm rate (so together at most :data:`FALSE_ALARM`):
    a claim far off fails at the pilot's cost.
    """

    def __init__(self, seed: int, samples: int | None):
        self.seed = seed
        self.samples = samples

    def seedseq(self, *key: int) -> np.random.SeedSequence:
        return np.random.SeedSequence(self.seed, spawn_key=key)

    def size(self, sigma: float, claimed: float, scale: float) -> tuple[int, str]:
        delta = RELATIVE_DEVIATION * (abs(claimed) or abs(scale) or 1.0)
        n = samples_needed(SIGMA_MARGIN * sigma, delta, alpha=STAGE_ALARM) if sigma > 0 else PILOT
        if n > MAX_EPISODES:
            return MAX_EPISODES, f"capped at {MAX_EPISODES} episodes: less than 99% power at 1%"
        return max(n, 1000), ""

    def decide(
        self,
        shown: dict[str, str],
        claimed: float,
        estimate: Callable[[int, int], tuple[float, float, float]],
    ) -> PointCheck:
        """``estimate(stage, n) -> (estimate, stderr, per-episode sigma)`` for independent stages."""
        if self.samples is not None:
            est, se, _ = estimate(1, self.samples)
            test = z_test(est, se, claimed)
            return PointCheck(shown, est, test.stderr, claimed, test.z, test.passed, self.samples)
        est, se, sigma = estimate(0, PILOT)
        test = z_test(est, se, claimed, alpha=STAGE_ALARM)
        if not test.passed:
            note = "rejected by the pilot run (each stage at half the false-alarm rate)"
            return PointCheck(shown, est, test.stderr, claimed, test.z, False, PILOT, note)
        n, note = self.size(sigma, claimed, est)
        est, se, _ = estimate(1, n)
        test = z_test(est, se, claimed, alpha=STAGE_ALARM)
        return PointCheck(shown, est, test.stderr, claimed, test.z, test.passed, n, note)


def check_race_value(
    plan: Planner,
    key: tuple[int, ...],
    rp: RacePoint,
    claimed: float,
    runs: list[tuple[int, dict[str, Any]]],
) -> PointCheck:
    """Test ``claimed`` against the sum of sign * mean over independent runs.

    A run is ``(sign, options)``; the option ``what`` picks the return
    (default) or the number of actions; the rest go to :func:`numerics.race.simulate`.
    """

    def estimate(stage: int, n: int) -> tuple[float, float, float]:
        est, var, sigma2 = 0.0, 0.0, 0.0
        for m, (sign, options) in enumerate(runs):
            options = dict(options)
            what = options.pop("what", "ret")
            stats = sim.simulate(rp.race, n, seed=plan.seedseq(*key, m, stage), **options)
            mom = stats.length if what == "length" else stats.ret
            est += sign * mom.mean  # $\hat\theta = \sum_m \pm \bar G_m$
            var += mom.stderr**2 if mom.variance > 0 else 0.0  # independent runs: variances add
            sigma2 += mom.variance if mom.n > 1 else 0.0
        return est, math.sqrt(var), math.sqrt(sigma2)

    return plan.decide(rp.shown, claimed, estimate)


def check_advantage(
    plan: Planner, key: tuple[int, ...], rp: RacePoint, action: int, claimed: float
) -> PointCheck:
    r"""$A(s, a) = Q(s, a) - V(s)$ with $V(s) = (1-\lambda) Q(s, a_1) + \lambda Q(s, a_2)$.

    So $A(s, a_1) = \lambda D$ and $A(s, a_2) = -(1-\lambda) D$ with
    $D = Q(s, a_1) - Q(s, a_2)$, estimated from paired episodes
    (:func:`numerics.race.simulate_pairs`).
    """
    lam_v = rp.race.lam
    factor = lam_v if action == 1 else -(1.0 - lam_v)

    def estimate(stage: int, n: int) -> tuple[float, float, float]:
        d = sim.simulate_pairs(rp.race, n, start=(rp.i, rp.t), seed=plan.seedseq(*key, stage)).diff
        spread = d.variance > 0
        est = factor * d.mean  # $\hat A = \lambda \bar D$ or $-(1-\lambda)\bar D$
        return (
            est,
            abs(factor) * d.stderr if spread else 0.0,
            abs(factor) * d.std if spread else 0.0,
        )

    return plan.decide(rp.shown, claimed, estimate)


def _value_runs(cid: str, rp: RacePoint) -> list[tuple[int, dict[str, Any]]]:
    start = (rp.i, rp.t)
    if cid in ("p3b.V", "p3c.V"):
        return [(1, {"start": start})]
    if cid in ("p3c.Q.a1", "p3c.Q.a2"):
        return [(1, {"start": start, "first_action": int(cid[-1])})]
    if cid == "p3b.series":
        return [(1, {"start": (rp.race.N - 1, rp.t), "what": "length"})]
    raise KeyError(cid)


VALUE_IDS = ("p3b.V", "p3c.V", "p3c.Q.a1", "p3c.Q.a2", "p3c.A.a1", "p3c.A.a2", "p3b.series")
STEP_IDS = ("p3a.next.a1", "p3a.next.a2", "p3c.R.last")
SIGN_IDS = ("p3d.reinforce_can_decrease", "p3d.a2c_never_decreases")
P3D_VALUE_IDS = (
    "p3d.grad",
    "p3d.mean.reinforce",
    "p3d.mean.a2c",
    "p3d.var.reinforce",
    "p3d.var.a2c",
    "p3d.var_ratio",
    "p3d.prob_decrease.reinforce",
)
RACE_IDS = (*VALUE_IDS, *STEP_IDS, "p3c.last_step", *SIGN_IDS, *P3D_VALUE_IDS)


def simulate_race_claim(
    claim: Claim,
    index: int,
    quiz: Quiz,
    ctx: Context,
    plan: Planner,
    tick: Callable[[], None],
    done: dict[str, ClaimCheck] | None = None,
) -> ClaimCheck:
    """Simulate one claim of the race; ``done`` holds the checks already made in this run."""
    rules: RaceRules = ctx.params
    cid = claim.id
    out = ClaimCheck(cid, claim.answer)
    if cid in VALUE_IDS or cid in STEP_IDS:
        members = _members(claim, ctx)
        last = cid == "p3c.R.last"
        for p, rp in enumerate(race_points(rules, last=last)):
            for mi, member in enumerate(members):
                key = (index, p, mi)
                if cid in STEP_IDS:
                    out.points.extend(_step_checks(cid, member, rp, plan, key))
                else:
                    if isinstance(member, sp.Tuple):
                        raise SimulationError("a tuple where a single value is asked")
                    claimed = _number(member, rp.exact)
                    if cid in ("p3c.A.a1", "p3c.A.a2"):
                        pc = check_advantage(plan, key, rp, int(cid[-1]), claimed)
                    else:
                        pc = check_race_value(plan, key, rp, claimed, _value_runs(cid, rp))
                    out.points.append(_labelled(pc, member, members))
            tick()
        return out
    if cid in P3D_VALUE_IDS:
        members = _members(claim, ctx)
        forms = {a: race_derivations.advantage(_rules_only(rules), a).result for a in (1, 2)}
        for p, rp in enumerate(race_points(rules, start=True)):
            adv = _advantage_function(forms, rp.exact)
            for mi, member in enumerate(members):
                if isinstance(member, sp.Tuple):
                    raise SimulationError("a tuple where a single value is asked")
                claimed = _number(member, rp.exact)
                pc = check_episode_statistic(cid, plan, (index, p, mi), rp, claimed, adv)
                out.points.append(_labelled(pc, member, members))
            tick()
        return out
    if cid == "p3c.last_step":
        return _last_step(claim, index, rules, plan, tick, out)
    if cid == "p3d.reinforce_can_decrease":
        return _reinforce_sign(claim, index, rules, plan, tick, out)
    if cid == "p3d.a2c_never_decreases":
        return _a2c_sign(claim, index, quiz, ctx, plan, tick, out, done or {})
    raise KeyError(cid)


def _step_checks(
    cid: str, member: sp.Basic, rp: RacePoint, plan: Planner, key: tuple[int, ...]
) -> list[PointCheck]:
    action = 2 if cid in ("p3a.next.a2", "p3c.R.last") else 1
    n = plan.samples or 100_000
    st = sim.one_step(rp.race, (rp.i, rp.t), action, n, seed=plan.seedseq(*key))
    if cid == "p3c.R.last":
        if isinstance(member, sp.Tuple):
            raise SimulationError("a tuple where a reward is asked")
        pairs = [(st.reward, _number(member, rp.exact), "")]
    else:
        if not isinstance(member, sp.Tuple) or len(member) != 2:
            raise SimulationError("expected a state (i', t')")
        pairs = [
            (st.next_i, _number(member[0], rp.exact), "i'"),
            (st.next_t, _number(member[1], rp.exact), "t'"),
        ]
    checks = []
    for mom, claimed, label in pairs:
        test = z_test(mom.mean, mom.stderr if mom.variance > 0 else 0.0, claimed)
        note = f"component {label}" if label else ""
        checks.append(
            PointCheck(rp.shown, mom.mean, test.stderr, claimed, test.z, test.passed, n, note)
        )
    return checks


def _last_step(claim, index, rules, plan, tick, out: ClaimCheck) -> ClaimCheck:
    """Yes/no: do the problem's Q formulas hold at i = N - 1?  Simulated Q decides."""
    claimed_yes = yes_no(claim.answer)
    agree = True
    for p, rp in enumerate(race_points(rules, last=True)):
        for action in (1, 2):
            form = race_derivations.q_value(_rules_only(rules), action).result
            value = _number(form, rp.exact)
            runs = [(1, {"start": (rp.i, rp.t), "first_action": action})]
            pc = check_race_value(plan, (index, p, action), rp, value, runs)
            agree = agree and pc.passed
            pc.note = f"Q((N-1, t), a_{action}) by the general formula"
            out.points.append(pc)
        tick()
    for pc in out.points:
        pc.passed = claimed_yes == agree
        pc.claimed = "yes" if claimed_yes else "no"
    return out


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


def _reinforce_sign(claim, index, rules, plan, tick, out: ClaimCheck) -> ClaimCheck:
    """Yes/no: at lambda = 1/2, does some REINFORCE update decrease lambda (at some point)?"""
    claimed_yes = yes_no(claim.answer)
    n = plan.samples or NEGATIVE_EPISODES
    seen_any = False
    points = _sign_points(rules, (sp.Rational(1, 2),))
    for p, exact in enumerate(points):
        s = sim.simulate(_race(rules, exact), n, start=(0, 0), seed=plan.seedseq(index, p))
        freq = s.reinforce_negative / s.episodes
        se = math.sqrt(freq * (1 - freq) / s.episodes)
        seen_any = seen_any or s.reinforce_negative > 0
        shown = {str(k): str(v) for k, v in exact.items()}
        note = f"{s.reinforce_negative} of {s.episodes} REINFORCE updates negative"
        out.points.append(
            PointCheck(shown, freq, se, "yes" if claimed_yes else "no", None, False, n, note)
        )
        if p < len(POINTS):
            tick()
    return _sign_verdict(out, claimed_yes, seen_any)


def check_episode_statistic(
    cid: str, plan: Planner, key: tuple[int, ...], rp: RacePoint, claimed: float, advantage
) -> PointCheck:
    r"""A statistic of the per-episode policy-gradient estimates from $(0, 0)$.

    ``p3d.grad``: the mean of REINFORCE's estimate with a constant baseline (an
    unbiased estimate of the gradient by the policy gradient theorem, with no
    advantage needed); ``p3d.mean.reinforce``: the mean of REINFORCE's
    estimate as the quiz defines it; ``p3d.mean.a2c``: the mean of A2C's with
    the true advantages; ``p3d.var.*``: the sample variance $s^2$, its standard
    error $\sqrt{(\hat\mu_4 - \frac{n-3}{n-1}s^4)/n}$; ``p3d.var_ratio``: the
    ratio of the two variances from independent runs, its standard error by the
    delta method; ``p3d.prob_decrease.reinforce``: the share of negative
    REINFORCE updates, $\sqrt{\hat p(1-\hat p)/n}$.
    """
    a2c_needed = cid in ("p3d.mean.a2c", "p3d.var.a2c", "p3d.var_ratio")
    baseline = 0.0
    if cid == "p3d.grad":
        # REINFORCE with a constant baseline b (the mean return of a separate small run):
        # still unbiased for the gradient, with a several times smaller variance.
        first = sim.simulate(rp.race, 1 << 12, start=(0, 0), seed=plan.seedseq(*key, 7))
        baseline = first.ret.mean

    def run(stage: int, n: int, m: int = 0) -> sim.RaceStats:
        adv = advantage if a2c_needed else None
        seed = plan.seedseq(*key, m, stage)
        return sim.simulate(rp.race, n, start=(0, 0), seed=seed, advantage=adv, baseline=baseline)

    def spread_of_variance(mom: Moments) -> float:
        # per-sample sd of the squared deviations: $\sqrt{\mu_4 - \sigma^4}$
        return math.sqrt(max(mom.m4 / mom.n - mom.variance**2, 0.0))

    def estimate(stage: int, n: int) -> tuple[float, float, float]:
        s = run(stage, n)
        if cid in ("p3d.grad", "p3d.mean.reinforce"):
            return s.reinforce.mean, s.reinforce.stderr, s.reinforce.std
        if cid == "p3d.mean.a2c":
            return s.a2c.mean, s.a2c.stderr, s.a2c.std
        if cid == "p3d.var.reinforce":
            m = s.reinforce
            return m.variance, m.variance_stderr, spread_of_variance(m)
        if cid == "p3d.var.a2c":
            m = s.a2c
            return m.variance, m.variance_stderr, spread_of_variance(m)
        if cid == "p3d.prob_decrease.reinforce":
            f = s.reinforce_negative / s.episodes
            sd = math.sqrt(f * (1 - f))
            return f, sd / math.sqrt(s.episodes), sd
        # the ratio: REINFORCE's variance from this run, A2C's from an independent one
        r, a = s.reinforce, run(stage, n, m=1).a2c
        if not a.variance > 0:
            raise SimulationError("A2C's estimate does not vary here: the ratio is infinite")
        ratio = r.variance / a.variance  # $\hat\rho = s_R^2 / s_A^2$
        rel = math.hypot(spread_of_variance(r) / r.variance, spread_of_variance(a) / a.variance)
        return ratio, ratio * rel / math.sqrt(n), ratio * rel

    return plan.decide(rp.shown, claimed, estimate)


def _advantages(
    quiz: Quiz, ctx: Context, rules: RaceRules, done: dict[str, ClaimCheck]
) -> tuple[dict[int, sp.Basic], str]:
    r"""The advantages A2C uses: the true $A^\pi$.

    The file's printed advantages (what "given your answer to (c)" refers to)
    when this run's simulation confirmed them; otherwise the derived ones.
    """
    forms: dict[int, sp.Basic] = {}
    sources = []
    for action in (1, 2):
        cid = f"p3c.A.a{action}"
        claim = next((c for c in quiz.claims if c.id == cid and not c.problem), None)
        member = None
        if claim is not None and cid in done and done[cid].passed:
            try:
                member = _members(claim, ctx)[-1]
            except NotationError:
                member = None
        if member is None or isinstance(member, sp.Tuple):
            member = race_derivations.advantage(_rules_only(rules), action).result
            sources.append(f"derived A(a_{action})")
        else:
            sources.append(f"printed A(a_{action})")
        forms[action] = member
    return forms, " and ".join(sources)


def _a2c_sign(claim, index, quiz, ctx, plan, tick, out: ClaimCheck, done) -> ClaimCheck:
    """Yes/no: is no A2C update ever negative, anywhere on the admissible grid?"""
    rules: RaceRules = ctx.params
    claimed_yes = yes_no(claim.answer)
    forms, source = _advantages(quiz, ctx, rules, done)
    n = plan.samples or NEGATIVE_EPISODES
    never_all = True
    points = _sign_points(rules, SIGN_LAMBDAS)
    for p, exact in enumerate(points):
        adv = _advantage_function(forms, exact)
        race = _race(rules, exact)
        s = sim.simulate(race, n, seed=plan.seedseq(index, p), advantage=adv)
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
        if p < len(POINTS):
            tick()
    return _sign_verdict(out, claimed_yes, never_all)


def _advantage_function(
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


# ---------------------------------------------------------------------------
# Problems 1 and 2 read their answers with their families' notation tables, so
# that an answer means here what it means to the checker; what is then done
# with the reading (simulation) knows nothing of the derivations.


def _family_module(name: str):
    """A problem family's module, loaded through the registry (which loads every family)."""
    if not any(f.name == name for f in families()):
        raise SimulationError(f"no notation is known for problem family {name!r}")
    return importlib.import_module(f"quizproof.families.{name}")


# ---------------------------------------------------------------------------
# Problem 2: vector quantization

VQ_IDS = ("p2a.straight_through", "p2b.sgd_update", "p2c.rolling_average")
VQ_POINTS = (  # (e, x, eta) for the one-step check, 0 < eta < 1/2
    (sp.Rational(3, 10), sp.Integer(2), sp.Rational(1, 10)),
    (sp.Rational(-1, 2), sp.Rational(7, 4), sp.Rational(1, 3)),
)
VQ_MIXTURE = vq.Mixture(
    np.array([[2.0, 1.0], [-1.0, 3.0], [4.0, 4.0]]), 0.5, np.array([0.3, 0.3, 0.4])
)
VQ_STEPS, VQ_REPLICAS, VQ_ETA = 1500, 300, 0.05


def _conditions(claim: Claim, quiz: Quiz) -> list[Callable[[float], bool]]:
    r"""The conditions on eta stated after an update (2(c): "..., \eta < 1/2"), as predicates."""
    fam = _family_module("vq")
    V = importlib.import_module("derivations.vq")
    ctx = next(f for f in families() if f.name == "vq").prepare(quiz)
    _update, texts = fam.split_condition(claim.answer)
    out = []
    for text in texts:
        parsed = parse(text, ctx.scope)
        if not parsed.relations or any(r not in fam._REL for r in parsed.relations):
            raise NotationError(r"expected a condition such as \eta \le 1/2")
        pairs = zip(parsed.relations, parsed.members[:-1], parsed.members[1:], strict=True)
        for rel, a, b in pairs:
            cond = fam._REL[rel](a, b)
            if cond.free_symbols - {V.eta}:
                raise NotationError("the condition may involve eta only")
            out.append(lambda v, cond=cond: bool(cond.subs(V.eta, sp.Rational(v))))
    return out


def _check_conditions(out: ClaimCheck, conditions: list[Callable[[float], bool]], seed) -> None:
    r"""Does each stated condition admit exactly the learning rates at which SGD averages?

    For each eta on a grid, a stream of SGD steps (numerics' reference step) is
    watched: the step is a rolling average when every new codeword lies between
    the old one and the vector, $e' = (1-w)e + w x$ with $0 \le w \le 1$.  At
    $\eta = 1/2$ ($w = 1$, nothing of the old value kept) either answer is accepted.
    """
    rng = np.random.Generator(np.random.PCG64(seed))
    grid = [k / 20 for k in range(1, 20)]
    wrong = []
    for eta in grid:
        e = rng.normal(size=(200, 2))
        x = VQ_MIXTURE.sample((200,), rng)
        w = (vq.sgd_step(e, x, eta) - e) / (x - e)  # the weight the step gives x
        averages = bool(((w >= -1e-12) & (w <= 1 + 1e-12)).all())
        admitted = all(c(eta) for c in conditions)
        if admitted != averages and eta != 0.5:
            wrong.append(eta)
    note = "the stated condition on eta against the rates at which SGD is a rolling average"
    if wrong:
        note += ": they differ at eta = " + ", ".join(f"{v:g}" for v in wrong)
    out.points.append(
        PointCheck({"eta": "0.05 ... 0.95"}, float(len(wrong)), 0.0, 0.0, None, not wrong,
                   len(grid), note)
    )  # fmt: skip


def _new_values(claim: Claim, quiz: Quiz) -> tuple[list[sp.Basic], tuple[sp.Symbol, ...]]:
    r"""The new value(s) an update answer assigns (one per form of its right side).

    ``target op value``: ``+=``/``-=`` add to / subtract from the target,
    ``\leftarrow``, ``:=`` and ``=`` replace it (the notation of problem 2).
    Returns the values and the symbols (x, e, eta, x.grad, e.grad) they use.
    """
    fam = _family_module("vq")
    V = importlib.import_module("derivations.vq")
    ctx = next(f for f in families() if f.name == "vq").prepare(quiz)
    update, _conditions = fam.split_condition(claim.answer)  # a condition on eta: not simulated
    parsed = parse(fam.plain_updates(update), ctx.scope)
    target = fam.TARGET[claim.id]
    if not parsed.relations:
        if claim.id == "p2a.straight_through":
            raise NotationError("expected an update of x.grad, e.g. x.grad += ...")
        op, lhs, rights = "<-", target, list(parsed.members)
    else:
        op, lhs, rights = parsed.relations[0], parsed.members[0], list(parsed.members[1:])
        if op not in ("<-", "=", ":=", "+=", "-="):
            raise NotationError(f"expected an update (<-, =, +=), found {op!r}")
        if any(r != "=" for r in parsed.relations[1:]):
            raise NotationError("after the update only '=' may follow")
    if lhs == fam.E_NEW and target == V.e and op in ("=", ":=", "<-"):
        lhs, op = V.e, "<-"  # e_new = ... names the new value
    if lhs != target:
        raise SimulationError(f"the answer updates {lhs}, the step updates {target}")
    symbols = (V.x, V.e, V.eta, V.x_grad, V.e_grad)
    values = []
    for rhs in rights:
        if not isinstance(rhs, sp.Expr):
            raise NotationError("the right side must be an expression")
        extra = rhs.free_symbols - set(symbols)
        if extra:
            raise NotationError(f"the update uses {', '.join(sorted(map(str, extra)))}")
        values.append({"+=": lhs + rhs, "-=": lhs - rhs}.get(op, rhs))
    return values, symbols


def simulate_vq_claim(claim: Claim, index: int, quiz: Quiz, plan: Planner, tick) -> ClaimCheck:
    values, symbols = _new_values(claim, quiz)
    out = ClaimCheck(claim.id, claim.answer)
    conditions = _conditions(claim, quiz) if claim.id == "p2c.rolling_average" else []
    if conditions:
        _check_conditions(out, conditions, plan.seedseq(index, 99))
    for form, value in enumerate(values):
        f = sp.lambdify(symbols, value, modules="numpy")  # vectorised over coordinates
        label = f"form {form + 1} of the right side; " if len(values) > 1 else ""
        if claim.id == "p2a.straight_through":
            _straight_through(out, f, index, form, plan, label, tick if form == 0 else None)
            continue

        def update(e: np.ndarray, x: np.ndarray, eta: float, f=f) -> np.ndarray:
            zero = np.zeros_like(e)
            return np.asarray(f(x, e, eta, zero, zero), dtype=np.float64) * np.ones_like(e)

        # One step against SGD on objective (4), the gradient from the layer's backward pass.
        for e0, x0, eta0 in VQ_POINTS:
            e, x, eta = float(e0), float(x0), float(eta0)
            ref = float(vq.sgd_step(np.array([[e]]), np.array([[x]]), eta)[0, 0])
            got = float(update(np.array([[e]]), np.array([[x]]), eta)[0, 0])
            test = z_test(ref, 0.0, got)
            out.points.append(
                PointCheck({"e": str(e0), "x": str(x0), "eta": str(eta0)}, ref, 0.0, got,
                           test.z, test.passed, 1, label + "one SGD step on objective (4)")
            )  # fmt: skip
            if form == 0:
                tick()
        # Streaming: each codeword must settle at the mean of the vectors assigned to it.
        replicas = max(50, min(plan.samples, 5000)) if plan.samples else VQ_REPLICAS
        run = vq.codebook_sgd(VQ_MIXTURE, 3, VQ_ETA, VQ_STEPS, replicas,
                              seed=plan.seedseq(index, form, 9), update=update)  # fmt: skip
        alpha = FALSE_ALARM / len(run.residual)  # Bonferroni over the coordinates
        for c, m in enumerate(run.residual):
            test = z_test(m.mean, m.stderr, 0.0, alpha=alpha)
            out.points.append(
                PointCheck({"coordinate": str(c), "eta": str(VQ_ETA)}, m.mean, test.stderr, 0.0,
                           test.z, test.passed, replicas,
                           label + "mean residual x - e(k) at assignment, after settling")
            )  # fmt: skip
        if form == 0:
            tick()
    return out


def _straight_through(
    out: ClaimCheck, f, index: int, form: int, plan: Planner, label: str, tick
) -> None:
    """x.grad after the backward pass against central differences of objective (3)."""
    for p in range(3):
        c = vq.straight_through_check(seed=plan.seedseq(index, form, p))
        zero = np.zeros_like(c.x_grad_fd)
        claimed = np.asarray(f(zero, zero, 0.0, c.x_grad_prior, c.q_grad), dtype=np.float64)
        claimed = claimed * np.ones_like(c.x_grad_fd)
        dev = np.abs(claimed - c.x_grad_fd)
        j = np.unravel_index(int(dev.argmax()), dev.shape)
        ok = bool(dev.max() <= c.fd_error)
        note = (
            label + "x.grad against central differences of the smooth stand-in of objective (3), "
            f"tolerance {c.fd_error:.1g}"
        )
        out.points.append(
            PointCheck({"instance": str(p)}, float(c.x_grad_fd[j]), 0.0, float(claimed[j]),
                       None, ok, c.x_grad_fd.size, note)
        )  # fmt: skip
        if tick is not None:
            tick()


# ---------------------------------------------------------------------------
# Problem 1: the bound on H(y)

ENTROPY_IDS = ("p1a.identity", "p1c.bound")
ENTROPY_SAMPLES = 200_000
_QUANTITY = {name: sp.Symbol(f"q{n}", positive=True) for n, name in enumerate(entropy.QUANTITIES)}


def _integrands(claim: Claim) -> list[tuple[str, sp.Expr]]:
    r"""Each member of the answer as an integrand in the per-sample probabilities.

    Returns ``(role, integrand)`` with role ``H(y)`` (its expectation is
    claimed to be $H(y)$: every member of 1(a), those before $\le$ in 1(c)) or
    ``bound`` (the members after $\le$ in 1(c), or its only member).
    """
    fam = _family_module("entropy")
    E = importlib.import_module("derivations.entropy")
    parsed = parse(fam.strip_expectations(claim.answer), fam.scope_for([]))
    allowed = {"="} | ({"<="} if claim.id == "p1c.bound" else set())
    if any(r not in allowed for r in parsed.relations) or parsed.relations.count("<=") > 1:
        raise NotationError("expected an integrand, or a chain of '=' (and one '<=' in 1(c))")
    if claim.id == "p1c.bound":
        cut = parsed.relations.index("<=") + 1 if "<=" in parsed.relations else 0
    else:
        cut = len(parsed.members)
    q = _QUANTITY
    density = {
        E.POP: q["Pop(y)"],
        E.ENC: q["P_Psi(z|y)"],
        E.MARG: q["P_PopPsi(z)"],
        E.POST: q["P_PopPsi(y|z)"],
        E.JOINT: q["Pop(y)"] * q["P_Psi(z|y)"],  # $P(y, z) = \mathrm{Pop}(y) P_\Psi(z|y)$
        E.PRIOR: q["P_Phi(z)"],
        E.DEC: q["P_Theta(y|z)"],
    }
    out = []
    for n, member in enumerate(parsed.members):
        if not isinstance(member, sp.Expr) or isinstance(member, sp.Tuple):
            raise NotationError(r"expected an integrand in the densities, e.g. -\ln P_\Phi(z)")
        terms = member.atoms(E.TermName)
        member = member.xreplace({t: fam.TERMS[t.name].integrand for t in terms})
        value = member.xreplace(density)
        extra = value.free_symbols - set(q.values())
        if extra or value.atoms(E.Density):
            raise NotationError("the integrand uses something other than the densities at (y, z)")
        out.append(("H(y)" if n < cut else "bound", value))
    return out


def simulate_entropy_claim(claim: Claim, index: int, plan: Planner, tick) -> ClaimCheck:
    """Each integrand's expectation, exactly on the finite support and by sampling.

    The claimed value is $H(y)$ for the identity, and for the bound the value
    the quiz defines: (1) with its entropies replaced by the cross-entropies to
    the models, computed from their definitions on the finite support.
    """
    out = ClaimCheck(claim.id, claim.answer)
    names = list(entropy.QUANTITIES)
    n = plan.samples or ENTROPY_SAMPLES
    for r, (role, value) in enumerate(_integrands(claim)):
        f = sp.lambdify([_QUANTITY[k] for k in names], value, modules="numpy")

        def integrand(p: dict[str, np.ndarray], f=f) -> np.ndarray:
            shape = p["Pop(y)"].shape
            return np.asarray(f(*(p[k] for k in names)), dtype=np.float64) * np.ones(shape)

        for p in range(3):
            for truth in (False, True):
                rng = np.random.Generator(np.random.PCG64(plan.seedseq(index, p, 0)))
                model = entropy.FiniteModel.random(5, 4, rng, true_models=truth)
                exact_values = model.exact()
                target = exact_values["H(y)" if role == "H(y)" else "bound"]
                yy, zz = np.meshgrid(np.arange(5), np.arange(4), indexing="ij")
                at = model.probabilities(yy.ravel(), zz.ravel())
                exact = float(model.joint.ravel() @ integrand(at))  # $\sum_{y,z} P(y,z) f(y,z)$
                seed = plan.seedseq(index, p, 1)
                est = entropy.estimate(model, {"v": integrand}, n, seed=seed)["v"]
                test = z_test(est.mean, est.stderr, target)
                ok = abs(exact - target) <= model.rounding() and test.passed
                what = "the bound of (c)" if role == "bound" else "H(y)"
                models = "true models" if truth else "random models"
                note = (
                    f"E[integrand] = {what} ({models}); exact expectation {exact:.12g}, "
                    f"{what} = {target:.12g}"
                )
                out.points.append(
                    PointCheck({"model": str(p), "true_models": str(truth).lower()}, est.mean,
                               test.stderr, target, test.z, ok, n, note)
                )  # fmt: skip
            if r == 0:
                tick()
    return out


# ---------------------------------------------------------------------------
# A quiz file


@dataclass
class QuizSimulation:
    quiz: Quiz
    seed: int
    checks: list[ClaimCheck]
    problems: list[str]
    skipped: list[str]

    def as_json(self) -> dict[str, Any]:
        return {
            "quiz": self.quiz.title,
            "seed": self.seed,
            "checks": [c.as_json() for c in self.checks],
        }

    @property
    def exit_code(self) -> int:
        if self.problems:
            return 2
        return 0 if all(c.passed for c in self.checks) else 1


class Progress:
    """A one-line progress bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self, total: int, stream=None):
        self.total = max(total, 1)
        self.done = 0
        self.stream = stream if stream is not None else sys.stderr
        self.on = bool(getattr(self.stream, "isatty", lambda: False)())
        self.label = ""

    def tick(self) -> None:
        self.done += 1
        self.draw()

    def draw(self) -> None:
        if not self.on:
            return
        width = 30
        filled = width * self.done // self.total
        bar = "#" * filled + "." * (width - filled)
        self.stream.write(f"\rsimulate [{bar}] {self.done}/{self.total} {self.label:<28}")
        self.stream.flush()

    def close(self) -> None:
        if self.on:
            self.stream.write("\r" + " " * 80 + "\r")
            self.stream.flush()


def _simulate_claim(claim, index, quiz, ctx, plan, tick, done) -> ClaimCheck:
    if claim.id in VQ_IDS:
        return simulate_vq_claim(claim, index, quiz, plan, tick)
    if claim.id in ENTROPY_IDS:
        return simulate_entropy_claim(claim, index, plan, tick)
    return simulate_race_claim(claim, index, quiz, ctx, plan, tick, done)


def simulate(
    quiz: Quiz, samples: int | None = None, seed: int = 0, progress: Progress | None = None
) -> QuizSimulation:
    if samples is not None and samples < 2:
        raise ValueError(f"samples must be at least 2, got {samples}")
    if seed < 0:
        raise ValueError(f"seed must be nonnegative, got {seed}")
    plan = Planner(seed, samples)
    known = (*RACE_IDS, *VQ_IDS, *ENTROPY_IDS)
    todo = [(n, c) for n, c in enumerate(quiz.claims) if c.id in known and c.problem is None]
    skipped = [c.id for c in quiz.claims if c.id not in known]
    problems = [f"{quiz.path}: claim {c.id}: {c.problem}" for c in quiz.claims if c.problem]
    ctx = None
    if any(c.id in RACE_IDS for _, c in todo):
        try:
            # through the registry, which loads every family (importing one module would not)
            race_family = next(f for f in families() if f.name == "race")
            ctx = race_family.prepare(quiz)
        except FamilyError as err:
            problems.append(f"{quiz.path}: {err}")
            return QuizSimulation(quiz, seed, [], problems, skipped)
    bar = progress if progress is not None else Progress(len(POINTS) * len(todo))
    # The advantages are simulated before the A2C claim that may use them.
    todo.sort(key=lambda item: item[1].id == "p3d.a2c_never_decreases")
    done: dict[str, ClaimCheck] = {}
    made: list[tuple[int, ClaimCheck]] = []
    for index, claim in todo:
        bar.label = claim.id
        bar.draw()
        try:
            # A wrong answer may overflow or leave the reals: its numbers turn non-finite and
            # fail their tests; numpy's warnings about it are expected, not news.
            with np.errstate(all="ignore"):
                check = _simulate_claim(claim, index, quiz, ctx, plan, bar.tick, done)
        except NotationError as err:  # unreadable input: reported, exit status 2
            check = ClaimCheck(claim.id, claim.answer, message=f"cannot read the answer: {err}")
            problems.append(f"{quiz.path}: claim {claim.id}: cannot read the answer: {err}")
        except SimulationError as err:  # readable but no number to test: the claim fails
            check = ClaimCheck(claim.id, claim.answer, message=f"cannot simulate: {err}")
        except (ArithmeticError, TypeError, ValueError) as err:  # its value cannot be computed
            message = f"cannot simulate: {type(err).__name__}: {err}"
            check = ClaimCheck(claim.id, claim.answer, message=message)
        done.setdefault(claim.id, check)
        made.append((index, check))
    bar.close()
    checks = [check for _, check in sorted(made, key=lambda item: item[0])]
    return QuizSimulation(quiz, seed, checks, problems, skipped)


def simulate_quiz(path: str | Path, samples: int | None = None, seed: int = 0) -> dict:
    """The JSON record of ``quizproof simulate FILE --json``.  Raises QuizFileError."""
    return simulate(load_quiz(path), samples, seed).as_json()


# ---------------------------------------------------------------------------
# The benchmark


BENCH_RACE = sim.Race(0.5, 10)  # the quiz's race: a2 advances, a1 does not, reward -T


def bench(repeats: int = 5, episodes: int = 1 << 20, loop_episodes: int = 20_000) -> dict:
    """Steps per second of the simulator, numpy's raw uniforms and a plain Python loop.

    The three are measured in turns, ``repeats`` times, and the medians
    reported; the ratio is the median of the per-round ratios (both rates
    measured back to back, so load on the machine cancels).
    """
    sim.simulate(BENCH_RACE, 1 << 16, seed=0)  # warm up
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(0)))
    buf = np.empty(sim.SLOTS)
    sims, raws, loops, ratios = [], [], [], []
    for r in range(repeats):
        t0 = time.perf_counter()
        s = sim.simulate(BENCH_RACE, episodes, seed=r)
        sim_rate = s.steps / (time.perf_counter() - t0)
        draws = 0
        t0 = time.perf_counter()
        while draws < s.steps:
            rng.random(out=buf)
            draws += buf.size
        raw_rate = draws / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        steps, _, _ = sim.python_loop(BENCH_RACE, loop_episodes, seed=r)
        loops.append(steps / (time.perf_counter() - t0))
        sims.append(sim_rate)
        raws.append(raw_rate)
        ratios.append(sim_rate / raw_rate)
    sim_med = statistics.median(sims)
    loop_med = statistics.median(loops)
    return {
        "sim_steps_per_s": sim_med,
        "rng_uniforms_per_s": statistics.median(raws),
        "ratio_to_rng": statistics.median(ratios),
        "python_loop_steps_per_s": loop_med,
        "speedup_vs_python": sim_med / loop_med,
        "repeats": repeats,
        "race": {"lambda": BENCH_RACE.lam, "N": BENCH_RACE.N, "reward": BENCH_RACE.reward},
    }


# ---------------------------------------------------------------------------
# The command line (registered into quizproof.cli)


def _print_simulation(result: QuizSimulation) -> None:
    quiz = result.quiz
    print(f"{quiz.title}: simulated with seed {result.seed} ({quiz.path})")
    width = max([len(c.id) for c in result.checks] + [5])
    for c in result.checks:
        if not c.points:
            print(f"  {c.id:<{width}}  FAIL  {c.message}")
            continue
        w = c.worst()
        verdict = "pass" if c.passed else "FAIL"
        if isinstance(w.claimed, str):
            detail = w.note
        else:
            z = "exact" if w.z is None or w.stderr == 0 else f"z = {w.z:+.2f}"
            detail = f"estimate {w.estimate:.6g} ± {w.stderr:.2g}, claimed {w.claimed:.6g}, {z}"
        print(f"  {c.id:<{width}}  {verdict}  {detail}")
    passed = sum(c.passed for c in result.checks)
    print(
        f"  {len(result.checks)} claims simulated: {passed} pass, {len(result.checks) - passed} "
        f"fail (two-sided z-tests at false-alarm rate {FALSE_ALARM:g} per point)"
    )
    if result.skipped:
        print(f"  nothing to simulate for: {', '.join(result.skipped)}")


def cmd_simulate(args: argparse.Namespace) -> int:
    quiz = load_quiz(args.file)
    try:
        result = simulate(quiz, args.samples, args.seed)
    except ValueError as err:
        print(f"quizproof: {args.file}: {err}", file=sys.stderr)
        return 2
    emit(args.json, result.as_json(), lambda: _print_simulation(result), result.problems)
    return result.exit_code


def cmd_bench(args: argparse.Namespace) -> int:
    result = bench(repeats=args.repeats)

    def show() -> None:
        print(f"simulated race steps per second: {result['sim_steps_per_s']:.4g}")
        print(f"numpy uniforms per second:       {result['rng_uniforms_per_s']:.4g}")
        print(f"ratio to the uniform rate:       {result['ratio_to_rng']:.2f}")
        print(f"plain Python loop steps/s:       {result['python_loop_steps_per_s']:.4g}")
        print(f"speed-up over the Python loop:   {result['speedup_vs_python']:.1f}x")

    emit(args.json, result, show)
    return 0


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 2:
        raise argparse.ArgumentTypeError(f"must be at least 2, got {value}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be nonnegative, got {value}")
    return value


def _simulate_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file")
    p.add_argument(
        "--samples",
        type=_positive_int,
        default=None,
        help="episodes per simulation (default: sized so a 1%% error fails w.p. 0.99)",
    )
    p.add_argument("--seed", type=_seed, default=0, help="the seed of every number (default 0)")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")  # fmt: skip


def _bench_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.add_argument("--repeats", type=_positive_int, default=5, help="rounds (median reported)")


def register(extra: dict) -> None:
    """Add ``simulate`` and ``bench`` to the command line's subcommands."""
    extra["simulate"] = (
        "cross-check a quiz file's claims by simulating each problem",
        (_simulate_arguments, cmd_simulate),
    )
    extra["bench"] = (
        "measure the simulator against numpy's uniform rate and a Python loop",
        (_bench_arguments, cmd_bench),
    )
