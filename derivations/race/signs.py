r"""Scores and the signs of the policy-gradient updates on the race (problem 3(d)).

**A2C's sign.**  The sign of each term $\frac{d \ln \pi(a)}{d\lambda} A(a)$ is
decided under explicit assumptions: $\lambda = 1/(1+u)$ with $u > 0$ covers
exactly $0 < \lambda < 1$, and a variant's probability $p = 1/(1+v)$ with
$v \ge 0$ covers exactly $0 < p \le 1$ (a narrower range $(l, h]$ given by the
quiz file is $p = l + (h - l)/(1 + v)$, a closed lower end a case of its own).
With $\lambda = \sigma(\theta)$ the score is multiplied by
$d\lambda/d\theta = \lambda(1-\lambda) > 0$.  Here every term is
$(p_{a_2} - p_{a_1})$ times a positive factor, so A2C never moves $\lambda$ the
wrong way exactly when $a_2$ advances at least as often as $a_1$; where it can,
the derivation names an exact admissible point.

**REINFORCE's sign.**  An exhaustive search over short episodes finds one, at
$\lambda = 1/2$ with more $a_2$ than $a_1$, whose REINFORCE update is negative.
"""

from __future__ import annotations

import itertools
from functools import lru_cache

import sympy as sp

from derivations.core import Derivation, Step
from derivations.race.episodes import T_sym, _episodes, n2_sym, rewards
from derivations.race.rules import DOMAIN, RaceRules, lam
from derivations.race.rules import N as N_sym
from derivations.race.rules import i as i_sym
from derivations.race.rules import t as t_sym
from derivations.race.values import advantage

a_1, a_2 = sp.Symbol("a_1"), sp.Symbol("a_2")
ACTIONS = {1: a_1, 2: a_2}
theta = sp.Symbol("theta", real=True)  # the logit: lambda = sigmoid(theta)
u = sp.Symbol("u", positive=True)  # $\lambda = 1/(1+u)$, u > 0

HALF = sp.Rational(1, 2)
GRID = (HALF, sp.Rational(1, 4), sp.Rational(3, 4), sp.Rational(1, 10), sp.Rational(9, 10))
PARAM_GRID = (sp.Integer(1), HALF, sp.Rational(1, 4), sp.Rational(3, 4), sp.Rational(1, 10))


# --------------------------------------------------------------------------- scores and signs


@lru_cache(maxsize=256)
def score(action: int, rules: RaceRules) -> sp.Expr:
    r"""$\frac{d}{d\lambda} \ln \pi(a)$."""
    return sp.simplify(sp.diff(sp.log(rules.policy(action)), lam))


def score_theta(action: int, rules: RaceRules) -> sp.Expr:
    r"""$\frac{d}{d\theta} \ln \pi(a)$ with $\lambda = \sigma(\theta)$, written in $\lambda$."""
    sigmoid = 1 / (1 + sp.exp(-theta))
    d = sp.diff(sp.log(rules.policy(action).subs(lam, sigmoid)), theta)
    # $e^{-\theta} = (1-\lambda)/\lambda$ where $\lambda = \sigma(\theta)$
    return sp.factor(sp.simplify(d.subs(sp.exp(-theta), (1 - lam) / lam)))


Bounds = tuple[tuple[sp.Symbol, sp.Interval], ...]  # a variant's own ranges for its symbols
UNIT = sp.Interval.Lopen(0, 1)  # a new symbol is a probability in (0, 1] unless bounded


def interval_of(p: sp.Symbol, bounds: Bounds = ()) -> sp.Interval:
    return dict(bounds).get(p, UNIT)


def interval_text(iv: sp.Interval) -> str:
    """``(0, 1]`` for Interval.Lopen(0, 1)."""
    left, right = "(" if iv.left_open else "[", ")" if iv.right_open else "]"
    return f"{left}{iv.start}, {iv.end}{right}"


