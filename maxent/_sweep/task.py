"""One task of a sweep: a problem, a seed replicate and one call to compare()."""

from __future__ import annotations

import json
import math
import time
from typing import Any

import numpy as np

from maxent._sweep.study import (
    DISTANCES,
    PARAMETERS,
    SPECS,
    STATUS_COLUMNS,
    canonical_real,
    error_message,
    task_digest,
    task_problem,
)

__all__ = ["row_from_json", "row_to_json", "run_task", "table_row", "task_row", "task_seed"]

# ---------------------------------------------------------------------------------------
# One task.


def task_seed(task: dict) -> np.random.SeedSequence:
    """The task's seed: ``SeedSequence([study_seed, int(task_digest(task), 16)])``.

    A function of the task's parameters and the study seed only, not of its place in
    the grid: the same task gets the same seed in every study that contains it.
    """
    return np.random.SeedSequence([int(task["study_seed"]), int(task_digest(task), 16)])


def run_task(task: dict) -> dict[str, Any]:
    """Run one task: build its problem, compare with the large-N limit, flatten a row.

    A pure function of ``task`` (its seed is :func:`task_seed`), on one numba thread so
    that parallel workers do not oversubscribe the cores. Raises whatever the problem or
    the comparison raises (the sweep records it).
    """
    from maxent._compare.compare import compare

    t0 = time.perf_counter()
    problem = task_problem(task)
    cmp = compare(problem, task["samples"], task["method"], seed=task_seed(task), threads=1)
    row: dict[str, Any] = {
        "mean_energy_effective": float(problem.mean_energy),
        "beta_limit": float(problem.beta),
        "method_used": cmp.sample.method,
        "exact_mean_how": cmp.exact_mean_method,
    }
    for metric in ("tv", "kl", "max_abs"):
        for key in DISTANCES:
            if key == "single_draw" and metric == "kl":
                continue  # the table keeps its columns: TV and max |diff| for single draws
            d = cmp.distances.get(key)
            row[f"{metric}_{key}"] = math.nan if d is None else float(getattr(d, metric))
    fb = cmp.fitted_beta
    row.update({"fitted_beta": float(fb.beta), "fitted_beta_err": float(fb.stderr)})
    conc = cmp.concentration
    row.update(
        {
            "concentration_dof": int(conc.dof),
            "concentration_mean": float(conc.mean),
            "concentration_ks": float(conc.ks_statistic),
            "ks_pvalue": float(conc.ks_pvalue),
        }
    )
    row.update(
        {
            "time_sampling": float(cmp.sample.timings["sampling"]),
            "time_total": time.perf_counter() - t0,
        }
    )
    return row


def run_guarded(task: dict) -> tuple[str, Any]:
    """Run a task, returning ("ok", row) or ("error", message): exceptions are data here."""
    try:
        return "ok", run_task(task)
    except Exception as exc:  # recorded with the task, never dropped
        return "error", error_message(exc)


_KEEP = {
    "tv": lambda c: c.startswith("tv_"),
    "kl": lambda c: c.startswith("kl_"),
    "max_abs": lambda c: c.startswith("max_abs_"),
    "fitted_beta": lambda c: c.startswith("fitted_beta"),
    "concentration": lambda c: c.startswith("concentration") or c == "ks_pvalue",
    "timings": lambda c: c.startswith("time_"),
}


def task_row(task: dict, result: dict | None, status: str, error, attempts) -> dict:
    """The row a task file keeps: its id, its parameters exactly, every result, its status.

    Numbers stay numbers (energies as lists), so that the task's key, and so its id,
    can be computed again from the file; :func:`table_row` makes the table's row.
    """
    row: dict[str, Any] = {"task_id": task["task_id"]}
    for key in PARAMETERS:
        row[key] = task.get(key)
    row.update({"seed_index": task["seed_index"], "study_seed": task["study_seed"]})
    row.update(result or {})
    row.update({"status": status, "error": error, "attempts": attempts})
    return row


def table_row(row: dict, position: int, quantities) -> dict:
    """A task file's row as the table shows it: its position first, lists as text.

    ``energies`` and ``degeneracies`` become ``"0,1,2.5"`` (exact: each number as
    :func:`~maxent._sweep.study.canonical_real` writes it), ``constraints`` one
    ``;``-separated string, unused energy specifications NaN, and only the result
    groups in ``quantities`` are kept.
    """
    out: dict[str, Any] = {"task": position}
    for key, value in row.items():
        if key in ("energies", "degeneracies") and value is not None:
            value = ",".join(str(canonical_real(v)) for v in value)
        elif key == "constraints":
            value = ";".join(value) if value else None
        elif key in SPECS and value is None:
            value = math.nan
        else:
            group = next((q for q, keep in _KEEP.items() if keep(key)), None)
            if group is not None and group not in quantities:
                continue
        out[key] = value
    return out


_ROW_KEYS = {"task_id", "seed_index", "study_seed", *PARAMETERS, *STATUS_COLUMNS}


def row_to_json(row: dict) -> str:
    """A task file's text: strict JSON, a NaN result as null and infinities as strings.

    The parameters are finite (the study's key refuses NaN), so only results change;
    :func:`row_from_json` reads the row back as it was.
    """

    def strict(v):
        if isinstance(v, (list, tuple)):
            return [strict(x) for x in v]
        if isinstance(v, float) and not math.isfinite(v):
            return None if math.isnan(v) else ("inf" if v > 0 else "-inf")
        return v

    return json.dumps({k: strict(v) for k, v in row.items()}, allow_nan=False)


def row_from_json(text: str) -> dict:
    """The row :func:`row_to_json` wrote (null results NaN again, ``"inf"`` a float)."""

    def back(v):
        if isinstance(v, list):
            return [back(x) for x in v]
        if v is None:
            return math.nan
        if v in ("inf", "-inf"):
            return float(v)
        return v

    row = json.loads(text)
    return {k: (v if k in _ROW_KEYS else back(v)) for k, v in row.items()}
