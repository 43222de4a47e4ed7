"""The manual's page generators and math rendering, on a fixture of the checker's report.

The fixture has exactly the shape of ``quizproof check FILE --json`` and
``quizproof derive FILE --json``; its verdicts are made up for the layout (they
are not the toolkit's findings) so every kind of verdict and an erratum appear.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

pytest.importorskip("mkdocs", reason="the manual needs the docs extra: pip install -e '.[docs]'")

from quizproof.manual import data, pages
from quizproof.manual.mathml import MathRenderError, render_math_html, tex_to_mathml

ROOT = Path(__file__).resolve().parents[1]

FIXTURE_VERDICTS = {
    "p2b.sgd_update": "refuted",
    "p1e.vae": "undecided",
    "p2a.straight_through": "unsupported",
}

VARIANT_TOML = """\
[quiz]
title = "Quiz 4, variant: a2 advances with probability p"
source = "TTIC 31230 Fundamentals of Deep Learning"

[race]
advance_prob_a2 = 'p'

[[claims]]
id = "p3b.V"
part = "3(b)"
answer = '-(t + (N - i)/\\lambda)'
"""


def fixture_check(path: Path) -> dict:
    """A report of the contract's shape for a quiz file (made-up verdicts)."""
    with Path(path).open("rb") as fh:
        doc = tomllib.load(fh)
    claims = []
    for c in doc["claims"]:
        verdict = FIXTURE_VERDICTS.get(c["id"], "verified")
        if "race" in doc:
            verdict = "refuted"
        claims.append(
            {
                "id": c["id"],
                "part": c["part"],
                "answer": c["answer"],
                "verdict": verdict,
                "expected": None if verdict == "unsupported" else r"\frac{1}{\lambda} - 1",
                "evidence": "simplify(printed - derived) = 0 under lambda in (0, 1)",
                "counterexample": (
                    {
                        "point": {"lambda": r"\frac{1}{2}", "N": "3", "i": "0", "t": "0"},
                        "claimed": "0",
                        "derived": r"\frac{1}{2}",
                    }
                    if verdict == "refuted"
                    else None
                ),
                "message": f"{c['part']} is {verdict}; the derived form is $x + 1$.",
                "steps": [
                    {"text": "Bellman equation for $V$", "latex": r"V(i, t) = \lambda V(i+1, t+1)"},
                    {"text": "Solve the recurrence", "latex": r"V = -\frac{N - i}{\lambda} - t"},
                ],
                "slip": "The old embedding $e(k)$ was dropped from the update."
                if verdict == "refuted"
                else None,
            }
        )
    return {
        "quiz": doc["quiz"]["title"],
        "source": doc["quiz"]["source"],
        "file": str(path),
        "claims": claims,
    }


def fixture_derive(path: Path) -> dict:
    report = fixture_check(path)
    return {
        "quiz": report["quiz"],
        "forms": [
            {"id": c["id"], "latex": r"-t - \frac{N - i}{\lambda}", "srepr": "..."}
            for c in report["claims"]
        ],
    }


def fixture_simulate(path: Path) -> dict:
    """A report of the shape of ``quizproof simulate FILE --json`` (made-up numbers)."""
    report = fixture_check(path)
    return {
        "quiz": report["quiz"],
        "seed": 7,
        "checks": [
            {
                "id": c["id"],
                "answer": c["answer"],
                "estimate": -15.98,
                "stderr": 0.021,
                "claimed": -16.0,
                "z": 0.95,
                "passed": c["verdict"] != "refuted",
                "points": [
                    {
                        "point": {"N": "3", "lambda": "1/2", "i": "0", "t": "0"},
                        "estimate": -15.98,
                        "stderr": 0.021,
                        "claimed": -16.0,
                        "z": 0.95,
                        "passed": c["verdict"] != "refuted",
                        "episodes": 250000,
                    }
                ],
            }
            for c in report["claims"]
            if c["id"].startswith("p3")
        ],
    }


def use_fixture(monkeypatch: pytest.MonkeyPatch, simulate: bool = False) -> None:
    monkeypatch.setattr(data, "check_quiz", fixture_check)
    monkeypatch.setattr(data, "derive_quiz", fixture_derive)
    monkeypatch.setattr(data, "simulate_quiz", fixture_simulate if simulate else None)


