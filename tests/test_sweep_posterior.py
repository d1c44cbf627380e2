"""Sweeps over a calibration's posterior (`sweep --posterior`): factors of several keys, log-uniform ranges,
the convergence table, the same files whatever the workers, and bad posterior files."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.analysis import sweep
from sim.analysis.sweep import Factor
from sim.calibration import draws
from sim.core import scenario
from sim.core.errors import SimError
from sim.core.scenario import value_at

ROOT = Path(__file__).resolve().parent.parent
POSTERIOR = ROOT / "docs" / "inf_2014_2019_posterior.json"
LOG_PRIORS = {"lambda", "talks_rate", "h_max"}


@pytest.fixture(scope="module")
def inf():
    return scenario.load("inf_2018")


@pytest.fixture(scope="module")
def posterior(inf):
    factors, skipped = sweep.posterior_factors(inf, draws.read(POSTERIOR), str(POSTERIOR))
    return sweep.check_factors(inf, factors), skipped


def test_each_posterior_parameter_the_scenario_has_is_a_factor_over_its_90_percent_interval(posterior):
    factors, skipped = posterior
    doc = json.loads(POSTERIOR.read_text())
    assert [f.key for f in factors] == [p["name"] for p in doc["priors"]]
    for f in factors:
        assert (f.low, f.high) == (doc["intervals"][f.key]["low"], doc["intervals"][f.key]["high"])
        assert f.dist == ("logunif" if f.key in LOG_PRIORS else "unif")
    by_name = {f.key: f for f in factors}
    # Russia follows its doctrine in inf_2018: no lambda of its own to set; the US and NATO share one
    assert by_name["lambda"].keys == ("actors.US.rule.lambda", "actors.NATO.rule.lambda")
    assert skipped == ["actors.RU.rule.lambda (lambda)"]
    assert by_name["discount_US"].keys == ("actors.US.payoff.discount", "actors.NATO.payoff.discount")
    assert by_name["production_days_RU"].integer


@settings(max_examples=25, deadline=None)
@given(u=st.lists(st.floats(0, 1), min_size=13, max_size=13))
def test_a_factor_of_several_keys_sets_every_one_of_them_to_its_value(inf, posterior, u):
    factors, _ = posterior
    x = np.array([f.low + v * (f.high - f.low) for f, v in zip(factors, u, strict=True)])
    raw = sweep.point_scenario(inf, factors, x).raw()
    for f, v in zip(factors, x, strict=True):
        for key in f.targets():
            assert value_at(raw, key) == (round(v) if f.integer else pytest.approx(v, rel=1e-12)), key


def test_every_key_of_a_factor_is_checked_and_no_key_is_swept_twice(inf):
    with pytest.raises(SimError, match=r"risk\.nope: no such key"):
        sweep.check_factors(inf, [Factor("both", 0.1, 0.2, keys=("risk.h_max", "risk.nope"))])
    with pytest.raises(SimError, match=r"risk\.h_max: given twice"):
        sweep.check_factors(inf, [Factor("both", 0.001, 0.01, keys=("risk.h_max",)), Factor("risk.h_max", 0.001, 0.01)])
    with pytest.raises(SimError, match="is not allowed there"):      # a discount of 1.5: refused for both keys
        sweep.check_factors(inf, [Factor("d", 0.5, 1.5, keys=("actors.US.payoff.discount",
                                                             "actors.NATO.payoff.discount"))])


@settings(max_examples=20, deadline=None)
@given(low=st.floats(1e-4, 10), decades=st.floats(0.5, 4), seed=st.integers(0, 2**31),
       method=st.sampled_from(["sobol", "latin", "montecarlo", "morris"]))
def test_a_log_uniform_factor_stays_in_its_range_and_is_uniform_in_its_logarithm(low, decades, seed, method):
    high = low * 10 ** decades
    factors = [Factor("x", low, high, "logunif"), Factor("y", 0.0, 1.0)]
    X = sweep.sample(method, factors, seed, trajectories=40, samples=512)
    x = X[:, 0]
    assert np.all((x >= low * (1 - 1e-12)) & (x <= high * (1 + 1e-12)))
    place = (np.log10(x) - math.log10(low)) / decades            # 0 at low, 1 at high, in log10
    if method == "morris":                                        # Morris's 4 levels, evenly spaced in log10
        assert np.allclose(np.unique(np.round(place, 9)), [0, 1 / 3, 2 / 3, 1])
    else:
        assert stats.kstest(np.clip(place, 0, 1), "uniform").pvalue > 1e-3
        assert stats.kstest(np.clip((x - low) / (high - low), 0, 1), "uniform").pvalue < 1e-3    # not in x


def test_a_log_uniform_grid_is_geometric():
    X = sweep.sample("grid", [Factor("x", 0.01, 100.0, "logunif")], 1, levels=5)
    assert X[:, 0] == pytest.approx([0.01, 0.1, 1.0, 10.0, 100.0])


def test_the_convergence_tables_last_rows_are_the_full_analysis(posterior):
    factors, _ = posterior
    X = sweep.sample("sobol", factors, seed=4, samples=128)
    u = np.column_stack([(np.log10(X[:, k] / f.low) / np.log10(f.high / f.low)) if f.dist == "logunif"
                         else (X[:, k] - f.low) / (f.high - f.low) for k, f in enumerate(factors)])
    Y = np.column_stack([u[:, 4] + u[:, 5] * u[:, 8], np.sin(6 * u[:, 0]) + u[:, 4] ** 2])
    rows = sweep.convergence(factors, X, Y, ["a", "b"], seed=4)
    assert sorted({r["samples"] for r in rows}) == [16, 32, 64, 128]
    whole = {(r["outcome"], r["factor"], r["index"]): (r["value"], r["conf95"])
             for r in sweep.indices("sobol", factors, X, Y, ["a", "b"], seed=4) if r["index"] in ("S1", "ST")}
    last = {(r["outcome"], r["factor"], r["index"]): (r["value"], r["conf95"]) for r in rows if r["samples"] == 128}
    assert last == whole
    assert {r["factor"] for r in rows} == {f.key for f in factors}        # named by the parameters' names


@pytest.fixture()
def sweep_cli(cli_main, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return lambda *args: cli_main("sweep", *args)


SMALL = ["inf_2018", "--posterior", POSTERIOR, "--method", "sobol", "--samples", "8", "--runs", "2", "--turns", "4",
         "--seed", "3", "--quiet"]
FILES = ("samples.csv", "runs.csv", "noise.csv", "indices.csv", "convergence.csv", "sweep.json")


def test_a_posterior_sweep_gives_the_same_files_whatever_the_jobs(tmp_path, sweep_cli):
    for jobs in ("1", "2"):
        done = sweep_cli(*SMALL, "--jobs", jobs, "--out", tmp_path / jobs)
        assert done.status == 0, done.err
    for name in (*FILES, "sobol.png", "sobol_convergence.png", "outcomes.png"):
        assert (tmp_path / "1" / name).read_bytes() == (tmp_path / "2" / name).read_bytes(), name
    header = (tmp_path / "1" / "samples.csv").read_text().splitlines()[0]
    assert header.startswith("point,discount_US,discount_RU,treaty_value_US,treaty_value_RU,lambda,talks_rate,")
    indices = [line.split(",") for line in (tmp_path / "1" / "indices.csv").read_text().splitlines()[1:]]
    table = [line.split(",") for line in (tmp_path / "1" / "convergence.csv").read_text().splitlines()[1:]]
    assert [r[:3] + r[4:] for r in table if r[3] == "8"] == [r for r in indices if r[2] in ("S1", "ST")]
    definition = json.loads((tmp_path / "1" / "sweep.json").read_text())
    assert definition["posterior"]["skipped"] == ["actors.RU.rule.lambda (lambda)"]
    assert definition["factors"][4]["keys"] == ["actors.US.rule.lambda", "actors.NATO.rule.lambda"]


def test_a_posterior_morris_sweep_says_what_it_skipped_and_resumes_to_the_same_files(tmp_path, sweep_cli,
                                                                                     monkeypatch):
    args = ["inf_2018", "--posterior", POSTERIOR, "--trajectories", "2", "--runs", "2", "--turns", "4", "--jobs",
            "1", "--no-plot"]
    whole = sweep_cli(*args, "--out", tmp_path / "whole")
    assert whole.status == 0, whole.err
    assert "not in inf_2018, skipped: actors.RU.rule.lambda (lambda)" in whole.out
    real, calls = sweep.evaluate_point, itertools.count()

    def stopped(task):
        if next(calls) == 5:
            raise KeyboardInterrupt
        return real(task)
    monkeypatch.setattr(sweep, "evaluate_point", stopped)
    assert sweep_cli(*args, "--out", tmp_path / "cut").status == 130
    monkeypatch.setattr(sweep, "evaluate_point", real)
    resumed = sweep_cli(*args, "--out", tmp_path / "cut", "--resume")
    assert resumed.status == 0, resumed.err
    for name in ("samples.csv", "runs.csv", "noise.csv", "indices.csv", "sweep.json"):
        assert (tmp_path / "cut" / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name


@pytest.mark.slow
def test_a_posterior_sweep_on_dask_gives_the_local_pools_files(tmp_path, sweep_cli):
    args = ["inf_2018", "--posterior", POSTERIOR, "--trajectories", "2", "--runs", "2", "--turns", "4", "--quiet",
            "--no-plot", "--jobs", "2"]
    assert sweep_cli(*args, "--out", tmp_path / "local").status == 0
    assert sweep_cli(*args, "--dask", "local", "--out", tmp_path / "dask").status == 0
    for name in ("samples.csv", "runs.csv", "noise.csv", "indices.csv", "sweep.json"):
        assert (tmp_path / "local" / name).read_bytes() == (tmp_path / "dask" / name).read_bytes(), name


def _doc(**change) -> dict:
    doc = json.loads(POSTERIOR.read_text())
    doc.update(change)
    return doc


BAD = {
    "missing": (None, "no such posterior file"),
    "not_json": ("{not json", "not JSON"),
    "a_list": ("[1, 2]", "format = None"),
    "another_format": (_doc(format="escalation-sim results"), "format = 'escalation-sim results'"),
    "no_intervals": (_doc(intervals=None), "priors or intervals missing"),
    "an_interval_missing": (_doc(intervals={**_doc()["intervals"], "lambda": None}), "lambda: its prior"),
    "an_interval_inverted": (_doc(intervals={**_doc()["intervals"], "h_max": {"low": 0.02, "high": 0.001}}),
                             "h_max's 90% interval: range 0.02:0.001 is empty or inverted"),
    "a_log_interval_below_0": (_doc(intervals={**_doc()["intervals"], "lambda": {"low": -1, "high": 2}}),
                               "0 < LO < HI"),
    "a_scale_unknown": (_doc(priors=[{**_doc()["priors"][0], "scale": "ln"}]), "discount_US: its prior"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_posterior_file_is_one_line_naming_it_exit_2_nothing_written(case, tmp_path, sweep_cli):
    content, says = BAD[case]
    path = tmp_path / f"{case}.json"
    if content is not None:
        path.write_text(content if isinstance(content, str) else json.dumps(content))
    out = sweep_cli("inf_2018", "--posterior", path, "--runs", "2", "--out", tmp_path / "out")
    assert out.status == 2, out.err
    assert out.err.count("\n") == 1 and str(path) in out.err and says in out.err and "Traceback" not in out.err
    assert not (tmp_path / "out").exists()


def test_a_first_order_design_has_n_k_plus_2_points_and_the_same_s1_and_st_as_salib_gives_it():
    factors = [Factor(f"x{i}", -np.pi, np.pi) for i in (1, 2, 3)]
    X = sweep.sample("sobol", factors, seed=5, samples=1024, second_order=False)
    assert X.shape == (1024 * 5, 3)
    Y = (np.sin(X[:, 0]) + 7 * np.sin(X[:, 1]) ** 2 + 0.1 * X[:, 2] ** 4 * np.sin(X[:, 0]))[:, None]
    rows = sweep.indices("sobol", factors, X, Y, ["y"], seed=5, second_order=False)
    got = {(r["factor"], r["index"]): r["value"] for r in rows}
    assert {r["index"] for r in rows} == {"S1", "ST"}
    for k, (s1, st_) in enumerate([(0.314, 0.558), (0.442, 0.442), (0.0, 0.244)], start=1):   # Ishigami's
        assert got[(f"x{k}", "S1")] == pytest.approx(s1, abs=0.05)
        assert got[(f"x{k}", "ST")] == pytest.approx(st_, abs=0.05)
    table = sweep.convergence(factors, X, Y, ["y"], seed=5, second_order=False)
    assert [r for r in table if r["samples"] == 1024] == [{**r, "samples": 1024} for r in rows]
