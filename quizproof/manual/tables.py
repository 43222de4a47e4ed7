r"""The manual's tables of exact values, built with pandas from the derived SymPy objects.

The derived closed forms (for example the ratio
$\operatorname{Var}\hat g_{\text{REINFORCE}} / \operatorname{Var}\hat g_{\text{A2C}}$
of problem 3) are evaluated exactly at the grid points by substitution, and
only the printed number is rounded.  A table whose closed form is absent from
this build, or not closed for the quiz's rules, is left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import pandas as pd
import sympy as sp

from quizproof.manual.data import QuizData

__all__ = ["Table", "problem_tables", "variance_ratio_table"]

N_GRID = (1, 2, 5, 10, 20)
LAMBDA_GRID = (Fraction(1, 10), Fraction(1, 4), Fraction(1, 2), Fraction(3, 4), Fraction(9, 10))


@dataclass(frozen=True)
class Table:
    """A table for a problem page: a heading, the HTML and a caption (Markdown math allowed)."""

    title: str
    html: str
    caption: str


def exact_at(expr: sp.Basic, values: dict[str, object]) -> sp.Basic:
    """``expr`` at a point given by symbol names, exactly."""
    subs = {s: sp.nsimplify(values[s.name]) for s in expr.free_symbols if s.name in values}
    return sp.simplify(expr.subs(subs))


def _show(value: sp.Basic) -> str:
    if value is sp.nan or value.free_symbols:
        return "–"
    if value in (sp.oo, sp.zoo):
        return "∞"
    number = float(value)
    if abs(number) >= 1000:
        return f"{number:,.0f}"
    return f"{number:.3g}"


def variance_ratio_table(quiz: QuizData) -> Table | None:
    """The exact variance ratio of REINFORCE to A2C over a grid of N and lambda."""
    derivation = quiz.derived.get("p3d.var_ratio")
    if derivation is None or derivation.result is sp.nan:
        return None
    ratio = derivation.result
    extra = {s.name for s in ratio.free_symbols} - {"N", "lambda"}
    if extra:  # a variant's own parameters: no single grid
        return None
    rows = []
    for n in N_GRID:
        row = {"N": str(n)}
        for lam in LAMBDA_GRID:
            row[f"λ = {lam}"] = _show(exact_at(ratio, {"N": n, "lambda": lam}))
        rows.append(row)
    frame = pd.DataFrame(rows)
    html = frame.to_html(index=False, escape=True, border=0, classes=["qp-table", "qp-grid"])
    return Table(
        "How much A2C reduces the variance",
        html,
        "The exact ratio $\\operatorname{Var} \\hat g_{\\text{REINFORCE}} / "
        "\\operatorname{Var} \\hat g_{\\text{A2C}}$ of the two per-episode estimates of "
        "$d E[R] / d\\lambda$, from the derived closed form (claim `p3d.var_ratio`), "
        "at each goal distance $N$ and policy $\\lambda$:\n\n"
        f"$$\\frac{{\\operatorname{{Var}} \\hat g_{{\\text{{REINFORCE}}}}}}"
        f"{{\\operatorname{{Var}} \\hat g_{{\\text{{A2C}}}}}} = {sp.latex(ratio)}$$",
    )


def problem_tables(quiz: QuizData, number: str) -> list[Table]:
    tables: list[Table | None] = []
    if number == "3":
        tables.append(variance_ratio_table(quiz))
    return [t for t in tables if t is not None]
