r"""Mergeable streaming statistics and the z-test every Monte Carlo check uses.

**Moments.**  A sample $x_1, \dots, x_n$ is summarised by its count $n$, its
mean $\bar x$ and the central sums $M_p = \sum_j (x_j - \bar x)^p$ for
$p = 2, 3, 4$.  Two summaries $A$ and $B$ merge exactly (Chan, Golub and
LeVeque; Pébay for the higher sums): with $\delta = \bar x_B - \bar x_A$ and
$n = n_A + n_B$,

$$\bar x = \bar x_A + \delta \frac{n_B}{n}, \qquad
M_2 = M_{2A} + M_{2B} + \delta^2 \frac{n_A n_B}{n},$$

$$M_3 = M_{3A} + M_{3B} + \delta^3 \frac{n_A n_B (n_A - n_B)}{n^2}
      + 3\delta \frac{n_A M_{2B} - n_B M_{2A}}{n},$$

$$M_4 = M_{4A} + M_{4B}
      + \delta^4 \frac{n_A n_B (n_A^2 - n_A n_B + n_B^2)}{n^3}
      + 6\delta^2 \frac{n_A^2 M_{2B} + n_B^2 M_{2A}}{n^2}
      + 4\delta \frac{n_A M_{3B} - n_B M_{3A}}{n}.$$

So a stream is cut into chunks, each chunk summarised by a two-pass
computation, and the summaries merged: memory stays that of one chunk.
A :class:`Histogram` over fixed bin edges merges by adding its counts.

**Standard errors.**  The mean has $\mathrm{se}(\bar x) = s/\sqrt n$ with
$s^2 = M_2/(n-1)$.  The unbiased variance $s^2$ has
$\operatorname{Var}(s^2) = \frac{1}{n}\left(\mu_4 - \frac{n-3}{n-1}\sigma^4\right)$,
estimated with $\hat\mu_4 = M_4/n$ and $\hat\sigma^2 = s^2$.

**The z-test.**  A claim $c$ for a quantity estimated by $\hat\theta$ with
standard error $\mathrm{se}$ passes when $|z| \le z_{1-\alpha/2}$ with
$z = (\hat\theta - c)/\mathrm{se}$: a true claim fails with probability
$\alpha$ (two-sided false-alarm rate, default $10^{-6}$, $z_{1-\alpha/2}
\approx 4.89$).  If the truth is $c + \delta$, the test catches it with
probability about $\Phi(|\delta|/\mathrm{se} - z_{1-\alpha/2})$, so power
$1-\beta$ needs $\mathrm{se} \le |\delta| / (z_{1-\alpha/2} + z_{1-\beta})$,
that is

$$n \ge \left(\frac{(z_{1-\alpha/2} + z_{1-\beta})\,\sigma}{\delta}\right)^2$$

samples of a quantity with per-sample standard deviation $\sigma$.  The
default asks that a deviation of 1% of the claimed value be caught with
probability $0.99$.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

#: Default two-sided false-alarm rate of one check.
FALSE_ALARM = 1e-6
#: Default power against the default deviation.
POWER = 0.99
#: Default deviation to detect, relative to the claimed value.
RELATIVE_DEVIATION = 0.01

_NORMAL = NormalDist()


@dataclass(frozen=True)
class Moments:
    """Count, mean and central sums $M_2, M_3, M_4$ of a sample; mergeable."""

    n: int = 0
    mean: float = 0.0
    m2: float = 0.0
    m3: float = 0.0
    m4: float = 0.0

    @classmethod
    def of(cls, values: np.ndarray) -> Moments:
        """Summarise a batch with a two-pass computation (exact up to rounding)."""
        x = np.asarray(values, dtype=np.float64).ravel()
        n = x.size
        if n == 0:
            return cls()
        mean = float(x.mean())
        d = x - mean
        d2 = d * d
        return cls(
            n=n,
            mean=mean,
            m2=float(d2.sum()),  # $M_2 = \sum (x - \bar x)^2$
            m3=float((d2 * d).sum()),
            m4=float((d2 * d2).sum()),
        )

    @classmethod
    def of_counts(cls, values: np.ndarray, counts: np.ndarray) -> Moments:
        """Summarise a sample given as distinct ``values`` seen ``counts`` times."""
        x = np.asarray(values, dtype=np.float64).ravel()
        w = np.asarray(counts, dtype=np.float64).ravel()
        n = int(np.asarray(counts).sum())
        if n == 0:
            return cls()
        mean = float(w @ x) / n
        d = x - mean
        wd2 = w * d * d
        return cls(n, mean, float(wd2.sum()), float((wd2 * d).sum()), float((wd2 * d * d).sum()))

    def merge(self, other: Moments) -> Moments:
        """Exact merge of two summaries (the formulas of the module docstring)."""
        if other.n == 0:
            return self
        if self.n == 0:
            return other
        na, nb = float(self.n), float(other.n)
        n = na + nb
        delta = other.mean - self.mean  # $\delta = \bar x_B - \bar x_A$
        mean = self.mean + delta * nb / n
        m2 = self.m2 + other.m2 + delta * delta * na * nb / n
        m3 = (
            self.m3
            + other.m3
            + delta**3 * na * nb * (na - nb) / n**2
            + 3.0 * delta * (na * other.m2 - nb * self.m2) / n
        )
        m4 = (
            self.m4
            + other.m4
            + delta**4 * na * nb * (na * na - na * nb + nb * nb) / n**3
            + 6.0 * delta**2 * (na * na * other.m2 + nb * nb * self.m2) / n**2
            + 4.0 * delta * (na * other.m3 - nb * self.m3) / n
        )
        return Moments(self.n + other.n, mean, m2, m3, m4)

    __add__ = merge

    @property
    def variance(self) -> float:
        """Unbiased sample variance $s^2 = M_2/(n-1)$."""
        return self.m2 / (self.n - 1) if self.n > 1 else math.nan

    @property
    def std(self) -> float:
        return math.sqrt(self.variance) if self.n > 1 else math.nan

    @property
    def stderr(self) -> float:
        """Standard error of the mean, $s/\\sqrt n$."""
        return math.sqrt(self.variance / self.n) if self.n > 1 else math.nan

    @property
    def variance_stderr(self) -> float:
        r"""Standard error of $s^2$: $\sqrt{(\hat\mu_4 - \frac{n-3}{n-1}s^4)/n}$."""
        if self.n < 4:
            return math.nan
        n = self.n
        s2 = self.variance
        mu4 = self.m4 / n
        return math.sqrt(max(mu4 - (n - 3) / (n - 1) * s2 * s2, 0.0) / n)


def critical_z(alpha: float = FALSE_ALARM) -> float:
    """$z_{1-\\alpha/2}$: the two-sided critical value at false-alarm rate alpha."""
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"false-alarm rate must lie in (0, 1), got {alpha}")
    return _NORMAL.inv_cdf(1.0 - alpha / 2.0)


def samples_needed(
    sigma: float,
    deviation: float,
    alpha: float = FALSE_ALARM,
    power: float = POWER,
) -> int:
    r"""Smallest $n$ with $(z_{1-\alpha/2} + z_{power})\sigma/\sqrt n \le |deviation|$."""
    if deviation == 0.0:
        raise ValueError("cannot size a test against a deviation of zero")
    if sigma == 0.0:
        return 1
    z = critical_z(alpha) + _NORMAL.inv_cdf(power)
    return max(2, math.ceil((z * sigma / abs(deviation)) ** 2))  # $n \ge (z\sigma/\delta)^2$


def deviation_caught(stderr: float, alpha: float = FALSE_ALARM, power: float = POWER) -> float:
    r"""The smallest offset the two-sided test catches with probability ``power``:
    $(z_{1-\alpha/2} + z_{power})\,\mathrm{se}$ (what :func:`samples_needed` solves for $n$)."""
    return (critical_z(alpha) + _NORMAL.inv_cdf(power)) * stderr


def power_against(stderr: float, deviation: float, alpha: float = FALSE_ALARM) -> float:
    r"""Probability that the two-sided test flags a true offset ``deviation``."""
    if stderr == 0.0:
        return 1.0
    zc = critical_z(alpha)
    shift = abs(deviation) / stderr
    return _NORMAL.cdf(shift - zc) + _NORMAL.cdf(-shift - zc)


@dataclass(frozen=True)
class ZTest:
    """The record of one check: estimate, standard error, claim, z and decision."""

    estimate: float
    stderr: float
    claimed: float
    z: float
    alpha: float
    critical: float
    passed: bool

    def as_dict(self) -> dict:
        return {
            "estimate": self.estimate,
            "stderr": self.stderr,
            "claimed": self.claimed,
            "z": self.z,
            "alpha": self.alpha,
            "critical": self.critical,
            "passed": self.passed,
        }


def z_test(
    estimate: float,
    stderr: float,
    claimed: float,
    alpha: float = FALSE_ALARM,
    exact_rtol: float = 1e-9,
) -> ZTest:
    r"""Two-sided z-test of ``claimed`` against ``estimate`` $\pm$ ``stderr``.

    A standard error of zero means the simulated quantity did not vary (a
    deterministic transition, say): then the claim passes only if it equals
    the estimate up to a relative float tolerance ``exact_rtol``, and ``z`` is
    0 or infinite.
    """
    zc = critical_z(alpha)
    if not (math.isfinite(estimate) and math.isfinite(claimed)):
        return ZTest(estimate, stderr, claimed, math.nan, alpha, zc, False)
    diff = estimate - claimed
    if not stderr > 0.0:
        tol = exact_rtol * max(1.0, abs(estimate), abs(claimed))
        ok = abs(diff) <= tol
        return ZTest(
            estimate, 0.0, claimed, 0.0 if ok else math.copysign(math.inf, diff), alpha, zc, ok
        )
    z = diff / stderr  # $z = (\hat\theta - c)/\mathrm{se}$
    return ZTest(estimate, stderr, claimed, z, alpha, zc, abs(z) <= zc)


def difference(a: Moments, b: Moments) -> tuple[float, float]:
    r"""Estimate and standard error of $E[a] - E[b]$ from independent samples."""
    return a.mean - b.mean, math.sqrt(a.stderr**2 + b.stderr**2)


@dataclass(frozen=True)
class Histogram:
    """Counts of a sample in fixed bins; mergeable, so memory is flat in the sample size.

    ``counts`` has one entry per bin ``[edges[k], edges[k + 1])`` (the last bin
    closed), and ``below`` and ``above`` count the values outside the edges.
    """

    edges: tuple[float, ...]
    counts: tuple[int, ...]
    below: int = 0
    above: int = 0

    @classmethod
    def of(cls, values: np.ndarray, edges, weights: np.ndarray | None = None) -> Histogram:
        """The histogram of a batch (``weights``: how often each value was seen)."""
        e = np.asarray(edges, dtype=np.float64)
        if e.ndim != 1 or e.size < 2 or not np.all(np.diff(e) > 0):
            raise ValueError("edges must be at least two increasing numbers")
        x = np.asarray(values, dtype=np.float64).ravel()
        w = np.ones(x.size, dtype=np.int64) if weights is None else np.asarray(weights).ravel()
        counts, _ = np.histogram(x, bins=e, weights=w)
        return cls(tuple(float(v) for v in e), tuple(int(c) for c in counts),
                   int(w[x < e[0]].sum()), int(w[x > e[-1]].sum()))  # fmt: skip

    @property
    def n(self) -> int:
        return sum(self.counts) + self.below + self.above

    def merge(self, other: Histogram) -> Histogram:
        if self.edges != other.edges:
            raise ValueError("cannot merge histograms with different edges")
        counts = tuple(a + b for a, b in zip(self.counts, other.counts, strict=True))
        return Histogram(self.edges, counts, self.below + other.below, self.above + other.above)

    __add__ = merge
