"""The checker: each printed answer against its derivation, decided honestly.

For a claim of kind ``value`` the answer (an expression, a tuple, or a chain
``X = Y = value``) is read in its problem's notation and every member of the
chain is compared with the derived form on the problem's domain:

1. ``verified`` when the difference simplifies to zero under the symbols'
   assumptions, directly or after substituting forms that encode their
   intervals (``lambda = 1/(1+u)``, ``u > 0``);
2. ``refuted`` when the difference is nonzero at an admissible point, found by
   exact evaluation at rational points; the point and both sides' exact values
   are reported, with the likely slip where one can be named;
3. ``undecided`` when neither could be shown within the time bound.

``invalid`` is an answer that cannot be read; ``unsupported`` an id that no
family knows.  Each claim is decided in a child process with a time bound, so
a hostile answer cannot hold up the others.
"""

from __future__ import annotations

import multiprocessing
import os
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import sympy as sp
from sympy.printing.latex import LatexPrinter

from derivations.core import Derivation
from quizproof.families import ClaimSpec, Context, FamilyError, families, spec_for
from quizproof.model import Claim, Quiz, load_quiz
from quizproof.notation import SUBJECT, NotationError, parse, yes_no

VERDICTS = ("verified", "refuted", "undecided", "invalid", "unsupported")
DEFAULT_TIMEOUT = float(os.environ.get("QUIZPROOF_TIMEOUT", "5"))
MAX_POINTS = 200


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


class _Printer(LatexPrinter):
    """SymPy's LaTeX, in the notation the quizzes (and the notation layer) use."""

    def _print_betainc_regularized(self, expr):
        a, b, x1, x2 = expr.args
        if x1 != 0:
            return super()._print_betainc_regularized(expr)
        # $I_x(a, b)$, the regularized incomplete beta function
        return rf"I_{{{self._print(x2)}}}\left({self._print(a)}, {self._print(b)}\right)"


def latex(expr: sp.Basic) -> str:
    if expr is sp.true:
        return r"\text{yes}"
    if expr is sp.false:
        return r"\text{no}"
    return _Printer({"ln_notation": True}).doprint(expr)  # the quizzes write \ln


def steps_json(d: Derivation) -> list[dict[str, str]]:
    return [{"text": s.text, "latex": latex(s.expr)} for s in d.steps]


# ---------------------------------------------------------------------------
# Deciding one value


def _cheap_zero(diff: sp.Basic) -> bool:
    """Zero as a rational function: exact, and fast for the answers quizzes print."""
    try:
        return sp.cancel(sp.together(diff)) == 0
    except (TypeError, ValueError, NotImplementedError, sp.PolynomialError):
        return False


def _is_zero(diff: sp.Basic, ctx: Context) -> bool:
    """A proof that ``diff`` is zero on the whole domain (False: no proof found)."""
    if _cheap_zero(diff):
        return True
    if diff.has(sp.Sum):
        diff = diff.doit()  # SymPy sums the series; its convergence conditions follow
    candidates = [diff]
    if ctx.domain.substitution:
        # The intervals encoded in the symbols (e.g. 0 < lambda < 1 as lambda = 1/(1+u)).
        candidates.append(sp.piecewise_fold(diff.subs(ctx.domain.substitution)))
    for candidate in candidates:
        try:
            if sp.simplify(candidate) == 0:
                return True
        except (TypeError, ValueError, NotImplementedError, sp.PolynomialError):
            pass
    return False


def _exact(value: sp.Basic) -> sp.Basic:
    if isinstance(value, sp.Sum):
        value = value.doit()
    return sp.nsimplify(value) if value.is_Float else sp.simplify(value)


def _nonzero_at(diff: sp.Basic, point: dict) -> bool:
    d = diff.subs(point)
    if isinstance(d, sp.Tuple):
        return any(_nonzero_value(x) for x in d)
    return _nonzero_value(d)


