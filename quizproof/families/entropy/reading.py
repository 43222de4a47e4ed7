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
| `\operatorname{KL}(P \| Q)`, `\mathbb{E}_z \operatorname{KL}(\dots)` | a divergence (averaged over the conditioning variables) |

Given an observed $x$ (a variant with ``conditional = true``) every distribution is
conditioned on $x$ too: `\text{Pop}(y|x)`, `P_\Psi(z|x, y)`, `P_\Phi(z|x)`,
`P_\Theta(y|x, z)`, `P(z|x)`, `H(y|x)`, ... (the conditioning variables in any order);
a distribution written without $x$ there is an error.

The quiz says every probability refers to the joint $P_{\text{Pop},\Psi}$, so a
density subscripted by $\Psi$ alone is read as the joint's: `P_\Psi(z)` (printed in
the solution of 1(a), and defined nowhere else) is the marginal
$P_{\text{Pop},\Psi}(z)$, `P_\Psi(y|z)` the posterior.  The verdict's message says
when that reading was used.  The models are never read as true densities: a model
where the identity needs the truth is a refutable slip.

**Divergences.**  $\operatorname{KL}(P \| Q)$ is read as the integrand $\ln P - \ln Q$ when
$P$ is a distribution of the joint (its expectation under the joint is the divergence,
averaged over what $P$ is conditioned on), and as $\frac{P}{T}(\ln P - \ln Q)$ when $P$ is
a model, $T$ the joint's distribution of the same variables (an importance weight).
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

#: Every term by key, in every setting.
TERMS: dict[str, E.Term] = {**E.terms_for(False).by_key(), **E.terms_for(True).by_key()}
TermSymbol = E.TermName
NAMES = {E.x: "x", E.y: "y", E.z: "z"}


def _term(key: str) -> sp.Symbol:
    return E.TermName(key)


def _pattern(app: Application, dens: E.Densities) -> tuple[tuple[str, ...], frozenset[str]]:
    """(the variables before '|', the set after it)."""
    names = []
    for a in app.args:
        if a not in dens.variables:
            allowed = ", ".join(NAMES[v] for v in dens.variables)
            raise NotationError(f"a density takes the variables {allowed}, not {sp.latex(a)}")
        names.append(NAMES[a])
    cut = len(names) if app.bar is None else app.bar
    return tuple(names[:cut]), frozenset(names[cut:])


def _key(density: sp.Expr) -> tuple[tuple[str, ...], frozenset[str]]:
    cls = type(density)
    names = [NAMES[v] for v in cls.variables]
    cut = len(names) - cls.given
    return tuple(names[:cut]), frozenset(names[cut:])


def _lookup(table: dict, pattern, dens: E.Densities, what: str) -> sp.Expr:
    if pattern in table:
        return table[pattern]
    if dens.observed and "x" not in pattern[1]:
        raise NotationError(f"in this variant every distribution is conditioned on x: {what}")
    raise NotationError(f"not a distribution of the joint: {what}")


def _joint_density(notes: list[str], psi_alone: bool, dens: E.Densities):
    table = {_key(d): d for d in (dens.pop, dens.marg, dens.enc, dens.post, dens.joint)}
    head, tail = _key(dens.joint)
    table[(tuple(reversed(head)), tail)] = dens.joint  # P(z, y) is the joint too
    known = "the joint's distributions are " + ", ".join(
        sp.latex(d) for d in (dens.pop, dens.enc, dens.marg, dens.post, dens.joint)
    )

    def apply(app: Application) -> sp.Basic:
        out = _lookup(table, _pattern(app, dens), dens, known)
        if psi_alone and out == dens.marg and PSI_ALONE_NOTE not in notes:
            notes.append(PSI_ALONE_NOTE)
        if psi_alone and out == dens.post and PSI_POSTERIOR_NOTE not in notes:
            notes.append(PSI_POSTERIOR_NOTE)
        return out

    return apply


def _model(name: str, value: sp.Expr, dens: E.Densities):
    def apply(app: Application) -> sp.Basic:
        return _lookup({_key(value): value}, _pattern(app, dens), dens,
                       f"{name} is the model {sp.latex(value)}")  # fmt: skip

    return apply


def _pop(dens: E.Densities):
    def apply(app: Application) -> sp.Basic:
        return _lookup({_key(dens.pop): dens.pop}, _pattern(app, dens), dens,
                       f"Pop is the population {sp.latex(dens.pop)}")  # fmt: skip

    return apply


def _entropy(terms: E.Terms, dens: E.Densities):
    """H(y), H(z|y), ..., or a cross-entropy H(P, Q) of a true density and its model."""
    by_pattern = {
        _key(t.distribution): t
        for t in (terms.H_Y, terms.H_Z, terms.H_Z_GIVEN_Y, terms.H_Y_GIVEN_Z)
    }

    def apply(app: Application) -> sp.Basic:
        if (
            len(app.args) == 2
            and app.bar is None
            and all(isinstance(a, E.Density) for a in app.args)
        ):
            for t in (terms.CE_Z, terms.CE_Y_GIVEN_Z):
                if app.args == (t.distribution, *E.densities_in(t.integrand)):
                    return _term(t.key)
            raise NotationError(
                "a cross-entropy H(P, Q) of this problem pairs a true density with its model"
            )
        pattern = _pattern(app, dens)
        if pattern not in by_pattern:
            raise NotationError(f"{sp.latex(sp.Function('H')(*app.args))} is not a term here")
        return _term(by_pattern[pattern].key)

    return apply


def _truth(dens: E.Densities) -> dict[sp.Expr, sp.Expr]:
    """Each density -> the joint's distribution of the same variables."""
    return {dens.prior: dens.marg, dens.dec: dens.post, dens.marg: dens.marg,
            dens.post: dens.post, dens.enc: dens.enc, dens.pop: dens.pop,
            dens.joint: dens.joint}  # fmt: skip


