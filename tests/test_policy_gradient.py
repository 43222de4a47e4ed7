"""Problem 3(d): the REINFORCE-vs-A2C analysis, against independent exact routes.

Independent routes: a forward enumeration of the episodes of at most H actions
with exact rationals (tests/race_exact.py, tail bound stated there), A2C's
advantages from value iteration; finite differences of value iteration in
lambda; the negative binomial pmf summed by hand; and, where both apply, the
PGF and the first-step recursion against each other (two derivations).
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction
from functools import cache

import pytest
import sympy as sp
from race_exact import (
    Spec,
    advantage_table,
    bound_constant,
    episode_moments,
    horizon_for,
    value_iteration,
)

from derivations.race import N, NoClosedForm, RaceRules, advantage, estimators, gamma, lam
from derivations.race import policy_gradient as pg
from derivations.race.recursion import estimate_moments

# One xdist worker runs this module and test_race_derivations.py (--dist loadgroup in
# pyproject.toml): they derive the same rule sets, which then stay in that worker's memory.
pytestmark = pytest.mark.xdist_group("race-derivations")

p = sp.Symbol("p", positive=True)
r = sp.Symbol("r", positive=True)
THIRD, HALF = sp.Rational(1, 3), sp.Rational(1, 2)

QUIZ = RaceRules()
PER_STEP = RaceRules(reward="per-step")
A2_SOMETIMES = RaceRules(advance_a2=p)
A2_SOMETIMES_PER_STEP = RaceRules(advance_a2=p, reward="per-step")
A1_HALF = RaceRules(advance_a1=HALF)
A1_BETTER = RaceRules(advance_a1=p, advance_a2=HALF)
SWAPPED = RaceRules(advance_a1=1, advance_a2=0)  # a1 always advances, a2 never


@cache
def derived(rules: RaceRules) -> dict[str, pg.Derivation]:
    return pg.derive_all(rules)


def score(action: int) -> sp.Expr:
    return sp.diff(sp.log({1: 1 - lam, 2: lam}[action]), lam)


def spec_of(rules: RaceRules, goal: int, at: dict) -> Spec:
    def F(e) -> Fraction:
        return Fraction(str(sp.sympify(e).subs(at)))

    return Spec(
        F(lam), goal, F(rules.advance_a1), F(rules.advance_a2), rules.reward, F(rules.discount)
    )


# --------------------------------------------------------------------------- the quiz's rules


def test_quiz_gradient_and_means_in_closed_form():
    d = derived(QUIZ)
    for cid in ("p3d.grad", "p3d.mean.reinforce", "p3d.mean.a2c"):
        assert sp.simplify(d[cid].result - N / lam**2) == 0


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
    """E[g], E[g^2] over K ~ NegBin(N, lambda), the episode being N a_2 and K a_1 in any order."""
    lv = THIRD
    k = sp.Symbol("k", integer=True, nonnegative=True)
    ways = sp.expand_func(sp.binomial(goal + k - 1, goal - 1))
    T = goal + k
    s1, s2 = score(1).subs(lam, lv), score(2).subs(lam, lv)
    g_reinforce = -T * (goal * s2 + k * s1)  # reward-to-go -T on every action
    g_a2c = goal * s2 * (1 / lv - 1) + k * s1 * (-1)  # the quiz's printed advantages
    d = derived(QUIZ)
    for which, g in (("reinforce", g_reinforce), ("a2c", g_a2c)):
        m1 = _negbin_sum(sp.expand(ways * g), k, lv, goal)
        m2 = _negbin_sum(sp.expand(ways * g**2), k, lv, goal)
        at = {N: goal, lam: lv}
        assert d[f"p3d.mean.{which}"].result.subs(at) == m1
        assert d[f"p3d.var.{which}"].result.subs(at) == m2 - m1**2


def _negbin_sum(poly: sp.Expr, k: sp.Symbol, lv: sp.Rational, goal: int) -> sp.Rational:
    """sum_k poly(k) lambda^N (1 - lambda)^k, term by term (each a power series summed)."""
    total = sp.Integer(0)
    for (j,), c in sp.Poly(poly, k).terms():
        total += c * sp.summation(k**j * (1 - lv) ** k, (k, 0, sp.oo))
    return lv**goal * total


# --------------------------------------------------------------------------- every combination


CASES = [
    (QUIZ, {lam: THIRD}),
    (PER_STEP, {lam: sp.Rational(3, 4)}),
    (RaceRules(reward="success"), {lam: HALF}),
    (A2_SOMETIMES, {lam: THIRD, p: HALF}),
    (A2_SOMETIMES_PER_STEP, {lam: HALF, p: sp.Rational(2, 3)}),
    (A1_BETTER, {lam: HALF, p: sp.Rational(3, 4)}),
    (RaceRules(discount=gamma), {lam: HALF, gamma: sp.Rational(3, 4)}),
    (RaceRules(reward="per-step", discount=HALF), {lam: sp.Rational(2, 3)}),
    (RaceRules(reward="success", discount=gamma), {lam: HALF, gamma: sp.Rational(4, 5)}),
    (RaceRules(advance_a1=THIRD, advance_a2=p, discount=HALF), {lam: HALF, p: sp.Rational(3, 4)}),
    (RaceRules(advance_a2=p, reward="success", discount=HALF), {lam: THIRD, p: HALF}),
]


def cid(value) -> str:
    if isinstance(value, RaceRules):
        return f"{value.reward}-g{value.discount}-a1{value.advance_a1}-a2{value.advance_a2}"
    return ""


@pytest.mark.parametrize(("rules", "at"), CASES, ids=cid)
@pytest.mark.parametrize("goal", [1, 2])
def test_moments_by_enumerating_the_episodes(rules, at, goal):
    """Mean and variance of both estimates at an exact point, against the enumeration."""
    spec = spec_of(rules, goal, at)
    values = {"lam": at[lam], "N": goal, **{s.name: v for s, v in at.items() if s != lam}}
    grad = pg.estimator_value(rules, "grad", **values)
    for which in ("reinforce", "a2c"):
        adv = None
        if which == "a2c":
            adv, adv_err = advantage_table(spec, 600, 600)
            assert adv_err < 1e-20
        horizon = horizon_for(spec, bound_constant(spec, which, adv))
        m1, m2, tail = episode_moments(spec, which, horizon, adv)
        assert tail < 1e-12, tail
        mean = pg.estimator_value(rules, f"mean.{which}", **values)
        var = pg.estimator_value(rules, f"var.{which}", **values)
        assert mean == grad
        # the advantages' own errors (< 1e-20, asserted) move A2C's moments by far less
        tol = tail + 1e-15
        assert abs(float(Fraction(str(mean)) - m1)) <= tol, which
        assert abs(float(Fraction(str(var + mean**2)) - m2)) <= tol, which


@pytest.mark.parametrize(
    "rules",
    [QUIZ, PER_STEP, RaceRules(reward="success"), A2_SOMETIMES, A1_HALF, A1_BETTER],
    ids=cid,
)
def test_the_pgf_and_the_recursion_agree(rules):
    """Two derivations of the moments, undiscounted, where the PGF applies: identical forms."""
    for which in ("reinforce", "a2c"):
        route = estimators._moments(rules, which)[0]
        if route != "pgf":
            continue
        m1, m2 = estimate_moments(rules, which)
        mean, var = pg.mean_estimate(rules, which).result, pg.var_estimate(rules, which).result
        assert sp.simplify(m1.expr(N) - mean) == 0
        assert sp.simplify((m2 - m1 * m1).expr(N) - var) == 0


@pytest.mark.parametrize(
    ("rules", "at"),
    [
        (QUIZ, {}),
        (RaceRules(discount=gamma), {gamma: sp.Rational(9, 10)}),
        (RaceRules(THIRD, p, "per-step", HALF), {p: sp.Rational(3, 4)}),
        (RaceRules(0, p, "success", gamma), {p: HALF, gamma: sp.Rational(2, 3)}),
    ],
    ids=cid,
)
def test_gradient_by_finite_differences_of_value_iteration(rules, at):
    """(V(lambda + h) - V(lambda - h)) / 2h from value iteration: error O(h^2) plus the tails."""
    goal, lv, h = 2, sp.Rational(2, 5), sp.Rational(1, 10**6)
    vs = []
    for x in (lv + h, lv - h):
        v, bound = value_iteration(spec_of(rules, goal, {**at, lam: x}), 0, 0, 400)
        assert bound < 1e-30
        vs.append(v)
    fd = (vs[0] - vs[1]) / (2 * Fraction(str(h)))
    grad = pg.gradient(rules).result.subs({**at, N: goal, lam: lv})
    assert abs(float(Fraction(str(sp.nsimplify(grad))) - fd)) < 1e-8


def test_every_mean_is_checked_against_the_gradient():
    for rules in (PER_STEP, RaceRules(discount=gamma), A2_SOMETIMES):
        for which in ("reinforce", "a2c"):
            d = pg.mean_estimate(rules, which)
            assert any("policy-gradient theorem" in c for c in d.checks)


def test_equal_advance_probabilities_make_a2c_silent():
    rules = RaceRules(advance_a1=HALF, advance_a2=HALF)
    assert pg.var_estimate(rules, "a2c").result == 0
    assert pg.var_ratio(rules).result == sp.oo
    assert pg.gradient(rules).result == 0


# --------------------------------------------------------------------------- probability of a decrease


@pytest.mark.parametrize(
    ("rules", "advancing"),
    [(QUIZ, 2), (SWAPPED, 1), (RaceRules(reward="success"), 2), (RaceRules(discount=HALF), 2)],
    ids=cid,
)
@pytest.mark.parametrize(("goal", "lv"), [(1, HALF), (2, THIRD), (3, sp.Rational(3, 4))])
def test_probability_of_a_decrease_by_enumeration(rules, advancing, goal, lv):
    """Sum the probabilities of the episodes whose REINFORCE update is negative."""
    exact = pg.estimator_value(rules, "prob_decrease.reinforce", N=goal, lam=lv)
    other = 3 - advancing
    # exact rationals: each action's score d/dlambda ln pi(a) and probability, at lv
    sc = {a: Fraction(str(score(a).subs(lam, lv))) for a in (1, 2)}
    pi = {2: Fraction(str(lv)), 1: 1 - Fraction(str(lv))}
    g = Fraction(str(rules.discount))
    total, horizon = Fraction(0), 16
    for extra in range(horizon + 1):  # extra = number of actions that do not advance
        T = goal + extra
        for places in itertools.combinations(range(T - 1), extra):
            actions = [other if s in places else advancing for s in range(T - 1)] + [advancing]
            last = {"terminal": -T, "success": 1}[rules.reward]
            update = sum(sc[a] for a in actions) * g ** (T - 1) * last
            if update < 0:
                total += math.prod(pi[a] for a in actions)
    # Beyond the horizon the update keeps the sign it has there (an affine factor in K):
    p_adv = pi[advancing]
    tail = 1 - sum(
        math.comb(goal + e - 1, e) * p_adv**goal * (1 - p_adv) ** e for e in range(horizon + 1)
    )
    assert exact == sp.Rational(total + (tail if update < 0 else 0))


def test_quiz_probability_of_a_decrease_is_the_incomplete_beta():
    result = derived(QUIZ)["p3d.prob_decrease.reinforce"].result
    assert isinstance(result, sp.betainc_regularized)
    assert result.args[0] == N
    assert result.args[3] == lam


@pytest.mark.parametrize("rules", [PER_STEP, A2_SOMETIMES, A1_HALF], ids=cid)
def test_without_closed_form_a_reason_and_exact_bounds(rules):
    with pytest.raises(NoClosedForm) as err:
        pg.prob_decrease_reinforce(rules)
    assert "no closed form" in err.value.reason
    assert "p3d.prob_decrease.reinforce" not in derived(rules)
    point = {lam: HALF, **{s: sp.Rational(3, 4) for s in rules.parameters}}
    lo, hi = pg.prob_decrease_bounds(rules, {**point, N: 2}, horizon=40)
    assert 0 < lo <= hi < lo + Fraction(1, 10**6)


@pytest.mark.parametrize("discount", [sp.Integer(1), HALF])
def test_bounds_by_listing_every_short_episode(discount):
    """Per-step rewards: the lower bound is the sum over the episodes of at most H actions
    whose update, computed from its definition, is negative (quiz rules, N = 2, H = 12)."""
    rules, goal, horizon, lv = RaceRules(reward="per-step", discount=discount), 2, 12, THIRD
    s = {1: score(1).subs(lam, lv), 2: score(2).subs(lam, lv)}
    total = sp.Integer(0)
    for T in range(goal, horizon + 1):
        for actions in itertools.product((1, 2), repeat=T):
            if actions.count(2) != goal or actions[-1] != 2:
                continue
            update = sum(
                s[a] * sum(-(discount**k) for k in range(j, T)) for j, a in enumerate(actions)
            )
            if update < 0:
                total += sp.Mul(*(lv if a == 2 else 1 - lv for a in actions))
    lo, hi = pg.prob_decrease_bounds(rules, {lam: lv, N: goal}, horizon=horizon)
    assert lo == Fraction(int(total.p), int(total.q))
    assert hi > lo


def test_bounds_bracket_the_closed_form():
    lo, hi = pg.prob_decrease_bounds(QUIZ, {lam: THIRD, N: 2}, horizon=60)
    exact = Fraction(str(pg.estimator_value(QUIZ, "prob_decrease.reinforce", N=2, lam=THIRD)))
    assert lo <= exact <= hi


# --------------------------------------------------------------------------- the yes/no claims


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
    """The witness's score-times-advantage term, recomputed at its point (state included)."""
    action = {pg.a_1: 1, pg.a_2: 2}[witness["action"]]
    point = {lam: witness["lambda"]}
    point.update({s: witness[s.name] for s in rules.parameters})
    for s in rules.probabilities:
        assert 0 < witness[s.name] <= 1
    assert 0 < witness["lambda"] < 1
    sc = score(action)
    if witness["parameter"] == sp.Symbol("theta"):
        sc = sc * lam * (1 - lam)  # d lambda / d theta
    state = {pg.i_sym: witness.get("i", 0), pg.t_sym: witness.get("t", 0), N: witness.get("N", 2)}
    return (sc * advantage(rules, action).result).subs({**point, **state})


