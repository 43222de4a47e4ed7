"""Variants of the race (problem 3): every shipped variant verifies, unshipped variants
derive their own answers with the same ids, wrong yes/no answers are refuted with a
witness, and inadmissible rules are rejected with one clear line and exit status 2."""

from __future__ import annotations

import pytest
import sympy as sp

from derivations.race import N, lam
from quizproof.checker import check_quiz, derive, derive_quiz
from quizproof.model import load_quiz
from tests.conftest import ROOT, assert_one_line_error, call_cli, run_cli

VARIANTS = sorted((ROOT / "quizzes").glob("race-*.toml"))
p = sp.Symbol("p", positive=True)


def by_id(record):
    return {c["id"]: c for c in record["claims"]}


LOADED = 300.0  # a time bound per decision that no busy test machine reaches


def race_table(a1: str, a2: str, reward: str = "terminal") -> str:
    return f"[race]\nadvance_prob_a1 = '{a1}'\nadvance_prob_a2 = '{a2}'\nreward = \"{reward}\"\n"


def test_at_least_three_variants_are_shipped():
    assert len(VARIANTS) >= 3


@pytest.mark.parametrize("path", VARIANTS, ids=lambda path: path.stem)
def test_every_shipped_variant_answer_is_verified(path):
    record = check_quiz(path, timeout=LOADED)
    claims = record["claims"]
    assert claims
    assert {c["verdict"] for c in claims} == {"verified"}, [
        (c["id"], c["verdict"], c["message"]) for c in claims if c["verdict"] != "verified"
    ]


def forms(path) -> dict[str, dict]:
    return {f["id"]: f for f in derive_quiz(path)["forms"]}


P3D_IDS = [
    "p3d.reinforce_can_decrease",
    "p3d.a2c_never_decreases",
    "p3d.grad",
    "p3d.mean.reinforce",
    "p3d.mean.a2c",
    "p3d.var.reinforce",
    "p3d.var.a2c",
    "p3d.var_ratio",
    "p3d.prob_decrease.reinforce",
]


def test_derive_lists_every_p3d_id_for_the_quiz():
    got = forms(ROOT / "quizzes" / "quiz4.toml")
    for cid in P3D_IDS:
        assert cid in got
    assert got["p3d.a2c_never_decreases"]["latex"] == r"\text{yes}"
    assert "betainc" in got["p3d.prob_decrease.reinforce"]["srepr"]


def derived(path) -> dict[str, sp.Basic]:
    """The derived forms of a quiz file, as SymPy objects, by claim id (closed forms only)."""
    forms, _ = derive(load_quiz(path))
    return {f.id: f.derivation.result for f in forms if not isinstance(f.derivation, str)}


# Variants that no file ships, each with hand-derived values: E[R] = -N/q with
# q = lambda p_2 + (1 - lambda) p_1, so the gradient is N (p_2 - p_1) / q^2.
UNSHIPPED = [
    (race_table("0", "p", "per-step"), N / (lam**2 * p)),
    (
        race_table(r"\frac{1}{3}", "1", "per-step"),
        N * sp.Rational(2, 3) / (lam * sp.Rational(2, 3) + sp.Rational(1, 3)) ** 2,
    ),
    (race_table("p", "1"), N * (1 - p) / (lam + (1 - lam) * p) ** 2),
]


@pytest.mark.parametrize(("table", "grad"), UNSHIPPED)
def test_unshipped_variants_derive_their_own_gradient(quiz_file, table, grad):
    path = quiz_file([("p3d.grad", "0")], extra=table)
    assert "p3d.grad" in forms(path)  # the same id, on a variant file
    got = derived(path)
    assert sp.simplify(got["p3d.grad"] - grad) == 0
    for which in ("reinforce", "a2c"):
        assert sp.simplify(got[f"p3d.mean.{which}"] - got["p3d.grad"]) == 0


