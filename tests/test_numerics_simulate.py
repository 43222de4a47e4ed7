"""quizproof.simulation: printed answers against simulations, in agreement with the checker.

Each point of a check is a two-sided z-test at false-alarm rate 1e-6, so a
right answer fails a run with probability at most about 1e-6 per point; the
wrong answers below are off by far more than the tests' resolution at the
sample sizes used (their |z| is in the hundreds).
"""

import io
import json
import subprocess
import sys

import pytest

from quizproof.checker import check_quiz
from quizproof.cli import main
from quizproof.families.race.simulate import bench
from quizproof.output import Progress
from quizproof.simulation import simulate_quiz
from tests.conftest import QUIZ4

WRONG = [
    ("p3b.V", r"-(t + (N - i)\lambda)"),
    ("p3c.V", r"V^\pi(i, t) = -(N - i)/\lambda"),
    ("p3c.A.a2", r"\frac{1}{\lambda}"),
    ("p3c.A.a1", "1"),
    ("p3c.Q.a1", r"Q^\pi((i, t), a_1) = -(t + (N - i)/\lambda)"),
    ("p3c.Q.a2", r"-(t + (N - i - 1)/\lambda)"),
    ("p3b.series", r"\lambda"),
    ("p3a.next.a2", "(i, t + 1)"),
    ("p3a.next.a1", "(i + 1, t + 1)"),
    ("p3c.R.last", "-t"),
    ("p3c.last_step", "no"),
    ("p3d.reinforce_can_decrease", "no"),
    ("p3d.grad", r"\frac{N}{\lambda}"),
    ("p3d.var.a2c", r"\frac{N}{\lambda^2}"),
    ("p3d.prob_decrease.reinforce", r"\frac{1}{2}"),
]

SMALL = 20_000  # episodes per simulation where only gross errors are to be caught


def _agree(path, record):
    """Where the checker decides a claim, the simulation says the same."""
    verdicts = {c["id"]: c["verdict"] for c in check_quiz(path)["claims"]}
    decided = 0
    for c in record["checks"]:
        verdict = verdicts.get(c["id"])
        if verdict in ("verified", "refuted"):
            decided += 1
            assert c["passed"] == (verdict == "verified"), (c, verdict)
    return decided


@pytest.fixture(scope="module")
def quiz4_record():
    return simulate_quiz(QUIZ4, seed=0)


def test_quiz4_right_answers_pass_and_agree_with_check(quiz4_record):
    record = quiz4_record
    assert record["quiz"] == "Quiz 4"
    assert record["seed"] == 0
    ids = {c["id"] for c in record["checks"]}
    assert {"p3b.V", "p3c.A.a1", "p3c.A.a2", "p3d.a2c_never_decreases"} <= ids
    for c in record["checks"]:
        assert set(c) >= {"id", "answer", "estimate", "stderr", "claimed", "z", "passed"}
        # the printed 2(b) drops the codeword itself from its own update: e <- 2 eta (x - e)
        assert c["passed"] == (c["id"] != "p2b.sgd_update"), c
    assert _agree(QUIZ4, record) >= 11


def test_quiz4_checks_have_the_power_the_rule_promises(quiz4_record):
    """At the default size a 1% slip in a simulated value would give |z| > 4.89 + 2.33."""
    for c in quiz4_record["checks"]:
        if not c["id"].startswith("p3"):
            continue  # problems 1 and 2: exact comparisons, and residuals whose claimed value is 0
        for p in c["points"]:
            if "minus" in p.get("note", ""):
                continue  # a chain member against the claim's quantity: both simulated, sized apart
            if isinstance(p["claimed"], float) and p["stderr"]:
                assert 0.01 * abs(p["claimed"]) / p["stderr"] >= 7.2 * 0.95, (c["id"], p)


