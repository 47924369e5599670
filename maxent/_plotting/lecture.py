"""The lecture gallery: "why softmax", told with the package's own computations.

Each figure answers a question students ask about softmax (why exp and not a plain
ratio, what temperature does, why the counting argument gives exp, ...). Every figure has
its own function, which takes its parameters as keywords and returns the figure;
:func:`lecture` writes them all (or a selection), numbered, with an index of titles and
captions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.special import gammaln

from maxent._model.theory import beta_from_mean, boltzmann
from maxent._plotting.chapters import CHAPTER_FIGURES, SLIDE_16_9
from maxent._plotting.style import COLORS, ROLE, class_color, lecture_style, save_figure
from maxent._util.errors import ValidationError

__all__ = ["FIGURES", "LectureFigure", "lecture", "lecture_figure", "softmax"]


def softmax(logits, temperature: float = 1.0) -> np.ndarray:
    """``softmax(z / T)``, computed as the Boltzmann law of energies ``-z`` at ``beta = 1/T``."""
    z = np.asarray(logits, dtype=np.float64)
    return boltzmann(-z, 1.0 / temperature)


def _ratio(z) -> np.ndarray:
    z = np.asarray(z, dtype=np.float64)
    s = z.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        return z / s


def _logits(logits, minimum=2) -> np.ndarray:
    from maxent._util.validate import as_energies

    z = as_energies(logits, "logits", min_size=minimum)
    if z.size > 12:
        raise ValidationError("logits", f"at most 12 values make a readable figure (got {z.size})")
    return z


def _subplots(ncols, width=6.2, height=5.4, nrows=1):
    """A 16:9 slide (13.33 x 7.5 in) of ``nrows x ncols`` panels (``width``, ``height``: unused)."""
    import matplotlib.pyplot as plt

    return plt.subplots(nrows, ncols, figsize=SLIDE_16_9, layout="constrained", squeeze=False)


def _bars(ax, groups, labels, values, colors, ylabel):
    """Grouped bars: ``values[g][i]`` for group g (x tick) and series i."""
    n_series = len(labels)
    width = 0.8 / n_series
    x = np.arange(len(groups))
    for i, lab in enumerate(labels):
        ax.bar(
            x + (i - (n_series - 1) / 2) * width,
            [v[i] for v in values],
            width * 0.95,
            color=colors[i],
            label=lab,
        )
    ax.set_xticks(x)
    ax.set_xticklabels(groups)
    ax.set_ylabel(ylabel)


# --- 1. softmax versus plain ratio ----------------------------------------------------------


def fig_softmax_vs_ratio(
    logits=(1.0, 2.0), scale: float = 10.0, shift: float = 100.0, negative=(-1.0, 2.0)
):
    """Scale invariance of the ratio against shift invariance of softmax; negative inputs."""
    z = _logits(logits)
    zneg = _logits(negative)
    fig, axes = _subplots(3)
    pair = [COLORS["grey"], COLORS["blue"]]

    def label(v):
        return "(" + ", ".join(f"{x:.4g}" for x in v) + ")"

    ax = axes[0, 0]
    vals = [[_ratio(z)[-1], softmax(z)[-1]], [_ratio(scale * z)[-1], softmax(scale * z)[-1]]]
    _bars(
        ax,
        [label(z), label(scale * z)],
        [r"ratio $z_k / \sum z$", "softmax"],
        vals,
        pair,
        "probability of the last class",
    )
    ax.set_xlabel("logits z")
    ax.set_title(f"scale the logits by {scale:g}")
    ax.set_ylim(0, 1.3)
    ax.legend(loc="upper left")
    ax = axes[0, 1]
    vals = [[_ratio(z)[-1], softmax(z)[-1]], [_ratio(z + shift)[-1], softmax(z + shift)[-1]]]
    _bars(
        ax,
        [label(z), label(z + shift)],
        ["ratio", "softmax"],
        vals,
        pair,
        "probability of the last class",
    )
    ax.set_xlabel("logits z")
    ax.set_title(f"shift the logits by {shift:g}")
    ax.set_ylim(0, 1.3)
    ax = axes[0, 2]
    r, s = _ratio(zneg), softmax(zneg)
    x = np.arange(zneg.size)
    ax.bar(x - 0.2, np.where(np.isfinite(r), r, 0.0), 0.38, color=pair[0], label="ratio")
    ax.bar(x + 0.2, s, 0.38, color=pair[1], label="softmax")
    ax.axhline(0, color="black", lw=1)
    ax.axhline(1, color=COLORS["grey"], lw=1.5, ls=":")
    ax.set_xticks(x)
    ax.set_xticklabels([f"$z = {v:.3g}$" for v in zneg])
    ax.set_ylabel("'probability' of each class")
    note = (
        "sum is 0:\ndivision by zero"
        if not np.all(np.isfinite(r))
        else ("negative,\nand above 1" if (r < 0).any() else "")
    )
    ax.set_title(f"negative logits {label(zneg)}")
    lo = min(0.0, float(np.nanmin(np.where(np.isfinite(r), r, 0.0))))
    hi = max(1.0, float(np.nanmax(np.where(np.isfinite(r), r, 0.0))))
    ax.set_ylim(lo - 0.1 * (hi - lo), hi + 0.45 * (hi - lo))
    if note:
        ax.annotate(
            f"ratio: {note}",
            (0.97, 0.97),
            xycoords="axes fraction",
            ha="right",
            va="top",
            color=COLORS["vermillion"],
        )
    ax.legend(loc="upper left")
    return fig


# --- 2. temperature -------------------------------------------------------------------------


def fig_temperature(logits=(1.0, 2.0, 3.0, 0.5), t_min: float = 0.05, t_max: float = 20.0):
    """softmax(z / T) from T = 0.05 (argmax) to T = 20 (uniform), and the sigmoid."""
    z = _logits(logits)
    if not 0 < t_min < t_max:
        raise ValidationError("t_min", "need 0 < t_min < t_max")
    fig, axes = _subplots(3)
    ts = np.geomspace(t_min, t_max, 300)
    probs = np.array([softmax(z, t) for t in ts])
    names = [f"class {k + 1}: $z = {z[k]:g}$" for k in range(z.size)]
    ax = axes[0, 0]
    for k in range(z.size):
        ax.plot(ts, probs[:, k], color=class_color(k), label=names[k])
    ax.axhline(1 / z.size, color=COLORS["grey"], ls=":", lw=1.5)
    ax.annotate(
        f"1/K = {1 / z.size:.2g}",
        (t_min, 1 / z.size),
        xytext=(4, 4),
        textcoords="offset points",
        ha="left",
        va="bottom",
        color=COLORS["grey"],
    )
    ax.set_xscale("log")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("temperature $T$")
    ax.set_ylabel(r"softmax$(z/T)_k$")
    ax.set_title("$T \\to 0$: argmax\n$T \\to \\infty$: uniform")
    ax = axes[0, 1]
    picks = [t for t in (t_min, 0.5, 1.0, 5.0, t_max) if t_min <= t <= t_max]
    vals = np.array([softmax(z, t) for t in picks])
    x = np.arange(len(picks))
    w = 0.8 / z.size
    for k in range(z.size):
        ax.bar(
            x + (k - (z.size - 1) / 2) * w,
            vals[:, k],
            w * 0.95,
            color=class_color(k),
            label=names[k],
        )
    ax.set_xticks(x)
    ax.set_xticklabels([f"{t:g}" for t in picks])
    ax.set_xlabel("temperature $T$")
    ax.set_ylabel("probability of each class")
    ax.set_ylim(0, 1.02)
    ax.set_title("five temperatures\n(colours: classes)")
    ax = axes[0, 2]
    gap = np.linspace(-8, 8, 200)
    p1 = np.array([softmax([g, 0.0])[0] for g in gap])
    ax.plot(gap, p1, color=class_color(0), lw=6, alpha=0.5, label=r"softmax$(d, 0)_1$")
    ax.plot(
        gap, 1 / (1 + np.exp(-gap)), "--", color=COLORS["black"], label=r"sigmoid $1/(1+e^{-d})$"
    )
    ax.set_xlabel(r"logit difference $d = z_1 - z_2$")
    ax.set_ylabel("probability of class 1")
    ax.set_ylim(0, 1.3)
    ax.set_title("two classes:\nsoftmax is the sigmoid")
    ax.legend(loc="upper left")
    fig.legend(
        handles=axes[0, 0].get_lines()[: z.size],
        loc="outside lower center",
        ncol=min(z.size, 4),
    )
    return fig


# --- 3. the counting argument on the simplex --------------------------------------------------


def _ternary(f):
    f = np.asarray(f, dtype=np.float64)
    return f[..., 1] + 0.5 * f[..., 2], (math.sqrt(3) / 2) * f[..., 2]


def fig_counting_simplex(
    energies=(0.0, 1.0, 2.0),
    mean_energy: float | None = None,
    n_values=(10, 100, 10000),
    samples: int = 400,
    seed=2026,
):
    """Allocations of K = 3 classes on the simplex, coloured by ln W per item, as N grows.

    The colour is ``(ln W - ln W_B) / N``, ln W relative to its value at the Boltzmann
    point per item (the same readable scale at every N): W grows towards the uniform
    allocation, and the fixed-energy line (white) meets the highest contour of W it can
    reach (black, ln W = ln W_B) at the Boltzmann point (ring), where the line is tangent
    to it: the Lagrange condition, drawn. The dashed contour ``ln W = ln W_B - 3`` (W
    twenty times smaller than at the ring) closes in on the ring as N grows, and the exact
    draws (yellow, area proportional to how often each allocation was drawn) with it.
    """
    import matplotlib.tri as mtri
    from matplotlib import patheffects
    from matplotlib.lines import Line2D

    from maxent._model.problem import Problem
    from maxent._sampling.api import sample
    from maxent._util.validate import as_energies

    e = as_energies(energies, "energies", min_size=3)
    if e.size != 3:
        raise ValidationError("energies", "the simplex figure needs exactly 3 energies")
    if np.ptp(e) == 0:
        raise ValidationError(
            "energies",
            "the simplex figure needs at least two different energies (with all three "
            "equal every allocation has the same energy: there is no constraint to draw)",
        )
    if mean_energy is None:
        mean_energy = 0.7 if tuple(e) == (0.0, 1.0, 2.0) else _default_mean(e, 1000)
    ns = [int(n) for n in n_values]
    fig, axes = _subplots(len(ns))
    res = 240
    i, j = np.meshgrid(np.arange(res + 1), np.arange(res + 1), indexing="ij")
    keep = i + j <= res
    grid = np.stack([res - i[keep] - j[keep], i[keep], j[keep]], axis=1) / res
    gx, gy = _ternary(grid)
    tri = mtri.Triangulation(gx, gy)
    from matplotlib.colors import TwoSlopeNorm

    low, high = -1.0, 0.2
    levels = np.concatenate([np.linspace(low, 0, 11), np.linspace(0, high, 5)[1:]])
    norm = TwoSlopeNorm(0.0, low, high)
    contour = None
    for ax, n in zip(axes[0], ns, strict=True):
        p = Problem(e, n, mean_energy=mean_energy, snap=True)
        lw = gammaln(n + 1) - gammaln(grid * n + 1).sum(axis=1)
        lw_star = gammaln(n + 1) - gammaln(p.boltzmann * n + 1).sum()
        rel = np.clip((lw - lw_star) / n, low, high)
        contour = ax.tricontourf(tri, rel, levels=levels, cmap="PuOr_r", norm=norm, extend="both")
        ax.tricontour(tri, lw - lw_star, levels=[0.0], colors="black", linewidths=1.5)
        ax.tricontour(
            tri, lw - lw_star, levels=[-3.0], colors="black", linewidths=1.5, linestyles="--"
        )
        t = np.linspace(0, 1, 200)
        a, b = _energy_segment(e, p.mean_energy)
        seg = a[None, :] * (1 - t[:, None]) + b[None, :] * t[:, None]
        sx, sy = _ternary(seg)
        ax.plot(
            sx,
            sy,
            color="white",
            lw=3,
            path_effects=[patheffects.withStroke(linewidth=5.5, foreground="black")],
        )
        bx, by = _ternary(p.boltzmann)
        ax.plot(bx, by, "o", ms=20, mfc="none", mec=COLORS["vermillion"], mew=3, zorder=6)
        r = sample(p, samples, seed=seed)
        alloc, count = np.unique(np.asarray(r.fractions), axis=0, return_counts=True)
        dx, dy = _ternary(alloc)
        ax.scatter(
            dx,
            dy,
            s=12 + 300 * count / count.max(),
            color=COLORS["yellow"],
            edgecolors="black",
            linewidths=0.6,
            zorder=5,
        )
        corners = np.array([[0, 0], [1, 0], [0.5, math.sqrt(3) / 2], [0, 0]])
        ax.plot(corners[:, 0], corners[:, 1], color="black", lw=1.5)
        for k, (cx, cy) in enumerate(corners[:3]):
            ax.annotate(
                f"$E = {e[k]:g}$",
                (cx, cy),
                xytext=(0, -8 if cy == 0 else 6),
                textcoords="offset points",
                ha="center",
                va="top" if cy == 0 else "bottom",
            )
        ax.set_title(f"N = {n:,}\n{len(count)} different allocations")
        spread = float(np.max(np.std(np.stack([dx, dy]) if count.size > 1 else [0.0], axis=-1)))
        if n >= 1000:
            _zoom(ax, e, n, p, lw_star, (bx, by), alloc, count, samples, spread)
        ax.set_xlim(-0.12, 1.12)
        ax.set_ylim(-0.14, math.sqrt(3) / 2 + 0.1)
        ax.set_aspect("equal")
        ax.axis("off")
    handles = [
        Line2D(
            [],
            [],
            color="white",
            lw=3,
            label=f"fixed energy U/N = {mean_energy:g}",
            path_effects=[patheffects.withStroke(linewidth=5.5, foreground="black")],
        ),
        Line2D(
            [],
            [],
            ls="none",
            marker="o",
            ms=14,
            mfc="none",
            mec=COLORS["vermillion"],
            mew=3,
            label="Boltzmann point",
        ),
        Line2D(
            [],
            [],
            ls="none",
            marker="o",
            ms=10,
            color=COLORS["yellow"],
            mec="black",
            label=f"{samples} exact draws (area: how often)",
        ),
        Line2D([], [], color="black", lw=1.5, label=r"$\ln W = \ln W_B$"),
        Line2D([], [], color="black", lw=1.5, ls="--", label=r"$\ln W = \ln W_B - 3$"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncol=3)
    cbar = fig.colorbar(contour, ax=axes[0, :], shrink=0.8, pad=0.01, ticks=[-1, -0.5, 0, 0.2])
    cbar.set_label(r"$(\ln W - \ln W_B)\,/\,N$")
    return fig


def _zoom(ax, e, n, p, lw_star, centre, alloc, count, samples, spread):
    """Magnify the neighbourhood of the Boltzmann point, where the draws of a large N sit."""
    bx, by = centre
    half = max(3 * spread, 2.0 / n)
    inset = ax.inset_axes([0.66, 0.34, 0.42, 0.44])
    xs = np.linspace(bx - half, bx + half, 121)
    ys = np.linspace(by - half, by + half, 121)
    gx, gy = np.meshgrid(xs, ys)
    f2 = gy / (math.sqrt(3) / 2)
    f1 = gx - 0.5 * f2
    f = np.stack([1 - f1 - f2, f1, f2], axis=-1)
    with np.errstate(invalid="ignore"):
        lw = gammaln(n + 1) - gammaln(np.clip(f, 0, 1) * n + 1).sum(axis=-1)
    inset.contour(
        gx, gy, lw - lw_star, levels=[-3.0], colors="black", linewidths=1.5, linestyles="--"
    )
    inset.contour(gx, gy, lw - lw_star, levels=[0.0], colors="black", linewidths=1.5)
    a, b = _energy_segment(e, p.mean_energy)
    sx, sy = _ternary(np.stack([a, b]))
    inset.plot(sx, sy, color="black", lw=1)
    inset.plot(bx, by, "o", ms=16, mfc="none", mec=COLORS["vermillion"], mew=3, zorder=6)
    dx, dy = _ternary(alloc)
    inset.scatter(
        dx,
        dy,
        s=8 + 150 * count / count.max(),
        color=COLORS["yellow"],
        edgecolors="black",
        linewidths=0.6,
        zorder=5,
    )
    inset.set_xlim(bx - half, bx + half)
    inset.set_ylim(by - half, by + half)
    inset.set_aspect("equal")
    inset.set_xticks([])
    inset.set_yticks([])
    inset.grid(False)
    inset.set_facecolor("white")
    inset.set_title(f"zoom ×{0.5 / half:.0f}", fontsize="medium", pad=3)
    for side in inset.spines.values():
        side.set_visible(True)
    ax.indicate_inset_zoom(inset, edgecolor="black")


def _problem(energies, n, mean_energy, spec):
    """The figure's Problem: the given specification, else the package's default mean."""
    from maxent._model.problem import Problem

    spec = dict(spec)
    named = [k for k in ("total_energy", "beta", "temperature") if spec.get(k) is not None]
    if mean_energy is None and not named:
        g, stat = spec.get("degeneracies"), spec.get("statistics", "boltzmann")
        from maxent._model.defaults import default_mean_energy

        mean_energy = default_mean_energy(np.asarray(energies, float), n, stat, g)
    if mean_energy is not None:
        spec["mean_energy"] = mean_energy
    spec.setdefault("snap", True)
    return Problem(energies, n, **spec)


def _default_mean(energies, n: int) -> float:
    """The package's default mean (1.2 for the demo energies 0..3, which it reproduces)."""
    from maxent._model.defaults import default_mean_energy

    return default_mean_energy(np.asarray(energies, dtype=float), n)


