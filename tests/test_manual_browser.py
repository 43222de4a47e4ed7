"""The built manual, opened page by page in headless Chromium.

The site is built into a temporary folder, served on 127.0.0.1 by a thread of
:mod:`http.server`, and every page is loaded by Debian's ``chromium`` driven by
Playwright.  Each page must load with no console error and no request leaving
127.0.0.1, show no raw TeX, lay out its MathML, load its figures, and give every
refuted claim an erratum box.  One full-page screenshot per page is kept under
``test-output/manual/`` (git-ignored).

Without a browser the test skips with one line saying how to enable it; under
CI (``CI=true``) a missing browser is a failure.
"""

from __future__ import annotations

import functools
import os
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

import pytest

from quizproof.manual import html, pages

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "test-output" / "manual"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HOW_TO_ENABLE = (
    "browser test of the manual skipped: install Debian's chromium "
    "(apt-get install chromium) and the test extra (pip install -e '.[test]') to run it"
)


def _need(ok: bool, why: str) -> None:
    if ok:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{why}; CI requires the browser test", pytrace=False)
    pytest.skip(HOW_TO_ENABLE)


def _chromium() -> str:
    path = os.environ.get("QUIZPROOF_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    _need(Path(path).is_file(), f"no chromium at {path}")
    return path


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        del format, args


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, list]]:
    """The manual built and served on 127.0.0.1: (base URL, site folder, quizzes)."""
    chromium = _chromium()
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _need(False, "playwright is not installed")
    try:  # tests/ is on sys.path (pytest's default) or is a package
        import test_manual
    except ImportError:
        from tests import test_manual

    tmp = tmp_path_factory.mktemp("manual")
    # The repository's quiz files, checked for real, plus a variant of the test's own
    # so that a variant page is opened even before the repository ships one.
    files = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "quizzes").glob("*.toml")}
    files.setdefault("test-variant.toml", test_manual.VARIANT_TOML)
    quizzes = test_manual.build_site(tmp / "project", tmp / "site", files)
    handler = functools.partial(_Quiet, directory=str(tmp / "site"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", tmp / "site", quizzes, chromium
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# Text of a page outside code blocks; TeX left unrendered shows up as a backslash
# command or a math delimiter there.
_VISIBLE_TEXT = """() => {
  const root = document.querySelector('article') || document.body;
  const copy = root.cloneNode(true);
  copy.querySelectorAll('pre, code, script, style, .headerlink').forEach(e => e.remove());
  return copy.textContent;
}"""
_PAGE_FACTS = """() => ({
  arithmatex: document.querySelectorAll('.arithmatex').length,
  math: document.querySelectorAll('math').length,
  flatMath: [...document.querySelectorAll('math')]
      .filter(m => { const r = m.getBoundingClientRect(); return r.width === 0 || r.height === 0; })
      .map(m => m.getAttribute('alttext')),
  images: [...document.images].map(i => ({src: i.getAttribute('src'),
                                          ok: i.complete && i.naturalWidth > 0})),
  figures: document.querySelectorAll('figure.qp-figure img').length,
  claims: [...document.querySelectorAll('section.qp-claim')].map(s => ({
      id: s.id,
      refuted: s.classList.contains('qp-claim--refuted'),
      derived: s.classList.contains('qp-claim--verified') || s.classList.contains('qp-claim--refuted'),
      erratum: s.querySelector('.qp-erratum') !== null,
      badge: s.querySelector('.qp-badge') !== null,
      steps: s.querySelector('.qp-steps') !== null,
      crosscheck: s.querySelector('.qp-crosscheck') !== null})),
})"""
_RAW_TEX = ("\\", "$")  # any backslash or dollar outside code is TeX left unrendered


def test_every_page_renders_in_chromium(served):
    from playwright.sync_api import sync_playwright

    base, site, quizzes, chromium = served
    names = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("*.png"):
        old.unlink()
    problems: list[str] = []
    seen_claims: set[tuple[str, str]] = set()
    figures = 0
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        outside: list[str] = []

        def route(r):
            if urlparse(r.request.url).hostname == "127.0.0.1":
                r.continue_()
            else:
                outside.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("requestfailed", lambda r: errors.append(f"failed request {r.url}"))
        for name in names:
            errors.clear()
            outside.clear()
            response = page.goto(base + name, wait_until="networkidle")
            where = f"{name}:"
            if response is None or not response.ok:
                problems.append(f"{where} HTTP {response.status if response else 'none'}")
            text = page.evaluate(_VISIBLE_TEXT)
            facts = page.evaluate(_PAGE_FACTS)
            page.screenshot(
                path=str(SHOTS / (name.replace("/", "__")[:-5] + ".png")), full_page=True
            )
            problems += [f"{where} console error: {e}" for e in errors]
            problems += [f"{where} request leaves 127.0.0.1: {u}" for u in outside]
            problems += [f"{where} raw TeX {t!r} in the text" for t in _RAW_TEX if t in text]
            if facts["arithmatex"]:
                problems.append(f"{where} {facts['arithmatex']} formulas left unrendered")
            problems += [f"{where} MathML not laid out: {m}" for m in facts["flatMath"]]
            problems += [
                f"{where} image not loaded: {i['src']}" for i in facts["images"] if not i["ok"]
            ]
            figures += facts["figures"]
            for claim in facts["claims"]:
                seen_claims.add((name, claim["id"]))
                if claim["refuted"] and not claim["erratum"]:
                    problems.append(f"{where} refuted claim {claim['id']} has no erratum box")
                if not (claim["badge"] and claim["crosscheck"]):
                    problems.append(f"{where} claim {claim['id']} lacks its badge or cross-check")
                if claim["derived"] and not claim["steps"]:
                    problems.append(f"{where} decided claim {claim['id']} shows no derivation")
        browser.close()
    for quiz in quizzes:  # every claim of every quiz file is on its page, with its verdict
        for claim in quiz.claims:
            page_name = pages.problem_src(quiz, claim.problem)[:-3] + ".html"
            if (page_name, html.claim_anchor(claim.key)) not in seen_claims:
                problems.append(f"{quiz.path.name}: claim {claim.id} is not on {page_name}")
    if figures < 1 + sum(not q.is_variant for q in quizzes):
        problems.append(f"only {figures} figures in the whole site")
    assert not problems, "\n".join(problems)
