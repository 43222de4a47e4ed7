r"""The quiz file: a TOML transcription of a quiz's printed answers.

A quiz file lists its problems, each posed by a problem family, and the
printed answers to check:

```toml
[quiz]
title = "Quiz 7"
source = "A course"

[problems.1]                  # the quiz's own label for the problem
family = "<name>"             # one of the installed families (`quizproof families`)
[problems.1.<table>]          # optional: the family's variant table
<key> = '<value>'

[[claims]]
problem = "1"
id = "<kind>"                 # a claim kind of the family (`quizproof derive` lists them)
part = "1(b)"
answer = '<LaTeX as printed>'
```

Files written before problems named their family keep working: without a
``[problems]`` table, each claim id names its family and kind itself (an id
that carries the problem's number and part), each family's problem takes the
label its legacy ids carry, and a family's variant table may stand at the top
of the file.

A file that cannot be read, is not TOML or has the wrong shape raises
:class:`QuizFileError` (one line naming the file and the problem).  A single
bad claim or problem does not spoil the file: the claim keeps its ``error``,
the checker reports it as ``invalid``, and every other claim is decided.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quizproof import registry

CLAIM_KEYS = {
    "id",
    "part",
    "answer",
    "note",
    "problem",
    "definition",
    "printed",
    "given",
    "paraphrase",
}
QUIZ_KEYS = {"title", "source", "course", "url", "note"}
PROBLEM_KEYS = {"family", "title", "note"}


class QuizFileError(Exception):
    """The file as a whole is unusable; ``str(err)`` is the one line for the user."""


@dataclass(frozen=True)
class Problem:
    """One problem of a quiz: its label, its family and the family's variant table."""

    label: str
    family: str
    title: str = ""
    table: dict[str, Any] | None = None  # the variant table as written, or None
    where: str = ""  # how messages name the variant table: "<table>", "problems.1.<table>"
    error: str | None = None  # the problem cannot be used (an unknown family, say)

    @property
    def is_variant(self) -> bool:
        return self.table is not None


@dataclass(frozen=True)
class Claim:
    """One printed answer: ``problem`` and ``kind`` say what it answers; ``error`` if malformed."""

    index: int
    id: str
    part: str
    answer: Any
    problem: str | None = None
    kind: str | None = None
    error: str | None = None
    line: int | None = None  # the line of its answer in the file
    definition: bool = False  # the question asks for a definition: naming quantities answers it
    printed: str | None = None  # the answer exactly as the quiz prints it (when it differs)
    given: bool = False  # stated in the question, not answered: a check of the question
    paraphrase: str | None = None  # why ``printed`` is not the quiz's text word for word

    @property
    def shown(self) -> str:
        """What readers see: the printed text, or the answer when it is printed as it is."""
        return self.printed if self.printed is not None else str(self.answer)


@dataclass(frozen=True)
class Quiz:
    path: Path
    title: str
    source: str
    claims: tuple[Claim, ...]
    problems: tuple[Problem, ...] = ()
    legacy: bool = True  # written without a [problems] table
    text: str = field(default="", repr=False)

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def is_variant(self) -> bool:
        return any(p.is_variant for p in self.problems)

    def problem(self, label: str | None) -> Problem | None:
        return next((p for p in self.problems if p.label == label), None)


