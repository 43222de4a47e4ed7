r"""The race's 3(d) on its page: the two estimators side by side, derived and simulated.

One point is shown: $\lambda = 1/2$, the variant's goal (or $N = 8$), and the
first admissible value of each new symbol.  The exact means and variances come
from the derived forms; the simulated ones from episodes of the race, A2C's
with advantages estimated by paired rollouts (no derived form enters the
simulation), and the histogram keeps the per-episode estimates in fixed bins.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import sympy as sp

from derivations.race import lam
from numerics import race as race_sim
from numerics.stats import Moments
from quizproof.families.race.runs import param_values, race_of
from quizproof.manual.content import INK, SEED, STYLE, Figure, ProblemView, Table, pyplot, svg
from quizproof.manual.html import esc

N_SHOWN = 8  # the goal shown when the race's goal is the symbol N
REINFORCE_EPISODES = 1 << 15
A2C_EPISODES = 1 << 13
ROLLOUTS = 4
BINS = 48


@dataclass(frozen=True)
class Shown:
    """The point shown and what the simulation saw there."""

    exact: dict[sp.Symbol, sp.Basic]
    race: race_sim.Race
    reinforce: race_sim.RaceStats
    a2c: race_sim.RaceStats

    @property
    def where(self) -> str:
        return ", ".join(f"${sp.latex(k)} = {sp.latex(v)}$" for k, v in self.exact.items())


def _edges(m: Moments, width: float = 4.0) -> tuple[float, ...]:
    """Fixed bins over the mean plus or minus ``width`` standard deviations of a pilot run."""
    sd = m.std if m.n > 1 and m.std > 0 else 1.0
    return tuple(np.linspace(m.mean - width * sd, m.mean + width * sd, BINS + 1))


_SHOWN: dict[tuple, Shown | None] = {}


def shown(view: ProblemView) -> Shown | None:
    """Simulate the shown point once per page (the figure and the table share it)."""
    if view.context is None:
        return None
    rules = view.context.params.rules
    key = (view.quiz_slug, view.problem.label)
    if key in _SHOWN:
        return _SHOWN[key]
    exact: dict[sp.Symbol, sp.Basic] = {lam: sp.Rational(1, 2)}
    if not rules.goal.is_number:
        exact[rules.goal] = sp.Integer(N_SHOWN)
    for p, values in param_values(rules).items():
        exact[p] = values[0]
    race = race_of(rules, exact)
    seeds = np.random.SeedSequence(SEED + 3).spawn(4)
    pilot_r = race_sim.simulate(race, 1 << 11, seed=seeds[0])
    pilot_a = race_sim.simulate(race, 1 << 9, seed=seeds[1], advantage="rollout",
                                rollouts=ROLLOUTS)  # fmt: skip
    reinforce = race_sim.simulate(race, REINFORCE_EPISODES, seed=seeds[2],
                                  edges=_edges(pilot_r.reinforce))  # fmt: skip
    a2c = race_sim.simulate(race, A2C_EPISODES, seed=seeds[3], advantage="rollout",
                            rollouts=ROLLOUTS, edges=_edges(pilot_a.a2c))  # fmt: skip
    _SHOWN[key] = Shown(exact, race, reinforce, a2c)
    return _SHOWN[key]


def _exact(view: ProblemView, kind: str, at: dict[sp.Symbol, sp.Basic]) -> sp.Basic | None:
    form = view.result(kind)
    if form is None:
        return None
    value = sp.simplify(form.subs(at))
    return value if not value.free_symbols and value.is_finite is not False else None


def _num(x: float) -> str:
    """Four significant digits; thousands separated, never an exponent below 10^9."""
    if x == 0 or not math.isfinite(x):
        return "0" if x == 0 else "–"
    if abs(x) >= 1e9 or abs(x) < 1e-4:
        return f"{x:.3e}"
    digits = 3 - math.floor(math.log10(abs(x)))  # decimals that keep four significant ones
    rounded = round(x, digits)
    return f"{rounded:,.0f}" if digits <= 0 else f"{rounded:,.{digits}f}".rstrip("0").rstrip(".")


def _exact_cell(value: sp.Basic | None) -> str:
    if value is None:
        return "no closed form"
    if value in (sp.oo, sp.zoo):
        return "∞"
    text = _num(float(value))
    if isinstance(value, sp.Rational) and value.q < 1000:
        return f"{esc(str(value))} = {text}" if value.q != 1 else text
    return text


def estimates_table(view: ProblemView) -> Table | None:
    """Both estimators' means and variances, exact and simulated, and their ratio."""
    s = shown(view)
    if s is None:
        return None
    a_var, a_se = s.a2c.a2c_variance()
    r = s.reinforce.reinforce
    rows = [
        {"Estimator": "REINFORCE", "Mean, exact": _exact_cell(_exact(view, "mean.reinforce", s.exact)),
         "Mean, simulated": f"{_num(r.mean)} ± {_num(r.stderr)}",
         "Variance, exact": _exact_cell(_exact(view, "var.reinforce", s.exact)),
         "Variance, simulated": f"{_num(r.variance)} ± {_num(r.variance_stderr)}"},
        {"Estimator": "A2C", "Mean, exact": _exact_cell(_exact(view, "mean.a2c", s.exact)),
         "Mean, simulated": f"{_num(s.a2c.a2c.mean)} ± {_num(s.a2c.a2c.stderr)}",
         "Variance, exact": _exact_cell(_exact(view, "var.a2c", s.exact)),
         "Variance, simulated": f"{_num(a_var)} ± {_num(a_se)}"},
    ]  # fmt: skip
    ratio = _exact(view, "var_ratio", s.exact)
    sim_ratio = r.variance / a_var if a_var > 0 else math.inf
    rel = math.hypot(r.variance_stderr / r.variance, a_se / a_var) if a_var > 0 else 0.0
    ratio_text = (
        f"The variance ratio, REINFORCE over A2C, is {_exact_cell(ratio)} exactly"
        if ratio is not None
        else "The variance ratio has no closed form here"
    )
    grad = _exact(view, "grad", s.exact)
    truth = f" The true gradient is {_exact_cell(grad)}." if grad is not None else ""
    html = pd.DataFrame(rows).to_html(index=False, escape=False, border=0,
                                      classes=["qp-table", "qp-estimates"])  # fmt: skip
    return Table(
        "The two estimators at a glance",
        html,
        f"The per-episode estimates of $dE[R]/d\\lambda$ from $(0, 0)$ at {s.where}. Exact: "
        "the derived closed forms at this point. Simulated: "
        f"{s.reinforce.episodes:,} episodes for REINFORCE and {s.a2c.episodes:,} for A2C, "
        f"whose advantages are estimated at every step from {ROLLOUTS} paired rollouts (its "
        "variance is corrected for the rollouts' own noise); ± one standard error. "
        f"{ratio_text}, and {_num(sim_ratio)} ± {_num(sim_ratio * rel)} in simulation.{truth}",
    )


