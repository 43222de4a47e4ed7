r"""The derivations of problem 2: the straight-through rule, the encoder's gradient, the SGD
step on the codebook, its rolling-average form and its condition, and the condition on the rate.

Every gradient here is taken by SymPy's matrix calculus on vectors of dimension $I$.
A stop-gradient $\operatorname{sg}(v)$ has $v$'s value and is held constant when
differentiating: it is a constant vector $s$ in the differentiation, replaced by its
value afterwards.  Results are returned in one-coordinate form (:func:`.symbols.scalar`);
the steps show the vectors.
"""

from __future__ import annotations

import functools

import sympy as sp

from derivations.core import Derivation, Step
from derivations.vq.ema import unrolled_gap
from derivations.vq.symbols import (
    DOMAIN,
    EG,
    EK,
    QUIZ,
    XG,
    VQParams,
    X,
    eta,
    norm2,
    norm2_tex,
    scalar,
    tex,
    vector,
)

X_IS = r"Write $x = x_\Psi(y)$ for the encoder's output and $e = e(\text{nearest}_E(x))$ for "
X_IS += "its nearest codeword"


def _weights(new: sp.MatrixExpr) -> tuple[sp.Expr, sp.Expr]:
    """The scalar weights of $e$ and of $x$ in a combination of the two vectors."""
    weight = {EK: sp.Integer(0), X: sp.Integer(0)}
    for term in sp.MatAdd.make_args(sp.expand(new)):
        coeff, vecs = (term.args[0], term.args[1:]) if isinstance(term, sp.MatMul) else (1, (term,))
        if len(vecs) != 1 or vecs[0] not in weight:
            raise ValueError(f"not a combination of x and e: {new}")
        weight[vecs[0]] += coeff
    return weight[EK], weight[X]


def _tidy(v: sp.MatrixExpr) -> sp.MatrixExpr:
    r"""A combination $a e + b x$ written as a person writes it: $b(x - e)$ when $a = -b$,
    $e + b(x - e)$ when $a + b = 1$ (the same vector either way)."""
    a, b = _weights(v)
    if sp.simplify(a + b) == 0:
        out = sp.MatMul(b, X - EK)
    elif sp.simplify(a + b - 1) == 0:
        out = EK + sp.MatMul(b, X - EK)
    else:
        return v
    if sp.expand(out - v) != sp.ZeroMatrix(*v.shape):
        raise ArithmeticError("rewriting changed the vector")  # pragma: no cover
    return out


@functools.cache
def straight_through() -> Derivation:
    r"""2(a): back-propagation through $q(x) = x + \operatorname{sg}(e - x)$ adds $e.\text{grad}$."""
    s = vector("s")  # $\operatorname{sg}(e - x)$: constant when differentiating
    q = X + s
    value = q.subs(s, EK - X).doit()  # in value sg is the identity
    jac = sp.diff(q, X)  # $\partial q / \partial x$ with s held constant
    pulled = (jac.T * EG).doit()
    new = XG + pulled
    steps = (
        Step(
            r"The codeword $e = e(\text{nearest}_E(x))$ does not change under a small change of "
            "$x$, so its true derivative in $x$ is zero. The straight-through estimator "
            r"computes instead $q(x) = x + \operatorname{sg}(e - x)$, where the stop-gradient "
            r"$\operatorname{sg}$ passes its argument's value on but is held constant when "
            r"differentiating. Write $s$ for $\operatorname{sg}(e - x)$.",
            q,
            "q(x) = " + tex(q),
        ),
        Step(
            r"In value $s = e - x$, so the forward pass still outputs the codeword:",
            value,
            "q(x) = " + tex(value),
        ),
        Step(
            "With $s$ held constant, the Jacobian of $q$ in $x$ is the identity matrix:",
            jac,
            r"\frac{\partial q}{\partial x} = " + sp.latex(jac),
        ),
        Step(
            r"Back-propagation adds the transposed Jacobian times the gradient arriving at $q$, "
            r"$e(\text{nearest}_E(x)).\text{grad}$ (written $e.\text{grad}$), to whatever "
            r"$x.\text{grad}$ already holds. It adds: $x = x_\Psi(y)$ also receives the gradient "
            "of the commitment term of objective (3).",
            new,
            r"x.\text{grad} += " + sp.latex(jac.T) + r" e.\text{grad} = " + tex(pulled),
        ),
    )
    return Derivation("p2a.straight_through", scalar(new), steps, DOMAIN)