@pytest.fixture
def quizzes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[data.QuizData]:
    use_fixture(monkeypatch)
    folder = tmp_path / "quizzes"
    folder.mkdir()
    (folder / "quiz4.toml").write_bytes((ROOT / "quizzes" / "quiz4.toml").read_bytes())
    (folder / "quiz4-slow-a2.toml").write_text(VARIANT_TOML, encoding="utf-8")
    return data.collect(folder)


def test_collect_orders_base_quiz_before_variant(quizzes):
    assert [q.is_variant for q in quizzes] == [False, True]
    assert quizzes[1].race == {"advance_prob_a2": "p"}
    assert [p.number for p in quizzes[0].problems] == ["1", "2", "3"]


def test_problem_page_has_every_claim_badge_and_erratum(quizzes):
    quiz = quizzes[0]
    problem = next(p for p in quiz.problems if p.number == "2")
    md = pages.problem_page(quiz, problem, "# Problem 2: Title\n\nText $x$.", [])
    for claim in problem.claims:
        assert f'id="{pages.claim_anchor(claim.id)}"' in md
    assert md.count('class="qp-badge qp-badge--refuted"') == 1 + 1  # counts line + claim
    assert "qp-erratum" in md
    assert "Likely slip." in md
    assert "cross-check not available" in md
    assert md.startswith("# Problem 2: Title")


def test_counterexample_names_symbols_in_tex(quizzes):
    claim = next(c for c in quizzes[0].claims if c.get("verdict") == "refuted")
    html = pages.counterexample_html(claim)
    assert r"\lambda = \frac{1}{2}" in html


def test_links_are_relative_between_pages():
    assert pages.href("index.md", "quiz4/problem-3.md", "claim-x") == "quiz4/problem-3.html#claim-x"
    assert pages.href("quiz4/problem-1.md", "figures/a.svg") == "../figures/a.svg"
    assert pages.href("variants/v.md", "quiz4/problem-3.md") == "../quiz4/problem-3.html"


def test_math_becomes_mathml_without_tex_left():
    page = (
        '<p><span class="arithmatex">\\(\\frac{1}{\\lambda} - 1\\)</span></p>'
        '<div class="arithmatex">\\[V(i, t) &lt; 0\\]</div>'
    )
    out = render_math_html(page)
    assert "arithmatex" not in out
    assert out.count("<math ") == 2
    assert "<mfrac>" in out
    assert "&lt;" in out or "&#x0003C;" in out


def test_unknown_tex_command_is_an_error_not_raw_output():
    with pytest.raises(MathRenderError, match="notacommand"):
        tex_to_mathml(r"\notacommand{x}")
    errors: list[MathRenderError] = []
    out = render_math_html('<span class="arithmatex">\\(\\notacommand\\)</span>', errors.append)
    assert len(errors) == 1
    assert "notacommand" in out


def test_blank_runs_do_not_break_a_control_space():
    out = render_math_html(
        '<span class="arithmatex">\\(\\left( i, \\&nbsp;&nbsp;t\\right)\\)</span>'
    )
    assert "\\" not in out.split(">", 1)[1]  # nothing after the alttext attribute


def test_every_printed_answer_of_quiz4_renders_to_mathml():
    with (ROOT / "quizzes" / "quiz4.toml").open("rb") as fh:
        claims = tomllib.load(fh)["claims"]
    for claim in claims:
        html = pages.answer(claim["answer"])
        if "arithmatex" in html:
            out = render_math_html(html)
            assert "<math " in out
            assert not re.search(r">\\[A-Za-z]", out), claim["id"]


def build_site(
    project: Path, site_dir: Path, quiz_files: dict[str, str] | None = None
) -> list[data.QuizData]:
    """Build the manual with ``mkdocs build --strict`` semantics into ``site_dir``.

    With ``quiz_files`` the build runs on a copy of the project whose ``quizzes/``
    holds just those files; without, it builds the repository itself.  Returns
    the quizzes the site was built from.
    """
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    config_file = ROOT / "mkdocs.yml"
    if quiz_files is not None:
        project.mkdir(parents=True, exist_ok=True)
        hook = str(ROOT / "quizproof" / "manual" / "hook.py")
        text = config_file.read_text(encoding="utf-8").replace("quizproof/manual/hook.py", hook)
        config_file = project / "mkdocs.yml"
        config_file.write_text(text, encoding="utf-8")
        (project / "docs").symlink_to(ROOT / "docs", target_is_directory=True)
        (project / "quizzes").mkdir()
        for name, body in quiz_files.items():
            (project / "quizzes" / name).write_text(body, encoding="utf-8")
    config = load_config(str(config_file), site_dir=str(site_dir), strict=True)
    build(config)  # raises mkdocs.exceptions.Abort on any warning in strict mode
    return data.collect(config_file.parent / "quizzes")


