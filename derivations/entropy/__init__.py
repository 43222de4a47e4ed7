r"""An upper bound on $H(y)$ that is the VAE objective (TTIC 31230, Quiz 4, problem 1).

A population $\text{Pop}(y)$ and a stochastic encoder $P_\Psi(z|y)$ define the joint
$P_{\text{Pop},\Psi}(y, z) = \text{Pop}(y)\,P_\Psi(z|y)$, its marginal
$P_{\text{Pop},\Psi}(z) = \sum_y P_{\text{Pop},\Psi}(y, z)$ and its posterior
$P_{\text{Pop},\Psi}(y|z) = P_{\text{Pop},\Psi}(y, z) / P_{\text{Pop},\Psi}(z)$.
Every expectation in this package is over $y \sim \text{Pop}$,
$z \sim P_\Psi(z|y)$, i.e. over the joint.  Two models, $P_\Phi(z)$ and
$P_\Theta(y|z)$, approximate the marginal and the posterior.

The joint factors two ways (Bayes), so $H(y) = H(z) - H(z|y) + H(y|z)$ (1).
Replacing the entropies that enter (1) with a plus sign by cross-entropies
to the models gives an upper bound on $H(y)$; its gap is a KL divergence for each
replaced entropy, zero exactly when the models are the true distributions, and with
both replaced the bound is the negative ELBO that a VAE minimizes.  A :class:`Setting`
varies the problem: every distribution conditioned on an observed $x$ (a conditional
VAE, a bound on $H(y|x)$), and which entropies are replaced.

- :mod:`.densities`: the densities as SymPy functions of the random variables (also
  given $x$), integrands over them, and the Bayes relations.
- :mod:`.world`: finite worlds with a table for each density (also given $x$), their
  entropies and divergences, and comparing two integrands on them; :mod:`.exact` the
  exact zero test over the primes.
- :mod:`.terms`: the entropies, cross-entropies and divergences of (1) and of the bound,
  each with its integrand, and which of them samples can estimate.
- :mod:`.identity`: Gibbs' inequality, (1), 1(a), 1(b) and 1(d).
- :mod:`.bound`: the bound 1(c), its gap, and 1(e).
"""

from derivations.entropy.bound import (
    bound_gap,
    gap_integrand,
    negative_elbo,
    upper_bound,
    upper_bound_integrand,
    vae_objective,
)
from derivations.entropy.densities import (
    COMPUTABLE_1B,
    COMPUTABLE_1D,
    DEC,
    DENSITIES,
    DOMAIN,
    ENC,
    JOINT,
    MARG,
    OBSERVED,
    PLAIN,
    POP,
    POST,
    PRIOR,
    Densities,
    Density,
    IntegrandError,
    P_Phi,
    P_PopPsi_y_given_z,
    P_PopPsi_yz,
    P_PopPsi_z,
    P_Psi,
    P_Theta,
    Pop,
    bayes_rules,
    check_integrand,
    conditioned,
    densities_for,
    densities_in,
    pointwise,
    same_pointwise,
    x,
    y,
    z,
)
from derivations.entropy.exact import exact_nonzero, exact_sign, log_zero, over_primes
from derivations.entropy.identity import (
    entropy_identity,
    estimable_bound_terms,
    estimable_identity_terms,
    gibbs_inequality,
    identity_integrand,
)
from derivations.entropy.terms import (
    CE_Y_GIVEN_Z,
    CE_Z,
    H_Y,
    H_Y_GIVEN_Z,
    H_Z,
    H_Z_GIVEN_Y,
    IDENTITY_LHS,
    IDENTITY_RHS,
    QUIZ,
    REPLACEABLE,
    TERM_LATEX,
    TERMS,
    Expectation,
    Setting,
    Term,
    TermName,
    Terms,
    bound_terms,
    combine,
    estimable,
    terms_for,
)
from derivations.entropy.world import (
    Comparison,
    ConditionalWorld,
    World,
    compare_expectations,
    larger_worlds,
    rational_world,
    symbolic,
    symbolic_world,
    worlds,
)

__all__ = [
    "CE_Y_GIVEN_Z",
    "CE_Z",
    "COMPUTABLE_1B",
    "COMPUTABLE_1D",
    "DEC",
    "DENSITIES",
    "DOMAIN",
    "ENC",
    "H_Y",
    "H_Y_GIVEN_Z",
    "H_Z",
    "H_Z_GIVEN_Y",
    "IDENTITY_LHS",
    "IDENTITY_RHS",
    "JOINT",
    "MARG",
    "OBSERVED",
    "PLAIN",
    "POP",
    "POST",
    "PRIOR",
    "QUIZ",
    "REPLACEABLE",
    "TERMS",
    "TERM_LATEX",
    "Comparison",
    "ConditionalWorld",
    "Densities",
    "Density",
    "Expectation",
    "IntegrandError",
    "P_Phi",
    "P_PopPsi_y_given_z",
    "P_PopPsi_yz",
    "P_PopPsi_z",
    "P_Psi",
    "P_Theta",
    "Pop",
    "Setting",
    "Term",
    "TermName",
    "Terms",
    "World",
    "bayes_rules",
    "bound_gap",
    "bound_terms",
    "check_integrand",
    "combine",
    "compare_expectations",
    "conditioned",
    "densities_for",
    "densities_in",
    "entropy_identity",
    "estimable",
    "estimable_bound_terms",
    "estimable_identity_terms",
    "exact_nonzero",
    "exact_sign",
    "gap_integrand",
    "gibbs_inequality",
    "identity_integrand",
    "larger_worlds",
    "log_zero",
    "negative_elbo",
    "over_primes",
    "pointwise",
    "rational_world",
    "same_pointwise",
    "symbolic",
    "symbolic_world",
    "terms_for",
    "upper_bound",
    "upper_bound_integrand",
    "vae_objective",
    "worlds",
    "x",
    "y",
    "z",
]
