"""The record every derivation returns: a closed form and the steps to it."""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp


@dataclass(frozen=True)
class Step:
    """One step of a derivation: a sentence and the expression it arrives at."""

    text: str
    expr: sp.Basic


@dataclass(frozen=True)
class Derivation:
    """A derived closed form.

    ``result`` is a SymPy object (an expression, a ``Tuple``, a boolean or an
    ``Eq``); ``steps`` say how it was reached; ``assumptions`` name the domain
    on which the result holds, in words, for the report.
    """

    id: str
    result: sp.Basic
    steps: tuple[Step, ...] = field(default=())
    assumptions: str = ""
    witness: dict[str, sp.Basic] | None = None  # for a derived "no": where it fails

    def with_steps(self, *more: Step) -> Derivation:
        return Derivation(self.id, self.result, self.steps + more, self.assumptions, self.witness)
