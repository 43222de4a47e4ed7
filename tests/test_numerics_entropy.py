"""numerics.entropy: exact entropies and their sampling estimates on finite supports."""

import numpy as np
import pytest

from numerics.entropy import TERMS, FiniteModel, estimate
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
