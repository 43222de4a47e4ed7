r"""The manual's pages, written as Markdown with raw-HTML blocks from the checker's data.

Every number, formula and verdict on these pages comes from the quiz files
through the checker; the hand-written text is each family's restatement of its
problem and the how-to pages in ``docs/``.  Math is written as
``$...$``/``$$...$$`` in Markdown and as arithmatex spans
(:func:`quizproof.manual.mathml.inline`) in raw HTML.

Sites are built with ``use_directory_urls: false``: ``a/b.md`` becomes
``a/b.html``, so the links written into raw HTML are plain relative paths and
the site also opens from the file system.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from quizproof.manual.claims import badges_inline, cite, claims_md, counts_html
from quizproof.manual.content import Figure, Table
from quizproof.manual.data import VERDICTS, Problem, QuizData
from quizproof.manual.html import (
    MEANING,
    answer,
    badge,
    claim_anchor,
    esc,
    figure_html,
    frame_html,
    href,
    prose,
    scroll,
)

# -- addresses ------------------------------------------------------------------------------


def quiz_src(quiz: QuizData) -> str:
    return f"variants/{quiz.slug}.md" if quiz.is_variant else f"{quiz.slug}/index.md"


def problem_src(quiz: QuizData, number: str) -> str:
    return quiz_src(quiz) if quiz.is_variant else f"{quiz.slug}/problem-{number}.md"


# -- a problem ------------------------------------------------------------------------------


def restatement(problem: Problem) -> str:
    """The family's restatement of the problem, for its parameters ("" if it has none)."""
    fam, view = problem.family, problem.view
    if fam is None or view is None or view.context is None or fam.manual.restatement is None:
        return ""
    return fam.manual.restatement(view.context)


def problem_title(problem: Problem) -> str:
    text = restatement(problem).lstrip()
    if text.startswith("# "):
        return f"Problem {problem.number}: {text.splitlines()[0][2:].strip()}"
    return f"Problem {problem.number}"


def problem_figures(problem: Problem) -> list[Figure]:
    fam, view = problem.family, problem.view
    if fam is None or view is None or fam.manual.figures is None:
        return []
    return fam.manual.figures(view)


def problem_tables(problem: Problem) -> list[Table]:
    fam, view = problem.family, problem.view
    if fam is None or view is None or fam.manual.tables is None:
        return []
    return fam.manual.tables(view)


def problem_page(
    quiz: QuizData, problem: Problem, figures: Sequence[Figure], tables: Sequence[Table] = ()
) -> str:
    src = problem_src(quiz, problem.number)
    text = restatement(problem).lstrip()
    body = text.split("\n", 1)[1] if text.startswith("# ") and "\n" in text else text
    lines = [f"# {problem_title(problem)}\n"]
    lines.append(counts_html(quiz.counts(problem.claims), quiz.given(problem.claims)) + "\n")
    if body.strip():
        lines.append("## The problem\n")
        lines.append(body.strip() + "\n")
        lines.append(f'<p class="qp-cite">Restated from {esc(cite(quiz, problem.number))}.</p>\n')
    else:
        lines.append(f'<p class="qp-cite">From {esc(cite(quiz, problem.number))}.</p>\n')
    if figures or tables:
        lines.append("## Figures and tables\n")
        lines.extend(figure_html(src, f) + "\n" for f in figures)
        for table in tables:
            lines.append(f"### {table.title}\n")
            lines.append(table.caption + "\n")
            lines.append(table.html + "\n")
    lines.append(claims_md(quiz, problem))
    lines.append(further_forms_md(quiz, problem))
    return "\n".join(lines)


#: A derived form longer than this (in LaTeX characters) is not printed in the table: nobody
#: reads a 30-term polynomial, and it would only scroll.
LONGEST_FORM = 700


def _derived_cell(f: dict) -> str:
    if not f.get("latex"):
        return prose(f.get("note") or "not derived for these rules")
    if len(f["latex"]) > LONGEST_FORM:
        return prose("derived in closed form, too long to print usefully here")
    return answer(r"\displaystyle " + f["latex"], block=False)


def _forms_table(forms: list[dict]) -> str:
    rows = [{"Quantity": prose(f.get("title") or ""), "Derived": _derived_cell(f)} for f in forms]
    return scroll(frame_html(pd.DataFrame(rows), "qp-forms"))


def _ids_box(forms: list[dict]) -> str:
    ids = ", ".join(f"<code>{esc(f['id'])}</code> ({prose(f.get('title') or '')})" for f in forms)
    return (
        '<details class="qp-authors"><summary>For authors: the claim ids</summary>'
        f"<p>A quiz file claims any of these quantities by its id: {ids}. "
        "<code>quizproof derive FILE</code> prints the same list.</p></details>"
    )


def further_forms_md(quiz: QuizData, problem: Problem) -> str:
    """Forms the toolkit derives for this problem that the quiz file does not claim."""
    claimed = {c.id for c in problem.claims}
    forms = [f for f in quiz.forms_of(problem.number) if f["id"] not in claimed]
    if not forms:
        return ""
    return (
        "## Derived beyond the printed answers\n\n"
        "Further quantities of this problem, derived for the same rules.\n\n"
        + _forms_table(forms)
        + "\n\n"
        + _ids_box(forms)
        + "\n"
    )


