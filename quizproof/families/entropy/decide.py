r"""The upper bound on $H(y)$: deciding integrands, sets of estimable terms and the VAE answer.

1(a) and 1(c): the answer is an integrand; it is verified when its
expectation over $y \sim \text{Pop}$, $z \sim P_\Psi(z|y)$ equals the derived one on
every joint (and for every model), refuted with an exact rational world where it
does not.  1(b) and 1(d): the answer names terms (`H(z|y)`, a list, `all`, `none`);
it is compared with the set of terms whose integrands use only computable densities.
1(e): yes or no, against the derivation of whether the bound is the negative ELBO.
The gap: an integrand (or divergences, cross-entropies minus entropies), decided as 1(c).
Every decision is made in the problem's setting (given $x$ or not, which entropies the
bound replaces).
"""

from __future__ import annotations

import re
from typing import Any

import sympy as sp

from derivations import entropy as E
from derivations.core import Derivation
from quizproof.families.entropy.reading import (
    TERMS,
    TermSymbol,
    kl_arguments,
    read_integrands,
    scope_for,
    strip_expectations,
)
from quizproof.family import Context
from quizproof.model import Claim
from quizproof.notation import NotationError, normalise_words, parse, yes_no


def _name(density: sp.Expr) -> str:
    return sp.latex(density)


def _raw_coefficients(expr: sp.Expr) -> tuple[dict[sp.Expr, sp.Expr], sp.Expr] | None:
    """``expr = sum c ln(density) + rest`` as written (no Bayes relations), or None."""
    flat = sp.expand(sp.expand_log(expr))
    coeffs: dict[sp.Expr, sp.Expr] = {}
    rest = sp.Integer(0)
    for term in sp.Add.make_args(flat):
        logs = [f for f in sp.Mul.make_args(term) if isinstance(f, sp.log)]
        if len(logs) == 1 and isinstance(logs[0].args[0], E.Density):
            c = term / logs[0]
            if not c.is_number:
                return None
            coeffs[logs[0].args[0]] = coeffs.get(logs[0].args[0], 0) + c
        elif term.is_number:
            rest += term
        else:
            return None
    return {k: v for k, v in coeffs.items() if v != 0}, rest


def integrand_slip(claimed: sp.Expr, derived: sp.Expr) -> str | None:
    """Name the slip between two integrands, term by term, where one can be named."""
    a, b = _raw_coefficients(claimed), _raw_coefficients(derived)
    if a is None or b is None:
        return None
    (ca, ra), (cb, rb) = a, b
    keys = set(ca) | set(cb)
    wrong = sorted((k for k in keys if ca.get(k, 0) != cb.get(k, 0)), key=str)
    offset = ra - rb
    parts = []
    # a density written in place of another of the same variables, with the same coefficient
    extra = [k for k in wrong if k not in cb]
    for m in [k for k in wrong if k not in ca]:
        same = [x for x in extra if x.args == m.args and ca[x] == cb[m]]
        if not same:
            continue
        x = same[0]
        extra.remove(x)
        wrong = [k for k in wrong if k not in (x, m)]
        why = ""
        if type(x).role == "model" and type(m).role != "model":
            why = " (a model where the identity needs the true distribution)"
        elif type(m).role == "model" and type(x).role != "model":
            why = " (the true distribution where the bound needs the model: it cannot be computed)"
        parts.append(f"${_name(x)}$ is written where ${_name(m)}$ belongs{why}")
    for k in wrong:
        have, want = ca.get(k, 0), cb.get(k, 0)
        name = rf"$\ln {_name(k)}$"
        if have == 0:
            parts.append(f"the {name} term is dropped")
        elif want == 0:
            parts.append(f"an extra {name} term")
        elif have == -want:
            parts.append(f"the sign of the {name} term is flipped")
        else:
            parts.append(
                f"the {name} term has coefficient ${sp.latex(have)}$, not ${sp.latex(want)}$"
            )
    if offset != 0:
        parts.append(f"an extra constant ${sp.latex(offset)}$")
    return "; ".join(parts) or None


