"""Sensitivity sweeps: SALib's estimators through our wrapper, sampling, factors, resume, Dask, bad input."""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from sim.analysis import sweep
from sim.analysis.sweep import Factor
from sim.core import scenario
from sim.core.errors import SimError
from sim.core.safeio import read_sealed_lines, sealed_line
from sim.sweep_cli import JOURNAL

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


def test_the_convergence_table_reestimates_sobol_indices_on_growing_prefixes_of_the_design():
    factors = [Factor(f"x{i}", -np.pi, np.pi) for i in (1, 2, 3)]
    X = sweep.sample("sobol", factors, seed=5, samples=1024)
    Y = (np.sin(X[:, 0]) + 7 * np.sin(X[:, 1]) ** 2 + 0.1 * X[:, 2] ** 4 * np.sin(X[:, 0]))[:, None]
    rows = sweep.convergence(factors, X, Y, ["y"], seed=5)
    assert sorted({r["samples"] for r in rows}) == [64, 128, 256, 512, 1024]
    st = {(r["factor"], r["samples"]): (r["value"], r["conf95"]) for r in rows if r["index"] == "ST"}
    whole = {r["factor"]: r["value"] for r in sweep.indices("sobol", factors, X, Y, ["y"], seed=5)
             if r["index"] == "ST"}
    assert all(st[(f, 1024)][0] == whole[f] for f in whole)         # the last row is the sweep's own estimate
    assert st[("x1", 1024)][1] < st[("x1", 64)][1]                    # the interval narrows with the samples
    assert st[("x1", 1024)][0] == pytest.approx(0.558, abs=0.05)     # towards the known value


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


def test_a_latin_hypercube_puts_one_point_in_each_of_n_equal_slices_of_every_range():
    factors = [Factor("a", 0, 1), Factor("b", 10, 30)]
    X = sweep.sample("latin", factors, seed=4, samples=16)
    assert X.shape == (16, 2)
    for k, f in enumerate(factors):
        slices = np.floor((X[:, k] - f.low) / (f.high - f.low) * 16).astype(int)
        assert sorted(slices) == list(range(16))
    assert np.array_equal(X, sweep.sample("latin", factors, seed=4, samples=16))


def test_monte_carlo_points_follow_each_factors_distribution():
    factors = [Factor("a", 0, 1), Factor("b", 5.0, 2.0, dist="norm")]
    X = sweep.sample("montecarlo", factors, seed=1, samples=4000)
    assert X.shape == (4000, 2) and X[:, 0].min() >= 0 and X[:, 0].max() < 1
    assert X[:, 1].mean() == pytest.approx(5.0, abs=0.15) and X[:, 1].std() == pytest.approx(2.0, abs=0.15)
    assert not np.array_equal(X, sweep.sample("montecarlo", factors, seed=2, samples=4000))


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


def test_assumed_numbers_are_found_by_their_comments_wherever_the_line_puts_them(tmp_path):
    # tomlkit reads the comments: an actor's id after its numbers, a '#' inside a string before the comment
    text = (ROOT / "scenarios" / "dilemma_2p.toml").read_text()
    text = text.replace('id = "BLUE"\nname = "Blue"\n', 'name = "Blue #1"  # the first\n', 1)
    text = text.replace('deploy_lag_days = 60           # assumed: two turns from order to arrival\n',
                        'deploy_lag_days = 60           # assumed: two turns from order to arrival\nid = "BLUE"\n', 1)
    text = text.replace('rule = { name = "quantal", lambda = 3.0 }  # assumed',
                        'rule = { name = "quantal", lambda = 3.0 }  # #1 assumed', 1)
    (tmp_path / "moved.toml").write_text(text)
    moved = {f.key for f in sweep.assumed_factors(scenario.load(str(tmp_path / "moved.toml")), 0.5)}
    plain = {f.key for f in sweep.assumed_factors(scenario.load("dilemma_2p"), 0.5)}
    assert moved == plain and {"actors.BLUE.deploy_lag_days", "actors.BLUE.rule.lambda"} <= moved


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


