r"""Scores and the signs of A2C's updates on the race (problem 3(d)).

The policy's parameter is $\lambda = \pi(a_2)$, or its logit $\theta$ with
$\lambda = \sigma(\theta)$, which multiplies every score by
$d\lambda/d\theta = \lambda(1-\lambda) > 0$.  A2C's update is a sum of terms
$\gamma^t\, \partial \ln \pi(a_t)\, A^\pi(s_t, a_t)$, so its sign is decided term
by term on the admissible domain (:mod:`derivations.race.domain`):

- :func:`a2c_never_decreases`: is every term $\ge 0$?  Yes, no with an exact
  admissible witness (action, $\lambda$, the variant's symbols and, where the
  advantage depends on the state, the state), or the condition itself.
- :func:`a2c_toward_better`: does every term push $\lambda$ toward the better
  action, the one with the larger $Q^\pi$?  Since
  $V^\pi = (1-\lambda) Q^\pi(s, a_1) + \lambda Q^\pi(s, a_2)$, with
  $\Delta = Q^\pi(s, a_2) - Q^\pi(s, a_1)$ the advantages are
  $A(a_1) = -\lambda\Delta$ and $A(a_2) = (1-\lambda)\Delta$, and both terms have
  the sign of $\Delta$: each term moves $\lambda$ toward the action that is better
  at the state where the episode acted.  The derivation also says which action
  that is: one at every state (for each admissible value of the rules' symbols),
  or, as under a discounted cost, one early and the other late, with two states
  of one race as the example.  A factor negative somewhere refutes the claim
  with the point; one that cannot be signed leaves it undecided.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from derivations.core import Derivation, NoClosedForm, Step
from derivations.race.domain import (
    Bounds,
    assumptions,
    cases,
    depends_on_state,
    interval_of,
    interval_text,
    name,
    points,
    sign,
    simplest,
    tidy,
    witness,
)
from derivations.race.rules import RaceRules, i, lam, t
from derivations.race.values import advantage, q_value

a_1, a_2 = sp.Symbol("a_1"), sp.Symbol("a_2")
ACTIONS = {1: a_1, 2: a_2}
theta = sp.Symbol("theta", real=True)  # the logit: lambda = sigmoid(theta)
Delta = sp.Symbol(r"\Delta")


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


THETA_STEP = Step(
    r"With the logit $\theta$ as the parameter, $\lambda = \sigma(\theta) = 1/(1 + e^{-\theta})$, "
    r"each score is multiplied by $d\lambda/d\theta = \lambda(1-\lambda) > 0$",
    sp.Eq(sp.Derivative(sp.Function(r"\sigma")(theta), theta), lam * (1 - lam)),
)


def _domain_step(rules: RaceRules, bounds: Bounds, state: bool) -> Step:
    ranges = ", ".join(
        f"${sp.latex(p)} \\in {interval_text(interval_of(p, bounds, rules))}$"
        for p in rules.parameters
    )
    text = r"On the admissible domain, $\lambda = 1/(1+u)$ with $u > 0$"
    if ranges:
        text += f"; {ranges}, each written as $l + (h - l)/(1 + v)$ with $v \\ge 0$"
    if state and not rules.goal.is_number:
        text += f"; the state has $i < {sp.latex(rules.goal)}$, i.e. ${sp.latex(rules.goal)} = i + 1 + j$, $j \\ge 0$"
    found = cases(rules, bounds, state)
    shown = [sp.Tuple(*(sp.Eq(k, e) for k, e in c.items())) for c in found]
    return Step(text, shown[0] if len(shown) == 1 else sp.Tuple(*shown))


def _signed_display(shown: list[sp.Expr], sgn: bool | None) -> str | None:
    r"""The terms with the sign just proved, ``\frac{u+1}{u} \ge 0``; none when unsigned."""
    if sgn is None:
        return None
    rel = r" \ge 0" if sgn else r" < 0"
    return r", \qquad ".join(sp.latex(e) + rel for e in shown)


# --------------------------------------------------------------------------- p3d.a2c_never_decreases


@lru_cache(maxsize=64)
def a2c_never_decreases(rules: RaceRules, bounds: Bounds = ()) -> Derivation:
    r"""Is $\frac{d \ln \pi(a)}{d\lambda} A(s, a) \ge 0$ for each action and state, on the whole domain?

    Also for the logit $\theta$.  The result is ``sp.true``; ``sp.false`` with
    a witness (action, parameter, $\lambda$, the variant's symbols and, where
    the advantage depends on the state, ``N``, ``i``, ``t``); or, when no exact
    point of a small grid shows a negative term, the condition itself.
    """
    by_param: dict[str, list[Step]] = {"lambda": [], "theta": [THETA_STEP]}
    terms: list[tuple[str, int, sp.Expr]] = []
    state = False
    for param in ("lambda", "theta"):
        var = r"\theta" if param == "theta" else r"\lambda"
        for action in (1, 2):
            adv = advantage(rules, action).result
            state = state or depends_on_state(adv, rules)
            sc = score_theta(action, rules) if param == "theta" else score(action, rules)
            term = simplest(sc * adv)
            lhs = name(rf"\frac{{d}}{{d{var}}} \ln \pi(a_{action})\, A^\pi(s, a_{action})")
            by_param[param].append(
                Step(
                    f"The score of $a_{action}$ times its advantage, with ${var}$ the parameter",
                    sp.Eq(lhs, tidy(term) if not depends_on_state(term, rules) else term),
                )
            )
            terms.append((param, action, term))
    proof = [_domain_step(rules, bounds, state)]
    signs = [(param, action, term, sign(term, rules, bounds)) for param, action, term in terms]
    found = cases(rules, bounds, state)
    for param, action, term, sgn in signs:
        word = {True: "nonnegative", False: "negative", None: "of undetermined sign"}[sgn]
        shown = [simplest(term.subs(c)) for c in found]
        if sgn is None and all(e.is_nonpositive for e in shown):
            word = "nonpositive (zero only at the edge of a range)"
        proof.append(
            Step(
                f"With these substitutions the $a_{action}$ term (parameter "
                + ("$\\lambda$" if param == "lambda" else "$\\theta$")
                + f") is {word}",
                shown[0] if len(shown) == 1 else sp.Tuple(*shown),
                _signed_display(shown, sgn),
            )
        )
    where = assumptions(rules, bounds)
    # A proof shows every term and its sign; a counterexample needs only the negative term.
    steps = [*by_param["lambda"], *by_param["theta"], *proof]
    if all(s is True for *_, s in signs):
        steps.append(
            Step("Every term is nonnegative, so no A2C update decreases $\\lambda$", sp.true)
        )
        return Derivation("p3d.a2c_never_decreases", sp.true, tuple(steps), where)
    for param, action, term, sgn in signs:
        if sgn is True:
            continue
        for point in points(rules, bounds, state):
            value = sp.nsimplify(term.subs(point))
            if not value.is_negative:
                continue
            at = ", ".join(f"${sp.latex(k)} = {sp.latex(v)}$" for k, v in point.items())
            steps = [*by_param["lambda"], *(by_param["theta"] if param == "theta" else [])]
            steps.append(
                Step(
                    f"At {at} the $a_{action}$ term (parameter "
                    + ("$\\lambda$" if param == "lambda" else "$\\theta$")
                    + ") is negative",
                    sp.Eq(name(r"\text{term}"), value),
                )
            )
            others = [tm.subs(point) for pm, _, tm, _ in signs if pm == param]
            if all(sp.nsimplify(o).is_negative for o in others):
                text = "Both actions' terms are negative here, so every update there decreases it"
            else:
                text = "An episode taking this action there gets a negative term, so the claim is"
            steps.append(Step(text, sp.false))
            w = witness(point, action=ACTIONS[action], parameter=sp.Symbol(param))
            return Derivation("p3d.a2c_never_decreases", sp.false, tuple(steps), where, w)
    condition = sp.And(*(sp.simplify(term >= 0) for *_, term, s in signs if s is not True))
    steps.append(Step("The sign depends on the parameters: it holds exactly when", condition))
    return Derivation("p3d.a2c_never_decreases", condition, tuple(steps), where)


# --------------------------------------------------------------------------- p3d.a2c_toward_better


def _split(expr: sp.Expr, rules: RaceRules) -> tuple[sp.Expr, sp.Expr]:
    """(state-free factor, state-dependent factor) of a product."""
    free, dep = sp.Integer(1), sp.Integer(1)
    for f in sp.Mul.make_args(sp.factor(expr)):
        if depends_on_state(f, rules):
            dep *= f
        else:
            free *= f
    return free, dep


@lru_cache(maxsize=64)
def a2c_toward_better(rules: RaceRules, bounds: Bounds = ()) -> Derivation:
    r"""Does every A2C term move $\lambda$ toward the action with the larger $Q^\pi$?"""
    q1, q2 = q_value(rules, 1).result, q_value(rules, 2).result
    delta = simplest(q2 - q1)
    Qs = sp.Function(r"Q^{\pi}")
    steps = [
        Step(
            "Action $a_2$ is the better one at a state $s$ when $Q^\\pi(s, a_2) > Q^\\pi(s, a_1)$; "
            "from the derived $Q^\\pi$ the difference is",
            sp.Eq(Delta, delta),
            rf"\Delta = {sp.latex(Qs(sp.Symbol('s'), a_2))} - {sp.latex(Qs(sp.Symbol('s'), a_1))}"
            rf" = {sp.latex(delta)}",
        ),
    ]
    where = assumptions(rules, bounds)
    ratios = []
    for action in (1, 2):
        term = score(action, rules) * advantage(rules, action).result
        ratio = tidy(simplest(term / delta)) if delta != 0 else sp.Integer(0)
        ratios.append(ratio)
        steps.append(
            Step(
                f"The score of $a_{action}$ times its advantage is $\\Delta$ times",
                sp.Eq(name(rf"\frac{{d \ln \pi(a_{action})}}{{d\lambda}} A^\pi / \Delta"), ratio),
            )
        )
    if delta == 0:
        steps.append(
            Step(
                "Neither action is better: every term is zero and A2C leaves $\\lambda$ where it "
                "is, so it never moves it away from a better action",
                sp.true,
            )
        )
        return Derivation("p3d.a2c_toward_better", sp.true, tuple(steps), where)
    for action, ratio in zip((1, 2), ratios, strict=True):
        if sign(ratio, rules, bounds) is True:
            continue
        for point in points(rules, bounds, depends_on_state(ratio, rules)):
            value = sp.nsimplify(ratio.subs(point))
            if value.is_negative:
                at = ", ".join(f"${sp.latex(k)} = {sp.latex(v)}$" for k, v in point.items())
                steps.append(
                    Step(
                        f"At {at} the factor of $a_{action}$ is negative: its term moves "
                        "$\\lambda$ away from the better action, so the claim is",
                        sp.false,
                    )
                )
                w = witness(point, action=ACTIONS[action])
                return Derivation("p3d.a2c_toward_better", sp.false, tuple(steps), where, w)
        raise NoClosedForm(
            f"the factor of a_{action} could not be shown positive on the whole domain, "
            "and no grid point makes it negative"
        )
    steps.append(
        Step(
            "Both factors are positive on the domain (so also with $\\theta$, which only "
            "multiplies by $\\lambda(1-\\lambda) > 0$): every term has the sign of $\\Delta$",
            sp.Tuple(*ratios),
        )
    )
    steps.append(_domain_step(rules, bounds, depends_on_state(delta, rules)))
    free, dep = _split(delta, rules)
    dep_sign = sign(dep, rules, bounds) if dep != 1 else True
    if dep_sign is not None:
        direction = sign(free, rules, bounds)  # True: >= 0 throughout
        if direction is None and sign(-free, rules, bounds) is True:
            direction = False  # <= 0 throughout: a_1 better, or no better action at the edge
        if direction is not None and dep_sign is False:
            direction = not direction
        if direction is None:
            steps.append(
                Step(
                    "The factor of $\\Delta$ that depends on the state keeps one sign, so at each "
                    "admissible value of the rules' symbols one action is better at every state, "
                    "$a_2$ exactly where the following holds, and every term moves $\\lambda$ "
                    "toward it",
                    sp.StrictGreaterThan(free if dep_sign else -free, 0),
                )
            )
        else:
            better = "$a_2$: A2C increases" if direction else "$a_1$: A2C decreases"
            steps.append(
                Step(
                    f"$\\Delta$ keeps one sign at every state: the better action is {better} "
                    "$\\lambda$ with every term (where $\\Delta = 0$ neither is better and every "
                    "term is zero)",
                    sp.true,
                )
            )
        return Derivation("p3d.a2c_toward_better", sp.true, tuple(steps), where)
    # The better action depends on the state: show two states of one race that disagree.
    groups: dict[tuple, list[dict]] = {}
    for point in points(rules, bounds, True):
        key = tuple((k, v) for k, v in point.items() if k not in (i, t))
        groups.setdefault(key, []).append(point)
    for group in groups.values():
        values = [(pt, sp.nsimplify(delta.subs(pt))) for pt in group]
        plus = next((pt for pt, v in values if v.is_positive), None)
        minus = next((pt for pt, v in values if v.is_negative), None)
        if plus is None or minus is None:
            continue
        at = ", ".join(f"${sp.latex(k)} = {sp.latex(v)}$" for k, v in plus.items())
        steps.append(
            Step(
                f"Which action is better depends on the state: at {at} it is $a_2$, while in "
                f"the same race at $(i, t) = ({minus[i]}, {minus[t]})$ it is $a_1$",
                sp.Tuple(sp.Eq(Delta, delta.subs(plus)), sp.Eq(Delta, delta.subs(minus))),
            )
        )
        break
    else:
        steps.append(
            Step("Which action is better may depend on the state: it is $a_2$ exactly where",
                 sp.StrictGreaterThan(delta, 0))
        )  # fmt: skip
    steps.append(
        Step(
            "Each term still moves $\\lambda$ toward the action that is better at the state "
            "where the episode acted, so the claim holds",
            sp.true,
        )
    )
    return Derivation("p3d.a2c_toward_better", sp.true, tuple(steps), where)
