r"""Worlds for problem 1: finite supports with exact tables, and exact decisions on them.

A world gives every density a table; on it expectations, entropies and
divergences are exact sums, symbolic (free positive probabilities) or rational.
Given an observed $x$, a :class:`ConditionalWorld` holds $\text{Pop}(x)$ and one world per
value of $x$; its conditional entropies ($H(y|x)$, ...) are the $\text{Pop}(x)$-weighted
averages of the worlds' own.

**Deciding integrands.**  Two integrands have the same expectation on every joint
when they agree pointwise after the Bayes relations; otherwise a finite world with
exact rational probabilities tells them apart, decided exactly by :mod:`.exact`.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sympy as sp

from derivations.entropy.densities import (
    DEC,
    ENC,
    JOINT,
    MARG,
    OBSERVED,
    PLAIN,
    POP,
    POST,
    PRIOR,
    Densities,
    check_integrand,
    same_pointwise,
)
from derivations.entropy.exact import exact_nonzero, over_primes

# ---------------------------------------------------------------------------------------
# Worlds: finite supports with a table for each density


@dataclass(frozen=True)
class World:
    r"""Finite $Y = \{0..n_y-1\}$, $Z = \{0..n_z-1\}$ and the tables of the densities.

    ``pop[i]`` $= \text{Pop}(y_i)$, ``enc[i][j]`` $= P_\Psi(z_j|y_i)$,
    ``prior[j]`` $= P_\Phi(z_j)$, ``dec[j][i]`` $= P_\Theta(y_i|z_j)$.
    """

    pop: tuple[sp.Expr, ...]
    enc: tuple[tuple[sp.Expr, ...], ...]
    prior: tuple[sp.Expr, ...]
    dec: tuple[tuple[sp.Expr, ...], ...]

    @property
    def ny(self) -> int:
        return len(self.pop)

    @property
    def nz(self) -> int:
        return len(self.prior)

    def joint(self, i: int, j: int) -> sp.Expr:
        return self.pop[i] * self.enc[i][j]  # $P(y_i, z_j) = \text{Pop}(y_i) P_\Psi(z_j|y_i)$

    def marginal(self, j: int) -> sp.Expr:
        return sp.Add(*(self.joint(i, j) for i in range(self.ny)))  # $P(z_j) = \sum_i P(y_i, z_j)$

    def posterior(self, i: int, j: int) -> sp.Expr:
        return self.joint(i, j) / self.marginal(j)  # $P(y_i|z_j) = P(y_i,z_j)/P(z_j)$

    def table(self, i: int, j: int) -> dict[sp.Expr, sp.Expr]:
        """The value of every density at $(y_i, z_j)$."""
        return {
            POP: self.pop[i],
            ENC: self.enc[i][j],
            MARG: self.marginal(j),
            POST: self.posterior(i, j),
            JOINT: self.joint(i, j),
            PRIOR: self.prior[j],
            DEC: self.dec[j][i],
        }

    def support(self) -> Iterable[tuple[int, int]]:
        for i in range(self.ny):
            for j in range(self.nz):
                if self.joint(i, j) != 0:
                    yield i, j

    def at(self, integrand: sp.Expr, i: int, j: int) -> sp.Expr:
        """The integrand's value at $(y_i, z_j)$."""
        check_integrand(integrand)
        return integrand.xreplace(self.table(i, j))

    def expectation(self, integrand: sp.Expr) -> sp.Expr:
        r"""$E_{y \sim \text{Pop}, z \sim P_\Psi(z|y)}$ of the integrand, summed exactly."""
        return sp.Add(*(self.joint(i, j) * self.at(integrand, i, j) for i, j in self.support()))

    # Entropies and divergences from their definitions (not from the integrands).
    def H_y(self) -> sp.Expr:
        return -sp.Add(*(p * sp.log(p) for p in self.pop if p != 0))  # $-\sum_y P \ln P$

    def H_z(self) -> sp.Expr:
        ms = [self.marginal(j) for j in range(self.nz)]
        return -sp.Add(*(m * sp.log(m) for m in ms if m != 0))

    def H_z_given_y(self) -> sp.Expr:
        return -sp.Add(*(self.joint(i, j) * sp.log(self.enc[i][j]) for i, j in self.support()))

    def H_y_given_z(self) -> sp.Expr:
        return -sp.Add(
            *(self.joint(i, j) * sp.log(self.posterior(i, j)) for i, j in self.support())
        )

    def kl_marginal_prior(self) -> sp.Expr:
        r"""$KL(P_{\text{Pop},\Psi}(z) \| P_\Phi(z))$."""
        out = []
        for j in range(self.nz):
            m = self.marginal(j)
            if m != 0:
                out.append(m * (sp.log(m) - sp.log(self.prior[j])))
        return sp.Add(*out)

    def kl_posterior_decoder(self) -> sp.Expr:
        r"""$E_z KL(P_{\text{Pop},\Psi}(y|z) \| P_\Theta(y|z))$."""
        return sp.Add(
            *(
                self.joint(i, j) * (sp.log(self.posterior(i, j)) - sp.log(self.dec[j][i]))
                for i, j in self.support()
            )
        )

    def kl_encoder_prior(self) -> sp.Expr:
        r"""$E_y KL(P_\Psi(z|y) \| P_\Phi(z))$."""
        out = []
        for i in range(self.ny):
            inner = sp.Add(
                *(
                    self.enc[i][j] * (sp.log(self.enc[i][j]) - sp.log(self.prior[j]))
                    for j in range(self.nz)
                    if self.enc[i][j] != 0
                )
            )
            out.append(self.pop[i] * inner)
        return sp.Add(*out)

    def with_models(self, truth: bool) -> World:
        """The same world, its models the true marginal and posterior when ``truth``."""
        if not truth:
            return self
        prior = tuple(self.marginal(j) for j in range(self.nz))
        dec = tuple(tuple(self.posterior(i, j) for i in range(self.ny)) for j in range(self.nz))
        return World(self.pop, self.enc, prior, dec)

    def point(self, models: bool = True) -> dict[str, str]:
        """The world as LaTeX, for a counterexample (the models' tables only if ``models``)."""

        def vec(v):
            return "(" + ", ".join(sp.latex(x) for x in v) + ")"

        def mat(rows):
            return (
                r"\begin{pmatrix}"
                + r" \\ ".join(" & ".join(sp.latex(x) for x in r) for r in rows)
                + r"\end{pmatrix}"
            )

        out = {
            r"\text{Pop}(y)": vec(self.pop),
            r"P_\Psi(z|y)\ \text{(row } y)": mat(self.enc),
        }
        if models:
            out[r"P_\Phi(z)"] = vec(self.prior)
            out[r"P_\Theta(y|z)\ \text{(row } z)"] = mat(self.dec)
        return out


