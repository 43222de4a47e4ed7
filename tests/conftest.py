import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
QUIZ4 = ROOT / "quizzes" / "quiz4.toml"


def run_cli(*args):
    """Run the command line as a user does, in a fresh process."""
    return subprocess.run(
        [sys.executable, "-m", "quizproof", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def call_cli(*args):
    """The command line run in this process, as ``python -m quizproof`` runs it: the same
    output and exit status without a fresh interpreter's start-up (about half a second),
    for the many parametrized cases of bad input.  An exception that escapes ``main`` is
    raised here, where the process would have printed a traceback: the test fails.
    ``run_cli`` keeps the process boundary for the tests of the exit codes themselves.
    """
    import contextlib
    import io

    from quizproof.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as stop:  # argparse's usage errors
            code = stop.code if isinstance(stop.code, int) else 1
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def assert_one_line_error(res, *parts):
    """Exit status 2, no traceback, one line on stderr holding every part."""
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert "Traceback" not in res.stderr
    (line,) = res.stderr.strip().splitlines()
    for part in parts:
        assert str(part) in line, line
    return line


def write_quiz(path, claims, extra="", title="test quiz"):
    """Write a quiz file from claims [(id, answer), ...] and optional extra TOML."""
    lines = [f'[quiz]\ntitle = "{title}"\nsource = "tests"\n']
    for cid, answer in claims:
        lines.append(f"[[claims]]\nid = \"{cid}\"\nanswer = '''{answer}'''\n")
    path.write_text("\n".join(lines) + "\n" + extra)
    return path


@pytest.fixture
def quiz_file(tmp_path):
    """``write_quiz`` into this test's own folder."""

    def write(claims, extra="", title="test quiz"):
        return write_quiz(tmp_path / "quiz.toml", claims, extra, title)

    return write


# ---------------------------------------------------------------------------
# The shipped files' derivations, done once before the workers start


def pytest_configure(config):
    """Derive every form of every shipped quiz file into the derivation cache, on every core,
    before xdist's workers start: they then read those derivations from disk instead of
    each deriving the same ones at the same moment (the manual, the agreement test, the
    read-back tests all start from them).  Only in xdist's controller, with workers to come;
    a run of a few tests in one process derives what it needs where it needs it.
    """
    if hasattr(config, "workerinput") or not config.getoption("numprocesses", None):
        return
    from quizproof.checker import derive_all
    from quizproof.model import load_quiz

    derive_all([load_quiz(p) for p in sorted((ROOT / "quizzes").glob("*.toml"))])


# ---------------------------------------------------------------------------
# The manual, written and built once per test session (shared by xdist workers)

MANUAL_SAMPLES = 1000  # small simulations: the manual's pages, not its statistics, are tested


@pytest.fixture(scope="session")
def manual_sites(tmp_path_factory, worker_id):
    """The repository's manual: its Markdown tree and both sites, built once per session.

    Returns a dict with ``tree`` (the folder ``quizproof manual`` wrote), ``mkdocs``
    and ``zensical`` (the built sites; ``zensical`` is None when it is not installed).
    """
    from filelock import FileLock

    shared = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        shared = shared.parent
    base = shared / "manual-sites"
    with FileLock(str(shared / "manual-sites.lock")):
        done = base / "done.json"
        if not done.exists():
            _build_manual(base)
        import json

        return {k: (Path(v) if v else None) for k, v in json.loads(done.read_text()).items()}


def _build_manual(base):
    import json
    import shutil

    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    from quizproof.manual.generate import write_tree

    if base.exists():
        shutil.rmtree(base)
    tree = base / "tree"
    write_tree(ROOT, tree, ROOT / "mkdocs.yml", samples=MANUAL_SAMPLES)
    zensical = shutil.which("zensical", path=str(Path(sys.executable).parent))
    # Zensical builds in its own process while MkDocs builds here: the two sites side by side
    build_z = zensical and subprocess.Popen(
        [zensical, "build", "--clean", "--strict"], cwd=tree,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        config = load_config(str(tree / "mkdocs.yml"), site_dir=str(base / "mkdocs"), strict=True)
        mkdocs_build(config)  # raises on any warning in strict mode
    except BaseException:
        if build_z:
            build_z.kill()  # leave no build running behind a failed fixture
            build_z.communicate()
        raise
    site_z = None
    if build_z:
        output, _ = build_z.communicate(timeout=300)
        assert build_z.returncode == 0, f"zensical build failed:\n{output}"
        site_z = base / "zensical"
        shutil.move(str(tree / "site"), str(site_z))
    record = {"tree": str(tree), "mkdocs": str(base / "mkdocs"), "zensical": str(site_z or "")}
    (base / "done.json").write_text(json.dumps(record))


# ---------------------------------------------------------------------------
# Hypothesis profiles (tests/test_properties.py): `quizproof` for `make test`,
# `long` by hand: HYPOTHESIS_PROFILE=long pytest tests/test_properties.py

settings.register_profile(
    "quizproof",
    derandomize=True,  # the same examples on every run: a failure is a failure, not bad luck
    database=None,
    deadline=None,  # SymPy's time varies by machine; the checker bounds its own decisions
    max_examples=100,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
settings.register_profile(
    "long",
    parent=settings.get_profile("quizproof"),
    derandomize=False,  # a new seed each run
    max_examples=5000,
    print_blob=True,  # a failure prints the @reproduce_failure line that replays it
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "quizproof"))
