r"""An upper bound on $H(y)$ that is the VAE objective: a family binding (TTIC 31230, Quiz 4, problem 1).

The family derives the identity $H(y) = H(z) - H(z|y) + H(y|z)$ as one
expectation, the upper bound obtained by replacing entropies with
cross-entropies to two models, which of their terms can be estimated by
sampling, and that the bound is the VAE's negative ELBO.  Answers are read in
its notation of densities (:mod:`.reading`), decided by :mod:`.decide` on
exact finite worlds and simulated by :mod:`.simulate`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from derivations import entropy as E
from quizproof.families.entropy import decide, manual, simulate
from quizproof.families.entropy.reading import scope_for
from quizproof.family import (
    ClaimKind,
    Context,
    Domain,
    Family,
    FamilyError,
    Legacy,
    ManualContent,
    kinds,
)


def prepare(table: Mapping[str, Any] | None, where: str = "entropy") -> Context:
    if table is not None:
        raise FamilyError(f"[{where}]: this family takes no variant table")
    return Context(scope_for(), Domain((E.y, E.z), lambda: iter(()), {}, E.DOMAIN), None)


KINDS = kinds(
    ClaimKind("identity", r"$H(y)$ as an expectation (identity (1))",
              lambda ctx: E.identity_integrand(), decide.decide_integrand, simulate.simulate),
    ClaimKind("identity.estimable", "terms of (1) estimable by sampling",
              lambda ctx: E.estimable_identity_terms(), decide.decide_terms),
    ClaimKind("bound", r"the upper bound on $H(y)$",
              lambda ctx: E.upper_bound(), decide.decide_integrand, simulate.simulate),
    ClaimKind("bound.estimable", "terms of the bound estimable by sampling",
              lambda ctx: E.estimable_bound_terms(), decide.decide_terms),
    ClaimKind("vae", "the bound is the VAE objective",
              lambda ctx: E.vae_objective(), decide.decide_vae),
)  # fmt: skip

LEGACY = Legacy(
    "1",
    {
        "p1a.identity": "identity",
        "p1b.estimable": "identity.estimable",
        "p1c.bound": "bound",
        "p1d.estimable": "bound.estimable",
        "p1e.vae": "vae",
    },
)

FAMILY = Family(
    name="entropy",
    title="An upper bound on the entropy of the data",
    kinds=KINDS,
    prepare=prepare,
    legacy=LEGACY,
    manual=ManualContent(restatement=manual.restatement, figures=manual.figures),
)
