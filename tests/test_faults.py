"""Issue 11, case by case: no bad input or fault loses data, writes anything, or ends in a traceback.

Each test reproduces one defect the issue names (they failed before the fix); the generated cases
are in test_fuzz_cli.py, signals in test_signals.py, concurrent runs in test_concurrency.py.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli import main
from test_bad_input import BASE, ROOT, assert_refused, run_cli, snapshot

SMALL = ["--runs", "3", "--turns", "3", "--quiet"]


def run_into(out: Path, capsys, *extra: str, scenario: str = "inf_2018") -> tuple[int, str]:
    rc, _, err = run_cli(["run", scenario, *SMALL, "--out", str(out), *extra], "inproc", capsys)
    return rc, err


@pytest.fixture()
def previous(tmp_path, capsys):
    """A complete result folder of an earlier run, and its snapshot."""
    out = tmp_path / "R"
    assert run_into(out, capsys, "--no-plot") == (0, "")
    return out, snapshot(out)


def scenario_file(tmp_path: Path, old: str, new: str, name: str = "s.toml") -> Path:
    assert BASE.count(old) == 1, old
    path = tmp_path / name
    path.write_text(BASE.replace(old, new), encoding="utf-8")
    return path


# ---------------------------------------------------------------- data loss


@pytest.mark.parametrize("setting, needles", [
    ('actors.US.rule={name="human"}', ["actors.US.rule", "human", "play"]),
    ("actors.US.deploy_lag_days=1000000000000", ["actors.US.deploy_lag_days", "1000000000000", "3660"]),
    ("actors.US.deploy_batch=100000000", ["actors.US.deploy_batch", "100000"]),
    ("actors.RU.missiles=9223372036854775807", ["actors.RU.missiles", "1000000"]),
])
def test_rejected_input_keeps_the_previous_results(previous, setting, needles, capsys):
    out, before = previous
    rc, err = run_into(out, capsys, "--no-plot", "--set", setting)
    assert_refused(rc, err, needles)
    assert snapshot(out) == before


def test_plot_refuses_a_folder_it_does_not_own_without_force(previous, capsys):
    out, _ = previous
    (out / ".escalation-sim").unlink()
    before = snapshot(out)
    rc, _, err = run_cli(["plot", str(out)], "inproc", capsys)
    assert_refused(rc, err, [str(out), "--force"])
    assert snapshot(out) == before
    rc, _, err = run_cli(["plot", str(out), "--force"], "inproc", capsys)
    assert (rc, err) == (0, "") and (out / "escalation.png").is_file()


def _truncate(out: Path) -> None:
    data = (out / "turns.csv").read_bytes()
    (out / "turns.csv").write_bytes(data[: len(data) // 2])


def _cut_at_a_line(out: Path) -> None:
    lines = (out / "turns.csv").read_text().splitlines(keepends=True)
    (out / "turns.csv").write_text("".join(lines[:-3]))


def _summary(change):
    def corrupt(out: Path) -> None:
        path = out / "summary.json"
        summary = json.loads(path.read_text())
        change(summary)
        path.write_text(json.dumps(summary))
    return corrupt


CORRUPTIONS = {
    "turns_truncated": _truncate,
    "turns_cut_at_a_line": _cut_at_a_line,
    "turns_missing": lambda out: (out / "turns.csv").unlink(),
    "turns_binary": lambda out: (out / "turns.csv").write_bytes(b"\xff\x00" * 100),
    "summary_missing": lambda out: (out / "summary.json").unlink(),
    "summary_not_json": lambda out: (out / "summary.json").write_text("{not json"),
    "summary_binary": lambda out: (out / "summary.json").write_bytes(b"\xff\xfe\x00"),
    "summary_list": lambda out: (out / "summary.json").write_text("[1, 2]"),
    "summary_deep": lambda out: (out / "summary.json").write_text("[" * 100_000 + "]" * 100_000),
    "no_quantiles": _summary(lambda s: s.pop("escalation_quantiles")),
    "quantiles_short": _summary(lambda s: s["escalation_quantiles"]["values"].pop()),
    "dates_bad": _summary(lambda s: s["escalation_quantiles"]["dates"].__setitem__(0, "tomorrow")),
    "median_run_string": _summary(lambda s: s.__setitem__("median_run", "x")),
    "actors_unknown": _summary(lambda s: s.__setitem__("actors", ["ZZ"])),
    "weights_null": _summary(lambda s: s.__setitem__("escalation_weights", None)),
    "files_record_wrong": _summary(lambda s: s["files"]["turns.csv"].__setitem__("bytes", 1)),
    "files_record_odd": _summary(lambda s: s.__setitem__("files", {"../x": {}})),
}


@pytest.fixture(scope="module")
def complete_with_figures(tmp_path_factory):
    """A complete result folder with its figures, made once: each corruption below spoils a copy of it."""
    out = tmp_path_factory.mktemp("complete") / "R"
    stderr = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(stderr):   # capsys is per test
        assert main(["run", "inf_2018", *SMALL, "--out", str(out)]) == 0
    assert stderr.getvalue() == ""
    return out


@pytest.mark.parametrize("corruption", list(CORRUPTIONS))
def test_plot_on_a_corrupted_folder_is_one_line_and_writes_nothing(tmp_path, capsys, corruption,
                                                                    complete_with_figures):
    out = tmp_path / "R"
    shutil.copytree(complete_with_figures, out)
    CORRUPTIONS[corruption](out)
    before = snapshot(out)
    rc, _, err = run_cli(["plot", str(out)], "inproc", capsys)
    assert_refused(rc, err, [])
    assert snapshot(out) == before


def _rehash(out: Path, name: str) -> None:
    """summary.json's record of `name` (size, SHA-256) made to match the file, as a careful forger would."""
    path = out / "summary.json"
    summary = json.loads(path.read_text())
    data = (out / name).read_bytes()
    summary["files"][name] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    path.write_text(json.dumps(summary))


