r"""Problem 3, the race to the goal: claim ids, notation and domain.

The notation table of the race: the scalars $\lambda$ (probability of $a_2$),
$N$, $i$, $t$ and any new symbol of a variant (an advance probability such
as $p$); the action names $a_1$, $a_2$; and the functions the quiz's answers
use, each evaluated from its derivation: $V^\pi(i, t)$, $Q^\pi((i, t), a)$,
$A^\pi((i, t), a)$ and $R((i, t), a)$.  So a printed chain such as
``Q^\pi((i, t), a_1) = V^\pi(i, t + 1) = -(t + 1 + (N - i)/\lambda)`` is
checked member by member.

The rules come from the optional ``[race]`` table of the quiz file.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from itertools import product

import sympy as sp

from derivations import race
from derivations.core import Derivation, Step
from derivations.race import N, RaceRules, RulesError, i, lam, t
from derivations.race import policy_gradient as pg
from quizproof.families import ClaimSpec, Context, Domain, Family, FamilyError, register
from quizproof.model import Quiz
from quizproof.notation import (
    BASE_FUNCTIONS,
    SUBJECT,
    Application,
    NotationError,
    Scope,
    parse,
    sigmoid,
)

A1, A2 = sp.Symbol("a_1"), sp.Symbol("a_2")
ACTIONS = {A1: 1, A2: 2}
RACE_KEYS = {"advance_prob_a1", "advance_prob_a2", "reward", "assume"}
RESERVED = {"lambda", "N", "i", "t", "e", "pi", "a_1", "a_2", "k", "u", "v", "q", "theta"}


def rules_from(quiz: Quiz) -> RaceRules:
    """The race rules of a quiz file: its ``[race]`` table, or the quiz's own rules."""
    table = quiz.tables.get("race")
    if table is None:
        return race.QUIZ_RULES
    unknown = set(table) - RACE_KEYS
    if unknown:
        raise FamilyError(f"[race]: unknown key(s) {', '.join(sorted(unknown))}")
    new: dict[str, sp.Symbol] = {}

    def new_symbol(name: str) -> sp.Symbol:
        if name in RESERVED or not name.replace("_", "").isalnum():
            raise NotationError(f"{name!r} cannot name a new probability")
        # A new symbol is a probability in (0, 1].
        return new.setdefault(name, sp.Symbol(name, positive=True))

    scope = Scope(new_symbol=new_symbol)
    probs = {}
    for key in ("advance_prob_a1", "advance_prob_a2"):
        value = table.get(key, {"advance_prob_a1": "0", "advance_prob_a2": "1"}[key])
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise FamilyError(f"[race]: {key} must be LaTeX text or a number")
        if isinstance(value, int | float):
            f = Fraction(str(value))
            probs[key] = sp.Rational(f.numerator, f.denominator)
            continue
        try:
            parsed = parse(value, scope)
        except NotationError as err:
            raise FamilyError(f"[race]: {key} = {value!r}: {err}") from None
        if len(parsed.members) != 1:
            raise FamilyError(f"[race]: {key} must be a single expression")
        probs[key] = parsed.value
    reward = table.get("reward", "terminal")
    try:
        return RaceRules(probs["advance_prob_a1"], probs["advance_prob_a2"], reward)
    except RulesError as err:
        message = str(err).replace("advance_a", "advance_prob_a")  # the file's own key names
        raise FamilyError(f"[race]: {message}") from None


def _state(arg: sp.Basic, name: str) -> tuple[sp.Basic, sp.Basic]:
    if not isinstance(arg, sp.Tuple) or len(arg) != 2:
        raise NotationError(f"{name} takes a state (i, t) as its first argument")
    return arg[0], arg[1]


def _action(arg: sp.Basic, name: str) -> int:
    if arg not in ACTIONS:
        raise NotationError(f"{name} takes an action a_1 or a_2 as its second argument")
    return ACTIONS[arg]