def load_quiz(path: str | Path) -> Quiz:
    """Read and validate a quiz file."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise QuizFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise QuizFileError(f"{path}: is a directory, not a quiz file") from None
    except OSError as err:
        raise QuizFileError(f"{path}: cannot be read ({err.strerror or err})") from None
    try:
        text = raw.decode("utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError:
        raise QuizFileError(f"{path}: is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as err:
        raise QuizFileError(f"{path}: is not valid TOML ({err})") from None
    return quiz_from_data(path, data, text)


def _string(path: Path, table: dict[str, Any], key: str, where: str, required=False) -> str:
    value = table.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        need = "needs" if required else "takes"
        raise QuizFileError(f"{path}: [{where}] {need} a {key} (a string)")
    return value.strip()


def quiz_from_data(path: Path, data: dict[str, Any], text: str = "") -> Quiz:
    legacy_tables = registry.legacy_tables()
    explicit = "problems" in data
    allowed = {"quiz", "claims", "problems"} | (set() if explicit else set(legacy_tables))
    unknown = set(data) - allowed
    if unknown:
        stray = sorted(unknown & set(legacy_tables))
        if stray:
            raise QuizFileError(
                f"{path}: [{stray[0]}] belongs inside its problem, [problems.<label>.{stray[0]}], "
                "in a file that lists its problems"
            )
        raise QuizFileError(f"{path}: unknown table(s) {', '.join(sorted(unknown))}")
    quiz = data.get("quiz")
    if not isinstance(quiz, dict):
        raise QuizFileError(f"{path}: missing the [quiz] table (title, source)")
    title = _string(path, quiz, "title", "quiz", required=True)
    source = _string(path, quiz, "source", "quiz")
    bad = set(quiz) - QUIZ_KEYS
    if bad:
        raise QuizFileError(f"{path}: unknown key(s) in [quiz]: {', '.join(sorted(bad))}")
    entries = data.get("claims", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise QuizFileError(f"{path}: claims must be [[claims]] tables")
    lines = answer_lines(text, len(entries))
    if explicit:
        problems = _problems(path, data["problems"])
    else:
        problems = _legacy_problems(path, data, entries, legacy_tables)
    claims = tuple(
        _claim(n, entry, problems, explicit, lines[n]) for n, entry in enumerate(entries)
    )
    return Quiz(path, title, source, claims, problems, not explicit, text)


def _problems(path: Path, table: Any) -> tuple[Problem, ...]:
    if not isinstance(table, dict) or not all(isinstance(v, dict) for v in table.values()):
        raise QuizFileError(f"{path}: [problems] must hold one table per problem, [problems.1]")
    out = []
    for label, spec in table.items():
        where = f"problems.{label}"
        name = spec.get("family")
        if not isinstance(name, str) or not name.strip():
            raise QuizFileError(f"{path}: [{where}] needs a family (a string)")
        title = _string(path, spec, "title", where)
        fam = registry.family(name)
        if fam is None:
            known = ", ".join(registry.families()) or "none"
            why = registry.broken().get(name) or (
                f"no problem family {name!r} is installed (installed: {known})"
            )
            out.append(Problem(label, name, title, None, where, f"[{where}]: {why}"))
            continue
        extra = set(spec) - PROBLEM_KEYS - ({fam.table} if fam.table else set())
        if extra:
            raise QuizFileError(f"{path}: unknown key(s) in [{where}]: {', '.join(sorted(extra))}")
        variant = spec.get(fam.table) if fam.table else None
        if variant is not None and not isinstance(variant, dict):
            raise QuizFileError(f"{path}: [{where}.{fam.table}] must be a table")
        out.append(Problem(label, name, title, variant, f"{where}.{fam.table}"))
    return tuple(out)


def _legacy_problems(path, data, entries, legacy_tables) -> tuple[Problem, ...]:
    """Problems inferred from legacy claim ids and top-level variant tables."""
    used: dict[str, str] = {}
    for entry in entries:
        cid = entry.get("id")
        owner = registry.legacy_owner(cid) if isinstance(cid, str) else None
        if owner is not None:
            used.setdefault(owner[0].name, owner[0].legacy.problem)
    for name, fam in legacy_tables.items():
        if name in data:
            if not isinstance(data[name], dict):
                raise QuizFileError(f"{path}: [{name}] must be a table")
            used.setdefault(fam.name, fam.legacy.problem)
    out = []
    for fam_name, label in used.items():
        fam = registry.family(fam_name)
        table = data.get(fam.table) if fam.table else None
        out.append(Problem(label, fam_name, "", table, fam.table))
    return tuple(sorted(out, key=lambda p: _label_key(p.label)))


def _label_key(label: str) -> tuple:
    return tuple(int(t) if t.isdigit() else t for t in re.findall(r"\d+|\D+", label))


def _claim(n: int, entry: dict[str, Any], problems, explicit: bool, line: int | None) -> Claim:
    cid = entry.get("id")
    label = cid if isinstance(cid, str) and cid else f"#{n + 1}"
    part = entry.get("part", "")
    answer = entry.get("answer")
    error = None
    if not isinstance(cid, str) or not cid.strip():
        error = "the claim has no id"
    elif "answer" not in entry:
        error = "the claim has no answer"
    elif not isinstance(answer, str):
        error = f"the answer must be a string, not {type(answer).__name__}"
    elif not isinstance(part, str):
        error = "part must be a string"
    elif set(entry) - CLAIM_KEYS:
        error = f"unknown key(s): {', '.join(sorted(set(entry) - CLAIM_KEYS))}"
    elif any(not isinstance(entry.get(k, False), bool) for k in ("definition", "given")):
        error = "definition and given must be true or false"
    elif any(not isinstance(entry.get(k, ""), str) for k in ("printed", "paraphrase")):
        error = "printed and paraphrase must be strings"
    part = part if isinstance(part, str) else ""
    problem, kind = None, None
    if error is None:
        problem, kind, error = _resolve(cid, entry.get("problem"), problems, explicit)
    return Claim(
        n, label, part, answer, problem, kind, error, line,
        definition=entry.get("definition") is True,
        printed=entry.get("printed") if isinstance(entry.get("printed"), str) else None,
        given=entry.get("given") is True,
        paraphrase=entry.get("paraphrase") if isinstance(entry.get("paraphrase"), str) else None,
    )  # fmt: skip


def _resolve(cid: str, named: Any, problems, explicit: bool):
    """(problem label, kind, error) of a claim; kind None: no family derives it."""
    if named is not None and not isinstance(named, str | int):
        return None, None, "problem must be the problem's label, a string"
    owner = registry.legacy_owner(cid)
    if named is None:
        if owner is not None:
            fam, kind = owner
            matches = [p for p in problems if p.family == fam.name]
            if len(matches) == 1:
                return matches[0].label, kind, matches[0].error
            if explicit:
                return None, None, f"name its problem: {fam.name} poses several problems here"
        if explicit and len(problems) == 1:
            named = problems[0].label
        elif explicit:
            return None, None, "the claim names no problem (problem = '<label>')"
        else:  # a kind's own name answers the one problem whose family has it
            owners = [p for p in problems if not p.error and cid in registry.family(p.family).kinds]
            if len(owners) != 1:
                return None, None, None  # an id no family knows here: unsupported
            named = owners[0].label
    label = str(named)
    problem = next((p for p in problems if p.label == label), None)
    if problem is None:
        known = ", ".join(p.label for p in problems) or "none"
        return None, None, f"no problem {label!r} in [problems] (its problems: {known})"
    if problem.error:
        return label, None, problem.error
    fam = registry.family(problem.family)
    if cid in fam.kinds:
        return label, cid, None
    if owner is not None and owner[0] is fam:
        return label, owner[1], None
    return label, None, None


_CLAIMS_HEADER = re.compile(r"^\s*\[\[\s*claims\s*\]\]\s*(#.*)?$")
_ANSWER_KEY = re.compile(r"^\s*(answer|\"answer\"|'answer')\s*=")
_OTHER_HEADER = re.compile(r"^\s*\[")
_MULTILINE = re.compile(r"'''|\"\"\"")


def answer_lines(text: str, count: int) -> list[int | None]:
    """The 1-based line of each ``[[claims]]`` entry's ``answer`` key, from the source text.

    Lines inside multi-line strings are skipped, so a string that happens to
    hold ``[[claims]]`` does not count as a table.
    """
    out: list[int | None] = []
    current: int | None = None  # index into out of the entry being read
    inside: str | None = None  # the delimiter of an open multi-line string
    for number, line in enumerate(text.splitlines(), start=1):
        if inside is None:
            if _CLAIMS_HEADER.match(line):
                out.append(None)
                current = len(out) - 1
            elif _OTHER_HEADER.match(line):
                current = None
            elif current is not None and out[current] is None and _ANSWER_KEY.match(line):
                out[current] = number
        for delim in _MULTILINE.findall(line):
            if inside is None:
                inside = delim
            elif delim == inside:
                inside = None
    out += [None] * (count - len(out))
    return out[:count]
