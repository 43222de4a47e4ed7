"""Problem 3's closed forms, derived from the rules, checked against what is known by hand
and against a second, independent route (the series of actions per advance)."""

from fractions import Fraction

import pytest
import sympy as sp

from derivations import race
from derivations.race import N, RaceRules, RulesError, i, lam, t

p = sp.Symbol("p", positive=True)
VARIANTS = [
    race.QUIZ_RULES,
    RaceRules(advance_a2=p),
    RaceRules(advance_a1=sp.Rational(1, 2)),
    RaceRules(reward="per-step"),
    RaceRules(advance_a1=sp.Rational(1, 3), advance_a2=p, reward="per-step"),
]


def test_quiz_forms():
    # The quiz's own rules: the forms an instructor derives by hand.
    assert sp.simplify(race.series().result - 1 / lam) == 0
    assert sp.simplify(race.value_function().result + (t + (N - i) / lam)) == 0
    assert sp.simplify(race.q_value(race.QUIZ_RULES, 1).result + (t + 1 + (N - i) / lam)) == 0
    assert sp.simplify(race.q_value(race.QUIZ_RULES, 2).result + (t + 1 + (N - i - 1) / lam)) == 0
    assert race.advantage(race.QUIZ_RULES, 1).result == -1
    assert sp.simplify(race.advantage(race.QUIZ_RULES, 2).result - (1 / lam - 1)) == 0
    assert race.next_state(race.QUIZ_RULES, 1).result == sp.Tuple(i, t + 1)
    assert race.next_state(race.QUIZ_RULES, 2).result == sp.Tuple(i + 1, t + 1)
    assert race.last_step_reward().result == -t - 1
    assert race.last_step().result is sp.true


@pytest.mark.parametrize("rules", VARIANTS, ids=lambda r: r.describe())
def test_value_agrees_with_the_series_route(rules):
    # Route 2: T = t + (N - i) * (actions per advance); the reward is -T or -(T - t).
    per_advance = race.series(rules).result
    remaining = (N - i) * per_advance
    by_series = -(t + remaining) if rules.reward == "terminal" else -remaining
    assert sp.simplify(race.value_function(rules).result - by_series) == 0


@pytest.mark.parametrize("rules", VARIANTS, ids=lambda r: r.describe())
def test_value_satisfies_bellman_and_goal(rules):
    V = race.value_lambda(rules)
    q, c = rules.advance_prob, rules.step_reward
    assert sp.simplify(V(i, t) - (c + q * V(i + 1, t + 1) + (1 - q) * V(i, t + 1))) == 0
    assert sp.simplify(V(N, t) - rules.goal_value(t)) == 0
    assert race.last_step(rules).result is sp.true


def _expected_actions_exact(q: Fraction, advances: int, horizon: int = 400) -> Fraction:
    """E[actions to make `advances` advances], summing the negative binomial to a horizon."""
    total = Fraction(0)
    dist = {0: Fraction(1)}  # advances made -> probability, after each action
    for step in range(1, horizon + 1):
        new = {}
        for a, pr in dist.items():
            new[a + 1] = new.get(a + 1, 0) + pr * q
            new[a] = new.get(a, 0) + pr * (1 - q)
        total += step * new.pop(advances, 0)
        dist = new
    return total


def test_numeric_spot_check_against_exact_enumeration():
    # lambda = 1/2, N = 3 from (0, 2): E[T] = 2 + 3 / (1/2) = 8, enumerated exactly.
    value = race.value_function().result.subs({lam: sp.Rational(1, 2), N: 3, i: 0, t: 2})
    enumerated = 2 + _expected_actions_exact(Fraction(1, 2), 3)
    assert abs(float(-value) - float(enumerated)) < 1e-12


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"advance_a2": sp.Integer(0)}, "never reached"),
        ({"advance_a2": sp.Rational(3, 2)}, "not a probability"),
        ({"advance_a1": sp.Integer(-1)}, "not a probability"),
        ({"reward": "sometimes"}, "reward must be"),
        ({"advance_a2": lam}, "may not depend"),
        ({"advance_a2": -p}, "must be a probability"),
    ],
)
def test_inadmissible_rules(kwargs, fragment):
    with pytest.raises(RulesError, match=fragment):
        RaceRules(**kwargs)
