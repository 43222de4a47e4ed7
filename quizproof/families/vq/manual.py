r"""Training vector quantization in the manual: its restatement, a variant's rules, the figure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import sympy as sp

from numerics import vq as vq_sim
from quizproof.families.vq.reading import read_update
from quizproof.families.vq.simulate import rule
from quizproof.family import Context
from quizproof.manual.content import GREY_STYLE as THEME
from quizproof.manual.content import SEED, Figure, ProblemView, pyplot, svg
from quizproof.manual.html import esc, frame_html, inline, prose
from quizproof.notation import NotationError

NEAREST = r"e(\text{nearest}_E(x_\Psi(y)))"
COLOURS = ("#4c9be8", "#e8864c", "#5bb56f")


def _weighted(weight: sp.Expr, body: str) -> str:
    return body if weight == 1 else f"{sp.latex(weight)}\\,{body}"


def objectives(ctx: Context) -> str:
    """Objectives (2), (3) and (4) in display math, with the variant's weights."""
    p = ctx.params
    recon = rf"\|y - y_\Phi({NEAREST})\|^2"
    commit = _weighted(p.commitment, rf"\|x_\Psi(y) - {NEAREST}\|^2")
    code = _weighted(p.codebook, rf"\|x_\Psi(y) - {NEAREST}\|^2")
    ex = r"\mathbb{E}_{y \sim \mathrm{Pop}}"
    return (
        rf"$$\Phi^* = \operatorname{{argmin}}_\Phi \; {ex} {recon} \qquad (2)$$" + "\n\n"
        rf"$$\begin{{aligned}} \Psi^* = \operatorname{{argmin}}_\Psi \; {ex} \Big[ & {recon} \\"
        rf" & + {commit} \Big] \qquad (3) \end{{aligned}}$$" + "\n\n"
        rf"$$E^* = \operatorname{{argmin}}_E \; {ex} {code} \qquad (4)$$" + "\n"
    )


def restatement(ctx: Context) -> str:
    c = ctx.params.codebook
    step = sp.latex(1 / (2 * c))
    return rf"""# Training vector quantization

A vector quantizer turns vectors into discrete symbols. Its codebook, the embedding
matrix $E[K, I]$, holds one embedding vector $e(k) = E[k, I]$ for each of $K$ symbols,
and a vector $x$ is mapped to the symbol whose embedding is nearest,

$$\text{{nearest}}_E(x) = \operatorname{{argmin}}_k \|x - e(k)\|.$$

Consider a VQ-VAE whose latent is one symbol: the encoder maps $y$ to $x_\Psi(y)$, the
quantizer replaces that by ${NEAREST}$, and the decoder $y_\Phi$ reconstructs $y$ from it.
Each component gets its own objective ($\mathbb{{E}}$ is an expectation; stop-gradients
keep each objective from training the other components):

{objectives(ctx)}
The encoder's gradient of (3) is taken with the *straight-through* estimator, which
back-propagates through the quantizer as if it were the identity:

$$\nabla_x f(e(\text{{nearest}}_E(x))) \approx \left.\nabla_e f(e)\right|_{{e = e(\text{{nearest}}_E(x))}}.$$

The problem asks for

- **(a)** a `+=` statement that adds $e(\text{{nearest}}_E(x)).\text{{grad}}$ into $x.\text{{grad}}$;
- **(b)** the SGD update of the nearest embedding on objective (4), with learning rate $\eta$;
- **(c)** for $\eta < {step}$, that update rewritten as a rolling average, showing that $e(k)$
  is a rolling average of the vectors $x_\Psi(y)$ with $\text{{nearest}}_E(x_\Psi(y)) = k$.
"""


KEY_ROWS = (
    ("codebook_weight", "codebook", "weight $c$ of objective (4)", "1"),
    ("commitment_weight", "commitment", r"commitment weight $\beta$ of objective (3)", r"\beta"),
    ("ema_decay", "decay", "decay $d$ of an exponential moving average", r"\gamma"),
)


def rules(ctx: Context, table: Mapping[str, Any]) -> str:
    """A variant's parameters in a table, and the objectives they give."""
    rows = [
        {"Key": f"<code>{esc(key)}</code>", "Meaning": prose(meaning),
         "Value": inline(sp.latex(getattr(ctx.params, field))),
         "Quiz": inline(default)}
        for key, field, meaning, default in KEY_ROWS
    ]  # fmt: skip
    changed = [r["Key"] for r, (key, *_) in zip(rows, KEY_ROWS, strict=True) if key in table]
    text = (
        "This variant of training vector quantization sets the parameters below ("
        + (", ".join(changed) or "none")
        + " changed from the quiz). With them the three objectives are\n\n"
        + objectives(ctx)
        + "\nand an exponential moving average of the codebook has decay "
        + f"${sp.latex(ctx.params.decay)}$.\n\n"
    )
    return text + frame_html(pd.DataFrame(rows), "qp-rules") + "\n"


