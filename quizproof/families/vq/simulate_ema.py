r"""Moving averages of the codebook in simulation: claimed rules against the EMA's definition.

On a stream of vectors from a Gaussian mixture, a codebook of three codewords is run
twice: once as the exponential moving average *by its definition* (each codeword
recomputed at every step as the weighted sum of its start and its assigned vectors,
:func:`numerics.vq.ema_by_definition`), once by the rule under test.  They must give the
same codebooks at every step, up to float rounding.

- ``ema_update``: the claimed one-step update, at the variant's decay.
- ``ema_rate``: SGD on $c\|x - e\|^2$ (the layer's backward pass) at the claimed rate.
- ``ema_decay``: the EMA with the claimed decay against SGD at a few rates.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from derivations import vq as V
from numerics import vq
from quizproof.families.vq.decide import subject_of
from quizproof.families.vq.reading import read_update
from quizproof.families.vq.simulate import (
    VQ_MIXTURE,
    numeric,
    parameter_points,
    rule,
    shown,
)
from quizproof.family import Context
from quizproof.model import Claim
from quizproof.notation import NotationError, parse
from quizproof.simulation import ClaimCheck, PointCheck, SimulationError, SimulationRun

STREAM, CODEWORDS, REPEATS = 300, 3, 2
RATES = (sp.Rational(1, 10), sp.Rational(1, 4))  # the rates of SGD that ema_decay is run at


def _streams(seed: np.random.SeedSequence):
    """(start codebook, stream of vectors), ``REPEATS`` times."""
    rng = np.random.Generator(np.random.PCG64(seed))
    for _ in range(REPEATS):
        data = VQ_MIXTURE.sample((STREAM + CODEWORDS,), rng)
        yield data[:CODEWORDS], data[CODEWORDS:]


def _compare(out, point, note, reference: np.ndarray, claimed: np.ndarray) -> None:
    """Two runs of codebooks (T, K, I): the same at every step, up to float rounding."""
    with np.errstate(invalid="ignore", over="ignore"):
        dev = np.abs(claimed - reference)
    worst = np.unravel_index(int(np.nanargmax(np.where(np.isfinite(dev), dev, np.inf))), dev.shape)
    tol = 1e-9 * max(1.0, float(np.abs(reference).max()))
    ok = bool(np.isfinite(claimed).all() and dev.max() <= tol)
    out.points.append(
        PointCheck(point, float(reference[worst]), 0.0, float(claimed[worst]), None, ok,
                   reference.shape[0], f"{note}, every step of {reference.shape[0]}; "
                   f"tolerance {tol:.1g}")
    )  # fmt: skip


def simulate_update(claim: Claim, ctx: Context, run: SimulationRun) -> ClaimCheck:
    """The claimed update of e(k), streamed, against the EMA by its definition."""
    update = read_update(claim.kind, claim.answer, ctx.scope)
    if update.lhs != V.e:
        raise SimulationError(f"the answer updates {update.lhs}, the moving average e(k)")
    out = ClaimCheck(claim.id, claim.answer)
    values = update.new_values()
    for form, value in enumerate(values):
        label = f"form {form + 1} of the right side; " if len(values) > 1 else ""
        _ema_update(out, value, ctx, run.seedseq(form, 7), label)
    return out


def _ema_update(out: ClaimCheck, value: sp.Expr, ctx: Context, seed, label: str) -> None:
    decay = ctx.params.decay
    for pt in parameter_points(ctx, "ema_update", value):
        f = rule(value, pt)
        d = numeric(decay, pt)
        for r, (start, stream) in enumerate(_streams(seed)):

            def step(e, x, f=f):
                return f(x, e, 0.0, 0.0, 0.0)

            _compare(out, shown(pt, stream=r), label + f"the EMA with decay ${d:g}$ by its definition",
                     vq.ema_by_definition(start, stream, d), vq.stream_codebook(start, stream, step))  # fmt: skip


def _values(claim: Claim, ctx: Context) -> list[sp.Expr]:
    parsed = parse(claim.answer, ctx.scope)
    if any(r != "=" for r in parsed.relations):
        raise NotationError("expected a value, or a chain such as \\gamma = ...")
    members = [m for m in parsed.members if m not in subject_of(claim.kind, ctx)]
    if not members or not all(isinstance(m, sp.Expr) for m in members):
        raise NotationError("expected a value")
    return members


def simulate(claim: Claim, ctx: Context, run: SimulationRun) -> ClaimCheck:
    """A claimed rate (``ema_rate``) or decay (``ema_decay``): SGD against the EMA's definition."""
    out = ClaimCheck(claim.id, claim.answer)
    params = ctx.params
    for form, value in enumerate(_values(claim, ctx)):
        for j, pt in enumerate(parameter_points(ctx, claim.kind, value)):
            c = numeric(params.codebook, pt)
            if claim.kind == "ema_rate":
                runs = [(numeric(params.decay, pt), value.xreplace(pt))]
            else:
                runs = [(value.xreplace({**pt, V.eta: rate}), rate) for rate in RATES]
            for k, (d, rate) in enumerate(runs):
                if sp.sympify(d).free_symbols or sp.sympify(rate).free_symbols:
                    raise SimulationError("the answer depends on a symbol it should not")
                d, rate = float(d), float(rate)

                def sgd(e, x, rate=rate, c=c):
                    return vq.sgd_step(e[None], x[None], rate, c)[0]

                for r, (start, stream) in enumerate(_streams(run.seedseq(form, j, k))):
                    note = f"SGD at $\\eta = {rate:.4g}$ against the EMA with decay ${d:.4g}$"
                    _compare(out, shown(pt, eta=f"{rate:.4g}", stream=r), note,
                             vq.ema_by_definition(start, stream, d),
                             vq.stream_codebook(start, stream, sgd))  # fmt: skip
    return out