def _energy_segment(e, mean):
    """End points (on the simplex edges) of the line sum f_k E_k = mean."""
    pts = []
    for a, b in ((0, 1), (1, 2), (0, 2)):
        if e[a] == e[b]:
            continue
        t = (mean - e[a]) / (e[b] - e[a])
        if 0.0 <= t <= 1.0:
            f = np.zeros(3)
            f[a], f[b] = 1 - t, t
            pts.append(f)
    pts = sorted(pts, key=lambda f: tuple(f))
    return pts[0], pts[-1]


# --- 4. entropy concentration ---------------------------------------------------------------


def fig_entropy_concentration(
    energies=(0.0, 1.0, 2.0, 3.0),
    mean_energy: float | None = None,
    n: int = 10_000,
    samples: int = 20_000,
    seed=2026,
    **spec,
):
    """Histogram of 2N(H_max - H) of exact draws against the chi-squared density.

    ``spec`` takes the other :class:`~maxent.Problem` options (``total_energy``, ``beta``,
    ``temperature``, ``degeneracies``, ``statistics``, ``constraints``, ...).
    """
    from maxent._compare.compare import compare
    from maxent._plotting.plots import plot_concentration, plot_occupations

    p = _problem(energies, n, mean_energy, spec)
    cmp = compare(p, samples, seed=seed)
    fig, axes = _subplots(2, width=7.5)
    plot_occupations(cmp, axes[0, 0])
    plot_concentration(cmp, axes[0, 1])
    return fig


