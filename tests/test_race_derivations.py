"""Problem 3(a)-(c): the race's values derived from its rules, against independent routes.

The independent routes (tests/race_exact.py, exact rationals, no derivations):
value iteration on a truncated horizon, its tail bound stated there, and one
step enumerated by hand.  The quiz's own forms are pinned as an instructor
derives them.
"""

from fractions import Fraction

import pytest
import sympy as sp
from race_exact import Spec, value_iteration

from derivations import race
from derivations.race import N, NoClosedForm, RaceRules, RulesError, gamma, i, lam, t

# One xdist worker runs this module and test_policy_gradient.py (--dist loadgroup in
# pyproject.toml): they derive the same rule sets, which then stay in that worker's memory.
pytestmark = pytest.mark.xdist_group("race-derivations")

p = sp.Symbol("p", positive=True)
M = sp.Symbol("M", integer=True, positive=True)
THIRD, HALF = sp.Rational(1, 3), sp.Rational(1, 2)

# Every reward under three discounts (none, a number, a symbol) and three sets of advances.
RULES = [
    RaceRules(a1, a2, reward, discount)
    for reward in ("terminal", "per-step", "success")
    for discount in (sp.Integer(1), HALF, gamma)
    for a1, a2 in ((0, 1), (0, p), (THIRD, p))
]
POINT = {lam: sp.Rational(2, 5), p: sp.Rational(3, 4), gamma: sp.Rational(3, 4)}
STATES = ((0, 0), (1, 2), (2, 5))
GOAL = 3
HORIZON = 160


def rid(rules: RaceRules) -> str:
    return f"{rules.reward}-g{rules.discount}-a1{rules.advance_a1}-a2{rules.advance_a2}"


def spec_of(rules: RaceRules, at: dict, goal: int = GOAL) -> Spec:
    def F(e) -> Fraction:
        return Fraction(str(sp.sympify(e).subs(at)))

    return Spec(
        F(lam), goal, F(rules.advance_a1), F(rules.advance_a2), rules.reward, F(rules.discount)
    )


def exact(expr: sp.Expr, at: dict) -> Fraction:
    """A derived form at an exact point: a rational number."""
    value = expr.subs(at)
    if not value.is_Rational:
        value = sp.cancel(sp.expand(value))
    assert value.is_Rational, value
    return Fraction(int(value.p), int(value.q))


# --------------------------------------------------------------------------- the quiz's rules


def test_quiz_forms():
    """The quiz's own rules: the forms an instructor derives by hand."""
    quiz = race.QUIZ_RULES
    assert sp.simplify(race.series().result - 1 / lam) == 0
    assert sp.simplify(race.value_function().result + (t + (N - i) / lam)) == 0
    assert sp.simplify(race.q_value(quiz, 1).result + (t + 1 + (N - i) / lam)) == 0
    assert sp.simplify(race.q_value(quiz, 2).result + (t + 1 + (N - i - 1) / lam)) == 0
    assert race.advantage(quiz, 1).result == -1
    assert sp.simplify(race.advantage(quiz, 2).result - (1 / lam - 1)) == 0
    assert race.next_state(quiz, 1).result == sp.Tuple(i, t + 1)
    assert race.next_state(quiz, 2).result == sp.Tuple(i + 1, t + 1)
    assert race.last_step_reward().result == -t - 1
    assert race.last_step().result is sp.true


def test_steps_read_as_a_worked_solution():
    """q is introduced before use, the ansatz is stated, and no step names a tool."""
    texts = [s.text for s in race.value_function().steps]
    assert "$q = \\lambda p_{a_2} + (1-\\lambda) p_{a_1}$" in texts[0]  # q defined where it appears
    ansatz = next(k for k, x in enumerate(texts) if "affine in $t$" in x)
    assert all("alpha" not in str(s.expr) for s in race.value_function().steps[:ansatz])
    for d in (race.value_function(), race.series(), race.q_value(race.QUIZ_RULES, 1)):
        for s in d.steps:
            assert "SymPy" not in s.text
            assert "Simplified" not in s.text
            assert not (isinstance(s.expr, sp.Eq) and s.expr.lhs == s.expr.rhs)
    assert race.value_function().checks


# --------------------------------------------------------------------------- every combination


@pytest.mark.parametrize("rules", RULES, ids=rid)
def test_value_q_and_advantage_by_value_iteration(rules):
    V = race.value_function(rules).result
    Q = {a: race.q_value(rules, a).result for a in (1, 2)}
    A = {a: race.advantage(rules, a).result for a in (1, 2)}
    spec = spec_of(rules, POINT)
    for ii, tt in STATES:
        at = {**POINT, N: GOAL, i: ii, t: tt}
        v_h, bound = value_iteration(spec, ii, tt, HORIZON)
        assert bound < 1e-12
        assert abs(float(exact(V, at) - v_h)) <= bound
        for a in (1, 2):
            q_h, qb = value_iteration(spec, ii, tt, HORIZON, first=a)
            assert abs(float(exact(Q[a], at) - q_h)) <= qb
            assert abs(float(exact(A[a], at) - (q_h - v_h))) <= qb + bound


