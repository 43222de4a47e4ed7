r"""TeX to MathML when the manual is written, so its math needs no script, no network and no
particular site generator.

Pages write math as ``$...$`` (inline) and ``$$...$$`` (display) in Markdown, and as
placeholders ``<span class="arithmatex">\(...\)</span>`` /
``<div class="arithmatex">\[...\]</div>`` in their raw-HTML parts.
:func:`markdown_to_mathml` replaces all of them, outside code, with presentation
MathML from :mod:`latex2mathml`, which every current browser lays out natively;
the Markdown that reaches the site generator holds no TeX at all.  A formula the converter cannot translate completely
(an unknown command survives as ``\name`` in a token) raises
:class:`MathRenderError`, so a strict build fails rather than showing raw TeX.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from functools import lru_cache

from latex2mathml.converter import convert

__all__ = ["MathRenderError", "inline", "render_math_html", "tex_to_mathml"]

_INLINE = re.compile(r'<span class="arithmatex">\\\((.*?)\\\)</span>', re.DOTALL)
_DISPLAY = re.compile(r'<div class="arithmatex">\\\[(.*?)\\\]</div>', re.DOTALL)
# A token of the output whose text still holds a backslash: TeX left as is.
_FUNCTION = re.compile(r"(<mi>(?:ln|log|exp|sin|cos|tan|det|min|max)</mi>)(?!</m)")
_LEFTOVER = re.compile(r"<(mi|mo|mtext|mn)[^>]*>[^<]*\\")


class MathRenderError(ValueError):
    """A TeX formula that cannot be rendered to MathML in full."""


@lru_cache(maxsize=4096)  # the same formulas recur on every page (symbols, the same forms)
def tex_to_mathml(tex: str, display: bool = False) -> str:
    """One formula as a ``<math>`` element (block layout when ``display``)."""
    # TeX ignores runs of blanks; HTML tools turn them into no-break spaces, which
    # would otherwise separate a control space "\ " from its backslash.
    source = re.sub(r"[\s\u00a0]+", " ", tex).strip()
    # The converter lays out align* as a table but not TeX's aligned (it would print the &).
    layout = source.replace(r"\begin{aligned}", r"\begin{align*}").replace(
        r"\end{aligned}", r"\end{align*}"
    )
    try:
        out = convert(layout, display="block" if display else "inline")
    except Exception as err:  # the converter raises a family of its own errors
        raise MathRenderError(f"cannot render TeX {source!r}: {err!r}") from err
    if _LEFTOVER.search(out):
        raise MathRenderError(f"cannot render TeX {source!r}: unknown command left in output")
    # A thin space after a function name, as TeX sets \\ln x (the converter omits it).
    out = _FUNCTION.sub(r'\1<mspace width="0.167em"></mspace>', out)
    # The compound operator += of program text, which the converter splits in two.
    out = out.replace("<mo>&#x0002B;</mo><mo>&#x0003D;</mo>", "<mo>+=</mo>")
    # A period is ordinary in TeX (x.grad, a closing full stop): no operator spacing.
    out = out.replace("<mo>&#x0002E;</mo>", '<mo lspace="0em" rspace="0em">.</mo>')
    # Keep the source for assistive technology and copy-paste.
    return out.replace("<math ", f'<math alttext="{html.escape(source, quote=True)}" ', 1)


def inline(tex: str) -> str:
    """Inline math for raw-HTML parts of a page (tables), escaped for the arithmatex pass."""
    return f'<span class="arithmatex">\\({html.escape(tex, quote=False)}\\)</span>'


def render_math_html(
    page_html: str, on_error: Callable[[MathRenderError], None] | None = None
) -> str:
    """Replace every arithmatex span and div of a rendered page by MathML.

    A formula that cannot be rendered raises, or, given ``on_error``, is reported
    to it and left as it was (the other formulas are still rendered).
    """

    def _convert(match: re.Match[str], display: bool) -> str:
        try:
            return tex_to_mathml(html.unescape(match.group(1)), display=display)
        except MathRenderError as err:
            if on_error is None:
                raise
            on_error(err)
            return match.group(0)

    def _block(match: re.Match[str]) -> str:
        return f'<div class="qp-math-display">{_convert(match, True)}</div>'

    def _inline(match: re.Match[str]) -> str:
        return _convert(match, False)

    return _INLINE.sub(_inline, _DISPLAY.sub(_block, page_html))


_FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.DOTALL | re.MULTILINE)
_CODE = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.DOTALL)
_DISPLAY_MD = re.compile(r"\$\$(.+?)\$\$", re.DOTALL)
_INLINE_MD = re.compile(r"(?<![\\$])\$(?!\s)([^$\n]+?)(?<![\s\\])\$(?!\$)")


def markdown_to_mathml(text: str, on_error: Callable[[MathRenderError], None] | None = None) -> str:
    """A Markdown page with every formula outside code (``$``, ``$$``, placeholders) as MathML."""

    def convert(tex: str, display: bool) -> str:
        try:
            out = tex_to_mathml(tex, display=display)
        except MathRenderError as err:
            if on_error is None:
                raise
            on_error(err)
            return html.escape(tex)
        if display:
            return f'\n\n<div class="qp-math-display">{out}</div>\n\n'
        # inside a span: Markdown takes a line that starts with <math> for a raw block
        return f'<span class="qp-math">{out}</span>'

    def prose(part: str) -> str:
        part = render_math_html(part, on_error)
        part = _DISPLAY_MD.sub(lambda m: convert(m.group(1), True), part)
        return _INLINE_MD.sub(lambda m: convert(m.group(1), False), part)

    def outside(pattern: re.Pattern[str], part: str, inner) -> str:
        out, last = [], 0
        for m in pattern.finditer(part):
            out.append(inner(part[last : m.start()]))
            out.append(m.group(0))
            last = m.end()
        out.append(inner(part[last:]))
        return "".join(out)

    return outside(_FENCE, text, lambda part: outside(_CODE, part, prose))
