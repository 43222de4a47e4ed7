r"""Paired episodes of the race: $Q(s, a_1) - Q(s, a_2)$ with common random numbers.

Both members of a pair are episodes of the race, one forced to start with
$a_1$ and one with $a_2$, moved by the same uniforms, so their difference
has a far smaller variance than that of independent runs.  :func:`paired_returns`
runs pairs from a different start state in every row (vectorised), for the
rollout advantages of :mod:`numerics.race.rollout`; returns are discounted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from numerics.race.process import Race, _check_start, episode_return
from numerics.stats import Moments

#: Pairs per chunk of :func:`simulate_pairs` (its arrays stay in cache).
PAIR_CHUNK = 1 << 16


@dataclass(frozen=True)
class PairStats:
    """Returns of paired episodes forced to start with a_1 and with a_2 (common random numbers)."""

    q1: Moments  # return after a forced a_1
    q2: Moments  # return after a forced a_2
    diff: Moments  # the paired difference, return(a_1) - return(a_2)


def pair_lengths(
    race: Race, i0: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    r"""Actions from the start of paired episodes (forced $a_1$, forced $a_2$), one per row.

    Row $r$ starts with $i_0[r]$ advances made.  After the forced step the
    members need $r_1$ and $r_2$ more advances; both see the same advances, so
    the one needing $r_{hi} = \max(r_1, r_2)$ ends on the $r_{hi}$-th and the
    other on the $r_{lo}$-th, $r_{lo} \ge r_{hi} - 1$.  The loop counts down
    $r_{hi}$ and remembers the step of the latest advance.
    """
    N = int(race.N)
    lo, hi = race.cuts
    episodes = i0.size
    u = rng.random(episodes)
    # the forced first step of both members, decided by one uniform
    r1 = N - (i0 + (u < race.advance_a1).astype(np.int64))
    r2 = N - (i0 + (u < race.advance_a2).astype(np.int64))
    r_hi = np.maximum(r1, r2)
    T_hi = np.ones(episodes, dtype=np.int64)  # actions from the start state
    T_prev = np.ones(episodes, dtype=np.int64)  # ... up to the advance before the last
    # a finished pair is parked at a count it cannot run down before it is removed
    rdt = np.int16 if int(r_hi.max(initial=0)) < 1000 else np.int64
    park = np.iinfo(rdt).max
    rem = r_hi.astype(rdt)
    rows = np.flatnonzero(rem > 0)  # pairs still running; the others ended at the forced step
    rem = rem[rows]
    prev = np.zeros(rows.size, dtype=np.int64)  # step of the latest advance (0: none yet)
    buf = np.empty(rows.size)
    advb = np.empty(rows.size, dtype=bool)
    tmp = np.empty(rows.size, dtype=bool)
    done = np.empty(rows.size, dtype=bool)
    gone = 0  # finished pairs still in the arrays, parked at a count that never ends
    step = 0
    n = rows.size
    while n:
        step += 1
        uu = buf[:n]
        rng.random(out=uu)
        aa = advb[:n]
        if lo == 0.0:
            np.less(uu, hi, out=aa)  # advance $\iff u < hi$
        else:
            np.greater_equal(uu, lo, out=aa)  # advance $\iff lo \le u < hi$
            np.less(uu, hi, out=tmp[:n])
            np.logical_and(aa, tmp[:n], out=aa)
        rr = rem[:n]
        np.subtract(rr, aa, out=rr, casting="unsafe")
        np.equal(rr, 0, out=done[:n])
        idx = np.flatnonzero(done[:n])
        if idx.size:
            T_hi[rows[idx]] = 1 + step
            T_prev[rows[idx]] = 1 + prev[idx]
            rr[idx] = park
            gone += idx.size
        np.copyto(prev[:n], step, where=aa)
        if gone and (4 * gone >= n or step % 256 == 0):  # 256 steps < park - 1000 advances
            keep = np.flatnonzero(rr < park - 1000)
            n = keep.size
            rows[:n], rem[:n], prev[:n] = rows[keep], rem[keep], prev[keep]
            gone = 0
    # the member needing fewer advances ended on the one before the last
    T1 = np.where(r1 < r2, T_prev, T_hi)
    T2 = np.where(r2 < r1, T_prev, T_hi)
    return T1, T2


def paired_returns(
    race: Race, i0: np.ndarray, t0: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Discounted returns from per-row start states after a forced a_1 and a forced a_2."""
    T1, T2 = pair_lengths(race, np.asarray(i0, dtype=np.int64), rng)
    return episode_return(race, T1, t0), episode_return(race, T2, t0)


def _pair_chunk(
    race: Race, start: tuple[int, int], episodes: int, rng: np.random.Generator
) -> PairStats:
    i0 = np.full(episodes, int(start[0]), dtype=np.int64)
    G1, G2 = paired_returns(race, i0, int(start[1]), rng)
    return PairStats(Moments.of(G1), Moments.of(G2), Moments.of(G1 - G2))


def simulate_pairs(
    race: Race,
    episodes: int,
    *,
    start: tuple[int, int] = (0, 0),
    seed: int | np.random.SeedSequence = 0,
    chunk: int = PAIR_CHUNK,
) -> PairStats:
    r"""$Q(s, a_1) - Q(s, a_2)$ with common random numbers.

    Each pair runs one episode forced to start with $a_1$ and one forced to
    start with $a_2$, both driven by the same uniforms (the first one decides
    both forced steps, then each draw moves both).  Each member alone is an
    episode of the race, so the means estimate $Q(s, a_1)$ and $Q(s, a_2)$;
    their difference has a far smaller variance than that of independent runs.
    """
    _check_start(race, start, 1)
    if episodes < 1:
        raise ValueError(f"episodes must be positive, got {episodes}")
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    n_chunks = -(-episodes // chunk)
    q1, q2, diff = Moments(), Moments(), Moments()
    for c, child in enumerate(ss.spawn(n_chunks)):
        rng = np.random.Generator(np.random.PCG64(child))
        part = _pair_chunk(race, start, min(chunk, episodes - c * chunk), rng)
        q1, q2, diff = q1 + part.q1, q2 + part.q2, diff + part.diff
    return PairStats(q1, q2, diff)
