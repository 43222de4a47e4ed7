"""Tokens of the notation layer: limits, command tables and the tokenizer."""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_LENGTH = 2000  # characters of one answer
MAX_DEPTH = 100  # nested levels of the grammar (about three a parenthesis)
MAX_DIGITS = 40  # digits of one number
MAX_EXPONENT = 1000  # |n| of an integer power taken at parse time
MAX_POWER_DIGITS = 2000  # digits of a numeric power's value


class NotationError(ValueError):
    """An answer that cannot be read: the message is one line for the user."""


GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta",
    "vartheta", "iota", "kappa", "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau",
    "upsilon", "phi", "varphi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda",
    "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega",
}  # fmt: skip
SPACES = {",", ";", ":", "!", " ", "quad", "qquad", "displaystyle", "textstyle", "left", "right",
          "bigl", "bigr", "Bigl", "Bigr", "big", "Big", "biggl", "biggr"}  # fmt: skip
TEXT_COMMANDS = {"text", "mathrm", "operatorname", "textrm", "mathit", "mathbf", "textit", "mathsf"}
RELATIONS = {
    "=": "=", "leftarrow": "<-", "gets": "<-", "coloneqq": ":=", ":=": ":=", "+=": "+=", "-=": "-=",
    "le": "<=", "leq": "<=", "ge": ">=", "geq": ">=", "<": "<", ">": ">", "ne": "!=",
    "neq": "!=", "approx": "~", "to": "->", "rightarrow": "->", "Leftarrow": "<-",
}  # fmt: skip
NAMED_FUNCTIONS = {"ln", "log", "exp", "sin", "cos", "tan"}


@dataclass(frozen=True)
class Token:
    kind: str  # num, letter, name, cmd, op, end
    text: str
    pos: int


_TOKEN = re.compile(
    r"(?P<space>\s+)"
    r"|(?P<num>\d+(?:\.\d+)?|\.\d+)"
    r"|(?P<cmd>\\(?:[A-Za-z]+|.))"
    r"|(?P<op>\+=|-=|:=|<-|[-+*/^_(){}\[\],=|.<>!'])"
    r"|(?P<letter>[A-Za-z])"
)


UNICODE = {
    "λ": r"\lambda", "η": r"\eta", "π": r"\pi", "σ": r"\sigma", "θ": r"\theta",
    "Φ": r"\Phi", "Ψ": r"\Psi", "Θ": r"\Theta", "γ": r"\gamma", "β": r"\beta",
    "α": r"\alpha", "∞": r"\infty", "−": "-", "·": r"\cdot ", "×": r"\times ",
    "≤": r"\le ", "≥": r"\ge ", "←": r"\leftarrow ", "⟨": "(", "⟩": ")",
}  # fmt: skip


def tokenize(text: str) -> list[Token]:
    """Split LaTeX into tokens; ``\\text{...}`` and friends become one name token."""
    if len(text) > MAX_LENGTH:
        raise NotationError(f"the answer is longer than {MAX_LENGTH} characters")
    # A few Unicode characters stand for their LaTeX commands (λ for \lambda, ...).
    text = "".join(UNICODE.get(ch, ch) for ch in text)
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise NotationError(f"unexpected character {text[pos]!r} at column {pos + 1}")
        kind = m.lastgroup
        value = m.group()
        if kind == "cmd" and value[1:] in TEXT_COMMANDS:
            inner = re.match(r"\s*\{([^{}\\]*)\}", text[m.end() :])
            if not inner:
                raise NotationError(f"{value} must be followed by {{letters}} at column {pos + 1}")
            name = inner.group(1).strip()
            if not re.fullmatch(r"[A-Za-z][A-Za-z ]*", name):
                raise NotationError(f"{value}{{{name}}} is not a name at column {pos + 1}")
            tokens.append(Token("name", name.replace(" ", ""), pos))
            pos = m.end() + inner.end()
            continue
        bar = re.match(r"\s*\|", text[m.end() :]) if value == "\\left" else None
        if bar:  # \left| only opens, so it may follow a factor: N \left|N - 4\right|
            tokens.append(Token("op", "left|", pos))
            pos = m.end() + bar.end()
            continue
        if kind == "cmd" and value[1:] in SPACES:
            pos = m.end()
            continue
        if kind == "cmd" and value in ("\\{", "\\}"):
            tokens.append(Token("op", value[1], pos))
        elif kind == "cmd" and value in ("\\langle", "\\rangle"):
            tokens.append(Token("op", "(" if value == "\\langle" else ")", pos))
        elif kind == "cmd" and value == "\\|":
            tokens.append(Token("op", "‖", pos))
        elif kind == "num" and len(value.replace(".", "")) > MAX_DIGITS:
            raise NotationError(f"a number longer than {MAX_DIGITS} digits at column {pos + 1}")
        elif kind != "space":
            tokens.append(Token(kind, value[1:] if kind == "cmd" else value, pos))
        pos = m.end()
    # A sentence's closing punctuation is not part of the formula.
    while tokens and tokens[-1].kind == "op" and tokens[-1].text in {".", ","}:
        tokens.pop()
    tokens.append(Token("end", "", len(text)))
    return tokens