def _csv(name: str, change):
    """A corruption of `name` (its lines, header first, each with its end of line) that updates its hash."""
    def corrupt(out: Path) -> None:
        lines = (out / name).read_text().splitlines(keepends=True)
        (out / name).write_text("".join(change(lines)))
        _rehash(out, name)
    return corrupt


def _field(lines: list[str], row: int, column: str, value: str) -> list[str]:
    """The CSV lines with the field of `column` (by the header's name) of line `row` (0: the header) set."""
    fields = lines[row].rstrip("\n").split(",")
    fields[lines[0].rstrip("\n").split(",").index(column)] = value
    return [*lines[:row], ",".join(fields) + "\n", *lines[row + 1:]]


# what `run` writes into summary.json, null: none of it may be (the median turns may: no run got there)
SUMMARY_KEYS = ("scenario", "title", "version", "seed", "runs", "turns", "start_date", "turn_days", "actors",
                "share_treaty_ended", "share_incident", "share_all_parties_deployed", "median_peak_escalation",
                "mean_peak_escalation", "escalation_quantiles", "moves", "milestones", "per_turn", "median_run",
                "escalation_weights", "median_rung", "files")


def _set(path: str, value):
    """A corruption of summary.json: the value at `path` (keys and list indices, dotted) set to `value`."""
    def change(summary: dict) -> None:
        *parents, last = path.split(".")
        node = summary
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        node[int(last) if isinstance(node, list) else last] = value
    return _summary(change)