# --- 5. relaxation ---------------------------------------------------------------------------


def fig_relaxation(
    energies=(0.0, 1.0, 2.0, 3.0, 4.0),
    mean_energy: float | None = None,
    n: int = 100_000,
    sweeps: int = 12,
    start: str = "extremes",
    seed=2026,
    **spec,
):
    """Item-level energy exchange from an extreme start: entropy rises, occupations settle.

    ``spec`` takes the other :class:`~maxent.Problem` options (item dynamics needs plain
    Boltzmann counting; other statistics are refused by :func:`maxent.relax`).
    """
    from maxent._sampling.dynamics import relax

    p = _problem(energies, n, mean_energy, spec)
    r = relax(p, sweeps, start, seed=seed, records_per_sweep=20)
    fig, axes = _subplots(2, width=7.5)
    ax = axes[0, 0]
    ax.plot(r.sweeps, r.entropy, color=COLORS["blue"], label=r"entropy $H(n/N)$")
    ax.axhline(
        r.entropy_max, color=ROLE["boltzmann"], ls="--", lw=2.5, label=r"maximum: Boltzmann $H(p)$"
    )
    ax.set_xlabel("time (sweeps of N pair exchanges)")
    ax.set_ylabel("entropy (nats)")
    ax.set_title(f"entropy rises to its maximum\n(N = {n:,})")
    ax.legend(loc="lower right")
    ax = axes[0, 1]
    for k in range(p.classes):
        c = class_color(k)
        ax.plot(r.sweeps, r.fractions[:, k], color=c, label=f"$E = {p.energies[k]:g}$")
        ax.axhline(p.boltzmann[k], color=c, ls="--", lw=1.2)
    ax.set_xlabel("time (sweeps)")
    ax.set_ylabel(r"occupation $n_k/N$")
    ax.set_title(f"from '{r.start}' to Boltzmann\n(dashed)")
    ax.legend(loc="upper right", ncol=2)
    return fig


