r"""The race to the goal (TTIC 31230, Quiz 4, problem 3), derived from its rules.

A policy flips a biased coin each step, $a_2$ with probability $\lambda$; the
state $s = (i, t)$ counts the advances and the actions so far, and the episode
ends on the $N$-th advance.  From the rules alone (the quiz's, or a variant's
advance probabilities and reward) the package derives the value function
$V^\pi$ from the Bellman equation, $Q^\pi$ and the advantage
$A^\pi = Q^\pi - V^\pi$, and from these the policy gradient of problem 3(d):
the signs of the REINFORCE and A2C updates, and the means, variances and
probability of a decrease of both estimates.

- :mod:`derivations.race.rules`: the symbols and domain of the problem and
  :class:`RaceRules`, the rules of one race (the quiz's or a variant's).
- :mod:`derivations.race.values`: $V^\pi$ from the Bellman equation, $Q^\pi$,
  $A^\pi$, the next state, the expected actions per advance and the last step.
- :mod:`derivations.race.policy_gradient`: problem 3(d), every derivation at
  once and the table of exact values; it re-exports the names of
  :mod:`~derivations.race.signs` (scores, the signs of the updates),
  :mod:`~derivations.race.episodes` (the law of an episode, its PGF) and
  :mod:`~derivations.race.estimators` (the gradient, the estimates' moments).
  Import it as ``from derivations.race import policy_gradient as pg``.
"""

from derivations.core import NoClosedForm
from derivations.race.rules import (
    DOMAIN,
    QUIZ_RULES,
    REWARDS,
    N,
    RaceRules,
    RulesError,
    gamma,
    i,
    k,
    lam,
    t,
    tidy,
)
from derivations.race.transitions import (
    expected_last_step_reward,
    last_reward,
    last_step,
    last_step_reward,
    last_step_reward_law,
    next_state,
    next_state_law,
)
from derivations.race.values import (
    advantage,
    q_value,
    series,
    value_function,
    value_lambda,
)

__all__ = [
    "DOMAIN",
    "QUIZ_RULES",
    "REWARDS",
    "N",
    "NoClosedForm",
    "RaceRules",
    "RulesError",
    "advantage",
    "expected_last_step_reward",
    "gamma",
    "i",
    "k",
    "lam",
    "last_reward",
    "last_step",
    "last_step_reward",
    "last_step_reward_law",
    "next_state",
    "next_state_law",
    "q_value",
    "series",
    "t",
    "tidy",
    "value_function",
    "value_lambda",
]
