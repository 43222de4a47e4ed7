"""Smoke: the installed distribution is this tree, and its command finds its families.

Each test compares two routes that do not share code: the installed metadata
with the source's ``pyproject.toml``, and what the installed console script
lists with the entry points ``pyproject.toml`` declares and the quantities
Quiz 4 asks for.
"""

import json
import shutil
import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

import quizproof
from tests.conftest import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_installed_version_is_the_trees():
    declared = PYPROJECT["project"]["version"]
    assert version("quizproof") == declared  # the metadata pip installed
    assert quizproof.__version__ == declared  # the package's own


def test_the_console_script_lists_the_declared_families_and_quiz_4s_quantities():
    script = shutil.which("quizproof", path=str(Path(sys.executable).parent))
    assert script, "the quizproof console script is not installed next to this Python"
    out = subprocess.run(
        [script, "families", "--json"], capture_output=True, text=True, timeout=120, check=False
    )
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""  # no family failed to load
    listed = json.loads(out.stdout)
    declared = PYPROJECT["project"]["entry-points"]["quizproof.families"]
    assert set(declared) <= set(listed)
    # Quiz 4's problem 3 asks for the next states, V, Q and A of both actions and,
    # in 3(d), the gradient and the two estimators' variances.
    race = set(listed["race"]["kinds"])
    assert {"next.a1", "next.a2", "V", "Q.a1", "Q.a2", "A.a1", "A.a2", "grad"} <= race
    assert {"var.reinforce", "var.a2c"} <= race
    assert listed["race"]["table"] == "race"
