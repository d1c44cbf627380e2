"""`run --posterior`: each run's parameters drawn from a posterior file, reproducibly from the seed."""

import json

import numpy as np
import pytest

from sim.calibration import draws
from sim.calibration.posterior import FORMAT
from sim.core.errors import SimError
from sim.core.scenario import load

pytest.importorskip("pyabc")


def test_each_run_draws_its_particle_from_its_own_stream_by_the_weights():
    runs = np.arange(4000)
    drawn = draws.particles(7, runs, np.array([0.5, 0.3, 0.2]))
    assert np.array_equal(drawn[1000:1010], draws.particles(7, runs[1000:1010], np.array([0.5, 0.3, 0.2])))
    assert np.allclose(np.bincount(drawn, minlength=3) / len(runs), [0.5, 0.3, 0.2], atol=0.03)
    assert not np.array_equal(drawn, draws.particles(8, runs, np.array([0.5, 0.3, 0.2])))


def test_posterior_runs_are_the_same_files_whatever_the_jobs_and_batches(tmp_path, cli_main, posterior_file):
    post = posterior_file(tmp_path / "post.json")
    outs = []
    for k, extra in enumerate((("--jobs", 1), ("--jobs", 2, "--batch-size", 3))):
        out = tmp_path / f"r{k}"
        done = cli_main("run", "inf_2018", "--posterior", post, "--runs", 10, "--turns", 6, "--seed", 4, *extra,
                        "--out", out, "--no-plot", "--quiet")
        assert done.status == 0, done.err
        outs.append(out)
    for name in ("turns.csv", "actions.csv", "summary.json"):
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name
    summary = json.loads((outs[0] / "summary.json").read_text())
    assert summary["provenance"]["command"].endswith("--posterior post.json")
    assert summary["provenance"]["posterior"]["not_applied"] == ["actors.RU.rule.lambda"]   # Russia's doctrine


def test_the_particles_change_the_runs(tmp_path, cli_main, posterior_file):
    a = cli_main("run", "inf_2018", "--posterior", posterior_file(tmp_path / "a.json", (1.0, 0.0, 0.0)), "--runs", 20,
                 "--turns", 6, "--out", tmp_path / "a", "--no-plot", "--quiet")
    b = cli_main("run", "inf_2018", "--posterior", posterior_file(tmp_path / "b.json", (0.0, 0.0, 1.0)), "--runs", 20,
                 "--turns", 6, "--out", tmp_path / "b", "--no-plot", "--quiet")
    assert a.status == b.status == 0
    assert (tmp_path / "a" / "actions.csv").read_bytes() != (tmp_path / "b" / "actions.csv").read_bytes()


@pytest.mark.parametrize(("text", "says"), [
    ("not json", "not JSON"),
    ('{"format": "other"}', "format"),
    (json.dumps({"format": FORMAT, "priors": [], "samples": {}, "weights": [0, 0]}), "weights"),
    (json.dumps({"format": FORMAT, "priors": [{"name": "x", "keys": ["risk.h_max"]}], "samples": {"x": [1]},
                 "weights": [1, 1]}), "samples.x"),
    (json.dumps({"format": FORMAT, "priors": [{"name": "x", "keys": ["risk.h_max"]}], "samples": {"x": [7, 7]},
                 "weights": [1, 1]}), "h_max"),
])
def test_a_bad_posterior_file_is_one_line(tmp_path, text, says):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(SimError) as err:
        draws.load(path, load("inf_2018"))
    assert says in str(err.value) and "\n" not in str(err.value)


def test_run_with_a_missing_posterior_is_exit_2_and_writes_nothing(tmp_path, cli_main):
    done = cli_main("run", "inf_2018", "--posterior", tmp_path / "none.json", "--out", tmp_path / "out", "--quiet")
    assert done.status == 2 and "none.json" in done.err and not (tmp_path / "out").exists()


def test_a_posterior_file_that_cannot_be_read_is_one_line_naming_it(tmp_path, posterior_file, monkeypatch):
    from pathlib import Path

    path = posterior_file(tmp_path / "post.json")

    def refuse(self):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(SimError) as err:
        draws.read(path)
    assert str(err.value) == f"{path}: cannot read it (Permission denied); allowed: a readable posterior file"
