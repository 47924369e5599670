"""Figures of temperature scaling: reliability diagrams and the NLL(T) curve."""

from __future__ import annotations

import math

import numpy as np

from maxent._calibrate.fit import CalibrationResult
from maxent._plotting.chapters import SLIDE_16_9
from maxent._plotting.style import COLORS, lecture_style, save_figure

__all__ = ["fig_softmax_in_the_wild", "plot_calibration"]

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


def plot_calibration(result: CalibrationResult, path=None, *, axes=None):
    """Reliability diagram before and after, and the NLL(T) curve with its minimum.

    Parameters
    ----------
    result : CalibrationResult
        From :func:`maxent.calibrate`.
    path : path, optional
        Save the figure there (``.png``, ``.svg`` or ``.pdf``).
    axes : pair of matplotlib Axes, optional
        Draw into these instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    with lecture_style():
        if axes is None:
            fig, axes = plt.subplots(1, 2, figsize=SLIDE_16_9, layout="constrained")
        else:
            fig = axes[0].figure
        _reliability(axes[0], result)
        _nll_curve(axes[1], result)
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
