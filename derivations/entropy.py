r"""An upper bound on $H(y)$ that is the VAE objective (TTIC 31230, Quiz 4, problem 1).

A population $\text{Pop}(y)$ and a stochastic encoder $P_\Psi(z|y)$ define the joint
$P_{\text{Pop},\Psi}(y, z) = \text{Pop}(y)\,P_\Psi(z|y)$, its marginal
$P_{\text{Pop},\Psi}(z) = \sum_y P_{\text{Pop},\Psi}(y, z)$ and its posterior
$P_{\text{Pop},\Psi}(y|z) = P_{\text{Pop},\Psi}(y, z) / P_{\text{Pop},\Psi}(z)$.
Every expectation below is over $y \sim \text{Pop}$, $z \sim P_\Psi(z|y)$, i.e. over
the joint.  Two models, $P_\Phi(z)$ and $P_\Theta(y|z)$, approximate the marginal
and the posterior.

**Densities as functions.**  Each density is a SymPy function class applied to the
random variables $y$, $z$ (``Pop(y)``, ``P_Psi(z, y)`` for $P_\Psi(z|y)$, ...).  An
*integrand* is an expression in these applications, e.g.
$-\ln P_\Phi(z) + \ln P_\Psi(z|y) - \ln P_\Theta(y|z)$; its expectation is taken
in a *world*: finite supports with a table for each density.

**The identity.**  The joint factors two ways (Bayes),

$$\ln \text{Pop}(y) + \ln P_\Psi(z|y) = \ln P_{\text{Pop},\Psi}(y,z)
  = \ln P_{\text{Pop},\Psi}(z) + \ln P_{\text{Pop},\Psi}(y|z),$$

so pointwise $-\ln \text{Pop}(y) = -\ln P_{\text{Pop},\Psi}(z) + \ln P_\Psi(z|y)
- \ln P_{\text{Pop},\Psi}(y|z)$, and in expectation
$H(y) = H(z) - H(z|y) + H(y|z)$ (1).

**The bound.**  $H(P) \le H(P, Q) = E_{x\sim P} -\ln Q(x)$ (Gibbs).  Replacing the
two entropies that enter (1) with a plus sign by cross-entropies to the models,

$$H(y) \le E\left[-\ln P_\Phi(z) + \ln P_\Psi(z|y) - \ln P_\Theta(y|z)\right],$$

and the gap is $KL(P_{\text{Pop},\Psi}(z) \| P_\Phi(z)) + E_z KL(P_{\text{Pop},\Psi}(y|z)
\| P_\Theta(y|z)) \ge 0$, zero exactly when both models are the true distributions.
Regrouped per $y$, the bound is
$E[-\ln P_\Theta(y|z)] + E_y KL(P_\Psi(z|y) \| P_\Phi(z))$: the negative ELBO that a
VAE minimizes.

**Deciding integrands.**  Two integrands have the same expectation on every joint
when they agree pointwise after the Bayes relations; otherwise a finite world with
exact rational probabilities tells them apart.  Such an expectation is a rational
combination of logarithms of rationals; writing each $\ln r$ over the primes,
$\ln r = \sum_p v_p(r) \ln p$, it is zero exactly when every coefficient is zero
(the $\ln p$ are linearly independent over $\mathbb{Q}$ by unique factorization).
"""

from __future__ import annotations

import functools
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

import sympy as sp

from derivations.core import Derivation, Step


def _label(name: str) -> sp.Symbol:
    """A real-valued name standing for a quantity in a step's display (an entropy, a gap)."""
    return sp.Symbol(name, real=True)


# The random variables: indices into finite supports.
y = sp.Symbol("y", integer=True, nonnegative=True)  # an observable value
z = sp.Symbol("z", integer=True, nonnegative=True)  # a latent value

DOMAIN = (
    "finite supports; Pop, the encoder and the models are probability distributions, "
    "positive wherever the joint is"
)


