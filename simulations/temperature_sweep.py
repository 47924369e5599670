"""Occupations across temperatures, including negative ones.

K = 5 classes (energies 0..4), N = 10 000. beta runs from -1.5 to 1.5 (negative beta:
mean energies above the unweighted average, more items on the higher levels) plus the
limits beta = +/-inf. For each beta: the Boltzmann occupations, the sampled mean
occupations (exact sampler) and the mean energy. Writes temperature_sweep.csv and a
two-panel figure (occupations against beta; beta against mean energy).

    python simulations/temperature_sweep.py --seed 2026 --out out/temperature
"""

import matplotlib.pyplot as plt
import numpy as np

import maxent

from _common import parser, prepare, save, write_csv


def main():
    args = parser(__doc__, "temperature").parse_args()
    out = prepare(args)
    e = np.arange(5.0)
    n = 10_000
    betas = np.concatenate([[-np.inf], np.linspace(-1.5, 1.5, 13 if args.quick else 31), [np.inf]])
    rows = []
    sampled = []
    for i, b in enumerate(betas):
        p = maxent.Problem(e, n, beta=b)
        r = maxent.sample(p, 2000, seed=np.random.SeedSequence(args.seed, spawn_key=(i,)))
        sampled.append(r.mean_fractions)
        for k in range(e.size):
            rows.append(
                {
                    "beta": b,
                    "effective_beta": p.beta,
                    "mean_energy": p.mean_energy,
                    "class": k,
                    "boltzmann": p.boltzmann[k],
                    "sampled_mean": r.mean_fractions[k],
                    "stderr": r.stderr[k],
                    "method": r.method,
                }
            )
    write_csv(out / "temperature_sweep.csv", rows)
    sampled = np.array(sampled)
    fine = np.linspace(-1.5, 1.5, 301)
    boltz = np.array([maxent.boltzmann(e, b) for b in fine])
    colors = [maxent.COLORS[c] for c in ("blue", "orange", "green", "vermillion", "purple")]
    finite = np.isfinite(betas)
    with maxent.lecture_style():
        fig, (ax, ax2) = plt.subplots(1, 2, figsize=(17, 6.2), layout="constrained")
        for k in range(e.size):
            ax.plot(fine, boltz[:, k], color=colors[k], label=f"$E_{k}$ = {k:g}")
            ax.plot(betas[finite], sampled[finite, k], "o", color=colors[k], ms=6)
        ax.axvline(0, color=maxent.COLORS["grey"], lw=1)
        ax.set_xlabel(r"inverse temperature $\beta$")
        ax.set_ylabel(r"occupation fraction $n_k/N$")
        ax.set_title(f"lines: Boltzmann; dots: sampled (N = {n:,})")
        ax.legend(loc="upper center", ncol=5, fontsize=11)
        means = np.linspace(e.min() + 1e-3, e.max() - 1e-3, 300)
        bs = [maxent.beta_from_mean(e, m) for m in means]
        ax2.plot(means, bs, color=maxent.COLORS["blue"])
        ax2.axhline(0, color=maxent.COLORS["grey"], lw=1)
        ax2.axvline(e.mean(), color=maxent.COLORS["grey"], lw=1, ls=":")
        ax2.annotate(r"$T<0$: more items high", (3.0, -2.5), fontsize=13)
        ax2.annotate(r"$T>0$", (0.6, 2.5), fontsize=13)
        ax2.set_ylim(-6, 6)
        ax2.set_xlabel(r"mean energy $U/N$")
        ax2.set_ylabel(r"$\beta$ (from the mean)")
        ax2.set_title(r"$\beta \to \pm\infty$ at the lowest / highest level")
        save(fig, out / f"temperature_sweep.{args.format}")


if __name__ == "__main__":
    main()
