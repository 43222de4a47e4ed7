"""A claim on a page, as a student reads it: the answer as printed, the verdict, the worked
derivation, an erratum where the answer is wrong, and the simulation that cross-checks it.

Authoring details (the claim's id and kind, its line in the quiz file, how the
verdict was reached) sit in a collapsed "For authors" box at the end.
"""

from __future__ import annotations

import math
from typing import Any

from numerics.stats import FALSE_ALARM
from quizproof.manual.data import Claim, Problem, QuizData
from quizproof.manual.html import (
    admonition,
    answer,
    badge,
    claim_anchor,
    display,
    esc,
    inline,
    point_tex,
    prose,
)

NOTES = {
    "refuted": "The printed answer is wrong: see the erratum below.",
    "circular": (
        "The printed answer names the very quantity the question asks for, so it does not "
        "answer it: an expression in the problem's symbols is asked."
    ),
    "undecided": "Neither a proof nor a counterexample was found for the printed answer.",
    "invalid": "The printed answer could not be read in the problem's notation.",
    "unsupported": "The toolkit derives no quantity of this name.",
}


def printed_html(text: Any) -> str:
    """The answer exactly as printed: a sentence with its math, a formula, or words."""
    text = "" if text is None else str(text)
    if "$" not in text:
        return answer(text)
    out = []
    for k, part in enumerate(text.split("$$")):
        if k % 2:
            out.append(answer(part.strip()))
        elif part.strip():
            out.append(f'<p class="qp-printed">{prose(part.strip())}</p>')
    return "".join(out)


def _grid(rows: list[tuple[str, str]]) -> str:
    cells = "".join(
        f'<div class="qp-label">{esc(label)}</div><div class="qp-value">{value}</div>'
        for label, value in rows
    )
    return f'<div class="qp-answers">{cells}</div>'


def counterexample_html(claim: Claim) -> str:
    """The counterexample as a sentence: the point, then both answers' values there."""
    cex = claim.get("counterexample")
    if not cex:
        return "None was recorded."
    point = point_tex(cex.get("point") or {})
    where = f"At {inline(point)} the" if point else "The"
    return (
        f"{where} printed answer gives {inline(str(cex.get('claimed', '?')))}, "
        f"but the right answer gives {inline(str(cex.get('derived', '?')))}."
    )


def erratum_html(claim: Claim) -> str:
    slip = claim.get("slip")
    body = (
        _grid(
            [
                ("Printed", printed_html(claim.get("printed") or claim.get("answer"))),
                ("Right", answer(claim.get("expected"))),
            ]
        )
        + f"<p><strong>Counterexample.</strong> {counterexample_html(claim)}</p>"
        + (f"<p><strong>Likely slip.</strong> {prose(slip)}</p>" if slip else "")
    )
    return admonition("danger", f"Erratum: {claim.get('part') or 'this answer'}", body,
                      "qp-erratum")  # fmt: skip


def steps_html(claim: Claim) -> str:
    steps = claim.get("steps") or []
    if not steps:
        return ""
    items = []
    for step in steps:
        tex = step.get("latex")
        items.append(f"<li><p>{prose(step.get('text', ''))}</p>{display(tex) if tex else ''}</li>")
    checks = claim.get("checks") or []
    confirmed = (
        '<p class="qp-checks"><strong>Also confirmed:</strong> '
        + "; ".join(prose(str(c).strip().rstrip(".")) for c in checks)
        + ".</p>"
        if checks
        else ""
    )
    return (
        '<details class="abstract qp-steps" open><summary>Derivation</summary>'
        f"<ol>{''.join(items)}</ol>{confirmed}</details>"
    )


# -- the simulation -------------------------------------------------------------------------


