"""Sweep storage: one JSON file per finished task, then one Parquet table, with provenance."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

from maxent._sweep.study import STATUS_COLUMNS, Study
from maxent._util.errors import ValidationError
from maxent._util.io import atomic_path

__all__ = ["assemble", "read_results", "read_rows"]

# ---------------------------------------------------------------------------------------
# Storage: one JSON file per finished task, then one Parquet table.


def write_atomic(path: Path, text: str) -> None:
    """Write a file so that it appears whole or not at all (renamed into place)."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def task_file(out: Path, index: int) -> Path:
    return out / "tasks" / f"task-{index:07d}.json"


def check_out(study: Study, out: Path, resume: bool) -> set[int]:
    """Check the results directory (writing nothing); return the tasks done with ``ok``."""
    marker = out / "study.toml"
    if out.exists() and not out.is_dir():
        raise ValidationError("out", f"{out} is a file, not a directory")
    if not out.exists() or not any(out.iterdir()):
        return set()
    if not resume:
        raise ValidationError(
            "out",
            f"{out} is not empty; give --resume to continue the sweep there, or a new --out",
        )
    if not marker.is_file():
        raise ValidationError(
            "resume", f"{out} is not a sweep's results directory (no study.toml in it)"
        )
    if hashlib.sha256(marker.read_bytes()).hexdigest() != study.digest:
        raise ValidationError(
            "resume",
            f"{out} holds the results of a different study file ({marker} differs); "
            "resume needs the same study file, or give a new --out",
        )
    return {row["task"] for row in read_rows(out) if row["status"] == "ok"}


def create_out(study: Study, out: Path) -> None:
    """Make the results directory with its copy of the study; drop half-written files."""
    (out / "tasks").mkdir(parents=True, exist_ok=True)
    if not (out / "study.toml").exists():
        write_atomic(out / "study.toml", study.text)
    for stale in (out / "tasks").glob(".tmp-*"):
        stale.unlink()  # a half-written result of an interrupted run: never read


def read_rows(out: str | os.PathLike) -> list[dict]:
    """Every finished task's row in a results directory, in task order."""
    files = sorted((Path(out) / "tasks").glob("task-*.json"))
    return [json.loads(f.read_text()) for f in files]


def arrow():
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ValidationError(
            "extra", "maxent sweep writes Parquet with pyarrow: pip install 'maxent[sweep]'"
        ) from None
    return pa, pq


def assemble(out: str | os.PathLike) -> Path | None:
    """Write ``results.parquet`` from the task files (atomically); None if there are none.

    Columns: ``task``, the parameters, ``seed_index``, ``study_seed``, the results in the
    order :func:`run_task` makes them, then ``status``, ``error`` and ``attempts``.
    """
    pa, pq = arrow()
    rows = read_rows(out)
    if not rows:
        return None
    columns: dict[str, None] = {}
    for r in rows:
        columns.update(dict.fromkeys(k for k in r if k not in STATUS_COLUMNS))
    columns.update(dict.fromkeys(STATUS_COLUMNS))
    table = pa.table({c: [r.get(c) for r in rows] for c in columns})
    path = Path(out) / "results.parquet"
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)
    return path


def read_results(path: str | os.PathLike) -> dict[str, list]:
    """Columns of a sweep's table, from its results directory or its Parquet file.

    Parameters
    ----------
    path : str or path-like
        The results directory of :func:`run_sweep` (``results.parquet`` in it), or a
        Parquet file.

    Returns
    -------
    dict of str to list
        One list per column (parameters, status and results), all of the same length;
        ``pandas.DataFrame(read_results(path))`` makes a data frame of it.

    Raises
    ------
    ValidationError
        If the file does not exist or is not a Parquet table.
    """
    p = Path(path)
    if p.is_dir():
        p = p / "results.parquet"
    if not p.is_file():
        raise ValidationError("results", f"{p} does not exist (run maxent sweep first)")
    _, pq = arrow()
    try:
        return pq.read_table(p).to_pydict()
    except Exception as exc:  # pyarrow raises several types for files that are not Parquet
        raise ValidationError("results", f"{p} is not a Parquet table ({exc})") from None


def provenance(study: Study, backend: str, started: float, extra: dict) -> dict:
    import numba
    import scipy

    from maxent._version import __version__

    return {
        "maxent": __version__,
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "numba": numba.__version__,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "backend": backend,
        "study": study.name,
        "study_sha256": study.digest,
        "tasks": len(study.tasks),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "command": [sys.executable, *sys.argv],
        **extra,
    }


def with_history(out: Path, prov: dict) -> dict:
    """Add the list of every run of the directory (a resume may use another machine)."""
    keep = ("maxent", "python", "platform", "backend", "started", "finished", "ran", "failed")
    runs = []
    with contextlib.suppress(OSError, ValueError, AttributeError):
        runs = list(json.loads((out / "provenance.json").read_text()).get("runs", []))
    return {**prov, "runs": [*runs, {k: prov.get(k) for k in keep}]}
