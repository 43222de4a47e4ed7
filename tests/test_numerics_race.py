"""numerics.race: the simulated race against values worked out by hand or computed exactly.

Every check is a two-sided z-test at false-alarm rate 1e-6 (|z| <= 4.89), so a
right simulator fails one check with probability 1e-6.  The reference values are
the textbook ones for a geometric number of steps per advance (q = lambda p2 +
(1 - lambda) p1 the chance that a step advances): E[actions to the goal from i]
= (N - i)/q and, by differentiating that in lambda, d/dlambda E[return] =
(N - i)(p2 - p1)/q^2; and, for discounts and the success reward, exact values
from tests/race_exact.py (value iteration and an enumeration of the episodes
with exact rationals, their truncation below 1e-12, far under any standard
error here).  They are inputs of the tests, not something the simulator knows.
"""

from fractions import Fraction

import numpy as np
import pytest
from race_exact import (
    Spec,
    advantage_table,
    bound_constant,
    episode_moments,
    horizon_for,
    value_iteration,
)

from numerics.race import Race, RaceStats, one_step, python_loop, simulate, simulate_pairs
from numerics.stats import (
    Moments,
    critical_z,
    difference,
    power_against,
    samples_needed,
    z_test,
)

EPISODES = 1 << 16


def _value(race: Race, i: int, t: int) -> float:
    q = race.advance_rate
    return -(race.N - i) / q - (t if race.reward == "terminal" else 0)


def _grad(race: Race, i: int) -> float:
    q = race.advance_rate
    return (race.N - i) * (race.advance_a2 - race.advance_a1) / q**2


RACES = [
    Race(0.5, 10),
    Race(0.3, 4, reward="per-step"),
    Race(0.6, 5, advance_a1=0.25, advance_a2=0.8),
    Race(0.45, 3, advance_a1=0.5, advance_a2=0.9, reward="per-step"),
]


@pytest.mark.parametrize("race", RACES)
@pytest.mark.parametrize("start", [(0, 0), (2, 7)])
def test_value_and_reinforce_gradient(race, start):
    s = simulate(race, EPISODES, start=start, seed=11)
    assert s.episodes == EPISODES
    v = z_test(s.ret.mean, s.ret.stderr, _value(race, *start))
    g = z_test(s.reinforce.mean, s.reinforce.stderr, _grad(race, start[0]))
    assert v.passed, v
    assert g.passed, g
    assert s.steps == pytest.approx(s.length.mean * s.episodes)


@pytest.mark.parametrize("race", RACES[1:3])
@pytest.mark.parametrize("action", [1, 2])
def test_forced_first_action_gives_q(race, action):
    """Q(s, a) = r(s, a) + E V(s'): with the value above for V."""
    i, t = race.N - 1, 3  # the last advance: the forced step may end the episode
    s = simulate(race, EPISODES, start=(i, t), first_action=action, seed=12)
    p = race.advance_a2 if action == 2 else race.advance_a1
    r = -1.0 if race.reward == "per-step" else 0.0
    goal = 0.0 if race.reward == "per-step" else -(t + 1.0)
    q = r + p * goal + (1 - p) * _value(race, i, t + 1)
    assert z_test(s.ret.mean, s.ret.stderr, q).passed


def test_quiz_race_a2c_and_negative_updates():
    """The quiz's race at lambda = 1/2 with the advantages -1 and 1/lambda - 1 supplied."""
    race = Race(0.5, 6)
    lam = race.lam

    def adv(i, t, a):
        return np.where(a == 2, 1.0 / lam - 1.0, -1.0)

    s = simulate(race, EPISODES, seed=13, advantage=adv)
    assert s.a2c is not None
    # REINFORCE moves lambda the wrong way on a sizeable share of episodes; A2C never
    assert s.reinforce_negative > 0.1 * s.episodes
    assert s.a2c_negative == 0
    # both estimate the same gradient (difference of independent means)
    other = simulate(race, EPISODES, seed=14)
    est, se = difference(s.a2c, other.reinforce)
    assert z_test(est, se, 0.0).passed
    assert z_test(s.a2c.mean, s.a2c.stderr, _grad(race, 0)).passed
    # and A2C has the smaller variance: s^2 intervals at 4.89 standard errors do not overlap
    gap = s.reinforce.variance - s.a2c.variance
    assert gap > 4.9 * np.hypot(s.reinforce.variance_stderr, s.a2c.variance_stderr)


