"""Running a sweep: resume, progress, retries and the report."""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from maxent._sweep.backends import dask_client, distributed_module, run_dask, run_local
from maxent._sweep.precision import grow_seeds, precision_summary
from maxent._sweep.store import (
    arrow,
    assemble,
    create_out,
    open_out,
    provenance,
    reusable,
    task_file,
    with_history,
    write_atomic,
)
from maxent._sweep.study import Study, group_id, load_study
from maxent._sweep.task import row_to_json, task_row
from maxent._util.errors import ValidationError
from maxent._util.format import ShortRepr
from maxent._util.io import atomic_path

__all__ = ["SweepReport", "run_sweep"]

#: The Dask performance report's file in the results directory.
PERFORMANCE_REPORT = "dask-performance-report.html"

# ---------------------------------------------------------------------------------------
# The sweep.


@dataclass(frozen=True, repr=False)
class SweepReport(ShortRepr):
    """What :func:`run_sweep` did.

    Attributes
    ----------
    out : Path
        Results directory.
    tasks, ran, reused, failed : int
        Tasks in the study (with the seeds adaptive precision added), run now, reused
        from the directory (finished before, with the same parameters and settings:
        not recomputed), recorded as failed.
    seconds : float
        Wall time of this run.
    table : Path or None
        The Parquet table (None when no task has finished).
    backend : str
        Where the tasks ran.
    unused : int
        Finished tasks in the directory that are not in this study (kept in
        ``tasks/``, left out of the table).
    precision : list of dict
        With ``target_stderr``: per group of tasks (one problem over all N), its
        ``parameters``, ``seeds``, ``reached`` and ``stderr`` per target column
        (:func:`~maxent._sweep.precision.precision_summary`); empty without.
    performance_report : Path or None
        The Dask performance report, when one was asked for and tasks ran.
    """

    out: Path
    tasks: int
    ran: int
    reused: int
    failed: int
    seconds: float
    table: Path | None
    backend: str
    unused: int = 0
    precision: list = field(default_factory=list)
    performance_report: Path | None = None


def run_sweep(
    study: Study | str | os.PathLike,
    out: str | os.PathLike,
    *,
    resume: bool = False,
    scheduler: str | None = None,
    workers: int | None = None,
    retries: int = 2,
    performance_report: bool = False,
    progress: Callable[[dict], None] | None = None,
) -> SweepReport:
    """Run every task of a study that is not done yet, and assemble the table.

    Parameters
    ----------
    study : Study or path
        The study (or its TOML file).
    out : path
        Results directory. It holds ``study.toml`` (a copy of the study file),
        ``tasks/ID.json`` (one per finished task, named by its id, written
        atomically), ``results.parquet`` (the table) and ``provenance.json``.
    resume : bool
        Continue a directory of results: every finished task of this study's (the same
        parameters, seed, statistics, method and samples) is reused, whatever grid it
        came from, and everything else runs (failed tasks again, with fresh attempts).
        The grid may have grown, shrunk or been reordered; a finished task with the
        same parameters but another setting is refused, naming the setting. Without
        it a non-empty ``out`` is refused.
    scheduler : str, optional
        ``None``: processes on this machine; ``"local"``: a Dask ``LocalCluster`` on
        127.0.0.1; anything else: the address of a running Dask scheduler, whose workers
        have the same maxent installed.
    workers : int, optional
        Processes (local backend and LocalCluster; default: all cores).
    retries : int
        Re-runs of a failing task (an exception, or its worker dying) before it is
        recorded with status ``"failed"`` and its last error.
    performance_report : bool
        With a Dask scheduler: write Dask's performance report of the run
        (``distributed.performance_report``, needs bokeh) to
        ``OUT/dask-performance-report.html``.
    progress : callable, optional
        Called once with ``{"event": "start", "done", "failed": 0, "total"}`` and then
        after every finished task with ``{"event": "task", "task", "task_id",
        "status", "attempts", "done", "failed", "total", "elapsed"}`` (``total`` grows
        when adaptive precision adds seeds).

    Returns
    -------
    SweepReport
        Tasks run, reused and failed, the table's path and the backend used.
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
    if performance_report:
        _check_report(scheduler)
    out = Path(out)
    started = time.time()
    stored = open_out(out, resume)
    if study.target_stderr is not None:  # a conflict in a later round: refused now too
        reusable(
            study.expand(dict.fromkeys(map(group_id, study.points), study.max_seeds)), stored, out
        )
    plan = _Plan(study, stored, out)
    todo = plan.next_round()  # may raise on a conflict: before anything is written
    workers = workers or os.cpu_count() or 1
    with contextlib.ExitStack() as stack:
        client, extra, report = None, {}, None
        if scheduler is not None and todo:
            client, extra = stack.enter_context(
                dask_client(scheduler, min(workers, len(todo)), retries)
            )
        create_out(study, out)
        if client is not None and performance_report:
            report = out / PERFORMANCE_REPORT
            stack.enter_context(_performance_report(report))
        seconds, failed = _run(plan, out, todo, client, workers, retries, progress)
    if scheduler is None:
        backend = f"local processes ({min(workers, max(1, plan.ran))})"
    else:
        backend = "dask LocalCluster" if scheduler == "local" else f"dask {scheduler}"
    table = assemble(out, plan.tasks, plan.rows, study.quantities)
    precision = precision_summary(study, plan.tasks, plan.rows) if study.target_stderr else []
    unused = len(set(stored) - {t["task_id"] for t in plan.tasks})
    fields = {**extra, "ran": plan.ran, "reused": plan.reused, "failed": failed}
    if precision:
        fields["precision"] = precision
    prov = provenance(study, backend, started, fields)
    prov["tasks"] = len(plan.tasks)
    write_atomic(out / "provenance.json", json.dumps(with_history(out, prov), indent=1))
    return SweepReport(
        out,
        len(plan.tasks),
        plan.ran,
        plan.reused,
        failed,
        seconds,
        table,
        backend,
        unused,
        precision,
        report,
    )


def _check_report(scheduler) -> None:
    if scheduler is None:
        raise ValidationError(
            "performance_report",
            "is Dask's report: give a Dask scheduler too (--scheduler local or an address)",
        )
    try:
        import bokeh  # noqa: F401  (distributed.performance_report draws with it)
    except ImportError:
        raise ValidationError(
            "performance_report", "needs bokeh: pip install 'maxent[dask]'"
        ) from None


@contextlib.contextmanager
def _performance_report(path: Path):
    """Dask's performance report of what runs inside, written atomically at the end."""
    from distributed import performance_report

    with atomic_path(path) as tmp:
        report = performance_report(filename=str(tmp))
        report.__enter__()
        yield  # an interrupted run writes no report (and leaves no temporary file)
        report.__exit__(None, None, None)


