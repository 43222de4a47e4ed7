r"""The objects of problem 2: vectors, their one-coordinate stand-ins, and the parameters.

**Vectors.**  The derivations work with the quiz's vectors as vectors: SymPy matrix
symbols of the symbolic dimension $I$ (the embedding matrix is $E[K, I]$), differentiated
with SymPy's matrix calculus.  Every result is a linear combination of the vectors
with scalar coefficients, so it acts on each coordinate alike; :func:`scalar` writes
it with one real symbol standing for each vector (``x`` for $x_\Psi(y)$, ``e`` for
its nearest codeword, ...), the form in which printed answers are read and compared.

**Parameters.**  A variant may weight objective (4) by $c$ (``c\|x - e\|^2``), choose
the commitment weight $\beta$ of objective (3), and name the decay $d$ of an
exponential moving average: :class:`VQParams`.  Each is a number or a symbol.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import sympy as sp

eta = sp.Symbol("eta", positive=True)  # the learning rate
beta = sp.Symbol("beta", positive=True)  # the commitment weight of (3), as the quiz writes it
gamma = sp.Symbol("gamma", positive=True)  # the decay of an EMA, when none is named
mu = sp.Symbol("mu", real=True)  # the mean of the vectors assigned to a symbol (one coordinate)
I = sp.Symbol("I", integer=True, positive=True)  # the dimension of the vectors


class QuizSymbol(sp.Symbol):
    """One coordinate standing for one of the quiz's vectors, printed as the quiz prints it."""

    LATEX: ClassVar[dict[str, str]] = {
        "x": r"x_\Psi(y)",
        "e": r"e(\text{nearest}_E(x_\Psi(y)))",
        "x.grad": r"x.\text{grad}",
        "e.grad": r"e(\text{nearest}_E(x)).\text{grad}",
    }

    def _latex(self, printer):
        return self.LATEX.get(self.name, self.name)


x = QuizSymbol("x", real=True)  # x_Psi(y), the encoder's output (the quantizer's input)
e = QuizSymbol("e", real=True)  # e(nearest_E(x)), the codeword it is assigned to
x_grad = QuizSymbol("x.grad", real=True)  # x.grad before back-propagating through the quantizer
e_grad = QuizSymbol("e.grad", real=True)  # the gradient arriving at the quantizer's output


class Vector(sp.MatrixSymbol):
    """A vector of the quiz (a column of dimension $I$), printed with its short name."""

    LATEX: ClassVar[dict[str, str]] = {
        "x": "x",
        "e": "e",
        "x.grad": r"x.\text{grad}",
        "e.grad": r"e.\text{grad}",
        "s": "s",
        "q": "q",
        "mu": r"\mu_k",
        "ebar": r"\bar e_n",
    }

    def _latex(self, printer):
        return self.LATEX.get(self.name, self.name)


def vector(name: str) -> Vector:
    return Vector(name, I, 1)


X, EK, XG, EG = vector("x"), vector("e"), vector("x.grad"), vector("e.grad")
SCALAR: dict[str, sp.Symbol] = {"x": x, "e": e, "x.grad": x_grad, "e.grad": e_grad, "mu": mu}

DOMAIN = r"\eta > 0;\ \text{vectors in } \mathbb{R}^I"


def scalar(expr: sp.Basic) -> sp.Expr:
    """A linear combination of the quiz's vectors, with each vector's one-coordinate stand-in."""
    if isinstance(expr, Vector):
        return SCALAR[expr.name]
    if isinstance(expr, sp.MatAdd):
        return sp.Add(*(scalar(a) for a in expr.args))
    if isinstance(expr, sp.MatMul):
        return sp.Mul(*(scalar(a) for a in expr.args))
    if getattr(expr, "is_Matrix", False):
        raise ValueError(f"not a combination of the quiz's vectors: {expr}")
    return expr


def tex(expr: sp.Basic) -> str:
    """LaTeX with the terms in the order a person writes them: $e + 2\\eta(x - e)$."""
    return sp.latex(expr, order="rev-lex")


def norm2(v: sp.MatrixExpr) -> sp.MatrixExpr:
    r"""$\|v\|^2 = v^\top v$ (a 1x1 matrix expression)."""
    return v.T * v


ONE = sp.Integer(1)


def norm2_tex(v: sp.MatrixExpr, weight: sp.Expr = ONE) -> str:
    """``weight \\|v\\|^2`` in LaTeX, from the vector ``v`` itself."""
    head = "" if weight == 1 else sp.latex(weight) + " "
    return head + r"\left\|" + tex(v) + r"\right\|^2"


@dataclass(frozen=True)
class VQParams:
    r"""The parameters of a variant: the weights $c$ of (4) and $\beta$ of (3), an EMA's decay.

    The quiz's own problem is ``VQParams()``: $c = 1$, the symbol $\beta$, and an EMA
    decay named $\gamma$.
    """

    codebook: sp.Expr = ONE
    commitment: sp.Expr = beta
    decay: sp.Expr = gamma

    @property
    def symbols(self) -> tuple[sp.Symbol, ...]:
        """The parameters that are symbols, in a fixed order (c, beta, d)."""
        out: list[sp.Symbol] = []
        for value in (self.codebook, self.commitment, self.decay):
            for s in sorted(value.free_symbols, key=str):
                if s not in out:
                    out.append(s)
        return tuple(out)


QUIZ = VQParams()
