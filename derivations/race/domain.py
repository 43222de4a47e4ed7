r"""The admissible domain of a race, for proofs of signs and for exact witness points.

A sign is decided under explicit assumptions: $\lambda = 1/(1+u)$ with $u > 0$
covers exactly $0 < \lambda < 1$; a new symbol ranging over $(l, h]$ (an
advance probability, $(0, 1]$ unless a bound narrows it) is
$l + (h - l)/(1 + v)$ with $v \ge 0$ ($v > 0$ for an open upper end, as for a
symbolic discount in $(0, 1)$), a closed lower end a case of its own.  Where a
form depends on the state, $N = i + 1 + j$ with $j \ge 0$ encodes $i < N$ (for
a numeric goal, each $i$ is a case of its own) and $t \ge 0$ stays an integer.
"""

from __future__ import annotations

import itertools
from functools import lru_cache

import sympy as sp

from derivations.race.rules import UNIT, N, RaceRules, i, lam, t

HALF = sp.Rational(1, 2)
GRID = (HALF, sp.Rational(1, 4), sp.Rational(3, 4), sp.Rational(1, 10), sp.Rational(9, 10))
PARAM_GRID = (sp.Integer(1), HALF, sp.Rational(1, 4), sp.Rational(3, 4), sp.Rational(1, 10))
STATE_TIMES = (0, 1, 4, 20)
SYMBOLIC_GOALS = (1, 2, 3)
u = sp.Symbol("u", positive=True)  # $\lambda = 1/(1+u)$, u > 0
j_gap = sp.Symbol("j", integer=True, nonnegative=True)  # $N = i + 1 + j$

Bounds = tuple[tuple[sp.Symbol, sp.Interval], ...]  # a variant's own ranges for its symbols


def interval_of(p: sp.Symbol, bounds: Bounds = (), rules: RaceRules | None = None) -> sp.Interval:
    """The range of a new symbol: its bound, else (0, 1) for a discount, else (0, 1]."""
    default = rules.default_interval(p) if rules is not None else UNIT
    return dict(bounds).get(p, default)


def interval_text(iv: sp.Interval) -> str:
    """``(0, 1]`` for Interval.Lopen(0, 1)."""
    left, right = "(" if iv.left_open else "[", ")" if iv.right_open else "]"
    return f"{left}{iv.start}, {iv.end}{right}"


def depends_on_state(expr: sp.Basic, rules: RaceRules) -> bool:
    return bool(expr.free_symbols & {i, t, N, rules.goal})


def cases(rules: RaceRules, bounds: Bounds = (), state: bool = False) -> list[dict]:
    """Substitutions that together cover the domain exactly (the module docstring's)."""
    options: list[list[tuple[sp.Symbol, sp.Expr]]] = []
    for p in rules.parameters:
        iv = interval_of(p, bounds, rules)
        lo, hi = iv.start, iv.end
        v = (
            sp.Symbol(f"v_{p.name}", positive=True)
            if iv.right_open
            else sp.Symbol(f"v_{p.name}", nonnegative=True)
        )
        choices = [(p, lo + (hi - lo) / (1 + v))]
        if not iv.left_open:
            choices.append((p, lo))
        options.append(choices)
    states: list[dict] = [{}]
    if state:
        if rules.goal.is_number:
            states = [{i: sp.Integer(ii)} for ii in range(int(rules.goal))]
        else:
            states = [{rules.goal: i + 1 + j_gap}]
    out = []
    for combo in itertools.product(*options):
        for st in states:
            out.append({lam: 1 / (1 + u), **dict(combo), **st})
    return out


def sign(expr: sp.Expr, rules: RaceRules, bounds: Bounds = ()) -> bool | None:
    """True: >= 0 on the whole domain; False: < 0 on the whole domain; None: it depends."""
    found = set()
    for case in cases(rules, bounds, depends_on_state(expr, rules)):
        e = simplest(expr.subs(case))
        found.add(True if e.is_nonnegative else False if e.is_negative else None)
    return found.pop() if len(found) == 1 else None


#: Above this many operations a form is factored but not simplified (simplify takes minutes).
SIMPLIFY_LIMIT = 150


@lru_cache(maxsize=1024)
def simplest(expr: sp.Expr) -> sp.Expr:
    """Factored; also simplified first when that is cheap (it can settle more signs).

    Kept per form: a sign proof and its shown steps ask for the same forms.
    """
    e = sp.factor(expr)
    if sp.count_ops(e) <= SIMPLIFY_LIMIT and e.is_nonnegative is None and e.is_negative is None:
        e = sp.factor(sp.simplify(e))
    return e


def interval_points(iv: sp.Interval) -> list[sp.Expr]:
    """Exact points of an interval: a small grid, its ends if closed, and inner points."""
    lo, hi = iv.start, iv.end
    out = []
    for v in (*PARAM_GRID, lo, hi, (lo + hi) / 2, lo + (hi - lo) / 4, hi - (hi - lo) / 4):
        if iv.contains(v) is sp.true and v not in out:
            out.append(v)
    return out


def goals(rules: RaceRules) -> tuple[int, ...]:
    return (int(rules.goal),) if rules.goal.is_number else SYMBOLIC_GOALS


def points(rules: RaceRules, bounds: Bounds = (), state: bool = False):
    """Admissible exact points, lambda first, then each new symbol, then (goal, i, t)."""
    params = rules.parameters
    grids = [interval_points(interval_of(p, bounds, rules)) for p in params]
    for lv in GRID:
        for pv in itertools.product(*grids):
            point = {lam: lv, **dict(zip(params, pv, strict=True))}
            if not state:
                yield point
                continue
            for goal in goals(rules):
                for ii in range(goal):
                    for tt in STATE_TIMES:
                        at = {i: sp.Integer(ii), t: sp.Integer(tt)}
                        if not rules.goal.is_number:
                            at[rules.goal] = sp.Integer(goal)
                        yield {**point, **at}


def tidy(expr: sp.Expr) -> sp.Expr:
    r"""Factored, a factor with a negative constant term turned round: $1 - \lambda$, not $\lambda - 1$."""
    if not isinstance(expr, sp.Expr) or expr.is_number:
        return expr
    num, den = sp.fraction(sp.factor(expr))

    def flipped(part: sp.Expr) -> tuple[sp.Expr, int]:
        out, sgn = sp.Integer(1), 1
        for factor in sp.Mul.make_args(part):
            base, power = factor.as_base_exp()
            if base.is_Add and base.as_coeff_Add()[0] < 0 and power.is_integer:  # $\lambda - 1$
                base, sgn = -base, sgn * (-1) ** int(power)
            out *= base**power
        return out, sgn

    (n, s1), (d, s2) = flipped(num), flipped(den)
    result = s1 * s2 * n / d
    assert sp.cancel(result - expr) == 0  # the same rational function
    return result


def name(latex: str) -> sp.Symbol:
    """A symbol that prints as the given LaTeX (the braces keep SymPy from splitting it)."""
    return sp.Symbol("{" + latex + "}")


def witness(point: dict[sp.Symbol, sp.Expr], **extra: sp.Basic) -> dict[str, sp.Basic]:
    w: dict[str, sp.Basic] = dict(extra)
    for s, v in point.items():
        w["N" if s == N else s.name] = v
    return w


def assumptions(rules: RaceRules, bounds: Bounds = ()) -> str:
    """The domain in LaTeX, with each new symbol's range."""
    return rules.domain + "".join(
        rf",\ {sp.latex(p)} \in {sp.latex(interval_of(p, bounds, rules))}" for p in rules.parameters
    )
