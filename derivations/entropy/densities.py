r"""The densities of problem 1 as SymPy functions, integrands over them, and Bayes.

**Densities as functions.**  Each density is a SymPy function class applied to the
random variables $y$, $z$ (``Pop(y)``, ``P_Psi(z, y)`` for $P_\Psi(z|y)$, ...).  An
*integrand* is an expression in these applications, e.g.
$-\ln P_\Phi(z) + \ln P_\Psi(z|y) - \ln P_\Theta(y|z)$; its expectation is taken
in a *world*: finite supports with a table for each density.

**Conditioning on an observed x.**  In a conditional VAE every distribution is also
conditioned on an observed $x$: $\text{Pop}(y|x)$, $P_\Psi(z|x, y)$, $P_\Phi(z|x)$,
$P_\Theta(y|x, z)$, and the joint's $P_{\text{Pop},\Psi}(z|x)$, $P_{\text{Pop},\Psi}(y|x, z)$.
Each such class is made from its unconditioned one by :func:`conditioned` ($x$ joins
the conditioning variables, first); :class:`Densities` bundles the seven densities of
one setting.

The densities that the joint defines (its marginal, posterior and the joint
itself) are eliminated by the Bayes relations, so that two integrands can be
compared pointwise.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import ClassVar

import sympy as sp

# The random variables: indices into finite supports.
y = sp.Symbol("y", integer=True, nonnegative=True)  # an observable value
z = sp.Symbol("z", integer=True, nonnegative=True)  # a latent value
x = sp.Symbol("x", integer=True, nonnegative=True)  # an observed input (a conditional VAE)

DOMAIN = (
    "finite supports; Pop, the encoder and the models are probability distributions, "
    "positive wherever the joint is"
)


class Density(sp.Function):
    r"""A probability function of the problem, applied to the random variables.

    ``variables`` is the canonical argument tuple (the quiz's $P(a|b)$ is ``cls(a, b)``),
    ``role`` one of ``population``, ``encoder``, ``joint`` (defined by Pop and the
    encoder), ``model``; ``base`` the unconditioned class (itself unless conditioned).
    """

    latex_name: ClassVar[str] = ""
    variables: ClassVar[tuple[sp.Symbol, ...]] = ()
    given: ClassVar[int] = 0  # how many trailing variables are conditioned on
    role: ClassVar[str] = ""
    base: ClassVar[type[Density] | None] = None

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

    @classmethod
    def unconditioned(cls) -> type[Density]:
        return cls.base or cls


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


@functools.cache
def conditioned(cls: type[Density]) -> type[Density]:
    """The class of ``cls`` conditioned also on $x$: $x$ becomes the first conditioning variable."""
    cut = len(cls.variables) - cls.given
    variables = (*cls.variables[:cut], x, *cls.variables[cut:])
    attrs = {
        "nargs": len(variables),
        "latex_name": cls.latex_name,
        "variables": variables,
        "given": cls.given + 1,
        "role": cls.role,
        "base": cls,
        "__module__": __name__,
    }
    return type(f"{cls.__name__}_x", (Density,), attrs)


# Each conditioned class is also a name of this module, so that a derivation holding one
# can be pickled (pickle finds a class by its module and name).
for _cls in DENSITIES:
    globals()[conditioned(_cls).__name__] = conditioned(_cls)


@dataclass(frozen=True)
class Densities:
    """The seven densities of one setting, applied to their variables, and what they allow."""

    observed: bool
    classes: tuple[type[Density], ...]

    def _get(self, base: type[Density]) -> sp.Expr:
        return next(c for c in self.classes if c.unconditioned() is base).canonical()

    @property
    def pop(self) -> sp.Expr:
        return self._get(Pop)

    @property
    def enc(self) -> sp.Expr:
        return self._get(P_Psi)

    @property
    def marg(self) -> sp.Expr:
        return self._get(P_PopPsi_z)

    @property
    def post(self) -> sp.Expr:
        return self._get(P_PopPsi_y_given_z)

    @property
    def joint(self) -> sp.Expr:
        return self._get(P_PopPsi_yz)

    @property
    def prior(self) -> sp.Expr:
        return self._get(P_Phi)

    @property
    def dec(self) -> sp.Expr:
        return self._get(P_Theta)

    @property
    def variables(self) -> tuple[sp.Symbol, ...]:
        return (x, y, z) if self.observed else (y, z)

    def computable(self, models: bool) -> frozenset[type[Density]]:
        """What the quiz lets us evaluate at a sample: the encoder, and in (c)-(d) the models.

        Pop can be sampled but not evaluated; the joint's marginal and posterior neither.
        """
        bases = {P_Psi, P_Phi, P_Theta} if models else {P_Psi}
        return frozenset(c for c in self.classes if c.unconditioned() in bases)

    def plain(self) -> dict[sp.Expr, sp.Expr]:
        """Each density of this setting -> its unconditioned one (the world of one x)."""
        return {c.canonical(): c.unconditioned().canonical() for c in self.classes}


PLAIN = Densities(False, DENSITIES)
OBSERVED = Densities(True, tuple(conditioned(c) for c in DENSITIES))

POP, ENC, MARG, POST, JOINT, PRIOR, DEC = (cls.canonical() for cls in DENSITIES)
COMPUTABLE_1B: frozenset[type[Density]] = PLAIN.computable(models=False)
COMPUTABLE_1D: frozenset[type[Density]] = PLAIN.computable(models=True)


def densities_for(observed: bool) -> Densities:
    return OBSERVED if observed else PLAIN


class IntegrandError(ValueError):
    """An integrand is not a function of the problem's densities at (y, z)."""


def densities_in(expr: sp.Expr) -> set[sp.Expr]:
    """The density applications an expression uses."""
    return {a for a in expr.atoms(sp.Function) if isinstance(a, Density)}


def check_integrand(expr: sp.Expr, dens: Densities = PLAIN) -> None:
    """Raise :class:`IntegrandError` unless every density is one of the setting's, applied to
    its own variables."""
    for app in densities_in(expr):
        if type(app) not in dens.classes:
            raise IntegrandError(f"{sp.latex(app)} is not a density of this problem")
        if app.args != type(app).variables:
            raise IntegrandError(
                f"{sp.latex(app)} is not a density of the problem: "
                f"expected {sp.latex(type(app).canonical())}"
            )
    stray = expr.free_symbols - set(dens.variables)
    if stray:
        names = ", ".join(sorted(str(s) for s in stray))
        raise IntegrandError(f"the integrand depends on unknown symbols: {names}")
    outside = expr.xreplace({app: sp.Dummy(positive=True) for app in densities_in(expr)})
    if outside.free_symbols & set(dens.variables):
        raise IntegrandError("the variables may appear only as the arguments of densities")


# ---------------------------------------------------------------------------------------
# Pointwise algebra: the Bayes relations


def bayes_rules(dens: Densities = PLAIN) -> dict[sp.Expr, sp.Expr]:
    r"""Each density defined by the joint, in terms of Pop, the encoder and the marginal.

    $P_{\text{Pop},\Psi}(y,z) = \text{Pop}(y) P_\Psi(z|y)$ (the definition of the joint) and
    $P_{\text{Pop},\Psi}(y|z) = P_{\text{Pop},\Psi}(y,z) / P_{\text{Pop},\Psi}(z)$; given $x$,
    the same with every density conditioned on $x$.
    """
    joint = dens.pop * dens.enc  # $P(y,z) = \text{Pop}(y) P_\Psi(z|y)$
    return {dens.joint: joint, dens.post: joint / dens.marg}  # $P(y|z) = P(y,z)/P(z)$


def pointwise(expr: sp.Expr, dens: Densities = PLAIN) -> sp.Expr:
    """An integrand over the free densities (Pop, encoder, marginal, models), logs expanded."""
    check_integrand(expr, dens)
    free = expr.xreplace(bayes_rules(dens))
    return sp.expand(sp.expand_log(free))


def same_pointwise(f: sp.Expr, g: sp.Expr, dens: Densities = PLAIN) -> bool:
    """True when the two integrands are equal at every sample point of every joint."""
    return sp.simplify(pointwise(f, dens) - pointwise(g, dens)) == 0
