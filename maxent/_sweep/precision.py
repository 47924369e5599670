"""Adaptive precision of a sweep: more seed replicates until the slopes in N are precise.

With ``[study] target_stderr`` the sweep fits, for every group of tasks that differ only
in N and the seed replicate (one problem over all its N), the log-log slope in N of the
mean over replicates of each ``target_columns`` result, and doubles the replicates of
the groups whose slopes have a standard error above the target, up to ``max_seeds``.
The policy (doubling, the cap, "reached") is the one of ``maxent converge
--target-stderr`` (:func:`~maxent._compare.converge.next_seed_count`). Seeds are keyed
by the task's parameters, so the added replicates are just more tasks: the replicates
already run are kept, and the grown table equals a fresh run of the grown grid.
"""

from __future__ import annotations

import json
import math

from maxent._sweep.study import Study, group_id

__all__ = ["grow_seeds", "precision_summary"]


def _groups(study: Study, tasks: list[dict], rows: dict) -> dict[str, dict]:
    """Per group: a task of it, its replicates, and each target column's slope stderr."""
    import numpy as np

    from maxent._compare.converge import fit_slope

    groups: dict[str, dict] = {}
    for t in tasks:
        g = groups.setdefault(group_id(t), {"task": t, "seeds": 0, "values": {}})
        g["seeds"] = max(g["seeds"], t["seed_index"] + 1)
        row = rows.get(t["task_id"])
        if row is None or row.get("status") != "ok":
            continue  # a failed replicate adds nothing to the mean
        for column in study.target_columns:
            v = row.get(column)
            if isinstance(v, (int, float)) and math.isfinite(v):
                g["values"].setdefault(column, {}).setdefault(t["n"], []).append(float(v))
    for g in groups.values():
        g["stderr"] = {}
        for column in study.target_columns:
            by_n = g["values"].get(column, {})
            ns = sorted(by_n)
            means = [float(np.mean(by_n[n])) for n in ns]
            g["stderr"][column] = fit_slope(ns, means)[1] if len(ns) >= 2 else math.nan
    return groups


def _reached(g: dict, target: float) -> bool:
    from maxent._compare.converge import slopes_reached

    return slopes_reached(g["stderr"].values(), target)


def grow_seeds(study: Study, tasks: list[dict], rows: dict) -> dict[str, int] | None:
    """Seed replicates per group for the next round, or None when no group grows.

    Parameters
    ----------
    study : Study
        With ``target_stderr`` set.
    tasks : list of dict
        The tasks of this round (``study.expand(...)``).
    rows : dict
        Task id to the row of every finished task.

    Returns
    -------
    dict or None
        ``group_id`` to the replicates of the next round (for
        :meth:`Study.expand`), or None when every group has reached the target or the
        cap.
    """
    from maxent._compare.converge import next_seed_count

    counts, grew = {}, False
    for gid, g in _groups(study, tasks, rows).items():
        counts[gid] = g["seeds"]
        if not _reached(g, study.target_stderr) and g["seeds"] < study.max_seeds:
            counts[gid] = next_seed_count(g["seeds"], study.max_seeds)
            grew = True
    return counts if grew else None


def precision_summary(study: Study, tasks: list[dict], rows: dict) -> list[dict]:
    """What each group reached: its parameters, replicates, ``reached`` and stderrs.

    Returns
    -------
    list of dict
        One per group, in grid order: ``parameters`` (the task key without ``n`` and
        ``seed_index``), ``seeds``, ``reached`` and ``stderr`` (per target column;
        ``None`` where a slope has no standard error, fewer than 3 usable N).
    """
    out = []
    for gid, g in _groups(study, tasks, rows).items():
        out.append(
            {
                "parameters": json.loads(gid),
                "seeds": g["seeds"],
                "reached": _reached(g, study.target_stderr),
                "stderr": {c: (v if math.isfinite(v) else None) for c, v in g["stderr"].items()},
            }
        )
    return out