# --- 6. gradients ----------------------------------------------------------------------------


def fig_gradients(logits=(0.0, 8.0, 2.0), target: int = 0):
    """Cross-entropy keeps a unit gradient on a saturated wrong prediction; MSE loses it."""
    z0 = _logits(logits)
    if not 0 <= target < z0.size:
        raise ValidationError("target", f"must be a class index in 0..{z0.size - 1}")
    y = np.zeros(z0.size)
    y[target] = 1.0
    zt = np.linspace(-10, 12, 400)
    ce, mse, g_ce, g_mse = [], [], [], []
    for v in zt:
        z = z0.copy()
        z[target] = v
        s = softmax(z)
        ce.append(-math.log(max(s[target], 1e-300)))
        mse.append(float(np.sum((s - y) ** 2)))
        g = s - y  # d(-log softmax_y)/dz = softmax - onehot
        g_ce.append(g[target])
        # d/dz_j sum_i (s_i - y_i)^2 = sum_i 2 (s_i - y_i) s_i (delta_ij - s_j)
        jac = np.diag(s) - np.outer(s, s)
        g_mse.append(float((2 * (s - y)) @ jac[:, target]))
    fig, axes = _subplots(2, width=7.5)
    ax = axes[0, 0]
    ax.plot(zt, ce, color=COLORS["blue"], label=r"cross-entropy $-\log\,\mathrm{softmax}_y$")
    ax.plot(zt, mse, color=COLORS["vermillion"], label="squared error on softmax")
    others = np.delete(z0, target)
    ax.axvline(
        others.max(),
        color=COLORS["grey"],
        ls=":",
        lw=2,
        label=f"largest other logit ({others.max():g})",
    )
    ax.annotate("wrong and\nsaturated", (zt[0] + 0.5, 0.45 * max(ce)))
    ax.set_xlabel(r"logit of the correct class $z_y$")
    ax.set_ylabel("loss")
    others_text = ", ".join(f"{v:g}" for v in others)
    ax.set_title(f"losses (other logits: {others_text})")
    ax.legend(loc="upper right")
    ax = axes[0, 1]
    ax.plot(
        zt,
        np.abs(g_ce),
        color=COLORS["blue"],
        label=r"cross-entropy: $|\partial L/\partial z_y| = 1 - \mathrm{softmax}_y$",
    )
    ax.plot(
        zt,
        np.abs(g_mse),
        color=COLORS["vermillion"],
        label=r"squared error: $|\partial L/\partial z_y|$",
    )
    ax.set_yscale("log")
    ax.set_ylim(1e-8, 3)
    ax.set_xlabel(r"logit of the correct class $z_y$")
    ax.set_ylabel("gradient magnitude")
    ax.set_title(r"$\partial L_{CE}/\partial z_i = \mathrm{softmax}_i - \delta_{iy}$: no vanishing")
    ax.legend(loc="lower right")
    return fig


