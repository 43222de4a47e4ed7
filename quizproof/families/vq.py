r"""Problem 2, training vector quantization: claim ids, notation and decisions.

**Notation.**  Every update of problem 2 acts coordinate by coordinate with scalar
coefficients, so an answer is read with one coordinate standing for each vector:

| LaTeX | reads as |
|---|---|
| `x`, `x_\Psi(y)` | the encoder output (the quantizer's input) $x$ |
| `\text{nearest}_E(x)` | the assigned symbol $k$ |
| `e(\text{nearest}_E(x_\Psi(y)))`, `e(k)`, `e` | its codeword $e$ |
| `x.\text{grad}`, `e(\dots).\text{grad}` | the gradients held for $x$ and for $e$ |
| `\eta`, `\gamma` | the learning rate, an EMA decay |

**Updates.**  An answer ``target op value`` is read as a program statement: ``+=``
and ``-=`` add to / subtract from the target's current value; ``\leftarrow``,
``:=`` and ``=`` replace it.  ``=`` is an assignment here, as in 2(c), where the
left side is the new $e(k)$ and the right side uses the old one (read as an
equation, $e(k) = (1-2\eta)e(k) + 2\eta x$ would force $e(k) = x$, which is not
what is asked); the message says when this reading was used.  Further ``=`` in the
chain give equal forms of the same right side.  The new value is compared with the
derived one; a difference is refuted at an exact point, with the slip named
(the current value dropped, ``\leftarrow`` or ``=`` where ``+=`` is meant, a sign, a
factor).
"""

from __future__ import annotations

import re
from typing import Any

import sympy as sp

from derivations import vq as V
from derivations.core import Derivation
from quizproof.families import ClaimSpec, Context, Domain, Family, register
from quizproof.model import Claim, Quiz
from quizproof.notation import BASE_FUNCTIONS, Application, NotationError, Scope, parse

K = sp.Symbol("k", integer=True, nonnegative=True)  # the symbol assigned to x
E_NEW = sp.Symbol("e_new", real=True)  # the codeword after the step, when named on the left
Y = sp.Symbol("y", real=True)  # the input y, only ever the argument of x_Psi

ASSIGN_NOTE = (
    "'=' is read as an assignment (the new value on the left, the old one on the right), "
    "as in a program: read as an equation it would force the codeword to equal x"
)
TARGET_NAMES = {
    V.x_grad: r"x.\text{grad}",
    V.e: r"e(\text{nearest}_E(x_\Psi(y)))",
}
POINT_NAMES = {
    V.x: r"x_\Psi(y)",
    V.e: r"e(\text{nearest}_E(x_\Psi(y)))",
    V.eta: r"\eta",
    V.x_grad: r"x.\text{grad}",
    V.e_grad: r"e(\text{nearest}_E(x)).\text{grad}",
}


def _point_name(cid: str, s: sp.Symbol) -> str:
    if cid == "p2a.straight_through" and s in (V.x, V.e):
        return {V.x: "x", V.e: r"e(\text{nearest}_E(x))"}[s]
    return POINT_NAMES[s]


def _one(app: Application, name: str) -> sp.Basic:
    if len(app.args) != 1 or app.bar is not None:
        raise NotationError(f"{name} takes one argument")
    return app.args[0]


def _nearest(app: Application) -> sp.Basic:
    if _one(app, "nearest_E") != V.x:
        raise NotationError(r"\text{nearest}_E is applied to x or x_\Psi(y) in this problem")
    return K


def _codeword(app: Application) -> sp.Basic:
    if _one(app, "e") != K:
        raise NotationError(r"e(\cdot) is the codeword of the assigned symbol k = nearest_E(x)")
    return V.e


def _encoder(app: Application) -> sp.Basic:
    if _one(app, "x_Psi") != Y:
        raise NotationError(r"x_\Psi takes y")
    return V.x


def _grad(value: sp.Basic) -> sp.Basic:
    grads = {V.x: V.x_grad, V.e: V.e_grad}
    if value not in grads:
        raise NotationError(".grad is read from x or from a codeword e(...)")
    return grads[value]