def test_a2c_sees_the_state_and_time():
    """The caller's advantage receives the visited (i, t, a): A = t gives sum_k score_k t_k."""
    race = Race(0.5, 1)
    seen: list[tuple[int, int]] = []

    def adv(i, t, a):
        seen.append((int(i.max()), int(t.min())))
        return np.zeros(i.shape)

    s = simulate(race, 100, start=(0, 5), seed=1, advantage=adv)
    assert s.a2c is not None
    assert s.a2c.mean == 0.0
    assert all(imax == 0 and tmin >= 5 for imax, tmin in seen)


def test_same_seed_same_numbers_and_chunks_merge():
    race = Race(0.4, 5, advance_a1=0.1, reward="per-step")
    a = simulate(race, 5000, seed=3, chunk=1000, slots=256)
    b = simulate(race, 5000, seed=3, chunk=1000, slots=256)
    assert a == b
    c = simulate(race, 5000, seed=4, chunk=1000, slots=256)
    assert a != c
    # many small chunks estimate the same value as one chunk
    d = simulate(race, 5000, seed=5)
    est, se = difference(a.ret, d.ret)
    assert z_test(est, se, 0.0).passed


def test_merge_of_stats():
    race = Race(0.5, 3)
    a = simulate(race, 300, seed=1)
    b = simulate(race, 200, seed=2)
    m = a + b
    assert m.episodes == 500
    assert m.ret.mean == pytest.approx((300 * a.ret.mean + 200 * b.ret.mean) / 500)
    assert RaceStats() + a == a


@pytest.mark.parametrize("race", [RACES[0], RACES[3]])
def test_python_loop_simulates_the_same_race(race):
    n = 20_000
    steps, rets, grads = python_loop(race, n, start=(1, 2), seed=5)
    assert steps > 0
    loop_ret, loop_grad = Moments.of(rets), Moments.of(grads)
    s = simulate(race, EPISODES, start=(1, 2), seed=6)
    for ours, theirs in [(s.ret, loop_ret), (s.reinforce, loop_grad)]:
        est, se = difference(ours, theirs)
        assert z_test(est, se, 0.0).passed


def test_one_step():
    race = Race(0.5, 4)
    st = one_step(race, (3, 6), 2, 100)
    assert (st.next_i.mean, st.next_i.stderr, st.next_t.mean) == (4.0, 0.0, 7.0)
    assert st.reward.mean == -7.0
    st = one_step(race, (1, 6), 1, 100)
    assert (st.next_i.mean, st.reward.mean) == (1.0, 0.0)
    noisy = Race(0.5, 4, advance_a2=0.3, reward="per-step")
    st = one_step(noisy, (1, 0), 2, 20_000, seed=2)
    assert z_test(st.next_i.mean, st.next_i.stderr, 1.3).passed
    assert st.reward.mean == -1.0


def test_a_one_percent_error_is_caught_at_the_planned_size():
    """The sample-size rule at work: plan n from a pilot's sigma, then a 1% slip fails."""
    race = Race(0.5, 10)
    truth = _value(race, 0, 0)
    pilot = simulate(race, 4096, seed=20)
    n = samples_needed(pilot.ret.std, 0.01 * abs(truth))
    s = simulate(race, n, seed=21)
    assert power_against(s.ret.stderr, 0.01 * truth) >= 0.98  # sigma from a pilot
    assert z_test(s.ret.mean, s.ret.stderr, truth).passed
    assert not z_test(s.ret.mean, s.ret.stderr, 1.01 * truth).passed
    assert not z_test(s.ret.mean, s.ret.stderr, 0.99 * truth).passed


