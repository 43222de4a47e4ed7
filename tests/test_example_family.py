"""The example family of examples/coinflips, installed as its own distribution, end to end.

The example is installed once into a throwaway directory, offline and without
touching this environment, and every command runs in a fresh process with that
directory on ``PYTHONPATH``: ``importlib.metadata`` finds the example's entry
point there exactly as it would in a course's environment.
"""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "coinflips"
QUIZ = EXAMPLE / "quizzes" / "coinflips.toml"
VARIANT = EXAMPLE / "quizzes" / "coinflips-third.toml"
KINDS = ["flips", "tails", "variance", "at_least_one_head"]
WRONG = "variance"  # the one answer the example quiz gets wrong on purpose
SAMPLES = "4000"


def offline_env(**extra: str) -> dict[str, str]:
    """This environment without pip's configuration: no index, no find-links, no network."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    return {**env, **extra}


PIP_INSTALL = [
    sys.executable,
    "-m",
    "pip",
    "install",
    "--no-deps",
    "--no-build-isolation",
    "--no-index",
]
SETUPTOOLS = [sys.executable, "-c", "from setuptools import setup; setup()", "--quiet"]


def setuptools_builds_wheels() -> bool:
    """setuptools builds wheels by itself from 70.1; before that only with the wheel package."""
    version = importlib.metadata.version("setuptools")
    major_minor = tuple(int(x) for x in re.findall(r"\d+", version)[:2])
    return major_minor >= (70, 1) or importlib.util.find_spec("wheel") is not None


def install(source: Path, target: Path) -> list[str]:
    """Install the example from ``source`` into ``target`` with this environment's setuptools.

    Nothing is fetched: no dependencies (quizproof is already here), no build
    isolation (it would download setuptools), no index.  Where setuptools can
    build a wheel, pip installs it; a fresh venv of Python 3.11 has the
    setuptools 65.5 that ensurepip bundles, which cannot without the ``wheel``
    package, so there setuptools itself writes the package and its metadata
    (``*.egg-info``, which ``importlib.metadata`` reads like a ``*.dist-info``).
    """
    target.mkdir(parents=True, exist_ok=True)
    if setuptools_builds_wheels():
        command = [*PIP_INSTALL, "--target", str(target), str(source)]
    else:
        command = [*SETUPTOOLS, "egg_info", "--egg-base", str(target)]
        command += ["build_py", "--build-lib", str(target)]
    done = subprocess.run(
        command,
        cwd=source,
        env=offline_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"{' '.join(command)}\n{done.stdout}\n{done.stderr}"
    return command


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example installed into a throwaway directory (built from a copy: nothing is
    written under examples/)."""
    if importlib.util.find_spec("setuptools") is None:
        pytest.skip("this environment has no setuptools to build the example offline")
    root = tmp_path_factory.mktemp("coinflips")
    source = root / "source"
    skip = shutil.ignore_patterns("build", "*.egg-info", "__pycache__")
    shutil.copytree(EXAMPLE, source, ignore=skip)
    install(source, root / "site")
    return root / "site"


