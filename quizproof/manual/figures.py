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

# The simulations of the quiz's processes, where this build has them.
try:
    from numerics import race as race_sim
except ImportError:  # pragma: no cover - depends on the installed toolkit
    race_sim = None
try:
    from numerics import vq as vq_sim
except ImportError:  # pragma: no cover - depends on the installed toolkit
    vq_sim = None
try:
    from numerics import entropy as entropy_sim
except ImportError:  # pragma: no cover - depends on the installed toolkit
    entropy_sim = None

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


def bound_figure(quiz: QuizData, samples: int = 20_000) -> Figure | None:
    """Problem 1: the sampled upper bound on $H(y)$ as the two models approach the truth."""
    if entropy_sim is None:
        return None
    seeds = np.random.SeedSequence(SEED + 2).spawn(12)
    rng = np.random.Generator(np.random.PCG64(seeds[0]))
    base = entropy_sim.FiniteModel.random(6, 4, rng)
    true_prior, true_dec = base.marginal_z, base.posterior.T
    terms = entropy_sim.TERMS
    bound = {  # the integrand of the bound: -ln P_Phi(z) + ln P_Psi(z|y) - ln P_Theta(y|z)
        "bound": lambda p: (
            terms["-ln P_Phi(z)"](p) + terms["ln P(z|y)"](p) + terms["-ln P_Theta(y|z)"](p)
        )
    }
    mix = np.linspace(0.0, 1.0, 11)
    exact, sampled, errors = [], [], []
    for s, seed in zip(mix, seeds[1:], strict=True):
        model = entropy_sim.FiniteModel(
            base.pop,
            base.enc,
            (1 - s) * base.prior + s * true_prior,  # $P_\Phi \to P_{\mathrm{Pop},\Psi}(z)$
            (1 - s) * base.dec + s * true_dec,  # $P_\Theta \to P_{\mathrm{Pop},\Psi}(y|z)$
        )
        values = model.exact()
        exact.append(values["bound"])
        est = entropy_sim.estimate(model, bound, samples, seed=seed)["bound"]
        sampled.append(est.mean)
        errors.append(2 * est.stderr)
    h_y = base.exact()["H(y)"]
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(7.0, 3.6))
        ax.plot(mix, exact, color="#1565c0", lw=1.6, label="bound, exact")
        ax.errorbar(
            mix,
            sampled,
            yerr=errors,
            fmt="o",
            ms=3.5,
            color="#1565c0",
            lw=1,
            label=f"bound, sampled ({samples:,} samples)",
        )
        ax.axhline(h_y, color="k", ls="--", lw=1.2, label="H(y)")
        ax.set_xlabel("models' distance travelled to the truth, s")
        ax.set_ylabel("nats")
        ax.legend(frameon=False)
        ax.grid(alpha=0.3)
        svg = _svg(fig)
    return Figure(
        f"figures/{quiz.slug}-entropy-bound.svg",
        svg,
        "Line chart: the upper bound on H(y) decreasing to H(y) as the models approach the truth",
        "The upper bound of 1(c) on a random finite population of 6 values with a 4-valued "
        "latent, as the models move from random ($s = 0$) to the true $P_{\\mathrm{Pop},\\Psi}(z)$ "
        "and $P_{\\mathrm{Pop},\\Psi}(y|z)$ ($s = 1$) by mixing. Dots: sample means over "
        "$y \\sim \\mathrm{Pop}$, $z \\sim P_\\Psi(z|y)$ with bars of two standard errors. "
        f"At $s = 1$ the exact bound is {exact[-1]:.6f} nats and $H(y)$ = {h_y:.6f} nats.",
    )


def codebook_figure(quiz: QuizData, eta: float = 0.01) -> Figure | None:
    """Problem 2: codewords trained by SGD moving to the means of their clusters."""
    if vq_sim is None:
        return None
    means = np.array([[-2.0, 0.0], [2.0, 0.5], [0.0, 2.5]])
    mixture = vq_sim.Mixture(means, 0.45, np.full(3, 1 / 3))
    checkpoints = [1, 32, 64, 128, 256, 512, 1024, 2048, 4096]
    paths = [vq_sim.codebook_sgd(mixture, 3, eta, n, 1, seed=SEED + 3) for n in checkpoints]
    path = np.stack([run.codebook[0] for run in paths])  # (checkpoints, K, I)
    final = paths[-1]
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(SEED + 4)))
    cloud = mixture.sample((600,), rng)
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.0, 4.4))
        ax.scatter(cloud[:, 0], cloud[:, 1], s=4, color="#9e9e9e", alpha=0.35, lw=0, label="data")
        for k in range(path.shape[1]):
            ax.plot(
                path[:, k, 0],
                path[:, k, 1],
                "-o",
                ms=3,
                lw=1.2,
                label="codeword e(k)" if k == 0 else None,
                color="#1565c0",
            )
        assigned = final.assigned_mean[0]
        ax.scatter(
            assigned[:, 0],
            assigned[:, 1],
            marker="x",
            s=60,
            color="#c62828",
            label="mean of its assigned vectors",
            zorder=3,
        )
        ax.set_aspect("equal")
        ax.legend(frameon=False, fontsize=8, loc="lower right")
        ax.grid(alpha=0.3)
        svg = _svg(fig)
    return Figure(
        f"figures/{quiz.slug}-codebook.svg",
        svg,
        "Scatter plot: three codewords moving from their starting points to the centres of "
        "three clusters of data",
        f"Codebook SGD with $\\eta = {eta}$ on a stream from a mixture of three Gaussians: "
        f"each codeword $e(k)$ after $n$ = {checkpoints[0]:,} to {checkpoints[-1]:,} steps "
        "(one run per $n$, all from the same seed and starting codebook), and (crosses) the "
        "mean of the vectors assigned to it in the second half of the longest run. There a "
        f"codeword lies {final.drift:.2g} from that mean on average.",
    )


def problem_figures(quiz: QuizData, number: str) -> list[Figure]:
    """Figures for one problem, drawn from the toolkit's derivations and simulations."""
    figures: list[Figure | None] = []
    if number == "1" and not quiz.is_variant:
        figures.append(bound_figure(quiz))
    if number == "2" and not quiz.is_variant:
        figures.append(codebook_figure(quiz))
    if number == "3":
        figures.append(race_value_figure(quiz))
        figures.append(gradient_figure(quiz))
    return [f for f in figures if f is not None]
