"""Problem 1 claims through the checker: wrong answers refuted, rewritings verified."""

import pytest

from quizproof.checker import check_quiz
from tests.conftest import QUIZ4, write_quiz

# (id, answer, verdict, a word the slip or message must contain)
CASES = [
    # 1(a): the integrand whose expectation is H(y)
    (
        "p1a.identity",
        r"-\ln P_{\text{Pop},\Psi}(z) + \ln P_{\text{Pop},\Psi}(z|y) - \ln P_{\text{Pop},\Psi}(y|z)",
        "verified",
        None,
    ),
    (
        "p1a.identity",
        r"-\ln P_{\text{Pop},\Psi}(z) + \ln P_\Psi(z|y) - \ln P_{\text{Pop},\Psi}(y|z)",
        "verified",
        None,
    ),
    (
        "p1a.identity",
        r"\ln \frac{P_\Psi(z|y)}{P_{\text{Pop},\Psi}(z) P_{\text{Pop},\Psi}(y|z)}",
        "verified",
        None,
    ),
    (
        "p1a.identity",
        r"-\ln P_{\text{Pop},\Psi}(y|z) - \ln P_{\text{Pop},\Psi}(z) + \ln P_\Psi(z|y)",
        "verified",
        None,
    ),
    ("p1a.identity", r"-\log P_{\text{Pop},\Psi}(y, z) + \log P_\Psi(z|y)", "verified", None),
    ("p1a.identity", r"-\ln \text{Pop}(y)", "verified", "left side"),
    ("p1a.identity", r"-\ln P(z) + \ln P(z|y) - \ln P(y|z)", "verified", None),
    ("p1c.bound", r"-\ln P(z) + \ln P(z|y) - \ln P(y|z)", "refuted", "model"),
    (
        "p1a.identity",
        r"-\ln P_\Phi(z) + \ln P_\Psi(z|y) - \ln P_{\text{Pop},\Psi}(y|z)",
        "refuted",
        "model",
    ),
    (
        "p1a.identity",
        r"-\ln P_{\text{Pop},\Psi}(z) + \ln P_\Psi(z|y) - \ln P_\Theta(y|z)",
        "refuted",
        "model",
    ),
    (
        "p1a.identity",
        r"-\ln P_{\text{Pop},\Psi}(z) - \ln P_\Psi(z|y) - \ln P_{\text{Pop},\Psi}(y|z)",
        "refuted",
        "sign",
    ),
    (
        "p1a.identity",
        r"-\ln P_{\text{Pop},\Psi}(z) - \ln P_{\text{Pop},\Psi}(y|z)",
        "refuted",
        "dropped",
    ),
    (
        "p1a.identity",
        r"\ln P_{\text{Pop},\Psi}(z) - \ln P_\Psi(z|y) + \ln P_{\text{Pop},\Psi}(y|z)",
        "refuted",
        "sign",
    ),
    (
        "p1a.identity",
        r"-\ln P_{\text{Pop},\Psi}(z) + \ln P_\Psi(z|y) - \ln P_{\text{Pop},\Psi}(y|z) + 1",
        "refuted",
        "constant",
    ),
    ("p1a.identity", r"-\ln \text{Pop}(z)", "invalid", None),
    ("p1a.identity", r"-\ln Q(z)", "invalid", None),
    (
        "p1a.identity",
        r"E_{y \sim \text{Pop}} -\ln \text{Pop}(y) = E_{y \sim \text{Pop}, z \sim P_\Psi(z|y)} -\ln P_\Psi(z) + \ln P_{\text{Pop},\Psi}(z|y) - \ln P_{\text{Pop},\Psi}(y|z)",
        "verified",
        "marginal",
    ),
    (
        "p1a.identity",
        r"H(y) = H(z) - H(z|y) + H(y|z) = E_{y \sim \text{Pop}, z \sim P_\Psi(z|y)}\left[-\ln P_{\text{Pop},\Psi}(z) + \ln P_\Psi(z|y) - \ln P_{\text{Pop},\Psi}(y|z)\right]",
        "verified",
        None,
    ),
    ("p1a.identity", r"H(y) = H(z) + H(z|y) + H(y|z)", "refuted", "sign"),
    (
        "p1a.identity",
        r"E\left[-\ln P_{\text{Pop},\Psi}(z)\right] + E[\ln P_\Psi(z|y)] - \mathbb{E}_{z}[\ln P_{\text{Pop},\Psi}(y|z)]",
        "verified",
        None,
    ),
    ("p1a.identity", r"-\ln(y)", "invalid", None),
    # 1(c): the bound
    (
        "p1c.bound",
        r"H(y) \leq E_{y \sim \text{Pop}, z \sim P_\Psi(z|y)} -\ln P_\Phi(z) + \ln P_\Psi(z|y) - \ln P_\Theta(y|z)",
        "verified",
        None,
    ),
    (  # the bound in cross-entropies: right, but an expectation over sampling is asked
        "p1c.bound",
        r"H(P_{\text{Pop},\Psi}(z), P_\Phi(z)) - H(z|y) + H(P_{\text{Pop},\Psi}(y|z), P_\Theta(y|z))",
        "circular",
        None,
    ),
    ("p1c.bound", r"H(y) \le -\ln P_\Phi(z) - \ln P_\Theta(y|z)", "refuted", "dropped"),
    (
        "p1c.bound",
        r"H(y) \le -\ln P_\Phi(z) + \ln P_\Psi(z|y) - \ln P_\Theta(y|z) \le 0",
        "invalid",
        None,
    ),
    ("p1c.bound", r"-\ln P_\Theta(y|z) + \ln P_\Psi(z|y) - \ln P_\Phi(z)", "verified", None),
    ("p1c.bound", r"\ln \frac{P_\Psi(z|y)}{P_\Phi(z)} - \ln P_\Theta(y|z)", "verified", None),
    ("p1c.bound", r"-\ln \frac{P_\Phi(z) P_\Theta(y|z)}{P_\Psi(z|y)}", "verified", None),
    ("p1c.bound", r"-\ln P_\Phi(z) - \ln P_\Psi(z|y) - \ln P_\Theta(y|z)", "refuted", "sign"),
    ("p1c.bound", r"-\ln P_\Phi(z) - \ln P_\Theta(y|z)", "refuted", "dropped"),
    (
        "p1c.bound",
        r"-\ln P_{\text{Pop},\Psi}(z) + \ln P_\Psi(z|y) - \ln P_\Theta(y|z)",
        "refuted",
        "model",
    ),
    (
        "p1c.bound",
        r"-\ln P_\Phi(z) + \ln P_\Psi(z|y) - \ln P_{\text{Pop},\Psi}(y|z)",
        "refuted",
        "model",
    ),
    ("p1c.bound", r"-\ln P_\Phi(z) + \ln P_\Psi(z|y) + \ln P_\Theta(y|z)", "refuted", "sign"),
    # 1(b), 1(d): terms estimable by sampling
    ("p1b.estimable", "H(z|y)", "verified", None),
    ("p1b.estimable", "Just the middle term H(z|y).", "verified", None),
    ("p1b.estimable", "the middle term", "verified", None),
    ("p1b.estimable", "The middle term, -H(z|y).", "verified", None),
    ("p1b.estimable", "H(y), H(z|y)", "refuted", r"\text{Pop}(y)"),
    ("p1b.estimable", "all", "refuted", "cannot be computed"),
    ("p1b.estimable", "H(z), H(z|y)", "refuted", "cannot be computed"),
    ("p1b.estimable", "H(y|z)", "refuted", "cannot be computed"),
    ("p1b.estimable", "none", "refuted", "computable"),
    ("p1b.estimable", "H(q)", "invalid", None),
    ("p1d.estimable", "All", "verified", None),
    ("p1d.estimable", "all three", "verified", None),
    (
        "p1d.estimable",
        r"H(P_{\text{Pop},\Psi}(z), P_\Phi(z)), H(z|y), H(P_{\text{Pop},\Psi}(y|z), P_\Theta(y|z))",
        "verified",
        None,
    ),
    ("p1d.estimable", r"-\ln P_\Phi(z), \ln P_\Psi(z|y) and -\ln P_\Theta(y|z)", "verified", None),
    ("p1d.estimable", "H(z|y)", "refuted", "computable"),
    ("p1d.estimable", "none", "refuted", "computable"),
    # 1(e)
    ("p1e.vae", "It is exactly the same.", "verified", None),
    ("p1e.vae", "no", "refuted", None),
    ("p1e.vae", "It is the negative ELBO of the VAE: the same objective.", "verified", None),
    ("p1e.vae", "It is not the same.", "refuted", None),
    ("p1e.vae", "banana", "invalid", None),
    ("p1e.vae", "Yes: minimizing it is minimizing the negative ELBO.", "verified", None),
    ("p1e.vae", "It is a different objective.", "refuted", None),
]


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    path = tmp_path_factory.mktemp("p1") / "claims.toml"
    write_quiz(path, [(cid, answer) for cid, answer, _, _ in CASES], title="problem 1 claims")
    return check_quiz(path)["claims"]


