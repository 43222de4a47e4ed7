"""Problem 1: identity (1), the bound, its KL gap, the VAE objective, estimability."""

import math
import random

import pytest
import sympy as sp

from derivations import entropy as E

log = sp.log


def as_float(expr: sp.Expr) -> float:
    return float(sp.N(expr, 30))


def big_worlds(seed: int = 7, count: int = 4):
    rng = random.Random(seed)
    return [E.rational_world(rng, ny, nz) for ny, nz in [(4, 3), (5, 4), (3, 5), (6, 2)][:count]]


# ---------------------------------------------------------------- identity (1) and 1(a)


@pytest.mark.parametrize("world", big_worlds(), ids=lambda w: f"{w.ny}x{w.nz}")
def test_identity_1_exact_on_rational_worlds(world):
    gap = world.H_z() - world.H_z_given_y() + world.H_y_given_z() - world.H_y()
    assert E.over_primes(gap) == 0
    assert E.exact_sign(gap) == 0


@pytest.mark.parametrize("shape", [(2, 2), (3, 2)])
def test_identity_1_symbolic(shape):
    w = E.symbolic_world(*shape)
    assert E.log_zero(w.H_z() - w.H_z_given_y() + w.H_y_given_z() - w.H_y()) is True
    # a wrong sign in (1) is not an identity
    assert E.log_zero(w.H_z() + w.H_z_given_y() + w.H_y_given_z() - w.H_y()) is not True


def test_identity_derivation_steps():
    d = E.entropy_identity()
    h = {k: sp.Symbol(k, real=True) for k in ("H(y)", "H(z)", "H(z|y)", "H(y|z)")}
    assert d.result == sp.Eq(h["H(y)"], h["H(z)"] - h["H(z|y)"] + h["H(y|z)"])
    assert len(d.steps) >= 5


def test_identity_integrand_form():
    d = E.identity_integrand()
    # the three densities of (1), each with the sign of its entropy's term
    coeffs = {app: d.result.coeff(log(app)) for app in (E.MARG, E.ENC, E.POST)}
    assert coeffs == {E.MARG: -1, E.ENC: 1, E.POST: -1}
    assert E.densities_in(d.result) == {E.MARG, E.ENC, E.POST}


@pytest.mark.parametrize("world", big_worlds(), ids=lambda w: f"{w.ny}x{w.nz}")
def test_identity_integrand_has_expectation_H_y(world):
    integrand = E.identity_integrand().result
    assert E.exact_sign(world.expectation(integrand) - world.H_y()) == 0


def test_printed_1a_reading_marginal_is_verified():
    printed = -log(E.MARG) + log(E.ENC) - log(E.POST)
    c = E.compare_expectations(printed, E.identity_integrand().result)
    assert c.equal is True


@pytest.mark.parametrize(
    "rewriting",
    [
        -log(E.POP),  # the left side itself
        log(E.ENC / (E.MARG * E.POST)),  # one logarithm
        -log(E.JOINT) + log(E.ENC),  # through the joint
        -log(E.MARG) + log(E.POP * E.ENC) - log(E.POP) - log(E.POST),
    ],
)
def test_equivalent_integrands_verified(rewriting):
    c = E.compare_expectations(rewriting, E.identity_integrand().result)
    assert c.equal is True


WRONG_1A = {
    "model for the marginal": -log(E.PRIOR) + log(E.ENC) - log(E.POST),
    "model for the posterior": -log(E.MARG) + log(E.ENC) - log(E.DEC),
    "sign of the middle term": -log(E.MARG) - log(E.ENC) - log(E.POST),
    "dropped middle term": -log(E.MARG) - log(E.POST),
    "dropped posterior": -log(E.MARG) + log(E.ENC),
    "all signs flipped": log(E.MARG) - log(E.ENC) + log(E.POST),
    "not a log": E.POP,
    "constant offset": -log(E.POP) + 1,
}


@pytest.mark.parametrize("name", WRONG_1A)
def test_wrong_integrands_refuted_with_exact_counterexample(name):
    claimed = WRONG_1A[name]
    c = E.compare_expectations(claimed, E.identity_integrand().result)
    assert c.equal is False
    w = c.world
    # the counterexample is admissible: distributions with exact rational entries
    for row in (w.pop, *w.enc, w.prior, *w.dec):
        assert all(v.is_Rational and v > 0 for v in row)
        assert sum(row) == 1
    # and the two expectations differ, recomputed independently in floating point
    claimed_f = _float_expectation(claimed, w)
    derived_f = -sum(p * math.log(p) for p in map(float, w.pop))
    assert claimed_f == pytest.approx(as_float(c.claimed), rel=1e-12)
    assert derived_f == pytest.approx(as_float(c.derived), rel=1e-12)
    assert abs(claimed_f - derived_f) > 1e-9


def _float_expectation(integrand, w):
    """Expectation computed in floats from the tables, with its own Bayes arithmetic."""
    pop = [float(p) for p in w.pop]
    enc = [[float(v) for v in r] for r in w.enc]
    total = 0.0
    for i in range(w.ny):
        for j in range(w.nz):
            joint = pop[i] * enc[i][j]
            marg = sum(pop[k] * enc[k][j] for k in range(w.ny))
            vals = {
                E.POP: pop[i],
                E.ENC: enc[i][j],
                E.MARG: marg,
                E.POST: joint / marg,
                E.JOINT: joint,
                E.PRIOR: float(w.prior[j]),
                E.DEC: float(w.dec[j][i]),
            }
            f = sp.lambdify(list(vals), integrand, "math")
            total += joint * f(*vals.values())
    return total


