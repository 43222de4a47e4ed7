r"""A2C with its advantages estimated by rollouts, so that no derived form enters a simulation.

At every state $s_k = (i_k, t_k)$ where the policy acts, the advantage of the
action taken is estimated afresh from $K$ paired episodes started in $s_k$, one
forced to start with $a_1$ and one with $a_2$, on common random numbers
(:func:`~numerics.race.pairs.paired_returns`).  With $\bar D$ the mean
difference of their discounted returns, and since
$V = (1-\lambda) Q(s, a_1) + \lambda Q(s, a_2)$,

$$\hat A(s, a_1) = \lambda \bar D, \qquad \hat A(s, a_2) = -(1-\lambda) \bar D.$$

Two independent estimates $\hat A_k$ and $\hat A'_k$ ($2K$ pairs) are taken at
each step, and each episode returns

$$G = \sum_k \gamma^k s_k \hat A_k, \qquad
  C = \sum_k (\gamma^k s_k)^2 \frac{(\hat A_k - \hat A'_k)^2}{2},$$

$s_k = \partial_\lambda \ln\pi(a_k)$.  Given the episode, $\hat A_k = A_k + \epsilon_k$
with $\epsilon_k$ of mean zero and variance $v_k$, independent across steps and
of the episode (fresh rollouts).  Hence $E[G]$ is exactly the mean of A2C's
estimate $X = \sum_k \gamma^k s_k A_k$, and
$\operatorname{Var} G = \operatorname{Var} X + E\sum_k (\gamma^k s_k)^2 v_k$; since
$E[(\hat A_k - \hat A'_k)^2/2 \mid \text{episode}] = v_k$, the second term is
$E[C]$.  So $\operatorname{Var} X$ is estimated by $s_G^2 - \bar C$, with the
conservative standard error $\sqrt{\operatorname{se}(s_G^2)^2 + \operatorname{se}(\bar C)^2}$
(:meth:`~numerics.race.process.RaceStats.a2c_variance`).  A run that needs only
the mean of $G$ takes the first estimate alone (``noise=False``: half the
rollouts, and no $C$).  The returns, REINFORCE and the counts come from the
same episodes as in :mod:`numerics.race.summary`.  Rollout actions are not
counted in ``steps``.
"""

from __future__ import annotations

import numpy as np

from numerics.race.pairs import paired_returns
from numerics.race.process import Race, RaceStats
from numerics.race.summary import summarise
from numerics.stats import Moments

#: Episodes per chunk in the rollout mode (each step runs 2K paired episodes per episode).
ROLLOUT_CHUNK = 1 << 12


def run_chunk(
    race: Race,
    start: tuple[int, int],
    first_action: int | None,
    episodes: int,
    rng: np.random.Generator,
    rollouts: int,
    baseline: float = 0.0,
    edges: tuple[float, ...] | None = None,
    noise: bool = True,
) -> RaceStats:
    """Run ``episodes`` episodes side by side with rollout advantages; summarise them.

    ``noise`` takes the second, independent estimate at every step that measures the
    rollouts' own noise (``a2c_noise``, for the variance); without it ``a2c_noise`` is None.
    """
    lam, N, g = race.lam, int(race.N), race.discount
    i0, t0 = int(start[0]), int(start[1])
    lo, hi = race.cuts
    forced = first_action is not None
    i = np.full(episodes, i0, dtype=np.int64)
    t = np.full(episodes, t0, dtype=np.int64)
    disc = np.ones(episodes)  # $\gamma^k$ of the next action
    if forced:
        p = race.advance_a1 if first_action == 1 else race.advance_a2
        i += rng.random(episodes) < p
        t += 1
        disc *= g
    L = np.zeros(episodes, dtype=np.int64)  # policy steps
    n2 = np.zeros(episodes, dtype=np.int64)
    H = np.zeros(episodes, dtype=np.int64)  # $\sum_m c_m$, for per-step rewards
    Y = np.zeros(episodes)  # $\sum_k s_k \gamma^k$
    G = np.zeros(episodes)  # $\sum_k \gamma^k s_k \hat A_k$
    C = np.zeros(episodes)  # $\sum_k (\gamma^k s_k)^2 (\hat A_k - \hat A'_k)^2 / 2$
    alive = np.flatnonzero(i < N)
    while alive.size:
        n = alive.size
        u = rng.random(n)
        a2 = u < lam
        advanced = (u >= lo) & (u < hi)
        w = np.where(a2, 1.0 / lam, -1.0 / (1.0 - lam)) * disc[alive]  # $s_k \gamma^k$
        sets = 2 if noise else 1
        rows = np.repeat(alive, sets * rollouts)
        G1, G2 = paired_returns(race, i[rows], t[rows], rng)
        D = (G1 - G2).reshape(n, sets, rollouts).mean(axis=2)  # independent $\bar D$s
        factor = np.where(a2, -(1.0 - lam), lam)
        A = factor * D[:, 0]
        G[alive] += w * A
        if noise:
            C[alive] += w * w * (A - factor * D[:, 1]) ** 2 / 2.0
        Y[alive] += w
        n2[alive] += a2
        L[alive] += 1
        H[alive] += n2[alive]
        i[alive] += advanced
        t[alive] += 1
        disc[alive] *= g
        alive = alive[i[alive] < N]
    per_step = race.reward == "per-step"
    stats = summarise(
        race, t0, N - i0, forced, episodes if forced else 0, L, n2,
        H if per_step and g == 1.0 else None, Y if g != 1.0 else None, G, baseline, edges,
    )  # fmt: skip
    return RaceStats(
        stats.episodes, stats.steps, stats.ret, stats.length, stats.reinforce,
        stats.reinforce_negative, stats.a2c, stats.a2c_negative, Moments.of(C) if noise else None,
        stats.reinforce_hist, stats.a2c_hist,
    )  # fmt: skip
