"""Problem 1 computed by hand for the tests: entropies, divergences and expectations on
finite worlds, in floats, from the tables alone (no derivation code).

A world is given by its tables: ``pop[y]``, ``enc[y][z]`` ($P_\\Psi(z|y)$), ``prior[z]``,
``dec[z][y]`` ($P_\\Theta(y|z)$); given $x$, a list of such worlds with weights
``px[x]``.  Every quantity is a plain sum over the support.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Tables:
    pop: list[float]
    enc: list[list[float]]
    prior: list[float]
    dec: list[list[float]]

    @classmethod
    def of(cls, world) -> Tables:
        """Float tables of a world of :mod:`derivations.entropy` (its data, nothing else)."""
        return cls(
            [float(v) for v in world.pop],
            [[float(v) for v in row] for row in world.enc],
            [float(v) for v in world.prior],
            [[float(v) for v in row] for row in world.dec],
        )

    def cells(self):
        for i, p in enumerate(self.pop):
            for j, q in enumerate(self.enc[i]):
                yield i, j, p * q

    def marginal(self, j: int) -> float:
        return sum(p * self.enc[i][j] for i, p in enumerate(self.pop))

    def posterior(self, i: int, j: int) -> float:
        return self.pop[i] * self.enc[i][j] / self.marginal(j)

    def quantities(self) -> dict[str, float]:
        """Every entropy, cross-entropy and divergence of problem 1, by its definition."""
        nz = len(self.prior)
        pz = [self.marginal(j) for j in range(nz)]
        out = {
            "H(y)": -sum(p * math.log(p) for p in self.pop),
            "H(z)": -sum(p * math.log(p) for p in pz),
            "H(z|y)": -sum(w * math.log(self.enc[i][j]) for i, j, w in self.cells()),
            "H(y|z)": -sum(w * math.log(self.posterior(i, j)) for i, j, w in self.cells()),
            "CE(z)": -sum(p * math.log(q) for p, q in zip(pz, self.prior, strict=True)),
            "CE(y|z)": -sum(w * math.log(self.dec[j][i]) for i, j, w in self.cells()),
            "KL(z)": sum(p * math.log(p / q) for p, q in zip(pz, self.prior, strict=True)),
            "KL(y|z)": sum(
                w * math.log(self.posterior(i, j) / self.dec[j][i]) for i, j, w in self.cells()
            ),
            "KL(enc|prior)": sum(
                w * math.log(self.enc[i][j] / self.prior[j]) for i, j, w in self.cells()
            ),
        }
        return out

    def expectation(self, f: Callable[[dict[str, float]], float]) -> float:
        """E over the joint of f(values of the densities at (y, z))."""
        total = 0.0
        for i, j, w in self.cells():
            values = {
                "pop": self.pop[i],
                "enc": self.enc[i][j],
                "marg": self.marginal(j),
                "post": self.posterior(i, j),
                "joint": w,
                "prior": self.prior[j],
                "dec": self.dec[j][i],
            }
            total += w * f(values)
        return total


@dataclass
class GivenX:
    """Worlds given an observed x: weights px and one set of tables per x."""

    px: list[float]
    worlds: list[Tables]

    @classmethod
    def of(cls, world) -> GivenX:
        return cls([float(p) for p in world.px], [Tables.of(w) for w in world.worlds])

    def quantities(self) -> dict[str, float]:
        each = [w.quantities() for w in self.worlds]
        return {k: sum(p * q[k] for p, q in zip(self.px, each, strict=True)) for k in each[0]}

    def expectation(self, f) -> float:
        return sum(p * w.expectation(f) for p, w in zip(self.px, self.worlds, strict=True))


def tables(world) -> Tables | GivenX:
    return GivenX.of(world) if hasattr(world, "px") else Tables.of(world)


def bound(q: dict[str, float], replace: frozenset[str]) -> float:
    """(1) with the chosen entropies replaced by cross-entropies."""
    return (
        (q["CE(z)"] if "z" in replace else q["H(z)"])
        - q["H(z|y)"]
        + (q["CE(y|z)"] if "y|z" in replace else q["H(y|z)"])
    )
