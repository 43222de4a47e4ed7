r"""The values of a race, derived from its rules: $V^\pi$, $Q^\pi$, $A^\pi$ and the series.

With $q = \lambda p_{a_2} + (1-\lambda) p_{a_1}$ the probability that a step
advances, $c$ the reward of every action and $B(T)$ the reward added to the
action that reaches the goal as the $T$-th action, the Bellman equation of the
policy, with the reward attached to the action and $V^\pi(N, \cdot) = 0$, is

$$V(i, t) = c + \gamma\,[q\,V(i+1, t+1) + (1-q)\,V(i, t+1)] \quad (i < N - 1),$$
$$V(N-1, t) = c + q\,B(t+1) + \gamma\,(1-q)\,V(N-1, t+1).$$

The rewards are affine in $t$, so we solve with $V(i, t) = \alpha(i)\,t + \beta(i)$:
matching coefficients gives first-order recurrences in $m = N - i$ solved by
:func:`derivations.race.sums.unroll`.  Closed forms for every reward, discount
and goal: $\alpha$ and $\beta$ are exponential polynomials in $m$ (with
$\gamma = 1$, polynomials).  Then $Q^\pi(s, a) = R(s, a) + \gamma\,E_{s'|s,a} V^\pi(s')$
and $A^\pi = Q^\pi - V^\pi$, closed forms too.  The expected number of actions
per advance (the series of 3(b)) is $1/q$ whatever the reward and discount.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from derivations.core import Derivation, Step
from derivations.race.rules import QUIZ_RULES, N, RaceRules, i, k, lam, t, tidy
from derivations.race.sums import ExpPoly, Field, field_of, unroll

q_sym = sp.Symbol("q", positive=True)  # the advance probability of one step
m_sym = sp.Symbol("m", integer=True, positive=True)  # advances to go, N - i
Vf, Qf, Af = sp.Function(r"V^{\pi}"), sp.Function(r"Q^{\pi}"), sp.Function(r"A^{\pi}")
Bf, Rf = sp.Function("B"), sp.Function("R")
alpha, beta = sp.Function(r"\alpha"), sp.Function(r"\beta")
T_end = sp.Symbol("T", integer=True, positive=True)
ACTION = {1: sp.Symbol("a_1"), 2: sp.Symbol("a_2")}


@lru_cache(maxsize=64)
def field(rules: RaceRules) -> Field:
    """$\\mathbb{Q}(\\lambda, \\text{the rules' symbols})$, where the race's coefficients live."""
    return field_of((lam, *rules.parameters))


def goal_coefficients(rules: RaceRules) -> tuple[sp.Expr, sp.Expr]:
    """$B(T) = b_1 T + b_0$: the slope and the intercept of the goal's reward."""
    B = rules.goal_reward(T_end)
    return sp.diff(B, T_end), B.subs(T_end, 0)


def at_goal(rules: RaceRules, steps: list[Step], result: sp.Expr, lhs: sp.Expr) -> sp.Expr:
    """Evaluate a form derived with N at the rules' goal, saying so in a last step."""
    if rules.goal == N:
        return result
    result = rules.at_goal(result)
    steps.append(
        Step(f"With the goal ${sp.latex(N)} = {sp.latex(rules.goal)}$", sp.Eq(lhs, result))
    )
    return result


def affine_expr(a: ExpPoly, b: ExpPoly, m: sp.Expr) -> sp.Expr:
    r"""$\sum_z z^m (\alpha_z(m)\, t + \beta_z(m))$ as SymPy, each base's part in a tidy form."""
    K, x = a.K, m_sym  # built in the symbol m, then m -> N - i (so N - i stays together)
    out = sp.Integer(0)
    for z in sorted(set(a.terms) | set(b.terms), key=str):
        part = sum((K.to_sympy(c) * x**n * t for n, c in a.terms.get(z, {}).items()), sp.S.Zero)
        part += sum((K.to_sympy(c) * x**n for n, c in b.terms.get(z, {}).items()), sp.S.Zero)
        power = sp.Integer(1) if z == K.one else sp.factor(K.to_sympy(z)) ** x
        out += tidy(sp.factor(part)) * power
    return out.subs(x, m)


# --------------------------------------------------------------------------- V


@lru_cache(maxsize=64)
def value_parts(rules: RaceRules) -> tuple[ExpPoly, ExpPoly, tuple[Step, ...]]:
    r"""$\alpha(m)$ and $\beta(m)$ with $V(N - m, t) = \alpha(m)\,t + \beta(m)$, and the steps."""
    K = field(rules)
    g, q, c = rules.discount, rules.advance_prob, rules.step_reward
    b1, b0 = goal_coefficients(rules)
    a_s, b_s = sp.symbols("alpha_s beta_s")  # unknowns of a coefficient match
    gd = g  # the discount, a number or a symbol
    D = 1 - gd * (1 - q_sym)

    def match(lhs_a, lhs_b, rhs: sp.Expr) -> dict:
        """Solve lhs = rhs for (alpha_s, beta_s), coefficient of t and constant term."""
        diff = sp.expand(lhs_a * t + lhs_b - rhs)
        return sp.solve([diff.coeff(t, 1), diff.coeff(t, 0)], [a_s, b_s], dict=True)[0]

    # One advance to go: $\alpha t + \beta = c + q B(t+1) + \gamma (1-q)(\alpha (t+1) + \beta)$.
    rhs_last = c + q_sym * Bf(t + 1) + gd * (1 - q_sym) * (a_s * (t + 1) + b_s)
    last = match(a_s, b_s, rhs_last.subs(Bf(t + 1), b1 * (t + 1) + b0))
    # Earlier: $\alpha t + \beta = c + \gamma[q(\alpha'(t+1) + \beta') + (1-q)(\alpha(t+1) + \beta)]$.
    a_n, b_n = sp.Symbol("alpha_n"), sp.Symbol("beta_n")  # alpha(i + 1), beta(i + 1)
    rhs = c + gd * (q_sym * (a_n * (t + 1) + b_n) + (1 - q_sym) * (a_s * (t + 1) + b_s))
    rec = match(a_s, b_s, rhs)
    rho = sp.cancel(rec[a_s] / a_n)  # $\alpha(i) = \rho\, \alpha(i + 1)$
    assert sp.cancel(rho - gd * q_sym / D) == 0

    def num(expr: sp.Expr):
        return K.from_sympy(sp.sympify(expr).subs({q_sym: q, gd: g}))

    alpha_m = ExpPoly.power(K, num(rho), num(last[a_s]) / num(rho))  # $\alpha(1) \rho^{m-1}$
    a_prev = alpha_m.shift()
    delta = rec[b_s] - rho * b_n  # $\beta(i) - \rho\,\beta(i+1)$: linear in alpha(i + 1)
    assert sp.cancel(sp.diff(delta, b_n)) == 0
    delta_m = a_prev.scale(num(sp.diff(delta, a_n))) + ExpPoly.const(
        K, num(delta.subs({a_n: 0, b_n: 0}))
    )
    beta_m = unroll(num(rho), num(last[b_s]), delta_m)
    _check_bellman(rules, alpha_m, beta_m)

    Vit, Vlast = Vf(i, t), Vf(N - 1, t)
    a_i, b_i = alpha(i), beta(i)
    r_text = (
        r"With $m = N - i$ advances to go, $\alpha$ does not change with $i$, "
        if g == 1
        else r"With $m = N - i$ advances to go and $r = \gamma q / (1 - \gamma(1-q))$, "
        r"$\alpha(i) = \alpha(N-1)\, r^{m-1}$; "
    )
    steps = (
        Step(
            "The reward of an action is $c$, plus $B(T)$ if it reaches the goal as the $T$-th "
            "action of the episode; the goal itself is worth $V^\\pi(N, t) = 0$",
            sp.Tuple(sp.Eq(sp.Symbol("c"), c), sp.Eq(Bf(T_end), rules.goal_reward(T_end))),
        ),
        Step(
            "Before the last advance ($i < N - 1$) the next state is $(i + 1, t + 1)$ with "
            "probability $q$ and $(i, t + 1)$ otherwise"
            + (", its value discounted by $\\gamma$" if g != 1 else ""),
            sp.Eq(Vit, c + gd * (q_sym * Vf(i + 1, t + 1) + (1 - q_sym) * Vf(i, t + 1))),
        ),
        Step(
            "At the last advance ($i = N - 1$) an advancing action earns $B(t + 1)$ and the "
            "episode ends",
            sp.Eq(Vlast, c + q_sym * Bf(t + 1) + gd * (1 - q_sym) * Vf(N - 1, t + 1)),
        ),
        Step(
            "The transition probabilities do not depend on $t$ and the rewards are affine in $t$, "
            "so we look for a solution affine in $t$",
            sp.Eq(Vit, a_i * t + b_i),
            rf"{sp.latex(Vit)} = {sp.latex(a_i)}\, t + {sp.latex(b_i)}",
        ),
        Step(
            "At $i = N - 1$ the coefficients of $t$ and the constant terms of both sides agree when",
            sp.Tuple(
                sp.Eq(alpha(N - 1), sp.factor(last[a_s])), sp.Eq(beta(N - 1), sp.factor(last[b_s]))
            ),
        ),
        Step(
            "For $i < N - 1$ they agree when",
            sp.Tuple(
                sp.Eq(a_i, sp.factor(rec[a_s]).subs(a_n, alpha(i + 1))),
                sp.Eq(
                    b_i,
                    sp.collect(sp.expand(rec[b_s]), [a_n, b_n], sp.factor).subs(
                        {a_n: alpha(i + 1), b_n: beta(i + 1)}
                    ),
                ),
            ),
        ),
        Step(
            r_text + r"and unrolling the recurrence for $\beta$ from $\beta(N - 1)$ "
            r"and summing its geometric and power sums gives",
            sp.Tuple(sp.Eq(a_i, alpha_m.expr(N - i)), sp.Eq(b_i, beta_m.expr(N - i))),
        ),
    )
    return alpha_m, beta_m, steps


def _check_bellman(rules: RaceRules, a: ExpPoly, b: ExpPoly) -> None:
    """The solution substituted back: both Bellman equations hold, exactly in the field."""
    K, (a_next, b_next) = a.K, (a.shift(), b.shift())
    g, q, c = (K.from_sympy(x) for x in (rules.discount, rules.advance_prob, rules.step_reward))
    b1, b0 = (K.from_sympy(x) for x in goal_coefficients(rules))
    # $m \ge 2$: $\alpha t + \beta = c + \gamma[q(\alpha_{m-1}(t+1) + \beta_{m-1}) + (1-q)(\dots)]$
    res_a = a - (a_next.scale(g * q) + a.scale(g * (1 - q)))
    res_b = b - (ExpPoly.const(K, c) + (a_next + b_next).scale(g * q) + (a + b).scale(g * (1 - q)))
    assert res_a.is_zero(), "V does not satisfy the Bellman equation (coefficient of t)"
    assert res_b.is_zero(), "V does not satisfy the Bellman equation (constant term)"
    a1, bb1 = a.at(1), b.at(1)
    assert a1 == q * b1 + g * (1 - q) * a1
    assert bb1 == c + q * (b1 + b0) + g * (1 - q) * (a1 + bb1)


BELLMAN_CHECK = (
    "The solution substituted back satisfies both Bellman equations, for $i < N - 1$ "
    "and at $i = N - 1$, identically in $t$ and $N - i$ (exact rational arithmetic)."
)


@lru_cache(maxsize=64)
def value_function(rules: RaceRules = QUIZ_RULES) -> Derivation:
    r"""$V^\pi(i, t)$, solved from the Bellman equation with an affine-in-$t$ ansatz."""
    a, b, derived = value_parts(rules)
    result = affine_expr(a, b, N - i)
    steps = [
        Step(
            "Whatever the state, a step advances with probability "
            "$q = \\lambda p_{a_2} + (1-\\lambda) p_{a_1}$; for this race",
            sp.Eq(q_sym, rules.advance_prob),
        ),
        *derived,
        Step("Hence the value function", sp.Eq(Vf(i, t), result)),
    ]
    result = at_goal(rules, steps, result, Vf(i, t))
    return Derivation("p3b.V", result, tuple(steps), rules.domain, checks=(BELLMAN_CHECK,))


def value_lambda(rules: RaceRules = QUIZ_RULES) -> sp.Lambda:
    """V as a SymPy Lambda of (i, t)."""
    return sp.Lambda((i, t), value_function(rules).result)


# --------------------------------------------------------------------------- Q and A


@lru_cache(maxsize=128)
def q_parts(rules: RaceRules, action: int) -> tuple[ExpPoly, ExpPoly]:
    r"""$Q((N - m, t), a) = c + \gamma[p_a V(N-m+1, t+1) + (1-p_a) V(N-m, t+1)]$ as parts.

    At $m = 1$ the closed form of $V$ continued to $m = 0$ is $B(t)/\gamma$, so
    the same formula pays $p_a B(t+1)$ there (checked in the field below, and by
    an independent route in :func:`derivations.race.transitions.last_step`).
    """
    a, b, _ = value_parts(rules)
    K = a.K
    g, c, p = (K.from_sympy(x) for x in (rules.discount, rules.step_reward, rules.advance(action)))
    a_next, b_next = a.shift(), b.shift()
    qa = (a_next.scale(p) + a.scale(1 - p)).scale(g)  # the coefficient of t
    qb = ExpPoly.const(K, c) + ((a_next + b_next).scale(p) + (a + b).scale(1 - p)).scale(g)
    b1, b0 = (K.from_sympy(x) for x in goal_coefficients(rules))
    assert qa.at(1) == p * b1 + g * (1 - p) * a.at(1)
    assert qb.at(1) == c + p * (b1 + b0) + g * (1 - p) * (a.at(1) + b.at(1))
    return qa, qb


@lru_cache(maxsize=128)
def q_value(rules: RaceRules, action: int) -> Derivation:
    r"""$Q^\pi((i,t), a) = c + \gamma[p_a V(i+1, t+1) + (1 - p_a) V(i, t+1)]$."""
    qa, qb = q_parts(rules, action)
    result = affine_expr(qa, qb, N - i)
    g, p, c = rules.discount, rules.advance(action), rules.step_reward
    gd = g
    a, s_next = ACTION[action], sp.Symbol("s'")
    lhs = Qf(sp.Tuple(i, t), a)
    E = sp.Function(r"\mathbb{E}_{s' \mid s, a}")
    steps = [
        Step(
            "$Q^\\pi$ is the reward of the action plus the discounted expected value of the "
            "next state"
            if g != 1
            else "$Q^\\pi$ is the reward of the action plus the expected value of the next state",
            sp.Eq(lhs, Rf(sp.Tuple(i, t), a) + gd * E(Vf(s_next))),
        ),
        Step(
            f"Action ${sp.latex(a)}$ advances with probability ${sp.latex(p)}$ and earns "
            f"$c = {sp.latex(c)}$; at $i = N - 1$ the closed form of $V^\\pi$ continued to "
            + ("$i = N$ is $B(t)/\\gamma$" if g != 1 else "$i = N$ is $B(t)$")
            + ", so the same formula also pays the goal's reward there",
            sp.Eq(lhs, c + gd * (p * Vf(i + 1, t + 1) + (1 - p) * Vf(i, t + 1))),
        ),
        Step("Substituting the value function derived above", sp.Eq(lhs, result)),
    ]
    result = at_goal(rules, steps, result, lhs)
    staying = "(1 - p_a) V^\\pi(N-1, t+1)" if g == 1 else "\\gamma (1 - p_a) V^\\pi(N-1, t+1)"
    checks = (
        (
            "At $i = N - 1$ the formula equals the reward on arrival plus the "
            + ("value" if g == 1 else "discounted value")
            + f" of staying, $c + p_a B(t+1) + {staying}$, with $p_a$ the chance that "
            "the action advances (exact arithmetic)."
        ),
    )
    return Derivation(f"p3c.Q.a{action}", result, tuple(steps), rules.domain, checks=checks)


@lru_cache(maxsize=128)
def advantage_parts(rules: RaceRules, action: int) -> tuple[ExpPoly, ExpPoly]:
    r"""$A((N - m, t), a) = \alpha^A(m)\, t + \beta^A(m)$: $Q$'s parts minus $V$'s."""
    qa, qb = q_parts(rules, action)
    a, b, _ = value_parts(rules)
    return qa - a, qb - b


@lru_cache(maxsize=128)
def advantage(rules: RaceRules, action: int) -> Derivation:
    r"""$A^\pi((i,t), a) = Q^\pi((i,t), a) - V^\pi(i, t)$."""
    aa, ab = advantage_parts(rules, action)
    result = affine_expr(aa, ab, N - i)
    a = ACTION[action]
    lhs = Af(sp.Tuple(i, t), a)
    Q = affine_expr(*q_parts(rules, action), N - i)
    V = affine_expr(*value_parts(rules)[:2], N - i)
    difference = sp.Add(Q, sp.Mul(-1, V, evaluate=False), evaluate=False)
    shown = rf"{sp.latex(lhs)} = {sp.latex(Q)} - \left({sp.latex(V)}\right)"
    steps = [
        Step("The advantage is $Q^\\pi$ minus $V^\\pi$", sp.Eq(lhs, difference), shown),
        Step("Collecting terms", sp.Eq(lhs, result)),
    ]
    result = at_goal(rules, steps, result, lhs)
    return Derivation(f"p3c.A.a{action}", result, tuple(steps), rules.domain)


# --------------------------------------------------------------------------- the series


@lru_cache(maxsize=64)
def series(rules: RaceRules = QUIZ_RULES) -> Derivation:
    r"""Expected number of actions per advance, $\sum_{k \ge 1} k\, q (1-q)^{k-1}$."""
    q = rules.advance_prob
    u = sp.Symbol("u", nonnegative=True)  # $q = 1/(1+u)$ covers exactly $0 < q \le 1$
    term = k * q_sym * (1 - q_sym) ** (k - 1)  # $k \cdot P(\text{first advance at action } k)$
    raw = sp.piecewise_fold(sp.summation(term, (k, 1, sp.oo)))
    checks = []
    if isinstance(raw, sp.Piecewise):
        value, condition = raw.args[0]
        if sp.simplify(condition.subs(q_sym, 1 / (1 + u))) is not sp.true:
            raise AssertionError(f"cannot show convergence: {condition}")  # pragma: no cover
        checks.append(
            f"The series converges where ${sp.latex(condition)}$, which holds for every "
            "$0 < q \\le 1$ (shown with $q = 1/(1+u)$, $u \\ge 0$)."
        )
        raw = value
    closed = sp.simplify(raw)
    result = sp.simplify(closed.subs(q_sym, q))
    steps = (
        Step(
            "Whatever the state, a step advances with probability "
            "$q = \\lambda p_{a_2} + (1-\\lambda) p_{a_1}$; for this race",
            sp.Eq(q_sym, q),
        ),
        Step(
            "The steps are independent, so the first advance comes at action $k$ with "
            "probability $q(1-q)^{k-1}$, and the expected number of actions is",
            sp.Eq(sp.Symbol(r"\mathbb{E}[K]"), sp.Sum(term, (k, 1, sp.oo))),
        ),
        Step(
            "Summing the series (the derivative of a geometric series)",
            sp.Eq(sp.Sum(term, (k, 1, sp.oo)), closed),
        ),
        *(
            (Step("With this race's $q$", sp.Eq(sp.Symbol(r"\mathbb{E}[K]"), result)),)
            if q != q_sym and result != closed
            else ()
        ),
    )
    return Derivation("p3b.series", result, steps, rules.domain, checks=tuple(checks))
