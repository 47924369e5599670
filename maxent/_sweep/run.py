"""Running a sweep: resume, progress, retries and the report."""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from maxent._sweep.backends import dask_client, distributed_module, run_dask, run_local
from maxent._sweep.store import (
    arrow,
    assemble,
    check_out,
    create_out,
    provenance,
    task_file,
    with_history,
    write_atomic,
)
from maxent._sweep.study import Study, load_study
from maxent._sweep.task import task_row
from maxent._util.errors import ValidationError
from maxent._util.format import ShortRepr

__all__ = ["SweepReport", "run_sweep"]

# ---------------------------------------------------------------------------------------
# The sweep.


@dataclass(frozen=True, repr=False)
class SweepReport(ShortRepr):
    """What :func:`run_sweep` did.

    Attributes
    ----------
    out : Path
        Results directory.
    tasks, ran, skipped, failed : int
        Tasks in the study, run now, already done before (skipped), recorded as failed.
    seconds : float
        Wall time of this run.
    table : Path or None
        The Parquet table (None when no task has finished).
    backend : str
        Where the tasks ran.
    """

    out: Path
    tasks: int
    ran: int
    skipped: int
    failed: int
    seconds: float
    table: Path | None
    backend: str


def run_sweep(
    study: Study | str | os.PathLike,
    out: str | os.PathLike,
    *,
    resume: bool = False,
    scheduler: str | None = None,
    workers: int | None = None,
    retries: int = 2,
    progress: Callable[[dict], None] | None = None,
) -> SweepReport:
    """Run every task of a study that is not done yet, and assemble the table.

    Parameters
    ----------
    study : Study or path
        The study (or its TOML file).
    out : path
        Results directory. It holds ``study.toml`` (a copy of the study file),
        ``tasks/task-NNNNNNN.json`` (one per finished task, written atomically),
        ``results.parquet`` (the table) and ``provenance.json``.
    resume : bool
        Continue a directory that holds results of the same study file: run every task
        without an ``ok`` result (failed ones again, with fresh attempts). Without it a
        non-empty ``out`` is refused.
    scheduler : str, optional
        ``None``: processes on this machine; ``"local"``: a Dask ``LocalCluster`` on
        127.0.0.1; anything else: the address of a running Dask scheduler, whose workers
        have the same maxent installed.
    workers : int, optional
        Processes (local backend and LocalCluster; default: all cores).
    retries : int
        Re-runs of a failing task (an exception, or its worker dying) before it is
        recorded with status ``"failed"`` and its last error.
    progress : callable, optional
        Called once with ``{"event": "start", "done", "failed": 0, "total"}`` and then
        after every finished task with ``{"event": "task", "task", "status",
        "attempts", "done", "failed", "total", "elapsed"}``.

    Returns
    -------
    SweepReport
        Tasks run, skipped and failed, the table's path and the backend used.
    """
    if not isinstance(study, Study):
        study = load_study(study)
    if retries < 0:
        raise ValidationError("retries", f"must be >= 0 (got {retries})")
    if workers is not None and workers < 1:
        raise ValidationError("workers", f"must be >= 1 (got {workers})")
    # every check before anything is written: the extras, the directory, the cluster
    arrow()
    if scheduler is not None:
        distributed_module()
    out = Path(out)
    started = time.time()
    done = check_out(study, out, resume)
    todo = [t for t in study.tasks if t["task"] not in done]
    workers = workers or os.cpu_count() or 1
    with contextlib.ExitStack() as stack:
        client, extra = None, {}
        if scheduler is not None and todo:
            client, extra = stack.enter_context(dask_client(scheduler, min(workers, len(todo))))
        create_out(study, out)
        seconds, failed = _run(study, out, todo, len(done), client, workers, retries, progress)
    if scheduler is None:
        backend = f"local processes ({min(workers, max(1, len(todo)))})"
    else:
        backend = "dask LocalCluster" if scheduler == "local" else f"dask {scheduler}"
    table = assemble(out)
    prov = provenance(study, backend, started, {**extra, "ran": len(todo), "failed": failed})
    write_atomic(out / "provenance.json", json.dumps(with_history(out, prov), indent=1))
    return SweepReport(out, len(study.tasks), len(todo), len(done), failed, seconds, table, backend)


def _run(study, out, todo, done, client, workers, retries, progress) -> tuple[float, int]:
    """Run ``todo`` on the pool (or ``client``), saving each row as it comes in."""
    counts = {"done": done, "failed": 0}
    t0 = time.perf_counter()
    if progress is not None:
        progress({"event": "start", "done": done, "failed": 0, "total": len(study.tasks)})

    def finish(task, status, value, attempts):
        if status == "ok":
            row = task_row(task, value, study.quantities, "ok", None, attempts)
        else:
            row = task_row(task, None, study.quantities, "failed", value, attempts)
            counts["failed"] += 1
        text = json.dumps(row, allow_nan=True)
        write_atomic(task_file(out, task["task"]), text)
        counts["done"] += 1
        if progress is not None:
            progress(
                {
                    "event": "task",
                    "task": task["task"],
                    "status": row["status"],
                    "attempts": attempts,
                    "done": counts["done"],
                    "failed": counts["failed"],
                    "total": len(study.tasks),
                    "elapsed": round(time.perf_counter() - t0, 3),
                }
            )

    if client is not None:
        run_dask(todo, client, retries, finish)
    elif todo:
        run_local(todo, workers, retries, finish)
    return time.perf_counter() - t0, counts["failed"]