def scope_for() -> Scope:
    functions = dict(BASE_FUNCTIONS)
    functions.update(
        {"nearest_E": _nearest, "nearest": _nearest, "e": _codeword, "x_Psi": _encoder}
    )
    symbols = {
        "x": V.x,
        "y": Y,
        "k": K,
        "e": V.e,
        "eta": V.eta,
        "gamma": V.gamma,
        "mu": V.mu,
        "pi": sp.pi,
        "e_k": V.e,  # e_k for e(k)
        "e_new": E_NEW,  # e_{\text{new}} = ...: the new value, defined
        "e^new": E_NEW,
        "x_Psi": V.x,  # x_\Psi without its argument
    }
    return Scope(symbols, functions, {"grad": _grad})


# ---------------------------------------------------------------------------
# Updates: 2(a), 2(b), 2(c)


def _factored(step: sp.Expr) -> str:
    """The change as rate * (x - e) when it is one."""
    rate = sp.cancel(step / (V.x - V.e))
    if rate.free_symbols & {V.x, V.e}:
        return sp.latex(step)
    return sp.latex(rate) + r"\left(" + sp.latex(V.x - V.e, order="rev-lex") + r"\right)"


def update_slip(op: str, target: sp.Expr, rhs: sp.Expr, derived_new: sp.Expr) -> str | None:
    """Name the slip of an update ``target op rhs`` whose new value is wrong."""
    grads = {V.e: V.e_grad, V.x: V.x_grad}
    if rhs.free_symbols & set(grads) and not derived_new.free_symbols & set(grads):
        fixed = rhs.xreplace(grads)
        new = {"+=": target + fixed, "-=": target - fixed}.get(op, fixed)
        if sp.expand(new - derived_new) == 0:
            return "a value is written where its gradient belongs: .grad is dropped"
    step = sp.expand(derived_new - target)  # the derived change
    tname = TARGET_NAMES.get(target, sp.latex(target))
    if op in ("<-", "=", ":="):
        if sp.expand(rhs - step) == 0:
            written = r"\leftarrow" if op == "<-" else op
            return (
                f"the right side is the change ${_factored(step)}$, not the new value: the current "
                f"value ${tname}$ is dropped (${written}$ is written where $+=$ is meant)"
            )
        claimed_step = sp.expand(rhs - target)
    elif op == "+=":
        if sp.expand(rhs - derived_new) == 0:
            return "the right side is the new value, but += adds it to the old one ('+=' where '<-' is meant)"
        claimed_step = sp.expand(rhs)
    elif op == "-=":
        claimed_step = sp.expand(-rhs)
    else:
        return None
    if step != 0 and sp.expand(claimed_step + step) == 0:
        return "the step has the wrong sign (gradient ascent instead of descent)"
    if step != 0:
        ratio = sp.cancel(claimed_step / step)
        if ratio.is_number:
            if ratio == sp.Rational(1, 2):
                return "the step is half the derived one: the factor 2 from differentiating the square is dropped"
            return f"the step is ${sp.latex(ratio)}$ times the derived one"
    return None


def plain_updates(text: str) -> str:
    r"""``\mathrel{+}=`` and ``\mathrel{+}{=}`` as ``+=`` (likewise ``-=``); ``:=`` as ``\coloneqq``."""
    text = re.sub(r"\\mathrel\s*\{\s*([+-])\s*\}\s*(?:=|\{\s*=\s*\})", r"\1=", text)
    return text.replace(":=", r" \coloneqq ")


_CONDITION_WORDS = re.compile(r"\\q?quad|\\text\s*\{\s*(?:for|if|when|where|with)\s*\}")
_LEADING_WORD = re.compile(r"^\s*(?:for|if|when|where|with)\b", re.IGNORECASE)


