import subprocess
import sys
from pathlib import Path

import pytest

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
