"""Bose-Einstein condensation: the ground level fills up as the temperature falls.

Twenty levels (energies 0..19) with g_k = (k + 1)^2 states (a three-dimensional density
of states), N = 1000 items. For falling temperatures the script draws allocations
exactly and records the fraction of items on the ground level, against the large-N
Bose-Einstein limit and against Boltzmann counting with the same degeneracies, which
shows no condensation.

    python simulations/bose_condensation.py --seed 2026 --out out/bose
"""

import matplotlib.pyplot as plt
import numpy as np

import maxent

from _common import parser, prepare, save, write_csv


def main():
    args = parser(__doc__, "bose").parse_args()
    out = prepare(args)
    e = np.arange(20.0)
    g = (np.arange(20.0) + 1) ** 2
    n = 1000
    temps = np.geomspace(0.2, 12, 10 if args.quick else 18)
    rows = []
    res = {"bose": [], "boltzmann": []}
    for i, t in enumerate(temps):
        for j, stat in enumerate(("bose", "boltzmann")):
            p = maxent.Problem(e, n, temperature=t, degeneracies=g, statistics=stat)
            r = maxent.sample(p, 2000, seed=np.random.SeedSequence(args.seed, spawn_key=(i, j)))
            frac, err = r.mean_fractions[0], r.stderr[0]
            res[stat].append((frac, err, p.limit_fractions[0]))
            rows.append(
                {
                    "temperature": t,
                    "statistics": stat,
                    "ground_fraction": frac,
                    "stderr": err,
                    "limit_ground_fraction": p.limit_fractions[0],
                    "beta": p.beta,
                    "message": p.limit.message,
                }
            )
    write_csv(out / "bose_condensation.csv", rows)
    with maxent.lecture_style():
        fig, ax = plt.subplots(figsize=(11, 6.5), layout="constrained")
        for stat, color, label in (
            ("bose", maxent.COLORS["vermillion"], "Bose-Einstein"),
            ("boltzmann", maxent.COLORS["blue"], "Boltzmann"),
        ):
            arr = np.array(res[stat])
            ax.plot(temps, arr[:, 2], color=color, label=f"{label} limit")
            ax.errorbar(
                temps,
                arr[:, 0],
                yerr=2 * arr[:, 1],
                fmt="o",
                color=color,
                capsize=3,
                label=f"{label}, exact draws (N = {n})",
            )
        ax.set_xscale("log")
        ax.set_xlabel("temperature T")
        ax.set_ylabel(r"fraction on the ground level $n_0 / N$")
        ax.set_title(r"condensation with $g_k = (k+1)^2$")
        ax.legend(loc="center left")
        save(fig, out / f"bose_condensation.{args.format}")


if __name__ == "__main__":
    main()