@dataclass(frozen=True)
class ConditionalWorld:
    r"""Worlds given an observed $x$: ``px[i]`` $= \text{Pop}(x_i)$ and the world of each $x_i$.

    The world of $x_i$ holds the densities conditioned on $x = x_i$; every conditional
    entropy or divergence is the $\text{Pop}(x)$-weighted average of the worlds' own.
    """

    px: tuple[sp.Expr, ...]
    worlds: tuple[World, ...]

    @property
    def ny(self) -> int:
        return self.worlds[0].ny

    @property
    def nz(self) -> int:
        return self.worlds[0].nz

    def _average(self, each) -> sp.Expr:
        return sp.Add(*(p * each(w) for p, w in zip(self.px, self.worlds, strict=True)))

    def expectation(self, integrand: sp.Expr) -> sp.Expr:
        """$E_{x, y, z}$ of an integrand of the densities given $x$, summed exactly."""
        check_integrand(integrand, OBSERVED)
        plain = integrand.xreplace(OBSERVED.plain())  # at one x: the world's own densities
        return self._average(lambda w: w.expectation(plain))

    def H_y(self) -> sp.Expr:
        return self._average(World.H_y)  # $H(y|x)$

    def H_z(self) -> sp.Expr:
        return self._average(World.H_z)

    def H_z_given_y(self) -> sp.Expr:
        return self._average(World.H_z_given_y)

    def H_y_given_z(self) -> sp.Expr:
        return self._average(World.H_y_given_z)

    def kl_marginal_prior(self) -> sp.Expr:
        return self._average(World.kl_marginal_prior)

    def kl_posterior_decoder(self) -> sp.Expr:
        return self._average(World.kl_posterior_decoder)

    def kl_encoder_prior(self) -> sp.Expr:
        return self._average(World.kl_encoder_prior)

    def with_models(self, truth: bool) -> ConditionalWorld:
        """The same world with each x's models set to its true marginal and posterior."""
        return ConditionalWorld(self.px, tuple(w.with_models(truth) for w in self.worlds))

    def point(self, models: bool = True) -> dict[str, str]:
        out = {r"\text{Pop}(x)": "(" + ", ".join(sp.latex(p) for p in self.px) + ")"}
        for i, w in enumerate(self.worlds):
            out.update({f"x = {i}:\\ {k}": v for k, v in w.point(models).items()})
        return out


AnyWorld = World | ConditionalWorld


def _dist(names: Sequence[sp.Symbol]) -> tuple[sp.Expr, ...]:
    """A distribution with free positive parameters; the last entry is one minus the rest."""
    return (*names, 1 - sp.Add(*names))


