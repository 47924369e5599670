"""Slide figures (16:9) of the large-deviation and ensemble-equivalence chapters.

Each function takes its parameters as keywords and returns a matplotlib figure of
13.33 x 7.5 inches (a 16:9 slide), with every text at least 14 pt at that size. They are
registered in the lecture gallery (:mod:`maxent._plotting.lecture`) as ``large-deviations`` and
``ensemble-equivalence``.
"""

from __future__ import annotations

import contextlib

import numpy as np

from maxent._compare.chapters import (
    conditional_die_law,
    equivalence_table,
    large_deviation_table,
    one_item_law,
)
from maxent._plotting.style import COLORS, ROLE
from maxent._util.errors import ValidationError

__all__ = ["CHAPTER_FIGURES", "SLIDE_16_9", "fig_ensemble_equivalence", "fig_large_deviations"]

#: Figure size of a 16:9 slide, in inches.
SLIDE_16_9 = (13.33, 7.5)

_SLIDE_RC = {
    "font.size": 16,
    "axes.titlesize": 18,
    "axes.labelsize": 17,
    "xtick.labelsize": 15,
    "ytick.labelsize": 15,
    "legend.fontsize": 14,
}


@contextlib.contextmanager
def _slide_text():
    """Raise the lecture style's smallest sizes to at least 14 pt on a 16:9 slide."""
    import matplotlib as mpl

    with mpl.rc_context(_SLIDE_RC):
        yield


def _slide(ncols: int):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, ncols, figsize=SLIDE_16_9, layout="constrained")
    return fig, np.atleast_1d(axes)


def fig_large_deviations(
    threshold: float = 4.5,
    n_values=(5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000),
    conditional_n=(10, 100),
    faces: int = 6,
):
    """Exact rate of a rare die mean against Cramér's ``I(a)``; the conditional law.

    Left: ``-(1/N) ln P(mean >= a)`` from exact integer counts, with ``I(a)`` and the
    Bahadur-Rao refinement. Right: the exact law of one throw given that the N throws
    sum to ``N a``, for a few N, against the Boltzmann law ``p_beta`` with mean ``a``.
    """
    cond = [int(n) for n in np.atleast_1d(conditional_n)]
    if not 1 <= len(cond) <= 3:
        raise ValidationError("conditional_n", "give one to three numbers of throws")
    with _slide_text():
        table = large_deviation_table(threshold, n_values, faces)
        a = table.threshold
        fig, (ax, bx) = _slide(2)
        n = table.n
        ax.axhline(
            table.rate,
            color=ROLE["boltzmann"],
            lw=3,
            ls="--",
            label=rf"Cramér: $I(a) = {table.rate:.4f}$",
        )
        if np.all(np.isfinite(table.log_bahadur_rao)):
            ax.plot(
                n,
                -table.log_bahadur_rao / n,
                color=COLORS["orange"],
                label=r"refined: $e^{-NI}/(c\sqrt{N})$",
            )
        ax.plot(
            n,
            table.rate_exact,
            "o",
            color=ROLE["exact_mean"],
            ms=9,
            label=r"exact: $-\frac{1}{N}\ln P(\bar{x}_N \geq a)$",
        )
        ax.set_xscale("log")
        ax.set_xlabel("number of throws N")
        ax.set_ylabel("rate (nats per throw)")
        ax.set_title(rf"fair die, mean at least $a = {a:g}$")
        ax.legend(loc="upper right")
        top = float(np.nanmax(table.rate_exact))
        ax.set_ylim(0.9 * table.rate, table.rate + 1.25 * (top - table.rate))

        k = table.faces
        faces_v = np.arange(1, k + 1)
        bx.bar(faces_v, table.boltzmann, 0.8, color=ROLE["boltzmann"], label=r"Boltzmann $p_\beta$")
        markers = ["o", "s", "D"]
        colors = [COLORS["vermillion"], COLORS["black"], COLORS["purple"]]
        for i, m in enumerate(cond):
            total = int(np.ceil(m * a))
            law = conditional_die_law(m, total, k)
            bx.plot(
                faces_v + 0.18 * (i - (len(cond) - 1) / 2),
                law.probabilities,
                markers[i],
                color=colors[i],
                ms=11,
                label=rf"exact, $N = {m}$ (TV {law.total_variation:.1g})",
            )
        bx.axhline(1 / k, color=ROLE["reference"], ls=":", lw=2, label=f"fair: 1/{k}")
        bx.set_xticks(faces_v)
        bx.set_xlabel("face of the first throw")
        bx.set_ylabel("probability")
        bx.set_title(r"one throw, given the sum is $N a$")
        bx.legend(loc="upper left")
        bx.set_ylim(0, 1.45 * max(float(table.boltzmann.max()), 1 / k))
    return fig


