r"""The bound on H(y) in the manual: its restatement and the figure of the bound."""

from __future__ import annotations

import numpy as np

from numerics import entropy as entropy_sim
from quizproof.family import Context
from quizproof.manual.content import SEED, STYLE, Figure, ProblemView, pyplot, svg

RESTATEMENT = r"""# An upper bound on H(y)

Observations $y$ come from a population distribution $\mathrm{Pop}$. A stochastic
encoder $P_\Psi(z|y)$ maps each $y$ to a latent value $z$; we can sample from it and
evaluate its probabilities. Together they define a joint distribution
$P_{\mathrm{Pop},\Psi}(y, z)$: draw $y$ from the population, then $z$ from the encoder.
Every entropy below refers to this joint distribution.

Writing the mutual information $I(y, z)$ in its two ways gives the identity

$$H(y) = H(z) - H(z|y) + H(y|z).$$

The problem asks to

- **(a)** write this identity as one expectation over $y \sim \mathrm{Pop}$, $z \sim P_\Psi(z|y)$;
- **(b)** say which of its three terms can be estimated just by sampling $y$ and $z$;
- **(c)** replace the two entropies that cannot be estimated by cross-entropies to two
  models, a prior $P_\Phi(z)$ and a decoder $P_\Theta(y|z)$, using
  $H(P) \le H(P, Q)$, to obtain a sampled upper bound on $H(y)$;
- **(d)** say which terms of that bound can be estimated by sampling;
- **(e)** relate minimising the bound to the training objective of a variational
  auto-encoder (VAE).
"""


def restatement(ctx: Context) -> str:
    return RESTATEMENT


def bound_figure(view: ProblemView, samples: int = 20_000) -> Figure:
    """Problem 1: the sampled upper bound on $H(y)$ as the two models approach the truth."""
    seeds = np.random.SeedSequence(SEED + 2).spawn(12)
    rng = np.random.Generator(np.random.PCG64(seeds[0]))
    base = entropy_sim.FiniteModel.random(6, 4, rng)
    true_prior, true_dec = base.marginal_z, base.posterior.T
    terms = entropy_sim.TERMS
    bound = {  # the integrand of the bound: -ln P_Phi(z) + ln P_Psi(z|y) - ln P_Theta(y|z)
        "bound": lambda p: (
            terms["-ln P_Phi(z)"](p) + terms["ln P(z|y)"](p) + terms["-ln P_Theta(y|z)"](p)
        )
    }
    mix = np.linspace(0.0, 1.0, 11)
    exact, sampled, errors = [], [], []
    for s, seed in zip(mix, seeds[1:], strict=True):
        model = entropy_sim.FiniteModel(
            base.pop,
            base.enc,
            (1 - s) * base.prior + s * true_prior,  # $P_\Phi \to P_{\mathrm{Pop},\Psi}(z)$
            (1 - s) * base.dec + s * true_dec,  # $P_\Theta \to P_{\mathrm{Pop},\Psi}(y|z)$
        )
        values = model.exact()
        exact.append(values["bound"])
        est = entropy_sim.estimate(model, bound, samples, seed=seed)["bound"]
        sampled.append(est.mean)
        errors.append(2 * est.stderr)
    h_y = base.exact()["H(y)"]
    plt = pyplot()
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(7.0, 3.6))
        ax.plot(mix, exact, color="#1565c0", lw=1.6, label="bound, exact")
        ax.errorbar(
            mix,
            sampled,
            yerr=errors,
            fmt="o",
            ms=3.5,
            color="#1565c0",
            lw=1,
            label=f"bound, sampled ({samples:,} samples)",
        )
        ax.axhline(h_y, color="k", ls="--", lw=1.2, label="H(y)")
        ax.set_xlabel("models' distance travelled to the truth, s")
        ax.set_ylabel("nats")
        ax.legend(frameon=False)
        ax.grid(alpha=0.3)
        drawing = svg(fig)
    return Figure(
        view.figure_src("bound"),
        drawing,
        "Line chart: the upper bound on H(y) decreasing to H(y) as the models approach the truth",
        "The upper bound of 1(c) on a random finite population of 6 values with a 4-valued "
        "latent, as the models move from random ($s = 0$) to the true $P_{\\mathrm{Pop},\\Psi}(z)$ "
        "and $P_{\\mathrm{Pop},\\Psi}(y|z)$ ($s = 1$) by mixing. Dots: sample means over "
        "$y \\sim \\mathrm{Pop}$, $z \\sim P_\\Psi(z|y)$ with bars of two standard errors. "
        f"At $s = 1$ the exact bound is {exact[-1]:.6f} nats and $H(y)$ = {h_y:.6f} nats.",
    )


def figures(view: ProblemView) -> list[Figure]:
    return [] if view.is_variant else [bound_figure(view)]