def _nonzero_value(d: sp.Basic) -> bool:
    if d.is_zero is False:
        return True
    if d.is_zero:
        return False
    if d.free_symbols:
        return False
    value = sp.N(d, 40)
    if not value.is_number or value.has(sp.nan, sp.zoo):
        return False
    return bool(abs(value) > sp.Float("1e-25", 40))


def _rational(expr: sp.Basic) -> sp.Basic:
    return sp.cancel(sp.together(expr))


def likely_slip(claimed: sp.Basic, expected: sp.Basic) -> str | None:
    """Name a simple slip: a flipped sign, a constant offset or factor, a wrong tuple entry."""
    if isinstance(claimed, sp.Tuple) or isinstance(expected, sp.Tuple):
        if isinstance(claimed, sp.Tuple) and isinstance(expected, sp.Tuple):
            if len(claimed) != len(expected):
                return f"a tuple of {len(claimed)} entries where {len(expected)} are derived"
            pairs = zip(claimed, expected, strict=True)
            wrong = [str(n + 1) for n, (a, b) in enumerate(pairs) if not _cheap_zero(a - b)]
            return f"entry {', '.join(wrong)} of the tuple differs"
        if isinstance(claimed, sp.Tuple):
            return "a tuple where a single value is derived"
        return "a single value where a tuple is derived"
    if sp.count_ops(claimed) > 60:
        return None
    try:
        if expected != 0 and _rational(claimed + expected) == 0:
            return "the sign is flipped"
        offset = _rational(claimed - expected)
        if offset.is_number:
            return f"off by the constant ${sp.latex(offset)}$"
        if expected != 0:
            ratio = _rational(claimed / expected)
            if ratio.is_number:
                return f"off by the factor ${sp.latex(ratio)}$"
        if offset.is_Mul or offset.is_Pow or offset.is_Symbol:
            return f"off by the term ${sp.latex(offset)}$"
    except (TypeError, ValueError, NotImplementedError, sp.PolynomialError):
        pass
    return None


def compare(claimed: sp.Basic, expected: sp.Basic, ctx: Context) -> dict[str, Any]:
    """Decide claimed == expected on the domain; returns Outcome fields."""
    allowed = set(ctx.domain.symbols)
    extra = claimed.free_symbols - allowed
    if extra:
        names = ", ".join(sorted(str(s) for s in extra))
        return {
            "verdict": "invalid",
            "message": f"the answer uses {names}, which is not a parameter of this problem",
        }
    if isinstance(claimed, sp.Tuple) != isinstance(expected, sp.Tuple) or (
        isinstance(claimed, sp.Tuple) and len(claimed) != len(expected)
    ):
        point = next(iter(ctx.domain.points()))
        return {
            "verdict": "refuted",
            "evidence": "the answer's shape differs from the derived form's",
            "counterexample": _counterexample(point, claimed, expected),
            "slip": likely_slip(claimed, expected),
        }
    if isinstance(claimed, sp.Tuple):
        diffs = [a - b for a, b in zip(claimed, expected, strict=True)]
    else:
        diffs = [claimed - expected]
    verified = {
        "verdict": "verified",
        "evidence": f"the answer minus the derived form simplifies to 0 on ${ctx.domain.latex}$",
    }
    # Cheapest first: equal as rational functions; then a counterexample; then a proof.
    if all(_cheap_zero(d) for d in diffs):
        return verified
    if any(d.has(sp.Sum) for d in diffs) and all(_is_zero(d, ctx) for d in diffs):
        return verified  # a series: sum it before evaluating it at many points
    diff = sp.Tuple(*diffs) if isinstance(claimed, sp.Tuple) else diffs[0]
    n = 0
    for n, point in enumerate(ctx.domain.points()):
        if n >= MAX_POINTS:
            break
        if _nonzero_at(diff, point):
            return {
                "verdict": "refuted",
                "evidence": "the answer and the derived form differ at an admissible point",
                "counterexample": _counterexample(point, claimed, expected),
                "slip": likely_slip(claimed, expected),
            }
    if all(_is_zero(d, ctx) for d in diffs):
        return verified
    return {
        "verdict": "undecided",
        "evidence": (
            f"no difference at {min(n + 1, MAX_POINTS)} admissible points, "
            "but SymPy could not show the two forms equal"
        ),
    }


