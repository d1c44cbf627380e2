"""Ensembles from the command line: engines agree, --set, figures, plot, compare, interruption."""

import csv
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from sim import cli
from sim.analysis.compare import paired_difference
from sim.core import scenario

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = ("turns.csv", "actions.csv", "summary.json")
FIGURES = ("escalation", "components", "moves", "treaty", "missiles")


def run(*args: str) -> int:
    return cli.main(list(args))


def small(out: Path, *extra: str) -> int:
    return run("run", "inf_2018", "--runs", "7", "--turns", "10", "--seed", "3", "--out", str(out),
               "--quiet", "--no-plot", *extra)


def test_engines_jobs_and_batch_sizes_give_byte_identical_files(tmp_path):
    variants = {
        "ensemble-1": ("--engine", "ensemble", "--jobs", "1"),
        "ensemble-2-odd": ("--engine", "ensemble", "--jobs", "2", "--batch-size", "3"),
        "mesa-1": ("--engine", "mesa", "--jobs", "1", "--batch-size", "5"),
        "mesa-2": ("--engine", "mesa", "--jobs", "2", "--batch-size", "2"),
    }
    for name, extra in variants.items():
        assert small(tmp_path / name, *extra) == 0
    for f in CONTRACT:
        contents = {(tmp_path / name / f).read_bytes() for name in variants}
        assert len(contents) == 1, f


def test_set_changes_values_and_is_saved_in_scenario_toml(tmp_path):
    out = tmp_path / "set"
    assert small(out, "--set", "risk.h_max=0.02", "--set", "actors.US.rule.lambda=4") == 0
    saved = scenario.load(str(out / "scenario.toml"))
    assert saved.risk.h_max == 0.02 and saved.actors[0].rule["lambda"] == 4
    assert saved.scenario.turns == 10
    # the saved scenario reruns to the same results
    again = tmp_path / "again"
    assert run("run", str(out / "scenario.toml"), "--runs", "7", "--seed", "3", "--out", str(again),
               "--quiet", "--no-plot") == 0
    for f in ("turns.csv", "actions.csv"):
        assert (again / f).read_bytes() == (out / f).read_bytes()


@pytest.mark.parametrize("setting,needles", [
    ("risk.h_max=2", ["--set risk.h_max=2", "risk.h_max", "less than or equal to 1"]),
    ("actors.XX.missiles=3", ["actors.XX", "unknown actor", "US, RU, NATO"]),
    ("risk.h_max", ["KEY=VALUE"]),
    ("risk.hmax=0.1", ["risk.hmax", "unknown key", "h_max"]),
    ("actors.US.rule.name=bogus", ["actors.US.rule.name", "unknown rule"]),
])
def test_set_errors_are_one_line(tmp_path, capsys, setting, needles):
    out = tmp_path / "bad"
    assert small(out, "--set", setting) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    for needle in needles:
        assert needle in err, (needle, err)
    assert not out.exists()


@pytest.mark.slow   # about 2.4 s: the figures drawn, redrawn, and drawn again as SVG
def test_figures_and_plot_command(tmp_path, capsys):
    out = tmp_path / "figs"
    assert run("run", "inf_2018", "--runs", "6", "--turns", "12", "--out", str(out), "--quiet") == 0
    for name in FIGURES:
        assert (out / f"{name}.png").stat().st_size > 10_000, name
    first = (out / "escalation.png").read_bytes()
    (out / "escalation.png").unlink()
    assert run("plot", str(out)) == 0
    assert (out / "escalation.png").read_bytes() == first          # redrawn identically
    assert run("plot", str(out), "--format", "svg") == 0
    for name in FIGURES:
        assert (out / f"{name}.svg").read_text().startswith("<?xml")
    assert run("plot", str(tmp_path)) == 2
    assert "summary.json" in capsys.readouterr().err


def test_summary_aggregates_are_consistent(tmp_path):
    out = tmp_path / "agg"
    assert small(out) == 0
    summary = json.loads((out / "summary.json").read_text())
    per_turn = summary["per_turn"]
    for actor, shares in per_turn["move_share"].items():
        total = np.sum([shares[m] for m in shares], axis=0)
        assert np.allclose(total, 1.0, atol=1e-3), actor
    treaty = np.sum([per_turn["treaty_share"][k] for k in per_turn["treaty_share"]], axis=0)
    assert np.allclose(treaty, 1.0, atol=1e-3)
    assert per_turn["missiles_quantiles"]["RU"][2][0] == 48       # median RU missiles at the start
    assert 0 <= summary["median_run"] < 7


