r"""The race's pages in the manual: its restatement, a variant's rules, figures and tables."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd
import sympy as sp

from numerics import race as race_sim
from quizproof.family import Context
from quizproof.manual.content import SEED, STYLE, Figure, ProblemView, Table, pyplot, svg
from quizproof.manual.html import esc, frame_html, inline, prose

EPISODES = 20_000
N_GRID = (1, 2, 5, 10, 20)
LAMBDA_GRID = (Fraction(1, 10), Fraction(1, 4), Fraction(1, 2), Fraction(3, 4), Fraction(9, 10))

RESTATEMENT = r"""# How A2C reduces variance

The problem contrasts two estimators of the policy gradient of an episodic task.
REINFORCE weights each $\nabla_\Phi \ln \pi_\Phi(a_t|s_t)$ by the reward still to
come; advantage actor-critic (A2C) weights it by the advantage
$A^\pi(s_t, a_t) = Q^\pi(s_t, a_t) - V^\pi(s_t)$. Both have the true gradient as
their expectation; they differ in variance.

The example is a *race to the goal*. A policy is a biased coin: it takes action
$a_2$ with probability $\lambda$ and $a_1$ otherwise, whatever the state. Action
$a_1$ never advances, $a_2$ always advances by one, and the goal is reached after
$N$ advances. The only reward comes at the goal: $-T$, where $T$ is the number of
actions taken. A state is the pair $(i, t)$ of advances made and actions taken.
The best policy always takes $a_2$ and finishes in $N$ actions.

The problem asks for

- **(a)** the next state after $a_1$ and after $a_2$;
- **(b)** the value $V^\pi(i, t)$, using that one advance takes
  $\sum_{t \ge 1} \lambda (1-\lambda)^{t-1} t = 1/\lambda$ actions on average;
- **(c)** $Q^\pi$ and the advantage $A^\pi$ of both actions, from
  $Q^\pi(s, a) = R(s, a) + E_{s'|s,a} V^\pi(s')$, including the last step;
- **(d)** whether a sampled A2C update can ever *decrease* $\lambda$, when a
  sampled REINFORCE update can (for example at $\lambda = 1/2$ with more $a_2$
  than $a_1$ in the episode).