def test_each_runs_outcomes_are_kept_and_their_means_are_the_points():
    from sim.engine.ensemble import run_lockstep

    scn = scenario.load("inf_2018").with_turns(12)
    batch = run_lockstep(scn, 4, np.arange(30), 12)
    runs = sweep.run_outcomes([batch], 12)
    assert runs.shape == (30, len(sweep.outcome_names(scn)))
    assert set(np.unique(runs[:, :2])) <= {0.0, 1.0}
    assert np.array_equal(sweep.point_means(runs), sweep.outcomes([batch], 12))
    assert all(sweep.outcome_problem(row, sweep.outcome_names(scn), 12) is None for row in runs.tolist())


def _noise_of(spread: float, sd: float, points: int = 400, runs: int = 50) -> dict:
    """noise() of a constructed sweep: point means drawn with standard deviation `spread`, each run adding
    noise of standard deviation `sd`."""
    rng = np.random.default_rng(23)
    values = rng.normal(0, spread, (points, 1, 1)) + rng.normal(0, sd, (points, runs, 1))
    return sweep.noise(values, ["y"])[0]


def test_the_noise_of_the_runs_is_told_apart_from_the_spread_of_the_points():
    # a point's mean over 50 runs of sd 5 has a standard error of 5 / sqrt(50) = 0.71, a variance of 0.5:
    # against points spread with variance 1, a third of the variance of the means is noise
    mixed = _noise_of(spread=1.0, sd=5.0)
    assert mixed["se_median"] == pytest.approx(5 / np.sqrt(50), rel=0.05)
    assert mixed["points_sd"] == pytest.approx(np.sqrt(1.5), rel=0.1)
    assert mixed["noise_share"] == pytest.approx(0.5 / 1.5, abs=0.06)
    assert mixed["p"] < 1e-6
    pure = _noise_of(spread=0.0, sd=5.0)                   # the points do not differ: all of it is noise
    assert pure["noise_share"] == pytest.approx(1.0, abs=0.2) and pure["p"] > 0.001
    exact = _noise_of(spread=1.0, sd=0.0)                  # deterministic runs: none of it is noise
    assert exact["noise_share"] == pytest.approx(0, abs=1e-12) and exact["se_max"] == pytest.approx(0, abs=1e-12)


def test_the_noise_share_is_one_over_the_f_of_a_textbook_one_way_anova():
    # Montgomery, Design and Analysis of Experiments (8th ed.), example 3.1: etch rate at four RF powers,
    # five wafers each; F = 66.80 on 3 and 16 degrees of freedom
    etch = np.array([[575, 542, 530, 539, 570], [565, 593, 590, 579, 610],
                     [600, 651, 610, 637, 629], [725, 700, 715, 685, 710]], dtype=float)[:, :, None]
    row = sweep.noise(etch, ["etch_rate"])[0]
    assert row["F"] == pytest.approx(66.80, abs=0.01)
    assert row["noise_share"] == pytest.approx(1 / 66.80, rel=1e-3)
    assert row["se_median"] == pytest.approx(np.median(etch.std(axis=1, ddof=1) / np.sqrt(5)))


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
    ("risk.h_max=nan:1", "must be numbers"),
    ("risk.h_max=1e999:2e999", "not finite"),
    ("scenario.title=1:2", "not a number"),
    ("risk.h_max=abc", "allowed: KEY=LO:HI"),
    ("risk.h_max=-1:0.5", "is not allowed there"),
])
def test_a_bad_param_is_one_line_exit_2_and_nothing_written(tmp_path, param, says, sweep_cli):
    out = sweep_cli("inf_2018", "--param", param, "--runs", "2", "--out", tmp_path / "out")
    assert out.status == 2, out.err
    assert out.err.count("\n") == 1 and says in out.err and "Traceback" not in out.err
    assert not (tmp_path / "out").exists()


def test_a_sobol_sweep_writes_its_convergence_table_and_figure(tmp_path, sweep_cli):
    args = [a for a in SMALL if a not in ("--trajectories", "3")]
    done = sweep_cli(*args, "--method", "sobol", "--samples", "32", "--runs", "2", "--turns", "4", "--jobs", "1",
                     "--out", tmp_path / "s")
    assert done.status == 0, done.err
    table = (tmp_path / "s" / "convergence.csv").read_text().splitlines()
    assert table[0] == "outcome,factor,index,samples,value,conf95"
    assert {line.split(",")[3] for line in table[1:]} == {"4", "8", "16", "32"}
    assert (tmp_path / "s" / "sobol_convergence.png").stat().st_size > 0