@pytest.mark.parametrize(
    "rules",
    [
        A1_BETTER,
        RaceRules(advance_a1=1, advance_a2=HALF),
        RaceRules(advance_a1=p, advance_a2=r),
        RaceRules(discount=gamma),
    ],
    ids=cid,
)
def test_a2c_can_decrease(rules):
    d = pg.a2c_never_decreases(rules)
    assert d.result is sp.false
    assert _term_at(rules, d.witness) < 0


def _q_by_value_iteration(rules, at, goal, state, action) -> Fraction:
    q, bound = value_iteration(spec_of(rules, goal, at), *state, 300, first=action)
    assert bound < 1e-30
    return q


@pytest.mark.parametrize(
    ("rules", "better"),
    [
        (QUIZ, 2),
        (PER_STEP, 2),
        (RaceRules(advance_a1=1, advance_a2=HALF), 1),  # a1 always advances, a2 half the time
        (RaceRules(advance_a1=1, advance_a2=p), 1),
        (RaceRules(advance_a1=1, advance_a2=p, reward="per-step", discount=gamma), 1),
        (RaceRules(advance_a2=p, reward="success", discount=HALF), 2),
    ],
    ids=cid,
)
def test_a2c_moves_toward_the_better_action(rules, better):
    d = pg.a2c_toward_better(rules)
    assert d.result is sp.true
    word = "$a_2$: A2C increases" if better == 2 else "$a_1$: A2C decreases"
    assert word in d.steps[-1].text
    at = {lam: THIRD, **{s: sp.Rational(3, 4) for s in rules.parameters}}
    for state in ((0, 0), (1, 3)):  # the better action by value iteration, independently
        q = {a: _q_by_value_iteration(rules, at, 2, state, a) for a in (1, 2)}
        assert (q[2] > q[1]) == (better == 2)


