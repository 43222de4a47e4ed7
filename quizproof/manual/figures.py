"""The manual's own figures: the verdicts of every quiz, and of each quiz's problems.

Each problem's figures come from its family (see :mod:`quizproof.manual.content`).
"""

from __future__ import annotations

from quizproof.manual.content import STYLE, Figure, pyplot, svg
from quizproof.manual.data import VERDICTS, QuizData

__all__ = ["overview_figures", "quiz_figures"]

COLOURS = {
    "verified": "#2e7d32",
    "refuted": "#c62828",
    "circular": "#ad1457",
    "undecided": "#ef8f00",
    "invalid": "#6a1b9a",
    "unsupported": "#607d8b",
}


def _verdict_bars(labels: list[str], counts: list[dict[str, int]], xlabel: str) -> bytes:
    plt = pyplot()
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
        return svg(fig)


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
    counts = [quiz.counts(p.claims) for p in problems]
    svg = _verdict_bars([f"Problem {p.number}" for p in problems], counts, "claims")
    return [
        Figure(
            f"figures/{quiz.slug}-verdicts.svg",
            svg,
            f"Bar chart of the verdicts of {quiz.title}, per problem",
            f"Verdicts of the printed answers of {quiz.title}, per problem.",
        )
    ]
