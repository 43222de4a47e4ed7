"""quizproof in a course's CI: many files, GitHub annotations, JUnit XML, pytest, pre-commit."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import ROOT, call_cli, run_cli, write_quiz

RIGHT = [("p3c.A.a1", "-1"), ("p3c.A.a2", r"\frac{1}{\lambda} - 1")]
SERIES_TIMES_TWO = r"\sum_{t=1}^{\infty} \lambda(1 - \lambda)^{t-1}t = \frac{2}{\lambda}"
WRONG = [("p3b.V", r"-(t + (N - i)\lambda)"), ("p3c.A.a1", "1")]


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A course folder: quizzes/ with a right file, a wrong one and (nested) an unusable one."""
    quizzes = tmp_path / "quizzes"
    (quizzes / "old").mkdir(parents=True)
    write_quiz(quizzes / "right.toml", RIGHT, title="right")
    write_quiz(quizzes / "wrong.toml", WRONG, title="wrong")
    (quizzes / "old" / "broken.toml").write_text("[quiz\ntitle = 'x'\n")
    return tmp_path


def test_check_takes_folders_and_reports_the_worst_status(course):
    out = run_cli("check", str(course / "quizzes"), "--json")
    assert out.returncode == 2  # the unusable file wins; the others are still decided
    record = json.loads(out.stdout)
    verdicts = {Path(f["file"]).name: [c["verdict"] for c in f["claims"]] for f in record["files"]}
    assert verdicts == {"right.toml": ["verified"] * 2, "wrong.toml": ["refuted"] * 2}
    assert [Path(u["file"]).name for u in record["unusable"]] == ["broken.toml"]
    (line,) = out.stderr.strip().splitlines()
    assert "broken.toml: is not valid TOML" in line
    text = run_cli(
        "check", str(course / "quizzes" / "right.toml"), str(course / "quizzes" / "wrong.toml")
    )
    assert text.returncode == 1
    assert "2 quiz files; 4 claims: 2 verified, 2 refuted" in text.stdout
    assert run_cli("check", str(course / "quizzes" / "right.toml")).returncode == 0


def test_github_annotations_point_at_the_answer_lines(course):
    out = run_cli("check", str(course / "quizzes"), "--format", "github")
    annotations = [line for line in out.stdout.splitlines() if line.startswith("::error ")]
    assert len(annotations) == 3  # two refuted claims and one unusable file
    wrong = course / "quizzes" / "wrong.toml"
    lines = wrong.read_text().splitlines()
    for note in annotations[:2]:
        fields = dict(p.split("=", 1) for p in note[len("::error ") :].split("::", 1)[0].split(","))
        assert fields["file"] == str(wrong)
        answer_line = lines[int(fields["line"]) - 1]
        assert answer_line.startswith("answer = "), answer_line
        assert "refuted" in fields["title"]
    assert annotations[0].split("::", 2)[2].startswith("p3b.V is refuted%0Aprinted:")
    assert "broken.toml" in annotations[2]


def test_terminal_and_annotations_show_the_slip_without_dollar_signs(tmp_path):
    """The likely slip is written for the manual (``$2$``); a terminal or a CI log shows its
    math as the printed answers are shown there, as TeX without the delimiters."""
    path = write_quiz(tmp_path / "q.toml", [("p3b.series", SERIES_TIMES_TWO)])
    for args in ((), ("--format", "github")):
        res = call_cli("check", path, *args)
        assert res.returncode == 1, res.stderr
        assert "likely slip: off by the factor 2" in res.stdout
        assert "is not the derived value" in res.stdout
        assert "$" not in res.stdout


def test_junit_xml_is_valid_and_counts_every_claim(course, tmp_path):
    xmlschema = pytest.importorskip("xmlschema")
    report = tmp_path / "report.xml"
    out = run_cli("check", str(course / "quizzes"), "--junit-xml", str(report))
    assert out.returncode == 2
    xmlschema.XMLSchema(str(ROOT / "tests" / "data" / "junit.xsd")).validate(str(report))
    root = ET.parse(report).getroot()
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("5", "2", "1")
    cases = {c.get("name"): c for c in root.iter("testcase")}
    failure = cases["p3b.V"].find("failure")
    assert failure is not None
    assert failure.get("type") == "refuted"
    assert "at " in failure.text
    assert "printed gives" in failure.text
    assert cases["quiz file"].find("error").get("type") == "unusable"
    assert {c.get("classname") for c in root.iter("testcase")} == {
        str(course / "quizzes" / n) for n in ("right.toml", "wrong.toml", "old/broken.toml")
    }


def test_the_pytest_plugin_collects_every_claim(course):
    (course / "quizzes" / "old" / "broken.toml").unlink()
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--quizproof", "quizzes", "-q", "-p", "no:cacheprovider",
         "-o", "addopts=", "-p", "no:xdist"],
        cwd=course, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert run.returncode == 1, run.stdout + run.stderr
    assert re.search(r"\b2 failed, 2 passed\b", run.stdout), run.stdout
    assert "p3b.V is refuted" in run.stdout
    assert "printed gives" in run.stdout  # the counterexample is in the report


def test_the_pytest_plugin_reports_an_unusable_file_as_a_collection_error(course):
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--quizproof", "quizzes", "-q", "-p", "no:cacheprovider",
         "-o", "addopts=", "-p", "no:xdist"],
        cwd=course, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert run.returncode == 2
    assert "ERROR collecting quizzes/old/broken.toml" in run.stdout
    assert "is not valid TOML" in run.stdout
    assert "Traceback" not in run.stdout


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=cwd, check=True, capture_output=True,
    )  # fmt: skip


def test_the_pre_commit_hook_checks_the_quiz_files_it_is_given(course, tmp_path):
    """pre-commit's own machinery runs the hook, offline: the hook repository is this
    project's .pre-commit-hooks.yaml with the installed quizproof (language 'unsupported',
    so pre-commit builds no environment of its own; in a course it is 'python')."""
    pre_commit = shutil.which("pre-commit", path=str(Path(sys.executable).parent))
    if pre_commit is None:
        pytest.skip("pre-commit is not installed: pip install -e '.[test]'")
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    text = (ROOT / ".pre-commit-hooks.yaml").read_text()
    assert "language: python" in text
    (hooks / ".pre-commit-hooks.yaml").write_text(
        text.replace("language: python", "language: unsupported")
    )
    _git(hooks, "init", "-q")
    _git(hooks, "add", ".")
    _git(hooks, "commit", "-qm", "hooks")
    (course / "quizzes" / "old" / "broken.toml").unlink()
    (course / "notes.toml").write_text("not = 'a quiz'\n")  # outside quizzes/: not checked
    _git(course, "init", "-q")
    _git(course, "add", ".")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}  # fmt: skip

    def run(*files: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [pre_commit, "try-repo", str(hooks), "quizproof-check", "--files", *files],
            cwd=course, env=env, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip

    good = run("quizzes/right.toml", "notes.toml")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout
    bad = run("quizzes/right.toml", "quizzes/wrong.toml")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "refuted" in bad.stdout
