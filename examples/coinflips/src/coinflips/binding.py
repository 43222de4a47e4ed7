r"""The coin-flips family: where its derivations, its simulator and quizproof meet.

This module builds :data:`FAMILY`, registered by the distribution's entry point
``coinflips = "coinflips.binding:FAMILY"`` in the group ``quizproof.families``.
It reads the variant table, sets up the notation and domain of a problem, says
how each claim kind is derived (:mod:`coinflips.derivation`) and simulated
(:mod:`coinflips.simulation`), and gives the manual its restatement and figure.

The variant table, ``[problems.<label>.coinflips]``, is optional::

    bias = '1/3'    # the probability of heads: a number in (0, 1] or a new symbol (default p)
    heads = '3'     # the heads to wait for: a positive integer or a new symbol (default k)

Answers may name what they give: ``E(T) = \frac{k}{p}``,
``\operatorname{Var}(T) = ...``; $n$ is the number of flips of
``at_least_one_head``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction
from itertools import product
from typing import Any

import sympy as sp

from quizproof.family import ClaimKind, Context, Domain, Family, FamilyError, ManualContent, kinds
from quizproof.model import Claim
from quizproof.notation import BASE_FUNCTIONS, SUBJECT, Application, NotationError, Scope, parse
from quizproof.simulation import ClaimCheck, SimulationError, SimulationRun, labelled, members
from quizproof.simulation import number as value_at

from . import derivation as D
from . import manual
from . import simulation as sim

KEYS = ("bias", "heads")
RESERVED = {"n", "T", "E", "Var", "e", "pi"}  # names the notation already uses
T = sp.Symbol("T")  # the number of flips, named only inside E(T) and Var(T)

# --------------------------------------------------------------------------- the variant table


def _new_symbol(key: str):
    def make(name: str) -> sp.Symbol:
        if name in RESERVED or not name.replace("_", "").isalnum():
            raise NotationError(f"{name!r} cannot name the {key}")
        if key == "heads":
            return sp.Symbol(name, positive=True, integer=True)
        return sp.Symbol(name, positive=True)  # a probability in (0, 1]

    return make


def _toml(value: Any) -> str:
    """A value as the file spells it."""
    if isinstance(value, str):
        return f"'{value}'"
    return str(value).lower() if isinstance(value, bool) else repr(value)


def _read(table: Mapping[str, Any], key: str, where: str) -> sp.Expr | None:
    """One value of the table: a number or a new symbol, read with the notation layer."""
    value = table.get(key)
    if value is None:
        return None
    shown = f"{key} = {_toml(value)}"
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise FamilyError(f"[{where}]: {shown}: expected LaTeX text or a number")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise FamilyError(f"[{where}]: {shown}: not a finite number")
        f = Fraction(str(value))
        return sp.Rational(f.numerator, f.denominator)
    try:
        parsed = parse(value, Scope(new_symbol=_new_symbol(key)))
    except NotationError as err:
        raise FamilyError(f"[{where}]: {shown}: {err}") from None
    if len(parsed.members) != 1:
        raise FamilyError(f"[{where}]: {shown}: expected a single value")
    return parsed.value


def coin_from(table: Mapping[str, Any] | None, where: str) -> D.Coin:
    """The coin of a variant table (the generic coin without one); FamilyError if unusable."""
    if table is None:
        return D.Coin()
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise FamilyError(
            f"[{where}]: unknown key(s) {', '.join(unknown)} (the keys are {', '.join(KEYS)})"
        )
    bias, heads = _read(table, "bias", where), _read(table, "heads", where)
    bias = D.p if bias is None else bias
    heads = D.k if heads is None else heads
    if not (bias.is_Symbol or (bias.is_Rational and 0 < bias <= 1)):
        raise FamilyError(
            f"[{where}]: bias = {_toml(table['bias'])}: the probability of heads must be a "
            "rational number in (0, 1] or a new symbol such as 'q'"
        )
    if not (heads.is_Symbol or (heads.is_Integer and heads >= 1)):
        raise FamilyError(
            f"[{where}]: heads = {_toml(table['heads'])}: the number of heads must be a positive "
            "integer or a new symbol such as 'm'"
        )
    if bias.is_Symbol and heads.is_Symbol and bias.name == heads.name:
        raise FamilyError(f"[{where}]: bias and heads cannot both be {bias.name}")
    return D.Coin(bias, heads)


# --------------------------------------------------------------------------- notation and domain


def _names(app: Application) -> sp.Basic:
    """``E(T)`` and ``Var(T)`` only name what an answer gives: ``E(T) = k/p``."""
    if len(app.args) != 1 or app.args[0] != T or app.bar is not None:
        raise NotationError("E and Var take the number of flips, T")
    return SUBJECT


BIASES = tuple(sp.Rational(*r) for r in ((1, 2), (1, 3), (1, 1), (2, 3), (1, 4), (3, 4), (1, 5)))
HEADS = tuple(sp.Integer(h) for h in (1, 2, 3, 5, 8))
WINDOWS = tuple(sp.Integer(w) for w in (1, 2, 3, 5))


def _choices(value: sp.Expr, choices: tuple) -> list[tuple[sp.Symbol | None, sp.Expr]]:
    """A symbol's admissible values, or a number as it is (no symbol to put it in)."""
    return [(value, c) for c in choices] if value.is_Symbol else [(None, value)]


