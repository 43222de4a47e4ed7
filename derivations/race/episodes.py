r"""The law of one episode of the race, and the short episodes themselves (problem 3(d)).

**The law of an episode.**  Each action is drawn afresh: $a_2$ with probability
$\lambda$, and action $a$ advances with probability $p_a$.  An episode is $N$
blocks, each a run of non-advancing actions closed by an advancing one, so the
joint probability generating function of $T$ and $n_2$ (the number of $a_2$) is

$$\Phi(x, y) = E[x^T y^{n_2}] = \left(\frac{A(x, y)}{1 - B(x, y)}\right)^N, \quad
  A = x(\lambda p_{a_2} y + (1-\lambda) p_{a_1}), \quad
  B = x(\lambda (1-p_{a_2}) y + (1-\lambda)(1 - p_{a_1})),$$

and $E[x_0^T T^a n_2^b] = (x\partial_x)^a (y\partial_y)^b\,\Phi\,|_{x=x_0, y=1}$; the
series converges for $0 < x_0 \le 1$ since $B(x_0, 1) \le 1 - q < 1$.  A
discount enters through $x_0 = \gamma$ or $\gamma^2$: with a reward only at the
goal every reward-to-go of an episode of $T$ actions is weighed by
$\gamma^{T-1}$.  In the quiz ($p_{a_1} = 0$, $p_{a_2} = 1$) $n_2 = N$ and
$T = N + K$ with $K$ negative binomial.

The short episodes are enumerated outcome by outcome, for the exhaustive
search of :func:`derivations.race.signs.reinforce_can_decrease`.
"""

from __future__ import annotations

import itertools
from functools import cache, lru_cache
from typing import Any

import sympy as sp

from derivations.race.rules import N as N_sym
from derivations.race.rules import RaceRules, lam

x, y = sp.Symbol("x", positive=True), sp.Symbol("y", positive=True)  # PGF variables
T_sym = sp.Symbol("T", integer=True, positive=True)  # actions in the episode
n2_sym = sp.Symbol("n_2", integer=True, nonnegative=True)  # a2 actions in the episode
K_sym = sp.Symbol("K", integer=True, nonnegative=True)  # a1 actions (quiz rules: T = N + K)


def rewards(rules: RaceRules, length: int) -> list[sp.Expr]:
    """The rewards of an episode of ``length`` actions: c each, plus B(T) on the last."""
    c = rules.step_reward
    last = rules.goal_reward(sp.Integer(length))
    return [c + (last if s == length - 1 else 0) for s in range(length)]


def _episodes(rules: RaceRules, goal: int, max_len: int):
    """Episodes reaching ``goal`` advances: (actions, advanced flags), shortest first.

    An outcome is kept if it has positive probability for some admissible value
    of the variant's parameters; ``certain`` says whether it does for all of them.
    """
    for length in range(goal, max_len + 1):
        for flags in itertools.product((0, 1), repeat=length):
            if sum(flags) != goal or flags[-1] != 1:
                continue
            for actions in itertools.product((1, 2), repeat=length):
                certain, possible = True, True
                for action, adv in zip(actions, flags, strict=True):
                    p = rules.advance(action)
                    prob = p if adv else 1 - p
                    if prob.is_number:
                        possible &= bool(prob > 0)
                    else:  # p in (0, 1]: advancing always possible, failing only if p < 1
                        certain &= bool(adv)
                if possible:
                    yield actions, flags, certain


# --------------------------------------------------------------------------- the law of an episode


