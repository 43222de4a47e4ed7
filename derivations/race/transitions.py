r"""One step of the race: the next state, the reward of the last step, and the last step's $Q$.

- :func:`next_state`: the expected next state $(i + p_a, t + 1)$;
  :func:`next_state_law`: its law, $(i + 1, t + 1)$ with probability $p_a$ and
  $(i, t + 1)$ otherwise, as a ``Tuple`` of ``(probability, state)`` pairs.
- :func:`last_step_reward_law`: the reward $R((N-1, t), a)$ of an action one
  advance before the goal, a random variable ($c + B(t+1)$ if the action
  advances, $c$ if not), as ``(probability, value)`` pairs;
  :func:`expected_last_step_reward` its mean; :func:`last_step_reward` is the
  mean for $a_2$ (the quiz's $R((N-1, t), a_2)$), kept under its old name.
- :func:`last_step`: $Q^\pi((N-1, t), a)$ by a route independent of the
  Bellman solution: the reward on arrival, and for an action that does not
  advance the value with one advance to go, summed straight from the geometric
  law of the waiting time for the next advance; compared with the general
  formula for $Q^\pi$ at $i = N - 1$.  All of these are closed forms for every
  reward, discount and goal.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from derivations.core import Derivation, Step
from derivations.race.rules import QUIZ_RULES, RaceRules, i, k, t
from derivations.race.values import ACTION, Bf, Qf, Rf, goal_coefficients, q_sym, q_value

s_next = sp.Symbol("s'")
t_prime = sp.Symbol("t'", integer=True, nonnegative=True)
V_one = sp.Function("V_1")  # the value with one advance to go


def _last_state(rules: RaceRules) -> sp.Tuple:
    return sp.Tuple(rules.goal - 1, t)


def _pairs(pairs: list[tuple[sp.Expr, sp.Basic]]) -> sp.Tuple:
    """(probability, outcome) pairs: equal outcomes merged, impossible ones dropped."""
    merged: dict[sp.Basic, sp.Expr] = {}
    for prob, outcome in pairs:
        merged[outcome] = sp.simplify(merged.get(outcome, 0) + prob)
    return sp.Tuple(*(sp.Tuple(p, o) for o, p in merged.items() if p != 0))


def next_state(rules: RaceRules, action: int) -> Derivation:
    """The next state (i', t') after an action: its expectation when advancing is random."""
    p = rules.advance(action)
    result = sp.Tuple(i + p, t + 1)
    if p == 1:
        text = "The action always advances and one more action is taken"
    elif p == 0:
        text = "The action never advances and one more action is taken"
    else:
        text = (
            f"The action advances with probability ${sp.latex(p)}$, so the next state is "
            "random; one more action is taken, and the expected next state is"
        )
    steps = (Step(text, sp.Eq(s_next, result)),)
    return Derivation(f"p3a.next.a{action}", result, steps, rules.domain)


def law_tex(lhs: str, law: sp.Tuple) -> str:
    """A law as a reader writes it: the value alone when certain, else cases with probabilities."""
    if len(law) == 1:
        return f"{lhs} = {sp.latex(law[0][1])}"
    rows = r" \\ ".join(
        rf"{sp.latex(v)} & \text{{with probability }} {sp.latex(q)}" for q, v in law
    )
    return rf"{lhs} = \begin{{cases}} {rows} \end{{cases}}"


def _advances(action: int, p: sp.Expr) -> str:
    """How the action advances, as the start of a sentence."""
    head = f"Action ${sp.latex(ACTION[action])}$"
    if p == 0:
        return f"{head} never advances, and"
    if p == 1:
        return f"{head} always advances, and"
    return f"{head} advances with probability ${sp.latex(p)}$; either way"


def next_state_law(rules: RaceRules, action: int) -> Derivation:
    """The law of the next state: a Tuple of (probability, state) pairs."""
    p = rules.advance(action)
    result = _pairs([(p, sp.Tuple(i + 1, t + 1)), (1 - p, sp.Tuple(i, t + 1))])
    steps = (
        Step(
            _advances(action, p) + " one more action is taken, so the next state $s'$ is",
            result,
            law_tex("s'", result),
        ),
    )
    return Derivation(f"p3a.next_law.a{action}", result, steps, rules.domain)


def last_reward(rules: RaceRules, action: int) -> sp.Expr:
    """The expected reward of an action one advance before the goal: c + p_a B(t + 1)."""
    return rules.step_reward + rules.advance(action) * rules.goal_reward(t + 1)


@lru_cache(maxsize=64)
def last_step_reward_law(rules: RaceRules, action: int) -> Derivation:
    """R((goal - 1, t), a) as a random variable: a Tuple of (probability, reward) pairs."""
    p, c = rules.advance(action), rules.step_reward
    result = _pairs([(p, c + rules.goal_reward(t + 1)), (1 - p, c)])
    lhs = Rf(_last_state(rules), ACTION[action])
    steps = (
        Step(
            "One advance before the goal, an action earns the reward $c$ of every action, plus "
            f"the goal's reward $B(t + 1)$ if it advances (probability ${sp.latex(p)}$) and so "
            "reaches the goal as the $(t+1)$-th action; here",
            sp.Tuple(sp.Eq(sp.Symbol("c"), c), sp.Eq(Bf(t + 1), rules.goal_reward(t + 1))),
            rf"c = {sp.latex(c)}, \qquad {sp.latex(Bf(t + 1))} = {sp.latex(rules.goal_reward(t + 1))}",
        ),
        Step("So the reward is", result, law_tex(sp.latex(lhs), result)),
    )
    return Derivation(f"p3c.R.last_law.a{action}", result, steps, rules.domain)


@lru_cache(maxsize=64)
def expected_last_step_reward(rules: RaceRules, action: int) -> Derivation:
    """E R((goal - 1, t), a) = c + p_a B(t + 1)."""
    law = last_step_reward_law(rules, action).result
    result = sp.factor(sum((p * v for p, v in law), sp.Integer(0)))
    lhs = Rf(_last_state(rules), ACTION[action])
    p = rules.advance(action)
    if p == 1 or len(law) == 1:
        text = "The reward is certain"
    else:
        text = "Averaging over whether the action advances"
    steps = (*last_step_reward_law(rules, action).steps[:1], Step(text, sp.Eq(lhs, result)))
    return Derivation(f"p3c.R.last.a{action}", result, steps, rules.domain)


def last_step_reward(rules: RaceRules = QUIZ_RULES) -> Derivation:
    """R((N-1, t), a_2): the quiz's last-step reward, its expectation when advancing is random."""
    d = expected_last_step_reward(rules, 2)
    return Derivation("p3c.R.last", d.result, d.steps, d.assumptions)


