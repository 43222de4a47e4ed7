r"""The upper bound on $H(y)$: its notation, and answers read as integrands.

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

import sympy as sp

from derivations import entropy as E
from quizproof.notation import BASE_FUNCTIONS, Application, NotationError, Scope, parse

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


def _as_integrand(member: sp.Basic) -> sp.Expr:
    """An answer's member as an integrand: entropy terms become their integrands."""
    if not isinstance(member, sp.Expr) or isinstance(member, sp.Tuple):
        raise NotationError(r"expected an integrand in the densities, e.g. -\ln P_\Phi(z)")
    names = member.atoms(E.TermName)
    member = member.xreplace({t: TERMS[t.name].integrand for t in names})
    try:
        E.check_integrand(member)
    except E.IntegrandError as err:
        raise NotationError(str(err)) from None
    return member


def restated(member: sp.Basic) -> str | None:
    """The entropy a member still names (an integrand is asked, not the entropies), in LaTeX."""
    names = sorted(member.atoms(E.TermName), key=str) if isinstance(member, sp.Basic) else []
    return TERMS[names[0].name].latex if names else None


def read_integrands(
    kind: str, answer: object, notes: list[str], restating: list[str] | None = None
) -> list[tuple[str, sp.Expr]]:
    r"""Each member of an integrand answer, with its role: ``H(y)`` or ``bound``.

    For the identity every member is claimed to have expectation $H(y)$ (a chain
    ``H(y) = ... = integrand`` of equal members); for the bound the members
    before its ``\le`` equal $H(y)$ and those after it are the bound.  ``notes``
    collects the readings used; ``restating`` receives the entropy the last member
    still names, if any.  NotationError if the answer is no such chain.
    """
    if not isinstance(answer, str):
        raise NotationError("the answer must be a string of LaTeX")
    parsed = parse(strip_expectations(answer), scope_for(notes))
    allowed = {"="} | ({"<="} if kind == "bound" else set())
    bad = [rel for rel in parsed.relations if rel not in allowed]
    if bad:
        raise NotationError(f"expected an integrand, found the relation {bad[0]!r}")
    if parsed.relations.count("<=") > 1:
        raise NotationError("expected at most one inequality")
    if kind == "bound":
        cut = parsed.relations.index("<=") + 1 if "<=" in parsed.relations else 0
    else:
        cut = len(parsed.members)
    if restating is not None and (found := restated(parsed.members[-1])):
        restating.append(found)
    return [
        ("H(y)" if n < cut else "bound", _as_integrand(member))
        for n, member in enumerate(parsed.members)
    ]
