r"""One step of the race in simulation: the law of the next state and of the last reward.

An answer for a random outcome is a law (:mod:`.laws`): each value with its
probability.  The step is taken many times from the state; the share of steps
that advance estimates the probability of $(i + 1, t + 1)$ (the rest stay at
$(i, t + 1)$), and each claimed probability is z-tested against it.  A reward's
law is tested by its mean and its variance, a claimed expected reward by the
mean reward seen.
"""

from __future__ import annotations

import sympy as sp

from numerics import race as sim
from numerics.stats import Moments, z_test
from quizproof.families.race.laws import read_law
from quizproof.families.race.notation import UNKNOWNS
from quizproof.families.race.runs import RacePoint, race_points
from quizproof.family import Context
from quizproof.model import Claim
from quizproof.simulation import ClaimCheck, PointCheck, SimulationError, SimulationRun, number

STEP_SAMPLES = 100_000


def _test(rp: RacePoint, estimate: float, stderr: float, claimed: float, n: int, note: str):
    test = z_test(estimate, stderr, claimed)
    return PointCheck(rp.shown, estimate, test.stderr, claimed, test.z, test.passed, n, note,
                      threshold=test.critical if test.stderr > 0 else None)  # fmt: skip


def _se(m: Moments) -> float:
    return m.stderr if m.n > 1 and m.variance > 0 else 0.0


def step(claim: Claim, ctx: Context, run: SimulationRun) -> ClaimCheck:
    """The next state's law (``next.*``), the last reward's law (``R.last``) or its mean."""
    out = ClaimCheck(claim.id, claim.answer)
    last = claim.kind in ("R.last", "ER.last")
    action = 1 if claim.kind == "next.a1" else 2
    n = run.samples or STEP_SAMPLES
    if claim.kind == "ER.last":
        from quizproof.simulation import members  # a value, or a chain of values

        law = [(sp.Integer(1), m) for m in members(claim, ctx, UNKNOWNS)[-1:]]
    else:
        law = read_law(claim.answer, ctx, UNKNOWNS)
    for p, rp in enumerate(race_points(ctx.params, last=last)):
        st = sim.one_step(rp.race, (rp.i, rp.t), action, n, seed=run.seedseq(p))
        outcomes = [(number(q, rp.exact), v.subs(rp.exact)) for q, v in law]
        if claim.kind.startswith("next"):
            out.points.extend(_state_law(rp, st, outcomes, n))
        elif claim.kind == "ER.last":
            out.points.append(
                _test(
                    rp,
                    st.reward.mean,
                    _se(st.reward),
                    number(outcomes[0][1], {}),
                    n,
                    "the mean reward seen",
                )
            )
        else:
            mean = sum(q * number(v, {}) for q, v in outcomes)
            second = sum(q * number(v, {}) ** 2 for q, v in outcomes)
            r = st.reward
            out.points.append(_test(rp, r.mean, _se(r), mean, n, "the law's mean reward"))
            spread = r.variance_stderr if r.variance > 0 else 0.0
            out.points.append(
                _test(rp, r.variance, spread, second - mean**2, n, "the law's variance")
            )
    return out


def _state_law(rp: RacePoint, st, outcomes, n: int) -> list[PointCheck]:
    """Each claimed state's probability against the share of steps that reach it."""
    moved = st.next_i.mean - rp.i  # the share of steps that advance
    se = _se(st.next_i)
    shares: dict[tuple[int, int], float] = {}
    for q, state in outcomes:
        if not isinstance(state, sp.Tuple) or len(state) != 2:
            raise SimulationError("expected a state (i', t')")
        key = (round(number(state[0], {})), round(number(state[1], {})))
        if (number(state[0], {}), number(state[1], {})) != key:
            raise SimulationError(f"{state} is not a state: the race's states are integers")
        shares[key] = shares.get(key, 0.0) + q
    checks = []
    for (ii, tt), q in shares.items():
        reachable = tt == rp.t + 1 and ii in (rp.i, rp.i + 1)
        seen = (moved if ii == rp.i + 1 else 1.0 - moved) if reachable else 0.0
        note = f"the share of steps that reach $({ii}, {tt})$"
        checks.append(_test(rp, seen, se if reachable else 0.0, q, n, note))
    return checks
