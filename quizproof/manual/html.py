"""Small pieces of the manual's HTML: escaping, math, badges, answers, tables, links."""

from __future__ import annotations

import hashlib
import html
import posixpath
import re
from typing import Any

import pandas as pd
import sympy as sp

from quizproof.manual.mathml import inline

ICONS = {
    "verified": "✓",
    "refuted": "✗",
    "circular": "↻",
    "undecided": "?",
    "invalid": "!",
    "unsupported": "–",
}
MEANING = {
    "verified": "the printed answer equals the derived one on the whole stated domain",
    "refuted": "the printed answer differs from the derived one at an admissible point",
    "circular": "the printed answer restates the quantity asked for instead of giving its value",
    "undecided": "neither equality nor a counterexample could be established",
    "invalid": "the printed answer could not be read as a formula of the quiz's notation",
    "unsupported": "the toolkit has no derivation for this claim yet",
}
_WORD = re.compile(r"^[A-Za-z]{2,}( [A-Za-z]+)*\.?$")
_TEXT_WORD = re.compile(r"^\\text\{([A-Za-z ]+)\}$")
_DOLLAR = re.compile(r"\$([^$]+)\$")
# TeX outside dollars: a command with its brace groups and scripts, or x_1 / x_{ij}.
_BRACES = r"\{(?:[^{}]|\{[^{}]*\})*\}"
_SCRIPT = rf"[_^](?:{_BRACES}|\\[A-Za-z]+|[A-Za-z0-9])"
_LOOSE_TEX = re.compile(
    rf"(\\[A-Za-z]+(?:{_BRACES})*(?:{_SCRIPT})*|\b[A-Za-z](?:{_SCRIPT})+(?!\w))"
)


# -- addresses ------------------------------------------------------------------------------


def claim_anchor(key: str) -> str:
    """The anchor of a claim on its page, from its key (problem and id)."""
    return "claim-" + re.sub(r"[^A-Za-z0-9]+", "-", key).strip("-").lower()


def href(from_src: str, to_src: str, anchor: str = "") -> str:
    """Relative link from one page (or file) to another, both given by source path."""

    def dest(src: str) -> str:
        return src[:-3] + ".html" if src.endswith(".md") else src

    rel = posixpath.relpath(dest(to_src), posixpath.dirname(dest(from_src)) or ".")
    return rel + (f"#{anchor}" if anchor else "")


# -- small pieces ---------------------------------------------------------------------------


def esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def prose(text: Any) -> str:
    """Escape a sentence for HTML, rendering its ``$...$`` segments as math.

    TeX written outside dollars (``probability \\frac{1}{2}``, ``a_1``) is
    rendered as math too, so no raw TeX reaches the reader.
    """
    parts = _DOLLAR.split(str(text))
    return "".join(inline(p) if k % 2 else _loose_tex(p) for k, p in enumerate(parts))


def _loose_tex(text: str) -> str:
    parts = _LOOSE_TEX.split(text)
    return "".join(inline(p) if k % 2 else esc(p) for k, p in enumerate(parts))


def badge(verdict: str) -> str:
    verdict = verdict if verdict in ICONS else "undecided"
    return (
        f'<span class="qp-badge qp-badge--{verdict}" title="{esc(MEANING[verdict])}">'
        f'<span aria-hidden="true">{ICONS[verdict]}</span> {verdict}</span>'
    )


def display(tex: str) -> str:
    return f'<div class="arithmatex">\\[{html.escape(tex, quote=False)}\\]</div>'


def answer(tex: Any, block: bool = True) -> str:
    """A printed or derived answer: words stay words, anything else is math.

    ``block`` lays the math out in display style but left-aligned on its own line
    (for the answer grids); otherwise it is inline in text style (for tables).
    """
    if tex is None or str(tex).strip() == "":
        return '<span class="qp-none">none</span>'
    text = str(tex).strip()
    word = _TEXT_WORD.match(text)
    if word or _WORD.match(text):
        return f'<span class="qp-word">“{esc(word.group(1) if word else text)}”</span>'
    return f'<div class="qp-answer-math">{inline(text)}</div>' if block else inline(text)


def symbol_tex(name: str) -> str:
    """The TeX of a symbol named in a counterexample point (``lambda`` -> ``\\lambda``)."""
    if name.startswith("\\") or not name.isidentifier():
        return name
    head = name.split("_", 1)[0]
    if len(head) > 1 and sp.latex(sp.Symbol(head)) == head:  # a word: instance, true_models
        return f"\\text{{{name.replace('_', ' ')}}}"
    return sp.latex(sp.Symbol(name))


def point_tex(point: dict[str, Any]) -> str:
    """A parameter point, ``{name: value}``, as one TeX list ``N = 3,\\; \\lambda = 1/2``."""
    return ",\\; ".join(f"{symbol_tex(str(k))} = {value_tex(v)}" for k, v in point.items())


def value_tex(value: Any) -> str:
    """The TeX of a value in a counterexample point: words (true, false) stay words."""
    text = str(value)
    return f"\\text{{{text}}}" if text.isalpha() and len(text) > 1 else text


def admonition(kind: str, title: str, body: str, cls: str = "") -> str:
    return (
        f'<div class="admonition {kind} {cls}">'
        f'<p class="admonition-title">{esc(title)}</p>{body}</div>'
    )


def inline_svg(fig: Any) -> str:
    """A figure's SVG to set inline: its own ids, and its alt text as its accessible name.

    Inline, the figure's ``currentColor`` is the page's text colour in light and dark.
    """
    text = fig.svg.decode("utf-8")
    text = re.sub(r"^.*?(?=<svg\b)", "", text, flags=re.DOTALL)  # no XML prolog inline
    prefix = "f" + hashlib.sha1(fig.src_uri.encode()).hexdigest()[:8]
    text = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', text)
    text = text.replace("url(#", f"url(#{prefix}-").replace('href="#', f'href="#{prefix}-')
    return text.replace("<svg ", f'<svg role="img" aria-label="{esc(fig.alt)}" class="qp-svg" ', 1)


def figure_html(page_src: str, fig: Any) -> str:
    """A :class:`~quizproof.manual.content.Figure`, inline, with its caption."""
    del page_src  # inline: no file to link
    return (
        f'<figure class="qp-figure"><div class="qp-figure__scroll">{inline_svg(fig)}</div>'
        f"<figcaption>{prose(fig.caption)}</figcaption></figure>"
    )


def scroll(table: str) -> str:
    """A table that scrolls sideways inside the content column when it is too wide."""
    return f'<div class="qp-scroll">{table}</div>'


def frame_html(frame: pd.DataFrame, cls: str) -> str:
    """A pandas table as HTML; cells are already escaped HTML."""
    return frame.to_html(index=False, escape=False, border=0, classes=["qp-table", cls])