@pytest.mark.parametrize(
    ("kwargs", "start", "first"),
    [
        ({"lam": 1.0, "N": 3}, (0, 0), None),
        ({"lam": 0.5, "N": 0}, (0, 0), None),
        ({"lam": 0.5, "N": 3, "advance_a2": 1.5}, (0, 0), None),
        ({"lam": 0.5, "N": 3, "advance_a2": 0.0}, (0, 0), None),
        ({"lam": 0.5, "N": 3, "reward": "sometimes"}, (0, 0), None),
        ({"lam": 0.5, "N": 3}, (3, 0), None),
        ({"lam": 0.5, "N": 3}, (-1, 0), None),
        ({"lam": 0.5, "N": 3}, (0, 0), 3),
    ],
)
def test_bad_parameters_are_refused(kwargs, start, first):
    with pytest.raises(ValueError, match=r"must|goal|never"):  # noqa: PT012
        race = Race(**kwargs)
        simulate(race, 10, start=start, first_action=first)


@pytest.mark.parametrize("race", RACES)
def test_paired_episodes_estimate_q_and_cut_the_variance(race):
    """Each member of a pair is an episode of the race; the pair shares its draws."""
    i, t = 1, 2
    s = simulate_pairs(race, EPISODES, start=(i, t), seed=15)
    r = -1.0 if race.reward == "per-step" else 0.0

    def after(ii: int) -> float:  # value of the state reached at time t + 1
        if ii >= race.N:
            return 0.0 if race.reward == "per-step" else -(t + 1.0)
        return _value(race, ii, t + 1)

    q = {
        a: r + p * after(i + 1) + (1 - p) * after(i)
        for a, p in ((1, race.advance_a1), (2, race.advance_a2))
    }
    assert z_test(s.q1.mean, s.q1.stderr, q[1]).passed
    assert z_test(s.q2.mean, s.q2.stderr, q[2]).passed
    assert z_test(s.diff.mean, s.diff.stderr, q[1] - q[2]).passed
    # common random numbers cut the variance (by a factor 2 to 6 here, far beyond sampling error)
    assert s.diff.variance < s.q1.variance + s.q2.variance


def test_a_constant_baseline_keeps_the_mean_and_cuts_the_variance():
    race = Race(0.5, 3)
    plain = simulate(race, EPISODES, seed=16)
    based = simulate(race, EPISODES, seed=17, baseline=_value(race, 0, 0))
    assert z_test(based.reinforce.mean, based.reinforce.stderr, _grad(race, 0)).passed
    est, se = difference(based.reinforce, plain.reinforce)
    assert z_test(est, se, 0.0).passed
    # 592 against 2300 here: the gap is hundreds of standard errors of s^2
    assert based.reinforce.variance < 0.5 * plain.reinforce.variance


# --------------------------------------------------------------------------- discounts and success


def _spec(race: Race) -> Spec:
    return Spec(
        Fraction(str(race.lam)), race.N, Fraction(str(race.advance_a1)),
        Fraction(str(race.advance_a2)), race.reward, Fraction(str(race.discount)),
    )  # fmt: skip


DISCOUNTED = [
    Race(0.5, 3, discount=0.8),
    Race(0.4, 3, reward="per-step", discount=0.9),
    Race(0.6, 2, reward="success", discount=0.7),
    Race(0.5, 2, advance_a1=0.3, advance_a2=0.9, reward="per-step", discount=0.8),
    Race(0.5, 3, reward="success"),
]


def _rid(race: Race) -> str:
    return f"{race.reward}-g{race.discount}-p{race.advance_a1},{race.advance_a2}"


