"""What the manual shows, gathered from the quiz files at build time.

For every ``quizzes/*.toml`` the manual needs the checker's report (verdict,
derived form, steps, counterexample and slip of every claim), the derived forms
of the quiz, the simulation cross-checks where the toolkit has them, and the
variant rules (the optional ``[race]`` table).  This module only collects; it
decides nothing itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from derivations.core import Derivation
from quizproof.checker import check_quiz, derive, derive_quiz
from quizproof.model import load_quiz as read_quiz_file

try:  # the Monte Carlo cross-checks are optional: pages say when they are absent
    from quizproof.simulate import simulate_quiz
except ImportError:  # pragma: no cover - depends on the installed toolkit
    simulate_quiz = None

__all__ = ["Claim", "Problem", "QuizData", "collect", "load_quiz"]

VERDICTS = ("verified", "refuted", "undecided", "invalid", "unsupported")
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
        match = _PART.match(str(self.raw.get("part", "")))
        return match.group(1) if match else str(self.raw.get("part", "?"))

    @property
    def subpart(self) -> str:
        match = _PART.match(str(self.raw.get("part", "")))
        return match.group(2) if match else ""


@dataclass
class Problem:
    """The claims of one problem of a quiz, in file order, grouped by part."""

    number: str
    claims: list[Claim] = field(default_factory=list)

    @property
    def parts(self) -> dict[str, list[Claim]]:
        out: dict[str, list[Claim]] = {}
        for claim in self.claims:
            out.setdefault(claim.subpart, []).append(claim)
        return out


@dataclass
class QuizData:
    """Everything the manual shows about one quiz file."""

    path: Path
    report: dict[str, Any]
    forms: dict[str, dict[str, Any]]
    race: dict[str, Any] | None
    simulation: dict[str, list[dict[str, Any]]] | None
    simulation_note: str = ""
    derived: dict[str, Derivation] = field(default_factory=dict)
    simulation_info: dict[str, Any] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.path.stem.lower()).strip("-")

    @property
    def title(self) -> str:
        return str(self.report.get("quiz") or self.path.stem)

    @property
    def source(self) -> str:
        return str(self.report.get("source") or "")

    @property
    def is_variant(self) -> bool:
        return self.race is not None

    @property
    def claims(self) -> list[Claim]:
        return [Claim(c) for c in self.report.get("claims", [])]

    @property
    def problems(self) -> list[Problem]:
        out: dict[str, Problem] = {}
        for claim in self.claims:
            out.setdefault(claim.problem, Problem(claim.problem)).claims.append(claim)
        return sorted(out.values(), key=lambda p: (not p.number.isdigit(), p.number.zfill(4)))

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(VERDICTS, 0)
        for claim in self.claims:
            verdict = str(claim.get("verdict", "undecided"))
            counts[verdict] = counts.get(verdict, 0) + 1
        return counts


def load_quiz(path: Path) -> QuizData:
    """Check one quiz file and gather what its pages show."""
    report = check_quiz(path)
    forms = {f["id"]: f for f in derive_quiz(path).get("forms", [])}
    quiz_file = read_quiz_file(path)
    race = quiz_file.tables.get("race")
    # The derived SymPy objects themselves, for figures and tables of exact values.
    derived = {spec.id: d for spec, d in derive(quiz_file)[0]}
    simulation, info = None, {}
    note = "cross-check not available: this build of quizproof has no simulator"
    if simulate_quiz is not None:
        result = simulate_quiz(path)
        rows = result.get("checks", []) if isinstance(result, dict) else list(result)
        simulation = {}
        for row in rows:
            simulation.setdefault(str(row["id"]), []).append(row)
        if isinstance(result, dict):
            info = {k: v for k, v in result.items() if k not in ("checks", "quiz")}
        note = "no simulation of this claim (nothing numeric to simulate)"
    return QuizData(
        Path(path),
        report,
        forms,
        dict(race) if isinstance(race, dict) else None,
        simulation,
        note,
        derived,
        info,
    )


def collect(quiz_dir: Path) -> list[QuizData]:
    """Every quiz file of ``quiz_dir``, base quizzes first, each group by file name."""
    quizzes = [load_quiz(p) for p in sorted(quiz_dir.glob("*.toml"))]
    return sorted(quizzes, key=lambda q: (q.is_variant, q.path.name))
