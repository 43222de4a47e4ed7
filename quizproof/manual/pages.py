r"""The manual's pages, written as Markdown with raw-HTML blocks from the checker's data.

Every number, formula and verdict on these pages comes from the quiz files
through the checker; the only hand-written text is the problem restatements
and the how-to in ``docs/``.  Math is written as ``$...$``/``$$...$$`` in
Markdown and as arithmatex spans (:func:`quizproof.manual.mathml.inline`) in raw
HTML, and rendered to MathML after Markdown (see :mod:`quizproof.manual.mathml`).

Sites are built with ``use_directory_urls: false``: ``a/b.md`` becomes
``a/b.html``, so the links written into raw HTML are plain relative paths and
the site also opens from the file system.
"""

from __future__ import annotations

import html
import posixpath
import re
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sympy as sp

from quizproof.manual.data import VERDICTS, Claim, Problem, QuizData
from quizproof.manual.mathml import inline

__all__ = [
    "Figure",
    "claim_anchor",
    "overview_page",
    "problem_page",
    "problem_src",
    "quiz_page",
    "quiz_src",
    "variant_page",
]

ICONS = {"verified": "✓", "refuted": "✗", "undecided": "?", "invalid": "!", "unsupported": "–"}
MEANING = {
    "verified": "the printed answer equals the derived one on the whole stated domain",
    "refuted": "the printed answer differs from the derived one at an admissible point",
    "undecided": "neither equality nor a counterexample could be established",
    "invalid": "the printed answer could not be read as a formula of the quiz's notation",
    "unsupported": "the toolkit has no derivation for this claim yet",
}
_WORD = re.compile(r"^[A-Za-z]{2,}( [A-Za-z]+)*\.?$")
_TEXT_WORD = re.compile(r"^\\text\{([A-Za-z ]+)\}$")
_DOLLAR = re.compile(r"\$([^$]+)\$")
# TeX outside dollars: a command with its brace groups and scripts, or x_1 / x_{ij}.
_BRACES = r"\{(?:[^{}]|\{[^{}]*\})*\}"
_SCRIPT = rf"[_^](?:{_BRACES}|\\[A-Za-z]+|[A-Za-z0-9])"
_LOOSE_TEX = re.compile(
    rf"(\\[A-Za-z]+(?:{_BRACES})*(?:{_SCRIPT})*|\b[A-Za-z](?:{_SCRIPT})+(?!\w))"
)


@dataclass(frozen=True)
class Figure:
    """An SVG drawn at build time, with the words a reader needs to read it."""

    src_uri: str
    svg: bytes
    alt: str
    caption: str


# -- addresses ------------------------------------------------------------------------------


def quiz_src(quiz: QuizData) -> str:
    return f"variants/{quiz.slug}.md" if quiz.is_variant else f"{quiz.slug}/index.md"


def problem_src(quiz: QuizData, number: str) -> str:
    return quiz_src(quiz) if quiz.is_variant else f"{quiz.slug}/problem-{number}.md"


def claim_anchor(claim_id: str) -> str:
    return "claim-" + re.sub(r"[^A-Za-z0-9]+", "-", claim_id).strip("-").lower()


def href(from_src: str, to_src: str, anchor: str = "") -> str:
    """Relative link from one page (or file) to another, both given by source path."""

    def dest(src: str) -> str:
        return src[:-3] + ".html" if src.endswith(".md") else src

    rel = posixpath.relpath(dest(to_src), posixpath.dirname(dest(from_src)) or ".")
    return rel + (f"#{anchor}" if anchor else "")


# -- small pieces ---------------------------------------------------------------------------


def esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def prose(text: Any) -> str:
    """Escape a sentence for HTML, rendering its ``$...$`` segments as math.

    TeX written outside dollars (``probability \\frac{1}{2}``, ``a_1``) is
    rendered as math too, so no raw TeX reaches the reader.
    """
    parts = _DOLLAR.split(str(text))
    return "".join(inline(p) if k % 2 else _loose_tex(p) for k, p in enumerate(parts))


def _loose_tex(text: str) -> str:
    parts = _LOOSE_TEX.split(text)
    return "".join(inline(p) if k % 2 else esc(p) for k, p in enumerate(parts))


