"""Provenance: summary.json names the code and the command that make its folder again (docs/reproducing.md)."""

from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path

import pytest

import sim
from sim.core import scenario
from sim.output import provenance

CONTRACT = ("turns.csv", "actions.csv", "summary.json", "scenario.toml")


def test_the_recorded_command_makes_the_folder_again_byte_for_byte(tmp_path, monkeypatch, cli_main):
    monkeypatch.chdir(tmp_path)
    first = cli_main("run", "inf_2018", "--runs", "5", "--turns", "6", "--seed", "4", "--set", "risk.h_max=0.02",
                     "--set", "scenario.title=a test", "--jobs", "2", "--batch-size", "2", "--no-plot",
                     "--quiet", "--out", "first")
    assert first.status == 0, first.err
    record = json.loads((tmp_path / "first" / "summary.json").read_text())["provenance"]
    assert record["overrides"] == ["risk.h_max=0.02", 'scenario.title="a test"']
    assert record["packages"].keys() == set(provenance.RESULT_PACKAGES) and record["python"].count(".") == 2
    assert record["version"] == sim.__version__
    words = shlex.split(record["command"])
    assert words[:3] == ["escalation-sim", "run", "inf_2018"] and "--jobs" not in words
    again = cli_main(*words[1:], "--engine", "mesa", "--jobs", "1", "--no-plot", "--quiet", "--out", "again")
    assert again.status == 0, again.err
    for name in CONTRACT:
        assert (tmp_path / "again" / name).read_bytes() == (tmp_path / "first" / name).read_bytes(), name


def test_a_scenario_of_ones_own_is_named_by_a_path_without_the_home_folder(tmp_path, monkeypatch, cli_main):
    home = tmp_path / "home" / "someone"
    (home / "crises").mkdir(parents=True)
    (home / "crises" / "mine.toml").write_text((scenario.SCENARIO_DIR / "dilemma_2p.toml").read_text())
    monkeypatch.setenv("HOME", str(home))
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    done = cli_main("run", home / "crises" / "mine.toml", "--runs", "2", "--turns", "2", "--no-plot", "--quiet",
                    "--jobs", "1", "--out", "out")
    assert done.status == 0, done.err
    for name in ("summary.json", "scenario.toml"):
        assert str(home) not in (tmp_path / "work" / "out" / name).read_text(), name
    record = json.loads((tmp_path / "work" / "out" / "summary.json").read_text())["provenance"]
    assert record["scenario"] == "~/crises/mine.toml"
    assert record["command"].startswith("escalation-sim run ~/crises/mine.toml --runs 2")
    monkeypatch.chdir(home)
    assert provenance.anonymise(home / "crises" / "mine.toml") == "crises/mine.toml"


def test_the_api_records_its_overrides_and_a_changed_scenario_shows_in_the_digest():
    plain = sim.run("dilemma_2p", runs=2, turns=3, progress=False).summary["provenance"]
    changed = sim.run("dilemma_2p", runs=2, turns=3, progress=False, set={"risk.h_max": 0.03}).summary["provenance"]
    assert plain["overrides"] == [] and changed["overrides"] == ["risk.h_max=0.03"]
    assert changed["command"].endswith("--seed 1 --set risk.h_max=0.03")
    assert plain["scenario_sha256"] != changed["scenario_sha256"]


@pytest.mark.parametrize("version,commit,dirty", [
    ("0.2.1.dev3+g1a2b3c4", "1a2b3c4", False),
    ("0.2.1.dev3+g1a2b3c4.d20260101", "1a2b3c4", True),
    ("0.2.0", None, None),
])
def test_outside_a_checkout_the_commit_comes_from_the_version(monkeypatch, tmp_path, version, commit, dirty):
    monkeypatch.setattr(provenance, "_CHECKOUT", Path(tmp_path))
    monkeypatch.setattr(provenance, "__version__", version)
    provenance.code.cache_clear()
    try:
        got = provenance.code()
    finally:
        provenance.code.cache_clear()
    assert (got["version"], got["commit"], got["dirty"]) == (version, commit, dirty)


def test_in_the_checkout_the_commit_is_gits():
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout (or no git)")
    got = provenance.code()
    assert got["commit"] == head and len(head) == 40 and isinstance(got["dirty"], bool)