# corruptions that only the schema of the folder tells (the checksums match): each with what the line names
SCHEMA_CORRUPTIONS = {
    **{f"null_{key}": (_set(key, None), ["summary.json", key]) for key in SUMMARY_KEYS},
    "start_date_not_a_date": (_set("start_date", "next tuesday"), ["start_date", "next tuesday"]),
    "start_date_not_the_first_date": (_set("start_date", "2020-01-01"), ["start_date", "2020-01-01"]),
    "turn_days_0": (_set("turn_days", 0), ["turn_days", "0"]),
    "turn_days_not_the_dates": (_set("turn_days", 31), ["escalation_quantiles.dates", "31"]),
    "quantile_nan": (_set("escalation_quantiles.values.2.1", float("nan")), ["escalation_quantiles.values.2.1", "nan"]),
    "quantile_string": (_set("escalation_quantiles.values.0.0", "high"), ["escalation_quantiles.values.0.0", "high"]),
    "quantile_huge": (_set("escalation_quantiles.values.4.3", 1e300), ["escalation_quantiles.values.4.3", "1e+300"]),
    "quantiles_not_ordered": (_set("escalation_quantiles.values.0.1", 99.0), ["escalation_quantiles.values", "order"]),
    "quantile_levels_changed": (_set("escalation_quantiles.quantiles", [0.1, 0.2, 0.5, 0.8, 0.9]),
                                ["escalation_quantiles.quantiles"]),
    "turns_longer_than_the_lists": (_set("turns", 30), ["turns", "30"]),
    "runs_0": (_set("runs", 0), ["runs", "0"]),
    "runs_true": (_set("runs", True), ["runs", "True"]),
    "seed_negative": (_set("seed", -1), ["seed", "-1"]),
    "seed_fraction": (_set("seed", 1.5), ["seed", "1.5"]),
    "title_a_number": (_set("title", 5), ["title", "5"]),
    "actors_twice": (_set("actors", ["US", "US", "NATO"]), ["actors"]),
    "share_over_1": (_set("share_incident", 1.5), ["share_incident", "1.5"]),
    "move_share_a_string": (_set("moves.US.hold.share", "0.5"), ["moves.US.hold.share", "0.5"]),
    "moves_of_an_actor_missing": (_summary(lambda s: s["moves"].pop("RU")), ["moves", "RU"]),
    "milestone_after_the_last_turn": (_set("milestones.US.orders.median_first_turn", 99999),
                                      ["milestones.US.orders.median_first_turn", "99999"]),
    "median_run_out_of_range": (_set("median_run", 3), ["median_run", "3"]),
    "treaty_share_over_1": (_set("per_turn.treaty_share.in_force.0", 2), ["per_turn.treaty_share.in_force.0", "2"]),
    "missiles_negative": (_set("per_turn.missiles_quantiles.RU.0.0", -5), ["per_turn.missiles_quantiles.RU.0.0"]),
    "move_shares_short": (_summary(lambda s: s["per_turn"]["move_share"]["US"]["hold"].pop()),
                          ["per_turn.move_share.US.hold"]),
    "rungs_short": (_summary(lambda s: s["median_rung"]["values"].pop()), ["median_rung.values"]),
    "weight_null": (_set("escalation_weights.treaty", None), ["escalation_weights.treaty"]),
    # turns.csv and actions.csv changed and their records in summary.json updated to match
    "turns_cut_mid_row": (_csv("turns.csv", lambda lines: [*lines[:-1], lines[-1][:12]]), ["turns.csv", "line"]),
    "turns_cut_mid_row_with_newline": (_csv("turns.csv", lambda lines: [*lines[:-1], lines[-1][:12] + "\n"]),
                                       ["turns.csv", "line"]),
    "turns_header_changed": (_csv("turns.csv", lambda lines: [lines[0].replace("escalation", "esc", 1), *lines[1:]]),
                             ["turns.csv", "line 1"]),
    "turns_run_beyond_runs": (_csv("turns.csv", lambda lines: _field(lines, len(lines) - 1, "run", "7")),
                              ["turns.csv", "run", "7"]),
    "turns_escalation_a_word": (_csv("turns.csv", lambda lines: _field(lines, 2, "escalation", "abc")),
                                ["turns.csv", "line 3", "escalation", "abc"]),
    "turns_escalation_nan": (_csv("turns.csv", lambda lines: _field(lines, 2, "escalation", "nan")),
                             ["turns.csv", "line 3", "escalation"]),
    "turns_row_missing": (_csv("turns.csv", lambda lines: [*lines[:3], *lines[4:]]), ["turns.csv", "line 4", "turn"]),
    "turns_extra_field": (_csv("turns.csv", lambda lines: [*lines[:2], lines[2].rstrip() + ",1\n", *lines[3:]]),
                          ["turns.csv", "line 3"]),
    "turns_seed_changed": (_csv("turns.csv", lambda lines: _field(lines, 2, "seed", "9")),
                           ["turns.csv", "line 3", "seed"]),
    "turns_date_changed": (_csv("turns.csv", lambda lines: _field(lines, 2, "date", "2030-01-01")),
                           ["turns.csv", "line 3", "date"]),
    "turns_treaty_unknown": (_csv("turns.csv", lambda lines: _field(lines, 2, "treaty", "forgotten")),
                             ["turns.csv", "line 3", "treaty", "forgotten"]),
    "turns_empty": (_csv("turns.csv", lambda lines: []), ["turns.csv", "line 1"]),
    "actions_cut_mid_row": (_csv("actions.csv", lambda lines: [*lines[:-1], lines[-1][:9]]), ["actions.csv", "line"]),
    "actions_move_unknown": (_csv("actions.csv", lambda lines: _field(lines, 1, "action", "nuke")),
                             ["actions.csv", "line 2", "action", "nuke"]),
    "actions_actor_unknown": (_csv("actions.csv", lambda lines: _field(lines, 1, "actor", "ZZ")),
                              ["actions.csv", "line 2", "actor", "ZZ"]),
}


