"""Problem 3(d): exact REINFORCE-vs-A2C analysis, checked against an independent exact oracle."""

from __future__ import annotations

import itertools
from functools import cache

import pytest
import sympy as sp
from pg_oracle import estimate_moments

from derivations.race import N, RaceRules, advantage, lam
from derivations.race import policy_gradient as pg

p = sp.Symbol("p", positive=True)
r = sp.Symbol("r", positive=True)
THIRD, HALF = sp.Rational(1, 3), sp.Rational(1, 2)

QUIZ = RaceRules()
PER_STEP = RaceRules(reward="per-step")
A2_SOMETIMES = RaceRules(advance_a2=p)
A2_SOMETIMES_PER_STEP = RaceRules(advance_a2=p, reward="per-step")
A1_HALF = RaceRules(advance_a1=HALF)
A1_BETTER = RaceRules(advance_a1=p, advance_a2=HALF)
TWO_SYMBOLS_PER_STEP = RaceRules(advance_a1=r, advance_a2=p, reward="per-step")


@cache
def derived(rules: RaceRules) -> dict[str, pg.Derivation]:
    return pg.derive_all(rules)


def score(action: int) -> sp.Expr:
    return sp.diff(sp.log({1: 1 - lam, 2: lam}[action]), lam)


# --------------------------------------------------------------------------- the quiz's rules


def test_quiz_gradient_and_means_in_closed_form():
    d = derived(QUIZ)
    assert sp.simplify(d["p3d.grad"].result - N / lam**2) == 0
    assert sp.simplify(d["p3d.mean.reinforce"].result - N / lam**2) == 0
    assert sp.simplify(d["p3d.mean.a2c"].result - N / lam**2) == 0


def test_quiz_variances_in_closed_form():
    d = derived(QUIZ)
    var_a2c = N / (lam**2 * (1 - lam))
    var_reinforce = N * (N**2 + (6 - 4 * lam) * N + lam**2 - 6 * lam + 6) / (lam**4 * (1 - lam))
    assert sp.simplify(d["p3d.var.a2c"].result - var_a2c) == 0
    assert sp.simplify(d["p3d.var.reinforce"].result - var_reinforce) == 0
    assert sp.simplify(d["p3d.var_ratio"].result - var_reinforce / var_a2c) == 0


def test_quiz_estimates_are_functions_of_T_alone():
    texts = [s.text for s in derived(QUIZ)["p3d.var.reinforce"].steps]
    assert any("function of T alone" in text for text in texts)


@pytest.mark.parametrize("goal", [1, 2])
def test_quiz_moments_by_summing_the_negative_binomial_pmf(goal):
    """E[g] and E[g^2] by summing over K ~ NegBin(N, lambda): episode = N a2 and K a1.

    P(K = k) = C(N + k - 1, k) lambda^N (1 - lambda)^k.
    """
    lv = THIRD
    k = sp.Symbol("k", integer=True, nonnegative=True)
    ways = sp.expand_func(sp.binomial(goal + k - 1, goal - 1))  # a polynomial in k
    T = goal + k
    s1, s2 = score(1).subs(lam, lv), score(2).subs(lam, lv)
    g_reinforce = -T * (goal * s2 + k * s1)  # reward-to-go -T on every action
    A1, A2 = (advantage(QUIZ, a).result.subs(lam, lv) for a in (1, 2))
    g_a2c = goal * s2 * A2 + k * s1 * A1
    d = derived(QUIZ)
    for which, g in (("reinforce", g_reinforce), ("a2c", g_a2c)):
        m1 = _negbin_sum(sp.expand(ways * g), k, lv, goal)
        m2 = _negbin_sum(sp.expand(ways * g**2), k, lv, goal)
        at = {N: goal, lam: lv}
        assert d[f"p3d.mean.{which}"].result.subs(at) == m1
        assert d[f"p3d.var.{which}"].result.subs(at) == m2 - m1**2


@cache
def _power_sum(j: int, ratio: sp.Rational) -> sp.Rational:
    """sum_k k^j ratio^k, summed by SymPy."""
    k = sp.Symbol("k", integer=True, nonnegative=True)
    return sp.summation(k**j * ratio**k, (k, 0, sp.oo))


def _negbin_sum(poly: sp.Expr, k: sp.Symbol, lv: sp.Rational, goal: int) -> sp.Rational:
    """sum_k poly(k) lambda^N (1 - lambda)^k, term by term."""
    terms = sp.Poly(poly, k).terms()
    return lv**goal * sum(c * _power_sum(j, 1 - lv) for (j,), c in terms)


SWAPPED = RaceRules(advance_a1=1, advance_a2=0)  # a1 always advances, a2 never


