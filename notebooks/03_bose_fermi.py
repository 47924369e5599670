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
# # Bose-Einstein and Fermi-Dirac: changing how we count
#
# Boltzmann counting treats the items as labelled: $W = N!/\prod_k n_k!$ (times
# $g_k^{n_k}$ when level $k$ has $g_k$ states). Two other ways to count give the quantum
# statistics:
#
# * **Bose-Einstein**: indistinguishable items, any number per state:
#   $W = \prod_k \binom{n_k + g_k - 1}{n_k}$; maximising gives
#   $n_k/g_k = 1/(e^{\beta(E_k - \mu)} - 1)$.
# * **Fermi-Dirac**: indistinguishable items, at most one per state:
#   $W = \prod_k \binom{g_k}{n_k}$; maximising gives $n_k/g_k = 1/(e^{\beta(E_k - \mu)} + 1)$.
#
# The only change is the count $W$; the constraints are the same. `maxent.Problem` takes
# `statistics="bose"` or `"fermi"` and samples exactly under these counts.

# %%
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
# ## Fermi-Dirac: a step at low temperature
#
# Forty levels $E = 0, \dots, 39$ with two states each and $N = 40$ items: at $T = 0$ the
# lowest twenty levels are full. Exact draws (dots) against the limit law (line).

# %%
energies = np.arange(40.0)
states = np.full(40, 2.0)


def fermi_occupation(T=2.0):
    p = maxent.Problem(energies, 40, temperature=T, degeneracies=states, statistics="fermi")
    r = maxent.sample(p, 3000, seed=2026)
    lim = p.limit
    mu = -lim.alpha / lim.beta
    fine = np.linspace(0, 39, 400)
    with maxent.lecture_style():
        fig, ax = plt.subplots(figsize=(10, 4.5), layout="constrained")
        ax.plot(fine, 1 / (np.exp(np.clip(lim.beta * (fine - mu), -700, 700)) + 1), label="limit")
        ax.plot(energies, r.mean_fractions * 40 / states, "o", label="exact draws, N = 40")
        ax.set_xlabel("energy")
        ax.set_ylabel("occupation per state")
        ax.set_title(f"Fermi-Dirac at T = {T:.3g}: Fermi level {mu:.2f}")
        ax.legend()
        plt.show()


fermi_occupation(2.0)

# %% [markdown]
# Explore the temperature $T$ with a slider
# (with ipywidgets; a few fixed values otherwise).

# %%
if HAVE_WIDGETS:
    widgets.interact(
        fermi_occupation, T=widgets.FloatLogSlider(value=2.0, base=10, min=-0.6, max=1.0)
    )
else:
    for T in (0.5, 4.0):
        fermi_occupation(T)

# %% [markdown]
# ## Bose-Einstein: condensation into the ground state
#
# Twenty levels with $g_k = (k + 1)^2$ states (a three-dimensional box) and $N = 1000$
# items. As the temperature falls, Bose counting piles a macroscopic fraction of the
# items into the single ground state; Boltzmann counting with the same levels does not.

# %%
levels = np.arange(20.0)
degeneracy = (levels + 1) ** 2
temps = np.geomspace(0.3, 12, 7)
ground = {"bose": [], "boltzmann": []}
for stat in ground:
    for T in temps:
        p = maxent.Problem(levels, 1000, temperature=T, degeneracies=degeneracy, statistics=stat)
        r = maxent.sample(p, 300, seed=2026)
        ground[stat].append((r.mean_fractions[0], p.limit_fractions[0]))
with maxent.lecture_style():
    fig, ax = plt.subplots(figsize=(9, 4.8), layout="constrained")
    for stat, color in (
        ("bose", maxent.COLORS["vermillion"]),
        ("boltzmann", maxent.COLORS["blue"]),
    ):
        arr = np.array(ground[stat])
        ax.plot(temps, arr[:, 1], color=color, label=f"{stat}: limit")
        ax.plot(temps, arr[:, 0], "o", color=color, label=f"{stat}: exact draws")
    ax.set_xscale("log")
    ax.set_xlabel("temperature T")
    ax.set_ylabel("fraction in the ground state")
    ax.legend()
    plt.show()

# %% [markdown]
# ## The three counts side by side
#
# The same levels, degeneracies and mean energy; only $W$ differs. Fermi counting caps
# each state at one item; Bose counting favours piling up in the ground level.

# %%
g = np.array([2.0, 4.0, 6.0, 8.0])
for stat in ("fermi", "boltzmann", "bose"):
    p = maxent.Problem([0.0, 1.0, 2.0, 3.0], 12, mean_energy=1.5, degeneracies=g, statistics=stat)
    print(f"{stat:>9}: limit occupation per state {(p.limit_fractions * 12 / g).round(3)}")
