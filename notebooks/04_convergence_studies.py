# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Convergence studies: how fast does a finite system become Boltzmann?
#
# Three questions, three rates:
#
# 1. One allocation of $N$ items: its fractions differ from Boltzmann by $O(N^{-1/2})$
#    (fluctuations), while the *mean* over allocations differs by $O(1/N)$ (a bias).
# 2. One item of a finite system (microcanonical) against the canonical Boltzmann law:
#    total-variation distance $c/N$ (ensemble equivalence, Einstein solid).
# 3. The probability of a rare mean: $-\frac1N \ln P \to I$ like $(\ln N)/(2N)$
#    (large deviations, fair die).

# %%
import math
import os

import matplotlib.pyplot as plt
import numpy as np

import maxent

try:  # sliders where ipywidgets is installed (and wanted), fixed values otherwise
    import ipywidgets as widgets

    HAVE_WIDGETS = not os.environ.get("MAXENT_NOTEBOOK_STATIC")
except ImportError:
    HAVE_WIDGETS = False

# %% [markdown]
# ## 1. Single allocations and their mean
#
# `maxent.converge` draws allocations exactly at each $N$ (a few independent seeds) and
# measures the total-variation distance to Boltzmann of a single draw and of the mean of
# all draws, with fitted log-log slopes.

# %%
study = maxent.converge(
    [0.0, 1.0, 2.0, 3.0],
    [10, 100, 1000, 10_000],
    mean_energy=1.2,
    seeds=3,
    samples=2000,
    seed=2026,
)
with maxent.lecture_style():
    fig, ax = plt.subplots(figsize=(9, 5.5), layout="constrained")
    maxent.plot_convergence(study, ax)
    plt.show()

# %% [markdown]
# ## 2. Ensemble equivalence
#
# $N$ oscillators share $q = \varepsilon N$ quanta, all allocations equally likely. One
# oscillator holds $n$ quanta with probability
# $\binom{q - n + N - 2}{N - 2} / \binom{q + N - 1}{N - 1}$, against the geometric law
# $(1 - x)x^n$, $x = \varepsilon/(1 + \varepsilon)$, of the canonical ensemble. Move the
# mean $\varepsilon$: the distance is always $c(\varepsilon)/N$.


# %%
def show_equivalence(mean_quanta=2.0):
    table = maxent.equivalence_table(mean_quanta, 2 ** np.arange(2, 15))
    with maxent.lecture_style():
        fig, (ax, bx) = plt.subplots(1, 2, figsize=(13, 4.8), layout="constrained")
        for n in (3, 10, 100):
            law = maxent.one_item_law(n, round(n * mean_quanta))
            cut = min(law.n.size, int(6 * mean_quanta + 8))
            ax.semilogy(law.n[:cut], law.microcanonical[:cut], "o-", label=f"N = {n}")
        k = np.arange(int(6 * mean_quanta + 8))
        x = mean_quanta / (1 + mean_quanta)
        ax.semilogy(k, (1 - x) * x**k, "k--", label="canonical")
        ax.set_xlabel("quanta n")
        ax.set_ylabel("P(n)")
        ax.legend()
        bx.loglog(table.oscillators, table.total_variation, "o", label="exact TV")
        bx.loglog(table.oscillators, table.constant / table.oscillators, "--", label="c/N")
        bx.set_xlabel("N")
        bx.set_title(f"slope {table.slope:.3f}, c = {table.constant:.3f}")
        bx.legend()
        plt.show()


show_equivalence(2.0)

# %% [markdown]
# Explore the mean $\varepsilon = q/N$ with a slider
# (with ipywidgets; a few fixed values otherwise).

# %%
if HAVE_WIDGETS:
    widgets.interact(
        show_equivalence, mean_quanta=widgets.FloatLogSlider(value=2.0, base=10, min=-1, max=1)
    )
else:
    for eps in (0.3, 5.0):
        show_equivalence(eps)

# %% [markdown]
# ## 3. Large deviations of a fair die
#
# The exact rate $-\frac1N \ln P(\bar x_N \ge 4.5)$ against Cramér's $I(4.5) = 0.178178$.
# The gap closes like $(\ln N)/(2N)$: the probability is $e^{-NI}$ times a prefactor of
# order $1/\sqrt{N}$ (Bahadur-Rao), so the slope of the gap on log-log axes is close to
# $-1$, not $-1/2$.

# %%
ns = np.array([20, 50, 100, 200, 500, 1000, 2000, 5000])
ld = maxent.large_deviation_table(4.5, ns)
gap = ld.rate_exact - ld.rate
slope, _, _ = maxent.fit_slope(ns, gap)
with maxent.lecture_style():
    fig, ax = plt.subplots(figsize=(9, 5), layout="constrained")
    ax.loglog(ns, gap, "o", label="exact rate - I")
    ax.loglog(ns, np.log(ns) / (2 * ns), "--", label="(ln N)/(2N)")
    ax.loglog(ns, gap[0] * np.sqrt(ns[0] / ns), ":", label=r"$N^{-1/2}$, for contrast")
    ax.set_xlabel("throws N")
    ax.set_ylabel("rate gap (nats)")
    ax.set_title(f"fitted slope {slope:.2f}")
    ax.legend()
    plt.show()
print(f"N = 50: {ld.rate_exact[1]:.4f}; N = 1000: {ld.rate_exact[5]:.4f}; I = {ld.rate:.6f}")
print(
    f"Bahadur-Rao at N = 5000: relative error of P = "
    f"{math.expm1(ld.log_probability[-1] - ld.log_bahadur_rao[-1]):.1e}"
)
