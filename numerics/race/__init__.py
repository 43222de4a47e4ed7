r"""The race to the goal (TTIC 31230, Quiz 4, problem 3), simulated step by step.

The process is the quiz's own: in state $s = (i, t)$ (advances made, actions
taken) the policy draws $a_2$ with probability $\lambda$ and $a_1$ otherwise;
action $a$ advances with probability $p_a$ (the quiz: $p_{a_1} = 0$,
$p_{a_2} = 1$); the episode ends on the $N$-th advance.  The reward rule is
``terminal`` ($-T$ on reaching the goal, $T$ the total number of actions, the
$t$ already taken included) or ``per-step`` ($-1$ for every action).  Nothing
here knows a closed form: every number comes from the rewards seen.

- :mod:`numerics.race.process`: a race as plain numbers (:class:`Race`), one
  uniform per step, and the mergeable statistics of a run (:class:`RaceStats`).
- :mod:`numerics.race.stream`: :func:`simulate`, episodes run side by side in
  numpy arrays and streamed in seeded chunks (returns, REINFORCE, A2C with
  caller-supplied advantages).
- :mod:`numerics.race.pairs`: :func:`simulate_pairs`, episodes forced to start
  with $a_1$ and with $a_2$ on common random numbers.
- :mod:`numerics.race.loop`: :func:`one_step`, a single step sampled, and
  :func:`python_loop`, the same process in plain Python for the benchmark.
"""

from numerics.race.loop import StepStats, one_step, python_loop
from numerics.race.pairs import PAIR_CHUNK, PairStats, simulate_pairs
from numerics.race.process import REWARDS, Advantage, Race, RaceStats
from numerics.race.stream import CHUNK, SLOTS, simulate

__all__ = [
    "CHUNK",
    "PAIR_CHUNK",
    "REWARDS",
    "SLOTS",
    "Advantage",
    "PairStats",
    "Race",
    "RaceStats",
    "StepStats",
    "one_step",
    "python_loop",
    "simulate",
    "simulate_pairs",
]