def decide_integrand(claim: Claim, ctx: Context, derivation: Derivation) -> dict[str, Any]:
    r"""An integrand, or a chain of them, against the derived one."""
    setting: E.Setting = ctx.params
    d = setting.dens
    notes: list[str] = []
    restating: list[str] = []
    members = read_integrands(claim.kind, claim.answer, notes, restating, setting)
    message = "; ".join(notes)
    target = derived_integrand(claim.kind, derivation, setting)
    for n, (role, member) in enumerate(members):
        lhs = claim.kind == "bound" and role == "H(y)"
        derived = setting.terms.H_Y.integrand if lhs else target
        comp = E.compare_expectations(member, derived, dens=d)
        which = f"member {n + 1} of the chain: " if len(members) > 1 else ""
        if comp.equal is False:
            uses_models = bool(
                {d.prior, d.dec} & (E.densities_in(member) | E.densities_in(derived))
            )
            return {
                "verdict": "refuted",
                "evidence": which + comp.how,
                "counterexample": {
                    "point": comp.world.point(models=uses_models),
                    "claimed": sp.latex(comp.claimed),
                    "derived": sp.latex(comp.derived),
                },
                "slip": integrand_slip(member, derived),
                "message": message,
            }
        if comp.equal is None:
            return {"verdict": "undecided", "evidence": which + comp.how, "message": message}
    if restating and not claim.definition:  # right, but it names entropies, not an integrand
        return {
            "verdict": "circular",
            "message": f"restates ${restating[0]}$; an expectation over sampling is asked",
            "evidence": "the answer's value still names entropies instead of an integrand",
        }
    evidence = (
        "the answer and the derived integrand are equal pointwise after the Bayes relations "
        rf"${sp.latex(d.joint)} = {sp.latex(d.pop)} {sp.latex(d.enc)} = {sp.latex(d.marg)} "
        rf"{sp.latex(d.post)}$, so their expectations agree on every joint distribution and "
        "every model"
    )
    if len(members) > 1:
        evidence += f" (each of the {len(members)} members of the chain)"
    value = members[-1][1]
    if claim.kind == "identity" and not (E.densities_in(value) - {d.pop}):
        message = "; ".join(
            [*notes, "the answer is the left side of the identity, -ln Pop(y), itself"]
        )
    return {"verdict": "verified", "evidence": evidence, "message": message}


ALL_WORDS = {
    "all",
    "all terms",
    "all of them",
    "all three",
    "all three terms",
    "every term",
    "each term",
}
NONE_WORDS = {"none", "no term", "no terms", "none of them", "nothing", "neither"}
EDGE_WORDS = re.compile(r"^\s*(just|only)\s+|\s+only\s*\.?\s*$", re.IGNORECASE)


