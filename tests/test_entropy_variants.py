"""Variants of problem 1 (the ``[entropy]`` table): shipped files verify and simulate, every
derived form reads back as verified, wrong answers fail in both the checker and the
simulation, and bad tables stop with one line naming the file, the table and the key."""

from __future__ import annotations

import pytest

from quizproof.checker import check_quiz, derive_quiz
from quizproof.simulation import simulate_quiz
from tests.conftest import ROOT, assert_one_line_error, call_cli

SHIPPED = sorted((ROOT / "quizzes").glob("entropy-*.toml"))
MARG, POST = r"P_{\text{Pop},\Psi}(z)", r"P_{\text{Pop},\Psi}(y|z)"


def test_variants_cover_every_key_and_both_formats():
    text = "".join(p.read_text() for p in SHIPPED)
    for phrase in ("conditional = true", 'replace = "H(z)"', 'replace = "H(y|z)"', "gap"):
        assert phrase in text
    assert "\n[entropy]\n" in text
    assert "[problems.1.entropy]" in text


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_answer_is_verified_and_its_simulation_passes(path):
    claims = check_quiz(path)["claims"]
    assert claims
    assert {c["verdict"] for c in claims} == {"verified"}, claims
    record = simulate_quiz(path, seed=0)
    assert record["checks"]
    assert all(c["passed"] for c in record["checks"]), record


TABLES = [
    "",
    "[entropy]\nconditional = true\n",
    "[entropy]\nreplace = 'H(z)'\n",
    "[entropy]\nconditional = true\nreplace = ['H(y|x, z)']\n",
]


@pytest.mark.parametrize("table", TABLES, ids=["quiz", "given-x", "replace-z", "given-x-y|z"])
def test_every_derived_form_reads_back_as_verified(quiz_file, table):
    path = quiz_file([("p1c.bound", "0")], extra=table)
    forms = [f for f in derive_quiz(path)["forms"] if not f["kind"].endswith("estimable")]
    forms = [f for f in forms if f["kind"] != "vae"]
    assert {f["kind"] for f in forms} == {"identity", "bound", "gap"}
    again = quiz_file([(f["id"], f["latex"]) for f in forms], extra=table)
    claims = check_quiz(again)["claims"]
    assert [c["verdict"] for c in claims] == ["verified"] * len(forms), claims


GIVEN_X = "[entropy]\nconditional = true\n"
# (id, answer, table, right)
CASES = [
    ("p1c.gap", rf"\operatorname{{KL}}({MARG} \| P_\Phi(z))", "", False),  # the posterior's KL left out
    ("p1c.gap", rf"\operatorname{{KL}}(P_\Phi(z) \| {MARG}) + E_z \operatorname{{KL}}({POST} \| P_\Theta(y|z))", "", False),
    ("p1c.gap", rf"H(P_{{\text{{Pop}},\Psi}}(z), P_\Phi(z)) - H(z) + E_z \operatorname{{KL}}({POST} \| P_\Theta(y|z))", "", True),
    ("p1c.gap", rf"\ln {MARG} - \ln P_\Phi(z) + \ln {POST} - \ln P_\Theta(y|z)", "", True),
    ("p1c.gap", rf"E_z \operatorname{{KL}}({POST} \| P_\Theta(y|z))", "[entropy]\nreplace = 'H(z)'\n", False),
    ("p1a.identity", r"-\ln P_\Phi(z|x) + \ln P_\Psi(z|x, y) - \ln P(y|x, z)", GIVEN_X, False),
    ("p1a.identity", r"-\ln P(z|x) + \ln P_\Psi(z|y, x) - \ln P(y|z, x)", GIVEN_X, True),
    ("p1c.bound", r"-\ln P_\Phi(z|x) - \ln P_\Theta(y|x, z)", GIVEN_X, False),
    ("p1c.bound", r"-\ln P_\Phi(z) + \ln P_\Psi(z|y) - \ln P(y|z)", "[entropy]\nreplace = 'H(z)'\n", True),
]  # fmt: skip


@pytest.mark.parametrize(("cid", "answer", "table", "right"), CASES)
def test_the_checker_and_the_simulation_agree(quiz_file, cid, answer, table, right):
    path = quiz_file([(cid, answer)], extra=table)
    (claim,) = check_quiz(path)["claims"]
    assert claim["verdict"] == ("verified" if right else "refuted"), claim
    (check,) = simulate_quiz(path, samples=20_000, seed=3)["checks"]
    assert check["passed"] == right, check


@pytest.mark.parametrize(
    ("cid", "answer", "table", "verdict"),
    [
        ("p1e.vae", "yes", "[entropy]\nreplace = 'H(z)'\n", "refuted"),
        ("p1e.vae", "no", "[entropy]\nreplace = 'H(y|z)'\n", "verified"),
        ("p1e.vae", "yes", GIVEN_X, "verified"),
        ("p1d.estimable", "H(z|y)", "[entropy]\nreplace = 'H(y|z)'\n", "refuted"),
        ("p1b.estimable", "H(z|x, y)", GIVEN_X, "verified"),
        ("p1a.identity", r"-\ln P_{\text{Pop},\Psi}(z)", GIVEN_X, "invalid"),  # x is missing
    ],
)
def test_decisions_follow_the_setting(quiz_file, cid, answer, table, verdict):
    (claim,) = check_quiz(quiz_file([(cid, answer)], extra=table))["claims"]
    assert claim["verdict"] == verdict, claim


BAD = [
    ("[entropy]\nconditional = 'yes'\n", "conditional", "true or false"),
    ("[entropy]\nreplace = 'H(z|y)'\n", "replace", "must be one of"),
    ("[entropy]\nreplace = 3\n", "replace", "must be one of"),
    ("[entropy]\nreplace = []\n", "replace", "at least one"),
    ("[entropy]\nreplace = 'H(z|x)'\n", "replace", "must be one of"),  # x only given x
    ("[entropy]\nobserved = 'x'\n", "observed", "unknown key"),
]


@pytest.mark.parametrize(("table", "key", "phrase"), BAD)
def test_a_bad_table_stops_with_one_line(quiz_file, table, key, phrase):
    path = quiz_file([("p1c.bound", "0")], extra=table)
    for command in ("check", "simulate") if key == "replace" and "[]" in table else ("check",):
        assert_one_line_error(call_cli(command, path), path, "[entropy]", key, phrase)


def test_an_exactly_wrong_gap_is_shown_as_an_exact_failure_not_a_z(tmp_path):
    """The verdict on a finite world comes from exact sums: the line says so."""
    from quizproof.simulation import simulate_quiz

    path = tmp_path / "q.toml"
    path.write_text(
        '[quiz]\ntitle = "t"\nsource = "s"\n[entropy]\nreplace = "H(z)"\n'
        '[[claims]]\nid = "p1c.gap"\npart = "1(c)"\n'
        "answer = '\\operatorname{KL}(P_\\Phi(z) \\| P_{\\text{Pop},\\Psi}(z))'\n"
    )
    (check,) = simulate_quiz(path, seed=1, samples=2000)["checks"]
    assert not check["passed"]
    failed = [p for p in check["points"] if not p["passed"]]
    assert failed
    assert all(p["stderr"] == 0.0 for p in failed)