@pytest.mark.parametrize("n", range(len(CASES)), ids=[f"{c[0]}:{c[1][:40]}" for c in CASES])
def test_problem1_claim(outcomes, n):
    cid, _answer, verdict, word = CASES[n]
    got = outcomes[n]
    assert got["id"] == cid
    assert got["verdict"] == verdict, got
    if verdict == "refuted":
        assert got["evidence"]
        if cid in ("p1a.identity", "p1c.bound", "p1b.estimable", "p1d.estimable"):
            assert got["counterexample"] is not None
            assert got["counterexample"]["claimed"] != got["counterexample"]["derived"]
    if verdict in ("verified", "refuted"):
        assert got["steps"], got
    if word:
        text = f"{got['slip'] or ''} {got['message'] or ''}"
        assert word in text, got


def test_printed_problem1_answers():
    claims = {c["id"]: c for c in check_quiz(QUIZ4)["claims"] if c["id"].startswith("p1")}
    assert {k: v["verdict"] for k, v in claims.items()} == {
        "p1a.identity": "verified",
        "p1b.estimable": "verified",
        "p1c.bound": "verified",
        "p1d.estimable": "verified",
        "p1e.vae": "verified",
    }
    # the undefined P_Psi(z) of 1(a) is read as the joint's marginal, and the report says so
    assert "marginal" in claims["p1a.identity"]["message"]
    assert claims["p1c.bound"]["message"] == ""