class EpisodeLaw:
    r"""The joint law of $T$ (actions) and $n_2$ ($a_2$ actions) of one episode, via its PGF."""

    def __init__(self, rules: RaceRules) -> None:
        self.rules = rules
        p1, p2 = rules.advance_a1, rules.advance_a2
        self.advance_step = x * (lam * p2 * y + (1 - lam) * p1)  # $A(x, y)$: an advancing action
        self.fail_step = x * (lam * (1 - p2) * y + (1 - lam) * (1 - p1))  # $B(x, y)$
        j = sp.Symbol("j", integer=True, nonnegative=True)
        b = sp.Symbol("b", positive=True)  # stands for B(x, y); B(1, 1) = 1 - q < 1
        geometric = sp.summation(b**j, (j, 0, sp.oo))  # runs of j non-advancing actions
        if isinstance(geometric, sp.Piecewise):
            geometric = geometric.args[0][0]  # its condition |b| < 1 holds near x = y = 1
        self.block = self.advance_step * geometric.subs(b, self.fail_step)
        self.pgf = self.block**N_sym  # $\Phi(x, y) = (A / (1 - B))^N$
        # $(x\partial_x)^a (y\partial_y)^b \Phi = f_{a,b}\,\Phi$ with $f_{a,b}$ a polynomial in
        # the $L_{i,j} = (x\partial_x)^i (y\partial_y)^j \ln\Phi$, kept as symbols until the
        # end (the two operators commute); $\Phi(1, 1) = 1$.
        self._derivs: dict[tuple[int, int], sp.Expr] = {(0, 0): sp.Integer(1)}
        self._logs: dict[tuple[int, int, sp.Expr], sp.Expr] = {}
        self._moments: dict[tuple[int, int, sp.Expr], sp.Expr] = {}

    def _deriv(self, a: int, b: int) -> sp.Expr:
        r"""$f_{a,b}$: $v\partial_v (f\Phi) = (v\partial_v f + f L_v)\Phi$, $L_v = v\partial_v\ln\Phi$."""
        if (a, b) not in self._derivs:
            di, dj = (0, 1) if b > 0 else (1, 0)
            f = self._deriv(a - di, b - dj)
            # $v\partial_v f$ by the chain rule: each $L_{i,j}$ turns into the next along $v$
            moved = sum(
                (sp.diff(f, s) * _log_symbol(i + di, j + dj) for s, (i, j) in _logs_in(f)),
                sp.Integer(0),
            )
            self._derivs[(a, b)] = sp.expand(moved + f * _log_symbol(di, dj))
        return self._derivs[(a, b)]

    def _log(self, i: int, j: int, x0: sp.Expr) -> sp.Expr:
        r"""$L_{i,j}$ at $x = x_0$, $y = 1$: $N (x\partial_x)^i (y\partial_y)^j \ln(A/(1-B))$."""
        key = (i, j, x0)
        if key not in self._logs:
            g = self._log_form(i, j)
            self._logs[key] = N_sym * sp.factor(sp.cancel(g.subs({x: x0, y: 1})))
        return self._logs[key]

    @cache  # noqa: B019 - one law per rules (episode_law), kept as long as it is
    def _log_form(self, i: int, j: int) -> sp.Expr:
        r"""$(x\partial_x)^i (y\partial_y)^j \ln(A/(1-B))$ ($i + j \ge 1$), a rational function."""
        return self._log_field(i, j).as_expr()

    @cache  # noqa: B019
    def _log_field(self, i: int, j: int) -> Any:
        """The same in SymPy's field of rational functions: derivatives without expression swell."""
        field, block = self._field()
        if (i, j) in ((1, 0), (0, 1)):  # $v\partial_v \ln F = v F_v / F$
            v = field.gens[0] if i else field.gens[1]
            return v * block.diff(v) / block
        if j > 0:  # $y\partial_y$ last, as in $(x\partial_x)^i (y\partial_y)^j$
            prev, v = self._log_field(i, j - 1), field.gens[1]
        else:
            prev, v = self._log_field(i - 1, j), field.gens[0]
        return v * prev.diff(v)

    @cache  # noqa: B019
    def _field(self) -> tuple[Any, Any]:
        r"""The field $\mathbb{Q}(x, y, \text{parameters})$ and the block's PGF in it."""
        others = sorted(self.block.free_symbols - {x, y}, key=str)
        field = sp.field([x, y, *others], sp.QQ)[0]
        return field, field.from_expr(self.block)

    def moment(self, a: int, b: int, x0: sp.Expr = sp.S.One) -> sp.Expr:
        r"""$E[x_0^T T^a n_2^b] = (x\partial_x)^a (y\partial_y)^b \Phi |_{x=x_0, y=1}$."""
        key = (a, b, x0)
        if key not in self._moments:
            f = self._deriv(a, b)
            value = f.subs({s: self._log(i, j, x0) for s, (i, j) in _logs_in(f)})
            value = sp.factor(sp.cancel(sp.together(value)))
            if x0 != 1:
                at = {x: x0, y: 1}
                value *= sp.factor(sp.cancel(self.block.subs(at))) ** N_sym  # $\Phi(x_0, 1)$
            self._moments[key] = value
        return self._moments[key]

    def expect(self, poly: sp.Expr, x0: sp.Expr = sp.S.One) -> sp.Expr:
        """E[x0^T poly(T, n_2)] for a polynomial in T and n_2."""
        terms = sp.Poly(sp.expand(poly), T_sym, n2_sym).terms()
        total = sum(c * self.moment(a, b, x0) for (a, b), c in terms)
        return sp.factor(sp.cancel(sp.together(total))) if x0 == 1 else total

    def n2_is_fixed(self) -> bool:
        """Is n_2 the same in every episode (its variance zero)?"""
        return sp.cancel(self.moment(0, 2) - self.moment(0, 1) ** 2) == 0


def _log_symbol(i: int, j: int) -> sp.Symbol:
    r"""The formal symbol for $L_{i,j} = (x\partial_x)^i (y\partial_y)^j \ln\Phi$."""
    return sp.Symbol(f"L_{{{i},{j}}}")


def _logs_in(f: sp.Expr) -> list[tuple[sp.Symbol, tuple[int, int]]]:
    """The $L_{i,j}$ symbols in ``f``, with their orders."""
    out = []
    for s in f.free_symbols:
        i, j = s.name[3:-1].split(",")
        out.append((s, (int(i), int(j))))
    return out


@lru_cache(maxsize=64)
def episode_law(rules: RaceRules) -> EpisodeLaw:
    return EpisodeLaw(rules)
