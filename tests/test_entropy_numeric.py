r"""Problem 1 by sampling: the estimable terms, estimated from samples alone.

On an exact rational world we draw $y \sim \text{Pop}$, $z \sim P_\Psi(z|y)$ with numpy
and average integrands that use only what the quiz lets us compute ($P_\Psi(z|y)$ and
the models).  The sample mean of $n$ draws has standard error $s/\sqrt{n}$; we accept
when $|z| = |\bar f - E f| / \text{se} < 4$, a two-sided false-alarm rate of
$6.3 \times 10^{-5}$ per check.  The exact expectations come from the derivations.
"""

import math
import random

import numpy as np
import pytest
import sympy as sp

from derivations import entropy as E
from tests.entropy_oracle import Tables, bound

N_SAMPLES = 200_000
Z_MAX = 4.0  # two-sided false-alarm rate 2 * (1 - Phi(4)) = 6.3e-5


def tables(world):
    f = np.vectorize(float)
    pop = f(np.array(world.pop, dtype=object))
    enc = f(np.array(world.enc, dtype=object))
    prior = f(np.array(world.prior, dtype=object))
    dec = f(np.array(world.dec, dtype=object))  # dec[j, i] = P_Theta(y_i | z_j)
    return pop, enc, prior, dec


def sample(world, seed):
    pop, enc, _, _ = tables(world)
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    ys = rng.choice(len(pop), size=N_SAMPLES, p=pop)
    u = rng.random(N_SAMPLES)
    zs = (u[:, None] > np.cumsum(enc[ys], axis=1)).sum(axis=1)  # inverse-CDF draw of z | y
    return ys, np.minimum(zs, enc.shape[1] - 1)


def z_score(values, exact):
    mean = float(values.mean())
    se = float(values.std(ddof=1)) / math.sqrt(values.size)
    return mean, se, (mean - exact) / se


@pytest.fixture(scope="module")
def world():
    return E.rational_world(random.Random(2026), 4, 3)


def test_bound_estimated_from_computable_densities(world):
    _, enc, prior, dec = tables(world)
    ys, zs = sample(world, 4)
    # the bound's integrand, evaluated with P_Phi, P_Psi and P_Theta only
    values = -np.log(prior[zs]) + np.log(enc[ys, zs]) - np.log(dec[zs, ys])
    q = Tables.of(world).quantities()
    exact = bound(q, E.QUIZ.replace)
    assert exact == pytest.approx(float(sp.N(world.expectation(E.upper_bound().result), 30)))
    mean, se, z = z_score(values, exact)
    assert abs(z) < Z_MAX, (mean, se, z, exact)
    assert exact - q["H(y)"] == pytest.approx(q["KL(z)"] + q["KL(y|z)"])  # the gap


def test_middle_term_estimated_from_the_encoder(world):
    _, enc, _, _ = tables(world)
    ys, zs = sample(world, 5)
    values = -np.log(enc[ys, zs])  # H(z|y) needs P_Psi(z|y) only
    exact = Tables.of(world).quantities()["H(z|y)"]
    mean, se, z = z_score(values, exact)
    assert abs(z) < Z_MAX, (mean, se, z, exact)