def test_a_latin_sweep_explores_its_points_without_indices(tmp_path, sweep_cli):
    args = [a for a in SMALL if a not in ("--trajectories", "3")]
    done = sweep_cli(*args, "--method", "latin", "--samples", "5", "--runs", "3", "--jobs", "1", "--out",
                     tmp_path / "l")
    assert done.status == 0, done.err
    assert len((tmp_path / "l" / "samples.csv").read_text().splitlines()) == 1 + 5
    assert {"outcomes.png", "sweep.json"} <= {p.name for p in (tmp_path / "l").iterdir()}
    assert not (tmp_path / "l" / "morris.png").exists()


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


def test_a_sweep_keeps_every_runs_outcomes_the_same_whatever_the_jobs(tmp_path, sweep_cli):
    for jobs in ("1", "2"):
        done = sweep_cli(*SMALL, "--runs", "5", "--jobs", jobs, "--no-plot", "--out", tmp_path / jobs)
        assert done.status == 0, done.err
    for name in ("runs.csv", "noise.csv", "samples.csv"):
        assert (tmp_path / "1" / name).read_bytes() == (tmp_path / "2" / name).read_bytes(), name
    runs = np.genfromtxt(tmp_path / "1" / "runs.csv", delimiter=",", names=True)
    samples = np.genfromtxt(tmp_path / "1" / "samples.csv", delimiter=",", names=True)
    assert len(runs) == 9 * 5 and list(runs["run"][:6]) == [0, 1, 2, 3, 4, 0]
    for name in ("treaty_ended", "peak_escalation", "first_order_RU", "payoff_US"):
        means = runs[name].reshape(9, 5).mean(axis=1)
        assert means == pytest.approx(samples[name], rel=1e-9), name
    noise = (tmp_path / "1" / "noise.csv").read_text().splitlines()
    assert noise[0] == "outcome,points,runs,points_sd,se_median,se_max,noise_share,F,p"
    assert [line.split(",")[0] for line in noise[1:]] == sweep.outcome_names(scenario.load("inf_2018"))


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
    for name in ("samples.csv", "runs.csv", "noise.csv", "indices.csv", "sweep.json", "morris.png", "outcomes.png"):
        assert (out / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name
    assert not journal.exists()


def test_resuming_another_sweep_is_refused(tmp_path, sweep_cli):
    out = tmp_path / "s"
    out.mkdir()
    (out / ".escalation-sim").write_text("")
    (out / ".sweep-journal.jsonl").write_text(sealed_line({"journal": "escalation-sim sweep journal", "version": 3,
                                                           "fingerprint": "something else"},
                                                          "escalation-sim sweep journal"))
    r = sweep_cli(*SMALL, "--runs", "2", "--out", out, "--resume")
    assert r.status == 2 and "was another one" in r.err


@pytest.mark.slow
def test_dask_gives_the_same_files_as_the_local_pool(tmp_path):
    args = [*SMALL, "--runs", "5", "--no-plot"]
    local = _sweep(*args, "--jobs", "2", "--out", str(tmp_path / "local"), cwd=tmp_path)
    dask = _sweep(*args, "--jobs", "2", "--dask", "local", "--out", str(tmp_path / "dask"), cwd=tmp_path)
    assert local.returncode == 0 and dask.returncode == 0, dask.stderr
    for name in ("samples.csv", "runs.csv", "noise.csv", "indices.csv", "sweep.json"):
        assert (tmp_path / "local" / name).read_bytes() == (tmp_path / "dask" / name).read_bytes(), name


@pytest.mark.slow
@pytest.mark.parametrize("when", ["cluster_starting", "points_running"])
def test_ctrl_c_on_a_dask_local_sweep_is_one_line_with_the_resume_hint(tmp_path, when):
    """A terminal's Ctrl-C goes to every process of its group: the sweep and the cluster's workers (which
    printed 106 lines of tracebacks). The sweep alone takes it: one line, and --resume ends the sweep."""
    args = [*SMALL, "--runs", "300", "--jobs", "2", "--no-plot", "--dask", "local"]
    out = tmp_path / "cut"
    proc = subprocess.Popen([sys.executable, str(ROOT / "run_sim.py"), "sweep", *args, "--out", str(out)],
                            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)                  # its own group, as a terminal's job
    journal = out / JOURNAL
    records = 0 if when == "cluster_starting" else 2        # the journal is begun as the cluster starts
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None and (
            not journal.exists() or len(journal.read_text().splitlines()) < 1 + records):
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGINT)
    err = proc.communicate(timeout=120)[1]
    assert proc.returncode == 130, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert err.startswith("interrupted: ") and f"of 9 points are kept in {journal}" in err and "--resume" in err
    resumed = _sweep(*args, "--out", str(out), "--resume", cwd=tmp_path)
    assert resumed.returncode == 0 and resumed.stderr == "", resumed.stderr
    whole = _sweep(*SMALL, "--runs", "300", "--jobs", "2", "--no-plot", "--out", str(tmp_path / "whole"), cwd=tmp_path)
    assert whole.returncode == 0, whole.stderr
    for name in ("samples.csv", "indices.csv", "sweep.json"):
        assert (out / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name


def test_ctrl_c_on_a_sweep_says_how_many_points_are_kept_and_how_to_go_on(journalled, tmp_path, sweep_cli,
                                                                         monkeypatch):
    out = tmp_path / "s"
    shutil.copytree(journalled.cut, out)
    monkeypatch.setattr(sweep, "evaluate_point", _stopped_after(2))
    r = sweep_cli(*JOURNALLED, "--out", out, "--resume")
    assert r.status == 130
    assert r.err == f"interrupted: 5 of 9 points are kept in {out / JOURNAL}; the same command with --resume goes " \
                    "on from there\n"


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


# ---------------------------------------------------------------- a journal read back on --resume is never trusted
# Every record is checksummed and checked against what a point's outcomes can be; a bad one is said with its
# line number and its point computed again (the files come out as those of the uninterrupted sweep); a header
# that is not a sweep journal's is one line, exit 2, nothing written.

JOURNALLED = [*SMALL, "--runs", "4", "--jobs", "1", "--no-plot"]
FILES = ("samples.csv", "runs.csv", "noise.csv", "indices.csv", "sweep.json")


def _stopped_after(count: int):
    """sweep.evaluate_point, raising KeyboardInterrupt (Ctrl-C) instead of computing its `count`-th point."""
    real, calls = sweep.evaluate_point, itertools.count()

    def evaluate(task):
        if next(calls) == count:
            raise KeyboardInterrupt
        return real(task)
    return evaluate


@pytest.fixture(scope="module")
def journalled(tmp_path_factory):
    """The files of a small sweep (`whole`), and the folder of the same sweep stopped by Ctrl-C after 3 of its
    9 points (`cut`), holding their journal; with the sweep's fingerprint and its outcome names."""
    from sim import cli

    base = tmp_path_factory.mktemp("journal")
    assert cli.main(["sweep", *JOURNALLED, "--out", str(base / "whole")]) == 0
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sweep, "evaluate_point", _stopped_after(3))
        assert cli.main(["sweep", *JOURNALLED, "--out", str(base / "cut")]) == 130
    lines = (base / "cut" / JOURNAL).read_bytes().splitlines(keepends=True)
    assert len(lines) == 4 and not (base / "cut" / "samples.csv").exists()
    fingerprint = json.loads((base / "whole" / "sweep.json").read_text())["fingerprint"]
    names = (base / "whole" / "samples.csv").read_text().splitlines()[0].split(",")[3:]
    return SimpleNamespace(whole=base / "whole", cut=base / "cut", fingerprint=fingerprint, names=names,
                           lines=lines)