"""


def restatement(ctx: Context) -> str:
    return RESTATEMENT


REWARDS = {
    "terminal": "the only reward is $-T$, paid on reaching the goal after $T$ actions",
    "per-step": "every action costs one unit: reward $-1$ at each step until the goal",
}


def rules(ctx: Context, table: Mapping[str, Any]) -> str:
    """The changed rules of a variant, in words and as a table."""
    race = table or {}
    a1 = str(race.get("advance_prob_a1", "0"))
    a2 = str(race.get("advance_prob_a2", "1"))
    reward = str(race.get("reward", "terminal"))
    frame = pd.DataFrame(
        [
            {"Rule": "action $a_1$ advances with probability", "Value": inline(a1)},
            {"Rule": "action $a_2$ advances with probability", "Value": inline(a2)},
            {"Rule": "reward", "Value": esc(reward)},
        ]
    )
    frame["Rule"] = frame["Rule"].map(prose)
    text = (
        "This variant changes the rules of the race to the goal. The policy still picks "
        "$a_2$ with probability $\\lambda$ and $a_1$ otherwise, independently of the state "
        "$(i, t)$ ($i$ advances made, $t$ actions taken), and the goal is reached after "
        f"$N$ advances. Here $a_1$ advances with probability ${a1}$, $a_2$ with "
        f"probability ${a2}$, and {REWARDS.get(reward, esc(reward))}."
    )
    return text + "\n\n" + frame_html(frame, "qp-rules") + "\n"


def exact_value(expr: sp.Basic, values: dict[str, object]) -> float | None:
    """A derived expression at a point given by symbol names; None if a symbol is left."""
    subs = {sym: sp.nsimplify(values[sym.name]) for sym in expr.free_symbols if sym.name in values}
    value = expr.subs(subs)
    return float(value) if not value.free_symbols else None


def exact_at(expr: sp.Basic, values: dict[str, object]) -> sp.Basic:
    """``expr`` at a point given by symbol names, exactly."""
    subs = {s: sp.nsimplify(values[s.name]) for s in expr.free_symbols if s.name in values}
    return sp.simplify(expr.subs(subs))


def _show(value: sp.Basic) -> str:
    if value is sp.nan or value.free_symbols:
        return "–"
    if value in (sp.oo, sp.zoo):
        return "∞"
    number = float(value)
    if abs(number) >= 1000:
        return f"{number:,.0f}"
    return f"{number:.3g}"


def race_value_figure(view: ProblemView, n_goal: int = 8) -> Figure | None:
    """$V^\\pi(i, 0)$: the derived closed form against rollouts of the simulated race."""
    expr = view.result("V")
    if expr is None or view.is_variant:  # drawn for the quiz's own rules
        return None
    lams = (Fraction(1, 4), Fraction(1, 2), Fraction(3, 4), Fraction(9, 10))
    seeds = np.random.SeedSequence(SEED).spawn(len(lams) * n_goal)
    plt = pyplot()
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(7.0, 3.8))
        for k, lam in enumerate(lams):
            states = range(n_goal + 1)
            ys = [exact_value(expr, {"N": n_goal, "lambda": lam, "i": i, "t": 0}) for i in states]
            if any(y is None for y in ys):
                plt.close(fig)
                return None
            (line,) = ax.plot(states, ys, lw=1.4, label=f"λ = {lam}")
            means, errs = [], []
            for i in range(n_goal):
                stats = race_sim.simulate(
                    race_sim.Race(float(lam), n_goal),
                    EPISODES,
                    start=(i, 0),
                    seed=seeds[k * n_goal + i],
                )
                means.append(stats.ret.mean)
                errs.append(2 * stats.ret.stderr)
            ax.errorbar(
                range(n_goal), means, yerr=errs, fmt="o", ms=3.5, color=line.get_color(), lw=1
            )
        ax.set_xlabel("advances made, i")
        ax.set_ylabel("V(i, 0)")
        ax.legend(frameon=False, title="closed form (lines), rollouts (dots)")
        ax.grid(alpha=0.3)
        drawing = svg(fig)
    rollouts = (
        f" Dots: the mean return of {EPISODES:,} simulated episodes from $(i, 0)$, with bars "
        "of two standard errors."
    )
    return Figure(
        view.figure_src("value"),
        drawing,
        f"Line chart of the value V(i, 0) against i for N = {n_goal} and four values of lambda",
        f"The value $V^\\pi(i, 0)$ of the race with $N = {n_goal}$. Lines: the derived closed "
        "form, evaluated exactly." + rollouts,
    )


def gradient_figure(view: ProblemView, n_goal: int = 8) -> Figure | None:
    """The per-episode REINFORCE and A2C estimates of $dE[R]/d\\lambda$, and the truth."""
    a1, a2 = view.result("A.a1"), view.result("A.a2")
    value = view.result("V")
    if None in (a1, a2, value) or view.is_variant:
        return None
    grad = view.result("grad")
    lam_sym = next((s for s in value.free_symbols if s.name == "lambda"), None)
    if grad is None and lam_sym is not None:  # d/dlambda of the derived V at the start
        grad = sp.diff(value, lam_sym)
    lams = [Fraction(k, 20) for k in range(3, 19)]
    seeds = np.random.SeedSequence(SEED + 1).spawn(len(lams))
    rows = []
    for lam, seed in zip(lams, seeds, strict=True):
        point = {"N": n_goal, "lambda": lam, "i": 0, "t": 0}
        adv = (exact_value(a1, point), exact_value(a2, point))
        truth = exact_value(grad, point) if grad is not None else None
        if None in adv or truth is None:
            return None

        def advantage(i, t, a, adv=adv):
            return np.where(a == 2, adv[1], adv[0])

        stats = race_sim.simulate(
            race_sim.Race(float(lam), n_goal), EPISODES, seed=seed, advantage=advantage
        )
        rows.append((float(lam), truth, stats))
    x = np.array([r[0] for r in rows])
    plt = pyplot()
    with plt.rc_context(STYLE):
        fig, (left, right) = plt.subplots(1, 2, figsize=(9.0, 3.8))
        for name, colour, get in (
            ("REINFORCE", "#c62828", lambda s: s.reinforce),
            ("A2C", "#1565c0", lambda s: s.a2c),
        ):
            mean = np.array([get(r[2]).mean for r in rows])
            std = np.array([get(r[2]).std for r in rows])
            left.fill_between(x, mean - std, mean + std, color=colour, alpha=0.18, lw=0)
            left.plot(x, mean, color=colour, lw=1.4, label=f"{name}: mean ± 1 sd")
            right.plot(x, std, color=colour, marker="o", ms=3, lw=1.4, label=name)
        left.plot(x, [r[1] for r in rows], "k--", lw=1.2, label="true gradient")
        left.set_ylim(-150, 400)
        left.set_xlabel("λ")
        left.set_ylabel("per-episode estimate of dE[R]/dλ")
        left.legend(frameon=False, fontsize=8)
        left.grid(alpha=0.3)
        right.set_yscale("log")
        right.set_xlabel("λ")
        right.set_ylabel("standard deviation of the estimate")
        right.legend(frameon=False)
        right.grid(alpha=0.3, which="both")
        fig.tight_layout()
        drawing = svg(fig)
    half = min(rows, key=lambda r: abs(r[0] - 0.5))[2]
    neg_r = half.reinforce_negative / half.episodes
    neg_a = half.a2c_negative / half.episodes
    ratio = half.reinforce.std / half.a2c.std
    return Figure(
        view.figure_src("gradient-estimates"),
        drawing,
        "Two charts: the REINFORCE and A2C gradient estimates against lambda with the true "
        "gradient, and their standard deviations on a log scale",
        f"Per-episode estimates of $dE[R]/d\\lambda$ at $N = {n_goal}$ from {EPISODES:,} "
        "simulated episodes per $\\lambda$ (A2C with the derived advantages); dashed: the true "
        f"gradient, derived exactly. At $\\lambda = 1/2$ the standard deviation of REINFORCE "
        f"is {ratio:.3g} times that of A2C, and an episode decreases $\\lambda$ with frequency "
        f"{neg_r:.3f} under REINFORCE and {neg_a:.3f} under A2C.",
    )


def variance_ratio_table(view: ProblemView) -> Table | None:
    """The exact variance ratio of REINFORCE to A2C over a grid of N and lambda."""
    derivation = view.derived.get("var_ratio")
    if derivation is None or derivation.result is sp.nan:
        return None
    ratio = derivation.result
    extra = {s.name for s in ratio.free_symbols} - {"N", "lambda"}
    if extra:  # a variant's own parameters: no single grid
        return None
    rows = []
    for n in N_GRID:
        row = {"N": str(n)}
        for lam in LAMBDA_GRID:
            row[f"λ = {lam}"] = _show(exact_at(ratio, {"N": n, "lambda": lam}))
        rows.append(row)
    frame = pd.DataFrame(rows)
    html = frame.to_html(index=False, escape=True, border=0, classes=["qp-table", "qp-grid"])
    return Table(
        "How much A2C reduces the variance",
        html,
        "The exact ratio $\\operatorname{Var} \\hat g_{\\text{REINFORCE}} / "
        "\\operatorname{Var} \\hat g_{\\text{A2C}}$ of the two per-episode estimates of "
        "$d E[R] / d\\lambda$, from the derived closed form (claim `p3d.var_ratio`), "
        "at each goal distance $N$ and policy $\\lambda$:\n\n"
        f"$$\\frac{{\\operatorname{{Var}} \\hat g_{{\\text{{REINFORCE}}}}}}"
        f"{{\\operatorname{{Var}} \\hat g_{{\\text{{A2C}}}}}} = {sp.latex(ratio)}$$",
    )


def figures(view: ProblemView) -> list[Figure]:
    return [f for f in (race_value_figure(view), gradient_figure(view)) if f is not None]


def tables(view: ProblemView) -> list[Table]:
    return [t for t in (variance_ratio_table(view),) if t is not None]
