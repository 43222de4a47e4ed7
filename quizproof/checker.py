"""The checker: every printed answer of a quiz decided against its derivation.

Each problem of a quiz file is prepared by its family (its parameters read,
its notation and domain set up); each claim is matched with the kind it
answers, derived, and decided by :mod:`quizproof.decide` or by the family's
own decider.  Decisions run on a pool of warm workers (:mod:`quizproof.pool`),
each under its own time bound, so a hostile answer cannot hold up the others.

``invalid`` is an answer that cannot be read (or a claim or problem the file
gets wrong); ``unsupported`` a claim no family derives.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import sympy as sp

from derivations.core import Derivation, NoClosedForm
from quizproof import registry
from quizproof.cache import MISSING, cached, lookup, store
from quizproof.decide import DECIDERS, decide_value
from quizproof.family import ClaimKind, Context, Family, FamilyError
from quizproof.model import Claim, Problem, Quiz, load_quiz
from quizproof.notation import NotationError
from quizproof.pool import run_bounded
from quizproof.printing import latex, rendered, steps_json

VERDICTS = ("verified", "refuted", "circular", "undecided", "invalid", "unsupported")
DEFAULT_TIMEOUT = float(os.environ.get("QUIZPROOF_TIMEOUT") or 5.0)
# seconds a problem's derivations may take on a worker, else they are left to the parent
DERIVE_BOUND = 600.0


@dataclass
class Outcome:
    """A claim's verdict with what backs it; ``asdict`` gives the JSON record."""

    id: str
    part: str
    answer: Any
    verdict: str
    expected: str | None = None
    evidence: str = ""
    counterexample: dict[str, Any] | None = None
    message: str = ""
    steps: list[dict[str, str]] = field(default_factory=list)
    slip: str | None = None
    title: str = ""
    problem: str | None = None
    kind: str | None = None
    line: int | None = None
    checks: list[str] = field(default_factory=list)  # what the derivation confirmed besides
    printed: str | None = None  # the answer as the quiz prints it, when it differs from ``answer``
    given: bool = False  # stated in the question: a check of the question, not an answer


# ---------------------------------------------------------------------------
# A quiz's problems, prepared by their families


@dataclass
class Prepared:
    """A quiz with each problem prepared by its family (or the one line saying why not)."""

    quiz: Quiz
    contexts: dict[str, Context]
    errors: dict[str, str]

    def family(self, label: str | None) -> Family | None:
        problem = self.quiz.problem(label)
        return registry.family(problem.family) if problem is not None else None


def prepare(quiz: Quiz) -> Prepared:
    contexts, errors = {}, {}
    for problem in quiz.problems:
        if problem.error:
            errors[problem.label] = problem.error
            continue
        fam = registry.family(problem.family)
        try:
            contexts[problem.label] = fam.prepare(problem.table, problem.where)
        except FamilyError as err:
            errors[problem.label] = str(err)
    return Prepared(quiz, contexts, errors)


def _derive(kind: ClaimKind, ctx: Context) -> Derivation | str:
    try:
        d = kind.derive(ctx)
        return rendered(d, kind.written(d) if kind.written is not None else latex(d.result))
    except NoClosedForm as err:
        return str(err)
    except (ArithmeticError, ValueError, TypeError, NotImplementedError) as err:
        return f"the derivation could not be completed for these parameters ({type(err).__name__})"
    except AssertionError as err:  # a derivation's own cross-check failed: nothing is proved
        return f"the derivation failed its own check ({err})"


def _key(problem: Problem, kind: ClaimKind) -> tuple[str, str, str]:
    """The cache key of a derivation: family, kind, and the variant table as canonical JSON."""
    return (problem.family, kind.name, json.dumps(problem.table, sort_keys=True, default=str))