def split_condition(text: str) -> tuple[str, list[str]]:
    r"""``update, \eta < 1/2`` (or ``\quad``, ``\text{for}``, ``;``) into the update and conditions."""
    marked = _CONDITION_WORDS.sub(",", text)
    pieces, depth, cur = [], 0, ""
    for ch in marked:
        depth += ch in "({["
        depth -= ch in ")}]"
        if ch in ",;" and depth == 0:
            pieces.append(cur)
            cur = ""
        else:
            cur += ch
    pieces.append(cur)
    pieces = [_LEADING_WORD.sub("", p).strip() for p in pieces]
    pieces = [p for p in pieces if p and p != "."]
    if not pieces:
        return text, []
    return pieces[0], pieces[1:]


def decide_update(claim: Claim, ctx: Context, derivation: Derivation) -> dict[str, Any]:
    """An update statement, and for 2(c) an optional condition on eta after it."""
    if not isinstance(claim.answer, str):
        raise NotationError("the answer must be a string of LaTeX")
    update, conditions = split_condition(claim.answer)
    if conditions and claim.id != "p2c.rolling_average":
        raise NotationError("expected one update statement")
    result = update_verdict(claim.id, update, ctx, derivation)
    if result["verdict"] != "verified" or not conditions:
        return result
    for text in conditions:
        cond = condition_verdict(text, ctx, V.convexity_condition())
        if cond["verdict"] != "verified":
            cond["message"] = "; ".join(
                m
                for m in ("the update is right, but the condition is not", cond.get("message"))
                if m
            )
            return cond
        if cond.get("message"):
            result["message"] = "; ".join(m for m in (result["message"], cond["message"]) if m)
    result["evidence"] += "; the condition on eta matches the derived one"
    return result


def update_verdict(cid: str, text: str, ctx: Context, derivation: Derivation) -> dict[str, Any]:
    """An update statement: its new value against the derived one."""
    parsed = parse(plain_updates(text), ctx.scope)
    target = TARGET[cid]
    derived = derivation.result
    notes: list[str] = []
    if not parsed.relations:
        if cid == "p2a.straight_through":
            return {
                "verdict": "invalid",
                "message": "expected an update of x.grad, e.g. x.grad += ...",
            }
        op, lhs, rights = "<-", target, list(parsed.members)
    else:
        op, lhs, rights = parsed.relations[0], parsed.members[0], list(parsed.members[1:])
        if op not in ("<-", "=", ":=", "+=", "-="):
            return {
                "verdict": "invalid",
                "message": f"expected an update (<-, =, +=), found {op!r}",
            }
        bad = [r for r in parsed.relations[1:] if r != "="]
        if bad:
            return {
                "verdict": "invalid",
                "message": f"after the update only '=' may follow, found {bad[0]!r}",
            }
        if op == "=":
            notes.append(ASSIGN_NOTE)
    if lhs == E_NEW and target == V.e and op in ("=", ":=", "<-"):
        lhs, op = V.e, "<-"  # e_new = ... defines the new value: no assignment reading needed
        notes = [n for n in notes if n != ASSIGN_NOTE]
    if lhs != target:
        return {
            "verdict": "refuted",
            "evidence": f"the answer updates ${sp.latex(lhs)}$; the step updates ${TARGET_NAMES[target]}$",
            "slip": "the wrong variable is updated",
        }
    for n, rhs in enumerate(rights):
        if not isinstance(rhs, sp.Expr):
            return {"verdict": "invalid", "message": "the right side must be an expression"}
        extra = rhs.free_symbols - {V.x, V.e, V.eta, V.x_grad, V.e_grad}
        if extra:
            names = ", ".join(sorted(sp.latex(s) for s in extra))
            return {
                "verdict": "invalid",
                "message": f"the update uses {names}, which this step does not involve",
            }
        new = {"+=": lhs + rhs, "-=": lhs - rhs}.get(op, rhs)
        diff = V.compare(
            new, derived, symbols=sorted(new.free_symbols | derived.free_symbols, key=str)
        )
        which = f"form {n + 1} of the right side: " if len(rights) > 1 else ""
        if diff.equal is False and diff.point is not None:
            return {
                "verdict": "refuted",
                "evidence": which + "the new value differs from the derived one at an exact point",
                "counterexample": {
                    "point": {_point_name(cid, s): sp.latex(v) for s, v in diff.point.items()},
                    "claimed": sp.latex(diff.claimed),
                    "derived": sp.latex(diff.derived),
                },
                "slip": update_slip(op, lhs, rhs, derived),
                "message": "; ".join(notes),
            }
        if diff.equal is not True:
            return {
                "verdict": "undecided",
                "evidence": which
                + "the forms differ symbolically, yet no point tried tells them apart",
                "message": "; ".join(notes),
            }
    average = cid == "p2c.rolling_average" and op in ("<-", "=", ":=")
    if average and not any(is_weighted_average(r) for r in rights):
        notes.append(
            "equal to the rolling average, though not written as a weighted average "
            r"$(1 - 2\eta)e(k) + 2\eta x_\Psi(y)$"
        )
    evidence = "the new value the answer assigns simplifies to the derived one for every eta, x, e"
    if cid == "p2a.straight_through":
        evidence = "the new x.grad equals the derived accumulation x.grad + e(nearest_E(x)).grad"
    return {"verdict": "verified", "evidence": evidence, "message": "; ".join(notes)}


