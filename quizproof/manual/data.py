"""What the manual shows, gathered from the quiz files at build time.

For every quiz file the manual needs the checker's report (verdict, derived
form, steps, counterexample and slip of every claim), the derived forms of
its problems, the simulation cross-checks, and for each problem a
:class:`~quizproof.manual.content.ProblemView` that its family draws figures
and tables from.  This module only collects; it decides nothing itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quizproof import registry
from quizproof.checker import VERDICTS, check_all, derive, prepare
from quizproof.family import Family
from quizproof.manual.content import ProblemView
from quizproof.model import Quiz, QuizFileError, load_quiz
from quizproof.simulation import simulate_all

_ASCII = {"<=": "≤", ">=": "≥", "!=": "≠", "<-": "←", "->": "→"}

#: A published page must not depend on the machine's load: each decision gets a minute
#: here (``check`` keeps its few seconds, which CI wants).
MANUAL_TIMEOUT = 60.0


def typeset(text: str) -> str:
    """Plain text as a reader sees it: ASCII comparisons and arrows as their signs."""
    return re.sub(r"<=|>=|!=|<-|->", lambda m: _ASCII[m.group(0)], text)


_PART = re.compile(r"^\s*(\d+)\s*\(\s*([A-Za-z]+)\s*\)\s*$")


@dataclass(frozen=True)
class Claim:
    """One printed answer with its verdict, as reported by the checker."""

    raw: dict[str, Any]

    def __getattr__(self, name: str) -> Any:
        try:
            return self.raw[name]
        except KeyError as err:
            raise AttributeError(name) from err

    def get(self, key: str, default: Any = None) -> Any:
        value = self.raw.get(key, default)
        return default if value is None else value

    @property
    def problem(self) -> str:
        """The problem it answers: as resolved by the model, else the number its part gives."""
        if self.raw.get("problem"):
            return str(self.raw["problem"])
        match = _PART.match(str(self.raw.get("part", "")))
        return match.group(1) if match else str(self.raw.get("part") or "?")

    @property
    def subpart(self) -> str:
        match = _PART.match(str(self.raw.get("part", "")))
        return match.group(2) if match else ""

    @property
    def key(self) -> str:
        """A key unique within its quiz: the problem and the id."""
        return f"{self.problem}-{self.id}"


@dataclass
class Problem:
    """The claims of one problem of a quiz, in file order, grouped by part."""

    number: str
    claims: list[Claim] = field(default_factory=list)
    view: ProblemView | None = None

    @property
    def family(self) -> Family | None:
        return registry.family(self.view.problem.family) if self.view is not None else None

    @property
    def parts(self) -> dict[str, list[Claim]]:
        out: dict[str, list[Claim]] = {}
        for claim in self.claims:
            out.setdefault(claim.subpart, []).append(claim)
        return out


@dataclass
class QuizData:
    """Everything the manual shows about one quiz file."""

    quiz: Quiz
    report: dict[str, Any]
    forms: list[dict[str, Any]]
    simulation: dict[str, list[dict[str, Any]]]
    views: dict[str, ProblemView] = field(default_factory=dict)
    seed: int = 0
    not_simulated: dict[str, str] = field(default_factory=dict)  # claim key -> why

    @property
    def path(self) -> Path:
        return self.quiz.path

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.path.stem.lower()).strip("-")

    @property
    def title(self) -> str:
        return typeset(self.quiz.title)

    @property
    def source(self) -> str:
        return self.quiz.source

    @property
    def is_variant(self) -> bool:
        return self.quiz.is_variant

    @property
    def claims(self) -> list[Claim]:
        return [Claim(c) for c in self.report.get("claims", [])]

    @property
    def problems(self) -> list[Problem]:
        out: dict[str, Problem] = {
            label: Problem(label, view=view) for label, view in self.views.items()
        }
        for claim in self.claims:
            out.setdefault(claim.problem, Problem(claim.problem)).claims.append(claim)
        return sorted(
            (p for p in out.values() if p.claims or p.view is not None),
            key=lambda p: (not p.number.isdigit(), p.number.zfill(4)),
        )

    def counts(self, claims: list[Claim] | None = None) -> dict[str, int]:
        """Verdicts of the printed answers (facts the questions state are not counted)."""
        counts = dict.fromkeys(VERDICTS, 0)
        for claim in self.claims if claims is None else claims:
            if claim.get("given"):
                continue
            verdict = str(claim.get("verdict", "undecided"))
            counts[verdict] = counts.get(verdict, 0) + 1
        return counts

    def given(self, claims: list[Claim] | None = None) -> int:
        """How many claims check a fact the question states."""
        return sum(bool(c.get("given")) for c in (self.claims if claims is None else claims))

    def forms_of(self, label: str) -> list[dict[str, Any]]:
        return [f for f in self.forms if f.get("problem") == label]


class UnusableInput(QuizFileError):
    """Some quiz file cannot be published: ``lines`` has one line per problem (file, claim)."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        more = f" (and {len(lines) - 1} more)" if len(lines) > 1 else ""
        super().__init__(lines[0] + more)


