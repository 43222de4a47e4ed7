r"""The race to the goal (TTIC 31230, Quiz 4, problem 3), simulated step by step.

The process is the quiz's own: in state $s = (i, t)$ (advances made, actions
taken) the policy draws $a_2$ with probability $\lambda$ and $a_1$ otherwise;
action $a$ advances with probability $p_a$ (the quiz: $p_{a_1} = 0$,
$p_{a_2} = 1$); the episode ends on the $N$-th advance.  The reward rule is
``terminal`` ($-T$ on reaching the goal, $T$ the total number of actions, the
$t$ already taken included), ``per-step`` ($-1$ for every action) or
``success`` ($+1$ on reaching the goal); returns are discounted by $\gamma$
(``discount``, default 1).  Nothing here knows a closed form: every number
comes from the rewards seen.

- :mod:`numerics.race.process`: a race as plain numbers (:class:`Race`), one
  uniform per step, the discounted return of an episode, and the mergeable
  statistics of a run (:class:`RaceStats`).
- :mod:`numerics.race.stream`: :func:`simulate`, episodes run side by side in
  numpy arrays and streamed in seeded chunks (returns, REINFORCE, A2C with
  caller-supplied or rollout advantages).
- :mod:`numerics.race.summary`: the per-episode outputs from the counts an
  episode leaves.
- :mod:`numerics.race.pairs`: :func:`simulate_pairs`, episodes forced to start
  with $a_1$ and with $a_2$ on common random numbers, and
  :func:`paired_returns`, such pairs from a different state in every row.
- :mod:`numerics.race.rollout`: A2C with every advantage estimated afresh by
  paired rollouts, and the noise that adds, so that its mean and variance are
  simulated without any derived form.
- :mod:`numerics.race.loop`: :func:`one_step`, a single step sampled, and
  :func:`python_loop`, the same process in plain Python for the benchmark.
"""

from numerics.race.loop import StepStats, one_step, python_loop
from numerics.race.pairs import PAIR_CHUNK, PairStats, paired_returns, simulate_pairs
from numerics.race.process import REWARDS, Advantage, Race, RaceStats, episode_return
from numerics.race.rollout import ROLLOUT_CHUNK
from numerics.race.stream import CHUNK, SLOTS, simulate

__all__ = [
    "CHUNK",
    "PAIR_CHUNK",
    "REWARDS",
    "ROLLOUT_CHUNK",
    "SLOTS",
    "Advantage",
    "PairStats",
    "Race",
    "RaceStats",
    "StepStats",
    "episode_return",
    "one_step",
    "paired_returns",
    "python_loop",
    "simulate",
    "simulate_pairs",
]
