r"""The bound of problem 1(c), its gap, and the VAE objective of 1(e).

**The bound.**  $H(P) \le H(P, Q) = \mathbb{E}_{x\sim P} -\ln Q(x)$ (Gibbs).  Replacing the
entropies that enter (1) with a plus sign by cross-entropies to the models (the quiz
replaces both; a variant may replace one),

$$H(y) \le \mathbb{E}\left[-\ln P_\Phi(z) + \ln P_\Psi(z|y) - \ln P_\Theta(y|z)\right].$$

**The gap.**  The bound minus $H(y)$ is, for each replaced entropy, its cross-entropy
minus itself: $\operatorname{KL}(P_{\text{Pop},\Psi}(z) \| P_\Phi(z))$ and
$\mathbb{E}_z \operatorname{KL}(P_{\text{Pop},\Psi}(y|z) \| P_\Theta(y|z))$, each $\ge 0$ and
zero exactly when its model is the true distribution.

**The VAE.**  Regrouped, the bound with both replacements is
$\mathbb{E}[-\ln P_\Theta(y|z)] + \mathbb{E}_y \operatorname{KL}(P_\Psi(z|y) \| P_\Phi(z))$: the
negative ELBO a VAE minimizes.  A bound that keeps a true distribution is not it.
"""

from __future__ import annotations

import functools

import sympy as sp

from derivations.core import Derivation, Step
from derivations.entropy.densities import DOMAIN, same_pointwise
from derivations.entropy.exact import exact_sign, log_zero
from derivations.entropy.identity import SYMBOLIC_SIZES, sizes
from derivations.entropy.terms import (
    QUIZ,
    Expectation,
    Setting,
    TermName,
    aligned,
    bound_terms,
    combine,
    expect_tex,
    log_tex,
    names_tex,
    sampling_tex,
)
from derivations.entropy.world import AnyWorld, compare_expectations, larger_worlds, symbolic

BOUND = sp.Symbol(r"\text{bound}")
NEG_ELBO = sp.Symbol(r"\mathcal{L}")  # the negative ELBO, named in words where it is used


def upper_bound_integrand(setting: Setting = QUIZ) -> sp.Expr:
    """The bound's integrand (derived by :func:`bound_terms`)."""
    return combine(bound_terms(setting))


def _replaced(setting: Setting):
    """(entropy, cross-entropy, KL) of each replaced term, in the order of (1)."""
    t = setting.terms
    return [t.replaced(name) for name in ("z", "y|z") if name in setting.replace]


@functools.cache
def upper_bound(setting: Setting = QUIZ) -> Derivation:
    """1(c): the integrand of the upper bound on H(y) (given x: on H(y|x))."""
    d, t = setting.dens, setting.terms
    terms = bound_terms(setting)
    result = combine(terms)
    named = sp.Add(*(s * TermName(term.key) for s, term in terms))
    replaced = _replaced(setting)
    kept = [term for sign, term in terms if sign > 0 and term in (t.H_Z, t.H_Y_GIVEN_Z)]
    text = " and ".join(f"${old.latex}$" for old, _, _ in replaced)
    steps = [
        Step(
            f"In (1), {text} {'enter' if len(replaced) > 1 else 'enters'} with a plus sign. "
            "A cross-entropy is at least the entropy it stands for (Gibbs' inequality), so "
            "replacing each by its cross-entropy to a model can only raise the right side; "
            f"${t.H_Z_GIVEN_Y.latex}$ enters with a minus sign and is kept"
            + "".join(f", and so is ${k.latex}$, which this bound does not replace" for k in kept)
            + ":",
            sp.Le(TermName(t.H_Y.key), named),
            f"{t.H_Y.latex} \\le {names_tex(named, t)}",
        ),
        Step(
            "Each cross-entropy is an expectation under the joint of minus the logarithm of "
            "the model (the expectation over the joint of a function of fewer variables is "
            "its expectation under their marginal):",
            sp.Tuple(*[sp.Eq(TermName(n.key), Expectation(n.integrand)) for _, n, _ in replaced]),
            aligned((new.latex, expect_tex(new.integrand, d)) for _, new, _ in replaced),
        ),
        Step(
            "With the other terms written as expectations too, by linearity the bound is one "
            f"expectation over {sampling_tex(setting.observed)}:",
            sp.Le(TermName(t.H_Y.key), Expectation(result)),
            f"{t.H_Y.latex} \\le {expect_tex(result, d)}",
        ),
    ]
    larger = larger_worlds(seed=6, observed=setting.observed)
    for w in larger:
        if exact_sign(w.expectation(result) - w.H_y()) != 1:
            raise ArithmeticError("the bound is not above H(y) on a rational world")
        if exact_sign(w.with_models(True).expectation(result) - w.H_y()) != 0:
            raise ArithmeticError("the bound is not tight at the true models")
    checks = (
        (
            f"On random rational worlds of sizes {sizes(larger)} the bound exceeds ${t.H_Y.latex}$ "
            "exactly (over the primes), and equals it once the models are the true distributions."
        ),
    )
    return Derivation("p1c.bound", result, tuple(steps), DOMAIN, checks=checks)


