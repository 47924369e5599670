"""Ensemble equivalence in an Einstein solid: one oscillator, microcanonical vs canonical.

N oscillators share q = 2N quanta, every allocation equally likely. The exact law of one
oscillator's quanta, C(q - n + N - 2, N - 2) / C(q + N - 1, N - 1), is compared with a
seeded simulation (uniform random allocations, drawn as random "stars and bars") and
with the canonical geometric law of the same mean. Right: the total-variation distance
between the microcanonical and canonical laws against N falls like c/N.

    python simulations/ensemble_equivalence.py --seed 2026 --out out/ensemble_equivalence
"""

import matplotlib.pyplot as plt
import numpy as np

import maxent

from _common import parser, prepare, save, write_csv


def random_allocations(rng, oscillators, quanta, draws):
    """Uniform random allocations of quanta: the gaps between N - 1 random bars."""
    slots = quanta + oscillators - 1
    # N - 1 distinct bar positions per draw: the first N - 1 of a random permutation
    bars = np.sort(rng.random((draws, slots)).argsort(axis=1)[:, : oscillators - 1], axis=1)
    edges = np.hstack([np.full((draws, 1), -1), bars, np.full((draws, 1), slots)])
    return np.diff(edges, axis=1) - 1


def main():
    args = parser(__doc__, "ensemble_equivalence").parse_args()
    out = prepare(args)
    mean = 2.0
    draws = 20_000 if args.quick else 100_000
    rng = np.random.default_rng(np.random.SeedSequence(args.seed))
    ns = 2 ** np.arange(2, 14 if args.quick else 17)
    table = maxent.equivalence_table(mean, ns)
    with maxent.lecture_style():
        fig, (ax, bx) = plt.subplots(1, 2, figsize=(16, 6.5), layout="constrained")
        colors = [maxent.COLORS["vermillion"], maxent.COLORS["orange"], maxent.COLORS["green"]]
        for i, big_n in enumerate((3, 10, 100)):
            q = round(mean * big_n)
            law = maxent.one_item_law(big_n, q)
            alloc = random_allocations(rng, big_n, q, draws if big_n < 100 else draws // 5)
            # every oscillator of every draw is a sample of the one-item law
            counts = np.bincount(alloc.ravel(), minlength=q + 1)
            freq = counts / alloc.size
            cut = min(q + 1, 21)
            ax.plot(
                law.n[:cut],
                law.microcanonical[:cut],
                "-",
                color=colors[i],
                label=f"exact, N = {big_n}",
            )
            ok = counts[:cut] > 0
            ax.plot(law.n[:cut][ok], freq[:cut][ok], "o", color=colors[i], ms=7, mfc="none", mew=2)
        nn = np.arange(21)
        x = mean / (1 + mean)
        ax.plot(
            nn,
            (1 - x) * x**nn,
            "--",
            color=maxent.COLORS["sky"],
            lw=3,
            label="canonical (geometric)",
        )
        ax.plot([], [], "o", color="black", mfc="none", mew=2, label="simulated allocations")
        ax.set_yscale("log")
        ax.set_ylim(1e-6, 1)
        ax.set_xlabel("quanta n of one oscillator")
        ax.set_ylabel("P(n)")
        ax.set_title(f"one oscillator, mean q/N = {mean:g}")
        ax.legend(loc="lower left")
        bx.loglog(table.oscillators, table.total_variation, "o", color="black", label="exact TV")
        bx.loglog(
            table.oscillators,
            table.constant / table.oscillators,
            "--",
            color=maxent.COLORS["vermillion"],
            label=f"{table.constant:.3f}/N (fitted slope {table.slope:.3f})",
        )
        bx.set_xlabel("oscillators N")
        bx.set_ylabel("total-variation distance")
        bx.set_title("microcanonical vs canonical")
        bx.legend(loc="upper right")
        save(fig, out / f"ensemble_equivalence.{args.format}")
    print(table)
    write_csv(
        out / "ensemble_equivalence.csv",
        [
            {"oscillators": int(n), "quanta": int(q), "total_variation": float(t)}
            for n, q, t in zip(table.oscillators, table.quanta, table.total_variation, strict=True)
        ],
    )


if __name__ == "__main__":
    main()
