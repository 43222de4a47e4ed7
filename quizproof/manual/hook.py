"""MkDocs hook: generate the solutions manual from ``quizzes/*.toml`` at build time.

Named in ``mkdocs.yml`` under ``hooks``.  ``on_config`` checks every quiz file and
lays out the navigation, ``on_files`` adds the generated pages and figures (and
drops the restatement sources, which are inlined into the problem pages), and
``on_page_content`` renders the math of every page to MathML.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

from quizproof.manual.build import build_site
from quizproof.manual.mathml import MathRenderError, render_math_html
from quizproof.model import QuizFileError

log = logging.getLogger("mkdocs.hooks.quizproof")

RESTATEMENTS = "restatements"
_state: dict[str, Any] = {}


def on_config(config: Any) -> Any:
    root = Path(config.config_file_path).resolve().parent
    try:
        generated, nav = build_site(root)
    except QuizFileError as err:  # one line naming the file; the build stops
        raise PluginError(f"the manual cannot be built: {err}") from err
    _state["generated"] = generated
    if not config.nav:
        config.nav = nav
    return config


def on_files(files: Files, config: Any) -> Files:
    for file in list(files):
        if file.src_uri.startswith(RESTATEMENTS + "/"):
            files.remove(file)
    for src_uri, content in _state.get("generated", {}).items():
        existing = files.get_file_from_path(src_uri)
        if existing is not None:
            log.warning("docs/%s is generated at build time; remove the hand-written copy", src_uri)
            files.remove(existing)
        files.append(File.generated(config, src_uri, content=content))
    return files


def on_page_content(html: str, page: Any, config: Any, files: Files) -> str:
    def report(err: MathRenderError) -> None:
        log.warning("%s: %s", page.file.src_uri, err)

    return render_math_html(html, on_error=report)
