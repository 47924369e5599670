"""Fermi-Dirac occupation at low temperature approaches a step.

Forty levels (energies 0..39), two states each, forty items: the ground state fills the
lowest twenty levels. At temperatures T = 8, 4, 2, 1, 0.5 and 0.25 the script draws
allocations exactly and compares the mean occupation per state with the Fermi-Dirac law
1 / (exp((E - mu) / T) + 1); as T falls it becomes the step at the Fermi energy.

    python simulations/fermi_step.py --seed 2026 --out out/fermi
"""

import matplotlib.pyplot as plt
import numpy as np

import maxent

from _common import parser, prepare, save, write_csv


def main():
    args = parser(__doc__, "fermi").parse_args()
    out = prepare(args)
    e = np.arange(40.0)
    g = np.full(40, 2.0)
    n = 40
    temps = [8.0, 4.0, 2.0, 1.0, 0.5, 0.25]
    rows = []
    palette = [
        maxent.COLORS[c] for c in ("blue", "orange", "green", "vermillion", "purple", "black")
    ]
    with maxent.lecture_style():
        fig, ax = plt.subplots(figsize=(11, 6.5), layout="constrained")
        fine = np.linspace(e.min(), e.max(), 400)
        for i, t in enumerate(temps):
            p = maxent.Problem(e, n, temperature=t, degeneracies=g, statistics="fermi")
            r = maxent.sample(
                p,
                2000 if args.quick else 10_000,
                seed=np.random.SeedSequence(args.seed, spawn_key=(i,)),
            )
            occ = r.mean_fractions * n / g
            lim = p.limit
            if np.isinf(lim.beta):  # the reachable total is the ground state: a step
                mu = float(e[np.cumsum(g) >= n][0]) + 0.5
                label = f"T = {t:g}: ground state (step at {mu:g})"
            else:
                mu = -lim.alpha / lim.beta
                label = f"T = {t:g} (Fermi level {mu:.2f})"
            curve = 1.0 / (np.exp(np.clip(lim.beta * (fine - mu), -700, 700)) + 1.0)
            ax.plot(fine, curve, color=palette[i], label=label)
            ax.plot(e, occ, "o", color=palette[i], ms=5)
            for k in range(e.size):
                rows.append(
                    {
                        "temperature": t,
                        "beta": p.beta,
                        "mu": mu,
                        "energy": e[k],
                        "occupation_per_state": occ[k],
                        "limit": float(np.interp(e[k], fine, curve)),
                    }
                )
        ax.set_xlabel(r"energy $E_k$")
        ax.set_ylabel(r"occupation per state $n_k / g_k$")
        ax.set_title("Fermi-Dirac: lines are the limit, dots exact draws (N = 40)")
        ax.legend(loc="upper right")
        save(fig, out / f"fermi_step.{args.format}")
    write_csv(out / "fermi_step.csv", rows)


if __name__ == "__main__":
    main()