def test_a_wrong_yes_is_refuted_with_the_action_and_point(quiz_file):
    path = quiz_file([("p3d.a2c_never_decreases", "yes")], extra=race_table("1", "p"))
    (claim,) = check_quiz(path)["claims"]
    assert claim["verdict"] == "refuted"
    point = claim["counterexample"]["point"]
    assert point["action"] in ("a_{1}", "a_{2}")
    assert (
        0 < sp.Rational(point["lambda"].replace(r"\frac{", "").replace("}{", "/").rstrip("}")) < 1
    )
    assert point["p"] != "1"  # at p = 1 the update is zero: the witness must have p < 1


def test_a_wrong_no_is_refuted(quiz_file):
    path = quiz_file([("p3d.a2c_never_decreases", "no")], extra=race_table(r"\frac{1}{2}", "1"))
    (claim,) = check_quiz(path)["claims"]
    assert claim["verdict"] == "refuted"


def test_values_without_closed_form_are_undecided_with_the_reason(quiz_file):
    path = quiz_file([("p3d.prob_decrease.reinforce", "0")], extra=race_table("0", "p"))
    (claim,) = check_quiz(path)["claims"]
    assert claim["verdict"] == "undecided"
    assert "no closed form" in claim["evidence"]


def test_a_wrong_variance_is_refuted(quiz_file):
    path = quiz_file(
        [("p3d.var.a2c", r"\frac{N}{\lambda^2}")], extra=race_table("0", "1", "per-step")
    )
    (claim,) = check_quiz(path)["claims"]
    assert claim["verdict"] == "refuted"
    assert claim["counterexample"]["point"]


@pytest.mark.parametrize(
    ("table", "phrase"),
    [
        (race_table("0", "2"), "not a probability in [0, 1]"),
        (race_table(r"-\frac{1}{2}", "1"), "not a probability in [0, 1]"),
        (race_table("0", "0"), "the goal is never reached"),
        (race_table("0", "1", "bonus"), "reward must be one of"),
        (race_table(r"\lambda", "1"), "cannot name a new probability"),
    ],
)
def test_inadmissible_rules_are_rejected_with_one_clear_line(quiz_file, table, phrase):
    path = quiz_file([("p3d.grad", "0")], extra=table)
    for command in ("check", "derive"):
        res = call_cli(command, path)
        assert res.returncode == 2, (command, res.stdout, res.stderr)
        assert "Traceback" not in res.stderr
        lines = res.stderr.strip().splitlines()
        assert lines
        assert all("[race]" in line and phrase in line for line in lines), lines


# --------------------------------------------------------------------------- [race.assume]

A2_AT_LEAST_A1 = race_table(r"\frac{1}{2}", "p")


def assume(text: str) -> str:
    return A2_AT_LEAST_A1 + f"\n[race.assume]\np = '{text}'\n"


@pytest.mark.parametrize(
    "text", [r"\frac{1}{2} \le p \le 1", r"p \ge \frac{1}{2}", r"1 \ge p > \frac{1}{2}"]
)
def test_a_range_that_keeps_a2_better_makes_a2c_safe(quiz_file, text):
    path = quiz_file([("p3d.a2c_never_decreases", "yes")], extra=assume(text))
    (claim,) = check_quiz(path)["claims"]
    assert claim["verdict"] == "verified", claim


def test_without_the_range_the_same_answer_is_refuted(quiz_file):
    path = quiz_file([("p3d.a2c_never_decreases", "yes")], extra=A2_AT_LEAST_A1)
    (claim,) = check_quiz(path)["claims"]
    assert claim["verdict"] == "refuted"
    assert claim["counterexample"]["point"]["p"] in (r"\frac{1}{4}", r"\frac{1}{10}")


def test_a_witness_respects_the_range(quiz_file):
    path = quiz_file([("p3d.a2c_never_decreases", "yes")], extra=assume(r"p < \frac{1}{3}"))
    (claim,) = check_quiz(path)["claims"]
    assert claim["verdict"] == "refuted"
    assert claim["counterexample"]["point"]["p"] in (
        r"\frac{1}{4}",
        r"\frac{1}{10}",
        r"\frac{1}{6}",
    )


