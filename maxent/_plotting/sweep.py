"""The figure of a sweep's table: mean of one column against another over seed replicates."""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from maxent._sweep.store import read_results
from maxent._sweep.study import PARAMETERS, SPECS
from maxent._util.errors import ValidationError

__all__ = ["column_label", "plot_sweep"]


def plot_sweep(
    data: dict[str, list] | str | os.PathLike,
    x: str = "n",
    y: str = "tv_sampled_mean",
    hue: str | None = None,
    where: dict[str, Any] | None = None,
    *,
    ax=None,
    logx: bool | None = None,
    logy: bool | None = None,
    title: str | None = None,
    notes: list[str] | None = None,
) -> dict[Any, Any]:
    """Mean of ``y`` against ``x`` over the seed replicates, one line per ``hue`` value.

    Parameters
    ----------
    data : dict of lists, or path
        The table's columns (:func:`read_results`), or a results directory or Parquet file.
    x, y : str
        Columns on the axes.
    hue : str, optional
        Column that splits the rows into lines, one colour each.
    where : dict, optional
        Keep only rows whose column equals the value (compared as numbers when both read
        as numbers), e.g. ``{"classes": 4}``.
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).
    logx, logy : bool, optional
        Logarithmic axes (default: logarithmic for ``n``, and where the values are
        positive and span more than one decade).
    title : str, optional
        Axes title (default: ``y`` in words; ``""`` for none).
    notes : list, optional
        Gets a line for what was left out (rows with no value of ``x`` or ``y``).

    Returns
    -------
    dict
        The ``ErrorbarContainer`` of each hue value (key ``None`` without ``hue``), and
        the legend under ``"legend"`` when there is one.

    Notes
    -----
    Failed rows are left out, and so are rows where ``x`` or ``y`` has no finite value
    (NaN, infinite or empty: ``notes`` says how many); when no row is left that is an
    error, not an empty figure. Each point is the mean over the rows at one ``x`` and
    ``hue`` (the seed replicates); error bars are the standard error of that mean (the
    standard deviation over seeds divided by the square root of their number). Rows of a
    point must agree on every other parameter (use ``where`` to pick one), so that
    different problems are never averaged together. Known columns get readable axis
    labels (``tv_sampled_mean``: "TV distance of the sampled mean"); see
    :func:`column_label`.
    """
    columns = data if isinstance(data, dict) else read_results(data)
    for name in (x, y, hue, *(where or {})):
        if name is not None and name not in columns:
            raise ValidationError("column", f"no column {name!r}; available: {', '.join(columns)}")
    n_rows = len(columns[x])
    status = columns.get("status", ["ok"] * n_rows)
    keep = [i for i in range(n_rows) if status[i] == "ok"]
    for key, value in (where or {}).items():
        keep = [i for i in keep if _same(columns[key][i], value)]
    if not keep:
        raise ValidationError("where", "no rows with status ok are left to plot")
    order = ("classes", "n", *SPECS, "samples", "method", "statistics", "energies")
    if not all(_is_num(columns[y][i]) or columns[y][i] is None for i in keep):
        raise ValidationError("column", f"column {y!r} is not numeric; pick a number column")
    for param, name in dict.fromkeys((("x", x), ("y", y))):
        gone = {i for i in keep if _missing(columns[name][i])}
        if len(gone) == len(keep):
            raise ValidationError(
                param,
                f"column {name!r} has no finite value (NaN, infinite or empty) in any of the "
                f"{len(keep)} rows left to plot: nothing to draw",
            )
        if gone:
            if notes is not None:
                notes.append(
                    f"{len(gone)} of {len(keep)} rows have no finite value of {name!r} "
                    "(NaN, infinite or empty) and are left out"
                )
            keep = [i for i in keep if i not in gone]
    others = [c for c in dict.fromkeys((*order, *PARAMETERS)) if c in columns and c not in (x, hue)]
    groups: dict[Any, dict[Any, list[int]]] = {}
    for i in keep:
        h = columns[hue][i] if hue else None
        groups.setdefault(_norm(h), {}).setdefault(_norm(columns[x][i]), []).append(i)
    for by_x in groups.values():
        for rows in by_x.values():
            for c in others:
                vals = {_norm(columns[c][i]) for i in rows}
                if len(vals) > 1:
                    shown = "; ".join(str(v) for v in sorted(vals, key=_sort_key)[:4])
                    raise ValidationError(
                        "where",
                        f"rows at the same {x}{' and ' + hue if hue else ''} differ in {c} "
                        f"({shown}); keep one with --where {c}=VALUE",
                    )
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(layout="constrained")
    from maxent._plotting.style import class_color

    art: dict[Any, Any] = {}
    all_x: list = []
    all_y: list = []
    for j, h in enumerate(sorted(groups, key=_sort_key)):
        xs = sorted(groups[h], key=_sort_key)
        mean, err = [], []
        for xv in xs:
            vals = np.array([columns[y][i] for i in groups[h][xv]], dtype=float)
            vals = vals[np.isfinite(vals)]
            mean.append(vals.mean() if vals.size else np.nan)
            err.append(vals.std(ddof=1) / math.sqrt(vals.size) if vals.size > 1 else 0.0)
        label = y if hue is None else f"{_symbol(hue)} = {h:g}" if _is_num(h) else f"{hue} = {h}"
        art[h] = ax.errorbar(
            xs, mean, yerr=err, fmt="o-", color=class_color(j), capsize=3, label=label
        )
        all_x += xs
        all_y += mean
    for set_scale, vals, want, name in (
        (ax.set_xscale, all_x, logx, x),
        (ax.set_yscale, all_y, logy, y),
    ):
        if want is False or not all(_is_num(a) for a in vals):
            continue
        v = np.array(vals, dtype=float)
        v = v[np.isfinite(v)]  # points with no finite value are not drawn
        positive = bool(v.size) and bool((v > 0).all())
        if want and not positive:
            raise ValidationError(
                "logx" if name == x else "logy", f"column {name!r} has values <= 0"
            )
        if want or (positive and (name == "n" or v.max() / v.min() > 10)):
            set_scale("log")
    ax.set_xlabel(column_label(x))
    ax.set_ylabel(_short(y) + " (mean ± s.e. over seeds)")
    if title is None:
        title = column_label(y)
    if title:
        ax.set_title(title)
    if hue:
        art["legend"] = ax.legend(loc="best", title=column_label(hue))
    return art


