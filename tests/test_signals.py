"""Signals at random moments of a run or a game: no orphaned worker, no folder that looks complete but
is not, no traceback, and a game is always saved (SIGTERM and SIGHUP as Ctrl-C)."""

from __future__ import annotations

import json
import os
import random
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.core.errors import SimError
from sim.output.result_files import check_complete

pytestmark = pytest.mark.slow   # every test here starts the program and signals it

ROOT = Path(__file__).resolve().parent.parent
MOMENTS = random.Random(11)   # the random moments are the same on every run of the suite
# Waits are for something to be seen (a file, a line on screen, a process gone), never for a time that
# assumes a speed; these bound them, generously: a machine shared with other work may be many times slower.
STARTUP = 300.0     # seconds for a process to start, load the kernels and reach what the test waits for
ENDING = 300.0      # seconds for a process to end once it has been told to (or to finish a small command)


def session_processes(sid: int) -> list[int]:
    """Pids of the live processes of session `sid` (a run started with start_new_session)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[3]) == sid and fields[0] != "Z":
            pids.append(int(entry.name))
    return pids


def wait_gone(sid: int, seconds: float = ENDING) -> list[int]:
    deadline = time.monotonic() + seconds
    while (alive := session_processes(sid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive


def assert_not_falsely_complete(out: Path, previous: dict | None) -> None:
    """The folder is complete (the old results or new ones), or says it is not (no summary.json)."""
    if not (out / "summary.json").exists():
        return
    try:
        summary = check_complete(out)
    except SimError as exc:
        pytest.fail(f"{out} looks complete but is not: {exc}")
    if previous is not None:
        assert summary["seed"] in (previous["seed"], 2)


def start_run(out: Path, seed: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "run_sim.py", "run", "inf_2018", "--runs", "4000", "--turns", "24",
                             "--jobs", "2", "--batch-size", "100", "--seed", str(seed), "--no-plot", "--quiet",
                             "--out", str(out)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)


CASES = [(sig, round(MOMENTS.uniform(0.0, 3.0), 2)) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL)
         for _ in range(2)]


@pytest.mark.parametrize("sig, delay", CASES, ids=[f"{signal.Signals(s).name}-{d}s" for s, d in CASES])
def test_a_signal_at_a_random_moment_leaves_no_worker_and_nothing_falsely_complete(tmp_path, sig, delay):
    out = tmp_path / "R"
    first = subprocess.run([sys.executable, "run_sim.py", "run", "inf_2018", "--runs", "20", "--turns", "6",
                            "--no-plot", "--quiet", "--out", str(out)], cwd=ROOT, capture_output=True,
                           timeout=ENDING)
    assert first.returncode == 0, first.stderr
    previous = check_complete(out)
    proc = start_run(out, seed=2)
    deadline = time.monotonic() + STARTUP   # the moment counts from the start of the writing, however slow the start
    while not any(out.glob("*.partial")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    if proc.poll() is None and not any(out.glob("*.partial")):
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail(f"the run wrote nothing in {STARTUP:.0f} s: {proc.communicate()[1].decode()}")
    time.sleep(delay)                      # the random moment: 0 to 3 s into the writing
    if sig == signal.SIGINT:
        os.killpg(proc.pid, sig)     # Ctrl-C on a terminal reaches the whole process group
    else:
        proc.send_signal(sig)        # kill PID, or a shutdown: only the main process
    _, err = proc.communicate(timeout=ENDING)
    assert wait_gone(proc.pid) == [], "pool workers outlived the main process"
    text = err.decode()
    assert "Traceback" not in text, text
    if proc.returncode != 0:       # the run may have finished before the signal
        assert proc.returncode in (128 + sig, -sig), (proc.returncode, text)
        if sig != signal.SIGKILL:
            assert len(text.strip().splitlines()) == 1, text
    assert_not_falsely_complete(out, previous)
    again = subprocess.run([sys.executable, "run_sim.py", "plot", str(out)], cwd=ROOT, capture_output=True,
                           text=True, timeout=ENDING)
    assert again.returncode in (0, 2) and "Traceback" not in again.stderr, again.stderr


def _play(out: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "run_sim.py", "play", "inf_2018", "--as", "US", "--turns", "4",
                             "--band-runs", "20", "--out", str(out), *extra], cwd=ROOT, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_for(proc: subprocess.Popen, marker: bytes) -> bytes:
    """Standard output up to `marker`: the game is waiting there for a move. Fails if the game ends
    first or does not get there in STARTUP seconds (a signal sent then would test something else)."""
    seen, deadline = b"", time.monotonic() + STARTUP
    while marker not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 1.0)
        if ready:
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:      # the game has closed its output: ended
                break
            seen += chunk
    if marker not in seen:
        proc.kill()
        _, err = proc.communicate()
        pytest.fail(f"{marker!r} not on screen; stdout ends {seen[-2000:]!r}; stderr {err.decode()!r}")
    return seen


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_save_the_game_like_ctrl_c(tmp_path, sig):
    out = tmp_path / "game"
    proc = _play(out)
    proc.stdin.write(b"dialogue\n")
    proc.stdin.flush()
    _wait_for(proc, b"Turn 2 \xc2\xb7 United States (US), your move")
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=ENDING)
    assert proc.returncode == 128 + sig, err.decode()
    assert "Traceback" not in err.decode()
    saved = json.loads((out / "game.json").read_text())
    assert saved["log"][0]["moves"]["US"] == "dialogue"


def test_ctrl_c_in_a_resumed_game_keeps_the_finished_game_it_started_from(tmp_path):
    out = tmp_path / "done"
    proc = _play(out)
    proc.communicate(b"hold\nhold\nhold\nhold\n\n", timeout=STARTUP + ENDING)
    assert proc.returncode == 0
    finished = (out / "game.json").read_bytes()
    proc = subprocess.Popen([sys.executable, "run_sim.py", "play", "--resume", str(out / "game.json"),
                             "--band-runs", "20"], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdin.write(b"undo\n")
    proc.stdin.flush()
    _wait_for(proc, b"Took back turn 4")
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=ENDING)
    assert proc.returncode == 130, err.decode()
    assert (out / "game.json").read_bytes() == finished
    assert json.loads((out / "game-2.json").read_text())["turns_played"] == 3


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_signal_after_the_command_has_finished_does_not_end_it_as_killed(sig):
    # the moment is the interpreter's shutdown (an exit handler sends the signal): a run that had
    # completed was reported killed (-2, no message) when Ctrl-C came in that fraction of a second
    code = ("import atexit, signal, sys; sys.argv = ['run_sim.py', 'list']; "
            f"atexit.register(signal.raise_signal, {int(sig)}); from sim.cli import console; console()")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=STARTUP + ENDING)
    assert done.returncode == 0 and done.stderr == "", (done.returncode, done.stderr)
    assert "inf_2018" in done.stdout


def children(pid: int) -> list[int]:
    """Pids of the live child processes of `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text() if entry.name.isdigit() else ""
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split() if stat else []
        if fields and int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def test_a_worker_killed_mid_run_ends_the_run_in_one_line_with_no_complete_looking_folder(tmp_path):
    # the kernel's out-of-memory killer picks a worker: the run ends at once (no wait for ever), says so in
    # one line, exit 2, and leaves no folder that looks complete, nor any process
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "run_sim.py", "run", "inf_2018", "--runs", "40000", "--turns", "24",
                             "--jobs", "2", "--batch-size", "100", "--no-plot", "--quiet", "--out", str(out)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + STARTUP
        while not (workers := children(proc.pid)) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert workers, "no worker was seen"
        os.kill(workers[0], signal.SIGKILL)
        err = proc.communicate(timeout=ENDING)[1]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 2, err
    assert len(err.splitlines()) == 1 and "a worker process died" in err and "Traceback" not in err, err
    assert not (out / "summary.json").exists()
    assert wait_gone(proc.pid) == []
