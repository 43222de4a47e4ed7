"""What a family's manual content receives and returns: problem views, figures and tables.

A family draws its figures and tables from a :class:`ProblemView`: one problem
of one quiz file with its parameters, the family's derived forms, the checker's
verdicts and the simulation's checks.  It returns :class:`Figure` and
:class:`Table` objects; the manual places them on the problem's page.  The
helpers here give every family's figures the same look (:func:`svg`,
:data:`STYLE`) and the same seeds.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any

from derivations.core import Derivation
from quizproof.family import Context
from quizproof.model import Problem

#: One seed fixes every simulated number of the manual's figures.
SEED = 20260

# Text, axes and grid are drawn in INK, which :func:`svg` turns into ``currentColor``: a
# figure set inline in a page takes the page's own text colour, light or dark.
INK = "#010203"
STYLE = {
    "svg.hashsalt": "quizproof",
    "svg.fonttype": "path",
    "font.size": 12,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "text.color": INK,
    "axes.edgecolor": INK,
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "grid.color": INK,
    "grid.alpha": 0.25,
    "legend.labelcolor": INK,
    "legend.frameon": False,
    "figure.facecolor": "none",
    "axes.facecolor": "none",
    "savefig.transparent": True,
}

# Mid-grey text and axes, readable on a light and a dark page alike and on a phone: for
# figures whose marks carry colours of their own.
GREY = "#8a8a8a"
GREY_STYLE = {
    **STYLE,
    "text.color": GREY,
    "axes.labelcolor": GREY,
    "axes.edgecolor": GREY,
    "xtick.color": GREY,
    "ytick.color": GREY,
    "legend.labelcolor": GREY,
}


@dataclass(frozen=True)
class Figure:
    """An SVG drawn at build time, with the words a reader needs to read it."""

    src_uri: str
    svg: bytes
    alt: str
    caption: str


@dataclass(frozen=True)
class Table:
    """A table for a problem page: a heading, the HTML and a caption (Markdown math allowed)."""

    title: str
    html: str
    caption: str


@dataclass
class ProblemView:
    """One problem of one quiz file, as the manual shows it."""

    quiz_slug: str
    problem: Problem
    context: Context | None
    derived: dict[str, Derivation] = field(default_factory=dict)  # by claim kind
    claims: list[dict[str, Any]] = field(default_factory=list)  # the checker's records
    simulation: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by claim id

    @property
    def is_variant(self) -> bool:
        return self.problem.is_variant

    def result(self, *kinds: str) -> Any:
        """The derived result of the first of ``kinds`` derived here (an equation's right side)."""
        for kind in kinds:
            if kind in self.derived:
                expr = self.derived[kind].result
                return getattr(expr, "rhs", expr)
        return None

    def figure_src(self, name: str) -> str:
        """Where a figure of this problem goes in the site."""
        label = re.sub(r"[^a-z0-9]+", "-", self.problem.label.lower()).strip("-")
        return f"figures/{self.quiz_slug}-p{label}-{name}.svg"


def pyplot() -> Any:
    """matplotlib's pyplot, drawing off screen (imported only when a figure is drawn)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def svg(fig: Any) -> bytes:
    """A figure as SVG bytes: deterministic (fixed hash salt, no date), transparent, and
    drawn in ``currentColor`` wherever :data:`STYLE` draws in :data:`INK`."""
    buf = io.BytesIO()
    # dpi sets only the resolution of artists drawn as images (``rasterized=True``)
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None}, dpi=200)
    pyplot().close(fig)
    return buf.getvalue().replace(INK.encode(), b"currentColor")
