r"""Quantities to be found: reading an answer without evaluating what the question asks for.

A problem's notation may evaluate its quantities ($V^\pi(i, t)$ read as the
derived value function), which lets a chain such as
``Q^\pi((i, t), a_1) = V^\pi(i, t + 1) = -(t + 1 + (N - i)/\lambda)`` be
checked member by member.  But an answer whose *value* is ``V^\pi(i, t + 1)``
only restates what was asked.  So an answer is read once with the quantities
*marked* (:func:`marking`): each application of a named function becomes an
opaque marked application.  Then :func:`restated` finds a marked application
left in a member, and :func:`evaluate` turns the marks into the notation's
own values (for the checker) -- or a simulator estimates each marked quantity
by simulating its definition.
"""

from __future__ import annotations

from collections.abc import Iterable

import sympy as sp
from sympy.core.function import AppliedUndef

from quizproof.notation.scope import Application, Scope
from quizproof.notation.tokens import NotationError

_PREFIX = "quantity:"


def _mark(name: str, app: Application) -> sp.Basic:
    head = f"{_PREFIX}{name}" + (f"|{app.bar}" if app.bar is not None else "")
    return sp.Function(head)(*app.args)


def marking(scope: Scope, names: Iterable[str]) -> Scope:
    """The notation with each function in ``names`` left unevaluated (marked)."""
    functions = dict(scope.functions)
    for name in names:
        if name in functions:
            functions[name] = lambda app, name=name: _mark(name, app)
    return Scope(scope.symbols, functions, scope.attributes, scope.new_symbol)


def is_marked(expr: sp.Basic) -> bool:
    return isinstance(expr, AppliedUndef) and str(expr.func).startswith(_PREFIX)


def quantity(expr: sp.Basic) -> tuple[str, Application]:
    """The name and the arguments of a marked application."""
    head = str(expr.func)[len(_PREFIX) :]
    name, _, bar = head.partition("|")
    return name, Application(tuple(expr.args), int(bar) if bar else None)


def marked(expr: sp.Basic) -> list[sp.Basic]:
    """The marked applications in an expression, outermost first."""
    if not isinstance(expr, sp.Basic):
        return []
    return [e for e in sp.preorder_traversal(expr) if is_marked(e)]


def shown(expr: sp.Basic) -> str:
    r"""A marked application in LaTeX, as the quiz writes it: ``Q^{\pi}((i, t), a_{1})``."""
    name, app = quantity(expr)
    args = [
        sp.latex(a).replace(r"\left( ", "(").replace(r"\right)", ")").replace(r", \  ", ", ")
        for a in app.args
    ]
    if app.bar is not None:
        inner = ", ".join(args[: app.bar]) + "|" + ", ".join(args[app.bar :])
    else:
        inner = ", ".join(args)
    return f"{sp.latex(sp.Symbol(name))}({inner})"


def restated(expr: sp.Basic) -> str | None:
    """The first quantity to be found that an expression still contains, in LaTeX."""
    found = marked(expr)
    return shown(found[0]) if found else None


def evaluate(expr: sp.Basic, scope: Scope) -> sp.Basic:
    """Every marked application replaced by the notation's own value of it."""
    if not marked(expr):
        return expr

    def value(e: sp.Basic) -> sp.Basic:
        name, app = quantity(e)
        try:
            return scope.functions[name](app)
        except NotationError:
            raise
        except (TypeError, ValueError, AttributeError, ArithmeticError, IndexError) as err:
            why = f"{type(err).__name__}: {err}".splitlines()[0]  # V(\sum_{k=1}^\infty 1, t)
            raise NotationError(f"${shown(e)}$ cannot be evaluated ({why})") from None

    return expr.replace(is_marked, value)
