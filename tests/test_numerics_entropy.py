"""numerics.entropy: exact entropies and their sampling estimates on finite supports."""

import math

import numpy as np
import pytest

from numerics.entropy import TERMS, ConditionalModel, FiniteModel, estimate
from numerics.stats import z_test


def _model(seed: int, true_models: bool = False) -> FiniteModel:
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed)))
    return FiniteModel.random(5, 4, rng, true_models=true_models)


@pytest.mark.parametrize("seed", range(4))
def test_exact_identity_and_bound(seed):
    m = _model(seed)
    h = m.exact()
    tol = m.rounding()  # float error of sums of logs
    assert h["H(y)"] == pytest.approx(h["H(z)"] - h["H(z|y)"] + h["H(y|z)"], abs=tol)
    assert h["bound"] >= h["H(y)"] - tol
    tight = _model(seed, true_models=True).exact()
    assert tight["bound"] == pytest.approx(tight["H(y)"], abs=tol)


def test_pointwise_bayes_identity():
    """-ln P(z) + ln P(z|y) - ln P(y|z) equals -ln Pop(y) on every sample."""
    m = _model(7)
    y, z = m.sample(1000, np.random.default_rng(0))
    p = m.probabilities(y, z)
    lhs = TERMS["-ln P(z)"](p) + TERMS["ln P(z|y)"](p) + TERMS["-ln P(y|z)"](p)
    assert np.abs(lhs - TERMS["-ln Pop(y)"](p)).max() <= m.rounding()


def test_sampling_estimates_each_term():
    m = _model(3)
    h = m.exact()
    est = estimate(m, TERMS, 200_000, seed=9)
    pairs = {
        "-ln Pop(y)": h["H(y)"],
        "-ln P(z)": h["H(z)"],
        "ln P(z|y)": -h["H(z|y)"],
        "-ln P(y|z)": h["H(y|z)"],
        "-ln P_Phi(z)": h["CE(z,Phi)"],
        "-ln P_Theta(y|z)": h["CE(y|z,Theta)"],
    }
    for name, exact in pairs.items():
        t = z_test(est[name].mean, est[name].stderr, exact)
        assert t.passed, (name, t)


def test_sampled_bound_is_above_entropy_and_tight_at_true_models():
    def bound(p):
        return TERMS["-ln P_Phi(z)"](p) + TERMS["ln P(z|y)"](p) + TERMS["-ln P_Theta(y|z)"](p)

    m = _model(5)
    h = m.exact()
    b = estimate(m, {"bound": bound}, 100_000, seed=1)["bound"]
    assert z_test(b.mean, b.stderr, h["bound"]).passed
    assert b.mean > h["H(y)"] - 4.9 * b.stderr  # never below H(y) beyond noise
    tight = _model(5, true_models=True)
    t = estimate(tight, {"bound": bound}, 100_000, seed=1)["bound"]
    assert z_test(t.mean, t.stderr, tight.exact()["H(y)"]).passed


def test_sampling_follows_the_distributions():
    m = _model(2)
    y, z = m.sample(100_000, np.random.default_rng(3))
    freq = np.bincount(y * 4 + z, minlength=20).reshape(5, 4) / y.size
    se = np.sqrt(m.joint * (1 - m.joint) / y.size)
    assert (np.abs(freq - m.joint) <= 5.5 * se).all()  # 20 cells, 1e-6 total false alarms


def test_divergences_are_cross_entropy_minus_entropy():
    m = _model(11)
    h, kl = m.exact(), m.divergences()
    assert kl["KL(z)"] == pytest.approx(h["CE(z,Phi)"] - h["H(z)"], abs=m.rounding())
    assert kl["KL(y|z)"] == pytest.approx(h["CE(y|z,Theta)"] - h["H(y|z)"], abs=m.rounding())


def _conditional(seed: int, true_models: bool = False) -> ConditionalModel:
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed)))
    return ConditionalModel.random(3, 4, 3, rng, true_models=true_models)


def test_conditional_entropies_by_enumerating_every_triple():
    """H(y|x) = -sum P(x, y) ln P(y|x), and so on, summed over (x, y, z) directly."""
    m = _conditional(4)
    h = m.exact()
    hy = hz = hzy = 0.0
    for px, w in zip(m.px, m.models, strict=True):
        pz = w.joint.sum(0)
        for y in range(4):
            hy -= px * w.pop[y] * math.log(w.pop[y])
            for z in range(3):
                p = px * w.pop[y] * w.enc[y, z]  # P(x, y, z)
                hzy -= p * math.log(w.enc[y, z])
        hz -= px * float((pz * np.log(pz)).sum())
    assert h["H(y)"] == pytest.approx(hy, abs=m.rounding())
    assert h["H(z)"] == pytest.approx(hz, abs=m.rounding())
    assert h["H(z|y)"] == pytest.approx(hzy, abs=m.rounding())


def test_conditional_sampling_estimates_the_terms_given_x():
    """Sample means of -ln Pop(y|x) and of the bound; one z-test each at 1e-6 false alarms."""
    m = _conditional(6)
    h = m.exact()

    def bound(p):
        return TERMS["-ln P_Phi(z)"](p) + TERMS["ln P(z|y)"](p) + TERMS["-ln P_Theta(y|z)"](p)

    est = estimate(m, {"-ln Pop(y)": TERMS["-ln Pop(y)"], "bound": bound}, 200_000, seed=2)
    pairs = {"-ln Pop(y)": h["H(y)"], "bound": h["CE(z,Phi)"] - h["H(z|y)"] + h["CE(y|z,Theta)"]}
    for name, exact in pairs.items():
        t = z_test(est[name].mean, est[name].stderr, exact)
        assert t.passed, (name, t)
    tight = _conditional(6, true_models=True)
    assert tight.divergences()["KL(z)"] == pytest.approx(0.0, abs=tight.rounding())
