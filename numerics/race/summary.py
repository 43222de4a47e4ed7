r"""Per-episode outputs of the race from the counts an episode leaves, summarised as moments.

An episode started in $(i_0, t_0)$ takes an optional forced first action (not
drawn from the policy, so it carries no score) and then $L$ policy steps;
$L_f = L + [\text{forced}]$ actions in all.  Time $k$ counts the actions from
the start state, the forced one included, and $s_k = \partial_\lambda \ln\pi(a_k)$
($1/\lambda$ for $a_2$, $-1/(1-\lambda)$ for $a_1$).  From the counts recorded
per episode:

- the return $G = \sum_k \gamma^k r_k$ (:func:`~numerics.race.process.episode_return`);
- REINFORCE, $\hat g = \sum_k s_k \gamma^k G_k$ with the reward-to-go
  $G_k = \sum_{j \ge k} \gamma^{j-k} r_j$, and with a constant baseline $b$,
  $\sum_k s_k \gamma^k (G_k - b) = \hat g - b\,Y$ with $Y = \sum_k s_k \gamma^k$:

  - ``terminal`` and ``success`` pay only on the last action, so every
    $\gamma^k G_k$ is the return and $\hat g = G \cdot S$, $S = \sum_k s_k =
    n_2/\lambda - (L - n_2)/(1-\lambda)$ from the count $n_2$ of $a_2$;
  - ``per-step`` with $\gamma = 1$: the reward-to-go of policy step $k$
    (counted $1..L$) is $-(L - k + 1)$, and with $c_m$ the $a_2$ among the first
    $m$ policy steps, $H = \sum_{m \le L} c_m$ gives
    $\hat g = -(H/\lambda - (L(L+1)/2 - H)/(1-\lambda))$;
  - ``per-step`` with $\gamma < 1$: $\gamma^k G_k = -(\gamma^k - \gamma^{L_f})/(1-\gamma)$,
    so $\hat g = -(Y - \gamma^{L_f} S)/(1-\gamma)$.
"""

from __future__ import annotations

import numpy as np

from numerics.race.process import Race, RaceStats, episode_return
from numerics.stats import Histogram, Moments


def summarise(
    race: Race,
    t0: int,
    need: int,
    forced: bool,
    forced_steps: int,
    rec_L: np.ndarray,
    rec_n2: np.ndarray | None = None,
    rec_H: np.ndarray | None = None,
    rec_Y: np.ndarray | None = None,
    rec_acc: np.ndarray | None = None,
    baseline: float = 0.0,
    edges: tuple[float, ...] | None = None,
) -> RaceStats:
    """The moments of the per-episode outputs (the module docstring's formulas).

    With ``edges``, the REINFORCE (and A2C) estimates are also counted in those bins.
    """
    lam, g = race.lam, race.discount
    per_step = race.reward == "per-step"
    if not per_step and rec_n2 is None and rec_acc is None and rec_Y is None:
        # Every output is a function of L alone: summarise its histogram.
        counts = np.bincount(rec_L)
        seen = np.flatnonzero(counts)
        w = counts[seen]
        L = seen.astype(np.float64)
        G = episode_return(race, L + forced, t0)
        score = need / lam - (L - need) / (1.0 - lam)  # $S = \sum_k s_k$, n_2 = need
        g_hat = G * score - baseline * score  # gamma = 1 here unless b = 0, so Y = S
        return RaceStats(
            episodes=rec_L.size,
            steps=int(w @ seen) + forced_steps,
            ret=Moments.of_counts(G, w),
            length=Moments.of_counts(L + forced, w),
            reinforce=Moments.of_counts(g_hat, w),
            reinforce_negative=int(w[g_hat < 0].sum()),
            reinforce_hist=Histogram.of(g_hat, edges, w) if edges is not None else None,
        )
    L = rec_L.astype(np.float64)
    Lf = L + forced
    G = episode_return(race, Lf, t0)
    n2 = rec_n2.astype(np.float64) if rec_n2 is not None else float(need)
    score = n2 / lam - (L - n2) / (1.0 - lam)  # $S$
    Y = rec_Y if rec_Y is not None else score  # $Y = \sum_k s_k \gamma^k$ ($= S$ when gamma = 1)
    if not per_step:
        g_hat = G * score
    elif g == 1.0:
        H = rec_H.astype(np.float64)
        g_hat = -(H / lam - (L * (L + 1.0) / 2.0 - H) / (1.0 - lam))
    else:
        g_hat = -(Y - g**Lf * score) / (1.0 - g)
    g_hat = g_hat - baseline * Y
    return RaceStats(
        episodes=rec_L.size,
        steps=int(rec_L.sum()) + forced_steps,
        ret=Moments.of(G),
        length=Moments.of(Lf),
        reinforce=Moments.of(g_hat),
        reinforce_negative=int(np.count_nonzero(g_hat < 0)),
        a2c=Moments.of(rec_acc) if rec_acc is not None else None,
        a2c_negative=int(np.count_nonzero(rec_acc < 0)) if rec_acc is not None else 0,
        reinforce_hist=Histogram.of(g_hat, edges) if edges is not None else None,
        a2c_hist=Histogram.of(rec_acc, edges)
        if edges is not None and rec_acc is not None
        else None,
    )
