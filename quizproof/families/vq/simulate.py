r"""Training vector quantization in simulation: each update against the codebook process.

An update of $e(k)$ (``sgd_update``, ``rolling_average``) is applied once
against an SGD step on objective (4) computed by the VQ layer's backward pass,
and then drives a codebook on streaming Gaussian-mixture data, whose codewords
must settle at the mean of their assigned vectors; ``straight_through`` (an
update of ``x.grad``) is compared with central differences of a smooth
stand-in of objective (3).  A condition on $\eta$ stated after the rolling
average is compared with the rates at which SGD is a rolling average.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import sympy as sp

from derivations import vq as V
from numerics import vq
from numerics.stats import FALSE_ALARM, z_test
from quizproof.families.vq.reading import read_condition, read_update
from quizproof.family import Context
from quizproof.model import Claim
from quizproof.simulation import ClaimCheck, PointCheck, SimulationError, SimulationRun

SYMBOLS = (V.x, V.e, V.eta, V.x_grad, V.e_grad)
TARGET_OF = {"straight_through": V.x_grad, "sgd_update": V.e, "rolling_average": V.e}
VQ_POINTS = (  # (e, x, eta) for the one-step check, 0 < eta < 1/2
    (sp.Rational(3, 10), sp.Integer(2), sp.Rational(1, 10)),
    (sp.Rational(-1, 2), sp.Rational(7, 4), sp.Rational(1, 3)),
)
VQ_MIXTURE = vq.Mixture(
    np.array([[2.0, 1.0], [-1.0, 3.0], [4.0, 4.0]]), 0.5, np.array([0.3, 0.3, 0.4])
)
VQ_STEPS, VQ_REPLICAS, VQ_ETA = 1500, 300, 0.05


def _conditions(texts, ctx: Context) -> list[Callable[[float], bool]]:
    r"""The conditions on eta stated after an update (", \eta < 1/2"), as predicates."""
    out = []
    for text in texts:
        for cond in read_condition(text, ctx.scope):
            out.append(lambda v, cond=cond: bool(cond.subs(V.eta, sp.Rational(v))))
    return out


def _check_conditions(out: ClaimCheck, conditions: list[Callable[[float], bool]], seed) -> None:
    r"""Does each stated condition admit exactly the learning rates at which SGD averages?

    For each eta on a grid, a stream of SGD steps (numerics' reference step) is
    watched: the step is a rolling average when every new codeword lies between
    the old one and the vector, $e' = (1-w)e + w x$ with $0 \le w \le 1$.  At
    $\eta = 1/2$ ($w = 1$, nothing of the old value kept) either answer is accepted.
    """
    rng = np.random.Generator(np.random.PCG64(seed))
    grid = [k / 20 for k in range(1, 20)]
    wrong = []
    for eta in grid:
        e = rng.normal(size=(200, 2))
        x = VQ_MIXTURE.sample((200,), rng)
        w = (vq.sgd_step(e, x, eta) - e) / (x - e)  # the weight the step gives x
        averages = bool(((w >= -1e-12) & (w <= 1 + 1e-12)).all())
        admitted = all(c(eta) for c in conditions)
        if admitted != averages and eta != 0.5:
            wrong.append(eta)
    note = "the stated condition on eta against the rates at which SGD is a rolling average"
    if wrong:
        note += ": they differ at eta = " + ", ".join(f"{v:g}" for v in wrong)
    out.points.append(
        PointCheck({"eta": "0.05 ... 0.95"}, float(len(wrong)), 0.0, 0.0, None, not wrong,
                   len(grid), note)
    )  # fmt: skip


def simulate(claim: Claim, ctx: Context, run: SimulationRun) -> ClaimCheck:
    """An update answer against one SGD step and a streaming codebook (or finite differences)."""
    update = read_update(claim.kind, claim.answer, ctx.scope)
    target = TARGET_OF[claim.kind]
    if update.lhs != target:
        raise SimulationError(f"the answer updates {update.lhs}, the step updates {target}")
    values, symbols = update.new_values(), SYMBOLS
    out = ClaimCheck(claim.id, claim.answer)
    conditions = _conditions(update.conditions, ctx)
    if conditions:
        _check_conditions(out, conditions, run.seedseq(99))
    for form, value in enumerate(values):
        f = sp.lambdify(symbols, value, modules="numpy")  # vectorised over coordinates
        label = f"form {form + 1} of the right side; " if len(values) > 1 else ""
        if claim.kind == "straight_through":
            _straight_through(out, f, form, run, label)
            continue

        def step(e: np.ndarray, x: np.ndarray, eta: float, f=f) -> np.ndarray:
            zero = np.zeros_like(e)
            return np.asarray(f(x, e, eta, zero, zero), dtype=np.float64) * np.ones_like(e)

        # One step against SGD on objective (4), the gradient from the layer's backward pass.
        for e0, x0, eta0 in VQ_POINTS:
            e, x, eta = float(e0), float(x0), float(eta0)
            ref = float(vq.sgd_step(np.array([[e]]), np.array([[x]]), eta)[0, 0])
            got = float(step(np.array([[e]]), np.array([[x]]), eta)[0, 0])
            test = z_test(ref, 0.0, got)
            out.points.append(
                PointCheck({"e": str(e0), "x": str(x0), "eta": str(eta0)}, ref, 0.0, got,
                           test.z, test.passed, 1, label + "one SGD step on objective (4)")
            )  # fmt: skip
        # Streaming: each codeword must settle at the mean of the vectors assigned to it.
        replicas = max(50, min(run.samples, 5000)) if run.samples else VQ_REPLICAS
        book = vq.codebook_sgd(VQ_MIXTURE, 3, VQ_ETA, VQ_STEPS, replicas,
                               seed=run.seedseq(form, 9), update=step)  # fmt: skip
        alpha = FALSE_ALARM / len(book.residual)  # Bonferroni over the coordinates
        for c, m in enumerate(book.residual):
            test = z_test(m.mean, m.stderr, 0.0, alpha=alpha)
            out.points.append(
                PointCheck({"coordinate": str(c), "eta": str(VQ_ETA)}, m.mean, test.stderr, 0.0,
                           test.z, test.passed, replicas,
                           label + "mean residual x - e(k) at assignment, after settling")
            )  # fmt: skip
    return out


def _straight_through(out: ClaimCheck, f, form: int, run: SimulationRun, label: str) -> None:
    """x.grad after the backward pass against central differences of objective (3)."""
    for p in range(3):
        c = vq.straight_through_check(seed=run.seedseq(form, p))
        zero = np.zeros_like(c.x_grad_fd)
        claimed = np.asarray(f(zero, zero, 0.0, c.x_grad_prior, c.q_grad), dtype=np.float64)
        claimed = claimed * np.ones_like(c.x_grad_fd)
        dev = np.abs(claimed - c.x_grad_fd)
        j = np.unravel_index(int(dev.argmax()), dev.shape)
        ok = bool(dev.max() <= c.fd_error)
        note = (
            label + "x.grad against central differences of the smooth stand-in of objective (3), "
            f"tolerance {c.fd_error:.1g}"
        )
        out.points.append(
            PointCheck({"instance": str(p)}, float(c.x_grad_fd[j]), 0.0, float(claimed[j]),
                       None, ok, c.x_grad_fd.size, note)
        )  # fmt: skip
