r"""Gibbs' inequality, the identity (1), 1(a) as one expectation, and which terms are estimable.

**The identity.**  The joint factors two ways (Bayes),

$$\ln \text{Pop}(y) + \ln P_\Psi(z|y) = \ln P_{\text{Pop},\Psi}(y,z)
  = \ln P_{\text{Pop},\Psi}(z) + \ln P_{\text{Pop},\Psi}(y|z),$$

so pointwise $-\ln \text{Pop}(y) = -\ln P_{\text{Pop},\Psi}(z) + \ln P_\Psi(z|y)
- \ln P_{\text{Pop},\Psi}(y|z)$, and in expectation $H(y) = H(z) - H(z|y) + H(y|z)$ (1).
Given an observed $x$ every density is conditioned on $x$ as well, and the same algebra
gives $H(y|x) = H(z|x) - H(z|x,y) + H(y|x,z)$.
"""

from __future__ import annotations

import functools

import sympy as sp

from derivations.core import Derivation, Step
from derivations.entropy.densities import DOMAIN
from derivations.entropy.exact import exact_sign, log_zero
from derivations.entropy.terms import (
    QUIZ,
    TERM_LATEX,
    Expectation,
    Setting,
    TermName,
    aligned,
    bound_terms,
    combine,
    estimable_derivation,
    expect_tex,
    log_tex,
    names_tex,
    sampling_tex,
)
from derivations.entropy.world import larger_worlds, symbolic

KL_PQ = "KL(P || Q)"
TERM_LATEX[KL_PQ] = r"\operatorname{KL}(P \,\|\, Q)"
SYMBOLIC_SIZES = ((2, 2), (3, 2))


def sizes(worlds) -> str:
    """'4×3, 5×4 and 6×5', the sizes of some worlds (given x: values of x, y and z)."""
    names = [f"{len(w.px)}×{w.ny}×{w.nz}" if hasattr(w, "px") else f"{w.ny}×{w.nz}" for w in worlds]
    return ", ".join(names[:-1]) + " and " + names[-1]


@functools.cache
def gibbs_inequality() -> Derivation:
    r"""$\ln u \le u - 1$ for $u > 0$, with equality only at $u = 1$; hence $KL \ge 0$."""
    u = sp.Symbol("u", positive=True)
    g = sp.Function("g")
    gu = u - 1 - sp.log(u)  # $g(u) = u - 1 - \ln u$
    g1, g2 = sp.diff(gu, u), sp.diff(gu, u, 2)
    crit = sp.solve(sp.Eq(g1, 0), u)
    result = sp.Ge(u - 1, sp.log(u))
    if crit != [1] or not g2.is_positive or gu.subs(u, 1) != 0:
        raise ArithmeticError("Gibbs: unexpected calculus")
    steps = (
        Step(r"For $u > 0$ let $g(u) = u - 1 - \ln u$.", sp.Eq(g(u), gu)),
        Step(
            f"Its derivative vanishes only at $u = {sp.latex(crit[0])}$,",
            sp.Eq(sp.Derivative(g(u), u), g1),
        ),
        Step(
            f"and its second derivative is positive, so $g$ is strictly convex and its minimum "
            f"is $g({sp.latex(crit[0])}) = {sp.latex(gu.subs(u, crit[0]))}$. Hence, with "
            f"equality only at $u = {sp.latex(crit[0])}$,",
            result,
        ),
        Step(
            r"For distributions $P$ and $Q$ take $u = Q(x)/P(x)$ and average over $x \sim P$: "
            r"$-\operatorname{KL}(P \,\|\, Q) = \mathbb{E}_{x \sim P} \ln \frac{Q(x)}{P(x)} "
            r"\le \sum_x Q(x) - 1 \le 0$. So the Kullback-Leibler divergence is nonnegative, "
            r"zero only when $Q = P$ wherever $P > 0$; equivalently the cross-entropy "
            r"$H(P, Q) = H(P) + \operatorname{KL}(P \,\|\, Q)$ is at least the entropy $H(P)$.",
            sp.Ge(TermName(KL_PQ), 0),
        ),
    )
    return Derivation("gibbs", result, steps, "u > 0")