@functools.cache
def encoder_gradient(params: VQParams = QUIZ) -> Derivation:
    r"""The gradient of objective (3) at $x$ under straight-through: $e.\text{grad} + 2\beta(x - e)$."""
    b = params.commitment
    s = vector("s")  # the codeword, held constant: the nearest symbol is locally constant
    jac = straight_through().steps[2].expr  # the straight-through Jacobian of (a)
    from_decoder = (jac.T * EG).doit()
    commitment = b * norm2(X - s)
    if b == 0:  # no commitment term: nothing to differentiate
        grad = sp.ZeroMatrix(*X.shape)
    else:
        grad = sp.diff(commitment, X)  # $\nabla_x \beta\|x - s\|^2$
    total = from_decoder + grad.subs(s, EK)
    new = XG + total
    steps = (
        Step(
            X_IS + r". For the sampled $y$, objective (3) at $x$ is the decoder's reconstruction "
            r"error $\|y - y_\Phi(q)\|^2$ at the quantized vector $q = e$, plus the commitment "
            "term",
            sp.Integer(0) if b == 0 else b * norm2(X - EK),
            norm2_tex(X - EK, b),
        ),
        Step(
            "The reconstruction error reaches $x$ through the straight-through quantizer of (a), "
            "whose Jacobian is the identity: it contributes the gradient the decoder sends back "
            r"to $q$, $e.\text{grad} = e(\text{nearest}_E(x)).\text{grad}$:",
            from_decoder,
            sp.latex(jac.T) + r" e.\text{grad} = " + tex(from_decoder),
        ),
        Step(
            "In the commitment term the codeword $e$ does not move under a small change of $x$ "
            "(the nearest symbol is locally constant), so it is a constant $s$ there. "
            "Differentiating,",
            grad,
            r"\nabla_x " + norm2_tex(X - s, b) + " = " + tex(grad),
        ),
        Step(
            r"Back-propagation accumulates both into $x.\text{grad}$, with $s = e$:",
            new,
            r"x.\text{grad} += " + tex(total),
        ),
    )
    return Derivation("p2a.encoder_gradient", scalar(new), steps, DOMAIN)


@functools.cache
def _sgd(params: VQParams) -> tuple[sp.MatrixExpr, sp.MatrixExpr, sp.MatrixExpr]:
    """(loss, its gradient in e, the new e) of one SGD step on objective (4)."""
    loss = params.codebook * norm2(X - EK)
    grad = _tidy(sp.diff(loss, EK))
    return loss, grad, _tidy(EK - eta * grad)


@functools.cache
def sgd_update(params: VQParams = QUIZ) -> Derivation:
    r"""2(b): one SGD step on $c\|x - e\|^2$ gives $e \leftarrow e + 2c\eta(x - e)$ (the new $e$)."""
    c = params.codebook
    loss, grad, new = _sgd(params)
    steps = (
        Step(
            X_IS + ". A small change of the codebook does not change which symbol is nearest, so "
            "for this sample objective (4) depends on the codebook only through $e$:",
            loss,
            norm2_tex(X - EK, c),
        ),
        Step(
            "Its gradient with respect to $e$ (the other codewords do not appear in it: their "
            "gradient is zero) is",
            grad,
            r"\nabla_e " + norm2_tex(X - EK, c) + " = " + tex(grad),
        ),
        Step(
            r"A step of SGD with learning rate $\eta$ moves $e$ against its gradient, "
            r"$e \leftarrow e - \eta \nabla_e$:",
            new,
            r"e \leftarrow " + tex(new),
        ),
    )
    return Derivation("p2b.sgd_update", scalar(new), steps, DOMAIN)


@functools.cache
def convexity_condition(params: VQParams = QUIZ) -> Derivation:
    r"""Both weights of the rolling average nonnegative: $0 \le 2c\eta \le 1$, i.e. $\eta \le 1/(2c)$."""
    a, b = _weights(_sgd(params)[2])
    h = sp.Symbol("eta", real=True)  # the rate without its positivity, to solve for it
    w = sp.Symbol("w", real=True)  # the weight of x
    allowed = sp.reduce_inequalities([sp.Ge(w, 0), sp.Ge(1 - w, 0)], w).as_set()
    cond = sp.reduce_inequalities([sp.Ge(a.subs(eta, h), 0), sp.Ge(b.subs(eta, h), 0)], h)
    steps = (
        Step(
            r"The rolling average of (c) gives the old codeword the weight $1 - w$ and the "
            r"vector $x_\Psi(y)$ the weight $w$, here",
            sp.Tuple(a, b),
            f"1 - w = {tex(a)}, \\quad w = {tex(b)}",
        ),
        Step(
            "Both weights are nonnegative exactly when",
            allowed,
            f"{sp.latex(allowed.start)} \\le {tex(b)} \\le {sp.latex(allowed.end)}",
        ),
    )
    return Derivation("p2c.condition", cond.xreplace({h: eta}), steps, DOMAIN)