def scope_for(rules: RaceRules) -> Scope:
    """The race's notation table, with V, Q, A and R evaluated from their derivations."""
    V = race.value_lambda(rules)

    def value(app: Application) -> sp.Basic:
        args = app.args
        if len(args) == 1 and isinstance(args[0], sp.Tuple):
            args = tuple(args[0])
        if len(args) != 2 or app.bar is not None:
            raise NotationError("V takes a state: V(i, t) or V((i, t))")
        return V(*args)

    def state_action(which: str):
        def apply(app: Application) -> sp.Basic:
            if len(app.args) != 2 or app.bar is not None:
                raise NotationError(f"{which} takes a state and an action: {which}((i, t), a_1)")
            ii, tt = _state(app.args[0], which)
            action = _action(app.args[1], which)
            if which == "Q":
                form = race.q_value(rules, action).result
            elif which == "A":
                form = race.advantage(rules, action).result
            else:
                last = race.last_reward(rules, action)
                ordinary = rules.step_reward
                if sp.simplify(ii - (N - 1)) == 0:
                    form = last
                else:
                    form = sp.Piecewise((last, sp.Eq(i, N - 1)), (ordinary, True))
            return form.subs({i: ii, t: tt}, simultaneous=True)

        return apply

    symbols: dict[str, sp.Basic] = {
        "lambda": lam,
        "N": N,
        "i": i,
        "t": t,
        "a_1": A1,
        "a_2": A2,
        "e": sp.E,
        "pi": sp.pi,
        "s_t+1": SUBJECT,  # "s_{t+1} = (i, t + 1)" names the next state
    }
    symbols.update({str(p): p for p in rules.parameters})
    functions = dict(BASE_FUNCTIONS)
    functions["sigma"] = lambda app: sigmoid(app.args[0])
    for name in ("V", "V^pi"):
        functions[name] = value
    for which in ("Q", "A", "R"):
        functions[which] = functions[f"{which}^pi"] = state_action(which)
    functions.update(P3D_FUNCTIONS)
    return Scope(symbols, functions)


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


def _range(name: str, symbol: sp.Symbol, text: object, scope: Scope) -> sp.Interval:
    shown = f"'{text}'" if isinstance(text, str) else repr(text)
    where = f"[race.assume]: {name} = {shown}"
    if not isinstance(text, str):
        raise FamilyError(f"{where}: a range must be LaTeX text such as '0 < {name} < 1'")
    try:
        parsed = parse(text, scope)
    except NotationError as err:
        raise FamilyError(f"{where}: {err}") from None
    members, relations = list(parsed.members), list(parsed.relations)
    if relations and all(rel in UPPER for rel in relations):  # '1 > p > 0': read it backwards
        members.reverse()
        relations = [{">": "<", ">=": "<="}[rel] for rel in reversed(relations)]
    if not relations or any(rel not in LOWER for rel in relations) or len(members) > 3:
        raise FamilyError(f"{where}: expected a range such as 'a < {name} \\le b'")
    if symbol not in members or members.count(symbol) != 1:
        raise FamilyError(f"{where}: the range must name {name} once")
    at = members.index(symbol)
    lo, lo_open, hi, hi_open = sp.Integer(0), True, sp.Integer(1), False  # (0, 1]
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
    interval = sp.Interval(lo, hi, lo_open, hi_open)
    if interval.is_empty:
        raise FamilyError(f"{where}: the range is empty")
    return interval


def bounds_from(quiz: Quiz, rules: RaceRules) -> pg.Bounds:
    """The ranges of ``[race.assume]``, one per new symbol of the rules."""
    table = (quiz.tables.get("race") or {}).get("assume")
    if table is None:
        return ()
    if not isinstance(table, dict):
        raise FamilyError("[race]: assume must be a table, [race.assume]")
    params = {str(p): p for p in rules.parameters}
    scope = Scope(dict(params))
    bounds = []
    for name, text in table.items():
        if name not in params:
            known = ", ".join(params) or "none"
            raise FamilyError(
                f"[race.assume]: {name} is not a new symbol of [race] (its symbols: {known})"
            )
        bounds.append((params[name], _range(name, params[name], text, scope)))
    return tuple(sorted(bounds, key=lambda b: str(b[0])))


