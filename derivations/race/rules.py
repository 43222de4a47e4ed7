r"""The rules of the race to the goal: its symbols, its domain and :class:`RaceRules`.

A policy flips a biased coin each step: action $a_2$ with probability
$\lambda$, action $a_1$ with probability $1-\lambda$, whatever the state.
The state is $s = (i, t)$: $i$ advances made so far, $t$ actions taken so far.
In the quiz, $a_1$ never advances and $a_2$ always advances; the episode ends
on the $N$-th advance with reward $-T$, $T$ the number of actions taken.

Variants change the rules (:class:`RaceRules`):

- ``advance_a1``, ``advance_a2``: action $a$ advances with probability $p_a$;
- ``reward``: ``terminal`` ($-T$ on the action that reaches the goal, $T$ all
  the actions taken, that one included), ``per-step`` ($-1$ for every action)
  or ``success`` ($+1$ on the action that reaches the goal, nothing otherwise);
- ``discount``: $\gamma \in (0, 1]$, a number or a positive symbol (then
  $0 < \gamma < 1$).  $V^\pi$ is the expected discounted sum of rewards: the
  reward of the action taken $k$ steps after the state weighs $\gamma^k$;
- ``goal``: the number of advances needed, the symbol $N$ by default, or a
  positive integer, or another positive-integer symbol.

Every result of :mod:`derivations.race` is derived with the symbol $N$ for the
goal and then evaluated at the rules' goal (:meth:`RaceRules.at_goal`), so a
variant gets its own answers without new code.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

# The symbols of problem 3, with the assumptions of the quiz's domain.
lam = sp.Symbol("lambda", positive=True)  # probability of a2, 0 < lambda < 1
N = sp.Symbol("N", integer=True, positive=True)  # advances needed to reach the goal
i = sp.Symbol("i", integer=True, nonnegative=True)  # advances so far, 0 <= i < N
t = sp.Symbol("t", integer=True, nonnegative=True)  # actions so far
k = sp.Symbol("k", integer=True, positive=True)  # summation index, actions per advance
gamma = sp.Symbol("gamma", positive=True)  # a symbolic discount, 0 < gamma < 1

REWARDS = ("terminal", "per-step", "success")
DOMAIN = r"0 < \lambda < 1,\ N \ge 1,\ 0 \le i < N,\ t \ge 0 \text{ (integers)}"
UNIT = sp.Interval.Lopen(0, 1)  # an advance probability
OPEN_UNIT = sp.Interval.open(0, 1)  # a symbolic discount


class RulesError(ValueError):
    """The rules of a race are inadmissible (a probability outside [0, 1], a goal never reached)."""


def _number(value: object, name: str) -> sp.Expr:
    """An int, Fraction or float as an exact SymPy number; a SymPy expression as it is."""
    if isinstance(value, bool):
        raise RulesError(f"{name} must be a number or a symbol, not {value!r}")
    if isinstance(value, int):
        return sp.Integer(value)
    if isinstance(value, Fraction | float):
        f = Fraction(str(value)) if isinstance(value, float) else value
        return sp.Rational(f.numerator, f.denominator)
    if not isinstance(value, sp.Expr):
        raise RulesError(f"{name} must be a number or a symbol, not {value!r}")
    return value


@dataclass(frozen=True)
class RaceRules:
    r"""The rules of one race.  ``advance_a1``/``advance_a2`` are SymPy expressions.

    A free symbol in an advance probability is a probability in $(0, 1]$; a
    symbolic discount lies in $(0, 1)$; a symbolic goal is a positive integer.

    >>> RaceRules().advance_prob
    lambda
    >>> RaceRules(advance_a1=sp.Rational(1, 2)).advance_prob
    1/2 - lambda/2 + lambda
    """

    advance_a1: sp.Expr = sp.S.Zero
    advance_a2: sp.Expr = sp.S.One
    reward: str = "terminal"
    discount: sp.Expr = sp.S.One
    goal: sp.Expr = N

    def __post_init__(self) -> None:
        if self.reward not in REWARDS:
            raise RulesError(f"reward must be one of {', '.join(REWARDS)}, not {self.reward!r}")
        reserved = {lam, N, i, t}
        for name in ("advance_a1", "advance_a2"):
            p = _number(getattr(self, name), name)
            object.__setattr__(self, name, p)
            bad = p.free_symbols & reserved
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
        self._check_discount(reserved)
        self._check_goal()

    def _check_discount(self, reserved: set[sp.Symbol]) -> None:
        g = _number(self.discount, "discount")
        object.__setattr__(self, "discount", g)
        if g.is_number:
            if not g.is_real or not 0 < g <= 1:
                raise RulesError(f"discount = {g} must lie in (0, 1]")
            return
        if not isinstance(g, sp.Symbol) or not g.is_positive:
            raise RulesError(f"discount = {g} must be a number in (0, 1] or a positive symbol")
        if g in reserved or g in self.advance_a1.free_symbols | self.advance_a2.free_symbols:
            raise RulesError(f"discount = {g} must be a symbol of its own")

    def _check_goal(self) -> None:
        goal = _number(self.goal, "goal")
        object.__setattr__(self, "goal", goal)
        if goal.is_number:
            if not (goal.is_Integer and goal >= 1):
                raise RulesError(f"goal = {goal} must be a positive integer")
            return
        if not (isinstance(goal, sp.Symbol) and goal.is_integer and goal.is_positive):
            raise RulesError(
                f"goal = {goal} must be a positive integer or a positive-integer symbol"
            )
        taken = {lam, i, t, self.discount} | self.advance_a1.free_symbols
        if goal in taken | self.advance_a2.free_symbols:
            raise RulesError(f"goal = {goal} must be a symbol of its own")

    # ------------------------------------------------------------------ parameters

    @property
    def probabilities(self) -> tuple[sp.Symbol, ...]:
        """The new symbols of the advance probabilities (each in (0, 1]), sorted by name."""
        syms = self.advance_a1.free_symbols | self.advance_a2.free_symbols
        return tuple(sorted(syms, key=str))

    @property
    def parameters(self) -> tuple[sp.Symbol, ...]:
        """Every new symbol of the variant: the probabilities, then a symbolic discount."""
        return self.probabilities + ((self.discount,) if self.discounted_symbolically else ())

    @property
    def discounted_symbolically(self) -> bool:
        return not self.discount.is_number

    def default_interval(self, symbol: sp.Symbol) -> sp.Interval:
        """The range of a new symbol when no bound narrows it."""
        return OPEN_UNIT if symbol == self.discount else UNIT

    def at_goal(self, expr: sp.Basic) -> sp.Basic:
        """A form derived with the symbol N, evaluated at this race's goal."""
        return expr if self.goal == N else expr.subs(N, self.goal)

    @property
    def domain(self) -> str:
        """The domain of the derived forms, in LaTeX."""
        text = DOMAIN if self.goal == N else DOMAIN.replace("N", sp.latex(self.goal))
        if self.goal.is_number:
            text = text.replace(rf"{self.goal} \ge 1,\ ", "")
        if self.discounted_symbolically:
            text += rf",\ 0 < {sp.latex(self.discount)} < 1"
        return text

    # ------------------------------------------------------------------ the process

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
        """c: the reward every action earns (-1 per step, else 0)."""
        return sp.Integer(-1) if self.reward == "per-step" else sp.Integer(0)

    def goal_reward(self, steps: sp.Expr) -> sp.Expr:
        """B(T): what the action that reaches the goal after ``steps`` actions in all adds."""
        return {"terminal": -steps, "success": sp.Integer(1)}.get(self.reward, sp.Integer(0))


QUIZ_RULES = RaceRules()


def tidy(expr: sp.Expr) -> sp.Expr:
    """The shorter of a form and its partial fractions in lambda (how a person writes it)."""
    try:
        split = sp.apart(expr, lam)
    except (sp.PolynomialError, NotImplementedError):
        return expr
    return split if sp.count_ops(split) <= sp.count_ops(expr) else expr