def test_paired_difference_known_answer():
    base = np.array([0.0, 1.0, 0.0, 1.0])
    other = np.array([1.0, 1.0, 0.0, 1.0])
    # binary: one discordant run of four, exact McNemar p = 1 (scipy.stats.binomtest)
    est = paired_difference(base, other, binary=True)
    assert est.value == pytest.approx(0.25) and est.p_value == 1.0 and est.method == "mcnemar_exact"
    assert est.low < 0.0 < est.high
    # continuous: the paired t interval of the differences [1, 0, 0, 0]
    est = paired_difference(base, other)
    ci = stats.ttest_1samp([1.0, 0.0, 0.0, 0.0], 0.0).confidence_interval(0.95)
    assert (est.value, est.low, est.high) == pytest.approx((0.25, ci.low, ci.high))
    assert paired_difference(base, base)[:3] == (0.0, 0.0, 0.0)


@pytest.mark.slow   # about 3 s: three variants of 40 runs and their figure
def test_compare_identical_variants_differ_by_zero(tmp_path, capsys):
    out = tmp_path / "cmp"
    assert run("compare", "dilemma_2p", "dilemma_2p:risk.h_max=0.005", "dilemma_2p:risk.h_max=0.0",
               "--runs", "40", "--turns", "12", "--out", str(out), "--quiet") == 0
    with open(out / "compare.csv") as f:
        rows = list(csv.DictReader(f))
    same = [r for r in rows if r["variant"] == "dilemma_2p:risk.h_max=0.005"]
    assert len(same) == 4
    for r in same:
        assert float(r["difference"]) == 0.0
        assert float(r["ci95_low"]) <= 0.0 <= float(r["ci95_high"])
    no_risk = {r["outcome"]: r for r in rows if r["variant"] == "dilemma_2p:risk.h_max=0.0"}
    assert float(no_risk["incident"]["variant_value"]) == 0.0
    assert float(no_risk["incident"]["difference"]) <= 0.0
    assert (out / "compare.png").stat().st_size > 10_000
    for slug in ("dilemma_2p", "dilemma_2p_risk.h_max_0.005", "dilemma_2p_risk.h_max_0.0"):
        assert (out / slug / "summary.json").exists(), slug


def test_compare_needs_two_items_and_good_overrides(tmp_path, capsys):
    assert run("compare", "inf_2018", "--runs", "2", "--out", str(tmp_path / "c1"), "--quiet") == 2
    assert "at least two" in capsys.readouterr().err
    assert run("compare", "inf_2018", "inf_2018:risk.k=-1", "--runs", "2", "--out", str(tmp_path / "c2")) == 2
    err = capsys.readouterr().err
    assert "risk.k" in err and err.count("\n") == 1
    assert not (tmp_path / "c2").exists()


@pytest.mark.slow
def test_interrupted_run_leaves_nothing_that_looks_complete(tmp_path):
    out = tmp_path / "stopped"
    # the run gets Ctrl-C's default action even if these tests were started in the background, where a
    # non-interactive shell leaves SIGINT ignored (and a child inherits that)
    proc = subprocess.Popen([sys.executable, "run_sim.py", "run", "inf_2018", "--runs", "20000", "--jobs", "1",
                             "--out", str(out), "--quiet"], cwd=ROOT, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    # until the run writes turns.csv (in its private folder, *.partial): generous, for a machine shared with others
    deadline = time.monotonic() + 300
    while not (out.is_dir() and any(out.glob("*.partial/.turns.csv.*"))) and time.monotonic() < deadline \
            and proc.poll() is None:
        time.sleep(0.05)
    if proc.poll() is None and not any(out.glob("*.partial/.turns.csv.*")):
        proc.kill()
        pytest.fail(f"the run wrote no turns.csv in 300 s: {proc.communicate()[1]}")
    time.sleep(0.3)               # some rows written: 20000 runs take far longer than this on any machine
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    left = sorted(p.name for p in out.iterdir())
    assert not {"turns.csv", "actions.csv", "summary.json"} & set(left), left
    assert not [name for name in left if name.endswith(".partial")], left
