"""The manual's figures, drawn with matplotlib as SVG at build time.

Each function returns :class:`quizproof.manual.pages.Figure` objects (the SVG
bytes, where they go in the site, alt text and caption) or nothing when the
data it needs is not in this build.  SVGs are written deterministically (fixed
hash salt, no date) so a rebuild of unchanged data gives the same bytes.
"""

from __future__ import annotations

import io
from fractions import Fraction

import matplotlib
import sympy as sp

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from quizproof.manual.data import VERDICTS, QuizData
from quizproof.manual.pages import Figure

__all__ = ["overview_figures", "problem_figures", "quiz_figures"]

COLOURS = {
    "verified": "#2e7d32",
    "refuted": "#c62828",
    "undecided": "#ef8f00",
    "invalid": "#6a1b9a",
    "unsupported": "#607d8b",
}
STYLE = {
    "svg.hashsalt": "quizproof",
    "svg.fonttype": "path",
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def _svg(fig: plt.Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    return buf.getvalue()


def _verdict_bars(labels: list[str], counts: list[dict[str, int]], xlabel: str) -> bytes:
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(7.0, 0.55 * len(labels) + 1.1))
        left = [0] * len(labels)
        for verdict in VERDICTS:
            widths = [c.get(verdict, 0) for c in counts]
            if not any(widths):
                continue
            ax.barh(labels, widths, left=left, color=COLOURS[verdict], label=verdict, height=0.6)
            for k, w in enumerate(widths):
                if w:
                    ax.text(left[k] + w / 2, k, str(w), ha="center", va="center", color="white")
            left = [a + b for a, b in zip(left, widths, strict=True)]
        ax.invert_yaxis()
        ax.set_xlabel(xlabel)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.legend(ncols=5, loc="lower left", bbox_to_anchor=(0, 1.0), frameon=False)
        return _svg(fig)


def overview_figures(quizzes: list[QuizData]) -> list[Figure]:
    """Verdicts of every quiz file, one bar each."""
    if not quizzes:
        return []
    svg = _verdict_bars([q.title for q in quizzes], [q.counts() for q in quizzes], "claims")
    return [
        Figure(
            "figures/overview-verdicts.svg",
            svg,
            "Bar chart of the verdicts of every claim of every quiz file",
            "Verdicts of the printed answers, per quiz file.",
        )
    ]


def quiz_figures(quiz: QuizData) -> list[Figure]:
    """Verdicts of one quiz, one bar per problem."""
    problems = quiz.problems
    counts = []
    for p in problems:
        c = dict.fromkeys(VERDICTS, 0)
        for claim in p.claims:
            c[str(claim.get("verdict", "undecided"))] += 1
        counts.append(c)
    svg = _verdict_bars([f"Problem {p.number}" for p in problems], counts, "claims")
    return [
        Figure(
            f"figures/{quiz.slug}-verdicts.svg",
            svg,
            f"Bar chart of the verdicts of {quiz.title}, per problem",
            f"Verdicts of the printed answers of {quiz.title}, per problem.",
        )
    ]


def exact_value(expr: sp.Basic, values: dict[str, object]) -> float | None:
    """A derived expression at a point given by symbol names; None if a symbol is left."""
    subs = {sym: sp.nsimplify(values[sym.name]) for sym in expr.free_symbols if sym.name in values}
    value = expr.subs(subs)
    return float(value) if not value.free_symbols else None


def race_value_figure(quiz: QuizData, n_goal: int = 8) -> Figure | None:
    """$V^\\pi(i, 0)$ from the derived closed form, for a few $\\lambda$."""
    derivation = quiz.derived.get("p3b.V") or quiz.derived.get("p3c.V")
    if derivation is None:
        return None
    expr = derivation.result
    expr = expr.rhs if isinstance(expr, sp.Equality) else expr
    lams = (Fraction(1, 4), Fraction(1, 2), Fraction(3, 4), Fraction(9, 10))
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(7.0, 3.6))
        for lam in lams:
            ys = [
                exact_value(expr, {"N": n_goal, "lambda": lam, "i": i, "t": 0})
                for i in range(n_goal + 1)
            ]
            if any(y is None for y in ys):
                plt.close(fig)
                return None
            ax.plot(range(n_goal + 1), ys, marker="o", ms=3.5, lw=1.6, label=f"λ = {lam}")
        ax.set_xlabel("advances made, i")
        ax.set_ylabel("V(i, 0)")
        ax.legend(frameon=False)
        ax.grid(alpha=0.3)
        svg = _svg(fig)
    return Figure(
        f"figures/{quiz.slug}-race-value.svg",
        svg,
        f"Line chart of the derived value V(i, 0) against i for N = {n_goal} and four values of lambda",
        f"The derived value $V^\\pi(i, 0)$ of the race with $N = {n_goal}$ at four values "
        "of $\\lambda$, evaluated exactly from the closed form: the expected reward still "
        "to come from state $(i, 0)$.",
    )


def problem_figures(quiz: QuizData, number: str) -> list[Figure]:
    """Figures for one problem, drawn from the toolkit's derivations and simulations."""
    figures: list[Figure | None] = []
    if number == "3":
        figures.append(race_value_figure(quiz))
    return [f for f in figures if f is not None]
