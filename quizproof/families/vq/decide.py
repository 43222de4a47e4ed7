r"""Training vector quantization: deciding updates, conditions on the rate, decays and rates.

An answer ``target op value`` is read as a program statement (see :mod:`.reading`); its
new value is compared with the derived one, and a difference is refuted at an exact
point with the slip named (the current value dropped, ``\leftarrow`` or ``=`` where
``+=`` is meant, a sign, a factor).  A condition on the rate is decided by
:mod:`.conditions`; a decay or a rate (``\gamma = 1 - 2\eta``, ``\eta = (1 - d)/2``) as
a value.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from derivations import vq as V
from derivations.core import Derivation
from quizproof.families.vq.conditions import condition_verdict
from quizproof.families.vq.reading import (
    TARGET,
    TARGET_NAMES,
    Update,
    point_name,
    read_update,
)
from quizproof.families.vq.variants import grid
from quizproof.families.vq.written import coefficient
from quizproof.family import Context
from quizproof.model import Claim
from quizproof.notation import NotationError, parse


def _factored(step: sp.Expr) -> str:
    """The change as rate * (x - e) when it is one."""
    rate = sp.cancel(step / (V.x - V.e))
    if rate.free_symbols & {V.x, V.e}:
        return sp.latex(step)
    return coefficient(rate, r"\left(" + sp.latex(V.x - V.e, order="rev-lex") + r"\right)")


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
    extra = sorted(claimed_step.free_symbols - derived_new.free_symbols - {target}, key=str)
    if extra:
        names = ", ".join(f"${sp.latex(s)}$" for s in extra)
        return f"the answer involves {names}, which this step does not"
    if step != 0 and sp.expand(claimed_step + step) == 0:
        return "the step has the wrong sign (gradient ascent instead of descent)"
    if step != 0:
        ratio = sp.cancel(claimed_step / step)
        if not ratio.free_symbols & {V.x, V.e, V.x_grad, V.e_grad}:
            if ratio == sp.Rational(1, 2):
                return "the step is half the derived one: the factor 2 from differentiating the square is dropped"
            return f"the step is ${sp.latex(ratio)}$ times the derived one"
    along = sp.expand(step).coeff(V.x) * (V.x - V.e)  # the derived change along x - e
    missing = sp.expand(step - claimed_step)
    if along != 0 and sp.expand(missing - along) == 0:
        return f"the term ${_factored(along)}$ is dropped"
    if along != 0 and sp.expand(missing - 2 * along) == 0:
        return f"the sign of the term ${_factored(along)}$ is flipped"
    return None


def decide_update(claim: Claim, ctx: Context, derivation: Derivation) -> dict[str, Any]:
    """An update statement, and for the rolling average an optional condition on eta after it."""
    update = read_update(claim.kind, claim.answer, ctx.scope)
    result = update_verdict(claim.kind, update, derivation, ctx)
    if result["verdict"] != "verified" or not update.conditions:
        return result
    for text in update.conditions:
        cond = condition_verdict(text, ctx, V.convexity_condition(ctx.params))
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


EVIDENCE = {
    "straight_through": "the new x.grad equals the derived accumulation x.grad + "
    "e(nearest_E(x)).grad",
    "encoder_gradient": "the new x.grad equals x.grad plus the derived gradient of objective (3) "
    "under the straight-through estimator",
}


def update_verdict(
    kind: str, update: Update, derivation: Derivation, ctx: Context
) -> dict[str, Any]:
    """An update statement: its new value against the derived one."""
    target = TARGET[kind]
    derived = derivation.result
    op, lhs, notes = update.op, update.lhs, list(update.notes)
    if lhs != target:
        return {
            "verdict": "refuted",
            "evidence": f"the answer updates ${sp.latex(lhs)}$; the step updates ${TARGET_NAMES[target]}$",
            "slip": "the wrong variable is updated",
        }
    for n, (rhs, new) in enumerate(zip(update.rights, update.new_values(), strict=True)):
        symbols = sorted(new.free_symbols | derived.free_symbols, key=str)
        diff = V.compare(new, derived, symbols=symbols, grid=grid(ctx.params))
        which = f"form {n + 1} of the right side: " if len(update.rights) > 1 else ""
        if diff.equal is False and diff.point is not None:
            return {
                "verdict": "refuted",
                "evidence": which + "the new value differs from the derived one at an exact point",
                "counterexample": {
                    "point": {point_name(kind, s): sp.latex(v) for s, v in diff.point.items()},
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
    average = kind in ("rolling_average", "ema_update") and op in ("<-", "=", ":=")
    if average and not any(is_weighted_average(r) for r in update.rights):
        expr = sp.expand(derived)
        shown = (
            coefficient(expr.coeff(V.e), "e(k)")
            + " + "
            + coefficient(expr.coeff(V.x), r"x_\Psi(y)")
        )
        notes.append(
            f"equal to the rolling average, though not written as a weighted average ${shown}$"
        )
    evidence = EVIDENCE.get(
        kind, "the new value the answer assigns simplifies to the derived one for every value of "
        "its symbols"
    )  # fmt: skip
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


def decide_condition(claim: Claim, ctx: Context, derivation: Derivation) -> dict[str, Any]:
    r"""A condition on $\eta$ (``\eta < 1/2``, ``0 < \eta \le \frac{1}{2}``) for a rolling average."""
    if not isinstance(claim.answer, str):
        raise NotationError("the answer must be a condition on eta")
    return condition_verdict(claim.answer, ctx, derivation)


def subject_of(kind: str, ctx: Context) -> set[sp.Symbol]:
    """The quantity a value answer may name on its left: the decay, or the learning rate."""
    if kind == "ema_rate":
        return {V.eta}
    decay = ctx.params.decay
    return {V.gamma} | ({decay} if isinstance(decay, sp.Symbol) else set())


def decide_value(claim: Claim, ctx: Context, derivation: Derivation) -> dict[str, Any]:
    r"""A decay (``\gamma = 1 - 2\eta``) or a rate (``\eta = \frac{1 - d}{2c}``), as a value."""
    if not isinstance(claim.answer, str):
        raise NotationError("the answer must be LaTeX")
    parsed = parse(claim.answer, ctx.scope)
    if any(r != "=" for r in parsed.relations):
        raise NotationError("expected a value, or a chain such as \\gamma = ...")
    names = subject_of(claim.kind, ctx)
    members = [m for m in parsed.members if m not in names]
    if not members:
        raise NotationError("the answer names the quantity but gives no value")
    for m in members:
        if not isinstance(m, sp.Expr) or isinstance(m, sp.Tuple):
            raise NotationError("expected a value")
        symbols = sorted(m.free_symbols | derivation.result.free_symbols, key=str)
        diff = V.compare(m, derivation.result, symbols=symbols, grid=grid(ctx.params))
        if diff.equal is False and diff.point is not None:
            return {
                "verdict": "refuted",
                "evidence": "the value differs from the derived one at an exact point",
                "counterexample": {
                    "point": {sp.latex(s): sp.latex(v) for s, v in diff.point.items()},
                    "claimed": sp.latex(diff.claimed),
                    "derived": sp.latex(diff.derived),
                },
            }
        if diff.equal is not True:
            return {"verdict": "undecided", "evidence": "could not compare the two values"}
    return {
        "verdict": "verified",
        "evidence": f"equal to the derived value ${sp.latex(derivation.result)}$ for every "
        "value of its symbols",
    }
