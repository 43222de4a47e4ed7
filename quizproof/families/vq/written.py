r"""Problem 2's derived results written as the quiz writes its answers: updates as updates.

A derived result is the new value of what a step updates (``x.grad``, a codeword), a
linear combination of the problem's quantities.  Each kind prints it in the quiz's form:
``x.\text{grad} += e(\text{nearest}_E(x)).\text{grad}``,
``e(\text{nearest}_E(x_\Psi(y))) \leftarrow e(...) + 2\eta(x_\Psi(y) - e(...))``,
``e(k) \leftarrow (1 - 2\eta)e(k) + 2\eta x_\Psi(y)``.  What is printed reads back as
the derived value.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from derivations import vq as V
from derivations.core import Derivation

X_ST, E_ST = "x", r"e(\text{nearest}_E(x))"  # the names of (a)
X_Q, E_Q = r"x_\Psi(y)", r"e(\text{nearest}_E(x_\Psi(y)))"  # the names of (b)
E_K = "e(k)"  # the name of (c)
GRADS = {V.x_grad: r"x.\text{grad}", V.e_grad: r"e(\text{nearest}_E(x)).\text{grad}"}


def coefficient(k: sp.Expr, name: str) -> str:
    """``k name`` with the coefficient as a person writes it: ``2\\eta x``, ``(1 - d) x``."""
    k = sp.factor_terms(k)
    if k == 1:
        return name
    if k == -1:
        return "-" + name
    text = sp.latex(k, order="rev-lex")
    if isinstance(k, sp.Add):
        text = r"\left(" + text + r"\right)"
    return f"{text} {name}"


def _terms(parts: list[str]) -> str:
    out = parts[0]
    for p in parts[1:]:
        out += " - " + p[1:] if p.startswith("-") else " + " + p
    return out


def combination(expr: sp.Expr, x_name: str, e_name: str) -> str:
    """A combination of the gradients, $e$ and $x$: gradients first, then $k(x - e)$ or $ae + bx$."""
    expr = sp.expand(expr)
    parts = [coefficient(expr.coeff(g), n) for g, n in GRADS.items() if expr.coeff(g) != 0]
    a, b = expr.coeff(V.e), expr.coeff(V.x)
    if sp.simplify(a + b) == 0 and b != 0:
        parts.append(coefficient(b, rf"\left({x_name} - {e_name}\right)"))
    else:
        parts += [coefficient(a, e_name)] if a != 0 else []
        parts += [coefficient(b, x_name)] if b != 0 else []
    rest = sp.expand(expr - sum(expr.coeff(s) * s for s in (*GRADS, V.e, V.x)))
    if rest != 0:
        parts.append(sp.latex(rest))
    return _terms(parts) if parts else "0"


def accumulated(d: Derivation) -> str:
    """``x.grad += ...``: what (a) and the encoder's gradient add to x.grad."""
    return r"x.\text{grad} += " + combination(d.result - V.x_grad, X_ST, E_ST)


def step(d: Derivation) -> str:
    """(b): the nearest codeword gets itself plus a step along $x_\\Psi(y) - e$."""
    change = sp.expand(d.result - V.e)
    return rf"{E_Q} \leftarrow {E_Q} + " + combination(change, X_Q, E_Q)


def average(d: Derivation) -> str:
    """(c) and the EMA: $e(k) \\leftarrow a\\, e(k) + b\\, x_\\Psi(y)$."""
    expr = sp.expand(d.result)
    a, b = expr.coeff(V.e), expr.coeff(V.x)
    return rf"{E_K} \leftarrow " + _terms([coefficient(a, E_K), coefficient(b, X_Q)])


def named(symbol: Callable[[Derivation], sp.Symbol]) -> Callable[[Derivation], str]:
    """``name = value``: a decay or a rate, with the quantity it is."""
    return lambda d: f"{sp.latex(symbol(d))} = {sp.latex(d.result, order='rev-lex')}"