def _cases(rules: RaceRules, bounds: Bounds = ()) -> list[dict[sp.Symbol, sp.Expr]]:
    r"""Substitutions that together cover the domain exactly.

    $\lambda = 1/(1+u)$, $u > 0$.  A symbol ranging over $(l, h]$ is
    $l + (h - l)/(1 + v)$ with $v \ge 0$ ($v > 0$ for $(l, h)$); a closed lower
    end $l$ is a case of its own.
    """
    options: list[list[tuple[sp.Symbol, sp.Expr]]] = []
    for p in rules.parameters:
        iv = interval_of(p, bounds)
        lo, hi = iv.start, iv.end
        if iv.right_open:
            v = sp.Symbol(f"v_{p.name}", positive=True)
        else:
            v = sp.Symbol(f"v_{p.name}", nonnegative=True)
        choices = [(p, lo + (hi - lo) / (1 + v))]
        if not iv.left_open:
            choices.append((p, lo))
        options.append(choices)
    cases = []
    for combo in itertools.product(*options):
        cases.append({lam: 1 / (1 + u), **dict(combo)})
    return cases


def _sign(expr: sp.Expr, rules: RaceRules, bounds: Bounds = ()) -> bool | None:
    """True: >= 0 on the whole domain; False: < 0 on the whole domain; None: it depends."""
    found = set()
    for case in _cases(rules, bounds):
        e = sp.factor(sp.simplify(expr.subs(case)))
        found.add(True if e.is_nonnegative else False if e.is_negative else None)
    return found.pop() if len(found) == 1 else None


def interval_points(iv: sp.Interval) -> list[sp.Expr]:
    """Exact points of an interval: a small grid, its ends if closed, and inner points."""
    lo, hi = iv.start, iv.end
    out = []
    for v in (*PARAM_GRID, lo, hi, (lo + hi) / 2, lo + (hi - lo) / 4, hi - (hi - lo) / 4):
        if iv.contains(v) is sp.true and v not in out:
            out.append(v)
    return out


def _points(rules: RaceRules, bounds: Bounds = ()):
    """Admissible exact points, lambda first, then each new symbol."""
    params = rules.parameters
    grids = [interval_points(interval_of(p, bounds)) for p in params]
    for lv in GRID:
        for pv in itertools.product(*grids):
            yield {lam: lv, **dict(zip(params, pv, strict=True))}


def tidy(expr: sp.Expr) -> sp.Expr:
    r"""Factored, a factor with a negative constant term turned round: $1 - \lambda$, not $\lambda - 1$."""
    if not isinstance(expr, sp.Expr) or expr.is_number:
        return expr
    num, den = sp.fraction(sp.factor(expr))

    def flipped(part: sp.Expr) -> tuple[sp.Expr, int]:
        out, sign = sp.Integer(1), 1
        for factor in sp.Mul.make_args(part):
            base, power = factor.as_base_exp()
            if base.is_Add and base.as_coeff_Add()[0] < 0 and power.is_integer:  # $\lambda - 1$
                base, sign = -base, sign * (-1) ** int(power)
            out *= base**power
        return out, sign

    (n, s1), (d, s2) = flipped(num), flipped(den)
    result = s1 * s2 * n / d
    assert sp.cancel(result - expr) == 0  # the same rational function
    return result


def _name(latex: str) -> sp.Symbol:
    """A symbol that prints as the given LaTeX (the braces keep SymPy from splitting it)."""
    return sp.Symbol("{" + latex + "}")


def _witness(point: dict[sp.Symbol, sp.Expr], **extra: sp.Basic) -> dict[str, sp.Basic]:
    w: dict[str, sp.Basic] = dict(extra)
    for s, v in point.items():
        w[s.name] = v
    return w


# --------------------------------------------------------------------------- p3d.a2c_never_decreases


