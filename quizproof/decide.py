"""Deciding a printed answer against its derivation: the generic deciders.

For a claim decided as a *value* the answer (an expression, a tuple, or a chain
``X = Y = value``) is read in its problem's notation and every member of the
chain is compared with the derived form on the problem's domain:

1. ``verified`` when the difference simplifies to zero under the symbols'
   assumptions, directly or after substituting forms that encode their
   intervals (``lambda = 1/(1+u)``, ``u > 0``);
2. ``refuted`` when the difference is nonzero at an admissible point, found by
   exact evaluation at rational points; the point and both sides' exact values
   are reported, with the likely slip where one can be named;
3. ``undecided`` when neither could be shown.

A *yes/no* claim is compared with a derived true or false.  A family may
decide its own kinds of answer with a function of the same signature.
"""

from __future__ import annotations

import hashlib
import random
from typing import Any

import sympy as sp

from derivations.core import Derivation
from quizproof.family import Context
from quizproof.model import Claim
from quizproof.notation import NotationError, parse, yes_no
from quizproof.notation.unknowns import evaluate, marking, restated
from quizproof.printing import latex
from quizproof.series import FAILURES, divergent_series

MAX_POINTS = 120  # simple admissible points tried for a counterexample
RANDOM_POINTS = 120  # then seeded pseudo-random admissible points

# ---------------------------------------------------------------------------
# Deciding one value


def _cheap_zero(diff: sp.Basic) -> bool:
    """Zero as a rational function: exact, and fast for the answers quizzes print."""
    try:
        return sp.cancel(sp.together(diff)) == 0
    except FAILURES:
        return False


def _is_zero(diff: sp.Basic, ctx: Context) -> bool:
    """A proof that ``diff`` is zero on the whole domain (False: no proof found)."""
    if _cheap_zero(diff):
        return True
    if diff.has(sp.Sum):
        try:
            diff = diff.doit()  # SymPy sums the series; its convergence conditions follow
        except FAILURES:
            return False
    candidates = [diff]
    if ctx.domain.relations:
        # Relations between integer symbols (i < N as N = i + 1 + j with j >= 0).
        candidates.append(diff.subs(ctx.domain.relations))
    if ctx.domain.substitution:
        # The intervals encoded in the symbols (e.g. 0 < lambda < 1 as lambda = 1/(1+u)).
        candidates += [sp.piecewise_fold(c.subs(ctx.domain.substitution)) for c in list(candidates)]
    if any(_cheap_zero(c) for c in candidates[1:]):  # the domain's forms first: cheap
        return True
    for candidate in candidates:
        try:
            if sp.simplify(candidate) == 0:
                return True
        except FAILURES:
            pass
    return False


def _exact(value: sp.Basic) -> sp.Basic:
    """The value simplified, or as it is where SymPy cannot (1/(a divergent sum))."""
    try:
        if isinstance(value, sp.Sum):
            value = value.doit()
        return sp.nsimplify(value) if value.is_Float else sp.simplify(value)
    except FAILURES:
        return value


def _nonzero_at(diff: sp.Basic, point: dict) -> bool:
    """Shown nonzero at the point; where SymPy cannot evaluate it (I_x(0, b), a divergent
    sum), the point gives no evidence."""
    try:
        d = diff.xreplace(point)  # every symbol of the point to a number: no pattern matching
        if isinstance(d, sp.Tuple):
            return any(_nonzero_value(x) for x in d)
        return _nonzero_value(d)
    except FAILURES:
        return False


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
    return (abs(value) > sp.Float("1e-25", 40)) is sp.true  # not evaluated: no evidence


def _rational(expr: sp.Basic) -> sp.Basic:
    return sp.cancel(sp.together(expr))


def _shape(value: sp.Basic) -> tuple | None:
    """A tuple's shape (the shapes of its entries); None for a single value."""
    return tuple(_shape(x) for x in value) if isinstance(value, sp.Tuple) else None


def likely_slip(claimed: sp.Basic, expected: sp.Basic) -> str | None:
    """Name a simple slip: a flipped sign, a constant or a factor off, a wrong tuple entry."""
    if isinstance(claimed, sp.Tuple) or isinstance(expected, sp.Tuple):
        if isinstance(claimed, sp.Tuple) and isinstance(expected, sp.Tuple):
            if len(claimed) != len(expected):
                return f"a tuple of {len(claimed)} entries where {len(expected)} are derived"
            pairs = zip(claimed, expected, strict=True)
            wrong = [
                str(n + 1)
                for n, (a, b) in enumerate(pairs)
                if _shape(a) != _shape(b) or not _cheap_zero(a - b)
            ]
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
            return f"off by the constant ${latex(offset)}$"
        if expected != 0:
            ratio = sp.factor(_rational(claimed / expected))
            if ratio.is_number or (ratio.is_Mul or ratio.is_Pow or ratio.is_Symbol):
                return f"off by the factor ${latex(ratio)}$"
        offset = sp.factor(offset)
        if offset.is_Mul or offset.is_Pow or offset.is_Symbol:
            return f"off by the term ${latex(offset)}$"
    except FAILURES:
        pass
    return None