def test_a2c_toward_better_depends_on_the_rules_symbols():
    rules = RaceRules(advance_a1=HALF, advance_a2=p)
    d = pg.a2c_toward_better(rules)
    assert d.result is sp.true
    assert "exactly where" in d.steps[-1].text


def test_a2c_toward_better_holds_state_by_state_under_a_discounted_terminal_cost():
    """Delaying a cost pays under a discount: a_1 is better late, a_2 early; A2C follows each."""
    rules = RaceRules(discount=gamma)
    d = pg.a2c_toward_better(rules)
    assert d.result is sp.true
    assert any("depends on the state" in s.text for s in d.steps)
    at = {lam: HALF, gamma: sp.Rational(3, 4)}  # the better action by value iteration
    early = {a: _q_by_value_iteration(rules, at, 1, (0, 0), a) for a in (1, 2)}
    late = {a: _q_by_value_iteration(rules, at, 1, (0, 4), a) for a in (1, 2)}
    assert early[2] > early[1]
    assert late[1] > late[2]


def test_reinforce_can_decrease_in_the_quiz():
    d = derived(QUIZ)["p3d.reinforce_can_decrease"]
    assert d.result is sp.true
    _check_episode(QUIZ, d.witness)


@pytest.mark.parametrize(
    "rules",
    [
        PER_STEP,
        A2_SOMETIMES,
        A1_HALF,
        A1_BETTER,
        SWAPPED,
        RaceRules(reward="success"),
        RaceRules(discount=gamma),
        RaceRules(reward="per-step", discount=HALF, goal=4),
    ],
    ids=cid,
)
def test_reinforce_can_decrease_in_variants(rules):
    d = pg.reinforce_can_decrease(rules)
    assert d.result is sp.true
    _check_episode(rules, d.witness)