def _sealed(record: dict, key: str) -> bytes:
    return sealed_line(record, key).encode()


def _outcomes(j, line: int) -> list:
    """The outcomes of the first run of the journal's `line`."""
    return json.loads(j.lines[line - 1])["runs"][0]


def _runs(j, outcomes) -> list:
    """Line 2's runs, the first one's outcomes replaced by `outcomes`."""
    return [outcomes, *json.loads(j.lines[1])["runs"][1:]]


def _point(j, outcomes, point=0, runs=None, **extra) -> bytes:
    """A record of `point` sealed with the sweep's own key: only its schema can tell it is wrong."""
    record = {"point": point, "first": 0, "runs": _runs(j, outcomes) if runs is None else runs}
    return _sealed({**record, **extra}, j.fingerprint)


def _first(line: bytes, value: bytes) -> bytes:
    """A journal line with its first outcome's text replaced (and so its checksum no longer matching)."""
    return re.sub(rb'"runs": \[\[[^,]+', b'"runs": [[' + value, line, count=1)


def _change(outcomes: list, k: int, value) -> list:
    return [*outcomes[:k], value, *outcomes[k + 1:]]


# name: (the journal's lines from the cut sweep's, the line reported, what is said of it)
BAD_RECORDS = {
    "nan": (lambda j: [j.lines[0], _first(j.lines[1], b"NaN"), *j.lines[2:]], 2, "NaN"),
    "infinity": (lambda j: [j.lines[0], _first(j.lines[1], b"-Infinity"), *j.lines[2:]], 2, "Infinity"),
    "negative_share": (lambda j: [j.lines[0], _point(j, _change(_outcomes(j, 2), 0, -0.5)), *j.lines[2:]], 2,
                       "treaty_ended = -0.5"),
    "share_not_0_or_1": (lambda j: [j.lines[0], _point(j, _change(_outcomes(j, 2), 1, 0.3)), *j.lines[2:]], 2,
                         "incident = 0.3"),
    "first_order_not_whole": (lambda j: [j.lines[0], _point(j, _change(_outcomes(j, 2), 4, 2.5)), *j.lines[2:]], 2,
                              "first_order_US = 2.5"),
    "runs_short": (lambda j: [j.lines[0], _point(j, None, runs=_runs(j, _outcomes(j, 2))[:3]), *j.lines[2:]], 2,
                   "runs: 3 runs"),
    "runs_not_a_list": (lambda j: [j.lines[0], _point(j, None, runs={"0": 1}), *j.lines[2:]], 2, "a JSON object"),
    "first_not_0": (lambda j: [j.lines[0], _sealed({"point": 0, "first": 1, "runs": _runs(j, _outcomes(j, 2))},
                                                   j.fingerprint), *j.lines[2:]], 2, "first = 1"),
    "escalation_over_100": (lambda j: [j.lines[0], _point(j, _change(_outcomes(j, 2), 2, 150.0)), *j.lines[2:]],
                            2, "peak_escalation = 150"),
    "first_order_0": (lambda j: [j.lines[0], _point(j, _change(_outcomes(j, 2), 4, 0)), *j.lines[2:]], 2,
                      "first_order_US = 0"),
    "outcome_a_string": (lambda j: [j.lines[0], _point(j, _change(_outcomes(j, 2), 0, "0.5")), *j.lines[2:]], 2,
                         "treaty_ended = '0.5'"),
    "outcomes_short": (lambda j: [j.lines[0], _point(j, [0.5]), *j.lines[2:]], 2, "1 values"),
    "outcomes_long": (lambda j: [j.lines[0], _point(j, _outcomes(j, 2) * 2), *j.lines[2:]], 2, "values"),
    "outcomes_null": (lambda j: [j.lines[0], _point(j, None), *j.lines[2:]], 2, "a JSON null"),
    "point_out_of_range": (lambda j: [*j.lines, _point(j, _outcomes(j, 2), point=9)], 5, "point = 9"),
    "point_negative": (lambda j: [*j.lines, _point(j, _outcomes(j, 2), point=-1)], 5, "point = -1"),
    "point_a_string": (lambda j: [*j.lines, _point(j, _outcomes(j, 2), point="4")], 5, "point = '4'"),
    "point_true": (lambda j: [*j.lines, _point(j, _outcomes(j, 2), point=True)], 5, "point = True"),
    "extra_key": (lambda j: [j.lines[0], _point(j, _outcomes(j, 2), note="x"), *j.lines[2:]], 2, "keys"),
    "edited_value": (lambda j: [j.lines[0], _first(j.lines[1], b"0.123"), *j.lines[2:]], 2, "checksum"),
    "other_sweeps_line": (lambda j: [j.lines[0], _sealed({"point": 0, "first": 0, "runs": _runs(j, _outcomes(j, 2))},
                                                         "0" * 64),
                                     *j.lines[2:]], 2, "checksum"),
    "no_checksum": (lambda j: [j.lines[0], json.dumps({"point": 0, "first": 0, "runs": _runs(j, _outcomes(j, 2))})
                               .encode() + b"\n",
                               *j.lines[2:]], 2, "no checksum"),
    "not_utf8": (lambda j: [*j.lines[:2], b"\xff\xfe{\"point\": 1}\n", *j.lines[2:]], 3, "not UTF-8"),
    "a_list": (lambda j: [*j.lines[:2], b"[1, 2]\n", *j.lines[2:]], 3, "a JSON array"),
    "nested_deep": (lambda j: [*j.lines[:2], b"[" * 100_000 + b"]" * 100_000 + b"\n", *j.lines[2:]], 3,
                    "not JSON"),
    "empty_line": (lambda j: [*j.lines[:2], b"\n", *j.lines[2:]], 3, "an empty line"),
    "huge_line": (lambda j: [*j.lines[:2], b"1" * (2 << 20) + b"\n", *j.lines[2:]], 3, "longer than"),
    "cut_line": (lambda j: [*j.lines[:3], j.lines[3][:25]], 4, "cut short"),
    "conflicting_twice": (lambda j: [*j.lines, _point(j, _change(_outcomes(j, 2), 3, 99.0))], 5, "again"),
}