def test_a_capped_run_says_which_deviation_it_catches():
    """A quantity too noisy for 1% within the budget: the run stops at MAX_EPISODES and its
    note names the deviation caught with probability 0.99 at the stage's false-alarm rate."""
    import math

    from numerics.stats import deviation_caught
    from quizproof import simulation

    sigma = 400.0

    def estimate(stage: int, n: int) -> tuple[float, float, float]:
        return 2.0, sigma / math.sqrt(n), sigma

    pc = simulation.Planner(0, None).decide({}, 2.0, estimate)
    assert pc.passed
    assert pc.episodes == simulation.MAX_EPISODES
    caught = deviation_caught(sigma / math.sqrt(pc.episodes), alpha=simulation.STAGE_ALARM) / 2.0
    assert caught > 0.01
    assert f"capped at {simulation.MAX_EPISODES:,} samples: a deviation of {caught:.1%}" in pc.note
    # a run at its budget that still catches 1% says nothing
    assert simulation.capped_note(simulation.MAX_EPISODES, 1e-4, 2.0) == ""
    # a quieter quantity is sized below the budget and says nothing
    quiet = simulation.Planner(0, None).decide({}, 2.0, lambda s, n: (2.0, 1 / math.sqrt(n), 1.0))
    assert quiet.episodes < simulation.MAX_EPISODES
    assert quiet.note == ""


def test_wrong_answers_fail_and_agree_with_check(quiz_file):
    path = quiz_file(WRONG)
    record = simulate_quiz(path, samples=SMALL, seed=1)
    # "these equations handle the last step" says nothing when the printed Q is wrong anyway
    (skipped,) = record["not_simulated"]
    assert skipped["id"] == "p3c.last_step"
    assert "fails away from the goal" in skipped["reason"]
    assert len(record["checks"]) == len(WRONG) - 1
    for c in record["checks"]:
        assert not c["passed"], c
    assert _agree(path, record) == len(WRONG) - 1


VQ_AND_BOUND = [
    ("p2a.straight_through", r"x.\text{grad} += e(\text{nearest}_E(x)).\text{grad}", True),
    ("p2a.straight_through", r"x.\text{grad} = e(\text{nearest}_E(x)).\text{grad}", False),
    ("p2a.straight_through", r"x.\text{grad} -= e(\text{nearest}_E(x)).\text{grad}", False),
    ("p2b.sgd_update", r"e(k) \leftarrow e(k) + 2\eta(x_\Psi(y) - e(k))", True),
    ("p2b.sgd_update", r"e(k) \leftarrow e(k) - 2\eta(x_\Psi(y) - e(k))", False),
    ("p2c.rolling_average", r"e(k) = (1 - 2\eta)e(k) + 2\eta x_\Psi(y)", True),
    ("p2c.rolling_average", r"e(k) = (1 - \eta)e(k) + 2\eta x_\Psi(y)", False),
    (
        "p1a.identity",
        r"-\ln P_{\text{Pop},\Psi}(z) + \ln P_\Psi(z|y) - \ln P_{\text{Pop},\Psi}(y|z)",
        True,
    ),
    (
        "p1a.identity",
        r"-\ln P_{\text{Pop},\Psi}(z) - \ln P_\Psi(z|y) - \ln P_{\text{Pop},\Psi}(y|z)",
        False,
    ),
    ("p1c.bound", r"-\ln P_\Phi(z) + \ln P_\Psi(z|y) - \ln P_\Theta(y|z)", True),
    ("p1c.bound", r"-\ln P_\Phi(z) - \ln P_\Theta(y|z)", False),  # too big at the true models
    ("p1c.bound", r"-\ln P_\Phi(z) + 2\ln P_\Psi(z|y) - \ln P_\Theta(y|z)", False),  # not a bound
    ("p1c.bound", r"H(y) \le -\ln P_\Phi(z) + \ln P_\Psi(z|y) - \ln P_\Theta(y|z)", True),
    ("p1a.identity", r"H(y) = H(z) + H(z|y) + H(y|z)", False),
    ("p2b.sgd_update", r"e_{\text{new}} = e + 2\eta(x - e)", True),
    ("p2b.sgd_update", r"e \leftarrow e^{3} + x", False),  # overflows: fails, no warning escapes
    ("p2c.rolling_average", r"e(k) = (1 - 2\eta)e(k) + 2\eta x_\Psi(y), \eta < 1/2", True),
    ("p2c.rolling_average", r"e(k) = (1 - 2\eta)e(k) + 2\eta x_\Psi(y); \eta < 1", False),
    ("p2c.rolling_average", r"e(k) = (1 - 2\eta)e(k) + 2\eta x_\Psi(y), \eta \le 1/4", False),
]


