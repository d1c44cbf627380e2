"""The inference: ABC-SMC with pyabc, reproducible from a seed whatever runs it; it recovers known values."""

import json

import numpy as np
import pytest

from conftest import NATO, RU, US, D
from sim.calibration import inference, posterior, priors, statistics
from sim.calibration.patterns import Pattern
from sim.calibration.sampler import OrderedSampler
from sim.calibration.statistics import Statistic
from sim.core.scenario import apply_overrides, load
from sim.engine.executors import map_in_order

pyabc = pytest.importorskip("pyabc")


def _on(jobs):
    return lambda fn, tasks: map_in_order(fn, tasks, jobs)


def _gaussian(par):
    return {"y": par["mu"] + 0.1 * np.random.normal()}      # noqa: NPY002 - pyabc's generator, seeded per run


def _toy(jobs, seed=5):
    """A normal mean from one observation, on `jobs` workers: the last population."""
    abc = pyabc.ABCSMC(_gaussian, pyabc.Distribution(mu=pyabc.RV("uniform", 0, 1)),
                       lambda x, x0: abs(x["y"] - x0["y"]), population_size=30,
                       sampler=OrderedSampler(seed, _on(jobs)))
    np.random.seed(seed)  # noqa: NPY002 - what pyabc draws between generations
    abc.new("sqlite://", {"y": 0.3})
    history = abc.run(max_nr_populations=3)
    frame, weights = history.get_distribution()
    return frame["mu"].to_numpy(), weights


def test_the_ordered_sampler_gives_the_same_population_on_one_worker_or_two():
    one, two = _toy(1), _toy(2)
    assert np.array_equal(one[0], two[0]) and np.array_equal(one[1], two[1])
    assert not np.array_equal(one[0], _toy(1, seed=6)[0])
    assert abs(np.average(one[0], weights=one[1]) - 0.3) < 0.1


def test_priors_map_their_range_to_the_unit_interval_and_back():
    lam = priors.select(["lambda"])[0]
    assert lam.from_unit(0.0) == pytest.approx(0.1) and lam.from_unit(1.0) == pytest.approx(100.0)
    assert lam.from_unit(1 / 3) == pytest.approx(1.0)                      # log10-uniform: one order per third
    assert lam.to_unit(lam.from_unit(0.37)) == pytest.approx(0.37)
    days = priors.select(["production_days_RU"])[0]
    assert priors.overrides([days], {"production_days_RU": 400.4}) == {"actors.RU.programme.production_days": 400}


def test_every_prior_names_values_of_the_calibration_case():
    priors.check(load("inf_2014_2019"), priors.DEFAULT)      # raises if a key is not a value of the scenario
    assert all(p.why for p in priors.DEFAULT)


#: the statistics a synthetic record is made of: Russia's first fielding and the talk of each side
SYNTHETIC = (("fielded", Statistic("first_fielded", RU), 2.0), ("rounds", Statistic("rounds", US, other=RU), 5.0),
             ("us_talk", Statistic("moves", US, D), 5.0), ("nato_talk", Statistic("moves", NATO, D), 5.0))


def _synthetic(case, truth, chosen):
    """Patterns stating what one run of the model at `truth` showed, exactly."""
    observed = statistics.simulate(apply_overrides(case, priors.overrides(chosen, truth)), 2024, [0],
                                   [s for _, s, _ in SYNTHETIC])[0]
    return [Pattern(name, stat, v, v, scale, "synthetic", "the model at known values")
            for (name, stat, scale), v in zip(SYNTHETIC, observed, strict=True)]