def is_weighted_average(expr: sp.Expr) -> bool:
    """Written as a e + b x (each term holds e or x alone) with a + b = 1."""
    weights = {V.e: sp.Integer(0), V.x: sp.Integer(0)}
    for term in sp.Add.make_args(expr):
        held = term.free_symbols & set(weights)
        if len(held) != 1:
            return False
        (v,) = held
        coeff = sp.cancel(term / v)
        if coeff.free_symbols & set(weights):
            return False
        weights[v] += coeff
    return sp.simplify(weights[V.e] + weights[V.x] - 1) == 0


TARGET = {
    "p2a.straight_through": V.x_grad,
    "p2b.sgd_update": V.e,
    "p2c.rolling_average": V.e,
}


# ---------------------------------------------------------------------------
# The condition on eta and the EMA decay (extra ids for variants of 2(c))

_REL = {"<": sp.Lt, "<=": sp.Le, ">": sp.Gt, ">=": sp.Ge}


def decide_condition(claim: Claim, ctx: Context, derivation: Derivation) -> dict[str, Any]:
    r"""A condition on $\eta$ (``\eta < 1/2``, ``0 < \eta \le \frac{1}{2}``) for a rolling average.

    Both weights must be nonnegative ($\eta \le 1/2$); for a step that keeps some of the
    old value the weight of $e$ is positive ($\eta < 1/2$).  With $\eta > 0$ either is
    the condition; a condition between them is verified.
    """
    if not isinstance(claim.answer, str):
        raise NotationError("the answer must be a condition on eta")
    return condition_verdict(claim.answer, ctx, derivation)


def condition_verdict(text: str, ctx: Context, derivation: Derivation) -> dict[str, Any]:
    """Decide a condition on eta given as LaTeX text."""
    parsed = parse(text, ctx.scope)
    if not parsed.relations or any(r not in _REL for r in parsed.relations):
        return {"verdict": "invalid", "message": r"expected a condition such as \eta \le 1/2"}
    conds = [
        _REL[r](a, b)
        for r, a, b in zip(parsed.relations, parsed.members[:-1], parsed.members[1:], strict=True)
    ]
    h = sp.Symbol("eta", real=True)
    for c in conds:
        if c.free_symbols - {V.eta}:
            return {"verdict": "invalid", "message": "the condition may involve eta only"}
    positive = sp.Interval.open(0, sp.oo)
    claimed = positive
    for c in conds:
        claimed = claimed & sp.solveset(c.xreplace({V.eta: h}), h, sp.S.Reals)
    loose = sp.solveset(derivation.result.xreplace({V.eta: h}), h, sp.S.Reals) & positive
    strict = sp.Interval.open(0, sp.Rational(1, 2))
    if strict.is_subset(claimed) and claimed.is_subset(loose):
        msg = ""
        if claimed != loose:
            msg = "eta = 1/2 is excluded: there the step sets e to x and keeps nothing of the old value"
        return {
            "verdict": "verified",
            "evidence": "the same set of learning rates as the derived condition",
            "message": msg,
        }
    bad = (claimed - loose) if not claimed.is_subset(loose) else (strict - claimed)
    pt = _inside(bad)
    weight_e = 1 - 2 * pt
    return {
        "verdict": "refuted",
        "evidence": "the condition admits or excludes a learning rate it should not",
        "counterexample": {
            "point": {r"\eta": sp.latex(pt)},
            "claimed": r"\text{holds}" if claimed.contains(pt) == sp.true else r"\text{fails}",
            "derived": (
                rf"\text{{weights }} ({sp.latex(weight_e)}, {sp.latex(2 * pt)})"
                + (r"\text{: an average}" if weight_e >= 0 else r"\text{: not an average}")
            ),
        },
        "slip": "the condition is only sufficient"
        if claimed.is_subset(loose)
        else "the condition admits a negative weight",
    }