@pytest.mark.parametrize(("rules", "advancing"), [(QUIZ, 2), (SWAPPED, 1)])
@pytest.mark.parametrize(("goal", "lv"), [(1, HALF), (2, THIRD), (3, sp.Rational(3, 4))])
def test_probability_of_a_decrease_by_enumeration(rules, advancing, goal, lv):
    """Sum the probabilities of the episodes whose REINFORCE update is negative."""
    form = pg.prob_decrease_reinforce(rules).result.subs({N: goal, lam: lv})
    exact = sp.nsimplify(form.rewrite(sp.Integral).doit())
    other = 3 - advancing
    total, horizon = sp.Integer(0), 16
    for extra in range(horizon + 1):  # extra = number of actions that do not advance
        for places in itertools.combinations(range(goal + extra - 1), extra):
            actions = [other if s in places else advancing for s in range(goal + extra - 1)]
            actions.append(advancing)
            T = len(actions)
            update = sum(score(a).subs(lam, lv) * (-T) for a in actions)
            prob = sp.Mul(*(lv if a == 2 else 1 - lv for a in actions))
            if update < 0:
                total += prob
    # Beyond the horizon the update keeps the sign it has at the horizon (affine in K):
    tail_decreases = update < 0
    tail = 1 - sum(
        sp.binomial(goal + e - 1, e)
        * (lv if advancing == 2 else 1 - lv) ** goal
        * (1 - lv if advancing == 2 else lv) ** e
        for e in range(horizon + 1)
    )
    assert exact == total + (tail if tail_decreases else 0)


def test_quiz_probability_of_a_decrease_is_the_incomplete_beta():
    result = derived(QUIZ)["p3d.prob_decrease.reinforce"].result
    assert isinstance(result, sp.betainc_regularized)
    assert result.args[0] == N
    assert result.args[3] == lam


# --------------------------------------------------------------------------- variants, by the oracle


CASES = [
    (QUIZ, {lam: THIRD}),
    (PER_STEP, {lam: sp.Rational(3, 4)}),
    (A2_SOMETIMES, {lam: THIRD, p: HALF}),
    (A2_SOMETIMES_PER_STEP, {lam: HALF, p: sp.Rational(2, 3)}),
    (A1_HALF, {lam: sp.Rational(1, 4)}),
    (A1_BETTER, {lam: HALF, p: sp.Rational(3, 4)}),
    (TWO_SYMBOLS_PER_STEP, {lam: HALF, p: sp.Rational(3, 4), r: THIRD}),
]


@pytest.mark.parametrize(("rules", "at"), CASES, ids=lambda v: getattr(v, "reward", ""))
@pytest.mark.parametrize("goal", [1, 2])
def test_means_and_variances_match_the_oracle(rules, at, goal):
    d = derived(rules)
    point = {**at, N: goal}
    grad = d["p3d.grad"].result.subs(point)
    for which in ("reinforce", "a2c"):
        m1, m2 = estimate_moments(rules, which, goal, at)
        assert m1 == grad, which
        assert d[f"p3d.mean.{which}"].result.subs(point) == m1, which
        assert d[f"p3d.var.{which}"].result.subs(point) == m2 - m1**2, which


def test_means_equal_the_gradient_symbolically():
    for rules in (A2_SOMETIMES, A2_SOMETIMES_PER_STEP, A1_HALF, A1_BETTER):
        d = derived(rules)
        for which in ("reinforce", "a2c"):
            assert sp.simplify(d[f"p3d.mean.{which}"].result - d["p3d.grad"].result) == 0


def test_gradient_is_derived_from_the_value_of_the_start_state():
    d = derived(A2_SOMETIMES)["p3d.grad"]
    # E[R] = -N / (lambda p): T is negative binomial with success probability lambda p.
    assert sp.simplify(d.result - sp.diff(-N / (lam * p), lam)) == 0


def test_without_closed_form_the_result_is_nan_and_the_steps_say_why():
    for rules in (PER_STEP, A2_SOMETIMES, A1_HALF):
        d = derived(rules)["p3d.prob_decrease.reinforce"]
        assert d.result is sp.nan
        assert "no closed form" in d.steps[0].text


def test_equal_advance_probabilities_make_a2c_silent():
    rules = RaceRules(advance_a1=HALF, advance_a2=HALF)
    assert pg.var_estimate(rules, "a2c").result == 0
    assert pg.var_ratio(rules).result == sp.oo
    assert pg.gradient(rules).result == 0


# --------------------------------------------------------------------------- the two yes/no claims


def test_a2c_never_decreases_in_the_quiz_and_its_variants():
    for rules in (QUIZ, PER_STEP, A2_SOMETIMES, A1_HALF, RaceRules(advance_a1=p)):
        d = pg.a2c_never_decreases(rules)
        assert d.result is sp.true
        assert d.witness is None


def test_sigmoid_score_is_the_chain_rule():
    theta_value = sp.log(3)  # lambda = sigmoid(log 3) = 3/4
    sigmoid = 1 / (1 + sp.exp(-pg.theta))
    for action in (1, 2):
        direct = sp.diff(sp.log(QUIZ.policy(action).subs(lam, sigmoid)), pg.theta)
        got = pg.score_theta(action, QUIZ).subs(lam, sp.Rational(3, 4))
        assert sp.simplify(direct.subs(pg.theta, theta_value) - got) == 0


