"""Finding the installed problem families: Python entry points, group ``quizproof.families``.

A distribution declares its families in its ``pyproject.toml``::

    [project.entry-points."quizproof.families"]
    myfamily = "mypackage.binding:FAMILY"

The value is a :class:`~quizproof.family.Family` (or a function returning one);
its entry-point name is the family's name, which quiz files use.  The families
that come with quizproof register in the same way, so a family from another
installed distribution is found exactly like a built-in one.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points

from quizproof.family import Family

GROUP = "quizproof.families"


class RegistryError(RuntimeError):
    """An installed family cannot be loaded (a broken entry point)."""


@cache
def families() -> dict[str, Family]:
    """Every installed family by name, in name order."""
    found: dict[str, Family] = {}
    for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        if ep.name in found:
            continue  # the same distribution seen twice on sys.path
        try:
            obj = ep.load()
        except Exception as err:  # a broken plug-in must say which one it is
            raise RegistryError(
                f"the problem family {ep.name!r} ({ep.value}) cannot be loaded: "
                f"{type(err).__name__}: {err}"
            ) from err
        family = obj() if callable(obj) and not isinstance(obj, Family) else obj
        if not isinstance(family, Family):
            raise RegistryError(f"the entry point {ep.name!r} ({ep.value}) is not a Family")
        if family.name != ep.name:
            raise RegistryError(
                f"the entry point {ep.name!r} names a family called {family.name!r}"
            )
        found[ep.name] = family
    return found


def family(name: str) -> Family | None:
    return families().get(name)


def legacy_owner(claim_id: str) -> tuple[Family, str] | None:
    """The family and kind of a claim id written without a problem (a legacy id)."""
    for fam in families().values():
        if fam.legacy is not None and claim_id in fam.legacy.ids:
            return fam, fam.legacy.ids[claim_id]
    return None


def legacy_tables() -> dict[str, Family]:
    """The families whose variant table may stand at the top of a legacy file."""
    return {f.table: f for f in families().values() if f.table and f.legacy is not None}