@pytest.mark.parametrize("corruption", list(SCHEMA_CORRUPTIONS))
def test_plot_validates_the_whole_folder_not_only_its_checksums(tmp_path, capsys, corruption, complete_with_figures):
    corrupt, needles = SCHEMA_CORRUPTIONS[corruption]
    out = tmp_path / "R"
    shutil.copytree(complete_with_figures, out)
    corrupt(out)
    before = snapshot(out)
    rc, _, err = run_cli(["plot", str(out), "--format", "svg"], "inproc", capsys)
    assert_refused(rc, err, [*needles, "allowed"])
    assert snapshot(out) == before


def test_plot_of_a_complete_folder_redraws_the_same_figures(tmp_path, capsys, complete_with_figures):
    out = tmp_path / "R"
    shutil.copytree(complete_with_figures, out)
    rc, _, err = run_cli(["plot", str(out)], "inproc", capsys)
    assert (rc, err) == (0, "")
    assert snapshot(out) == snapshot(complete_with_figures)


# ---------------------------------------------------------------- numbers the arithmetic cannot carry


@pytest.mark.parametrize("setting, key", [
    ("actors.US.payoff.war_cost=inf", "war_cost"),
    ("actors.US.payoff.threat_weight=nan", "threat_weight"),
    ("actors.US.payoff.war_cost=1e300", "war_cost"),
    ("risk.k=inf", "risk.k"),
    ("escalation.missile_scale=inf", "missile_scale"),
    ("actors.US.trust.RU=nan", "trust"),
    ("treaty.notice_days=99999999999", "notice_days"),
])
def test_non_finite_and_overflowing_numbers_are_refused(tmp_path, capsys, setting, key):
    rc, err = run_into(tmp_path / "R", capsys, "--set", setting)
    assert_refused(rc, err, [key])
    assert not (tmp_path / "R").exists()


def test_lambda_inf_is_still_allowed(tmp_path, capsys):
    assert run_into(tmp_path / "R", capsys, "--no-plot", "--set", "actors.US.rule.lambda=inf") == (0, "")


def test_analyze_map_refuses_infinite_ranges(tmp_path, capsys):
    rc, _, err = run_cli(["analyze", "inf_2018", "--map", "actors.US.payoff.war_cost=0:inf",
                          "actors.RU.payoff.war_cost=0:10", "--out", str(tmp_path / "A")], "inproc", capsys)
    assert_refused(rc, err, ["war_cost"])
    assert not (tmp_path / "A").exists()


def test_huge_sizes_are_refused_with_the_estimate(tmp_path, capsys):
    rc, err = run_into(tmp_path / "R", capsys, "--runs", "1000000000")
    assert_refused(rc, err, ["--runs 1000000000", "needs about", "GB of memory", "available"])
    rc, _, err = run_cli(["analyze", "inf_2018", "--map", "actors.US.payoff.war_cost=0:10",
                          "actors.RU.payoff.war_cost=0:10", "--grid", "100000", "--out", str(tmp_path / "A")],
                         "inproc", capsys)
    assert_refused(rc, err, ["--grid 100000", "needs about"])
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- the schema


def test_top_level_source_key_is_refused(tmp_path, capsys):
    path = scenario_file(tmp_path, "[scenario]\n", 'source = "elsewhere"\n[scenario]\n')
    rc, _, err = run_cli(["validate", str(path)], "inproc", capsys)
    assert_refused(rc, err, ["source", "'elsewhere'", "unknown key"])


