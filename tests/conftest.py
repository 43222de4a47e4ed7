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

MANUAL_SAMPLES = 4000  # small simulations: the manual's pages, not its statistics, are tested


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
    config = load_config(str(tree / "mkdocs.yml"), site_dir=str(base / "mkdocs"), strict=True)
    mkdocs_build(config)  # raises on any warning in strict mode
    zensical = shutil.which("zensical", path=str(Path(sys.executable).parent))
    site_z = None
    if zensical:
        subprocess.run([zensical, "build", "--clean", "--strict"], cwd=tree, check=True,
                       capture_output=True, timeout=300)  # fmt: skip
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
