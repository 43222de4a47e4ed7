"""Reports of ``quizproof check``: the text table, GitHub annotations and JUnit XML.

Each report reads the same records: one :class:`~quizproof.checker.QuizCheck`
per quiz file, and one :class:`Unusable` per file that could not be read.

- **text**: a table per file and one summary line.
- **github**: one workflow command per claim that is not verified,
  ``::error file=F,line=L,title=T::message``, with ``L`` the line of the
  claim's ``answer`` in the file, so the erratum shows on the pull request's
  diff; an unusable file gets one ``::error file=F::message``.
- **JUnit XML**: one ``testsuite`` per file, one ``testcase`` per claim
  (``classname`` the file, ``name`` its part and id); a claim that is not
  verified is a ``failure`` carrying the counterexample and the likely slip; a
  claim that cannot be read, and an unusable file, are an ``error``.
"""

from __future__ import annotations

import re
import textwrap
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass

from quizproof.checker import VERDICTS, Outcome, QuizCheck

SYMBOL = {
    "verified": "ok",
    "refuted": "WRONG",
    "circular": "CIRC",
    "undecided": "??",
    "invalid": "BAD",
    "unsupported": "--",
}


@dataclass(frozen=True)
class Unusable:
    """A file that could not be checked at all: its path and the one line saying why."""

    path: str
    message: str


def plain(text: str) -> str:
    """A note written for the manual, for a terminal or a CI log: its math without the
    ``$...$`` delimiters (TeX, as the printed and derived answers are shown there)."""
    return re.sub(r"\$([^$]+)\$", r"\1", text)


def details(o: Outcome) -> list[str]:
    """What a reader needs beside a claim's verdict, a line each (plain text, no ``$``)."""
    out = []
    if o.verdict != "verified":
        out.append(f"printed: {o.answer}")
        if o.expected is not None:
            out.append(f"derived: {o.expected}")
    if o.counterexample:
        cx = o.counterexample
        at = ", ".join(f"{k} = {v}" for k, v in cx["point"].items())
        where = f"at {at}: printed" if at else "printed"  # a constant answer needs no point
        out.append(f"{where} gives {cx['claimed']}, derived gives {cx['derived']}")
    if o.slip:
        out.append(f"likely slip: {plain(o.slip)}")
    if o.message:
        out.append(plain(o.message))
    if o.verdict == "undecided" and o.evidence:
        out.append(plain(o.evidence))
    return out


def print_check(result: QuizCheck) -> None:
    quiz = result.quiz
    source = f" ({quiz.source})" if quiz.source else ""
    print(f"{quiz.title}{source}: {quiz.path}")
    width = max([len(o.id) for o in result.outcomes] + [5])
    for o in result.outcomes:
        print(f"  {o.id:<{width}}  {o.part:<5}  {o.verdict:<11}  {SYMBOL[o.verdict]}")
        for line in details(o):
            print(
                textwrap.indent(
                    textwrap.fill(line, 96, subsequent_indent="    "), " " * (width + 6)
                )
            )
    print(f"  {len(result.outcomes)} claims: {summary(result.outcomes)}")


def summary(outcomes: list[Outcome]) -> str:
    counts = Counter(o.verdict for o in outcomes)
    return ", ".join(f"{counts[v]} {v}" for v in VERDICTS if counts[v]) or "none"


def print_summary(results: list[QuizCheck], unusable: list[Unusable]) -> None:
    outcomes = [o for r in results for o in r.outcomes]
    files = len(results) + len(unusable)
    bad = f", {len(unusable)} unusable" if unusable else ""
    print(f"{files} quiz files{bad}; {len(outcomes)} claims: {summary(outcomes)}")


# ---------------------------------------------------------------------------
# GitHub workflow annotations


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github(results: list[QuizCheck], unusable: list[Unusable]) -> list[str]:
    """One ``::error`` command per claim not verified, and per unusable file."""
    out = []
    for result in results:
        path = str(result.quiz.path)
        for o in result.outcomes:
            if o.verdict == "verified":
                continue
            where = f"file={_escape_property(path)}"
            if o.line is not None:
                where += f",line={o.line}"
            title = f"{o.part or o.id}: {o.verdict}" + (f" ({o.id})" if o.part else "")
            message = "\n".join([f"{o.id} is {o.verdict}", *details(o)])
            out.append(f"::error {where},title={_escape_property(title)}::{_escape_data(message)}")
    for u in unusable:
        out.append(f"::error file={_escape_property(u.path)}::{_escape_data(u.message)}")
    return out


# ---------------------------------------------------------------------------
# JUnit XML

ERRORS = ("invalid",)  # the input is at fault, not the printed answer


def junit(results: list[QuizCheck], unusable: list[Unusable], elapsed: float = 0.0) -> bytes:
    """The reports as JUnit XML: a testsuite per file, a testcase per claim."""
    root = ET.Element("testsuites", name="quizproof")
    totals = Counter()
    for result in results:
        path = str(result.quiz.path)
        cases = []
        counts = Counter()
        for o in result.outcomes:
            case = ET.Element("testcase", classname=path, name=f"{o.part} {o.id}".strip())
            case.set("time", "0.000")
            if o.verdict in ERRORS:
                ET.SubElement(case, "error", message=o.message or o.verdict, type=o.verdict)
                counts["errors"] += 1
            elif o.verdict != "verified":
                text = "\n".join(details(o))
                first = details(o)[-1] if details(o) else o.verdict
                failure = ET.SubElement(case, "failure", message=f"{o.verdict}: {first}")
                failure.set("type", o.verdict)
                failure.text = text
                counts["failures"] += 1
            cases.append(case)
        suite = ET.SubElement(
            root, "testsuite", name=path, tests=str(len(cases)),
            failures=str(counts["failures"]), errors=str(counts["errors"]), skipped="0",
            time="0.000",
        )  # fmt: skip
        suite.extend(cases)
        totals.update(counts)
        totals["tests"] += len(cases)
    for u in unusable:
        suite = ET.SubElement(root, "testsuite", name=u.path, tests="1", failures="0",
                              errors="1", skipped="0", time="0.000")  # fmt: skip
        case = ET.SubElement(suite, "testcase", classname=u.path, name="quiz file")
        case.set("time", "0.000")
        ET.SubElement(case, "error", message=u.message, type="unusable")
        totals.update({"tests": 1, "errors": 1})
    root.set("tests", str(totals["tests"]))
    root.set("failures", str(totals["failures"]))
    root.set("errors", str(totals["errors"]))
    root.set("time", f"{elapsed:.3f}")
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
