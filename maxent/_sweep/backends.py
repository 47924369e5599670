"""Sweep backends: a local process pool or a Dask cluster, with retries."""

from __future__ import annotations

import contextlib
import os
import signal

from maxent._sweep.study import error_message
from maxent._sweep.task import run_guarded, run_task
from maxent._util.errors import ValidationError

__all__ = ["run_dask", "run_local"]

# ---------------------------------------------------------------------------------------
# Backends. Both run tasks on worker processes, with one numba thread each, and run a
# failing task (an exception, or its worker dying) again up to ``retries`` times. Each
# calls ``finish(task, status, value, attempts)`` once per task, and ``more()`` when
# everything given is done, for the tasks of a next round (adaptive precision).


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


def run_local(todo, workers, retries, finish, more=list) -> None:
    """A spawned process pool (numba's threads are not forked) with bounded retries.

    At most ``2 workers`` tasks are in flight, so a worker that dies takes down (and
    charges an attempt to) only the few tasks queued with it, not the whole sweep.
    """
    import multiprocessing as mp
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    ctx = mp.get_context("spawn")
    attempts = {}
    queue = list(reversed(todo))  # pop() from the end: task order
    window = 2 * workers
    with _one_thread_env():
        while queue:
            # processes are spawned as tasks arrive, so a small round starts few
            pool = ProcessPoolExecutor(
                max_workers=workers, mp_context=ctx, initializer=_init_worker
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
                        attempts[task["task_id"]] = attempts.get(task["task_id"], 0) + 1
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
                        count = attempts[task["task_id"]]
                        if status == "ok" or count > retries:
                            finish(task, status, value, count)
                        else:
                            queue.append(task)
                    if not queue and not running:  # a round is done: the next one
                        queue = list(reversed(more()))
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
def dask_client(scheduler: str, workers: int, retries: int):
    """A client of the scheduler at ``scheduler``, or of a new LocalCluster (``"local"``).

    A LocalCluster's scheduler gives a task whose worker dies ``retries`` more runs
    (Dask's ``distributed.scheduler.allowed-failures``); a running scheduler keeps its
    own setting. Checks that the workers run this maxent; yields ``(client, provenance
    fields)``.
    """
    import logging

    import dask

    from maxent._version import __version__

    distributed = distributed_module()
    with contextlib.ExitStack() as stack:
        stack.enter_context(_one_thread_env())
        if scheduler == "local":
            with (
                _sigint_ignored(),  # the workers leave Ctrl-C to this process
                dask.config.set({"distributed.scheduler.allowed-failures": retries}),
            ):
                cluster = distributed.LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    # a failing task is recorded in the table; its workers' "Compute
                    # Failed" tracebacks would only break up the progress lines
                    silence_logs=logging.CRITICAL,
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


def dask_key(task: dict) -> str:
    """The Dask key of a task: ``maxent-task-ID-TOKEN``.

    ``maxent-task`` is the prefix under which the dashboard and the performance report
    group the tasks; the task id finds its file; the token (``dask.base.tokenize`` of
    the whole task, settings included) keeps two studies with the same parameters but
    other settings apart on a shared cluster.
    """
    from dask.base import tokenize

    return f"maxent-task-{task['task_id']}-{tokenize(task)[:12]}"


def run_dask(todo, client, retries, finish, more=list) -> None:
    """The tasks on a Dask cluster: ``client.submit(run_task, task, key=..., retries=...)``.

    Dask runs a task that raises again itself (``retries``) and reschedules the tasks
    of a worker that died (the scheduler's ``allowed-failures``; past it the task fails
    with ``KilledWorker``). Neither tells the client how often it ran a task that
    finished, so its ``attempts`` is None; a failed task's is the runs Dask was allowed.
    """
    from distributed import as_completed

    def submit(tasks):
        return {
            client.submit(run_task, t, key=dask_key(t), retries=retries, pure=False): t
            for t in tasks
        }

    futures = submit(todo)
    pending = as_completed(futures)
    while True:
        for fut in pending:
            task = futures.pop(fut)
            if fut.status == "finished":
                status, value, attempts = "ok", fut.result(), None
            elif fut.status == "cancelled":
                status, value, attempts = "error", "cancelled by the Dask cluster", None
            else:
                exc = fut.exception()
                status, value = "error", error_message(exc)
                lost = getattr(exc, "allowed_failures", None)  # KilledWorker
                attempts = retries + 1 if lost is None else lost + 1
            fut.release()
            finish(task, status, value, attempts)
        nxt = more()
        if not nxt:
            return
        new = submit(nxt)
        futures.update(new)
        pending = as_completed(new)
