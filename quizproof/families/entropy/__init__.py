r"""An upper bound on $H(y)$ that is the VAE objective: a family binding (TTIC 31230, Quiz 4, problem 1).

The family derives the identity $H(y) = H(z) - H(z|y) + H(y|z)$ as one
expectation, the upper bound obtained by replacing entropies with
cross-entropies to two models, which of their terms can be estimated by
sampling, whether the bound is the VAE's negative ELBO, and the gap of the bound.
Its variant table ``[entropy]`` (:mod:`.variants`) conditions everything on an
observed $x$ and chooses which entropies the bound replaces.  Answers are read in
its notation of densities (:mod:`.reading`), decided by :mod:`.decide` on
exact finite worlds and simulated by :mod:`.simulate`.
"""

from __future__ import annotations

from derivations import entropy as E
from derivations.core import Derivation
from derivations.entropy.terms import log_tex, names_tex
from quizproof.families.entropy import decide, simulate
from quizproof.families.entropy.variants import prepare
from quizproof.family import ClaimKind, Family, Legacy, ManualContent, kinds, lazy


def _integrand(d: Derivation) -> str:
    """An integrand as the quiz writes it: its logarithms in the order of (1)."""
    dens = E.OBSERVED if any(isinstance(a, tuple(E.OBSERVED.classes)) for a in
                             E.densities_in(d.result)) else E.PLAIN  # fmt: skip
    return log_tex(d.result, dens)


def _divergences(d: Derivation) -> str:
    given_x = E.terms_for(True).by_key()
    observed = any(n.name in given_x for n in d.result.atoms(E.TermName))
    return names_tex(d.result, E.terms_for(observed))


KINDS = kinds(
    ClaimKind("identity", "identity (1) as one expectation",
              lambda ctx: E.identity_integrand(ctx.params), decide.decide_integrand,
              simulate.simulate, written=_integrand),
    ClaimKind("identity.estimable", "terms of (1) estimable by sampling",
              lambda ctx: E.estimable_identity_terms(ctx.params), decide.decide_terms),
    ClaimKind("bound", "the upper bound on the entropy",
              lambda ctx: E.upper_bound(ctx.params), decide.decide_integrand, simulate.simulate,
              written=_integrand),
    ClaimKind("bound.estimable", "terms of the bound estimable by sampling",
              lambda ctx: E.estimable_bound_terms(ctx.params), decide.decide_terms),
    ClaimKind("vae", "the bound is the VAE objective",
              lambda ctx: E.vae_objective(ctx.params), decide.decide_vae),
    ClaimKind("gap", "the gap of the bound, bound minus the entropy",
              lambda ctx: E.bound_gap(ctx.params), decide.decide_integrand, simulate.simulate,
              written=_divergences),
)  # fmt: skip

LEGACY = Legacy(
    "1",
    {
        "p1a.identity": "identity",
        "p1b.estimable": "identity.estimable",
        "p1c.bound": "bound",
        "p1d.estimable": "bound.estimable",
        "p1e.vae": "vae",
        "p1c.gap": "gap",
    },
)

FAMILY = Family(
    name="entropy",
    title="An upper bound on the entropy of the data",
    kinds=KINDS,
    prepare=prepare,
    table="entropy",
    legacy=LEGACY,
    manual=ManualContent(  # imported when the manual is built, not for a check
        restatement=lazy("quizproof.families.entropy.manual:restatement"),
        rules=lazy("quizproof.families.entropy.manual:rules"),
        figures=lazy("quizproof.families.entropy.manual:figures"),
    ),
)