class _Plan:
    """The tasks of the sweep, round by round, and the rows finished so far.

    A round is the study's tasks (the first) or those adaptive precision adds; of each,
    the tasks with a reusable row in the directory are reused, the rest run.
    """

    def __init__(self, study: Study, stored: dict, out: Path):
        self.study, self.stored, self.out = study, stored, out
        self.tasks: list[dict] = study.tasks
        self.rows: dict[str, dict] = {}  # task id -> row, reused or run now
        self.ran = self.reused = 0
        self._seen: set[str] = set()

    def next_round(self) -> list[dict]:
        """The tasks to run next (none: the sweep is done)."""
        while True:
            new = [t for t in self.tasks if t["task_id"] not in self._seen]
            self._seen.update(t["task_id"] for t in new)
            keep = reusable(new, self.stored, self.out)
            for i in keep:
                self.rows[i] = self.stored[i]
            self.reused += len(keep)
            todo = [t for t in new if t["task_id"] not in keep]
            if todo:
                return todo
            if self.study.target_stderr is None:
                return []
            seeds = grow_seeds(self.study, self.tasks, self.rows)
            if seeds is None:
                return []
            self.tasks = self.study.expand(seeds)


def _run(plan, out, todo, client, workers, retries, progress) -> tuple[float, int]:
    """Run ``todo`` and the rounds after it on the pool (or ``client``), saving each row."""
    counts = {"failed": 0}
    t0 = time.perf_counter()
    if progress is not None:
        progress({"event": "start", "done": len(plan.rows), "failed": 0, "total": len(plan.tasks)})

    def finish(task, status, value, attempts):
        if status == "ok":
            row = task_row(task, value, "ok", None, attempts)
        else:
            row = task_row(task, None, "failed", value, attempts)
            counts["failed"] += 1
        write_atomic(task_file(out, task["task_id"]), row_to_json(row))
        plan.rows[task["task_id"]] = row
        plan.ran += 1
        if progress is not None:
            progress(
                {
                    "event": "task",
                    "task": task["task"],
                    "task_id": task["task_id"],
                    "status": row["status"],
                    "attempts": attempts,
                    "done": len(plan.rows),
                    "failed": counts["failed"],
                    "total": len(plan.tasks),
                    "elapsed": round(time.perf_counter() - t0, 3),
                }
            )

    if client is not None:
        run_dask(todo, client, retries, finish, plan.next_round)
    elif todo:
        run_local(todo, workers, retries, finish, plan.next_round)
    return time.perf_counter() - t0, counts["failed"]
