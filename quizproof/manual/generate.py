"""The whole manual as a Markdown tree, independent of the site generator.

``quizproof manual --out DIR`` writes:

- ``DIR/docs/``: every page (overview, each quiz, each problem, each variant),
  the hand-written pages of ``docs/`` (each a navigation entry of its own), the
  figures, the stylesheet and the math font; all math already MathML;
- ``DIR/mkdocs.yml``: the project's site settings (its ``mkdocs.yml``, or the
  package's own defaults) with ``docs_dir``, ``site_dir`` and the navigation.

MkDocs-material and Zensical both build that folder as it is: nothing is left
for a plug-in or hook to do.
"""

from __future__ import annotations

import re
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

from quizproof.manual.build import build_site
from quizproof.manual.mathml import markdown_to_mathml

STYLESHEET = "stylesheets/manual.css"


def _title(markdown: str, fallback: str) -> str:
    match = re.search(r"^# (.+)$", markdown, re.MULTILINE)
    return match.group(1).strip() if match else fallback


# The settings of a project that has no mkdocs.yml of its own.
DEFAULTS: dict[str, Any] = {
    "site_name": "Solutions manual",
    "use_directory_urls": False,
    "theme": {"name": "material", "font": False},
    "markdown_extensions": [
        "admonition", "attr_list", "md_in_html", "tables", {"toc": {"permalink": True}},
        "pymdownx.details",
    ],
}  # fmt: skip


def settings(config: Path | None) -> dict[str, Any]:
    """The site settings: the project's ``mkdocs.yml`` if there is one, else the defaults."""
    import yaml  # a dependency of the docs extra

    if config is None or not config.is_file():
        return dict(DEFAULTS)
    data = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    data.pop("hooks", None)
    return data


def write_tree(
    root: Path, out: Path, config: Path | None = None, samples: int | None = None
) -> tuple[list[Any], dict[str, int]]:
    """Write the manual of ``root/quizzes`` (with the pages of ``root/docs``) under ``out``.

    Returns the navigation and how many claims got each verdict.  ``samples`` fixes the
    size of every simulation.  Raises :class:`~quizproof.manual.data.UnusableInput`,
    before writing anything, when a quiz file cannot be published.
    """
    import yaml

    generated, nav, verdicts = build_site(root, samples=samples)
    docs = out / "docs"
    if docs.exists():
        shutil.rmtree(docs)
    docs.mkdir(parents=True)
    hand = sorted((root / "docs").glob("*.md")) if (root / "docs").is_dir() else []
    for page in hand:
        text = page.read_text(encoding="utf-8")
        generated[page.name] = text
        nav.append({_title(text, page.stem.replace("-", " ")): page.name})
    css = resources.files("quizproof.manual").joinpath("assets/manual.css").read_bytes()
    generated[STYLESHEET] = css
    for src, content in generated.items():
        target = docs / src
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(markdown_to_mathml(content), encoding="utf-8")
    site = settings(config)
    site.update(docs_dir="docs", site_dir="site", nav=nav)
    extra = site.setdefault("extra_css", [])
    if STYLESHEET not in extra:
        extra.append(STYLESHEET)
    (out / "mkdocs.yml").write_text(
        "# Written by `quizproof manual`: the project's settings with this manual's pages.\n"
        + yaml.safe_dump(site, sort_keys=False, allow_unicode=True),
        encoding="utf-8",
    )
    return nav, verdicts
