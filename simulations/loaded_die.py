"""A loaded die: maximum entropy with a mean and a second-moment constraint.

Jaynes' Brandeis dice: a die whose faces 1..6 average 4.5 instead of 3.5. With the mean
alone the maximum-entropy law is exponential in the face value; adding the second moment
<k^2> = 22 bends it (one more multiplier: p_k ~ exp(-beta k - lambda k^2)). For N = 1000
throws the script draws outcomes exactly under both sets of constraints, compares them
with the limits, and checks entropy concentration: K - M - 1 = 4 and 3 degrees of
freedom.

    python simulations/loaded_die.py --seed 2026 --out out/die
"""

import matplotlib.pyplot as plt
import numpy as np

import maxent

from _common import parser, prepare, save, write_csv


def main():
    args = parser(__doc__, "die").parse_args()
    out = prepare(args)
    faces = np.arange(1.0, 7.0)
    n = 1000
    cases = [("mean 4.5", []), ("mean 4.5, <k^2> = 22", ["E**2=22"])]
    rows = []
    with maxent.lecture_style():
        fig, axes = plt.subplots(1, 3, figsize=(22, 6.2), layout="constrained")
        width = 0.38
        for i, (label, cons) in enumerate(cases):
            p = maxent.Problem(faces, n, mean_energy=4.5, constraints=cons)
            cmp = maxent.compare(p, 20_000, seed=np.random.SeedSequence(args.seed, spawn_key=(i,)))
            x = np.arange(6) + (i - 0.5) * width
            color = (maxent.COLORS["sky"], maxent.COLORS["orange"])[i]
            axes[0].bar(
                x, p.limit_fractions, width, color=color, alpha=0.7, label=f"{label}: limit"
            )
            axes[0].errorbar(
                x,
                cmp.sample.mean_fractions,
                yerr=2 * cmp.sample.stderr,
                fmt="o",
                color="black",
                capsize=3,
            )
            maxent.plot_concentration(cmp, axes[1 + i])
            c = cmp.concentration
            print(
                f"{label}: beta {p.beta:.4f}, lambdas {p.limit.lambdas}, dof {c.dof}, "
                f"KS p {c.ks_pvalue:.3g}"
            )
            for k in range(6):
                rows.append(
                    {
                        "case": label,
                        "face": k + 1,
                        "limit": p.limit_fractions[k],
                        "sampled_mean": cmp.sample.mean_fractions[k],
                        "stderr": cmp.sample.stderr[k],
                        "dof": c.dof,
                        "ks_pvalue": c.ks_pvalue,
                    }
                )
        axes[0].set_xticks(np.arange(6))
        axes[0].set_xticklabels([str(int(f)) for f in faces])
        axes[0].set_xlabel("face")
        axes[0].set_ylabel("probability")
        axes[0].set_title(f"N = {n} throws; dots: exact draws ±2 s.e.")
        axes[0].legend(loc="upper left")
        for i, (label, _) in enumerate(cases):
            axes[1 + i].set_title(f"{label}: {axes[1 + i].get_title()}", fontsize=14)
        save(fig, out / f"loaded_die.{args.format}")
    write_csv(out / "loaded_die.csv", rows)


if __name__ == "__main__":
    main()
