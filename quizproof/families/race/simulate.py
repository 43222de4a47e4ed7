r"""The race's simulation bindings: each claim kind against the race run step by step.

The rules of the file's ``[race]`` table set the rules the simulation runs
(:mod:`numerics.race`); the printed answer (every member of a chain) is
evaluated at a few admissible points and tested against what the episodes show.

| claim kinds | simulated quantity |
| --- | --- |
| ``V`` | mean return of episodes from $(i, t)$ |
| ``Q.a1``, ``Q.a2`` | mean return with the first action forced |
| ``A.a1``, ``A.a2`` | $\lambda D$ and $-(1-\lambda) D$, $D$ the paired difference of the returns after a forced $a_1$ and a forced $a_2$ |
| ``series`` | mean number of actions to make one advance |
| ``R.last`` | mean reward of $a_2$ in $(N-1, t)$ |
| ``next.a1``, ``next.a2`` | mean next state $(i', t')$ after the action |
| ``last_step`` | the problem's formulas for $Q$ at $i = N - 1$ against simulated $Q$ |
| ``reinforce_can_decrease`` | whether some REINFORCE update at $\lambda = 1/2$ is negative |
| ``a2c_never_decreases`` | whether no A2C update is negative, with the true advantages |
| ``grad`` | mean of REINFORCE's estimate with a constant baseline, from $(0, 0)$ |
| ``mean.*`` | mean of REINFORCE's (A2C's) per-episode estimate from $(0, 0)$ |
| ``var.*``, ``var_ratio`` | sample variances (standard error from $\hat\mu_4$), their ratio |
| ``prob_decrease.reinforce`` | share of episodes whose REINFORCE update is negative |

The sign-of-update claims (:mod:`.signs`) are properties of the whole
admissible domain: they are simulated on a grid of $\lambda$ and of the
variant's parameters (inside its ``[race.assume]`` ranges), and decided by what
any episode shows.
"""

from __future__ import annotations

import math
import statistics
import time

import numpy as np
import sympy as sp

from derivations import race as race_derivations
from derivations.race import RaceRules
from numerics import race as sim
from numerics.stats import Moments, z_test
from quizproof.families.race.notation import UNKNOWNS
from quizproof.families.race.quantities import OutsideStates, Quantity, difference
from quizproof.families.race.runs import (
    RacePoint,
    advantage_function,
    race_points,
    rules_only,
)
from quizproof.family import Context
from quizproof.model import Claim
from quizproof.notation.unknowns import marked
from quizproof.simulation import (
    ClaimCheck,
    Planner,
    PointCheck,
    SimulationError,
    SimulationRun,
    labelled,
    members,
    number,
    show,
)


def own_quantity(kind: str, rp: RacePoint) -> Quantity:
    """The quantity a value claim of this kind is about, at a point."""
    if kind == "series":
        return Quantity("series", rp.race.N - 1, rp.t)
    if kind == "V":
        return Quantity("V", rp.i, rp.t)
    name, action = kind.split(".a")
    return Quantity(name, rp.i, rp.t, int(action))


def value(claim: Claim, ctx: Context, run: SimulationRun) -> ClaimCheck:
    """A value of the race (V, Q, A, the series) at each point, every member of the chain.

    A closed-form member is tested against the simulated quantity; a member
    naming quantities (``V^\\pi(i, t + 1)``) against the same quantity, each
    of its own quantities simulated from its definition.
    """
    rules: RaceRules = ctx.params
    out = ClaimCheck(claim.id, claim.answer)
    chain = members(claim, ctx, unknowns=UNKNOWNS)
    skipped: list[str] = []
    for p, rp in enumerate(race_points(rules)):
        own = own_quantity(claim.kind, rp)
        for mi, member in enumerate(chain):
            if isinstance(member, sp.Tuple):
                raise SimulationError("a tuple where a single value is asked")
            key = (run.index, p, mi)
            if not marked(member):
                claimed = number(member, rp.exact)
                pc = run.planner.decide(rp.shown, claimed, own.estimator(rp.race, run.planner, key))
                out.points.append(labelled(pc, member, chain))
                continue
            try:
                stat = difference(own, member, rp.exact, rp.race, run.planner, key)
            except OutsideStates as err:  # e.g. V(i + 1, t + 1) at i = N - 1: the goal
                which = f"member {chain.index(member) + 1}: " if len(chain) > 1 else ""
                skipped.append(f"{which}{err} at {show(rp.exact)}")
                continue
            if stat is None:
                continue  # the member names the claim's own quantity: nothing to test
            pc = run.planner.decide(rp.shown, 0.0, stat.estimate, lambda s=stat: s.scale)
            pc.note = f"${own.latex}$ minus ${stat.shown}$, both simulated"
            out.points.append(labelled(pc, member, chain))
    if skipped:
        out.message = "not simulated: " + "; ".join(skipped)
    return out


