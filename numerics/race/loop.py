r"""The race one step at a time: a single step sampled, and a plain Python loop.

:func:`one_step` samples the next state and reward of one action;
:func:`python_loop` runs whole episodes in a per-step Python loop, the
baseline against which the benchmark measures the vectorised simulation.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from numerics.race.process import Race, _check_start
from numerics.stats import Moments


@dataclass(frozen=True)
class StepStats:
    """One step from a state with a given action: next state and reward."""

    next_i: Moments
    next_t: Moments
    reward: Moments


#: Samples per chunk of :func:`one_step`: the memory of a run is that of one chunk.
STEP_CHUNK = 1 << 20


def one_step(
    race: Race,
    state: tuple[int, int],
    action: int,
    samples: int,
    seed: int | np.random.SeedSequence = 0,
) -> StepStats:
    """Take ``action`` in ``state`` ``samples`` times; the next state and the reward seen.

    The reward of the step is what the rule pays for it (a reward is not
    discounted on the step that earns it): $-1$ under ``per-step``; under
    ``terminal``, $-(t+1)$ if the step reaches the goal and $0$ otherwise; under
    ``success``, $1$ if it reaches the goal and $0$ otherwise.
    """
    _check_start(race, state, action)
    i, t = state
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    p = race.advance_a1 if action == 1 else race.advance_a2
    out = StepStats(Moments(), Moments(), Moments())
    for c, child in enumerate(ss.spawn(-(-samples // STEP_CHUNK))):  # memory: one chunk
        m = min(STEP_CHUNK, samples - c * STEP_CHUNK)
        moved = np.random.Generator(np.random.PCG64(child)).random(m) < p
        next_i = i + moved.astype(np.float64)
        if race.reward == "per-step":
            reward = np.full(m, -1.0)
        else:
            paid = -(t + 1.0) if race.reward == "terminal" else 1.0
            reward = np.where(next_i >= race.N, paid, 0.0)
        part = StepStats(Moments.of(next_i), Moments.of(np.full(m, t + 1.0)), Moments.of(reward))
        out = StepStats(*(a + b for a, b in zip(
            (out.next_i, out.next_t, out.reward), (part.next_i, part.next_t, part.reward),
            strict=True)))  # fmt: skip
    return out


def python_loop(
    race: Race,
    episodes: int,
    *,
    start: tuple[int, int] = (0, 0),
    seed: int = 0,
) -> tuple[int, list[float], list[float]]:
    r"""The same process in a plain Python per-step loop (the benchmark's baseline).

    Returns the number of steps, the discounted returns and the REINFORCE
    estimates $\sum_k \gamma^k r_k S_k$ ($S_k$ the scores up to step $k$, the
    same sum as $\sum_k s_k \gamma^k G_k$).
    """
    _check_start(race, start, None)
    state = np.random.SeedSequence(seed).generate_state(4)
    rnd = random.Random(int.from_bytes(state.tobytes(), "little")).random
    lam, N, g = race.lam, race.N, race.discount
    lo, hi = race.cuts
    inv2, inv1 = 1.0 / lam, 1.0 / (1.0 - lam)
    c = -1.0 if race.reward == "per-step" else 0.0  # every action's reward
    terminal, bonus = race.reward == "terminal", 1.0 if race.reward == "success" else 0.0
    steps = 0
    rets: list[float] = []
    grads: list[float] = []
    if g == 1.0:  # undiscounted: the lean loop (the benchmark's baseline)
        for _ in range(episodes):
            i, t = start
            L = 0
            s0 = 0.0  # $\sum_k \partial_\lambda \ln \pi(a_k)$
            s1 = 0.0  # $\sum_k k\, \partial_\lambda \ln \pi(a_k)$, k = 0, 1, ...
            while i < N:
                u = rnd()
                s = inv2 if u < lam else -inv1
                if lo <= u < hi:
                    i += 1
                s0 += s
                s1 += L * s
                L += 1
            t += L
            steps += L
            if c:  # the reward-to-go of step k is $-(L - k)$
                rets.append(-float(L))
                grads.append(-(L * s0 - s1))
            else:  # only the goal pays: every reward-to-go is the return
                last = -float(t) if terminal else bonus
                rets.append(last)
                grads.append(last * s0)
        return steps, rets, grads
    for _ in range(episodes):
        i, t = start
        S = 0.0  # the scores so far
        ret = 0.0  # $\sum_k \gamma^k r_k$
        grad = 0.0  # $\sum_k \gamma^k r_k S_k$
        w = 1.0  # $\gamma^k$
        while i < N:
            u = rnd()
            S += inv2 if u < lam else -inv1
            r = c
            if lo <= u < hi:
                i += 1
                if i == N:
                    r += -(t + 1.0) if terminal else bonus  # the goal's reward
            t += 1
            ret += w * r
            grad += w * r * S
            w *= g
        steps += t - start[1]
        rets.append(ret)
        grads.append(grad)
    return steps, rets, grads
