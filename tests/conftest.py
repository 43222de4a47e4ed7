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


@pytest.fixture
def quiz_file(tmp_path):
    """Write a quiz file from claims [(id, answer), ...] and optional extra TOML."""

    def write(claims, extra="", title="test quiz"):
        lines = [f'[quiz]\ntitle = "{title}"\nsource = "tests"\n']
        for cid, answer in claims:
            lines.append(f"[[claims]]\nid = \"{cid}\"\nanswer = '''{answer}'''\n")
        path = tmp_path / "quiz.toml"
        path.write_text("\n".join(lines) + "\n" + extra)
        return path

    return write