def test_counterexample_is_an_exact_world(outcomes):
    n = next(i for i, c in enumerate(CASES) if c[3] == "model" and c[0] == "p1a.identity")
    cx = outcomes[n]["counterexample"]
    assert set(cx["point"]) >= {r"\text{Pop}(y)", r"P_\Phi(z)"}
    assert r"\frac" in cx["point"][r"\text{Pop}(y)"]
    assert r"\log" in cx["claimed"]


@pytest.mark.parametrize(
    ("cid", "answer", "verdict"),
    [
        (
            "p1a.identity",
            r"\ln \ln \ln \ln P_\Phi(z)",
            "refuted",
        ),  # complex where the joint has mass
        ("p1a.identity", r"-\ln(-P_\Phi(z))", "refuted"),
        ("p1a.identity", r"\sin(P_\Phi(z)) + \ln \text{Pop}(y)^{1000}", "refuted"),
        ("p1a.identity", r"E_{y \sim \text{Pop}", "invalid"),
        ("p1b.estimable", "", "invalid"),
        ("p1b.estimable", "H(z|y", "invalid"),
        ("p1b.estimable", "H(z|y), H(z|y)", "verified"),
    ],
)
def test_odd_answers(quiz_file, cid, answer, verdict):
    (claim,) = check_quiz(quiz_file([(cid, answer)]))["claims"]
    assert claim["verdict"] == verdict, claim
