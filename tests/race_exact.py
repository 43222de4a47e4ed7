r"""Exact values of the race by routes independent of the derivations (tests only; stdlib only).

Nothing here imports :mod:`derivations` or :mod:`numerics`: the race is written
out from its definition with exact rationals (:class:`fractions.Fraction`).

- :func:`value_iteration`: $V_H(i, t)$, the Bellman backup applied $H$ times to
  $V \equiv 0$, i.e. the expected discounted reward of the first $H$ actions
  from $(i, t)$ (the goal is worth 0, each reward belongs to its action).
- :func:`episode_moments`: $E[X]$ and $E[X^2]$ of REINFORCE's or A2C's
  per-episode estimate over the episodes of at most $H$ actions, by a forward
  pass over the advances made that carries the probability mass and the
  mass-weighted partial sums (and their squares and products) an estimate
  needs; A2C's advantages come from :func:`value_iteration`.

**Tail bounds.**  $K_m$, the actions needed for $m$ advances, exceeds $k$ with
probability $P(\text{Bin}(k, q) < m)$.  A reward of an action $k$ steps on is
at most $|c| + |b_1|(t + k + 1) + |b_0|$ in size, so
$|V - V_H| \le \sum_{k \ge H} (|c| + |b_1|(t + k + 1) + |b_0|)\,P(K_m > k)$.
An estimate of an episode of $T$ actions is at most $C T^2 (1 + T)$ in size
($C$ the largest score times the largest reward coefficient, or the largest
advantage), so the moments over longer episodes are at most
$\sum_{n > H} (C n^2 (1 + n))^p P(K_m > n - 1)$, $p = 1, 2$.  The bounds are
summed in floating point until their terms fall below $10^{-300}$.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import comb


@dataclass(frozen=True)
class Spec:
    """One race as exact numbers: policy, advance probabilities, reward, discount, goal."""

    lam: Fraction
    goal: int
    p1: Fraction = Fraction(0)
    p2: Fraction = Fraction(1)
    reward: str = "terminal"
    gamma: Fraction = Fraction(1)

    @property
    def q(self) -> Fraction:
        return self.lam * self.p2 + (1 - self.lam) * self.p1

    def pi(self, a: int) -> Fraction:
        return self.lam if a == 2 else 1 - self.lam

    def p(self, a: int) -> Fraction:
        return self.p2 if a == 2 else self.p1

    def score(self, a: int) -> Fraction:
        """d/dlambda ln pi(a): 1/lambda for a_2, -1/(1 - lambda) for a_1."""
        return 1 / self.lam if a == 2 else -1 / (1 - self.lam)

    def reward_of(self, t: int, reaches_goal: bool) -> Fraction:
        """The reward of the action taken at time t (the (t+1)-th), reaching the goal or not."""
        c = Fraction(-1) if self.reward == "per-step" else Fraction(0)
        if not reaches_goal:
            return c
        return c + {"terminal": -(t + 1), "success": 1}.get(self.reward, 0)

    def coefficients(self) -> tuple[float, float, float]:
        """|c|, |b_1|, |b_0| of the rewards, for the tail bounds."""
        return {"terminal": (0, 1, 0), "per-step": (1, 0, 0), "success": (0, 0, 1)}[self.reward]

    def outcomes(self):
        """(probability, action, advanced) for one step."""
        for a in (1, 2):
            yield self.pi(a) * self.p(a), a, 1
            yield self.pi(a) * (1 - self.p(a)), a, 0


def _survival(q: float, m: int, k: int) -> float:
    """P(K_m > k) = P(Bin(k, q) < m)."""
    return sum(comb(k, j) * q**j * (1 - q) ** (k - j) for j in range(min(m, k + 1)))


def _series(term, start: int) -> float:
    total, k = 0.0, start
    while True:
        x = term(k)
        total += x
        if k > start + 50 and x < 1e-300 + 1e-30 * total:
            return 2 * total  # a margin for the terms left out
        k += 1


def value_iteration(
    spec: Spec, i: int, t: int, horizon: int, first: int | None = None
) -> tuple[Fraction, float]:
    """(V_H(i, t), bound on |V - V_H|); with ``first`` the first action is forced (Q)."""
    if i >= spec.goal:
        return Fraction(0), 0.0
    # values[j] = V_n(j, t + H - n) for the advances j; n = 0: nothing collected yet
    values = {j: Fraction(0) for j in range(i, spec.goal)}
    for n in range(1, horizon + 1):
        tt = t + horizon - n  # the time at which n actions are left
        new = {}
        for j in range(i, spec.goal):
            total = Fraction(0)
            forced = first if n == horizon else None
            for a in (1, 2) if forced is None else (forced,):
                w = spec.pi(a) if forced is None else Fraction(1)
                p = spec.p(a)
                reach = j + 1 == spec.goal
                on = spec.reward_of(tt, reach) + (0 if reach else spec.gamma * values[j + 1])
                off = spec.reward_of(tt, False) + spec.gamma * values[j]
                total += w * (p * on + (1 - p) * off)
            new[j] = total
        values = new
    c, b1, b0 = spec.coefficients()
    m, q = spec.goal - i, float(spec.q)
    bound = _series(lambda k: (c + b1 * (t + k + 2) + b0) * _survival(q, m, k - 1), horizon)
    return values[i], bound


def advantage_table(spec: Spec, times: int, vi_horizon: int) -> tuple[dict, float]:
    """A(i, t, a) = Q - V for t < times, by one backward sweep of value iteration.

    The sweep starts from $V \\equiv 0$ at time ``times + vi_horizon``, so every
    value used has at least ``vi_horizon`` backups; the second number bounds the
    error of every advantage (twice the tail bound of the shortest horizon).
    """
    t_max = times + vi_horizon
    V = {(j, t_max): Fraction(0) for j in range(spec.goal)}
    table = {}
    for t in range(t_max - 1, -1, -1):
        for j in range(spec.goal):
            q = {}
            for a in (1, 2):
                p = spec.p(a)
                reach = j + 1 == spec.goal
                on = spec.reward_of(t, reach) + (0 if reach else spec.gamma * V[(j + 1, t + 1)])
                off = spec.reward_of(t, False) + spec.gamma * V[(j, t + 1)]
                q[a] = p * on + (1 - p) * off
            V[(j, t)] = spec.pi(1) * q[1] + spec.pi(2) * q[2]
            if t < times:
                for a in (1, 2):
                    table[(j, t, a)] = q[a] - V[(j, t)]
    c, b1, b0 = spec.coefficients()
    q = float(spec.q)
    err = 2 * _series(
        lambda k: (c + b1 * (times + k + 2) + b0) * _survival(q, spec.goal, k - 2), vi_horizon
    )
    return table, err


def horizon_for(spec: Spec, C: float, target: float = 1e-12) -> int:
    """The shortest horizon (at least 40) whose bound on the neglected second moment is < target."""
    q, H = float(spec.q), 40
    while _moment_tail(q, spec.goal, C, H) >= target:
        H += 20
    return H


def _moment_tail(q: float, goal: int, C: float, H: int) -> float:
    return _series(lambda n: (C * n**2 * (1 + n)) ** 2 * _survival(q, goal, n - 1), H)


def episode_moments(
    spec: Spec, which: str, horizon: int, advantages: dict | None = None
) -> tuple[Fraction, Fraction, float]:
    """(E[X; T <= H], E[X^2; T <= H], bound on the part of E[X^2] beyond H).

    REINFORCE: $X = \\sum_k \\gamma^k r_k S_k$, $S_k$ the scores up to $k$;
    A2C: $X = \\sum_t \\gamma^t s_t A(s_t, a_t)$ with ``advantages[(i, t, a)]``.
    """
    zero = Fraction(0)
    # per advances made: masses of 1, S, S^2, X, X^2, X S
    nodes = {0: [Fraction(1), zero, zero, zero, zero, zero]}
    m1 = m2 = zero
    for t in range(horizon):
        new: dict[int, list[Fraction]] = {}
        for i, (P, S, S2, X, X2, XS) in nodes.items():
            for prob, a, adv in spec.outcomes():
                if not prob:
                    continue
                j = i + adv
                s = spec.score(a)
                if which == "reinforce":
                    w = spec.gamma**t * spec.reward_of(t, j == spec.goal)
                    nS, nS2 = S + s * P, S2 + 2 * s * S + s * s * P
                    nX = X + w * S + w * s * P
                    nX2 = X2 + 2 * w * XS + 2 * w * s * X + w * w * S2 + 2 * w * w * s * S
                    nX2 += w * w * s * s * P
                    nXS = XS + s * X + w * S2 + 2 * w * s * S + w * s * s * P
                else:
                    v = spec.gamma**t * s * advantages[(i, t, a)]
                    nS, nS2, nXS = S, S2, XS
                    nX, nX2 = X + v * P, X2 + 2 * v * X + v * v * P
                vec = [prob * e for e in (P, nS, nS2, nX, nX2, nXS)]
                if j == spec.goal:
                    m1 += vec[3]
                    m2 += vec[4]
                else:
                    old = new.setdefault(j, [zero] * 6)
                    new[j] = [o + e for o, e in zip(old, vec, strict=True)]
        nodes = new
    return (
        m1,
        m2,
        _moment_tail(float(spec.q), spec.goal, bound_constant(spec, which, advantages), horizon),
    )


def bound_constant(spec: Spec, which: str, advantages: dict | None = None) -> float:
    """C with |X| <= C T^2 (1 + T) for an episode of T actions (the module docstring)."""
    smax = float(max(abs(spec.score(1)), abs(spec.score(2))))
    if which == "reinforce":
        c, b1, b0 = spec.coefficients()
        return smax * (c + b1 + b0)
    return float(max(abs(x) for x in advantages.values())) * smax
