"""Generated scenarios, overrides, command lines and game scripts against the contract of the README:
exit 0 with complete, finite outputs, or exit 2 with one line on stderr and the output folder byte for
byte as before; never a traceback. `CASES` counts the generated cases (printed by the last test).
"""

from __future__ import annotations

import copy
import itertools
import json
import math
import shutil
from pathlib import Path

import pandas as pd
import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.core import scenario
from sim.output.result_files import check_complete
from test_bad_input import run_cli, snapshot
from test_faults import play

# 255 generated cases, about 25 s: in the full suite (make test), not in make test-fast
pytestmark = pytest.mark.slow
SETTINGS = settings(deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
CASES: dict[str, int] = {}
SMALL = ["--runs", "2", "--turns", "3", "--no-plot", "--quiet", "--jobs", "1"]
BASE = scenario.load("inf_2018").raw()
_fresh = itertools.count()


def _leaves(node, prefix=""):
    """Key paths of the scalar values of the scenario (actors by id)."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, f"{prefix}{k}.")
    elif isinstance(node, list) and node and isinstance(node[0], dict):
        for i, v in enumerate(node):
            yield from _leaves(v, f"{prefix}{v.get('id', i)}.")
    else:
        yield prefix[:-1]


def _get(data, key: str):
    node = data
    for part in key.split("."):
        node = (next(e for e in node if isinstance(e, dict) and e.get("id") == part) if isinstance(node, list)
                else node.get(part))
    return node


KEYS = sorted(set(_leaves(BASE)) | {"source", "scenario.colour", "actors.XX.missiles", "a.b.c", "actors.US",
                                     "risk", "events.0.date", "actors.US.rule.lambda", "actors.RU.rule.name"})
NUMERIC_KEYS = sorted(k for k in _leaves(BASE) if not isinstance(_get(BASE, k), bool | str | list))
NUMBERS = st.one_of(st.integers(-2**70, 2**70), st.sampled_from([0, 1, -1, 2**31, 2**63 - 1, 10**12]),
                    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([1e308, -0.0, 5e-324]))
TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\n"), max_size=12)
VALUES = st.one_of(NUMBERS, TEXT, st.booleans(), st.lists(st.one_of(NUMBERS, TEXT), max_size=3),
                   st.dictionaries(st.sampled_from(["name", "lambda", "threshold", "x"]),
                                   st.one_of(NUMBERS, TEXT), max_size=2),
                   st.sampled_from(["human", "quantal", "hawk", "deployment", "2019-02-01", "[[[[]]]]"]))


@pytest.fixture(scope="module")
def previous(tmp_path_factory):
    """A complete result folder, copied into each case's --out."""
    out = tmp_path_factory.mktemp("fuzz") / "previous"
    assert run_cli(["run", "inf_2018", *SMALL, "--out", str(out)], "subproc")[0] == 0
    return out


def _count(name: str) -> None:
    CASES[name] = CASES.get(name, 0) + 1


def _set_leaf(data: dict, key: str, value) -> None:
    node = data
    parts = key.split(".")
    for part in parts[:-1]:
        if isinstance(node, list):
            node = next((e for e in node if isinstance(e, dict) and e.get("id") == part), {})
        else:
            node = node.setdefault(part, {}) if isinstance(node, dict) else {}
    if isinstance(node, dict):
        node[parts[-1]] = value


def _finite_outputs(out: Path) -> None:
    summary = check_complete(out)
    json.loads((out / "summary.json").read_text(), parse_constant=lambda c: pytest.fail(f"{c} in summary.json"))
    for name, columns in (("turns.csv", ["escalation", "esc_treaty"]), ("actions.csv", ["missiles", "payoff"])):
        frame = pd.read_csv(out / name)
        for col in columns:
            assert frame[col].map(math.isfinite).all(), (name, col)
    assert (pd.read_csv(out / "actions.csv")["missiles"] >= 0).all()
    assert summary["runs"] == 2


def check(argv: list[str], capsys, watched: Path | None = None, needles=()) -> tuple[int, str]:
    """Run `argv`; assert the contract (see the module docstring); returns the status and stderr."""
    before = snapshot(watched) if watched is not None and watched.exists() else None
    rc, _, err = run_cli(argv, "inproc", capsys)
    assert "Traceback" not in err, err
    assert rc in (0, 2), (rc, err)
    if rc == 2:
        lines = err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), err
        for needle in needles:
            assert needle in lines[0], (needle, lines[0])
        if watched is not None:
            assert (snapshot(watched) if watched.exists() else None) == before
    return rc, err


def _case_dir(previous: Path, tmp: Path) -> Path:
    out = tmp / f"out{next(_fresh)}"
    shutil.copytree(previous, out)
    return out


@settings(SETTINGS, max_examples=70)
@given(changes=st.lists(st.one_of(st.tuples(st.sampled_from(NUMERIC_KEYS), NUMBERS),   # a number where one goes
                                  st.tuples(st.sampled_from(KEYS), VALUES)), min_size=1, max_size=3))
def test_generated_scenarios(changes, previous, tmp_path_factory, capsys):
    _count("scenarios")
    data = copy.deepcopy(BASE)
    for key, value in changes:
        _set_leaf(data, key, value)
    tmp = tmp_path_factory.mktemp("scn")
    path = tmp / "s.toml"
    try:
        path.write_text(tomli_w.dumps(data), encoding="utf-8")
    except (TypeError, ValueError):   # not representable in TOML (e.g. an integer beyond 64 bits)
        return
    out = _case_dir(previous, tmp)
    rc, _ = check(["validate", str(path)], capsys, needles=["s.toml"])
    rc_run, _ = check(["run", str(path), *SMALL, "--out", str(out)], capsys, watched=out)
    assert rc_run == rc or rc == 0    # what validate accepts may still be refused by a run, never the reverse
    if rc_run == 0:
        _finite_outputs(out)