# --- 7. beta against mean energy -------------------------------------------------------------


def fig_beta_vs_energy(energies=(0.0, 1.0, 2.0, 3.0, 4.0)):
    """Beta (and T) from the mean energy, through beta = 0 to negative temperatures."""
    from maxent._util.validate import as_energies

    e = as_energies(energies, min_size=2)
    lo, hi = float(e.min()), float(e.max())
    means = np.linspace(lo, hi, 401)[1:-1]
    betas = np.array([beta_from_mean(e, m) for m in means])
    fig, axes = _subplots(2, width=7.5)
    ax = axes[0, 0]
    ax.plot(means, betas, color=COLORS["blue"])
    ax.axhline(0, color=COLORS["grey"], lw=1)
    ax.axvline(e.mean(), color=COLORS["grey"], ls=":", lw=1.5)
    ax.annotate(
        r"$\beta = 0$: unweighted mean",
        (e.mean(), 0),
        xytext=(8, 10),
        textcoords="offset points",
    )
    ax.annotate(r"$\beta \to +\infty$", (lo, 5.2), xytext=(6, 0), textcoords="offset points")
    ax.annotate(
        r"$\beta \to -\infty$", (hi, -5.6), xytext=(-6, 0), textcoords="offset points", ha="right"
    )
    ax.set_ylim(-6, 6)
    ax.set_xlabel(r"mean energy $U/N$")
    ax.set_ylabel(r"inverse temperature $\beta$")
    ax.set_title(r"one $\beta$ for every mean energy")
    ax = axes[0, 1]
    picks = [lo + f * (hi - lo) for f in (0.1, 0.3, 0.5, 0.7, 0.9)]
    x = np.arange(e.size)
    w = 0.8 / len(picks)
    for i, m in enumerate(picks):
        b = beta_from_mean(e, m)
        t = r"\infty" if b == 0 else f"{1 / b:.2g}"
        ax.bar(
            x + (i - 2) * w,
            boltzmann(e, b),
            w * 0.95,
            color=class_color(i),
            label=f"$U/N = {m:.2g}$ ($T = {t}$)",
        )
    ax.set_xticks(x)
    ax.set_xticklabels([f"{v:g}" for v in e])
    ax.set_xlabel(r"energy $E_k$")
    ax.set_ylabel(r"Boltzmann $p_k$")
    ax.set_title("above the middle: negative T")
    ax.legend(loc="upper center")
    return fig


