r"""The straight-through rule on a small numpy VQ layer, against finite differences.

Forward: $q = e(\text{nearest}_E(x))$.  Backward (the rule under test):
$x.\text{grad} \mathrel{+}= q.\text{grad}$.  The straight-through surrogate is
$\tilde q(x') = x' + (e - x)$ with the offset held fixed; central differences of
$f(\tilde q(x'))$ at $x' = x$ must match $x.\text{grad}$.  Deterministic: the
central-difference error is $O(h^2 f''')$ plus rounding $O(\epsilon_{\text{mach}}/h)$,
about $10^{-10}$ for $h = 10^{-5}$ and these smooth losses; the tolerance is $10^{-7}$.
"""

import numpy as np
import pytest

H = 1e-5
TOL = 1e-7


class VQLayer:
    """Nearest-codeword quantizer with the straight-through backward rule."""

    def __init__(self, codebook: np.ndarray):
        self.codebook = codebook

    def nearest(self, x: np.ndarray) -> int:
        return int(np.argmin(np.linalg.norm(self.codebook - x, axis=1)))

    def forward(self, x: np.ndarray) -> np.ndarray:
        return self.codebook[self.nearest(x)].copy()

    @staticmethod
    def backward(x_grad: np.ndarray, q_grad: np.ndarray) -> np.ndarray:
        return x_grad + q_grad  # x.grad += e(nearest_E(x)).grad


def downstream(q: np.ndarray, w: np.ndarray) -> float:
    """A smooth decoder loss standing in for ||y - y_Phi(q)||^2."""
    return float(np.sum(np.sin(q) * w) + 0.5 * np.sum(q**2))


def downstream_grad(q: np.ndarray, w: np.ndarray) -> np.ndarray:
    return np.cos(q) * w + q


def central_difference(f, x: np.ndarray) -> np.ndarray:
    g = np.zeros_like(x)
    for i in range(x.size):
        d = np.zeros_like(x)
        d[i] = H
        g[i] = (f(x + d) - f(x - d)) / (2 * H)
    return g


@pytest.fixture
def setup():
    rng = np.random.default_rng(np.random.SeedSequence(31230))
    codebook = rng.normal(size=(8, 4))
    x = rng.normal(size=4)
    w = rng.normal(size=4)
    return VQLayer(codebook), x, w


def test_straight_through_matches_finite_differences(setup):
    layer, x, w = setup
    q = layer.forward(x)
    x_grad = layer.backward(np.zeros_like(x), downstream_grad(q, w))
    offset = q - x  # held fixed: the stop-gradient
    fd = central_difference(lambda xp: downstream(xp + offset, w), x)
    assert np.max(np.abs(x_grad - fd)) < TOL


def test_true_derivative_is_zero_off_the_boundaries(setup):
    layer, x, w = setup
    fd = central_difference(lambda xp: downstream(layer.forward(xp), w), x)
    assert np.all(fd == 0.0)  # piecewise constant: why a surrogate is needed


def test_accumulation_keeps_the_commitment_gradient(setup):
    layer, x, w = setup
    beta = 0.25
    q = layer.forward(x)
    e = q.copy()
    commitment_grad = 2 * beta * (x - e)  # gradient of beta ||x - sg(e)||^2
    accumulated = layer.backward(commitment_grad, downstream_grad(q, w))
    overwritten = downstream_grad(q, w)  # what "x.grad = e.grad" would leave
    offset = q - x
    fd = central_difference(
        lambda xp: downstream(xp + offset, w) + beta * float(np.sum((xp - e) ** 2)), x
    )
    assert np.max(np.abs(accumulated - fd)) < TOL
    assert np.max(np.abs(overwritten - fd)) > 1e-3