def _counterexample(point: dict, claimed: sp.Basic, expected: sp.Basic) -> dict[str, Any]:
    return {
        "point": {str(k): sp.latex(v) for k, v in point.items()},
        "claimed": latex(_exact(claimed.subs(point))),
        "derived": latex(_exact(expected.subs(point))),
    }


def decide_value(claim: Claim, ctx: Context, derivation: Derivation) -> dict[str, Any]:
    parsed = parse(claim.answer, ctx.scope)
    if any(rel != "=" for rel in parsed.relations):
        bad = next(rel for rel in parsed.relations if rel != "=")
        return {
            "verdict": "invalid",
            "message": f"expected a value or a chain of '=', found {bad!r}",
        }
    expected = derivation.result
    members = [m for m in parsed.members if m is not SUBJECT]
    if not members:
        return {
            "verdict": "invalid",
            "message": "the answer names what is asked but gives no value",
        }
    result: dict[str, Any] = {}
    for n, member in enumerate(reversed(members)):
        result = compare(member, expected, ctx)
        if result["verdict"] != "verified":
            if len(members) > 1:
                which = len(members) - n
                result["message"] = (
                    f"member {which} of the chain, ${sp.latex(member)}$, is not the derived value"
                )
            return result
    if len(members) > 1:
        result["evidence"] += f" (each of the {len(members)} members of the chain)"
    return result


def decide_yesno(claim: Claim, ctx: Context, derivation: Derivation) -> dict[str, Any]:
    claimed = yes_no(claim.answer)
    derived = derivation.result
    if derived not in (sp.true, sp.false):
        return {
            "verdict": "undecided",
            "evidence": "the derivation does not settle yes or no for these rules",
        }
    if claimed == (derived is sp.true):
        return {"verdict": "verified", "evidence": "the derivation shows the same"}
    cx = None
    if derivation.witness:
        cx = {
            "point": {k: latex(v) for k, v in derivation.witness.items()},
            "claimed": latex(sp.true if claimed else sp.false),
            "derived": latex(derived),
        }
    return {
        "verdict": "refuted",
        "evidence": "the derivation shows the opposite",
        "counterexample": cx,
    }


DECIDERS = {"value": decide_value, "yesno": decide_yesno}


# ---------------------------------------------------------------------------
# One claim, one file


def _decide(claim: Claim, spec: ClaimSpec, ctx: Context, derivation: Derivation) -> dict[str, Any]:
    decide = spec.decide or DECIDERS[spec.kind]
    try:
        return decide(claim, ctx, derivation)
    except NotationError as err:
        return {"verdict": "invalid", "message": f"cannot read the answer: {err}"}
    except RecursionError:
        return {"verdict": "invalid", "message": "cannot read the answer: it nests too deeply"}


def _child(conn, claim, spec, ctx, derivation):  # pragma: no cover - runs in the child
    try:
        conn.send(_decide(claim, spec, ctx, derivation))
    except Exception as err:  # noqa: BLE001 - report any failure, never hang the parent
        conn.send(
            {
                "verdict": "undecided",
                "message": f"internal error while deciding: {type(err).__name__}: {err}",
            }
        )
    finally:
        conn.close()


