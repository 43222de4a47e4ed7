r"""Training vector quantization in simulation: each printed rule against the process itself.

- ``straight_through`` and ``encoder_gradient`` (updates of ``x.grad``): the claimed new
  ``x.grad`` against central differences of objective (3) on random VQ instances (the
  commitment term differenced as it stands, the decoder's through the straight-through
  stand-in), for the variant's $\beta$.
- ``sgd_update`` and ``rolling_average`` (updates of $e(k)$): one step against SGD on
  $c\|x - e\|^2$ with the gradient from the layer's backward pass; then a codebook
  driven by the claimed update on streaming Gaussian-mixture data, whose codewords must
  settle at the mean of their assigned vectors.  A condition on $\eta$ stated after the
  rolling average (and the ``condition`` kind) is compared with the rates at which the
  layer's SGD step is a rolling average.
- The moving-average kinds (``ema_update``, ``ema_rate``, ``ema_decay``) are in
  :mod:`.simulate_ema`.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import product

import numpy as np
import sympy as sp

from derivations import vq as V
from numerics import vq
from numerics.stats import FALSE_ALARM, z_test
from quizproof.families.vq.reading import read_condition, read_update
from quizproof.families.vq.variants import grid
from quizproof.family import Context
from quizproof.model import Claim
from quizproof.simulation import ClaimCheck, PointCheck, SimulationError, SimulationRun

SYMBOLS = (V.x, V.e, V.eta, V.x_grad, V.e_grad)
VQ_POINTS = (  # (e, x, eta * c) for the one-step check, 0 < 2 c eta < 1
    (sp.Rational(3, 10), sp.Integer(2), sp.Rational(1, 10)),
    (sp.Rational(-1, 2), sp.Rational(7, 4), sp.Rational(1, 3)),
)
VQ_MIXTURE = vq.Mixture(
    np.array([[2.0, 1.0], [-1.0, 3.0], [4.0, 4.0]]), 0.5, np.array([0.3, 0.3, 0.4])
)
VQ_STEPS, VQ_REPLICAS, VQ_WEIGHT = 1500, 300, 0.1  # the settling run: 2 c eta = 0.1


# The parameters each kind's process depends on.
KIND_FIELDS = {
    "encoder_gradient": ("commitment",),
    "sgd_update": ("codebook",),
    "rolling_average": ("codebook",),
    "condition": ("codebook",),
    "ema_update": ("decay",),
    "ema_rate": ("codebook", "decay"),
    "ema_decay": ("codebook",),
}


def parameter_points(
    ctx: Context, kind: str, value: sp.Basic = sp.S.Zero, count: int = 2
) -> list[dict[sp.Symbol, sp.Rational]]:
    """Values of the variant's symbols to simulate at: the first ``count`` of each range.

    Only the symbols the kind's process depends on, or the claimed ``value`` uses, vary.
    """
    used = set(value.free_symbols)
    for field in KIND_FIELDS.get(kind, ()):
        used |= getattr(ctx.params, field).free_symbols
    values = {s: v for s, v in grid(ctx.params).items() if s in used}
    return [
        dict(zip(values, point, strict=True))
        for point in product(*(v[:count] for v in values.values()))
    ]


def numeric(expr: sp.Expr, point: dict[sp.Symbol, sp.Rational]) -> float:
    return float(expr.xreplace(point))


def rule(value: sp.Expr, point: dict[sp.Symbol, sp.Rational]) -> Callable[..., np.ndarray]:
    """A claimed formula as a numpy function of (x, e, eta, x.grad, e.grad), at a parameter point."""
    stray = value.xreplace(point).free_symbols - set(SYMBOLS)
    if stray:
        raise SimulationError(f"the answer uses {', '.join(sorted(map(str, stray)))}")
    f = sp.lambdify(SYMBOLS, value.xreplace(point), modules="numpy")

    def apply(x, e, eta, x_grad, e_grad):
        out = np.asarray(f(x, e, eta, x_grad, e_grad), dtype=np.float64)
        return out * np.ones(np.broadcast_shapes(np.shape(x), np.shape(e)))

    return apply


def shown(point: dict[sp.Symbol, sp.Rational], **more: object) -> dict[str, str]:
    return {**{str(k): str(v) for k, v in point.items()}, **{k: str(v) for k, v in more.items()}}


def _conditions(texts, ctx: Context) -> list[Callable[[float, dict], bool]]:
    r"""The conditions on eta stated after an update (", \eta < 1/2"), as predicates."""
    out = []
    for text in texts:
        for cond in read_condition(text, ctx.scope):
            out.append(lambda v, pt, cond=cond: bool(cond.xreplace({V.eta: v, **pt})))
    return out


def check_conditions(out: ClaimCheck, conditions, ctx: Context, seed) -> None:
    r"""Does each stated condition admit exactly the learning rates at which SGD averages?

    For each rate on a grid, a stream of SGD steps on $c\|x - e\|^2$ (the layer's backward
    pass) is watched: the step is a rolling average when every new codeword lies between
    the old one and the vector, $e' = (1-w)e + w x$ with $0 \le w \le 1$.  Where $w = 1$
    (nothing of the old value kept) either answer is accepted.
    """
    rng = np.random.Generator(np.random.PCG64(seed))
    c = ctx.params.codebook
    for pt in parameter_points(ctx, "condition"):
        c_value = numeric(c, pt)
        wrong, rates = [], [sp.Rational(k, 20) / c.xreplace(pt) for k in range(1, 20)]
        for rate in rates:
            e = rng.normal(size=(200, 2))
            x = VQ_MIXTURE.sample((200,), rng)
            w = (vq.sgd_step(e, x, float(rate), c_value) - e) / (x - e)  # the weight given to x
            averages = bool(((w >= -1e-12) & (w <= 1 + 1e-12)).all())
            admitted = all(cond(rate, pt) for cond in conditions)
            if admitted != averages and abs(float(w.mean()) - 1) > 1e-9:
                wrong.append(rate)
        note = r"the stated condition on $\eta$ against the rates at which SGD is a rolling average"
        if wrong:
            note += r": they differ at $\eta$ = " + ", ".join(str(v) for v in wrong)
        out.points.append(
            PointCheck(shown(pt, eta=f"{rates[0]} ... {rates[-1]}"), float(len(wrong)), 0.0,
                       0.0, None, not wrong, len(rates), note)
        )  # fmt: skip


def simulate(claim: Claim, ctx: Context, run: SimulationRun) -> ClaimCheck:
    """An update of x.grad or of a codeword against the process it claims to describe."""
    update = read_update(claim.kind, claim.answer, ctx.scope)
    target = V.x_grad if claim.kind in ("straight_through", "encoder_gradient") else V.e
    if update.lhs != target:
        raise SimulationError(f"the answer updates {update.lhs}, the step updates {target}")
    out = ClaimCheck(claim.id, claim.answer)
    conditions = _conditions(update.conditions, ctx)
    if conditions:
        check_conditions(out, conditions, ctx, run.seedseq(99))
    values = update.new_values()
    for form, value in enumerate(values):
        label = f"form {form + 1} of the right side; " if len(values) > 1 else ""
        if target == V.x_grad:
            _gradient(out, claim.kind, value, ctx, lambda *k, f=form: run.seedseq(f, *k), label)
        else:
            _codebook_step(out, value, ctx, run, form, label)
    return out


def simulate_condition(claim: Claim, ctx: Context, run: SimulationRun) -> ClaimCheck:
    """A condition on eta against the rates at which SGD on (4) is a rolling average."""
    out = ClaimCheck(claim.id, claim.answer)
    check_conditions(out, _conditions([claim.answer], ctx), ctx, run.seedseq(99))
    return out


def _gradient(out: ClaimCheck, kind: str, value, ctx: Context, seed, label: str) -> None:
    """x.grad after the backward pass against central differences of objective (3).

    ``seed(*key)`` gives the seed of each random instance.
    """
    for j, pt in enumerate(parameter_points(ctx, kind, value)):
        f = rule(value, pt)
        given = kind == "encoder_gradient" or not ctx.params.commitment.free_symbols
        beta = numeric(ctx.params.commitment, pt) if given else 0.25
        for p in range(3):
            c = vq.straight_through_check(seed=seed(j, p), beta=beta)
            if kind == "encoder_gradient":
                # the whole gradient of (3), added to what x.grad already holds from some
                # other term (here a fixed nonzero array), as back-propagation accumulates
                held = np.linspace(-1.0, 1.0, c.x.size).reshape(c.x.shape)
                expected = held + c.x_grad_fd
            else:  # what (a) adds to the commitment term's gradient already in x.grad
                held, expected = c.x_grad_prior, c.x_grad_fd
            claimed = f(c.x, c.q, 0.0, held, c.q_grad)
            dev = np.abs(claimed - expected)
            k = np.unravel_index(int(dev.argmax()), dev.shape)
            ok = bool(dev.max() <= c.fd_error)
            note = (
                label
                + r"$x.\text{grad}$ against central differences of objective (3) "
                + f"($\\beta = {beta:g}$), tolerance {c.fd_error:.1g}"
            )
            out.points.append(
                PointCheck(shown(pt, instance=p), float(expected[k]), 0.0, float(claimed[k]),
                           None, ok, c.x_grad_fd.size, note)
            )  # fmt: skip


def _codebook_step(out: ClaimCheck, value, ctx: Context, run: SimulationRun, form, label) -> None:
    """One step against the layer's SGD step, then a streaming codebook that must settle."""
    c = ctx.params.codebook
    for j, pt in enumerate(parameter_points(ctx, "sgd_update", value)):
        f = rule(value, pt)
        c_value = numeric(c, pt)
        for e0, x0, step0 in VQ_POINTS:
            eta = step0 / c.xreplace(pt)
            e, x = float(e0), float(x0)
            ref = float(vq.sgd_step(np.array([[e]]), np.array([[x]]), float(eta), c_value)[0, 0])
            got = float(f(np.array([[x]]), np.array([[e]]), float(eta), 0.0, 0.0)[0, 0])
            test = z_test(ref, 0.0, got)
            out.points.append(
                PointCheck(shown(pt, e=e0, x=x0, eta=eta), ref, 0.0, got, test.z, test.passed, 1,
                           label + "one SGD step on objective (4), by the layer's backward pass")
            )  # fmt: skip
        # Streaming: each codeword must settle at the mean of the vectors assigned to it.
        eta = VQ_WEIGHT / (2 * c_value)

        def step(e: np.ndarray, x: np.ndarray, rate: float, f=f) -> np.ndarray:
            zero = np.zeros_like(e)
            return f(x, e, rate, zero, zero)

        replicas = max(50, min(run.samples, 5000)) if run.samples else VQ_REPLICAS
        book = vq.codebook_sgd(VQ_MIXTURE, 3, eta, VQ_STEPS, replicas,
                               seed=run.seedseq(form, 9, j), update=step, spread=True)  # fmt: skip
        alpha = FALSE_ALARM / len(book.residual)  # Bonferroni over the coordinates
        for k, m in enumerate(book.residual):
            test = z_test(m.mean, m.stderr, 0.0, alpha=alpha)
            out.points.append(
                PointCheck(shown(pt, coordinate=k, eta=f"{eta:.4g}"), m.mean, test.stderr, 0.0,
                           test.z, test.passed, replicas,
                           label + "mean residual $x - e(k)$ at assignment, after settling")
            )  # fmt: skip
