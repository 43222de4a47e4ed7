r"""An independent, exact oracle for the moments of the per-episode policy-gradient estimates.

Used by the tests only.  It never touches a generating function or a recursion:
an episode is $N$ blocks, block $j$ being $f_j \ge 0$ non-advancing actions and
then an advancing one, with $f_j$ independent geometric,
$P(f_j = f) = (1-q)^f q$.  Given the block lengths, the actions are independent
($a_2$ with probability $\lambda p_{a_2} / q$ at an advance, and
$\lambda (1 - p_{a_2}) / (1 - q)$ at a failure), so an estimate
$X = \sum_t v_t$ has $E[X \mid f] = \sum_t E v_t$ and
$\operatorname{Var}[X \mid f] = \sum_t \operatorname{Var} v_t$; both are summed
over positions by SymPy, then over the geometric block lengths.
"""

from __future__ import annotations

import sympy as sp

from derivations.race import RaceRules, advantage, lam


def _score(action: int) -> sp.Expr:
    policy = {1: 1 - lam, 2: lam}[action]
    return sp.diff(sp.log(policy), lam)  # the definition: d/dlambda ln pi(a)


def estimate_moments(
    rules: RaceRules, which: str, goal: int, at: dict[sp.Symbol, sp.Expr]
) -> tuple[sp.Expr, sp.Expr]:
    """Exact (E[X], E[X^2]) of REINFORCE's or A2C's estimate, rules evaluated at ``at``."""
    lv = at[lam]
    p1, p2 = rules.advance_a1.subs(at), rules.advance_a2.subs(at)
    q = lv * p2 + (1 - lv) * p1
    assert 0 < q < 1, "the oracle needs failures to be possible"
    rho = {1: lv * p2 / q, 0: lv * (1 - p2) / (1 - q)}  # P(a_2 | advanced), P(a_2 | failed)
    if which == "a2c":
        per_action = {a: (_score(a) * advantage(rules, a).result).subs(at) for a in (1, 2)}
    else:
        per_action = {a: _score(a).subs(at) for a in (1, 2)}

    f = sp.symbols(f"f1:{goal + 1}", integer=True, nonnegative=True)
    tt = sp.Symbol("tt", integer=True, nonnegative=True)
    T = sum(f) + goal
    c = rules.step_reward
    to_go = c * (T - tt) + rules.goal_value(T)  # rewards from action tt on
    weight = to_go if which == "reinforce" else sp.Integer(1)

    mean, var = sp.Integer(0), sp.Integer(0)
    start = sp.Integer(0)
    for j in range(goal):
        for advanced, lo, hi in ((0, start, start + f[j] - 1), (1, start + f[j], start + f[j])):
            r = rho[advanced]
            mu = r * per_action[2] + (1 - r) * per_action[1]
            second = r * per_action[2] ** 2 + (1 - r) * per_action[1] ** 2
            mean += sp.summation(weight * mu, (tt, lo, hi))
            var += sp.summation(weight**2 * (second - mu**2), (tt, lo, hi))
        start = start + f[j] + 1
    return _over_blocks(sp.expand(mean), q, f), _over_blocks(sp.expand(var + mean**2), q, f)


def _over_blocks(poly: sp.Expr, q: sp.Expr, f: tuple[sp.Symbol, ...]) -> sp.Expr:
    """E over independent geometric block lengths of a polynomial in them."""
    g = sp.Symbol("g", integer=True, nonnegative=True)
    moments: dict[int, sp.Expr] = {}

    def geometric(k: int) -> sp.Expr:  # $E[f^k] = \sum_f f^k (1-q)^f q$
        if k not in moments:
            moments[k] = sp.summation(g**k * (1 - q) ** g * q, (g, 0, sp.oo))
        return moments[k]

    total = sp.Integer(0)
    for powers, coef in sp.Poly(poly, *f).terms():
        total += coef * sp.Mul(*(geometric(k) for k in powers))
    return sp.simplify(total)
