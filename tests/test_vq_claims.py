"""Problem 2 claims through the checker: wrong updates refuted, rewritings verified."""

import pytest

from quizproof.checker import check_quiz
from tests.conftest import QUIZ4, write_quiz

E_X = r"e(\text{nearest}_E(x))"
E_Y = r"e(\text{nearest}_E(x_\Psi(y)))"
X = r"x_\Psi(y)"

# (id, answer, verdict, a phrase the slip or message must contain)
CASES = [
    # 2(a): the straight-through rule
    (
        "p2a.straight_through",
        rf"x.\text{{grad}} \mathrel{{+}}= {E_X}.\text{{grad}}",
        "verified",
        None,
    ),
    ("p2a.straight_through", r"x_\Psi(y).\text{grad} += e(k).\text{grad}", "verified", None),
    ("p2a.straight_through", rf"x.\text{{grad}} += {E_X}.\text{{grad}}", "verified", None),
    (
        "p2a.straight_through",
        rf"x.\text{{grad}} \leftarrow x.\text{{grad}} + {E_X}.\text{{grad}}",
        "verified",
        None,
    ),
    ("p2a.straight_through", rf"x.\text{{grad}} -= -{E_X}.\text{{grad}}", "verified", None),
    (
        "p2a.straight_through",
        rf"x.\text{{grad}} = {E_X}.\text{{grad}}",
        "refuted",
        "where $+=$ is meant",
    ),
    (
        "p2a.straight_through",
        rf"x.\text{{grad}} \leftarrow {E_X}.\text{{grad}}",
        "refuted",
        "where $+=$ is meant",
    ),
    ("p2a.straight_through", rf"x.\text{{grad}} += -{E_X}.\text{{grad}}", "refuted", "sign"),
    ("p2a.straight_through", rf"x.\text{{grad}} -= {E_X}.\text{{grad}}", "refuted", "sign"),
    (
        "p2a.straight_through",
        rf"{E_X}.\text{{grad}} += x.\text{{grad}}",
        "refuted",
        "wrong variable",
    ),
    ("p2a.straight_through", rf"x.\text{{grad}} += {E_X}", "refuted", ".grad is dropped"),
    # 2(b): one SGD step on (4)
    ("p2b.sgd_update", rf"{E_Y} \leftarrow {E_Y} + 2\eta({X} - {E_Y})", "verified", None),
    ("p2b.sgd_update", rf"{E_Y} += 2\eta({X} - {E_Y})", "verified", None),
    ("p2b.sgd_update", rf"{E_Y} -= 2\eta({E_Y} - {X})", "verified", None),
    ("p2b.sgd_update", rf"e(k) \leftarrow (1 - 2\eta)e(k) + 2\eta {X}", "verified", None),
    ("p2b.sgd_update", r"e \leftarrow e - \eta \cdot 2(e - x)", "verified", None),
    ("p2b.sgd_update", r"e_k := e_k + 2\eta(x_\Psi - e_k)", "verified", None),
    ("p2b.sgd_update", r"e_{\text{new}} = e + 2\eta(x - e)", "verified", None),
    ("p2b.sgd_update", r"e_{\text{new}} = 2\eta(x - e)", "refuted", "is dropped"),
    ("p2b.sgd_update", rf"{E_Y} \leftarrow 2\eta({X} - {E_Y})", "refuted", "is dropped"),
    ("p2b.sgd_update", rf"{E_Y} \leftarrow {E_Y} - 2\eta({X} - {E_Y})", "refuted", "sign"),
    ("p2b.sgd_update", rf"{E_Y} \leftarrow {E_Y} + \eta({X} - {E_Y})", "refuted", "factor 2"),
    (
        "p2b.sgd_update",
        rf"{E_Y} += {E_Y} + 2\eta({X} - {E_Y})",
        "refuted",
        "'+=' where '<-' is meant",
    ),
    ("p2b.sgd_update", rf"{E_Y} \leftarrow (1 - 2\eta){X} + 2\eta {E_Y}", "refuted", None),
    (
        "p2b.sgd_update",
        rf"{E_Y} \leftarrow {E_Y} + 2\eta \beta({X} - {E_Y})",
        "refuted",
        "involves",
    ),
    ("p2b.sgd_update", rf"{E_Y} \leftarrow {E_Y} + 2\eta \theta({X} - {E_Y})", "invalid", None),
    # 2(c): the rolling average
    ("p2c.rolling_average", rf"e(k) = (1 - 2\eta)e(k) + 2\eta {X}", "verified", "assignment"),
    ("p2c.rolling_average", rf"e(k) \leftarrow (1 - 2\eta)e(k) + 2\eta {X}", "verified", None),
    (
        "p2c.rolling_average",
        rf"e(k) \leftarrow e(k) + 2\eta({X} - e(k)) = (1 - 2\eta)e(k) + 2\eta {X}",
        "verified",
        None,
    ),
    (
        "p2c.rolling_average",
        rf"e(k) \leftarrow e(k) + 2\eta({X} - e(k))",
        "verified",
        "not written",
    ),
    ("p2c.rolling_average", rf"e(k) = (1 - \eta)e(k) + \eta {X}", "refuted", "factor 2"),
    ("p2c.rolling_average", rf"e(k) = (1 - 2\eta){X} + 2\eta e(k)", "refuted", None),
    (
        "p2c.rolling_average",
        rf"e(k) \leftarrow e(k) + 2\eta({X} - e(k)) = (1 - \eta)e(k) + \eta {X}",
        "refuted",
        None,
    ),
    (
        "p2c.rolling_average",
        rf"e(k) = (1 - 2\eta)e(k) + 2\eta {X}, \eta < 1/2",
        "verified",
        "excluded",
    ),
    (
        "p2c.rolling_average",
        rf"e(k) \leftarrow (1 - 2\eta)e(k) + 2\eta {X} \quad \text{{for}} \quad 0 < \eta \le 1/2",
        "verified",
        None,
    ),
    (
        "p2c.rolling_average",
        rf"e(k) = (1 - 2\eta)e(k) + 2\eta {X}; \eta < 1",
        "refuted",
        "condition",
    ),
    ("p2c.rolling_average", rf"e(k) = (1 - \eta)e(k) + \eta {X}, \eta < 1", "refuted", "factor 2"),
    # the condition on eta, the EMA decay
    ("p2c.condition", r"\eta < 1/2", "verified", "excluded"),
    ("p2c.condition", r"0 < \eta \le \frac{1}{2}", "verified", None),
    ("p2c.condition", r"2\eta \le 1", "verified", None),
    ("p2c.condition", r"\eta < 1", "refuted", "negative weight"),
    ("p2c.condition", r"\eta \le 1/4", "refuted", "only sufficient"),
    ("p2c.ema_decay", r"\gamma = 1 - 2\eta", "verified", None),
    ("p2c.ema_decay", r"1 - \eta", "refuted", None),
]


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    path = tmp_path_factory.mktemp("p2") / "claims.toml"
    write_quiz(path, [(cid, answer) for cid, answer, _, _ in CASES], title="problem 2 claims")
    return check_quiz(path)["claims"]


