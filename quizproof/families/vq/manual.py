r"""Training vector quantization in the manual: its restatement and the codebook figure."""

from __future__ import annotations

import numpy as np

from numerics import vq as vq_sim
from quizproof.family import Context
from quizproof.manual.content import SEED, STYLE, Figure, ProblemView, pyplot, svg

RESTATEMENT = r"""# Training vector quantization

A vector quantizer keeps a codebook of $K$ embedding vectors $e(1), \dots, e(K)$
and maps a vector $x$ to the symbol of its nearest embedding,

$$\mathrm{nearest}_E(x) = \operatorname{argmin}_k \|x - e(k)\|.$$

In a VQ-VAE whose latent is a single symbol, the encoder output $x_\Psi(y)$ is
quantized, the decoder reconstructs $y$ from the chosen embedding, and each
component has its own objective (stop-gradients keep them apart). The codebook's
objective is the squared distance between the encoder output and its nearest
embedding,

$$E^* = \operatorname{argmin}_E \; E_{y \sim \mathrm{Pop}} \|x_\Psi(y) - e(\mathrm{nearest}_E(x_\Psi(y)))\|^2 .$$

The encoder is trained through the quantizer with the *straight-through*
gradient, which copies the gradient arriving at the chosen embedding to the
encoder output. The problem asks for

- **(a)** the `+=` statement that adds the embedding's gradient into $x$'s gradient;
- **(b)** the SGD update of the nearest embedding on the codebook objective, with
  learning rate $\eta$;
- **(c)** that update rewritten, for $\eta < 1/2$, as a rolling average, showing
  that $e(k)$ averages the encoder outputs assigned to symbol $k$.
"""


def restatement(ctx: Context) -> str:
    return RESTATEMENT


def codebook_figure(view: ProblemView, eta: float = 0.01) -> Figure:
    """Problem 2: codewords trained by SGD moving to the means of their clusters."""
    means = np.array([[-2.0, 0.0], [2.0, 0.5], [0.0, 2.5]])
    mixture = vq_sim.Mixture(means, 0.45, np.full(3, 1 / 3))
    checkpoints = [1, 32, 64, 128, 256, 512, 1024, 2048, 4096]
    paths = [vq_sim.codebook_sgd(mixture, 3, eta, n, 1, seed=SEED + 3) for n in checkpoints]
    path = np.stack([run.codebook[0] for run in paths])  # (checkpoints, K, I)
    final = paths[-1]
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(SEED + 4)))
    cloud = mixture.sample((600,), rng)
    plt = pyplot()
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.0, 4.4))
        ax.scatter(cloud[:, 0], cloud[:, 1], s=4, color="#9e9e9e", alpha=0.35, lw=0, label="data")
        for k in range(path.shape[1]):
            ax.plot(
                path[:, k, 0],
                path[:, k, 1],
                "-o",
                ms=3,
                lw=1.2,
                label="codeword e(k)" if k == 0 else None,
                color="#1565c0",
            )
        assigned = final.assigned_mean[0]
        ax.scatter(
            assigned[:, 0],
            assigned[:, 1],
            marker="x",
            s=60,
            color="#c62828",
            label="mean of its assigned vectors",
            zorder=3,
        )
        ax.set_aspect("equal")
        ax.legend(frameon=False, fontsize=8, loc="lower right")
        ax.grid(alpha=0.3)
        drawing = svg(fig)
    return Figure(
        view.figure_src("codebook"),
        drawing,
        "Scatter plot: three codewords moving from their starting points to the centres of "
        "three clusters of data",
        f"Codebook SGD with $\\eta = {eta}$ on a stream from a mixture of three Gaussians: "
        f"each codeword $e(k)$ after $n$ = {checkpoints[0]:,} to {checkpoints[-1]:,} steps "
        "(one run per $n$, all from the same seed and starting codebook), and (crosses) the "
        "mean of the vectors assigned to it in the second half of the longest run. There a "
        f"codeword lies {final.drift:.2g} from that mean on average.",
    )


def figures(view: ProblemView) -> list[Figure]:
    return [] if view.is_variant else [codebook_figure(view)]
