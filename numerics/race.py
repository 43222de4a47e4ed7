r"""The race to the goal (TTIC 31230, Quiz 4, problem 3), simulated step by step.

The process is the quiz's own: in state $s = (i, t)$ (advances made, actions
taken) the policy draws $a_2$ with probability $\lambda$ and $a_1$ otherwise;
action $a$ advances with probability $p_a$ (the quiz: $p_{a_1} = 0$,
$p_{a_2} = 1$); the episode ends on the $N$-th advance.  The reward rule is
``terminal`` ($-T$ on reaching the goal, $T$ the total number of actions, the
$t$ already taken included) or ``per-step`` ($-1$ for every action).  Nothing
here knows a closed form: every number comes from the rewards seen.

**One uniform per step.**  A single $u \sim U[0, 1)$ decides the action and
whether it advances, by cutting $[0, 1)$ into four intervals:

$$[0,\ \lambda(1-p_{a_2}))\ a_2\text{ stays},\quad
  [\lambda(1-p_{a_2}),\ \lambda)\ a_2\text{ advances},\quad
  [\lambda,\ \lambda + (1-\lambda)p_{a_1})\ a_1\text{ advances},\quad
  \text{the rest: } a_1\text{ stays}.$$

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

import random
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from numerics.stats import Moments

REWARDS = ("terminal", "per-step")
#: Episodes per chunk: the memory of a run is that of one chunk.
CHUNK = 1 << 20
#: Episodes run side by side; large enough that numpy's call overhead vanishes.
SLOTS = 1 << 15
#: Pairs per chunk of :func:`simulate_pairs` (its arrays stay in cache).
PAIR_CHUNK = 1 << 16

#: ``advantage(i, t, a)`` on integer arrays, ``a`` 1 or 2, returns float advantages.
Advantage = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Race:
    """One race: policy, rules, goal and start state, as plain numbers."""

    lam: float
    N: int
    advance_a1: float = 0.0
    advance_a2: float = 1.0
    reward: str = "terminal"

    def __post_init__(self) -> None:
        if not 0.0 < self.lam < 1.0:
            raise ValueError(f"lambda must lie in (0, 1), got {self.lam}")
        if int(self.N) != self.N or self.N < 1:
            raise ValueError(f"N must be a positive integer, got {self.N}")
        for name in ("advance_a1", "advance_a2"):
            p = getattr(self, name)
            if not 0.0 <= p <= 1.0:
                raise ValueError(f"{name} must be a probability, got {p}")
        if self.reward not in REWARDS:
            raise ValueError(f"reward must be one of {REWARDS}, got {self.reward!r}")
        if self.advance_rate <= 0.0:
            raise ValueError("no action ever advances: the goal is never reached")

    @property
    def advance_rate(self) -> float:
        return self.lam * self.advance_a2 + (1.0 - self.lam) * self.advance_a1

    @property
    def cuts(self) -> tuple[float, float]:
        """$[lo, hi)$: the uniforms that advance (the module docstring's intervals)."""
        lo = self.lam * (1.0 - self.advance_a2)  # $\lambda(1 - p_{a_2})$
        hi = self.lam + (1.0 - self.lam) * self.advance_a1  # $\lambda + (1-\lambda)p_{a_1}$
        return lo, hi


@dataclass(frozen=True)
class RaceStats:
    """Mergeable per-episode statistics of one simulated start (state, first action)."""

    episodes: int = 0
    steps: int = 0  # actions simulated, forced ones included
    ret: Moments = field(default_factory=Moments)  # return from the start state
    length: Moments = field(default_factory=Moments)  # actions from the start state
    reinforce: Moments = field(default_factory=Moments)
    reinforce_negative: int = 0
    a2c: Moments | None = None
    a2c_negative: int = 0

    def merge(self, other: RaceStats) -> RaceStats:
        if (self.a2c is None) != (other.a2c is None) and self.episodes and other.episodes:
            raise ValueError("cannot merge runs with and without A2C")
        a2c = (
            other.a2c
            if self.a2c is None
            else (self.a2c if other.a2c is None else self.a2c.merge(other.a2c))
        )
        return RaceStats(
            self.episodes + other.episodes,
            self.steps + other.steps,
            self.ret.merge(other.ret),
            self.length.merge(other.length),
            self.reinforce.merge(other.reinforce),
            self.reinforce_negative + other.reinforce_negative,
            a2c,
            self.a2c_negative + other.a2c_negative,
        )

    __add__ = merge


def _check_start(race: Race, start: tuple[int, int], first_action: int | None) -> None:
    i0, t0 = start
    if int(i0) != i0 or int(t0) != t0 or i0 < 0 or t0 < 0:
        raise ValueError(f"start state must be nonnegative integers, got {start}")
    if i0 >= race.N:
        raise ValueError(f"start state {start} is already at the goal N = {race.N}")
    if first_action not in (None, 1, 2):
        raise ValueError(f"first action must be 1, 2 or None, got {first_action}")


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


@dataclass(frozen=True)
class PairStats:
    """Returns of paired episodes forced to start with a_1 and with a_2 (common random numbers)."""

    q1: Moments  # return after a forced a_1
    q2: Moments  # return after a forced a_2
    diff: Moments  # the paired difference, return(a_1) - return(a_2)


def _pair_chunk(
    race: Race, start: tuple[int, int], episodes: int, rng: np.random.Generator
) -> PairStats:
    r"""Paired episodes, step by step, both members of a pair moved by one draw.

    After the forced step the members need $r_1$ and $r_2$ more advances; both
    see the same advances, so the one needing $r_{hi} = \max(r_1, r_2)$ ends on
    the $r_{hi}$-th and the other on the $r_{lo}$-th, $r_{lo} \ge r_{hi} - 1$.
    The loop counts down $r_{hi}$ and remembers the step of the latest advance.
    """
    N, (i0, t0) = int(race.N), start
    lo, hi = race.cuts
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
    G1, G2 = T1.astype(np.float64), T2.astype(np.float64)
    if race.reward == "terminal":
        G1, G2 = -(t0 + G1), -(t0 + G2)  # return from the start state: $-T$
    else:
        G1, G2 = -G1, -G2  # $-1$ per action
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


@dataclass(frozen=True)
class StepStats:
    """One step from a state with a given action: next state and reward."""

    next_i: Moments
    next_t: Moments
    reward: Moments


def one_step(
    race: Race,
    state: tuple[int, int],
    action: int,
    samples: int,
    seed: int | np.random.SeedSequence = 0,
) -> StepStats:
    """Take ``action`` in ``state`` ``samples`` times; the next state and the reward seen.

    The reward of the step is what the rule pays for it: $-1$ under
    ``per-step``; under ``terminal``, $-(t+1)$ if the step reaches the goal and
    $0$ otherwise.
    """
    _check_start(race, state, action)
    i, t = state
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    rng = np.random.Generator(np.random.PCG64(ss))
    p = race.advance_a1 if action == 1 else race.advance_a2
    moved = rng.random(samples) < p
    next_i = i + moved.astype(np.float64)
    next_t = np.full(samples, t + 1.0)
    if race.reward == "per-step":
        reward = np.full(samples, -1.0)
    else:
        reward = np.where(next_i >= race.N, -(t + 1.0), 0.0)
    return StepStats(Moments.of(next_i), Moments.of(next_t), Moments.of(reward))


def python_loop(
    race: Race,
    episodes: int,
    *,
    start: tuple[int, int] = (0, 0),
    seed: int = 0,
) -> tuple[int, list[float], list[float]]:
    """The same process in a plain Python per-step loop (the benchmark's baseline).

    Returns the number of steps, the returns and the REINFORCE estimates.
    """
    _check_start(race, start, None)
    state = np.random.SeedSequence(seed).generate_state(4)
    rnd = random.Random(int.from_bytes(state.tobytes(), "little")).random
    lam, N = race.lam, race.N
    lo, hi = race.cuts
    inv2, inv1 = 1.0 / lam, 1.0 / (1.0 - lam)
    per_step = race.reward == "per-step"
    steps = 0
    rets: list[float] = []
    grads: list[float] = []
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
        if per_step:
            rets.append(-float(L))
            grads.append(-(L * s0 - s1))  # reward-to-go of step k is $-(L - k)$
        else:
            rets.append(-float(t))
            grads.append(-t * s0)
    return steps, rets, grads
