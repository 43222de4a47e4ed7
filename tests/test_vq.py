"""Problem 2's derivations against independent routes.

Gradients are checked by exact central differences (the objectives are quadratic in the
codeword, so a central difference with any step is the exact derivative) on explicit
rational vectors, and by numpy finite differences of objective (3) on random VQ
instances.  Moving averages are checked against the weighted sums of their definition,
computed here in exact rationals.  Nothing below restates a derived constant.
"""

from __future__ import annotations

import random
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from derivations import vq as V
from numerics import vq as vq_sim

c_sym, d_sym = sp.Symbol("c", positive=True), sp.Symbol("d", positive=True)
PARAMS = [
    V.QUIZ,
    V.VQParams(sp.Rational(1, 2), sp.Rational(1, 4), sp.Rational(99, 100)),
    V.VQParams(c_sym, V.beta, d_sym),
]
IDS = ["quiz", "numbers", "symbols"]
# values for a variant's symbols, inside their ranges
AT = {c_sym: sp.Rational(3, 2), d_sym: sp.Rational(2, 3), V.beta: sp.Rational(1, 3),
      V.gamma: sp.Rational(3, 5)}  # fmt: skip


def exact(v) -> sp.Rational:
    if isinstance(v, Fraction):
        return sp.Rational(v.numerator, v.denominator)
    return sp.Rational(v)


def value(expr, **coords):
    """A derived one-coordinate result at exact values of its symbols."""
    point = {**AT, **{getattr(V, k): exact(v) for k, v in coords.items()}}
    return expr.xreplace(point)


def rng_vectors(seed: int, dim: int = 3) -> tuple[list[Fraction], list[Fraction]]:
    rng = random.Random(seed)
    return (
        [Fraction(rng.randint(-9, 9), rng.randint(1, 5)) for _ in range(dim)],
        [Fraction(rng.randint(-9, 9), rng.randint(1, 5)) for _ in range(dim)],
    )


def central_gradient(f, e: list[Fraction], h: Fraction = Fraction(1, 7)) -> list[Fraction]:
    """Exact for a quadratic: (f(e + h u_i) - f(e - h u_i)) / 2h."""
    out = []
    for i in range(len(e)):
        up = [v + (h if j == i else 0) for j, v in enumerate(e)]
        down = [v - (h if j == i else 0) for j, v in enumerate(e)]
        out.append((f(up) - f(down)) / (2 * h))
    return out


@pytest.mark.parametrize("params", PARAMS, ids=IDS)
@pytest.mark.parametrize("seed", range(3))
def test_sgd_step_is_minus_eta_times_the_difference_quotient(params, seed):
    c = Fraction(str(sp.nsimplify(params.codebook.xreplace(AT))))
    x, e = rng_vectors(seed)
    eta = Fraction(1, 5 + seed)
    grad = central_gradient(lambda v: c * sum((a - b) ** 2 for a, b in zip(x, v, strict=True)), e)
    for step in (V.sgd_update(params), V.rolling_average(params)):
        for i in range(3):
            expected = e[i] - eta * grad[i]
            got = value(step.result, x=x[i], e=e[i], eta=eta)
            assert got == sp.Rational(expected.numerator, expected.denominator), step.id


@pytest.mark.parametrize("params", PARAMS, ids=IDS)
def test_condition_is_exactly_where_the_weights_of_the_step_are_nonnegative(params):
    """On a grid of rates: the weight the FD step gives x lies in [0, 1] iff the condition holds."""
    c = sp.nsimplify(params.codebook.xreplace(AT))
    cond = V.convexity_condition(params).result.xreplace(AT)
    x, e = Fraction(3), Fraction(-1)
    for k in range(1, 40):
        eta = Fraction(k, 16)
        grad = central_gradient(lambda v, c=c: Fraction(str(c)) * (x - v[0]) ** 2, [e])[0]
        weight = (e - eta * grad - e) / (x - e)
        assert bool(cond.subs(V.eta, sp.Rational(k, 16))) == (0 <= weight <= 1), eta


@pytest.mark.parametrize("beta", [0.25, 1.0, 2.0])
@pytest.mark.parametrize("seed", range(3))
def test_encoder_gradient_matches_finite_differences_of_objective_3(beta, seed):
    """The derived rule, lambdified, against numpy central differences of (3)."""
    params = V.VQParams(commitment=sp.nsimplify(beta))
    derived = V.encoder_gradient(params).result
    f = sp.lambdify((V.x, V.e, V.x_grad, V.e_grad), derived, "numpy")
    inst = vq_sim.straight_through_check(seed=seed, beta=beta)
    got = f(inst.x, inst.q, np.zeros_like(inst.x), inst.q_grad)
    assert np.abs(got - inst.x_grad_fd).max() <= inst.fd_error
    # the rule of (a) alone misses the commitment term by far more than the FD error
    alone = sp.lambdify((V.x_grad, V.e_grad), V.straight_through().result, "numpy")
    assert np.abs(alone(np.zeros_like(inst.x), inst.q_grad) - inst.x_grad_fd).max() > 1e-3


