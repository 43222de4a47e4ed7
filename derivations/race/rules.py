r"""The rules of the race to the goal: its symbols, its domain and :class:`RaceRules`.

A policy flips a biased coin each step: action $a_2$ with probability
$\lambda$, action $a_1$ with probability $1-\lambda$, whatever the state.
The state is $s = (i, t)$: $i$ advances made so far, $t$ actions taken so far.
In the quiz, $a_1$ never advances and $a_2$ always advances; the episode ends
on the $N$-th advance with reward $-T$, $T$ the number of actions taken.

Variants change the rules: action $a$ advances with probability $p_a$, and the
reward is either ``terminal`` ($-T$ on reaching the goal) or ``per-step``
($-1$ for every action).  Every result of :mod:`derivations.race` is derived
from the rules, so a variant gets its own answers without new code.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

# The symbols of problem 3, with the assumptions of the quiz's domain.
lam = sp.Symbol("lambda", positive=True)  # probability of a2, 0 < lambda < 1
N = sp.Symbol("N", integer=True, positive=True)  # advances needed to reach the goal
i = sp.Symbol("i", integer=True, nonnegative=True)  # advances so far, 0 <= i < N
t = sp.Symbol("t", integer=True, nonnegative=True)  # actions so far
k = sp.Symbol("k", integer=True, positive=True)  # summation index, actions per advance

REWARDS = ("terminal", "per-step")
DOMAIN = r"0 < \lambda < 1,\ N \ge 1,\ 0 \le i < N,\ t \ge 0 \text{ (integers)}"


class RulesError(ValueError):
    """The rules of a race are inadmissible (a probability outside [0, 1], a goal never reached)."""


@dataclass(frozen=True)
class RaceRules:
    r"""The rules of one race.  ``advance_a1``/``advance_a2`` are SymPy expressions.

    A free symbol in an advance probability is a probability in $(0, 1]$.

    >>> RaceRules().advance_prob
    lambda
    >>> RaceRules(advance_a1=sp.Rational(1, 2)).advance_prob
    1/2 - lambda/2 + lambda
    """

    advance_a1: sp.Expr = sp.S.Zero
    advance_a2: sp.Expr = sp.S.One
    reward: str = "terminal"

    def __post_init__(self) -> None:
        if self.reward not in REWARDS:
            raise RulesError(f"reward must be one of {', '.join(REWARDS)}, not {self.reward!r}")
        for name in ("advance_a1", "advance_a2"):
            p = getattr(self, name)
            if isinstance(p, int) and not isinstance(p, bool):
                p = sp.Integer(p)
            if not isinstance(p, sp.Expr):
                raise RulesError(f"{name} must be an expression")
            object.__setattr__(self, name, p)
            bad = p.free_symbols & {lam, N, i, t}
            if bad:
                names = ", ".join(sorted(str(s) for s in bad))
                raise RulesError(f"{name} may not depend on the state or policy ({names})")
            if p.is_number:
                if not p.is_real or p < 0 or p > 1:
                    raise RulesError(f"{name} = {p} is not a probability in [0, 1]")
            elif not p.is_positive:
                raise RulesError(f"{name} = {p} must be a probability (a number or a new symbol)")
        if self.advance_a1 == 0 and self.advance_a2 == 0:
            raise RulesError("neither action ever advances: the goal is never reached")

    @property
    def parameters(self) -> tuple[sp.Symbol, ...]:
        """The new symbols of the variant (probabilities in (0, 1]), sorted by name."""
        syms = self.advance_a1.free_symbols | self.advance_a2.free_symbols
        return tuple(sorted(syms, key=str))

    @property
    def advance_prob(self) -> sp.Expr:
        r"""$q = \lambda p_{a_2} + (1-\lambda) p_{a_1}$, the probability that a step advances."""
        return lam * self.advance_a2 + (1 - lam) * self.advance_a1

    def advance(self, action: int) -> sp.Expr:
        """The advance probability of action 1 or 2."""
        return {1: self.advance_a1, 2: self.advance_a2}[action]

    def policy(self, action: int) -> sp.Expr:
        r"""$\pi(a_1) = 1 - \lambda$, $\pi(a_2) = \lambda$."""
        return {1: 1 - lam, 2: lam}[action]

    @property
    def step_reward(self) -> sp.Expr:
        """c: the reward of a step that does not reach the goal."""
        return sp.Integer(0) if self.reward == "terminal" else sp.Integer(-1)

    def goal_value(self, steps: sp.Expr) -> sp.Expr:
        """B(t): everything collected on arriving at the goal after ``steps`` actions."""
        return -steps if self.reward == "terminal" else sp.Integer(0)

    def describe(self) -> str:
        return (
            f"a1 advances with probability {sp.latex(self.advance_a1)}, "
            f"a2 with probability {sp.latex(self.advance_a2)}, reward {self.reward}"
        )


QUIZ_RULES = RaceRules()


def tidy(expr: sp.Expr) -> sp.Expr:
    """The shorter of a form and its partial fractions in lambda (how a person writes it)."""
    try:
        split = sp.apart(expr, lam)
    except (sp.PolynomialError, NotImplementedError):
        return expr
    return split if sp.count_ops(split) <= sp.count_ops(expr) else expr
