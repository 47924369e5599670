"""One task of a sweep: a problem, a seed replicate and one call to compare()."""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from maxent._sweep.study import DISTANCES, PARAMETERS, SPECS, error_message, task_problem

__all__ = ["run_task", "task_row", "task_seed"]

# ---------------------------------------------------------------------------------------
# One task.


def task_seed(task: dict) -> np.random.SeedSequence:
    """The task's seed: child ``task`` of ``SeedSequence(study_seed).spawn``."""
    return np.random.SeedSequence(task["study_seed"], spawn_key=(task["task"],))


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


def task_row(task: dict, result: dict | None, quantities, status: str, error, attempts: int):
    """One tidy row: the task's parameters, its results (filtered), its status."""
    row: dict[str, Any] = {"task": task["task"]}
    for key in PARAMETERS:
        value = task.get(key)
        if key in ("energies", "degeneracies") and value is not None:
            value = ",".join(f"{v:g}" for v in value)
        elif key == "constraints":
            value = ";".join(value) if value else None
        elif key in SPECS and value is None:
            value = math.nan
        row[key] = value
    row.update({"seed_index": task["seed_index"], "study_seed": task["study_seed"]})
    for key, value in (result or {}).items():
        group = next((q for q, keep in _KEEP.items() if keep(key)), None)
        if group is None or group in quantities:
            row[key] = value
    row.update({"status": status, "error": error, "attempts": attempts})
    return row
