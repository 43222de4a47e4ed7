r"""Upper bounding $H(y)$ (TTIC 31230, Quiz 4, problem 1) on finite supports.

A random finite instance: a population $\mathrm{Pop}(y)$ on $Y$ values, an
encoder $P_\Psi(z \mid y)$ on $Z$ values, and two models $P_\Phi(z)$ and
$P_\Theta(y \mid z)$.  The joint $P_{\mathrm{Pop},\Psi}(y, z) =
\mathrm{Pop}(y) P_\Psi(z \mid y)$ has the marginal
$P_{\mathrm{Pop},\Psi}(z) = \sum_y P_{\mathrm{Pop},\Psi}(y, z)$ and the
posterior $P_{\mathrm{Pop},\Psi}(y \mid z) = P_{\mathrm{Pop},\Psi}(y, z) /
P_{\mathrm{Pop},\Psi}(z)$.

**Exact values** are finite sums: $H(y) = -\sum_y \mathrm{Pop}(y) \ln
\mathrm{Pop}(y)$, $H(z)$, $H(z \mid y) = -\sum_{y,z} P(y,z) \ln P_\Psi(z \mid y)$,
$H(y \mid z)$, and the cross-entropies $H(P(z), P_\Phi) = -\sum_z P(z) \ln
P_\Phi(z)$ and $H(P(y \mid z), P_\Theta) = -\sum_{y,z} P(y,z) \ln P_\Theta(y \mid z)$.
They are computed in float64; a sum of $m$ terms of size at most $c$ carries a
rounding error below $m \varepsilon c$, which sets the tolerance of exact
comparisons.

**Sampling** draws $y \sim \mathrm{Pop}$, $z \sim P_\Psi(z \mid y)$ and returns,
per sample, every probability a term needs, so each expectation (a term, the
identity of (1), the bound) is estimated by a sample mean with its standard
error.  Per sample, Bayes gives $P(z) P(y \mid z) / P_\Psi(z \mid y) =
\mathrm{Pop}(y)$ exactly, and the bound exceeds $H(y)$ by
$\mathrm{KL}(P(z) \| P_\Phi) + E_z \mathrm{KL}(P(y \mid z) \| P_\Theta)$, zero
at the true models; :meth:`FiniteModel.divergences` computes both from their
definitions.

**Given an observed x** (a conditional VAE) a :class:`ConditionalModel` draws
$x \sim \mathrm{Pop}(x)$ and then $y$, $z$ from the finite model of that $x$; its
per-sample probabilities are the conditional ones ($\mathrm{Pop}(y \mid x)$, ...) and
its exact values the conditional entropies, $H(y \mid x) = \sum_x \mathrm{Pop}(x)
H(y \mid X = x)$ and so on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from numerics.stats import Moments

#: Names of the per-sample probabilities :meth:`FiniteModel.probabilities` returns.
QUANTITIES = (
    "Pop(y)",
    "P_Psi(z|y)",  # the encoder, also P_{Pop,Psi}(z|y)
    "P_PopPsi(z)",
    "P_PopPsi(y|z)",
    "P_Phi(z)",
    "P_Theta(y|z)",
)


def _simplex(rng: np.random.Generator, shape: tuple[int, ...], floor: float) -> np.ndarray:
    """Random distributions along the last axis, every entry at least ``floor``."""
    p = rng.dirichlet(np.ones(shape[-1]), size=shape[:-1])
    p = floor + (1.0 - shape[-1] * floor) * p
    return p / p.sum(-1, keepdims=True)


def _entropy_terms(p: np.ndarray, q: np.ndarray) -> float:
    """$-\\sum p \\ln q$ over the entries with $p > 0$."""
    m = p > 0
    return float(-(p[m] * np.log(q[m])).sum())


@dataclass(frozen=True)
class FiniteModel:
    pop: np.ndarray  # (Y,)
    enc: np.ndarray  # (Y, Z): P_Psi(z|y)
    prior: np.ndarray  # (Z,): P_Phi(z)
    dec: np.ndarray  # (Z, Y): P_Theta(y|z)

    @classmethod
    def random(
        cls, Y: int, Z: int, rng: np.random.Generator, true_models: bool = False
    ) -> FiniteModel:
        """A random instance; with ``true_models`` the models are the joint's own."""
        floor = 0.01 / max(Y, Z)
        pop = _simplex(rng, (Y,), floor)
        enc = _simplex(rng, (Y, Z), floor)
        prior = _simplex(rng, (Z,), floor)
        dec = _simplex(rng, (Z, Y), floor)
        m = cls(pop, enc, prior, dec)
        if true_models:
            m = cls(pop, enc, m.marginal_z, m.posterior.T.copy())
        return m

    @property
    def joint(self) -> np.ndarray:
        return self.pop[:, None] * self.enc  # $P(y, z) = \mathrm{Pop}(y) P_\Psi(z|y)$

    @property
    def marginal_z(self) -> np.ndarray:
        return self.joint.sum(0)  # $P(z) = \sum_y P(y, z)$

    @property
    def posterior(self) -> np.ndarray:
        """(Y, Z): $P(y \\mid z) = P(y, z) / P(z)$."""
        return self.joint / self.marginal_z

    def exact(self) -> dict[str, float]:
        J = self.joint
        pz = self.marginal_z
        out = {
            "H(y)": _entropy_terms(self.pop, self.pop),
            "H(z)": _entropy_terms(pz, pz),
            "H(z|y)": _entropy_terms(J, self.enc),
            "H(y|z)": _entropy_terms(J, self.posterior),
            "CE(z,Phi)": _entropy_terms(pz, self.prior),
            "CE(y|z,Theta)": _entropy_terms(J, self.dec.T),
        }
        out["bound"] = out["CE(z,Phi)"] - out["H(z|y)"] + out["CE(y|z,Theta)"]
        return out

    def rounding(self) -> float:
        """A bound on the float error of :meth:`exact`: terms times eps times the largest log."""
        logs = np.abs(np.log(np.concatenate([self.joint.ravel(), self.prior, self.dec.ravel()])))
        return 8.0 * self.joint.size * np.finfo(float).eps * float(logs.max() + 1.0)

    def sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """$y \\sim \\mathrm{Pop}$, $z \\sim P_\\Psi(z \\mid y)$, by inverse CDFs."""
        cpop = np.cumsum(self.pop)
        y = np.minimum(np.searchsorted(cpop, rng.random(n) * cpop[-1], side="right"), len(cpop) - 1)
        cenc = np.cumsum(self.enc, axis=1)[y]
        u = rng.random(n) * cenc[:, -1]
        z = np.minimum((u[:, None] >= cenc).sum(1), self.enc.shape[1] - 1)
        return y, z

    def divergences(self) -> dict[str, float]:
        """$\\mathrm{KL}(P(z) \\| P_\\Phi)$ and $E_z \\mathrm{KL}(P(y|z) \\| P_\\Theta)$, by definition."""
        pz, post = self.marginal_z, self.posterior  # post: (Y, Z)
        kl_z = float((pz * np.log(pz / self.prior)).sum())
        kl_yz = float((pz * (post * np.log(post / self.dec.T)).sum(0)).sum())
        return {"KL(z)": kl_z, "KL(y|z)": kl_yz}

    def draw(self, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """The probabilities of :data:`QUANTITIES` at ``n`` fresh samples."""
        return self.probabilities(*self.sample(n, rng))

    def probabilities(self, y: np.ndarray, z: np.ndarray) -> dict[str, np.ndarray]:
        """Every probability of :data:`QUANTITIES` at the sampled pairs."""
        return {
            "Pop(y)": self.pop[y],
            "P_Psi(z|y)": self.enc[y, z],
            "P_PopPsi(z)": self.marginal_z[z],
            "P_PopPsi(y|z)": self.posterior[y, z],
            "P_Phi(z)": self.prior[z],
            "P_Theta(y|z)": self.dec[z, y],
        }


@dataclass(frozen=True)
class ConditionalModel:
    """Pop(x) and, for each x, the finite model of y, z and the models given that x."""

    px: np.ndarray  # (X,)
    models: tuple[FiniteModel, ...]

    @classmethod
    def random(
        cls, X: int, Y: int, Z: int, rng: np.random.Generator, true_models: bool = False
    ) -> ConditionalModel:
        px = _simplex(rng, (X,), 0.05 / X)
        return cls(px, tuple(FiniteModel.random(Y, Z, rng, true_models) for _ in range(X)))

    def _average(self, values: list[dict[str, float]]) -> dict[str, float]:
        return {k: float(sum(p * v[k] for p, v in zip(self.px, values, strict=True)))
                for k in values[0]}  # fmt: skip

    def exact(self) -> dict[str, float]:
        """Conditional entropies and cross-entropies: Pop(x)-averages of each x's own."""
        return self._average([m.exact() for m in self.models])

    def divergences(self) -> dict[str, float]:
        return self._average([m.divergences() for m in self.models])

    def rounding(self) -> float:
        return max(m.rounding() for m in self.models) * len(self.models)

    def draw(self, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """$x \\sim \\mathrm{Pop}(x)$, then $y$, $z$ and their probabilities given that $x$."""
        counts = rng.multinomial(n, self.px / self.px.sum())
        parts = [m.draw(int(c), rng) for m, c in zip(self.models, counts, strict=True) if c]
        return {k: np.concatenate([p[k] for p in parts]) for k in QUANTITIES}


#: A per-sample quantity from the sampled probabilities.
Integrand = Callable[[dict[str, np.ndarray]], np.ndarray]

#: The terms of (1) and of the bound, as functions of the sampled probabilities.
TERMS: dict[str, Integrand] = {
    "-ln Pop(y)": lambda p: -np.log(p["Pop(y)"]),
    "-ln P(z)": lambda p: -np.log(p["P_PopPsi(z)"]),
    "ln P(z|y)": lambda p: np.log(p["P_Psi(z|y)"]),
    "-ln P(y|z)": lambda p: -np.log(p["P_PopPsi(y|z)"]),
    "-ln P_Phi(z)": lambda p: -np.log(p["P_Phi(z)"]),
    "-ln P_Theta(y|z)": lambda p: -np.log(p["P_Theta(y|z)"]),
}


def estimate(
    model: FiniteModel | ConditionalModel,
    integrands: dict[str, Integrand],
    samples: int,
    seed: int | np.random.SeedSequence = 0,
    chunk: int = 1 << 18,
) -> dict[str, Moments]:
    """Sample means of each integrand, streamed in chunks and merged."""
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    n_chunks = -(-samples // chunk)
    out = {name: Moments() for name in integrands}
    for c, child in enumerate(ss.spawn(n_chunks)):
        rng = np.random.Generator(np.random.PCG64(child))
        p = model.draw(min(chunk, samples - c * chunk), rng)
        for name, f in integrands.items():
            out[name] = out[name].merge(Moments.of(np.asarray(f(p), dtype=np.float64)))
    return out
