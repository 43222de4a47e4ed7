"""A pytest plugin: every claim of every quiz file as a test item.

Registered through the ``pytest11`` entry point, so installing quizproof is
enough::

    pytest --quizproof quizzes/

collects each ``*.toml`` file under the given paths; each claim is one item,
named by its part and id.  A verified claim passes; a refuted claim fails with
its counterexample and likely slip; a circular, undecided, invalid or
unsupported claim fails with its reason; a file that cannot be read is a
collection error.  Without ``--quizproof`` the plugin does nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("quizproof", "checking quiz files with quizproof")
    group.addoption(
        "--quizproof", action="extend", nargs="+", default=[], metavar="PATH",
        help="collect every claim of the quiz files (*.toml) under PATH as a test",
    )  # fmt: skip
    group.addoption(
        "--quizproof-timeout", type=float, default=None, metavar="SECONDS",
        help="seconds per claim (default: quizproof's own bound)",
    )  # fmt: skip


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    paths = config.getoption("quizproof")
    if not paths:
        return
    roots = []
    for name in paths:
        path = Path(name)
        if not path.exists():
            raise pytest.UsageError(f"--quizproof: {name}: no such file or folder")
        roots.append(path.resolve())
    if config.args_source != pytest.Config.ArgsSource.ARGS:  # nothing else asked: just these
        config.args = [str(p) for p in paths]
    config.pluginmanager.register(_Collector(roots), "quizproof-collector")


class _Collector:
    def __init__(self, roots: list[Path]):
        self.roots = roots

    def pytest_collect_file(self, file_path: Path, parent: pytest.Collector) -> Any:
        if file_path.suffix != ".toml":
            return None
        here = file_path.resolve()
        if any(here == r or r in here.parents for r in self.roots):
            return QuizFile.from_parent(parent, path=file_path)
        return None


class QuizFile(pytest.File):
    """A quiz file: its claims are decided when it is collected, all on one pool."""

    def collect(self):
        from quizproof.checker import DEFAULT_TIMEOUT, check
        from quizproof.model import QuizFileError, load_quiz

        try:
            quiz = load_quiz(self.path)
        except QuizFileError as err:
            raise self.CollectError(str(err)) from None
        timeout = self.config.getoption("quizproof_timeout") or DEFAULT_TIMEOUT
        result = check(quiz, timeout=timeout)
        for outcome in result.outcomes:
            name = f"{outcome.part} {outcome.id}".strip()
            yield ClaimItem.from_parent(self, name=name, outcome=outcome)


class ClaimFailed(Exception):
    """A claim that is not verified; its text is what the report shows."""


class ClaimItem(pytest.Item):
    def __init__(self, *, outcome: Any, **kwargs: Any):
        super().__init__(**kwargs)
        self.outcome = outcome

    def runtest(self) -> None:
        from quizproof.report import details

        o = self.outcome
        if o.verdict != "verified":
            raise ClaimFailed("\n".join([f"{o.id} is {o.verdict}", *details(o)]))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style=None) -> str:
        if isinstance(excinfo.value, ClaimFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        line = self.outcome.line - 1 if self.outcome.line else None
        return self.path, line, f"{self.outcome.verdict}: {self.name}"
