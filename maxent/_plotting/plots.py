"""Publication-quality figures for lectures (matplotlib, object-oriented).

Every ``plot_*`` function takes ``ax=`` (a new figure when omitted) and returns a dict of
the artists it drew; ``*_figure`` functions assemble panels and save them in the format
given by the file extension (PNG, SVG or PDF). Use them inside :func:`lecture_style`, or
let the ``*_figure`` functions apply it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats

from maxent._model import statistics as S
from maxent._plotting.style import ROLE, lecture_style, save_figure

__all__ = [
    "convergence_figure",
    "plot_beta_convergence",
    "plot_concentration",
    "plot_convergence",
    "plot_deviations",
    "plot_occupations",
    "simulation_figure",
]


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots()
    return ax


def _class_ticks(ax, energies):
    k = energies.size
    step = max(1, k // 12)
    ticks = np.arange(0, k, step)
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"{energies[i]:g}" for i in ticks])
    ax.set_xlabel(r"class energy $E_k$")


def limit_label(problem) -> str:
    """Name of the large-N law of a problem, for legends."""
    if problem.plain:
        return r"Boltzmann $p_k = e^{-\beta E_k}/Z$"
    return f"{S.limit_name(problem)} limit"


def plot_occupations(comparison, ax=None) -> dict[str, Any]:
    """Large-N bars, optimum and mode markers, sampled means with 2-s.e. error bars.

    Parameters
    ----------
    comparison : Comparison
        Result of :func:`~maxent.compare`.
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    dict
        The artists drawn, by name (``"boltzmann"``, ``"optimum"``, ``"mode"``,
        ``"sampled"``); ``"legend"`` holds the legend.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import maxent
    >>> c = maxent.compare(maxent.Problem([0, 1, 2, 3], 20, mean_energy=1.2), 200, seed=1)
    >>> fig, ax = plt.subplots()
    >>> sorted(maxent.plot_occupations(c, ax))
    ['boltzmann', 'legend', 'mode', 'optimum', 'sampled']
    >>> plt.close(fig)
    """
    ax = _axes(ax)
    p = comparison.problem
    x = np.arange(p.classes)
    art = {}
    art["boltzmann"] = ax.bar(
        x,
        p.limit_fractions,
        width=0.7,
        color=ROLE["boltzmann"],
        alpha=0.55,
        label=limit_label(p),
    )
    opt = comparison.optimum
    if opt.exact is not None:
        art["optimum"] = ax.plot(
            x - 0.22,
            opt.exact.fractions,
            "D",
            color=ROLE["optimum"],
            ms=9,
            label=r"exact optimum of $\ln W$",
        )[0]
    if opt.mode is not None and opt.mode.counts is not None:
        art["mode"] = ax.plot(
            x + 0.22,
            opt.mode.fractions,
            "s",
            mfc="none",
            mew=2,
            color=ROLE["mode"],
            ms=10,
            label="most probable allocation",
        )[0]
    s = comparison.sample
    art["sampled"] = ax.errorbar(
        x,
        s.mean_fractions,
        yerr=2 * s.stderr,
        fmt="o",
        color=ROLE["sampled"],
        capsize=4,
        label=f"sampled mean ({s.samples:,} draws, ±2 s.e.)",
    )
    _class_ticks(ax, p.energies)
    ax.set_ylabel(r"occupation fraction $n_k/N$")
    beta = f"{p.beta:.4g}" if np.isfinite(p.beta) else ("" if p.beta > 0 else "-") + r"\infty"
    ax.set_title(f"N = {p.n:,}, " + rf"$\beta = {beta}$")
    ax.set_ylim(0, max(p.limit_fractions.max(), s.mean_fractions.max()) * 1.15)
    art["legend"] = ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=1)
    return art


def plot_deviations(comparison, ax=None) -> dict[str, Any]:
    """Finite-N corrections: each estimate minus the large-N law, ``n_k/N - p_k``.

    Parameters
    ----------
    comparison : Comparison
        Result of :func:`~maxent.compare`.
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    dict
        The artists drawn, by name (``"zero"`` (the large-N line), and one per estimate
        drawn); ``"legend"`` holds the legend.
    """
    ax = _axes(ax)
    p = comparison.problem
    x = np.arange(p.classes)
    b = p.limit_fractions
    art = {"zero": ax.axhline(0.0, color=ROLE["boltzmann"], lw=3, label=limit_label(p))}
    opt = comparison.optimum
    if opt.exact is not None:
        art["optimum"] = ax.plot(
            x - 0.3, opt.exact.fractions - b, "D", color=ROLE["optimum"], label="exact optimum"
        )[0]
    if opt.mode is not None and opt.mode.counts is not None:
        art["mode"] = ax.plot(
            x + 0.25,
            opt.mode.fractions - b,
            "s",
            mfc="none",
            mew=2,
            color=ROLE["mode"],
            ms=10,
            label="most probable",
        )[0]
    if comparison.exact_mean is not None:
        art["exact_mean"] = ax.plot(
            x - 0.1,
            comparison.exact_mean - b,
            "_",
            ms=16,
            mew=3,
            color=ROLE["exact_mean"],
            label="exact mean",
        )[0]
    s = comparison.sample
    art["sampled"] = ax.errorbar(
        x,
        s.mean_fractions - b,
        yerr=2 * s.stderr,
        fmt="o",
        color=ROLE["sampled"],
        capsize=4,
        label="sampled mean ±2 s.e.",
    )
    _class_ticks(ax, p.energies)
    ax.set_ylabel(r"$n_k/N - p_k$")
    ax.set_title("finite-N corrections")
    ax.ticklabel_format(axis="y", style="sci", scilimits=(-2, 2))
    art["legend"] = ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=1)
    return art


def plot_concentration(comparison, ax=None, bins: int = 40) -> dict[str, Any]:
    """Histogram of 2N(H_max - H) for the draws against the chi-squared density.

    Parameters
    ----------
    comparison : Comparison
        Result of :func:`~maxent.compare`.
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).
    bins : int, optional
        Histogram bins.

    Returns
    -------
    dict
        The artists drawn, by name (``"histogram"``, ``"chi2"``: the density);
        ``"legend"`` holds the legend.
    """
    ax = _axes(ax)
    c = comparison.concentration
    x = c.values
    dof = c.dof
    boltz = comparison.problem.plain
    hi = max(float(np.quantile(x, 0.995)) if x.size else 1.0, stats.chi2(dof).ppf(0.995))
    art = {}
    art["histogram"] = ax.hist(
        x,
        bins=np.linspace(0, hi, bins + 1),
        density=True,
        color=ROLE["sampled"],
        alpha=0.6,
        label="sampled allocations",
    )
    grid = np.linspace(1e-6, hi, 400)
    art["chi2"] = ax.plot(
        grid,
        stats.chi2(dof).pdf(grid),
        color=ROLE["exact_mean"],
        label=rf"$\chi^2_{{{dof}}}$ law (test of fit: p = {c.ks_pvalue:.2g}"
        + (f" at {c.effective_draws:.3g} effective draws)" if c.correlated else ")"),
    )[0]
    ax.set_xlabel(r"$2N\,(H_{\max} - H(n/N))$" if boltz else r"$2\,(\ln W^*_S - \ln W_S(n))$")
    ax.set_ylabel("probability density")
    ax.set_title("how far below the maximum" if boltz else "how far below the optimum")
    # a little room left of 0, so that the two axes' zero labels do not meet at the corner
    ax.set_xlim(-0.03 * hi, hi)
    art["legend"] = ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=1)
    return art


def simulation_figure(comparison, path=None):
    """Three panels: occupations, finite-N corrections, entropy concentration.

    Parameters
    ----------
    comparison : Comparison
        Result of :func:`~maxent.compare`.
    path : str or path-like, optional
        Also save the figure there (``.png``, ``.svg`` or ``.pdf``).

    Returns
    -------
    matplotlib.figure.Figure
        The figure, in the lecture style (see :func:`lecture_style`).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import maxent
    >>> c = maxent.compare(maxent.Problem([0, 1, 2, 3], 20, mean_energy=1.2), 200, seed=1)
    >>> fig = maxent.simulation_figure(c)  # give path="sim.svg" to save it as well
    >>> len(fig.axes)
    3
    >>> plt.close(fig)
    """
    import matplotlib.pyplot as plt

    with lecture_style():
        fig, axes = plt.subplots(1, 3, figsize=(13.33, 7.5), layout="constrained")
        plot_occupations(comparison, axes[0])
        plot_deviations(comparison, axes[1])
        plot_concentration(comparison, axes[2])
        if path is not None:
            save_figure(fig, path)
    return fig


_CURVES = [
    ("optimum", "tv_optimum", "exact optimum", "D-"),
    ("mode", "tv_mode", "most probable", "s-"),
    ("exact_mean", "tv_exact_mean", "exact mean", "^-"),
    ("sampled_mean", "tv_pooled_mean", "sampled mean", "o"),
    ("single_draw", None, "single draw", "v-"),
]


def slope_text(slope: float, stderr: float) -> str:
    """``slope ± stderr`` with the error to two significant digits, the slope to match."""
    if not np.isfinite(stderr):
        return f"{slope:.2f}"
    if stderr <= 0:
        return f"{slope:.3g} (exact fit)"
    digits = max(0, 1 - int(np.floor(np.log10(stderr))))
    return f"{slope:.{digits}f} ± {stderr:.{digits}f}"


def study_subtitle(study) -> str:
    """What a convergence study computed: classes, energies, beta, seeds and draws."""
    e = ", ".join(f"{v:g}" for v in study.energies[:8]) + (
        ", ..." if study.energies.size > 8 else ""
    )
    b = np.unique(np.round(study.beta, 4))
    beta = f"{b[0]:.4g}" if b.size == 1 else f"{b.min():.4g} to {b.max():.4g}"
    m = np.unique(study.samples)
    draws = f"{int(m[0]):,}" if m.size == 1 else f"{int(m.min()):,} to {int(m.max()):,}"
    return (
        f"K = {study.energies.size} classes, energies {e}; β = {beta}; "
        f"{study.seeds} seeds × {draws} draws at each N (root seed {study.seed})"
    )


def plot_convergence(study, ax=None) -> dict[str, Any]:
    """Log-log TV distance to Boltzmann against N, with fitted slopes and references.

    Parameters
    ----------
    study : ConvergenceStudy
        Result of :func:`~maxent.converge`.
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    dict
        The artists drawn, by name (one per curve and fitted line, and the reference
        slopes); ``"legend"`` holds the legend.
    """
    ax = _axes(ax)
    n = study.n_values.astype(float)
    art: dict[str, Any] = {}
    for key, attr, label, style in _CURVES:
        y = study.tv_single_draw.mean(axis=1) if attr is None else getattr(study, attr)
        if not np.isfinite(y).any():
            continue
        sl = study.slopes[key]
        color = ROLE[
            "sampled" if key == "sampled_mean" else "single" if key == "single_draw" else key
        ]
        text = label
        if np.isfinite(sl["slope"]):
            text = f"{label}: slope {slope_text(sl['slope'], sl['stderr'])}"
        use = np.isfinite(y) & (y > 0)
        if key == "sampled_mean":
            # points within 3x of the sampling floor are hollow: noise, not bias
            resolved = y > 3.0 * study.tv_floor
            art[key] = ax.plot(n[resolved], y[resolved], "o", color=color, label=text)[0]
            art["unresolved"] = ax.plot(
                n[~resolved], y[~resolved], "o", mfc="none", mew=2, color=color
            )[0]
            art["floor"] = ax.plot(
                n, study.tv_floor, ":", color=color, label="noise floor of the mean"
            )[0]
            use &= resolved
        else:
            art[key] = ax.plot(n, y, style, color=color, label=text)[0]
        if np.isfinite(sl["slope"]):
            c = np.nanmean(np.log10(y[use]) - sl["slope"] * np.log10(n[use]))
            art[key + "_fit"] = ax.plot(
                n, 10 ** (c + sl["slope"] * np.log10(n)), "--", color=color, lw=1.2
            )[0]
    # reference slopes: N^-1 below the lowest deterministic curve, N^-1/2 above the
    # single draws, so that neither hides a curve
    first = [getattr(study, a)[0] for a in ("tv_optimum", "tv_mode", "tv_exact_mean")]
    first = [v for v in first if np.isfinite(v) and v > 0]
    low = min(first) / 4 if first else np.nan
    for slope, y0, lab in (
        (-1.0, low, r"$\propto N^{-1}$"),
        (-0.5, 3 * study.tv_single_draw.mean(axis=1)[0], r"$\propto N^{-1/2}$"),
    ):
        if np.isfinite(y0) and y0 > 0:
            ref = y0 * (n / n[0]) ** slope
            art[f"ref{slope}"] = ax.plot(n, ref, color=ROLE["reference"], lw=1.5, ls=":")[0]
            ax.annotate(
                lab,
                (n[-1], ref[-1]),
                color=ROLE["reference"],
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
            )
    from matplotlib.lines import Line2D

    handles, _ = ax.get_legend_handles_labels()
    handles.append(Line2D([], [], ls="--", lw=1.2, color=ROLE["reference"], label="power-law fits"))
    if "unresolved" in art:
        handles.append(
            Line2D(
                [],
                [],
                ls="none",
                marker="o",
                mfc="none",
                mew=2,
                color=ROLE["sampled"],
                label="hollow: at the floor, not fitted",
            )
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"number of items $N$")
    ax.set_ylabel(r"TV distance to Boltzmann")
    ax.set_title("convergence to the softmax law")
    art["handles"] = handles
    art["legend"] = ax.legend(
        handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2
    )
    return art


def plot_beta_convergence(study, ax=None) -> dict[str, Any]:
    """Beta fitted to sampled occupations against N, with the Boltzmann beta.

    Parameters
    ----------
    study : ConvergenceStudy
        Result of :func:`~maxent.converge`.
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    dict
        The artists drawn, by name (``"fitted"`` and ``"boltzmann"``); ``"legend"`` holds
        the legend.
    """
    ax = _axes(ax)
    n = study.n_values.astype(float)
    mean = np.nanmean(study.fitted_beta, axis=1)
    err = np.sqrt(np.nanmean(study.fitted_beta_err**2, axis=1) / study.seeds)
    art = {
        "fitted": ax.errorbar(
            n,
            mean,
            yerr=2 * err,
            fmt="o",
            color=ROLE["sampled"],
            capsize=4,
            label=r"fitted $\hat\beta$ (±2 s.e.)",
        ),
        "boltzmann": ax.plot(
            n, study.beta, "-", color=ROLE["boltzmann"], lw=3, label=r"$\beta$ of the mean energy"
        )[0],
    }
    ax.set_xscale("log")
    ax.set_xlabel(r"number of items $N$")
    ax.set_ylabel(r"inverse temperature $\beta$")
    ax.set_title(r"$\beta$ fitted to the draws")
    art["legend"] = ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16))
    return art


def convergence_figure(study, path=None):
    """Two panels: distances against N, and fitted beta against N.

    Parameters
    ----------
    study : ConvergenceStudy
        Result of :func:`~maxent.converge`.
    path : str or path-like, optional
        Also save the figure there (``.png``, ``.svg`` or ``.pdf``).

    Returns
    -------
    matplotlib.figure.Figure
        The figure, in the lecture style (see :func:`lecture_style`).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import maxent
    >>> st = maxent.converge([0, 1, 2, 3], [10, 100], seeds=1, samples=200)
    >>> fig = maxent.convergence_figure(st)
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    import matplotlib.pyplot as plt

    with lecture_style():
        fig, axes = plt.subplots(
            1, 2, figsize=(13.33, 7.5), layout="constrained", gridspec_kw={"width_ratios": [1.6, 1]}
        )
        left = plot_convergence(study, axes[0])
        right = plot_beta_convergence(study, axes[1])
        # one legend under both panels, in three columns: the left one is too wide for two
        left["legend"].remove()
        right["legend"].remove()
        handles = left["handles"] + axes[1].get_legend_handles_labels()[0]
        fig.legend(
            handles=handles,
            loc="outside lower center",
            ncol=3,
            columnspacing=1.2,
            handlelength=1.6,
        )
        fig.suptitle(study_subtitle(study), fontsize=15)
        if path is not None:
            save_figure(fig, path)
    return fig
