"""The manual's page generators and math rendering, on real reports of small quiz files."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

pytest.importorskip("mkdocs", reason="the manual needs the docs extra: pip install -e '.[docs]'")

from quizproof.manual import build, claims, data, html, pages
from quizproof.manual.mathml import MathRenderError, render_math_html, tex_to_mathml

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = 3000  # small simulations: the pages' layout, not the statistics, is tested here

QUIZ_TOML = r"""
[quiz]
title = "A small quiz"
source = "TTIC 31230 Fundamentals of Deep Learning"

[[claims]]
id = "p2b.sgd_update"
part = "2(b)"
answer = 'e(\text{nearest}_E(x_\Psi(y))) \leftarrow 2\eta(x_\Psi(y) - e(\text{nearest}_E(x_\Psi(y))))'

[[claims]]
id = "p2c.rolling_average"
part = "2(c)"
answer = 'e(k) = (1 - 2\eta)e(k) + 2\eta x_\Psi(y)'

[[claims]]
id = "p3c.A.a1"
part = "3(c)"
answer = 'A^\pi((i, t), a_1) = 1'

[[claims]]
id = "p3b.V"
part = "3(b)"
answer = '-(t + (N - i)/\lambda)'
"""

VARIANT_TOML = r"""
[quiz]
title = "Quiz 4, variant: a2 advances with probability p"
source = "TTIC 31230 Fundamentals of Deep Learning"

[race]
advance_prob_a2 = 'p'

