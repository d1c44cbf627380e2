"""Generated scenarios, overrides, command lines and game scripts against the contract of the README:
exit 0 with complete, finite outputs, or exit 2 with one line on stderr and the output folder byte for
byte as before; never a traceback. `CASES` counts the generated cases (printed by the last test).

The classes of issue 24 too: numbers no command can carry, damaged sweep journals (never trusted: the
files come out as an undamaged sweep's, or one line), result folders changed against their schema with
their checksums updated (refused), requests to the classroom server (never a 500) and odd numbers typed
into a game. With FUZZ_TALLY=1 a failing case is counted (`FAILED`) instead of failing its test, so that
the last test says how many of each class pass: on the code of a fix, and on the code before it.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import io
import itertools
import json
import math
import os
import random
import re
import shutil
import socket
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
FAILED: dict[str, int] = {}
TALLY = bool(os.environ.get("FUZZ_TALLY"))
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


@contextlib.contextmanager
def contract(name: str):
    """One generated case of class `name`: counted, and with FUZZ_TALLY a failure is counted, not raised."""
    _count(name)
    try:
        yield
    except Exception:
        if not TALLY:
            raise
        FAILED[name] = FAILED.get(name, 0) + 1


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


ODD_DIGITS = ["\u00b2", "\u2460", "\U00010a40", "\u0661", "\uff17", "\u0967", "9" * 5000, "1_0", "\u00bd"]
SCRIPT_LINES = st.one_of(
    st.sampled_from(ODD_DIGITS),                                              # typed as a move
    st.sampled_from(ODD_DIGITS).map(lambda d: f"inject force RU {d}"),       # or forced
    st.sampled_from(ODD_DIGITS).map(lambda d: f"inject set risk.h_max={d}"),
    st.sampled_from(["1", "5", "hold", "d", "undo", "help", "quit", "save", "save x" * 60, "save /", "save \0",
                     "inject", "inject set risk.h_max=0.5", "inject set risk.k=inf", "inject set actors.US.missiles=1",
                     "inject leader US hawk", "inject doctrine RU hawk", "inject doctrine RU human",
                     "inject force RU deployment", "inject violation US", "inject set " + "a." * 100 + "=1", ""]),
    TEXT)


@settings(SETTINGS, max_examples=25)
@given(lines=st.lists(SCRIPT_LINES, max_size=8))
def test_generated_game_scripts(lines, tmp_path_factory, monkeypatch, capsys):
    with contract("game scripts"):
        _game_script(lines, tmp_path_factory, monkeypatch, capsys)


def _game_script(lines, tmp_path_factory, monkeypatch, capsys):
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


# ---------------------------------------------------------------- numbers no command can carry (issue 24)
# Every number option of every command, given a value that is not a number it takes: thousands of digits,
# beyond 2^63, other scripts' digits, underscores, fractions, signs. A seeded list, not hypothesis, so that
# the same cases can be run against any version in subprocesses (bench-like tallies).

NUMBER_OPTIONS = {
    "run": ["--seed", "--runs", "--turns", "--jobs", "--batch-size"],
    "compare": ["--seed", "--runs", "--turns"],
    "sweep": ["--seed", "--runs", "--turns", "--trajectories", "--samples", "--levels", "--assumed"],
    "tournament": ["--seed", "--runs", "--turns"],
    "analyze": ["--seed", "--runs", "--turns", "--turn"],
    "play": ["--seed", "--turns", "--band-runs"],
    "classroom": ["--seed", "--turns", "--turn-seconds", "--band-runs", "--port"],
    "replay": ["--band-runs"],
}
# what each command is given besides the number tried: small, and a server that cannot start
BASE_ARGS = {
    "run": ["inf_2018", "--runs", "2", "--turns", "2", "--no-plot", "--quiet"],
    "compare": ["inf_2018", "dilemma_2p", "--runs", "2", "--turns", "2", "--no-plot", "--quiet"],
    "sweep": ["inf_2018", "--param", "risk.h_max=0.001:0.02", "--runs", "2", "--turns", "2", "--trajectories",
              "2", "--no-plot", "--quiet"],
    "tournament": ["inf_2018", "--rules", "hawk,dove", "--runs", "1", "--turns", "2", "--quiet"],
    "analyze": ["inf_2018", "--runs", "2", "--turns", "2", "--no-plot", "--quiet"],
    "play": ["inf_2018", "--as", "US", "--turns", "2", "--band-runs", "2"],
    "classroom": ["inf_2018", "--turns", "2", "--band-runs", "2", "--port", "{taken}"],
    "replay": ["{game}"],
}


def _not_a_number_taken(rng: random.Random, flag: str) -> str:
    kinds = ["huge", "beyond_2^63", "negative", "script_digits", "underscore", "fraction", "exponent", "empty",
             "spaces_inside", "plus_huge"]
    if flag == "--jobs":        # no value an old version forks that many workers for
        kinds = ["negative", "underscore", "fraction", "exponent", "empty", "spaces_inside"]
    if flag == "--assumed":     # a fraction it takes: only non-numbers and numbers outside 0..1
        kinds = ["huge", "negative", "script_digits", "empty", "nan", "inf"]
    kind = rng.choice(kinds)
    digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 6)))
    scripts = ["\u0660", "\u06f0", "\u0966", "\u09e6", "\uff10", "\U0001d7ce", "\u1040"]
    return {
        "huge": "9" * rng.randint(30, 5000),
        "beyond_2^63": str(2**63 + rng.randint(0, 2**70)),
        "negative": f"-{rng.randint(1, 10**6)}",
        "script_digits": "".join(chr(ord(rng.choice(scripts)) + int(c)) for c in digits),
        "underscore": f"{digits}_{digits}",
        "fraction": f"{digits}.5",
        "exponent": f"{rng.randint(1, 9)}e{rng.randint(1, 400)}",
        "empty": "",
        "spaces_inside": f"{digits} {digits}",
        "plus_huge": "+" + "1" * rng.randint(25, 400),
        "nan": rng.choice(["nan", "NaN", "-nan"]),
        "inf": rng.choice(["inf", "1e999", "-inf"]),
    }[kind]


def _number_cases(n: int = 80, seed: int = 24) -> list[tuple[str, str, str]]:
    rng = random.Random(seed)
    pairs = [(command, flag) for command, flags in NUMBER_OPTIONS.items() for flag in flags]
    cases = [(command, flag, _not_a_number_taken(rng, flag)) for command, flag in pairs]     # each option once
    cases += [(*rng.choice(pairs), "") for _ in range(n - len(cases))]
    return [(command, flag, value or _not_a_number_taken(rng, flag)) for command, flag, value in cases]


NUMBER_CASES = _number_cases()


def number_argv(command: str, flag: str, value: str, taken_port: int, game: Path, out: Path) -> list[str]:
    base = [a.format(taken=taken_port, game=game) for a in BASE_ARGS[command]]
    if flag in base:                       # the option tried replaces the small value given by default
        k = base.index(flag)
        del base[k:k + 2]
    return [command, *base, f"{flag}={value}", *(["--out", str(out)] if command != "replay" else [])]


def number_refused(rc: int, err: str, flag: str, before: dict, after: dict) -> None:
    """The contract: one line naming the option, shortened, exit 2, nothing written."""
    assert "Traceback" not in err and rc == 2, (rc, err[-300:])
    lines = err.splitlines()
    assert len(lines) == 1 and flag in lines[0] and "allowed" in lines[0] and len(lines[0]) < 500, err[:300]
    assert after == before


@pytest.fixture(scope="module")
def taken_port():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        yield taken.getsockname()[1]


@pytest.fixture(scope="module")
def saved_game(tmp_path_factory):
    from sim.play import savefile
    from sim.play.engine import Game

    return savefile.write(Game(scenario.load("inf_2018"), seed=1, humans=["US"], turns=2),
                          tmp_path_factory.mktemp("saved") / "game.json")


@pytest.mark.parametrize("command, flag, value", NUMBER_CASES,
                         ids=[f"{c}{f}-{k}" for k, (c, f, _) in enumerate(NUMBER_CASES)])
def test_generated_numbers_no_command_can_carry(command, flag, value, taken_port, saved_game, tmp_path, capsys,
                                                monkeypatch):
    with contract("numbers"):
        monkeypatch.chdir(tmp_path)
        monkeypatch.setattr("sys.stdin", io.StringIO(""))
        before = snapshot(tmp_path)
        rc, _, err = run_cli(number_argv(command, flag, value, taken_port, saved_game, tmp_path / "out"), "inproc",
                             capsys)
        number_refused(rc, err, flag, before, snapshot(tmp_path))


# ---------------------------------------------------------------- damaged sweep journals (issue 24)

SWEEP_ARGS = ["inf_2018", "--param", "risk.h_max=0.001:0.02", "--param", "actors.US.payoff.audience_cost=0:3",
              "--trajectories", "3", "--turns", "8", "--seed", "2", "--quiet", "--runs", "3", "--jobs", "1",
              "--no-plot"]
SWEEP_FILES = ("samples.csv", "indices.csv", "sweep.json")
JOURNAL_NAME = ".sweep-journal.jsonl"


@pytest.fixture(scope="module")
def sweep_journal(tmp_path_factory):
    """A sweep's files, and the folder of the same sweep stopped by Ctrl-C after 4 of its 9 points."""
    from sim import cli
    from sim.analysis import sweep

    base = tmp_path_factory.mktemp("journal")
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert cli.main(["sweep", *SWEEP_ARGS, "--out", str(base / "whole")]) == 0
        real, calls = sweep.evaluate_point, itertools.count()

        def stopping(task):
            if next(calls) == 4:
                raise KeyboardInterrupt
            return real(task)

        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(sweep, "evaluate_point", stopping)
            assert cli.main(["sweep", *SWEEP_ARGS, "--out", str(base / "cut")]) == 130
    assert len((base / "cut" / JOURNAL_NAME).read_bytes().splitlines()) == 5
    return base


