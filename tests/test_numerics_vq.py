"""numerics.vq: the straight-through layer and codebook SGD on streaming data."""

import numpy as np
import pytest

from numerics.stats import FALSE_ALARM, z_test
from numerics.vq import (
    Mixture,
    codebook_sgd,
    nearest,
    sgd_step,
    straight_through_check,
    vq_forward,
)

MIX = Mixture(np.array([[2.0, 1.0], [-1.0, 3.0], [4.0, 4.0]]), 0.5, np.array([0.3, 0.3, 0.4]))


def test_nearest_is_the_argmin_of_distances():
    rng = np.random.default_rng(0)
    x, E = rng.normal(size=(50, 3)), rng.normal(size=(7, 3))
    brute = [min(range(7), key=lambda k, v=v: float(np.linalg.norm(v - E[k]))) for v in x]
    assert nearest(x, E).tolist() == brute
    assert np.array_equal(vq_forward(x, E).q, E[brute])


@pytest.mark.parametrize("seed", range(3))
def test_straight_through_matches_finite_differences(seed):
    """Backward vs central differences of the smooth stand-in, within the FD error bound."""
    c = straight_through_check(seed)
    assert np.abs(c.x_grad - c.x_grad_fd).max() <= c.fd_error
    assert np.abs(c.E_grad - c.E_grad_fd).max() <= c.fd_error
    # and the accumulation really is prior + q.grad
    assert np.allclose(c.x_grad, c.x_grad_prior + c.q_grad, rtol=0, atol=1e-12)


def test_sgd_step_moves_toward_the_vector():
    e, x = np.array([[0.0, 1.0]]), np.array([[2.0, 3.0]])
    assert np.allclose(sgd_step(e, x, 0.1), [[0.4, 1.4]])


def _residual_tests(run):
    # one z-test per coordinate, false alarms split between them (Bonferroni)
    alpha = FALSE_ALARM / len(run.residual)
    return [z_test(m.mean, m.stderr, 0.0, alpha=alpha) for m in run.residual]


def test_sgd_codewords_settle_at_the_mean_of_their_vectors():
    run = codebook_sgd(MIX, 3, 0.05, 1200, 200, seed=1)
    assert all(t.passed for t in _residual_tests(run))
    assert run.drift < 0.5  # within a few standard deviations of the data (0.5)


def test_a_wrong_update_is_caught():
    """The update without the codeword itself, e <- 2 eta (x - e), leaves e far from its vectors."""
    run = codebook_sgd(MIX, 3, 0.05, 1200, 200, seed=1, update=lambda e, x, eta: 2 * eta * (x - e))
    assert not any(t.passed for t in _residual_tests(run))


def test_same_seed_same_codebook():
    a = codebook_sgd(MIX, 2, 0.1, 100, 5, seed=4)
    b = codebook_sgd(MIX, 2, 0.1, 100, 5, seed=4)
    assert np.array_equal(a.codebook, b.codebook)
