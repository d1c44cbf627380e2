"""Where tasks run: in this process, on a pool of local worker processes, or on a Dask cluster.

`map_in_order` returns the results in the order of the tasks whatever finishes first, with a bounded
number in flight (memory stays flat however many tasks there are). Every task is a pure function of
its arguments (seeded), so a result is the same wherever it runs; on Dask a task lost with a dying
worker is run again on another.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from sim.core.errors import SimError
from sim.engine import interrupts

#: Retries of a task whose worker died (Dask reschedules it elsewhere).
DASK_RETRIES = 3


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
    context = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=interrupts.worker_init,
                               initargs=(os.getpid(),))

    def submit(k: int, task: Any) -> Future[Any]:
        with interrupts.deferred():   # the first submit forks the workers
            return pool.submit(fn, task)

    try:
        for future in _in_order(submit, tasks, 2 * jobs):
            yield _collect(future, done)
    except BaseException:
        with interrupts.deferred():
            _stop(pool)
        raise
    finally:
        with interrupts.deferred():
            pool.shutdown(wait=True, cancel_futures=True)


def _in_order(submit: Callable[[int, Any], Any], tasks: Sequence[Any], window: int) -> Iterator[Any]:
    """The futures of `submit(k, task)` for every task, in task order, at most `window` in flight."""
    pending: deque[Any] = deque()
    for k, task in enumerate(tasks):
        pending.append(submit(k, task))
        if len(pending) >= window:
            yield pending.popleft()
    while pending:
        yield pending.popleft()


def _stop(pool: ProcessPoolExecutor) -> None:
    """Kill the workers at once (interrupted, or a task failed): waiting would finish every task.

    A worker killed while it sends a result leaves half a message in the result pipe, and the
    pool's reader thread would wait for the rest for ever, since this process holds the pipe's
    write end too (shutdown, and Python's exit, join that thread). Closing our write end turns
    that wait into end-of-file once the workers are gone, which the pool reports as broken. The
    executor has no public handle on either."""
    for process in list((pool._processes or {}).values()):
        if process.is_alive():
            process.kill()
    writer = getattr(pool._result_queue, "_writer", None)
    if writer is not None:
        writer.close()


def _collect(future: Future[Any], done: Callable[[Any], object] | None) -> Any:
    try:
        result = future.result()
    except BrokenProcessPool:
        raise SimError("a worker process died (out of memory, or killed); no complete output was "
                       "written; allowed: fewer --jobs or a smaller --batch-size") from None
    if done:
        done(result)
    return result


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
