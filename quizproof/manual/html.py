"""Small pieces of the manual's HTML: escaping, math, badges, answers, tables, links."""

from __future__ import annotations

import hashlib
import html
import posixpath
import re
from collections.abc import Callable
from typing import Any

import pandas as pd
import sympy as sp

from quizproof.manual.mathml import inline
from quizproof.notation import split_top_level

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


def _display(tex: str) -> str:
    return f'<div class="arithmatex">\\[{html.escape(tex, quote=False)}\\]</div>'


def display(tex: str) -> str:
    """Display math; a long formula is broken into lines, more of them on a phone."""
    return _two_widths(tex, _display, "")


# Where a long formula may break: at a top-level relation, or before a top-level + or -.
_RELATION = re.compile(r"\\(?:leq?|geq?|leftarrow|approx)(?![A-Za-z])|\+=|:=|=|<|>")
_COMMAND = re.compile(r"\\[A-Za-z]+|\\.")
_OPENS = re.compile(r"\\left(?![A-Za-z])|\\\{|[{(\[]")
_CLOSES = re.compile(r"\\right(?![A-Za-z])|\\\}|[})\]]")
_EXPECTATION = re.compile(r"(?:\\mathbb\{E\}|\bE)_(?:\{(?:[^{}]|\{[^{}]*\})*\}|\S)\s*")
# Line widths in glyphs (roughly): the wide layout, and a phone's.
WIDE_GLYPHS, NARROW_GLYPHS = 60, 24


def _glyphs(tex: str) -> int:
    """Roughly how many symbols ``tex`` shows: a command counts once, scripts and braces not."""
    tex = re.sub(r"\\(?:left|right|big|Big|,|;|!|quad|qquad)(?![A-Za-z])", "", tex)
    tex = re.sub(r"\\(?:ln|log|exp|sin|cos|min|max|mid|sim|operatorname)(?![A-Za-z])", "xx", tex)
    tex = re.sub(r"\\[A-Za-z]+", "x", tex)
    return len(re.sub(r"[\s{}_^]", "", tex))


def _pieces(tex: str) -> list[tuple[str, str]]:
    """``tex`` cut at its top level: (operator, operand) pairs, the first with no operator.

    The operator is a relation, or a binary + or - (a sign after a relation, an
    opening bracket or at the start is part of its operand).
    """
    cuts: list[tuple[int, int, str]] = []
    # After an expectation's subscript, E_{y \sim Pop} -\ln ..., a sign starts its operand.
    unary = {m.end() for m in _EXPECTATION.finditer(tex)}
    depth, norm, k, last = 0, False, 0, ""
    while k < len(tex):
        if k in unary:
            last = "op"
        if tex.startswith(r"\|", k):
            norm, k, last = not norm, k + 2, "x"
            continue
        if m := _OPENS.match(tex, k):
            depth, k, last = depth + 1, m.end(), "("
            continue
        if m := _CLOSES.match(tex, k):
            depth, k, last = depth - 1, m.end(), "x"
            continue
        if depth == 0 and not norm:  # before commands: \le and \leftarrow are relations
            if m := _RELATION.match(tex, k):
                cuts.append((k, m.end(), "rel"))
                k, last = m.end(), "rel"
                continue
            if tex[k] in "+-" and last == "x":
                cuts.append((k, k + 1, "term"))
                k, last = k + 1, "op"
                continue
        if tex[k] == "\\":
            m = _COMMAND.match(tex, k)
            k, last = m.end(), "x"
            continue
        if not tex[k].isspace():
            last = "x" if tex[k] not in "+-*/,&" else "op"
        k += 1
    if not cuts:
        return [("", tex.strip(), "")]
    ends = [a for a, _, _ in cuts[1:]] + [len(tex)]
    out = [("", tex[: cuts[0][0]].strip(), "")]
    out += [(tex[a:b], tex[b:e].strip(), kind) for (a, b, kind), e in zip(cuts, ends, strict=True)]
    return out


def _top_level_split(tex: str, command: str) -> list[str]:
    """``tex`` cut at each ``command`` outside every bracket."""
    parts, depth, start, k = [], 0, 0, 0
    while k < len(tex):
        if depth == 0 and tex.startswith(command, k) and not tex[k + len(command) :][:1].isalpha():
            parts.append(tex[start:k])
            k = start = k + len(command)
            continue
        if m := _OPENS.match(tex, k):
            depth, k = depth + 1, m.end()
        elif m := _CLOSES.match(tex, k):
            depth, k = depth - 1, m.end()
        else:
            k += 2 if tex[k] == "\\" else 1
    return [*parts, tex[start:]]