[[claims]]
id = "p3b.V"
part = "3(b)"
answer = '-(t + (N - i)/\lambda)'
"""


def quiz_files() -> dict[str, str]:
    return {"small.toml": QUIZ_TOML, "small-slow-a2.toml": VARIANT_TOML}


@pytest.fixture(scope="module")
def quizzes(tmp_path_factory: pytest.TempPathFactory) -> list[data.QuizData]:
    folder = tmp_path_factory.mktemp("manual") / "quizzes"
    folder.mkdir()
    for name, body in quiz_files().items():
        (folder / name).write_text(body, encoding="utf-8")
    return data.collect(folder, samples=SAMPLES)


def test_collect_orders_base_quiz_before_variant(quizzes):
    assert [q.is_variant for q in quizzes] == [False, True]
    assert quizzes[1].quiz.problems[0].table == {"advance_prob_a2": "p"}
    assert [p.number for p in quizzes[0].problems] == ["2", "3"]


def test_problem_page_has_every_claim_badge_and_erratum(quizzes):
    quiz = quizzes[0]
    problem = next(p for p in quiz.problems if p.number == "2")
    md = pages.problem_page(quiz, problem, [])
    for claim in problem.claims:
        assert f'id="{html.claim_anchor(claim.key)}"' in md
    assert md.count('class="qp-badge qp-badge--refuted"') == 1 + 1  # counts line + claim
    assert "qp-erratum" in md
    assert "Likely slip." in md
    assert md.startswith("# Problem 2: Training vector quantization")
    assert "Restated from TTIC 31230" in md


def test_counterexample_names_symbols_in_tex(quizzes):
    claim = next(c for c in quizzes[0].claims if c.id == "p3c.A.a1")
    assert claim.get("verdict") == "refuted"
    assert r"\lambda = " in claims.counterexample_html(claim)


def test_variant_page_shows_its_rules_and_links_its_original(quizzes):
    base, variant = quizzes
    links = build.base_links(variant, [base])
    assert links == {"3": "../small/problem-3.md"}
    md = pages.variant_page(variant, links)
    assert "## The rules" in md
    assert "[its own page](../small/problem-3.md)" in md
    assert "Derived answers" in md


def test_links_are_relative_between_pages():
    assert html.href("index.md", "quiz4/problem-3.md", "claim-x") == "quiz4/problem-3.html#claim-x"
    assert html.href("quiz4/problem-1.md", "figures/a.svg") == "../figures/a.svg"
    assert html.href("variants/v.md", "quiz4/problem-3.md") == "../quiz4/problem-3.html"


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
        shown = html.answer(claim["answer"])
        if "arithmatex" in shown:
            out = render_math_html(shown)
            assert "<math " in out
            assert not re.search(r">\\[A-Za-z]", out), claim["id"]


def test_the_tree_is_generator_independent_markdown_with_mathml(manual_sites):
    tree = manual_sites["tree"]
    pages_md = {p.relative_to(tree / "docs").as_posix(): p.read_text() for p in tree.rglob("*.md")}
    assert {"index.md", "quiz4/index.md", "how-to-write-a-variant.md"} <= set(pages_md)
    assert {f"quiz4/problem-{n}.md" for n in "123"} <= set(pages_md)
    for name, text in pages_md.items():
        outside_code = re.sub(r"```.*?```|`[^`]*`", "", text, flags=re.DOTALL)
        assert "arithmatex" not in outside_code, name
        assert not re.search(r"(?<!\\)\$[^$\s]", outside_code), f"TeX left in {name}"
    assert "<math " in pages_md["quiz4/problem-3.md"]
    config = (tree / "mkdocs.yml").read_text()
    assert "hooks" not in config
    assert "nav:" in config


def test_both_generators_build_the_same_pages(manual_sites):
    if manual_sites["zensical"] is None:
        pytest.skip("zensical is not installed: pip install -e '.[docs]'")
    names = {
        site: {
            p.relative_to(manual_sites[site]).as_posix() for p in manual_sites[site].rglob("*.html")
        }
        for site in ("mkdocs", "zensical")
    }
    assert {n for n in names["mkdocs"] if n != "404.html"} <= names["zensical"]
    problem3 = (manual_sites["zensical"] / "quiz4" / "problem-3.html").read_text()
    assert "qp-erratum" not in problem3
    assert "<math" in problem3


def test_variance_ratio_table_evaluates_the_derived_form_exactly(quizzes):
    import sympy as sp

    from derivations.core import Derivation
    from quizproof.families.race import manual

    view = quizzes[0].views["3"]
    n, lam = sp.Symbol("N", positive=True, integer=True), sp.Symbol("lambda", positive=True)
    view.derived["var_ratio"] = Derivation("var_ratio", n / lam)
    table = manual.variance_ratio_table(view)
    assert table is not None
    cells = re.findall(r"<td>([^<]*)</td>", table.html)
    # the row N = 2: 2 / lambda over the grid 1/10, 1/4, 1/2, 3/4, 9/10
    assert cells[6:12] == ["2", "20", "8", "4", "2.67", "2.22"]
    view.derived["var_ratio"] = Derivation("var_ratio", sp.nan)
    assert manual.variance_ratio_table(view) is None


def _how_to_sections() -> dict[str, str]:
    """The how-to page cut at its numbered sections 6 and 7 (the race's are 1 to 5)."""
    text = (ROOT / "docs" / "how-to-write-a-variant.md").read_text(encoding="utf-8")
    race, rest = text.split("\n## 6.", 1)
    vq, entropy = rest.split("\n## 7.", 1)
    return {"race": race, "vq": vq, "entropy": entropy}


def _snippets(text: str) -> list[str]:
    return re.findall(r"```toml\n(.*?)```", text, re.DOTALL)


def test_the_how_to_pages_example_variant_is_verified(tmp_path):
    """The how-to's race walkthrough (its [quiz], first [race] and [race.assume] snippets
    and every [[claims]] snippet), put together, makes a variant whose answers check out;
    every other [race] snippet, one per key, is a table the toolkit accepts."""
    from quizproof.checker import check_quiz
    from quizproof.families.race.variants import prepare

    snippets = _snippets(_how_to_sections()["race"])
    kinds = {h: [s for s in snippets if s.startswith(h + "\n")] for h in
             ("[quiz]", "[race]", "[race.assume]", "[[claims]]")}  # fmt: skip
    assert sum(map(len, kinds.values())) == len(snippets)
    assert len(kinds["[quiz]"]) == len(kinds["[race.assume]"]) == 1
    assert len(kinds["[race]"]) == 4  # the walkthrough's, reward, discount, goal
    path = tmp_path / "quiz4-slow-a2.toml"
    walkthrough = [kinds["[quiz]"][0], kinds["[race]"][0], kinds["[race.assume]"][0]]
    path.write_text("\n".join(walkthrough + kinds["[[claims]]"]), encoding="utf-8")
    report = check_quiz(path)
    assert len(report["claims"]) >= 6
    assert {c["verdict"] for c in report["claims"]} == {"verified"}
    for table in kinds["[race]"][1:]:
        prepare(tomllib.loads(table)["race"])  # a bad key or value raises FamilyError


@pytest.mark.parametrize("section", ["vq", "entropy"])
def test_the_how_to_pages_other_tables_make_verified_files(tmp_path, section):
    """Each other table's snippets: the pieces put together, and the whole listed file."""
    from quizproof.checker import check_quiz

    snippets = _snippets(_how_to_sections()[section])
    pieces = [s for s in snippets if "[problems." not in s]
    whole = [s for s in snippets if "[problems." in s]
    assert len(pieces) == 3
    assert len(whole) == 1
    for n, body in enumerate(["\n".join(pieces), whole[0]]):
        path = tmp_path / f"{section}-{n}.toml"
        path.write_text(body, encoding="utf-8")
        assert [c["verdict"] for c in check_quiz(path)["claims"]] == ["verified"]


def test_tex_outside_dollars_in_report_sentences_is_rendered_too():
    out = render_math_html(html.prose(r"a_1 advances with probability \frac{1}{2}; see $V$."))
    assert out.count("<math ") == 3
    text = re.sub(r"<math .*?</math>", "", out)
    assert "\\" not in text
    assert html.prose("the id 'p2a.straight_through' and reward_to_go") == (
        "the id &#x27;p2a.straight_through&#x27; and reward_to_go"
    )


def test_points_name_words_as_words_and_symbols_as_math():
    tex = html.point_tex({"lambda": r"\frac{1}{2}", "true_models": "false", "x_Psi": "0"})
    assert tex == r"\lambda = \frac{1}{2},\; \text{true models} = \text{false},\; x_{\Psi} = 0"
    out = html.prose(r"the encoder P_\Psi(z|y) and a_1")
    assert r"\(P_\Psi\)" in out
    assert r"\(a_1\)" in out


# -- long formulas: broken into lines, never rewritten --------------------------------------

_LAYOUT = re.compile(r"\\begin\{aligned\}|\\end\{aligned\}|\\\\|&|\\quad|\\right\.|\\left\.|\s")


def _symbols(tex: str) -> str:
    return _LAYOUT.sub("", tex)


def _printed_answers() -> list[str]:
    quiz = tomllib.loads(Path("quizzes/quiz4.toml").read_text())
    out = []
    for claim in quiz["claims"]:
        for text in (claim.get("printed"), claim.get("answer")):
            if isinstance(text, str):
                out += [p for k, p in enumerate(text.split("$$")) if "$" not in text or k % 2]
    return out


@pytest.mark.parametrize("width", [html.WIDE_GLYPHS, html.NARROW_GLYPHS, 12])
def test_a_wrapped_answer_keeps_every_symbol_in_order(width):
    wrapped_some = 0
    for tex in _printed_answers():
        out = html.wrapped(tex, width)
        assert _symbols(out) == _symbols(tex)
        wrapped_some += out != tex
        tex_to_mathml(out, display=True)  # and it still renders
    assert wrapped_some  # 1(a) and 1(c) are long enough at every width


def test_a_chain_breaks_at_its_relations_and_a_bracket_only_with_balanced_fences():
    chain = r"Q^\pi((i,t),a_1) = V^\pi(i,t+1) = -\left(t + 1 + \frac{N - i}{\lambda}\right)"
    out = html.wrapped(chain, 12)
    rows = out.removeprefix(r"\begin{aligned} ").removesuffix(r" \end{aligned}").split(r" \\ ")
    assert rows == [
        r"& Q^\pi((i,t),a_1)",
        r"& \quad = V^\pi(i,t+1)",
        r"& \quad = -\left( t + 1 \right.",  # TeX's invisible fences keep each line balanced
        r"& \quad \left. + \frac{N - i}{\lambda} \right)",
    ]
    assert html.wrapped(chain, html.WIDE_GLYPHS) == chain  # short enough: untouched
    # the minus after an expectation's subscript belongs to its operand
    expectation = r"E_{y \sim \text{Pop}} -\ln \text{Pop}(y) + \ln P_\Psi(z|y) - \ln P_\Phi(z)"
    first = html.wrapped(expectation, 10).split(r" \\ ")[0]
    assert first.endswith(r"E_{y \sim \text{Pop}} -\ln \text{Pop}(y)")
    assert html.wrapped("a + b", 10) == "a + b"  # short: untouched


def test_aligned_equations_become_a_table_not_ampersands():
    out = tex_to_mathml(r"\begin{aligned} H(y) &= a \\ H(z) &= b \end{aligned}", display=True)
    assert "<mtable" in out
    assert out.count("<mtr>") == 2
    assert "<mi>&amp;</mi>" not in out
    assert "<mi>&</mi>" not in out


def test_a_step_showing_objects_prints_a_list_not_a_python_tuple():
    import sympy as sp

    from derivations.core import Step
    from quizproof.printing import step_latex

    lam, u = sp.symbols("lambda u", positive=True)
    one = step_latex(Step("", sp.Tuple(sp.Eq(lam, 1 / (u + 1)))))
    assert one == r"\lambda = \frac{1}{u + 1}"
    several = step_latex(Step("", sp.Tuple(sp.Symbol("a"), sp.Symbol("b"))))
    assert several == r"a, \quad b"


def test_equations_side_by_side_stack_rather_than_break_inside_each_other():
    pair = r"\alpha(i) = \alpha(i + 1), \qquad \beta(i) = \beta(i + 1) + \frac{\alpha(i + 1)}{q}"
    out = html.wrapped(pair, html.NARROW_GLYPHS)
    assert out == (
        r"\begin{aligned} & \alpha(i) = \alpha(i + 1) \\ "
        r"& \beta(i) = \beta(i + 1) + \frac{\alpha(i + 1)}{q} \end{aligned}"
    )


def test_the_manual_command_stops_on_an_unusable_file_and_writes_nothing(tmp_path):
    """`quizproof manual` checks as `check` does: a claim it cannot read stops the manual with
    exit status 2 and one line naming the file and the claim, and no page is written; a
    usable folder gives the verdicts' tally and the tree."""
    from conftest import run_cli

    root = tmp_path / "course"
    (root / "quizzes").mkdir(parents=True)
    (root / "quizzes" / "small.toml").write_text(QUIZ_TOML, encoding="utf-8")
    bad = QUIZ_TOML.replace(r"A^\pi((i, t), a_1) = 1", r"A^\pi((i, t), a_1) = \frac{1}{")
    (root / "quizzes" / "bad.toml").write_text(bad, encoding="utf-8")
    out = tmp_path / "tree"
    result = run_cli("manual", "--root", str(root), "--config", str(ROOT / "mkdocs.yml"),
                     "--out", str(out), "--samples", "2000")  # fmt: skip
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "bad.toml" in lines[0]
    assert "p3c.A.a1" in lines[0]
    assert "Traceback" not in result.stderr
    assert not out.exists()

    (root / "quizzes" / "bad.toml").unlink()
    result = run_cli("manual", "--root", str(root), "--config", str(ROOT / "mkdocs.yml"),
                     "--out", str(out), "--samples", "2000")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "4 claims: 2 verified, 2 refuted" in result.stdout
    assert (out / "docs" / "small" / "problem-3.md").is_file()