def quizproof(target: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return python(target, "-m", "quizproof", *args)


def python(target: Path, *args: str) -> subprocess.CompletedProcess[str]:
    path = os.pathsep.join(p for p in (str(target), os.environ.get("PYTHONPATH", "")) if p)
    env = offline_env(PYTHONPATH=path)
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_example_is_an_installed_family_and_this_environment_is_untouched(target):
    assert any(target.glob("quizproof_coinflips*-info/entry_points.txt"))
    assert importlib.util.find_spec("coinflips") is None  # installed there, not here
    done = quizproof(target, "families", "--json")
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert {"coinflips", "race", "vq", "entropy"} <= set(found)
    assert found["coinflips"]["table"] == "coinflips"
    assert list(found["coinflips"]["kinds"]) == KINDS


def test_check_refutes_the_deliberate_slip_with_an_exact_counterexample(target):
    done = quizproof(target, "check", str(QUIZ), "--json")
    assert done.returncode == 1, done.stderr
    assert done.stderr == ""
    claims = {c["id"]: c for c in json.loads(done.stdout)["claims"]}
    assert list(claims) == KINDS
    assert {k: c["verdict"] for k, c in claims.items()} == {
        k: "refuted" if k == WRONG else "verified" for k in KINDS
    }
    wrong = claims[WRONG]
    assert wrong["expected"] == r"\frac{k \left(1 - p\right)}{p^{2}}"
    # k^2 (1-p)/p^2 and k (1-p)/p^2 agree at k = 1: the first point that tells them apart.
    assert wrong["counterexample"] == {
        "point": {"p": r"\frac{1}{2}", "k": "2"},  # n is not in either side: not shown
        "claimed": "8",
        "derived": "4",
    }
    assert claims["flips"]["expected"] == r"\frac{k}{p}"
    assert all(c["steps"] for c in claims.values())


def test_derive_lists_every_kind_with_its_latex(target):
    done = quizproof(target, "derive", str(QUIZ))
    assert done.returncode == 0, done.stderr
    rows = dict(line.split(None, 1) for line in done.stdout.splitlines()[1:])
    assert rows == {
        "flips": r"\frac{k}{p}",
        "tails": r"\frac{k \left(1 - p\right)}{p}",
        "variance": r"\frac{k \left(1 - p\right)}{p^{2}}",
        "at_least_one_head": r"1 - \left(1 - p\right)^{n}",
    }


def test_simulate_passes_the_right_answers_and_fails_the_slip(target):
    # Why 4000 samples reject the slip with overwhelming probability: the printed
    # variance k^2(1-p)/p^2 is tested at (p, k) = (1/3, 3), where it says 54 and the
    # truth is 18, and at (3/4, 2), 16/9 against 8/9.  The sample variance s^2 of n
    # episodes has standard error sqrt((mu_4 - sigma^4)/n); for T, a sum of k
    # independent geometric waits, mu_4 = kappa_4 + 3 kappa_2^2 with kappa_2 = kq/p^2
    # and kappa_4 = kq(1 + 4q + q^2)/p^4 (q = 1 - p): 1638 and sigma^4 = 324 at
    # (1/3, 3), so se = sqrt(1314/4000) = 0.57 and the deviation 36 is 63 standard
    # errors; at (3/4, 2) se = 0.035 and the deviation 0.89 is 25.  The test rejects
    # beyond 4.89 standard errors (false-alarm rate 1e-6), so either point alone
    # fails the slip unless s^2 strays by 20 standard errors or more.  The right
    # answers pass at false-alarm rate 1e-6 per point, and the seed is fixed.
    done = quizproof(target, "simulate", str(QUIZ), "--samples", SAMPLES, "--json")
    assert done.returncode == 1, done.stderr
    checks = {c["id"]: c for c in json.loads(done.stdout)["checks"]}
    assert list(checks) == KINDS
    assert {k: c["passed"] for k, c in checks.items()} == {k: k != WRONG for k in KINDS}
    for check in checks.values():
        assert check["points"]
        assert all(p["episodes"] == int(SAMPLES) for p in check["points"])
    failed = [p for p in checks[WRONG]["points"] if not p["passed"]]
    assert [p["point"] for p in failed] == [{"p": "1/3", "k": "3"}, {"p": "3/4", "k": "2"}]
    assert all(abs(p["z"]) > 15 for p in failed)


def test_a_variant_table_gives_its_own_answers(target):
    check = quizproof(target, "check", str(VARIANT), "--json")
    assert check.returncode == 0, check.stdout + check.stderr
    claims = json.loads(check.stdout)["claims"]
    assert [(c["id"], c["verdict"], c["expected"]) for c in claims] == [
        ("flips", "verified", "3 k"),
        ("variance", "verified", "6 k"),
        ("at_least_one_head", "verified", r"1 - \left(\frac{2}{3}\right)^{n}"),
    ]
    simulated = quizproof(target, "simulate", str(VARIANT), "--samples", SAMPLES)
    assert simulated.returncode == 0, simulated.stdout + simulated.stderr


BAD_TABLE = """
[quiz]
title = "A bad variant"

[problems.1]
family = "coinflips"

[problems.1.coinflips]
bias = '1/3'
colour = 'red'

[[claims]]
problem = "1"
id = "flips"
answer = '3k'
"""


@pytest.mark.parametrize("command", ["check", "derive", "simulate"])
def test_a_bad_variant_table_is_one_line_naming_the_file_and_the_key(target, tmp_path, command):
    path = tmp_path / "bad.toml"
    path.write_text(BAD_TABLE, encoding="utf-8")
    done = quizproof(target, command, str(path))
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert str(path) in lines[0]
    assert "[problems.1.coinflips]: unknown key(s) colour" in lines[0]
    assert "Traceback" not in done.stdout + done.stderr


MANUAL = """
import json, sys
from pathlib import Path
from quizproof.manual import data, pages, html

(quiz,) = data.collect(Path(sys.argv[1]), samples=2000)
(problem,) = quiz.problems
figures = pages.problem_figures(problem)
for n, figure in enumerate(figures):
    Path(sys.argv[1], f"figure-{n}.svg").write_bytes(figure.svg)
print(json.dumps({
    "page": pages.problem_page(quiz, problem, figures),
    "anchors": {c.id: html.claim_anchor(c.key) for c in problem.claims},
    "figures": [{"src": f.src_uri, "alt": f.alt, "caption": f.caption} for f in figures],
}))
"""


def test_the_manual_page_has_the_restatement_every_claim_the_erratum_and_the_figure(
    target, tmp_path
):
    pytest.importorskip("matplotlib", reason="figures need the docs extra")
    shutil.copy(QUIZ, tmp_path / QUIZ.name)
    done = python(target, "-c", MANUAL, str(tmp_path))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    page = out["page"]
    assert page.startswith("# Problem 1: Waiting for heads\n")
    assert "## The problem" in page
    assert "flipped again and again until it has shown heads $k$" in page
    assert sorted(out["anchors"]) == sorted(KINDS)
    for anchor in out["anchors"].values():
        assert f'id="{anchor}"' in page
    assert page.count("qp-erratum") == 1
    assert "Erratum: 1(c)" in page  # the id is in the authors box, not the title
    ((figure),) = out["figures"]
    assert figure["src"] == "figures/coinflips-p1-flips.svg"
    assert figure["alt"]
    assert "E(T)" in figure["caption"]
    assert f'aria-label="{figure["alt"]}"' in page  # the figure is set inline
    assert "<figcaption>" in page
    svg = (tmp_path / "figure-0.svg").read_bytes()
    assert svg.startswith(b"<?xml")
    assert b"<svg" in svg


def imported(path: Path) -> set[str]:
    """The modules a file imports (relative imports as '.name')."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            found |= {base} if node.module else {f"{base}{a.name}" for a in node.names}
    return found


def test_the_two_witnesses_of_the_example_stay_independent():
    package = EXAMPLE / "src" / "coinflips"
    assert imported(package / "derivation.py") == {
        "__future__", "dataclasses", "functools", "sympy", "derivations.core",
    }  # fmt: skip
    assert imported(package / "simulation.py") == {"__future__", "numpy", "numerics.stats"}
