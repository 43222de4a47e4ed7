r"""Moments of the per-episode policy-gradient estimates by a first-step recursion in $m$.

Counting time $t$ from the start state $(0, 0)$, with $s_t = \partial_\lambda
\ln \pi(a_t)$ the score and $r_t$ the reward of action $t$, the two estimates
of the discounted policy-gradient theorem are

$$X_{\text{REINFORCE}} = \sum_t s_t\, \gamma^t G_t = \sum_k \gamma^k r_k S_k, \quad
  G_t = \sum_{k \ge t} \gamma^{k-t} r_k,\ S_k = \sum_{t \le k} s_t, \qquad
  X_{\text{A2C}} = \sum_t \gamma^t s_t\, A^\pi(s_t, a_t).$$

Both are sums over the episode of terms that depend on the state, the action
and whether it advances, and on the time through $\gamma^t$ and through
rewards and advantages *affine* in $t$.  From a state with $m$ advances to go,
started at time 0, such a sum is one component of a vector $Z_m$ with
$Z_m = c_o(m) + M_o Z'$: the first action's outcome $o$ (action $a$, advancing
or not) contributes $c_o(m)$, and the rest of the episode, which starts one
step later, is the same vector $Z'$ from $m - 1$ advances to go (advanced; none
left at $m = 1$) or from $m$ (not advanced).  Being one step later multiplies by
$\gamma$ and shifts the time of every affine term by one, which is what the
lower-triangular matrix $M_o$ does.  For REINFORCE with rewards
$r = \rho_0 + \rho_1 t$, the components are
$B = \sum_k \gamma^k \rho_{1,k}$, $A = \sum_k \gamma^k (\rho_{0,k} + \rho_{1,k} k)$
(the return), $X_b = \sum_k \gamma^k \rho_{1,k} S_k$ and
$X_a = \sum_k \gamma^k (\rho_{0,k} + \rho_{1,k} k) S_k$ (the estimate):

$$B = \rho_1 + \gamma B', \quad A = \rho_0 + \gamma(A' + B'), \quad
  X_b = \rho_1 s_a + \gamma(s_a B' + X_b'), \quad
  X_a = \rho_0 s_a + \gamma(s_a(A' + B') + X_a' + X_b').$$

For A2C with $A^\pi((N-m, t), a) = \alpha_a(m)\,t + \beta_a(m)$ the components
are $W = \sum_k \gamma^k s_k \alpha(m_k)$ and the estimate
$U = \sum_k \gamma^k s_k (\alpha(m_k)\,k + \beta(m_k))$:
$W = s_a \alpha_a(m) + \gamma W'$, $U = s_a \beta_a(m) + \gamma(U' + W')$.

Taking expectations, every first moment $E[Z_{m,j}]$ and every second moment
$E[Z_{m,j} Z_{m,l}]$ obeys $E_m = \rho E_{m-1} + \Delta(m)$ for $m \ge 2$,
where the unknown's own term on the not-advancing branch (weight $(1-q)\gamma$
or $(1-q)\gamma^2$) has been moved to the left and $\Delta$ holds moments found
before (lower components, lower orders).  $E_1$ solves the same equation with
nothing after an advance.  :func:`~derivations.race.sums.unroll` sums each to
an exponential polynomial in $m$: the moments are closed forms for every rule,
reward, discount and goal, evaluated at $m = N$.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from derivations.race.rules import RaceRules, lam
from derivations.race.sums import ExpPoly, unroll
from derivations.race.values import advantage_parts, field, goal_coefficients


@dataclass(frozen=True)
class Outcome:
    """One outcome of a step: its probability, whether it advances, its contributions and map."""

    prob: object
    advanced: bool
    c: dict  # component -> ExpPoly in m, for m >= 2
    c_last: dict  # component -> field element, at m = 1
    M: dict  # component -> {component: field element}


def scores(rules: RaceRules) -> dict[int, object]:
    r"""$\partial_\lambda \ln \pi(a)$ for both actions, in the rules' field."""
    K = field(rules)
    return {a: K.from_sympy(sp.diff(sp.log(rules.policy(a)), lam)) for a in (1, 2)}


def _steps(rules: RaceRules):
    """(probability, action, advanced) for the four outcomes of one step."""
    K = field(rules)
    for action in (1, 2):
        pi, p = K.from_sympy(rules.policy(action)), K.from_sympy(rules.advance(action))
        yield pi * p, action, True
        yield pi * (1 - p), action, False


def reinforce_system(rules: RaceRules) -> tuple[tuple[str, ...], list[Outcome]]:
    """The first-step system of REINFORCE's estimate (components B, A, Xb, Xa)."""
    K = field(rules)
    g, c = K.from_sympy(rules.discount), K.from_sympy(rules.step_reward)
    b1, b0 = (K.from_sympy(x) for x in goal_coefficients(rules))
    s = scores(rules)
    outs = []
    for prob, action, adv in _steps(rules):
        sa = s[action]

        def contributions(r0, r1, sa=sa) -> dict:
            return {"B": r1, "A": r0, "Xb": r1 * sa, "Xa": r0 * sa}

        # the reward of a step is $\rho_0 + \rho_1 t$ at time t: c, plus B(t+1) on reaching the goal
        last = contributions(c + b1 + b0, b1) if adv else contributions(c, K.zero)
        M = {
            "B": {"B": g},
            "A": {"B": g, "A": g},
            "Xb": {"B": g * sa, "Xb": g},
            "Xa": {"B": g * sa, "A": g * sa, "Xb": g, "Xa": g},
        }
        general = {n: ExpPoly.const(K, v) for n, v in contributions(c, K.zero).items()}
        outs.append(Outcome(prob, adv, general, last, M))
    return ("B", "A", "Xb", "Xa"), outs