def test_straight_through_adds_what_the_stand_in_differentiates_to():
    inst = vq_sim.straight_through_check(seed=11)
    f = sp.lambdify((V.x_grad, V.e_grad), V.straight_through().result, "numpy")
    assert np.abs(f(inst.x_grad_prior, inst.q_grad) - inst.x_grad_fd).max() <= inst.fd_error


def ema_by_sum(start: Fraction, xs: list[Fraction], d: Fraction) -> Fraction:
    """The EMA's definition: d^n e_0 + sum (1 - d) d^(n - m) x_m."""
    n = len(xs)
    return d**n * start + sum((1 - d) * d ** (n - m) * xm for m, xm in enumerate(xs, 1))


def iterate(expr: sp.Expr, start, xs, **fixed) -> sp.Rational:
    out = exact(start)
    for xm in xs:
        out = value(expr, e=out, x=xm, **fixed)
    return out


@pytest.mark.parametrize("params", PARAMS, ids=IDS)
def test_ema_update_reproduces_the_weighted_sums_of_its_definition(params):
    d = Fraction(str(sp.nsimplify(params.decay.xreplace(AT))))
    rng = random.Random(5)
    xs = [Fraction(rng.randint(-20, 20), 3) for _ in range(9)]
    for n in range(1, len(xs) + 1):
        got = iterate(V.ema_update(params).result, 2, xs[:n])
        want = ema_by_sum(Fraction(2), xs[:n], d)
        assert got == sp.Rational(want.numerator, want.denominator)


@pytest.mark.parametrize("params", PARAMS, ids=IDS)
def test_sgd_at_the_derived_rate_is_the_ema(params):
    rate = sp.nsimplify(V.ema_rate(params).result.xreplace(AT))
    d = Fraction(str(sp.nsimplify(params.decay.xreplace(AT))))
    xs = [Fraction(k * k - 7, 4) for k in range(8)]
    got = iterate(V.sgd_update(params).result, -3, xs, eta=rate)
    want = ema_by_sum(Fraction(-3), xs, d)
    assert got == sp.Rational(want.numerator, want.denominator)


@pytest.mark.parametrize("params", PARAMS, ids=IDS)
def test_the_derived_decay_makes_the_ema_the_sgd_step(params):
    for eta in (sp.Rational(1, 10), sp.Rational(1, 7)):
        decay = sp.nsimplify(V.ema_decay(params).result.xreplace({**AT, V.eta: eta}))
        xs = [Fraction(k, 3) for k in (4, -2, 7, 1, 0, -5)]
        got = iterate(V.sgd_update(params).result, 1, xs, eta=eta)
        want = ema_by_sum(Fraction(1), xs, Fraction(str(decay)))
        assert got == sp.Rational(want.numerator, want.denominator)


def test_sgd_step_is_a_descent_step():
    """|x - e_new| = |1 - 2 eta| |x - e|: it shrinks for 0 < eta < 1 and is 0 at eta = 1/2."""
    new = V.sgd_update().result
    for eta in (sp.Rational(1, 10), sp.Rational(1, 2), sp.Rational(9, 10)):
        for x, e in ((3, 1), (-2, 5)):
            shrink = abs(x - value(new, x=x, e=e, eta=eta)) / abs(x - e)
            assert shrink == abs(1 - 2 * eta)


@pytest.mark.parametrize(
    "rewriting",
    [
        (1 - 2 * V.eta) * V.e + 2 * V.eta * V.x,
        V.e - 2 * V.eta * (V.e - V.x),
        V.e - V.eta * (2 * V.e - 2 * V.x),
    ],
)
def test_equivalent_updates_compare_equal(rewriting):
    assert V.compare(rewriting, V.sgd_update().result).equal is True


WRONG_2B = {
    "printed: the current value dropped": 2 * V.eta * (V.x - V.e),
    "sign (ascent)": V.e - 2 * V.eta * (V.x - V.e),
    "factor 2 dropped": V.e + V.eta * (V.x - V.e),
    "weights swapped": (1 - 2 * V.eta) * V.x + 2 * V.eta * V.e,
}


@pytest.mark.parametrize("name", WRONG_2B)
def test_wrong_updates_refuted_at_an_exact_admissible_point(name):
    claimed, derived = WRONG_2B[name], V.sgd_update().result
    diff = V.compare(claimed, derived)
    assert diff.equal is False
    assert diff.point[V.eta] > 0
    assert claimed.xreplace(diff.point) == diff.claimed != diff.derived


def test_compare_reports_undecided_when_no_point_separates():
    odd = V.sgd_update().result + sp.sin(sp.pi * V.x) * sp.sin(2 * sp.pi * V.x)
    assert V.compare(odd, V.sgd_update().result).equal is None
