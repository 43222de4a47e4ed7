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