def fixture_quiz_files() -> dict[str, str]:
    return {
        "quiz4.toml": (ROOT / "quizzes" / "quiz4.toml").read_text(encoding="utf-8"),
        "quiz4-slow-a2.toml": VARIANT_TOML,
    }


def test_site_builds_strict_with_every_claim_and_no_tex_left(tmp_path, monkeypatch):
    use_fixture(monkeypatch, simulate=True)
    quizzes = build_site(tmp_path / "project", tmp_path / "site", fixture_quiz_files())
    site = tmp_path / "site"
    html = {
        p.relative_to(site).as_posix(): p.read_text(encoding="utf-8") for p in site.rglob("*.html")
    }
    expected = {"index.html", "how-to-write-a-variant.html", "variants/quiz4-slow-a2.html"}
    expected |= {"quiz4/index.html"} | {f"quiz4/problem-{n}.html" for n in "123"}
    assert expected <= set(html)
    everything = "".join(html.values())
    assert 'class="arithmatex"' not in everything
    for quiz in quizzes:
        for claim in quiz.claims:
            assert f'id="{pages.claim_anchor(claim.id)}"' in everything, claim.id
    assert "qp-erratum" in html["quiz4/problem-2.html"]
    # the simulation's numbers where it has them, and a plain note where it has none
    assert html["quiz4/problem-3.html"].count('class="dataframe qp-table qp-cross"') >= 10
    assert "<td>0.021</td>" in html["quiz4/problem-3.html"]
    assert "seed 7" in html["quiz4/problem-3.html"]
    assert "<td>250,000</td>" in html["quiz4/problem-3.html"]
    assert "no simulation of this claim" in html["quiz4/problem-1.html"]
    assert (site / "figures" / "overview-verdicts.svg").read_bytes().startswith(b"<?xml")


def test_variance_ratio_table_evaluates_the_derived_form_exactly(quizzes):
    import sympy as sp

    from derivations.core import Derivation
    from quizproof.manual import tables

    quiz = quizzes[0]
    n, lam = sp.Symbol("N", positive=True, integer=True), sp.Symbol("lambda", positive=True)
    quiz.derived["p3d.var_ratio"] = Derivation("p3d.var_ratio", n / lam)
    table = tables.variance_ratio_table(quiz)
    assert table is not None
    cells = re.findall(r"<td>([^<]*)</td>", table.html)
    # the row N = 2: 2 / lambda over the grid 1/10, 1/4, 1/2, 3/4, 9/10
    assert cells[6:12] == ["2", "20", "8", "4", "2.67", "2.22"]
    quiz.derived["p3d.var_ratio"] = Derivation("p3d.var_ratio", sp.nan)
    assert tables.variance_ratio_table(quiz) is None


def test_the_how_to_pages_example_variant_is_verified(tmp_path):
    """The how-to's TOML snippets, put together, make a variant whose answer checks out."""
    from quizproof.checker import check_quiz

    text = (ROOT / "docs" / "how-to-write-a-variant.md").read_text(encoding="utf-8")
    snippets = re.findall(r"```toml\n(.*?)```", text, re.DOTALL)
    assert len(snippets) == 4  # [quiz], [race], [race.assume], [[claims]]
    path = tmp_path / "quiz4-slow-a2.toml"
    path.write_text("\n".join(snippets), encoding="utf-8")
    report = check_quiz(path)
    assert [c["verdict"] for c in report["claims"]] == ["verified"]


def test_tex_outside_dollars_in_report_sentences_is_rendered_too():
    html = render_math_html(pages.prose(r"a_1 advances with probability \frac{1}{2}; see $V$."))
    assert html.count("<math ") == 3
    text = re.sub(r"<math .*?</math>", "", html)
    assert "\\" not in text
    assert pages.prose("the id 'p2a.straight_through' and reward_to_go") == (
        "the id &#x27;p2a.straight_through&#x27; and reward_to_go"
    )


def test_points_name_words_as_words_and_symbols_as_math():
    tex = pages.point_tex({"lambda": r"\frac{1}{2}", "true_models": "false", "x_Psi": "0"})
    assert tex == r"\lambda = \frac{1}{2},\; \text{true models} = \text{false},\; x_{\Psi} = 0"
    html = pages.prose(r"the encoder P_\Psi(z|y) and a_1")
    assert r"\(P_\Psi\)" in html
    assert r"\(a_1\)" in html
