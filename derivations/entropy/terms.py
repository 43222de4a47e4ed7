r"""The terms of problem 1: the entropies of (1) and the cross-entropies of the bound.

Each term is the expectation, under the joint, of minus the log of a density:
the entropies $H(y)$, $H(z)$, $H(z|y)$ and $H(y|z)$ of (1),
$H(y) = H(z) - H(z|y) + H(y|z)$, and the cross-entropies to the models
$P_\Phi(z)$ and $P_\Theta(y|z)$ that the bound puts in place of $H(z)$ and
$H(y|z)$ (:func:`bound_terms`).  A term can be estimated from samples when
every density its integrand uses can be evaluated (:func:`estimable`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sympy as sp

from derivations.core import Derivation, Step
from derivations.entropy.densities import DEC, ENC, MARG, POP, POST, PRIOR, Density, densities_in

# ---------------------------------------------------------------------------------------
# The terms of (1) and of the bound


@dataclass(frozen=True)
class Term:
    """An entropy or cross-entropy: its name and the integrand whose expectation it is."""

    key: str  # a plain name, e.g. "H(z|y)"
    latex: str
    integrand: sp.Expr
    distribution: sp.Expr | None = None  # the density the entropy is of


class TermName(sp.Symbol):
    """The name of an entropy term, printed in the quiz's LaTeX."""

    def _latex(self, printer):
        return TERM_LATEX.get(self.name, self.name)


H_Y = Term("H(y)", "H(y)", -sp.log(POP), POP)
H_Z = Term("H(z)", "H(z)", -sp.log(MARG), MARG)
H_Z_GIVEN_Y = Term("H(z|y)", "H(z|y)", -sp.log(ENC), ENC)
H_Y_GIVEN_Z = Term("H(y|z)", "H(y|z)", -sp.log(POST), POST)
CE_Z = Term(
    "H(P_PopPsi(z), P_Phi(z))",
    r"H(P_{\text{Pop},\Psi}(z), P_\Phi(z))",
    -sp.log(PRIOR),
    MARG,
)
CE_Y_GIVEN_Z = Term(
    "H(P_PopPsi(y|z), P_Theta(y|z))",
    r"H(P_{\text{Pop},\Psi}(y|z), P_\Theta(y|z))",
    -sp.log(DEC),
    POST,
)

TERMS: dict[str, Term] = {
    t.key: t for t in (H_Y, H_Z, H_Z_GIVEN_Y, H_Y_GIVEN_Z, CE_Z, CE_Y_GIVEN_Z)
}
TERM_LATEX = {k: t.latex for k, t in TERMS.items()}

# (1): H(y) = H(z) - H(z|y) + H(y|z), as (sign, term) on the right.
IDENTITY_LHS = H_Y
IDENTITY_RHS: tuple[tuple[int, Term], ...] = ((1, H_Z), (-1, H_Z_GIVEN_Y), (1, H_Y_GIVEN_Z))

# The models of (c): which true density each one stands in for.
MODELS: dict[sp.Expr, Term] = {MARG: CE_Z, POST: CE_Y_GIVEN_Z}


def _combine(terms: Iterable[tuple[int, Term]]) -> sp.Expr:
    return sp.Add(*(s * t.integrand for s, t in terms))


def estimable(
    terms: Iterable[Term], computable: frozenset[type[Density]]
) -> dict[str, tuple[bool, tuple[sp.Expr, ...]]]:
    """For each term: can its integrand be evaluated on samples, and which densities block it."""
    out = {}
    for t in terms:
        missing = tuple(
            sorted(
                (d for d in densities_in(t.integrand) if type(d) not in computable),
                key=str,
            )
        )
        out[t.key] = (not missing, missing)
    return out


def _estimable_derivation(id_: str, terms: Sequence[Term], computable, why: str) -> Derivation:
    table = estimable(terms, computable)
    allowed = ", ".join(
        sp.latex(c.canonical()) for c in sorted(computable, key=lambda c: c.__name__)
    )
    steps = [
        Step(
            f"Computable for given y, z ({why}): {allowed}",
            sp.Tuple(*(c.canonical() for c in computable)),
        )
    ]
    for t in terms:
        ok, missing = table[t.key]
        if ok:
            text = f"{t.key}: its integrand uses only computable densities, so a sample mean estimates it"
        else:
            blocked = ", ".join(sp.latex(m) for m in missing)
            text = f"{t.key}: its integrand needs {blocked}, which we cannot evaluate"
        steps.append(Step(text, t.integrand))
    result = sp.FiniteSet(*(TermName(k) for k, (ok, _) in table.items() if ok))
    return Derivation(id_, result, tuple(steps), "samples y ~ Pop, z ~ P_Psi(z|y)")


def bound_terms() -> tuple[tuple[int, Term], ...]:
    """The terms of the bound: (1) with each plus-signed entropy replaced by a cross-entropy.

    $H(P) \\le H(P, Q)$, so replacing a term that enters with $+$ raises the right side;
    the $-H(z|y)$ term is kept (a cross-entropy there would lower it).
    """
    out = []
    for sign, term in IDENTITY_RHS:
        if sign > 0 and term.distribution in MODELS:
            out.append((sign, MODELS[term.distribution]))
        else:
            out.append((sign, term))
    return tuple(out)
