"""``quizproof bench``: speed as ratios against a baseline measured in the same run.

- Without options: every family's own benchmark of its simulator (for one, a
  simulator against numpy's raw uniform rate and a plain Python loop).
- ``--check``: decisions per second of the checker on a generated set of right
  and wrong answers (each value kind of each installed family, derived for its
  default rules and printed as LaTeX: as derived and expanded; off by one, by a
  factor of two, and by a term that vanishes at the first admissible point, which
  only the pseudo-random points catch), on the pool of warm workers against the
  same decisions made one by one in this process.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

import sympy as sp

from quizproof import registry
from quizproof.checker import DEFAULT_TIMEOUT, check_all, derive, prepare
from quizproof.model import Claim, Problem, Quiz
from quizproof.pool import workers_for
from quizproof.printing import latex


def simulators(repeats: int = 5) -> dict[str, Any]:
    """Every family's own benchmark of its simulator, by family name."""
    return {name: fam.bench(repeats) for name, fam in registry.families().items() if fam.bench}


def generated_quiz() -> Quiz:
    """Right and wrong answers to every value kind of every family, for its default rules."""
    problems = tuple(
        Problem(name, name, fam.title, None, fam.table or name)
        for name, fam in registry.families().items()
    )
    shell = Quiz(Path("generated.toml"), "generated answers", "", (), problems, legacy=False)
    prepared = prepare(shell)
    claims: list[Claim] = []
    for form in derive(shell)[0]:
        d = form.derivation
        if isinstance(d, str) or form.kind.decide != "value":
            continue
        result = d.result
        if not isinstance(result, sp.Expr) or (result.is_number and not result.is_finite):
            continue
        first = next(iter(prepared.contexts[form.problem.label].domain.points()), {})
        hidden = sp.Mul(*(s - v for s, v in first.items() if s in result.free_symbols))
        for answer in (result, sp.expand(result), result + 1, 2 * result, result + hidden):
            claims.append(
                Claim(len(claims), form.kind.name, "", latex(answer), form.problem.label,
                      form.kind.name)
            )  # fmt: skip
    return Quiz(shell.path, shell.title, "", tuple(claims), problems, legacy=False)


def decisions(repeats: int = 3) -> dict[str, Any]:
    """Decisions per second on the pool and one by one in this process, medians of rounds."""
    quiz = generated_quiz()
    check_all([quiz], timeout=0)  # derive (and cache) everything before timing
    pooled, single = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        check_all([quiz], timeout=DEFAULT_TIMEOUT)
        pooled.append(len(quiz.claims) / (time.perf_counter() - t0))
        t0 = time.perf_counter()
        check_all([quiz], timeout=0)  # the baseline: no pool, no bound
        single.append(len(quiz.claims) / (time.perf_counter() - t0))
    return {
        "claims": len(quiz.claims),
        "workers": workers_for(len(quiz.claims)),
        "pool_decisions_per_s": statistics.median(pooled),
        "one_process_decisions_per_s": statistics.median(single),
        "speedup": statistics.median(p / s for p, s in zip(pooled, single, strict=True)),
        "repeats": repeats,
    }
