"""numerics.vq: the straight-through layer and codebook SGD on streaming data."""

import numpy as np
import pytest

from numerics.stats import FALSE_ALARM, z_test
from numerics.vq import (
    Mixture,
    codebook_sgd,
    ema_by_definition,
    nearest,
    sgd_step,
    straight_through_check,
    stream_codebook,
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
@pytest.mark.parametrize(("beta", "weight"), [(0.25, 1.0), (1.5, 0.5), (0.0, 3.0)])
def test_backward_matches_finite_differences(seed, beta, weight):
    """Backward vs central differences of (3) and of c||x - e||^2, within the FD error bound."""
    c = straight_through_check(seed, beta=beta, codebook_weight=weight)
    assert np.abs(c.x_grad - c.x_grad_fd).max() <= c.fd_error
    assert np.abs(c.E_grad - c.E_grad_fd).max() <= c.fd_error


def test_sgd_step_moves_toward_the_vector():
    e, x = np.array([[0.0, 1.0]]), np.array([[2.0, 3.0]])
    assert np.allclose(sgd_step(e, x, 0.1), [[0.4, 1.4]])  # e + 0.2 (x - e)
    assert np.allclose(sgd_step(e, x, 0.1, codebook_weight=0.5), [[0.2, 1.2]])  # e + 0.1 (x - e)


def test_the_ema_of_a_constant_stream_is_geometric():
    """Every vector v: e_n = d^n e_0 + (1 - d^n) v, the geometric sum of the weights."""
    start, v, d = np.array([[5.0, -1.0]]), np.array([1.0, 2.0]), 0.8
    books = ema_by_definition(start, np.tile(v, (12, 1)), d)
    for n in range(1, 13):
        assert np.allclose(books[n - 1, 0], d**n * start[0] + (1 - d**n) * v)


def test_the_ema_follows_each_codewords_own_vectors():
    """Two far clusters: each codeword averages only its own cluster's vectors."""
    start = np.array([[0.0, 0.0], [10.0, 10.0]])
    stream = np.array([[1.0, 0.0], [9.0, 10.0], [0.0, 1.0], [11.0, 10.0]])
    books = ema_by_definition(start, stream, 0.5)
    # codeword 0 saw (1, 0) then (0, 1): 0.25 e_0 + 0.25 (1, 0) + 0.5 (0, 1)
    assert np.allclose(books[-1, 0], [0.25, 0.5])
    assert np.allclose(books[-1, 1], [0.25 * 10 + 0.25 * 9 + 0.5 * 11, 10.0])


def test_streaming_sgd_at_rate_half_copies_each_vector():
    """At 2 c eta = 1 SGD sets the nearest codeword to the vector itself."""
    start = np.array([[0.0, 0.0], [10.0, 10.0]])
    stream = np.array([[1.0, 2.0], [9.0, 8.0]])
    books = stream_codebook(start, stream, lambda e, x: sgd_step(e[None], x[None], 0.5)[0])
    assert np.array_equal(books[-1], stream)


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