_NAMES = {
    "n": "number of items $N$",
    "classes": "number of classes $K$",
    "temperature": "temperature $T$",
    "beta": r"inverse temperature $\beta$",
    "mean_energy": "mean energy $U/N$",
    "samples": "draws per task",
    "fitted_beta": r"fitted $\beta$",
    "fitted_beta_err": r"standard error of the fitted $\beta$",
    "ks_pvalue": "p-value of the test of fit",
}
_SYMBOLS = {
    "n": "$N$",
    "classes": "$K$",
    "temperature": "$T$",
    "beta": r"$\beta$",
    "mean_energy": "$U/N$",
}
_QUANTITY = {"tv_": "TV distance", "kl_": "KL divergence", "max_abs_": "largest error"}
_OF = {
    "optimum": "of the exact optimum",
    "stirling": "of the Stirling optimum",
    "mode": "of the most probable allocation",
    "exact_mean": "of the exact mean",
    "sampled_mean": "of the sampled mean",
    "pooled_mean": "of the pooled mean",
    "single_draw": "of a single draw",
}


def column_label(column: str) -> str:
    """A readable axis label for a sweep column (the column name when unknown).

    Examples
    --------
    >>> column_label("tv_sampled_mean")
    'TV distance of the sampled mean'
    >>> column_label("my_column")
    'my_column'
    """
    if column in _NAMES:
        return _NAMES[column]
    for prefix, quantity in _QUANTITY.items():
        rest = column[len(prefix) :]
        if column.startswith(prefix) and rest in _OF:
            return f"{quantity} {_OF[rest]}"
    if column.startswith("time_"):
        return f"time: {column[5:].replace('_', ' ')} (s)"
    return column


def _short(column: str) -> str:
    """The quantity of a result column without its estimate (the title names that)."""
    label = column_label(column)
    for quantity in _QUANTITY.values():
        if label.startswith(quantity + " of "):
            return quantity
    return label


def _symbol(column: str) -> str:
    return _SYMBOLS.get(column, column)


def _is_num(v) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def _missing(v) -> bool:
    """A cell with no finite number in it: empty (None), NaN or infinite."""
    return v is None or (_is_num(v) and not math.isfinite(float(v)))


def _norm(v):
    """Hashable, comparable form of a cell (NaN is equal to NaN here)."""
    if _is_num(v):
        v = float(v)
        return "nan" if math.isnan(v) else (int(v) if v.is_integer() else v)
    return v


def _same(a, b) -> bool:
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return str(a) == str(b)


def _sort_key(v):
    return (0, float(v), "") if _is_num(v) else (1, 0.0, str(v))