@pytest.mark.parametrize("n", range(len(CASES)), ids=[f"{c[0]}:{c[1][:40]}" for c in CASES])
def test_problem2_claim(outcomes, n):
    cid, _answer, verdict, phrase = CASES[n]
    got = outcomes[n]
    assert got["id"] == cid
    assert got["verdict"] == verdict, got
    if verdict == "refuted" and phrase != "wrong variable":
        cx = got["counterexample"]
        assert cx is not None, got
        assert cx["claimed"] != cx["derived"]
    if phrase:
        assert phrase in f"{got['slip'] or ''} {got['message'] or ''}", got


def test_printed_problem2_answers():
    claims = {c["id"]: c for c in check_quiz(QUIZ4)["claims"] if c["id"].startswith("p2")}
    assert {k: v["verdict"] for k, v in claims.items()} == {
        "p2a.straight_through": "verified",
        "p2b.sgd_update": "refuted",
        "p2c.rolling_average": "verified",
    }
    b = claims["p2b.sgd_update"]
    assert "is dropped" in b["slip"]
    cx = b["counterexample"]
    assert cx["point"] == {
        r"e(\text{nearest}_E(x_\Psi(y)))": "1",
        r"\eta": r"\frac{1}{4}",
        r"x_\Psi(y)": "0",
    }
    assert (cx["claimed"], cx["derived"]) == (r"- \frac{1}{2}", r"\frac{1}{2}")
    assert "assignment" in claims["p2c.rolling_average"]["message"]


@pytest.mark.parametrize(
    ("cid", "answer", "verdict"),
    [
        ("p2b.sgd_update", r"e \leftarrow", "invalid"),
        ("p2b.sgd_update", r"e \leftarrow e^{10^{10}}", "invalid"),
        ("p2b.sgd_update", r"e \leftarrow e + 2\eta(x - e) + \sin(\pi x)", "refuted"),
        ("p2a.straight_through", r"x.\text{grad}.\text{grad} += e.\text{grad}", "invalid"),
        ("p2a.straight_through", r"x.\text{grad}", "invalid"),
        ("p2c.condition", r"\eta = 1/2", "invalid"),
        ("p2c.condition", r"x < 1", "invalid"),
        ("p2c.condition", r"\eta > 0", "refuted"),
    ],
)
def test_odd_answers(quiz_file, cid, answer, verdict):
    (claim,) = check_quiz(quiz_file([(cid, answer)]))["claims"]
    assert claim["verdict"] == verdict, claim
