r"""The race's quantities estimated from their definitions, and printed chains tested with them.

A printed member may name the problem's quantities (``V^\pi(i, t + 1)``); the
simulation reads it with those quantities marked (never evaluated by a
derivation) and estimates each one by simulating its own definition:

| quantity | estimated by |
| --- | --- |
| $V^\pi(i, t)$ | the mean return of episodes started in $(i, t)$ |
| $Q^\pi((i, t), a)$ | the mean return with the first action forced to $a$ |
| $A^\pi((i, t), a)$ | $\lambda D$ or $-(1-\lambda) D$, $D$ the paired difference of the returns after a forced $a_1$ and a forced $a_2$ (from $A = Q - V$ with $V = (1-\lambda)Q_1 + \lambda Q_2$) |
| $R((i, t), a)$ | the mean reward of one step taking $a$ |
| actions per advance | the mean number of actions from $(N-1, t)$ to the goal |

A member is then tested against the claim's own quantity: ``Q = V(i, t+1)``
compares the estimated $Q^\pi((i, t), a_1)$ with the estimated
$V^\pi(i, t + 1)$ (independent runs; the standard errors add), and a closed
form is compared with the estimated quantity directly.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from numerics import race as sim
from numerics.stats import Moments
from quizproof.families.race.notation import ACTIONS
from quizproof.notation import NotationError
from quizproof.notation.unknowns import marked, quantity
from quizproof.simulation import Planner, SimulationError

Estimate = Callable[[int, int], tuple[float, float, float]]  # (stage, n) -> est, se, sigma
BASE = {"V^pi": "V", "Q^pi": "Q", "A^pi": "A", "R^pi": "R"}


class OutsideStates(SimulationError):
    """A member names a quantity at a state the race does not have (i >= N: the goal)."""


@dataclass(frozen=True)
class Quantity:
    """One quantity of the race at one state: ``V``, ``Q``, ``A``, ``R`` or ``series``."""

    name: str
    i: int
    t: int
    action: int | None = None

    @property
    def latex(self) -> str:
        head = {"V": r"V^\pi", "Q": r"Q^\pi", "A": r"A^\pi", "R": "R"}.get(self.name)
        if head is None:
            return r"\text{actions per advance}"
        if self.action is None:
            return f"{head}({self.i}, {self.t})"
        return f"{head}(({self.i}, {self.t}), a_{self.action})"

    def inside(self, race: sim.Race) -> bool:
        """Is its state one of the race's states, 0 <= i < N and t >= 0?"""
        return 0 <= self.i < race.N and self.t >= 0

    def estimator(self, race: sim.Race, plan: Planner, key: tuple[int, ...]) -> Estimate:
        """``(stage, n) -> (estimate, stderr, per-sample sigma)`` from independent runs."""
        start = (self.i, self.t)

        def summary(mom: Moments, factor: float = 1.0) -> tuple[float, float, float]:
            spread = mom.n > 1 and mom.variance > 0
            f = abs(factor)
            return (
                factor * mom.mean,
                f * mom.stderr if spread else 0.0,
                f * mom.std if spread else 0.0,
            )

        def estimate(stage: int, n: int) -> tuple[float, float, float]:
            seed = plan.seedseq(*key, stage)
            if self.name == "V":
                return summary(sim.simulate(race, n, start=start, seed=seed).ret)
            if self.name == "Q":
                stats = sim.simulate(race, n, start=start, first_action=self.action, seed=seed)
                return summary(stats.ret)
            if self.name == "A":  # $\hat A = \lambda \bar D$ or $-(1-\lambda)\bar D$
                factor = race.lam if self.action == 1 else -(1.0 - race.lam)
                return summary(sim.simulate_pairs(race, n, start=start, seed=seed).diff, factor)
            if self.name == "R":
                return summary(sim.one_step(race, start, self.action, n, seed=seed).reward)
            stats = sim.simulate(race, n, start=(race.N - 1, self.t), seed=seed)  # series
            return summary(stats.length)

        return estimate


def from_mark(mark: sp.Basic, point: dict[sp.Symbol, sp.Basic]) -> Quantity:
    """The quantity a marked application names, at an exact point."""
    name, app = quantity(mark)
    name = BASE.get(name, name)
    args = [a.subs(point) for a in app.args]
    if name == "V":
        state = args[0] if len(args) == 1 and isinstance(args[0], sp.Tuple) else sp.Tuple(*args)
        action = None
    else:
        if len(args) != 2 or args[1] not in ACTIONS:
            raise NotationError(f"{name} takes a state and an action")
        state, action = args[0], ACTIONS[args[1]]
    if not isinstance(state, sp.Tuple) or len(state) != 2 or not all(s.is_Integer for s in state):
        raise SimulationError(f"{name} is named at a state that is not a pair of integers")
    return Quantity(name, int(state[0]), int(state[1]), action)


@dataclass
class Statistic:
    """``own - member``: the claim's quantity minus a printed member, both estimated.

    ``scale`` is the size of the claim's own quantity in the latest run: the
    deviation the run is sized to catch is 1% of it.
    """

    shown: str
    estimate: Estimate
    scale: float = 1.0


def difference(
    own: Quantity, member: sp.Basic, point: dict[sp.Symbol, sp.Basic], race: sim.Race,
    plan: Planner, key: tuple[int, ...],
) -> Statistic | None:  # fmt: skip
    """The statistic testing ``own = member`` for a member that names quantities.

    None when the member is the claim's own quantity (it only names what is asked).
    The member is a function $f$ of the quantities it names, each estimated by
    an independent run; its standard error follows by the delta method.
    """
    marks = marked(member)
    quantities = [from_mark(m, point) for m in marks]
    if len(marks) == 1 and member == marks[0] and quantities[0] == own:
        return None
    outside = [q for q in quantities if not q.inside(race)]
    if outside:
        raise OutsideStates(f"${outside[0].latex}$ is not a state of the race ($0 \\le i < N$)")
    symbols = [sp.Symbol(f"q{k}") for k in range(len(marks))]
    f = member.xreplace(dict(zip(marks, symbols, strict=True))).subs(point)
    if f.free_symbols - set(symbols):
        raise SimulationError("the member depends on symbols other than the race's quantities")
    grads = [sp.diff(f, s) for s in symbols]
    parts = [own.estimator(race, plan, (*key, 0))] + [
        q.estimator(race, plan, (*key, k + 1)) for k, q in enumerate(quantities)
    ]

    shown = sp.latex(f)  # the member at the point, each quantity by its own name
    for s, q in zip(symbols, quantities, strict=True):
        shown = shown.replace(sp.latex(s), q.latex)
    stat = Statistic(shown, lambda stage, n: (0.0, 0.0, 0.0))

    def estimate(stage: int, n: int) -> tuple[float, float, float]:
        values = [part(stage, n) for part in parts]
        (o, o_se, o_sd), rest = values[0], values[1:]
        stat.scale = abs(o)
        at = dict(zip(symbols, (v[0] for v in rest), strict=True))
        g = [float(d.subs(at)) for d in grads]  # $\partial f / \partial q_k$ at the estimates
        fv = float(f.subs(at))
        se = math.sqrt(o_se**2 + sum((gk * v[1]) ** 2 for gk, v in zip(g, rest, strict=True)))
        sd = math.sqrt(o_sd**2 + sum((gk * v[2]) ** 2 for gk, v in zip(g, rest, strict=True)))
        return o - fv, se, sd  # $\hat\theta - f(\hat q)$

    stat.estimate = estimate
    return stat