@pytest.mark.parametrize(("cid", "answer", "right"), VQ_AND_BOUND)
def test_problems_1_and_2_right_pass_wrong_fail(quiz_file, cid, answer, right):
    path = quiz_file([(cid, answer)])
    record = simulate_quiz(path, seed=4)
    (check,) = record["checks"]
    assert check["passed"] == right, check
    assert _agree(path, record) == 1


@pytest.mark.parametrize(
    ("cid", "answer"),
    [
        ("p3d.grad", r"\frac{N}{\lambda^2}"),  # d/dlambda of -N/lambda
        ("p3d.mean.a2c", r"\frac{N}{\lambda^2}"),
        ("p3d.var.a2c", r"\frac{N}{\lambda^2 (1 - \lambda)}"),  # Var K / (1 - lambda)^2
    ],
)
def test_policy_gradient_values_pass_when_right(quiz_file, cid, answer):
    path = quiz_file([(cid, answer)])
    record = simulate_quiz(path, samples=200_000, seed=5)
    (check,) = record["checks"]
    assert check["passed"], check
    assert _agree(path, record) == 1


def test_a2c_sign_uses_simulated_advantages_whatever_the_file_prints(quiz_file):
    """A printed advantage of the wrong sign does not mislead the A2C check: it simulates A."""
    path = quiz_file([("p3c.A.a1", "1"), ("p3d.a2c_never_decreases", "yes")])
    (adv, a2c) = simulate_quiz(path, samples=SMALL, seed=2)["checks"]
    assert not adv["passed"]
    assert a2c["passed"]
    assert "paired episodes per state" in a2c["points"][0]["note"]


@pytest.mark.parametrize(
    "race",
    [
        'advance_prob_a2 = "p"\nreward = "per-step"',
        "advance_prob_a1 = '1/2'\nadvance_prob_a2 = '1'",
        'reward = "per-step"',
    ],
)
def test_variant_rules_drive_the_simulation(quiz_file, race):
    """The quiz's printed answers under changed rules: simulate agrees with check on each."""
    claims = [(c, a) for c, a in _quiz4_claims() if c.startswith("p3")]
    path = quiz_file(claims, extra=f"[race]\n{race}\n")
    record = simulate_quiz(path, samples=50_000, seed=3)
    assert not all(c["passed"] for c in record["checks"])  # some printed answers break
    assert _agree(path, record) >= 10


def _quiz4_claims():
    import tomllib

    data = tomllib.loads(QUIZ4.read_text())
    return [(c["id"], c["answer"]) for c in data["claims"]]


def test_same_seed_same_numbers(quiz_file):
    path = quiz_file([("p3b.V", r"-(t + (N - i)/\lambda)"), ("p3c.A.a2", r"1/\lambda - 1")])
    a = simulate_quiz(path, samples=5000, seed=7)
    b = simulate_quiz(path, samples=5000, seed=7)
    c = simulate_quiz(path, samples=5000, seed=8)
    assert json.dumps(a) == json.dumps(b)
    assert json.dumps(a) != json.dumps(c)


