r"""Where a printed answer meets a simulation of its problem's own process.

For every claim whose kind has a simulation, the family's simulator reads the
printed answer (as the checker reads it: every member of a chain) and tests it
at a few admissible points against a numpy simulation that knows nothing of
the closed forms (:mod:`numerics`).  So a wrong printed answer fails here even
when the derivation is right, and a wrong derivation cannot make a right
answer fail.  What each family simulates is described in its binding.

**How a check decides.**  Each point is a two-sided z-test
$z = (\hat\theta - c)/\mathrm{se}$ (:mod:`numerics.stats`) with false-alarm
rate $\alpha = 10^{-6}$ per point.  Unless ``samples`` fixes the number of
episodes, a :class:`Planner` runs it in two stages, each tested at $\alpha/2$
(so at most $\alpha$ together): a pilot of $2^{14}$ samples, which already
fails a claim far off; then a run of
$n = \lceil ((z_{1-\alpha/4} + z_{0.99})\,\sigma/\delta)^2 \rceil$ samples,
$\sigma$ the pilot's per-sample standard deviation (inflated by 5% for the
pilot's own error) and $\delta = 1\%$ of the claimed value, so a claim off by
1% fails with probability at least $0.99$.  A run is capped at
:data:`MAX_EPISODES` samples; a capped check says in its note which deviation
it does catch with probability $0.99$ (the false-alarm rate is unchanged).  A
claim passes when every point and every member of its chain passes.  A quantity that does not vary (a
deterministic transition) is compared exactly, up to float rounding.

One seed fixes every number: the check of claim $c$ draws from
``SeedSequence(seed, spawn_key=(c, ...))``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp

from numerics import stats
from numerics.stats import FALSE_ALARM, RELATIVE_DEVIATION, ZTest, samples_needed, z_test
from quizproof.checker import prepare
from quizproof.family import Context
from quizproof.model import Claim, Quiz, load_quiz
from quizproof.notation import NotationError
from quizproof.output import Progress
from quizproof.pool import run_bounded

# A printed answer's values: the families' simulators (and other packages') import them here
from quizproof.values import NUMBER_BOUND, SimulationError, members, number, show  # noqa: F401

PILOT = 1 << 14
STAGE_ALARM = FALSE_ALARM / 2  # the pilot's test and the main run's test
SIGMA_MARGIN = 1.05
MAX_EPISODES = 1 << 22  # a run's budget of samples


class NotSimulated(Exception):
    """Nothing about this claim can be simulated here; ``str(err)`` says why (not a failure)."""


# ---------------------------------------------------------------------------
# Records


@dataclass
class PointCheck:
    point: dict[str, str]
    estimate: float
    stderr: float
    claimed: Any
    z: float | None
    passed: bool
    episodes: int
    note: str = ""
    one_sided: bool = False  # a bound: a large z on the right side is no deviation
    member: str = ""  # in a chain X = Y = value, which member this point tests
    threshold: float | None = None  # |z| beyond this fails (None: an exact comparison)


def _finite(x: float | None) -> float | None:
    """JSON has no infinities: a non-finite number is written as null."""
    if x is None or not math.isfinite(x):
        return None
    return float(x)


def _claimed(value: Any) -> Any:
    return _finite(value) if isinstance(value, float) else value


@dataclass
class ClaimCheck:
    id: str
    answer: str
    points: list[PointCheck] = field(default_factory=list)
    message: str = ""
    problem: str | None = None  # the label of the problem the claim answers

    @property
    def passed(self) -> bool:
        return bool(self.points) and all(p.passed for p in self.points)

    def worst(self) -> PointCheck:
        def badness(p: PointCheck) -> tuple[int, int, float]:
            if p.z is None or (p.one_sided and p.passed):
                return (0 if p.passed else 1, 0, 0.0)
            z = p.z if math.isfinite(p.z) else math.inf
            return (0 if p.passed else 1, 1, abs(z))

        return max(self.points, key=badness)

    def as_json(self) -> dict[str, Any]:
        record: dict[str, Any] = {"id": self.id, "problem": self.problem, "answer": self.answer}
        if not self.points:
            record.update(estimate=None, stderr=None, claimed=None, z=None, passed=False)
            return {**record, "points": [], "message": self.message}
        w = self.worst()
        record.update(
            estimate=_finite(w.estimate), stderr=_finite(w.stderr), claimed=_claimed(w.claimed),
            z=_finite(w.z), passed=self.passed,
        )  # fmt: skip
        record["points"] = [
            {
                "point": p.point, "estimate": _finite(p.estimate), "stderr": _finite(p.stderr),
                "claimed": _claimed(p.claimed), "z": _finite(p.z), "passed": p.passed,
                "episodes": p.episodes,
                "threshold": _finite(p.threshold),
                **({"member": p.member} if p.member else {}),
                **({"note": p.note} if p.note else {}),
            }
            for p in self.points
        ]  # fmt: skip
        if self.message:
            record["message"] = self.message
        return record


def labelled(pc: PointCheck, member: sp.Basic, chain: list[sp.Basic]) -> PointCheck:
    """Name the chain member a point tests, when the answer is a chain of several."""
    if len(chain) > 1:
        k = next(n for n, m in enumerate(chain) if m is member)
        pc.member = f"{k + 1} of {len(chain)}"
    return pc


# ---------------------------------------------------------------------------
# Sizing and seeding runs


class Planner:
    """Sizes and seeds the runs of a check.

    With ``samples`` every run has that many samples and each point is one
    z-test at :data:`FALSE_ALARM`.  Otherwise a point is a two-stage test: the
    pilot run is tested first, then a run sized by the sample-size rule, each
    at half the false-alarm rate (so together at most :data:`FALSE_ALARM`):
    a claim far off fails at the pilot's cost.
    """

    def __init__(self, seed: int, samples: int | None):
        self.seed = seed
        self.samples = samples

    def seedseq(self, *key: int) -> np.random.SeedSequence:
        return np.random.SeedSequence(self.seed, spawn_key=key)

    def size(self, sigma: float, claimed: float, scale: float) -> int:
        delta = RELATIVE_DEVIATION * (abs(claimed) or abs(scale) or 1.0)
        n = samples_needed(SIGMA_MARGIN * sigma, delta, alpha=STAGE_ALARM) if sigma > 0 else PILOT
        return min(max(n, 1000), MAX_EPISODES)

    def decide(
        self,
        shown: dict[str, str],
        claimed: float,
        estimate: Callable[[int, int], tuple[float, float, float]],
        scale: Callable[[], float] | None = None,
    ) -> PointCheck:
        """``estimate(stage, n) -> (estimate, stderr, per-sample sigma)`` for independent stages.

        The run is sized to catch a deviation of 1% of the claimed value, or of
        ``scale()`` (read after the pilot) when the claimed value is a difference of 0.
        """
        if self.samples is not None:
            est, se, _ = estimate(1, self.samples)
            test = z_test(est, se, claimed)
            return PointCheck(shown, est, test.stderr, claimed, test.z, test.passed,
                              self.samples, threshold=_threshold(test))  # fmt: skip
        est, se, sigma = estimate(0, PILOT)
        test = z_test(est, se, claimed, alpha=STAGE_ALARM)
        if not test.passed:
            note = "rejected by the pilot run (each stage at half the false-alarm rate)"
            return PointCheck(shown, est, test.stderr, claimed, test.z, False, PILOT, note,
                              threshold=_threshold(test))  # fmt: skip
        size = abs(claimed) or abs(scale() if scale is not None else est) or 1.0
        n = self.size(sigma, claimed, size)
        est, se, _ = estimate(1, n)
        test = z_test(est, se, claimed, alpha=STAGE_ALARM)
        note = capped_note(n, se, size) if n == MAX_EPISODES else ""
        return PointCheck(shown, est, test.stderr, claimed, test.z, test.passed, n, note,
                          threshold=_threshold(test))  # fmt: skip


def capped_note(n: int, stderr: float, size: float, how: str = "") -> str:
    """What a run cut to its budget of ``n`` samples still catches (``size``: the claimed
    value), or nothing when it still catches the planned 1%."""
    caught = stats.deviation_caught(stderr, alpha=STAGE_ALARM) / size
    if caught <= RELATIVE_DEVIATION:
        return ""
    return (f"capped at {n:,} samples{how}: a deviation of {caught:.1%} is caught with "
            f"probability 0.99 ({RELATIVE_DEVIATION:.0%} planned)")  # fmt: skip


def _threshold(test: ZTest) -> float | None:
    """The |z| a test allows, or None for an exact comparison (no spread)."""
    return test.critical if test.stderr > 0 else None


@dataclass
class SimulationRun:
    """What a family's simulator gets besides the claim: sizing, seeds, and the quiz around it."""

    planner: Planner
    index: int  # the claim's position in its file: the first key of its seeds
    quiz: Quiz

    @property
    def samples(self) -> int | None:
        return self.planner.samples

    def seedseq(self, *key: int) -> np.random.SeedSequence:
        return self.planner.seedseq(self.index, *key)