def derivation(problem: Problem, kind: ClaimKind, ctx: Context) -> Derivation | str:
    """The kind's derivation for the problem's parameters, or why there is none (one line).

    Cached on disk (:mod:`quizproof.cache`) by family, kind and variant table.
    """
    return cached(_key(problem, kind), kind.derive.__module__, lambda: _derive(kind, ctx))


def prefetch(wanted: Iterable[tuple[Problem, ClaimKind, Context]]) -> None:
    """Derive, on every core, what the cache does not hold yet.

    One task per problem variant (family and variant table), not per derivation: a
    family's kinds share its own caches of intermediate results (a value function
    that several kinds start from, say), which live only as long as the worker that filled
    them, so a variant's kinds are derived in one process and each intermediate once.
    The largest groups go first, so that no core idles at the end on a big one.
    """
    groups: dict[tuple[str, str], list[tuple[Problem, ClaimKind, Context]]] = {}
    seen: set[tuple[str, str, str]] = set()
    for problem, kind, ctx in wanted:
        key = _key(problem, kind)
        if key in seen or lookup(key, kind.derive.__module__) is not MISSING:
            continue
        seen.add(key)
        groups.setdefault((key[0], key[2]), []).append((problem, kind, ctx))
    if len(groups) < 2:
        return  # nothing to share out: derived where it is needed
    batches = sorted(groups.values(), key=len, reverse=True)

    # Whatever goes wrong on a worker (a result that cannot travel back, say) is simply
    # derived again where it is needed, so its error, if any, is reported there.
    tasks = [lambda b=b: [_derive(k, c) for _, k, c in b] for b in batches]
    results = run_bounded(tasks, DERIVE_BOUND, lambda n: None, lambda n: None, lambda e: None)
    for batch, values in zip(batches, results, strict=True):
        if values is None:  # a batch past its bound is derived again where it is needed
            continue
        for (problem, kind, _), value in zip(batch, values, strict=True):
            store(_key(problem, kind), kind.derive.__module__, value)


def written(kind: ClaimKind, d: Derivation) -> str:
    """The derived answer in LaTeX, as the quiz would print it."""
    if d.written:
        return d.written
    return kind.written(d) if kind.written is not None else latex(d.result)


# ---------------------------------------------------------------------------
# Deciding one claim


def decide(claim: Claim, kind: ClaimKind, ctx: Context, d: Derivation) -> dict[str, Any]:
    try:
        if kind.decide == "value":
            return decide_value(claim, ctx, d, kind.unknowns)
        decider = DECIDERS[kind.decide] if isinstance(kind.decide, str) else kind.decide
        return decider(claim, ctx, d)
    except NotationError as err:
        return {"verdict": "invalid", "message": f"cannot read the answer: {err}"}
    except RecursionError:
        return {"verdict": "invalid", "message": "cannot read the answer: it nests too deeply"}


def _internal_error(err: BaseException) -> dict[str, Any]:
    return {
        "verdict": "undecided",
        "message": f"internal error while deciding: {type(err).__name__}: {err}",
    }


@dataclass
class QuizCheck:
    quiz: Quiz | None
    outcomes: list[Outcome]
    problems: list[str]  # one line each, for stderr (file, claim, problem)

    def as_json(self) -> dict[str, Any]:
        quiz = self.quiz
        return {
            "quiz": quiz.title if quiz else None,
            "source": quiz.source if quiz else None,
            "file": str(quiz.path) if quiz else None,
            "claims": [asdict(o) for o in self.outcomes],
        }

    @property
    def exit_code(self) -> int:
        if self.problems:
            return 2
        return 0 if all(o.verdict == "verified" for o in self.outcomes) else 1


@dataclass
class _Pending:
    """A claim waiting for its decision: the outcome so far and the decision task."""

    outcome: Outcome
    task: Any


