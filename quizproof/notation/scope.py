"""The notation table of a problem: its symbols, functions and attributes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import sympy as sp

from quizproof.notation.tokens import NotationError


@dataclass(frozen=True)
class Application:
    """The arguments of a function application: ``P(z|y)`` has args (z, y) and bar 1."""

    args: tuple[sp.Basic, ...]
    bar: int | None = None  # index of the first argument after '|'


FunctionImpl = Callable[[Application], sp.Basic]

# A name that only states what is being given (``s_{t+1} = (i, t + 1)``): a chain
# member that is exactly SUBJECT is not compared with anything.
SUBJECT = sp.Dummy("subject")


@dataclass
class Scope:
    """The notation table of one problem: its symbols, functions and attributes.

    ``symbols`` maps a canonical name (``lambda``, ``N``, ``P_Phi``, ``a_1``) to
    a SymPy object; ``functions`` maps a canonical name (``V^pi``, ``ln``) to
    a Python function of an :class:`Application`; ``attributes`` maps an
    attribute name (``grad``) to a function of the object it is read from.
    Canonical names drop backslashes and braces: ``P_{\\text{Pop},\\Psi}`` is
    ``P_Pop,Psi``.
    """

    symbols: dict[str, sp.Basic] = field(default_factory=dict)
    functions: dict[str, FunctionImpl] = field(default_factory=dict)
    attributes: dict[str, Callable[[sp.Basic], sp.Basic]] = field(default_factory=dict)
    new_symbol: Callable[[str], sp.Symbol] | None = None  # creates unknown names, if allowed

    def knows(self, name: str) -> bool:
        return name in self.symbols or name in self.functions

    def child(self, **symbols: sp.Basic) -> Scope:
        return Scope({**self.symbols, **symbols}, self.functions, self.attributes, self.new_symbol)


def unary(f: Callable[[sp.Basic], sp.Basic], name: str) -> FunctionImpl:
    def apply(app: Application) -> sp.Basic:
        if len(app.args) != 1 or app.bar is not None:
            raise NotationError(f"{name} takes one argument")
        if isinstance(app.args[0], sp.Tuple):
            raise NotationError(f"{name} takes a number, not a tuple")
        if app.args[0].has(sp.Sum) and isinstance(f, type) and issubclass(f, sp.Function):
            # SymPy would try to evaluate the series numerically here, which may not end
            # for a divergent one: the series stays as written until it is evaluated
            return f(app.args[0], evaluate=False)
        return f(app.args[0])

    return apply


def rounded(f: Callable[..., sp.Basic]) -> Callable[[sp.Basic], sp.Basic]:
    """``f`` (ceiling or floor) of a rational; of anything else, kept unevaluated.

    SymPy rounds a number by evaluating it, to millions of digits for
    ``e^{e^{e^e}}``: the checker evaluates such an answer under its time bound.
    """
    return lambda x: f(x, evaluate=bool(x.is_Rational))


def sigmoid(x: sp.Basic) -> sp.Basic:
    return 1 / (1 + sp.exp(-x))  # $\sigma(x) = 1/(1+e^{-x})$


BASE_FUNCTIONS: dict[str, FunctionImpl] = {
    "ln": unary(sp.log, "ln"),
    "log": unary(sp.log, "log"),
    "exp": unary(sp.exp, "exp"),
    "sin": unary(sp.sin, "sin"),
    "cos": unary(sp.cos, "cos"),
    "tan": unary(sp.tan, "tan"),
    "sqrt": unary(sp.sqrt, "sqrt"),
}