# -- a quiz ---------------------------------------------------------------------------------


def claims_table(page_src: str, quiz: QuizData) -> str:
    rows = []
    for c in quiz.claims:
        link = href(page_src, problem_src(quiz, c.problem), claim_anchor(c.key))
        label = prose(c.get("title") or c.id)
        if c.get("given"):
            label += ' <span class="qp-muted">(stated in the question)</span>'
        rows.append(
            {
                "Part": f'<a href="{esc(link)}">{esc(c.get("part") or c.problem)}</a>',
                "Question": label,
                "Verdict": badge(str(c.get("verdict", "undecided"))),
            }
        )
    return scroll(frame_html(pd.DataFrame(rows), "qp-claims"))


def quiz_page(quiz: QuizData, figures: Sequence[Figure]) -> str:
    src = quiz_src(quiz)
    lines = [f"# {quiz.title}\n", counts_html(quiz.counts(), quiz.given()) + "\n"]
    lines.append(
        f'<p class="qp-cite">{esc(quiz.source)}. Printed answers transcribed in '
        f"<code>{esc('quizzes/' + quiz.path.name)}</code>.</p>\n"
    )
    lines.append("## Problems\n")
    rows = []
    for p in quiz.problems:
        link = href(src, problem_src(quiz, p.number))
        rows.append(
            {
                "Problem": f'<a href="{esc(link)}">{esc(problem_title(p))}</a>',
                "Printed answers": str(sum(quiz.counts(p.claims).values())),
                "Verdicts": badges_inline(quiz.counts(p.claims)),
            }
        )
    lines.append(scroll(frame_html(pd.DataFrame(rows), "qp-problems")) + "\n")
    lines.extend(figure_html(src, f) + "\n" for f in figures)
    lines.append("## Every claim\n")
    lines.append(claims_table(src, quiz) + "\n")
    return "\n".join(lines)


def variant_page(quiz: QuizData, base_links: dict[str, str]) -> str:
    """A variant file: its changed rules, what the toolkit derives for them, every claim.

    ``base_links`` maps a problem's label to a Markdown link of its original problem.
    """
    lines = [f"# {quiz.title}\n", counts_html(quiz.counts(), quiz.given()) + "\n"]
    lines.append(
        f'<p class="qp-cite">A variant of {esc(quiz.source or "the course quiz")}, '
        f"file <code>{esc('quizzes/' + quiz.path.name)}</code>.</p>\n"
    )
    for p in quiz.problems:
        heading = "## " if len(quiz.problems) == 1 else f"## Problem {p.number}: "
        fam, view = p.family, p.view
        if fam is not None and view is not None and view.is_variant and fam.manual.rules:
            lines.append(f"{heading}The rules\n")
            lines.append(fam.manual.rules(view.context, view.problem.table or {}))
            if p.number in base_links:
                lines.append(
                    f"The original problem is on [its own page]({base_links[p.number]}).\n"
                )
        forms = quiz.forms_of(p.number)
        if forms:
            lines.append(f"{heading}Derived answers\n")
            lines.append(
                "The answers derived for these rules, one for every quantity of the problem; "
                "the printed answers below are checked against them.\n"
            )
            lines.append(_forms_table(forms) + "\n")
            lines.append(_ids_box(forms) + "\n")
    for p in quiz.problems:
        if p.claims:
            lines.append(f"## Problem {p.number}\n")
            lines.append(claims_md(quiz, p, level="###"))
    return "\n".join(lines)


# -- the overview ---------------------------------------------------------------------------


def overview_page(quizzes: list[QuizData], figures: Sequence[Figure]) -> str:
    src = "index.md"
    lines = ["# Solutions manual\n"]
    lines.append(
        "Every printed answer of every quiz below was derived again from the problem's own "
        "definitions and decided by the toolkit. Each verdict means:\n"
    )
    items = "".join(f"<li>{badge(v)} {esc(MEANING[v])}.</li>" for v in VERDICTS)
    lines.append(f'<ul class="qp-legend">{items}</ul>\n')
    summary = []
    for quiz in quizzes:
        counts = quiz.counts()
        summary.append(
            {
                "Quiz": f'<a href="{esc(href(src, quiz_src(quiz)))}">{esc(quiz.title)}</a>',
                "Printed answers": str(sum(counts.values())),
                "Verdicts": badges_inline(counts),
            }
        )
    lines.append("## At a glance\n")
    lines.append(scroll(frame_html(pd.DataFrame(summary), "qp-summary")) + "\n")
    lines.extend(figure_html(src, f) + "\n" for f in figures)
    for quiz in quizzes:
        link = href(src, quiz_src(quiz))
        kind = "variant" if quiz.is_variant else "quiz"
        lines.append(f"## {quiz.title}\n")
        lines.append(
            f'<p class="qp-cite">{esc(quiz.source)} · {kind} file '
            f'<code>{esc(quiz.path.name)}</code> · <a href="{esc(link)}">open</a></p>\n'
        )
        lines.append(counts_html(quiz.counts(), quiz.given()) + "\n")
        lines.append(claims_table(src, quiz) + "\n")
    return "\n".join(lines)
