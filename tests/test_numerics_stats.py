"""numerics.stats: exact merges, standard errors and the sizing of a z-test."""

import math

import numpy as np
import pytest

from numerics.stats import (
    FALSE_ALARM,
    Moments,
    critical_z,
    deviation_caught,
    difference,
    power_against,
    samples_needed,
    z_test,
)


def _rng(seed: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed)))


@pytest.mark.parametrize("cuts", [(1,), (3, 500), (10, 11, 900)])
def test_merge_equals_one_pass(cuts):
    """Merged summaries equal the summary of the whole sample up to rounding."""
    x = _rng(1).gamma(2.0, 3.0, size=1000) + 100.0  # skewed, offset
    whole = Moments.of(x)
    merged = Moments()
    for part in np.split(x, cuts):
        merged = merged + Moments.of(part)
    assert merged.n == whole.n
    for a, b in [
        (merged.mean, whole.mean),
        (merged.m2, whole.m2),
        (merged.m3, whole.m3),
        (merged.m4, whole.m4),
    ]:
        # relative rounding: a few hundred ulps of sums over 1000 terms
        assert a == pytest.approx(b, rel=1e-10, abs=1e-9 * abs(whole.m2))


def test_of_counts_equals_of():
    x = _rng(2).integers(0, 7, size=500)
    vals, counts = np.unique(x, return_counts=True)
    a, b = Moments.of(x), Moments.of_counts(vals, counts)
    assert a.n == b.n
    assert a.mean == pytest.approx(b.mean, rel=1e-12)
    assert a.m4 == pytest.approx(b.m4, rel=1e-10)


def test_empty_merges_are_identities():
    m = Moments.of([1.0, 2.0, 4.0])
    assert m + Moments() == m
    assert Moments() + m == m


def test_variance_stderr_is_calibrated():
    """The variance of N(0, 4) samples: |s^2 - 4| / se(s^2) within the 1e-6 critical value."""
    x = _rng(3).normal(0.0, 2.0, size=200_000)
    m = Moments.of(x)
    # for a normal sample Var(s^2) = 2 sigma^4 / (n - 1): the estimate must agree to 1%
    assert m.variance_stderr == pytest.approx(math.sqrt(2 * 16 / (m.n - 1)), rel=0.01)
    assert z_test(m.variance, m.variance_stderr, 4.0).passed


def test_critical_value_and_sample_size_rule():
    assert critical_z(FALSE_ALARM) == pytest.approx(4.891638, abs=1e-5)
    sigma, claim = 3.0, 20.0
    n = samples_needed(sigma, 0.01 * claim)
    # at that size a 1% offset is caught with probability >= 0.99, one fewer is not enough
    assert power_against(sigma / math.sqrt(n), 0.01 * claim) >= 0.99
    assert power_against(sigma / math.sqrt(n - 1), 0.01 * claim) < 0.99


@pytest.mark.parametrize("alpha", [FALSE_ALARM, FALSE_ALARM / 2, 0.05])
def test_the_deviation_caught_is_where_the_power_reaches_099(alpha):
    """deviation_caught inverts the power curve (power_against, computed apart)."""
    se = 0.37
    d = deviation_caught(se, alpha=alpha)
    assert power_against(se, d, alpha=alpha) == pytest.approx(0.99, abs=1e-9)
    assert power_against(se, 0.99 * d, alpha=alpha) < 0.99


def test_z_test_decisions():
    t = z_test(10.0, 0.5, 12.0)
    assert t.z == pytest.approx(-4.0)
    assert t.passed  # |z| = 4 < 4.89
    assert not z_test(10.0, 0.5, 13.0).passed
    # no spread: only equality up to float tolerance passes
    assert z_test(1.0, 0.0, 1.0 + 1e-13).passed
    assert not z_test(1.0, 0.0, 1.001).passed
    assert not z_test(math.nan, 1.0, 0.0).passed


def test_difference_of_independent_means():
    a, b = Moments.of([1.0, 2.0, 3.0]), Moments.of([0.0, 2.0])
    est, se = difference(a, b)
    assert est == pytest.approx(1.0)
    assert se == pytest.approx(math.sqrt(a.stderr**2 + b.stderr**2))


def test_histogram_merges_to_the_histogram_of_the_whole():
    from numerics.stats import Histogram

    x = _rng(7).normal(size=5000)
    edges = tuple(np.linspace(-2, 2, 9))
    whole = Histogram.of(x, edges)
    parts = Histogram.of(x[:1234], edges) + Histogram.of(x[1234:], edges)
    assert parts == whole
    assert whole.n == x.size
    assert whole.below == np.count_nonzero(x < -2)
    assert whole.above == np.count_nonzero(x > 2)
    assert list(whole.counts) == list(np.histogram(x, bins=np.asarray(edges))[0])
    weighted = Histogram.of(np.array([-3.0, 0.5, 5.0]), edges, np.array([2, 3, 4]))
    assert (weighted.below, sum(weighted.counts), weighted.above) == (2, 3, 4)
    with pytest.raises(ValueError, match="increasing"):
        Histogram.of(x, (1.0, 0.0))
    with pytest.raises(ValueError, match="different edges"):
        whole.merge(Histogram.of(x, (0.0, 1.0)))
