r"""Training a vector-quantization codebook (TTIC 31230, Quiz 4, problem 2).

A codebook $E$ holds one vector $e(k)$ per symbol $k$; quantization maps a vector
to the symbol with the nearest codeword, $\text{nearest}_E(x) = \arg\min_k \|x - e(k)\|$.

**Straight-through gradient.**  The quantizer's output $e(\text{nearest}_E(x))$ is
piecewise constant in $x$, so its true derivative is zero almost everywhere.  The
straight-through rule uses the identity instead: the forward pass computes
$q(x) = x + \text{sg}(e - x)$ with a stop-gradient $\text{sg}$ (value $e$, derivative
$0$), whose Jacobian in $x$ is the identity.  Back-propagation accumulates
$x.\text{grad} \mathrel{+}= J^\top q.\text{grad}$, i.e.

$$x.\text{grad} \mathrel{+}= e(\text{nearest}_E(x)).\text{grad}.$$

It is an accumulation: $x = x_\Psi(y)$ also receives the gradient of the
commitment term $\beta\|x_\Psi(y) - e\|^2$ of the encoder's objective.

**SGD on the codebook objective.**  For the sampled $y$, with $x = x_\Psi(y)$ and
$e = e(\text{nearest}_E(x))$ (the index is locally constant in $E$, so only the
explicit dependence counts),

$$\nabla_e \|x - e\|^2 = -2(x - e), \qquad
  e \leftarrow e - \eta\nabla_e = e + 2\eta(x - e) = (1 - 2\eta)\,e + 2\eta\,x .$$

**Rolling average.**  The weights $1 - 2\eta$ and $2\eta$ sum to one; they form a
convex combination exactly when $0 \le \eta \le 1/2$.  Unrolled, $e_n$ is
$(1-2\eta)^n e_0$ plus a weighted sum of the assigned $x$'s with weights
$2\eta(1-2\eta)^{n-1-m}$, all weights summing to one.  In expectation,
$E[e'] = (1-2\eta)e + 2\eta\mu_k$ with $\mu_k = E[x \mid \text{nearest}_E(x) = k]$,
whose fixed point is $e = \mu_k$ (for $\eta > 0$), reached geometrically at rate
$1 - 2\eta$.  This is the exponential moving average of the VQ-VAE codebook update
with decay $\gamma = 1 - 2\eta$.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

import sympy as sp

from derivations.core import Derivation, Step


def _label(name: str) -> sp.Symbol:
    """A real-valued name standing for a quantity in a step's display (an entropy, a gap)."""
    return sp.Symbol(name, real=True)


eta = sp.Symbol("eta", positive=True)  # the learning rate
# One coordinate of each vector: every update below acts coordinate by coordinate
# with scalar coefficients, so a coordinate stands for the vector.


class QuizSymbol(sp.Symbol):
    """A coordinate of one of the quiz's vectors, printed in the quiz's LaTeX."""

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
mu = sp.Symbol("mu", real=True)  # E[x | nearest_E(x) = k]
gamma = sp.Symbol("gamma", positive=True)  # an EMA decay

DIM = 3  # the explicit dimension of the vector derivations
DOMAIN = r"\eta > 0;\ \text{vectors in } \mathbb{R}^d \text{ (coordinates shown)}"


class sg(sp.Function):
    """Stop-gradient: the identity in value, derivative zero."""

    nargs = 1

    def fdiff(self, argindex=1):
        return sp.Integer(0)

    def _latex(self, printer):
        return r"\operatorname{sg}\left(" + printer._print(self.args[0]) + r"\right)"


def _vectors(dim: int = DIM) -> tuple[sp.Matrix, sp.Matrix]:
    xs = sp.Matrix([sp.Symbol(f"x_{i}", real=True) for i in range(dim)])
    es = sp.Matrix([sp.Symbol(f"e_{i}", real=True) for i in range(dim)])
    return xs, es