def test_cli_exit_status_and_json(quiz_file, capsys):
    good = quiz_file([("p3b.V", r"-(t + (N - i)/\lambda)")])
    assert main(["simulate", str(good), "--samples", "5000", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["checks"][0]["passed"]
    bad = quiz_file([("p3b.V", r"-(t + (N - i)\lambda)")])
    assert main(["simulate", str(bad), "--samples", "5000"]) == 1
    assert "FAIL" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("claims", "extra", "args"),
    [
        ([("p3b.V", r"-(t + ")], "", []),  # unreadable answer
        ([("p3b.V", "-t")], "[race]\nadvance_prob_a2 = '2'\n", []),  # not a probability
        ([("p3b.V", "-t")], "", ["--samples", "0"]),
        ([("p3b.V", "-t")], "", ["--seed", "-1"]),
    ],
)
def test_cli_bad_input_is_status_2_with_one_line(quiz_file, capsys, claims, extra, args):
    path = quiz_file(claims, extra=extra)
    with pytest.raises(SystemExit) if args else _nothing() as exit_info:
        code = main(["simulate", str(path), *args])
    if args:
        code = exit_info.value.code
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err
    assert "Traceback" not in "\n".join(err)


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def test_cli_missing_file_is_status_2(tmp_path, capsys):
    assert main(["simulate", str(tmp_path / "none.toml")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_progress_only_on_a_terminal():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    plain, tty = io.StringIO(), Tty()
    for stream in (plain, tty):
        bar = Progress(3, stream)
        bar.tick()
        bar.close()
    assert plain.getvalue() == ""
    assert "1/3" in tty.getvalue()


def test_bench_reports_its_rates():
    record = bench(repeats=1, episodes=1 << 15, loop_episodes=500, memory_episodes=(10**4, 10**6))
    for key in ("sim_steps_per_s", "rng_uniforms_per_s", "ratio_to_rng", "python_loop_steps_per_s"):
        assert record[key] > 0
    # streaming: a hundred times the episodes, not much more memory (the chunk is 2^20)
    assert set(record["peak_memory_mb_by_episodes"]) == {"1e+04", "1e+06"}
    assert 0.5 < record["memory_ratio"] < 1.5


def test_simulate_subcommand_is_registered():
    out = subprocess.run(
        [sys.executable, "-m", "quizproof", "--help"], capture_output=True, text=True, check=True
    )
    assert "simulate" in out.stdout
    assert "bench" in out.stdout


def test_a_divergent_series_in_an_answer_fails_its_claim_at_once(quiz_file):
    """Its terms do not tend to 0: the answer has no value to estimate, and the claim says so
    (the other claims are simulated as usual)."""
    path = quiz_file([
        ("p3b.V", r"-(t + (N - i)/\lambda) \cdot e^{-\sum_{k=1}^{\infty} \sqrt{k}}"),
        ("p3c.A.a1", "-1"),
    ])  # fmt: skip
    record = simulate_quiz(path, samples=SMALL, seed=1)
    divergent, right = record["checks"]
    assert not divergent["passed"]
    assert divergent["message"] == (
        r"cannot simulate: the series \sum_{k=1}^{\infty} \sqrt{k} in the answer diverges (its "
        r"terms tend to \infty, not 0): the answer has no value to estimate"
    )
    assert right["passed"], right


def test_a_divergent_series_in_an_answer_stops_at_its_bound(monkeypatch):
    """A series SymPy cannot sum does not hold a simulation forever: it fails, with the reason."""
    import sympy as sp

    from derivations import race
    from quizproof import simulation, values
    from quizproof.families.race.notation import scope_for
    from quizproof.notation import parse

    monkeypatch.setattr(values, "NUMBER_BOUND", 0.5)
    scope = scope_for(race.QUIZ_RULES)
    value = parse(r"\exp(-\sum_{k=1}^\infty \sqrt{k})", scope).value  # read without evaluating
    point = {sp.Symbol("lambda", positive=True): sp.Rational(1, 2)}
    with pytest.raises(simulation.SimulationError, match=r"not computed within 0\.5 s"):
        simulation.number(value, point)
