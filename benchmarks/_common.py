"""Shared helpers for the benchmark scripts: timing and reporting."""

from __future__ import annotations

import json
import platform
import time

import numpy as np


def best_time(fn, repeat=5, min_time=0.0):
    """Best wall time of ``repeat`` calls (after one warm-up call), and the last result."""
    out = fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
        if min_time and sum(times) > min_time:
            break
    return min(times), out


def machine():
    import os

    cpu = platform.processor() or platform.machine()
    return f"{cpu}, {os.cpu_count()} cores, numpy {np.__version__}"


def report(title, columns, rows, json_path=None):
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for c in columns:
        table.add_column(c, justify="right")
    for r in rows:
        table.add_row(*[_fmt(x) for x in r])
    Console(width=250).print(table)
    if json_path:
        with open(json_path, "w") as fh:
            json.dump(
                {"title": title, "machine": machine(), "columns": columns, "rows": rows},
                fh,
                indent=1,
                default=str,
            )


def _fmt(x):
    if isinstance(x, float):
        if x != x:
            return "-"
        return f"{x:.3g}"
    return str(x)
