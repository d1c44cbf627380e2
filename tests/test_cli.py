"""The command line end to end on small runs, and its help."""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim import cli
from sim.core.actions import MOVE_NAMES
from sim.output.results import ACTION_COLUMNS, TURN_COLUMNS
from sim.terminal import OneLineParser

ROOT = Path(__file__).resolve().parent.parent
FILES = ("turns.csv", "actions.csv", "summary.json", "escalation.png")


def run(*args: str) -> int:
    return cli.main(list(args))


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "inf"
    assert run("run", "inf_2018", "--runs", "6", "--turns", "8", "--seed", "4", "--out", str(out), "--quiet") == 0
    return out


def test_run_writes_the_contract_files(small_run):
    for name in FILES:
        assert (small_run / name).stat().st_size > 0, name
    turns = pd.read_csv(small_run / "turns.csv")
    actions = pd.read_csv(small_run / "actions.csv")
    assert list(turns.columns) == TURN_COLUMNS and list(actions.columns) == ACTION_COLUMNS
    assert sorted(turns["run"].unique()) == list(range(6)) and (turns["seed"] == 4).all()
    assert turns["turn"].min() == 0 and turns["turn"].max() <= 8
    assert turns.loc[turns["turn"] == 1, "date"].iloc[0] == "2019-02-15"
    assert set(actions["actor"]) == {"US", "RU", "NATO"}
    assert set(actions["action"]) <= {"dialogue", "hold", "ultimatum", "withdrawal", "deployment"}
    assert turns["escalation"].between(0, 100).all()
    assert set(turns["treaty"]) <= {"in_force", "notice", "terminated"}
    summary = json.loads((small_run / "summary.json").read_text())
    for key in ("scenario", "version", "seed", "runs", "turns", "share_treaty_ended", "share_incident",
                "share_all_parties_deployed", "escalation_quantiles", "moves"):
        assert key in summary
    assert summary["runs"] == 6 and summary["turns"] == 8 and summary["seed"] == 4
    q = summary["escalation_quantiles"]
    assert len(q["values"]) == 5 and all(len(row) == 9 for row in q["values"])
    assert set(summary["moves"]["US"]) == set(MOVE_NAMES)
    assert set(summary["milestones"]["US"]) == {"orders", "tests", "ready", "fields", "hosts"}
    us_first = actions[(actions["actor"] == "US")].groupby("action")["run"].nunique() / 6
    for move, share in us_first.items():
        assert summary["moves"]["US"][move]["share"] == pytest.approx(share, abs=1e-4)


def test_same_seed_gives_byte_identical_files(small_run, tmp_path):
    again = tmp_path / "again"
    assert run("run", "inf_2018", "--runs", "6", "--turns", "8", "--seed", "4", "--out", str(again), "--quiet") == 0
    for name in FILES:
        assert (again / name).read_bytes() == (small_run / name).read_bytes(), name


def test_rerun_replaces_its_own_folder_but_not_a_foreign_one(tmp_path, capsys):
    out = tmp_path / "mine"
    assert run("run", "dilemma_2p", "--runs", "2", "--turns", "3", "--out", str(out), "--no-plot", "--quiet") == 0
    assert not (out / "escalation.png").exists()
    assert run("run", "dilemma_2p", "--runs", "3", "--turns", "3", "--out", str(out), "--no-plot", "--quiet") == 0
    assert json.loads((out / "summary.json").read_text())["runs"] == 3
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    assert run("run", "dilemma_2p", "--runs", "2", "--turns", "3", "--out", str(foreign), "--quiet") == 2
    assert "--force" in capsys.readouterr().err
    assert sorted(p.name for p in foreign.iterdir()) == ["notes.txt"]
    assert run("run", "dilemma_2p", "--runs", "2", "--turns", "3", "--out", str(foreign), "--quiet", "--force") == 0
    assert (foreign / "notes.txt").read_text() == "mine" and (foreign / "turns.csv").exists()


def test_summary_lines_are_printed(tmp_path, capsys):
    assert run("run", "dilemma_2p", "--runs", "3", "--turns", "4", "--out", str(tmp_path / "o"), "--no-plot") == 0
    text = capsys.readouterr().out
    assert "3 runs x 4 turns" in text and "treaty ended in" in text and "median peak escalation" in text
    assert str(tmp_path / "o") in text


def test_no_arguments_prints_the_help_and_runs_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert run() == 0
    out, err = capsys.readouterr()
    assert out.startswith("usage: ") and "tournament" in out and "analyze" in out and err == ""
    assert list(tmp_path.iterdir()) == []


