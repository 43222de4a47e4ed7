r"""The notation layer: a quiz's LaTeX answers read into SymPy, as data.

An answer is LaTeX as a quiz prints it, for example
``Q^\pi((i, t), a_1) = V^\pi(i, t + 1) = -(t + 1 + (N - i)/\lambda)`` or
``e(\text{nearest}_E(x_\Psi(y))) \leftarrow 2\eta(x_\Psi(y) - e(\text{nearest}_E(x_\Psi(y))))``.

Plain LaTeX does not say whether ``\eta(x - e)`` is a call or a product, or
whether ``V^\pi`` is a power; a quiz's own symbols do.  A :class:`Scope`
(the notation table of a problem) names each symbol and function that the
problem defines, and the parser settles every such case from it, the same way
for every claim:

* a name that the scope calls a *function*, followed by ``(``, is applied to
  the arguments (``|`` separates a conditional's arguments: ``P(z|y)``);
* any other name followed by ``(`` multiplies the parenthesis;
* ``_`` and ``^`` decorations join a name when the decorated name is in the
  scope (``V^\pi``, ``P_{\text{Pop},\Psi}``); otherwise ``^`` is a power;
* ``(a, b)`` is a tuple; ``x.\text{grad}`` is an attribute;
* an answer may be a chain of relations (``=``, ``\leftarrow``, ``+=``, ``\le`` ...).

The parser is a small recursive-descent parser written for this purpose.  It
never evaluates the input: there is no ``eval``, ``sympify`` or
``parse_expr`` here.  It bounds the input's length, nesting depth and the size
of numbers and numeric powers, so a hostile answer costs a bounded amount of
work and ends in a one-line :class:`NotationError`.
"""

from quizproof.notation.parser import Parsed, Parser, parse
from quizproof.notation.scope import (
    BASE_FUNCTIONS,
    SUBJECT,
    Application,
    FunctionImpl,
    Scope,
    rounded,
    sigmoid,
    unary,
)
from quizproof.notation.tokens import MAX_LENGTH, NotationError, Token, tokenize
from quizproof.notation.words import normalise_words, split_top_level, yes_no

__all__ = [
    "BASE_FUNCTIONS",
    "MAX_LENGTH",
    "SUBJECT",
    "Application",
    "FunctionImpl",
    "NotationError",
    "Parsed",
    "Parser",
    "Scope",
    "Token",
    "normalise_words",
    "parse",
    "rounded",
    "sigmoid",
    "split_top_level",
    "tokenize",
    "unary",
    "yes_no",
]