def _fig_softmax_in_the_wild(seed: int = 0):
    from maxent._plotting.calibration import fig_softmax_in_the_wild

    return fig_softmax_in_the_wild(seed=seed)


# --- the gallery -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LectureFigure:
    """One figure of the gallery: its name, title, caption and maker."""

    name: str
    title: str
    caption: str
    make: Callable


FIGURES = [
    LectureFigure(
        "softmax-vs-ratio",
        "Softmax or a plain ratio?",
        "Dividing inputs by their sum is scale invariant: [1, 2] and [10, 20] give the same "
        "1/3, 2/3, however sure the network is. Softmax is shift invariant instead: adding a "
        "constant changes nothing, multiplying by 10 sharpens it towards the argmax. With a "
        "negative input the ratio produces negative 'probabilities' (and divides by zero "
        "when the inputs sum to zero); softmax is always a distribution.",
        fig_softmax_vs_ratio,
    ),
    LectureFigure(
        "temperature",
        "Temperature: from argmax to uniform",
        "The same logits through softmax(z/T) for T from 0.05 to 20 (one colour per class, "
        "in both left panels). As $T \\to 0$ all the weight goes to the largest logit (a "
        "differentiable argmax); as $T \\to \\infty$ every class gets 1/K. In physics T is "
        "the temperature and the logits are minus the energies. With two classes softmax "
        "is exactly the logistic sigmoid of the logit difference.",
        fig_temperature,
    ),
    LectureFigure(
        "counting-simplex",
        "Counting: why the exponential",
        "All allocations of N items to three classes, on the simplex (a corner: every item "
        "at that energy), coloured by the log number of ways ln W relative to its value "
        "ln W_B at the Boltzmann point, per item: the same picture at every N. W grows "
        "towards the uniform allocation, but fixing the total energy restricts the "
        "allocations to the white line, which touches the highest contour of W it can reach "
        "(solid black) at the Boltzmann point (ring): the Lagrange condition. The dashed "
        "contour, where W is e^3 = 20 times smaller than at the ring, closes in on it as N "
        "grows, and the exact draws (yellow; the area of a dot is how often that allocation "
        "was drawn) with it: at N = 10 the 400 draws are a handful of allocations, at "
        "N = 10,000 they fill a short stretch of the line (magnified in the inset). "
        "Maximising ln W under the two constraints is what produces exp(-beta E).",
        fig_counting_simplex,
    ),
    LectureFigure(
        "entropy-concentration",
        "Entropy concentration",
        "Left: occupations of exactly sampled allocations against Boltzmann. Right: for "
        "each draw, 2N (H_max - H(n/N)) measures how far its entropy falls below the "
        "maximum; Jaynes' concentration theorem says it follows a chi-squared law with K - 2 "
        "degrees of freedom, whatever N: almost every allocation has nearly maximal entropy. "
        "The p-value of the test of fit (Kolmogorov-Smirnov) is in the legend.",
        fig_entropy_concentration,
    ),
    LectureFigure(
        "relaxation",
        "Relaxation by energy exchange",
        "Labelled items meet in pairs and redistribute their energy at random, conserving "
        "the total (the kinetic-exchange picture of an Einstein solid). From a start with "
        "items only on the lowest and highest levels, the entropy of the occupations rises "
        "to the Boltzmann value within a few sweeps and the occupations settle on the "
        "Boltzmann law (dashed), without any optimisation.",
        fig_relaxation,
    ),
    LectureFigure(
        "gradients",
        "Why cross-entropy and softmax go together",
        "A wrong, saturated prediction: the correct class has a far smaller logit than "
        "another. The gradient of the cross-entropy with respect to the logits is "
        "softmax - onehot (the log of softmax undoes the exp), so it stays near 1 and the "
        "model corrects itself; the squared error on the softmax output has a gradient "
        "that vanishes exponentially there.",
        fig_gradients,
    ),
    LectureFigure(
        "beta-vs-energy",
        "Inverse temperature from the mean energy",
        "Each mean energy between the lowest and highest level fixes one beta. The "
        "unweighted mean is beta = 0 (infinite temperature); below it beta > 0, above it "
        "beta < 0: a negative temperature, more items on the higher levels. The extremes "
        "are beta = +inf and -inf. The right panel shows the Boltzmann law at five means.",
        fig_beta_vs_energy,
    ),
    LectureFigure(
        "softmax-in-the-wild",
        "Softmax in the wild: the temperature of a real network",
        "A small network trained on scikit-learn's handwritten digits until it fits its "
        "training set perfectly is over-confident on new digits. One shared temperature, "
        "fitted on a calibration split, fixes most of it on a test split (left: "
        "reliability; middle: the NLL, convex in beta = 1/T, with its minimum). At the "
        "minimum the softmax-expected logit equals the true-class logit on average: the "
        "maximum-entropy moment condition, with beta its multiplier. Right: dividing the "
        "(shifted) scores by their sum instead keeps the accuracy but wrecks the "
        "probabilities. Needs scikit-learn (maxent[ml]).",
        _fig_softmax_in_the_wild,
    ),
]
# the two chapters (large deviations, ensemble equivalence) before the real-data figure
FIGURES[-1:-1] = [LectureFigure(*f) for f in CHAPTER_FIGURES]

