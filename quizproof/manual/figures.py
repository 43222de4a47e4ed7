"""The manual's figures, drawn with matplotlib as SVG at build time.

Each function returns :class:`quizproof.manual.pages.Figure` objects (the SVG
bytes, where they go in the site, alt text and caption) or nothing when the
data it needs is not in this build.  SVGs are written deterministically (fixed
hash salt, no date) so a rebuild of unchanged data gives the same bytes.
"""

from __future__ import annotations

import io
from fractions import Fraction

import matplotlib
import numpy as np
import sympy as sp

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from quizproof.manual.data import VERDICTS, QuizData
from quizproof.manual.pages import Figure

try:  # the simulations of the quiz's processes, where this build has them
    from numerics import race as race_sim
except ImportError:  # pragma: no cover - depends on the installed toolkit
    race_sim = None

__all__ = ["overview_figures", "problem_figures", "quiz_figures"]

#: One seed fixes every simulated number of the manual's figures.
SEED = 20260
EPISODES = 20_000

COLOURS = {
    "verified": "#2e7d32",
    "refuted": "#c62828",
    "undecided": "#ef8f00",
    "invalid": "#6a1b9a",
    "unsupported": "#607d8b",
}
STYLE = {
    "svg.hashsalt": "quizproof",
    "svg.fonttype": "path",
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def _svg(fig: plt.Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    return buf.getvalue()


def _verdict_bars(labels: list[str], counts: list[dict[str, int]], xlabel: str) -> bytes:
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(7.0, 0.55 * len(labels) + 1.1))
        left = [0] * len(labels)
        for verdict in VERDICTS:
            widths = [c.get(verdict, 0) for c in counts]
            if not any(widths):
                continue
            ax.barh(labels, widths, left=left, color=COLOURS[verdict], label=verdict, height=0.6)
            for k, w in enumerate(widths):
                if w:
                    ax.text(left[k] + w / 2, k, str(w), ha="center", va="center", color="white")
            left = [a + b for a, b in zip(left, widths, strict=True)]
        ax.invert_yaxis()
        ax.set_xlabel(xlabel)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.legend(ncols=5, loc="lower left", bbox_to_anchor=(0, 1.0), frameon=False)
        return _svg(fig)


def overview_figures(quizzes: list[QuizData]) -> list[Figure]:
    """Verdicts of every quiz file, one bar each."""
    if not quizzes:
        return []
    svg = _verdict_bars([q.title for q in quizzes], [q.counts() for q in quizzes], "claims")
    return [
        Figure(
            "figures/overview-verdicts.svg",
            svg,
            "Bar chart of the verdicts of every claim of every quiz file",
            "Verdicts of the printed answers, per quiz file.",
        )
    ]


def quiz_figures(quiz: QuizData) -> list[Figure]:
    """Verdicts of one quiz, one bar per problem."""
    problems = quiz.problems
    counts = []
    for p in problems:
        c = dict.fromkeys(VERDICTS, 0)
        for claim in p.claims:
            c[str(claim.get("verdict", "undecided"))] += 1
        counts.append(c)
    svg = _verdict_bars([f"Problem {p.number}" for p in problems], counts, "claims")
    return [
        Figure(
            f"figures/{quiz.slug}-verdicts.svg",
            svg,
            f"Bar chart of the verdicts of {quiz.title}, per problem",
            f"Verdicts of the printed answers of {quiz.title}, per problem.",
        )
    ]


def exact_value(expr: sp.Basic, values: dict[str, object]) -> float | None:
    """A derived expression at a point given by symbol names; None if a symbol is left."""
    subs = {sym: sp.nsimplify(values[sym.name]) for sym in expr.free_symbols if sym.name in values}
    value = expr.subs(subs)
    return float(value) if not value.free_symbols else None


def _result(quiz: QuizData, *ids: str) -> sp.Basic | None:
    for id_ in ids:
        if id_ in quiz.derived:
            expr = quiz.derived[id_].result
            return expr.rhs if isinstance(expr, sp.Equality) else expr
    return None


def _quiz_rules(quiz: QuizData) -> bool:
    """Figures of problem 3 are drawn for the quiz's own rules (no variant parameters)."""
    return quiz.race is None


def race_value_figure(quiz: QuizData, n_goal: int = 8) -> Figure | None:
    """$V^\\pi(i, 0)$: the derived closed form against rollouts of the simulated race."""
    expr = _result(quiz, "p3b.V", "p3c.V")
    if expr is None or not _quiz_rules(quiz):
        return None
    lams = (Fraction(1, 4), Fraction(1, 2), Fraction(3, 4), Fraction(9, 10))
    seeds = np.random.SeedSequence(SEED).spawn(len(lams) * n_goal)
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(7.0, 3.8))
        for k, lam in enumerate(lams):
            states = range(n_goal + 1)
            ys = [exact_value(expr, {"N": n_goal, "lambda": lam, "i": i, "t": 0}) for i in states]
            if any(y is None for y in ys):
                plt.close(fig)
                return None
            (line,) = ax.plot(states, ys, lw=1.4, label=f"λ = {lam}")
            if race_sim is None:
                continue
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
        ax.legend(
            frameon=False, title="closed form (lines)" + (", rollouts (dots)" if race_sim else "")
        )
        ax.grid(alpha=0.3)
        svg = _svg(fig)
    rollouts = (
        f" Dots: the mean return of {EPISODES:,} simulated episodes from $(i, 0)$, with bars "
        "of two standard errors."
        if race_sim is not None
        else " (Rollouts are not available in this build.)"
    )
    return Figure(
        f"figures/{quiz.slug}-race-value.svg",
        svg,
        f"Line chart of the value V(i, 0) against i for N = {n_goal} and four values of lambda",
        f"The value $V^\\pi(i, 0)$ of the race with $N = {n_goal}$. Lines: the derived closed "
        "form, evaluated exactly." + rollouts,
    )


