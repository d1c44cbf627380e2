"""Two runs into one --out at once: the second is refused with one line, the folder ends complete and
consistent (one seed, well-formed rows), and temporary names never collide."""

from __future__ import annotations

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
