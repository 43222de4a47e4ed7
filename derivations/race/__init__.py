r"""The race to the goal (TTIC 31230, Quiz 4, problem 3), derived from its rules.

A policy flips a biased coin each step, $a_2$ with probability $\lambda$; the
state $s = (i, t)$ counts the advances and the actions so far, and the episode
ends on the goal's advance.  From the rules alone (the quiz's, or a variant's
advance probabilities, reward, discount and goal) the package derives the value
function $V^\pi$ from the Bellman equation, $Q^\pi$ and the advantage
$A^\pi = Q^\pi - V^\pi$, and from these the policy gradient of problem 3(d).

What is a closed form: everything in (a)-(c) and, in (d), the gradient, the
means and variances of both estimates and their ratio, for every rule, reward,
discount and goal; the probability that a REINFORCE episode decreases
$\lambda$ only where one action's count is fixed and only the goal pays
(elsewhere :class:`NoClosedForm` with its reason, and exact bounds at numeric
parameters).  The yes/no claims are decided on the whole admissible domain.

- :mod:`derivations.race.rules`: the symbols and domain, :class:`RaceRules`.
- :mod:`derivations.race.sums`: exponential polynomials in the advances to go,
  and the first-order recurrences they solve.
- :mod:`derivations.race.values`: $V^\pi$, $Q^\pi$, $A^\pi$, the series.
- :mod:`derivations.race.transitions`: the next state and its law, the
  last-step reward and its law, the last step's $Q$ by an independent route.
- :mod:`derivations.race.policy_gradient`: problem 3(d), re-exporting
  :mod:`~derivations.race.domain`, :mod:`~derivations.race.signs`,
  :mod:`~derivations.race.reinforce_sign`, :mod:`~derivations.race.episodes`,
  :mod:`~derivations.race.recursion`, :mod:`~derivations.race.estimators` and
  :mod:`~derivations.race.decrease`, with every derivation at once and exact
  values at numeric parameters.  Import it as
  ``from derivations.race import policy_gradient as pg``.
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