@pytest.mark.parametrize("case", list(BAD_RECORDS))
def test_a_bad_journal_record_is_said_with_its_line_and_its_point_computed_again(case, journalled, tmp_path,
                                                                                sweep_cli):
    make, line, says = BAD_RECORDS[case]
    out = tmp_path / "s"
    shutil.copytree(journalled.cut, out)
    (out / JOURNAL).write_bytes(b"".join(make(journalled)))
    r = sweep_cli(*JOURNALLED, "--out", out, "--resume")
    assert r.status == 0 and "Traceback" not in r.err, r.err
    said = [x for x in r.err.splitlines() if re.search(rf"\bline {line}\b", x)]
    assert len(said) == 1 and str(out / JOURNAL) in said[0] and says in said[0], r.err
    assert "computed again" in said[0]
    for name in FILES:
        assert (out / name).read_bytes() == (journalled.whole / name).read_bytes(), name
    assert not (out / JOURNAL).exists()


# the header: not a journal, or a journal of another version: refused, the journal kept as it was
BAD_HEADERS = {
    "a_list": (b"[1, 2]\n", "a JSON array"), "a_string": (b'"x"\n', "a JSON string"),
    "a_number": (b"3\n", "a JSON number"), "null": (b"null\n", "a JSON null"),
    "empty_file": (b"", "empty"), "not_utf8": (b"\xff{}\n", "not UTF-8"),
    "cut": (None, "cut short"), "unsealed": (b'{"fingerprint": "x"}\n', "no checksum"),
    "old_format": (None, "checksum"), "another_version": (None, "of this version"),
    "another_sweep": (None, "was another one"),
}


