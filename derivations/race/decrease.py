r"""The probability that one REINFORCE episode decreases $\lambda$ (problem 3(d)).

**Closed form** when one action always advances and the other never does (the
quiz's rules, or the roles swapped) and only the goal pays (``terminal`` or
``success``, any discount).  Then the advancing action is taken $N$ times in
every episode, and with $K$ the count of the other, REINFORCE's estimate is
$\gamma^{T-1} B(T)$, a factor of one sign ($-\gamma^{T-1}T < 0$ or
$\gamma^{T-1} > 0$), times an affine function of $K$.  $K$ is negative binomial
(failures before the $N$-th advance, each step advancing with probability $q$),
$P(K \le m) = I_q(N, m + 1)$, so the probability is a regularized incomplete
beta function.

**No closed form** (:class:`~derivations.core.NoClosedForm`, with the reason)
elsewhere: with a reward on every step the estimate depends on the order of the
actions; when neither count is fixed the event is a region of the joint law of
$(T, n_2)$, an infinite double sum.  :func:`prob_decrease_bounds` then gives
exact rational bounds at numeric parameters: the probability of the episodes of
at most ``horizon`` actions that decrease $\lambda$ (enumerated exactly by
dynamic programming over the state and the statistic the sign depends on), and
that plus the probability of the longer episodes.
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

import sympy as sp

from derivations.core import Derivation, NoClosedForm, Step
from derivations.race.domain import name, sign, tidy
from derivations.race.episodes import K_sym, T_sym, n2_sym
from derivations.race.estimators import reinforce_estimate
from derivations.race.rules import N, RaceRules, lam
from derivations.race.signs import score

PER_STEP = (
    "with a reward on every step the sign of REINFORCE's estimate depends on the order of the "
    "actions, so its probability is a sum over orders with no closed form"
)
NOT_FIXED = (
    "the count of neither action is the same in every episode, so the event is a region of the "
    "joint law of (T, n_2) and its probability an infinite double sum with no closed form"
)


@lru_cache(maxsize=64)
def prob_decrease_reinforce(rules: RaceRules) -> Derivation:
    r"""p3d.prob_decrease.reinforce: $P(\hat g_{\text{REINFORCE}} < 0)$ for one episode.

    Raises :class:`~derivations.core.NoClosedForm` outside the closed cases.
    """
    g = reinforce_estimate(rules)
    if g is None:
        raise NoClosedForm(PER_STEP)
    p1, p2 = rules.advance_a1, rules.advance_a2
    if (p1, p2) == (0, 1):  # every a_2 advances, no a_1 does: n_2 = N
        counts, other = {n2_sym: N, T_sym: N + K_sym}, "a_1"
    elif (p1, p2) == (1, 0):  # every a_1 advances, no a_2 does: n_1 = N, n_2 = K
        counts, other = {n2_sym: K_sym, T_sym: N + K_sym}, "a_2"
    else:
        raise NoClosedForm(NOT_FIXED)
    weight = rules.discount ** (T_sym - 1) * rules.goal_reward(T_sym)  # $\gamma^{T-1} B(T)$
    factor = sp.expand(sp.cancel(g / weight).subs(counts, simultaneous=True))
    weight_k = weight.subs(T_sym, N + K_sym)
    positive = rules.reward == "success"  # the weight's sign: gamma^(T-1) > 0, -gamma^(T-1) T < 0
    (threshold,) = sp.solve(sp.Eq(factor, 0), K_sym)
    slope = sp.diff(factor, K_sym)
    slope_sign = sign(slope, rules)
    steps = [
        Step(
            f"REINFORCE's estimate with $K = T - N$ actions ${other}$: only the goal pays, so "
            "every discounted reward-to-go is the same",
            sp.Eq(name(r"\hat g"), sp.factor(weight_k * factor)),
        ),
        Step(
            f"It is ${sp.latex(weight_k)}$, "
            + ("positive" if positive else "negative")
            + ", times an affine function of $K$, so the estimate is negative exactly when this "
            "factor is " + ("negative" if positive else "positive"),
            sp.collect(factor, K_sym, tidy),
        ),
        Step("The factor's slope in $K$ and its root", sp.Tuple(tidy(slope), tidy(threshold))),
    ]
    if slope_sign is None or sign(threshold, rules) is not True:  # pragma: no cover
        raise NoClosedForm("the signs of the slope or the root of the factor are not settled")
    q = rules.advance_prob
    k = sp.Symbol("k", integer=True, nonnegative=True)
    pmf = sp.binomial(N + k - 1, k) * q**N * (1 - q) ** k
    steps.append(
        Step(
            "$K$ is negative binomial: $k$ steps that do not advance before the $N$-th that does",
            sp.Eq(name("P(K = k)"), pmf),
        )
    )
    c = tidy(threshold)
    decreasing = (slope_sign is False) != positive  # the event's side of the root
    if decreasing:  # the event is K < c, i.e. K <= ceil(c) - 1
        result = sp.betainc_regularized(N, sp.ceiling(c), 0, q)
        text = "The event is $K < c$, i.e. $K \\le \\lceil c \\rceil - 1$, with"
    else:  # the event is K > c, i.e. not K <= floor(c)
        result = 1 - sp.betainc_regularized(N, sp.floor(c) + 1, 0, q)
        text = "The event is $K > c$, i.e. not $K \\le \\lfloor c \\rfloor$, with"
    steps.append(Step(text, sp.Eq(sp.Symbol("c"), c)))
    steps.append(
        Step(
            "$P(K \\le m)$ is the chance of at least $N$ advances in $N + m$ steps, "
            "$I_q(N, m + 1)$, the regularized incomplete beta function",
            sp.Eq(name(r"P(\hat g < 0)"), rules.at_goal(result)),
        )
    )
    return Derivation(
        "p3d.prob_decrease.reinforce", rules.at_goal(result), tuple(steps), rules.domain
    )


def prob_decrease_bounds(
    rules: RaceRules, point: dict[sp.Symbol, sp.Expr], horizon: int = 60, max_states: int = 200_000
) -> tuple[Fraction, Fraction]:
    """Exact bounds on P(one REINFORCE episode decreases lambda) at a numeric point.

    ``point`` gives lambda, the goal (if symbolic) and the rules' symbols.  The
    lower bound sums the episodes of at most ``horizon`` actions whose estimate
    is negative; the upper bound adds the probability of every longer episode.
    Raises ValueError when the partial episodes to track exceed ``max_states``
    (a per-step reward under a discount tracks the discounted score sum exactly).
    """

    def F(e: object) -> Fraction:
        return Fraction(str(sp.nsimplify(sp.sympify(e).subs(point))))

    goal = int(rules.goal if rules.goal.is_number else point[rules.goal])
    lv, g = F(lam), F(rules.discount)
    p = {a: F(rules.advance(a)) for a in (1, 2)}
    s = {a: F(score(a, rules).subs(lam, point[lam])) for a in (1, 2)}
    pi = {1: 1 - lv, 2: lv}
    c, per_step = F(rules.step_reward), rules.reward == "per-step"

    def stat(h, a: int, tt: int):
        """What the sign depends on besides (T, n_2), after action a at time tt."""
        if per_step and g != 1:
            return h + s[a] * g**tt  # $Y = \sum_k s_k \gamma^k$
        if per_step:
            return h + (tt if a == 2 else 0)  # the times of the a_2 actions, summed
        return 0

    def estimate(T: int, n2: int, h) -> Fraction:
        S = n2 * s[2] + (T - n2) * s[1]
        if not per_step:
            B = F(rules.goal_reward(sp.Integer(T)))
            return g ** (T - 1) * B * S
        if g == 1:
            weighted = h * s[2] + (T * (T - 1) // 2 - h) * s[1]  # sum_k k s_k
            return c * (T * S - weighted)
        return c * (h - g**T * S) / (1 - g)

    mass: dict[tuple[int, int, object], Fraction] = {(0, 0, 0): Fraction(1)}
    low = Fraction(0)
    for tt in range(horizon):
        new: dict = {}
        for (ii, n2, h), m in mass.items():
            for a in (1, 2):
                for adv, pr in ((1, p[a]), (0, 1 - p[a])):
                    w = m * pi[a] * pr
                    if not w:
                        continue
                    key = (ii + adv, n2 + (a == 2), stat(h, a, tt))
                    if key[0] == goal:
                        if estimate(tt + 1, key[1], key[2]) < 0:
                            low += w
                    else:
                        new[key] = new.get(key, Fraction(0)) + w
        mass = new
        if len(mass) > max_states:
            raise ValueError(f"more than {max_states} partial episodes at {tt + 1} actions")
    return low, low + sum(mass.values(), Fraction(0))