def _term_at(rules: RaceRules, witness: dict) -> sp.Expr:
    action = {pg.a_1: 1, pg.a_2: 2}[witness["action"]]
    point = {lam: witness["lambda"]}
    point.update({s: witness[s.name] for s in rules.parameters})
    for s in rules.parameters:  # the witness is admissible: 0 < p <= 1
        assert 0 < witness[s.name] <= 1
    assert 0 < witness["lambda"] < 1
    sc = score(action)
    if witness["parameter"] == sp.Symbol("theta"):
        sc = sc * lam * (1 - lam)  # d lambda / d theta
    return (sc * advantage(rules, action).result).subs(point)


@pytest.mark.parametrize(
    "rules",
    [A1_BETTER, RaceRules(advance_a1=1, advance_a2=HALF), RaceRules(advance_a1=p, advance_a2=r)],
)
def test_a2c_can_decrease_when_a1_advances_more_often(rules):
    d = pg.a2c_never_decreases(rules)
    assert d.result is sp.false
    assert _term_at(rules, d.witness) < 0


def test_reinforce_can_decrease_in_the_quiz():
    d = derived(QUIZ)["p3d.reinforce_can_decrease"]
    assert d.result is sp.true
    _check_episode(QUIZ, d.witness)


@pytest.mark.parametrize(
    "rules",
    [PER_STEP, A2_SOMETIMES, A1_HALF, A1_BETTER, RaceRules(advance_a1=1, advance_a2=0)],
)
def test_reinforce_can_decrease_in_variants(rules):
    d = pg.reinforce_can_decrease(rules)
    assert d.result is sp.true
    _check_episode(rules, d.witness)


def _check_episode(rules: RaceRules, w: dict) -> None:
    """The witness episode is possible, reaches the goal, has more a2 and a negative update."""
    actions = [{pg.a_1: 1, pg.a_2: 2}[a] for a in w["episode"]]
    flags = list(w["advanced"])
    assert actions.count(2) > actions.count(1)
    assert sum(flags) == w["N"]
    assert flags[-1] == 1
    at = {s: w.get(s.name, 1) for s in rules.parameters}
    for a, adv in zip(actions, flags, strict=True):
        prob = rules.advance(a).subs(at)
        assert (prob if adv else 1 - prob) > 0
    T = len(actions)
    rewards = [rules.step_reward] * T
    rewards[-1] += rules.goal_value(sp.Integer(T))
    update = sum(score(a) * sum(rewards[s:]) for s, a in enumerate(actions)).subs(lam, HALF)
    assert update == w["update"]
    assert update < 0


# --------------------------------------------------------------------------- ranges of new symbols


def test_a2c_sign_under_a_range_for_p():
    rules = RaceRules(advance_a1=HALF, advance_a2=p)
    at_least_half = ((p, sp.Interval(HALF, 1)),)
    assert pg.a2c_never_decreases(rules, at_least_half).result is sp.true
    below_half = ((p, sp.Interval.open(0, HALF)),)
    d = pg.a2c_never_decreases(rules, below_half)
    assert d.result is sp.false
    assert 0 < d.witness["p"] < HALF
    assert _term_at(rules, d.witness) < 0


def test_reinforce_witness_respects_a_range():
    rules = RaceRules(advance_a1=p, advance_a2=HALF)
    d = pg.reinforce_can_decrease(rules, ((p, sp.Interval.open(sp.Rational(1, 5), HALF)),))
    assert d.result is sp.true
    _check_episode(rules, d.witness)


def test_every_a2c_term_is_the_advance_gap_times_a_positive_factor():
    """The sign of A2C's update is the sign of p_{a_2} - p_{a_1}, for lambda and for theta."""
    rules = RaceRules(advance_a1=r, advance_a2=p)
    u, v, w = sp.symbols("u v w", positive=True)
    interior = {lam: 1 / (1 + u), p: 1 / (1 + v), r: 1 / (1 + w)}
    for action in (1, 2):
        term = score(action) * advantage(rules, action).result
        for factor in (term, term * lam * (1 - lam)):  # d/dlambda, then d/dtheta
            ratio = sp.factor(sp.simplify((factor / (p - r)).subs(interior)))
            assert ratio.is_positive, ratio


def test_table_rows_are_exact_and_agree_with_the_forms():
    rows = pg.table_rows(QUIZ, (1, 2), (HALF, THIRD))
    assert len(rows) == 4
    row = rows[1]  # N = 1, lambda = 1/3
    assert row["N"] == 1
    assert row["lambda"] == THIRD
    assert row["p3d.grad"] == 9
    assert row["p3d.var.a2c"] == sp.Rational(27, 2)  # also the oracle's value above
    assert row["p3d.var_ratio"] == row["p3d.var.reinforce"] / row["p3d.var.a2c"]
    # P(decrease) at N = 1: K < (1 - lambda)/lambda = 2, i.e. K in {0, 1}.
    assert row["p3d.prob_decrease.reinforce"] == THIRD + THIRD * (1 - THIRD)
    assert pg.table_rows(PER_STEP, (1,), (HALF,))[0]["p3d.prob_decrease.reinforce"] is sp.nan
