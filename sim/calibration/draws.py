"""Runs whose parameters are drawn from a posterior: parameter uncertainty beside run-to-run noise.

Run r of seed s takes the posterior particle drawn, by the particles' weights, from its own stream
``SeedSequence(s, spawn_key=(r, 2))`` (its turn draws are ``(r,)``, its private types ``(r, 1)``), and is
then run as always from ``(r,)``. So run r is the same trajectory whatever --jobs and --batch-size: a batch
runs each of its particles' runs together and puts the rows back in run order.
"""

from __future__ import annotations

import hashlib
import json
import shlex
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from sim.calibration.posterior import FORMAT, finite
from sim.core.errors import ScenarioError, SimError
from sim.core.safeio import atomic_path
from sim.core.scenario import Scenario, apply_overrides
from sim.engine.ensemble import concat, run_lockstep, run_mesa, warm_up
from sim.engine.executors import map_in_order
from sim.output.result_files import Chunk, format_batch

STREAM = 2       # the third element of a run's spawn keys: (r,) turns, (r, 1) types, (r, 2) its particle
MAX_BYTES = 200_000_000


def load(path: Path, scn: Scenario) -> dict[str, Any]:
    """A posterior file, checked against the scenario it is to be run with; SimError (one line) if bad."""
    where = str(path)
    try:
        if not path.is_file():
            raise SimError(f"{where}: no such posterior file; allowed: a file written by `run_sim.py calibrate`")
        if path.stat().st_size > MAX_BYTES:
            raise SimError(f"{where}: larger than {MAX_BYTES:,} bytes: not a posterior file")
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise SimError(f"{where}: not JSON; allowed: a file written by `run_sim.py calibrate`") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise SimError(f"{where}: format = {doc.get('format') if isinstance(doc, dict) else None!r}: "
                       f"allowed: '{FORMAT}'")
    samples, weights, priors = doc.get("samples"), doc.get("weights"), doc.get("priors")
    if not isinstance(samples, dict) or not isinstance(weights, list) or not weights or not finite(weights) \
            or min(weights) < 0 or sum(weights) <= 0 or not isinstance(priors, list):
        raise SimError(f"{where}: weights: allowed: non-negative numbers, not all 0")
    for prior in priors:
        values = samples.get(prior.get("name")) if isinstance(prior, dict) else None
        if not isinstance(values, list) or len(values) != len(weights) or not finite(values):
            raise SimError(f"{where}: samples.{prior.get('name') if isinstance(prior, dict) else prior}: allowed: "
                           f"{len(weights)} finite numbers, one per weight")
    doc["skipped_keys"] = _skipped(scn, doc)
    for k in range(len(weights)):    # every particle is a valid scenario, or the file is refused before any run
        particle_scenario(scn, doc, k, where)
    return doc


def _skipped(scn: Scenario, doc: dict[str, Any]) -> list[str]:
    """The posterior's keys this scenario has no value for: a rule parameter of an actor whose rule takes none
    such (inf_2018's Russia follows its doctrine, which has no lambda). The others must all apply."""
    skipped = []
    for prior in doc["priors"]:
        for key in prior["keys"]:
            parts = key.split(".")
            if len(parts) == 4 and parts[0] == "actors" and parts[2] == "rule":
                try:
                    apply_overrides(scn, {key: doc["samples"][prior["name"]][0]})
                except ScenarioError:
                    skipped.append(key)
    return skipped


def particle_scenario(scn: Scenario, doc: dict[str, Any], k: int, where: str = "posterior") -> Scenario:
    """`scn` with the values of particle k."""
    changes = {key: (round(v) if prior.get("whole") else float(v))
               for prior in doc["priors"] for key in prior["keys"] if key not in doc.get("skipped_keys", ())
               for v in [doc["samples"][prior["name"]][k]]}
    return apply_overrides(scn, changes, origin=f"{where} particle {k}")


def particles(seed: int, runs: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """[R] the particle each run draws (from its own stream, by the weights)."""
    p = weights / weights.sum()
    return np.array([np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(int(r), STREAM))).choice(len(p), p=p)
                     for r in runs], dtype=np.int64)


def record(summary: Path, posterior: Path, drawn: dict[str, Any]) -> None:
    """Add the posterior file to a result's summary.json: its name, SHA-256 and the keys it could not apply in
    the provenance, and ``--posterior FILE`` to the command that makes the result again."""
    doc = json.loads(summary.read_text(encoding="utf-8"))
    doc["provenance"]["command"] += f" --posterior {shlex.quote(posterior.name)}"
    sha = hashlib.sha256(posterior.read_bytes()).hexdigest()
    doc["provenance"]["posterior"] = {"file": posterior.name, "sha256": sha,
                                      "draw": "run r: a particle by weight from SeedSequence(seed, spawn_key=(r, 2))",
                                      "not_applied": drawn["skipped_keys"]}
    with atomic_path(summary) as tmp:
        tmp.write_text(json.dumps(doc, indent=2) + "\n")


def _run_batch(task: tuple[str, Scenario, dict[str, Any], int, np.ndarray, int, bool]) -> Chunk:
    engine, scn, doc, seed, runs, turns, formatted = task
    drawn = particles(seed, runs, np.asarray(doc["weights"], dtype=float))
    parts, order = [], []
    for k in np.unique(drawn):
        mine = runs[drawn == k]
        parts.append((run_mesa if engine == "mesa" else run_lockstep)(particle_scenario(scn, doc, int(k)), seed,
                                                                      mine, turns))
        order.append(mine)
    result = concat(parts).select(np.argsort(np.concatenate(order), kind="stable"))
    return format_batch(result, scn, seed) if formatted else Chunk(result, "", "")


def batches(scn: Scenario, doc: dict[str, Any], seed: int, runs: int, turns: int, *, engine: str, batch_size: int,
            jobs: int, progress: Callable[[int], object] | None, formatted: bool, dask: str | None) -> Iterator[Chunk]:
    """The runs' batches, in run order, each run with its posterior particle (`sim.engine.ensemble.iter_batches`)."""
    tasks = [(engine, scn, doc, seed, np.arange(a, min(a + batch_size, runs)), turns, formatted)
             for a in range(0, runs, batch_size)]
    yield from map_in_order(_run_batch, tasks, jobs, dask=dask, warm=lambda: warm_up(scn),
                            done=(lambda chunk: progress(len(chunk.batch.runs))) if progress else None)