NAMES = [f.name for f in FIGURES]


def lecture_figure(name: str, **params):
    """One gallery figure as a matplotlib Figure, in the lecture style.

    Parameters
    ----------
    name : str
        A figure name of the gallery (see :data:`NAMES`), e.g. ``"temperature"``.
    **params
        The figure's own parameters (``logits``, ``energies``, ``n``, ``seed``, and for
        the simulating figures the :class:`~maxent.Problem` options).

    Returns
    -------
    matplotlib.figure.Figure
        Close it (``matplotlib.pyplot.close``) when done.

    Examples
    --------
    >>> import maxent
    >>> fig = maxent.lecture_figure("temperature", logits=[1.0, 2.0, 3.0])
    >>> fig.get_size_inches().round(2).tolist()
    [13.33, 7.5]
    """
    figure = next((f for f in FIGURES if f.name == name), None)
    if figure is None:
        raise ValidationError("name", f"unknown figure {name!r}; choose from {', '.join(NAMES)}")
    with lecture_style():
        fig = figure.make(**params)
        fig.suptitle(figure.title, fontsize=20, fontweight="bold")
    return fig


#: Problem options a simulating figure passes on to :class:`~maxent.Problem`.
_PROBLEM_OPTIONS = (
    "total_energy",
    "beta",
    "temperature",
    "degeneracies",
    "statistics",
    "constraints",
    "energy_quantum",
    "energy_tolerance",
)