def _bars(ax, hist, colour: str, label: str) -> None:
    edges = np.asarray(hist.edges)
    widths = np.diff(edges)
    density = np.asarray(hist.counts) / (hist.n * widths)
    ax.bar(edges[:-1], density, width=widths, align="edge", color=colour, alpha=0.75,
           lw=0, label=label)  # fmt: skip


def _occupied(*hists) -> tuple[float, float]:
    """The x-range of the bins that hold any estimate, with a small margin."""
    los, his = [], []
    for h in hists:
        full = np.flatnonzero(np.asarray(h.counts))
        if full.size:
            los.append(h.edges[full[0]])
            his.append(h.edges[full[-1] + 1])
    lo, hi = min(los), max(his)
    pad = 0.04 * (hi - lo)
    return lo - pad, hi + pad


def estimates_figure(view: ProblemView) -> Figure | None:
    """Histograms of the per-episode REINFORCE and A2C estimates, the true gradient marked."""
    s = shown(view)
    if s is None or s.reinforce.reinforce_hist is None or s.a2c.a2c_hist is None:
        return None
    grad = _exact(view, "grad", s.exact)
    plt = pyplot()
    with plt.rc_context(STYLE):
        fig, (top, bottom) = plt.subplots(2, 1, figsize=(7.0, 4.6), sharex=True)
        _bars(top, s.reinforce.reinforce_hist, "#c62828", "REINFORCE")
        _bars(bottom, s.a2c.a2c_hist, "#1565c0", "A2C")
        for ax in (top, bottom):
            if grad is not None:
                ax.axvline(float(grad), color=INK, ls="--", lw=1.2,
                           label="true gradient")  # fmt: skip
            ax.axvline(0.0, color="#888888", lw=0.8)
            ax.set_ylabel("density")
            ax.legend(frameon=False, fontsize=8, loc="upper right")
            ax.grid(alpha=0.3)
        lo, hi = _occupied(s.reinforce.reinforce_hist, s.a2c.a2c_hist)
        bottom.set_xlim(lo, hi)
        bottom.set_xlabel("per-episode estimate of dE[R]/dλ")
        fig.tight_layout()
        drawing = svg(fig)
    neg_r = s.reinforce.reinforce_negative / s.reinforce.episodes
    neg_a = s.a2c.a2c_negative / s.a2c.episodes
    outside = s.reinforce.reinforce_hist.below + s.reinforce.reinforce_hist.above
    return Figure(
        view.figure_src("estimates"),
        drawing,
        "Two histograms on one axis: REINFORCE's per-episode gradient estimates spread widely "
        "on both sides of zero, A2C's sit in a narrow peak at the true gradient",
        f"The per-episode estimates of $dE[R]/d\\lambda$ at {s.where}, in fixed bins "
        f"({s.reinforce.episodes:,} REINFORCE episodes, {s.a2c.episodes:,} A2C episodes with "
        f"rollout advantages; {outside:,} REINFORCE estimates fall outside the bins)"
        + (", and the true gradient, derived exactly (dashed)" if grad is not None else "")
        + f". An episode's update decreases $\\lambda$ in {neg_r:.1%} of the REINFORCE "
        f"episodes and {neg_a:.1%} of the A2C ones.",
    )