@functools.cache
def rolling_average(params: VQParams = QUIZ) -> Derivation:
    r"""2(c): the SGD step as $(1 - 2c\eta)e + 2c\eta x$, an average of the assigned vectors."""
    new = _sgd(params)[2]
    a, b = _weights(new)
    average = a * EK + b * X
    allowed = convexity_condition(params).steps[1].expr
    r = sp.Symbol("r", positive=True)
    n, m = sp.symbols("n m", integer=True, positive=True)
    total = sp.simplify(r**n + sp.summation((1 - r) * r ** (n - m), (m, 1, n)))
    w = sp.Symbol("w", real=True)  # the weight of the vector, b
    converges = sp.solve_univariate_inequality(sp.Abs(1 - w) < 1, w, relational=False)
    ebar, mean = vector("ebar"), vector("mu")
    deviation = sp.expand(a * ebar + b * mean - mean)  # $\bar e_{n+1} - \mu_k$
    if sp.expand(deviation - a * (ebar - mean)) != sp.ZeroMatrix(*ebar.shape):
        raise ArithmeticError("the deviation does not shrink by the weight of e")
    steps = (
        Step(
            r"Expanding the step of (b) and collecting the multiples of $e$ and of $x$:",
            average,
            r"e \leftarrow " + tex(average),
        ),
        Step(
            "The two weights sum to one:",
            sp.Eq(sp.Add(a, b, evaluate=False), sp.simplify(a + b), evaluate=False),
            f"{tex(a)} + {tex(b)} = {sp.latex(sp.simplify(a + b))}",
        ),
        Step(
            "So the new codeword is a weighted average of the old one and the new vector. Both "
            "weights are nonnegative, which makes it a rolling average, exactly when",
            allowed,
            f"{sp.latex(allowed.start)} \\le {tex(b)} \\le {sp.latex(allowed.end)}",
        ),
        Step(
            f"Let $x_1, \\dots, x_n$ be the vectors assigned to symbol $k$ in turn and "
            f"$r = {tex(a)}$. Repeating the step from $e_0$ gives $e(k)$ the weight $r^n$ on "
            "$e_0$ and $(1 - r) r^{n - m}$ on $x_m$, the exponential moving average with decay "
            "$r$. These weights sum to one: $e(k)$ is a rolling average of the vectors $x$ with "
            r"$\text{nearest}_E(x) = k$.",
            sp.Eq(r**n + sp.Sum((1 - r) * r ** (n - m), (m, 1, n)), total, evaluate=False),
            tex(sp.Eq(r**n + sp.Sum((1 - r) * r ** (n - m), (m, 1, n)), total, evaluate=False)),
        ),
        Step(
            r"Averaged over the vectors assigned to $k$, whose mean is $\mu_k$, the expected "
            r"codeword $\bar e_n$ after $n$ steps moves as $\bar e_{n+1} = r \bar e_n + (1 - r)"
            r"\mu_k$; its distance to $\mu_k$ shrinks by the factor $r$ at every step, so "
            rf"$\bar e_n$ approaches $\mu_k$ when $|r| < 1$, that is for "
            rf"${sp.latex(converges.start)} < {tex(b)} < {sp.latex(converges.end)}$:",
            deviation,
            rf"\bar e_{{n+1}} - \mu_k = \left({tex(a)}\right) \left(\bar e_n - \mu_k\right)",
        ),
    )
    checks = (
        (
            "Unrolling the step 1 to 6 times from a symbolic start reproduces the weights of the "
            "exponential moving average with decay r exactly."
        ),
    )
    if not _unrolls(a):
        raise ArithmeticError("the unrolled step is not the moving average")
    return Derivation("p2c.rolling_average", scalar(average), steps, DOMAIN, checks=checks)


def _unrolls(r: sp.Expr) -> bool:
    """Does repeating the step, $e \\leftarrow r e + (1 - r)x_m$, give the EMA with decay r?"""
    return all(unrolled_gap(r, k) == 0 for k in range(1, 7))
