r"""The race's variant table, ``[race]``: the rules of a variant and the ranges of its symbols.

```toml
[race]
advance_prob_a1 = '0'      # probability that a1 advances (a number or a new symbol)
advance_prob_a2 = 'p'      # probability that a2 advances
reward = "terminal"        # "terminal": -T at the goal; "per-step": -1 for every action;
                           # "success": +1 on the action that reaches the goal
discount = '\\gamma'       # a number in (0, 1] or a new symbol (then 0 < gamma < 1)
goal = '5'                 # advances needed: a positive integer or a symbol (default N)

[race.assume]              # optional: narrow a new symbol's range
p = '\\frac{1}{2} \\le p \\le 1'
```
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from itertools import product
from typing import Any

import sympy as sp

from derivations import race
from derivations.race import N, RaceRules, RulesError, i, lam, t
from derivations.race import policy_gradient as pg
from quizproof.families.race.notation import scope_for
from quizproof.family import Context, Domain, FamilyError, reject_unknown_keys
from quizproof.notation import NotationError, Scope, parse

RACE_KEYS = ("advance_prob_a1", "advance_prob_a2", "reward", "discount", "goal", "assume")
RESERVED = {"lambda", "i", "t", "e", "pi", "a_1", "a_2", "k", "u", "v", "q", "theta", "j"}
DEFAULTS = {"advance_prob_a1": "0", "advance_prob_a2": "1", "discount": "1", "goal": "N"}


def _read(table: Mapping[str, Any], key: str, where: str, scope: Scope) -> sp.Expr:
    """One value of the table: a number, or LaTeX read with the notation (new symbols allowed)."""
    value = table.get(key, DEFAULTS[key])
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise FamilyError(f"[{where}]: {key} must be LaTeX text or a number")
    if isinstance(value, int | float):
        f = Fraction(str(value))
        return sp.Rational(f.numerator, f.denominator)
    try:
        parsed = parse(value, scope)
    except NotationError as err:
        raise FamilyError(f"[{where}]: {key} = {value!r}: {err}") from None
    if len(parsed.members) != 1:
        raise FamilyError(f"[{where}]: {key} must be a single expression")
    if parsed.value.has(sp.Sum):  # its range could not be checked in bounded time
        raise FamilyError(
            f"[{where}]: {key} = {value!r}: a series is not accepted; write its value"
        )
    return parsed.value


def rules_from(table: Mapping[str, Any] | None, where: str = "race") -> RaceRules:
    """The race rules of a variant table, or the quiz's own rules."""
    if table is None:
        return race.QUIZ_RULES
    reject_unknown_keys(table, RACE_KEYS, where)
    new: dict[str, sp.Symbol] = {}
    owner: dict[str, str] = {}  # which kind of value each new symbol stands for

    def symbols(kind: str, **assumptions: bool):
        def new_symbol(name: str) -> sp.Symbol:
            if name in RESERVED or name == "N" or not name.replace("_", "").isalnum():
                raise NotationError(f"{name!r} cannot name a new {kind}")
            if owner.setdefault(name, kind) != kind:  # two probabilities may share one
                raise NotationError(
                    f"{name!r} already names the {owner[name]}; the {kind} needs a symbol of its own"
                )
            return new.setdefault(name, sp.Symbol(name, **assumptions))

        return new_symbol

    values = {}
    for key, kind, assumptions in (
        ("advance_prob_a1", "probability", {"positive": True}),
        ("advance_prob_a2", "probability", {"positive": True}),
        ("discount", "discount", {"positive": True}),
    ):
        values[key] = _read(table, key, where, Scope(new_symbol=symbols(kind, **assumptions)))
    goal_scope = Scope({"N": N}, new_symbol=symbols("goal", positive=True, integer=True))
    values["goal"] = _read(table, "goal", where, goal_scope)
    try:
        return RaceRules(
            values["advance_prob_a1"], values["advance_prob_a2"], table.get("reward", "terminal"),
            values["discount"], values["goal"],
        )  # fmt: skip
    except RulesError as err:
        message = str(err).replace("advance_a", "advance_prob_a")  # the file's own key names
        raise FamilyError(f"[{where}]: {message}") from None


