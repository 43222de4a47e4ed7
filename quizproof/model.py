"""The quiz file: a TOML transcription of a quiz's printed answers.

```toml
[quiz]
title = "Quiz 4"
source = "TTIC 31230 Fundamentals of Deep Learning"

[[claims]]
id = "p3c.A.a2"
part = "3(c)"
answer = '\\frac{1}{\\lambda} - 1'

[race]                      # optional: a variant of problem 3's rules
advance_prob_a1 = '0'
advance_prob_a2 = 'p'
reward = "terminal"
```

A file that cannot be read, is not TOML or has the wrong shape raises
:class:`QuizFileError` (one line naming the file and the problem).  A single
bad claim does not spoil the file (an id may repeat: each entry is decided
on its own): it is kept with its ``problem`` set, and
the checker reports it as ``invalid`` while the other claims are decided.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CLAIM_KEYS = {"id", "part", "answer", "note"}
QUIZ_KEYS = {"title", "source", "course", "url", "note"}
TOP_KEYS = {"quiz", "claims", "race"}


class QuizFileError(Exception):
    """The file as a whole is unusable; ``str(err)`` is the one line for the user."""


@dataclass(frozen=True)
class Claim:
    """One printed answer.  ``problem`` is set when the entry itself is malformed."""

    index: int
    id: str
    part: str
    answer: Any
    problem: str | None = None


@dataclass(frozen=True)
class Quiz:
    path: Path
    title: str
    source: str
    claims: tuple[Claim, ...]
    tables: dict[str, Any] = field(default_factory=dict)  # optional tables such as [race]

    @property
    def name(self) -> str:
        return self.path.stem


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
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise QuizFileError(f"{path}: is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as err:
        raise QuizFileError(f"{path}: is not valid TOML ({err})") from None
    return quiz_from_data(path, data)


def quiz_from_data(path: Path, data: dict[str, Any]) -> Quiz:
    unknown = set(data) - TOP_KEYS
    if unknown:
        raise QuizFileError(f"{path}: unknown table(s) {', '.join(sorted(unknown))}")
    quiz = data.get("quiz")
    if not isinstance(quiz, dict):
        raise QuizFileError(f"{path}: missing the [quiz] table (title, source)")
    title = quiz.get("title")
    if not isinstance(title, str) or not title.strip():
        raise QuizFileError(f"{path}: [quiz] needs a title (a string)")
    source = quiz.get("source", "")
    if not isinstance(source, str):
        raise QuizFileError(f"{path}: [quiz] source must be a string")
    bad = set(quiz) - QUIZ_KEYS
    if bad:
        raise QuizFileError(f"{path}: unknown key(s) in [quiz]: {', '.join(sorted(bad))}")
    entries = data.get("claims", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise QuizFileError(f"{path}: claims must be [[claims]] tables")
    claims = []
    for n, entry in enumerate(entries):
        claims.append(_claim(n, entry))
    tables = {k: v for k, v in data.items() if k not in ("quiz", "claims")}
    for name, table in tables.items():
        if not isinstance(table, dict):
            raise QuizFileError(f"{path}: [{name}] must be a table")
    return Quiz(path, title.strip(), source.strip(), tuple(claims), tables)


def _claim(n: int, entry: dict[str, Any]) -> Claim:
    cid = entry.get("id")
    label = cid if isinstance(cid, str) and cid else f"#{n + 1}"
    part = entry.get("part", "")
    answer = entry.get("answer")
    problem = None
    if not isinstance(cid, str) or not cid.strip():
        problem = "the claim has no id"
    elif "answer" not in entry:
        problem = "the claim has no answer"
    elif not isinstance(answer, str):
        problem = f"the answer must be a string, not {type(answer).__name__}"
    elif not isinstance(part, str):
        problem = "part must be a string"
    elif set(entry) - CLAIM_KEYS:
        problem = f"unknown key(s): {', '.join(sorted(set(entry) - CLAIM_KEYS))}"
    return Claim(n, label, part if isinstance(part, str) else "", answer, problem)