def gather(quizzes: list[Quiz], seed: int = 0, samples: int | None = None) -> list[QuizData]:
    """Check, derive and simulate every quiz, and gather its problems' views.

    ``samples`` fixes the size of every simulation (default: sized by power).  A claim
    that cannot be read or a problem whose rules are inadmissible stops the manual
    (:class:`UnusableInput`), as it stops ``quizproof check`` with exit status 2: a
    manual is published only from files that are all usable.
    """
    reports = check_all(quizzes, timeout=MANUAL_TIMEOUT, forms=True)  # every form shown
    unusable = [line for r in reports for line in r.problems]
    if unusable:
        raise UnusableInput(unusable)
    simulations = simulate_all(quizzes, samples=samples, seed=seed)
    unusable = [line for s in simulations for line in s.problems]
    if unusable:
        raise UnusableInput(unusable)
    out = []
    for quiz, report, simulation in zip(quizzes, reports, simulations, strict=True):
        forms, _ = derive(quiz)
        prepared = prepare(quiz)
        sim = simulation.as_json()
        by_claim: dict[str, list[dict[str, Any]]] = {}
        for row in sim.get("checks", []):
            by_claim.setdefault(_claim_key(row), []).append(row)
        record = report.as_json()
        views = {}
        for problem in quiz.problems:
            claims = [c for c in record["claims"] if c.get("problem") == problem.label]
            derived = {
                f.kind.name: f.derivation
                for f in forms
                if f.problem.label == problem.label and not isinstance(f.derivation, str)
            }
            views[problem.label] = ProblemView(
                _slug(quiz), problem, prepared.contexts.get(problem.label), derived,
                claims, {c["id"]: by_claim.get(_claim_key(c), []) for c in claims},
            )  # fmt: skip
        data = QuizData(quiz, record, [f.as_json() for f in forms], {}, views, seed)
        data.not_simulated = {_claim_key(c): c["reason"] for c in sim.get("not_simulated", [])}
        data.simulation = {_claim_key(c): by_claim.get(_claim_key(c), []) for c in record["claims"]}
        out.append(data)
    return out


def _slug(quiz: Quiz) -> str:
    return re.sub(r"[^a-z0-9]+", "-", quiz.path.stem.lower()).strip("-")


def _claim_key(record: dict[str, Any]) -> str:
    return f"{record.get('problem')}-{record.get('id')}"


def collect(quiz_dir: Path, samples: int | None = None) -> list[QuizData]:
    """Every quiz file under ``quiz_dir``, base quizzes first, each group by file name."""
    quizzes = [load_quiz(p) for p in sorted(quiz_dir.glob("*.toml"))]
    data = gather(quizzes, samples=samples)
    return sorted(data, key=lambda q: (q.is_variant, q.path.name))
