"""Boltzmann, Bose-Einstein and Fermi-Dirac counting converge to their own limits.

Five levels (energies 0..4) with g_k = c_k N states (c = 0.2, 0.4, 0.6, 0.8, 1.0) and
mean energy 1.5: as N grows at fixed g_k / N the occupations n_k / N of each statistics
approach its large-N law, g / (exp(alpha + beta E) - 1), g exp(-alpha - beta E) or
g / (exp(alpha + beta E) + 1). The script measures, for each N and statistics, the
total-variation distance to the limit of the exact optimum of ln W and of the sampled
mean (exact sampler), fits the log-log slopes, and draws the limiting occupation per
state against energy with the sampled points at the largest N.

    python simulations/statistics_limits.py --seed 2026 --out out/statistics
"""

import matplotlib.pyplot as plt
import numpy as np

import maxent

from _common import parser, prepare, save, write_csv

STATS = ("boltzmann", "bose", "fermi")
LABEL = {"boltzmann": "Boltzmann", "bose": "Bose-Einstein", "fermi": "Fermi-Dirac"}


def main():
    args = parser(__doc__, "statistics").parse_args()
    out = prepare(args)
    e = np.arange(5.0)
    c = np.array([0.2, 0.4, 0.6, 0.8, 1.0])
    ns = [10, 30, 100, 300, 1000, 3000, 10_000] + ([] if args.quick else [100_000])
    rows = []
    dist = {s: {"optimum": [], "sampled": []} for s in STATS}
    last = {}
    for i, n in enumerate(ns):
        for j, stat in enumerate(STATS):
            g = np.round(c * n) if stat != "boltzmann" else c * n
            p = maxent.Problem(e, n, mean_energy=1.5, degeneracies=g, statistics=stat, snap=True)
            lim = p.limit_fractions
            opt = maxent.maximize_log_count(p).fractions
            r = maxent.sample(p, 4000, seed=np.random.SeedSequence(args.seed, spawn_key=(i, j)))
            d_opt = maxent.distances(opt, lim).tv
            d_s = maxent.distances(r.mean_fractions, lim).tv
            dist[stat]["optimum"].append(d_opt)
            dist[stat]["sampled"].append(d_s)
            rows.append(
                {
                    "n": n,
                    "statistics": stat,
                    "tv_optimum": d_opt,
                    "tv_sampled_mean": d_s,
                    "alpha": p.limit.alpha,
                    "beta": p.beta,
                    "method": r.method,
                }
            )
            last[stat] = (p, r)
    write_csv(out / "statistics_limits.csv", rows)
    colors = {
        "boltzmann": maxent.COLORS["blue"],
        "bose": maxent.COLORS["vermillion"],
        "fermi": maxent.COLORS["green"],
    }
    with maxent.lecture_style():
        fig, (ax, ax2) = plt.subplots(1, 2, figsize=(17, 6.3), layout="constrained")
        for stat in STATS:
            sl, se, _ = maxent.fit_slope(ns, dist[stat]["optimum"])
            ax.plot(
                ns,
                dist[stat]["optimum"],
                "D-",
                color=colors[stat],
                label=f"{LABEL[stat]} optimum (slope {sl:.2f})",
            )
            ax.plot(
                ns,
                dist[stat]["sampled"],
                "o:",
                color=colors[stat],
                mfc="none",
                mew=2,
                label=f"{LABEL[stat]} sampled mean",
            )
            print(f"{stat:>9}: optimum slope {sl:+.3f} ± {se:.3f}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(r"number of items $N$ (with $g_k \propto N$)")
        ax.set_ylabel("TV distance to the large-N limit")
        ax.set_title("each statistics converges to its own law")
        ax.legend(fontsize=10, ncol=2, loc="lower left")
        fine = np.linspace(e.min(), e.max(), 200)
        for stat in STATS:
            p, r = last[stat]
            lim = p.limit
            x = lim.alpha + lim.beta * fine
            occ = {"boltzmann": np.exp(-x), "bose": 1 / np.expm1(x), "fermi": 1 / (np.exp(x) + 1)}[
                stat
            ]
            ax2.plot(fine, occ, color=colors[stat], label=f"{LABEL[stat]} limit")
            ax2.errorbar(
                e,
                r.mean_fractions * p.n / p.degeneracies,
                yerr=2 * r.stderr * p.n / p.degeneracies,
                fmt="o",
                color=colors[stat],
                capsize=3,
            )
        ax2.set_xlabel(r"energy $E_k$")
        ax2.set_ylabel(r"occupation per state $n_k / g_k$")
        ax2.set_title(f"N = {ns[-1]:,}: lines are limits, dots sampled")
        ax2.legend()
        save(fig, out / f"statistics_limits.{args.format}")


if __name__ == "__main__":
    main()
