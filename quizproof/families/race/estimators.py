r"""The policy-gradient estimates in simulation: episodes from $(0, 0)$, no derived form.

Each episode gives one REINFORCE estimate,
$\sum_k \gamma^k \partial_\lambda \ln\pi(a_k)\, G_k$ ($G_k$ the reward-to-go), and
one A2C estimate, $\sum_k \gamma^k \partial_\lambda \ln\pi(a_k)\, \hat A_k$, whose
advantages are estimated afresh at every step from :data:`ROLLOUTS` paired
episodes, :data:`MEAN_ROLLOUTS` where only the mean is wanted
(:mod:`numerics.race.rollout`).  The rollout noise has mean zero, so the
mean of A2C's estimate is estimated without bias; its variance is
$s_G^2 - \bar C$, the sample variance less the noise's own share, which the run
measures with a second, independent set of rollouts.

| claim kind | statistic | standard error |
| --- | --- | --- |
| ``grad`` | mean of REINFORCE with a constant baseline $b$ (still unbiased) | $s / \sqrt n$ |
| ``mean.reinforce``, ``mean.a2c`` | mean of the per-episode estimate | $s / \sqrt n$ |
| ``var.reinforce`` | sample variance $s^2$ | $\sqrt{(\hat\mu_4 - \frac{n-3}{n-1}s^4)/n}$ |
| ``var.a2c`` | $s_G^2 - \bar C$ | $\sqrt{\operatorname{se}(s_G^2)^2 + \operatorname{se}(\bar C)^2}$ |
| ``var_ratio`` | REINFORCE's variance over A2C's, from independent runs | delta method |
| ``prob_decrease.reinforce`` | share of negative REINFORCE estimates | $\sqrt{\hat p (1 - \hat p) / n}$ |

A run with rollouts costs about $4K$ short episodes per step, so it is capped at
:data:`ROLLOUT_EPISODES` episodes; a capped run says so in its note (it then has
less than the planned power, never a larger false-alarm rate).
"""

from __future__ import annotations

import math

import sympy as sp

from numerics import race as sim
from numerics.stats import Moments
from quizproof.families.race.runs import RacePoint, race_points
from quizproof.family import Context
from quizproof.model import Claim
from quizproof.simulation import (
    ClaimCheck,
    Planner,
    PointCheck,
    SimulationError,
    SimulationRun,
    capped_note,
    labelled,
    members,
    number,
)

ROLLOUTS = 4  # paired episodes per advantage estimate (two estimates per step)
#: For the mean alone (one estimate per step): with the run capped, 2 pairs buy more
#: precision per second than 4 (standard error x sqrt(time) 0.0073 against 0.0085 at
#: lambda = 1/2, N = 3; the standard error itself is 7% larger at the same episodes).
MEAN_ROLLOUTS = 2
ROLLOUT_EPISODES = 1 << 17  # at most this many episodes in a run with rollouts
BASELINE_EPISODES = 1 << 12  # the separate run that sets grad's constant baseline
A2C_KINDS = ("mean.a2c", "var.a2c", "var_ratio")


def estimator(claim: Claim, ctx: Context, run: SimulationRun) -> ClaimCheck:
    """A statistic of the per-episode policy-gradient estimates, at each admissible point."""
    out = ClaimCheck(claim.id, claim.answer)
    chain = members(claim, ctx)
    for p, rp in enumerate(race_points(ctx.params, start=True)):
        for mi, member in enumerate(chain):
            if isinstance(member, sp.Tuple):
                raise SimulationError("a tuple where a single value is asked")
            claimed = number(member, rp.exact)
            pc = episode_statistic(claim.kind, run.planner, (run.index, p, mi), rp, claimed)
            out.points.append(labelled(pc, member, chain))
    return out


def _spread_of_variance(m: Moments) -> float:
    """The per-sample sd of the squared deviations, $\\sqrt{\\mu_4 - \\sigma^4}$."""
    return math.sqrt(max(m.m4 / m.n - m.variance**2, 0.0))


def episode_statistic(
    kind: str, plan: Planner, key: tuple[int, ...], rp: RacePoint, claimed: float
) -> PointCheck:
    """Test one claimed statistic of the estimates from $(0, 0)$ at one point."""
    baseline = 0.0
    if kind == "grad":
        # the mean return of a separate small run: any constant keeps the estimate unbiased
        first = sim.simulate(rp.race, BASELINE_EPISODES, seed=plan.seedseq(*key, 7))
        baseline = first.ret.mean

    def run(stage: int, n: int, rollouts: bool, m: int = 0) -> sim.RaceStats:
        seed = plan.seedseq(*key, m, stage)
        if rollouts:  # the rollouts' own noise is measured only where a variance needs it
            mean = kind == "mean.a2c"
            return sim.simulate(rp.race, min(n, ROLLOUT_EPISODES), seed=seed, advantage="rollout",
                                rollouts=MEAN_ROLLOUTS if mean else ROLLOUTS,
                                rollout_noise=not mean)  # fmt: skip
        return sim.simulate(rp.race, n, seed=seed, baseline=baseline)

    def estimate(stage: int, n: int) -> tuple[float, float, float]:
        if kind in A2C_KINDS:
            a = run(stage, n, rollouts=True, m=1)
            root = math.sqrt(a.episodes)
            if kind == "mean.a2c":
                return a.a2c.mean, a.a2c.stderr, a.a2c.std
            var, se = a.a2c_variance()  # $s_G^2 - \bar C$
            if kind == "var.a2c":
                return var, se, se * root
            # the ratio: REINFORCE's variance from an independent run without rollouts
            r = run(stage, n, rollouts=False).reinforce
            if not var > 0:
                raise SimulationError("A2C's estimate does not vary here: the ratio is infinite")
            ratio = r.variance / var  # $\hat\rho = s_R^2 / \widehat{\mathrm{Var}}_A$
            rel = math.hypot(r.variance_stderr / r.variance, se / var)
            return ratio, ratio * rel, ratio * rel * root
        s = run(stage, n, rollouts=False)
        if kind in ("grad", "mean.reinforce"):
            return s.reinforce.mean, s.reinforce.stderr, s.reinforce.std
        if kind == "var.reinforce":
            m = s.reinforce
            return m.variance, m.variance_stderr, _spread_of_variance(m)
        if kind == "prob_decrease.reinforce":
            f = s.reinforce_negative / s.episodes
            sd = math.sqrt(f * (1 - f))
            return f, sd / math.sqrt(s.episodes), sd
        raise SimulationError(f"no simulation of the estimates for {kind!r}")

    pc = plan.decide(rp.shown, claimed, estimate)
    if kind in A2C_KINDS and pc.episodes > ROLLOUT_EPISODES:
        pc.episodes = ROLLOUT_EPISODES
        pairs, sets = (MEAN_ROLLOUTS, "once") if kind == "mean.a2c" else (ROLLOUTS, "twice")
        size = abs(claimed) or abs(pc.estimate) or 1.0
        how = f" with rollout advantages ({pairs} pairs each, {sets} per step)"
        pc.note = capped_note(ROLLOUT_EPISODES, pc.stderr, size, how)
    return pc