def _coordinate(expr: sp.Expr, xs: sp.Matrix, es: sp.Matrix, i: int) -> sp.Expr:
    """Coordinate i of a vector formula, written with the scalar stand-ins x, e."""
    return expr.xreplace({xs[i]: x, es[i]: e})


@functools.cache
def straight_through(dim: int = DIM) -> Derivation:
    r"""2(a): $x.\text{grad} \mathrel{+}= e(\text{nearest}_E(x)).\text{grad}$.

    The result is the new value of $x.\text{grad}$ in terms of the old one.
    """
    xs, es = _vectors(dim)
    q = xs + (es - xs).applyfunc(sg)  # $q(x) = x + \text{sg}(e - x)$
    value = q.applyfunc(lambda c: c.replace(sg, lambda a: a))  # sg is the identity in value
    jac = q.jacobian(xs)  # $\partial q / \partial x$
    gs = sp.Matrix([sp.Symbol(f"g_{i}", real=True) for i in range(dim)])  # q.grad
    pulled = jac.T * gs  # $J^\top q.\text{grad}$
    if value != es or jac != sp.eye(dim):
        raise AssertionError("straight-through surrogate misbehaves")  # pragma: no cover
    result = x_grad + _coordinate(pulled[0], xs, es, 0).xreplace({gs[0]: e_grad})
    steps = (
        Step("Forward: the straight-through quantizer q(x) = x + sg(e - x)", q),
        Step("In value sg is the identity, so q(x) = e(nearest_E(x))", value),
        Step("Its Jacobian in x is the identity (sg has derivative 0)", jac),
        Step(
            "Back-propagation adds J^T q.grad to x.grad, and q.grad = e(nearest_E(x)).grad", pulled
        ),
        Step(
            "So, coordinate by coordinate, the new x.grad is",
            sp.Eq(_label("x.grad_new"), result, evaluate=False),
        ),
        Step(
            "It accumulates: x = x_Psi(y) also gets the commitment term's gradient in (3)",
            sp.Eq(_label("x.grad_new") - x_grad, e_grad, evaluate=False),
        ),
    )
    return Derivation("p2a.straight_through", result, steps, DOMAIN)


def codebook_gradient(dim: int = DIM) -> tuple[sp.Matrix, sp.Matrix, sp.Matrix, sp.Expr]:
    r"""$(x, e, \nabla_e \|x - e\|^2, \|x - e\|^2)$ in explicit coordinates."""
    xs, es = _vectors(dim)
    loss = sum(((xs[i] - es[i]) ** 2 for i in range(dim)), sp.Integer(0))  # $\|x - e\|^2$
    grad = sp.Matrix([sp.diff(loss, es[i]) for i in range(dim)])  # $\nabla_e \|x-e\|^2$
    return xs, es, grad, loss


@functools.cache
def sgd_update(dim: int = DIM) -> Derivation:
    r"""2(b): one SGD step on (4) gives $e \leftarrow e + 2\eta(x - e)$ (new value of $e$)."""
    xs, es, grad, loss = codebook_gradient(dim)
    new = es - eta * grad  # $e \leftarrow e - \eta \nabla_e$
    X, Em = sp.MatrixSymbol("x", dim, 1), sp.MatrixSymbol("e", dim, 1)
    matrix_grad = sp.diff(((X - Em).T * (X - Em)), Em)
    step = _coordinate(new[0], xs, es, 0) - e  # the change of one coordinate
    rate = sp.cancel(step / (x - e))  # it is proportional to x - e
    if rate.free_symbols - {eta}:
        raise AssertionError("the step is not along x - e")  # pragma: no cover
    result = e + rate * (x - e)  # $e + 2\eta(x - e)$
    for i in range(dim):
        if sp.expand(_coordinate(new[i], xs, es, i) - result) != 0:
            raise AssertionError("coordinates disagree")  # pragma: no cover
    steps = (
        Step(
            "For the sampled y the objective (4) is ||x - e||^2 with x = x_Psi(y), "
            "e = e(nearest_E(x)); the index is locally constant in E",
            loss,
        ),
        Step("Its gradient with respect to e, coordinate by coordinate", grad),
        Step("The same in matrix form", matrix_grad),
        Step("Other codewords do not appear in the loss: their gradient is 0", sp.Integer(0)),
        Step("SGD: e <- e - eta * grad", new),
        Step(
            "Each coordinate, with x, e for the coordinates of x_Psi(y), e(nearest_E(x_Psi(y)))",
            sp.Eq(_label("e_new"), result, evaluate=False),
        ),
    )
    return Derivation("p2b.sgd_update", result, steps, DOMAIN)


