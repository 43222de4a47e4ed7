"""The two witnesses are independent: a wrong derivation leaves every simulation unchanged.

Each case runs ``quizproof simulate`` twice in a fresh process: once as is,
and once with every :class:`derivations.core.Derivation` made wrong as it is
built (a value shifted by 17/3, a yes turned into a no, each member of a
tuple shifted).  No derived form may enter a simulation, so the two reports
must be identical, digit for digit.  The same patch must change ``check``'s
verdicts, or it proves nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
QUIZZES = ROOT / "quizzes"

WRONG = r"""
import sys
import sympy as sp
from derivations import core

built = core.Derivation.__init__

def wrong(result):
    if result is sp.true or result is sp.false:
        return sp.Not(result)
    if isinstance(result, sp.Tuple):
        return sp.Tuple(*(wrong(m) for m in result))
    if isinstance(result, sp.Expr):
        return result + sp.Rational(17, 3)
    return result

def build(self, *args, **kwargs):
    built(self, *args, **kwargs)
    object.__setattr__(self, "result", wrong(self.result))

core.Derivation.__init__ = build
from quizproof.cli import main
sys.exit(main(sys.argv[1:]))
"""

PLAIN = "import sys\nfrom quizproof.cli import main\nsys.exit(main(sys.argv[1:]))\n"

CASES = [  # every family, and the race's estimates, laws and signs
    "quiz4.toml",
    "race-a1-half.toml",
    "race-discounted.toml",
    "vq-ema.toml",
    "entropy-conditional.toml",
]


def run(program: str, *args: str) -> subprocess.CompletedProcess:
    env = {"QUIZPROOF_CACHE": "off", "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-c", program, *args], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=600, check=False)  # fmt: skip


@pytest.mark.parametrize("name", CASES)
def test_simulate_is_unchanged_under_a_wrong_derivation(name):
    path = str(QUIZZES / name)
    args = ("simulate", path, "--samples", "1000")
    right, wrong = run(PLAIN, *args), run(WRONG, *args)
    assert right.returncode in (0, 1), right.stderr
    assert "simulated" in right.stdout
    assert wrong.stdout == right.stdout
    assert wrong.returncode == right.returncode


def test_the_wrong_derivation_does_change_the_verdicts():
    """The patch bites: the same file checked with it is mostly no longer verified."""
    path = str(QUIZZES / "race-a1-half.toml")
    args = ("check", path, "--format", "json")
    right, wrong = run(PLAIN, *args), run(WRONG, *args)
    verdicts = [[c["verdict"] for c in json.loads(r.stdout)["claims"]] for r in (right, wrong)]
    changed = sum(a != b for a, b in zip(*verdicts, strict=True))
    assert changed >= len(verdicts[0]) // 2
