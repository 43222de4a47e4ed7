"""Loading the simulate subcommand must not hide any problem family from the checker."""

import subprocess
import sys

LIST = "from quizproof.families import families\nprint(sorted(f.name for f in families()))\n"


def _families(prelude: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", prelude + LIST], capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


def test_every_family_is_known_after_the_cli_is_imported():
    alone = _families("")
    assert "race" in alone
    assert _families("import quizproof.cli\n") == alone
    assert _families("import quizproof.simulate\n") == alone
