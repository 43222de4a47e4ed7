"""A claim on a page: its answers, verdict, evidence, erratum, derivation and simulation."""

from __future__ import annotations

from typing import Any

import pandas as pd

from numerics.stats import FALSE_ALARM
from quizproof.manual.data import Claim, Problem, QuizData
from quizproof.manual.html import (
    admonition,
    answer_grid,
    badge,
    claim_anchor,
    display,
    esc,
    frame_html,
    inline,
    point_tex,
    prose,
)

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


def crosscheck_html(quiz: QuizData, claim: Claim) -> str:
    checks = quiz.simulation.get(claim.key)
    if not checks:
        return (
            '<p class="qp-crosscheck qp-muted">Simulation: no simulation of this claim '
            "(nothing numeric to simulate).</p>"
        )
    rows = [point for check in checks for point in (check.get("points") or [check])]
    present = [(k, label) for k, label in _CROSS_FIELDS if any(k in r for r in rows)]
    table = [{label: _number(r.get(k)) for k, label in present} for r in rows]
    passed = all(bool(check.get("passed")) for check in checks)
    tail = (
        f" (seed {_number(quiz.seed)}; each point a two-sided z-test at false-alarm rate "
        f"{FALSE_ALARM:g})"
    )
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
        f'<section class="qp-claim qp-claim--{esc(verdict)}" id="{claim_anchor(claim.key)}">',
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
