"""Derivations cached on disk, per family, claim kind and variant table.

A derivation is a pure function of the family's code and the problem's variant
table, so its result is kept in ``.quizproof_cache/`` (in the working
directory, or ``$QUIZPROOF_CACHE``): a folder holding a ``.gitignore`` of its
own, so git ignores it wherever it is made.  An entry's key is the family,
the kind, the table as canonical JSON and a fingerprint of the code that
derives it (the sources of ``quizproof``, ``derivations`` and the family's own
package, and the SymPy version): any change of code or rules misses the cache.

Entries are pickles, signed with an HMAC whose key lives in the user's own
cache folder (``~/.cache/quizproof/key``), so a file planted in a project's
cache is never loaded.  ``QUIZPROOF_CACHE=off`` turns the cache off.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import pickle
import secrets
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import sympy as sp

import derivations
import quizproof

FOLDER = ".quizproof_cache"


def folder() -> Path | None:
    setting = os.environ.get("QUIZPROOF_CACHE", "")
    if setting.lower() in ("off", "0", "no", "false"):
        return None
    return Path(setting) if setting else Path.cwd() / FOLDER


@cache
def _secret() -> bytes:
    home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "quizproof"
    key = home / "key"
    try:
        return key.read_bytes()
    except OSError:
        pass
    home.mkdir(parents=True, exist_ok=True)
    fresh = secrets.token_bytes(32)
    tmp = home / f"key.{os.getpid()}"
    tmp.write_bytes(fresh)
    os.chmod(tmp, 0o600)
    os.replace(tmp, key)
    return key.read_bytes()


@cache
def _sources(root: str) -> str:
    digest = hashlib.sha256()
    for path in sorted(Path(root).rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def fingerprint(module: str) -> str:
    """The code a family's derivations depend on: the core, the derivations, the family."""
    roots = [Path(quizproof.__file__).parent, Path(derivations.__file__).parent]
    family_file = getattr(sys.modules.get(module), "__file__", None)
    if family_file:
        roots.append(Path(family_file).parent)
    parts = [_sources(str(r)) for r in roots] + [sp.__version__]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _key(*parts: Any) -> str:
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _ready(where: Path) -> bool:
    try:
        where.mkdir(parents=True, exist_ok=True)
        marker = where / ".gitignore"
        if not marker.exists():
            marker.write_text("# made by quizproof: derivations cached on disk\n*\n")
        return True
    except OSError:
        return False


MISSING = object()
_memory: dict[str, Any] = {}  # this process's values, also when the disk cache is off


def _name(parts: tuple[Any, ...], module: str) -> str:
    return _key(*parts, fingerprint(module))


def lookup(parts: tuple[Any, ...], module: str) -> Any:
    """The value stored under this key and code, or :data:`MISSING`."""
    name = _name(parts, module)
    if name in _memory:
        return _memory[name]
    where = folder()
    if where is None:
        return MISSING
    with contextlib.suppress(OSError, pickle.PickleError, EOFError, AttributeError, ValueError):
        blob = (where / f"{name}.pickle").read_bytes()
        mac, body = blob[:32], blob[32:]
        if hmac.compare_digest(mac, hmac.new(_secret(), body, "sha256").digest()):
            value = pickle.loads(body)  # signed by this user's key: written here, by us
            _memory[name] = value
            return value
    return MISSING


def store(parts: tuple[Any, ...], module: str, value: Any) -> None:
    name = _name(parts, module)
    _memory[name] = value
    where = folder()
    if where is None or not _ready(where):
        return
    with contextlib.suppress(OSError, pickle.PickleError, TypeError, AttributeError):
        body = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        mac = hmac.new(_secret(), body, "sha256").digest()
        tmp = where / f"{name}.{os.getpid()}.tmp"
        tmp.write_bytes(mac + body)
        os.replace(tmp, where / f"{name}.pickle")


def cached(parts: tuple[Any, ...], module: str, compute: Callable[[], Any]) -> Any:
    """``compute()``, or its result stored earlier under the same key and code."""
    value = lookup(parts, module)
    if value is MISSING:
        value = compute()
        store(parts, module, value)
    return value
