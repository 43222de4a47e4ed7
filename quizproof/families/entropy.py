r"""Problem 1, the upper bound on $H(y)$: claim ids, notation and decisions.

**Notation.**  The densities of the problem, each read into the function class of
:mod:`derivations.entropy` that the argument pattern selects:

| LaTeX | reads as |
|---|---|
| `\text{Pop}(y)` | the population |
| `P_\Psi(z|y)`, `P_{\text{Pop},\Psi}(z|y)` | the encoder (the joint's conditional) |
| `P_{\text{Pop},\Psi}(z)` | the joint's marginal of $z$ |
| `P_{\text{Pop},\Psi}(y|z)` | the joint's posterior |
| `P_{\text{Pop},\Psi}(y, z)` | the joint |
| `P_\Phi(z)`, `P_\Theta(y|z)` | the two models |
| `P(z)`, `P(z|y)`, `P(y|z)`, `P(y)` | the joint's (the quiz: every probability is the joint's) |
| `H(z|y)`, `H(P_{\text{Pop},\Psi}(z), P_\Phi(z))` | the terms of (1) and of the bound |

The quiz says every probability refers to the joint $P_{\text{Pop},\Psi}$, so a
density subscripted by $\Psi$ alone is read as the joint's: `P_\Psi(z)` (printed in
the solution of 1(a), and defined nowhere else) is the marginal
$P_{\text{Pop},\Psi}(z)$, `P_\Psi(y|z)` the posterior.  The verdict's message says
when that reading was used.  The models are never read as true densities: a model
where the identity needs the truth is a refutable slip.

**Decisions.**  1(a) and 1(c): the answer is an integrand; it is verified when its
expectation over $y \sim \text{Pop}$, $z \sim P_\Psi(z|y)$ equals the derived one on
every joint (and for every model), refuted with an exact rational world where it
does not.  1(b) and 1(d): the answer names terms (`H(z|y)`, a list, `all`, `none`);
it is compared with the set of terms whose integrands use only computable densities.
1(e): yes or no, against the derivation that the bound is the negative ELBO.
"""

from __future__ import annotations

import re
from typing import Any

import sympy as sp

from derivations import entropy as E
from derivations.core import Derivation
from quizproof.families import ClaimSpec, Context, Domain, Family, register
from quizproof.model import Claim, Quiz
from quizproof.notation import (
    BASE_FUNCTIONS,
    Application,
    NotationError,
    Scope,
    normalise_words,
    parse,
    yes_no,
)

# ---------------------------------------------------------------------------
# Notation

PSI_ALONE_NOTE = (
    r"$P_\Psi(z)$ is read as the marginal $P_{\text{Pop},\Psi}(z)$ of the joint: the quiz "
    r"defines no other distribution of $z$ under $\Psi$ and says every probability refers to "
    "the joint"
)
PSI_POSTERIOR_NOTE = (
    r"$P_\Psi(y|z)$ is read as the posterior $P_{\text{Pop},\Psi}(y|z)$ of the joint"
)

TERMS = E.TERMS
TermSymbol = E.TermName


def _term(key: str) -> sp.Symbol:
    return E.TermName(key)


def _pattern(app: Application) -> tuple[tuple[str, ...], int | None]:
    names = []
    for a in app.args:
        if a not in (E.y, E.z):
            raise NotationError(f"a density takes the variables y and z, not {sp.latex(a)}")
        names.append(str(a))
    return tuple(names), app.bar


def _joint_density(notes: list[str], psi_alone: bool):
    def apply(app: Application) -> sp.Basic:
        pattern = _pattern(app)
        table = {
            (("y",), None): E.POP,
            (("z",), None): E.MARG,
            (("z", "y"), 1): E.ENC,
            (("y", "z"), 1): E.POST,
            (("y", "z"), None): E.JOINT,
            (("z", "y"), None): E.JOINT,
        }
        if pattern not in table:
            raise NotationError(
                "not a distribution of the joint: expected P(z|y), P(z), P(y|z) ..."
            )
        out = table[pattern]
        if psi_alone and out is E.MARG and PSI_ALONE_NOTE not in notes:
            notes.append(PSI_ALONE_NOTE)
        if psi_alone and out is E.POST and PSI_POSTERIOR_NOTE not in notes:
            notes.append(PSI_POSTERIOR_NOTE)
        return out

    return apply


def _model(name: str, expected: tuple[tuple[str, ...], int | None], value: sp.Expr):
    def apply(app: Application) -> sp.Basic:
        if _pattern(app) != expected:
            raise NotationError(f"{name} is the model {sp.latex(value)}")
        return value

    return apply


def _pop(app: Application) -> sp.Basic:
    if _pattern(app) != (("y",), None):
        raise NotationError(r"\text{Pop} is the population distribution Pop(y)")
    return E.POP