def wrapped(tex: str, width: int = WIDE_GLYPHS) -> str:
    """A long formula broken into lines of about ``width`` glyphs, else ``tex`` itself.

    A chain starts a line at each relation; a long sum continues on the next line
    before a + or -.  Only the layout changes: the symbols are the printed ones, in order.
    """
    if _glyphs(tex) <= width or any(x in tex for x in ("\\begin", "$", "&", "\\\\")):
        return tex
    equations = [e.strip().rstrip(",").strip() for e in _top_level_split(tex, r"\qquad")]
    if len(equations) > 1:  # equations side by side: one under another, each wrapped alone
        rows = [wrapped(e, width) for e in equations]
        if all(r"\begin" not in r for r in rows):
            return r"\begin{aligned} " + r" \\ ".join("& " + r for r in rows) + r" \end{aligned}"
        return tex
    pieces = _pieces(tex)
    lines: list[str] = [pieces[0][1]]
    for op, operand, kind in pieces[1:]:
        joined = f"{lines[-1]} {op} {operand}"
        if kind == "rel" or _glyphs(joined) > width:
            lines.append(rf"\quad {op} {operand}")
        else:
            lines[-1] = joined
    lines = [part for line in lines for part in _inside_brackets(line, width)]
    if len(lines) == 1:
        return tex
    return r"\begin{aligned} " + r" \\ ".join("& " + line for line in lines) + r" \end{aligned}"


_LEFT = re.compile(r"\\left\s*(?:\\\{|\\\||[(\[|.])")
_RIGHT = re.compile(r"\\right\s*(?:\\\}|\\\||[)\]|.])")


def _inside_brackets(line: str, width: int) -> list[str]:
    r"""A line still too long that ends in one ``\left ... \right`` group, broken inside it.

    The group's terms (or, for a set, its items) are packed into lines, the
    brackets kept balanced with TeX's invisible ``\right.`` and ``\left.``.
    """
    start = _LEFT.search(line)
    if _glyphs(line) <= width or start is None:
        return [line]
    depth, k, close = 0, start.start(), None
    while k < len(line):
        if m := _LEFT.match(line, k):
            depth, k = depth + 1, m.end()
        elif m := _RIGHT.match(line, k):
            depth, k = depth - 1, m.end()
            if depth == 0:
                close = m
                break
        else:
            k += 1
    if close is None or line[close.end() :].strip():
        return [line]
    inner = line[start.end() : close.start()]
    pieces = [(op, operand) for op, operand, kind in _pieces(inner) if kind != "rel"]
    if len(pieces) != len(_pieces(inner)):
        return [line]  # a relation inside the brackets: leave the line whole
    if len(pieces) == 1:  # a set or a tuple: its items, the comma kept at the line's end
        items = [i.strip() for i in split_top_level(inner, ",")]
        pieces = [("", items[0])] + [(",", i) for i in items[1:]]
    head = line[: start.end()]
    segments = [pieces[0][1]]
    for op, operand in pieces[1:]:
        joined = f"{segments[-1]}{op} {operand}" if op == "," else f"{segments[-1]} {op} {operand}"
        if _glyphs(joined) > width - 4:
            segments[-1] += "," if op == "," else ""
            segments.append(operand if op == "," else f"{op} {operand}")
        else:
            segments[-1] = joined
    if len(segments) == 1:
        return [line]
    out = [f"{head} {segments[0]} \\right."]
    out += [rf"\quad \left. {seg} \right." for seg in segments[1:-1]]
    out.append(rf"\quad \left. {segments[-1]} {close.group()}")
    return out


def _two_widths(tex: str, render: Callable[[str], str], cls: str) -> str:
    """``render`` of ``tex`` laid out for wide screens and, where that differs, for phones."""
    wide, narrow = wrapped(tex, WIDE_GLYPHS), wrapped(tex, NARROW_GLYPHS)
    if wide == narrow:
        return render(wide) if cls == "" else f'<div class="{cls}">{render(wide)}</div>'
    return (
        f'<div class="{cls} qp-wide">{render(wide)}</div>'
        f'<div class="{cls} qp-narrow">{render(narrow)}</div>'
    )


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
    return _two_widths(text, inline, "qp-answer-math") if block else inline(text)


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
