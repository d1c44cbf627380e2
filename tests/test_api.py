"""The Python API of notebooks and scripts: `sim.run`, `sim.load_scenario`, `RunResult`, figures on given axes."""

from __future__ import annotations

import doctest
import subprocess
import sys
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

import sim
from sim import api
from sim.core.errors import ScenarioError, SimError
from sim.output import plots
from sim.output.results import ACTION_COLUMNS, TURN_COLUMNS

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def result():
    return sim.run("inf_2018", runs=12, turns=10, seed=5, jobs=1, progress=False,
                   set={"actors.US.rule.lambda": 3.0})


def test_the_module_docstring_example_runs():
    failures, tried = doctest.testmod(api, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert tried > 0 and failures == 0


def test_tables_have_the_csv_columns_and_one_row_per_run_turn_and_actor(result):
    assert list(result.turns.columns) == TURN_COLUMNS
    assert list(result.actions.columns) == ACTION_COLUMNS
    reached = result.turns.groupby("run")["turn"].max()
    assert sorted(reached.index) == list(range(12))
    assert len(result.turns) == (reached + 1).sum()
    assert len(result.actions) == reached.sum() * 3
    assert result.actions["action"].dtype == "category"
    assert pd.api.types.is_datetime64_any_dtype(result.turns["date"])
    assert result.summary["runs"] == 12 and result.summary["seed"] == 5
    assert result.scenario.actors[0].rule["lambda"] == 3.0


def test_saved_folder_is_byte_for_byte_what_the_command_line_writes(result, tmp_path, cli_main):
    result.save(tmp_path / "api", plot=False)
    done = cli_main("run", "inf_2018", "--runs", "12", "--turns", "10", "--seed", "5", "--set",
                    "actors.US.rule.lambda=3.0", "--no-plot", "--quiet", "--jobs", "2", "--batch-size", "5",
                    "--out", tmp_path / "cli")
    assert done.status == 0, done.err
    for name in ("turns.csv", "actions.csv", "summary.json", "scenario.toml"):
        assert (tmp_path / "api" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name


def test_tables_equal_the_csv_files_to_their_four_decimals(result, tmp_path):
    result.save(tmp_path, plot=False)
    on_disk = pd.read_csv(tmp_path / "turns.csv", parse_dates=["date"])
    mine = result.turns
    assert (on_disk["run"] == mine["run"]).all() and (on_disk["date"] == mine["date"]).all()
    assert np.allclose(on_disk["escalation"], mine["escalation"], atol=5e-5)
    acts = pd.read_csv(tmp_path / "actions.csv")
    assert (acts["action"] == mine_actions(result)).all()


def mine_actions(result):
    return result.actions["action"].astype(str).to_numpy()


def test_nothing_is_written_unless_asked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sim.run("dilemma_2p", runs=3, turns=3, progress=False, jobs=1)
    assert list(tmp_path.iterdir()) == []


def test_a_folder_not_written_by_the_program_is_refused(result, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(SimError, match=r"not written by run_sim\.py"):
        result.save(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


@pytest.mark.parametrize("kwargs, message", [
    ({"runs": 0}, "runs = 0: allowed: a whole number of at least 1"),
    ({"runs": 2.5}, "runs = 2.5"),
    ({"seed": -1}, "seed = -1"),
    ({"engine": "gpu"}, "engine = 'gpu': allowed: ensemble, mesa"),
    ({"turns": 0}, "turns = 0"),
])
def test_bad_arguments_name_the_argument_the_value_and_what_is_allowed(kwargs, message):
    with pytest.raises(SimError, match=message.replace("(", r"\(").replace(")", r"\)")):
        sim.run("dilemma_2p", progress=False, **kwargs)


def test_a_bad_override_is_a_scenario_error_naming_the_key():
    with pytest.raises(ScenarioError, match=r"risk\.h_max"):
        sim.load_scenario("inf_2018", set={"risk.h_max": -1})


def test_same_seed_same_tables_whatever_the_jobs_and_engine():
    a = sim.run("dilemma_2p", runs=4, turns=5, seed=3, jobs=1, progress=False)
    b = sim.run("dilemma_2p", runs=4, turns=5, seed=3, jobs=2, batch_size=1, engine="mesa", progress=False)
    pd.testing.assert_frame_equal(a.turns, b.turns)
    pd.testing.assert_frame_equal(a.actions, b.actions)
    assert a.summary == b.summary


@pytest.mark.parametrize("name", ["plot_escalation", "plot_components", "plot_treaty", "plot_missiles"])
def test_each_figure_draws_on_the_axes_given_and_returns_its_figure(result, name):
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2)
    try:
        out = getattr(plots, name)(result, ax=right)
        assert out is fig
        assert right.has_data() and not left.has_data()
        assert "inf_2018" in right.get_title() and "12 runs" in right.get_title()
    finally:
        plt.close(fig)


def test_moves_take_one_axes_per_actor_and_refuse_other_counts(result):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(3, 1)
    try:
        assert plots.plot_moves(result, axes=axes) is fig
        assert all(ax.has_data() for ax in axes)
        with pytest.raises(ValueError, match="one per actor"):
            plots.plot_moves(result, axes=axes[:2])
    finally:
        plt.close(fig)


def test_figures_from_a_result_and_from_its_folder_show_the_same_data(result, tmp_path):
    import matplotlib.pyplot as plt

    result.save(tmp_path, plot=False)
    a, b = plots.plot_missiles(result), plots.plot_missiles(tmp_path)
    try:
        lines = lambda f: [line.get_ydata().tolist() for line in f.axes[0].lines]  # noqa: E731
        assert lines(a) == lines(b)
    finally:
        plt.close(a)
        plt.close(b)


@pytest.mark.slow
def test_importing_the_package_and_its_figures_keeps_the_users_backend_and_settings():
    code = ("import matplotlib; matplotlib.use('svg'); before = dict(matplotlib.rcParams); import sim, "
            "sim.output.plots, sim.analysis.crisis_game_plots, sim.api; "
            "assert matplotlib.get_backend() == 'svg', matplotlib.get_backend(); "
            "after = dict(matplotlib.rcParams); assert before == after, "
            "[k for k in before if before[k] != after[k]]")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


@pytest.mark.slow
def test_import_sim_is_light():
    code = "import sys, sim; assert not {'pandas', 'numba', 'matplotlib'} & set(sys.modules), sorted(sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
    assert matplotlib  # the test module itself may import it
