"""Two runs into one --out at once: the second is refused with one line, the folder ends complete and
consistent (one seed, well-formed rows), and temporary names never collide."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.core.safeio import temp_name
from sim.output.result_files import check_complete

ROOT = Path(__file__).resolve().parent.parent
# Waits are for something to be seen (the private folder, a process's end), bounded generously: a machine
# shared with other work may be many times slower than the one the test was written on.
WAIT = 300.0


def _run(out: Path, seed: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "run_sim.py", "run", "inf_2018", "--runs", "1500", "--turns", "24",
                             "--jobs", "1", "--seed", str(seed), "--no-plot", "--quiet", "--out", str(out)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_a_second_run_into_the_same_folder_is_refused_and_the_first_completes(tmp_path):
    out = tmp_path / "R"
    first = _run(out, seed=1)
    deadline = time.monotonic() + WAIT
    while not (out.is_dir() and any(out.glob("*.partial"))) and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)     # the first run holds the lock once its private folder exists
    if first.poll() is None and not any(out.glob("*.partial")):
        first.kill()
        pytest.fail(f"the first run made no private folder in {WAIT:.0f} s: {first.communicate()[1]}")
    # Paused while holding the lock: otherwise a fast first run can finish before the second
    # has started up, and the second then rightly writes (that is how this test failed in CI).
    first.send_signal(signal.SIGSTOP)
    try:
        assert any(out.glob("*.partial")), "the first run finished before it could be paused"
        second = _run(out, seed=2)
        _, err2 = second.communicate(timeout=WAIT)
    finally:
        first.send_signal(signal.SIGCONT)
    _, err1 = first.communicate(timeout=WAIT)
    assert first.returncode == 0, err1
    assert second.returncode == 2 and len(err2.strip().splitlines()) == 1, err2
    assert "another run_sim.py is writing into this folder" in err2 and "Traceback" not in err2
    summary = check_complete(out)
    turns = pd.read_csv(out / "turns.csv")
    assert summary["seed"] == 1 and set(turns["seed"]) == {1}
    assert sorted(turns["run"].unique()) == list(range(1500))
    assert not list(out.glob("*.partial"))


def test_temporary_names_are_unique():
    path = Path("/tmp/x/turns.csv")
    names = {temp_name(path) for _ in range(1000)}
    assert len(names) == 1000
    assert all(n.parent == path.parent and n.name.startswith(".turns.csv.") and n.name.endswith(".partial")
               for n in names)


# ---------------------------------------------------------------- one game per folder: play and classroom


def _lesson(tmp_path: Path) -> Path:
    """A classroom folder with a game of two turns, as a server leaves it."""
    from sim.classroom.room import Room
    from sim.core import scenario
    from sim.output.result_files import mark_ours
    from sim.play.engine import Game

    out = tmp_path / "lesson"
    out.mkdir()
    mark_ours(out)
    room = Room(Game(scenario.load("inf_2018"), seed=3, humans=["US"], turns=6), out, turn_seconds=0)
    room.join("US")
    room.start()
    room.submit("US", "dialogue")
    room.submit("US", "hold")
    return out


def test_play_and_classroom_on_a_folder_another_process_writes_are_refused_naming_it(cli_main, tmp_path,
                                                                                    monkeypatch):
    import io
    import os

    from sim.classroom import cli as classroom_cli
    from sim.output.result_files import writing

    out = _lesson(tmp_path)
    game = out / "game.json"
    before = game.read_bytes()
    served = []
    monkeypatch.setattr(classroom_cli, "serve", lambda *a, **k: served.append(a) or 0)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    with writing(out, force=False):    # the lock of `run`, which a server holds on its folder for its whole life
        for args in (["classroom", "--resume", game, "--port", "0"],
                     ["classroom", "inf_2018", "--out", out, "--port", "0"],
                     ["play", "--resume", game, "--band-runs", "20"],
                     ["play", "inf_2018", "--as", "US", "--out", out, "--band-runs", "20"]):
            done = cli_main(*args)
            assert done.status == 2 and len(done.err.strip().splitlines()) == 1, (args, done)
            assert f"another run_sim.py is writing into this folder (process {os.getpid()}" in done.err, done.err
    assert not served and game.read_bytes() == before


def _classroom(*args: object) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "run_sim.py", "classroom", "--port", "0", "--band-runs", "20",
                             *map(str, args)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _started(server: subprocess.Popen) -> None:
    for line in iter(server.stdout.readline, ""):
        if line.startswith("Ctrl-C stops the server"):
            return
    pytest.fail(f"the server did not start: {server.communicate()[1]}")


@pytest.mark.slow
def test_a_second_classroom_server_on_a_served_folder_is_refused_and_names_the_first(tmp_path):
    out, fresh = _lesson(tmp_path), tmp_path / "fresh"
    game = out / "game.json"
    servers = [_classroom("--resume", game), _classroom("inf_2018", "--out", fresh)]
    try:
        for server in servers:
            _started(server)
        for args, holder in ((["--resume", game], servers[0]), (["inf_2018", "--out", out], servers[0]),
                             (["inf_2018", "--out", fresh], servers[1])):
            second = _classroom(*args)
            try:
                _, err = second.communicate(timeout=120)
            except subprocess.TimeoutExpired:
                second.send_signal(signal.SIGINT)
                second.communicate(timeout=WAIT)
                pytest.fail(f"classroom {' '.join(map(str, args))}: a second server on a served folder was accepted")
            assert second.returncode == 2 and len(err.strip().splitlines()) == 1, err
            assert f"is writing into this folder (process {holder.pid}: run_sim.py classroom" in err, err
    finally:
        for server in servers:
            server.send_signal(signal.SIGINT)
            server.communicate(timeout=WAIT)
    assert len(json.loads(game.read_text())["log"]) == 2