@pytest.mark.parametrize("race", DISCOUNTED, ids=_rid)
def test_discounted_returns_and_q_match_value_iteration(race):
    spec = _spec(race)
    for start in ((0, 0), (1, 2)):
        v, bound = value_iteration(spec, *start, 300)
        assert bound < 1e-12
        s = simulate(race, EPISODES, start=start, seed=31)
        assert z_test(s.ret.mean, s.ret.stderr, float(v)).passed
        for action in (1, 2):
            q, _ = value_iteration(spec, *start, 300, first=action)
            f = simulate(race, EPISODES, start=start, first_action=action, seed=32 + action)
            assert z_test(f.ret.mean, f.ret.stderr, float(q)).passed
        pairs = simulate_pairs(race, EPISODES, start=start, seed=35)
        q1, _ = value_iteration(spec, *start, 300, first=1)
        q2, _ = value_iteration(spec, *start, 300, first=2)
        assert z_test(pairs.diff.mean, pairs.diff.stderr, float(q1 - q2)).passed


def _exact_moments(race: Race, which: str, adv: dict | None = None) -> tuple[float, float]:
    spec = _spec(race)
    horizon = horizon_for(spec, bound_constant(spec, which, adv))
    m1, m2, tail = episode_moments(spec, which, horizon, adv)
    assert tail < 1e-12
    return float(m1), float(m2 - m1 * m1)


def _var_test(mom: Moments, exact: float):
    return z_test(mom.variance, mom.variance_stderr, exact)


@pytest.mark.parametrize("race", DISCOUNTED, ids=_rid)
def test_discounted_reinforce_matches_the_enumeration(race):
    """REINFORCE per the discounted policy-gradient theorem: its mean and variance."""
    mean, var = _exact_moments(race, "reinforce")
    s = simulate(race, 1 << 18, seed=41)
    assert z_test(s.reinforce.mean, s.reinforce.stderr, mean).passed
    assert _var_test(s.reinforce, var).passed
    loop_steps, _, grads = python_loop(race, 20_000, seed=42)
    assert loop_steps > 0
    looped = Moments.of(grads)
    assert z_test(looped.mean, looped.stderr, mean).passed


def _table_advantage(table: dict):
    def advantage(i, t, a):
        return np.array(
            [float(table[(int(x), int(y), int(z))]) for x, y, z in zip(i, t, a, strict=True)]
        )

    return advantage


@pytest.mark.parametrize("race", DISCOUNTED[:3], ids=_rid)
def test_a2c_with_exact_advantages_supplied(race):
    """The callable mode, advantages from value iteration in the test: mean and variance."""
    table, err = advantage_table(_spec(race), 200, 400)
    assert err < 1e-12
    mean, var = _exact_moments(race, "a2c", table)
    s = simulate(race, 1 << 15, seed=43, advantage=_table_advantage(table), slots=1 << 12)
    assert z_test(s.a2c.mean, s.a2c.stderr, mean).passed
    assert _var_test(s.a2c, var).passed


@pytest.mark.parametrize(
    "race",
    [Race(0.5, 3), Race(0.5, 2, discount=0.8), Race(0.4, 2, 0.3, 0.9, "per-step", 0.9)],
    ids=_rid,
)
def test_a2c_with_rollout_advantages(race):
    """No derived form: E[G] is A2C's mean, Var(G) - E[C] its variance with the true advantages.

    The variance is z-tested with the conservative standard error of the module
    (se(s_G^2) and se(C-bar) combined as if independent).
    """
    table, _ = advantage_table(_spec(race), 200, 400)
    mean, var = _exact_moments(race, "a2c", table)
    s = simulate(race, 1 << 13, seed=44, advantage="rollout", rollouts=8)
    assert s.a2c_noise is not None
    assert s.a2c_noise.mean > 0  # the rollout noise is real, and it is taken out
    assert z_test(s.a2c.mean, s.a2c.stderr, mean).passed
    est, se = s.a2c_variance()
    assert z_test(est, se, var).passed


@pytest.mark.parametrize("race", [Race(0.5, 3), Race(0.4, 2, 0.3, 0.9, "per-step", 0.9)], ids=_rid)
def test_a2c_mean_alone_from_one_set_of_rollouts(race):
    """Without the second set (``rollout_noise=False``): no noise measured, the mean still
    unbiased (z-tested against value iteration's exact mean at the false-alarm rate)."""
    table, _ = advantage_table(_spec(race), 200, 400)
    mean, _ = _exact_moments(race, "a2c", table)
    s = simulate(race, 1 << 13, seed=46, advantage="rollout", rollouts=4, rollout_noise=False)
    assert s.a2c_noise is None
    assert s.episodes == 1 << 13
    assert z_test(s.a2c.mean, s.a2c.stderr, mean).passed
    with pytest.raises(ValueError, match="rollout mode"):
        s.a2c_variance()


