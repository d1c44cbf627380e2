"""Runs whose parameters are drawn from a posterior: parameter uncertainty beside run-to-run noise.

Run r of seed s takes the posterior particle drawn, by the particles' weights, from its own stream
``SeedSequence(s, spawn_key=(r, 2))`` (its turn draws are ``(r,)``, its private types ``(r, 1)``), and is
then run as always from ``(r,)``. So run r is the same trajectory whatever --jobs and --batch-size: a batch
runs each of its particles' runs together and puts the rows back in run order.
"""

from __future__ import annotations

import functools
import hashlib
import json
import shlex
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from sim.calibration.posterior import FORMAT, finite
from sim.core.errors import ScenarioError, SimError
from sim.core.safeio import atomic_path
from sim.core.scenario import Scenario, apply_overrides
from sim.engine.ensemble import Runner, Task, batch_tasks, concat, run_lockstep, run_mesa
from sim.output.results import BatchResult

STREAM = 2       # the third element of a run's spawn keys: (r,) turns, (r, 1) types, (r, 2) its particle
MAX_BYTES = 200_000_000


def load(path: Path, scn: Scenario, fixed: Iterable[str] = ()) -> dict[str, Any]:
    """A posterior file, checked against the scenario it is to be run with; SimError (one line) if bad.
    `fixed`: keys (or tables of keys) the command sets itself, which the posterior's draws leave alone."""
    return fit(read(path), scn, str(path), fixed)


def read(path: Path) -> dict[str, Any]:
    """A posterior file's content, checked in itself (not yet against a scenario); SimError (one line) if bad."""
    where = str(path)
    try:
        if not path.is_file():
            raise SimError(f"{where}: no such posterior file; allowed: a file written by `run_sim.py calibrate`")
        if path.stat().st_size > MAX_BYTES:
            raise SimError(f"{where}: larger than {MAX_BYTES:,} bytes: not a posterior file")
        data = path.read_bytes()              # read once: parsed here, hashed below
        doc = json.loads(data.decode("utf-8"))
    except OSError as exc:
        raise SimError(f"{where}: cannot read it ({exc.strerror or exc}); allowed: a readable posterior file") from None
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
        if not isinstance(prior.get("keys"), list) or not all(isinstance(k, str) for k in prior["keys"]):
            raise SimError(f"{where}: priors.{prior.get('name')}.keys: allowed: a list of scenario keys")
    doc["file"], doc["path"] = path.name, str(path)
    doc["sha256"] = hashlib.sha256(data).hexdigest()
    return doc


def fit(doc: dict[str, Any], scn: Scenario, where: str = "posterior", fixed: Iterable[str] = ()) -> dict[str, Any]:
    """`doc` (`read`) for scenario `scn`: its keys the scenario has no value for (``skipped_keys``) and those
    the command sets (``fixed_keys``: a key of `fixed` or under one) are not drawn; every particle is then
    checked to give a valid scenario, or SimError (one line) before any run."""
    tables = tuple(fixed)
    fitted = dict(doc, fixed_keys=[key for prior in doc["priors"] for key in prior["keys"]
                                   if any(key == f or key.startswith(f + ".") for f in tables)])
    fitted["skipped_keys"] = [key for key in _skipped(scn, doc) if key not in fitted["fixed_keys"]]
    for k in range(len(doc["weights"])):    # every particle is a valid scenario, or the file is refused
        particle_scenario(scn, fitted, k, where)
    return fitted


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
    left = {*doc.get("skipped_keys", ()), *doc.get("fixed_keys", ())}
    changes = {key: (round(v) if prior.get("whole") else float(v))
               for prior in doc["priors"] for key in prior["keys"] if key not in left
               for v in [doc["samples"][prior["name"]][k]]}
    return apply_overrides(scn, changes, origin=f"{where} particle {k}")


def particles(seed: int, runs: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """[R] the particle each run draws (from its own stream, by the weights)."""
    p = weights / weights.sum()
    return np.array([np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(int(r), STREAM))).choice(len(p), p=p)
                     for r in runs], dtype=np.int64)