def _entropy(app: Application) -> sp.Basic:
    """H(y), H(z), H(z|y), H(y|z), or a cross-entropy H(P, Q) of a true density and a model."""
    if len(app.args) == 2 and app.bar is None and all(isinstance(a, E.Density) for a in app.args):
        p, q = app.args
        for t in (E.CE_Z, E.CE_Y_GIVEN_Z):
            if p == t.distribution and q == _model_of(t):
                return _term(t.key)
        raise NotationError(
            "a cross-entropy H(P, Q) of this problem pairs a true density with its model"
        )
    names, bar = _pattern(app)
    key = "H(" + ", ".join(names[: bar if bar is not None else len(names)])
    if bar is not None:
        key += "|" + ", ".join(names[bar:])
    key += ")"
    if key not in TERMS:
        raise NotationError(f"{key} is not a term of this problem")
    return _term(key)


def _model_of(term: E.Term) -> sp.Expr:
    (app,) = E.densities_in(term.integrand)
    return app


def scope_for(notes: list[str] | None = None) -> Scope:
    """The notation table of problem 1; ``notes`` collects the readings used."""
    notes = [] if notes is None else notes
    functions = dict(BASE_FUNCTIONS)
    functions.update(
        {
            "Pop": _pop,
            "P_Pop,Psi": _joint_density(notes, psi_alone=False),
            "P_Psi,Pop": _joint_density(notes, psi_alone=False),
            "P_Psi": _joint_density(notes, psi_alone=True),
            "P": _joint_density(notes, psi_alone=False),  # every probability is the joint's
            "P_Phi": _model("P_Phi", (("z",), None), E.PRIOR),
            "P_Theta": _model("P_Theta", (("y", "z"), 1), E.DEC),
            "H": _entropy,
        }
    )
    return Scope({"y": E.y, "z": E.z, "e": sp.E}, functions)


# ---------------------------------------------------------------------------
# Integrands: 1(a), 1(c)

DENSITY_NAMES = {
    E.POP: r"\text{Pop}(y)",
    E.ENC: r"P_\Psi(z|y)",
    E.MARG: r"P_{\text{Pop},\Psi}(z)",
    E.POST: r"P_{\text{Pop},\Psi}(y|z)",
    E.JOINT: r"P_{\text{Pop},\Psi}(y, z)",
    E.PRIOR: r"P_\Phi(z)",
    E.DEC: r"P_\Theta(y|z)",
}


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
        parts.append(f"${DENSITY_NAMES[x]}$ is written where ${DENSITY_NAMES[m]}$ belongs{why}")
    for k in wrong:
        have, want = ca.get(k, 0), cb.get(k, 0)
        name = rf"$\ln {DENSITY_NAMES[k]}$"
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


_EXPECTATION = re.compile(r"(?<![A-Za-z\\])(\\mathbb\{E\}|E)_\{")
_BARE_EXPECTATION = re.compile(r"(?<![A-Za-z\\])(\\mathbb\{E\}|E)(?=\s*(\\left\s*)?\[)")


def strip_expectations(text: str) -> str:
    r"""Drop expectation operators ``E_{y \sim \text{Pop}, z \sim P_\Psi(z|y)}`` (and ``[...]``).

    Every expectation of problem 1 is over the joint (or a marginal of it, which is
    the same for a function of fewer variables), so an equation between expectations
    is decided by its integrands.
    """
    out = _BARE_EXPECTATION.sub(" ", text)
    while True:
        m = _EXPECTATION.search(out)
        if not m:
            return out
        depth, k = 1, m.end()
        while k < len(out) and depth:
            depth += {"{": 1, "}": -1}.get(out[k], 0)
            k += 1
        if depth:
            raise NotationError("an expectation's subscript is not closed")
        rest = out[k:].lstrip()
        if rest.startswith("["):
            depth, q = 0, -1
            while q + 1 < len(rest):
                q += 1
                depth += {"[": 1, "]": -1}.get(rest[q], 0)
                if depth == 0:
                    break
            if depth:
                raise NotationError("an expectation's bracket is not closed")
            rest = "(" + rest[1:q] + ")" + rest[q + 1 :]
        out = out[: m.start()] + " " + rest


def _read(claim: Claim, notes: list[str]):
    if not isinstance(claim.answer, str):
        raise NotationError("the answer must be a string of LaTeX")
    return parse(strip_expectations(claim.answer), scope_for(notes))


def _as_integrand(member: sp.Basic) -> sp.Expr:
    """An answer's member as an integrand: entropy terms become their integrands."""
    if not isinstance(member, sp.Expr):
        raise E.IntegrandError(r"expected an integrand in the densities, e.g. -\ln P_\Phi(z)")
    names = member.atoms(E.TermName)
    return member.xreplace({t: TERMS[t.name].integrand for t in names})