NUMBER_TOKEN = re.compile(rb"-?\d+(\.\d+)?([eE][+-]?\d+)?")
BAD_NUMBERS = [b"NaN", b"-Infinity", b"-0.5", b"1.5", b"1e308", b'"0.5"', b"null", b"true", b"[]", b"99", b"0.123"]
GARBAGE_LINES = [b"\xff\xfe{\n", b"[1, 2]\n", b"null\n", b"\n", b'"x"\n', b"{}\n", b"[" * 3000 + b"\n", b"3\n",
                 b'{"point": 0, "outcomes": [0.5]}\n', b'{"point": 1e400}\n', b"\xc3\x28\n"]
JOURNAL_CHANGES = st.lists(st.one_of(
    st.tuples(st.just("number"), st.integers(0, 4), st.integers(0, 12), st.sampled_from(BAD_NUMBERS)),
    st.tuples(st.just("cut"), st.integers(0, 4), st.floats(0.05, 0.95)),
    st.tuples(st.just("insert"), st.integers(0, 5), st.sampled_from(GARBAGE_LINES)),
    st.tuples(st.just("delete"), st.integers(1, 4)),
    st.tuples(st.just("duplicate"), st.integers(1, 4), st.sampled_from(BAD_NUMBERS)),
), min_size=1, max_size=3)