@pytest.mark.parametrize("name", ["../../x", "/tmp/abs", "a b", "", "x" * 65, "-rf"])
def test_scenario_names_are_safe_identifiers(tmp_path, capsys, name, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rc, err = run_into(tmp_path / "R", capsys, "--set", f"scenario.name={json.dumps(name)}")
    assert_refused(rc, err, ["scenario.name"])
    assert list(tmp_path.iterdir()) == []


def test_syntax_errors_name_line_and_column_not_the_text(tmp_path, capsys):
    path = tmp_path / "passwd"
    path.write_text("root:x:0:0:secret-entry:/root:/bin/bash\n")
    rc, _, err = run_cli(["validate", str(path)], "inproc", capsys)
    assert_refused(rc, err, ["line 1", "column"])
    assert "secret-entry" not in err and "root:x" not in err


@pytest.mark.parametrize("text", [
    "x = " + "[" * 5000 + "]" * 5000 + "\n",
    "x = " + "{a = " * 2000 + "1" + "}" * 2000 + "\n",
])
def test_deeply_nested_toml_is_one_line(tmp_path, capsys, text):
    path = tmp_path / "deep.toml"
    path.write_text(text)
    rc, _, err = run_cli(["validate", str(path)], "inproc", capsys)
    assert_refused(rc, err, ["deep.toml"])


@pytest.mark.parametrize("setting, needle", [
    ("a." * 5000 + "a=1", "key parts"),
    ("actors.US.rule=" + "[" * 5000 + "]" * 5000, "deep"),
    ("actors.US.rule.moves=" + "[" * 40 + "]" * 40, "deep"),
])
def test_deeply_nested_overrides_are_one_line(tmp_path, capsys, setting, needle):
    rc, err = run_into(tmp_path / "R", capsys, "--set", setting)
    assert_refused(rc, err, [needle])
    assert not (tmp_path / "R").exists()


def test_dates_beyond_9999_are_refused(tmp_path, capsys):
    rc, err = run_into(tmp_path / "R", capsys, "--set", "scenario.start_date=9999-01-01", scenario="dilemma_2p")
    assert_refused(rc, err, ["scenario.turns", "on or before"])


# ---------------------------------------------------------------- the operating system


def test_names_over_255_bytes_and_nul_are_one_line(tmp_path, capsys):
    for out in (str(tmp_path / ("x" * 300)), str(tmp_path) + "/a\0b"):
        rc, err = run_into(Path("unused"), capsys, "--out", out)
        assert_refused(rc, err, ["--out"])
    rc, _, err = run_cli(["validate", "x" * 300 + ".toml"], "inproc", capsys)
    assert_refused(rc, err, [".toml"])
    assert list(tmp_path.iterdir()) == []


def test_an_unreadable_scenario_is_one_line(tmp_path, capsys, monkeypatch):
    path = scenario_file(tmp_path, "turns = 60 ", "turns = 6 ")
    real = Path.read_text

    def refuse(self, *a, **k):
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self, *a, **k)

    monkeypatch.setattr(Path, "read_text", refuse)   # root reads any file: the error is simulated
    rc, _, err = run_cli(["validate", str(path)], "inproc", capsys)
    assert_refused(rc, err, ["s.toml", "Permission denied"])


def test_a_scenario_that_is_a_folder_is_one_line(tmp_path, capsys):
    (tmp_path / "d.toml").mkdir()
    rc, _, err = run_cli(["validate", str(tmp_path / "d.toml")], "inproc", capsys)
    assert_refused(rc, err, ["d.toml"])


def _mount(kind: str, target: Path, options: str) -> bool:
    if os.geteuid() != 0:
        return False
    target.mkdir()
    proc = subprocess.run(["mount", "-t", kind, "-o", options, kind, str(target)], capture_output=True)
    return proc.returncode == 0


@pytest.fixture()
def small_disk(tmp_path):
    disk = tmp_path / "disk"
    if not _mount("tmpfs", disk, "size=1m"):
        pytest.skip("needs root and tmpfs to make a full disk")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)


@pytest.mark.slow   # about 1.8 s: a tmpfs mounted, a run with figures into it
def test_a_full_disk_is_one_line_and_keeps_the_previous_results(small_disk, capsys):
    out = small_disk / "R"
    assert run_into(out, capsys, "--no-plot") == (0, "")
    before = snapshot(out)
    # the estimate lets 40 runs through (about 300 KB); the figures then fill the 1 MB disk
    filler = small_disk / "filler"
    filler.write_bytes(b"\0" * (1_000_000 - 400_000))
    rc, err = run_into(out, capsys, "--runs", "40", "--turns", "12")
    assert_refused(rc, err, ["No space left", "allowed"])
    assert snapshot(out) == before
    rc, err = run_into(small_disk / "new", capsys, "--runs", "40", "--turns", "12")
    assert_refused(rc, err, ["No space left"])
    assert not (small_disk / "new").exists()


