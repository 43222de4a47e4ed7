r"""The terms of problem 1: the entropies of (1), the cross-entropies and KL divergences of the bound.

Each term is the expectation, under the joint, of an integrand: minus the log of a
density for the entropies $H(y)$, $H(z)$, $H(z|y)$, $H(y|z)$ of (1),
$H(y) = H(z) - H(z|y) + H(y|z)$, and for the cross-entropies to the models $P_\Phi(z)$
and $P_\Theta(y|z)$ that the bound puts in place of $H(z)$ and $H(y|z)$; the log of a
ratio for the KL divergences between a true distribution and its model.  A term can be
estimated from samples when every density its integrand uses can be evaluated
(:func:`estimable`).

**Settings.**  A :class:`Setting` says whether everything is conditioned on an observed
$x$ (then the terms are $H(y|x) = H(z|x) - H(z|x,y) + H(y|x,z)$ and so on) and which of
the two entropies are replaced by cross-entropies (the quiz replaces both).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sympy as sp

from derivations.core import Derivation, Step
from derivations.entropy.densities import PLAIN, Densities, Density, densities_for, densities_in

#: The entropies of (1) that a bound may replace by a cross-entropy (those with a plus sign).
REPLACEABLE = ("z", "y|z")


@dataclass(frozen=True)
class Setting:
    """A variant of problem 1: conditioned on an observed x or not, and what is replaced."""

    observed: bool = False
    replace: frozenset[str] = frozenset(REPLACEABLE)

    @property
    def dens(self) -> Densities:
        return densities_for(self.observed)

    @property
    def terms(self) -> Terms:
        return terms_for(self.observed)


QUIZ = Setting()


@dataclass(frozen=True)
class Term:
    """An entropy or cross-entropy: its name and the integrand whose expectation it is."""

    key: str  # a plain name, e.g. "H(z|y)"
    latex: str
    integrand: sp.Expr
    distribution: sp.Expr | None = None  # the density the entropy is of


#: Every term's LaTeX by key, in every setting (for printing names of terms).
TERM_LATEX: dict[str, str] = {}


class TermName(sp.Symbol):
    """The name of a term, printed in the quiz's LaTeX."""

    def _latex(self, printer):
        return TERM_LATEX.get(self.name, self.name)


class Expectation(sp.Function):
    r"""$\mathbb{E}[f]$: the expectation of an integrand under the joint (only ever printed)."""

    nargs = 1

    def _latex(self, printer):
        return r"\mathbb{E}\left[" + printer._print(self.args[0]) + r"\right]"


@dataclass(frozen=True)
class Terms:
    """The terms of (1) and of the bounds in one setting (plain, or given x)."""

    H_Y: Term
    H_Z: Term
    H_Z_GIVEN_Y: Term
    H_Y_GIVEN_Z: Term
    CE_Z: Term
    CE_Y_GIVEN_Z: Term
    KL_Z: Term
    KL_Y_GIVEN_Z: Term

    @property
    def identity_rhs(self) -> tuple[tuple[int, Term], ...]:
        """(1) as (sign, term) on the right: H(z) - H(z|y) + H(y|z)."""
        return ((1, self.H_Z), (-1, self.H_Z_GIVEN_Y), (1, self.H_Y_GIVEN_Z))

    def by_key(self) -> dict[str, Term]:
        return {t.key: t for t in vars(self).values()}

    def replaced(self, name: str) -> tuple[Term, Term, Term]:
        """For ``z`` or ``y|z``: (the entropy, its cross-entropy, their difference's KL)."""
        if name == "z":
            return self.H_Z, self.CE_Z, self.KL_Z
        return self.H_Y_GIVEN_Z, self.CE_Y_GIVEN_Z, self.KL_Y_GIVEN_Z


def _given(*names: str, observed: bool) -> str:
    return ",".join(("x", *names) if observed else names)


