"""Sweep storage: one JSON file per finished task, named by its id; a Parquet table."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

from maxent._sweep.study import SETTINGS, STATUS_COLUMNS, Study, task_digest, task_key
from maxent._sweep.task import row_from_json, table_row
from maxent._util.errors import ValidationError
from maxent._util.io import atomic_path

__all__ = ["assemble", "read_results", "read_rows"]

# ---------------------------------------------------------------------------------------
# Storage: one JSON file per finished task (tasks/ID.json), then one Parquet table.


def write_atomic(path: Path, text: str) -> None:
    """Write a file so that it appears whole or not at all (renamed into place)."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def task_file(out: Path, task_id: str) -> Path:
    return out / "tasks" / f"{task_id}.json"


def task_files(out: str | os.PathLike) -> list[Path]:
    """The finished task files of a results directory, by name (never a temporary one).

    ``Path.glob`` matches hidden names too, so the ``.tmp-*`` file of a write that was
    interrupted must be left out by name.
    """
    return sorted(p for p in (Path(out) / "tasks").glob("*.json") if not p.name.startswith("."))


def open_out(out: Path, resume: bool) -> dict[str, dict]:
    """Check the results directory (writing nothing); return its finished rows by task id.

    An empty or missing directory has none. A non-empty one needs ``resume``, must be a
    sweep's results directory of this version (older ones numbered and seeded their
    tasks by position, so their results are not this version's: refused, with a
    one-line reason), and every task file must be whole and named by its parameters.
    The study in it may differ from the one to run: :func:`reusable` decides what is
    reused.
    """
    if out.exists() and not out.is_dir():
        raise ValidationError("out", f"{out} is a file, not a directory")
    if not out.exists() or not any(out.iterdir()):
        return {}
    if not resume:
        raise ValidationError(
            "out",
            f"{out} is not empty; give --resume to continue the sweep there, or a new --out",
        )
    if not (out / "study.toml").is_file():
        raise ValidationError(
            "resume", f"{out} is not a sweep's results directory (no study.toml in it)"
        )
    if next((out / "tasks").glob("task-*.json"), None) is not None:
        raise ValidationError(
            "resume",
            f"{out} was written by an older maxent, which numbered and seeded tasks by "
            "their place in the grid, so its results are not reproducible by this version "
            "(tasks keyed by their parameters); run the study into a new --out",
        )
    rows = {}
    for row, path in _stored(out):
        if row.get("task_id") != path.stem or task_digest(row)[:16] != path.stem:
            raise ValidationError(
                "resume",
                f"{path} is not a task file of maxent sweep (its id and its "
                "parameters do not match); move it out of the directory",
            )
        rows[path.stem] = row
    return rows


def _stored(out: Path):
    for path in task_files(out):
        try:
            yield row_from_json(path.read_text()), path
        except (ValueError, OSError) as exc:
            raise ValidationError("resume", f"{path} cannot be read ({exc})") from None


def reusable(tasks: list[dict], stored: dict[str, dict], out: Path) -> set[str]:
    """Ids of the tasks whose finished ``ok`` row in ``stored`` can stand as it is.

    A stored row with the same parameters but another setting of the study
    (``SETTINGS``: seed, statistics, method, samples) is a real conflict: it would be
    another number under the same name, so this refuses, naming the setting. Failed
    rows run again; rows of tasks not in ``tasks`` are left alone (and out of the table).
    """
    ok, clashes = set(), {}
    for task in tasks:
        row = stored.get(task["task_id"])
        if row is None or row.get("status") != "ok":
            continue
        bad = next((k for k in SETTINGS if row.get(k) != task[k]), None)
        if bad is None:
            ok.add(task["task_id"])
        else:
            clashes.setdefault(bad, [0, task, row])[0] += 1
    if clashes:
        key = next(k for k in SETTINGS if k in clashes)
        count, task, row = clashes[key]
        name = SETTINGS[key]
        mine, theirs = json.dumps(task[key]), json.dumps(row[key])
        raise ValidationError(
            "resume",
            f"[study] {name} is {mine} in this study but {theirs} in {count} finished "
            f"task{'s' if count > 1 else ''} of {out} with the same parameters (e.g. "
            f"{describe(task)}); set {name} = {theirs} to grow that study, or give a new --out",
        )
    return ok


def describe(task: dict) -> str:
    """A task's parameters in words, for messages (long energy lists left out)."""
    key = task_key(task)
    parts = [
        f"{k} = {json.dumps(v)}" if k != "seed_index" else f"seed replicate {v}"
        for k, v in key.items()
        if not (k in ("energies", "degeneracies") and len(v) > 6)
    ]
    return ", ".join(parts)


def create_out(study: Study, out: Path) -> None:
    """Make the results directory with a copy of the study; drop half-written files.

    A resumed directory gets the study file that now describes it; the one before is
    kept as ``studies/SHA.toml`` (16 hex digits of its SHA-256), with its tasks.
    """
    import hashlib

    (out / "tasks").mkdir(parents=True, exist_ok=True)
    marker = out / "study.toml"
    if marker.is_file():
        old = marker.read_bytes()
        if old != study.text.encode():
            keep = out / "studies" / f"{hashlib.sha256(old).hexdigest()[:16]}.toml"
            keep.parent.mkdir(exist_ok=True)
            if not keep.exists():
                with atomic_path(keep) as tmp:
                    tmp.write_bytes(old)
            write_atomic(marker, study.text)
    else:
        write_atomic(marker, study.text)
    for stale in (out / "tasks").glob(".tmp-*"):
        stale.unlink()  # a half-written result of an interrupted run: never read


def read_rows(out: str | os.PathLike) -> list[dict]:
    """Every task file's row in a results directory, by task id (a study's or not)."""
    return [row for row, _ in _stored(Path(out))]


def arrow():
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ValidationError(
            "extra", "maxent sweep writes Parquet with pyarrow: pip install 'maxent[sweep]'"
        ) from None
    return pa, pq


def assemble(out: str | os.PathLike, tasks: list[dict], rows: dict, quantities) -> Path | None:
    """Write ``results.parquet``, one row per task of ``tasks`` in order (atomically).

    ``rows`` maps task ids to their task files' rows; a task without one is left out
    (none is, after a run that ends normally). Columns: ``task`` (the position in this
    study), ``task_id``, the parameters, ``seed_index``, ``study_seed``, the results in
    the order :func:`run_task` makes them (only the groups in ``quantities``), then
    ``status``, ``error`` and ``attempts``. None when there is no row.
    """
    pa, pq = arrow()
    table_rows = [
        table_row(rows[t["task_id"]], i, quantities)
        for i, t in enumerate(tasks)
        if t["task_id"] in rows
    ]
    if not table_rows:
        return None
    columns: dict[str, None] = {}
    for r in table_rows:
        columns.update(dict.fromkeys(k for k in r if k not in STATUS_COLUMNS))
    columns.update(dict.fromkeys(STATUS_COLUMNS))
    table = pa.table({c: [r.get(c) for r in table_rows] for c in columns})
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
    keep = (
        "maxent",
        "python",
        "platform",
        "backend",
        "study_sha256",
        "started",
        "finished",
        "ran",
        "reused",
        "failed",
    )
    runs = []
    with contextlib.suppress(OSError, ValueError, AttributeError):
        runs = list(json.loads((out / "provenance.json").read_text()).get("runs", []))
    return {**prov, "runs": [*runs, {k: prov.get(k) for k in keep}]}
