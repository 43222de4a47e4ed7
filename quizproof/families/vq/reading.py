r"""Training vector quantization: the notation, and answers read as updates and conditions.

**Notation.**  Every update of problem 2 acts coordinate by coordinate with scalar
coefficients, so an answer is read with one coordinate standing for each vector:

| LaTeX | reads as |
|---|---|
| `x`, `x_\Psi(y)` | the encoder output (the quantizer's input) $x$ |
| `\text{nearest}_E(x)` | the assigned symbol $k$ |
| `e(\text{nearest}_E(x_\Psi(y)))`, `e(k)`, `e` | its codeword $e$ |
| `x.\text{grad}`, `e(\dots).\text{grad}` | the gradients held for $x$ and for $e$ |
| `\eta`, `\gamma` | the learning rate, an EMA decay |
| `\beta`, `c`, `d`, ... | a variant's weights and decay, by the names its `[vq]` table gives |

**Updates.**  An answer ``target op value`` is read as a program statement: ``+=``
and ``-=`` add to / subtract from the target's current value; ``\leftarrow``,
``:=`` and ``=`` replace it.  ``=`` is an assignment here, as in 2(c), where the
left side is the new $e(k)$ and the right side uses the old one (read as an
equation, $e(k) = (1-2\eta)e(k) + 2\eta x$ would force $e(k) = x$, which is not
what is asked); the message says when this reading was used.  Further ``=`` in the
chain give equal forms of the same right side.  The new value is compared with the
derived one; a difference is refuted at an exact point, with the slip named
(the current value dropped, ``\leftarrow`` or ``=`` where ``+=`` is meant, a sign, a
factor).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sympy as sp

from derivations import vq as V
from quizproof.notation import (
    BASE_FUNCTIONS,
    Application,
    NotationError,
    Scope,
    parse,
    split_top_level,
)

K = sp.Symbol("k", integer=True, nonnegative=True)  # the symbol assigned to x
E_NEW = sp.Symbol("e_new", real=True)  # the codeword after the step, when named on the left
Y = sp.Symbol("y", real=True)  # the input y, only ever the argument of x_Psi

ASSIGN_NOTE = (
    "“=” is read as an assignment (the new value on the left, the old one on the right), "
    "as in a program: read as an equation it would force the codeword to equal the vector x"
)
GRAD_ASSIGN_NOTE = (
    "“=” is read as an assignment, as in a program: the new x.grad replaces what x.grad "
    "already holds, where back-propagation adds to it (+=)"
)
TARGET_NAMES = {
    V.x_grad: r"x.\text{grad}",
    V.e: r"e(\text{nearest}_E(x_\Psi(y)))",
}
POINT_NAMES = {
    V.x: r"x_\Psi(y)",
    V.e: r"e(\text{nearest}_E(x_\Psi(y)))",
    V.eta: r"\eta",
    V.x_grad: r"x.\text{grad}",
    V.e_grad: r"e(\text{nearest}_E(x)).\text{grad}",
}


def point_name(kind: str, s: sp.Symbol) -> str:
    if kind in ("straight_through", "encoder_gradient") and s in (V.x, V.e):
        return {V.x: "x", V.e: r"e(\text{nearest}_E(x))"}[s]
    return POINT_NAMES.get(s, sp.latex(s))


def _one(app: Application, name: str) -> sp.Basic:
    if len(app.args) != 1 or app.bar is not None:
        raise NotationError(f"{name} takes one argument")
    return app.args[0]


def _nearest(app: Application) -> sp.Basic:
    if _one(app, "nearest_E") != V.x:
        raise NotationError(r"\text{nearest}_E is applied to x or x_\Psi(y) in this problem")
    return K


def _codeword(app: Application) -> sp.Basic:
    if _one(app, "e") != K:
        raise NotationError(r"e(\cdot) is the codeword of the assigned symbol k = nearest_E(x)")
    return V.e


def _encoder(app: Application) -> sp.Basic:
    if _one(app, "x_Psi") != Y:
        raise NotationError(r"x_\Psi takes y")
    return V.x


def _grad(value: sp.Basic) -> sp.Basic:
    grads = {V.x: V.x_grad, V.e: V.e_grad}
    if value not in grads:
        raise NotationError(".grad is read from x or from a codeword e(...)")
    return grads[value]


def scope_for(params: V.VQParams = V.QUIZ) -> Scope:
    """The notation of problem 2, with the names of a variant's symbols (its weights, decay)."""
    functions = dict(BASE_FUNCTIONS)
    functions.update(
        {"nearest_E": _nearest, "nearest": _nearest, "e": _codeword, "x_Psi": _encoder}
    )
    symbols = {
        "x": V.x,
        "y": Y,
        "k": K,
        "e": V.e,
        "eta": V.eta,
        "gamma": V.gamma,
        "mu": V.mu,
        "pi": sp.pi,
        "e_k": V.e,  # e_k for e(k)
        "e_new": E_NEW,  # e_{\text{new}} = ...: the new value, defined
        "e^new": E_NEW,
        "x_Psi": V.x,  # x_\Psi without its argument
        "beta": V.beta,  # the quiz's commitment weight
    }
    symbols.update({str(s): s for s in params.symbols})
    return Scope(symbols, functions, {"grad": _grad})