@lru_cache(maxsize=64)
def a2c_never_decreases(rules: RaceRules, bounds: Bounds = ()) -> Derivation:
    r"""Is $\frac{d \ln \pi(a)}{d\lambda} A(a) \ge 0$ for each action, on the whole domain?

    Also for the logit $\theta$ ($\lambda = \sigma(\theta)$).  The result is
    ``sp.true``; ``sp.false`` with a witness (action, $\lambda$ and the variant's
    parameters where the term is negative); or, when the sign depends on a
    parameter and no exact point of a small grid shows a negative term, the
    condition itself (not a boolean).  ``bounds`` narrows the range of the
    variant's symbols (each in $(0, 1]$ by default).
    """
    steps: list[Step] = []
    terms: list[tuple[str, int, sp.Expr]] = []
    for action in (1, 2):
        adv = advantage(rules, action).result
        if adv.free_symbols & {i_sym, t_sym, N_sym}:
            steps.append(Step(f"A(a_{action}) depends on the state", adv))
        for param, sc in (("lambda", score(action, rules)), ("theta", score_theta(action, rules))):
            term = sp.factor(sp.simplify(sc * adv))  # $\frac{d \ln\pi(a)}{d\,\cdot} A(a)$
            var = r"\theta" if param == "theta" else r"\lambda"
            lhs = _name(rf"\frac{{d}}{{d{var}}} \ln \pi(a_{action})\, A(a_{action})")
            steps.append(
                Step(f"Score times advantage for a_{action}, parameter {param}", sp.Eq(lhs, term))
            )
            terms.append((param, action, term))
    cases = _cases(rules, bounds)
    ranges = ", ".join(f"{p} in {interval_text(interval_of(p, bounds))}" for p in rules.parameters)
    steps.append(
        Step(
            "Admissible values: lambda = 1/(1+u) with u > 0"
            + (f"; {ranges}, each written as l + (h - l)/(1 + v), v >= 0" if ranges else ""),
            sp.Tuple(*(sp.Tuple(*(sp.Eq(k, e) for k, e in c.items())) for c in cases))
            if len(cases) > 1
            else sp.Tuple(*(sp.Eq(k, e) for k, e in cases[0].items())),
        )
    )
    signs = [(param, action, term, _sign(term, rules, bounds)) for param, action, term in terms]
    for param, action, term, sgn in signs:
        word = {True: "nonnegative", False: "negative", None: "of undetermined sign"}[sgn]
        shown = [sp.factor(sp.simplify(term.subs(c))) for c in cases]
        if sgn is None and all(e.is_nonpositive for e in shown):
            word = "nonpositive (zero only at the edge of a parameter's range)"
        steps.append(
            Step(
                f"With these substitutions the a_{action} term (parameter {param}) is {word}",
                shown[0] if len(shown) == 1 else sp.Tuple(*shown),
            )
        )
    assumptions = DOMAIN + "".join(
        rf",\ {sp.latex(p)} \in {sp.latex(interval_of(p, bounds))}" for p in rules.parameters
    )
    if all(s is True for *_, s in signs):
        steps.append(Step("Every term is nonnegative, so every A2C update is", sp.true))
        return Derivation("p3d.a2c_never_decreases", sp.true, tuple(steps), assumptions)
    # A negative term: find an exact admissible point where it is negative.
    for param, action, term, sgn in signs:
        if sgn is True:
            continue
        for point in _points(rules, bounds):
            value = sp.nsimplify(term.subs(point))
            if value.is_negative:
                where = ", ".join(f"{k} = {v}" for k, v in point.items())
                steps.append(
                    Step(
                        f"At {where} the a_{action} term (parameter {param}) is negative",
                        sp.Eq(_name(r"\text{term}"), value),
                    )
                )
                others = [tm.subs(point) for pm, _, tm, _ in signs if pm == param]
                if all(sp.nsimplify(o).is_negative for o in others):
                    text = "Both actions' terms are negative here, so every episode's update is"
                else:
                    text = "This action's contribution to the update is negative, so the claim is"
                steps.append(Step(text, sp.false))
                witness = _witness(point, action=ACTIONS[action], parameter=sp.Symbol(param))
                return Derivation(
                    "p3d.a2c_never_decreases", sp.false, tuple(steps), assumptions, witness
                )
    condition = sp.And(*(sp.simplify(term >= 0) for *_, term, s in signs if s is not True))
    steps.append(
        Step("The sign depends on the variant's parameters: it holds exactly when", condition)
    )
    return Derivation("p3d.a2c_never_decreases", condition, tuple(steps), assumptions)


