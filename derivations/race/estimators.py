r"""The policy-gradient estimates on the race: the gradient, their moments, a decrease.

The two estimates, $\hat g_{\text{REINFORCE}}$ and $\hat g_{\text{A2C}}$, are those
defined in :mod:`derivations.race.policy_gradient`.

With the terminal reward, the reward-to-go of every action is $-T$, so
$\hat g_{\text{REINFORCE}} = -T\,(n_2/\lambda - n_1/(1-\lambda))$, a polynomial in
$(T, n_2)$; A2C's estimate is linear in the counts whenever $A$ does not depend
on the state.  Means and variances are therefore closed forms.

With the per-step reward $c$, the reward-to-go $c\,(T - t)$ depends on where in
the episode each action falls.  REINFORCE's moments then come from a
first-step recursion in the number $m$ of advances to go: with $L_m$ the
actions left and $X_m$ the part of the estimate still to come,
$L_m = 1 + L'$ and $X_m = c\,\partial\ln\pi(a)\,(1 + L') + X'$, where
$(L', X')$ is distributed as from $m - 1$ or $m$.  Each $E[L_m^a X_m^b]$,
$a + b \le 2$, obeys $M_m = M_{m-1} + \Delta(m)$ and is summed from $M_0 = 0$.

The probability that one REINFORCE episode decreases $\lambda$ has a closed form
when $n_2$ is the same in every episode (the quiz's rules): the incomplete beta
function $I_\lambda(N, \lceil N(1-\lambda)/\lambda \rceil)$.  Elsewhere (an $a_2$
that may fail, an $a_1$ that may advance, a per-step reward) the event is a
region of the joint law, its probability a sum with no closed form here; the
result is ``nan`` and the steps say so.  Every mean is shown equal to
$\frac{d}{d\lambda} E[R]$, with $E[R] = V^\pi(0, 0)$ from the Bellman equation.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from derivations.core import Derivation, Step
from derivations.race.episodes import K_sym, T_sym, episode_law, n2_sym
from derivations.race.rules import DOMAIN, RaceRules, lam
from derivations.race.rules import N as N_sym
from derivations.race.rules import i as i_sym
from derivations.race.rules import t as t_sym
from derivations.race.signs import _name, _sign, score, tidy
from derivations.race.values import advantage, value_function

# --------------------------------------------------------------------------- the estimators


def expected_return(rules: RaceRules) -> sp.Expr:
    r"""$E[R] = V^\pi(0, 0)$, from the derived value function."""
    return sp.simplify(value_function(rules).result.subs({i_sym: 0, t_sym: 0}))


@lru_cache(maxsize=64)
def gradient(rules: RaceRules) -> Derivation:
    r"""p3d.grad: $\frac{d}{d\lambda} E[R]$ with $E[R] = V^\pi(0, 0)$."""
    er = expected_return(rules)
    result = tidy(sp.simplify(sp.diff(er, lam)))
    steps = (
        Step("The expected return is the value of the start state", sp.Eq(_name("E[R]"), er)),
        Step("Differentiating in lambda", sp.Eq(_name(r"\frac{d E[R]}{d\lambda}"), result)),
    )
    return Derivation("p3d.grad", result, steps, DOMAIN)


def reinforce_estimate(rules: RaceRules) -> sp.Expr | None:
    r"""REINFORCE's estimate as a polynomial in $(T, n_2)$, or None if it is not one.

    The reward-to-go of action $t$ is $c\,(T - t) + B(T)$; it is the same for
    every action exactly when $c = 0$, and then the estimate is
    $B(T)\,(n_2\,\partial\ln\pi(a_2) + (T - n_2)\,\partial\ln\pi(a_1))$.
    """
    if rules.step_reward != 0:
        return None
    to_go = rules.goal_value(T_sym)  # every action's reward-to-go
    return to_go * (n2_sym * score(2, rules) + (T_sym - n2_sym) * score(1, rules))


def a2c_estimate(rules: RaceRules) -> sp.Expr | None:
    r"""A2C's estimate $n_2\,\partial\ln\pi(a_2) A(a_2) + n_1\,\partial\ln\pi(a_1) A(a_1)$.

    None when an advantage depends on the state (then it is no function of the counts).
    """
    adv = {a: advantage(rules, a).result for a in (1, 2)}
    if any(e.free_symbols & {i_sym, t_sym, N_sym} for e in adv.values()):
        return None
    return n2_sym * score(2, rules) * adv[2] + (T_sym - n2_sym) * score(1, rules) * adv[1]


def _not_closed(id_: str, why: str) -> Derivation:
    return Derivation(id_, sp.nan, (Step(why, sp.nan),), DOMAIN)


PER_STEP_REASON = (
    "With a reward on every step the reward-to-go c (T - t) of action t depends on where it "
    "falls in the episode, so REINFORCE's estimate is no function of (T, n_2); its moments come "
    "from a first-step recursion in the number of advances to go"
)


def _outcomes(rules: RaceRules) -> list[tuple[sp.Expr, int, int]]:
    """(probability, action, advanced) for one step."""
    out = []
    for action in (1, 2):
        p = rules.advance(action)
        out.append((rules.policy(action) * p, action, 1))
        out.append((rules.policy(action) * (1 - p), action, 0))
    return out


def _sum_polynomial(expr: sp.Expr, j: sp.Symbol, m: sp.Symbol) -> sp.Expr:
    r"""$\sum_{j=1}^m$ of a polynomial in $j$, power by power (Faulhaber's sums by SymPy)."""
    poly = sp.Poly(sp.cancel(sp.together(expr)), j)  # raises if expr is not polynomial in j
    total = sp.Integer(0)
    for (power,), coef in poly.terms():
        total += coef * sp.summation(j**power, (j, 1, m))  # $\sum_{j=1}^m j^k$
    return sp.cancel(sp.together(total))


@lru_cache(maxsize=64)
def per_step_reinforce_moments(rules: RaceRules) -> tuple[sp.Expr, sp.Expr, list[Step]]:
    r"""$E[X]$ and $E[X^2]$ for REINFORCE under a per-step reward $c$ (and $B = 0$).

    From a state with $m$ advances to go let $L_m$ be the actions left and
    $X_m = \sum_r \partial\ln\pi(a_r)\, c\,(L_m - r)$ the estimate's part still
    to come.  The first action $a$ gives $L_m = 1 + L'$ and
    $X_m = c\,\partial\ln\pi(a)\,(1 + L') + X'$, with $(L', X')$ distributed as
    from $m - 1$ (it advanced) or $m$ (it did not).  Taking $E[L_m^a X_m^b]$ for
    $a + b \le 2$ in order, the term $E[L_m^a X_m^b]$ appears on the right with
    weight $1 - q$; solving for it gives
    $M_m = M_{m-1} + \Delta(m)$, summed from $M_0 = 0$.
    """
    c = rules.step_reward
    q = rules.advance_prob
    m, jj = sp.Symbol("m", integer=True, positive=True), sp.Symbol("j", integer=True, positive=True)
    order = [(0, 0), (1, 0), (0, 1), (2, 0), (1, 1), (0, 2)]
    M: dict[tuple[int, int], sp.Expr] = {(0, 0): sp.Integer(1)}
    Ls, Xs = sp.Symbol("L'"), sp.Symbol("X'")
    for a, b in order[1:]:
        delta = sp.Integer(0)
        for prob, action, advanced in _outcomes(rules):
            sc = c * score(action, rules)
            expansion = sp.Poly(sp.expand((1 + Ls) ** a * (sc * (1 + Ls) + Xs) ** b), Ls, Xs)
            for (da, db), coef in expansion.terms():
                if (da, db) == (a, b):
                    continue  # $M_{m-1}$ (advanced) or the unknown itself (not advanced)
                known = M[(da, db)]
                delta += prob * coef * (known.subs(m, m - 1) if advanced else known)
        # $q M_m = q M_{m-1} + \delta(m)$
        increment = sp.cancel(sp.together(delta / q))
        M[(a, b)] = sp.factor(_sum_polynomial(increment.subs(m, jj), jj, m))
    mean, second = M[(0, 1)].subs(m, N_sym), M[(0, 2)].subs(m, N_sym)
    steps = [
        Step(
            PER_STEP_REASON,
            sp.Eq(sp.Symbol("X_m"), _name(r"c\,\partial_\lambda \ln\pi(a)\,(1+L')") + Xs),
        ),
        Step("E[L_m] actions left with m advances to go", M[(1, 0)]),
        Step("E[X_m]", M[(0, 1)]),
        Step("E[X_m^2]", M[(0, 2)]),
    ]
    return sp.factor(mean), sp.factor(second), steps


def _estimate_steps(rules: RaceRules, name: str, g: sp.Expr) -> list[Step]:
    law = episode_law(rules)
    steps = [
        Step(f"{name}'s estimate for one episode of T actions, n_2 of them a_2", g),
        Step("The joint PGF of (T, n_2): N blocks of failures closed by an advance", law.pgf),
    ]
    if law.n2_is_fixed():
        n2 = law.moment(0, 1)
        steps.append(
            Step(
                f"n_2 = {sp.sstr(n2)} in every episode, so the estimate is a function of T alone",
                sp.factor(g.subs(n2_sym, n2)),
            )
        )
    return steps


def _first_two(rules: RaceRules, which: str) -> tuple[sp.Expr, sp.Expr, list[Step]] | str:
    """E[g], E[g^2] and the steps to them, or the reason there is no closed form."""
    if which == "reinforce":
        g = reinforce_estimate(rules)
        if g is None:
            if rules.goal_value(T_sym) != 0:  # pragma: no cover - no such reward in RaceRules
                return "a reward both per step and at the goal is not derived"
            return per_step_reinforce_moments(rules)
        name = "REINFORCE"
    else:
        g = a2c_estimate(rules)
        if g is None:  # pragma: no cover - A is constant for every RaceRules
            return "A depends on the state, so A2C's estimate is no function of the counts"
        name = "A2C"
    steps = _estimate_steps(rules, name, g)
    law = episode_law(rules)
    return law.expect(g), law.expect(g**2), steps


@lru_cache(maxsize=64)
def mean_estimate(rules: RaceRules, which: str) -> Derivation:
    """p3d.mean.reinforce / p3d.mean.a2c: the estimator's mean, shown equal to p3d.grad."""
    id_ = f"p3d.mean.{which}"
    got = _first_two(rules, which)
    if isinstance(got, str):
        return _not_closed(id_, got)
    mean, _, steps = got
    steps = [*steps, Step("Its mean", mean)]
    grad = gradient(rules).result
    difference = sp.simplify(mean - grad)
    steps.append(Step("Minus the true gradient d E[R] / d lambda", difference))
    if difference != 0:  # pragma: no cover - the policy gradient theorem says this cannot happen
        raise AssertionError(f"{id_}: mean {mean} differs from the gradient {grad}")
    return Derivation(id_, tidy(mean), tuple(steps), DOMAIN)


@lru_cache(maxsize=64)
def var_estimate(rules: RaceRules, which: str) -> Derivation:
    """p3d.var.reinforce / p3d.var.a2c: E[g^2] - E[g]^2."""
    id_ = f"p3d.var.{which}"
    got = _first_two(rules, which)
    if isinstance(got, str):
        return _not_closed(id_, got)
    mean, second, steps = got
    result = tidy(sp.simplify(second - mean**2))  # $\operatorname{Var} = E[g^2] - E[g]^2$
    steps = [
        *steps,
        Step("Its second moment", second),
        Step("Its mean", mean),
        Step("The variance E[g^2] - E[g]^2", result),
    ]
    return Derivation(id_, result, tuple(steps), DOMAIN)


@lru_cache(maxsize=64)
def var_ratio(rules: RaceRules) -> Derivation:
    """p3d.var_ratio: Var REINFORCE / Var A2C."""
    vr, va = var_estimate(rules, "reinforce"), var_estimate(rules, "a2c")
    if vr.result is sp.nan or va.result is sp.nan:
        return _not_closed("p3d.var_ratio", "One of the variances has no closed form here")
    if sp.simplify(va.result) == 0:
        steps = (
            Step("A2C's estimate has variance zero here (its terms vanish)", va.result),
            Step("REINFORCE's variance", vr.result),
        )
        return Derivation("p3d.var_ratio", sp.oo, steps, DOMAIN)
    result = tidy(sp.simplify(vr.result / va.result))
    steps = (
        Step("REINFORCE's variance", vr.result),
        Step("A2C's variance", va.result),
        Step("Their ratio", result),
    )
    return Derivation("p3d.var_ratio", result, steps, DOMAIN)


@lru_cache(maxsize=64)
def prob_decrease_reinforce(rules: RaceRules) -> Derivation:
    r"""p3d.prob_decrease.reinforce: $P(\hat g_{\text{REINFORCE}} < 0)$ for one episode.

    A closed form when one action always advances and the other never does
    (the quiz's rules, or the same with the roles swapped): then the count of
    the advancing action is $N$ in every episode, the estimate is $B(T) = -T$
    times an affine function of the number $K = T - N$ of the other action, and
    $K$ is negative binomial (failures before the $N$-th advance, each step
    advancing with probability $q$): $P(K \le m) = I_q(N, m + 1)$, the
    regularized incomplete beta function.
    """
    id_ = "p3d.prob_decrease.reinforce"
    g = reinforce_estimate(rules)
    if g is None:
        return _not_closed(
            id_,
            "With a reward on every step the sign of REINFORCE's estimate depends on the order of "
            "the actions; its probability is a sum over orders with no closed form here",
        )
    p1, p2 = rules.advance_a1, rules.advance_a2
    if (p1, p2) == (0, 1):  # every a_2 advances, no a_1 does: n_2 = N
        counts = {n2_sym: N_sym, T_sym: N_sym + K_sym}
        other = "a_1"
    elif (p1, p2) == (1, 0):  # every a_1 advances, no a_2 does: n_1 = N, n_2 = K
        counts = {n2_sym: K_sym, T_sym: N_sym + K_sym}
        other = "a_2"
    else:
        return _not_closed(
            id_,
            "Here the count of neither action is fixed, so the event {estimate < 0} is a region "
            "of the joint law of (T, n_2) and its probability is a double sum with no closed form "
            "here",
        )
    g_k = sp.expand(g.subs(counts, simultaneous=True))
    to_go = rules.goal_value(N_sym + K_sym)
    factor = sp.cancel(g_k / to_go)  # the estimate is B(T) * factor
    (threshold,) = sp.solve(sp.Eq(factor, 0), K_sym)
    slope = sp.diff(factor, K_sym)
    slope_sign = _sign(slope, rules)
    steps = [
        Step(f"REINFORCE's estimate with K = T - N actions {other}", sp.factor(g_k)),
        Step("It is B(T) times an affine function of K", factor),
        Step(
            "B(T) = -T < 0, so the estimate is negative exactly when this factor is positive", to_go
        ),
        Step("The factor's slope in K", sp.factor(slope)),
        Step("and its root", tidy(threshold)),
    ]
    if not (-to_go).is_positive or slope_sign is None or _sign(threshold, rules) is not True:
        return _not_closed(id_, "the signs of B(T), the slope or the root are not settled")
    q = rules.advance_prob
    k = sp.Symbol("k", integer=True, nonnegative=True)
    pmf = sp.binomial(N_sym + k - 1, k) * q**N_sym * (1 - q) ** k
    steps.append(
        Step(
            "K is negative binomial: k failures before the N-th advance",
            sp.Eq(_name("P(K = k)"), pmf),
        )
    )
    c = tidy(threshold)
    if slope_sign is False:  # decreasing factor: K < c, i.e. K <= ceil(c) - 1
        result = sp.betainc_regularized(N_sym, sp.ceiling(c), 0, q)
        steps.append(Step("The factor decreases: the event is K < c, i.e. K <= ceil(c) - 1", c))
    else:  # increasing factor: K > c, i.e. not K <= floor(c)
        result = 1 - sp.betainc_regularized(N_sym, sp.floor(c) + 1, 0, q)
        steps.append(Step("The factor increases: the event is K > c, i.e. not K <= floor(c)", c))
    steps.append(
        Step(
            "P(K <= m) = P(at least N advances in N + m actions) = I_q(N, m + 1), the regularized "
            "incomplete beta function",
            sp.Eq(_name(r"P(\hat g < 0)"), result),
        )
    )
    return Derivation(id_, result, tuple(steps), DOMAIN + r",\ \text{(with } B(T) = -T)")