@dataclass(frozen=True)
class RaceVariant(RaceRules):
    """A quiz file's race: its rules (it is a RaceRules) and the ranges of their new symbols."""

    bounds: pg.Bounds = ()

    @property
    def rules(self) -> RaceRules:
        """The rules alone (derivations that do not depend on the ranges share their cache)."""
        return RaceRules(self.advance_a1, self.advance_a2, self.reward)


def domain_for(rules: RaceRules, bounds: pg.Bounds = ()) -> Domain:
    params = rules.parameters
    values = []
    for p in params:
        iv = pg.interval_of(p, bounds)
        preferred = (sp.Rational(1, 2), sp.Integer(1), sp.Rational(2, 3))
        inside = [v for v in preferred if iv.contains(v) is sp.true]
        values.append((inside + [v for v in pg.interval_points(iv) if v not in inside])[:3])

    def points():
        for n, lam_v in product((1, 2, 3, 5), RATIONALS):
            for ii in sorted({0, n - 1, n // 2}):
                for tt in (0, 1, 3):
                    for pv in product(*values):
                        point = {N: sp.Integer(n), lam: lam_v, i: sp.Integer(ii), t: sp.Integer(tt)}
                        point.update(zip(params, pv, strict=True))
                        yield point

    u = sp.Symbol("u", positive=True)
    substitution = {lam: 1 / (1 + u)}  # $\lambda = 1/(1+u)$, $u > 0$: exactly $0 < \lambda < 1$
    for n, p in enumerate(params):
        iv = pg.interval_of(p, bounds)
        v = sp.Symbol(f"v{n}", nonnegative=True)
        substitution[p] = iv.start + (iv.end - iv.start) / (1 + v)  # $l < p \le h$
    text = race.DOMAIN + "".join(
        rf",\ {sp.latex(p)} \in {sp.latex(pg.interval_of(p, bounds))}" for p in params
    )
    return Domain((lam, N, i, t, *params), points, substitution, text)


def prepare(quiz: Quiz) -> Context:
    rules = rules_from(quiz)
    bounds = bounds_from(quiz, rules)
    variant = RaceVariant(rules.advance_a1, rules.advance_a2, rules.reward, bounds)
    return Context(scope_for(rules), domain_for(rules, bounds), variant)


def _rules(ctx: Context) -> RaceRules:
    return ctx.params.rules


def _spec(cid: str, kind: str, title: str, derive) -> ClaimSpec:
    return ClaimSpec(cid, kind, title, lambda ctx: derive(_rules(ctx)))


def _renamed(d: Derivation, cid: str) -> Derivation:
    return Derivation(cid, d.result, d.steps, d.assumptions, d.witness)


SPECS = [
    _spec("p3a.next.a1", "value", r"next state after $a_1$", lambda r: race.next_state(r, 1)),
    _spec("p3a.next.a2", "value", r"next state after $a_2$", lambda r: race.next_state(r, 2)),
    _spec("p3b.series", "value", r"expected actions per advance", race.series),
    _spec("p3b.V", "value", r"$V^\pi(i, t)$", race.value_function),
    _spec("p3c.R.last", "value", r"$R((N-1, t), a_2)$", race.last_step_reward),
    _spec("p3c.Q.a1", "value", r"$Q^\pi((i, t), a_1)$", lambda r: race.q_value(r, 1)),
    _spec("p3c.Q.a2", "value", r"$Q^\pi((i, t), a_2)$", lambda r: race.q_value(r, 2)),
    _spec("p3c.V", "value", r"$V^\pi(i, t)$", lambda r: _renamed(race.value_function(r), "p3c.V")),
    _spec("p3c.A.a1", "value", r"$A^\pi((i, t), a_1)$", lambda r: race.advantage(r, 1)),
    _spec("p3c.A.a2", "value", r"$A^\pi((i, t), a_2)$", lambda r: race.advantage(r, 2)),
    _spec("p3c.last_step", "yesno", r"the formulas hold at the last step", race.last_step),
]

# --------------------------------------------------------------------------- problem 3(d)
# Policy gradients: the two yes/no claims of the quiz and the exact estimator analysis.


def _two_args(name: str, f):
    def apply(app: Application) -> sp.Basic:
        if len(app.args) != 2 or app.bar is not None:
            raise NotationError(f"{name} takes two arguments")
        return f(*app.args)

    return apply


def _ceiling(app: Application) -> sp.Basic:
    if len(app.args) != 1 or app.bar is not None:
        raise NotationError("ceil takes one argument")
    return sp.ceiling(app.args[0])


# $I_\lambda(a, b)$, the regularized incomplete beta function, and $\operatorname{ceil}(x)$.
P3D_FUNCTIONS = {
    "I_lambda": _two_args("I_lambda", lambda a, b: sp.betainc_regularized(a, b, 0, lam)),
    "I_1-lambda": _two_args("I_{1-lambda}", lambda a, b: sp.betainc_regularized(a, b, 0, 1 - lam)),
    "ceil": _ceiling,
}


def _decide_p3d_value(claim, ctx: Context, derivation: Derivation):
    """A value claim of 3(d): undecided, with the reason, where no closed form is derived."""
    from quizproof.checker import decide_value  # the checker imports the families

    if derivation.result is sp.nan:
        why = derivation.steps[0].text if derivation.steps else "no closed form"
        return {"verdict": "undecided", "evidence": f"no closed form for these rules: {why}"}
    if derivation.result is sp.oo:
        return {
            "verdict": "undecided",
            "evidence": "the ratio is infinite here: A2C's estimate has variance zero",
        }
    return decide_value(claim, ctx, derivation)


def _guarded(cid: str, run) -> Derivation:
    """A derivation that SymPy cannot finish is reported as such (undecided), never a crash."""
    try:
        return run()
    except (ArithmeticError, ValueError, TypeError, NotImplementedError, sp.PolynomialError) as err:
        why = f"SymPy could not finish this derivation for these rules ({type(err).__name__})"
        return Derivation(cid, sp.nan, (Step(why, sp.nan),))


def _p3d(cid: str, kind: str, title: str, derive) -> ClaimSpec:
    decide = _decide_p3d_value if kind == "value" else None
    if kind == "yesno":  # the yes/no claims quantify over the variant's ranges
        return ClaimSpec(
            cid,
            kind,
            title,
            lambda ctx: _guarded(cid, lambda: derive(ctx.params.rules, ctx.params.bounds)),
        )
    return ClaimSpec(
        cid, kind, title, lambda ctx: _guarded(cid, lambda: derive(_rules(ctx))), decide
    )


P3D_SPECS = [
    _p3d(
        "p3d.reinforce_can_decrease",
        "yesno",
        r"REINFORCE can decrease $\lambda$",
        pg.reinforce_can_decrease,
    ),
    _p3d(
        "p3d.a2c_never_decreases",
        "yesno",
        r"A2C never decreases $\lambda$",
        pg.a2c_never_decreases,
    ),
    _p3d("p3d.grad", "value", r"$\frac{d}{d\lambda} E[R]$", pg.gradient),
    _p3d(
        "p3d.mean.reinforce",
        "value",
        "mean of REINFORCE's estimate",
        lambda r: pg.mean_estimate(r, "reinforce"),
    ),
    _p3d("p3d.mean.a2c", "value", "mean of A2C's estimate", lambda r: pg.mean_estimate(r, "a2c")),
    _p3d(
        "p3d.var.reinforce",
        "value",
        "variance of REINFORCE's estimate",
        lambda r: pg.var_estimate(r, "reinforce"),
    ),
    _p3d("p3d.var.a2c", "value", "variance of A2C's estimate", lambda r: pg.var_estimate(r, "a2c")),
    _p3d("p3d.var_ratio", "value", "variance ratio, REINFORCE / A2C", pg.var_ratio),
    _p3d(
        "p3d.prob_decrease.reinforce",
        "value",
        r"probability that a REINFORCE episode decreases $\lambda$",
        pg.prob_decrease_reinforce,
    ),
]
SPECS += P3D_SPECS

FAMILY = register(Family("race", "3", {s.id: s for s in SPECS}, prepare))
