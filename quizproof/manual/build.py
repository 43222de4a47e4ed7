"""The solutions manual as files: every page, figure and the navigation, from the quiz files.

:func:`build_site` knows nothing of the site generator: it returns the
generated files (source path -> text or bytes) and the navigation, which the
generator's glue writes out or hands over.
"""

from __future__ import annotations

import importlib.util
import posixpath
from collections import Counter
from pathlib import Path
from typing import Any

from quizproof.checker import VERDICTS
from quizproof.manual import figures, pages
from quizproof.manual.data import QuizData, collect
from quizproof.pool import run_bounded

# An OpenType math font for the MathML, shipped inside a PyPI package and copied
# into the site at build time (the stylesheet loads it from here).
MATH_FONT = ("ziamath", "fonts/STIXTwoMath-Regular.ttf", "fonts/STIXTwoMath-Regular.ttf")


def base_links(quiz: QuizData, bases: list[QuizData]) -> dict[str, str]:
    """For each problem of a variant, a link to the same family's problem in a base quiz.

    A base quiz with the same source is preferred; otherwise the one base quiz
    that poses a problem of that family, if there is exactly one.
    """
    here = posixpath.dirname(pages.quiz_src(quiz))
    out = {}
    for problem in quiz.problems:
        if problem.view is None:
            continue
        family = problem.view.problem.family
        found = [
            (base, p) for base in bases for p in base.problems
            if p.view is not None and p.view.problem.family == family
        ]  # fmt: skip
        same = [(b, p) for b, p in found if b.source == quiz.source]
        pick = same or found
        if len(pick) == 1:
            base, p = pick[0]
            out[problem.number] = posixpath.relpath(pages.problem_src(base, p.number), here)
    return out


FIGURE_BOUND = 3600.0  # seconds one problem's figures may take on a worker


def problem_figures(problems: list[Any]) -> list[list[Any]]:
    """Each problem's figures (its family draws them), drawn on every core."""

    def failed(why: str) -> list[Any]:
        raise RuntimeError(f"a figure could not be drawn: {why}")

    return run_bounded(
        [lambda p=p: pages.problem_figures(p) for p in problems], FIGURE_BOUND,
        lambda n: failed("past the time bound"), lambda n: failed("its worker ended"),
        lambda err: failed(f"{type(err).__name__}: {err}"),
    )  # fmt: skip


def build_site(
    root: Path, samples: int | None = None
) -> tuple[dict[str, str | bytes], list[Any], dict[str, int]]:
    """Every generated file (source path -> content), the navigation, and the verdicts' tally."""
    quizzes = collect(root / "quizzes", samples=samples)
    tally = Counter(c["verdict"] for q in quizzes for c in q.report["claims"])
    verdicts = {v: tally[v] for v in VERDICTS if tally[v]}
    out: dict[str, str | bytes] = {}
    nav: list[Any] = [{"Overview": "index.md"}]
    overview_figs = figures.overview_figures(quizzes)
    out["index.md"] = pages.overview_page(quizzes, overview_figs)
    variants: list[Any] = []
    bases = [q for q in quizzes if not q.is_variant]
    drawn = problem_figures([p for q in bases for p in q.problems])
    for quiz in quizzes:
        if quiz.is_variant:
            out[pages.quiz_src(quiz)] = pages.variant_page(quiz, base_links(quiz, bases))
            variants.append({quiz.title: pages.quiz_src(quiz)})
            continue
        quiz_figs = figures.quiz_figures(quiz)
        out[pages.quiz_src(quiz)] = pages.quiz_page(quiz, quiz_figs)
        section: list[Any] = [pages.quiz_src(quiz)]
        for problem in quiz.problems:
            figs = drawn.pop(0)
            src = pages.problem_src(quiz, problem.number)
            out[src] = pages.problem_page(quiz, problem, figs, pages.problem_tables(problem))
            section.append({pages.problem_title(problem): src})
        nav.append({quiz.title: section})
    if variants:
        nav.append({"Variants": variants})
    package, inside, dest = MATH_FONT
    spec = importlib.util.find_spec(package)  # locates the package without importing it
    if spec is None or spec.origin is None:
        raise RuntimeError(
            f"the manual needs {package} for its math font: pip install -e '.[docs]'"
        )
    out[dest] = (Path(spec.origin).parent / inside).read_bytes()
    return out, nav, verdicts
