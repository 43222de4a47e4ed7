r"""The race simulated step by step, many episodes side by side, streamed in chunks.

**Per-episode outputs**, for an episode started in $(i_0, t_0)$ whose policy
steps are $k = 1, \dots, L$ (after an optional forced first action, which is
not drawn from the policy and so carries no score):

- the return $G$ from the start state (its mean estimates $V^\pi(i_0, t_0)$,
  or $Q^\pi(s, a)$ when the first action is forced);
- REINFORCE with the reward-to-go, $\lambda$ itself the parameter:
  $\hat g = \sum_k \partial_\lambda \ln\pi(a_k)\, \sum_{k' \ge k} r_{k'}$ with
  $\partial_\lambda \ln \pi(a_2) = 1/\lambda$ and
  $\partial_\lambda \ln \pi(a_1) = -1/(1-\lambda)$;
- A2C: $\hat g_{A} = \sum_k \partial_\lambda \ln\pi(a_k)\, A(i_k, t_k, a_k)$
  with the advantage function supplied by the caller.

The reward-to-go is never stored step by step.  Under ``terminal`` every
reward-to-go is $-T$, so $\hat g = -T\,(n_2/\lambda - n_1/(1-\lambda))$ with
$n_a$ the number of policy steps taking $a$.  Under ``per-step`` the
reward-to-go of step $k$ is $-(L - k + 1)$; with $c_m$ the number of $a_2$
among the first $m$ policy steps, $\sum_{k: a_k = a_2} (L - k + 1) =
\sum_{m=1}^{L} c_m =: H$, accumulated by one addition per step, and

$$\hat g = -\left(\frac{H}{\lambda} - \frac{L(L+1)/2 - H}{1-\lambda}\right).$$

**Vectorised, streamed, unbiased.**  A chunk runs ``slots`` episodes side by
side in numpy arrays, one step for all of them per iteration.  A finished
episode's slot immediately starts the next of a fixed quota of episodes, so
almost no draw is wasted.  Every launched episode runs to its end: taking the
episodes *finished by a deadline* would favour short ones, taking a fixed
number *launched* does not.  Chunks are merged with :class:`~numerics.stats.Moments`,
so memory is that of one chunk; chunk $c$ draws from the $c$-th child of
``SeedSequence(seed)``, so a seed fixes every number.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from numerics.race.process import Advantage, Race, RaceStats, _check_start
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

    if plain and not forced and not per_step and advantage is None and need <= 127:
        rec = _plain_lengths(lam, need, episodes, rng, slots)
        return _summarise(race, tp, need, False, 0, rec, None, None, None, baseline)
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

    rec_L = np.empty(episodes, dtype=np.int64)
    rec_n2 = np.empty(episodes, dtype=np.int64) if need_count else None
    rec_H = np.empty(episodes, dtype=np.int64) if per_step else None
    rec_acc = np.empty(episodes, dtype=np.float64) if advantage is not None else None
    pos = 0
    launched = 0
    g = 0  # steps taken so far in this chunk, all slots in lockstep
    forced_steps = 0

    def record(idx: np.ndarray) -> None:
        nonlocal pos
        k = idx.size
        np.subtract(g, first[idx], out=rec_L[pos : pos + k])  # $L$: policy steps taken
        if rec_n2 is not None:
            rec_n2[pos : pos + k] = n2[idx]
        if rec_H is not None:
            rec_H[pos : pos + k] = H[idx]
        if rec_acc is not None:
            rec_acc[pos : pos + k] = acc[idx]
        pos += k

    def launch(idx: np.ndarray) -> np.ndarray:
        """Start new episodes in slots ``idx``; return the slots that stayed idle."""
        nonlocal launched, forced_steps
        while idx.size:
            r = min(idx.size, episodes - launched)
            j, idle = idx[:r], idx[r:]
            launched += r
            first[j] = g
            rem[j] = need
            if n2 is not None:
                n2[j] = 0
            if H is not None:
                H[j] = 0
            if acc is not None:
                acc[j] = 0.0
                tshift[j] = tp - g  # $t_k = t_p + (g - g_\text{first})$
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
        for arr in (rem, first, n2, H, acc, tshift):
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
        if acc is not None:
            ii = N - rem[:n].astype(np.int64)
            tt = tshift[:n] + g
            act = 1 + a2b[:n].astype(np.int64)
            A = np.asarray(advantage(ii, tt, act), dtype=np.float64)
            score = np.where(a2b[:n], 1.0 / lam, -1.0 / (1.0 - lam))  # $\partial_\lambda\ln\pi$
            acc[:n] += score * A  # $\sum_k \partial_\lambda \ln\pi(a_k) A(s_k, a_k)$
        if n2 is not None:
            np.add(n2[:n], a2b[:n], out=n2[:n])  # $n_2$
        rr = rem[:n]
        np.subtract(rr, dd, out=rr, casting="unsafe")
        if H is not None:
            np.add(H[:n], n2[:n] if n2 is not None else need - rr, out=H[:n])  # $H += c_m$
        g += 1
        np.equal(rr, 0, out=done[:n])
        idx = np.flatnonzero(done[:n])
        if idx.size:
            record(idx)
            idle = launch(idx)
            if idle.size:
                n = compact(idle, n)
    assert pos == episodes

    return _summarise(race, tp, need, forced, forced_steps, rec_L, rec_n2, rec_H, rec_acc, baseline)


def _summarise(
    race: Race,
    tp: int,
    need: int,
    forced: bool,
    forced_steps: int,
    rec_L: np.ndarray,
    rec_n2: np.ndarray | None,
    rec_H: np.ndarray | None,
    rec_acc: np.ndarray | None,
    baseline: float = 0.0,
) -> RaceStats:
    """Per-episode outputs from the recorded counts, summarised as moments."""
    lam = race.lam
    per_step = race.reward == "per-step"
    episodes = rec_L.size
    if not per_step and rec_n2 is None and rec_acc is None:
        # Every output is a function of L alone: summarise its histogram.
        counts = np.bincount(rec_L)
        seen = np.flatnonzero(counts)
        w = counts[seen]
        L = seen.astype(np.float64)
        T_total = tp + L  # $T$, the actions of the whole episode
        score = need / lam - (L - need) / (1.0 - lam)  # $\sum_k \partial_\lambda \ln\pi(a_k)$
        g_hat = -T_total * score - baseline * score  # $\sum_k \partial\ln\pi\,(-T - b)$
        return RaceStats(
            episodes=episodes,
            steps=int(w @ seen) + forced_steps,
            ret=Moments.of_counts(-T_total, w),
            length=Moments.of_counts(L + forced, w),
            reinforce=Moments.of_counts(g_hat, w),
            reinforce_negative=int(w[g_hat < 0].sum()),
        )
    L = rec_L.astype(np.float64)
    T_total = tp + L  # $T$, the actions of the whole episode
    ret = -(L + forced) if per_step else -T_total
    n2f = rec_n2.astype(np.float64) if rec_n2 is not None else float(need)
    score = n2f / lam - (L - n2f) / (1.0 - lam)  # $\sum_k \partial_\lambda \ln\pi(a_k)$
    if per_step:
        Hf = rec_H.astype(np.float64)
        g_hat = -(Hf / lam - (L * (L + 1.0) / 2.0 - Hf) / (1.0 - lam))  # reward-to-go form
    else:
        g_hat = -T_total * score  # $-T\sum_k\partial\ln\pi$
    g_hat = g_hat - baseline * score  # a constant baseline b: $\sum_k \partial\ln\pi\,(G_k - b)$
    return RaceStats(
        episodes=episodes,
        steps=int(rec_L.sum()) + forced_steps,
        ret=Moments.of(ret),
        length=Moments.of(L + forced),
        reinforce=Moments.of(g_hat),
        reinforce_negative=int(np.count_nonzero(g_hat < 0)),
        a2c=Moments.of(rec_acc) if rec_acc is not None else None,
        a2c_negative=int(np.count_nonzero(rec_acc < 0)) if rec_acc is not None else 0,
    )


def simulate(
    race: Race,
    episodes: int,
    *,
    start: tuple[int, int] = (0, 0),
    first_action: int | None = None,
    seed: int | np.random.SeedSequence = 0,
    advantage: Advantage | None = None,
    chunk: int = CHUNK,
    slots: int = SLOTS,
    progress: Callable[[int], None] | None = None,
    baseline: float = 0.0,
) -> RaceStats:
    """Simulate ``episodes`` episodes from ``start``; one seed fixes every number.

    ``first_action`` (1 or 2) forces the first action (for $Q^\\pi$);
    ``advantage`` adds the A2C estimate; ``progress`` is called with the
    number of episodes finished after every chunk.  ``baseline`` $b$ turns
    REINFORCE's estimate into $\\sum_k \\partial_\\lambda \\ln\\pi(a_k)(G_k - b)$,
    $G_k$ the reward-to-go: the same mean, since each score has mean zero given
    the past, and a smaller variance for $b$ near the return.
    """
    _check_start(race, start, first_action)
    if episodes < 1:
        raise ValueError(f"episodes must be positive, got {episodes}")
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    n_chunks = -(-episodes // chunk)
    total = RaceStats(a2c=Moments() if advantage is not None else None)
    for c, child in enumerate(ss.spawn(n_chunks)):
        m = min(chunk, episodes - c * chunk)
        rng = np.random.Generator(np.random.PCG64(child))
        part = _run_chunk(race, start, first_action, m, rng, slots, advantage, baseline)
        total = total.merge(part)
        if progress is not None:
            progress(total.episodes)
    return total
