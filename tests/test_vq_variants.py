"""Variants of problem 2 (the ``[vq]`` table): shipped files verify and simulate, every
derived form reads back as verified, wrong answers to the new kinds fail both ways, and
bad tables stop with one line naming the file, the table and the key."""

from __future__ import annotations

import pytest

from quizproof.checker import check_quiz, derive_quiz
from quizproof.simulation import simulate_quiz
from tests.conftest import ROOT, assert_one_line_error, call_cli, run_cli

SHIPPED = sorted((ROOT / "quizzes").glob("vq-*.toml"))


def test_variants_cover_every_key_and_both_formats():
    text = "".join(p.read_text() for p in SHIPPED)
    for key in ("codebook_weight", "commitment_weight", "ema_decay"):
        assert key in text
    assert "\n[vq]\n" in text
    assert "[problems.2.vq]" in text


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_answer_is_verified_and_its_simulation_passes(path):
    claims = check_quiz(path)["claims"]
    assert claims
    assert {c["verdict"] for c in claims} == {"verified"}, claims
    record = simulate_quiz(path, seed=0)
    assert len(record["checks"]) == len(claims)
    assert all(c["passed"] for c in record["checks"]), record


TABLES = [
    "",
    "[vq]\ncodebook_weight = '1/2'\n",
    "[vq]\ncodebook_weight = 'c'\ncommitment_weight = 'b'\nema_decay = 'd'\n",
    "[vq]\ncodebook_weight = 3\ncommitment_weight = 0\nema_decay = '0.9'\n",
]


@pytest.mark.parametrize("table", TABLES, ids=["quiz", "half", "symbols", "numbers"])
def test_every_derived_form_reads_back_as_verified(quiz_file, table):
    path = quiz_file([("p2b.sgd_update", "e")], extra=table)
    forms = derive_quiz(path)["forms"]
    assert len(forms) == 8
    again = quiz_file([(f["id"], f["latex"]) for f in forms], extra=table)
    claims = check_quiz(again)["claims"]
    assert [c["verdict"] for c in claims] == ["verified"] * len(forms), claims


# (id, answer, table): wrong answers to the new kinds, and to the old ones under a table
WRONG = [
    ("p2a.encoder_gradient", r"x.\text{grad} += e(\text{nearest}_E(x)).\text{grad}", ""),
    ("p2a.encoder_gradient", r"e(\text{nearest}_E(x)).\text{grad} + \beta(x - e)", ""),
    ("p2b.sgd_update", r"e \leftarrow e + 2\eta(x - e)", "[vq]\ncodebook_weight = '2'\n"),
    ("p2c.condition", r"\eta < \frac{1}{2}", "[vq]\ncodebook_weight = 'c'\n"),
    ("p2c.ema_update", r"e(k) \leftarrow (1 - d)e(k) + d x_\Psi(y)", "[vq]\nema_decay = 'd'\n"),
    ("p2c.ema_rate", r"\eta = 1 - \gamma", ""),
    ("p2c.ema_decay", r"\gamma = 1 - \eta", "[vq]\ncodebook_weight = 'c'\n"),
    # '=' replaces what x.grad holds, where back-propagation adds to it
    (
        "p2a.encoder_gradient",
        r"x.\text{grad} = e(\text{nearest}_E(x)).\text{grad} + \frac{2}{3}(x - e)",
        "[vq]\ncommitment_weight = '1/3'\n",
    ),
]
RIGHT = [
    ("p2a.encoder_gradient", r"e(\text{nearest}_E(x)).\text{grad} + 2\beta(x - e)", ""),
    (
        "p2a.encoder_gradient",
        r"x.\text{grad} += e(\text{nearest}_E(x)).\text{grad} + \frac{2}{3}(x - e)",
        "[vq]\ncommitment_weight = '1/3'\n",
    ),
    ("p2c.condition", r"2c\eta \le 1", "[vq]\ncodebook_weight = 'c'\n"),
    ("p2c.ema_rate", r"\frac{1 - \gamma}{2}", ""),
]


@pytest.mark.parametrize(("cid", "answer", "table"), WRONG + RIGHT)
def test_simulation_agrees_with_the_checker(quiz_file, cid, answer, table):
    path = quiz_file([(cid, answer)], extra=table)
    (claim,) = check_quiz(path)["claims"]
    (check,) = simulate_quiz(path, seed=2)["checks"]
    right = (cid, answer, table) in RIGHT
    assert claim["verdict"] == ("verified" if right else "refuted"), claim
    assert check["passed"] == right, check


BAD = [
    ("[vq]\ncodebook_weight = 0\n", "codebook_weight", "must be positive"),
    ("[vq]\ncodebook_weight = '-1'\n", "codebook_weight", "must be positive"),
    ("[vq]\ncommitment_weight = -0.5\n", "commitment_weight", "must be nonnegative"),
    ("[vq]\nema_decay = 1\n", "ema_decay", "strictly between 0 and 1"),
    ("[vq]\nema_decay = '3/2'\n", "ema_decay", "strictly between 0 and 1"),
    ("[vq]\nema_decay = 'x'\n", "ema_decay", "the problem uses it"),
    ("[vq]\ncommitment_weight = '\\gamma'\n", "commitment_weight", "the problem uses it"),
    ("[vq]\ncodebook_weight = '2c'\n", "codebook_weight", "a single new symbol"),
    ("[vq]\ncodebook_weight = true\n", "codebook_weight", "a number or LaTeX text"),
    ("[vq]\ncodebook_weight = 'c'\nema_decay = 'c'\n", "ema_decay", "already names"),
    ("[vq]\ncodebook_weight = '\\frac{1}{'\n", "codebook_weight", "codebook_weight"),
    ("[vq]\nlearning_rate = '1/2'\n", "learning_rate", "unknown key"),
]


CASES = [(*bad, "check") for bad in BAD] + [
    (*bad, command) for bad in BAD[3:5] + BAD[-1:] for command in ("derive", "simulate")
]


@pytest.mark.parametrize(("table", "key", "phrase", "command"), CASES)
def test_a_bad_table_stops_with_one_line(quiz_file, table, key, phrase, command):
    path = quiz_file([("p2b.sgd_update", "e")], extra=table)
    assert_one_line_error(call_cli(command, path), path, "[vq]", key, phrase)


def test_a_bad_table_in_a_problem_names_its_place(tmp_path):
    path = tmp_path / "quiz.toml"
    path.write_text(
        '[quiz]\ntitle = "t"\nsource = "s"\n[problems.7]\nfamily = "vq"\n'
        "[problems.7.vq]\nema_decay = '0'\n"
        '[[claims]]\nid = "ema_rate"\nanswer = "0"\n'
    )
    assert_one_line_error(run_cli("check", str(path)), "[problems.7.vq]", "ema_decay")


def test_a_constant_answer_is_refuted_without_an_empty_point(quiz_file):
    path = quiz_file([("p2c.ema_rate", r"\eta = \frac{1}{10}")], extra="[vq]\nema_decay = 0.9\n")
    res = call_cli("check", path)
    assert res.returncode == 1, res.stdout
    assert "printed gives \\frac{1}{10}, derived gives \\frac{1}{20}" in res.stdout
    assert "at :" not in res.stdout