RATIONALS = [sp.Rational(*r) for r in ((1, 2), (1, 3), (3, 4), (1, 7), (5, 6), (2, 5))]


# --------------------------------------------------------------------------- variant domains
# A new symbol is a probability in (0, 1] unless the file says otherwise, in an
# optional table of LaTeX ranges, one per symbol:
#
#     [race.assume]
#     p = '\frac{1}{2} \le p < 1'      # also 'p < 1', 'p \ge \frac{1}{2}', '1 > p > 0'
#
# A range must lie inside [0, 1] and exclude 0 (a probability that may be 0 is
# written as the number 0).  It narrows the admissible points, the proofs of
# signs (A2C's update) and the substitutions that prove identities.

LOWER, UPPER = {"<": True, "<=": False}, {">": True, ">=": False}


def _range(
    name: str, symbol: sp.Symbol, text: object, scope: Scope, table: str, discount: bool = False
) -> sp.Interval:
    shown = f"'{text}'" if isinstance(text, str) else repr(text)
    where = f"[{table}.assume]: {name} = {shown}"
    if not isinstance(text, str):
        raise FamilyError(f"{where}: a range must be LaTeX text such as '0 < {name} < 1'")
    try:
        parsed = parse(text, scope)
    except NotationError as err:
        raise FamilyError(f"{where}: {err}") from None
    members, relations = list(parsed.members), list(parsed.relations)
    if any(isinstance(m, sp.Basic) and m.has(sp.Sum) for m in members):
        raise FamilyError(f"{where}: a series is not accepted; write its value")
    if relations and all(rel in UPPER for rel in relations):  # '1 > p > 0': read it backwards
        members.reverse()
        relations = [{">": "<", ">=": "<="}[rel] for rel in reversed(relations)]
    if not relations or any(rel not in LOWER for rel in relations) or len(members) > 3:
        raise FamilyError(f"{where}: expected a range such as 'a < {name} \\le b'")
    if symbol not in members or members.count(symbol) != 1:
        raise FamilyError(f"{where}: the range must name {name} once")
    at = members.index(symbol)
    # (0, 1] for a probability, (0, 1) for a discount
    lo, lo_open, hi, hi_open = sp.Integer(0), True, sp.Integer(1), discount
    if at > 0:
        lo, lo_open = members[at - 1], LOWER[relations[at - 1]]
    if at < len(members) - 1:
        hi, hi_open = members[at + 1], LOWER[relations[at]]
    if not (lo.is_number and hi.is_number and lo.is_real and hi.is_real):
        raise FamilyError(f"{where}: the ends of a range must be numbers")
    if lo < 0 or hi > 1:
        raise FamilyError(f"{where}: not a probability: the range must lie inside [0, 1]")
    if lo == 0 and not lo_open:
        raise FamilyError(f"{where}: the range must exclude 0 (write a zero probability as 0)")
    if discount and hi == 1 and not hi_open:
        raise FamilyError(
            f"{where}: a discount symbol ranges inside (0, 1); write discount = '1' for none"
        )
    interval = sp.Interval(lo, hi, lo_open, hi_open)
    if interval.is_empty:
        raise FamilyError(f"{where}: the range is empty")
    return interval


def bounds_from(variant: Mapping[str, Any] | None, rules: RaceRules, where: str) -> pg.Bounds:
    """The ranges of ``[race.assume]``, one per new symbol of the rules."""
    table = (variant or {}).get("assume")
    if table is None:
        return ()
    if not isinstance(table, dict):
        raise FamilyError(f"[{where}]: assume must be a table, [{where}.assume]")
    params = {str(p): p for p in rules.parameters}
    scope = Scope(dict(params))
    bounds = []
    for name, text in table.items():
        if name not in params:
            known = ", ".join(params) or "none"
            raise FamilyError(
                f"[{where}.assume]: {name} is not a new symbol of [{where}] (its symbols: {known})"
            )
        discount = params[name] == rules.discount
        bounds.append((params[name], _range(name, params[name], text, scope, where, discount)))
    return tuple(sorted(bounds, key=lambda b: str(b[0])))


