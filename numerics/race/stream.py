r"""The race simulated step by step, many episodes side by side, streamed in chunks.

**Per-episode outputs**, for an episode started in $(i_0, t_0)$ (an optional
forced first action carries no score): the discounted return $G$ from the start
state (its mean estimates $V^\pi(i_0, t_0)$, or $Q^\pi(s, a)$ when the first
action is forced), REINFORCE's estimate $\sum_k \partial_\lambda \ln\pi(a_k)\,
\gamma^k G_k$ with the reward-to-go $G_k$, and A2C's
$\sum_k \gamma^k \partial_\lambda \ln\pi(a_k)\, A(s_k, a_k)$ with the caller's
advantages (or rollout ones, :mod:`numerics.race.rollout`).  The reward-to-go is
never stored step by step: the loop keeps the counts the outputs are functions
of (the length, the number of $a_2$, a running sum for per-step rewards, the
discounted score sum $Y$) and :mod:`numerics.race.summary` turns them into the
outputs.

**Vectorised, streamed, unbiased.**  A chunk runs ``slots`` episodes side by
side in numpy arrays, one step for all of them per iteration.  A finished
episode's slot immediately starts the next of a fixed quota of episodes, so
almost no draw is wasted.  Every launched episode runs to its end: taking the
episodes *finished by a deadline* would favour short ones, taking a fixed
number *launched* does not.  Chunks are merged with :class:`~numerics.stats.Moments`,
so memory is that of one chunk; chunk $c$ draws from the $c$-th child of
``SeedSequence(seed)``, so a seed fixes every number.  The quiz's own rules with
a reward only at the goal, no forced action and no callable advantage (and no
baseline under a discount) take a lean loop of their own, the benchmark's path:
every output is then a function of the episode's length.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from numerics.race.process import Advantage, Race, RaceStats, _check_start
from numerics.race.rollout import ROLLOUT_CHUNK
from numerics.race.rollout import run_chunk as run_rollout_chunk
from numerics.race.summary import summarise
from numerics.stats import Moments

#: Episodes per chunk: the memory of a run is that of one chunk.
CHUNK = 1 << 20
#: Episodes run side by side; large enough that numpy's call overhead vanishes.
SLOTS = 1 << 15


def _rem_dtype(need: int) -> type:
    if need <= np.iinfo(np.int8).max:
        return np.int8
    if need <= np.iinfo(np.int32).max:
        return np.int32
    return np.int64


def _plain_lengths(
    lam: float, need: int, episodes: int, rng: np.random.Generator, slots: int
) -> np.ndarray:
    """The quiz's own rules, terminal reward, no forced action: the length of each episode.

    The same lockstep loop as :func:`_run_chunk`, cut to the bone (the
    benchmark's path): per step one uniform, one comparison, one subtraction,
    one test for the goal.
    """
    S = min(slots, episodes)
    u = np.empty(S)
    a2 = np.empty(S, dtype=np.int8)
    a2b = a2.view(bool)
    done = np.empty(S, dtype=bool)
    rem = np.full(S, need, dtype=np.int8)  # advances still needed
    first = np.zeros(S, dtype=np.int64)  # step at which the slot's episode began
    rec = np.empty(episodes, dtype=np.int64)
    pos, launched, g, n = 0, S, 0, S
    rnd, less, sub, eq, nonzero = rng.random, np.less, np.subtract, np.equal, np.flatnonzero
    uu, aa, ab, rr, dd = u, a2, a2b, rem, done
    while n:
        rnd(out=uu)
        less(uu, lam, out=ab)  # $a_2 \iff u < \lambda$, and a_2 advances
        sub(rr, aa, out=rr)
        g += 1
        eq(rr, 0, out=dd)
        idx = nonzero(dd)
        k = idx.size
        if k:
            sub(g, first[idx], out=rec[pos : pos + k])  # $L$
            pos += k
            r = min(k, episodes - launched)
            launched += r
            if r == k:
                first[idx] = g
                rem[idx] = need
            else:
                first[idx[:r]] = g
                rem[idx[:r]] = need
                keep = np.ones(n, dtype=bool)
                keep[idx[r:]] = False
                kk = nonzero(keep)
                n = kk.size
                rem[:n] = rem[kk]
                first[:n] = first[kk]
                uu, aa, ab, rr, dd = u[:n], a2[:n], a2b[:n], rem[:n], done[:n]
    return rec


def _run_chunk(
    race: Race,
    start: tuple[int, int],
    first_action: int | None,
    episodes: int,
    rng: np.random.Generator,
    slots: int,
    advantage: Advantage | None,
    baseline: float = 0.0,
    edges: tuple[float, ...] | None = None,
) -> RaceStats:
    """Run exactly ``episodes`` episodes to their ends; summarise them."""
    lam, N = race.lam, int(race.N)
    i0, t0 = int(start[0]), int(start[1])
    need = N - i0
    lo, hi = race.cuts
    plain = lo == 0.0 and hi == lam  # the quiz's rules: a2 advances, a1 never does
    per_step = race.reward == "per-step"
    forced = first_action is not None
    p_forced = 0.0
    if forced:
        p_forced = race.advance_a1 if first_action == 1 else race.advance_a2
    tp = t0 + int(forced)  # time of the first policy step
    need_count = not plain or forced  # the number of a2 must be counted step by step
    g = race.discount
    need_Y = g != 1.0 and (per_step or baseline != 0.0)  # $Y = \sum_k s_k \gamma^k$ is needed
    need_disc = need_Y or (advantage is not None and g != 1.0)

    if plain and not forced and not per_step and advantage is None and need <= 127 and not need_Y:
        rec = _plain_lengths(lam, need, episodes, rng, slots)
        return summarise(race, t0, need, False, 0, rec, baseline=baseline, edges=edges)
    S = min(slots, episodes)
    rdt = _rem_dtype(need)
    u = np.empty(S)
    a2 = np.empty(S, dtype=rdt)  # 1 where the step takes a2 (written as bool)
    a2b = a2.view(bool) if rdt is np.int8 else np.empty(S, dtype=bool)
    adv = np.empty(S, dtype=rdt) if not plain else a2
    advb = adv.view(bool) if rdt is np.int8 and not plain else None
    tmpb = np.empty(S, dtype=bool)
    done = np.empty(S, dtype=bool)
    rem = np.empty(S, dtype=rdt)  # advances still needed
    first = np.empty(S, dtype=np.int64)  # chunk step at which the slot's episode began
    n2 = np.zeros(S, dtype=np.int64) if need_count else None
    H = np.zeros(S, dtype=np.int64) if per_step else None
    acc = np.zeros(S, dtype=np.float64) if advantage is not None else None
    tshift = np.empty(S, dtype=np.int64) if advantage is not None else None
    disc = np.empty(S, dtype=np.float64) if need_disc else None  # $\gamma^k$ of the next step
    Y = np.zeros(S, dtype=np.float64) if need_Y else None

    rec_L = np.empty(episodes, dtype=np.int64)
    rec_n2 = np.empty(episodes, dtype=np.int64) if need_count else None
    rec_H = np.empty(episodes, dtype=np.int64) if per_step else None
    rec_acc = np.empty(episodes, dtype=np.float64) if advantage is not None else None
    rec_Y = np.empty(episodes, dtype=np.float64) if need_Y else None
    pos = 0
    launched = 0
    step = 0  # steps taken so far in this chunk, all slots in lockstep
    forced_steps = 0

    def record(idx: np.ndarray) -> None:
        nonlocal pos
        k = idx.size
        np.subtract(step, first[idx], out=rec_L[pos : pos + k])  # $L$: policy steps taken
        if rec_n2 is not None:
            rec_n2[pos : pos + k] = n2[idx]
        if rec_H is not None:
            rec_H[pos : pos + k] = H[idx]
        if rec_acc is not None:
            rec_acc[pos : pos + k] = acc[idx]
        if rec_Y is not None:
            rec_Y[pos : pos + k] = Y[idx]
        pos += k

    def launch(idx: np.ndarray) -> np.ndarray:
        """Start new episodes in slots ``idx``; return the slots that stayed idle."""
        nonlocal launched, forced_steps
        while idx.size:
            r = min(idx.size, episodes - launched)
            j, idle = idx[:r], idx[r:]
            launched += r
            first[j] = step
            rem[j] = need
            if n2 is not None:
                n2[j] = 0
            if H is not None:
                H[j] = 0
            if acc is not None:
                acc[j] = 0.0
                tshift[j] = tp - step  # $t_k = t_p + (g - g_\text{first})$
            if disc is not None:
                disc[j] = g**forced  # the first policy step is action 1 after a forced one
            if Y is not None:
                Y[j] = 0.0
            if not forced or r == 0:
                return idle
            forced_steps += r
            rem[j] -= (rng.random(r) < p_forced).astype(rdt)  # the forced first action
            ended = j[rem[j] == 0]
            if ended.size:
                record(ended)
            idx = np.concatenate([ended, idle])
            if not ended.size:
                return idle
        return idx

    def compact(idle: np.ndarray, n: int) -> int:
        """Move the slots still running to the front; return how many there are."""
        keep = np.ones(n, dtype=bool)
        keep[idle] = False
        kk = np.flatnonzero(keep)
        m = kk.size
        for arr in (rem, first, n2, H, acc, tshift, disc, Y):
            if arr is not None:
                arr[:m] = arr[kk]
        return m

    n = S
    idle = launch(np.arange(S))
    if idle.size:
        n = compact(idle, n)
    rnd = rng.random
    while n:
        uu = u[:n]
        rnd(out=uu)
        if rdt is np.int8:
            np.less(uu, lam, out=a2b[:n])  # $a_2 \iff u < \lambda$
            aa = a2[:n]
        else:
            np.less(uu, lam, out=a2b[:n])
            aa = a2b[:n]
        if plain:
            dd = aa
        elif advb is not None:
            np.greater_equal(uu, lo, out=advb[:n])  # advance $\iff lo \le u < hi$
            np.less(uu, hi, out=tmpb[:n])
            np.logical_and(advb[:n], tmpb[:n], out=advb[:n])
            dd = adv[:n]
        else:
            np.greater_equal(uu, lo, out=done[:n])
            np.less(uu, hi, out=tmpb[:n])
            np.logical_and(done[:n], tmpb[:n], out=tmpb[:n])
            dd = tmpb[:n]
        if acc is not None or Y is not None:
            score = np.where(a2b[:n], 1.0 / lam, -1.0 / (1.0 - lam))  # $\partial_\lambda\ln\pi$
            weight = score * disc[:n] if disc is not None else score  # $s_k \gamma^k$
            if Y is not None:
                Y[:n] += weight
            if acc is not None:
                ii = N - rem[:n].astype(np.int64)
                tt = tshift[:n] + step
                act = 1 + a2b[:n].astype(np.int64)
                A = np.asarray(advantage(ii, tt, act), dtype=np.float64)
                acc[:n] += weight * A  # $\sum_k \gamma^k \partial_\lambda \ln\pi(a_k) A(s_k, a_k)$
            if disc is not None:
                disc[:n] *= g
        if n2 is not None:
            np.add(n2[:n], a2b[:n], out=n2[:n])  # $n_2$
        rr = rem[:n]
        np.subtract(rr, dd, out=rr, casting="unsafe")
        if H is not None:
            np.add(H[:n], n2[:n] if n2 is not None else need - rr, out=H[:n])  # $H += c_m$
        step += 1
        np.equal(rr, 0, out=done[:n])
        idx = np.flatnonzero(done[:n])
        if idx.size:
            record(idx)
            idle = launch(idx)
            if idle.size:
                n = compact(idle, n)
    assert pos == episodes

    return summarise(
        race, t0, need, forced, forced_steps, rec_L, rec_n2, rec_H, rec_Y, rec_acc, baseline, edges
    )


def simulate(
    race: Race,
    episodes: int,
    *,
    start: tuple[int, int] = (0, 0),
    first_action: int | None = None,
    seed: int | np.random.SeedSequence = 0,
    advantage: Advantage | str | None = None,
    rollouts: int = 16,
    chunk: int = CHUNK,
    slots: int = SLOTS,
    progress: Callable[[int], None] | None = None,
    baseline: float = 0.0,
    edges: tuple[float, ...] | None = None,
    rollout_noise: bool = True,
) -> RaceStats:
    """Simulate ``episodes`` episodes from ``start``; one seed fixes every number.

    ``first_action`` (1 or 2) forces the first action (for $Q^\\pi$).
    ``advantage`` adds A2C's estimate $\\sum_k \\gamma^k \\partial_\\lambda \\ln\\pi(a_k) A$:
    a function ``(i, t, a) -> A`` supplied by the caller, or ``"rollout"``, the
    advantages estimated afresh at every step from ``rollouts`` paired episodes
    (:mod:`numerics.race.rollout`; the stats then carry ``a2c_noise``, unless
    ``rollout_noise`` is false: then only the mean of A2C's estimate is measured, at
    half the rollouts).
    ``progress`` is called with the number of episodes finished after every
    chunk.  ``baseline`` $b$ turns REINFORCE's estimate into
    $\\sum_k \\partial_\\lambda \\ln\\pi(a_k)\\, \\gamma^k (G_k - b)$, $G_k$ the
    discounted reward-to-go: the same mean, since each score has mean zero given
    the past, and a smaller variance for $b$ near the return.  ``edges`` also
    counts the per-episode REINFORCE (and A2C) estimates in those fixed bins.
    """
    _check_start(race, start, first_action)
    if episodes < 1:
        raise ValueError(f"episodes must be positive, got {episodes}")
    by_rollout = isinstance(advantage, str)
    if by_rollout and advantage != "rollout":
        raise ValueError(f"advantage must be a function or 'rollout', got {advantage!r}")
    if by_rollout and rollouts < 1:
        raise ValueError(f"rollouts must be positive, got {rollouts}")
    if by_rollout:
        chunk = min(chunk, ROLLOUT_CHUNK)
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    n_chunks = -(-episodes // chunk)
    total = RaceStats(
        a2c=Moments() if advantage is not None else None,
        a2c_noise=Moments() if by_rollout and rollout_noise else None,
    )
    for c, child in enumerate(ss.spawn(n_chunks)):
        m = min(chunk, episodes - c * chunk)
        rng = np.random.Generator(np.random.PCG64(child))
        if by_rollout:
            part = run_rollout_chunk(
                race, start, first_action, m, rng, rollouts, baseline, edges, rollout_noise
            )
        else:
            part = _run_chunk(race, start, first_action, m, rng, slots, advantage, baseline, edges)
        total = total.merge(part)
        if progress is not None:
            progress(total.episodes)
    return total
