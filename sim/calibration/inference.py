"""Simulation-based inference of the decisive parameters: ABC-SMC (Del Moral et al. 2012; Beaumont et al.
2009) with pyabc, reproducible from a seed.

pyabc works in the unit cube: parameter k's coordinate is its place in its prior's range (log10 for the
log-uniform ones), so the perturbation kernels (a multivariate normal fitted to the last population) are
on one scale for lambda and for a discount alike. A particle's model run is one run of the scenario with
the particle's values (`sim.calibration.statistics.simulate`), its distance that of `sim.calibration.distance`.
Generation t accepts a run within the weighted median distance of generation t - 1 (`QuantileEpsilon`), until
`generations` have run, the tolerance reaches `min_epsilon`, or `max_simulations` are spent: all three
are counts, so the stop is the same on every machine.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.calibration import distance as dist
from sim.calibration import statistics
from sim.calibration.patterns import Pattern
from sim.calibration.priors import Prior, overrides
from sim.core.errors import SimError
from sim.core.scenario import Scenario, apply_overrides


@dataclass(frozen=True)
class Settings:
    """How long the inference runs: particles per population and the three stops."""

    population: int = 200
    generations: int = 8
    min_epsilon: float = 0.0
    max_simulations: int = 20_000
    min_acceptance: float = 0.02    # a generation that accepts fewer of its runs ends the inference


@dataclass(frozen=True)
class Result:
    """The last population: [P, K] values (natural scale) with their weights and distances, and per generation
    its tolerance and the evaluations it took."""

    names: tuple[str, ...]
    values: np.ndarray
    weights: np.ndarray
    distances: np.ndarray
    epsilons: tuple[float, ...]
    evaluations: tuple[int, ...]


class Simulator:
    """pyabc's model: the particle's unit coordinates -> one run's statistics. The run's seed is drawn from
    numpy's global generator, which the sampler seeds for each evaluation."""

    def __init__(self, scn: Scenario, priors: Sequence[Prior], patterns: Sequence[Pattern]):
        self.scn, self.priors = scn, tuple(priors)
        self.statistics = [p.statistic for p in patterns]

    def __call__(self, par: Any) -> dict[str, np.ndarray]:
        theta = natural(self.priors, [par[p.name] for p in self.priors])
        scn = apply_overrides(self.scn, overrides(self.priors, theta), origin="prior")
        seed = int(np.random.randint(0, 2**62))   # noqa: NPY002 - pyabc's global generator, seeded per evaluation
        return {"s": statistics.simulate(scn, seed, [0], self.statistics)[0]}


class Distance:
    """pyabc's distance: the run's distance from the record (the observed side is in the patterns)."""

    def __init__(self, patterns: Sequence[Pattern]):
        self.patterns = tuple(patterns)

    def __call__(self, x: dict[str, np.ndarray], x0: dict[str, np.ndarray]) -> float:
        return float(dist.distance(x["s"], self.patterns))


def natural(priors: Sequence[Prior], unit: Sequence[float]) -> dict[str, float]:
    """{name: value} of unit coordinates."""
    return {p.name: float(p.from_unit(u)) for p, u in zip(priors, unit, strict=True)}


def infer(scn: Scenario, priors: Sequence[Prior], patterns: Sequence[Pattern], seed: int, settings: Settings,
          run_tasks: Callable[[Callable[[Any], Any], Sequence[Any]], Iterator[Any]],
          on_evaluated: Callable[[int], object] | None = None,
          on_generation: Callable[[int, float], object] | None = None) -> Result:
    """ABC-SMC of `priors` on the case's `patterns`; the same `seed` and settings give the same result."""
    import logging

    import pyabc

    from sim.calibration.sampler import OrderedSampler

    logging.getLogger("ABC").setLevel(logging.WARNING)     # pyabc's chatter (its loggers are ABC.*)
    prior = pyabc.Distribution(**{p.name: pyabc.RV("uniform", 0.0, 1.0) for p in priors})
    sampler = OrderedSampler(seed, run_tasks, on_evaluated)
    saved = np.random.get_state()   # noqa: NPY002 - pyabc draws from numpy's global generator
    np.random.seed(np.random.SeedSequence(seed).generate_state(4))   # noqa: NPY002 - what pyabc draws between generations
    try:
        with tempfile.TemporaryDirectory(prefix="calibrate-") as folder:
            abc = pyabc.ABCSMC(Simulator(scn, priors, patterns), prior, Distance(patterns),
                               population_size=settings.population, sampler=sampler,
                               eps=pyabc.QuantileEpsilon(alpha=0.5, quantile_multiplier=0.95))
            abc.new("sqlite:///" + os.path.join(folder, "abc.db"), {"s": np.zeros(len(patterns))})
            history = abc.run(minimum_epsilon=settings.min_epsilon, max_nr_populations=settings.generations,
                              max_total_nr_simulations=settings.max_simulations,
                              min_acceptance_rate=settings.min_acceptance)
            if history.max_t < 0:
                raise SimError(f"calibrate: no generation accepted {settings.population} runs within its first "
                               f"tolerance (the runs' distances may all be equal); allowed: more parameters, a larger "
                               f"--max-simulations or a lower --min-acceptance")
            particles = history.get_population(t=history.max_t).particles
            populations = history.get_all_populations()
    finally:
        np.random.set_state(saved)   # noqa: NPY002 - as it was
    done = populations[populations.t >= 0]
    if on_generation is not None:
        for eps in done.epsilon:
            on_generation(len(done), float(eps))
    names = tuple(p.name for p in priors)
    unit = np.array([[particle.parameter[n] for n in names] for particle in particles])
    values = np.column_stack([p.from_unit(unit[:, k]) for k, p in enumerate(priors)])
    weights = np.array([particle.weight for particle in particles])
    return Result(names, values, weights / weights.sum(), np.array([particle.distance for particle in particles]),
                  tuple(float(e) for e in done.epsilon), tuple(int(n) for n in done.samples))