def _check_episode(rules: RaceRules, w: dict) -> None:
    """The witness episode is possible, reaches the goal and has a negative update."""
    actions = [{pg.a_1: 1, pg.a_2: 2}[a] for a in w["episode"]]
    flags = list(w["advanced"])
    assert sum(flags) == w["N"]
    assert flags[-1] == 1
    at = {s: w.get(s.name, 1) for s in rules.probabilities}
    for a, adv in zip(actions, flags, strict=True):
        prob = rules.advance(a).subs(at)
        assert (prob if adv else 1 - prob) > 0
    g = w.get(str(rules.discount), rules.discount)
    T = len(actions)
    c = -1 if rules.reward == "per-step" else 0
    rewards = [c] * T
    rewards[-1] += {"terminal": -T, "success": 1, "per-step": 0}[rules.reward]
    update = sum(
        score(a) * sum(g**k * rewards[k] for k in range(s, T)) for s, a in enumerate(actions)
    ).subs(lam, HALF)
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
    """Undiscounted, the sign of A2C's update is the sign of p_{a_2} - p_{a_1}."""
    rules = RaceRules(advance_a1=r, advance_a2=p)
    u, v, w = sp.symbols("u v w", positive=True)
    interior = {lam: 1 / (1 + u), p: 1 / (1 + v), r: 1 / (1 + w)}
    for action in (1, 2):
        term = score(action) * advantage(rules, action).result
        for factor in (term, term * lam * (1 - lam)):  # d/dlambda, then d/dtheta
            ratio = sp.factor(sp.simplify((factor / (p - r)).subs(interior)))
            assert ratio.is_positive, ratio