def plain_updates(text: str) -> str:
    r"""``\mathrel{+}=`` and ``\mathrel{+}{=}`` as ``+=`` (likewise ``-=``); ``:=`` as ``\coloneqq``."""
    text = re.sub(r"\\mathrel\s*\{\s*([+-])\s*\}\s*(?:=|\{\s*=\s*\})", r"\1=", text)
    return text.replace(":=", r" \coloneqq ")


_CONDITION_WORDS = re.compile(r"\\q?quad|\\text\s*\{\s*(?:for|if|when|where|with)\s*\}")
_LEADING_WORD = re.compile(r"^\s*(?:for|if|when|where|with)\b", re.IGNORECASE)


def split_condition(text: str) -> tuple[str, list[str]]:
    r"""``update, \eta < 1/2`` (or ``\quad``, ``\text{for}``, ``;``) into the update and conditions."""
    marked = _CONDITION_WORDS.sub(",", re.sub(r"\\[,;:!]", " ", text))  # \, is a space
    pieces = [_LEADING_WORD.sub("", p).strip() for p in split_top_level(marked)]
    pieces = [p for p in pieces if p and p != "."]
    if not pieces:
        return text, []
    return pieces[0], pieces[1:]


# The quantity each claim kind updates.
TARGET = {
    "straight_through": V.x_grad,
    "encoder_gradient": V.x_grad,
    "sgd_update": V.e,
    "rolling_average": V.e,
    "ema_update": V.e,
}
PROBLEM_SYMBOLS = {V.x, V.e, V.eta, V.x_grad, V.e_grad, V.beta, V.gamma}
UPDATES = ("<-", "=", ":=", "+=", "-=")
_REL = {"<": sp.Lt, "<=": sp.Le, ">": sp.Gt, ">=": sp.Ge}


@dataclass(frozen=True)
class Update:
    """An update statement ``lhs op right_1 = right_2 = ...`` and the conditions after it."""

    op: str
    lhs: sp.Basic
    rights: tuple[sp.Expr, ...]
    conditions: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def new_values(self) -> list[sp.Expr]:
        """The value each form of the right side gives the target (``+=`` adds to it)."""
        return [{"+=": self.lhs + r, "-=": self.lhs - r}.get(self.op, r) for r in self.rights]


def read_update(kind: str, text: object, scope: Scope) -> Update:
    """Read an update answer of a claim kind; NotationError if it is not one."""
    if not isinstance(text, str):
        raise NotationError("the answer must be a string of LaTeX")
    update, conditions = split_condition(text)
    if conditions and kind != "rolling_average":
        raise NotationError("expected one update statement")
    parsed = parse(plain_updates(update), scope)
    target = TARGET[kind]
    notes: list[str] = []
    if not parsed.relations:
        if kind == "straight_through":
            raise NotationError("expected an update of x.grad, e.g. x.grad += ...")
        # a value alone: the new codeword, or for the encoder the gradient x.grad receives
        op = "+=" if kind == "encoder_gradient" else "<-"
        lhs, rights = target, list(parsed.members)
    else:
        op, lhs, rights = parsed.relations[0], parsed.members[0], list(parsed.members[1:])
        if op not in UPDATES:
            raise NotationError(f"expected an update (<-, =, +=), found {op!r}")
        bad = [r for r in parsed.relations[1:] if r != "="]
        if bad:
            raise NotationError(f"after the update only '=' may follow, found {bad[0]!r}")
        if op == "=":
            notes.append(ASSIGN_NOTE if target == V.e else GRAD_ASSIGN_NOTE)
    if lhs == E_NEW and target == V.e and op in ("=", ":=", "<-"):
        lhs, op = V.e, "<-"  # e_new = ... defines the new value: no assignment reading needed
        notes = []
    for rhs in rights:
        if not isinstance(rhs, sp.Expr) or isinstance(rhs, sp.Tuple):
            raise NotationError("the right side must be an expression")
        extra = rhs.free_symbols - PROBLEM_SYMBOLS - set(_variant_symbols(scope))
        if extra:
            names = ", ".join(sorted(sp.latex(s) for s in extra))
            raise NotationError(f"the update uses {names}, which this step does not involve")
    return Update(op, lhs, tuple(rights), tuple(conditions), tuple(notes))


def _variant_symbols(scope: Scope) -> list[sp.Symbol]:
    return [v for v in scope.symbols.values() if isinstance(v, sp.Symbol) and v.is_positive]


def read_condition(text: str, scope: Scope) -> list[sp.Basic]:
    r"""A condition on $\eta$ (``\eta < 1/2``, ``0 < \eta \le \frac{1}{2}``) as relations."""
    parsed = parse(text, scope)
    if not parsed.relations or any(r not in _REL for r in parsed.relations):
        raise NotationError(r"expected a condition such as \eta \le 1/2")
    conds = [
        _REL[r](a, b, evaluate=False)
        for r, a, b in zip(parsed.relations, parsed.members[:-1], parsed.members[1:], strict=True)
    ]
    allowed = {V.eta} | set(_variant_symbols(scope)) - {V.beta, V.gamma}
    for c in conds:
        if c.free_symbols - allowed:
            raise NotationError("the condition may involve eta (and the weight of (4)) only")
    return conds
