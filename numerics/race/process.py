r"""A race as plain numbers, one uniform per step, and the statistics of a run.

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

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from numerics.stats import Moments

REWARDS = ("terminal", "per-step")

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