@functools.cache
def terms_for(observed: bool) -> Terms:
    d = densities_for(observed)
    cond = functools.partial(_given, observed=observed)

    def entropy(of: str, given: tuple[str, ...], density: sp.Expr) -> Term:
        bar = cond(*given)
        key = f"H({of}|{bar})" if bar else f"H({of})"
        return Term(key, key.replace(",", ", "), -sp.log(density), density)

    def cross(true: sp.Expr, model: sp.Expr, key: str) -> Term:
        latex = f"H({sp.latex(true)}, {sp.latex(model)})"
        return Term(key, latex, -sp.log(model), true)

    def kl(true: sp.Expr, model: sp.Expr, key: str, over: str) -> Term:
        head = rf"\mathbb{{E}}_{{{over}}} " if over else ""
        latex = head + rf"\operatorname{{KL}}({sp.latex(true)} \,\|\, {sp.latex(model)})"
        return Term(key, latex, sp.log(true) - sp.log(model), true)

    zx = "z|x" if observed else "z"  # the arguments of the marginal and the prior
    yz = f"y|{cond('z')}"  # of the posterior and the decoder
    out = Terms(
        entropy("y", (), d.pop),
        entropy("z", (), d.marg),
        entropy("z", ("y",), d.enc),
        entropy("y", ("z",), d.post),
        cross(d.marg, d.prior, f"H(P_PopPsi({zx}), P_Phi({zx}))"),
        cross(d.post, d.dec, f"H(P_PopPsi({yz}), P_Theta({yz}))"),
        kl(d.marg, d.prior, f"KL(P_PopPsi({zx}) || P_Phi({zx}))", "x" if observed else ""),
        kl(d.post, d.dec, f"KL(P_PopPsi({yz}) || P_Theta({yz}))", cond("z").replace(",", ", ")),
    )
    TERM_LATEX.update({t.key: t.latex for t in vars(out).values()})
    return out


PLAIN_TERMS = terms_for(False)
H_Y, H_Z, H_Z_GIVEN_Y, H_Y_GIVEN_Z = (PLAIN_TERMS.H_Y, PLAIN_TERMS.H_Z,
                                      PLAIN_TERMS.H_Z_GIVEN_Y, PLAIN_TERMS.H_Y_GIVEN_Z)  # fmt: skip
CE_Z, CE_Y_GIVEN_Z = PLAIN_TERMS.CE_Z, PLAIN_TERMS.CE_Y_GIVEN_Z
TERMS: dict[str, Term] = PLAIN_TERMS.by_key()
IDENTITY_LHS = H_Y
IDENTITY_RHS = PLAIN_TERMS.identity_rhs
terms_for(True)  # the conditional terms' names print too


def combine(terms: Iterable[tuple[int, Term]]) -> sp.Expr:
    """The integrand of a signed sum of terms."""
    return sp.Add(*(s * t.integrand for s, t in terms))


def bound_terms(setting: Setting = QUIZ) -> tuple[tuple[int, Term], ...]:
    """The terms of the bound: (1) with the chosen plus-signed entropies replaced.

    $H(P) \\le H(P, Q)$, so replacing a term that enters with $+$ raises the right side;
    the $-H(z|y)$ term is kept (a cross-entropy there would lower it).
    """
    terms = setting.terms
    swap = {terms.replaced(name)[0].key: terms.replaced(name)[1] for name in setting.replace}
    return tuple(
        (sign, swap[term.key] if sign > 0 and term.key in swap else term)
        for sign, term in terms.identity_rhs
    )


def estimable(
    terms: Iterable[Term], computable: frozenset[type[Density]]
) -> dict[str, tuple[bool, tuple[sp.Expr, ...]]]:
    """For each term: can its integrand be evaluated on samples, and which densities block it."""
    out = {}
    for t in terms:
        missing = tuple(
            sorted((d for d in densities_in(t.integrand) if type(d) not in computable), key=str)
        )
        out[t.key] = (not missing, missing)
    return out