def test_a_read_only_out_is_one_line(tmp_path, capsys):
    ro = tmp_path / "ro"
    if not _mount("tmpfs", ro, "size=1m,ro"):
        pytest.skip("needs root and tmpfs to make a read-only disk")
    try:
        rc, err = run_into(ro / "R", capsys)
        assert_refused(rc, err, ["Read-only file system"])
    finally:
        subprocess.run(["umount", "-l", str(ro)], check=False)


# ---------------------------------------------------------------- what is printed


def test_control_characters_in_names_never_reach_the_terminal(tmp_path, capsys):
    path = scenario_file(tmp_path, 'name = "United States"\n', 'name = "United\\u001b]0;pwned\\u0007 States"\n')
    path = path.rename(tmp_path / "evil\x1b[2J.toml")
    rc, out, err = run_cli(["validate", str(path)], "inproc", capsys)
    assert rc == 0 and "\x1b" not in out and "\x07" not in out
    rc, out, err = run_cli(["validate", str(tmp_path / "missing\x1b[2J\n.toml")], "inproc", capsys)
    assert_refused(rc, err, ["missing"])
    assert "\x1b" not in err


@pytest.mark.slow
def test_errors_are_one_line_in_a_real_process(tmp_path):
    proc = subprocess.run([sys.executable, "run_sim.py", "run", "inf_2018", *SMALL, "--out", str(tmp_path / "R"),
                           "--set", "actors.US.payoff.war_cost=inf"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert_refused(proc.returncode, proc.stderr, ["war_cost", "finite"])


# ---------------------------------------------------------------- play


def play(monkeypatch, capsys, script: bytes | str, *args: str) -> tuple[int, str, str]:
    """`run_sim.py ARGS` in-process, standard input from `script` (bytes: not necessarily UTF-8)."""
    data = script.encode() if isinstance(script, str) else script
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    capsys.readouterr()
    try:
        rc = main(list(args))
    except SystemExit as exc:
        rc = exc.code
    out = capsys.readouterr()
    return rc, out.out, out.err


def game_args(out: Path, *extra: str) -> list[str]:
    return ["play", "inf_2018", "--as", "US", "--turns", "2", "--band-runs", "10", "--out", str(out), *extra]


def test_play_as_nothing_is_refused(tmp_path, monkeypatch, capsys):
    rc, _, err = play(monkeypatch, capsys, "", "play", "inf_2018", "--as", "", "--out", str(tmp_path / "g"))
    rc2, _, err2 = play(monkeypatch, capsys, "", "play", "inf_2018", "--as", " , ", "--out", str(tmp_path / "g"))
    for code, text in ((rc, err), (rc2, err2)):
        assert_refused(code, text, ["--as", "allowed", "US"])
    assert not (tmp_path / "g").exists()


def test_save_file_never_overwrites_other_files_nor_makes_folders(tmp_path, monkeypatch, capsys):
    precious = tmp_path / "notes.json"
    precious.write_text("my notes\n")
    script = "\n".join([f"save {precious}", f"save {tmp_path}/new/folder/g.json", "save " + "x" * 300,
                        "save a\0b", f"save {tmp_path}/mine", f"save {tmp_path}/mine", "hold", "hold", "", ""])
    rc, text, err = play(monkeypatch, capsys, script, *game_args(tmp_path / "g"))
    assert rc == 0 and "Traceback" not in err + text, err
    assert precious.read_text() == "my notes\n"
    assert not (tmp_path / "new").exists() and not list(tmp_path.glob("x" * 200 + "*"))
    assert "exists and is not a saved game" in text and "no folder" in text and "250 bytes" in text
    assert json.loads((tmp_path / "mine.json").read_text())["format"] == "escalation-sim game"
    assert (tmp_path / "g" / "debrief.md").is_file()


@pytest.mark.parametrize("folder", ["/", ".", ".."])
def test_save_to_a_folder_is_a_hint_and_the_game_goes_on(tmp_path, monkeypatch, capsys, folder):
    """`save /` ended the game with ValueError (found by the fuzz suite's game scripts, issue 24)."""
    monkeypatch.chdir(tmp_path)
    rc, text, err = play(monkeypatch, capsys, f"save {folder}\nhold\nhold\n\n", *game_args(tmp_path / "g"))
    assert rc == 0 and "Traceback" not in err + text, err
    assert f"save {folder!r}: a folder" in text
    assert (tmp_path / "g" / "debrief.md").is_file()


@pytest.mark.parametrize("line, needle", [
    ("inject set actors.US.payoff.war_cost=inf", "finite"),
    ("inject set actors.US.deploy_batch=99999999999999999999999", "less than or equal"),
    ("inject set actors.US.missiles=5", "not a parameter"),
])
def test_bad_injections_are_hints_and_the_game_goes_on(tmp_path, monkeypatch, capsys, line, needle):
    rc, text, err = play(monkeypatch, capsys, f"{line}\nhold\nhold\n\n", *game_args(tmp_path / "g"))
    assert rc == 0 and "Traceback" not in err + text, err
    assert needle in text
    assert (tmp_path / "g" / "debrief.md").is_file()


def test_input_that_is_not_utf8_is_a_hint(tmp_path, monkeypatch, capsys):
    rc, text, err = play(monkeypatch, capsys, b"\xff\xfe\x80\nhold\nhold\n\n", *game_args(tmp_path / "g"))
    assert rc == 0 and "Traceback" not in err + text, err
    assert (tmp_path / "g" / "game.json").is_file()


def test_a_huge_band_is_refused_before_the_game(tmp_path, monkeypatch, capsys):
    args = game_args(tmp_path / "g")
    args[args.index("--band-runs") + 1] = "1000000000000"
    rc, _, err = play(monkeypatch, capsys, "hold\n", *args)
    assert_refused(rc, err, ["--band-runs", "needs about"])
    assert not (tmp_path / "g").exists()


def test_markup_and_control_characters_in_a_title_print_as_text(tmp_path, monkeypatch, capsys):
    path = scenario_file(tmp_path, 'title = "', 'title = "[/bold] [red]\\u001b]0;pwned\\u0007 ')
    text = path.read_text().replace('name = "United States"', 'name = "<script>alert(1)</script>"')
    path.write_text(text)
    rc, out, err = play(monkeypatch, capsys, "hold\nhold\n\n", "play", str(path), "--as", "US", "--turns", "2",
                        "--band-runs", "10", "--out", str(tmp_path / "g"))
    assert rc == 0, err
    assert "[/bold] [red]" in out and "\x1b" not in out and "\x07" not in out
    md = (tmp_path / "g" / "debrief.md").read_text()
    assert "<script>" not in md and "&lt;script&gt;" in md


@pytest.fixture()
def saved_game(tmp_path, monkeypatch, capsys) -> Path:
    rc, _, err = play(monkeypatch, capsys, "hold\n", *game_args(tmp_path / "g"))
    assert rc == 0, err
    return tmp_path / "g" / "game.json"


@pytest.mark.parametrize("edit, needle", [
    (lambda d: d["injections"].append({"kind": "set", "turn": 2, "text": "set", "changes": {"actors.US.missiles": 9}}),
     "not a parameter"),
    (lambda d: d["injections"].append({"kind": "set", "turn": 2, "text": "set",
                                       "changes": {"actors.US.rule": {"name": "hawk"}}}), "not a parameter"),
    (lambda d: d.__setitem__("turns", 10**9), "turns"),
    (lambda d: d.__setitem__("log", d["log"] * 20_000), "log"),
    (lambda d: d.__setitem__("teams", [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["US"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]),
     "deep"),
])
def test_save_files_are_checked_like_injections(saved_game, monkeypatch, capsys, edit, needle):
    data = json.loads(saved_game.read_text())
    edit(data)
    saved_game.write_text(json.dumps(data))
    rc, _, err = play(monkeypatch, capsys, "", "replay", str(saved_game))
    assert_refused(rc, err, [needle])


def test_a_deeply_nested_save_file_is_one_line(tmp_path, monkeypatch, capsys):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    rc, _, err = play(monkeypatch, capsys, "", "replay", str(path))
    assert_refused(rc, err, ["deep.json"])