def fig_ensemble_equivalence(
    mean_quanta: float = 2.0,
    law_oscillators=(3, 10, 100),
    oscillators=(4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096),
):
    """One oscillator of an Einstein solid: microcanonical against canonical, and TV ~ c/N.

    Left: the exact (counting) law of one oscillator's quanta for a few N at the same mean
    ``q/N``, against the geometric Boltzmann law. Right: the total-variation distance
    against N on log-log axes, with the fitted slope.
    """
    lo = [int(n) for n in np.atleast_1d(law_oscillators)]
    if not 1 <= len(lo) <= 4:
        raise ValidationError("law_oscillators", "give one to four numbers of oscillators")
    with _slide_text():
        table = equivalence_table(mean_quanta, oscillators)
        m = table.mean_quanta
        fig, (ax, bx) = _slide(2)
        colors = [COLORS["vermillion"], COLORS["orange"], COLORS["green"], COLORS["purple"]]
        for i, big_n in enumerate(lo):
            law = one_item_law(big_n, round(big_n * m))
            cut = min(law.n.size, int(8 * m + 10))
            ax.plot(
                law.n[:cut],
                law.microcanonical[:cut],
                "o-",
                color=colors[i % 4],
                lw=1.8,
                ms=7,
                label=f"exact, N = {big_n}",
            )
        cut = int(8 * m + 10)
        nn = np.arange(cut)
        x = m / (1 + m)
        ax.plot(
            nn,
            (1 - x) * x**nn,
            "--",
            color=ROLE["boltzmann"],
            lw=3.5,
            label=r"Boltzmann $(1-x)\,x^n$",
        )
        ax.set_yscale("log")
        ax.set_ylim(1e-6, 1.2)
        ax.set_xlabel("quanta n of one oscillator")
        ax.set_ylabel(r"$P(n)$")
        ax.set_title(rf"same mean $q/N = {m:g}$")
        ax.legend(loc="lower left")

        ns = table.oscillators
        bx.loglog(ns, table.total_variation, "o", color=ROLE["exact_mean"], ms=9, label="exact TV")
        fit = table.constant / ns
        bx.loglog(
            ns,
            fit,
            "--",
            color=COLORS["vermillion"],
            label=rf"$c/N$, $c = {table.constant:.2f}$; fitted slope ${table.slope:.2f}$",
        )
        bx.set_xlabel("oscillators N")
        bx.set_ylabel("total-variation distance")
        bx.set_title("microcanonical vs canonical")
        bx.legend(loc="upper right")
    return fig


#: ``(name, title, caption, maker)`` of each chapter figure, for the lecture gallery.
CHAPTER_FIGURES = [
    (
        "large-deviations",
        "Large deviations: how rare is the constrained mean?",
        "Throw a fair die N times. Left: the exact probability that the mean is at least "
        "4.5, from integer counts of the outcomes, as a rate -(1/N) ln P (black). It falls "
        "to Cramér's rate I(a) = ln 6 - H(p_beta) = 0.178 (dashed): the probability is "
        "exp(-N I) times a prefactor of order 1/sqrt(N), so the rate converges like "
        "(ln N)/(2N); the refined Bahadur-Rao estimate (orange) captures that factor. "
        "Right: given that the throws sum to 4.5 N, the exact law of one throw is already "
        "close to the Boltzmann law p_beta with mean 4.5 (bars) at N = 10 and "
        "indistinguishable at N = 100: conditioning on a rare mean produces exp(-beta E), "
        "the conditional limit theorem.",
        fig_large_deviations,
    ),
    (
        "ensemble-equivalence",
        "Ensemble equivalence: one item of a finite system",
        "An Einstein solid of N oscillators shares q = 2N quanta; every allocation is equally "
        "likely (microcanonical). Left: the exact law of one oscillator's quanta, "
        "C(q - n + N - 2, N - 2) / C(q + N - 1, N - 1), for N = 3, 10 and 100, against the "
        "canonical (Boltzmann, geometric) law with the same mean. Small systems cut the tail "
        "off (one oscillator cannot hold more than q quanta); by N = 100 the two laws agree. "
        "Right: the total-variation distance between them falls like c/N (fitted slope "
        "close to -1).",
        fig_ensemble_equivalence,
    ),
]