def decide_integrand(claim: Claim, ctx: Context, derivation: Derivation) -> dict[str, Any]:
    r"""An integrand, or a chain of them, against the derived one.

    For 1(a) the chain is of equal members (``H(y) = ... = integrand``); for 1(c) the
    members after a ``\le`` are the bound and those before it equal $H(y)$.
    """
    notes: list[str] = []
    parsed = _read(claim, notes)
    allowed = {"="} | ({"<="} if claim.id == "p1c.bound" else set())
    bad = [rel for rel in parsed.relations if rel not in allowed]
    if bad:
        return {
            "verdict": "invalid",
            "message": f"expected an integrand, found the relation {bad[0]!r}",
        }
    if parsed.relations.count("<=") > 1:
        return {"verdict": "invalid", "message": "expected at most one inequality"}
    cut = parsed.relations.index("<=") + 1 if "<=" in parsed.relations else 0
    targets = [E.IDENTITY_LHS.integrand] * cut + [derivation.result] * (len(parsed.members) - cut)
    message = "; ".join(notes)
    for n, (member, derived) in enumerate(zip(parsed.members, targets, strict=True)):
        try:
            member = _as_integrand(member)
            E.check_integrand(member)
        except E.IntegrandError as err:
            return {"verdict": "invalid", "message": str(err)}
        comp = E.compare_expectations(member, derived)
        which = f"member {n + 1} of the chain: " if len(parsed.members) > 1 else ""
        if comp.equal is False:
            uses_models = bool(
                {E.PRIOR, E.DEC} & (E.densities_in(member) | E.densities_in(derived))
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
    evidence = (
        "the answer and the derived integrand are equal pointwise after the Bayes relations "
        r"$P(y,z) = \text{Pop}(y) P_\Psi(z|y) = P(z) P(y|z)$, so their expectations agree on "
        "every joint distribution and every model"
    )
    if len(parsed.members) > 1:
        evidence += f" (each of the {len(parsed.members)} members of the chain)"
    value = _as_integrand(parsed.value)
    if claim.id == "p1a.identity" and not (E.densities_in(value) - {E.POP}):
        message = "; ".join(
            [*notes, "the answer is the left side of the identity, -ln Pop(y), itself"]
        )
    return {"verdict": "verified", "evidence": evidence, "message": message}


# ---------------------------------------------------------------------------
# Terms: 1(b), 1(d)

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


def _named_terms(answer: str, universe: tuple[E.Term, ...], middle: E.Term) -> set[str]:
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
        parsed = parse(piece, scope_for())
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
            match = [
                t.key
                for t in universe
                if E.same_pointwise(value, t.integrand) or E.same_pointwise(value, -t.integrand)
            ]
            if match:
                keys.add(match[0])
                continue
        raise NotationError(f"{piece!r} names no term of this part")
    return keys


def decide_terms(claim: Claim, ctx: Context, derivation: Derivation) -> dict[str, Any]:
    if not isinstance(claim.answer, str):
        raise NotationError("the answer must name terms, e.g. H(z|y), or say all or none")
    if claim.id == "p1b.estimable":
        universe = (E.IDENTITY_LHS, *(t for _, t in E.IDENTITY_RHS))
        computable = E.COMPUTABLE_1B
        middle = E.H_Z_GIVEN_Y
    else:
        universe = tuple(t for _, t in E.bound_terms())
        computable = E.COMPUTABLE_1D
        middle = universe[1]
    claimed = _named_terms(claim.answer, universe, middle)
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
    evidence = (
        r"pointwise the bound's integrand is $-\ln P_\Theta(y|z) + [\ln P_\Psi(z|y) - \ln P_\Phi(z)]$; "
        r"in expectation $E[-\ln P_\Theta(y|z)] + E_y KL(P_\Psi(z|y) \| P_\Phi(z))$, the negative ELBO "
        "of a VAE with encoder Psi, prior Phi and decoder Theta"
    )
    if claimed == derived:
        return {"verdict": "verified", "evidence": evidence}
    return {
        "verdict": "refuted",
        "evidence": evidence,
        "slip": "the bound is the VAE objective itself, not merely related to it",
    }


# ---------------------------------------------------------------------------
# The family


def prepare(quiz: Quiz) -> Context:
    return Context(scope_for(), Domain((E.y, E.z), lambda: iter(()), {}, E.DOMAIN), None)


SPECS = [
    ClaimSpec(
        "p1a.identity",
        "custom",
        r"$H(y)$ as an expectation (identity (1))",
        lambda ctx: E.identity_integrand(),
        decide_integrand,
    ),
    ClaimSpec(
        "p1b.estimable",
        "custom",
        r"terms of (1) estimable by sampling",
        lambda ctx: E.estimable_identity_terms(),
        decide_terms,
    ),
    ClaimSpec(
        "p1c.bound",
        "custom",
        r"the upper bound on $H(y)$",
        lambda ctx: E.upper_bound(),
        decide_integrand,
    ),
    ClaimSpec(
        "p1d.estimable",
        "custom",
        r"terms of the bound estimable by sampling",
        lambda ctx: E.estimable_bound_terms(),
        decide_terms,
    ),
    ClaimSpec(
        "p1e.vae",
        "custom",
        r"the bound is the VAE objective",
        lambda ctx: E.vae_objective(),
        decide_vae,
    ),
]

FAMILY = register(Family("entropy", "1", {s.id: s for s in SPECS}, prepare))