def test_ill_formed_integrands_rejected():
    with pytest.raises(E.IntegrandError, match="not a density"):
        E.check_integrand(-log(E.Pop(E.z)))
    with pytest.raises(E.IntegrandError, match="unknown symbols"):
        E.check_integrand(-log(E.POP) + sp.Symbol("w"))


# ---------------------------------------------------------------- exact arithmetic


def test_exact_sign_over_primes():
    assert E.exact_sign(log(sp.Integer(4)) - 2 * log(sp.Integer(2))) == 0
    assert E.exact_sign(log(sp.Rational(6, 5)) - log(2) - log(3) + log(5)) == 0
    assert E.exact_sign(log(sp.Integer(3)) - log(sp.Integer(2))) == 1
    assert E.exact_sign(sp.Rational(1, 10**40) - 0) == 1
    # 2^10 = 1024 vs 10^3 = 1000: close, yet different; exactly decided
    assert E.exact_sign(10 * log(sp.Integer(2)) - 3 * log(sp.Integer(10))) == 1


# ---------------------------------------------------------------- the bound, 1(c)


def test_bound_integrand_form():
    d = E.upper_bound()
    coeffs = {app: d.result.coeff(log(app)) for app in (E.PRIOR, E.ENC, E.DEC)}
    assert coeffs == {E.PRIOR: -1, E.ENC: 1, E.DEC: -1}
    assert E.densities_in(d.result) == {E.PRIOR, E.ENC, E.DEC}


@pytest.mark.parametrize("world", big_worlds(seed=11), ids=lambda w: f"{w.ny}x{w.nz}")
def test_bound_gap_is_the_two_kls(world):
    gap, kl_z, kl_yz = E.bound_gap_at(world)
    assert E.exact_sign(gap - kl_z - kl_yz) == 0
    assert E.exact_sign(kl_z) == 1  # random models are not the truth
    assert E.exact_sign(kl_yz) == 1
    assert E.exact_sign(gap) == 1


def test_bound_tight_exactly_at_the_true_models():
    w = big_worlds(seed=3, count=1)[0]
    truth = E.World(
        w.pop,
        w.enc,
        tuple(w.marginal(j) for j in range(w.nz)),
        tuple(tuple(w.posterior(i, j) for i in range(w.ny)) for j in range(w.nz)),
    )
    gap, kl_z, kl_yz = E.bound_gap_at(truth)
    assert E.exact_sign(gap) == 0
    assert E.exact_sign(kl_z) == 0
    assert E.exact_sign(kl_yz) == 0
    # the right prior but a wrong decoder leaves a positive gap
    half = E.World(truth.pop, truth.enc, truth.prior, w.dec)
    assert E.exact_sign(E.bound_gap_at(half)[0]) == 1


def test_gibbs():
    d = E.gibbs_inequality()
    u = sp.Symbol("u", positive=True)
    assert d.result == sp.Ge(u - 1, log(u))


@pytest.mark.parametrize(
    ("name", "claimed", "equal"),
    [
        ("printed", -log(E.PRIOR) + log(E.ENC) - log(E.DEC), True),
        ("one logarithm", log(E.ENC / (E.PRIOR * E.DEC)), True),
        ("dropped middle term", -log(E.PRIOR) - log(E.DEC), False),
        ("sign of the middle term", -log(E.PRIOR) - log(E.ENC) - log(E.DEC), False),
        ("true marginal, not the model", -log(E.MARG) + log(E.ENC) - log(E.DEC), False),
        ("model where the encoder belongs", -log(E.PRIOR) + log(E.PRIOR) - log(E.DEC), False),
    ],
)
def test_bound_claims(name, claimed, equal):
    c = E.compare_expectations(claimed, E.upper_bound_integrand())
    assert c.equal is equal, name
    if not equal:
        assert E.exact_sign(c.claimed - c.derived) != 0


# ---------------------------------------------------------------- 1(e): the VAE


def test_vae_derivation():
    assert E.vae_objective().result == sp.true


@pytest.mark.parametrize("world", big_worlds(seed=5), ids=lambda w: f"{w.ny}x{w.nz}")
def test_bound_is_negative_elbo_on_rational_worlds(world):
    bound = world.expectation(E.upper_bound_integrand())
    neg_elbo = world.expectation(-log(E.DEC)) + world.kl_encoder_prior()
    assert E.exact_sign(bound - neg_elbo) == 0


# ---------------------------------------------------------------- 1(b), 1(d)


def test_estimable_terms_of_1():
    d = E.estimable_identity_terms()
    assert d.result == sp.FiniteSet(E.TermName("H(z|y)"))
    table = E.estimable((E.H_Y, E.H_Z, E.H_Z_GIVEN_Y, E.H_Y_GIVEN_Z), E.COMPUTABLE_1B)
    assert table["H(z)"] == (False, (E.MARG,))
    assert table["H(y)"] == (False, (E.POP,))
    assert table["H(y|z)"] == (False, (E.POST,))


def test_estimable_terms_of_bound_all():
    d = E.estimable_bound_terms()
    assert d.result == sp.FiniteSet(*(E.TermName(t.key) for _, t in E.bound_terms()))
    assert len(d.result) == 3


def test_estimability_follows_what_is_computable():
    # if Pop could be evaluated, H(y) would be estimable too; without the models nothing of (c)
    more = E.COMPUTABLE_1B | {E.Pop}
    assert E.estimable((E.H_Y,), more)["H(y)"][0] is True
    bound = tuple(t for _, t in E.bound_terms())
    assert [k for k, (ok, _) in E.estimable(bound, E.COMPUTABLE_1B).items() if ok] == ["H(z|y)"]
