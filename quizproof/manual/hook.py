"""MkDocs hook: generate the solutions manual from ``quizzes/*.toml`` at build time.

Named in ``mkdocs.yml`` under ``hooks``.  ``on_config`` checks every quiz file and
lays out the navigation, ``on_files`` adds the generated pages and figures (and
drops the restatement sources, which are inlined into the problem pages), and
``on_page_content`` renders the math of every page to MathML.
"""

from __future__ import annotations

import importlib.util
import logging
import posixpath
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

from quizproof.manual import data, figures, pages, tables
from quizproof.manual.mathml import MathRenderError, render_math_html
from quizproof.model import QuizFileError

log = logging.getLogger("mkdocs.hooks.quizproof")

RESTATEMENTS = "restatements"
# An OpenType math font for the MathML, shipped inside a PyPI package and copied
# into the site at build time (the stylesheet loads it from here).
MATH_FONT = ("ziamath", "fonts/STIXTwoMath-Regular.ttf", "fonts/STIXTwoMath-Regular.ttf")
HOWTO = "how-to-write-a-variant.md"
_state: dict[str, Any] = {}


def _restatements(docs_dir: Path, quiz: data.QuizData) -> dict[str, str]:
    folder = docs_dir / RESTATEMENTS / quiz.slug
    return {
        p.stem.removeprefix("problem-"): p.read_text(encoding="utf-8")
        for p in sorted(folder.glob("problem-*.md"))
    }


def build_site(root: Path, docs_dir: Path) -> tuple[dict[str, str | bytes], list[Any]]:
    """Every generated file (source path -> content) and the navigation."""
    try:
        quizzes = data.collect(root / "quizzes")
    except QuizFileError as err:  # one line naming the file; the build stops
        raise PluginError(f"the manual cannot be built: {err}") from err
    out: dict[str, str | bytes] = {}
    nav: list[Any] = [{"Overview": "index.md"}]
    overview_figs = figures.overview_figures(quizzes)
    out["index.md"] = pages.overview_page(quizzes, overview_figs)
    all_figs = list(overview_figs)
    variants: list[Any] = []
    bases = {q.source: q for q in quizzes if not q.is_variant}
    for quiz in quizzes:
        if quiz.is_variant:
            base = bases.get(quiz.source)
            base_link = None
            if base is not None and any(p.number == "3" for p in base.problems):
                # a Markdown link between sources: MkDocs checks and rewrites it
                here = posixpath.dirname(pages.quiz_src(quiz))
                base_link = posixpath.relpath(pages.problem_src(base, "3"), here)
            out[pages.quiz_src(quiz)] = pages.variant_page(quiz, base_link)
            variants.append({quiz.title: pages.quiz_src(quiz)})
            continue
        texts = _restatements(docs_dir, quiz)
        quiz_figs = figures.quiz_figures(quiz)
        all_figs += quiz_figs
        out[pages.quiz_src(quiz)] = pages.quiz_page(quiz, texts, quiz_figs)
        section: list[Any] = [pages.quiz_src(quiz)]
        for problem in quiz.problems:
            figs = figures.problem_figures(quiz, problem.number)
            all_figs += figs
            src = pages.problem_src(quiz, problem.number)
            tabs = tables.problem_tables(quiz, problem.number)
            out[src] = pages.problem_page(quiz, problem, texts.get(problem.number), figs, tabs)
            section.append({pages.problem_title(texts.get(problem.number), problem.number): src})
        nav.append({quiz.title: section})
    if variants:
        nav.append({"Variants": variants})
    nav.append({"How to write a new variant": HOWTO})
    for fig in all_figs:
        out[fig.src_uri] = fig.svg
    package, inside, dest = MATH_FONT
    spec = importlib.util.find_spec(package)  # locates the package without importing it
    if spec is None or spec.origin is None:
        raise RuntimeError(
            f"the manual needs {package} for its math font: pip install -e '.[docs]'"
        )
    out[dest] = (Path(spec.origin).parent / inside).read_bytes()
    return out, nav


def on_config(config: Any) -> Any:
    root = Path(config.config_file_path).resolve().parent
    generated, nav = build_site(root, Path(config.docs_dir))
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