@functools.cache
def rolling_average() -> Derivation:
    r"""2(c): the SGD step as $(1-2\eta)e + 2\eta x$, a convex combination for $0 \le \eta \le 1/2$."""
    new = sgd_update().result
    poly = sp.Poly(sp.expand(new), e, x)
    a, b = poly.coeff_monomial(e), poly.coeff_monomial(x)  # weight of e, weight of x
    if poly.coeff_monomial(1) != 0 or sp.simplify(a + b - 1) != 0:
        raise AssertionError("not an affine average")  # pragma: no cover
    result = a * e + b * x  # $(1 - 2\eta) e + 2\eta x$
    cond = convexity_condition().result
    steps = (
        Step("The SGD step of (b)", sp.Eq(_label("e_new"), new, evaluate=False)),
        Step("Collect the weights of e and of x", sp.Tuple(a, b)),
        Step("They sum to one", sp.Eq(sp.Add(a, b, evaluate=False), 1, evaluate=False)),
        Step("So the step is the average", sp.Eq(_label("e_new"), result, evaluate=False)),
        Step("with nonnegative weights (a rolling average) exactly when", cond),
        *fixed_point().steps,
        *ema_decay().steps,
    )
    return Derivation("p2c.rolling_average", result, steps, DOMAIN)


@functools.cache
def convexity_condition() -> Derivation:
    r"""Both weights $1 - 2\eta$, $2\eta$ nonnegative: $0 \le \eta \le 1/2$ (given $\eta > 0$: $\eta \le 1/2$)."""
    h = sp.Symbol("eta", real=True)  # eta without the positivity assumption
    weights = (1 - 2 * h, 2 * h)
    cond = sp.reduce_inequalities([sp.Ge(w, 0) for w in weights], h)
    steps = (
        Step("The weights of the rolling average", sp.Tuple(*weights)),
        Step("Both nonnegative", cond),
    )
    return Derivation("p2c.condition", cond.xreplace({h: eta}), steps, "eta real")


@functools.cache
def fixed_point() -> Derivation:
    r"""In expectation over the $x$ assigned to $k$, $e$ converges to $\mu_k = E[x \mid k]$.

    $E[e_{n+1}] = (1-2\eta)E[e_n] + 2\eta\mu$, so $E[e_n] - \mu = (1-2\eta)^n (e_0 - \mu)$.
    """
    n = sp.Symbol("n", integer=True, nonnegative=True)
    m = sp.Symbol("m", integer=True, nonnegative=True)
    a = 1 - 2 * eta
    avg = sp.expand(sgd_update().result).xreplace({x: mu})  # $E[e']$ given $e$, linear in $x$
    (star,) = sp.solve(sp.Eq(e, avg), e)  # the fixed point
    E = sp.Function("E")
    sol = sp.rsolve(E(n + 1) - avg.xreplace({e: E(n)}), E(n), {E(0): sp.Symbol("e_0", real=True)})
    # Unrolled weights, with r = 1 - 2 eta in (0, 1) for 0 < eta < 1/2: e_0 gets r^n,
    # the m-th assigned x gets (1 - r) r^(n-1-m).
    r = sp.Symbol("r", positive=True)
    weights = sp.summation((1 - r) * r ** (n - 1 - m), (m, 0, n - 1))
    total = sp.simplify(r**n + weights)
    if (
        star != mu
        or total != 1
        or sp.simplify(sol - (mu + a**n * (sp.Symbol("e_0", real=True) - mu))) != 0
    ):
        raise AssertionError("fixed point or weights wrong")  # pragma: no cover
    steps = (
        Step(
            "Averaging the step over the x assigned to k (mean mu)",
            sp.Eq(_label("E_e_new"), avg),
        ),
        Step("Its fixed point", sp.Eq(e, star)),
        Step("The expected iterates", sp.Eq(E(n), sol)),
        Step(
            "The deviation from mu shrinks geometrically: to 0 when |1 - 2 eta| < 1, i.e. 0 < eta < 1",
            sp.Eq(E(n) - mu, sp.simplify(sol - mu), evaluate=False),
        ),
        Step(
            "Unrolled with r = 1 - 2 eta, the weights of e_0 and of the n samples sum to one",
            sp.Eq(r**n + sp.Sum((1 - r) * r ** (n - 1 - m), (m, 0, n - 1)), total, evaluate=False),
        ),
    )
    return Derivation("p2c.fixed_point", star, steps, DOMAIN)


