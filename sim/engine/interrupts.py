"""Signals: SIGTERM and SIGHUP end the program as Ctrl-C does; pool workers never outlive it.

The main process turns SIGTERM (a kill, a shutdown) and SIGHUP (the terminal closed) into
`sim.core.errors.Terminated`, a KeyboardInterrupt, so every `except KeyboardInterrupt` that removes
partial files or saves a game also runs for them. Pool workers ignore Ctrl-C (the main process
stops them) and, on Linux, are killed by the kernel when the main process dies, even by SIGKILL.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from sim.core.errors import Terminated

TERMINATING: dict[int, str] = {signal.SIGTERM: "SIGTERM"}
if hasattr(signal, "SIGHUP"):      # POSIX only (not on Windows): the terminal closed
    TERMINATING[signal.SIGHUP] = "SIGHUP"
PR_SET_PDEATHSIG = 1


def _raise(signum: int, frame: FrameType | None) -> None:
    raise Terminated(signum, TERMINATING.get(signum, str(signum)))


def install() -> None:
    """In the main process: SIGTERM and SIGHUP raise Terminated."""
    for signum in TERMINATING:
        signal.signal(signum, _raise)


@contextmanager
def deferred() -> Iterator[None]:
    """Hold Ctrl-C, SIGTERM and SIGHUP until the block ends, then deliver them as they would have been.

    For steps that an exception must not cut in two: starting pool workers (an interrupt raised
    inside fork's handlers is swallowed and the run goes on) and handing a task to the pool. A no-op
    outside the main thread, where Python delivers no signal anyway."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    signums = (signal.SIGINT, *TERMINATING)
    previous = {signum: signal.signal(signum, lambda signum, frame: held.append(signum)) for signum in signums}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for signum in dict.fromkeys(held):
            signal.raise_signal(signum)


def finished() -> None:
    """The command has returned and its outputs are final: from here to the exit, Ctrl-C, SIGTERM and
    SIGHUP are ignored. Otherwise one arriving while the interpreter shuts down (numba and the pool
    take a fraction of a second, and Python has by then put back the default handlers) ends a run
    that completed as if it had been killed, with no message."""
    for signum in (signal.SIGINT, *TERMINATING):
        signal.signal(signum, signal.SIG_IGN)


def exit_status(exc: KeyboardInterrupt) -> int:
    """128 + the signal number, as a shell reports a program a signal ended."""
    return 128 + (exc.signum if isinstance(exc, Terminated) else signal.SIGINT)


def worker_init(parent: int) -> None:
    """In a pool worker: die with `parent`, leave Ctrl-C to it, and take default SIGTERM/SIGHUP."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for signum in TERMINATING:
        signal.signal(signum, signal.SIG_DFL)
    if sys.platform.startswith("linux"):     # prctl(PR_SET_PDEATHSIG) is Linux only; elsewhere the parent stops us
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):   # pragma: no cover - no prctl: the parent's shutdown stops us
            pass
    if os.getppid() != parent:   # the parent died before the line above took effect
        os._exit(1)