def _header_line(j, case: str) -> bytes:
    line, _ = BAD_HEADERS[case]
    if line is not None:
        return line
    if case == "cut":
        return j.lines[0][:30]
    if case == "old_format":           # the journal as written before its lines were sealed
        return json.dumps({"fingerprint": j.fingerprint, "sha256": "0" * 64}).encode() + b"\n"
    version = 2 if case == "another_version" else 3
    fingerprint = j.fingerprint if case == "another_version" else "f" * 64
    return _sealed({"journal": "escalation-sim sweep journal", "version": version, "fingerprint": fingerprint},
                   "escalation-sim sweep journal")


@pytest.mark.parametrize("case", list(BAD_HEADERS))
def test_a_journal_whose_header_is_not_a_sweeps_is_one_line_exit_2_nothing_written(case, journalled, tmp_path,
                                                                                  sweep_cli):
    out = tmp_path / "s"
    shutil.copytree(journalled.cut, out)
    rest = [] if case in ("empty_file", "cut") else journalled.lines[1:]
    (out / JOURNAL).write_bytes(b"".join([_header_line(journalled, case), *rest]))
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    r = sweep_cli(*JOURNALLED, "--out", out, "--resume")
    assert r.status == 2 and "Traceback" not in r.err and r.err.count("\n") == 1, r.err
    assert JOURNAL in r.err and BAD_HEADERS[case][1] in r.err and "--force" in r.err, r.err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_points_appended_after_a_cut_line_are_read_by_the_next_resume(journalled, tmp_path, sweep_cli, monkeypatch):
    out = tmp_path / "s"
    shutil.copytree(journalled.cut, out)
    (out / JOURNAL).write_bytes(b"".join([*journalled.lines[:3], journalled.lines[3][:25]]))   # point 2 cut
    real = sweep.evaluate_point
    monkeypatch.setattr(sweep, "evaluate_point", _stopped_after(2))     # points 2 and 3 computed, then Ctrl-C
    assert sweep_cli(*JOURNALLED, "--out", out, "--resume").status == 130
    records = list(read_sealed_lines(out / JOURNAL, journalled.fingerprint, first_key="escalation-sim sweep journal"))
    assert [why for _, _, why in records] == [""] * 5
    assert [r["point"] for _, r, _ in records[1:]] == [0, 1, 2, 3]
    computed = []
    monkeypatch.setattr(sweep, "evaluate_point", lambda task: computed.append(1) or real(task))
    r = sweep_cli(*JOURNALLED, "--out", out, "--resume")
    assert r.status == 0 and r.err == "", r.err
    assert len(computed) == 5                           # points 4 to 8: none of the journal's again
    for name in FILES:
        assert (out / name).read_bytes() == (journalled.whole / name).read_bytes(), name


