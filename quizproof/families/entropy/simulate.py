r"""The upper bound on $H(y)$ in simulation: integrands on random finite worlds.

Each member of an integrand answer (the identity of 1(a), the bound of 1(c), the gap)
is evaluated on random finite populations, encoders and models
(:mod:`numerics.entropy`; given an observed $x$, one such world per value of $x$): its
exact expectation on the finite support and a sampled one over $y \sim \text{Pop}$,
$z \sim P_\Psi(z|y)$ are compared with the quantity the problem defines, computed by
numerics from the definitions of the entropies and cross-entropies: $H(y)$ for the
identity (and for the bound at the true models), the bound itself (the entropies of (1)
with the chosen ones replaced by cross-entropies), and for the gap the bound minus
$H(y)$ (checked besides against the divergences computed from their definitions).
"""

from __future__ import annotations

import math

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
SIZES = (5, 4)  # values of y and of z (given x: for each of 3 values of x)
_QUANTITY = {name: sp.Symbol(f"q{n}", positive=True) for n, name in enumerate(entropy.QUANTITIES)}


def _densities(d: E.Densities) -> dict[sp.Expr, sp.Expr]:
    """Each density of the notation as the per-sample probability the simulator reports."""
    q = _QUANTITY
    return {
        d.pop: q["Pop(y)"],
        d.enc: q["P_Psi(z|y)"],
        d.marg: q["P_PopPsi(z)"],
        d.post: q["P_PopPsi(y|z)"],
        d.joint: q["Pop(y)"] * q["P_Psi(z|y)"],  # $P(y,z) = \mathrm{Pop}(y) P_\Psi(z|y)$
        d.prior: q["P_Phi(z)"],
        d.dec: q["P_Theta(y|z)"],
    }


def targets(values: dict[str, float], replace: frozenset[str]) -> dict[str, float]:
    """H(y), the bound the variant defines, and its gap, from the exact entropies."""
    bound = (
        (values["CE(z,Phi)"] if "z" in replace else values["H(z)"])
        - values["H(z|y)"]
        + (values["CE(y|z,Theta)"] if "y|z" in replace else values["H(y|z)"])
    )
    return {"H(y)": values["H(y)"], "bound": bound, "gap": bound - values["H(y)"]}


def _world(setting: E.Setting, rng: np.random.Generator, truth: bool):
    if setting.observed:
        return entropy.ConditionalModel.random(3, *SIZES, rng, true_models=truth)
    return entropy.FiniteModel.random(*SIZES, rng, true_models=truth)


def _exact(model, integrand) -> float:
    """The integrand's expectation summed over the finite support (per x, then over x)."""
    if isinstance(model, entropy.ConditionalModel):
        return float(sum(p * _exact(m, integrand) for p, m in zip(model.px, model.models,
                                                                  strict=True)))  # fmt: skip
    yy, zz = np.meshgrid(*(np.arange(n) for n in model.enc.shape), indexing="ij")
    at = model.probabilities(yy.ravel(), zz.ravel())
    return float(model.joint.ravel() @ integrand(at))  # $\sum_{y,z} P(y,z) f(y,z)$


def simulate(claim: Claim, ctx: Context, run: SimulationRun) -> ClaimCheck:
    """Each integrand's expectation, exactly on the finite support and by sampling."""
    setting: E.Setting = ctx.params
    out = ClaimCheck(claim.id, claim.answer)
    names = list(entropy.QUANTITIES)
    n = run.samples or ENTROPY_SAMPLES
    density = _densities(setting.dens)
    for role, member in read_integrands(claim.kind, claim.answer, [], None, setting):
        value = member.xreplace(density)
        if value.free_symbols - set(_QUANTITY.values()) or value.atoms(E.Density):
            raise NotationError("the integrand uses something other than the densities at (y, z)")
        f = sp.lambdify([_QUANTITY[k] for k in names], value, modules="numpy")

        def integrand(p: dict[str, np.ndarray], f=f) -> np.ndarray:
            shape = p["Pop(y)"].shape
            return np.asarray(f(*(p[k] for k in names)), dtype=np.float64) * np.ones(shape)

        for k in range(3):
            for truth in (False, True):
                rng = np.random.Generator(np.random.PCG64(run.seedseq(k, 0)))
                model = _world(setting, rng, truth)
                target = targets(model.exact(), setting.replace)[role]
                exact = _exact(model, integrand)
                est = entropy.estimate(model, {"v": integrand}, n, seed=run.seedseq(k, 1))["v"]
                test = z_test(est.mean, est.stderr, target)
                # values that agree to the float rounding of the exact sums pass as equal
                close = abs(est.mean - target) <= model.rounding()
                exact_ok = abs(exact - target) <= model.rounding()
                h = setting.terms.H_Y.latex
                what = {"H(y)": f"${h}$", "bound": "the bound", "gap": f"the bound minus ${h}$"}
                note = (
                    f"the expectation of the integrand against {what[role]} "
                    f"({'true' if truth else 'random'} models); exactly {exact:.12g} against "
                    f"{target:.12g}"
                )
                if role == "gap":
                    kl = model.divergences()
                    by_definition = sum(kl[f"KL({r})"] for r in sorted(setting.replace))
                    exact_ok = exact_ok and abs(by_definition - target) <= model.rounding()
                    note += f"; the divergences from their definitions sum to {by_definition:.12g}"
                where = {"model": str(k), "true_models": str(truth).lower()}
                if not exact_ok:  # decided by the exact sums on the finite support, not by z
                    out.points.append(PointCheck(where, exact, 0.0, target, math.copysign(
                        math.inf, exact - target), False, n, note))  # fmt: skip
                    continue
                out.points.append(
                    PointCheck(where, est.mean, test.stderr, target, 0.0 if close else test.z,
                               bool(test.passed or close), n, note)
                )  # fmt: skip
    return out