def lecture(
    out: str | Path,
    only: Sequence[str] | None = None,
    formats: Sequence[str] = ("png", "pdf"),
    dpi: float | None = None,
    progress=None,
    **params,
) -> list[Path]:
    """Write the numbered gallery figures and ``index.md`` into ``out``.

    Parameters
    ----------
    out : path
        Output directory (created).
    only : sequence of str, optional
        Names of the figures to make (default all); see :data:`NAMES`.
    formats : sequence of str
        Any of ``png``, ``pdf``, ``svg``.
    dpi : float, optional
        Resolution of PNG files (default 150).
    progress : callable, optional
        ``progress(done, total)`` after each figure.
    **params
        Passed to every figure function that accepts them (``logits``, ``energies``,
        ``n``, ``seed``, ...).

    Returns
    -------
    list of Path
        The files written, the index last.
    """
    import inspect

    import matplotlib.pyplot as plt

    formats = [f.lower().lstrip(".") for f in formats]
    bad = [f for f in formats if f not in ("png", "pdf", "svg")]
    if bad or not formats:
        raise ValidationError("format", f"must be png, pdf or svg (got {', '.join(bad) or 'none'})")
    chosen = list(only) if only else NAMES
    unknown = [c for c in chosen if c not in NAMES]
    if unknown:
        raise ValidationError(
            "only", f"unknown figure {unknown[0]!r}; choose from {', '.join(NAMES)}"
        )
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    lines = [
        "# maxent lecture figures",
        "",
        "Every figure is computed by maxent itself; regenerate with `maxent lecture`.",
        "",
    ]
    takes = set()
    for figure in FIGURES:
        if figure.name in chosen:
            sig = inspect.signature(figure.make).parameters
            if any(p.kind is p.VAR_KEYWORD for p in sig.values()):
                takes |= set(_PROBLEM_OPTIONS)
            takes |= set(sig)
    # (the seed is for whichever figures draw at random: never an error)
    unused = [k for k, v in params.items() if v is not None and k not in takes | {"seed"}]
    if unused:
        raise ValidationError(
            unused[0],
            f"none of the chosen figures ({', '.join(chosen)}) takes it; the problem options "
            "go to counting-simplex, entropy-concentration and relaxation",
        )
    done = 0
    for number, figure in enumerate(FIGURES, start=1):
        if figure.name not in chosen:
            continue
        accepted = inspect.signature(figure.make).parameters
        spec = any(p.kind is p.VAR_KEYWORD for p in accepted.values())
        kw = {
            k: v
            for k, v in params.items()
            if v is not None and (k in accepted or (spec and k in _PROBLEM_OPTIONS))
        }
        with lecture_style():
            fig = figure.make(**kw)
            fig.suptitle(figure.title, fontsize=20, fontweight="bold")
            stem = f"{number:02d}-{figure.name}"
            for fmt in formats:
                written.append(save_figure(fig, out / f"{stem}.{fmt}", "format", dpi))
            plt.close(fig)
        lines += [
            f"## {number}. {figure.title}",
            "",
            f"![{figure.title}]({stem}.{formats[0]})",
            "",
            figure.caption,
            "",
        ]
        done += 1
        if progress is not None:
            progress(done, len(chosen))
    index = out / "index.md"
    index.write_text("\n".join(lines))
    written.append(index)
    return written


# shared with maxent._plotting.animate: the animations draw with the stills' geometry
ternary = _ternary
energy_segment = _energy_segment
check_logits = _logits
