r"""The race's notation: its symbols and the functions its answers use.

The scalars $\lambda$ (probability of $a_2$), $N$, $i$, $t$ and any new symbol of a
variant (an advance probability such as $p$); the action names $a_1$, $a_2$; and
the functions the quiz's answers use, each evaluated from its derivation:
$V^\pi(i, t)$, $Q^\pi((i, t), a)$, $A^\pi((i, t), a)$ and $R((i, t), a)$.  So a
printed chain such as ``Q^\pi((i, t), a_1) = V^\pi(i, t + 1) = -(t + 1 + (N - i)/\lambda)``
is checked member by member.  3(d) adds $I_x(a, b)$, the regularized incomplete
beta function, and $\operatorname{ceil}$.
"""

from __future__ import annotations

import sympy as sp

from derivations import race
from derivations.race import N, RaceRules, i, lam, t
from quizproof.cache import cached
from quizproof.notation import (
    BASE_FUNCTIONS,
    SUBJECT,
    Application,
    NotationError,
    Scope,
    rounded,
    sigmoid,
    unary,
)

A1, A2 = sp.Symbol("a_1"), sp.Symbol("a_2")
ACTIONS = {A1: 1, A2: 2}
# The quantities the race's questions ask for: an answer whose value still holds one of
# them restates the question (the notation evaluates them in a chain's other members).
UNKNOWNS = ("V", "V^pi", "Q", "Q^pi", "A", "A^pi", "R", "R^pi")


def _state(arg: sp.Basic, name: str) -> tuple[sp.Basic, sp.Basic]:
    if not isinstance(arg, sp.Tuple) or len(arg) != 2 or any(isinstance(x, sp.Tuple) for x in arg):
        raise NotationError(f"{name} takes a state (i, t) as its first argument")
    return arg[0], arg[1]


def _action(arg: sp.Basic, name: str) -> int:
    if arg not in ACTIONS:
        raise NotationError(f"{name} takes an action a_1 or a_2 as its second argument")
    return ACTIONS[arg]


def form(rules: RaceRules, which: str, action: int = 0) -> sp.Basic:
    """The derived V, Q or A of these rules, derived once and kept in the derivation cache."""

    def compute() -> sp.Basic:
        if which == "V":
            return race.value_function(rules).result
        return (race.q_value if which == "Q" else race.advantage)(rules, action).result

    return cached(("race", "notation", which, action, repr(rules)), __name__, compute)


def scope_for(rules: RaceRules) -> Scope:
    """The race's notation table, with V, Q, A and R evaluated (when read) from derivations."""

    def value(app: Application) -> sp.Basic:
        args = app.args
        if len(args) == 1 and isinstance(args[0], sp.Tuple):
            args = tuple(args[0])
        if len(args) != 2 or app.bar is not None or any(isinstance(a, sp.Tuple) for a in args):
            raise NotationError("V takes a state: V(i, t) or V((i, t))")
        return form(rules, "V").subs({i: args[0], t: args[1]}, simultaneous=True)

    def state_action(which: str):
        def apply(app: Application) -> sp.Basic:
            if len(app.args) != 2 or app.bar is not None:
                raise NotationError(f"{which} takes a state and an action: {which}((i, t), a_1)")
            ii, tt = _state(app.args[0], which)
            action = _action(app.args[1], which)
            if which in ("Q", "A"):
                derived = form(rules, which, action)
            else:
                last = race.last_reward(rules, action)
                ordinary = rules.step_reward
                goal = rules.goal
                if sp.simplify(ii - (goal - 1)) == 0:
                    derived = last
                else:
                    derived = sp.Piecewise((last, sp.Eq(i, goal - 1)), (ordinary, True))
            return derived.subs({i: ii, t: tt}, simultaneous=True)

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
    if not rules.goal.is_number:
        symbols[str(rules.goal)] = rules.goal
    functions = dict(BASE_FUNCTIONS)
    functions["sigma"] = unary(sigmoid, "sigma")
    # E[X]: the notation already values each quantity by its mean (R by its expected reward)
    functions["E"] = unary(lambda x: x, "E")
    for name in ("V", "V^pi"):
        functions[name] = value
    for which in ("Q", "A", "R"):
        functions[which] = functions[f"{which}^pi"] = state_action(which)
    functions.update(P3D_FUNCTIONS)
    return Scope(symbols, functions)


def _two_args(name: str, f):
    def apply(app: Application) -> sp.Basic:
        if (
            len(app.args) != 2
            or app.bar is not None
            or any(isinstance(a, sp.Tuple) for a in app.args)
        ):
            raise NotationError(f"{name} takes two numbers")
        return f(*app.args)

    return apply


# $I_\lambda(a, b)$, the regularized incomplete beta function, and $\operatorname{ceil}(x)$.
P3D_FUNCTIONS = {
    "I_lambda": _two_args("I_lambda", lambda a, b: sp.betainc_regularized(a, b, 0, lam)),
    "I_1-lambda": _two_args("I_{1-lambda}", lambda a, b: sp.betainc_regularized(a, b, 0, 1 - lam)),
    "ceil": unary(rounded(sp.ceiling), "ceil"),
}
