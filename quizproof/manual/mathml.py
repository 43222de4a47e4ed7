r"""TeX to MathML at build time, so the manual's math needs no script and no network.

Markdown pages write math as ``$...$`` (inline) and ``$$...$$`` (display);
``pymdownx.arithmatex`` in generic mode protects it from Markdown and leaves it
as ``<span class="arithmatex">\(...\)</span>`` or
``<div class="arithmatex">\[...\]</div>``.  :func:`render_math_html` replaces each
of those with presentation MathML from :mod:`latex2mathml`, which every current
browser lays out natively.  A formula the converter cannot translate completely
(an unknown command survives as ``\name`` in a token) raises
:class:`MathRenderError`, so a strict build fails rather than showing raw TeX.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from latex2mathml.converter import convert

__all__ = ["MathRenderError", "inline", "render_math_html", "tex_to_mathml"]

_INLINE = re.compile(r'<span class="arithmatex">\\\((.*?)\\\)</span>', re.DOTALL)
_DISPLAY = re.compile(r'<div class="arithmatex">\\\[(.*?)\\\]</div>', re.DOTALL)
# A token of the output whose text still holds a backslash: TeX left as is.
_FUNCTION = re.compile(r"(<mi>(?:ln|log|exp|sin|cos|tan|det|min|max)</mi>)(?!</m)")
_LEFTOVER = re.compile(r"<(mi|mo|mtext|mn)[^>]*>[^<]*\\")


class MathRenderError(ValueError):
    """A TeX formula that cannot be rendered to MathML in full."""


def tex_to_mathml(tex: str, display: bool = False) -> str:
    """One formula as a ``<math>`` element (block layout when ``display``)."""
    # TeX ignores runs of blanks; HTML tools turn them into no-break spaces, which
    # would otherwise separate a control space "\ " from its backslash.
    source = re.sub(r"[\s\u00a0]+", " ", tex).strip()
    try:
        out = convert(source, display="block" if display else "inline")
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
