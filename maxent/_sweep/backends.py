"""Sweep backends: a local process pool or a Dask cluster, with retries."""

from __future__ import annotations

import contextlib
import os
import signal

from maxent._sweep.study import error_message
from maxent._sweep.task import run_guarded
from maxent._util.errors import ValidationError

__all__ = ["run_dask", "run_local"]

# ---------------------------------------------------------------------------------------
# Backends. Both run ``run_guarded`` on worker processes, with one numba thread each, and
# retry a failing task (an exception, or its worker dying) up to ``retries`` times.


@contextlib.contextmanager
def _one_thread_env():
    """Worker processes started inside inherit NUMBA_NUM_THREADS=1 (restored after)."""
    old = os.environ.get("NUMBA_NUM_THREADS")
    os.environ["NUMBA_NUM_THREADS"] = "1"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("NUMBA_NUM_THREADS", None)
        else:
            os.environ["NUMBA_NUM_THREADS"] = old


@contextlib.contextmanager
def _sigint_ignored():
    """Processes started inside ignore Ctrl-C (inherited), leaving it to this one."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


def _init_worker() -> None:
    """Local workers leave Ctrl-C to the parent, which stops them."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def run_local(todo, workers, retries, finish) -> None:
    """A spawned process pool (numba's threads are not forked) with bounded retries.

    At most ``2 workers`` tasks are in flight, so a worker that dies takes down (and
    charges an attempt to) only the few tasks queued with it, not the whole sweep.
    """
    import multiprocessing as mp
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    ctx = mp.get_context("spawn")
    attempts = dict.fromkeys((t["task"] for t in todo), 0)
    queue = list(reversed(todo))  # pop() from the end: task order
    window = 2 * workers
    with _one_thread_env():
        while queue:
            pool = ProcessPoolExecutor(
                max_workers=min(workers, len(queue)), mp_context=ctx, initializer=_init_worker
            )
            running: dict = {}
            broken = False
            try:
                while queue or running:
                    while queue and len(running) < window and not broken:
                        task = queue.pop()
                        try:
                            fut = pool.submit(run_guarded, task)
                        except BrokenProcessPool:
                            queue.append(task)
                            broken = True
                            break
                        attempts[task["task"]] += 1
                        running[fut] = task
                    if not running:
                        break
                    finished, _ = wait(running, return_when=FIRST_COMPLETED)
                    for fut in sorted(finished, key=lambda f: running[f]["task"]):
                        task = running.pop(fut)
                        try:
                            status, value = fut.result()
                        except BrokenProcessPool:
                            status, value, broken = "error", "the worker process died", True
                        if status == "ok" or attempts[task["task"]] > retries:
                            finish(task, status, value, attempts[task["task"]])
                        else:
                            queue.append(task)
            except BaseException:
                _terminate(pool)
                raise
            finally:
                pool.shutdown(wait=True, cancel_futures=True)


def _terminate(pool) -> None:
    """Stop a process pool's workers now (Ctrl-C), not after their tasks."""
    stop = getattr(pool, "terminate_workers", None)  # Python >= 3.14
    if stop is not None:
        stop()
        return
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(Exception):
            proc.terminate()


def _worker_version() -> str:
    from maxent._version import __version__

    return __version__


def distributed_module():
    try:
        import distributed
    except ImportError:
        raise ValidationError(
            "extra", "the Dask backend needs dask.distributed: pip install 'maxent[dask]'"
        ) from None
    return distributed


@contextlib.contextmanager
def dask_client(scheduler: str, workers: int):
    """A client of the scheduler at ``scheduler``, or of a new LocalCluster (``"local"``).

    Checks that the workers run this maxent; yields ``(client, provenance fields)``.
    """
    import logging

    from maxent._version import __version__

    distributed = distributed_module()
    with contextlib.ExitStack() as stack:
        stack.enter_context(_one_thread_env())
        if scheduler == "local":
            with _sigint_ignored():  # the workers leave Ctrl-C to this process
                cluster = distributed.LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
            stack.enter_context(cluster)
            client = stack.enter_context(distributed.Client(cluster))
        else:
            try:
                client = stack.enter_context(distributed.Client(scheduler, timeout=10))
            except (OSError, TimeoutError, ValueError) as exc:
                raise ValidationError(
                    "scheduler", f"cannot reach a Dask scheduler at {scheduler!r} ({exc})"
                ) from None
        try:
            versions = client.run(_worker_version)
        except Exception as exc:
            raise ValidationError(
                "scheduler", f"the Dask workers cannot run maxent ({error_message(exc)})"
            ) from None
        if not versions:
            raise ValidationError("scheduler", f"the Dask cluster at {scheduler!r} has no workers")
        other = sorted(set(versions.values()) - {__version__})
        if other:
            raise ValidationError(
                "scheduler",
                f"the Dask workers run maxent {other[0]}, this machine {__version__}; "
                "install the same version on both",
            )
        address = client.scheduler_info()["address"]
        yield client, {"dask_workers": len(versions), "dask_scheduler": address}


def run_dask(todo, client, retries, finish) -> None:
    """The same tasks on a Dask cluster, with the same retry rule as the local pool."""
    from distributed import as_completed

    attempts = dict.fromkeys((t["task"] for t in todo), 0)

    def submit(task):
        attempts[task["task"]] += 1
        return client.submit(run_guarded, task, pure=False)

    futures = {submit(t): t for t in todo}
    pending = as_completed(futures)
    for fut in pending:
        task = futures.pop(fut)
        try:
            status, value = fut.result()
        except Exception as exc:  # the worker died too often (KilledWorker), ...
            status, value = "error", error_message(exc)
        fut.release()
        if status == "ok" or attempts[task["task"]] > retries:
            finish(task, status, value, attempts[task["task"]])
        else:
            again = submit(task)
            futures[again] = task
            pending.add(again)
