r"""Flipping a coin in simulation: numpy only, seeded, chunked, with mergeable statistics.

The coin is flipped as the problem says, one uniform draw per flip (heads when
the draw is below $p$); nothing here knows a closed form.  Episodes run side
by side in chunks of :data:`CHUNK`, each drawing :data:`BLOCK` flips at a time
until its $k$-th head has come, so memory stays that of one chunk whatever the
number of episodes.  Each chunk is summarised by :class:`numerics.stats.Moments`
(count, mean, central sums up to the fourth) and the summaries are merged, so
a run yields the mean of $T$ with its standard error and the sample variance
with its own.  Every run draws from one :class:`numpy.random.SeedSequence`.
"""

from __future__ import annotations

import numpy as np

from numerics.stats import Moments

CHUNK = 1 << 13  # episodes flipped side by side
BLOCK = 64  # flips drawn per episode and round


def _generator(seed: int | np.random.SeedSequence) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(seed))


def _check(bias: float, episodes: int) -> None:
    if not 0.0 < bias <= 1.0:
        raise ValueError(f"the probability of heads must lie in (0, 1], got {bias}")
    if episodes < 1:
        raise ValueError(f"at least one episode is needed, got {episodes}")


def _flips_of_chunk(rng: np.random.Generator, bias: float, heads: int, size: int) -> np.ndarray:
    """The flips each of ``size`` episodes takes to see ``heads`` heads."""
    flips = np.zeros(size, dtype=np.int64)
    needed = np.full(size, heads, dtype=np.int64)
    active = np.arange(size)
    while active.size:
        coins = rng.random((active.size, BLOCK)) < bias  # one draw per flip: heads if $U < p$
        seen = np.cumsum(coins, axis=1, dtype=np.int64)  # $H_t$: heads in the block's first t
        done = seen[:, -1] >= needed[active]
        # the flip that brings the last needed head: the first $t$ with $H_t \ge$ heads needed
        last = np.argmax(seen[done] >= needed[active[done], None], axis=1) + 1
        flips[active[done]] += last
        rest = active[~done]
        flips[rest] += BLOCK
        needed[rest] -= seen[~done, -1]
        active = rest
    return flips


def flips_until(
    bias: float, heads: int, episodes: int, seed: int | np.random.SeedSequence
) -> Moments:
    """The number of flips $T$ until the ``heads``-th head, over ``episodes`` episodes."""
    _check(bias, episodes)
    if heads < 1:
        raise ValueError(f"at least one head must be waited for, got {heads}")
    rng = _generator(seed)
    total = Moments()
    for start in range(0, episodes, CHUNK):
        size = min(CHUNK, episodes - start)
        total = total.merge(Moments.of(_flips_of_chunk(rng, bias, heads, size)))
    return total


def any_head(bias: float, flips: int, episodes: int, seed: int | np.random.SeedSequence) -> Moments:
    """The indicator that ``flips`` flips show at least one head, over ``episodes`` episodes."""
    _check(bias, episodes)
    if flips < 0:
        raise ValueError(f"the number of flips must be nonnegative, got {flips}")
    rng = _generator(seed)
    total = Moments()
    for start in range(0, episodes, CHUNK):
        size = min(CHUNK, episodes - start)
        seen = np.zeros(size, dtype=bool)
        for done in range(0, flips, BLOCK):
            width = min(BLOCK, flips - done)
            seen |= (rng.random((size, width)) < bias).any(axis=1)  # some flip with $U < p$
        total = total.merge(Moments.of(seen))
    return total