def _num(x: Any) -> str:
    """A number to 4 significant digits, with a true minus sign."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    return f"{x:.4g}".replace("-", "−")


def _row(point: dict[str, Any]) -> dict[str, str]:
    claimed = point.get("claimed")
    est, se, z, limit = (point.get(k) for k in ("estimate", "stderr", "z", "threshold"))
    if isinstance(claimed, str):  # a yes/no claim: what the episodes showed
        shown, test = prose(point.get("note", "")), "—"
    elif not se:
        shown, test = _num(est), "exact"
    else:
        shown = f"{_num(est)} ± {_num(se)}"
        test = f"{_num(z)} (limit ±{_num(limit)})" if limit else _num(z)
    ok = point.get("passed")
    return {
        "at": inline(point_tex(point.get("point") or {})),
        "member": esc(point.get("member", "")),
        "simulated": shown,
        "printed": prose(claimed) if isinstance(claimed, str) else _num(claimed),
        "z": test,
        "samples": f"{point.get('episodes', 0):,}",
        "result": "passes" if ok else "<strong>fails</strong>",
        "note": "" if isinstance(claimed, str) else prose(point.get("note", "")),
    }


HEADINGS = {
    "at": "At",
    "member": "Chain member",
    "simulated": "Simulated",
    "printed": "Printed",
    "z": "z",
    "samples": "Samples",
    "result": "Result",
    "note": "Note",
}


def _table(rows: list[dict[str, str]]) -> str:
    """The rows of a cross-check; a row's note (prose) goes on a line of its own under it."""
    columns = [k for k in HEADINGS if k != "note" and any(r[k] for r in rows)]
    head = "".join(f"<th>{HEADINGS[k]}</th>" for k in columns)
    body = "".join(
        "<tr>" + "".join(f'<td data-label="{HEADINGS[k]}">{r[k]}</td>' for k in columns) + "</tr>"
        + (f'<tr class="qp-cross__note"><td colspan="{len(columns)}" data-label="Note">'
           f"{r['note']}</td></tr>" if r["note"] else "")
        for r in rows
    )  # fmt: skip
    return (
        f'<div class="qp-scroll"><table class="qp-table qp-cross"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def crosscheck_html(quiz: QuizData, claim: Claim) -> str:
    checks = quiz.simulation.get(claim.key)
    if not checks:
        why = quiz.not_simulated.get(claim.key, "nothing numeric to simulate")
        return f'<p class="qp-crosscheck qp-muted">Simulation: not simulated ({prose(why)}).</p>'
    rows = [_row(p) for check in checks for p in check.get("points") or []]
    notes = {r["note"] for r in rows}
    if len(notes) == 1:  # one quantity throughout: said once, above the table
        for r in rows:
            r["note"] = ""
    passed = all(bool(check.get("passed")) for check in checks)
    verdict = "passes" if passed else "<strong>fails</strong>"
    note = notes.pop() if len(notes) == 1 else ""
    said = f" {note[:1].upper()}{note[1:]}." if note else ""
    messages = "".join(f"<p>{prose(c['message'])}</p>" for c in checks if c.get("message"))
    return (
        '<details class="qp-crosscheck"><summary><strong>Simulation:</strong> the printed '
        f"answer {verdict} against the process simulated step by step</summary>"
        f'<p class="qp-muted">Seed {quiz.seed}; each row is a two-sided z-test at false-alarm '
        f"rate {FALSE_ALARM:g}.{said}</p>"
        f"{_table(rows) if rows else ''}{messages}</details>"
    )


# -- the claim ------------------------------------------------------------------------------


def authors_html(claim: Claim) -> str:
    facts = [f"claim <code>{esc(claim.id)}</code>"]
    if claim.get("kind"):
        facts.append(f"kind <code>{esc(claim.get('kind'))}</code> of problem {esc(claim.problem)}")
    if claim.get("line"):
        facts.append(f"answer on line {claim.get('line')} of the quiz file")
    evidence = claim.get("evidence")
    decided = f"<p>{prose(evidence)}.</p>" if evidence else ""
    return (
        '<details class="qp-authors"><summary>For authors</summary>'
        f"<p>{', '.join(facts)}.</p>{decided}</details>"
    )


def claim_html(quiz: QuizData, claim: Claim) -> str:
    verdict = str(claim.get("verdict", "undecided"))
    printed = claim.get("printed")
    rows = [("Printed", printed_html(printed or claim.get("answer")))]
    if printed and printed != claim.get("answer"):
        rows.append(("Read as", answer(claim.get("answer"))))
    if claim.get("expected") and verdict != "refuted":
        rows.append(("Derived", answer(claim.get("expected"))))
    title = claim.get("title")
    given = (
        '<p class="qp-given">Stated in the question, not answered by it: checked here, and '
        "not counted among the printed answers.</p>"
        if claim.get("given")
        else ""
    )
    note = NOTES.get(verdict, "")
    message = claim.get("message")
    parts = [
        f'<section class="qp-claim qp-claim--{esc(verdict)}" id="{claim_anchor(claim.key)}">',
        '<div class="qp-claim__head">',
        f'<span class="qp-claim__title">{prose(title)}</span>' if title else "",
        f"{badge(verdict)}</div>",
        given,
        _grid(rows),
        f'<p class="qp-note">{note}</p>' if note and verdict != "refuted" else "",
        f'<p class="qp-message">{prose(message)}</p>' if message else "",
        erratum_html(claim) if verdict == "refuted" else "",
        steps_html(claim),
        crosscheck_html(quiz, claim),
        authors_html(claim),
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


def counts_html(counts: dict[str, int], given: int = 0) -> str:
    shown = [f"{badge(v)} <strong>{n}</strong>" for v, n in counts.items() if n]
    if given:
        shown.append(f'<span class="qp-muted">and {given} statement{"s" * (given > 1)} of the '
                     "questions checked</span>")  # fmt: skip
    return '<p class="qp-counts">' + " &nbsp; ".join(shown) + "</p>"


def cite(quiz: QuizData, problem: str | None = None) -> str:
    where = f", problem {problem}" if problem else ""
    return f"{quiz.source}, {quiz.title}{where}" if quiz.source else f"{quiz.title}{where}"
