r"""The coin-flips family in the manual: its restatement, a variant's rules and its figure.

The figure sets the derived closed form of $E(T)$ beside simulated means over
the probability of heads; it is drawn at build time, like every figure of the
manual, from one seed.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from quizproof.family import Context
from quizproof.manual.content import SEED, STYLE, Figure, ProblemView, pyplot, svg

from . import derivation as D
from . import simulation as sim

TITLE = "Waiting for heads"


def restatement(ctx: Context) -> str:
    coin: D.Coin = ctx.params
    bias, heads = sp.latex(coin.bias), sp.latex(coin.heads)
    return rf"""# {TITLE}

A coin lands heads with probability ${bias}$ on every flip, whatever the other
flips showed. It is flipped again and again until it has shown heads ${heads}$
times; $T$ counts the flips this takes, the last head included. For one head
$T$ is the familiar geometric waiting time; for more, it is the sum of the
waits for each head in turn.

The problem asks for

- the expected number of flips, $E(T)$;
- the expected number of tails seen on the way;
- the variance of the number of flips, $\operatorname{{Var}}(T)$;
- the probability that $n$ flips show at least one head.
"""


def rules(ctx: Context, table: Mapping[str, Any]) -> str:
    coin: D.Coin = ctx.params
    return (
        f"In this variant the coin lands heads with probability ${sp.latex(coin.bias)}$ and "
        f"is flipped until it has shown ${sp.latex(coin.heads)}$ heads.\n"
    )


EPISODES = 4000  # simulated episodes per dot of the figure
FIGURE_BIASES = tuple(Fraction(c, 20) for c in (2, 3, 4, 6, 8, 10, 13, 16, 20))


def flips_figure(view: ProblemView) -> Figure | None:
    """$E(T)$ against $p$: the derived closed form (lines) and simulated means (dots)."""
    expr = view.result("flips")
    coin = view.context.params if view.context is not None else None
    if expr is None or coin is None or not coin.bias.is_Symbol:
        return None  # a fixed bias: there is no curve over p to draw
    heads = (1, 2, 4) if coin.heads.is_Symbol else (int(coin.heads),)
    dense = [Fraction(c, 100) for c in range(8, 101)]
    spawn = iter(np.random.SeedSequence(SEED).spawn(len(heads) * len(FIGURE_BIASES)))
    plt = pyplot()
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 3.8))
        for h in heads:
            at = {coin.heads: h} if coin.heads.is_Symbol else {}

            def exact(b: Fraction, at=at) -> float:
                return float(expr.subs({**at, coin.bias: sp.Rational(b.numerator, b.denominator)}))

            (line,) = ax.plot([float(b) for b in dense], [exact(b) for b in dense], lw=1.4,
                              label=f"k = {h}")  # fmt: skip
            runs = [sim.flips_until(float(b), h, EPISODES, next(spawn)) for b in FIGURE_BIASES]
            ax.errorbar([float(b) for b in FIGURE_BIASES], [r.mean for r in runs],
                        yerr=[2 * r.stderr for r in runs], fmt="o", ms=3.5, lw=1,
                        color=line.get_color())  # fmt: skip
        ax.set_xlabel("probability of heads, p")
        ax.set_ylabel("flips until the k-th head, E(T)")
        ax.set_yscale("log")
        ax.legend(frameon=False, title="closed form (lines), simulated (dots)")
        ax.grid(alpha=0.3, which="both")
        drawing = svg(fig)
    return Figure(
        view.figure_src("flips"),
        drawing,
        "Line chart on a log scale: the expected number of flips until the k-th head against "
        "the probability of heads, falling as p grows, with simulated means on the lines",
        f"The expected number of flips until the $k$-th head. Lines: the derived closed form "
        f"$E(T) = {sp.latex(expr)}$, evaluated exactly. Dots: the mean of {EPISODES:,} "
        "simulated episodes at each $p$, with bars of two standard errors.",
    )


def figures(view: ProblemView) -> list[Figure]:
    return [f for f in (flips_figure(view),) if f is not None]