@functools.cache
def ema_decay() -> Derivation:
    r"""The VQ-VAE codebook EMA $e \leftarrow \gamma e + (1-\gamma)x$ is this step with $\gamma = 1 - 2\eta$."""
    new = sp.expand(sgd_update().result)
    ema = gamma * e + (1 - gamma) * x  # $\gamma e + (1 - \gamma) x$
    sol = sp.solve(sp.expand(ema - new).coeff(e), gamma)
    if sol != [1 - 2 * eta]:
        raise AssertionError("EMA decay")  # pragma: no cover
    steps = (
        Step(
            "An exponential moving average with decay gamma",
            sp.Eq(_label("e_new"), ema, evaluate=False),
        ),
        Step("matches the SGD step exactly when", sp.Eq(gamma, sol[0])),
        Step(
            "e.g. the decay 0.99 of the VQ-VAE paper is eta",
            sp.Eq(eta, sp.solve(sp.Eq(sp.Rational(99, 100), sol[0]), eta)[0]),
        ),
    )
    return Derivation("p2c.ema", sol[0], steps, DOMAIN)


# ---------------------------------------------------------------------------------------
# Comparing update formulas


@dataclass(frozen=True)
class Difference:
    """Where a claimed formula and a derived one part: an exact point, or ``None``."""

    equal: bool | None  # None: not identical, yet no grid point tells them apart
    point: dict[sp.Symbol, sp.Rational] | None = None
    claimed: sp.Expr | None = None
    derived: sp.Expr | None = None


GRID: dict[sp.Symbol, Sequence[sp.Rational]] = {
    eta: (sp.Rational(1, 4), sp.Rational(1, 8), sp.Rational(1, 3)),
    e: (sp.Integer(1), sp.Integer(-1), sp.Rational(1, 2), sp.Integer(0)),
    x: (sp.Integer(0), sp.Integer(3), sp.Integer(2), sp.Rational(1, 2)),
    x_grad: (sp.Integer(1), sp.Integer(2), sp.Integer(0)),
    e_grad: (sp.Integer(2), sp.Integer(3), sp.Integer(-1)),
    mu: (sp.Integer(1), sp.Integer(5)),
}


def compare(
    claimed: sp.Expr, derived: sp.Expr, symbols: Iterable[sp.Symbol] | None = None
) -> Difference:
    """Equal as functions of the problem's symbols, or an exact admissible point where not."""
    diff = sp.simplify(claimed - derived)
    if diff == 0:
        return Difference(True)
    syms = sorted(
        (claimed.free_symbols | derived.free_symbols) if symbols is None else set(symbols),
        key=str,
    )
    grids = [GRID.get(s, (sp.Integer(1), sp.Integer(2), sp.Integer(-1))) for s in syms]
    for values in itertools.product(*grids):
        pt = dict(zip(syms, values, strict=True))
        c, d = claimed.xreplace(pt), derived.xreplace(pt)
        if c.is_number and d.is_number and sp.simplify(c - d) != 0:
            return Difference(False, pt, sp.simplify(c), sp.simplify(d))
    return Difference(None)