# --------------------------------------------------------------------------- exact values


def test_table_rows_are_exact_and_agree_with_the_forms():
    rows = pg.table_rows(QUIZ, (1, 2), (HALF, THIRD))
    assert len(rows) == 4
    row = rows[1]  # N = 1, lambda = 1/3
    assert row["N"] == 1
    assert row["lambda"] == THIRD
    assert row["p3d.grad"] == 9
    assert row["p3d.var.a2c"] == sp.Rational(27, 2)
    assert row["p3d.var_ratio"] == row["p3d.var.reinforce"] / row["p3d.var.a2c"]
    # P(decrease) at N = 1: K < (1 - lambda)/lambda = 2, i.e. K in {0, 1}.
    assert row["p3d.prob_decrease.reinforce"] == THIRD + THIRD * (1 - THIRD)
    assert pg.table_rows(PER_STEP, (1,), (HALF,))[0]["p3d.prob_decrease.reinforce"] is None


def test_estimator_value_names_what_it_needs():
    # Var REINFORCE = 1188 and Var A2C = 27/2 at N = 1, lambda = 1/3 (the quiz's forms)
    assert pg.estimator_value(QUIZ, "var_ratio", N=1, lam=Fraction(1, 3)) == 88
    assert pg.estimator_value(RaceRules(reward="success"), "var_ratio", N=2, lam=0.5) == sp.oo
    with pytest.raises(ValueError, match="gamma"):
        pg.estimator_value(RaceRules(discount=gamma), "grad", N=2, lam=0.5)
    with pytest.raises(NoClosedForm):
        pg.estimator_value(PER_STEP, "prob_decrease.reinforce", N=2, lam=0.5)