def test_values_are_still_decided_under_a_range(quiz_file):
    grad = r"\frac{2N(2p - 1)}{(1 + \lambda(2p - 1))^2}"
    path = quiz_file([("p3d.grad", grad)], extra=assume(r"\frac{1}{2} < p < 1"))
    (claim,) = check_quiz(path)["claims"]
    assert claim["verdict"] == "verified"
    assert r"p \in \left(\frac{1}{2}, 1\right)" in claim["evidence"]  # the range is the domain


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        (r"0 \le p < 1", "must exclude 0"),
        ("p < 2", "inside [0, 1]"),
        (r"\frac{1}{2} < p < \frac{1}{4}", "empty"),
        ("q < 1", "unknown symbol"),
        ("p = 1", "expected a range"),
        (r"p < \lambda", "unknown symbol"),
    ],
)
def test_bad_ranges_are_rejected_with_one_clear_line(quiz_file, text, phrase):
    path = quiz_file([("p3d.grad", "0")], extra=assume(text))
    assert_one_line_error(call_cli("check", path), "[race.assume]", phrase)


def test_an_unknown_key_is_named_with_the_known_ones(quiz_file):
    res = call_cli("check", quiz_file([("p3d.grad", "0")], extra="[race]\nadvance_prob = '1'\n"))
    assert_one_line_error(
        res, "[race]: unknown key(s) advance_prob (known: advance_prob_a1, advance_prob_a2,"
    )


def test_a_range_for_a_symbol_the_rules_do_not_use_is_rejected(quiz_file):
    extra = race_table("0", "1") + "\n[race.assume]\np = '0 < p < 1'\n"
    res = call_cli("check", quiz_file([("p3d.grad", "0")], extra=extra))
    assert_one_line_error(res, "not a new symbol of [race]")


# --------------------------------------------------------------------------- 3(d) values on the quiz


@pytest.mark.parametrize(
    ("cid", "answer", "verdict"),
    [
        ("p3d.grad", r"\frac{N}{\lambda^2}", "verified"),
        ("p3d.mean.reinforce", r"N / \lambda^2", "verified"),
        ("p3d.var.a2c", r"\frac{N}{\lambda^2 (1 - \lambda)}", "verified"),
        ("p3d.var.a2c", r"\frac{N (1 - \lambda)}{\lambda^2}", "refuted"),  # Var K, not Var g
        (
            "p3d.var_ratio",
            r"\frac{N^2 + (6 - 4\lambda) N + \lambda^2 - 6\lambda + 6}{\lambda^2}",
            "verified",
        ),
        (
            "p3d.prob_decrease.reinforce",
            r"I_\lambda(N, \operatorname{ceil}(N(1 - \lambda)/\lambda))",
            "verified",
        ),
        ("p3d.prob_decrease.reinforce", r"I_\lambda(N, \operatorname{ceil}(N/\lambda))", "refuted"),
    ],
)
def test_estimator_values_on_the_quiz_rules(quiz_file, cid, answer, verdict):
    (claim,) = check_quiz(quiz_file([(cid, answer)]))["claims"]
    assert claim["verdict"] == verdict, claim
    if verdict == "refuted":
        assert claim["counterexample"]["point"]


def test_a_series_as_a_rule_value_stops_with_one_line(quiz_file):
    """Its range could not be checked in bounded time: the file says so at once."""
    path = quiz_file(
        [("p3b.V", "0")],
        extra="[race]\nadvance_prob_a2 = '\\exp(-\\sum_{k=1}^\\infty \\sqrt{k})'\n",
    )
    res = run_cli("check", str(path))  # a fresh process: start-up itself must not hang
    assert_one_line_error(res, "advance_prob_a2", "a series is not accepted")


def test_one_symbol_cannot_be_both_the_discount_and_the_goal(quiz_file):
    path = quiz_file([("p3b.V", "0")], extra="[race]\ngoal = 'g'\ndiscount = 'g'\n")
    res = call_cli("check", path)
    assert_one_line_error(res, "'g' already names the discount; the goal needs a symbol of its own")