def claim_seed(claim: Claim) -> int:
    """The seed of a claim's pseudo-random points: its id and answer, so verdicts reproduce."""
    digest = hashlib.sha256(f"{claim.id}\0{claim.answer}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _points(ctx: Context, seed: int):
    """The simple admissible points, then seeded pseudo-random ones; (kind, point) pairs."""
    for n, point in enumerate(ctx.domain.points()):
        if n >= MAX_POINTS:
            break
        yield "simple", point
    if ctx.domain.random_point is not None:
        rng = random.Random(seed)
        for _ in range(RANDOM_POINTS):
            yield "random", ctx.domain.random_point(rng)


def compare(claimed: sp.Basic, expected: sp.Basic, ctx: Context, seed: int = 0) -> dict[str, Any]:
    """Decide claimed == expected on the domain; returns Outcome fields."""
    allowed = set(ctx.domain.symbols)
    extra = claimed.free_symbols - allowed
    if extra:
        names = ", ".join(sorted(str(s) for s in extra))
        return {
            "verdict": "invalid",
            "message": f"the answer uses {names}, which is not a parameter of this problem",
        }
    if _shape(claimed) != _shape(expected):  # (0, (0, 0)) where (i, t + 1) is derived
        point = next(iter(ctx.domain.points()))
        return {
            "verdict": "refuted",
            "evidence": "the answer's shape differs from the derived form's",
            "counterexample": _counterexample(point, claimed, expected),
            "slip": likely_slip(claimed, expected),
        }
    found = divergent_series(claimed)  # before any arithmetic: SymPy might try to sum it
    if found is not None:
        series, limit = found
        return {
            "verdict": "undecided",
            "message": f"the series ${latex(series)}$ in the answer diverges: its terms "
            f"tend to ${latex(limit)}$, not $0$",
            "evidence": "an answer without a finite value can be neither proved equal to the "
            "derived form nor refuted at a point",
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
    tried = {"simple": 0, "random": 0}
    for kind, point in _points(ctx, seed):
        tried[kind] += 1
        if _nonzero_at(diff, point):
            where = "an" if kind == "simple" else "a pseudo-random"
            return {
                "verdict": "refuted",
                "evidence": f"the answer and the derived form differ at {where} admissible point "
                f"(after {sum(tried.values())} tried)",
                "counterexample": _counterexample(point, claimed, expected),
                "slip": likely_slip(claimed, expected),
            }
    if all(_is_zero(d, ctx) for d in diffs):
        return verified
    return {
        "verdict": "undecided",
        "evidence": (
            f"no difference at {tried['simple']} simple and {tried['random']} pseudo-random "
            "admissible points, but SymPy could not show the two forms equal"
        ),
    }


def _counterexample(point: dict, claimed: sp.Basic, expected: sp.Basic) -> dict[str, Any]:
    """The point (only the symbols either side uses) and both sides' exact values there."""
    used = claimed.free_symbols | expected.free_symbols
    shown = {k: v for k, v in point.items() if k in used} or point
    return {
        "point": {str(k): sp.latex(v) for k, v in shown.items()},
        "claimed": latex(_exact(claimed.subs(point))),
        "derived": latex(_exact(expected.subs(point))),
    }


def circular(value: sp.Basic, claim: Claim) -> dict[str, Any] | None:
    """The ``circular`` verdict when an answer's value still holds a quantity to be found."""
    found = restated(value)
    if found is None or claim.definition:
        return None
    return {
        "verdict": "circular",
        "message": f"restates ${found}$; an analytic expression is asked",
        "evidence": "the answer's value still contains a quantity the question asks to find",
    }


def decide_value(
    claim: Claim, ctx: Context, derivation: Derivation, unknowns: tuple[str, ...] = ()
) -> dict[str, Any]:
    """A value or a chain ``X = Y = value``: every member against the derived form.

    The answer is read with the ``unknowns`` (the quantities the question asks
    for) left unevaluated, then each member is evaluated and compared.  An
    answer that holds only where its value still names one of them restates the
    question: ``circular`` (a wrong one is refuted, which says more).
    """
    parsed = parse(claim.answer, marking(ctx.scope, unknowns))  # unreadable: raises, as ever
    try:
        members = parsed.values()
    except NotationError as err:  # read, but not a value: said as it is, not "cannot read"
        return {"verdict": "invalid", "message": str(err)}
    expected = derivation.result
    restating = circular(members[-1], claim)  # decided below: a wrong value is refuted first
    members = [evaluate(m, ctx.scope) for m in members]
    seed = claim_seed(claim)
    result: dict[str, Any] = {}
    for n, member in enumerate(reversed(members)):
        result = compare(member, expected, ctx, seed)
        if result["verdict"] != "verified":
            if len(members) > 1:
                which = len(members) - n
                named = f"member {which} of the chain, ${sp.latex(member)}$"
                result["message"] = (  # the member's own reason, where it has one
                    f"{named}: {result['message']}"
                    if result.get("message")
                    else f"{named}, is not the derived value"
                )
            return result
    if restating is not None:
        return restating
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
