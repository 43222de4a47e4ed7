"""Problem families: where a claim id meets its derivation and its notation.

A family (one per problem family of a quiz) knows a fixed set of claim ids.
For a quiz file it prepares a :class:`Context`: the problem's parameters (for
example the rules of a race variant), its notation table (a
:class:`~quizproof.notation.Scope`) and its :class:`Domain` (the admissible
values of its symbols).  Each id has a :class:`ClaimSpec`: what kind of answer
it takes and the derivation that decides it.

A family registers itself in :data:`FAMILIES` below; the checker, the
``derive`` command and the report find every id through :func:`spec_for`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sympy as sp

from derivations.core import Derivation
from quizproof.notation import Scope

if TYPE_CHECKING:
    from quizproof.model import Claim, Quiz


class FamilyError(ValueError):
    """The quiz file's parameters for a family are inadmissible (one line for the user)."""


@dataclass(frozen=True)
class Domain:
    """Admissible values: ``points`` yields exact points (dicts symbol -> Rational),
    simplest first; ``substitution`` maps symbols to forms that encode their
    intervals for proofs (``lambda -> 1/(1+u)`` with ``u > 0``)."""

    symbols: tuple[sp.Symbol, ...]
    points: Callable[[], Iterable[dict[sp.Symbol, sp.Basic]]]
    substitution: dict[sp.Symbol, sp.Basic] = field(default_factory=dict)
    latex: str = ""


@dataclass(frozen=True)
class Context:
    """One family prepared for one quiz file."""

    scope: Scope
    domain: Domain
    params: Any = None  # the family's parameters, e.g. RaceRules


# A custom decision: (claim, context, derivation) -> Outcome fields (see checker.Outcome)
Decider = Callable[["Claim", Context, Derivation], Any]


@dataclass(frozen=True)
class ClaimSpec:
    """What one claim id means.

    ``kind`` is ``value`` (an expression, a tuple, or a chain ``X = Y = value``
    compared with the derived form on the domain), ``yesno`` (compared with a
    derived ``true``/``false``), or ``custom`` (decided by ``decide``).
    """

    id: str
    kind: str
    title: str
    derive: Callable[[Context], Derivation]
    decide: Decider | None = None


@dataclass
class Family:
    name: str
    problem: str  # the problem it covers, e.g. "3"
    specs: dict[str, ClaimSpec]
    prepare: Callable[[Quiz], Context]

    def ids(self) -> list[str]:
        return list(self.specs)


FAMILIES: list[Family] = []
_LOADED = False


def register(family: Family) -> Family:
    FAMILIES.append(family)
    return family


def _load() -> None:
    # Importing a family module registers it; `derive` lists them in problem order.
    from quizproof.families import entropy, race, vq  # noqa: F401

    FAMILIES.sort(key=lambda f: f.problem)


def families() -> list[Family]:
    # A module may import one family directly first; every family is still loaded here.
    global _LOADED
    if not _LOADED:
        _load()
        _LOADED = True
    return FAMILIES


def spec_for(claim_id: str) -> tuple[Family, ClaimSpec] | None:
    for family in families():
        if claim_id in family.specs:
            return family, family.specs[claim_id]
    return None


def all_specs() -> Iterator[tuple[Family, ClaimSpec]]:
    for family in families():
        for spec in family.specs.values():
            yield family, spec