# ---------------------------------------------------------------------------
# A quiz file


@dataclass
class QuizSimulation:
    quiz: Quiz
    seed: int
    checks: list[ClaimCheck]
    problems: list[str]
    skipped: list[tuple[Claim, str]]  # claims not simulated, with the reason

    def as_json(self) -> dict[str, Any]:
        return {
            "quiz": self.quiz.title,
            "seed": self.seed,
            "checks": [c.as_json() for c in self.checks],
            "not_simulated": [
                {"id": c.id, "problem": c.problem, "reason": why} for c, why in self.skipped
            ],
        }

    @property
    def exit_code(self) -> int:
        if self.problems:
            return 2
        return 0 if all(c.passed for c in self.checks) else 1


SIMULATION_BOUND = 3600.0  # seconds a claim's simulation may take on a worker


def _simulate_one(claim: Claim, kind: Any, ctx: Context, run: SimulationRun) -> tuple[str, Any]:
    """One claim's simulation: ("check", ClaimCheck), ("skip", why) or ("unreadable", check)."""
    try:
        # A wrong answer may overflow or leave the reals: its numbers turn non-finite and
        # fail their tests; numpy's warnings about it are expected, not news.
        with np.errstate(all="ignore"):
            check = kind.simulate(claim, ctx, run)
    except NotSimulated as err:  # nothing to test here: neither a pass nor a failure
        return "skip", str(err)
    except NotationError as err:  # unreadable input: reported, exit status 2
        return "unreadable", ClaimCheck(
            claim.id, claim.answer, message=f"cannot read the answer: {err}"
        )
    except SimulationError as err:  # readable but no number to test: the claim fails
        check = ClaimCheck(claim.id, claim.answer, message=f"cannot simulate: {err}")
    except (ArithmeticError, TypeError, ValueError) as err:  # its value cannot be computed
        check = ClaimCheck(
            claim.id, claim.answer, message=f"cannot simulate: {type(err).__name__}: {err}"
        )
    return "check", check