def test_run_without_a_scenario_runs_the_default(tmp_path, monkeypatch):
    # what `make run` does: `run_sim.py run`, the default scenario and its figures in results/inf_2018/
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli, "DEFAULT_RUNS", 3)
    assert run("run", "--quiet") == 0
    assert (tmp_path / "results" / "inf_2018" / "escalation.png").stat().st_size > 0
    summary = json.loads((tmp_path / "results" / "inf_2018" / "summary.json").read_text())
    assert summary["scenario"] == "inf_2018" and summary["runs"] == 3 and summary["turns"] == 60


def test_list_and_validate(capsys):
    assert run("list") == 0
    listing = capsys.readouterr().out
    assert "inf_2018" in listing and "dilemma_2p" in listing and "US, RU, NATO" in listing
    assert run("validate", "scenarios/inf_2018.toml") == 0
    assert "valid scenario 'inf_2018'" in capsys.readouterr().out


@pytest.mark.slow
def test_run_sim_py_is_the_same_command(tmp_path):
    out = tmp_path / "sub"
    proc = subprocess.run([sys.executable, "run_sim.py", "run", "dilemma_2p", "--runs", "2", "--turns", "3",
                           "--out", str(out), "--quiet", "--no-plot"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "" and (out / "turns.csv").exists()


@pytest.mark.slow
def test_the_command_line_loads_neither_pandas_nor_matplotlib_until_a_command_needs_them():
    # importing it, building every subcommand's parser (--help), and the commands that only read
    # scenarios or print: a notebook that imports sim.cli keeps its matplotlib backend
    code = ("import sys, contextlib, io\n"
            "import sim.cli\n"
            "print(sorted(m for m in ('matplotlib', 'pandas') if m in sys.modules))\n"
            "sim.cli.build_parser()\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    for argv in (['list'], ['validate', 'inf_2018'], ['rules'], ['rules', 'grim']):\n"
            "        assert sim.cli.main(argv) == 0, argv\n"
            "print(sorted(m for m in ('matplotlib', 'pandas') if m in sys.modules))\n")
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["[]", "[]"], proc.stdout


@pytest.mark.slow
@pytest.mark.parametrize("chosen, expected", [(None, "agg"), ("svg", "svg")])
def test_commands_draw_with_agg_unless_mplbackend_names_another(chosen, expected):
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    if chosen is not None:
        env["MPLBACKEND"] = chosen
    code = ("from sim.terminal import use_file_backend\nuse_file_backend()\n"
            "import matplotlib\nprint(matplotlib.get_backend().lower())\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == expected


@pytest.mark.slow
def test_usage_names_the_program_as_it_was_typed(tmp_path):
    proc = subprocess.run([sys.executable, "run_sim.py"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.startswith("usage: run_sim.py "), proc.stdout + proc.stderr
    script = Path(sys.executable).with_name("escalation-sim")   # the console script of `pip install`
    if not script.exists():
        pytest.skip(f"{script}: not installed")
    proc = subprocess.run([str(script), "run", "--help"], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.startswith("usage: escalation-sim run "), proc.stdout
    proc = subprocess.run([str(script), "run", "--runs", "0"], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.startswith("error: escalation-sim run: "), proc.stderr
    assert "--runs = 0: allowed: a whole number from 1 to 1,000,000,000,000" in proc.stderr
    assert proc.stderr.count("\n") == 1 and list(tmp_path.iterdir()) == []


def _subparsers(parser):
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def test_every_subcommand_says_what_it_does_shows_its_defaults_and_an_example():
    parser = cli.build_parser()
    commands = _subparsers(parser).choices
    assert set(commands) == {"run", "compare", "plot", "rules", "tournament", "list", "validate", "analyze",
                             "sweep", "calibrate", "play", "replay", "materials", "classroom"}
    for name, sub in commands.items():
        assert isinstance(sub, OneLineParser), name
        assert sub.description and len(sub.description) > 80, name
        examples = [line for line in (sub.epilog or "").splitlines() if line.startswith("  %(prog)s")]
        assert "examples:" in sub.epilog and examples, name
        assert f"\n  {sub.prog}" in sub.format_help(), name     # the examples name the program as typed
        for action in sub._actions:
            if action.nargs == 0 or action.required or action.help == argparse.SUPPRESS:
                continue            # flags, --help, and what must be given (a positional, tournament --rules)
            what = f"{name} {'/'.join(action.option_strings) or action.dest}"
            assert "default" in action.help, f"{what}: the help does not give the default"
            if action.default not in (None, []):
                assert str(action.default) in action.help, f"{what}: the help gives another default"


def test_the_top_level_help_lists_each_command_on_one_line_with_examples(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    parser = cli.build_parser()
    text = parser.format_help()
    assert "examples:" in text and f"\n  {parser.prog} run" in text
    listed = text.split("commands:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert [line.split()[0] for line in listed] == list(_subparsers(parser).choices)
    assert all(len(line) <= 80 for line in listed), listed