@functools.cache
def entropy_identity(setting: Setting = QUIZ) -> Derivation:
    r"""(1): $H(y) = H(z) - H(z|y) + H(y|z)$, from the two factorizations of the joint."""
    d, t = setting.dens, setting.terms
    by_pop = d.pop * d.enc  # the joint, by its definition
    by_marg = d.marg * d.post  # the joint, by Bayes' rule
    (log_pop,) = sp.solve(sp.Eq(sp.log(by_pop), sp.log(by_marg)).expand(force=True),
                          sp.log(d.pop))  # fmt: skip
    pointwise = sp.expand(-log_pop)  # $-\ln \text{Pop}(y)$ at every (y, z)
    rhs = sp.Add(
        *(-pointwise.coeff(sp.log(term.distribution)) * TermName(term.key)
          for _, term in t.identity_rhs)
    )  # fmt: skip
    result = sp.Eq(TermName(t.H_Y.key), rhs)
    steps = (
        Step(
            "The joint distribution is, by its definition, the population times the encoder,",
            sp.Eq(d.joint, by_pop),
        ),
        Step(
            "and, by Bayes' rule, the marginal of $z$ times the posterior of $y$ given $z$:",
            sp.Eq(d.joint, by_marg),
        ),
        Step(
            "Taking logarithms of both factorizations and solving for the population's term, at "
            "every point of the support:",
            sp.Eq(-sp.log(d.pop), pointwise),
            f"{log_tex(-sp.log(d.pop), d)} = {log_tex(pointwise, d)}",
        ),
        Step(
            "Each entropy is the expectation under the joint of minus the logarithm of its own "
            f"distribution (that of ${t.H_Z_GIVEN_Y.latex}$ is the encoder's, which is the "
            "joint's conditional of $z$ by construction). Taking expectations of both sides:",
            result,
            f"{t.H_Y.latex} = {names_tex(rhs, t)}",
        ),
    )
    worlds = [symbolic(ny, nz, setting.observed) for ny, nz in SYMBOLIC_SIZES]
    for w in worlds:
        if log_zero(w.H_z() - w.H_z_given_y() + w.H_y_given_z() - w.H_y()) is not True:
            raise ArithmeticError("identity (1) fails on a symbolic world")
    checks = (
        (
            "From the definitions of the entropies, the identity holds on every world of sizes "
            f"{sizes(worlds)} with symbolic probabilities."
        ),
    )
    return Derivation("p1.identity", result, steps, DOMAIN, checks=checks)


@functools.cache
def identity_integrand(setting: Setting = QUIZ) -> Derivation:
    r"""1(a): the integrand whose expectation over $y \sim \text{Pop}, z \sim P_\Psi(z|y)$ is $H(y)$."""
    d, t = setting.dens, setting.terms
    signs = entropy_identity(setting).result.rhs  # (1), as derived
    terms = [(int(signs.coeff(TermName(term.key))), term) for _, term in t.identity_rhs]
    result = combine(terms)
    lhs = [t.H_Y, *(term for _, term in terms)]
    steps = (
        Step(
            "Each entropy in (1) is by definition an expectation over the joint, that is over "
            + sampling_tex(setting.observed, " and then ")
            + ", of minus the logarithm of its own distribution:",
            sp.Tuple(*(sp.Eq(TermName(s.key), Expectation(s.integrand)) for s in lhs)),
            aligned((s.latex, expect_tex(s.integrand, d)) for s in lhs),
        ),
        Step(
            "Substituting them into (1) and joining the three expectations into one (the "
            "expectation is linear):",
            sp.Eq(Expectation(t.H_Y.integrand), Expectation(result)),
            f"{expect_tex(t.H_Y.integrand, d)} = {expect_tex(result, d)}",
        ),
    )
    symbolic_worlds = [symbolic(ny, nz, setting.observed) for ny, nz in SYMBOLIC_SIZES]
    larger = larger_worlds(seed=4, observed=setting.observed)
    for w in symbolic_worlds:
        if log_zero(w.expectation(result) - w.H_y()) is not True:
            raise ArithmeticError("1(a) integrand fails on a symbolic world")
    for w in larger:
        if exact_sign(w.expectation(result) - w.H_y()) != 0:
            raise ArithmeticError("1(a) integrand fails on a rational world")
    checks = (
        (
            f"Its expectation equals ${t.H_Y.latex}$ on every world of sizes "
            f"{sizes(symbolic_worlds)} with symbolic probabilities."
        ),
        (
            f"it equals ${t.H_Y.latex}$ exactly (over the primes) on random rational worlds of "
            f"sizes {sizes(larger)}."
        ),
    )
    return Derivation("p1a.identity", result, steps, DOMAIN, checks=checks)


@functools.cache
def estimable_identity_terms(setting: Setting = QUIZ) -> Derivation:
    """1(b): the terms of (1) estimable from samples, given only the encoder is computable."""
    t = setting.terms
    terms = (t.H_Y, *(term for _, term in t.identity_rhs))
    why = f"only the encoder ${sp.latex(setting.dens.enc)}$"
    return estimable_derivation("p1b.estimable", terms, setting.dens.computable(models=False), why)


@functools.cache
def estimable_bound_terms(setting: Setting = QUIZ) -> Derivation:
    """1(d): the terms of the bound estimable from samples, with the models computable."""
    terms = tuple(t for _, t in bound_terms(setting))
    return estimable_derivation(
        "p1d.estimable", terms, setting.dens.computable(models=True), "the encoder and the models"
    )