def a2c_system(rules: RaceRules) -> tuple[tuple[str, ...], list[Outcome]]:
    """The first-step system of A2C's estimate (components W, U)."""
    K = field(rules)
    g = K.from_sympy(rules.discount)
    s = scores(rules)
    outs = []
    for prob, action, adv in _steps(rules):
        alpha_a, beta_a = advantage_parts(rules, action)
        c = {"W": alpha_a.scale(s[action]), "U": beta_a.scale(s[action])}
        last = {n: e.at(1) for n, e in c.items()}
        outs.append(Outcome(prob, adv, c, last, {"W": {"W": g}, "U": {"W": g, "U": g}}))
    return ("W", "U"), outs


def _key(a: str, b: str, order: tuple[str, ...]) -> tuple[str, str]:
    return (a, b) if order.index(a) <= order.index(b) else (b, a)


def solve(names: tuple[str, ...], outs: list[Outcome]) -> tuple[dict, dict]:
    """First and second moments of every component, as exponential polynomials in m."""
    K = next(iter(outs[0].c.values())).K
    zero = ExpPoly(K)
    mu: dict[str, ExpPoly] = {}
    for j in names:

        def rhs(last: bool, j=j) -> ExpPoly:
            """E[Z_j] without its own term: c, plus M applied to the known lower components."""
            total = zero
            for o in outs:
                cj = ExpPoly.const(K, o.c_last[j]) if last else o.c[j]
                part = cj
                for n, w in o.M[j].items():
                    if n == j:
                        continue
                    if o.advanced:
                        prime = zero if last else mu[n].shift()
                    else:
                        prime = ExpPoly.const(K, mu[n].at(1)) if last else mu[n]
                    part = part + prime.scale(w)
                total = total + part.scale(o.prob)
            return total

        stay = sum((o.prob * o.M[j][j] for o in outs if not o.advanced), K.zero)
        move = sum((o.prob * o.M[j][j] for o in outs if o.advanced), K.zero)
        first = rhs(True).at(1) / (1 - stay)
        mu[j] = unroll(move / (1 - stay), first, rhs(False).scale(1 / (1 - stay)))

    second: dict[tuple[str, str], ExpPoly] = {}
    pairs = sorted(
        ((a, b) for x, a in enumerate(names) for b in names[x:]),
        key=lambda ab: (names.index(ab[0]) + names.index(ab[1]), names.index(ab[0])),
    )
    for a, b in pairs:

        def rhs2(last: bool, a=a, b=b) -> ExpPoly:
            total = zero
            for o in outs:

                def c_of(n: str, o=o) -> ExpPoly:
                    return ExpPoly.const(K, o.c_last[n]) if last else o.c[n]

                def mean(n: str, o=o) -> ExpPoly:  # E[Z'_n]
                    if o.advanced:
                        return zero if last else mu[n].shift()
                    return ExpPoly.const(K, mu[n].at(1)) if last else mu[n]

                def sec(n: str, l: str, o=o) -> ExpPoly:  # E[Z'_n Z'_l]
                    key = _key(n, l, names)
                    if o.advanced:
                        return zero if last else second[key].shift()
                    return ExpPoly.const(K, second[key].at(1)) if last else second[key]

                part = c_of(a) * c_of(b)
                for n, w in o.M[b].items():
                    part = part + (c_of(a) * mean(n)).scale(w)
                for n, w in o.M[a].items():
                    part = part + (c_of(b) * mean(n)).scale(w)
                for n, w in o.M[a].items():
                    for l, v in o.M[b].items():
                        if (n, l) == (a, b):
                            continue  # the unknown itself
                        part = part + sec(n, l).scale(w * v)
                total = total + part.scale(o.prob)
            return total

        stay = sum((o.prob * o.M[a][a] * o.M[b][b] for o in outs if not o.advanced), K.zero)
        move = sum((o.prob * o.M[a][a] * o.M[b][b] for o in outs if o.advanced), K.zero)
        first = rhs2(True).at(1) / (1 - stay)
        second[(a, b)] = unroll(move / (1 - stay), first, rhs2(False).scale(1 / (1 - stay)))
    return mu, second


@lru_cache(maxsize=64)
def estimate_moments(rules: RaceRules, which: str) -> tuple[ExpPoly, ExpPoly]:
    """E[X] and E[X^2] of REINFORCE's or A2C's per-episode estimate, in m = advances to go."""
    if which == "reinforce":
        names, outs = reinforce_system(rules)
        target = "Xa"
    else:
        names, outs = a2c_system(rules)
        target = "U"
    mu, second = solve(names, outs)
    return mu[target], second[(target, target)]