@pytest.mark.slow
def test_the_inference_recovers_values_the_model_generated_its_data_with():
    """Recovery: a run at known values is the record; each true value lies in its 90% interval, which is narrower
    than the prior's range (about 5 s on two idle cores)."""
    case = apply_overrides(load("inf_2014_2019"), {"actors.RU.payoff.comply_cost": 8.0})   # Russia fields
    chosen = priors.select(["production_days_RU", "lambda"])
    truth = {"production_days_RU": 450.0, "lambda": 2.0}
    pats = _synthetic(case, truth, chosen)
    result = inference.infer(case, chosen, pats, 1, inference.Settings(population=40, generations=4,
                                                                       max_simulations=2000), _on(2))
    for prior in chosen:
        row = posterior.intervals(result)[prior.name]
        assert row["low"] <= truth[prior.name] <= row["high"], (prior.name, row)
        width = prior.to_unit(row["high"]) - prior.to_unit(row["low"])
        assert width < 0.9, (prior.name, row)
    days = posterior.intervals(result)["production_days_RU"]
    assert days["high"] - days["low"] < 300          # a deployment date pins the production time to months


@pytest.mark.slow
def test_the_same_seed_writes_the_same_posterior_file_whatever_the_jobs(tmp_path, cli_main):
    files = []
    for jobs in (1, 2):
        out = tmp_path / f"p{jobs}.json"
        done = cli_main("calibrate", "--population", 12, "--generations", 2, "--max-simulations", 200, "--param",
                        "lambda", "--param", "production_days_RU", "--seed", 9, "--jobs", jobs, "--out", out, "--quiet")
        assert done.status == 0, done.err
        files.append(out.read_bytes())
    assert files[0] == files[1]
    doc = json.loads(files[0])
    assert doc["seed"] == 9 and set(doc["samples"]) == {"lambda", "production_days_RU"}
    assert abs(sum(doc["weights"]) - 1) < 1e-9 and doc["provenance"]["pyabc"]


@pytest.mark.slow
def test_on_a_dask_cluster_the_posterior_file_is_the_one_of_local_processes(tmp_path, cli_main):
    pytest.importorskip("distributed")
    common = ("calibrate", "--population", 10, "--generations", 2, "--max-simulations", 100, "--param", "lambda",
              "--param", "production_days_RU", "--seed", 3, "--jobs", 2, "--quiet", "--no-plot")
    local = cli_main(*common, "--out", tmp_path / "local.json")
    dask = cli_main(*common, "--dask", "local", "--out", tmp_path / "dask.json")
    assert local.status == dask.status == 0, dask.err
    assert (tmp_path / "local.json").read_bytes() == (tmp_path / "dask.json").read_bytes()


@pytest.mark.slow
def test_an_inference_that_accepts_no_generation_says_so_in_one_line(tmp_path, cli_main):
    """With lambda alone free, the case's runs lie at a few distances: no run beats 0.95 times their median."""
    out = tmp_path / "post.json"
    done = cli_main("calibrate", "--population", 10, "--max-simulations", 100, "--min-acceptance", 0.1, "--param",
                    "lambda", "--jobs", 1, "--out", out, "--quiet")
    assert done.status == 2 and "no generation" in done.err and len(done.err.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize(("args", "says"), [
    (("--param", "nope"), "nope"),
    (("--param", "lambda", "--param", "lambda"), "twice"),
    (("--patterns", "missing.toml"), "missing.toml"),
    (("--population", "3"), "--population"),
    (("--set", "risk.h_max=7"), "h_max"),
])
def test_bad_input_to_calibrate_is_one_line_exit_2_and_nothing_written(tmp_path, cli_main, args, says):
    out = tmp_path / "post.json"
    done = cli_main("calibrate", *args, "--out", out, "--quiet")
    assert done.status == 2 and says in done.err and len(done.err.strip().splitlines()) == 1
    assert not out.exists()


def test_calibrate_does_not_replace_a_posterior_file_without_force(tmp_path, cli_main):
    out = tmp_path / "post.json"
    out.write_text("mine")
    done = cli_main("calibrate", "--out", out, "--quiet")
    assert done.status == 2 and "--force" in done.err and out.read_text() == "mine"