# --------------------------------------------------------------------------- p3d.reinforce_can_decrease


def reinforce_update(rules: RaceRules, actions: tuple[int, ...], at: sp.Expr = lam) -> sp.Expr:
    r"""$\sum_t \frac{d \ln \pi(a_t)}{d\lambda} \sum_{t' \ge t} R_{t'}$ for one episode."""
    r = rewards(rules, len(actions))
    scores = {a: score(a, rules).subs(lam, at) for a in (1, 2)}
    total = sp.Integer(0)
    for s, action in enumerate(actions):
        total += scores[action] * sum(r[s:])  # score times reward-to-go
    return total if at.is_number else sp.simplify(total)


@lru_cache(maxsize=64)
def reinforce_can_decrease(rules: RaceRules, bounds: Bounds = ()) -> Derivation:
    r"""An episode at $\lambda = 1/2$ with more $a_2$ than $a_1$ whose REINFORCE update is negative.

    Searched exhaustively over short episodes (goal of 1 to 3 advances),
    preferring episodes that contain both actions and whose outcomes are possible
    for every admissible value of the variant's parameters.
    """
    steps = [
        Step("The score of a_1", sp.Eq(_name(r"\frac{d}{d\lambda} \ln \pi(a_1)"), score(1, rules))),
        Step("The score of a_2", sp.Eq(_name(r"\frac{d}{d\lambda} \ln \pi(a_2)"), score(2, rules))),
    ]
    if rules.reward == "terminal":
        n1 = sp.Symbol("n_1", integer=True, nonnegative=True)
        general = sp.factor(-T_sym * (n2_sym * score(2, rules) + n1 * score(1, rules)))
        steps.append(
            Step(
                "With the terminal reward every reward-to-go is -T, so the update is",
                sp.Eq(_name(r"\hat g"), general),
            )
        )
        steps.append(
            Step("At lambda = 1/2 it is negative whenever n_2 > n_1", general.subs(lam, HALF))
        )
    best = None
    updates: dict[tuple[int, ...], sp.Expr] = {}
    for goal in (1, 2, 3):
        for actions, flags, certain in _episodes(rules, goal, goal + 4):
            if actions.count(2) <= actions.count(1):
                continue
            if actions not in updates:
                updates[actions] = reinforce_update(rules, actions, HALF)
            update = updates[actions]
            if not update.is_negative:
                continue
            rank = (not certain, len(set(actions)) < 2, goal, len(actions))
            if best is None or rank < best[0]:
                best = (rank, goal, actions, flags, update)
        if best is not None and best[0][:2] == (False, False):
            break
    if best is None:
        steps.append(
            Step("No short episode with more a_2 than a_1 has a negative update", sp.false)
        )
        return Derivation("p3d.reinforce_can_decrease", sp.false, tuple(steps), DOMAIN)
    rank, goal, actions, flags, update = best
    episode = sp.Tuple(*(ACTIONS[a] for a in actions))
    witness: dict[str, sp.Basic] = {
        "N": sp.Integer(goal),
        "episode": episode,
        "advanced": sp.Tuple(*flags),
        "lambda": HALF,
        "update": update,
    }
    if rank[0]:  # an outcome needs a parameter below 1: take the middle of its range
        for p in rules.parameters:
            iv = interval_of(p, bounds)
            witness[p.name] = (iv.start + iv.end) / 2
    steps.append(
        Step(
            f"With N = {goal}, the episode {tuple(str(a) for a in episode)} "
            f"(advances {flags}) has more a_2 than a_1; its REINFORCE update at lambda = 1/2",
            sp.Eq(_name(r"\hat g"), update),
        )
    )
    steps.append(Step("It is negative, so REINFORCE can decrease lambda", sp.true))
    return Derivation("p3d.reinforce_can_decrease", sp.true, tuple(steps), DOMAIN, witness)
