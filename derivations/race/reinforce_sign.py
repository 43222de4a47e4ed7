r"""Can one REINFORCE episode decrease $\lambda$?  An exhaustive search over short episodes.

One episode's update is $\sum_t \partial_\lambda \ln \pi(a_t)\, \gamma^t G_t$ with
$G_t = \sum_{k \ge t} \gamma^{k - t} r_k$ (time counted from the start state).
The search runs over every episode of a small goal (1 to 3 advances, or the
rules' own goal) and a few extra actions, at $\lambda = 1/2$ (and, for a
symbolic discount, $\gamma = 1/2$), preferring, in this order, episodes with
more $a_2$ than $a_1$ (the quiz's example), outcomes possible for every
admissible value of the variant's symbols, and episodes with both actions.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from derivations.core import Derivation, Step
from derivations.race.domain import HALF, Bounds, interval_of, name, tidy
from derivations.race.episodes import T_sym, _episodes, n2_sym, rewards
from derivations.race.rules import RaceRules, lam
from derivations.race.signs import ACTIONS, score

ghat = name(r"\hat g")


def reinforce_update(
    rules: RaceRules, actions: tuple[int, ...], at: sp.Expr = lam, discount: sp.Expr | None = None
) -> sp.Expr:
    r"""$\sum_t \partial_\lambda \ln \pi(a_t) \sum_{k \ge t} \gamma^k r_k$ for one episode."""
    g = rules.discount if discount is None else discount
    r = [g**s * x for s, x in enumerate(rewards(rules, len(actions)))]  # $\gamma^k r_k$
    scores = {a: score(a, rules).subs(lam, at) for a in (1, 2)}
    total = sp.Integer(0)
    for s, action in enumerate(actions):
        total += scores[action] * sum(r[s:])  # score times discounted reward-to-go
    return total if at.is_number else sp.simplify(total)


def _goals(rules: RaceRules) -> tuple[tuple[int, int], ...]:
    """(goal, longest episode) pairs to search."""
    if rules.goal.is_number:
        goal = int(rules.goal)
        return ((goal, goal + (4 if goal <= 3 else 2)),)
    return tuple((goal, goal + 4) for goal in (1, 2, 3))


@lru_cache(maxsize=64)
def reinforce_can_decrease(rules: RaceRules, bounds: Bounds = ()) -> Derivation:
    """A short episode whose REINFORCE update is negative, found by exhaustive search."""
    g = HALF if rules.discounted_symbolically else rules.discount
    steps = [
        Step(
            "The scores of the two actions",
            sp.Tuple(
                sp.Eq(name(r"\frac{d}{d\lambda} \ln \pi(a_1)"), tidy(score(1, rules))),
                sp.Eq(name(r"\frac{d}{d\lambda} \ln \pi(a_2)"), tidy(score(2, rules))),
            ),
        ),
    ]
    if rules.step_reward == 0 and rules.discount == 1:
        n1 = sp.Symbol("n_1", integer=True, nonnegative=True)
        to_go = rules.goal_reward(T_sym)
        general = tidy(to_go * (n2_sym * score(2, rules) + n1 * score(1, rules)))
        steps.append(
            Step(
                f"Only the goal pays, so every reward-to-go is $B(T) = {sp.latex(to_go)}$ and the "
                "update of an episode with $n_1$ actions $a_1$ and $n_2$ actions $a_2$ is",
                sp.Eq(ghat, general),
            )
        )
    best = None
    updates: dict[tuple[int, ...], sp.Expr] = {}
    for goal, longest in _goals(rules):
        for actions, flags, certain in _episodes(rules, goal, longest):
            if actions not in updates:
                updates[actions] = reinforce_update(rules, actions, HALF, g)
            update = updates[actions]
            if not update.is_negative:
                continue
            more_a2 = actions.count(2) > actions.count(1)
            rank = (not more_a2, not certain, len(set(actions)) < 2, goal, len(actions))
            if best is None or rank < best[0]:
                best = (rank, goal, actions, flags, update)
        if best is not None and best[0][:3] == (False, False, False):
            break
    if best is None:
        steps.append(Step("No short episode has a negative update", sp.false))
        return Derivation("p3d.reinforce_can_decrease", sp.false, tuple(steps), rules.domain)
    rank, goal, actions, flags, update = best
    episode = sp.Tuple(*(ACTIONS[a] for a in actions))
    witness: dict[str, sp.Basic] = {
        "N": sp.Integer(goal),
        "episode": episode,
        "advanced": sp.Tuple(*flags),
        "lambda": HALF,
        "update": update,
    }
    if rules.discounted_symbolically:
        witness[rules.discount.name] = g
    if rank[1]:  # an outcome needs a probability below 1: take the middle of its range
        for p in rules.probabilities:
            iv = interval_of(p, bounds, rules)
            witness[p.name] = (iv.start + iv.end) / 2
    shown = ", ".join(f"${sp.latex(a)}$" for a in episode)
    at = r"$\lambda = 1/2$" + (
        f", ${sp.latex(rules.discount)} = {sp.latex(g)}$" if rules.discounted_symbolically else ""
    )
    steps.append(
        Step(
            f"With the goal at {goal} advance{'s' if goal > 1 else ''}, the episode {shown} "
            f"(advancing at steps {tuple(k for k, f in enumerate(flags) if f)}) has the "
            f"update at {at}",
            sp.Eq(ghat, update),
        )
    )
    steps.append(Step("It is negative, so REINFORCE can decrease $\\lambda$", sp.true))
    return Derivation("p3d.reinforce_can_decrease", sp.true, tuple(steps), rules.domain, witness)
