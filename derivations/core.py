"""The record every derivation returns: a closed form, the steps to it, and the checks run.

Steps are written to be read as a worked solution: ``text`` is a sentence in
words with any math in ``$...$`` LaTeX, and ``expr`` the SymPy object the step
arrives at, printed by the report.  ``display``, when given, is LaTeX printed
*from* the step's own objects (say a vector written as a vector) for readers;
it never carries a value the step did not compute.  Checks that back a
derivation without being part of the argument (an identity confirmed on
random worlds, a solution substituted back) go in ``Derivation.checks``, not in
the steps.

A derivation that has no closed form for the parameters it is given raises
:class:`NoClosedForm` with a one-line reason; it never returns ``nan``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp


@dataclass(frozen=True)
class Step:
    """One step of a derivation: a sentence and the expression it arrives at."""

    text: str
    expr: sp.Basic
    display: str | None = None  # LaTeX printed from ``expr``'s objects, when SymPy's is unclear


@dataclass(frozen=True)
class Derivation:
    """A derived closed form.

    ``result`` is a SymPy object (an expression, a ``Tuple``, a boolean or an
    ``Eq``); ``steps`` say how it was reached; ``assumptions`` name the domain
    on which the result holds, for the report; ``checks`` say, one sentence
    each, which independent checks the derivation ran and passed.
    """

    id: str
    result: sp.Basic
    steps: tuple[Step, ...] = field(default=())
    assumptions: str = ""
    witness: dict[str, sp.Basic] | None = None  # for a derived "no": where it fails
    checks: tuple[str, ...] = ()
    written: str = ""  # the result in LaTeX as an answer would print it (set by the report)


class NoClosedForm(Exception):
    """A derivation has no closed form for these parameters; ``reason`` says why in one line.

    Where an exact value at numeric parameters exists, the deriving module
    offers a function for it (its docstring names it).
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
