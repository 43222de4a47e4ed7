r"""What a problem family is: the one object a family gives the rest of the toolkit.

A *problem family* is a kind of quiz problem (a Markov decision process, a
learning rule, an information bound, ...) together with everything needed to check, simulate and publish
its answers.  It is one unit of three parts:

- its derivations, pure SymPy, in the package ``derivations``;
- its simulator, numpy only, in the package ``numerics``;
- one *binding*: a module that builds a :class:`Family` from the two and is
  registered as an entry point in the group ``quizproof.families``.

The binding declares, in data, everything the toolkit asks of a family:

- its **claim kinds** (:class:`ClaimKind`): the quantities it derives, each
  with its derivation, how a printed answer is decided, and how it is simulated;
- its **variant table** (``table``, named after the family): ``prepare`` reads and
  validates that table into a :class:`Context`, the problem's parameters with
  its notation (a :class:`~quizproof.notation.Scope`) and its :class:`Domain`;
- its **manual content** (:class:`ManualContent`): the restatement of the
  problem, its figures and tables, and a description of a variant's rules;
- how files written before problems named their family spell its claims
  (:class:`Legacy`: ids that carry their problem's number and part).

The core of the toolkit (checker, simulation runner, command line, quiz-file
model, manual) names no family: it finds them all through
:mod:`quizproof.registry`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sympy as sp

from derivations.core import Derivation
from quizproof.notation import Scope

if TYPE_CHECKING:
    from quizproof.manual.content import Figure, ProblemView, Table
    from quizproof.model import Claim
    from quizproof.simulation import ClaimCheck, SimulationRun


class FamilyError(ValueError):
    """A variant table that cannot be used; ``str(err)`` is one line naming the table and key."""


def reject_unknown_keys(table: Mapping[str, Any], known: Collection[str], where: str) -> None:
    """FamilyError naming the table's keys that are not among ``known`` (listed too)."""
    unknown = set(table) - set(known)
    if unknown:
        raise FamilyError(
            f"[{where}]: unknown key(s) {', '.join(sorted(unknown))} (known: {', '.join(known)})"
        )


@dataclass(frozen=True)
class Domain:
    r"""The admissible values of a problem's symbols.

    ``points`` yields exact admissible points (dicts symbol -> Rational),
    simplest first; ``random_point`` draws a seeded pseudo-random admissible
    rational point from a :class:`random.Random`; ``substitution`` maps
    symbols to forms that encode their intervals in proofs
    (``lambda -> 1/(1+u)`` with ``u > 0``); ``relations`` are further
    substitutions that encode relations between integer symbols
    (``N -> i + 1 + j`` with ``j >= 0`` encodes ``i < N``).
    """

    symbols: tuple[sp.Symbol, ...]
    points: Callable[[], Iterable[dict[sp.Symbol, sp.Basic]]]
    substitution: Mapping[sp.Symbol, sp.Basic] = field(default_factory=dict)
    latex: str = ""
    random_point: Callable[[Any], dict[sp.Symbol, sp.Basic]] | None = None
    relations: Mapping[sp.Symbol, sp.Basic] = field(default_factory=dict)


@dataclass(frozen=True)
class Context:
    """One problem of one quiz file, prepared by its family: parameters, notation, domain."""

    scope: Scope
    domain: Domain
    params: Any = None  # the family's own parameters, read from its variant table


#: A custom decision: (claim, context, derivation) -> the fields of a verdict.
Decider = Callable[["Claim", Context, Derivation], dict[str, Any]]
#: A simulation of one claim: (claim, context, run) -> its checks.
Simulator = Callable[["Claim", Context, "SimulationRun"], "ClaimCheck"]


@dataclass(frozen=True)
class ClaimKind:
    r"""One quantity a family derives, and what a printed answer for it means.

    ``decide`` is ``"value"`` (an expression, a tuple or a chain ``X = Y =
    value``, compared with the derived form on the domain), ``"yesno"``
    (compared with a derived true or false) or a :data:`Decider`.
    ``simulate`` cross-checks a printed answer against the family's
    simulator; ``None`` when there is nothing numeric to simulate.
    ``unknowns`` name the quantities the question asks to find (names of
    functions of the notation, such as ``V^pi``): an answer whose value still
    contains one restates the question instead of answering it.  ``written``
    writes a derived result as the quiz would print the answer (an update as an
    update, ``e(k) \leftarrow ...``); by default the result is printed as is.
    """

    name: str
    title: str
    derive: Callable[[Context], Derivation]
    decide: str | Decider = "value"
    simulate: Simulator | None = None
    unknowns: tuple[str, ...] = ()
    written: Callable[[Derivation], str] | None = None


@dataclass(frozen=True)
class Legacy:
    """How quiz files without a ``[problems]`` table name this family's claims.

    Such files name a claim by its problem's number, its part and its kind:
    ``ids`` maps each such id to a claim kind, and ``problem`` is the problem
    label those files give the family.
    """

    problem: str
    ids: Mapping[str, str]


@dataclass(frozen=True)
class ManualContent:
    """What a family adds to the manual's pages (each part optional).

    ``restatement(ctx)`` is the problem in Markdown (its first line a ``# ``
    heading), restated in the toolkit's own words for the given parameters;
    ``rules(ctx, table)`` describes a variant's changed rules in Markdown;
    ``figures(view)`` and ``tables(view)`` draw from a problem's derived forms,
    verdicts and simulations.
    """

    restatement: Callable[[Context], str] | None = None
    rules: Callable[[Context, Mapping[str, Any]], str] | None = None
    figures: Callable[[ProblemView], list[Figure]] | None = None
    tables: Callable[[ProblemView], list[Table]] | None = None


@dataclass(frozen=True)
class Family:
    """A problem family, as registered under the entry-point group ``quizproof.families``."""

    name: str
    title: str
    kinds: Mapping[str, ClaimKind]
    prepare: Callable[[Mapping[str, Any] | None, str], Context]
    table: str = ""  # the name of its variant table, usually the family's own name
    legacy: Legacy | None = None
    manual: ManualContent = field(default_factory=ManualContent)
    bench: Callable[[int], dict[str, Any]] | None = None  # repeats -> figures

    def claim_id(self, kind: str) -> str:
        """The id a legacy quiz file uses for a kind (its first), or the kind's own name."""
        if self.legacy is not None:
            for cid, k in self.legacy.ids.items():
                if k == kind:
                    return cid
        return kind


def lazy(target: str) -> Callable[..., Any]:
    """``"package.module:function"``, imported on its first call.

    For the parts of a binding that only some commands use (its figures, its
    simulations), so that checking a quiz does not import plotting or tables.
    """
    module, _, name = target.partition(":")

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    call.__qualname__ = call.__name__ = target
    return call


def kinds(*items: ClaimKind) -> dict[str, ClaimKind]:
    """A family's claim kinds by name, in the order given (duplicates are an error)."""
    out: dict[str, ClaimKind] = {}
    for item in items:
        if item.name in out:
            raise ValueError(f"claim kind {item.name!r} is declared twice")
        out[item.name] = item
    return out