def step(claim: Claim, ctx: Context, run: SimulationRun) -> ClaimCheck:
    """One step from a state: the next state (``next.*``) or the reward (``R.last``)."""
    rules: RaceRules = ctx.params
    out = ClaimCheck(claim.id, claim.answer)
    chain = members(claim, ctx)
    for p, rp in enumerate(race_points(rules, last=claim.kind == "R.last")):
        for mi, member in enumerate(chain):
            out.points.extend(_step_checks(claim.kind, member, rp, run.planner, (run.index, p, mi)))
    return out


def estimator(claim: Claim, ctx: Context, run: SimulationRun) -> ClaimCheck:
    """A statistic of the per-episode policy-gradient estimates, from (0, 0)."""
    rules: RaceRules = ctx.params
    out = ClaimCheck(claim.id, claim.answer)
    chain = members(claim, ctx)
    forms = {a: race_derivations.advantage(rules_only(rules), a).result for a in (1, 2)}
    for p, rp in enumerate(race_points(rules, start=True)):
        adv = advantage_function(forms, rp.exact)
        for mi, member in enumerate(chain):
            if isinstance(member, sp.Tuple):
                raise SimulationError("a tuple where a single value is asked")
            claimed = number(member, rp.exact)
            pc = check_episode_statistic(claim.kind, run.planner, (run.index, p, mi), rp,
                                         claimed, adv)  # fmt: skip
            out.points.append(labelled(pc, member, chain))
    return out


def _step_checks(
    kind: str, member: sp.Basic, rp: RacePoint, plan: Planner, key: tuple[int, ...]
) -> list[PointCheck]:
    action = 2 if kind in ("next.a2", "R.last") else 1
    n = plan.samples or 100_000
    st = sim.one_step(rp.race, (rp.i, rp.t), action, n, seed=plan.seedseq(*key))
    if kind == "R.last":
        if isinstance(member, sp.Tuple):
            raise SimulationError("a tuple where a reward is asked")
        pairs = [(st.reward, number(member, rp.exact), "")]
    else:
        if not isinstance(member, sp.Tuple) or len(member) != 2:
            raise SimulationError("expected a state (i', t')")
        pairs = [
            (st.next_i, number(member[0], rp.exact), "i'"),
            (st.next_t, number(member[1], rp.exact), "t'"),
        ]
    checks = []
    for mom, claimed, label in pairs:
        test = z_test(mom.mean, mom.stderr if mom.variance > 0 else 0.0, claimed)
        note = f"component {label}" if label else ""
        checks.append(
            PointCheck(rp.shown, mom.mean, test.stderr, claimed, test.z, test.passed, n, note)
        )
    return checks


def check_episode_statistic(
    kind: str, plan: Planner, key: tuple[int, ...], rp: RacePoint, claimed: float, advantage
) -> PointCheck:
    r"""A statistic of the per-episode policy-gradient estimates from $(0, 0)$.

    ``grad``: the mean of REINFORCE's estimate with a constant baseline (an
    unbiased estimate of the gradient by the policy gradient theorem, with no
    advantage needed); ``mean.reinforce``: the mean of REINFORCE's
    estimate as the quiz defines it; ``mean.a2c``: the mean of A2C's with
    the true advantages; ``var.*``: the sample variance $s^2$, its standard
    error $\sqrt{(\hat\mu_4 - \frac{n-3}{n-1}s^4)/n}$; ``var_ratio``: the
    ratio of the two variances from independent runs, its standard error by the
    delta method; ``prob_decrease.reinforce``: the share of negative
    REINFORCE updates, $\sqrt{\hat p(1-\hat p)/n}$.
    """
    a2c_needed = kind in ("mean.a2c", "var.a2c", "var_ratio")
    baseline = 0.0
    if kind == "grad":
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
        if kind in ("grad", "mean.reinforce"):
            return s.reinforce.mean, s.reinforce.stderr, s.reinforce.std
        if kind == "mean.a2c":
            return s.a2c.mean, s.a2c.stderr, s.a2c.std
        if kind == "var.reinforce":
            m = s.reinforce
            return m.variance, m.variance_stderr, spread_of_variance(m)
        if kind == "var.a2c":
            m = s.a2c
            return m.variance, m.variance_stderr, spread_of_variance(m)
        if kind == "prob_decrease.reinforce":
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
