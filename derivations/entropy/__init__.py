r"""An upper bound on $H(y)$ that is the VAE objective (TTIC 31230, Quiz 4, problem 1).

A population $\text{Pop}(y)$ and a stochastic encoder $P_\Psi(z|y)$ define the joint
$P_{\text{Pop},\Psi}(y, z) = \text{Pop}(y)\,P_\Psi(z|y)$, its marginal
$P_{\text{Pop},\Psi}(z) = \sum_y P_{\text{Pop},\Psi}(y, z)$ and its posterior
$P_{\text{Pop},\Psi}(y|z) = P_{\text{Pop},\Psi}(y, z) / P_{\text{Pop},\Psi}(z)$.
Every expectation in this package is over $y \sim \text{Pop}$,
$z \sim P_\Psi(z|y)$, i.e. over the joint.  Two models, $P_\Phi(z)$ and
$P_\Theta(y|z)$, approximate the marginal and the posterior.

The joint factors two ways (Bayes), so $H(y) = H(z) - H(z|y) + H(y|z)$ (1).
Replacing the two entropies that enter (1) with a plus sign by cross-entropies
to the models gives an upper bound on $H(y)$; its gap is two KL divergences,
zero exactly when both models are the true distributions, and regrouped per
$y$ it is the negative ELBO that a VAE minimizes.

- :mod:`derivations.entropy.densities`: the densities as SymPy functions of the
  random variables, integrands over them, and the Bayes relations.
- :mod:`derivations.entropy.world`: finite worlds with a table for each
  density, their entropies and divergences, and the exact decisions made on
  them (the zero test over the primes, comparing two integrands).
- :mod:`derivations.entropy.terms`: the entropies and cross-entropies of (1)
  and of the bound, each with its integrand, and which of them samples can
  estimate.
- :mod:`derivations.entropy.bound`: the derivations of problem 1, (a) to (e).
"""

from derivations.entropy.bound import (
    bound_gap_at,
    entropy_identity,
    estimable_bound_terms,
    estimable_identity_terms,
    gibbs_inequality,
    identity_integrand,
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
    POP,
    POST,
    PRIOR,
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
    densities_in,
    pointwise,
    same_pointwise,
    y,
    z,
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
    MODELS,
    TERM_LATEX,
    TERMS,
    Term,
    TermName,
    bound_terms,
    estimable,
)
from derivations.entropy.world import (
    Comparison,
    World,
    compare_expectations,
    exact_nonzero,
    exact_sign,
    larger_worlds,
    log_zero,
    over_primes,
    rational_world,
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
    "MODELS",
    "POP",
    "POST",
    "PRIOR",
    "TERMS",
    "TERM_LATEX",
    "Comparison",
    "Density",
    "IntegrandError",
    "P_Phi",
    "P_PopPsi_y_given_z",
    "P_PopPsi_yz",
    "P_PopPsi_z",
    "P_Psi",
    "P_Theta",
    "Pop",
    "Term",
    "TermName",
    "World",
    "bayes_rules",
    "bound_gap_at",
    "bound_terms",
    "check_integrand",
    "compare_expectations",
    "densities_in",
    "entropy_identity",
    "estimable",
    "estimable_bound_terms",
    "estimable_identity_terms",
    "exact_nonzero",
    "exact_sign",
    "gibbs_inequality",
    "identity_integrand",
    "larger_worlds",
    "log_zero",
    "over_primes",
    "pointwise",
    "rational_world",
    "same_pointwise",
    "symbolic_world",
    "upper_bound",
    "upper_bound_integrand",
    "vae_objective",
    "worlds",
    "y",
    "z",
]
