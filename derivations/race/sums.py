r"""Exponential polynomials in the number $m$ of advances to go, and the recurrences they solve.

The values of the race and the moments of its policy-gradient estimates are
*exponential polynomials* in $m$: finite sums $\sum_z z^m P_z(m)$ with
polynomials $P_z$, whose bases $z$ and coefficients are rational functions of
the rules' parameters ($\lambda$, the advance probabilities, the discount).
:class:`ExpPoly` holds one, its bases and coefficients elements of the field
$\mathbb{Q}(\lambda, \dots)$, so equal rational functions are equal objects.

:func:`unroll` solves a first-order recurrence
$E_m = \rho E_{m-1} + \Delta(m)$ ($m \ge 2$) from $E_1$:

$$E_m = \rho^{m-1} E_1 + \sum_{j=2}^{m} \rho^{m-j} \Delta(j),$$

term by term of $\Delta$: for a term $d\, j^k z^j$ with $w = z/\rho$, the sum
is $d\,\rho^m \sum_{j=2}^m j^k w^j$.  If $w = 1$ that is Faulhaber's
polynomial; otherwise $\sum_{j=1}^m j^k w^j = w^m P(m) + C$ where the
polynomial $P$ of degree $k$ solves $P(m) - P(m-1)/w = m^k$ (its coefficients
from the top down) and $C = -P(0)$.  Both are exact for every $m \ge 1$.
"""

from __future__ import annotations

from functools import lru_cache
from math import comb

import sympy as sp

Field = sp.polys.fields.FracField


def field_of(gens: tuple[sp.Symbol, ...]) -> Field:
    """$\\mathbb{Q}(\\text{gens})$: rational functions with canonical forms."""
    return sp.QQ.frac_field(*gens)


class ExpPoly:
    r"""$\sum_z z^m \sum_k c_{z,k} m^k$, bases and coefficients in a fraction field ``K``."""

    __slots__ = ("K", "terms")

    def __init__(self, K: Field, terms: dict | None = None) -> None:
        self.K = K
        self.terms: dict = {}
        for z, poly in (terms or {}).items():
            kept = {k: c for k, c in poly.items() if c}
            if kept:
                self.terms[z] = kept

    @classmethod
    def const(cls, K: Field, c) -> ExpPoly:
        return cls(K, {K.one: {0: K(c)}})

    @classmethod
    def power(cls, K: Field, base, coef=1, degree: int = 0) -> ExpPoly:
        """$c\\, m^{degree} z^m$."""
        return cls(K, {K(base): {degree: K(coef)}})

    def _merge(self, other: ExpPoly, sign: int) -> ExpPoly:
        out = {z: dict(p) for z, p in self.terms.items()}
        for z, poly in other.terms.items():
            target = out.setdefault(z, {})
            for k, c in poly.items():
                target[k] = target.get(k, self.K.zero) + sign * c
        return ExpPoly(self.K, out)

    def __add__(self, other: ExpPoly) -> ExpPoly:
        return self._merge(other, 1)

    def __sub__(self, other: ExpPoly) -> ExpPoly:
        return self._merge(other, -1)

    def __neg__(self) -> ExpPoly:
        return self.scale(-1)

    def scale(self, c) -> ExpPoly:
        c = self.K(c)
        return ExpPoly(self.K, {z: {k: c * v for k, v in p.items()} for z, p in self.terms.items()})

    def __mul__(self, other: ExpPoly) -> ExpPoly:
        out: dict = {}
        for z, p in self.terms.items():
            for y, r in other.terms.items():
                target = out.setdefault(z * y, {})
                for k1, c1 in p.items():
                    for k2, c2 in r.items():
                        target[k1 + k2] = target.get(k1 + k2, self.K.zero) + c1 * c2
        return ExpPoly(self.K, out)

    def shift(self) -> ExpPoly:
        r"""$f(m - 1)$: $z^{m-1}(m-1)^k = z^{-1} z^m \sum_l \binom{k}{l} (-1)^{k-l} m^l$."""
        out: dict = {}
        for z, p in self.terms.items():
            target = out.setdefault(z, {})
            for k, c in p.items():
                for n in range(k + 1):
                    term = c * comb(k, n) * (-1) ** (k - n) / z
                    target[n] = target.get(n, self.K.zero) + term
        return ExpPoly(self.K, out)

    def diff(self, x: sp.Symbol) -> ExpPoly:
        r"""$\partial_x$: $\partial_x(c\, m^k z^m) = (\partial_x c)\, m^k z^m + c\, (\partial_x z / z)\, m^{k+1} z^m$."""
        gen = self.K.gens[self.K.symbols.index(x)]
        out: dict = {}
        for z, p in self.terms.items():
            target = out.setdefault(z, {})
            dz = z.diff(gen) / z
            for k, c in p.items():
                target[k] = target.get(k, self.K.zero) + c.diff(gen)
                target[k + 1] = target.get(k + 1, self.K.zero) + c * dz
        return ExpPoly(self.K, out)

    def at(self, m: int):
        """The value at an integer m >= 0 (a field element)."""
        total = self.K.zero
        for z, p in self.terms.items():
            total += z**m * sum((c * m**k for k, c in p.items()), self.K.zero)
        return total

    def is_zero(self) -> bool:
        return not self.terms

    def bases(self) -> list:
        return sorted(self.terms, key=str)

    def expr(self, m: sp.Expr) -> sp.Expr:
        """As a SymPy expression in ``m``: each base's polynomial (factored if small) times base**m."""
        x = sp.Dummy("m")  # built in a symbol, then substituted (so N - i stays together)
        out = sp.Integer(0)
        for z in self.bases():
            coeffs = self.terms[z]
            poly = sum((self.K.to_sympy(c) * x**k for k, c in coeffs.items()), sp.Integer(0))
            size = sum(len(c.numer.terms()) + len(c.denom.terms()) for c in coeffs.values())
            power = sp.Integer(1) if z == self.K.one else sp.factor(self.K.to_sympy(z)) ** x
            out += (sp.factor(poly) if size <= FACTOR_LIMIT else poly) * power
        return out.subs(x, m)