def _damage(lines: list[bytes], change) -> list[bytes]:
    kind, k, *rest = change
    k = min(k, len(lines) - 1) if lines else 0
    if not lines and kind != "insert":
        return lines
    if kind == "number":
        tokens = list(NUMBER_TOKEN.finditer(lines[k]))
        if tokens:
            m = tokens[rest[0] % len(tokens)]
            lines[k] = lines[k][:m.start()] + rest[1] + lines[k][m.end():]
    elif kind == "cut":
        lines[k] = lines[k][:max(1, int(len(lines[k]) * rest[0]))]
    elif kind == "insert":
        lines.insert(min(k, len(lines)), rest[0])
    elif kind == "delete":
        del lines[k]
    elif kind == "duplicate":      # a line again, one of its numbers changed
        tokens = list(NUMBER_TOKEN.finditer(lines[k]))
        copy_ = lines[k] if not tokens else lines[k][:tokens[-1].start()] + rest[0] + lines[k][tokens[-1].end():]
        lines.insert(k + 1, copy_ if copy_.endswith(b"\n") else copy_ + b"\n")
    return lines


@settings(SETTINGS, max_examples=40)
@given(changes=JOURNAL_CHANGES)
def test_generated_damaged_journals_are_never_trusted(changes, sweep_journal, tmp_path_factory, capsys, monkeypatch):
    with contract("sweep journals"):
        out = tmp_path_factory.mktemp("resume") / "s"
        shutil.copytree(sweep_journal / "cut", out)
        lines = (out / JOURNAL_NAME).read_bytes().splitlines(keepends=True)
        for change in changes:
            lines = _damage(lines, change)
        (out / JOURNAL_NAME).write_bytes(b"".join(lines))
        before = snapshot(out)
        monkeypatch.chdir(out.parent)
        rc, _, err = run_cli(["sweep", *SWEEP_ARGS, "--out", str(out), "--resume"], "inproc", capsys)
        assert "Traceback" not in err and rc in (0, 2), (rc, err[-500:])
        if rc == 2:           # a header not a sweep journal's: one line, nothing changed
            assert len(err.splitlines()) == 1 and "--force" in err, err
            assert snapshot(out) == before
        else:                 # every point either proved or computed again: the undamaged sweep's files
            for name in SWEEP_FILES:
                assert (out / name).read_bytes() == (sweep_journal / "whole" / name).read_bytes(), name
            assert all(re.search(r"\bline \d+\b", line) for line in err.splitlines()), err


