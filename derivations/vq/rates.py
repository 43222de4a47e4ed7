r"""The rates and decays at which SGD on the codebook is an exponential moving average.

SGD on $c\|x - e\|^2$ gives the new vector the weight $2c\eta$ and the old codeword
$1 - 2c\eta$; the EMA with decay $d$ gives them $1 - d$ and $d$ (:mod:`.ema`).  Equal
weights give the rate $\eta = (1 - d)/(2c)$ of an EMA, and the decay $1 - 2c\eta$ of an
SGD step.
"""

from __future__ import annotations

import functools

import sympy as sp

from derivations.core import Derivation, Step
from derivations.vq.ema import ema_update
from derivations.vq.symbols import DOMAIN, QUIZ, VQParams, e, eta, gamma, tex, x
from derivations.vq.updates import _sgd, _weights, sgd_update


@functools.cache
def ema_rate(params: VQParams = QUIZ) -> Derivation:
    r"""The learning rate at which SGD on (4) is the EMA with decay $d$: $\eta = (1 - d)/(2c)$."""
    sgd = sp.expand(sgd_update(params).result)
    ema = sp.expand(ema_update(params).result)
    by_sgd, by_ema = sgd.coeff(x), ema.coeff(x)
    (rate,) = sp.solve(sp.Eq(by_sgd, by_ema), eta)
    keep = sp.simplify(sgd.coeff(e).subs(eta, rate))
    if sp.simplify(keep - ema.coeff(e)) != 0:
        raise ArithmeticError("the weights of the old codeword differ")
    steps: tuple[Step, ...] = (
        Step(
            r"The SGD step of (b) gives the new vector $x_\Psi(y)$ the weight "
            f"${tex(by_sgd)}$; the moving average gives it ${tex(by_ema)}$. They agree when",
            sp.Eq(by_sgd, by_ema),
            f"{tex(by_sgd)} = {tex(by_ema)}",
        ),
    )
    if by_sgd != eta:  # otherwise the first step already gives the rate
        steps += (Step("Solving for the learning rate,", sp.Eq(eta, rate)),)
    steps += (
        Step(
            "At this rate the weight the SGD step leaves on the old codeword equals the decay, "
            "so the two updates are the same; a decay between 0 and 1 makes both weights "
            "positive, a rolling average:",
            keep,
            f"{tex(sgd.coeff(e))} = {sp.latex(keep)}",
        ),
    )
    return Derivation("p2c.ema_rate", rate, steps, DOMAIN)


@functools.cache
def ema_decay(params: VQParams = QUIZ) -> Derivation:
    r"""The EMA $e \leftarrow \gamma e + (1 - \gamma)x$ is the SGD step when $\gamma = 1 - 2c\eta$."""
    name = params.decay if isinstance(params.decay, sp.Symbol) else gamma
    ema = ema_update(VQParams(params.codebook, params.commitment, name))
    keep_ema = sp.expand(ema.result).coeff(e)  # the weight the EMA leaves on the old codeword
    keep_sgd, _ = _weights(_sgd(params)[2])
    (decay,) = sp.solve(sp.Eq(keep_ema, keep_sgd), name)
    steps = (
        Step(
            f"An exponential moving average with decay ${sp.latex(name)}$ leaves the weight "
            f"${sp.latex(keep_ema)}$ on the old codeword (its rolling-average form, "
            f"$e(k) \\leftarrow {tex(ema.steps[-1].expr)}$); the SGD step of (b) leaves "
            f"${tex(keep_sgd)}$. The two are the same update when",
            sp.Eq(keep_ema, keep_sgd),
            f"{sp.latex(keep_ema)} = {tex(keep_sgd)}",
        ),
    )
    return Derivation("p2c.ema", decay, steps, DOMAIN)
