"""How derived forms are written: SymPy's LaTeX in the notation the quizzes use."""

from __future__ import annotations

import sympy as sp
from sympy.printing.latex import LatexPrinter

from derivations.core import Derivation, Step


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


def step_latex(step: Step) -> str:
    """A step's math: its own display, else its expression; equations side by side, not a tuple."""
    if step.display:
        return step.display
    e = step.expr
    if isinstance(e, sp.Tuple) and len(e) > 1 and all(isinstance(m, sp.Rel) for m in e):
        return r", \qquad ".join(latex(m) for m in e)
    if isinstance(e, sp.Tuple):  # a list of objects, not a Python tuple: no parentheses
        return r", \quad ".join(latex(m) for m in e)
    return latex(e)


def steps_json(d: Derivation) -> list[dict[str, str]]:
    """Each step's sentence and its math."""
    return [{"text": s.text, "latex": step_latex(s)} for s in d.steps]


def rendered(d: Derivation, written: str) -> Derivation:
    """The derivation with its steps and its answer printed once, for the cache and the report.

    Rebuilding SymPy objects is slow; printed steps are strings.  The result
    stays a SymPy object: answers are decided against it.
    """
    steps = tuple(Step(s.text, sp.S.Zero, step_latex(s)) for s in d.steps)
    return Derivation(d.id, d.result, steps, d.assumptions, d.witness, d.checks, written)
