r"""The bound on H(y) in the manual: its restatement, a variant's rules, the figure of the bound."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import sympy as sp

from derivations import entropy as E
from numerics import entropy as entropy_sim
from quizproof.family import Context
from quizproof.manual.content import GREY_STYLE as THEME
from quizproof.manual.content import SEED, Figure, ProblemView, pyplot, svg
from quizproof.manual.html import esc, frame_html, inline, prose

BLUE, ORANGE, GREEN = "#4c9be8", "#e8864c", "#5bb56f"


def _latex(expr: sp.Expr) -> str:
    return sp.latex(expr)


def restatement(ctx: Context) -> str:
    setting: E.Setting = ctx.params
    d, t = setting.dens, setting.terms
    given = " given an observed $x$" if setting.observed else ""
    pop, enc, joint = _latex(d.pop), _latex(d.enc), _latex(d.joint)
    replaced = [t.replaced(n) for n in ("z", "y|z") if n in setting.replace]
    which = " and ".join(f"${old.latex}$" for old, _, _ in replaced)
    models = " and ".join(
        f"${_latex(next(iter(E.densities_in(new.integrand))))}$" for _, new, _ in replaced
    )
    several = len(replaced) > 1
    cross = "cross-entropies to the models" if several else "the cross-entropy to the model"
    draw = "$x$ and $y$" if setting.observed else "$y$"
    setting_text = ""
    if setting.observed:
        setting_text = (
            "\nAs in a conditional VAE, every distribution here is also conditioned on an "
            "observed input $x$, drawn with $y$ from the population; the entropies are "
            "conditional on $x$ too.\n"
        )
    return rf"""# An upper bound on the entropy of the data

Observations $y$ come from a population distribution{given}, ${pop}$. A stochastic
encoder ${enc}$ maps each $y$ to a latent value $z$; we can sample from it and evaluate
its probabilities. Together they define a joint distribution ${joint}$: draw {draw} from the
population, then $z$ from the encoder. Every probability and entropy below refers to this
joint distribution.
{setting_text}
Writing the mutual information of $y$ and $z$ in its two ways gives the identity

$${t.H_Y.latex} = {t.H_Z.latex} - {t.H_Z_GIVEN_Y.latex} + {t.H_Y_GIVEN_Z.latex}. \qquad (1)$$

The *cross-entropy* of a distribution $P$ to a distribution $Q$ is

$$H(P, Q) = \mathbb{{E}}_{{u \sim P}} \left[-\ln Q(u)\right],$$

and $H(P) \le H(P, Q)$ for every $Q$.

The problem asks to

- **(a)** write (1) as one expectation over $y$ and $z \sim {enc}$ of quantities defined by the
  population, the encoder and the joint;
- **(b)** say which terms of (1) can be estimated just by sampling $y$ and $z$;
- **(c)** replace {which} by {cross}
  {models}, to obtain an upper bound on ${t.H_Y.latex}$ written as one expectation;
- **(d)** say which terms of that bound can be estimated by sampling;
- **(e)** relate minimizing the bound to the training objective of a variational
  auto-encoder (VAE).
"""


def rules(ctx: Context, table: Mapping[str, Any]) -> str:
    """A variant's setting in words and as a table."""
    setting: E.Setting = ctx.params
    t = setting.terms
    replaced = [t.replaced(n) for n in ("z", "y|z") if n in setting.replace]
    rows = [
        {"Key": "<code>conditional</code>",
         "Meaning": prose("condition every distribution on an observed $x$"),
         "Value": esc(str(setting.observed).lower()), "Quiz": "false"},
        {"Key": "<code>replace</code>",
         "Meaning": prose("the entropies of (1) replaced by cross-entropies"),
         "Value": ", ".join(inline(old.latex) for old, _, _ in replaced),
         "Quiz": inline("H(z)") + ", " + inline("H(y|z)")},
    ]  # fmt: skip
    bound = E.upper_bound_integrand(setting)  # the form alone: its checks run with the claims
    text = (
        f"This variant bounds ${t.H_Y.latex}$"
        + (
            ", every distribution conditioned on an observed $x$ (a conditional VAE)"
            if setting.observed
            else ""
        )
        + ", replacing "
        + " and ".join(f"${old.latex}$ by ${new.latex}$" for old, new, _ in replaced)
        + ". Its bound is the expectation of "
        + f"${E.terms.log_tex(bound, setting.dens)}$.\n\n"
    )
    return text + frame_html(pd.DataFrame(rows), "qp-rules") + "\n"


def _sampled(model, integrand, samples: int, seed) -> tuple[float, float]:
    est = entropy_sim.estimate(model, {"v": integrand}, samples, seed=seed)["v"]
    return est.mean, 2 * est.stderr


