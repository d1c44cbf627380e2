"""Where tasks run (sim.engine.executors) and how an interrupt stops them: hand-built worst moments."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sim.engine import interrupts
from sim.engine.executors import map_in_order

ROOT = Path(__file__).resolve().parent.parent


def _square(x: int) -> int:
    return x * x


def test_results_come_in_task_order_whatever_runs_them():
    tasks = list(range(23))
    expected = [x * x for x in tasks]
    seen: list[int] = []
    assert list(map_in_order(_square, tasks, 1)) == expected
    assert list(map_in_order(_square, tasks, 2, done=seen.append)) == expected
    assert seen == expected


def _run_python(code: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


# In a worker, Connection.send (how a result goes back) writes the header of a 1 MB message and 10 bytes of
# it, then does what the test adds: the worst moment for the main process, which is reading that message.
HALF_A_MESSAGE = """
    import os, signal, struct, time
    from multiprocessing import connection
    from sim.engine.executors import map_in_order

    main = os.getpid()
    real_send = connection.Connection.send
    def half_a_message(self, obj):
        if os.getpid() == main:
            return real_send(self, obj)
        os.write(self.fileno(), struct.pack("!i", 1 << 20) + b"x" * 10)
        {then}
    connection.Connection.send = half_a_message
"""


@pytest.mark.slow
def test_an_interrupt_while_a_worker_is_half_way_through_sending_its_result_does_not_hang():
    # Before, the pool's reader thread waited for the rest for ever, and so did its shutdown and Python's exit.
    proc = _run_python(HALF_A_MESSAGE.format(then="time.sleep(120)") + """
    def interrupt(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGALRM, interrupt)
    signal.alarm(2)
    try:
        list(map_in_order(abs, [0, 1], 2))
    except KeyboardInterrupt:
        print("stopped")
    """, timeout=40)
    assert proc.stdout.strip() == "stopped", proc.stderr


@pytest.mark.slow
def test_a_worker_killed_half_way_through_sending_its_result_is_one_error_not_a_hang():
    # concurrent.futures and loky 3.7.0 both wait for ever here: the main process holds a write end of the
    # shared result pipe, so the reader never sees the end of the file
    proc = _run_python(HALF_A_MESSAGE.format(then="os.kill(os.getpid(), signal.SIGKILL)") + """
    from sim.core.errors import SimError
    try:
        list(map_in_order(abs, list(range(6)), 2))
    except SimError as exc:
        print(exc)
    """, timeout=40)
    assert proc.stdout.startswith("a worker process died"), proc.stdout + proc.stderr


def _killed_at_3(x: int) -> int:
    if x == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    return x


def _fails_at_2(x: int) -> int:
    if x == 2:
        raise ValueError("task 2 failed")
    return x


def test_a_worker_that_dies_is_one_error_and_no_worker_outlives_the_pool():
    from sim.core.errors import SimError

    with pytest.raises(SimError, match="a worker process died"):
        list(map_in_order(_killed_at_3, list(range(10)), 2))
    with pytest.raises(ValueError, match="task 2 failed"):       # a task's own error comes back as itself
        list(map_in_order(_fails_at_2, list(range(10)), 2))
    assert multiprocessing.active_children() == []


def test_a_signal_held_by_deferred_arrives_when_the_block_ends():
    order = []
    with pytest.raises(KeyboardInterrupt), interrupts.deferred():
        os.kill(os.getpid(), signal.SIGINT)
        order.append("block finished")
    assert order == ["block finished"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_deferred_restores_the_handlers_and_delivers_nothing_when_nothing_came():
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    with interrupts.deferred():
        pass
    assert {s: signal.getsignal(s) for s in before} == before


def test_sigterm_held_by_deferred_arrives_as_terminated():
    interrupts.install()
    try:
        with pytest.raises(KeyboardInterrupt) as caught, interrupts.deferred():
            os.kill(os.getpid(), signal.SIGTERM)
        assert interrupts.exit_status(caught.value) == 128 + signal.SIGTERM
    finally:
        for signum in interrupts.TERMINATING:
            signal.signal(signum, signal.SIG_DFL)


@pytest.mark.slow
def test_an_interrupt_while_the_workers_start_stops_the_run():
    # Ctrl-C inside fork's handlers used to be swallowed ("Exception ignored in _releaseLock") and the
    # run went on to finish. Here every fork is hit by one.
    proc = _run_python("""
        import os, signal
        from sim.engine.executors import map_in_order

        def interrupted_fork():
            os.kill(os.getpid(), signal.SIGINT)
        os.register_at_fork(after_in_parent=interrupted_fork)
        try:
            print(len(list(map_in_order(abs, list(range(50)), 2))))
        except KeyboardInterrupt:
            print("stopped")
    """)
    assert proc.stdout.strip() == "stopped", proc.stdout + proc.stderr
    assert "Exception ignored" not in proc.stderr, proc.stderr
