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


@cache
def _load() -> tuple[dict[str, Family], dict[str, str]]:
    """The installed families by name, and the ones that could not be loaded, with why."""
    found: dict[str, Family] = {}
    broken: dict[str, str] = {}
    for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        if ep.name in found or ep.name in broken:
            continue  # the same distribution seen twice on sys.path
        try:
            obj = ep.load()
            family = obj() if callable(obj) and not isinstance(obj, Family) else obj
        except Exception as err:  # noqa: BLE001 - a broken plug-in: say which, load the rest
            broken[ep.name] = (
                f"the problem family {ep.name!r} ({ep.value}) cannot be loaded: "
                f"{type(err).__name__}: {err}"
            )
            continue
        if not isinstance(family, Family):
            broken[ep.name] = f"the entry point {ep.name!r} ({ep.value}) is not a Family"
        elif family.name != ep.name:
            broken[ep.name] = f"the entry point {ep.name!r} names a family called {family.name!r}"
        else:
            found[ep.name] = family
    return found, broken


def families() -> dict[str, Family]:
    """Every installed family that loads, by name, in name order."""
    return _load()[0]


def broken() -> dict[str, str]:
    """The installed families that could not be loaded: name -> one line saying why.

    One broken plug-in does not stop the others: only a quiz file that names it fails.
    """
    return _load()[1]


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