def test_a_good_journal_resumes_silently_to_the_same_files(journalled, tmp_path, sweep_cli):
    out = tmp_path / "s"
    shutil.copytree(journalled.cut, out)
    r = sweep_cli(*JOURNALLED, "--out", out, "--resume")
    assert (r.status, r.err) == (0, "")
    for name in FILES:
        assert (out / name).read_bytes() == (journalled.whole / name).read_bytes(), name


def test_a_point_whose_runs_span_journal_lines_is_resumed_only_when_every_line_is_there(journalled, tmp_path,
                                                                                      sweep_cli, monkeypatch):
    import sim.sweep_cli

    monkeypatch.setattr(sim.sweep_cli, "RUN_NUMBERS", 25)       # 10 outcomes: 2 runs a line, 2 lines a point
    out = tmp_path / "s"
    real = sweep.evaluate_point
    monkeypatch.setattr(sweep, "evaluate_point", _stopped_after(3))
    assert sweep_cli(*JOURNALLED, "--out", out).status == 130
    lines = (out / JOURNAL).read_bytes().splitlines(keepends=True)
    records = [json.loads(line) for line in lines[1:]]
    assert [(r["point"], r["first"], len(r["runs"])) for r in records] == [(0, 0, 2), (0, 2, 2), (1, 0, 2),
                                                                          (1, 2, 2), (2, 0, 2), (2, 2, 2)]
    (out / JOURNAL).write_bytes(b"".join([*lines[:4], *lines[5:]]))        # point 1 lost its second line
    computed = []
    monkeypatch.setattr(sweep, "evaluate_point", lambda task: computed.append(1) or real(task))
    r = sweep_cli(*JOURNALLED, "--out", out, "--resume")
    assert (r.status, r.err) == (0, "")
    assert len(computed) == 9 - 2                       # points 0 and 2 read back, point 1 computed again
    for name in FILES:
        assert (out / name).read_bytes() == (journalled.whole / name).read_bytes(), name