def badge(verdict: str) -> str:
    verdict = verdict if verdict in ICONS else "undecided"
    return (
        f'<span class="qp-badge qp-badge--{verdict}" title="{esc(MEANING[verdict])}">'
        f'<span aria-hidden="true">{ICONS[verdict]}</span> {verdict}</span>'
    )


def display(tex: str) -> str:
    return f'<div class="arithmatex">\\[{html.escape(tex, quote=False)}\\]</div>'


def answer(tex: Any, block: bool = True) -> str:
    """A printed or derived answer: words stay words, anything else is math.

    ``block`` lays the math out in display style but left-aligned on its own line
    (for the answer grids); otherwise it is inline in text style (for tables).
    """
    if tex is None or str(tex).strip() == "":
        return '<span class="qp-none">none</span>'
    text = str(tex).strip()
    word = _TEXT_WORD.match(text)
    if word or _WORD.match(text):
        return f'<span class="qp-word">“{esc(word.group(1) if word else text)}”</span>'
    return f'<div class="qp-answer-math">{inline(text)}</div>' if block else inline(text)


def answer_grid(rows: list[tuple[str, Any]]) -> str:
    """Labelled answers, one per row: label on the left, the answer on the right."""
    cells = "".join(
        f'<div class="qp-label">{esc(label)}</div><div class="qp-value">{answer(tex)}</div>'
        for label, tex in rows
    )
    return f'<div class="qp-answers">{cells}</div>'


def symbol_tex(name: str) -> str:
    """The TeX of a symbol named in a counterexample point (``lambda`` -> ``\\lambda``)."""
    if name.startswith("\\") or not name.isidentifier():
        return name
    head = name.split("_", 1)[0]
    if len(head) > 1 and sp.latex(sp.Symbol(head)) == head:  # a word: instance, true_models
        return f"\\text{{{name.replace('_', ' ')}}}"
    return sp.latex(sp.Symbol(name))


def point_tex(point: dict[str, Any]) -> str:
    """A parameter point, ``{name: value}``, as one TeX list ``N = 3,\\; \\lambda = 1/2``."""
    return ",\\; ".join(f"{symbol_tex(str(k))} = {value_tex(v)}" for k, v in point.items())


def value_tex(value: Any) -> str:
    """The TeX of a value in a counterexample point: words (true, false) stay words."""
    text = str(value)
    return f"\\text{{{text}}}" if text.isalpha() and len(text) > 1 else text


def admonition(kind: str, title: str, body: str, cls: str = "") -> str:
    return (
        f'<div class="admonition {kind} {cls}">'
        f'<p class="admonition-title">{esc(title)}</p>{body}</div>'
    )


def figure_html(page_src: str, fig: Figure) -> str:
    return (
        f'<figure class="qp-figure"><img src="{esc(href(page_src, fig.src_uri))}" '
        f'alt="{esc(fig.alt)}" loading="eager"><figcaption>{prose(fig.caption)}</figcaption>'
        "</figure>"
    )


def frame_html(frame: pd.DataFrame, cls: str) -> str:
    """A pandas table as HTML; cells are already escaped HTML."""
    return frame.to_html(index=False, escape=False, border=0, classes=["qp-table", cls])


# -- a claim --------------------------------------------------------------------------------


def counterexample_html(claim: Claim) -> str:
    """The counterexample as a sentence: the point, then both answers' values there."""
    cex = claim.get("counterexample")
    if not cex:
        return "None was recorded."
    point = point_tex(cex.get("point") or {})
    where = f"At {inline(point)} the" if point else "The"
    return (
        f"{where} printed answer gives {inline(str(cex.get('claimed', '?')))}, "
        f"but the derivation gives {inline(str(cex.get('derived', '?')))}."
    )


def erratum_html(claim: Claim) -> str:
    slip = claim.get("slip")
    body = (
        answer_grid([("Printed", claim.get("answer")), ("Right", claim.get("expected"))])
        + f"<p><strong>Counterexample.</strong> {counterexample_html(claim)}</p>"
        + (f"<p><strong>Likely slip.</strong> {prose(slip)}</p>" if slip else "")
    )
    return admonition(
        "danger", f"Erratum: {claim.get('part', '')} ({claim.id})", body, "qp-erratum"
    )


