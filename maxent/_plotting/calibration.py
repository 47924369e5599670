"""Figures of temperature scaling: reliability diagrams and the NLL(T) curve."""

from __future__ import annotations

import math

import numpy as np

from maxent._calibrate.fit import CalibrationResult
from maxent._plotting.chapters import SLIDE_16_9
from maxent._plotting.style import COLORS, lecture_style, save_figure

__all__ = ["fig_softmax_in_the_wild", "plot_calibration", "plot_reliability"]

#: Legend of a panel under it, out of the data (every figure here is a 16:9 slide).
_BELOW = {"loc": "upper center", "bbox_to_anchor": (0.5, -0.2), "ncol": 1}


def _reliability(ax, result: CalibrationResult) -> None:
    width = 1.0 / result.before.bins
    for metrics, label, color, offset in (
        (result.before, "T = 1", COLORS["vermillion"], -0.25),
        (result.after, _t_label(result), COLORS["blue"], 0.25),
    ):
        rel = metrics.reliability
        mids = 0.5 * (rel.edges[:-1] + rel.edges[1:])
        ok = rel.counts > 0
        ax.bar(
            mids[ok] + offset * width,
            rel.accuracy[ok],
            width * 0.45,
            color=color,
            alpha=0.85,
            label=f"{label}: ECE {metrics.ece:.3f}",
        )
    ax.plot([0, 1], [0, 1], color=COLORS["grey"], ls="--", lw=1.6, label="perfect calibration")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xticks([0, 0.5, 1])
    ax.set_xticklabels(["0", "0.5", "1"])
    ax.set_yticks([0.25, 0.5, 0.75, 1])  # no second 0 at the corner
    ax.set_xlabel("confidence")
    ax.set_ylabel("accuracy in the bin")
    ax.set_title(f"reliability, {result.n_eval} {result.evaluated_on} rows")
    ax.legend(**_BELOW)


def _t_label(result: CalibrationResult) -> str:
    if result.bias is not None:
        return f"T* = {result.temperature:.3g} + class bias"
    return f"T* = {result.temperature:.3g}"


def _nll_curve(ax, result: CalibrationResult) -> None:
    b, nll = result.curve_beta, result.curve_nll
    positive = b > 0
    if result.beta > 0 and math.isfinite(result.beta):
        t = 1.0 / b[positive]
        order = np.argsort(t)
        label = "NLL, fitting rows" + ("" if result.bias is None else " (bias fixed)")
        ax.plot(t[order], nll[positive][order], color=COLORS["black"], label=label)
        ax.set_xscale("log")
        ax.axvline(1.0, color=COLORS["vermillion"], ls=":", lw=2, label="T = 1 (raw)")
        ax.plot(
            [result.temperature],
            [result.fit_nll_after],
            "o",
            color=COLORS["blue"],
            ms=11,
            label=f"minimum T* = {result.temperature:.3g}",
        )
        ax.set_xlabel("temperature T")
    else:
        ax.plot(b, nll, color=COLORS["black"], label="NLL, fitting rows")
        ax.set_xscale("symlog" if (b < 0).any() else "log")
        if math.isfinite(result.beta) and result.bias is None:
            ax.plot([result.beta], [result.fit_nll_after], "o", color=COLORS["blue"], ms=11)
        ax.set_xlabel(f"beta = 1/T  (beta = {result.beta:.3g}, {result.status})")
    ax.set_ylabel("mean NLL")
    note = "" if result.curve_rows == result.n_fit else f", {result.curve_rows} rows"
    ax.set_title("NLL(T), convex in 1/T" + note)
    ax.legend(**_BELOW)


