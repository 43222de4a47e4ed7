"""Word answers: yes or no, and sentences reduced to their words."""

from __future__ import annotations

import re

from quizproof.notation.tokens import NotationError


def normalise_words(text: str) -> str:
    """A yes/no or word answer, lower-cased with its punctuation (and \\text{...}) dropped."""
    text = re.sub(r"\\(?:text|mathrm|textrm|operatorname)\s*\{([^{}]*)\}", r"\1", text)
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", text.lower()).split())


YES = {"yes", "true", "y", "correct", "it is exactly the same", "exactly the same", "always"}
NO = {"no", "false", "n", "never"}


def yes_no(text: str) -> bool:
    """``yes`` -> True, ``no`` -> False; anything else is a NotationError."""
    words = normalise_words(text)
    if words in YES:
        return True
    if words in NO:
        return False
    raise NotationError(f"expected yes or no, found {text!r}")


def split_top_level(text: str, separators: str = ",;") -> list[str]:
    """``text`` cut at each separator outside brackets, the pieces as they stand."""
    pieces, depth, cur = [], 0, ""
    for ch in text:
        depth += ch in "({["
        depth -= ch in ")}]"
        if ch in separators and depth == 0:
            pieces.append(cur)
            cur = ""
        else:
            cur += ch
    return [*pieces, cur]
