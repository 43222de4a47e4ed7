r"""The upper bound on $H(y)$ in simulation: integrands on random finite worlds.

Each member of an integrand answer (the identity of 1(a), the bound of 1(c))
is evaluated on random finite populations, encoders and models
(:mod:`numerics.entropy`): its exact expectation on the finite support and a
sampled one over $y \sim \text{Pop}$, $z \sim P_\Psi(z|y)$ are compared with
$H(y)$ (the identity, and the bound at the true models) or with the bound the
quiz defines, computed from the definitions of the cross-entropies.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from derivations import entropy as E
from numerics import entropy
from numerics.stats import z_test
from quizproof.families.entropy.reading import read_integrands
from quizproof.family import Context
from quizproof.model import Claim
from quizproof.notation import NotationError
from quizproof.simulation import ClaimCheck, PointCheck, SimulationRun

ENTROPY_SAMPLES = 200_000
_QUANTITY = {name: sp.Symbol(f"q{n}", positive=True) for n, name in enumerate(entropy.QUANTITIES)}
# Each density of the notation as the per-sample probability the simulator reports.
_DENSITY = {
    E.POP: _QUANTITY["Pop(y)"],
    E.ENC: _QUANTITY["P_Psi(z|y)"],
    E.MARG: _QUANTITY["P_PopPsi(z)"],
    E.POST: _QUANTITY["P_PopPsi(y|z)"],
    E.JOINT: _QUANTITY["Pop(y)"]
    * _QUANTITY["P_Psi(z|y)"],  # $P(y,z) = \mathrm{Pop}(y) P_\Psi(z|y)$
    E.PRIOR: _QUANTITY["P_Phi(z)"],
    E.DEC: _QUANTITY["P_Theta(y|z)"],
}


def simulate(claim: Claim, ctx: Context, run: SimulationRun) -> ClaimCheck:
    """Each integrand's expectation, exactly on the finite support and by sampling.

    The claimed value is $H(y)$ for the identity, and for the bound the value
    the quiz defines: (1) with its entropies replaced by the cross-entropies to
    the models, computed from their definitions on the finite support.
    """
    out = ClaimCheck(claim.id, claim.answer)
    names = list(entropy.QUANTITIES)
    n = run.samples or ENTROPY_SAMPLES
    for role, member in read_integrands(claim.kind, claim.answer, []):
        value = member.xreplace(_DENSITY)
        if value.free_symbols - set(_QUANTITY.values()) or value.atoms(E.Density):
            raise NotationError("the integrand uses something other than the densities at (y, z)")
        f = sp.lambdify([_QUANTITY[k] for k in names], value, modules="numpy")

        def integrand(p: dict[str, np.ndarray], f=f) -> np.ndarray:
            shape = p["Pop(y)"].shape
            return np.asarray(f(*(p[k] for k in names)), dtype=np.float64) * np.ones(shape)

        for p in range(3):
            for truth in (False, True):
                rng = np.random.Generator(np.random.PCG64(run.seedseq(p, 0)))
                model = entropy.FiniteModel.random(5, 4, rng, true_models=truth)
                target = model.exact()["H(y)" if role == "H(y)" else "bound"]
                yy, zz = np.meshgrid(np.arange(5), np.arange(4), indexing="ij")
                at = model.probabilities(yy.ravel(), zz.ravel())
                exact = float(model.joint.ravel() @ integrand(at))  # $\sum_{y,z} P(y,z) f(y,z)$
                est = entropy.estimate(model, {"v": integrand}, n, seed=run.seedseq(p, 1))["v"]
                test = z_test(est.mean, est.stderr, target)
                ok = abs(exact - target) <= model.rounding() and test.passed
                what = "the bound of (c)" if role == "bound" else "H(y)"
                models = "true models" if truth else "random models"
                note = (
                    f"E[integrand] = {what} ({models}); exact expectation {exact:.12g}, "
                    f"{what} = {target:.12g}"
                )
                out.points.append(
                    PointCheck({"model": str(p), "true_models": str(truth).lower()}, est.mean,
                               test.stderr, target, test.z, ok, n, note)
                )  # fmt: skip
    return out
