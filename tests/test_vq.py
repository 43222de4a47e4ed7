"""Problem 2: the straight-through rule, the SGD codebook step, the rolling average."""

import pytest
import sympy as sp

from derivations import vq as V

e, x, eta = V.e, V.x, V.eta


def test_straight_through_accumulates():
    d = V.straight_through()
    assert sp.expand(d.result - V.x_grad) == V.e_grad
    # writing x.grad = e.grad loses what x.grad held already (the commitment term)
    diff = V.compare(V.e_grad, d.result)
    assert diff.equal is False
    assert diff.point[V.x_grad] != 0
    assert diff.claimed != diff.derived


def test_sgd_step_properties():
    new = V.sgd_update().result
    # it is a descent step: the squared distance shrinks by (1 - 2 eta)^2
    assert sp.factor((x - new) ** 2 / (x - e) ** 2) == (2 * eta - 1) ** 2
    # a codeword already at x stays there
    assert new.subs(e, x) == x
    # at eta = 1/2 it jumps onto x
    assert sp.simplify(new.subs(eta, sp.Rational(1, 2))) == x


@pytest.mark.parametrize(
    "rewriting",
    [
        (1 - 2 * eta) * e + 2 * eta * x,
        e - 2 * eta * (e - x),
        e - eta * (2 * e - 2 * x),
        e + eta * 2 * (x - e),
    ],
)
def test_equivalent_updates_verified(rewriting):
    assert V.compare(rewriting, V.sgd_update().result).equal is True


WRONG_2B = {
    "printed: the current value dropped": 2 * eta * (x - e),
    "sign (ascent)": e - 2 * eta * (x - e),
    "factor 2 dropped": e + eta * (x - e),
    "weights swapped": (1 - 2 * eta) * x + 2 * eta * e,
    "eta dropped": e + 2 * (x - e),
}


@pytest.mark.parametrize("name", WRONG_2B)
def test_wrong_updates_refuted_with_exact_point(name):
    claimed = WRONG_2B[name]
    derived = V.sgd_update().result
    diff = V.compare(claimed, derived)
    assert diff.equal is False
    assert diff.point[eta] > 0
    assert claimed.xreplace(diff.point) == diff.claimed
    assert derived.xreplace(diff.point) == diff.derived
    assert diff.claimed != diff.derived


def test_printed_2b_is_the_step_not_the_new_value():
    # the printed right side is exactly the derived change e_new - e
    printed = 2 * eta * (x - e)
    assert sp.expand(V.sgd_update().result - e - printed) == 0


def test_rolling_average_weights_and_condition():
    d = V.rolling_average()
    poly = sp.Poly(d.result, e, x)
    assert poly.coeff_monomial(e) == 1 - 2 * eta
    assert poly.coeff_monomial(x) == 2 * eta
    cond = V.convexity_condition().result
    assert cond.subs(eta, sp.Rational(1, 4)) == sp.true
    assert cond.subs(eta, sp.Rational(1, 2)) == sp.true
    assert cond.subs(eta, sp.Rational(3, 4)) == sp.false
    # beyond 1/2 the weight of e is negative: not an average
    assert poly.coeff_monomial(e).subs(eta, sp.Rational(3, 4)) < 0


def test_fixed_point_and_ema():
    assert V.fixed_point().result == V.mu
    assert V.ema_decay().result == 1 - 2 * eta


def test_compare_reports_undecided_when_no_point_separates():
    # different symbolically, yet zero on every grid point (2x is an integer there)
    odd = V.sgd_update().result + sp.sin(sp.pi * x) * sp.sin(2 * sp.pi * x)
    assert V.compare(odd, V.sgd_update().result).equal is None
