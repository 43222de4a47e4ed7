r"""The values of a race, derived from its rules: $V^\pi$, $Q^\pi$, $A^\pi$ and more.

With $q = \lambda p_{a_2} + (1-\lambda) p_{a_1}$ the probability that one step
advances, the value $V^\pi(s) = E[\sum_{t' \ge t} R(s_{t'}, a_{t'}) \mid s_t = s]$
satisfies the Bellman equation

$$V(i, t) = c + q\,V(i+1, t+1) + (1-q)\,V(i, t+1), \qquad V(N, t) = B(t),$$

where $c$ is the reward of an ordinary step ($0$, or $-1$ per step) and $B(t)$
the value on arriving at the goal after $t$ actions ($-t$, or $0$).  Because
the transition probabilities do not depend on $t$ and $B$ is affine in $t$, we
look for the solution affine in $t$, $V(i, t) = \alpha(i)\,t + \beta(i)$, and
solve for the unknown sequences $\alpha$ and $\beta$.

Then $Q^\pi(s, a) = R(s, a) + E_{s' \mid s, a} V^\pi(s')$ and
$A^\pi(s, a) = Q^\pi(s, a) - V^\pi(s)$.

The module also derives the next state of an action, the expected number of
actions per advance (a series summed by SymPy), the reward of the last step
and whether the formulas for $Q$ hold one advance before the goal.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from derivations.core import Derivation, Step
from derivations.race.rules import DOMAIN, QUIZ_RULES, N, RaceRules, i, k, t, tidy


@lru_cache(maxsize=64)
def series(rules: RaceRules = QUIZ_RULES) -> Derivation:
    r"""Expected number of actions per advance, $\sum_{k \ge 1} q (1-q)^{k-1} k$, summed by SymPy."""
    q = rules.advance_prob
    qs = sp.Symbol("q", positive=True)  # the advance probability, 0 < q <= 1
    u = sp.Symbol("u", nonnegative=True)  # $q = 1/(1+u)$ covers exactly 0 < q <= 1
    term = qs * (1 - qs) ** (k - 1) * k  # $P(\text{first advance at action } k) \cdot k$
    raw = sp.piecewise_fold(sp.summation(term, (k, 1, sp.oo)))
    if isinstance(raw, sp.Piecewise):
        # SymPy sums it where it converges; show that its condition holds for every 0 < q <= 1.
        value, condition = raw.args[0]
        if sp.simplify(condition.subs(qs, 1 / (1 + u))) is not sp.true:
            raise AssertionError(f"cannot show convergence: {condition}")  # pragma: no cover
        raw = value
    closed = sp.simplify(raw)
    result = sp.simplify(closed.subs(qs, q))
    steps = (
        Step("A step advances with probability q, whatever came before", sp.Eq(qs, q)),
        Step("The first advance comes at action k with probability q(1-q)^(k-1)", term),
        Step(
            "SymPy sums the series; it converges for 0 < q <= 1",
            sp.Eq(sp.Sum(term, (k, 1, sp.oo)), closed),
        ),
        Step("With this race's q", result),
    )
    return Derivation("p3b.series", result, steps, DOMAIN)


@lru_cache(maxsize=64)
def value_function(rules: RaceRules = QUIZ_RULES) -> Derivation:
    """V(i, t), solved from the Bellman equation with an affine-in-t ansatz."""
    q = rules.advance_prob
    c = rules.step_reward
    alpha, beta = sp.Function("alpha"), sp.Function("beta")

    def V(ii, tt):  # the ansatz: $V(i, t) = \alpha(i) t + \beta(i)$
        return alpha(ii) * tt + beta(ii)

    # $V(i,t) = c + q V(i+1,t+1) + (1-q) V(i,t+1)$
    bellman = sp.Eq(V(i, t), c + q * V(i + 1, t + 1) + (1 - q) * V(i, t + 1))
    residual = sp.expand(bellman.lhs - bellman.rhs)
    coeff_t = residual.coeff(t, 1)  # must vanish for every t
    coeff_1 = residual.coeff(t, 0)

    # Coefficient of t: alpha(i) = alpha(i+1), so alpha is constant; its value is B's slope.
    (alpha_i,) = sp.solve(coeff_t, alpha(i))
    alpha_N = sp.diff(rules.goal_value(t), t)
    if sp.simplify(alpha_i - alpha(i + 1)) != 0:
        raise AssertionError("unexpected coefficient equation")  # pragma: no cover
    # Constant term: beta(i) = beta(i+1) + (c + alpha)/q; solve in m = N - i with beta = 0 at the goal.
    (beta_i,) = sp.solve(coeff_1.subs({alpha(i): alpha_N, alpha(i + 1): alpha_N}), beta(i))
    m = sp.Symbol("m", integer=True, nonnegative=True)
    b = sp.Function("b")  # $b(m) = \beta(N - m)$
    increment = sp.simplify(beta_i - beta(i + 1))
    b0 = rules.goal_value(t).subs(t, 0)
    b_m = sp.rsolve(b(m) - b(m - 1) - increment, b(m), {b(0): b0})
    result = tidy(sp.simplify(alpha_N * t + b_m.subs(m, N - i)))
    # Confirm that the solution satisfies the Bellman equation and the goal condition.
    Vs = sp.Lambda((i, t), result)
    assert sp.simplify(Vs(i, t) - (c + q * Vs(i + 1, t + 1) + (1 - q) * Vs(i, t + 1))) == 0
    assert sp.simplify(Vs(N, t) - rules.goal_value(t)) == 0

    steps = (
        Step(
            "Bellman equation for the policy, with q the probability that a step advances", bellman
        ),
        Step(
            "Goal condition: the value on arriving after t actions",
            sp.Eq(V(N, t), rules.goal_value(t)),
        ),
        Step("The coefficient of t must vanish, so alpha is constant", sp.Eq(alpha(i), alpha_i)),
        Step("alpha takes the goal's slope in t", sp.Eq(alpha(i), alpha_N)),
        Step(
            "The constant term gives a recurrence in the remaining advances",
            sp.Eq(beta(i), beta_i.subs(alpha(i + 1), alpha_N)),
        ),
        Step("Solving it with beta(N) = 0, m = N - i advances to go", sp.Eq(b(m), b_m)),
        Step("Hence the value function", sp.Eq(sp.Function("V")(i, t), result)),
    )
    return Derivation("p3b.V", result, steps, DOMAIN)


def value_lambda(rules: RaceRules = QUIZ_RULES) -> sp.Lambda:
    """V as a SymPy Lambda of (i, t)."""
    return sp.Lambda((i, t), value_function(rules).result)


@lru_cache(maxsize=64)
def q_value(rules: RaceRules, action: int) -> Derivation:
    r"""$Q((i,t), a) = c + p_a V(i+1, t+1) + (1 - p_a) V(i, t+1)$."""
    V = value_lambda(rules)
    p = rules.advance(action)
    c = rules.step_reward
    Qf = sp.Function("Q")
    expr = c + p * V(i + 1, t + 1) + (1 - p) * V(i, t + 1)  # $R(s,a) + E_{s'|s,a} V(s')$
    result = tidy(sp.simplify(expr))
    a = sp.Symbol(f"a_{action}")
    s_next = sp.Symbol("s'")
    steps = (
        Step(
            "Q is the reward plus the expected value of the next state",
            sp.Eq(
                Qf(sp.Tuple(i, t), a),
                sp.Function("R")(sp.Tuple(i, t), a) + sp.Function("E")(sp.Function("V")(s_next)),
            ),
        ),
        Step(
            f"a_{action} advances with probability {sp.latex(p)}",
            sp.Eq(
                Qf(sp.Tuple(i, t), a),
                c + p * sp.Function("V")(i + 1, t + 1) + (1 - p) * sp.Function("V")(i, t + 1),
            ),
        ),
        Step("Substituting the derived V", sp.Eq(Qf(sp.Tuple(i, t), a), result)),
    )
    return Derivation(f"p3c.Q.a{action}", result, steps, DOMAIN)


@lru_cache(maxsize=64)
def advantage(rules: RaceRules, action: int) -> Derivation:
    r"""$A((i,t), a) = Q((i,t), a) - V(i, t)$."""
    Q = q_value(rules, action).result
    V = value_function(rules).result
    result = tidy(sp.simplify(Q - V))
    a = sp.Symbol(f"a_{action}")
    steps = (
        Step("The advantage is Q minus V", sp.Eq(sp.Function("A")(sp.Tuple(i, t), a), Q - V)),
        Step("Simplified", sp.Eq(sp.Function("A")(sp.Tuple(i, t), a), result)),
    )
    return Derivation(f"p3c.A.a{action}", result, steps, DOMAIN)


def next_state(rules: RaceRules, action: int) -> Derivation:
    """The next state (i', t') after an action: its expectation when advancing is random."""
    p = rules.advance(action)
    result = sp.Tuple(i + p, t + 1)
    text = (
        "The action always advances"
        if p == 1
        else "The action never advances"
        if p == 0
        else "The action advances with probability p, so this is the expected next state"
    )
    steps = (Step(text + "; one more action is taken", sp.Eq(sp.Symbol("s'"), result)),)
    return Derivation(f"p3a.next.a{action}", result, steps, DOMAIN)


def last_reward(rules: RaceRules, action: int) -> sp.Expr:
    """R((N-1, t), a): the expected reward of an action one advance before the goal.

    The action pays the ordinary step reward c and, if it advances (probability
    p_a), whatever arriving at the goal after t + 1 actions pays, B(t + 1).
    """
    return rules.step_reward + rules.advance(action) * rules.goal_value(t + 1)  # $c + p_a B(t+1)$


def last_step_reward(rules: RaceRules = QUIZ_RULES) -> Derivation:
    """R((N-1, t), a_2), the reward of the quiz's last step."""
    result = sp.expand(last_reward(rules, 2))
    lhs = sp.Function("R")(sp.Tuple(N - 1, t), sp.Symbol("a_2"))
    steps = (
        Step("a_2 pays the step reward, plus the goal's reward if it advances", sp.Eq(lhs, result)),
    )
    return Derivation("p3c.R.last", result, steps, DOMAIN)


@lru_cache(maxsize=64)
def last_step(rules: RaceRules = QUIZ_RULES) -> Derivation:
    """Do the formulas for Q (hence A) hold at i = N - 1, where the goal pays on arrival?"""
    V = value_lambda(rules)
    checks = []
    steps = []
    for action in (1, 2):
        p = rules.advance(action)
        # The quiz's accounting: the arrival reward is part of R, and the goal's own value is 0.
        q_last = last_reward(rules, action) + (1 - p) * V(N - 1, t + 1)
        general = q_value(rules, action).result.subs(i, N - 1)
        checks.append(sp.simplify(q_last - general) == 0)
        steps.append(
            Step(
                f"At i = N - 1, Q of a_{action} from the reward on arrival, against the general formula",
                sp.Eq(sp.simplify(q_last), general),
            )
        )
    result = sp.true if all(checks) else sp.false
    return Derivation("p3c.last_step", result, tuple(steps), DOMAIN)
