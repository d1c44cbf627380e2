"""`--posterior FILE` beyond `run`: compare, tournament, the classroom's band; parameter uncertainty beside
run-to-run noise in summary.json and in the figures."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from sim.calibration import draws, spread
from sim.calibration.posterior import FORMAT
from sim.core import scenario

RUNS = ("--runs", 10, "--turns", 6, "--seed", 4)
JOBS = (("--jobs", 1), ("--jobs", 2, "--batch-size", 3))


@pytest.fixture()
def post(tmp_path, posterior_file):
    return posterior_file(tmp_path / "post.json")


def _files(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------- run: both kinds of runs


def test_run_records_the_same_seeds_at_the_scenario_s_values_and_the_variance_split(tmp_path, cli_main, post):
    drawn, plain = tmp_path / "drawn", tmp_path / "plain"
    assert cli_main("run", "inf_2018", "--posterior", post, *RUNS, "--out", drawn, "--no-plot", "--quiet").status == 0
    assert cli_main("run", "inf_2018", *RUNS, "--out", plain, "--no-plot", "--quiet").status == 0
    summary = json.loads((drawn / "summary.json").read_text())
    alone = json.loads((plain / "summary.json").read_text())
    fixed = summary["parameter_uncertainty"]["at_scenario_values"]
    assert {k: fixed[k] for k in spread.KEPT} == {k: alone[k] for k in spread.KEPT}
    for split in summary["parameter_uncertainty"]["variance_split"].values():
        assert split["between_particles"] + split["within_particles"] == pytest.approx(split["total"], abs=1e-5)


def test_a_set_value_is_not_drawn(tmp_path, cli_main, post):
    out = tmp_path / "r"
    done = cli_main("run", "inf_2018", "--posterior", post, "--set", "actors.US.payoff.audience_cost=0", *RUNS,
                    "--out", out, "--no-plot", "--quiet")
    assert done.status == 0, done.err
    provenance = json.loads((out / "summary.json").read_text())["provenance"]
    assert provenance["posterior"]["set_by_command"] == ["actors.US.payoff.audience_cost"]
    assert "audience_cost = 0" in (out / "scenario.toml").read_text()


def test_the_variance_split_is_exact_and_all_between_when_each_particle_gives_one_value():
    drawn = np.array([0, 0, 1, 1, 2, 2])
    split = spread.variance_split(np.array([1.0, 1.0, 3.0, 3.0, 5.0, 5.0]), drawn)
    assert split["share_between"] == 1.0 and split["within_particles"] == 0.0
    split = spread.variance_split(np.array([1.0, 3.0, 1.0, 3.0, 1.0, 3.0]), drawn)
    assert split["share_between"] == 0.0 and split["within_particles"] == split["total"] == 1.0


# ---------------------------------------------------------------- compare


def test_compare_with_a_posterior_is_the_same_bytes_whatever_the_jobs_and_names_it(tmp_path, cli_main, post):
    outs = []
    for k, extra in enumerate(JOBS):
        out = tmp_path / f"c{k}"
        done = cli_main("compare", "inf_2018", "inf_2018:actors.US.payoff.audience_cost=0", "--posterior", post,
                        *RUNS, *extra, "--out", out, "--quiet")
        assert done.status == 0, done.err
        outs.append(out)
    first, second = _files(outs[0]), _files(outs[1])
    assert first.keys() == second.keys() and "compare.json" in first and "compare.png" in first
    assert first == second, [name for name in first if first[name] != second.get(name)]
    record = json.loads(first["compare.json"])
    sha = draws.read(post)["sha256"]
    assert record["posterior"]["file"] == "post.json" and record["posterior"]["sha256"] == sha
    assert record["command"].endswith("--seed 4 --posterior post.json")
    base, variant = record["items"]
    assert variant["posterior"]["set_by_command"] == ["actors.US.payoff.audience_cost"]   # the variant's own value
    assert base["posterior"]["set_by_command"] == [] and base["command"].endswith("--posterior post.json")
    assert set(base["variance_split"]) == {"treaty_ended", "incident", "peak_escalation", "turns_to_termination"}
    item = json.loads(first["inf_2018/summary.json"])
    assert item["provenance"]["posterior"]["sha256"] == sha and "at_scenario_values" in item["parameter_uncertainty"]


def test_compare_without_a_posterior_records_none(tmp_path, cli_main):
    out = tmp_path / "c"
    assert cli_main("compare", "inf_2018", "inf_2018:risk.h_max=0.02", *RUNS, "--out", out, "--no-plot",
                    "--quiet").status == 0
    record = json.loads((out / "compare.json").read_text())
    assert record["posterior"] is None and "--posterior" not in record["command"]
    assert "parameter_uncertainty" not in json.loads((out / "inf_2018" / "summary.json").read_text())


# ---------------------------------------------------------------- tournament


def test_tournament_with_a_posterior_is_the_same_bytes_whatever_the_jobs_and_names_it(tmp_path, cli_main, post):
    outs = []
    for k, extra in enumerate((("--jobs", 1), ("--jobs", 2))):
        out = tmp_path / f"t{k}"
        done = cli_main("tournament", "inf_2018", "--rules", "hawk,dove", "--posterior", post, *RUNS, *extra,
                        "--out", out, "--quiet", "--format", "svg")
        assert done.status == 0, done.err
        outs.append(out)
    assert _files(outs[0]) == _files(outs[1])
    record = json.loads((outs[0] / "tournament.json").read_text())
    assert record["posterior"]["file"] == "post.json" and record["posterior"]["sha256"] == draws.read(post)["sha256"]
    assert record["command"].endswith("--posterior post.json") and "--rules hawk,dove" in record["command"]
    # the pair's rules are the pairing's: their lambda is not drawn; NATO's is
    assert record["posterior"]["set_by_command"] == ["actors.RU.rule.lambda", "actors.US.rule.lambda"]


def test_the_posterior_changes_the_tournament(tmp_path, cli_main, posterior_file):
    tables = []
    for name, weights in (("a", (1.0, 0.0, 0.0)), ("b", (0.0, 0.0, 1.0))):
        out = tmp_path / name
        assert cli_main("tournament", "inf_2018", "--rules", "hawk,dove", "--posterior",
                        posterior_file(tmp_path / f"{name}.json", weights), "--runs", 20, "--turns", 8, "--out", out,
                        "--quiet", "--jobs", 1).status == 0
        with open(out / "tournament.csv") as f:
            tables.append([row for row in csv.DictReader(f) if row["outcome"] == "payoff_first"])
    assert tables[0] != tables[1]


# ---------------------------------------------------------------- a bad posterior file


@pytest.mark.parametrize("command", [
    ("run", "inf_2018"),
    ("compare", "inf_2018", "inf_2018:risk.h_max=0.02"),
    ("tournament", "inf_2018", "--rules", "hawk,dove"),
    ("classroom", "inf_2018", "--port", "0"),
])
@pytest.mark.parametrize("text", ["not json", json.dumps({"format": FORMAT, "priors": [], "samples": {},
                                                           "weights": [0, 0]}), None])
def test_a_bad_posterior_file_is_one_line_naming_it_exit_2_and_nothing_written(tmp_path, cli_main, command, text):
    path = tmp_path / "bad.json"
    if text is not None:
        path.write_text(text)
    out = tmp_path / "out"
    done = cli_main(*command, "--posterior", path, "--out", out, "--runs" if command[0] != "classroom" else "--turns",
                    2)
    assert done.status == 2 and "bad.json" in done.err and done.err.count("\n") == 1, done.err
    assert not out.exists()


def test_a_posterior_whose_particle_is_not_valid_for_the_scenario_writes_nothing(tmp_path, cli_main):
    path = tmp_path / "wide.json"
    path.write_text(json.dumps({"format": FORMAT, "priors": [{"name": "h", "keys": ["risk.h_max"]}],
                                "samples": {"h": [0.01, 7.0]}, "weights": [1, 1]}))
    for command in (("compare", "inf_2018", "inf_2018:risk.k=2"), ("tournament", "inf_2018", "--rules", "hawk,dove")):
        done = cli_main(*command, "--posterior", path, "--runs", 2, "--out", tmp_path / command[0])
        assert done.status == 2 and "wide.json" in done.err and "h_max" in done.err, done.err
        assert not (tmp_path / command[0]).exists()


# ---------------------------------------------------------------- the figures


def _summary_with_both(tmp_path, cli_main, post):
    out = tmp_path / "r"
    assert cli_main("run", "inf_2018", "--posterior", post, *RUNS, "--out", out, "--quiet").status == 0
    return out, json.loads((out / "summary.json").read_text())


def test_the_escalation_figure_draws_both_bands_when_given_both(tmp_path, cli_main, post):
    import matplotlib

    matplotlib.use("Agg")
    from sim.output import plots

    out, summary = _summary_with_both(tmp_path, cli_main, post)
    labels = plots.plot_escalation(out).axes[0].get_legend_handles_labels()[1]
    assert f"{plots.DRAWN}:\n90% of runs" in labels and f"{plots.FIXED}:\n90% of runs (outline)" in labels
    assert f"{plots.FIXED}:\nmedian" in labels
    assert "parameters drawn from the posterior post.json" in plots.plot_escalation(out).axes[0].get_title()
    del summary["parameter_uncertainty"]
    (out / "summary.json").write_text(json.dumps(summary))
    labels = plots.plot_escalation(out).axes[0].get_legend_handles_labels()[1]
    assert "90% of runs" in labels and not any(plots.FIXED in label for label in labels)


def test_the_compare_figure_puts_both_kinds_of_runs_side_by_side(tmp_path, cli_main, post):
    import matplotlib

    matplotlib.use("Agg")
    from sim.output import plots

    _, summary = _summary_with_both(tmp_path, cli_main, post)
    fig = plots.plot_compare(["a", "b"], [summary, summary])
    assert [ax.get_title().split(" (")[0].split(":")[0] for ax in fig.axes] == [plots.FIXED, plots.DRAWN]
    assert len(plots.plot_compare(["a"], [{k: v for k, v in summary.items() if k != "parameter_uncertainty"}])
               .axes) == 1


# ---------------------------------------------------------------- the classroom's band


def test_the_debrief_band_draws_from_the_posterior_and_says_so_escaped(tmp_path, posterior_file):
    from sim.play import debrief
    from sim.play.engine import Game

    path = posterior_file(tmp_path / "<i>*x*.json")
    game = Game(scenario.load("inf_2018"), seed=2, humans=["US"], turns=3)
    game.play({"US": "hold"})
    written = debrief.write_debrief(game, tmp_path / "d", band_runs=6, posterior=draws.read(path))
    band = json.loads(written["band.json"].read_text())
    assert band["provenance"]["posterior"]["file"] == "<i>*x*.json"
    page, md = written["debrief.html"].read_text(), written["debrief.md"].read_text()
    assert "calibrated posterior &lt;i&gt;*x*.json" in page and "<i>*x" not in page
    assert r"calibrated posterior &lt;i&gt;\*x\*.json" in md
    plain = debrief.model_band(game, 6)
    drawn = debrief.model_band(game, 6, posterior=draws.read(path))
    assert np.array_equal(plain.same_dice, drawn.same_dice)          # the game's own dice and values
    assert drawn.posterior is not None and plain.posterior is None


def test_the_room_keeps_its_posterior_for_a_restart(tmp_path, post):
    from sim.classroom.room import Room
    from sim.play.engine import Game

    game = Game(scenario.load("inf_2018"), seed=2, humans=["US"], turns=3)
    room = Room(game, tmp_path, posterior=draws.read(post))
    assert room._kept()["posterior"] == str(post)
    assert "posterior" not in Room(game, tmp_path)._kept()


def test_the_figures_drawn_by_run_are_those_plot_redraws_from_the_files(tmp_path, cli_main, post):
    """The median run, redrawn alone when it is not among the first runs kept, takes its own particle."""
    from sim.output.results import SAMPLE_RUNS

    out = tmp_path / "r"
    assert cli_main("run", "inf_2018", "--posterior", post, "--runs", 40, "--turns", 8, "--seed", 4, "--out", out,
                    "--quiet", "--format", "svg").status == 0
    assert json.loads((out / "summary.json").read_text())["median_run"] >= SAMPLE_RUNS
    drawn = {p.name: p.read_bytes() for p in out.glob("*.svg")}
    assert cli_main("plot", out, "--format", "svg").status == 0
    assert drawn == {p.name: p.read_bytes() for p in out.glob("*.svg")}


def test_replay_writes_the_debrief_again_with_the_band_drawn_from_the_posterior(tmp_path, cli_main, post):
    from sim.play import savefile
    from sim.play.engine import Game

    game = Game(scenario.load("inf_2018"), seed=2, humans=["US"], turns=3)
    game.play({"US": "hold"})
    saved = savefile.write(game, tmp_path / "game.json")
    bad = tmp_path / "bad.json"
    bad.write_text("not json")
    done = cli_main("replay", saved, "--out", tmp_path / "none", "--band-runs", 5, "--posterior", bad)
    assert done.status == 2 and "bad.json" in done.err and not (tmp_path / "none").exists()
    done = cli_main("replay", saved, "--out", tmp_path / "d", "--band-runs", 5, "--posterior", post)
    assert done.status == 0, done.err
    assert json.loads((tmp_path / "d" / "band.json").read_text())["provenance"]["posterior"]["file"] == "post.json"
