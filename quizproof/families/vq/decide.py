r"""Training vector quantization: deciding updates, conditions on the rate and the EMA decay.

An answer ``target op value`` is read as a program statement (see
:mod:`.reading`); its new value is compared with the derived one, and a
difference is refuted at an exact point with the slip named (the current value
dropped, ``\leftarrow`` or ``=`` where ``+=`` is meant, a sign, a factor).
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from derivations import vq as V
from derivations.core import Derivation
from quizproof.families.vq.reading import (
    TARGET,
    TARGET_NAMES,
    Update,
    point_name,
    read_condition,
    read_update,
)
from quizproof.family import Context
from quizproof.model import Claim
from quizproof.notation import NotationError, parse


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


def decide_update(claim: Claim, ctx: Context, derivation: Derivation) -> dict[str, Any]:
    """An update statement, and for the rolling average an optional condition on eta after it."""
    update = read_update(claim.kind, claim.answer, ctx.scope)
    result = update_verdict(claim.kind, update, derivation)
    if result["verdict"] != "verified" or not update.conditions:
        return result
    for text in update.conditions:
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


def update_verdict(kind: str, update: Update, derivation: Derivation) -> dict[str, Any]:
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
        diff = V.compare(
            new, derived, symbols=sorted(new.free_symbols | derived.free_symbols, key=str)
        )
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
    average = kind == "rolling_average" and op in ("<-", "=", ":=")
    if average and not any(is_weighted_average(r) for r in update.rights):
        notes.append(
            "equal to the rolling average, though not written as a weighted average "
            r"$(1 - 2\eta)e(k) + 2\eta x_\Psi(y)$"
        )
    evidence = "the new value the answer assigns simplifies to the derived one for every eta, x, e"
    if kind == "straight_through":
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
    conds = read_condition(text, ctx.scope)
    h = sp.Symbol("eta", real=True)
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
