r"""Exact decisions on constants: combinations of logarithms of rationals, and log identities.

An expectation on a world with rational probabilities is a rational combination of
logarithms of rationals; writing each $\ln r$ over the primes,
$\ln r = \sum_p v_p(r) \ln p$, it is zero exactly when every coefficient is zero
(the $\ln p$ are linearly independent over $\mathbb{Q}$ by unique factorization).
"""

from __future__ import annotations

import sympy as sp


def over_primes(expr: sp.Expr) -> sp.Expr:
    r"""Rewrite every $\ln r$ ($r$ a positive rational) as $\sum_p v_p(r) \ln p$, expanded."""

    def split(arg):
        r = sp.Rational(arg)
        out = sp.Integer(0)
        for p, v in sp.factorint(r.p).items():
            out += v * sp.log(p, evaluate=False)
        for p, v in sp.factorint(r.q).items():
            out -= v * sp.log(p, evaluate=False)
        return out

    logs = {
        a: split(a.args[0]) for a in expr.atoms(sp.log) if a.args[0].is_Rational and a.args[0] > 0
    }
    return sp.expand(expr.xreplace(logs))


def exact_sign(expr: sp.Expr) -> int | None:
    r"""The sign of an exact constant: $0$, $\pm 1$, or ``None`` when it cannot be told.

    A rational combination of logs of rationals is decided exactly over the primes; a
    nonzero one gets its sign from a 50-digit evaluation (it is an explicit nonzero
    number, so the evaluation is not a judgement of zero).  Anything else is decided
    only when a 50-digit evaluation puts it clearly away from zero.
    """
    flat = over_primes(expr)
    if flat == 0:
        return 0
    value = sp.N(flat, 50)
    if not value.is_real:
        return None
    if all(a.is_Rational or (isinstance(a, sp.log) and a.args[0].is_prime) for a in flat.atoms()):
        return 1 if value > 0 else -1  # nonzero exactly; the sign of a nonzero number
    if abs(value) > sp.Float("1e-30"):
        return 1 if value > 0 else -1
    return None


def exact_nonzero(expr: sp.Expr) -> bool | None:
    """True when a constant is certainly nonzero: a nonzero sign, or a clearly imaginary part."""
    sign = exact_sign(expr)
    if sign is not None:
        return sign != 0
    value = sp.N(over_primes(expr), 50)
    if value.is_number and abs(sp.im(value)) > sp.Float("1e-30"):
        return True  # not even real: an integrand that is complex where the joint has mass
    return None


def log_zero(expr: sp.Expr) -> bool | None:
    """True when a sum of (polynomial) x (logarithm) terms expands to zero identically."""
    flat = sp.expand(sp.expand_log(expr, force=True))  # every probability is positive
    if flat == 0:
        return True
    return sp.simplify(flat) == 0 or None