def _kl(dens: E.Densities):
    truth = _truth(dens)

    def apply(app: Application) -> sp.Basic:
        if len(app.args) != 2 or not all(isinstance(a, E.Density) for a in app.args):
            raise NotationError(r"expected KL(P \| Q) of two distributions")
        p, q = app.args
        if _key(p)[0] != _key(q)[0]:
            raise NotationError(r"KL(P \| Q) compares two distributions of the same variable")
        weight = p / truth[p]  # 1 unless P is a model: the importance weight of P over the joint
        return weight * (sp.log(p) - sp.log(q))

    return apply


def scope_for(setting: E.Setting = E.QUIZ, notes: list[str] | None = None) -> Scope:
    """The notation table of problem 1 in a setting; ``notes`` collects the readings used."""
    notes = [] if notes is None else notes
    d = setting.dens
    functions = dict(BASE_FUNCTIONS)
    functions.update(
        {
            "Pop": _pop(d),
            "P_Pop,Psi": _joint_density(notes, False, d),
            "P_Psi,Pop": _joint_density(notes, False, d),
            "P_Psi": _joint_density(notes, True, d),
            "P": _joint_density(notes, False, d),  # every probability is the joint's
            "P_Phi": _model("P_Phi", d.prior, d),
            "P_Theta": _model("P_Theta", d.dec, d),
            "H": _entropy(setting.terms, d),
            "KL": _kl(d),
            "D_KL": _kl(d),
        }
    )
    symbols = {"y": E.y, "z": E.z, "e": sp.E}
    if d.observed:
        symbols["x"] = E.x
    return Scope(symbols, functions)


_EXPECTATION = re.compile(r"(?<![A-Za-z\\])(\\mathbb\{E\}|E)_\{")
_SHORT_EXPECTATION = re.compile(r"(?<![A-Za-z\\])(\\mathbb\{E\}|E)_[a-z](?![A-Za-z])")
_BARE_EXPECTATION = re.compile(r"(?<![A-Za-z\\])(\\mathbb\{E\}|E)(?=\s*(\\left\s*)?\[)")
_KL = re.compile(r"(\\operatorname\{KL\}|\\mathrm\{KL\}|\\text\{KL\}|D_\{?KL\}?|KL)\s*(\\left)?\(")
_SEPARATOR = re.compile(r"(?:\\,)?(?:\\middle\s*\\\||\\\||\\Vert|\\parallel|\|\|)(?:\\,)?")


def kl_arguments(text: str) -> str:
    r"""``KL(P \| Q)`` as ``KL(P, Q)``: the divergence's separator is not a norm."""
    out, pos = "", 0
    for m in _KL.finditer(text):
        if m.start() < pos:
            continue
        depth, k = 1, m.end()
        while k < len(text) and depth:
            depth += {"(": 1, ")": -1}.get(text[k], 0)
            k += 1
        inner = _SEPARATOR.sub(",", text[m.end() : k - 1])
        out += text[pos : m.start()] + r"\operatorname{KL}(" + inner + ")"
        pos = k
    return out + text[pos:]


def strip_expectations(text: str) -> str:
    r"""Drop expectation operators ``E_{y \sim \text{Pop}, z \sim P_\Psi(z|y)}``, ``E_z`` (and ``[...]``).

    Every expectation of problem 1 is over the joint (or a marginal of it, which is
    the same for a function of fewer variables), so an equation between expectations
    is decided by its integrands.
    """
    out = _SHORT_EXPECTATION.sub(" ", _BARE_EXPECTATION.sub(" ", text))
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


def as_integrand(member: sp.Basic, dens: E.Densities = E.PLAIN) -> sp.Expr:
    """An answer's member as an integrand: named terms become their integrands."""
    if not isinstance(member, sp.Expr) or isinstance(member, sp.Tuple):
        raise NotationError(r"expected an integrand in the densities, e.g. -\ln P_\Phi(z)")
    names = member.atoms(E.TermName)
    member = member.xreplace({t: TERMS[t.name].integrand for t in names})
    try:
        E.check_integrand(member, dens)
    except E.IntegrandError as err:
        raise NotationError(str(err)) from None
    return member


def restated(member: sp.Basic) -> str | None:
    """The entropy a member still names (an integrand is asked, not the entropies), in LaTeX."""
    names = sorted(member.atoms(E.TermName), key=str) if isinstance(member, sp.Basic) else []
    return TERMS[names[0].name].latex if names else None


def read_integrands(
    kind: str,
    answer: object,
    notes: list[str],
    restating: list[str] | None = None,
    setting: E.Setting = E.QUIZ,
) -> list[tuple[str, sp.Expr]]:
    r"""Each member of an integrand answer, with its role: ``H(y)``, ``bound`` or ``gap``.

    For the identity every member is claimed to have expectation $H(y)$ (a chain
    ``H(y) = ... = integrand`` of equal members); for the bound the members
    before its ``\le`` equal $H(y)$ and those after it are the bound; for the gap every
    member is the gap.  ``notes`` collects the readings used; ``restating`` receives the
    entropy the last member still names, if any.  NotationError if the answer is no such
    chain.
    """
    if not isinstance(answer, str):
        raise NotationError("the answer must be a string of LaTeX")
    parsed = parse(strip_expectations(kl_arguments(answer)), scope_for(setting, notes))
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
    if restating is not None and kind != "gap" and (found := restated(parsed.members[-1])):
        restating.append(found)
    role = "gap" if kind == "gap" else "H(y)"
    return [
        (role if n < cut else "bound", as_integrand(member, setting.dens))
        for n, member in enumerate(parsed.members)
    ]