def _split_top(text: str) -> list[str]:
    """Split at commas and the word 'and' outside parentheses."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        depth += ch in "({["
        depth -= ch in ")}]"
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    out = []
    for p in parts:
        out.extend(re.split(r"\s+(?:and|\\text\{and\})\s+", p) if depth == 0 else [p])
    return [p.strip() for p in out if p.strip()]


def derived_integrand(kind: str, derivation: Derivation, setting: E.Setting) -> sp.Expr:
    """The derived result as an integrand (the gap's divergences by their integrands)."""
    if kind != "gap":
        return derivation.result
    names = derivation.result.atoms(E.TermName)
    return derivation.result.xreplace({n: TERMS[n.name].integrand for n in names})


def _named_terms(
    answer: str, universe: tuple[E.Term, ...], middle: E.Term, setting: E.Setting
) -> set[str]:
    words = normalise_words(answer)
    if words in ALL_WORDS:
        return {t.key for t in universe}
    if words in NONE_WORDS:
        return set()
    text = EDGE_WORDS.sub("", answer.strip().rstrip("."))
    text = EDGE_WORDS.sub("", text)
    keys: set[str] = set()
    pieces = _split_top(text)
    if not pieces:
        raise NotationError("the answer is empty: name the terms, or say all or none")
    for piece in pieces:
        low = normalise_words(piece)
        if low in {"the middle term", "middle term", "the middle one"}:
            keys.add(middle.key)
            continue
        piece = re.sub(r"^\s*the\s+middle\s+term\s*", "", piece, flags=re.IGNORECASE)
        parsed = parse(strip_expectations(kl_arguments(piece)), scope_for(setting))
        if len(parsed.members) != 1:
            raise NotationError(f"expected a term such as H(z|y), found {piece!r}")
        value = parsed.value
        if isinstance(value, sp.Expr):
            coeff, rest = value.as_coeff_Mul()
            if coeff in (1, -1) and isinstance(rest, TermSymbol):
                value = rest  # "-H(z|y)": the term with its sign in (1)
        if isinstance(value, TermSymbol):
            keys.add(value.name)
            continue
        if isinstance(value, sp.Expr) and E.densities_in(value):
            d = setting.dens
            match = [
                t.key
                for t in universe
                if E.same_pointwise(value, t.integrand, d)
                or E.same_pointwise(value, -t.integrand, d)
            ]
            if match:
                keys.add(match[0])
                continue
        raise NotationError(f"{piece!r} names no term of this part")
    return keys


def decide_terms(claim: Claim, ctx: Context, derivation: Derivation) -> dict[str, Any]:
    if not isinstance(claim.answer, str):
        raise NotationError("the answer must name terms, e.g. H(z|y), or say all or none")
    setting: E.Setting = ctx.params
    terms = setting.terms
    if claim.kind == "identity.estimable":
        universe = (terms.H_Y, *(t for _, t in terms.identity_rhs))
        computable = setting.dens.computable(models=False)
        middle = terms.H_Z_GIVEN_Y
    else:
        universe = tuple(t for _, t in E.bound_terms(setting))
        computable = setting.dens.computable(models=True)
        middle = universe[1]
    claimed = _named_terms(claim.answer, universe, middle, setting)
    table = E.estimable(universe, computable)
    derived = {k for k, (ok, _) in table.items() if ok}
    names = {t.key: t.latex for t in universe}
    outside = claimed - set(names)
    if outside:
        return {
            "verdict": "refuted",
            "evidence": "the answer names a term that is not one of this part's terms",
            "message": "not a term here: " + ", ".join(sorted(outside)),
            "counterexample": {
                "point": {"term": ", ".join(sorted(outside))},
                "claimed": r"\text{estimable}",
                "derived": r"\text{not a term of this part}",
            },
        }
    if claimed == derived:
        return {
            "verdict": "verified",
            "evidence": "the terms named are exactly those whose integrands use only the densities "
            "that can be computed ("
            + ", ".join(
                sp.latex(c.canonical()) for c in sorted(computable, key=lambda c: c.__name__)
            )
            + ")",
        }
    wrongly_in = sorted(claimed - derived)
    wrongly_out = sorted(derived - claimed)
    key = (wrongly_in or wrongly_out)[0]
    ok, missing = table[key]
    if wrongly_in:
        slip = (
            f"${names[key]}$ needs "
            + ", ".join(f"${sp.latex(m)}$" for m in missing)
            + ", which cannot be computed"
        )
    else:
        slip = f"${names[key]}$ uses only computable densities, so it can be estimated"
    return {
        "verdict": "refuted",
        "evidence": "the set of estimable terms differs from the derived one",
        "counterexample": {
            "point": {"term": names[key]},
            "claimed": r"\text{estimable}" if key in claimed else r"\text{not estimable}",
            "derived": r"\text{estimable}" if ok else r"\text{not estimable}",
        },
        "slip": slip,
    }


# ---------------------------------------------------------------------------
# 1(e): the VAE objective

AFFIRM = (
    "same",
    "identical",
    "equal",
    "equivalent",
    "exactly",
    "the vae objective",
    "vae loss",
    "vae training objective",
    "elbo",
)
NEGATE = {"not", "no", "different", "differs", "unrelated", "never", "isn", "unlike"}


def read_yes_no(answer: str) -> bool:
    """yes/no, or a sentence saying the two are the same (or not)."""
    try:
        return yes_no(answer)
    except NotationError:
        pass
    words = normalise_words(answer)
    if set(words.split()) & NEGATE:
        return False
    if any(p in words for p in AFFIRM):
        return True
    raise NotationError(
        f"expected yes, no, or a sentence saying whether they are the same: {answer!r}"
    )


def decide_vae(claim: Claim, ctx: Context, derivation: Derivation) -> dict[str, Any]:
    if not isinstance(claim.answer, str):
        raise NotationError("the answer must be yes or no")
    claimed = read_yes_no(claim.answer)
    derived = derivation.result is sp.true
    if derived:
        evidence = (
            r"pointwise the bound's integrand is $-\ln P_\Theta(y|z) + [\ln P_\Psi(z|y) - "
            r"\ln P_\Phi(z)]$; in expectation $\mathbb{E}[-\ln P_\Theta(y|z)] + \mathbb{E}_y "
            r"\operatorname{KL}(P_\Psi(z|y) \,\|\, P_\Phi(z))$, the negative ELBO of a VAE with "
            r"encoder $\Psi$, prior $\Phi$ and decoder $\Theta$"
        )
        slip = "the bound is the VAE objective itself, not merely related to it"
    else:
        evidence = (
            "this bound keeps an entropy of a distribution of the joint, which the VAE's "
            "negative ELBO replaces by a cross-entropy to a model: a world with exact "
            "probabilities tells the two apart"
        )
        slip = "only the bound with both entropies replaced is the VAE objective"
    if claimed == derived:
        return {"verdict": "verified", "evidence": evidence}
    return {"verdict": "refuted", "evidence": evidence, "slip": slip}