#: Coefficients with more terms than this are left as they are: factoring them costs minutes.
FACTOR_LIMIT = 80


@lru_cache(maxsize=32)
def faulhaber(k: int) -> tuple[sp.Rational, ...]:
    r"""Coefficients (by power of $m$) of $\sum_{j=1}^m j^k$, a polynomial of degree $k + 1$."""
    j, m = sp.Symbol("j", integer=True), sp.Symbol("m", integer=True)
    poly = sp.Poly(sp.summation(j**k, (j, 1, m)), m)
    return tuple(poly.coeff_monomial(m**n) for n in range(k + 2))


def geometric_poly(K: Field, w, k: int) -> tuple[list, object]:
    r"""$P$ (coefficients by power) and $C$ with $\sum_{j=1}^m j^k w^j = w^m P(m) + C$, $w \ne 1$."""
    p = [K.zero] * (k + 1)
    for n in range(k, -1, -1):
        rest = sum((p[l] * comb(l, n) * (-1) ** (l - n) for l in range(n + 1, k + 1)), K.zero)
        p[n] = ((1 if n == k else 0) + rest / w) / (1 - 1 / w)  # $P(m) - P(m-1)/w = m^k$
    return p, -p[0]


def unroll(rho, first, delta: ExpPoly) -> ExpPoly:
    r"""$E_m$ with $E_m = \rho E_{m-1} + \Delta(m)$ for $m \ge 2$ and $E_1$ = ``first``."""
    K = delta.K
    rho, first = K(rho), K(first)
    out = ExpPoly.power(K, rho, first / rho)  # $\rho^{m-1} E_1$
    for z, poly in delta.terms.items():
        w = z / rho
        for k, d in poly.items():
            if w == K.one:  # $d \rho^m (\sum_{j=1}^m j^k - 1)$
                coeffs = [K(c) for c in faulhaber(k)]
                coeffs[0] -= 1
                out = out + ExpPoly(K, {rho: {n: d * c for n, c in enumerate(coeffs)}})
            else:  # $d \rho^m (w^m P(m) + C - w)$
                p, c = geometric_poly(K, w, k)
                out = out + ExpPoly(K, {z: {n: d * pn for n, pn in enumerate(p)}})
                out = out + ExpPoly.power(K, rho, d * (c - w))
    return out