def _update(expr: sp.Expr):
    f = rule(expr, {})
    return lambda e, x: f(x, e, ETA, 0.0, 0.0)


ETA, STEPS = 0.02, 2000
MEANS = np.array([[-2.0, 0.0], [2.0, 0.5], [0.0, 2.5]])
START = np.array([[-3.6, -1.8], [3.8, -1.4], [0.4, 4.4]])  # each away from its own cluster


def _printed(view: ProblemView) -> sp.Expr | None:
    """The printed (b), as the new value it assigns, when it is refuted."""
    for claim in view.claims:
        if claim.get("kind") == "sgd_update" and claim.get("verdict") == "refuted":
            try:
                return read_update("sgd_update", claim["answer"], view.context.scope).new_values()[
                    0
                ]
            except NotationError:
                return None
    return None


def codebook_figure(view: ProblemView) -> Figure | None:
    """Codebook paths under the derived update (b) and, beside it, under the printed one."""
    derived = view.result("sgd_update")
    if derived is None or view.context is None:
        return None
    printed = _printed(view)
    runs = [("the derived update (b)", derived)]
    if printed is not None:
        runs.append(("the update (b) as printed", printed))
    mixture = vq_sim.Mixture(MEANS, 0.45, np.full(3, 1 / 3))
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(SEED + 3)))
    stream = mixture.sample((STEPS,), rng)
    plt = pyplot()
    with plt.rc_context(THEME):
        fig, axes = plt.subplots(len(runs), 1, figsize=(5.2, 4.2 * len(runs)), sharex=True,
                                 squeeze=False)  # fmt: skip
        ends, moved = [], []
        for ax, (title, expr) in zip(axes[:, 0], runs, strict=True):
            path = vq_sim.stream_codebook(START, stream, _update(expr))[::10]
            ends.append(path[-1])
            moved.append(int((np.abs(path[-1] - START).sum(axis=1) > 0).sum()))
            # the cloud of data points as one embedded image: thousands of vector dots
            # make the page slow to lay out (the paths and markers stay vectors)
            ax.scatter(stream[:, 0], stream[:, 1], s=5, color="#9e9e9e", alpha=0.3, lw=0,
                       label="data $x_\\Psi(y)$", rasterized=True)  # fmt: skip
            for k in range(3):
                ax.plot(path[:, k, 0], path[:, k, 1], "-", lw=1.6, color=COLOURS[k])
                ax.plot(*path[-1, k], "o", ms=7, color=COLOURS[k])
            ax.plot(START[:, 0], START[:, 1], "s", ms=9, mfc="none", mec="#8a8a8a", mew=1.6,
                    label="start of each codeword", ls="none")  # fmt: skip
            ax.plot(MEANS[:, 0], MEANS[:, 1], "x", ms=10, mew=2.2, color="#8a8a8a", ls="none",
                    label="cluster means")  # fmt: skip
            ax.set_title(title)
            ax.set_ylabel("second coordinate")
            ax.set_aspect("equal")
            ax.grid(alpha=0.25)
        axes[-1, 0].set_xlabel("first coordinate")
        axes[0, 0].legend(frameon=False, fontsize=10, loc="upper left", markerscale=1.2)
        drawing = svg(fig)
    gap = np.linalg.norm(ends[0] - MEANS, axis=1).max()
    caption = (
        f"Three codewords $e(k)$ trained by SGD with $\\eta = {ETA}$ on {STEPS:,} vectors "
        "drawn from three Gaussian clusters (grey dots; crosses: the cluster means). Each "
        "codeword starts at a hollow square away from its cluster; its line is its path, "
        "the dot where it ends. Top: with the derived update of (b), each codeword walks "
        f"to its cluster's mean and ends within {gap:.2f} of it."
    )
    alt = "Scatter plot of three clusters of points with the paths of three codewords"
    if printed is not None:
        worst = np.linalg.norm(ends[1] - MEANS, axis=1).max()
        caption += (
            " Bottom: with the update as printed, which drops the codeword's own value, each "
            "codeword that is assigned a vector jumps to a small multiple of it, near the "
            f"origin ({moved[1]} of 3 move; a codeword never nearest stays at its start), and "
            f"none settles at its cluster: at the end one is {worst:.2f} from its cluster's mean."
        )
        alt += ": above under the derived update, below under the printed one"
    return Figure(view.figure_src("codebook"), drawing, alt, caption)


def figures(view: ProblemView) -> list[Figure]:
    if view.is_variant:
        return []
    figure = codebook_figure(view)
    return [figure] if figure is not None else []