def bound_figure(view: ProblemView, samples: int = 2_000) -> Figure:
    """The sampled bound on H(y), and its gap, as the two models approach the truth."""
    seeds = np.random.SeedSequence(SEED + 2).spawn(12)
    rng = np.random.Generator(np.random.PCG64(seeds[0]))
    base = entropy_sim.FiniteModel.random(6, 4, rng)
    terms = entropy_sim.TERMS

    def bound(p):  # -ln P_Phi(z) + ln P_Psi(z|y) - ln P_Theta(y|z)
        return terms["-ln P_Phi(z)"](p) + terms["ln P(z|y)"](p) + terms["-ln P_Theta(y|z)"](p)

    def gap(p):  # ln P(z) - ln P_Phi(z) + ln P(y|z) - ln P_Theta(y|z)
        return bound(p) - terms["-ln Pop(y)"](p)

    mix = np.linspace(0.0, 1.0, 11)
    rows = []
    for s, seed in zip(mix, seeds[1:], strict=True):
        model = entropy_sim.FiniteModel(
            base.pop,
            base.enc,
            (1 - s) * base.prior + s * base.marginal_z,  # $P_\Phi \to P_{\mathrm{Pop},\Psi}(z)$
            (1 - s) * base.dec + s * base.posterior.T,  # $P_\Theta \to P_{\mathrm{Pop},\Psi}(y|z)$
        )
        exact, kl = model.exact(), model.divergences()
        b, b_err = _sampled(model, bound, samples, seed)
        g, g_err = _sampled(model, gap, samples, seed)
        rows.append((exact["bound"], b, b_err, kl["KL(z)"], kl["KL(y|z)"], g, g_err))
    ex, b, b_err, kl_z, kl_yz, g, g_err = map(np.array, zip(*rows, strict=True))
    h_y = base.exact()["H(y)"]
    plt = pyplot()
    with plt.rc_context(THEME):
        fig, (top, low) = plt.subplots(2, 1, figsize=(5.2, 7.4), sharex=True)
        top.plot(mix, ex, color=BLUE, lw=2, label="bound, exact")
        top.errorbar(mix, b, yerr=b_err, fmt="o", ms=5, color=BLUE, ecolor=BLUE, elinewidth=1.8,
                     capsize=4, label=f"bound, {samples:,} samples")  # fmt: skip
        top.axhline(h_y, color="#8a8a8a", ls="--", lw=1.5, label="$H(y)$")
        top.set_ylabel("nats")
        top.set_title("the bound of (c) and $H(y)$")
        top.legend(frameon=False, fontsize=10)
        low.fill_between(mix, 0, kl_z, color=ORANGE, alpha=0.45, lw=0,
                         label=r"KL of $P_\Phi$ from $P(z)$")  # fmt: skip
        low.fill_between(mix, kl_z, kl_z + kl_yz, color=GREEN, alpha=0.45, lw=0,
                         label=r"$\mathbb{E}_z$ KL of $P_\Theta$ from $P(y|z)$")  # fmt: skip
        low.errorbar(mix, g, yerr=g_err, fmt="o", ms=5, color=BLUE, ecolor=BLUE,
                     elinewidth=1.8, capsize=4, label="gap, sampled")  # fmt: skip
        low.set_ylabel("nats")
        low.set_xlabel("how far the models have moved to the truth, $s$")
        low.set_title("its gap: bound minus $H(y)$")
        low.legend(frameon=False, fontsize=10)
        for ax in (top, low):
            ax.grid(alpha=0.25)
        drawing = svg(fig)
    return Figure(
        view.figure_src("bound"),
        drawing,
        "Two line charts: the upper bound on H(y) falling to H(y), and its gap falling to zero, "
        "as the models approach the true distributions",
        "The bound of 1(c) on a random population of 6 values with a 4-valued latent, as the "
        "two models move by mixing from random ($s = 0$) to the true "
        "$P_{\\mathrm{Pop},\\Psi}(z)$ and $P_{\\mathrm{Pop},\\Psi}(y|z)$ ($s = 1$). Top: the "
        "bound computed exactly (line) and estimated from "
        f"{samples:,} samples of $y \\sim \\mathrm{{Pop}}$, $z \\sim P_\\Psi(z|y)$ (dots, with "
        "bars of two standard errors), above $H(y)$ (dashed). Bottom: the gap, bound minus "
        "$H(y)$: the two KL divergences computed from their definitions (stacked bands) and the "
        "gap estimated from the same samples (dots with two-standard-error bars). At $s = 1$ "
        f"the exact bound is {ex[-1]:.6f} nats and $H(y)$ = {h_y:.6f} nats.",
    )


def figures(view: ProblemView) -> list[Figure]:
    return [] if view.is_variant else [bound_figure(view)]
