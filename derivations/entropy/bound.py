r"""The derivations of problem 1: Gibbs, the identity (1), the bound and the VAE objective.

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

Which terms can be estimated from samples, (b) and (d), is decided from the
densities each integrand uses.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import sympy as sp

from derivations.core import Derivation, Step
from derivations.entropy.densities import (
    COMPUTABLE_1B,
    COMPUTABLE_1D,
    DEC,
    DOMAIN,
    ENC,
    JOINT,
    MARG,
    POST,
    PRIOR,
    bayes_rules,
    pointwise,
    same_pointwise,
)
from derivations.entropy.terms import (
    H_Z_GIVEN_Y,
    IDENTITY_LHS,
    IDENTITY_RHS,
    _combine,
    _estimable_derivation,
    bound_terms,
)
from derivations.entropy.world import (
    World,
    exact_sign,
    larger_worlds,
    log_zero,
    symbolic_world,
)


def _label(name: str) -> sp.Symbol:
    """A real-valued name standing for a quantity in a step's display (an entropy, a gap)."""
    return sp.Symbol(name, real=True)


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


@functools.cache
def estimable_identity_terms() -> Derivation:
    """1(b): the terms of (1) estimable from samples, given only the encoder is computable."""
    terms = (IDENTITY_LHS, *(t for _, t in IDENTITY_RHS))
    return _estimable_derivation("p1b.estimable", terms, COMPUTABLE_1B, "the encoder")


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
