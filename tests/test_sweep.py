"""Sensitivity sweeps: SALib's estimators through our wrapper, sampling, factors, resume, Dask, bad input."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from sim.analysis import sweep
from sim.analysis.sweep import Factor
from sim.core import scenario
from sim.core.errors import SimError

ROOT = Path(__file__).resolve().parent.parent


def test_morris_of_a_linear_function_gives_each_slope_times_its_range_and_no_spread():
    factors = [Factor("a", 0, 1), Factor("b", 0, 2), Factor("c", -1, 1)]
    X = sweep.sample("morris", factors, seed=3, trajectories=10)
    Y = (2 * X[:, 0] + 0 * X[:, 1] - 5 * X[:, 2])[:, None]
    rows = {(r["factor"], r["index"]): r["value"] for r in sweep.indices("morris", factors, X, Y, ["y"], seed=3)}
    assert rows[("a", "mu_star")] == pytest.approx(2.0)
    assert rows[("b", "mu_star")] == pytest.approx(0.0, abs=1e-12)
    assert rows[("c", "mu_star")] == pytest.approx(10.0)
    assert rows[("c", "mu")] == pytest.approx(-10.0)
    assert all(rows[(k, "sigma")] == pytest.approx(0.0, abs=1e-9) for k in "abc")


def test_sobol_of_the_ishigami_function_matches_its_known_indices():
    factors = [Factor(f"x{i}", -np.pi, np.pi) for i in (1, 2, 3)]
    X = sweep.sample("sobol", factors, seed=5, samples=1024)
    Y = (np.sin(X[:, 0]) + 7 * np.sin(X[:, 1]) ** 2 + 0.1 * X[:, 2] ** 4 * np.sin(X[:, 0]))[:, None]
    rows = {(r["factor"], r["index"]): r["value"] for r in sweep.indices("sobol", factors, X, Y, ["y"], seed=5)}
    for k, (s1, st) in enumerate([(0.314, 0.558), (0.442, 0.442), (0.0, 0.244)], start=1):
        assert rows[(f"x{k}", "S1")] == pytest.approx(s1, abs=0.05)
        assert rows[(f"x{k}", "ST")] == pytest.approx(st, abs=0.05)
    assert rows[("x1 x x3", "S2")] == pytest.approx(0.244, abs=0.08)


@pytest.mark.parametrize("method", ["morris", "sobol", "grid"])
def test_sampling_is_reproducible_from_the_seed(method):
    factors = [Factor("a", 0, 1), Factor("b", 10, 20)]
    a = sweep.sample(method, factors, seed=7, trajectories=4, samples=8, levels=3)
    b = sweep.sample(method, factors, seed=7, trajectories=4, samples=8, levels=3)
    assert np.array_equal(a, b)
    assert ((a >= [0, 10]) & (a <= [1, 20])).all()
    if method != "grid":
        assert not np.array_equal(a, sweep.sample(method, factors, seed=8, trajectories=4, samples=8))


def test_a_grid_is_the_full_factorial_with_its_corners():
    X = sweep.sample("grid", [Factor("a", 0, 1), Factor("b", 10, 20)], seed=0, levels=3)
    assert len(X) == 9 and {tuple(x) for x in X} >= {(0, 10), (1, 20), (0.5, 15)}


def test_a_grid_too_large_to_run_is_refused_before_anything_runs():
    with pytest.raises(SimError, match="make 9,765,625 points; allowed: at most 100,000"):
        sweep.sample("grid", [Factor(f"k{i}", 0, 1) for i in range(10)], seed=0, levels=5)


def test_every_assumed_number_of_inf_2018_is_a_valid_factor(inf):
    factors = sweep.assumed_factors(inf, 0.5)
    keys = {f.key for f in factors}
    assert len(factors) >= 40
    assert {"risk.h_max", "actors.US.payoff.audience_cost", "actors.US.rule.lambda", "actors.US.trust.RU",
            "escalation.missile_scale", "actors.RU.deploy_lag_days"} <= keys
    assert not keys & {"scenario.turns", "scenario.turn_days", "lookahead.max_profiles", "escalation.w_treaty"}
    sweep.check_factors(inf, factors)             # every end of every range is a valid scenario
    lag = next(f for f in factors if f.key == "actors.US.deploy_lag_days")
    assert lag.integer and (lag.low, lag.high) == (90, 270)


def test_outcomes_of_a_point_are_means_over_its_runs():
    from sim.engine.ensemble import run_lockstep

    scn = scenario.load("inf_2018").with_turns(12)
    batch = run_lockstep(scn, 4, np.arange(30), 12)
    y = dict(zip(sweep.outcome_names(scn), sweep.outcomes([batch], 12), strict=True))
    assert y["treaty_ended"] == pytest.approx(((batch.treaty == 2).any(axis=1)).mean())
    assert y["peak_escalation"] == pytest.approx(np.nanmax(batch.escalation, axis=1).mean())
    ordered = batch.ordered[:, :, 0] > 0
    first = np.where(ordered.any(axis=1), ordered.argmax(axis=1) + 1, 13)
    assert y["first_order_US"] == pytest.approx(first.mean())
    assert y["payoff_RU"] == pytest.approx(np.nansum(batch.payoff[:, :, 1], axis=1).mean())


# ---------------------------------------------------------------- the command


def _sweep(*args: str, cwd: Path, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "run_sim.py"), "sweep", *args], cwd=cwd, capture_output=True,
                          text=True, **kw)


@pytest.fixture()
def sweep_cli(cli_main, tmp_path, monkeypatch):
    """`run_sim.py sweep ARGS` in-process, in tmp_path."""
    monkeypatch.chdir(tmp_path)
    return lambda *args: cli_main("sweep", *args)


SMALL = ["inf_2018", "--param", "risk.h_max=0.001:0.02", "--param", "actors.US.payoff.audience_cost=0:3",
         "--trajectories", "3", "--turns", "10", "--seed", "2", "--quiet"]


@pytest.mark.parametrize("param, says", [
    ("risk.nope=0:1", "risk.nope: no such key"),
    ("risk.h_max=0.02:0.001", "empty or inverted"),
    ("risk.h_max=nan:1", "not finite"),
    ("scenario.title=1:2", "not a number"),
    ("risk.h_max=abc", "allowed: KEY=LO:HI"),
    ("risk.h_max=-1:0.5", "is not allowed there"),
])
def test_a_bad_param_is_one_line_exit_2_and_nothing_written(tmp_path, param, says, sweep_cli):
    out = sweep_cli("inf_2018", "--param", param, "--runs", "2", "--out", tmp_path / "out")
    assert out.status == 2, out.err
    assert out.err.count("\n") == 1 and says in out.err and "Traceback" not in out.err
    assert not (tmp_path / "out").exists()


def test_a_sweep_writes_samples_indices_definition_and_figures(tmp_path, sweep_cli):
    done = sweep_cli(*SMALL, "--runs", "6", "--jobs", "2", "--out", tmp_path / "s")
    assert done.status == 0, done.err
    names = {p.name for p in (tmp_path / "s").iterdir()}
    assert {"samples.csv", "indices.csv", "sweep.json", "morris.png", "outcomes.png"} <= names
    assert ".sweep-journal.jsonl" not in names
    samples = (tmp_path / "s" / "samples.csv").read_text().splitlines()
    assert samples[0].startswith("point,risk.h_max,actors.US.payoff.audience_cost,treaty_ended,incident")
    assert len(samples) == 1 + 3 * 3                       # r (K + 1) points
    indices = (tmp_path / "s" / "indices.csv").read_text().splitlines()
    assert "peak_escalation,risk.h_max,mu_star," in "\n".join(indices)


@pytest.mark.slow
def test_an_interrupted_sweep_resumes_to_the_same_files_as_an_uninterrupted_one(tmp_path, sweep_cli):
    args = [*SMALL, "--runs", "150", "--jobs", "1"]
    whole = sweep_cli(*args, "--out", tmp_path / "whole")
    assert whole.status == 0, whole.err
    out = tmp_path / "cut"
    proc = subprocess.Popen([sys.executable, str(ROOT / "run_sim.py"), "sweep", *args, "--out", str(out)], cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    journal = out / ".sweep-journal.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (not journal.exists() or len(journal.read_text().splitlines()) < 3):
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)                  # a crash: nothing runs on the way out
    proc.wait()
    finished = len(journal.read_text().splitlines()) - 1
    assert 2 <= finished < 9, finished
    assert not (out / "samples.csv").exists()
    again = sweep_cli(*args, "--out", out)
    assert again.status == 2 and "--resume" in again.err
    resumed = sweep_cli(*args, "--out", out, "--resume")
    assert resumed.status == 0, resumed.err
    for name in ("samples.csv", "indices.csv", "sweep.json", "morris.png", "outcomes.png"):
        assert (out / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name
    assert not journal.exists()


def test_resuming_another_sweep_is_refused(tmp_path, sweep_cli):
    out = tmp_path / "s"
    out.mkdir()
    (out / ".escalation-sim").write_text("")
    (out / ".sweep-journal.jsonl").write_text('{"fingerprint": "something else"}\n')
    r = sweep_cli(*SMALL, "--runs", "2", "--out", out, "--resume")
    assert r.status == 2 and "was another one" in r.err


@pytest.mark.slow
def test_dask_gives_the_same_files_as_the_local_pool(tmp_path):
    args = [*SMALL, "--runs", "5", "--no-plot"]
    local = _sweep(*args, "--jobs", "2", "--out", str(tmp_path / "local"), cwd=tmp_path)
    dask = _sweep(*args, "--jobs", "2", "--dask", "local", "--out", str(tmp_path / "dask"), cwd=tmp_path)
    assert local.returncode == 0 and dask.returncode == 0, dask.stderr
    for name in ("samples.csv", "indices.csv", "sweep.json"):
        assert (tmp_path / "local" / name).read_bytes() == (tmp_path / "dask" / name).read_bytes(), name


def _slow_square(x: int) -> int:
    time.sleep(0.3)
    return x * x


@pytest.mark.slow
def test_a_dask_worker_that_dies_mid_run_loses_no_task():
    import cloudpickle
    from dask.distributed import Client, LocalCluster

    from sim.engine.executors import map_in_order

    cloudpickle.register_pickle_by_value(sys.modules[__name__])   # the workers cannot import this test module

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        pids = list(client.run(os.getpid).values())
        results = []
        for k, value in enumerate(map_in_order(_slow_square, list(range(12)), 2, dask=cluster.scheduler_address)):
            results.append(value)
            if k == 1:
                os.kill(pids[0], signal.SIGKILL)      # one worker dies with tasks in flight
    assert results == [x * x for x in range(12)]


def test_factor_files_are_read_and_checked(tmp_path):
    path = tmp_path / "f.toml"
    path.write_text('[[param]]\nkey = "risk.h_max"\nlow = 0.001\nhigh = 0.02\n'
                    '[[param]]\nkey = "risk.k"\nlow = 3\nhigh = 0.5\ndist = "norm"\n')
    f = sweep.read_factors(path)
    assert f[0] == Factor("risk.h_max", 0.001, 0.02) and f[1].dist == "norm"
    path.write_text('[[param]]\nkey = "risk.h_max"\nlow = 0.001\n')
    with pytest.raises(SimError, match="param 1"):
        sweep.read_factors(path)
    path.write_text('[[param]]\nkey = "risk.h_max"\nlow = 0.001\nhigh = 0.02\ndist = "cauchy"\n')
    with pytest.raises(SimError, match="dist = 'cauchy'"):
        sweep.read_factors(path)


@pytest.mark.slow
def test_run_on_dask_writes_the_same_files_as_the_local_pool(tmp_path):
    args = ["run", "inf_2018", "--runs", "12", "--turns", "8", "--seed", "4", "--batch-size", "3", "--no-plot",
            "--quiet", "--jobs", "2"]
    for name, extra in (("pool", []), ("dask", ["--dask", "local"])):
        done = subprocess.run([sys.executable, str(ROOT / "run_sim.py"), *args, *extra, "--out", str(tmp_path / name)],
                              cwd=tmp_path, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    for name in ("turns.csv", "actions.csv", "summary.json"):
        assert (tmp_path / "pool" / name).read_bytes() == (tmp_path / "dask" / name).read_bytes(), name


@pytest.mark.slow
def test_an_unreachable_scheduler_is_one_line_exit_2(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "run_sim.py"), "run", "dilemma_2p", "--runs", "2", "--quiet",
                           "--no-plot", "--dask", "tcp://127.0.0.1:9", "--out", str(tmp_path / "o")], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "--dask tcp://127.0.0.1:9" in done.stderr
    assert not (tmp_path / "o").exists()