def plot_reliability(reliability, ax=None, *, counts_ax=None, color=None, label=None):
    """A reliability diagram with its per-bin Clopper-Pearson bands and counts.

    Each non-empty bin draws a band spanning the bin's width from the lower to the
    upper end of the exact binomial interval of its accuracy, and a point at (mean
    confidence, accuracy) with the same interval as a bar through it (so that a bin too
    narrow to see, as equal-mass bins of saturated confidences are, still shows its
    interval); empty bins draw nothing (their number goes in the title).
    ``counts_ax``, if given, gets the samples per bin as bars on a log scale.

    Parameters
    ----------
    reliability : Reliability
        From :func:`maxent.calibration.reliability` or a result's ``Metrics``.
    ax : matplotlib Axes, optional
        Where to draw (default: the current axes).
    counts_ax : matplotlib Axes, optional
        Where to draw the counts.
    color : str, optional
        Colour of the bands and points.
    label : str, optional
        Legend label of the points.

    Returns
    -------
    dict
        The artists: ``bands`` (list), ``points``, ``bars`` (the intervals through the
        points) and ``counts`` (list, or None).
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    ax = plt.gca() if ax is None else ax
    color = COLORS["blue"] if color is None else color
    rel = reliability
    ok = rel.counts > 0
    lo_e, hi_e = rel.edges[:-1], rel.edges[1:]
    bands = []
    for i in np.flatnonzero(ok):
        patch = Rectangle(
            (lo_e[i], rel.lower[i]),
            hi_e[i] - lo_e[i],
            rel.upper[i] - rel.lower[i],
            facecolor=color,
            alpha=0.25,
            edgecolor="none",
        )
        ax.add_patch(patch)
        bands.append(patch)
    bars = ax.vlines(
        rel.confidence[ok], rel.lower[ok], rel.upper[ok], color=color, lw=1.5, alpha=0.8,
        zorder=2,
    )  # fmt: skip
    (points,) = ax.plot(
        rel.confidence[ok], rel.accuracy[ok], "o", color=color, ms=9, label=label, zorder=3,
        clip_on=False,
    )  # fmt: skip
    ax.plot([0, 1], [0, 1], color=COLORS["grey"], ls="--", lw=1.6, zorder=1)
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.02, 1.02)
    ax.set_yticks([0.25, 0.5, 0.75, 1])
    ax.set_ylabel("accuracy in the bin")
    counts = None
    if counts_ax is not None:
        counts = counts_ax.bar(
            lo_e[ok], rel.counts[ok], hi_e[ok] - lo_e[ok], align="edge", color=color,
            alpha=0.6, edgecolor="white",
        )  # fmt: skip
        counts_ax.set_yscale("log")
        counts_ax.set_ylim(0.5, max(2.0, float(rel.counts.max())) * 3)
        counts_ax.set_xlim(0, 1)
        counts_ax.set_ylabel("rows")
        counts_ax.set_xlabel("confidence")
        counts_ax.set_xticks([0, 0.5, 1])
        counts_ax.set_xticklabels(["0", "0.5", "1"])
        ax.tick_params(labelbottom=False)
    else:
        ax.set_xlabel("confidence")
    return {"bands": bands, "points": points, "bars": bars, "counts": counts}


def _after_label(result: CalibrationResult, short: bool = False) -> str:
    if result.method in ("temperature", "bias"):
        if short:
            return f"T* = {result.temperature:.3g}" + (" + b" if result.bias is not None else "")
        return _t_label(result)
    names = {"vector": "vector scaling", "matrix": "matrix scaling"}
    return result.method if short else names.get(result.method, "Dirichlet calibration")


def _reliability_panel(ax, counts_ax, metrics, title, color) -> None:
    rel = metrics.reliability
    # the calibration error of the diagram's own binning
    name = "ece_adaptive" if rel.binning == "equal-mass" else "ece"
    iv = metrics.intervals.get(name)
    ece_txt = f"ECE {getattr(metrics, name):.3f}" + (f" [{iv[0]:.3f}, {iv[1]:.3f}]" if iv else "")
    plot_reliability(rel, ax, counts_ax=counts_ax, color=color)
    empty = f", {rel.empty} empty" if rel.empty else ""
    ax.set_title(f"{title}: {ece_txt}\n{rel.counts.size} {rel.binning} bins{empty}", fontsize=14)


def _metric_bars(ax, result: CalibrationResult) -> None:
    names = [
        ("NLL", "nll"),
        ("ECE", "ece"),
        ("classwise\nECE", "ece_classwise"),
        ("Brier", "brier"),
    ]
    x = np.arange(len(names))
    for metrics, label, color, dx in (
        (result.before, "T = 1", COLORS["vermillion"], -0.2),
        (result.after, _after_label(result), COLORS["blue"], 0.2),
    ):
        vals = np.array([getattr(metrics, a) for _, a in names])
        shown = np.where(np.isfinite(vals), vals, 0.0)
        err = None
        if metrics.intervals:
            lo = np.array([metrics.intervals.get(a, (np.nan, np.nan))[0] for _, a in names])
            hi = np.array([metrics.intervals.get(a, (np.nan, np.nan))[1] for _, a in names])
            err = np.vstack([np.clip(shown - lo, 0, None), np.clip(hi - shown, 0, None)])
            err = np.where(np.isfinite(err), err, 0.0)
        ax.bar(x + dx, shown, 0.38, color=color, label=label, yerr=err, capsize=4)
    ax.set_xticks(x)
    ax.set_xticklabels([n for n, _ in names])
    ax.set_title(f"{result.n_eval} {result.evaluated_on} rows", fontsize=16)
    ax.legend(**_BELOW)


def plot_calibration(result: CalibrationResult, path=None, *, axes=None):
    """Reliability diagrams before and after, with bands and counts, and the NLL(T) curve.

    The diagrams have per-bin Clopper-Pearson bands of the accuracy and the rows per bin
    (log scale) under them. The third panel is the NLL(T) curve with its minimum for
    temperature scaling (with or without class biases), and the test metrics before and
    after (with their bootstrap intervals, if any) for the larger maps.

    Parameters
    ----------
    result : CalibrationResult
        From :func:`maxent.calibrate`.
    path : path, optional
        Save the figure there (``.png``, ``.svg`` or ``.pdf``).
    axes : sequence of 5 matplotlib Axes, optional
        Draw into these (reliability before, its counts, after, its counts, third panel)
        instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    with lecture_style():
        if axes is None:
            fig = plt.figure(figsize=SLIDE_16_9, layout="constrained")
            grid = fig.add_gridspec(2, 3, height_ratios=(3, 1), width_ratios=(1, 1, 1.15))
            rb = fig.add_subplot(grid[0, 0])
            cb = fig.add_subplot(grid[1, 0], sharex=rb)
            ra = fig.add_subplot(grid[0, 1], sharey=rb)
            ca = fig.add_subplot(grid[1, 1], sharex=ra, sharey=cb)
            third = fig.add_subplot(grid[:, 2])
        else:
            rb, cb, ra, ca, third = axes
            fig = rb.figure
        _reliability_panel(rb, cb, result.before, "T = 1", COLORS["vermillion"])
        after = _after_label(result, True)
        if result.status != "converged":  # a limit or an iterate, not a minimum: say so
            after += f" ({result.status})"
        _reliability_panel(ra, ca, result.after, after, COLORS["blue"])
        ra.set_ylabel("")
        ca.set_ylabel("")
        if result.method in ("temperature", "bias"):
            _nll_curve(third, result)
        else:
            _metric_bars(third, result)
        if path is not None:
            save_figure(fig, path)
    return fig


