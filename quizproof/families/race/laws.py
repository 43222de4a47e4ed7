r"""Random outcomes in the race: the next state and the last step's reward, as laws.

When an action advances with a probability strictly between 0 and 1, the next
state is not a state but a law: $(i + 1, t + 1)$ with probability $p$ and
$(i, t + 1)$ otherwise.  A quiz can print it that way, and the notation reads it:

```
s_{t+1} = (i + 1, t + 1) \text{ with probability } p, (i, t + 1) \text{ otherwise}
```

Each outcome is a value followed by ``\text{with probability} q`` (or ``w.p.``),
outcomes are separated by commas, semicolons or "and", and the last may say
``\text{otherwise}`` (the probability left).  A single value is certain.  The
same holds for the reward of the last step, ``R((N - 1, t), a_2) = -(t + 1)
\text{ with probability } p, 0 \text{ otherwise}``; its expectation is a claim
of its own.

A law is decided outcome by outcome: the probabilities of equal values add up,
and each must equal the derived probability on the whole domain.  An
*expected* state, $(i + p, t + 1)$, is no state of the law: it is refuted, and
the message says the next state is random.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import sympy as sp

from derivations.core import Derivation
from quizproof.decide import claim_seed, compare, decide_value
from quizproof.family import Context
from quizproof.model import Claim
from quizproof.notation import SUBJECT, NotationError, parse, split_top_level
from quizproof.notation.unknowns import marking, restated

_WP = re.compile(r"\\text\s*\{\s*(?:with probability|w\.\s*p\.)\s*\}|\bwith probability\b|\bw\.p\.")
_OTHERWISE = re.compile(r"\\text\s*\{\s*(?:otherwise|else)\s*\}|\botherwise\b")
_SEPARATORS = re.compile(r"\\text\s*\{\s*and\s*\}|\band\b|;")


def _split_top(text: str) -> list[str]:
    """Split at commas and semicolons outside brackets (and at the word "and")."""
    parts = split_top_level(_SEPARATORS.sub(";", text))
    return [p.strip() for p in parts if p.strip()]


def _value(text: str, ctx: Context, unknowns: tuple[str, ...]) -> sp.Basic:
    parsed = parse(text, marking(ctx.scope, unknowns))
    if any(rel != "=" for rel in parsed.relations):
        raise NotationError("an outcome is a value, such as (i, t + 1)")
    members = [m for m in parsed.members if m is not SUBJECT]
    if not members:
        raise NotationError("the answer names what is asked but gives no value")
    return members[-1]


def is_law(text: object) -> bool:
    """Does the answer give outcomes with probabilities (rather than one value)?"""
    return isinstance(text, str) and bool(_WP.search(text) or _OTHERWISE.search(text))


def read_law(
    text: str, ctx: Context, unknowns: tuple[str, ...] = ()
) -> list[tuple[sp.Basic, sp.Basic]]:
    """``[(probability, value), ...]`` of an answer; a single value is certain."""
    if not isinstance(text, str):
        raise NotationError("the answer must be a string of LaTeX")
    if not is_law(text):
        return [(sp.Integer(1), _value(text, ctx, unknowns))]
    head, sep, rest = text.partition("=")
    if sep and "(" in head and not _WP.search(head):  # "s_{t+1} = ..." or "R(...) = ..."
        text = rest
    outcomes: list[tuple[sp.Basic | None, sp.Basic]] = []
    for piece in _split_top(text):
        if _OTHERWISE.search(piece):
            outcomes.append((None, _value(_OTHERWISE.sub("", piece), ctx, unknowns)))
            continue
        parts = _WP.split(piece)
        if len(parts) != 2:
            raise NotationError(r"expected 'value \text{with probability} q' for each outcome")
        outcomes.append((parse(parts[1], ctx.scope).value, _value(parts[0], ctx, unknowns)))
    given = [p for p, _ in outcomes if p is not None]
    if sum(p is None for p, _ in outcomes) > 1:
        raise NotationError("only one outcome can take the probability left ('otherwise')")
    left = 1 - sp.Add(*given)
    return [(left if p is None else p, v) for p, v in outcomes]


def _same(a: sp.Basic, b: sp.Basic) -> bool:
    """Equal values (states compared entry by entry)."""
    if isinstance(a, sp.Tuple) or isinstance(b, sp.Tuple):
        if not (isinstance(a, sp.Tuple) and isinstance(b, sp.Tuple)) or len(a) != len(b):
            return False
        return all(_same(x, y) for x, y in zip(a, b, strict=True))
    try:
        return sp.simplify(a - b) == 0
    except (TypeError, ValueError):
        return False


def _law_latex(law: list[tuple[sp.Basic, sp.Basic]]) -> str:
    return r",\ ".join(
        f"{sp.latex(v)}" + ("" if p == 1 else rf" \text{{ with probability }} {sp.latex(p)}")
        for p, v in law
    )


def derived_law(derivation: Derivation) -> list[tuple[sp.Basic, sp.Basic]]:
    """The derived law: a Tuple of (probability, value) pairs, those of probability 0 dropped."""
    return [(p, v) for p, v in derivation.result if p != 0]


def decide_law(
    claim: Claim, ctx: Context, derivation: Derivation, unknowns: tuple[str, ...] = ()
) -> dict[str, Any]:
    """An outcome's law (or a single certain value) against the derived law.

    A single value where the derived outcome is certain is decided as any value
    is, every member of its chain (``R((N - 1, t), a_2) = -(t + 1)``) included.
    """
    law = derived_law(derivation)
    if len(law) == 1 and not is_law(claim.answer):
        return decide_value(claim, ctx, replace(derivation, result=law[0][1]), unknowns)
    claimed = read_law(claim.answer, ctx, unknowns)
    for _, v in claimed:
        restating = restated(v)
        if restating is not None and not claim.definition:
            return {"verdict": "circular",
                    "message": f"restates ${restating}$; a value is asked"}  # fmt: skip
    seed = claim_seed(claim)
    random = len(law) > 1
    for p, v in claimed:  # every claimed value must be a possible outcome
        if not any(_same(v, w) for _, w in law):
            nonzero = compare(p, sp.Integer(0), ctx, seed)
            if nonzero["verdict"] == "verified":
                continue  # an outcome of probability 0 changes nothing
            message = ""
            if random:
                message = (
                    f"the outcome is random: ${_law_latex(law)}$; "
                    f"${sp.latex(v)}$ is not one of its values"
                )
            single = {"verdict": "refuted", "message": message,
                      "evidence": "the answer names a value the outcome never takes"}  # fmt: skip
            if not random:
                single = compare(v, law[0][1], ctx, seed)
            return single
    for q, w in law:  # and each outcome's probability must be the derived one
        total = sp.Add(*(p for p, v in claimed if _same(v, w)))
        result = compare(total, q, ctx, seed)
        if result["verdict"] != "verified":
            result["message"] = f"the probability of ${sp.latex(w)}$ differs"
            return result
    how = "each outcome's probability" if random else "the value"
    return {"verdict": "verified",
            "evidence": f"{how} simplifies to the derived one on ${ctx.domain.latex}$"}  # fmt: skip


def written(derivation: Derivation) -> str:
    """A law as a quiz prints it: the value, or each value with its probability."""
    law = derived_law(derivation)
    if len(law) == 1:
        return sp.latex(law[0][1])
    *first, (_, last) = law
    shown = [rf"{sp.latex(v)} \text{{ with probability }} {sp.latex(p)}" for p, v in first]
    return ",\\ ".join([*shown, rf"{sp.latex(last)} \text{{ otherwise}}"])