def test_the_rollout_noise_is_taken_out():
    """With one pair per estimate the noise dwarfs A2C's own variance: s_G^2 alone is refuted
    (|z| above ten at this size), s_G^2 - C-bar is not."""
    race = Race(0.5, 3)
    table, _ = advantage_table(_spec(race), 200, 400)
    _, var = _exact_moments(race, "a2c", table)
    s = simulate(race, 1 << 13, seed=45, advantage="rollout", rollouts=1)
    assert not _var_test(s.a2c, var).passed
    est, se = s.a2c_variance()
    assert z_test(est, se, var).passed


def test_rollout_mode_merges_and_keeps_memory_flat():
    race = Race(0.5, 2, discount=0.9)
    a = simulate(race, 3000, seed=5, advantage="rollout", rollouts=4, chunk=1000)
    b = simulate(race, 3000, seed=5, advantage="rollout", rollouts=4, chunk=1000)
    assert a == b
    assert a.episodes == 3000
    assert a.a2c.n == a.a2c_noise.n == 3000
    with pytest.raises(ValueError, match="rollout"):
        simulate(race, 10, advantage="sometimes")
    with pytest.raises(ValueError, match="rollouts"):
        simulate(race, 10, advantage="rollout", rollouts=0)
    with pytest.raises(ValueError, match="rollout mode"):
        simulate(race, 10).a2c_variance()


def test_success_reward_of_one_step():
    race = Race(0.5, 4, reward="success", discount=0.5)
    st = one_step(race, (3, 6), 2, 100)
    assert st.reward.mean == 1.0
    st = one_step(race, (2, 6), 2, 100)
    assert st.reward.mean == 0.0


@pytest.mark.parametrize("discount", [0.0, 1.5, -0.2])
def test_bad_discounts_are_refused(discount):
    with pytest.raises(ValueError, match="discount"):
        Race(0.5, 3, discount=discount)


@pytest.mark.parametrize("race", [Race(0.5, 4), Race(0.4, 3, advance_a1=0.5, reward="per-step")])
def test_histograms_of_the_estimates_match_the_python_loop(race):
    """The binned REINFORCE estimates against the plain loop's own, bin by bin.

    Each bin's share is z-tested as a difference of two independent proportions,
    at a false-alarm rate of 1e-6 shared (Bonferroni) over the bins.
    """
    edges = tuple(np.linspace(-40, 40, 17))
    n = 1 << 15
    s = simulate(race, n, seed=46, edges=edges, chunk=1 << 12)
    assert s.reinforce_hist.n == s.episodes == n
    negative = sum(c for c, lo in zip(s.reinforce_hist.counts, edges, strict=False) if lo < 0)
    assert negative + s.reinforce_hist.below == s.reinforce_negative  # 0 is an edge
    _, _, grads = python_loop(race, n, seed=47)
    loop = np.histogram(grads, bins=np.asarray(edges))[0] / n
    ours = np.asarray(s.reinforce_hist.counts) / n
    se = np.sqrt(ours * (1 - ours) / n + loop * (1 - loop) / n)
    crit = critical_z(1e-6 / len(ours))
    seen = se > 0
    assert np.all(np.abs(ours - loop)[seen] <= crit * se[seen])
    assert np.all(ours[~seen] == loop[~seen])


def test_histograms_in_the_rollout_mode():
    race = Race(0.5, 3)
    edges = (-20.0, -5.0, 0.0, 5.0, 20.0)
    s = simulate(race, 3000, seed=48, advantage="rollout", rollouts=2, edges=edges, chunk=1000)
    assert s.reinforce_hist.n == s.a2c_hist.n == 3000