def _converges(condition: sp.Basic, rules: RaceRules) -> bool:
    """Does a summation's convergence condition hold on the whole domain (0 < q <= 1)?"""
    u, w = sp.Symbol("u", nonnegative=True), sp.Symbol("w", positive=True)
    at = {q_sym: 1 / (1 + u)}
    if rules.discounted_symbolically:
        at[rules.discount] = 1 / (1 + w)
    for rel in condition.args if isinstance(condition, sp.And) else (condition,):
        if rel is sp.true:
            continue
        if not isinstance(rel, sp.StrictLessThan | sp.LessThan):
            return False
        gap = sp.factor(sp.simplify((rel.rhs - rel.lhs).subs(at)))
        if not (gap.is_positive or (isinstance(rel, sp.LessThan) and gap.is_nonnegative)):
            return False
    return True


@lru_cache(maxsize=64)
def _geometric_wait(
    g: sp.Expr, c: sp.Expr, b1: sp.Expr, b0: sp.Expr
) -> tuple[sp.Expr, sp.Expr, sp.Boolean | None]:
    """The series of :func:`one_to_go`, summed: its term, its value, and where it converges
    (None: everywhere).  It depends on the rules only through the discount and the rewards,
    which many variants share, so it is summed once for all of them."""
    earned = c * k if g == 1 else c * (1 - g**k) / (1 - g)  # $c$ on each of the $k$ actions
    term = q_sym * (1 - q_sym) ** (k - 1) * (earned + g ** (k - 1) * (b1 * (t_prime + k) + b0))
    raw = sp.piecewise_fold(sp.summation(sp.expand(term), (k, 1, sp.oo)))
    condition = None
    if isinstance(raw, sp.Piecewise):
        raw, condition = raw.args[0]
    return term, sp.factor(sp.simplify(raw)), condition