def context_for(coin: D.Coin) -> Context:
    symbols = {str(x): x for x in (coin.bias, coin.heads) if x.is_Symbol}
    scope = Scope(
        {**symbols, "n": D.n, "T": T, "e": sp.E, "pi": sp.pi},
        {**BASE_FUNCTIONS, "E": _names, "Var": _names},
    )

    def points():
        grid = (_choices(coin.bias, BIASES), _choices(coin.heads, HEADS), _choices(D.n, WINDOWS))
        for chosen in product(*grid):
            yield {sym: v for sym, v in chosen if sym is not None}

    u = sp.Symbol("u", nonnegative=True)
    # $p = 1/(1+u)$ with $u \ge 0$: exactly $0 < p \le 1$, for proofs of identities
    substitution = {coin.bias: 1 / (1 + u)} if coin.bias.is_Symbol else {}
    words = [rf"0 < {sp.latex(coin.bias)} \le 1"] if coin.bias.is_Symbol else []
    words += [rf"{sp.latex(x)} \in \{{1, 2, \dots\}}" for x in (coin.heads, D.n) if x.is_Symbol]
    domain = Domain((*symbols.values(), D.n), points, substitution, r",\ ".join(words))
    return Context(scope, domain, coin)


def prepare(table: Mapping[str, Any] | None, where: str = "coinflips") -> Context:
    return context_for(coin_from(table, where))


# --------------------------------------------------------------------------- simulation

# Where a printed answer is tested against the simulation: (p, k, n), each used
# where the problem leaves that parameter a symbol.
SIM_POINTS = tuple(
    (sp.Rational(p, q), sp.Integer(k), sp.Integer(n))
    for p, q, k, n in ((1, 2, 1, 1), (1, 3, 3, 3), (3, 4, 2, 5))
)
# A problem whose own numbers would need more flips than this is not simulated.
MAX_HEADS, MIN_BIAS = 1000, 1e-3


def sim_points(coin: D.Coin, kind: str) -> list[dict[sp.Symbol, sp.Expr]]:
    """The distinct admissible points a claim of ``kind`` is simulated at."""
    out: list[dict[sp.Symbol, sp.Expr]] = []
    for bias, heads, window in SIM_POINTS:
        other = (D.n, window) if kind == "at_least_one_head" else (coin.heads, heads)
        point = {x: v for x, v in ((coin.bias, bias), other) if x.is_Symbol}
        if point not in out:
            out.append(point)
    return out


def _estimator(kind: str, coin: D.Coin, point: dict, run: SimulationRun, key: tuple[int, ...]):
    """``estimate(stage, n) -> (estimate, stderr, per-sample sd)`` of the simulated quantity."""
    bias = float(coin.bias.subs(point))
    heads = int(coin.heads.subs(point)) if kind != "at_least_one_head" else 1
    if bias < MIN_BIAS or heads > MAX_HEADS:
        raise SimulationError(
            f"too many flips to simulate: the simulation takes p >= {MIN_BIAS:g} and "
            f"k <= {MAX_HEADS}"
        )

    def estimate(stage: int, episodes: int) -> tuple[float, float, float]:
        seed = run.seedseq(*key, stage)
        if kind == "at_least_one_head":
            seen = sim.any_head(bias, int(point[D.n]), episodes, seed)
            return seen.mean, seen.stderr, seen.std
        t = sim.flips_until(bias, heads, episodes, seed)
        if kind == "flips":
            return t.mean, t.stderr, t.std
        if kind == "tails":
            return t.mean - heads, t.stderr, t.std  # $T - k$ tails
        # the sample variance; per-sample sd of the squared deviations $\sqrt{\mu_4 - \sigma^4}$
        return t.variance, t.variance_stderr, math.sqrt(max(t.m4 / t.n - t.variance**2, 0.0))

    return estimate


def simulate(claim: Claim, ctx: Context, run: SimulationRun) -> ClaimCheck:
    """A printed value, every member of its chain, against coin flips at a few points."""
    coin: D.Coin = ctx.params
    out = ClaimCheck(claim.id, claim.answer)
    chain = members(claim, ctx)
    for pi, point in enumerate(sim_points(coin, claim.kind)):
        shown = {str(x): str(v) for x, v in point.items()}
        for mi, member in enumerate(chain):
            if isinstance(member, sp.Tuple):
                raise SimulationError("a tuple where a single value is asked")
            claimed = value_at(member, point)
            estimate = _estimator(claim.kind, coin, point, run, (pi, mi))
            out.points.append(labelled(run.planner.decide(shown, claimed, estimate), member, chain))
    return out


# --------------------------------------------------------------------------- the family


def _kind(name: str, title: str, derive) -> ClaimKind:
    """A value kind: derived for the problem's coin, decided as a value, simulated."""
    return ClaimKind(name, title, lambda ctx: derive(ctx.params), simulate=simulate)


KINDS = kinds(
    _kind("flips", "expected number of flips, $E(T)$", D.flips),
    _kind("tails", "expected number of tails", D.tails),
    _kind("variance", r"variance of the number of flips, $\operatorname{Var}(T)$", D.variance),
    _kind("at_least_one_head", "probability of at least one head in $n$ flips",
          D.at_least_one_head),
)  # fmt: skip

FAMILY = Family(
    name="coinflips",
    title=manual.TITLE,
    kinds=KINDS,
    prepare=prepare,
    table="coinflips",
    manual=ManualContent(manual.restatement, manual.rules, manual.figures),
)
