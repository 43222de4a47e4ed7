r"""The race's pages in the manual: its restatement, a variant's rules, figures and tables."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd
import sympy as sp

from numerics import race as race_sim
from quizproof.families.race.manual_estimates import estimates_figure, estimates_table
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
  than $a_1$ in the episode). The policy's parameter is $\lambda$ itself, or its
  logit $\theta$ with $\lambda = \sigma(\theta) = 1/(1 + e^{-\theta})$; the
  per-episode estimates are REINFORCE's
  $\hat g = \sum_t \frac{d \ln \pi(a_t)}{d\lambda} \sum_{t' \ge t} r_{t'}$ and
  A2C's $\sum_t \frac{d \ln \pi(a_t)}{d\lambda} A^\pi(s_t, a_t)$, both with mean
  $d E[R] / d\lambda$.
"""


def restatement(ctx: Context) -> str:
    return RESTATEMENT


REWARDS = {
    "terminal": "the only reward is $-T$, earned by the action that reaches the goal, where "
    "$T$ is the number of actions taken by then",
    "per-step": "every action costs one unit: reward $-1$ for each action until the goal",
    "success": "the action that reaches the goal earns $+1$, and nothing else is rewarded",
}
REWARD_WORDS = {"terminal": "$-T$ at the goal", "per-step": "$-1$ per action",
                "success": "$+1$ at the goal"}  # fmt: skip


def rules(ctx: Context, table: Mapping[str, Any]) -> str:
    """The changed rules of a variant, in words and as a table beside the quiz's."""
    r = ctx.params.rules
    reward = r.reward
    a1, a2 = sp.latex(r.advance_a1), sp.latex(r.advance_a2)
    rows = [
        ("action $a_1$ advances with probability", inline(a1), inline("0")),
        ("action $a_2$ advances with probability", inline(a2), inline("1")),
        ("reward", prose(REWARD_WORDS.get(reward, esc(reward))), prose(REWARD_WORDS["terminal"])),
        ("discount $\\gamma$", inline(sp.latex(r.discount)), inline("1")),
        ("advances needed to reach the goal", inline(sp.latex(r.goal)), inline("N")),
    ]
    frame = pd.DataFrame(
        [{"Rule": prose(rule), "This variant": v, "Quiz": q} for rule, v, q in rows]
    )
    goal = f"${sp.latex(r.goal)}$"
    text = (
        "This variant changes the rules of the race to the goal. The policy still picks "
        "$a_2$ with probability $\\lambda$ and $a_1$ otherwise, whatever the state "
        "$(i, t)$ ($i$ advances made, $t$ actions taken), and the goal is reached after "
        f"{goal} advances. Here {_advance(1, r.advance_a1)}, {_advance(2, r.advance_a2)}, and "
        f"{REWARDS.get(reward, esc(reward))}."
    )
    if r.discount != 1:
        factor = "$\\gamma$" if r.discount.is_Symbol else f"$\\gamma = {sp.latex(r.discount)}$"
        text += (
            f" Rewards are discounted by {factor}: the reward of the "
            "action taken $k$ steps after a state counts $\\gamma^k$ in that state's value (the "
            "action taken in the state itself counts fully)."
        )
    ranges = _ranges(ctx)
    if ranges:
        text += " The new symbols range over " + ", ".join(ranges) + "."
    return text + "\n\n" + frame_html(frame, "qp-rules") + "\n"


def _advance(action: int, p: sp.Expr) -> str:
    if p == 0:
        return f"$a_{action}$ never advances"
    if p == 1:
        return f"$a_{action}$ always advances"
    return f"$a_{action}$ advances with probability ${sp.latex(p)}$"


def _ranges(ctx: Context) -> list[str]:
    """Each new symbol's admissible range, as math."""
    from derivations.race import policy_gradient as pg

    r = ctx.params.rules
    out = []
    for p in r.parameters:
        iv = pg.interval_of(p, getattr(ctx.params, "bounds", ()), r)
        lo = "<" if iv.left_open else r"\le"
        hi = "<" if iv.right_open else r"\le"
        out.append(f"${sp.latex(iv.start)} {lo} {sp.latex(p)} {hi} {sp.latex(iv.end)}$")
    return out


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
        "$d E[R] / d\\lambda$, from the derived closed form, "
        "at each goal distance $N$ and policy $\\lambda$:\n\n"
        f"$$\\frac{{\\operatorname{{Var}} \\hat g_{{\\text{{REINFORCE}}}}}}"
        f"{{\\operatorname{{Var}} \\hat g_{{\\text{{A2C}}}}}} = {sp.latex(ratio)}$$",
    )


def figures(view: ProblemView) -> list[Figure]:
    return [f for f in (race_value_figure(view), estimates_figure(view)) if f is not None]


def tables(view: ProblemView) -> list[Table]:
    found = (estimates_table(view), variance_ratio_table(view))
    return [t for t in found if t is not None]