def gap_integrand(setting: Setting = QUIZ) -> sp.Expr:
    return sp.Add(*(kl.integrand for _, _, kl in _replaced(setting)))


@functools.cache
def bound_gap(setting: Setting = QUIZ) -> Derivation:
    """The gap of the bound: the KL divergence of each replaced distribution from its model."""
    d, t = setting.dens, setting.terms
    replaced = _replaced(setting)
    differences = sp.Add(*(TermName(new.key) - TermName(old.key) for old, new, _ in replaced))
    result = sp.Add(*(TermName(kl.key) for _, _, kl in replaced))
    for old, new, kl in replaced:  # each difference is the KL's integrand
        if not same_pointwise(new.integrand - old.integrand, kl.integrand, setting.dens):
            raise ArithmeticError("a cross-entropy minus its entropy is not the KL")
    gap = sp.Symbol(rf"\text{{bound}} - {t.H_Y.latex}")
    steps = (
        Step(
            "Subtracting (1) from the bound, the terms kept cancel and each replaced entropy "
            "leaves its cross-entropy minus itself:",
            sp.Eq(gap, differences),
            f"{sp.latex(gap)} = {names_tex(differences, t)}",
        ),
        Step(
            "Under the joint, a cross-entropy minus its entropy is the expectation of the "
            "logarithm of the true distribution over its model: the Kullback-Leibler divergence "
            "of the model from the truth, averaged over what it is conditioned on:",
            sp.Tuple(
                *(
                    sp.Eq(TermName(new.key) - TermName(old.key), Expectation(kl.integrand))
                    for old, new, kl in replaced
                )
            ),
            aligned(
                (f"{new.latex} - {old.latex}", f"{expect_tex(kl.integrand, d)} = {kl.latex}")
                for old, new, kl in replaced
            ),
        ),
        Step(
            "So the gap of the bound is",
            sp.Eq(gap, result),
            f"{sp.latex(gap)} = {names_tex(result, t)}",
        ),
        Step(
            "By Gibbs' inequality each divergence is nonnegative and zero exactly when its model "
            "is the true distribution, so the gap closes exactly at the true models:",
            sp.Ge(result, 0),
            f"{names_tex(result, t)} \\ge 0",
        ),
    )
    integrand = gap_integrand(setting)
    bound = upper_bound_integrand(setting)
    symbolic_worlds = [symbolic(ny, nz, setting.observed) for ny, nz in SYMBOLIC_SIZES]
    for w in symbolic_worlds:
        if log_zero(w.expectation(bound) - w.H_y() - _kl_sum(w, setting)) is not True:
            raise ArithmeticError("the gap is not the sum of the divergences")
    larger = larger_worlds(seed=8, observed=setting.observed)
    for w in larger:
        if exact_sign(w.expectation(bound) - w.H_y() - w.expectation(integrand)) != 0:
            raise ArithmeticError("the gap's integrand fails on a rational world")
    checks = (
        "On every world of sizes " + sizes(symbolic_worlds) + " with symbolic probabilities, "
        "the bound minus $" + t.H_Y.latex + "$ equals the sum of the divergences computed from "
        "their definitions.",
        f"Exactly (over the primes) the same on random rational worlds of sizes {sizes(larger)}.",
    )
    return Derivation("p1.gap", result, steps, DOMAIN, checks=checks)


