"""Where tasks run: in this process, on a pool of local worker processes, or on a Dask cluster.

`map_in_order` returns the results in the order of the tasks whatever finishes first, with a bounded
number in flight (memory stays flat however many tasks there are). Every task is a pure function of
its arguments (seeded), so a result is the same wherever it runs; on Dask a task lost with a dying
worker is run again on another.

The local pool is multiprocessing's public API: each worker its own pair of pipes, of which this process
keeps only its ends. A worker that dies, even half-way through sending a result, closes the only write end
of its result pipe, so this process reads the end of the file (an error, never a wait). concurrent.futures
and loky share one result pipe whose write end the main process holds too: there a worker killed mid-send
leaves a reader waiting for ever (measured with loky 3.7.0 and Python 3.11's ProcessPoolExecutor).
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any

from sim.core.errors import SimError
from sim.engine import interrupts

#: Retries of a task whose worker died (Dask reschedules it elsewhere).
DASK_RETRIES = 3
DIED = ("a worker process died (out of memory, or killed); no complete output was written; allowed: fewer "
        "--jobs or a smaller --batch-size")


def map_in_order(fn: Callable[[Any], Any], tasks: Sequence[Any], jobs: int, *, dask: str | None = None,
                 warm: Callable[[], None] | None = None, done: Callable[[Any], object] | None = None) -> Iterator[Any]:
    """fn(task) for every task, yielded in task order; `done(result)` is called as each is yielded.

    jobs <= 1 (and no `dask`): in this process. Else a pool of `jobs` forked workers (`warm()` runs
    first, so that compiled kernels are inherited), or the Dask scheduler at address `dask` (``local``:
    a LocalCluster of `jobs` worker processes on this machine)."""
    if dask is not None:
        yield from _on_dask(fn, tasks, jobs, dask, done)
        return
    if jobs <= 1 or len(tasks) <= 1:
        for task in tasks:
            result = fn(task)
            if done:
                done(result)
            yield result
        return
    if warm is not None:
        warm()
    workers: list[_Worker] = []
    try:
        with interrupts.deferred():      # an interrupt inside fork's handlers would be swallowed
            context = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
            for _ in range(min(jobs, len(tasks))):
                workers.append(_Worker(context, fn))
        for result in _in_pool(workers, tasks, 2 * len(workers)):
            if done:
                done(result)
            yield result
    finally:
        with interrupts.deferred():
            for worker in workers:
                worker.stop()


class _Worker:
    """One worker process running `fn` on the tasks sent to it, one at a time, and its two pipes."""

    def __init__(self, context: Any, fn: Callable[[Any], Any]):
        task_out, task_in = context.Pipe(duplex=False)         # (reader, writer): this process writes
        result_out, result_in = context.Pipe(duplex=False)     # the worker writes, this process reads
        self.process = context.Process(target=_work, args=(fn, task_out, result_in, os.getpid()), daemon=True)
        self.process.start()
        task_out.close()          # the worker's ends: once closed here, its death is an end of file
        result_in.close()
        self.tasks: Connection = task_in
        self.results: Connection = result_out
        self.busy: int | None = None          # the task it is running

    def send(self, k: int, task: Any) -> None:
        try:
            self.tasks.send((k, task))
        except OSError:           # its end is closed: it died
            raise SimError(DIED) from None
        self.busy = k

    def receive(self) -> tuple[int, bool, Any]:
        try:
            k, ok, value = self.results.recv()
        except (EOFError, OSError):
            raise SimError(DIED) from None
        self.busy = None
        return k, ok, value

    def stop(self) -> None:
        """Kill it (at once: waiting would finish its task) and reap it."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.tasks.close()
        self.results.close()


def _work(fn: Callable[[Any], Any], tasks: Connection, results: Connection, parent: int) -> None:
    """A worker's loop: (k, task) in, (k, True, fn(task)) or (k, False, the exception it raised) out."""
    interrupts.worker_init(parent)
    while True:
        try:
            k, task = tasks.recv()
        except EOFError:          # the pool is done with us
            return
        try:
            reply = (k, True, fn(task))
        except Exception as exc:
            reply = (k, False, exc)
        try:
            results.send(reply)
        except Exception as exc:      # a result or an exception that does not pickle: said in the main process
            results.send((k, False, RuntimeError(f"the result of task {k} could not be sent back: {exc!r}")))


def _in_pool(workers: list[_Worker], tasks: Sequence[Any], window: int) -> Iterator[Any]:
    """The results of `tasks` on `workers`, in task order, at most `window` tasks sent ahead of the one
    yielded next. A task's exception is raised here; a worker that died is SimError."""
    results: dict[int, Any] = {}
    sent = 0
    for k in range(len(tasks)):
        while k not in results:
            for worker in workers:
                if worker.busy is None and sent < len(tasks) and sent < k + window:
                    worker.send(sent, tasks[sent])
                    sent += 1
            running = [w for w in workers if w.busy is not None]
            ready = wait([w.results for w in running] + [w.process.sentinel for w in running])
            for worker in running:
                if worker.results in ready or worker.process.sentinel in ready:
                    j, ok, value = worker.receive()
                    if not ok:
                        raise value
                    results[j] = value
        yield results.pop(k)


def _in_order(submit: Callable[[int, Any], Any], tasks: Sequence[Any], window: int) -> Iterator[Any]:
    """The futures of `submit(k, task)` for every task, in task order, at most `window` in flight."""
    pending: deque[Any] = deque()
    for k, task in enumerate(tasks):
        pending.append(submit(k, task))
        if len(pending) >= window:
            yield pending.popleft()
    while pending:
        yield pending.popleft()


def _on_dask(fn: Callable[[Any], Any], tasks: Sequence[Any], jobs: int, address: str,
             done: Callable[[Any], object] | None) -> Iterator[Any]:
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:   # pragma: no cover - dask is a dependency
        raise SimError("--dask: dask.distributed is not installed; allowed: pip install 'dask[distributed]'") from None
    cluster = None
    try:
        if address == "local":
            cluster = LocalCluster(n_workers=max(1, jobs), threads_per_worker=1, processes=True,
                                   dashboard_address=None)
            client = Client(cluster)
        else:
            client = Client(address, timeout="10s")
    except OSError as exc:
        if cluster is not None:
            cluster.close()
        raise SimError(f"--dask {address}: cannot reach the scheduler ({exc}); allowed: tcp://HOST:PORT of a "
                       "running dask scheduler, or local") from None
    try:
        window = max(2, 2 * len(client.scheduler_info().get("workers", {})) or 2 * jobs)

        def submit(k: int, task: Any) -> Any:
            return client.submit(fn, task, key=f"task-{os.getpid()}-{k}", pure=False, retries=DASK_RETRIES)

        for future in _in_order(submit, tasks, window):
            result = future.result()
            if done:
                done(result)
            yield result
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