def gradient_figure(quiz: QuizData, n_goal: int = 8) -> Figure | None:
    """The per-episode REINFORCE and A2C estimates of $dE[R]/d\\lambda$, and the truth."""
    a1, a2 = _result(quiz, "p3c.A.a1"), _result(quiz, "p3c.A.a2")
    value = _result(quiz, "p3b.V", "p3c.V")
    if race_sim is None or None in (a1, a2, value) or not _quiz_rules(quiz):
        return None
    grad = _result(quiz, "p3d.grad")
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
        svg = _svg(fig)
    half = min(rows, key=lambda r: abs(r[0] - 0.5))[2]
    neg_r = half.reinforce_negative / half.episodes
    neg_a = half.a2c_negative / half.episodes
    ratio = half.reinforce.std / half.a2c.std
    return Figure(
        f"figures/{quiz.slug}-gradient-estimates.svg",
        svg,
        "Two charts: the REINFORCE and A2C gradient estimates against lambda with the true "
        "gradient, and their standard deviations on a log scale",
        f"Per-episode estimates of $dE[R]/d\\lambda$ at $N = {n_goal}$ from {EPISODES:,} "
        "simulated episodes per $\\lambda$ (A2C with the derived advantages); dashed: the true "
        f"gradient, derived exactly. At $\\lambda = 1/2$ the standard deviation of REINFORCE "
        f"is {ratio:.3g} times that of A2C, and an episode decreases $\\lambda$ with frequency "
        f"{neg_r:.3f} under REINFORCE and {neg_a:.3f} under A2C.",
    )


def problem_figures(quiz: QuizData, number: str) -> list[Figure]:
    """Figures for one problem, drawn from the toolkit's derivations and simulations."""
    figures: list[Figure | None] = []
    if number == "3":
        figures.append(race_value_figure(quiz))
        figures.append(gradient_figure(quiz))
    return [f for f in figures if f is not None]