# ---------------------------------------------------------------- result folders against their schema (issue 24)


@pytest.fixture(scope="module")
def result_folder(tmp_path_factory):
    """A complete result folder (4 runs of 3 turns), copied for each case."""
    out = tmp_path_factory.mktemp("folder") / "R"
    assert _run_quietly(["run", "inf_2018", "--runs", "4", "--turns", "3", "--no-plot", "--quiet", "--out",
                         str(out)]) == 0
    return out


def _run_quietly(argv: list[str]) -> int:
    from sim import cli

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return cli.main(argv)


def _leaves_of(node, prefix=""):
    """(dotted path, value) of every scalar of a JSON value."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves_of(v, f"{prefix}{k}.")
    elif isinstance(node, list):
        for k, v in enumerate(node):
            yield from _leaves_of(v, f"{prefix}{k}.")
    else:
        yield prefix[:-1], node


# leaves any value of their type may hold (names, notes, the version), and the record of the checksums
FREE_LEAVES = re.compile(r"^(scenario|title|version|files\..*|.*\.?note)$")
NULLABLE = re.compile(r"^(median_turn_.*|.*\.median_first_turn)$")


def _invalid_values(path: str, value) -> list:
    """Values that `run` never writes at `path`, where it wrote `value`."""
    if isinstance(value, bool) or value is None or isinstance(value, int | float):
        return [*([] if NULLABLE.match(path) else [None]), "1", float("nan"), float("inf"), -1, True, [1], {}]
    return ["", "ZZ", "2019-02-30", None, 5]           # dates, actors: nothing else is text outside FREE_LEAVES


def _set_path(data, path: str, value) -> None:
    *parents, last = path.split(".")
    node = data
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    node[int(last) if isinstance(node, list) else last] = value


CSV_TOKENS = {"number": ["x", "nan", "inf", "", "1e999", "--1", "0x10"], "name": ["zz", "", "NaN"],
              "date": ["2019-13-45", "", "tomorrow"], "flag": ["2", "-1", "yes"]}
CSV_KINDS = {"date": "date", "treaty": "name", "actor": "name", "action": "name", "programme": "name",
             "incident": "flag", "hosting": "flag"}


@settings(SETTINGS, max_examples=60)
@given(kind=st.sampled_from(["summary", "summary", "csv", "cut", "missing_key"]), pick=st.integers(0, 10**6),
       choice=st.integers(0, 10**6), fraction=st.floats(0.02, 0.98))
def test_generated_folders_that_break_their_schema_are_refused(kind, pick, choice, fraction, result_folder,
                                                               tmp_path_factory, capsys):
    with contract("result folders"):
        out = tmp_path_factory.mktemp("plot") / "R"
        shutil.copytree(result_folder, out)
        summary = json.loads((out / "summary.json").read_text())
        named = "summary.json"
        if kind == "summary":
            leaves = [(p, v) for p, v in _leaves_of(summary) if not FREE_LEAVES.match(p)]
            path, value = leaves[pick % len(leaves)]
            bad = _invalid_values(path, value)
            _set_path(summary, path, bad[choice % len(bad)])
        elif kind == "missing_key":
            required = [k for k in summary if k not in ("files",)]
            del summary[required[pick % len(required)]]
        else:
            named = ("turns.csv", "actions.csv")[choice % 2]
            data = (out / named).read_bytes()
            if kind == "cut":
                data = data[:max(1, int(len(data) * fraction))]
                data = data if not data.endswith(b"\n") else data[:-1]
            else:
                lines = data.decode().splitlines(keepends=True)
                header = lines[0].rstrip("\n").split(",")
                row = 1 + pick % (len(lines) - 1)
                column = choice % len(header)
                tokens = CSV_TOKENS[CSV_KINDS.get(header[column], "number")]
                fields = lines[row].rstrip("\n").split(",")
                fields[column] = tokens[(pick // 7) % len(tokens)]
                lines[row] = ",".join(fields) + "\n"
                data = "".join(lines).encode()
            (out / named).write_bytes(data)
            summary["files"][named] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        (out / "summary.json").write_text(json.dumps(summary))
        before = snapshot(out)
        rc, _, err = run_cli(["plot", str(out), "--format", "svg"], "inproc", capsys)
        assert "Traceback" not in err and rc == 2, (kind, rc, err[-300:])
        lines = err.splitlines()
        assert len(lines) == 1 and named in lines[0] and "allowed" in lines[0], (kind, err)
        assert snapshot(out) == before


# ---------------------------------------------------------------- requests to the classroom server (issue 24)

HEADER_TEXT = st.one_of(st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=30),
                        st.sampled_from(["\u00e9t\u00e9", "A" * 5000, "", "GUESS001", "\x7f"]))
JSON_VALUES = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30), st.floats(),
                                     st.text(max_size=20), st.sampled_from(ODD_DIGITS[:-1])),
                           lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                   st.dictionaries(st.sampled_from(["move", "text", "to", "team",
                                                                                    "on", "code", "pin"]), inner,
                                                                   max_size=3)), max_leaves=8)
BODIES = st.one_of(
    JSON_VALUES.map(lambda v: ("application/json", json.dumps(v).encode())),
    st.sampled_from([("application/json", b"[" * 2000 + b"]" * 2000), ("application/json", b"{not json"),
                     ("application/x-www-form-urlencoded", b"code=\xe9\xe9"),
                     ("application/x-www-form-urlencoded", b"move=" + "\u0661".encode() * 10),
                     ("text/plain", b"x" * 5000), ("application/json", b'{"move": "' + b"9" * 4000 + b'"}'),
                     ("application/x-www-form-urlencoded", b"&".join(b"a%d=1" % k for k in range(40)))]),
    st.binary(max_size=64).map(lambda b: ("application/octet-stream", b)))
PATHS = ["/", "/join", "/team", "/facilitator", "/qr.svg", "/debrief", "/debrief/x.html", "/api/projector",
         "/api/team", "/api/facilitator", "/api/team/move", "/api/team/message", "/api/facilitator/start",
         "/api/facilitator/inject", "/api/facilitator/bot", "/api/facilitator/message", "/api/facilitator/undo",
         "/api/facilitator/explode", "/static/../sim.py", "/join?error=%3Cb%3Ecall+555%3C%2Fb%3E"]


@settings(SETTINGS, max_examples=80)
@given(method=st.sampled_from(["GET", "POST", "POST", "PUT"]), path=st.sampled_from(PATHS), body=BODIES,
       team=st.one_of(st.none(), st.just("VALID"), HEADER_TEXT), pin=st.one_of(st.none(), st.just("VALID"),
                                                                              HEADER_TEXT),
       length=st.one_of(st.none(), st.sampled_from(["abc", "-1", "9" * 40, "0", "\u0661"])), chunked=st.booleans(),
       started=st.booleans())
def test_generated_requests_never_get_a_500(method, path, body, team, pin, length, chunked, started, classroom_app):
    with contract("classroom requests"):
        room, client = classroom_app()
        if started:
            room.start()
        cookies = []
        for name, value in (("team", team), ("pin", pin)):
            if value == "VALID":
                value = room.seats["US"].code if name == "team" else room.pin
            if value is not None:
                cookies.append(f"{name}={value}".encode("latin-1", "replace"))
        headers = {"content-type": body[0].encode()}
        if cookies:
            headers["cookie"] = b"; ".join(cookies)
        if length is not None:
            headers["content-length"] = length.encode()
        content = (iter([body[1][k:k + 512] for k in range(0, len(body[1]), 512)]) if chunked and method != "GET"
                   else body[1] if method != "GET" else None)
        try:
            r = client.request(method, path, content=content, headers=headers)
        except Exception as exc:          # the client refused to send it (e.g. a Content-Length it checks)
            if "Content-Length" in str(exc) or isinstance(exc, ValueError | UnicodeError):
                return
            raise
        assert r.status_code < 500, (method, path, r.status_code, r.text[:200])
        assert "Traceback" not in r.text
        if r.headers.get("content-type", "").startswith("application/json"):
            assert len(r.text.splitlines()) <= 1


@pytest.fixture(scope="module")
def classroom_app(tmp_path_factory):
    """A function giving a fresh room and a client of its app (a fresh guard: earlier cases' wrong codes
    would otherwise answer 429 before the handlers are reached)."""
    from starlette.testclient import TestClient

    from sim.classroom.room import Room
    from sim.classroom.server import make_app
    from sim.play.engine import Game

    scn = scenario.load("inf_2018")
    clients = []

    def fresh():
        room = Room(Game(scn, seed=3, humans=["US", "RU", "NATO"], turns=4), tmp_path_factory.mktemp("room"),
                    turn_seconds=0, band_runs=5)
        client = TestClient(make_app(room), follow_redirects=False, raise_server_exceptions=False)
        clients.append(client)
        return room, client
    yield fresh
    for client in clients:
        client.close()


def test_zz_report_the_number_of_generated_cases(capsys):
    """Says how many cases were generated, and with FUZZ_TALLY how many failed, by class (run last in this
    file; 0 when the tests above were deselected)."""
    with capsys.disabled():
        print(f"\nfuzz: {sum(CASES.values())} generated cases: {CASES}")
        if TALLY:
            print(f"fuzz: failing cases: {FAILED}; passing: "
                  f"{ {name: n - FAILED.get(name, 0) for name, n in CASES.items()} }")