def fig_softmax_in_the_wild(seed: int = 0):
    """Temperature scaling of a small network on scikit-learn's digits (needs scikit-learn)."""
    import matplotlib.pyplot as plt

    from maxent._calibrate.demo import digits_demo

    demo = digits_demo(seed=seed)
    res = demo.calibration
    fig, axes = plt.subplots(
        1, 3, figsize=SLIDE_16_9, layout="constrained", width_ratios=(1, 1, 1.3)
    )
    _reliability(axes[0], res)
    _nll_curve(axes[1], res)
    ax = axes[2]
    names = ["ratio, row-min shift", "ratio, global shift", "softmax T = 1", "softmax T = T*"]
    short = ["ratio\nrow", "ratio\nglobal", "softmax\nT = 1", "softmax\nT*"]
    rows = dict(demo.normalisation.rows)
    x = np.arange(len(names))
    nll = np.array([rows[n].nll for n in names])
    ece = [rows[n].ece for n in names]
    finite = nll[np.isfinite(nll)]
    top = 1.3 * max(float(finite.max()) if finite.size else 1.0, max(ece), 0.5)
    shown = np.where(np.isfinite(nll), nll, 0.92 * top)  # an infinite NLL: a full bar
    ax.bar(x - 0.2, shown, 0.38, color=COLORS["sky"], label="test NLL")
    ax.bar(x + 0.2, ece, 0.38, color=COLORS["orange"], label="test ECE")
    for xi, v, h in zip(x, nll, shown, strict=True):
        text = f"{v:.2f}" if np.isfinite(v) else "inf"
        ax.text(xi - 0.2, h + 0.01 * top, text, ha="center", va="bottom", fontsize=14)
    ax.set_xticks(x)
    ax.set_xticklabels(short)
    ax.set_ylim(0, top)
    acc = rows["softmax T = 1"].accuracy
    ax.set_title(f"same logits, accuracy {acc:.1%}")
    ax.legend(**_BELOW)
    return fig