def _wanted(quiz: Quiz, prepared: Prepared) -> Iterable[tuple[Problem, ClaimKind, Context]]:
    """The derivations a quiz's claims need."""
    for claim in quiz.claims:
        fam = prepared.family(claim.problem)
        if claim.error or fam is None or claim.kind is None:
            continue
        if claim.problem in prepared.contexts:
            ctx = prepared.contexts[claim.problem]
            yield quiz.problem(claim.problem), fam.kinds[claim.kind], ctx


def _plan(quiz: Quiz, prepared: Prepared) -> tuple[list[Outcome | _Pending], list[str]]:
    """Every claim's outcome, or the task that decides it."""
    slots: list[Outcome | _Pending] = []
    problems: list[str] = []
    for claim in quiz.claims:
        base = {
            "id": claim.id, "part": claim.part, "answer": claim.answer,
            "problem": claim.problem, "kind": claim.kind, "line": claim.line,
            "printed": claim.printed, "given": claim.given,
        }  # fmt: skip
        error = claim.error or prepared.errors.get(claim.problem or "")
        if error:
            slots.append(Outcome(**base, verdict="invalid", message=error))
            line = f"{quiz.path}: claim {claim.id}: {error}"
            if claim.error is None:  # the problem's fault: said once, for its first claim
                line = f"{quiz.path}: {error} (claims of problem {claim.problem})"
            if line not in problems:
                problems.append(line)
            continue
        fam = prepared.family(claim.problem)
        if fam is None or claim.kind is None:
            why = f"no derivation is known for the id {claim.id!r}"
            if fam is not None:
                why += f" (the {fam.name} family derives: {', '.join(fam.kinds)})"
            slots.append(Outcome(**base, verdict="unsupported", message=why))
            continue
        kind = fam.kinds[claim.kind]
        ctx = prepared.contexts[claim.problem]
        d = derivation(quiz.problem(claim.problem), kind, ctx)
        if isinstance(d, str):
            slots.append(Outcome(**base, verdict="undecided", title=kind.title, evidence=d))
            continue
        outcome = Outcome(**base, verdict="undecided", title=kind.title, expected=written(kind, d),
                          steps=steps_json(d), checks=list(d.checks))  # fmt: skip
        slots.append(_Pending(outcome, lambda c=claim, k=kind, x=ctx, d=d: decide(c, k, x, d)))
    return slots, problems


def derive_all(
    quizzes: Sequence[Quiz], prepared: Sequence[Prepared] | None = None, forms: bool = True
) -> None:
    """Derive into the cache, on every core, what deciding the quizzes' claims needs, and with
    ``forms`` every form their problems derive (:func:`derive`)."""
    prepared = prepared if prepared is not None else [prepare(q) for q in quizzes]
    wanted = [item for q, p in zip(quizzes, prepared, strict=True) for item in _wanted(q, p)]
    if forms:
        wanted += [item for q, p in zip(quizzes, prepared, strict=True) for item in _forms(q, p)]
    prefetch(wanted)


def check_all(
    quizzes: Sequence[Quiz], timeout: float = DEFAULT_TIMEOUT, forms: bool = False
) -> list[QuizCheck]:
    """Decide every claim of every quiz, all on one pool of workers.

    With ``forms`` every form the quizzes' problems derive (:func:`derive`) is derived
    too, in the same tasks as the claims' derivations of its problem, for the caller
    that shows them all (the manual): then :func:`derive` finds each one cached.
    """
    prepared = [prepare(q) for q in quizzes]
    derive_all(quizzes, prepared, forms)
    plans = [_plan(q, p) for q, p in zip(quizzes, prepared, strict=True)]
    pending = [s for slots, _ in plans for s in slots if isinstance(s, _Pending)]

    def timed_out(n: int) -> dict[str, Any]:
        return {"verdict": "undecided",
                "evidence": f"not decided within the time bound of {timeout:g} s"}  # fmt: skip

    def crashed(n: int) -> dict[str, Any]:
        return {"verdict": "undecided", "message": "the decision ended without an answer"}

    results = run_bounded([p.task for p in pending], timeout, timed_out, crashed, _internal_error)
    for p, fields in zip(pending, results, strict=True):
        for key, value in fields.items():
            if key in Outcome.__dataclass_fields__:
                setattr(p.outcome, key, value)
    out = []
    for quiz, (slots, problems) in zip(quizzes, plans, strict=True):
        outcomes = [s.outcome if isinstance(s, _Pending) else s for s in slots]
        problems = problems + [
            f"{quiz.path}: claim {o.id}: {o.message}"
            for s, o in zip(slots, outcomes, strict=True)
            if isinstance(s, _Pending) and o.verdict == "invalid"
        ]
        out.append(QuizCheck(quiz, outcomes, problems))
    return out


