r"""The VQ family's variant table, ``[vq]``: the weights of the objectives and an EMA's decay.

```toml
[vq]
codebook_weight = '1/2'     # c in objective (4), written c||x - e||^2; default 1
commitment_weight = '0.25'  # beta in objective (3); default the symbol beta
ema_decay = 'd'             # the decay of an exponential moving average; default gamma
```

Each value is a number (a TOML number or LaTeX such as ``'\frac{1}{2}'``) or a new
symbol (``'c'``, ``'\beta'``).  A number must lie in the key's range; a symbol is
taken to range over it: $c > 0$, $\beta \ge 0$ (a symbol: $\beta > 0$), $0 < d < 1$.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from fractions import Fraction
from itertools import product
from typing import Any

import sympy as sp

from derivations import vq as V
from quizproof.families.vq.reading import scope_for
from quizproof.family import Context, Domain, FamilyError, reject_unknown_keys
from quizproof.notation import NotationError, Scope, parse

#: key -> (what it is, the field of VQParams, the range as words, admissible test values)
KEYS: dict[str, tuple[str, str, str, tuple[sp.Rational, ...]]] = {
    "codebook_weight": (
        "the weight c of objective (4)", "codebook", "positive",
        (sp.Integer(1), sp.Rational(1, 2), sp.Integer(3)),
    ),
    "commitment_weight": (
        "the commitment weight beta of objective (3)", "commitment", "nonnegative",
        (sp.Rational(1, 4), sp.Integer(1), sp.Integer(2)),
    ),
    "ema_decay": (
        "the decay d of an exponential moving average", "decay", "strictly between 0 and 1",
        (sp.Rational(1, 2), sp.Rational(9, 10), sp.Rational(1, 4)),
    ),
}  # fmt: skip
# Names the problem already gives a meaning to (a key may still use its own default's name).
RESERVED = {"x", "y", "e", "k", "E", "K", "I", "eta", "mu", "pi", "q", "s", "n", "m", "r", "w"}
DEFAULT_NAMES = {"commitment_weight": "beta", "ema_decay": "gamma"}
_NAME = re.compile(r"[A-Za-z]+(_[A-Za-z0-9]+)?")


def _admissible(key: str, value: sp.Rational) -> bool:
    if key == "codebook_weight":
        return value > 0
    if key == "commitment_weight":
        return value >= 0
    return 0 < value < 1


def _value(key: str, raw: Any, where: str, used: dict[str, str]) -> sp.Expr:
    """A key's value: an admissible number, or a new symbol (FamilyError: one line)."""
    what, _, words, _ = KEYS[key]
    shown = f"'{raw}'" if isinstance(raw, str) else repr(raw)
    head = f"[{where}]: {key} = {shown}"
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise FamilyError(f"{head}: {key} ({what}) must be a number or LaTeX text")
    if isinstance(raw, int | float):
        f = Fraction(str(raw))
        value = sp.Rational(f.numerator, f.denominator)
    else:
        names: list[str] = []

        def new_symbol(name: str) -> sp.Symbol:
            names.append(name)
            return sp.Symbol(name, positive=True)

        try:
            value = parse(raw, Scope(new_symbol=new_symbol)).value
        except NotationError as err:
            raise FamilyError(f"{head}: {err}") from None
        if value.has(sp.Sum):  # its range could not be checked in bounded time
            raise FamilyError(f"{head}: a series is not accepted; write its value")
        if value.free_symbols:
            if not isinstance(value, sp.Symbol):
                raise FamilyError(f"{head}: must be a number or a single new symbol")
            name = value.name
            if not _NAME.fullmatch(name) or (
                name in RESERVED | set(DEFAULT_NAMES.values()) and name != DEFAULT_NAMES.get(key)
            ):
                raise FamilyError(f"{head}: {name!r} cannot name {what}: the problem uses it")
            if name in used:
                raise FamilyError(f"{head}: the symbol {name!r} already names {used[name]}")
            used[name] = key
            return value
    if not value.is_Rational:
        raise FamilyError(f"{head}: must be a rational number or a new symbol")
    if not _admissible(key, value):
        raise FamilyError(f"{head}: {key} ({what}) must be {words}")
    return value


def params_from(table: Mapping[str, Any] | None, where: str = "vq") -> V.VQParams:
    """The parameters of a ``[vq]`` table, or the quiz's own."""
    if table is None:
        return V.QUIZ
    reject_unknown_keys(table, KEYS, where)
    used: dict[str, str] = {}
    fields = {}
    for key, (_, field, _, _) in KEYS.items():
        if key in table:
            fields[field] = _value(key, table[key], where, used)
    return V.VQParams(**fields)


def grid(params: V.VQParams) -> dict[sp.Symbol, tuple[sp.Rational, ...]]:
    """Admissible values of each symbol of the parameters, simplest first."""
    out = {}
    for _, field, _, values in KEYS.values():
        value = getattr(params, field)
        if isinstance(value, sp.Symbol):
            out[value] = values
    return out


def domain_for(params: V.VQParams) -> Domain:
    values = grid(params)
    symbols = tuple(values)

    def points():
        for point in product(*values.values()):
            yield {V.eta: sp.Rational(1, 8), V.x: sp.Integer(0), V.e: sp.Integer(1),
                   **dict(zip(symbols, point, strict=True))}  # fmt: skip

    ranges = {"codebook": r" > 0", "commitment": r" > 0", "decay": r" \in (0, 1)"}
    text = V.DOMAIN + "".join(
        rf",\ {sp.latex(getattr(params, f))}{ranges[f]}"
        for f in ranges
        if isinstance(getattr(params, f), sp.Symbol)
    )
    return Domain((V.eta, V.x, V.e, V.x_grad, V.e_grad, *symbols), points, {}, text)


def prepare(table: Mapping[str, Any] | None, where: str = "vq") -> Context:
    params = params_from(table, where)
    return Context(scope_for(params), domain_for(params), params)