class Density(sp.Function):
    r"""A probability function of the problem, applied to the random variables.

    ``variables`` is the canonical argument tuple (the quiz's $P(a|b)$ is ``cls(a, b)``),
    ``role`` one of ``population``, ``encoder``, ``joint`` (defined by Pop and the
    encoder), ``model``.
    """

    latex_name: ClassVar[str] = ""
    variables: ClassVar[tuple[sp.Symbol, ...]] = ()
    given: ClassVar[int] = 0  # how many trailing variables are conditioned on
    role: ClassVar[str] = ""

    def _eval_is_positive(self):
        return True  # a density is positive wherever the joint puts mass

    def _eval_is_real(self):
        return True

    def _latex(self, printer):
        names = [printer._print(a) for a in self.args]
        head, tail = names[: len(names) - self.given], names[len(names) - self.given :]
        inner = ", ".join(head) + ("|" + ", ".join(tail) if tail else "")
        return f"{self.latex_name}({inner})"

    @classmethod
    def canonical(cls) -> sp.Expr:
        """The density applied to its own variables, e.g. ``P_Psi(z, y)``."""
        return cls(*cls.variables)


class Pop(Density):
    nargs = 1
    latex_name = r"\text{Pop}"
    variables = (y,)
    role = "population"


class P_Psi(Density):
    """The encoder $P_\\Psi(z|y)$; by definition also the joint's $P_{Pop,Psi}(z|y)$."""

    nargs = 2
    latex_name = r"P_\Psi"
    variables = (z, y)
    given = 1
    role = "encoder"


class P_PopPsi_z(Density):
    nargs = 1
    latex_name = r"P_{\text{Pop},\Psi}"
    variables = (z,)
    role = "joint"


class P_PopPsi_y_given_z(Density):
    nargs = 2
    latex_name = r"P_{\text{Pop},\Psi}"
    variables = (y, z)
    given = 1
    role = "joint"


class P_PopPsi_yz(Density):
    nargs = 2
    latex_name = r"P_{\text{Pop},\Psi}"
    variables = (y, z)
    role = "joint"


class P_Phi(Density):
    nargs = 1
    latex_name = r"P_\Phi"
    variables = (z,)
    role = "model"


class P_Theta(Density):
    nargs = 2
    latex_name = r"P_\Theta"
    variables = (y, z)
    given = 1
    role = "model"


DENSITIES: tuple[type[Density], ...] = (
    Pop,
    P_Psi,
    P_PopPsi_z,
    P_PopPsi_y_given_z,
    P_PopPsi_yz,
    P_Phi,
    P_Theta,
)

POP, ENC, MARG, POST, JOINT, PRIOR, DEC = (cls.canonical() for cls in DENSITIES)

# What the quiz lets us compute for a given (y, z): the encoder, and in (c)-(d) the models.
# Pop can be sampled but not evaluated; the joint's marginal and posterior neither.
COMPUTABLE_1B: frozenset[type[Density]] = frozenset({P_Psi})
COMPUTABLE_1D: frozenset[type[Density]] = frozenset({P_Psi, P_Phi, P_Theta})


class IntegrandError(ValueError):
    """An integrand is not a function of the problem's densities at (y, z)."""


def densities_in(expr: sp.Expr) -> set[sp.Expr]:
    """The density applications an expression uses."""
    return {a for a in expr.atoms(sp.Function) if isinstance(a, Density)}


def check_integrand(expr: sp.Expr) -> None:
    """Raise :class:`IntegrandError` unless every density is applied to its own variables."""
    for app in densities_in(expr):
        if app.args != type(app).variables:
            raise IntegrandError(
                f"{sp.latex(app)} is not a density of the problem: "
                f"expected {sp.latex(type(app).canonical())}"
            )
    stray = expr.free_symbols - {y, z}
    if stray:
        names = ", ".join(sorted(str(s) for s in stray))
        raise IntegrandError(f"the integrand depends on unknown symbols: {names}")
    outside = expr.xreplace({app: sp.Dummy(positive=True) for app in densities_in(expr)})
    if outside.free_symbols & {y, z}:
        raise IntegrandError("y and z may appear only as the arguments of densities")


