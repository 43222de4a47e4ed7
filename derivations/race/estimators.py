r"""The policy-gradient estimates on the race: the gradient, their means and variances.

Time is counted from the start state $(0, 0)$; $s_t = \partial_\lambda \ln\pi(a_t)$.
By the discounted policy-gradient theorem both per-episode estimates

$$\hat g_{\text{REINFORCE}} = \sum_t s_t\, \gamma^t G_t, \quad
  G_t = \sum_{k \ge t} \gamma^{k-t} r_k, \qquad
  \hat g_{\text{A2C}} = \sum_t \gamma^t s_t\, A^\pi(s_t, a_t)$$

have mean $\frac{d}{d\lambda} V^\pi(0, 0)$; with $\gamma = 1$ they are the quiz's.

**What is closed.**  Everything here, for every reward, discount and goal:

- ``p3d.grad``: $\frac{d}{d\lambda} V^\pi(0, 0)$, differentiating the derived value;
- ``p3d.mean.*`` and ``p3d.var.*``: two routes.  Undiscounted, when the estimate
  is a function of the counts $(T, n_2)$ — REINFORCE when only the goal pays
  (``terminal``, ``success``), A2C when the advantages do not depend on the
  state — from the joint PGF of $(T, n_2)$ (:mod:`derivations.race.episodes`).
  Otherwise (a reward on every step, or any discount $\gamma < 1$) by the
  first-step recursion in the advances to go (:mod:`derivations.race.recursion`),
  whose moments are exponential polynomials in $N$;
- ``p3d.var_ratio``: their quotient, $\infty$ when A2C's estimate does not vary.

Each mean is checked against ``p3d.grad``: identically in $N$ and every
parameter on the recursion route, exactly at several points on the PGF route.
:func:`estimator_value` gives the exact value of any of them at numeric
parameters (also the probability of a decrease, from
:mod:`derivations.race.decrease`, where that has a closed form).
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from derivations.core import Derivation, Step
from derivations.race.domain import name, tidy
from derivations.race.episodes import T_sym, episode_law, n2_sym, x, y
from derivations.race.recursion import estimate_moments
from derivations.race.rules import RaceRules, i, lam, t
from derivations.race.signs import score
from derivations.race.sums import FACTOR_LIMIT, ExpPoly
from derivations.race.values import (
    advantage,
    advantage_parts,
    value_function,
    value_parts,
)

TITLE = {"reinforce": "REINFORCE", "a2c": "A2C"}
ghat = {w: name(rf"\hat g_{{\text{{{TITLE[w]}}}}}") for w in TITLE}
E = sp.Function(r"\mathbb{E}")
Var = sp.Function(r"\operatorname{Var}")
CHECK_POINTS = (1, 2, 3)


def expected_return(rules: RaceRules) -> sp.Expr:
    r"""$E[R] = V^\pi(0, 0)$, from the derived value function."""
    return value_function(rules).result.subs({i: 0, t: 0})


def at_goal(rules: RaceRules, e: ExpPoly) -> sp.Expr:
    """An exponential polynomial in the advances to go, at the start state (m = goal)."""
    if rules.goal.is_number:
        return show(e.K.to_sympy(e.at(int(rules.goal))))
    form = e.expr(rules.goal)
    return show(form) if set(e.terms) <= {e.K.one} else form  # a polynomial in N: tidied


def show(expr: sp.Expr) -> sp.Expr:
    """Tidy when that is cheap (factored, $1 - \\lambda$ rather than $\\lambda - 1$)."""
    if any(p.exp.free_symbols for p in expr.atoms(sp.Pow)):  # an exponential in N: as built
        return expr
    if sp.count_ops(expr) <= 4 * FACTOR_LIMIT:
        return tidy(expr)
    return expr


@lru_cache(maxsize=64)
def gradient_parts(rules: RaceRules) -> ExpPoly:
    r"""$\frac{d}{d\lambda} V^\pi(N - m, 0) = \frac{d}{d\lambda}\beta(m)$, exactly."""
    return value_parts(rules)[1].diff(lam)


@lru_cache(maxsize=64)
def gradient(rules: RaceRules) -> Derivation:
    r"""p3d.grad: $\frac{d}{d\lambda} E[R]$ with $E[R] = V^\pi(0, 0)$."""
    er = expected_return(rules)
    result = at_goal(rules, gradient_parts(rules))
    steps = (
        Step("The expected return is the value of the start state", sp.Eq(E(name("R")), er)),
        Step(
            "Differentiating in $\\lambda$",
            sp.Eq(name(r"\frac{d\,\mathbb{E}[R]}{d\lambda}"), result),
        ),
    )
    check = (
        "The derivative, taken term by term of the exponential polynomial, agrees with the "
        f"derivative of the closed form of $V^\\pi(0, 0)$ at {_points_text(rules)}."
    )
    for point in _points(rules):
        if sp.simplify((sp.diff(er, lam) - result).subs(point)) != 0:  # pragma: no cover
            raise AssertionError(f"p3d.grad: two derivatives differ at {point}")
    return Derivation("p3d.grad", result, steps, rules.domain, checks=(check,))


def _points(rules: RaceRules) -> list[dict]:
    """A few exact admissible points (goal, lambda, the rules' symbols)."""
    out = []
    for n, goal in enumerate(CHECK_POINTS if not rules.goal.is_number else (rules.goal,)):
        point = {lam: sp.Rational(1 + n, 5)}
        if not rules.goal.is_number:
            point[rules.goal] = sp.Integer(goal)
        for k, p in enumerate(rules.parameters):
            point[p] = sp.Rational(2 + ((n + k) % 3), 5)  # 2/5, 3/5, 4/5: inside every range
        out.append(point)
    return out


# --------------------------------------------------------------------------- the estimates


def reinforce_estimate(rules: RaceRules) -> sp.Expr | None:
    r"""REINFORCE's estimate as $\gamma^{T-1} B(T) \sum_t s_t$, or None if it is no such function.

    Only the goal pays (``terminal``, ``success``): every reward-to-go $\gamma^t G_t$
    is $\gamma^{T-1} B(T)$, so the estimate is that times
    $n_2\,\partial\ln\pi(a_2) + (T - n_2)\,\partial\ln\pi(a_1)$.
    """
    if rules.step_reward != 0:
        return None
    weight = rules.discount ** (T_sym - 1)
    return (
        weight
        * rules.goal_reward(T_sym)
        * (n2_sym * score(2, rules) + (T_sym - n2_sym) * score(1, rules))
    )


def a2c_estimate(rules: RaceRules) -> sp.Expr | None:
    r"""A2C's estimate $n_2\,\partial\ln\pi(a_2) A(a_2) + n_1\,\partial\ln\pi(a_1) A(a_1)$.

    None when an advantage depends on the state or time is discounted (then it
    is no function of the counts).
    """
    adv = {a: advantage_parts(rules, a) for a in (1, 2)}
    constant = all(
        a.is_zero() and set(b.terms) <= {b.K.one} and set(b.terms.get(b.K.one, {})) <= {0}
        for a, b in adv.values()
    )
    if rules.discount != 1 or not constant:
        return None
    A = {a: advantage(rules, a).result for a in (1, 2)}
    s1, s2 = tidy(score(1, rules)), tidy(score(2, rules))
    return n2_sym * s2 * A[2] + (T_sym - n2_sym) * s1 * A[1]


def _pgf(rules: RaceRules, which: str) -> tuple[sp.Expr, sp.Expr, list[Step]] | None:
    """E[g] and E[g^2] from the PGF, with the steps, where g is a function of (T, n_2)."""
    g = reinforce_estimate(rules) if which == "reinforce" else a2c_estimate(rules)
    if g is None or rules.discount != 1:  # discounted: the recursion's forms are the tidier
        return None
    law = episode_law(rules)
    steps = [
        Step(
            f"{TITLE[which]}'s estimate for an episode of $T$ actions, $n_2$ of them $a_2$"
            + (", every reward-to-go being the goal's reward" if which == "reinforce" else ""),
            sp.Eq(ghat[which], g),
        ),
        Step(
            "The joint PGF of $(T, n_2)$: $N$ independent blocks, each a run of steps that do "
            "not advance closed by one that does",
            sp.Eq(E(x**T_sym * y**n2_sym), law.pgf),
        ),
    ]
    if law.n2_is_fixed():
        n2 = law.moment(0, 1)
        steps.append(
            Step(
                f"$n_2 = {sp.latex(n2)}$ in every episode, so the estimate is a function of T alone",
                sp.Eq(ghat[which], tidy(g.subs(n2_sym, n2))),
            )
        )
    mean, second = law.expect(g), law.expect(g**2)
    return rules.at_goal(mean), rules.at_goal(second), steps


def _recursion_steps(rules: RaceRules, which: str) -> list[Step]:
    r = sp.IndexedBase("r")
    s, S = sp.IndexedBase("s"), sp.IndexedBase("S")
    tt, kk = sp.Symbol("t", integer=True), sp.Symbol("k", integer=True)
    T = sp.Symbol("T", integer=True)
    gam = sp.Symbol(r"\gamma") if rules.discount != 1 else sp.Integer(1)
    if which == "reinforce":
        first = Step(
            "Counting time from the start, with $s_t$ the score of action $t$ and $S_k = "
            "\\sum_{t \\le k} s_t$, REINFORCE's estimate collects every discounted reward "
            "times the scores before it",
            sp.Eq(ghat[which], sp.Sum(gam**kk * r[kk] * S[kk], (kk, 0, T - 1))),
        )
    else:
        A = sp.Function(r"A^{\pi}")
        first = Step(
            "A2C weighs each score by the discounted advantage of the action taken, the "
            "advantages derived above depending on the state",
            sp.Eq(ghat[which], sp.Sum(gam**tt * s[tt] * A(sp.Symbol("s_t"), sp.Symbol("a_t")),
                                      (tt, 0, T - 1))),
        )  # fmt: skip
    second = Step(
        "From a state with $m$ advances to go, the first action contributes its own terms and "
        "the rest of the episode is the same sum from $m - 1$ advances to go (if it advanced) or "
        "$m$ (if not), one step later: discounted once more, its times shifted by one. Taking "
        "expectations, each moment $E_m$ of these sums obeys $E_m = \\rho E_{m-1} + \\Delta(m)$ "
        "with $\\rho = q\\gamma^d / (1 - (1-q)\\gamma^d)$ ($d$ the order of the moment), "
        "which we unroll from $m = 1$ and sum in closed form",
        sp.Eq(
            sp.Symbol("E_m"), sp.Symbol(r"\rho") * sp.Symbol("E_{m-1}") + sp.Symbol(r"\Delta(m)")
        ),
    )
    return [first, second]


@lru_cache(maxsize=64)
def _moments(rules: RaceRules, which: str):
    """('pgf', mean, second, steps) or ('recursion', mean, second, steps), mean/second ExpPolys."""
    got = _pgf(rules, which)
    if got is not None:
        return ("pgf", *got)
    m1, m2 = estimate_moments(rules, which)
    return "recursion", m1, m2, _recursion_steps(rules, which)


def _mean_check(rules: RaceRules, route: str, mean) -> str:
    grad = gradient(rules).result
    if route == "recursion":
        if not (mean - gradient_parts(rules)).is_zero():  # pragma: no cover
            raise AssertionError("the mean differs from the gradient")
        return (
            "The mean equals $\\frac{d}{d\\lambda} V^\\pi(0, 0)$ identically in $N$ and every "
            "parameter (the policy-gradient theorem), as exponential polynomials."
        )
    for point in _points(rules):
        if sp.simplify((mean - grad).subs(point)) != 0:  # pragma: no cover
            raise AssertionError(f"the mean differs from the gradient at {point}")
    return (
        "The mean equals $\\frac{d}{d\\lambda} V^\\pi(0, 0)$ (the policy-gradient theorem) "
        f"exactly at {_points_text(rules)}."
    )


def _points_text(rules: RaceRules) -> str:
    return "; ".join(
        ", ".join(f"${sp.latex(s)} = {sp.latex(v)}$" for s, v in point.items())
        for point in _points(rules)
    )


@lru_cache(maxsize=64)
def mean_estimate(rules: RaceRules, which: str) -> Derivation:
    """p3d.mean.reinforce / p3d.mean.a2c: the estimator's mean, checked against p3d.grad."""
    route, mean, _, steps = _moments(rules, which)
    check = _mean_check(rules, route, mean)
    result = show(mean) if route == "pgf" else at_goal(rules, mean)
    steps = [*steps, Step("Its mean", sp.Eq(E(ghat[which]), result))]
    return Derivation(f"p3d.mean.{which}", result, tuple(steps), rules.domain, checks=(check,))


@lru_cache(maxsize=64)
def var_parts(rules: RaceRules, which: str) -> tuple[str, object]:
    """('pgf', expr) or ('recursion', ExpPoly) of the variance."""
    route, mean, second, _ = _moments(rules, which)
    if route == "pgf":
        return route, sp.simplify(second - mean**2)
    return route, second - mean * mean


@lru_cache(maxsize=64)
def var_estimate(rules: RaceRules, which: str) -> Derivation:
    """p3d.var.reinforce / p3d.var.a2c: E[g^2] - E[g]^2."""
    route, mean, second, steps = _moments(rules, which)
    _, var = var_parts(rules, which)
    if route == "pgf":
        result, second_shown, mean_shown = show(var), show(second), show(mean)
    else:
        result, second_shown, mean_shown = (at_goal(rules, e) for e in (var, second, mean))
    g = ghat[which]
    steps = [
        *steps,
        Step("Its second moment", sp.Eq(E(g**2), second_shown)),
        Step("Its mean", sp.Eq(E(g), mean_shown)),
        Step(
            "The variance, $\\mathbb{E}[\\hat g^2] - \\mathbb{E}[\\hat g]^2$", sp.Eq(Var(g), result)
        ),
    ]
    return Derivation(f"p3d.var.{which}", result, tuple(steps), rules.domain)


@lru_cache(maxsize=64)
def var_ratio(rules: RaceRules) -> Derivation:
    """p3d.var_ratio: Var REINFORCE / Var A2C (infinite when A2C's estimate does not vary)."""
    vr, va = var_estimate(rules, "reinforce").result, var_estimate(rules, "a2c").result
    steps = [
        Step("REINFORCE's variance", sp.Eq(Var(ghat["reinforce"]), vr)),
        Step("A2C's variance", sp.Eq(Var(ghat["a2c"]), va)),
    ]
    route, parts = var_parts(rules, "a2c")
    if parts.is_zero() if route == "recursion" else sp.simplify(parts) == 0:
        steps.append(Step("A2C's estimate does not vary here (its terms vanish)", sp.oo))
        return Derivation("p3d.var_ratio", sp.oo, tuple(steps), rules.domain)
    result = show(vr / va)
    steps.append(Step("Their ratio", sp.Eq(name(r"\rho_{\operatorname{Var}}"), result)))
    return Derivation("p3d.var_ratio", result, tuple(steps), rules.domain)
