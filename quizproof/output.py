"""How every subcommand writes its result: one JSON object or a table, then its problems."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from typing import Any


def emit(
    as_json: bool, record: Any, show: Callable[[], None], problems: Iterable[str] = ()
) -> None:
    """Print ``record`` as JSON (strict: no NaN) or call ``show``; problems go to stderr."""
    if as_json:
        json.dump(record, sys.stdout, indent=2, ensure_ascii=False, allow_nan=False)
        print()
    else:
        show()
    for line in problems:
        print(line, file=sys.stderr)


class Progress:
    """A one-line progress bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self, total: int, stream=None):
        self.total = max(total, 1)
        self.done = 0
        self.stream = stream if stream is not None else sys.stderr
        self.on = bool(getattr(self.stream, "isatty", lambda: False)())
        self.label = ""

    def tick(self) -> None:
        self.done += 1
        self.draw()

    def draw(self) -> None:
        if not self.on:
            return
        width = 30
        filled = width * self.done // self.total
        bar = "#" * filled + "." * (width - filled)
        self.stream.write(f"\rsimulate [{bar}] {self.done}/{self.total} {self.label:<28}")
        self.stream.flush()

    def close(self) -> None:
        if self.on:
            self.stream.write("\r" + " " * 80 + "\r")
            self.stream.flush()
