"""Jaynes' entropy concentration theorem, by exact sampling.

Among allocations that meet the constraints, the entropy H(n/N) concentrates just below
its maximum: 2N (H_max - H) follows the chi-squared law with K - 2 degrees of freedom
(K classes, minus one for the count and one for the energy). For K = 4 and K = 6 at
N = 100, 1e4 and 1e6 this script draws allocations exactly and compares the histogram
with the chi-squared density, and writes the quantiles and Kolmogorov-Smirnov statistics.

    python simulations/entropy_concentration.py --seed 2026 --out out/entropy
"""

import matplotlib.pyplot as plt
import numpy as np

import maxent

from _common import parser, prepare, save, write_csv


def main():
    args = parser(__doc__, "entropy").parse_args()
    out = prepare(args)
    ns = [100, 10_000] if args.quick else [100, 10_000, 1_000_000]
    cases = [([0, 1, 2, 3], 1.2), ([0, 1, 2, 3, 4, 5], 1.8)]
    rows = []
    with maxent.lecture_style():
        fig, axes = plt.subplots(
            len(cases),
            len(ns),
            figsize=(6 * len(ns), 5 * len(cases)),
            layout="constrained",
            squeeze=False,
        )
        for i, (e, mean) in enumerate(cases):
            for j, n in enumerate(ns):
                p = maxent.Problem(e, n, mean_energy=mean, snap=True)
                cmp = maxent.compare(
                    p, 20_000, seed=np.random.SeedSequence(args.seed, spawn_key=(i, j))
                )
                c = cmp.concentration
                maxent.plot_concentration(cmp, axes[i, j])
                axes[i, j].set_title(f"K = {len(e)}, N = {n:,}")  # the fit p-value is in the legend
                row = {
                    "K": len(e),
                    "n": n,
                    "dof": c.dof,
                    "mean": c.mean,
                    "ks_statistic": c.ks_statistic,
                    "ks_pvalue": c.ks_pvalue,
                }
                for q, o, x in zip(
                    c.quantiles["p"],
                    c.quantiles["observed"],
                    c.quantiles["chi2"],
                    strict=True,
                ):
                    row[f"q{q:g}_observed"] = o
                    row[f"q{q:g}_chi2"] = x
                rows.append(row)
                stats = f"mean {c.mean:.3f} (dof {c.dof}), KS p {c.ks_pvalue:.3g}"
                print(f"K={len(e)} N={n}: {stats}")
        save(fig, out / f"entropy_concentration.{args.format}")
    write_csv(out / "entropy_concentration.csv", rows)


if __name__ == "__main__":
    main()