def _kl_sum(w: AnyWorld, setting: Setting) -> sp.Expr:
    """The divergences of the replaced terms, from their definitions on a world."""
    out = sp.Integer(0)
    if "z" in setting.replace:
        out += w.kl_marginal_prior()
    if "y|z" in setting.replace:
        out += w.kl_posterior_decoder()
    return out


def negative_elbo(setting: Setting = QUIZ) -> sp.Expr:
    """The integrand of the negative ELBO: $-\\ln P_\\Theta(y|z) + \\ln P_\\Psi(z|y) - \\ln P_\\Phi(z)$."""
    d = setting.dens
    return -sp.log(d.dec) + (sp.log(d.enc) - sp.log(d.prior))


@functools.cache
def vae_objective(setting: Setting = QUIZ) -> Derivation:
    """1(e): is the bound the VAE's negative ELBO?  Yes when both entropies are replaced."""
    d, t = setting.dens, setting.terms
    bound = upper_bound_integrand(setting)
    elbo = negative_elbo(setting)
    recon, kl = -sp.log(d.dec), sp.log(d.enc) - sp.log(d.prior)
    kl_name = rf"\mathbb{{E}} \operatorname{{KL}}({sp.latex(d.enc)} \,\|\, {sp.latex(d.prior)})"
    head = Step(
        f"A VAE with encoder $\\Psi$, prior $\\Phi$ and decoder $\\Theta$ minimizes its negative "
        r"ELBO $\mathcal{L}$: the expected reconstruction error plus "
        f"${kl_name}$. The expectation over $z$ of ${log_tex(kl, d)}$ is that divergence, so",
        sp.Eq(NEG_ELBO, Expectation(recon) + Expectation(kl)),
        rf"\mathcal{{L}} = {expect_tex(recon, d)} + {expect_tex(kl, d)}",
    )
    same = same_pointwise(bound, elbo, d)
    if same:
        steps = (
            head,
            Step(
                "The bound's integrand regroups as exactly this reconstruction term plus the "
                "divergence's integrand:",
                sp.Eq(bound, sp.Add(recon, kl, evaluate=False), evaluate=False),
                f"{log_tex(bound, d)} = {log_tex(recon, d)} + \\left({log_tex(kl, d)}\\right)",
            ),
            Step(
                "So the bound is the negative ELBO, and minimizing it over the encoder, the "
                "prior and the decoder is training the VAE:",
                sp.Eq(BOUND, NEG_ELBO),
            ),
        )
        return Derivation("p1e.vae", sp.true, steps, DOMAIN)
    found = compare_expectations(bound, elbo, dens=d)
    kept = [term.latex for sign, term in bound_terms(setting) if sign > 0 and term in
            (t.H_Z, t.H_Y_GIVEN_Z)]  # fmt: skip
    steps = (
        head,
        Step(
            f"This bound keeps ${kept[0]}$, whose integrand needs a distribution of the joint "
            "that cannot be computed; the bound minus the negative ELBO is",
            sp.Eq(BOUND - NEG_ELBO, Expectation(sp.expand(bound - elbo))),
            rf"\text{{bound}} - \mathcal{{L}} = {expect_tex(bound - elbo, d)}",
        ),
        Step(
            "and on a world with exact rational probabilities the two differ, so the bound is "
            f"not the VAE objective (there the bound is ${sp.latex(found.claimed)}$ and the "
            f"negative ELBO ${sp.latex(found.derived)}$):",
            sp.Ne(BOUND, NEG_ELBO),
        ),
    )
    if found.equal is not False:
        raise ArithmeticError("no world separates the bound from the ELBO")
    return Derivation("p1e.vae", sp.false, steps, DOMAIN)
