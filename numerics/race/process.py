r"""A race as plain numbers, one uniform per step, and the statistics of a run.

**Rewards and discount.**  A reward belongs to the action that earns it:
``terminal`` pays $-T$ on the action that reaches the goal ($T$ all the actions
of the episode, the $t$ already taken before the start state included),
``per-step`` pays $-1$ for every action, ``success`` pays $+1$ on the action
that reaches the goal.  The return from a start state weighs the reward of the
action taken $k$ steps after it by $\gamma^k$ (``discount``, default 1): after
$L$ actions from $(i_0, t_0)$ it is $-\gamma^{L-1}(t_0 + L)$, $\gamma^{L-1}$ or
$-\sum_{k<L} \gamma^k$ (:func:`episode_return`).

**One uniform per step.**  A single $u \sim U[0, 1)$ decides the action and
whether it advances, by cutting $[0, 1)$ into four intervals:

$$[0,\ \lambda(1-p_{a_2}))\ a_2\text{ stays},\quad
  [\lambda(1-p_{a_2}),\ \lambda)\ a_2\text{ advances},\quad
  [\lambda,\ \lambda + (1-\lambda)p_{a_1})\ a_1\text{ advances},\quad
  \text{the rest: } a_1\text{ stays}.$$

:class:`RaceStats` holds the per-episode statistics of one simulated start;
runs merge, so a simulation streams in chunks.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from numerics.stats import Histogram, Moments

REWARDS = ("terminal", "per-step", "success")

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
    discount: float = 1.0

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
        if not 0.0 < self.discount <= 1.0:
            raise ValueError(f"discount must lie in (0, 1], got {self.discount}")
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
    """Mergeable per-episode statistics of one simulated start (state, first action).

    ``a2c`` holds A2C's per-episode estimate: with the caller's advantage
    function, or in the rollout mode the estimate $G$ with rollout advantages,
    and then ``a2c_noise`` holds $C$ (see :mod:`numerics.race.rollout`).
    """

    episodes: int = 0
    steps: int = 0  # actions simulated, forced ones included (rollouts not counted)
    ret: Moments = field(default_factory=Moments)  # return from the start state
    length: Moments = field(default_factory=Moments)  # actions from the start state
    reinforce: Moments = field(default_factory=Moments)
    reinforce_negative: int = 0
    a2c: Moments | None = None
    a2c_negative: int = 0
    a2c_noise: Moments | None = None
    reinforce_hist: Histogram | None = None  # with ``edges``: the estimates in fixed bins
    a2c_hist: Histogram | None = None

    def merge(self, other: RaceStats) -> RaceStats:
        both = self.episodes and other.episodes
        if both and ((self.a2c is None) != (other.a2c is None)):
            raise ValueError("cannot merge runs with and without A2C")
        if both and ((self.a2c_noise is None) != (other.a2c_noise is None)):
            raise ValueError("cannot merge runs with and without rollout advantages")
        return RaceStats(
            self.episodes + other.episodes,
            self.steps + other.steps,
            self.ret.merge(other.ret),
            self.length.merge(other.length),
            self.reinforce.merge(other.reinforce),
            self.reinforce_negative + other.reinforce_negative,
            _merge(self.a2c, other.a2c),
            self.a2c_negative + other.a2c_negative,
            _merge(self.a2c_noise, other.a2c_noise),
            _merge(self.reinforce_hist, other.reinforce_hist),
            _merge(self.a2c_hist, other.a2c_hist),
        )

    __add__ = merge

    def a2c_variance(self) -> tuple[float, float]:
        r"""Var of A2C's estimate with the true advantages, and its standard error (rollout mode).

        $\widehat{\operatorname{Var}} = s_G^2 - \bar C$; standard error
        $\sqrt{\operatorname{se}(s_G^2)^2 + \operatorname{se}(\bar C)^2}$, conservative as
        $s_G^2$ and $\bar C$ are positively correlated.
        """
        if self.a2c is None or self.a2c_noise is None:
            raise ValueError(
                "the variance with the true advantages needs the rollout mode with its noise"
            )
        g, c = self.a2c, self.a2c_noise
        return g.variance - c.mean, math.hypot(g.variance_stderr, c.stderr)


def _merge(a, b):
    """Merge two optional summaries (moments or histograms)."""
    if a is None:
        return b
    return a if b is None else a.merge(b)


def episode_return(race: Race, L: np.ndarray, t0: np.ndarray | int) -> np.ndarray:
    """The discounted return of episodes of ``L`` actions from a state at time ``t0``."""
    L = np.asarray(L, dtype=np.float64)
    g = race.discount
    last = g ** (L - 1.0)  # weight of the action that reaches the goal
    if race.reward == "terminal":
        return -last * (t0 + L)
    if race.reward == "success":
        return last
    return -L if g == 1.0 else -(1.0 - g**L) / (1.0 - g)


def _check_start(race: Race, start: tuple[int, int], first_action: int | None) -> None:
    i0, t0 = start
    if int(i0) != i0 or int(t0) != t0 or i0 < 0 or t0 < 0:
        raise ValueError(f"start state must be nonnegative integers, got {start}")
    if i0 >= race.N:
        raise ValueError(f"start state {start} is already at the goal N = {race.N}")
    if first_action not in (None, 1, 2):
        raise ValueError(f"first action must be 1, 2 or None, got {first_action}")