SET_VALUES = st.one_of(NUMBERS.map(str), TEXT, st.sampled_from(
    ["inf", "-inf", "nan", "1e999", "[1, 2", "{name = \"human\"}", "{name = \"hawk\"}", '"x"', "true",
     "2019-13-01", "9999-12-31", "[" * 50 + "]" * 50, "\x1b[2J", "{ a = { b = { c = 1 } } }"]))


@settings(SETTINGS, max_examples=70)
@given(items=st.lists(st.tuples(st.one_of(st.sampled_from(KEYS), TEXT), SET_VALUES), min_size=1, max_size=2))
def test_generated_overrides(items, previous, tmp_path_factory, capsys):
    _count("overrides")
    out = _case_dir(previous, tmp_path_factory.mktemp("set"))
    argv = ["run", "inf_2018", *SMALL, "--out", str(out)]
    for key, value in items:
        argv += ["--set", f"{key}={value}"]
    rc, _ = check(argv, capsys, watched=out)
    if rc == 0:
        _finite_outputs(out)


def _flag(name: str, values: list[str]):
    return st.tuples(st.just(name), st.sampled_from(values))


RUN_FLAGS = st.lists(st.one_of(
    _flag("--runs", ["0", "-1", "2", "two", "1e3", "99999999999999", ""]),
    _flag("--turns", ["0", "3", "10001", "x"]),
    _flag("--seed", ["-1", "0", "7", "2" * 30]),
    _flag("--jobs", ["0", "1", "2"]),
    _flag("--batch-size", ["0", "1", "x"]),
    _flag("--format", ["png", "gif", "svg"]),
    _flag("--engine", ["mesa", "ensemble", "numpy"]),
    _flag("--set", ["risk.h_max=2", "risk.h_max=0.02", "x=1", "=", "actors.US.rule={name='human'}"]),
), max_size=3)
COMMANDS = st.sampled_from(["run", "compare", "tournament", "analyze", "plot", "validate", "list", "rules",
                            "replay", "play", "bogus"])
TARGETS = st.sampled_from(["inf_2018", "dilemma_2p", "missing", "inf_2018:risk.h_max=0.02", "inf_2018:x=1",
                           "", "/etc/passwd", "scenarios", "a\x1b]0;x\x07", "x" * 300])


@settings(SETTINGS, max_examples=90)
@given(command=COMMANDS, targets=st.lists(TARGETS, min_size=0, max_size=2), flags=RUN_FLAGS,
       extra=st.lists(st.sampled_from(["--quiet", "--no-plot", "--force", "--over-time", "--turn", "1",
                                       "--map", "actors.US.payoff.war_cost=0:inf", "--grid", "2", "--rules",
                                       "hawk,dove", "--rules", "hawk,hawk", "--as", "", "--band-runs", "0",
                                       "--date", "2019-13-01", "--resume", "nofile.json"]), max_size=3))
def test_generated_command_lines(command, targets, flags, extra, previous, tmp_path_factory, capsys):
    _count("command lines")
    tmp = tmp_path_factory.mktemp("argv")
    out = _case_dir(previous, tmp)
    argv = [command, *targets]
    for flag, value in flags:
        if flag == "--runs" and value == "2" and command == "tournament":
            value = "1"
        argv += [flag, value]
    argv += extra
    if command in ("run", "compare", "tournament", "analyze", "play"):
        argv += ["--out", str(out)]
        if "--runs" not in argv:      # keep the generated runs small: only the sizes chosen above
            argv += ["--runs", "1" if command == "tournament" else "2", "--turns", "2"]
    if command == "plot":
        argv.insert(1, str(out))
    if command == "play":
        argv += ["--band-runs", "5", "--turns", "2"]
    rc, _ = check(argv, capsys, watched=out)
    if rc == 0 and command in ("run", "plot"):
        check_complete(out)


SCRIPT_LINES = st.one_of(
    st.sampled_from(["1", "5", "hold", "d", "undo", "help", "quit", "save", "save x" * 60, "save /", "save \0",
                     "inject", "inject set risk.h_max=0.5", "inject set risk.k=inf", "inject set actors.US.missiles=1",
                     "inject leader US hawk", "inject doctrine RU hawk", "inject doctrine RU human",
                     "inject force RU deployment", "inject violation US", "inject set " + "a." * 100 + "=1", ""]),
    TEXT)


@settings(SETTINGS, max_examples=25)
@given(lines=st.lists(SCRIPT_LINES, max_size=8))
def test_generated_game_scripts(lines, tmp_path_factory, monkeypatch, capsys):
    _count("game scripts")
    tmp = tmp_path_factory.mktemp("play")
    monkeypatch.chdir(tmp)
    script = "\n".join(lines) + "\nhold\nhold\nhold\n\n"
    rc, text, err = play(monkeypatch, capsys, script, "play", "inf_2018", "--as", "US", "--turns", "2",
                         "--band-runs", "5", "--out", str(tmp / "g"))
    assert "Traceback" not in err + text, err
    assert rc == 0, err
    assert (tmp / "g" / "game.json").is_file()
    rc, _, err = play(monkeypatch, capsys, "", "replay", str(tmp / "g" / "game.json"))
    assert rc == 0, err


def test_zz_report_the_number_of_generated_cases(capsys):
    """Says how many cases were generated (run last in this file; 0 when the tests above were deselected)."""
    with capsys.disabled():
        print(f"\nfuzz: {sum(CASES.values())} generated cases: {CASES}")