@lru_cache(maxsize=64)
def one_to_go(rules: RaceRules) -> tuple[sp.Expr, sp.Expr, str]:
    r"""$V_1(t')$ summed over the geometric waiting time: the term, the sum, the check."""
    term, value, condition = _geometric_wait(
        rules.discount, rules.step_reward, *goal_coefficients(rules)
    )
    check = "The waiting time is finite with probability one and its series converges."
    if condition is not None:
        if not _converges(condition, rules):
            raise AssertionError(f"cannot show convergence: {condition}")  # pragma: no cover
        check = (
            f"The series converges where ${sp.latex(condition)}$, which holds for every "
            "$0 < q \\le 1$"
            + (" and $0 < \\gamma < 1$" if rules.discounted_symbolically else "")
            + "."
        )
    return term, value, check


@lru_cache(maxsize=64)
def last_step(rules: RaceRules = QUIZ_RULES) -> Derivation:
    r"""Do the general formulas for $Q^\pi$ (hence $A^\pi$) hold at $i = N - 1$?

    Derived independently of the Bellman solution: at $(N-1, t)$ an advancing
    action earns $c + B(t + 1)$ and ends the episode; one that does not leads
    to $(N-1, t+1)$, whose value $V_1$ is the expected discounted reward of a
    geometric wait for the last advance, summed directly.
    """
    g, q = rules.discount, rules.advance_prob
    term, v1, convergence = one_to_go(rules)
    last = rules.goal - 1
    gd = g
    steps = [
        Step(
            f"At $i = {sp.latex(last)}$ one advance is left: an action that advances earns "
            "$c + B(t + 1)$ and ends the episode, one that does not leads to "
            f"$({sp.latex(last)}, t + 1)$, still one advance from the goal",
            sp.Eq(
                Qf(sp.Tuple(last, t), sp.Symbol("a")),
                sp.Symbol("c")
                + sp.Symbol("p_a") * Bf(t + 1)
                + gd * (1 - sp.Symbol("p_a")) * V_one(t + 1),
            ),
        ),
        Step(
            "From a state one advance from the goal at time $t'$, the number $K$ of actions up to "
            "the advance has $P(K = k) = q(1-q)^{k-1}$, $q$ the chance that a step advances; each "
            "action earns $c$ and the last also $B(t' + K)$"
            + (", the $j$-th discounted by $\\gamma^{j-1}$" if g != 1 else ""),
            sp.Eq(V_one(t_prime), sp.Sum(term, (k, 1, sp.oo))),
        ),
        Step("Summing the series", sp.Eq(V_one(t_prime), v1)),
    ]
    agree = True
    for action in (1, 2):
        p = rules.advance(action)
        direct = last_reward(rules, action) + (1 - p) * g * v1.subs({t_prime: t + 1, q_sym: q})
        general = q_value(rules, action).result.subs(i, last)
        same = sp.simplify(direct - general) == 0
        agree = agree and same
        lhs = Qf(sp.Tuple(last, t), ACTION[action])
        steps.append(
            Step(
                f"For ${sp.latex(ACTION[action])}$ (advancing with probability ${sp.latex(p)}$) "
                + ("this agrees with" if same else "this differs from")
                + f" the general formula for $Q^\\pi$ at $i = {sp.latex(last)}$",
                sp.Eq(lhs, sp.factor(sp.simplify(direct))),
            )
        )
    result = sp.true if agree else sp.false
    steps.append(
        Step(
            "So the formulas for $Q^\\pi$, and hence for $A^\\pi = Q^\\pi - V^\\pi$, hold at the "
            "last step as well"
            if agree
            else "So the general formulas fail at the last step",
            result,
        )
    )
    return Derivation("p3c.last_step", result, tuple(steps), rules.domain, checks=(convergence,))