def symbolic_world(ny: int, nz: int, tag: str = "") -> World:
    r"""Every full-support world on $n_y \times n_z$, with symbolic probabilities.

    Free parameters are positive symbols (their sum below one in the domain); e.g. for
    $n_y = n_z = 2$: $\text{Pop} = (p_0, 1 - p_0)$, $P_\Psi(z_0|y_i) = q_{i0}$, ...
    """
    pos = {"positive": True}
    pop = _dist([sp.Symbol(f"p{tag}_{i}", **pos) for i in range(ny - 1)])
    enc = tuple(
        _dist([sp.Symbol(f"q{tag}_{i}{j}", **pos) for j in range(nz - 1)]) for i in range(ny)
    )
    prior = _dist([sp.Symbol(f"f{tag}_{j}", **pos) for j in range(nz - 1)])
    dec = tuple(
        _dist([sp.Symbol(f"t{tag}_{j}{i}", **pos) for i in range(ny - 1)]) for j in range(nz)
    )
    return World(pop, enc, prior, dec)


def symbolic_conditional_world(ny: int, nz: int, nx: int = 2) -> ConditionalWorld:
    """Every full-support world given x, for ``nx`` values of x, with symbolic probabilities."""
    px = _dist([sp.Symbol(f"a_{i}", positive=True) for i in range(nx - 1)])
    return ConditionalWorld(px, tuple(symbolic_world(ny, nz, f"^{{({i})}}") for i in range(nx)))


def symbolic(ny: int, nz: int, observed: bool) -> AnyWorld:
    return symbolic_conditional_world(ny, nz) if observed else symbolic_world(ny, nz)


def rational_world(rng: random.Random, ny: int, nz: int, top: int = 9) -> World:
    """A random full-support world with exact rational probabilities."""

    def dist(n: int) -> tuple[sp.Rational, ...]:
        w = [rng.randint(1, top) for _ in range(n)]
        s = sum(w)
        return tuple(sp.Rational(a, s) for a in w)

    return World(
        dist(ny),
        tuple(dist(nz) for _ in range(ny)),
        dist(nz),
        tuple(dist(ny) for _ in range(nz)),
    )


def _given_x(rng: random.Random, ny: int, nz: int, nx: int = 2) -> ConditionalWorld:
    w = [rng.randint(1, 9) for _ in range(nx)]
    px = tuple(sp.Rational(a, sum(w)) for a in w)
    return ConditionalWorld(px, tuple(rational_world(rng, ny, nz) for _ in range(nx)))


def worlds(seed: int = 31230, count: int = 24, observed: bool = False) -> Iterable[AnyWorld]:
    """Deterministic rational worlds: small supports first, then larger ones."""
    rng = random.Random(seed)
    sizes = [(2, 2), (2, 3), (3, 2), (3, 3), (4, 3), (5, 4)]
    for n in range(count):
        ny, nz = sizes[min(n // 4, len(sizes) - 1)]
        yield _given_x(rng, ny, nz) if observed else rational_world(rng, ny, nz)


def larger_worlds(seed: int, observed: bool = False) -> list[AnyWorld]:
    """Random rational worlds larger than the symbolic ones, for exact checks."""
    rng = random.Random(seed)
    sizes = ((4, 3), (5, 4), (6, 5))
    if observed:
        return [_given_x(rng, ny, nz, nx) for (ny, nz), nx in zip(sizes, (2, 3, 2), strict=True)]
    return [rational_world(rng, ny, nz) for ny, nz in sizes]


# ---------------------------------------------------------------------------------------
# Comparing integrands


@dataclass(frozen=True)
class Comparison:
    """The outcome of comparing a claimed integrand's expectation with a derived one."""

    equal: bool | None  # True: on every joint; False: a world tells them apart
    how: str
    world: AnyWorld | None = None
    claimed: sp.Expr | None = None  # expectations on the world, exact
    derived: sp.Expr | None = None


def compare_expectations(
    claimed: sp.Expr,
    derived: sp.Expr,
    candidates: Iterable[AnyWorld] | None = None,
    dens: Densities = PLAIN,
) -> Comparison:
    """Do the two integrands have the same expectation on every joint (and every model)?

    Pointwise equality after the Bayes relations proves it for all joints.  Otherwise
    exact rational worlds are searched for one on which the expectations differ.
    """
    check_integrand(claimed, dens)
    check_integrand(derived, dens)
    if same_pointwise(claimed, derived, dens):
        return Comparison(True, "equal pointwise after the Bayes relations, so on every joint")
    for w in candidates if candidates is not None else worlds(observed=dens.observed):
        try:
            ec, ed = w.expectation(claimed), w.expectation(derived)
        except (ValueError, ZeroDivisionError):  # pragma: no cover - positive worlds
            continue
        if exact_nonzero(ec - ed):
            return Comparison(
                False,
                "the expectations differ on an exact rational world",
                w,
                over_primes(ec),
                over_primes(ed),
            )
    return Comparison(None, "not equal pointwise, yet no world tried tells them apart")
