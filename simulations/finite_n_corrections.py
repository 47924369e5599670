"""Finite-N corrections: the optimum, the mode and the mean differ from Boltzmann by O(1/N).

For K = 4 (energies 0..3, mean energy 1.2) and N from 10 to 1e5, computes exactly (no
sampling): the exact optimum of ln W (digamma conditions), the most probable integer
allocation and the exact mean occupation under W (convolution on the energy lattice),
and plots N (x_k - p_k) for each: the optimum and the mean settle on constants (their
1/N coefficients), the mode keeps jumping because it is an integer point.

    python simulations/finite_n_corrections.py --out out/finite_n
"""

import matplotlib.pyplot as plt
import numpy as np

import maxent

from _common import parser, prepare, save, write_csv


def main():
    args = parser(__doc__, "finite_n").parse_args()
    out = prepare(args)
    ns = np.unique(np.round(np.geomspace(10, 1e4 if args.quick else 1e5, 25)).astype(int))
    rows = []
    curves = {"optimum": [], "mode": [], "exact_mean": []}
    for n in ns:
        p = maxent.Problem([0, 1, 2, 3], int(n), mean_energy=1.2, snap=True)
        b = p.boltzmann
        opt = maxent.maximize_log_count(p).fractions
        mode = maxent.most_probable_allocation(p).fractions
        mean, how = maxent.exact_mean_fractions(p)
        for name, x in (("optimum", opt), ("mode", mode), ("exact_mean", mean)):
            curves[name].append(n * (x - b))
            for k in range(4):
                rows.append(
                    {
                        "n": int(n),
                        "estimate": name,
                        "class": k,
                        "fraction": x[k],
                        "boltzmann": b[k],
                        "n_times_deviation": n * (x[k] - b[k]),
                        "mean_energy": p.mean_energy,
                        "method": how,
                    }
                )
    write_csv(out / "finite_n_corrections.csv", rows)
    colors = [maxent.COLORS[c] for c in ("blue", "orange", "green", "vermillion")]
    with maxent.lecture_style():
        fig, axes = plt.subplots(1, 3, figsize=(19, 5.8), layout="constrained")
        titles = {
            "optimum": "exact optimum of ln W",
            "exact_mean": "exact mean under W",
            "mode": "most probable allocation",
        }
        for ax, name in zip(axes, ("optimum", "exact_mean", "mode"), strict=True):
            y = np.array(curves[name])
            for k in range(4):
                ax.plot(
                    ns,
                    y[:, k],
                    "o-" if name != "mode" else "o",
                    color=colors[k],
                    ms=5,
                    label=f"class {k} (E = {k})",
                )
            ax.axhline(0, color=maxent.COLORS["grey"], lw=1)
            ax.set_xscale("log")
            ax.set_xlabel("number of items $N$")
            ax.set_title(titles[name])
        axes[0].set_ylabel(r"$N\,(n_k/N - p_k)$")
        axes[0].legend(loc="best")
        save(fig, out / f"finite_n_corrections.{args.format}")


if __name__ == "__main__":
    main()
