r"""The race's value claims in simulation, and its simulator's benchmark.

The rules of the file's ``[race]`` table set the rules the simulation runs
(:mod:`numerics.race`); the printed answer (every member of a chain) is
evaluated at a few admissible points and tested against what the episodes show.
The other claim kinds have their own modules: one step (:mod:`.steps`), the
policy-gradient estimates (:mod:`.estimators`), the yes/no claims (:mod:`.signs`).

| claim kinds | simulated quantity |
| --- | --- |
| ``V`` | mean return of episodes from $(i, t)$ |
| ``Q.a1``, ``Q.a2`` | mean return with the first action forced |
| ``A.a1``, ``A.a2`` | $\lambda D$ and $-(1-\lambda) D$, $D$ the paired difference of the returns after a forced $a_1$ and a forced $a_2$ |
| ``series`` | mean number of actions to make one advance |
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

import numpy as np
import sympy as sp

from derivations.race import RaceRules
from numerics import race as sim
from quizproof.families.race.notation import UNKNOWNS
from quizproof.families.race.quantities import OutsideStates, Quantity, difference
from quizproof.families.race.runs import RacePoint, race_points
from quizproof.family import Context
from quizproof.model import Claim
from quizproof.notation.unknowns import marked
from quizproof.simulation import (
    ClaimCheck,
    SimulationError,
    SimulationRun,
    labelled,
    members,
    number,
    show,
)


def own_quantity(kind: str, rp: RacePoint) -> Quantity:
    """The quantity a value claim of this kind is about, at a point."""
    if kind == "series":
        return Quantity("series", rp.race.N - 1, rp.t)
    if kind == "V":
        return Quantity("V", rp.i, rp.t)
    name, action = kind.split(".a")
    return Quantity(name, rp.i, rp.t, int(action))


def value(claim: Claim, ctx: Context, run: SimulationRun) -> ClaimCheck:
    """A value of the race (V, Q, A, the series) at each point, every member of the chain.

    A closed-form member is tested against the simulated quantity; a member
    naming quantities (``V^\\pi(i, t + 1)``) against the same quantity, each
    of its own quantities simulated from its definition.
    """
    rules: RaceRules = ctx.params
    out = ClaimCheck(claim.id, claim.answer)
    chain = members(claim, ctx, unknowns=UNKNOWNS)
    skipped: list[str] = []
    for p, rp in enumerate(race_points(rules)):
        own = own_quantity(claim.kind, rp)
        for mi, member in enumerate(chain):
            if isinstance(member, sp.Tuple):
                raise SimulationError("a tuple where a single value is asked")
            key = (run.index, p, mi)
            if not marked(member):
                claimed = number(member, rp.exact)
                pc = run.planner.decide(rp.shown, claimed, own.estimator(rp.race, run.planner, key))
                out.points.append(labelled(pc, member, chain))
                continue
            try:
                stat = difference(own, member, rp.exact, rp.race, run.planner, key)
            except OutsideStates as err:  # e.g. V(i + 1, t + 1) at i = N - 1: the goal
                which = f"member {chain.index(member) + 1}: " if len(chain) > 1 else ""
                skipped.append(f"{which}{err} at {show(rp.exact)}")
                continue
            if stat is None:
                continue  # the member names the claim's own quantity: nothing to test
            pc = run.planner.decide(rp.shown, 0.0, stat.estimate, lambda s=stat: s.scale)
            pc.note = f"${own.latex}$ minus ${stat.shown}$, both simulated"
            out.points.append(labelled(pc, member, chain))
    if skipped:
        out.message = "not simulated: " + "; ".join(skipped)
    return out


BENCH_RACE = sim.Race(0.5, 10)  # the quiz's race: a2 advances, a1 does not, reward -T


def bench(
    repeats: int = 5,
    episodes: int = 1 << 20,
    loop_episodes: int = 20_000,
    memory_episodes: tuple[int, int] | None = None,
) -> dict:
    """Steps per second of the simulator, numpy's raw uniforms and a plain Python loop.

    The three are measured in turns, ``repeats`` times, and the medians
    reported; the ratio is the median of the per-round ratios (both rates
    measured back to back, so load on the machine cancels).
    """
    sim.simulate(BENCH_RACE, 1 << 16, seed=0)  # warm up
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(0)))
    buf = np.empty(sim.SLOTS)
    sims, raws, loops, ratios = [], [], [], []
    for r in range(repeats):
        t0 = time.perf_counter()
        s = sim.simulate(BENCH_RACE, episodes, seed=r)
        sim_rate = s.steps / (time.perf_counter() - t0)
        draws = 0
        t0 = time.perf_counter()
        while draws < s.steps:
            rng.random(out=buf)
            draws += buf.size
        raw_rate = draws / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        steps, _, _ = sim.python_loop(BENCH_RACE, loop_episodes, seed=r)
        loops.append(steps / (time.perf_counter() - t0))
        sims.append(sim_rate)
        raws.append(raw_rate)
        ratios.append(sim_rate / raw_rate)
    sim_med = statistics.median(sims)
    loop_med = statistics.median(loops)
    sizes = memory_episodes or MEMORY_EPISODES
    memory = {f"{n:.0e}": peak_memory_mb(n) for n in sizes}
    return {
        "sim_steps_per_s": sim_med,
        "rng_uniforms_per_s": statistics.median(raws),
        "ratio_to_rng": statistics.median(ratios),
        "python_loop_steps_per_s": loop_med,
        "speedup_vs_python": sim_med / loop_med,
        "repeats": repeats,
        "race": {"lambda": BENCH_RACE.lam, "N": BENCH_RACE.N, "reward": BENCH_RACE.reward},
        "peak_memory_mb_by_episodes": memory,
        "memory_ratio": memory[f"{sizes[-1]:.0e}"] / memory[f"{sizes[0]:.0e}"],
    }


#: Two run sizes a hundred times apart: streaming keeps the peak memory of both the same.
MEMORY_EPISODES = (10**6, 10**8)

_PEAK = """
import resource, sys
from numerics import race
race.simulate(race.Race(0.5, 10), int(sys.argv[1]), seed=0)  # the quiz's race
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_memory_mb(episodes: int) -> float:
    """Peak resident memory (MB) of a fresh process that simulates ``episodes`` episodes."""
    out = subprocess.run([sys.executable, "-c", _PEAK, str(episodes)], capture_output=True,
                         text=True, check=True, timeout=600)  # fmt: skip
    return int(out.stdout.split()[-1]) / 1024.0  # ru_maxrss is in KB on Linux


# ---------------------------------------------------------------------------