DRAW = "run r: a particle by weight from SeedSequence(seed, spawn_key=(r, 2))"


def describe(doc: dict[str, Any]) -> dict[str, Any]:
    """What a result records of the posterior its runs drew from (`fit`): the file's name and SHA-256, how a run
    draws, the keys the scenario has no value for and those the command set itself."""
    return {"file": doc["file"], "sha256": doc["sha256"], "draw": DRAW, "not_applied": doc["skipped_keys"],
            "set_by_command": doc.get("fixed_keys", [])}


def option(doc: dict[str, Any]) -> str:
    """`` --posterior FILE``, for the command that makes a result again."""
    return f" --posterior {shlex.quote(doc['file'])}"


def record(summary: Path, doc: dict[str, Any], uncertainty: dict[str, Any] | None = None) -> dict[str, Any]:
    """Add the posterior file to a result's summary.json (`describe`), ``--posterior FILE`` to the command that
    makes it again and, if given, its `uncertainty` (`sim.calibration.spread.uncertainty`); returns the summary."""
    out = json.loads(summary.read_text(encoding="utf-8"))
    out["provenance"]["command"] += option(doc)
    out["provenance"]["posterior"] = describe(doc)
    if uncertainty is not None:
        out["parameter_uncertainty"] = uncertainty
    with atomic_path(summary) as tmp:
        tmp.write_text(json.dumps(out, indent=2) + "\n")
    return out


def run_drawn(scn: Scenario, doc: dict[str, Any], seed: int, runs: np.ndarray, turns: int,
              engine: str = "ensemble") -> BatchResult:
    """Runs `runs` of `scn`, each with its particle of `doc` (`fit`), in run order: grouped by particle."""
    drawn = particles(seed, runs, np.asarray(doc["weights"], dtype=float))
    parts, order = [], []
    for k in np.unique(drawn):
        mine = runs[drawn == k]
        parts.append((run_mesa if engine == "mesa" else run_lockstep)(particle_scenario(scn, doc, int(k)), seed,
                                                                      mine, turns))
        order.append(mine)
    return concat(parts).select(np.argsort(np.concatenate(order), kind="stable"))


def runner(doc: dict[str, Any], engine: str = "ensemble") -> Runner:
    """What runs a batch whose runs draw their particles from `doc` (`fit`): `run_drawn`, for
    `sim.engine.ensemble.batch_tasks` and `iter_batches`."""
    return functools.partial(_run_drawn, doc, engine)


def _run_drawn(doc: dict[str, Any], engine: str, scn: Scenario, seed: int, runs: np.ndarray, turns: int) -> BatchResult:
    return run_drawn(scn, doc, seed, runs, turns, engine)


class Posterior:
    """A posterior file (`read`) as the runs of several scenarios draw from it: what `sim.analysis.tournament`
    is given to make each pairing's batches, without importing this front-end package."""

    def __init__(self, path: Path) -> None:
        self.doc = read(path)
        self.where = str(path)
        self.fitted: list[dict[str, Any]] = []

    def tasks(self, scn: Scenario, seed: int, runs: int, batch_size: int, fixed: Iterable[str] = ()) -> list[Task]:
        """The batches of `runs` runs of `scn` drawing from the posterior (`fit`: `fixed` keys are not drawn)."""
        doc = fit(self.doc, scn, self.where, fixed)
        self.fitted.append(doc)
        return batch_tasks(scn, seed, runs, scn.scenario.turns, batch_size=batch_size, formatted=False,
                           runner=runner(doc))

    def describe(self) -> dict[str, Any]:
        """`describe` over every scenario fitted so far: the keys not applied or set by the command in any."""
        return describe(dict(self.doc, **{key: sorted({k for doc in self.fitted for k in doc.get(key, ())})
                                          for key in ("skipped_keys", "fixed_keys")}))