# ---------------------------------------------------------------------------------------
# Pointwise algebra: the Bayes relations


def bayes_rules() -> dict[sp.Expr, sp.Expr]:
    r"""Each density defined by the joint, in terms of Pop, the encoder and the marginal.

    $P_{\text{Pop},\Psi}(y,z) = \text{Pop}(y) P_\Psi(z|y)$ (the definition of the joint) and
    $P_{\text{Pop},\Psi}(y|z) = P_{\text{Pop},\Psi}(y,z) / P_{\text{Pop},\Psi}(z)$.
    """
    joint = POP * ENC  # $P(y,z) = \text{Pop}(y) P_\Psi(z|y)$
    return {JOINT: joint, POST: joint / MARG}  # $P(y|z) = P(y,z)/P(z)$


def pointwise(expr: sp.Expr) -> sp.Expr:
    """An integrand over the free densities (Pop, encoder, marginal, models), logs expanded."""
    check_integrand(expr)
    free = expr.xreplace(bayes_rules())
    return sp.expand(sp.expand_log(free))


def same_pointwise(f: sp.Expr, g: sp.Expr) -> bool:
    """True when the two integrands are equal at every (y, z) of every joint."""
    return sp.simplify(pointwise(f) - pointwise(g)) == 0


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


def _dist(names: Sequence[sp.Symbol]) -> tuple[sp.Expr, ...]:
    """A distribution with free positive parameters; the last entry is one minus the rest."""
    return (*names, 1 - sp.Add(*names))


def symbolic_world(ny: int, nz: int) -> World:
    r"""Every full-support world on $n_y \times n_z$, with symbolic probabilities.

    Free parameters are positive symbols (their sum below one in the domain); e.g. for
    $n_y = n_z = 2$: $\text{Pop} = (p_0, 1 - p_0)$, $P_\Psi(z_0|y_i) = q_{i0}$, ...
    """
    pos = {"positive": True}
    pop = _dist([sp.Symbol(f"p_{i}", **pos) for i in range(ny - 1)])
    enc = tuple(_dist([sp.Symbol(f"q_{i}{j}", **pos) for j in range(nz - 1)]) for i in range(ny))
    prior = _dist([sp.Symbol(f"f_{j}", **pos) for j in range(nz - 1)])
    dec = tuple(_dist([sp.Symbol(f"t_{j}{i}", **pos) for i in range(ny - 1)]) for j in range(nz))
    return World(pop, enc, prior, dec)


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


