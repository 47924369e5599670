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
# # Counting and concentration
#
# $N$ labelled items go into $K$ classes with energies $E_k$; the counts $n_k$ must add up
# to $N$ and the energies to $U$. Each allocation $n$ is realised in
# $W(n) = N!/\prod_k n_k!$ ways. This notebook
#
# 1. lists every allocation of a small problem with its exact $W$,
# 2. shows how sharply $W$ concentrates around the Boltzmann law as $N$ grows
#    (Jaynes' entropy concentration),
# 3. turns the question around: how rare is the constrained mean if nothing forces it?
#    (large deviations, exact counting for a die).

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
# ## Every allocation, with its number of ways
#
# Four levels $0, 1, 2, 3$, $N = 12$ items, total energy $U = 12$ (mean 1).

# %%
problem = maxent.Problem([0.0, 1.0, 2.0, 3.0], 12, mean_energy=1.0)
table = maxent.enumerate_allocations(problem)
order = np.argsort(table.log_counts)[::-1]
print(f"{len(order)} allocations meet both constraints; the five with most ways:")
for i in order[:5]:
    print(
        f"  n = {table.allocations[i]}  W = {math.exp(table.log_counts[i]):>9,.0f}"
        f"  P = {table.probabilities[i]:.3f}"
    )
print("Boltzmann N p =", (problem.n * problem.boltzmann).round(2))

# %% [markdown]
# The most numerous allocations sit next to $N p_k$ with $p_k \propto e^{-\beta E_k}$.
# Maximising $\ln W \approx N H(n/N)$ under the two constraints is what produces the
# exponential (Lagrange multipliers $\alpha$ and $\beta$).
#
# ## Concentration: almost every allocation is Boltzmann
#
# Draw allocations exactly (with probability proportional to $W$) and measure how far
# their entropy falls below the maximum: $2N(H_{\max} - H(n/N))$ follows a $\chi^2$ law
# with $K - 2$ degrees of freedom, whatever $N$. So the entropy deficit shrinks like
# $1/N$. Move the slider over $N$.


# %%
def show_concentration(log10_N=3.0):
    n = round(10**log10_N)
    p = maxent.Problem([0.0, 1.0, 2.0, 3.0], n, mean_energy=1.2, snap=True)
    cmp = maxent.compare(p, 4000, seed=2026)
    with maxent.lecture_style():
        fig, (ax, bx) = plt.subplots(1, 2, figsize=(13, 4.8), layout="constrained")
        maxent.plot_occupations(cmp, ax)
        maxent.plot_concentration(cmp, bx)
        ax.set_title(f"N = {n:,}")
        plt.show()
    print(
        f"N = {n:,}: largest entropy deficit among 4000 draws "
        f"{cmp.concentration.values.max() / (2 * n):.2e} nats"
    )


show_concentration(3.0)

# %% [markdown]
# Explore $\log_{10} N$ with a slider
# (with ipywidgets; a few fixed values otherwise).

# %%
if HAVE_WIDGETS:
    widgets.interact(
        show_concentration, log10_N=widgets.FloatSlider(value=3.0, min=1.0, max=6.0, step=0.5)
    )
else:
    for x in (2.0, 4.0):
        show_concentration(x)

# %% [markdown]
# ## The other side: how rare is the constrained mean?
#
# Throw a fair die $N$ times. The probability that the mean is at least $4.5$ is counted
# exactly (integers, not floating point) by `maxent.large_deviation_table`. It decays as
# $e^{-N I}$ with Cramér's rate $I = \ln 6 - H(p_\beta)$, where $p_\beta$ is the Boltzmann
# law on the faces with mean 4.5: the same entropy that the counting argument maximises.

# %%
ld = maxent.large_deviation_table(4.5, [10, 50, 100, 1000, 5000])
print(ld)
for n, r in zip(ld.n, ld.rate_exact, strict=True):
    print(
        f"N = {n:>5}: -ln P / N = {r:.4f}   (ln N)/(2N) = {math.log(n) / (2 * n):.4f}"
        f"   exact - I = {r - ld.rate:.4f}"
    )
print("p_beta =", ld.boltzmann.round(4))

# %% [markdown]
# The exact rate approaches $I(4.5) = 0.1782$ like $(\ln N)/(2N)$: the probability is
# $e^{-NI}$ times a prefactor of order $1/\sqrt{N}$.
#
# **Conditional limit.** Given that the $N$ throws sum to $4.5N$, one throw follows
# $p_\beta$, exactly in the limit. `maxent.conditional_die_law` gives the law as fractions.

# %%
for n in (5, 20, 200):
    law = maxent.conditional_die_law(n, math.ceil(4.5 * n))
    print(f"N = {n:>3}: {law.probabilities.round(4)}  TV to p_beta = {law.total_variation:.2e}")
print("exact fractions at N = 5:", [str(f) for f in maxent.conditional_die_law(5, 23).exact])