def check(quiz: Quiz, timeout: float = DEFAULT_TIMEOUT) -> QuizCheck:
    (result,) = check_all([quiz], timeout)
    return result


def check_quiz(path: str | Path, timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
    """The JSON record of ``quizproof check FILE --json``.  Raises QuizFileError."""
    return check(load_quiz(path), timeout).as_json()


# ---------------------------------------------------------------------------
# Every derived form of a quiz


@dataclass(frozen=True)
class Form:
    """One derived form: the claim id a file uses for it, its problem and kind."""

    id: str
    problem: Problem
    kind: ClaimKind
    derivation: Derivation | str

    def as_json(self) -> dict[str, Any]:
        d = self.derivation
        record: dict[str, Any] = {"id": self.id, "problem": self.problem.label,
                                  "family": self.problem.family, "kind": self.kind.name,
                                  "title": self.kind.title}  # fmt: skip
        if isinstance(d, str):
            return {**record, "latex": None, "srepr": None, "steps": [], "assumptions": "",
                    "note": d}  # fmt: skip
        return {**record, "latex": written(self.kind, d), "srepr": sp.srepr(d.result),
                "steps": steps_json(d), "assumptions": d.assumptions,
                "checks": list(d.checks)}  # fmt: skip


def _ids(quiz: Quiz, problem: Problem, fam: Family) -> Iterable[tuple[str, str]]:
    """(claim id, kind) pairs a file uses for the problem's kinds, in the family's order."""
    if quiz.legacy and fam.legacy is not None:
        yield from fam.legacy.ids.items()
        covered = set(fam.legacy.ids.values())
        yield from ((k, k) for k in fam.kinds if k not in covered)
    else:
        yield from ((k, k) for k in fam.kinds)


def _forms(quiz: Quiz, prepared: Prepared) -> list[tuple[Problem, ClaimKind, Context]]:
    """Every derivation behind the forms of :func:`derive`."""
    wanted = []
    for problem in quiz.problems:
        ctx = prepared.contexts.get(problem.label)
        if ctx is not None:
            fam = registry.family(problem.family)
            wanted += [(problem, fam.kinds[kind], ctx) for _, kind in _ids(quiz, problem, fam)]
    return wanted


def derive(quiz: Quiz) -> tuple[list[Form], list[str]]:
    """Every form the quiz's problems derive, for their parameters, in a fixed order."""
    prepared = prepare(quiz)
    prefetch(_forms(quiz, prepared))
    forms = []
    for problem in quiz.problems:
        ctx = prepared.contexts.get(problem.label)
        if ctx is None:
            continue
        fam = registry.family(problem.family)
        for cid, kind in _ids(quiz, problem, fam):
            forms.append(
                Form(cid, problem, fam.kinds[kind], derivation(problem, fam.kinds[kind], ctx))
            )
    problems = [f"{quiz.path}: {msg}" for msg in prepared.errors.values()]
    return forms, problems


def derive_quiz(path: str | Path) -> dict[str, Any]:
    """The JSON record of ``quizproof derive FILE --json``.  Raises QuizFileError."""
    quiz = load_quiz(path)
    forms, _ = derive(quiz)
    return {"quiz": quiz.title, "forms": [f.as_json() for f in forms]}