def decide_bounded(
    claim: Claim, spec: ClaimSpec, ctx: Context, derivation: Derivation, timeout: float
) -> dict:
    """Decide in a forked child; past ``timeout`` seconds the claim is undecided."""
    if timeout <= 0 or "fork" not in multiprocessing.get_all_start_methods():
        return _decide(claim, spec, ctx, derivation)
    mp = multiprocessing.get_context("fork")
    parent, child = mp.Pipe(duplex=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads (Python >= 3.12)
        proc = mp.Process(target=_child, args=(child, claim, spec, ctx, derivation), daemon=True)
        proc.start()
    child.close()
    try:
        if parent.poll(timeout):
            return parent.recv()
        return {
            "verdict": "undecided",
            "evidence": f"not decided within the time bound of {timeout:g} s",
        }
    except EOFError:
        return {"verdict": "undecided", "message": "the decision ended without an answer"}
    finally:
        parent.close()
        if proc.is_alive():
            proc.kill()
        proc.join()


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


def prepare_contexts(quiz: Quiz) -> tuple[dict[str, Context], dict[str, str]]:
    contexts, errors = {}, {}
    for family in families():
        try:
            contexts[family.name] = family.prepare(quiz)
        except FamilyError as err:
            errors[family.name] = str(err)
    return contexts, errors


def check(quiz: Quiz, timeout: float = DEFAULT_TIMEOUT) -> QuizCheck:
    contexts, errors = prepare_contexts(quiz)
    outcomes, problems = [], []
    for claim in quiz.claims:
        base = {"id": claim.id, "part": claim.part, "answer": claim.answer}
        if claim.problem:
            outcomes.append(Outcome(**base, verdict="invalid", message=claim.problem))
            problems.append(f"{quiz.path}: claim {claim.id}: {claim.problem}")
            continue
        found = spec_for(claim.id)
        if found is None:
            outcomes.append(
                Outcome(
                    **base,
                    verdict="unsupported",
                    message=f"no derivation is known for the id {claim.id!r}",
                )
            )
            continue
        family, spec = found
        if family.name in errors:
            outcomes.append(
                Outcome(**base, verdict="invalid", message=errors[family.name], title=spec.title)
            )
            problems.append(f"{quiz.path}: claim {claim.id}: {errors[family.name]}")
            continue
        ctx = contexts[family.name]
        derivation = spec.derive(ctx)
        fields = decide_bounded(claim, spec, ctx, derivation, timeout)
        outcome = Outcome(
            **base,
            title=spec.title,
            expected=latex(derivation.result),
            steps=steps_json(derivation),
            **{k: v for k, v in fields.items() if k in Outcome.__dataclass_fields__},
        )
        if outcome.verdict == "invalid":
            problems.append(f"{quiz.path}: claim {claim.id}: {outcome.message}")
        outcomes.append(outcome)
    return QuizCheck(quiz, outcomes, problems)


def check_quiz(path: str | Path, timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
    """The JSON record of ``quizproof check FILE --json``.  Raises QuizFileError."""
    return check(load_quiz(path), timeout).as_json()


def derive(quiz: Quiz) -> tuple[list[tuple[ClaimSpec, Derivation]], list[str]]:
    """Every form the quiz's families derive, for its parameters, in a fixed order."""
    contexts, errors = prepare_contexts(quiz)
    forms = []
    for family in families():
        if family.name not in contexts:
            continue
        for spec in family.specs.values():
            forms.append((spec, spec.derive(contexts[family.name])))
    problems = [f"{quiz.path}: {msg}" for msg in errors.values()]
    return forms, problems


def derive_quiz(path: str | Path) -> dict[str, Any]:
    """The JSON record of ``quizproof derive FILE --json``.  Raises QuizFileError."""
    quiz = load_quiz(path)
    forms, _ = derive(quiz)
    return {"quiz": quiz.title, "forms": [form_json(spec, d) for spec, d in forms]}


def form_json(spec: ClaimSpec, d: Derivation) -> dict[str, Any]:
    return {
        "id": spec.id,
        "title": spec.title,
        "latex": latex(d.result),
        "srepr": sp.srepr(d.result),
        "steps": steps_json(d),
        "assumptions": d.assumptions,
    }