def steps_html(claim: Claim) -> str:
    steps = claim.get("steps") or []
    if not steps:
        return '<p class="qp-muted">No derivation steps were reported for this claim.</p>'
    items = []
    for step in steps:
        tex = step.get("latex")
        items.append(f"<li><p>{prose(step.get('text', ''))}</p>{display(tex) if tex else ''}</li>")
    n = len(steps)
    return (
        f'<details class="abstract qp-steps" open><summary>Derivation ({n} step'
        f"{'s' if n != 1 else ''})</summary><ol>{''.join(items)}</ol></details>"
    )


# Columns of a simulation check, in the order shown, with their headings.
_CROSS_FIELDS = (
    ("point", "at"),
    ("member", "chain member"),
    ("note", "quantity"),
    ("estimate", "estimate"),
    ("stderr", "std. error"),
    ("claimed", "printed"),
    ("z", "z"),
    ("episodes", "episodes"),
    ("passed", "passes"),
)


def _number(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "<strong>no</strong>"
    if isinstance(value, int):
        return f"{value:,}".replace("-", "−")
    if isinstance(value, float):
        return f"{value:.6g}".replace("-", "−")  # a true minus sign, as in the math
    if isinstance(value, dict):
        return inline(point_tex(value))
    return prose(value)


def _false_alarm() -> float | None:
    try:
        from numerics.stats import FALSE_ALARM
    except ImportError:  # pragma: no cover - depends on the installed toolkit
        return None
    return float(FALSE_ALARM)


def crosscheck_html(quiz: QuizData, claim: Claim) -> str:
    checks = (quiz.simulation or {}).get(claim.id)
    if not checks:
        return f'<p class="qp-crosscheck qp-muted">Simulation: {esc(quiz.simulation_note)}.</p>'
    rows = [point for check in checks for point in (check.get("points") or [check])]
    present = [(k, label) for k, label in _CROSS_FIELDS if any(k in r for r in rows)]
    table = [{label: _number(r.get(k)) for k, label in present} for r in rows]
    passed = all(bool(check.get("passed")) for check in checks)
    facts = []
    if "seed" in quiz.simulation_info:
        facts.append(f"seed {_number(quiz.simulation_info['seed'])}")
    alpha = _false_alarm()
    if alpha is not None:
        facts.append(f"each point a two-sided z-test at false-alarm rate {alpha:g}")
    tail = f" ({'; '.join(facts)})" if facts else ""
    verdict = "passes" if passed else "<strong>fails</strong>"
    messages = "".join(f"<p>{prose(c['message'])}</p>" for c in checks if c.get("message"))
    return (
        f'<div class="qp-crosscheck"><p><strong>Simulation cross-check:</strong> the printed '
        f"answer {verdict} against the process simulated step by step{tail}.</p>"
        f'<div class="qp-scroll">{frame_html(pd.DataFrame(table), "qp-cross")}</div>'
        f"{messages}</div>"
    )


def claim_html(quiz: QuizData, claim: Claim) -> str:
    verdict = str(claim.get("verdict", "undecided"))
    message = claim.get("message")
    evidence = claim.get("evidence")
    parts = [
        f'<section class="qp-claim qp-claim--{esc(verdict)}" id="{claim_anchor(claim.id)}">',
        '<div class="qp-claim__head">',
        f'<span class="qp-claim__title">{prose(claim.get("title"))}</span>'
        if claim.get("title")
        else "",
        f"<code>{esc(claim.id)}</code>{badge(verdict)}</div>",
        answer_grid(
            [("Printed", claim.get("answer"))]
            + ([("Derived", claim.get("expected"))] if claim.get("expected") else [])
        ),
        f'<p class="qp-message">{prose(message)}</p>' if message else "",
        f'<p class="qp-evidence"><strong>Evidence.</strong> {prose(evidence)}</p>'
        if evidence
        else "",
        erratum_html(claim) if verdict == "refuted" else "",
        steps_html(claim) if claim.get("steps") or verdict in ("verified", "refuted") else "",
        crosscheck_html(quiz, claim),
        "</section>",
    ]
    return "".join(parts)


def claims_md(quiz: QuizData, problem: Problem, level: str = "##") -> str:
    out = []
    for sub, claims in problem.parts.items():
        title = f"Part ({sub})" if sub else f"Part {problem.number}"
        out.append(f"{level} {title} {{#part-{problem.number}{sub}}}\n")
        out.extend(claim_html(quiz, c) + "\n" for c in claims)
    return "\n".join(out)


def badges_inline(counts: dict[str, int]) -> str:
    return " ".join(f"{badge(v)}&nbsp;{n}" for v, n in counts.items() if n)


def counts_html(counts: dict[str, int]) -> str:
    shown = [f"{badge(v)} <strong>{n}</strong>" for v, n in counts.items() if n]
    return '<p class="qp-counts">' + " &nbsp; ".join(shown) + "</p>"


def cite(quiz: QuizData, problem: str | None = None) -> str:
    where = f", problem {problem}" if problem else ""
    return f"{quiz.source}, {quiz.title}{where}" if quiz.source else f"{quiz.title}{where}"


# -- pages ----------------------------------------------------------------------------------


def problem_title(restatement: str | None, number: str) -> str:
    if restatement:
        first = restatement.lstrip().splitlines()[0]
        if first.startswith("# "):
            return first[2:].strip()
    return f"Problem {number}"


def problem_page(
    quiz: QuizData,
    problem: Problem,
    restatement: str | None,
    figures: list[Figure],
    tables: list[Any] = (),
) -> str:
    src = problem_src(quiz, problem.number)
    title = problem_title(restatement, problem.number)
    body = (
        restatement.lstrip().split("\n", 1)[1]
        if restatement and restatement.lstrip().startswith("# ")
        else (restatement or "")
    )
    lines = [f"# {title}\n"]
    lines.append(counts_html(_counts(problem.claims)) + "\n")
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


def further_forms_md(quiz: QuizData, problem: Problem) -> str:
    """Forms the toolkit derives for this problem that the quiz file does not claim."""
    claimed = {c.id for c in quiz.claims}
    prefix = f"p{problem.number}"
    rows = [
        {
            "Claim id": f"<code>{esc(i)}</code>",
            "Quantity": prose(f.get("title") or ""),
            "Derived form": answer(f.get("latex"), block=False),
        }
        for i, f in quiz.forms.items()
        if i.startswith(prefix) and i[len(prefix) : len(prefix) + 1].isalpha() and i not in claimed
    ]
    if not rows:
        return ""
    return (
        "## Derived beyond the printed answers\n\n"
        "Quantities of this problem that the toolkit derives although the quiz prints no "
        "answer for them; a quiz file may claim any of them by its id.\n\n"
        + frame_html(pd.DataFrame(rows), "qp-forms")
        + "\n"
    )


def _counts(claims: list[Claim]) -> dict[str, int]:
    counts = dict.fromkeys(VERDICTS, 0)
    for c in claims:
        counts[str(c.get("verdict", "undecided"))] = counts.get(str(c.get("verdict")), 0) + 1
    return counts


def claims_table(page_src: str, quiz: QuizData) -> str:
    rows = []
    for c in quiz.claims:
        link = href(page_src, problem_src(quiz, c.problem), claim_anchor(c.id))
        rows.append(
            {
                "Part": esc(c.get("part", "")),
                "Claim": f'<a href="{esc(link)}"><code>{esc(c.id)}</code></a>',
                "Printed answer": answer(c.get("answer"), block=False),
                "Verdict": badge(str(c.get("verdict", "undecided"))),
            }
        )
    return frame_html(pd.DataFrame(rows), "qp-claims")


def quiz_page(quiz: QuizData, restatements: dict[str, str], figures: list[Figure]) -> str:
    src = quiz_src(quiz)
    lines = [f"# {quiz.title}\n", counts_html(quiz.counts()) + "\n"]
    lines.append(
        f'<p class="qp-cite">{esc(quiz.source)}. Printed answers transcribed in '
        f"<code>{esc('quizzes/' + quiz.path.name)}</code>.</p>\n"
    )
    lines.append("## Problems\n")
    rows = []
    for p in quiz.problems:
        title = problem_title(restatements.get(p.number), p.number)
        link = href(src, problem_src(quiz, p.number))
        rows.append(
            {
                "Problem": f'<a href="{esc(link)}">{esc(title)}</a>',
                "Claims": str(len(p.claims)),
                "Verdicts": badges_inline(_counts(p.claims)),
            }
        )
    lines.append(frame_html(pd.DataFrame(rows), "qp-problems") + "\n")
    lines.extend(figure_html(src, f) + "\n" for f in figures)
    lines.append("## Every claim\n")
    lines.append(claims_table(src, quiz) + "\n")
    return "\n".join(lines)


REWARDS = {
    "terminal": "the only reward is $-T$, paid on reaching the goal after $T$ actions",
    "per-step": "every action costs one unit: reward $-1$ at each step until the goal",
}


def variant_rules_md(quiz: QuizData) -> str:
    race = quiz.race or {}
    a1 = str(race.get("advance_prob_a1", "0"))
    a2 = str(race.get("advance_prob_a2", "1"))
    reward = str(race.get("reward", "terminal"))
    frame = pd.DataFrame(
        [
            {"Rule": "action $a_1$ advances with probability", "Value": inline(a1)},
            {"Rule": "action $a_2$ advances with probability", "Value": inline(a2)},
            {"Rule": "reward", "Value": esc(reward)},
        ]
    )
    frame["Rule"] = frame["Rule"].map(prose)
    text = (
        "This variant changes the rules of the race to the goal. The policy still picks "
        "$a_2$ with probability $\\lambda$ and $a_1$ otherwise, independently of the state "
        "$(i, t)$ ($i$ advances made, $t$ actions taken), and the goal is reached after "
        f"$N$ advances. Here $a_1$ advances with probability ${a1}$, $a_2$ with "
        f"probability ${a2}$, and {REWARDS.get(reward, esc(reward))}."
    )
    return text + "\n\n" + frame_html(frame, "qp-rules") + "\n"


def variant_page(quiz: QuizData, base_link: str | None) -> str:
    src = quiz_src(quiz)
    lines = [f"# {quiz.title}\n", counts_html(quiz.counts()) + "\n"]
    lines.append(
        f'<p class="qp-cite">A variant of {esc(quiz.source or "the course quiz")}, '
        f"file <code>{esc('quizzes/' + quiz.path.name)}</code>.</p>\n"
    )
    lines.append("## The rules\n")
    lines.append(variant_rules_md(quiz))
    if base_link:
        lines.append(f"The original problem is on [its own page]({base_link}).\n")
    if quiz.forms:
        lines.append("## Derived answers\n")
        lines.append(
            "What the toolkit derives for these rules, for every claim id it knows "
            "(`quizproof derive` prints the same list).\n"
        )
        rows = [
            {
                "Claim": f"<code>{esc(i)}</code>",
                "Quantity": prose(f.get("title") or ""),
                "Derived form": answer(f.get("latex"), block=False),
            }
            for i, f in quiz.forms.items()
        ]
        lines.append(frame_html(pd.DataFrame(rows), "qp-forms") + "\n")
    for p in quiz.problems:
        lines.append(f"## Problem {p.number}\n")
        lines.append(claims_md(quiz, p, level="###"))
    del src
    return "\n".join(lines)


def overview_page(quizzes: list[QuizData], figures: list[Figure]) -> str:
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
        row = {
            "Quiz file": f'<a href="{esc(href(src, quiz_src(quiz)))}">{esc(quiz.title)}</a>',
            "Claims": str(len(quiz.claims)),
        }
        row.update({v: str(counts.get(v, 0)) for v in VERDICTS})
        summary.append(row)
    lines.append("## At a glance\n")
    lines.append(frame_html(pd.DataFrame(summary), "qp-summary") + "\n")
    lines.extend(figure_html(src, f) + "\n" for f in figures)
    for quiz in quizzes:
        link = href(src, quiz_src(quiz))
        kind = "variant" if quiz.is_variant else "quiz"
        lines.append(f"## {quiz.title}\n")
        lines.append(
            f'<p class="qp-cite">{esc(quiz.source)} · {kind} file '
            f'<code>{esc(quiz.path.name)}</code> · <a href="{esc(link)}">open</a></p>\n'
        )
        lines.append(counts_html(quiz.counts()) + "\n")
        lines.append(claims_table(src, quiz) + "\n")
    return "\n".join(lines)