@dataclass(frozen=True)
class RaceVariant(RaceRules):
    """A quiz file's race: its rules (it is a RaceRules) and the ranges of their new symbols."""

    bounds: pg.Bounds = ()

    @property
    def rules(self) -> RaceRules:
        """The rules alone (derivations that do not depend on the ranges share their cache)."""
        return RaceRules(self.advance_a1, self.advance_a2, self.reward, self.discount, self.goal)


def goal_values(rules: RaceRules) -> tuple[int, ...]:
    """The goals of the simple points: the race's own when it is a number."""
    return (int(rules.goal),) if rules.goal.is_number else (1, 2, 3, 5)


def domain_for(rules: RaceRules, bounds: pg.Bounds = ()) -> Domain:
    params = rules.parameters
    goal = None if rules.goal.is_number else rules.goal
    intervals = [pg.interval_of(p, bounds, rules) for p in params]
    values = []
    for iv in intervals:
        preferred = (sp.Rational(1, 2), sp.Integer(1), sp.Rational(2, 3))
        inside = [v for v in preferred if iv.contains(v) is sp.true]
        values.append((inside + [v for v in pg.interval_points(iv) if v not in inside])[:3])

    def point(n: int, lam_v, ii: int, tt: int, pv) -> dict[sp.Symbol, sp.Basic]:
        out = {lam: lam_v, i: sp.Integer(ii), t: sp.Integer(tt)}
        if goal is not None:
            out[goal] = sp.Integer(n)
        out.update(zip(params, pv, strict=True))
        return out

    def points():
        for n, lam_v in product(goal_values(rules), RATIONALS):
            for ii in sorted({0, n - 1, n // 2}):
                for tt in (0, 1, 3):
                    for pv in product(*values):
                        yield point(n, lam_v, ii, tt, pv)

    def random_point(rng) -> dict[sp.Symbol, sp.Basic]:
        """A pseudo-random admissible point: integers 0 <= i < goal, t >= 0; rationals inside."""
        n = rng.randint(1, 12) if goal is not None else int(rules.goal)
        q = rng.randint(2, 97)
        lam_v = sp.Rational(rng.randint(1, q - 1), q)
        pv = [random_inside(iv, rng) for iv in intervals]
        return point(n, lam_v, rng.randrange(n), rng.randint(0, 40), pv)

    u = sp.Symbol("u", positive=True)
    substitution = {lam: 1 / (1 + u)}  # $\lambda = 1/(1+u)$, $u > 0$: exactly $0 < \lambda < 1$
    for n, (p, iv) in enumerate(zip(params, intervals, strict=True)):
        v = sp.Symbol(f"v{n}", nonnegative=True)
        substitution[p] = iv.start + (iv.end - iv.start) / (1 + v)  # $l < p \le h$
    text = rules.domain + "".join(
        rf",\ {sp.latex(p)} \in {sp.latex(iv)}" for p, iv in zip(params, intervals, strict=True)
        if p != rules.discount or iv != rules.default_interval(p)
    )  # fmt: skip
    j = sp.Symbol("j", integer=True, nonnegative=True)
    relations = {goal: i + 1 + j} if goal is not None else {}  # $N = i + 1 + j$: exactly $i < N$
    symbols = (lam, *((goal,) if goal is not None else ()), i, t, *params)
    return Domain(symbols, points, substitution, text, random_point, relations)


def random_inside(iv: sp.Interval, rng) -> sp.Rational:
    """A pseudo-random rational point of a bounded interval (its ends when they belong to it)."""
    q = rng.randint(2, 97)
    k = rng.randint(0, q)
    value = iv.start + (iv.end - iv.start) * sp.Rational(k, q)
    while iv.contains(value) is not sp.true:  # an open end: step inside
        k = k + 1 if k == 0 else k - 1
        value = iv.start + (iv.end - iv.start) * sp.Rational(k, q)
    return value


def prepare(table: Mapping[str, Any] | None, where: str = "race") -> Context:
    rules = rules_from(table, where)
    bounds = bounds_from(table, rules, where)
    variant = RaceVariant(rules.advance_a1, rules.advance_a2, rules.reward, rules.discount,
                          rules.goal, bounds=bounds)  # fmt: skip
    return Context(scope_for(rules), domain_for(rules, bounds), variant)
