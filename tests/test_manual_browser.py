"""The built manual, opened page by page in headless Chromium, on both site generators.

The manual is written once per session (``manual_sites`` in conftest), built by
MkDocs-material and by Zensical, served on 127.0.0.1 by a thread of
:mod:`http.server`, and every page is loaded by Debian's ``chromium`` driven by
Playwright at 390 px and 1280 px wide, light and dark.  On every page:

- no console error, no request leaving 127.0.0.1 (each is recorded from the page's
  request events, and fails at a closed proxy port instead of reaching the network),
  every image loaded;
- no horizontal page overflow;
- no element of the content column overlaps the navigation or the table of contents;
- no formula wider than its container unless the container scrolls;
- every collapsed block (``details``) is opened first, so all of this holds inside them too;
- no raw TeX, no ``NaN``, no ASCII operators (``<=``, ``||``, ``<-``) outside code;
- every figure has a caption and alt text; every refuted claim an erratum box.

Every claim of every quiz file is found on its page.  With
``QUIZPROOF_SCREENSHOTS=1`` a full-page screenshot of each page in each view is
kept under ``test-output/manual/`` (git-ignored), for reading the pages.
Without a browser the test skips with one line saying how to enable it; under CI
(``CI=true``) a missing browser is a failure.
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

from quizproof.manual.html import claim_anchor
from quizproof.model import load_quiz

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "test-output" / "manual"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
    # every request but the loopback's (which Chromium never proxies) goes to a closed
    # port and fails at once, by name or by address; the page's request events record it
    # (watching costs far less than intercepting each request)
    "--proxy-server=http://127.0.0.1:9",
]  # fmt: skip
HOW_TO_ENABLE = (
    "browser test of the manual skipped: install Debian's chromium "
    "(apt-get install chromium) and the test extra (pip install -e '.[test]') to run it"
)
# (site, width, colour scheme): every page is measured in each view; each site is seen at
# both widths and in both schemes.
VIEWS = [
    ("mkdocs", 1280, "light"), ("mkdocs", 390, "dark"),
    ("zensical", 1280, "dark"), ("zensical", 390, "light"),
]  # fmt: skip
#: Full-page screenshots of every page in every view (for reading the pages, not for the
#: assertions): QUIZPROOF_SCREENSHOTS=1 keeps them under test-output/manual/.
SCREENSHOTS = os.environ.get("QUIZPROOF_SCREENSHOTS") == "1"


def _need(ok: bool, why: str) -> None:
    if ok:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{why}; CI requires the browser test", pytrace=False)
    pytest.skip(HOW_TO_ENABLE)


def _chromium() -> str:
    path = os.environ.get("QUIZPROOF_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    _need(Path(path).is_file(), f"no chromium at {path}")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _need(False, "playwright is not installed")
    return path


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        del format, args


def _serve(folder: Path) -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# Facts of a rendered page, measured in the browser.
_PAGE_FACTS = r"""() => {
  // every collapsed block (derivations, cross-checks, notes for authors) measured open
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const article = document.querySelector('article') || document.body;
  const copy = article.cloneNode(true);
  copy.querySelectorAll('pre, code, script, style, .headerlink, math').forEach(e => e.remove());
  const text = copy.textContent;
  const visible = e => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
      return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const boxes = [...document.querySelectorAll(
      '.md-sidebar--primary .md-sidebar__scrollwrap, .md-sidebar--secondary .md-sidebar__scrollwrap')]
      .filter(visible).map(e => e.getBoundingClientRect())
      .filter(r => r.left < window.innerWidth && r.right > 0 && r.width > 100);  // panels, not
      // the small floating button some themes show for the contents on a phone
  const overlaps = [];
  for (const el of article.querySelectorAll('table, .qp-claim, .qp-answers, figure, .qp-math-display, p')) {
    if (!visible(el)) continue;
    const r = el.getBoundingClientRect();
    for (const b of boxes) {
      if (r.left < b.right - 1 && r.right > b.left + 1 && r.top < b.bottom - 1 && r.bottom > b.top + 1) {
        overlaps.push((el.className || el.tagName) + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
        break; }
    }
  }
  const scrolls = e => { for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
      const s = getComputedStyle(p).overflowX;
      if ((s === 'auto' || s === 'scroll') && p.getBoundingClientRect().width > 0) return true; }
      return false; };
  const wide = [...article.querySelectorAll('math')].filter(m => visible(m.parentElement)).filter(m => {
      const box = m.parentElement.getBoundingClientRect(); const r = m.getBoundingClientRect();
      return r.width > box.width + 1 && !scrolls(m); }).map(m => m.getAttribute('alttext'));
  return {
    overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    text, overlaps, wide,
    flatMath: [...document.querySelectorAll('math')].filter(m => {
        const r = m.getBoundingClientRect(); return visible(m.parentElement) && (r.width === 0 || r.height === 0); })
        .map(m => m.getAttribute('alttext')),
    images: [...document.images].map(i => ({src: i.getAttribute('src'), ok: i.complete && i.naturalWidth > 0})),
    figures: [...document.querySelectorAll('figure')].map(f => ({
        caption: (f.querySelector('figcaption') || {}).textContent || '',
        alt: (f.querySelector('img') || {}).alt
             || (f.querySelector('svg[aria-label]') || {getAttribute: () => ''}).getAttribute('aria-label')
             || ''})),
    claims: [...document.querySelectorAll('section.qp-claim')].map(s => ({
        id: s.id, refuted: s.classList.contains('qp-claim--refuted'),
        erratum: s.querySelector('.qp-erratum') !== null})),
  };
}"""
ASCII = ("<=", ">=", "||", "<-", "->", "NaN", "\\", "$")


def _expected_claims() -> set[tuple[str, str]]:
    """(page, anchor) of every claim of every quiz file, from the files alone."""
    out = set()
    for path in sorted((ROOT / "quizzes").glob("*.toml")):
        quiz = load_quiz(path)
        slug = path.stem.lower()
        for c in quiz.claims:
            page = (
                f"variants/{slug}.html" if quiz.is_variant else f"{slug}/problem-{c.problem}.html"
            )
            out.add((page, claim_anchor(f"{c.problem}-{c.id}")))
    return out


@pytest.mark.parametrize(("site", "width", "scheme"), VIEWS)
def test_every_page_holds_its_layout(manual_sites, site, width, scheme):
    from playwright.sync_api import sync_playwright

    chromium = _chromium()
    folder = manual_sites[site]
    if folder is None:
        pytest.skip(f"{site} is not installed")
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.html"))
    names = [n for n in names if n != "404.html"]
    shots = SHOTS / f"{site}-{width}-{scheme}"
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    problems: list[str] = []
    seen: set[tuple[str, str]] = set()
    for base in _serve(folder):
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)
            errors: list[str] = []
            outside: list[str] = []

            def watch(request, outside=outside):
                if urlparse(request.url).hostname not in ("127.0.0.1", None):  # None: data:
                    outside.append(request.url)

            page.on("request", watch)
            page.on("console", lambda m, e=errors: e.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda err, e=errors: e.append(str(err)))
            for name in names:
                errors.clear()
                outside.clear()
                response = page.goto(base + name, wait_until="load")  # local files: no waiting
                where = f"{site} {width}px {scheme} {name}:"
                if response is None or not response.ok:
                    problems.append(f"{where} HTTP {response.status if response else 'none'}")
                facts = page.evaluate(_PAGE_FACTS)
                if SCREENSHOTS:
                    page.screenshot(path=str(shots / (name.replace("/", "__")[:-5] + ".png")),
                                    full_page=True)  # fmt: skip
                problems += [f"{where} console error: {e}" for e in errors]
                problems += [f"{where} request leaves 127.0.0.1: {u}" for u in outside]
                if facts["overflow"] > 0:
                    problems.append(f"{where} the page scrolls sideways by {facts['overflow']} px")
                problems += [f"{where} overlaps the navigation: {o}" for o in facts["overlaps"]]
                problems += [f"{where} formula cut off: {m}" for m in facts["wide"]]
                problems += [f"{where} MathML not laid out: {m}" for m in facts["flatMath"]]
                problems += [f"{where} {t!r} in the text" for t in ASCII if t in facts["text"]]
                problems += [f"{where} image not loaded: {i['src']}" for i in facts["images"]
                             if not i["ok"]]  # fmt: skip
                for fig in facts["figures"]:
                    if not fig["caption"].strip() or not fig["alt"].strip():
                        problems.append(f"{where} a figure without caption or alt text")
                for claim in facts["claims"]:
                    seen.add((name, claim["id"]))
                    if claim["refuted"] and not claim["erratum"]:
                        problems.append(f"{where} refuted claim {claim['id']} has no erratum box")
            browser.close()
    missing = _expected_claims() - seen
    problems += [f"{site}: claim {a} is not on {p}" for p, a in sorted(missing)]
    (shots / "problems.txt").write_text("\n".join(problems) + "\n")  # for a reader of the shots
    assert not problems, "\n".join(problems[:60]) + f"\n({len(problems)} problems)"