def estimable_derivation(
    id_: str, terms: Sequence[Term], computable: frozenset[type[Density]], why: str
) -> Derivation:
    """Which of ``terms`` a sample mean estimates: those whose integrand is computable."""
    table = estimable(terms, computable)
    shown = sorted(computable, key=lambda c: c.__name__)  # one order in text and formula alike
    allowed = ", ".join(f"${sp.latex(c.canonical())}$" for c in shown)
    steps = [
        Step(
            "Each term is the expectation of its integrand over samples "
            + sampling_tex(any("x" in t.key for t in terms))
            + ", so a sample mean estimates it exactly "
            f"when the integrand can be evaluated at each sample. Here we can evaluate {why}: "
            f"{allowed}.",
            sp.Tuple(*(c.canonical() for c in shown)),
        )
    ]
    for t in terms:
        ok, missing = table[t.key]
        if ok:
            text = f"${t.latex}$ uses only densities we can evaluate: a sample mean estimates it."
        else:
            blocked = ", ".join(f"${sp.latex(m)}$" for m in missing)
            text = f"${t.latex}$ needs {blocked}, which we cannot evaluate."
        steps.append(Step(text, sp.Eq(TermName(t.key), Expectation(t.integrand))))
    result = sp.FiniteSet(*(TermName(k) for k, (ok, _) in table.items() if ok))
    return Derivation(id_, result, tuple(steps), "samples y ~ Pop, z ~ P_Psi(z|y)")


# ---------------------------------------------------------------------------------------
# Printing sums in the order of (1), as the quiz writes them


def _signed(parts: list[tuple[sp.Expr, str]]) -> str:
    out = ""
    for coeff, name in parts:
        mag = abs(coeff) if coeff.is_number else coeff
        head = "" if mag == 1 else sp.latex(mag) + " "
        sign = "-" if coeff.is_number and coeff < 0 else "+"
        out += f" {sign} {head}{name}" if out else f"{'-' if sign == '-' else ''}{head}{name}"
    return out or "0"


def log_tex(expr: sp.Expr, dens: Densities = PLAIN) -> str:
    r"""An integrand $\sum_k c_k \ln P_k$ as the quiz writes it, in the order of (1):
    ``-\ln P_\Phi(z) + \ln P_\Psi(z|y) - \ln P_\Theta(y|z)``."""
    flat = sp.expand(sp.expand_log(expr, force=True))
    order = (dens.pop, dens.marg, dens.prior, dens.enc, dens.post, dens.dec, dens.joint)
    parts = [(flat.coeff(sp.log(d)), rf"\ln {sp.latex(d)}") for d in order]
    parts = [(c, n) for c, n in parts if c != 0]
    rest = sp.expand(flat - sum(flat.coeff(sp.log(d)) * sp.log(d) for d in order))
    if rest != 0 or not all(c.is_number for c, _ in parts):
        return sp.latex(expr, ln_notation=True)
    return _signed(parts)


def names_tex(expr: sp.Expr, terms: Terms) -> str:
    """A combination of named terms in the order of (1): ``H(z) - H(z|y) + H(y|z)``."""
    order = (terms.H_Y, terms.CE_Z, terms.H_Z, terms.KL_Z, terms.H_Z_GIVEN_Y,
             terms.CE_Y_GIVEN_Z, terms.H_Y_GIVEN_Z, terms.KL_Y_GIVEN_Z)  # fmt: skip
    flat = sp.expand(expr)
    parts = [(flat.coeff(TermName(t.key)), t.latex) for t in order]
    parts = [(c, n) for c, n in parts if c != 0]
    if sp.expand(flat - sum(flat.coeff(TermName(t.key)) * TermName(t.key) for t in order)) != 0:
        return sp.latex(expr)
    return _signed(parts)


def sampling_tex(observed: bool, joiner: str = ", ") -> str:
    """How a sample is drawn: $y \\sim \text{Pop}$, $z \\sim P_\\Psi(z|y)$ (given x: $(x, y)$)."""
    if observed:
        return r"$(x, y) \sim \text{Pop}$" + joiner + r"$z \sim P_\Psi(z|x, y)$"
    return r"$y \sim \text{Pop}$" + joiner + r"$z \sim P_\Psi(z|y)$"


def aligned(rows: Iterable[tuple[str, str]]) -> str:
    """Equations one under another, aligned at their relation: ``lhs = rhs`` per row."""
    body = r" \\ ".join(f"{lhs} &= {rhs}" for lhs, rhs in rows)
    return r"\begin{aligned} " + body + r" \end{aligned}"


def expect_tex(expr: sp.Expr, dens: Densities = PLAIN) -> str:
    r"""$\mathbb{E}[\,\cdot\,]$ of an integrand, written by :func:`log_tex`."""
    return r"\mathbb{E}\left[" + log_tex(expr, dens) + r"\right]"