def worlds(seed: int = 31230, count: int = 24) -> Iterable[World]:
    """Deterministic rational worlds: small supports first, then larger ones."""
    rng = random.Random(seed)
    sizes = [(2, 2), (2, 3), (3, 2), (3, 3), (4, 3), (5, 4)]
    for n in range(count):
        ny, nz = sizes[min(n // 4, len(sizes) - 1)]
        yield rational_world(rng, ny, nz)


def larger_worlds(seed: int) -> list[World]:
    """Random rational worlds larger than the symbolic ones, for exact checks."""
    rng = random.Random(seed)
    return [rational_world(rng, ny, nz) for ny, nz in ((4, 3), (5, 4), (6, 5))]


# ---------------------------------------------------------------------------------------
# Exact zero test for combinations of logarithms of rationals


def over_primes(expr: sp.Expr) -> sp.Expr:
    r"""Rewrite every $\ln r$ ($r$ a positive rational) as $\sum_p v_p(r) \ln p$, expanded."""

    def split(arg):
        r = sp.Rational(arg)
        out = sp.Integer(0)
        for p, v in sp.factorint(r.p).items():
            out += v * sp.log(p, evaluate=False)
        for p, v in sp.factorint(r.q).items():
            out -= v * sp.log(p, evaluate=False)
        return out

    logs = {
        a: split(a.args[0]) for a in expr.atoms(sp.log) if a.args[0].is_Rational and a.args[0] > 0
    }
    return sp.expand(expr.xreplace(logs))


def exact_sign(expr: sp.Expr) -> int | None:
    r"""The sign of an exact constant: $0$, $\pm 1$, or ``None`` when it cannot be told.

    A rational combination of logs of rationals is decided exactly over the primes; a
    nonzero one gets its sign from a 50-digit evaluation (it is an explicit nonzero
    number, so the evaluation is not a judgement of zero).  Anything else is decided
    only when a 50-digit evaluation puts it clearly away from zero.
    """
    flat = over_primes(expr)
    if flat == 0:
        return 0
    value = sp.N(flat, 50)
    if not value.is_real:
        return None
    if all(a.is_Rational or (isinstance(a, sp.log) and a.args[0].is_prime) for a in flat.atoms()):
        return 1 if value > 0 else -1  # nonzero exactly; the sign of a nonzero number
    if abs(value) > sp.Float("1e-30"):
        return 1 if value > 0 else -1
    return None


def exact_nonzero(expr: sp.Expr) -> bool | None:
    """True when a constant is certainly nonzero: a nonzero sign, or a clearly imaginary part."""
    sign = exact_sign(expr)
    if sign is not None:
        return sign != 0
    value = sp.N(over_primes(expr), 50)
    if value.is_number and abs(sp.im(value)) > sp.Float("1e-30"):
        return True  # not even real: an integrand that is complex where the joint has mass
    return None


# ---------------------------------------------------------------------------------------
# The terms of (1) and of the bound


@dataclass(frozen=True)
class Term:
    """An entropy or cross-entropy: its name and the integrand whose expectation it is."""

    key: str  # a plain name, e.g. "H(z|y)"
    latex: str
    integrand: sp.Expr
    distribution: sp.Expr | None = None  # the density the entropy is of


class TermName(sp.Symbol):
    """The name of an entropy term, printed in the quiz's LaTeX."""

    def _latex(self, printer):
        return TERM_LATEX.get(self.name, self.name)


H_Y = Term("H(y)", "H(y)", -sp.log(POP), POP)
H_Z = Term("H(z)", "H(z)", -sp.log(MARG), MARG)
H_Z_GIVEN_Y = Term("H(z|y)", "H(z|y)", -sp.log(ENC), ENC)
H_Y_GIVEN_Z = Term("H(y|z)", "H(y|z)", -sp.log(POST), POST)
CE_Z = Term(
    "H(P_PopPsi(z), P_Phi(z))",
    r"H(P_{\text{Pop},\Psi}(z), P_\Phi(z))",
    -sp.log(PRIOR),
    MARG,
)
CE_Y_GIVEN_Z = Term(
    "H(P_PopPsi(y|z), P_Theta(y|z))",
    r"H(P_{\text{Pop},\Psi}(y|z), P_\Theta(y|z))",
    -sp.log(DEC),
    POST,
)

TERMS: dict[str, Term] = {
    t.key: t for t in (H_Y, H_Z, H_Z_GIVEN_Y, H_Y_GIVEN_Z, CE_Z, CE_Y_GIVEN_Z)
}
TERM_LATEX = {k: t.latex for k, t in TERMS.items()}

# (1): H(y) = H(z) - H(z|y) + H(y|z), as (sign, term) on the right.
IDENTITY_LHS = H_Y
IDENTITY_RHS: tuple[tuple[int, Term], ...] = ((1, H_Z), (-1, H_Z_GIVEN_Y), (1, H_Y_GIVEN_Z))

# The models of (c): which true density each one stands in for.
MODELS: dict[sp.Expr, Term] = {MARG: CE_Z, POST: CE_Y_GIVEN_Z}


def _combine(terms: Iterable[tuple[int, Term]]) -> sp.Expr:
    return sp.Add(*(s * t.integrand for s, t in terms))


# ---------------------------------------------------------------------------------------
# Derivations


@functools.cache
def gibbs_inequality() -> Derivation:
    r"""$\ln u \le u - 1$ for $u > 0$, with equality only at $u = 1$; hence $KL \ge 0$.

    $g(u) = u - 1 - \ln u$ has $g'(u) = 1 - 1/u$, vanishing only at $u = 1$, and
    $g''(u) = 1/u^2 > 0$, so $u = 1$ is the strict global minimum with $g(1) = 0$.
    With $u = Q(x)/P(x)$: $-KL(P\|Q) = E_P \ln(Q/P) \le E_P (Q/P - 1) = \sum Q - 1 \le 0$.
    """
    u = sp.Symbol("u", positive=True)
    g = u - 1 - sp.log(u)  # $g(u) = u - 1 - \ln u$
    g1, g2 = sp.diff(g, u), sp.diff(g, u, 2)
    crit = sp.solve(sp.Eq(g1, 0), u)
    if crit != [1] or not g2.is_positive or g.subs(u, 1) != 0:
        raise AssertionError("Gibbs: unexpected calculus")  # pragma: no cover
    result = sp.Ge(u - 1, sp.log(u))
    steps = (
        Step("Let g(u) = u - 1 - ln u on u > 0", sp.Eq(sp.Function("g")(u), g)),
        Step("Its derivative vanishes only at u = 1", sp.Eq(g1, 0)),
        Step(
            "Its second derivative is positive: g is strictly convex", sp.Gt(g2, 0, evaluate=False)
        ),
        Step("So g(u) >= g(1) = 0, with equality only at u = 1", result),
        Step(
            "With u = Q(x)/P(x) and E_P: -KL(P||Q) <= sum_x Q(x) - 1 <= 0, "
            "equality iff Q = P on the support of P",
            sp.Ge(_label("KL"), 0),
        ),
    )
    return Derivation("gibbs", result, steps, "u > 0")


@functools.cache
def entropy_identity(sizes: Sequence[tuple[int, int]] = ((2, 2), (3, 2))) -> Derivation:
    r"""(1): $H(y) = H(z) - H(z|y) + H(y|z)$, from the two factorizations of the joint.

    Proved pointwise (for every joint, any supports) and, independently, from the
    definitions of the entropies on symbolic worlds of the given sizes.
    """
    by_pop = sp.expand_log(sp.log(bayes_rules()[JOINT]))
    by_marg = sp.expand_log(sp.log(MARG * POST))
    rhs = _combine(IDENTITY_RHS)
    residual = sp.simplify(pointwise(rhs) - pointwise(IDENTITY_LHS.integrand))
    if residual != 0:
        raise AssertionError("identity (1) fails pointwise")  # pragma: no cover
    steps = [
        Step(
            "The joint factors through the population and the encoder", sp.Eq(sp.log(JOINT), by_pop)
        ),
        Step("and through the marginal and the posterior", sp.Eq(sp.log(JOINT), by_marg)),
        Step(
            "Subtracting, pointwise: -ln Pop(y) = -ln P(z) + ln P_Psi(z|y) - ln P(y|z)",
            sp.Eq(IDENTITY_LHS.integrand, rhs),
        ),
    ]
    for ny, nz in sizes:
        w = symbolic_world(ny, nz)
        gap = w.H_z() - w.H_z_given_y() + w.H_y_given_z() - w.H_y()
        if log_zero(gap) is not True:
            raise AssertionError(f"identity (1) fails on {ny}x{nz}")  # pragma: no cover
        steps.append(
            Step(
                f"From the definitions on every {ny}x{nz} world with symbolic probabilities, "
                "H(z) - H(z|y) + H(y|z) - H(y) expands to 0",
                sp.Eq(_label("H_z") - _label("H_z|y") + _label("H_y|z"), _label("H_y")),
            )
        )
    result = sp.Eq(_label("H(y)"), _label("H(z)") - _label("H(z|y)") + _label("H(y|z)"))
    return Derivation("p1.identity", result, tuple(steps), DOMAIN)


def log_zero(expr: sp.Expr) -> bool | None:
    """True when a sum of (polynomial) x (logarithm) terms expands to zero identically."""
    flat = sp.expand(sp.expand_log(expr, force=True))  # every probability is positive
    if flat == 0:
        return True
    return sp.simplify(flat) == 0 or None


@functools.cache
def identity_integrand() -> Derivation:
    r"""1(a): the integrand whose expectation over $y \sim \text{Pop}, z \sim P_\Psi(z|y)$ is $H(y)$.

    Each entropy of (1) is the expectation of minus the log of its density under the
    joint; signs follow (1).
    """
    steps = [Step(f"{t.key} is the expectation of", t.integrand) for _, t in IDENTITY_RHS]
    result = _combine(IDENTITY_RHS)  # $-\ln P(z) + \ln P_\Psi(z|y) - \ln P(y|z)$
    steps.append(Step("Combining with the signs of (1): H(y) = E of", result))
    for ny, nz in ((2, 2), (3, 2)):
        w = symbolic_world(ny, nz)
        if log_zero(w.expectation(result) - w.H_y()) is not True:
            raise AssertionError("1(a) integrand fails")  # pragma: no cover
        steps.append(
            Step(
                f"Its expectation equals H(y) on every {ny}x{nz} world (symbolic probabilities)",
                sp.Eq(_label("E"), w.H_y()),
            )
        )
    larger = larger_worlds(seed=4)
    for w in larger:
        if exact_sign(w.expectation(result) - w.H_y()) != 0:
            raise AssertionError("1(a) integrand fails on a rational world")  # pragma: no cover
    steps.append(
        Step(
            "and, exactly over the primes, on random rational worlds of sizes "
            + ", ".join(f"{w.ny}x{w.nz}" for w in larger),
            sp.Eq(_label("E") - _label("H(y)"), 0, evaluate=False),
        )
    )
    return Derivation("p1a.identity", result, tuple(steps), DOMAIN)


def estimable(
    terms: Iterable[Term], computable: frozenset[type[Density]]
) -> dict[str, tuple[bool, tuple[sp.Expr, ...]]]:
    """For each term: can its integrand be evaluated on samples, and which densities block it."""
    out = {}
    for t in terms:
        missing = tuple(
            sorted(
                (d for d in densities_in(t.integrand) if type(d) not in computable),
                key=str,
            )
        )
        out[t.key] = (not missing, missing)
    return out


def _estimable_derivation(id_: str, terms: Sequence[Term], computable, why: str) -> Derivation:
    table = estimable(terms, computable)
    allowed = ", ".join(
        sp.latex(c.canonical()) for c in sorted(computable, key=lambda c: c.__name__)
    )
    steps = [
        Step(
            f"Computable for given y, z ({why}): {allowed}",
            sp.Tuple(*(c.canonical() for c in computable)),
        )
    ]
    for t in terms:
        ok, missing = table[t.key]
        if ok:
            text = f"{t.key}: its integrand uses only computable densities, so a sample mean estimates it"
        else:
            blocked = ", ".join(sp.latex(m) for m in missing)
            text = f"{t.key}: its integrand needs {blocked}, which we cannot evaluate"
        steps.append(Step(text, t.integrand))
    result = sp.FiniteSet(*(TermName(k) for k, (ok, _) in table.items() if ok))
    return Derivation(id_, result, tuple(steps), "samples y ~ Pop, z ~ P_Psi(z|y)")


@functools.cache
def estimable_identity_terms() -> Derivation:
    """1(b): the terms of (1) estimable from samples, given only the encoder is computable."""
    terms = (IDENTITY_LHS, *(t for _, t in IDENTITY_RHS))
    return _estimable_derivation("p1b.estimable", terms, COMPUTABLE_1B, "the encoder")


def bound_terms() -> tuple[tuple[int, Term], ...]:
    """The terms of the bound: (1) with each plus-signed entropy replaced by a cross-entropy.

    $H(P) \\le H(P, Q)$, so replacing a term that enters with $+$ raises the right side;
    the $-H(z|y)$ term is kept (a cross-entropy there would lower it).
    """
    out = []
    for sign, term in IDENTITY_RHS:
        if sign > 0 and term.distribution in MODELS:
            out.append((sign, MODELS[term.distribution]))
        else:
            out.append((sign, term))
    return tuple(out)


@functools.cache
def estimable_bound_terms() -> Derivation:
    """1(d): the terms of the bound estimable from samples, with the models computable."""
    terms = tuple(t for _, t in bound_terms())
    return _estimable_derivation(
        "p1d.estimable", terms, COMPUTABLE_1D, "the encoder and the models"
    )


@functools.cache
def upper_bound() -> Derivation:
    r"""1(c): the integrand of the upper bound, and the gap as two KL divergences.

    bound $- H(y)$ $= [\ln P(z) - \ln P_\Phi(z)] + [\ln P(y|z) - \ln P_\Theta(y|z)]$
    pointwise; the expectations are the two KL terms, each $\ge 0$ by Gibbs.
    """
    terms = bound_terms()
    result = _combine(terms)  # $-\ln P_\Phi(z) + \ln P_\Psi(z|y) - \ln P_\Theta(y|z)$
    steps = [
        Step(
            f"Replace {old.key} by the cross-entropy {new.key} to its model (H(P) <= H(P,Q))",
            new.integrand,
        )
        for (_, old), (_, new) in zip(IDENTITY_RHS, terms, strict=True)
        if old is not new
    ]
    steps.append(Step("Keep -H(z|y): it enters with a minus sign", -H_Z_GIVEN_Y.integrand))
    steps.append(Step("The bound is the expectation of", result))
    gap_pointwise = (sp.log(MARG) - sp.log(PRIOR)) + (sp.log(POST) - sp.log(DEC))
    if not same_pointwise(result - IDENTITY_LHS.integrand, gap_pointwise):
        raise AssertionError("gap decomposition fails pointwise")  # pragma: no cover
    steps.append(
        Step(
            "Pointwise, bound integrand + ln Pop(y) = ln(P(z)/P_Phi(z)) + ln(P(y|z)/P_Theta(y|z))",
            sp.Eq(result - IDENTITY_LHS.integrand, gap_pointwise),
        )
    )
    for ny, nz in ((2, 2), (3, 2)):
        w = symbolic_world(ny, nz)
        gap = w.expectation(result) - w.H_y()
        kls = w.kl_marginal_prior() + w.kl_posterior_decoder()
        if log_zero(gap - kls) is not True:
            raise AssertionError("gap is not the KL sum")  # pragma: no cover
        steps.append(
            Step(
                f"On every {ny}x{nz} world: E[bound] - H(y) = KL(P(z)||P_Phi) + E_z KL(P(y|z)||P_Theta)",
                sp.Eq(_label("gap"), _label("KL_z") + _label("KL_y|z")),
            )
        )
    larger = larger_worlds(seed=6)
    for w in larger:
        gap, kl_z, kl_yz = bound_gap_at(w)
        if exact_sign(gap - kl_z - kl_yz) != 0:
            raise AssertionError("gap is not the KL sum on a rational world")  # pragma: no cover
    steps.append(
        Step(
            "and, exactly over the primes, on random rational worlds of sizes "
            + ", ".join(f"{w.ny}x{w.nz}" for w in larger),
            sp.Eq(_label("gap") - _label("KL_z") - _label("KL_y|z"), 0, evaluate=False),
        )
    )
    steps.extend(gibbs_inequality().steps[-1:])
    at_truth = _gap_at_truth()
    steps.append(
        Step(
            "With P_Phi = P(z) and P_Theta = P(y|z) the gap is exactly 0 (2x2 world)",
            sp.Eq(_label("gap"), at_truth),
        )
    )
    return Derivation("p1c.bound", result, tuple(steps), DOMAIN)


@functools.cache
def _gap_at_truth() -> sp.Expr:
    """E[bound] - H(y) on the symbolic 2x2 world with the models set to the true densities."""
    w = symbolic_world(2, 2)
    truth = World(
        w.pop,
        w.enc,
        tuple(w.marginal(j) for j in range(w.nz)),
        tuple(tuple(w.posterior(i, j) for i in range(w.ny)) for j in range(w.nz)),
    )
    gap = truth.expectation(upper_bound_integrand()) - truth.H_y()
    if log_zero(gap) is not True:
        raise AssertionError("gap at the truth is not 0")  # pragma: no cover
    return sp.Integer(0)


def upper_bound_integrand() -> sp.Expr:
    """The bound's integrand (derived by :func:`bound_terms`)."""
    return _combine(bound_terms())


def bound_gap_at(world: World) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """(E[bound] - H(y), KL of the marginal, expected KL of the posterior) on a world."""
    return (
        world.expectation(upper_bound_integrand()) - world.H_y(),
        world.kl_marginal_prior(),
        world.kl_posterior_decoder(),
    )


@functools.cache
def vae_objective() -> Derivation:
    r"""1(e): the bound is the VAE's negative ELBO.

    Pointwise $-\ln P_\Phi(z) + \ln P_\Psi(z|y) - \ln P_\Theta(y|z)
    = -\ln P_\Theta(y|z) + [\ln P_\Psi(z|y) - \ln P_\Phi(z)]$, and the bracket's
    expectation over $z \sim P_\Psi(z|y)$ is $KL(P_\Psi(z|y) \| P_\Phi(z))$.  So the
    bound is $E[-\ln P_\Theta(y|z)] + E_y KL(P_\Psi(z|y)\|P_\Phi(z))$, the negative ELBO
    with encoder $\Psi$, prior $\Phi$ and decoder $\Theta$; minimizing one minimizes
    the other, in all three parameters.
    """
    bound = upper_bound_integrand()
    reconstruction = -sp.log(DEC)  # $-\ln P_\Theta(y|z)$
    kl_integrand = sp.log(ENC) - sp.log(PRIOR)  # $\ln P_\Psi(z|y) - \ln P_\Phi(z)$
    same = same_pointwise(bound, reconstruction + kl_integrand)
    steps = [
        Step("The bound's integrand", bound),
        Step(
            "regroups as reconstruction + KL integrand",
            sp.Eq(bound, reconstruction + kl_integrand, evaluate=False),
        ),
    ]
    for ny, nz in ((2, 2), (3, 2)):
        w = symbolic_world(ny, nz)
        neg_elbo = w.expectation(reconstruction) + w.kl_encoder_prior()
        if log_zero(w.expectation(bound) - neg_elbo) is not True:
            same = False
        steps.append(
            Step(
                f"On every {ny}x{nz} world: E[bound] = E[-ln P_Theta(y|z)] + E_y KL(P_Psi(z|y)||P_Phi(z))",
                sp.Eq(_label("bound"), _label("negative_ELBO")),
            )
        )
    return Derivation("p1e.vae", sp.true if same else sp.false, tuple(steps), DOMAIN)


# ---------------------------------------------------------------------------------------
# Comparing integrands


@dataclass(frozen=True)
class Comparison:
    """The outcome of comparing a claimed integrand's expectation with a derived one."""

    equal: bool | None  # True: on every joint; False: a world tells them apart
    how: str
    world: World | None = None
    claimed: sp.Expr | None = None  # expectations on the world, exact
    derived: sp.Expr | None = None


def compare_expectations(
    claimed: sp.Expr, derived: sp.Expr, candidates: Iterable[World] | None = None
) -> Comparison:
    """Do the two integrands have the same expectation on every joint (and every model)?

    Pointwise equality after the Bayes relations proves it for all joints.  Otherwise
    exact rational worlds are searched for one on which the expectations differ.
    """
    check_integrand(claimed)
    check_integrand(derived)
    if same_pointwise(claimed, derived):
        return Comparison(True, "equal pointwise after the Bayes relations, so on every joint")
    for w in candidates if candidates is not None else worlds():
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
