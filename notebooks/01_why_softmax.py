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
# # Why softmax?
#
# Students meet softmax as a recipe: exponentiate the scores, divide by the sum. This
# notebook asks the questions they ask (why not a plain ratio? what does the temperature
# do? why does it go with cross-entropy?) and answers each with a computation. The last
# section shows where the exponential comes from: counting.
#
# Everything uses numpy, matplotlib and the public API of `maxent`.

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


def softmax(z, temperature=1.0):
    """softmax(z / T): the Boltzmann law of the energies -z at beta = 1/T."""
    return maxent.boltzmann(-np.asarray(z, dtype=float), 1.0 / temperature)


def ratio(z):
    """The 'plain' normalisation z / sum(z)."""
    z = np.asarray(z, dtype=float)
    return z / z.sum()


# %% [markdown]
# ## softmax is the Boltzmann law
#
# $\mathrm{softmax}(z)_k = e^{z_k} / \sum_j e^{z_j}$. In physics the same formula reads
# $p_k = e^{-\beta E_k} / Z$: the logits are minus the energies and $\beta = 1/T$.
# `maxent.boltzmann` evaluates it in log space, so huge logits do not overflow.

# %%
z = np.array([2.0, 4.0, 2.0, 1.0])
naive = np.exp(z) / np.exp(z).sum()
print("softmax:", softmax(z).round(4), " naive:", naive.round(4))
print("logits 1000 + z:", softmax(1000 + z).round(4), "(naive exp(1000) overflows)")

# %% [markdown]
# ## A ratio or softmax?
#
# A plain ratio $z_k / \sum_j z_j$ is *scale* invariant: $[1, 2]$ and $[10, 20]$ give the
# same answer, however confident the network is. Softmax is *shift* invariant instead:
# adding a constant changes nothing, multiplying sharpens it. And the ratio breaks with
# negative scores or a zero sum.

# %%
for scores in ([1, 2], [10, 20], [101, 102], [-1, 2], [2, 4, 2, 1]):
    r = np.array2string(ratio(scores), precision=4)
    print(f"{scores!s:>14}  ratio {r:<34} softmax {np.array2string(softmax(scores), precision=4)}")
with np.errstate(divide="ignore", invalid="ignore"):
    print("[-1, 1]: ratio", ratio([-1, 1]), " softmax", softmax([-1, 1]))

# %% [markdown]
# ## Temperature: from argmax to uniform
#
# $\mathrm{softmax}(z/T)$ tends to the argmax as $T \to 0$ and to the uniform law as
# $T \to \infty$. Move the slider.


# %%
def show_temperature(T=1.0):
    with maxent.lecture_style():
        fig, (ax, bx) = plt.subplots(1, 2, figsize=(12, 4.5), layout="constrained")
        ts = np.geomspace(0.05, 20, 300)
        probs = np.array([softmax(z, t) for t in ts])
        for k in range(z.size):
            ax.plot(ts, probs[:, k], label=f"z = {z[k]:g}")
        ax.axvline(T, color="grey", ls=":")
        ax.set_xscale("log")
        ax.set_xlabel("temperature T")
        ax.set_ylabel("probability")
        ax.legend(loc="center right")
        bx.bar(np.arange(z.size), softmax(z, T), color=maxent.COLORS["blue"])
        bx.set_xticks(np.arange(z.size), [f"z = {v:g}" for v in z])
        bx.set_ylim(0, 1)
        bx.set_title(f"T = {T:.3g}")
        plt.show()


show_temperature(1.0)

# %% [markdown]
# Explore the temperature $T$ with a slider
# (with ipywidgets; a few fixed values otherwise).

# %%
if HAVE_WIDGETS:
    widgets.interact(
        show_temperature,
        T=widgets.FloatLogSlider(value=1.0, base=10, min=-1.3, max=1.3, step=0.05),
    )
else:
    for T in (0.1, 10.0):
        show_temperature(T)

# %% [markdown]
# With two classes softmax is the logistic sigmoid of the score difference:
# $\mathrm{softmax}([d, 0])_0 = 1/(1 + e^{-d})$.

# %%
d = np.linspace(-6, 6, 13)
two = np.array([softmax([x, 0.0])[0] for x in d])
print("max |softmax - sigmoid| =", np.abs(two - 1 / (1 + np.exp(-d))).max())

# %% [markdown]
# ## Why cross-entropy and softmax go together
#
# For the cross-entropy loss $L = -\ln \mathrm{softmax}(z)_y$ the gradient is
# $\partial L / \partial z_i = \mathrm{softmax}(z)_i - \delta_{iy}$: the log undoes the
# exponential. A confident wrong prediction keeps a gradient near 1. The squared error on
# the softmax output has a gradient multiplied by the softmax Jacobian, which vanishes
# when the output saturates.

# %%
zy = np.linspace(-10, 12, 300)  # the logit of the correct class; the others are 8 and 2
g_ce, g_mse = [], []
for v in zy:
    s = softmax([v, 8.0, 2.0])
    y = np.array([1.0, 0.0, 0.0])
    g_ce.append(abs(s[0] - 1.0))
    jac = np.diag(s) - np.outer(s, s)
    g_mse.append(abs((2 * (s - y)) @ jac[:, 0]))
with maxent.lecture_style():
    fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
    ax.semilogy(zy, g_ce, label="cross-entropy")
    ax.semilogy(zy, g_mse, label="squared error")
    ax.set_xlabel("logit of the correct class")
    ax.set_ylabel("|gradient|")
    ax.legend()
    plt.show()

# %% [markdown]
# ## Where the exponential comes from: counting
#
# Put $N$ items in $K$ classes with energies $E_k$, fixing the total energy. The number of
# ways to realise the counts $n_k$ is $W = N!/\prod_k n_k!$; almost all ways have counts
# close to the maximiser of $\ln W$, which is the Boltzmann law $e^{-\beta E_k}/Z$. Draw
# allocations exactly and compare.

# %%
problem = maxent.Problem([0.0, 1.0, 2.0, 3.0], 2000, mean_energy=1.2)
draws = maxent.sample(problem, 2000, seed=2026)
print("beta =", round(problem.beta, 4))
print("Boltzmann     ", problem.boltzmann.round(4))
print("mean of draws ", draws.mean_fractions.round(4))
print("one draw      ", (draws.draws[0] / problem.n).round(4))
