"""The two witnesses agree on every shipped quiz file: what check verifies, simulate passes.

Every claim of every file under ``quizzes/`` is decided by ``check`` and
simulated by ``simulate`` (fixed runs of 2000 samples: each point is still a
two-sided z-test at false-alarm rate 1e-6, so a verified claim fails only by
a bug, with probability far below one in a thousand over the whole suite).  A
verified claim must pass its simulation; a refuted one must fail it or be one
that cannot be simulated (nothing numeric).  No claim of a shipped file may be
left without either.
"""

from __future__ import annotations

from pathlib import Path

from quizproof.checker import check_all
from quizproof.model import load_quiz
from quizproof.simulation import simulate_all

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = 2000


def test_simulate_agrees_with_check_on_every_shipped_file():
    quizzes = [load_quiz(p) for p in sorted((ROOT / "quizzes").glob("*.toml"))]
    checks = check_all(quizzes, timeout=300.0)  # a bound no busy machine reaches
    sims = simulate_all(quizzes, samples=SAMPLES)
    disagreements = []
    simulated = 0
    for quiz, check, sim in zip(quizzes, checks, sims, strict=True):
        assert not sim.problems, sim.problems
        passed = {(c.problem, c.id): c.passed for c in sim.checks}
        skipped = {(c.problem, c.id) for c, _ in sim.skipped}
        for outcome in check.outcomes:
            key, where = (outcome.problem, outcome.id), f"{quiz.path.name} {outcome.id}"
            if key in skipped:
                continue
            simulated += 1
            if outcome.verdict == "verified" and not passed[key]:
                disagreements.append(f"{where}: verified, but its simulation fails")
            if outcome.verdict == "refuted" and passed[key]:
                disagreements.append(f"{where}: refuted, but its simulation passes")
            if outcome.verdict not in ("verified", "refuted"):
                disagreements.append(f"{where}: {outcome.verdict} on a shipped file")
    assert disagreements == []
    assert simulated > 100
