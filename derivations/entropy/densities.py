r"""The densities of problem 1 as SymPy functions, integrands over them, and Bayes.

**Densities as functions.**  Each density is a SymPy function class applied to the
random variables $y$, $z$ (``Pop(y)``, ``P_Psi(z, y)`` for $P_\Psi(z|y)$, ...).  An
*integrand* is an expression in these applications, e.g.
$-\ln P_\Phi(z) + \ln P_\Psi(z|y) - \ln P_\Theta(y|z)$; its expectation is taken
in a *world*: finite supports with a table for each density.

The densities that the joint defines (its marginal, posterior and the joint
itself) are eliminated by the Bayes relations, so that two integrands can be
compared pointwise.
"""

from __future__ import annotations

from typing import ClassVar

import sympy as sp

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