def simulate_all(
    quizzes: list[Quiz], samples: int | None = None, seed: int = 0, progress: Progress | None = None
) -> list[QuizSimulation]:
    """Simulate every claim of every quiz, on every core (each claim is one task)."""
    if samples is not None and samples < 2:
        raise ValueError(f"samples must be at least 2, got {samples}")
    if seed < 0:
        raise ValueError(f"seed must be nonnegative, got {seed}")
    plan = Planner(seed, samples)
    results = []
    tasks: list[tuple[int, Claim, Any, Context]] = []
    for q, quiz in enumerate(quizzes):
        prepared = prepare(quiz)
        result = QuizSimulation(quiz, seed, [], [], [])
        result.problems = [f"{quiz.path}: claim {c.id}: {c.error}" for c in quiz.claims if c.error]
        for index, claim in enumerate(quiz.claims):
            if claim.error:
                continue
            fam = prepared.family(claim.problem)
            kind = fam.kinds.get(claim.kind) if fam is not None and claim.kind else None
            if kind is None or kind.simulate is None:
                result.skipped.append((claim, "nothing numeric to simulate"))
            elif claim.problem in prepared.errors:
                line = f"{quiz.path}: {prepared.errors[claim.problem]}"
                if line not in result.problems:
                    result.problems.append(line)
            else:
                run = SimulationRun(plan, index, quiz)
                tasks.append((q, claim, lambda c=claim, k=kind, r=run, x=prepared.contexts[
                    claim.problem]: _simulate_one(c, k, x, r)))  # fmt: skip
        results.append(result)
    bar = progress if progress is not None else Progress(len(tasks))

    def failed(why: str) -> tuple[str, Any]:
        return "check", ClaimCheck("", "", message=f"cannot simulate: {why}")

    outcomes = run_bounded(
        [t[2] for t in tasks], SIMULATION_BOUND,
        lambda n: failed(f"not finished within {SIMULATION_BOUND:g} s"),
        lambda n: failed("the simulation ended without an answer"),
        lambda err: failed(f"{type(err).__name__}: {err}"),
        on_result=lambda n: bar.tick(),
    )  # fmt: skip
    bar.close()
    for (q, claim, _), (what, value) in zip(tasks, outcomes, strict=True):
        result = results[q]
        if what == "skip":
            result.skipped.append((claim, value))
            continue
        value.id, value.answer, value.problem = claim.id, claim.answer, claim.problem
        if what == "unreadable":
            result.problems.append(f"{result.quiz.path}: claim {claim.id}: {value.message}")
        result.checks.append(value)
    return results


def simulate(
    quiz: Quiz, samples: int | None = None, seed: int = 0, progress: Progress | None = None
) -> QuizSimulation:
    (result,) = simulate_all([quiz], samples, seed, progress)
    return result


def simulate_quiz(path: str | Path, samples: int | None = None, seed: int = 0) -> dict:
    """The JSON record of ``quizproof simulate FILE --json``.  Raises QuizFileError."""
    return simulate(load_quiz(path), samples, seed).as_json()