def _inside(s: sp.Set) -> sp.Rational:
    """An exact rational point of a nonempty union of intervals."""
    for part in s.args if isinstance(s, sp.Union) else (s,):
        if isinstance(part, sp.FiniteSet):
            return sp.Rational(part.args[0])
        if isinstance(part, sp.Interval):
            lo, hi = part.start, part.end
            if hi == sp.oo:
                return sp.Rational(lo) + 1 if lo.is_finite else sp.Integer(1)
            return sp.Rational(lo + hi) / 2
    raise ValueError("empty set")  # pragma: no cover


def decide_ema(claim: Claim, ctx: Context, derivation: Derivation) -> dict[str, Any]:
    r"""The decay $\gamma$ (``\gamma = 1 - 2\eta`` or ``1 - 2\eta``)."""
    if not isinstance(claim.answer, str):
        raise NotationError("the answer must be LaTeX")
    parsed = parse(claim.answer, ctx.scope)
    if any(r != "=" for r in parsed.relations):
        return {"verdict": "invalid", "message": r"expected \gamma = ..."}
    members = [m for m in parsed.members if m != V.gamma]
    for m in members:
        diff = V.compare(m, derivation.result, symbols=[V.eta])
        if diff.equal is False and diff.point is not None:
            return {
                "verdict": "refuted",
                "evidence": "the decay differs from the derived one",
                "counterexample": {
                    "point": {r"\eta": sp.latex(diff.point[V.eta])},
                    "claimed": sp.latex(diff.claimed),
                    "derived": sp.latex(diff.derived),
                },
            }
        if diff.equal is not True:
            return {"verdict": "undecided", "evidence": "could not compare the decays"}
    return {"verdict": "verified", "evidence": "equal to the derived decay 1 - 2 eta"}


# ---------------------------------------------------------------------------
# The family


def prepare(quiz: Quiz) -> Context:
    def points():
        yield {V.eta: sp.Rational(1, 4), V.x: sp.Integer(0), V.e: sp.Integer(1)}

    return Context(
        scope_for(), Domain((V.eta, V.x, V.e, V.x_grad, V.e_grad), points, {}, V.DOMAIN), None
    )


SPECS = [
    ClaimSpec(
        "p2a.straight_through",
        "custom",
        r"the straight-through rule for $x.\text{grad}$",
        lambda ctx: V.straight_through(),
        decide_update,
    ),
    ClaimSpec(
        "p2b.sgd_update",
        "custom",
        r"one SGD step on the codebook objective",
        lambda ctx: V.sgd_update(),
        decide_update,
    ),
    ClaimSpec(
        "p2c.rolling_average",
        "custom",
        r"the SGD step as a rolling average",
        lambda ctx: V.rolling_average(),
        decide_update,
    ),
    ClaimSpec(
        "p2c.condition",
        "custom",
        r"learning rates for which it is a rolling average",
        lambda ctx: V.convexity_condition(),
        decide_condition,
    ),
    ClaimSpec(
        "p2c.ema_decay",
        "custom",
        r"the EMA decay of the same step",
        lambda ctx: V.ema_decay(),
        decide_ema,
    ),
]

FAMILY = register(Family("vq", "2", {s.id: s for s in SPECS}, prepare))