@pytest.mark.parametrize("rules", RULES, ids=rid)
def test_last_step_by_the_geometric_wait(rules):
    """The last step derived straight from the rules agrees with the general Q, and with VI."""
    d = race.last_step(rules)
    assert d.result is sp.true
    direct = [s.expr.rhs for s in d.steps if "agrees with" in s.text]
    assert len(direct) == 2
    spec = spec_of(rules, POINT)
    for a, form in zip((1, 2), direct, strict=True):
        q_h, bound = value_iteration(spec, GOAL - 1, 4, HORIZON, first=a)
        assert abs(float(exact(form, {**POINT, N: GOAL, t: 4}) - q_h)) <= bound


def test_discount_changes_the_advantage_of_a1():
    """With a discount A(a_1) is no longer -1: delaying the terminal cost pays."""
    rules = RaceRules(discount=gamma)
    assert race.advantage(rules, 1).result.free_symbols >= {gamma, t}
    assert race.last_step(rules).result is sp.true


@pytest.mark.parametrize("goal", [3, M])
def test_a_goal_of_its_own(goal):
    rules = RaceRules(advance_a2=p, reward="per-step", discount=HALF, goal=goal)
    general = RaceRules(advance_a2=p, reward="per-step", discount=HALF)
    V, W = race.value_function(rules).result, race.value_function(general).result
    assert sp.simplify(V - W.subs(N, goal)) == 0
    assert N not in V.free_symbols
    if goal == 3:
        spec = spec_of(rules, POINT)
        v_h, bound = value_iteration(spec, 1, 2, HORIZON)
        assert abs(float(exact(V, {**POINT, i: 1, t: 2}) - v_h)) <= bound
        assert "3" in rules.domain


def test_series_is_the_mean_waiting_time():
    for rules in (race.QUIZ_RULES, RaceRules(THIRD, p, "success", gamma)):
        q = rules.advance_prob
        # E[K] by the exact pmf sum at a point, against the derived form
        at = {lam: sp.Rational(2, 5), p: sp.Rational(3, 4)}
        qv = q.subs(at)
        partial = sum(k * qv * (1 - qv) ** (k - 1) for k in range(1, 400))
        assert abs(float(race.series(rules).result.subs(at) - partial)) < 1e-40


# --------------------------------------------------------------------------- one step


@pytest.mark.parametrize("rules", [race.QUIZ_RULES, RaceRules(THIRD, p, "success", gamma)])
def test_one_step_laws_by_enumeration(rules):
    """Next state and last-step reward, their laws and means, against one step written out."""
    for a in (1, 2):
        pa = rules.advance(a)
        law = race.next_state_law(rules, a).result
        expected = {sp.Tuple(i + 1, t + 1): pa, sp.Tuple(i, t + 1): 1 - pa}
        assert {s: pr for pr, s in law} == {s: pr for s, pr in expected.items() if pr != 0}
        assert race.next_state(rules, a).result == sp.Tuple(i + pa, t + 1)
        rewards = race.last_step_reward_law(rules, a).result
        c = -1 if rules.reward == "per-step" else 0
        on_goal = {"terminal": -(t + 1), "success": 1, "per-step": 0}[rules.reward]
        outcomes = {}
        for pr, value in ((pa, c + on_goal), (1 - pa, c)):
            outcomes[value] = outcomes.get(value, 0) + pr
        assert {v: pr for pr, v in rewards} == {v: pr for v, pr in outcomes.items() if pr != 0}
        mean = race.expected_last_step_reward(rules, a).result
        assert sp.simplify(mean - sum(v * pr for v, pr in outcomes.items())) == 0
    assert race.last_step_reward(rules).result == race.expected_last_step_reward(rules, 2).result


# --------------------------------------------------------------------------- bad rules


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"advance_a2": sp.Integer(0)}, "never reached"),
        ({"advance_a2": sp.Rational(3, 2)}, "not a probability"),
        ({"advance_a1": sp.Integer(-1)}, "not a probability"),
        ({"reward": "sometimes"}, "reward must be"),
        ({"advance_a2": lam}, "may not depend"),
        ({"advance_a2": -p}, "must be a probability"),
        ({"discount": sp.Integer(0)}, "must lie in"),
        ({"discount": sp.Rational(3, 2)}, "must lie in"),
        ({"discount": -gamma}, "positive symbol"),
        ({"discount": p, "advance_a2": p}, "of its own"),
        ({"goal": 0}, "positive integer"),
        ({"goal": sp.Rational(3, 2)}, "positive integer"),
        ({"goal": p}, "positive-integer symbol"),
        ({"goal": True}, "number or a symbol"),
    ],
)
def test_inadmissible_rules(kwargs, fragment):
    with pytest.raises(RulesError, match=fragment):
        RaceRules(**kwargs)


def test_positional_rules_still_work():
    assert RaceRules(0, 1, "terminal") == race.QUIZ_RULES
    assert RaceRules(0, 1, "terminal", 1, N) == race.QUIZ_RULES
    assert issubclass(NoClosedForm, Exception)
