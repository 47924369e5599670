"""Large deviations of a fair die: exact tail probabilities, Monte Carlo, conditional law.

Throw a fair die N times. The probability that the mean reaches a = 4.5 is counted
exactly (integer counts of the outcomes) and compared with Cramér's estimate
exp(-N I(a)), I(a) = ln 6 - H(p_beta) = 0.178, with the sharper Bahadur-Rao estimate,
and with a plain Monte Carlo estimate from 10^6 seeded simulations of N throws, which
stops seeing the event at all beyond N of about 60. Right: the exact law of one throw given
that the sum is 4.5 N approaches the Boltzmann law p_beta; its total-variation distance
falls like 1/N (the conditional limit theorem).

    python simulations/large_deviations.py --seed 2026 --out out/large_deviations
"""

import math

import matplotlib.pyplot as plt
import numpy as np

import maxent

from _common import parser, prepare, save, write_csv


def main():
    args = parser(__doc__, "large_deviations").parse_args()
    out = prepare(args)
    a = 4.5
    ns = np.arange(2, 121, 2)
    table = maxent.large_deviation_table(a, ns)
    runs = 100_000 if args.quick else 1_000_000
    mc_ns = [2, 4, 6, 8, 10, 15, 20, 30, 40, 60]
    rng = np.random.default_rng(np.random.SeedSequence(args.seed))
    mc = []
    for n in mc_ns:
        hits = 0
        left = runs
        while left:  # in chunks, to bound memory
            m = min(left, 200_000)
            throws = rng.integers(1, 7, size=(m, n), dtype=np.int8)
            hits += int((throws.sum(axis=1, dtype=np.int64) >= math.ceil(n * a)).sum())
            left -= m
        mc.append(hits / runs)
    cond_ns = np.array([2, 4, 10, 20, 50, 100, 200, 500, 1000])
    laws = [maxent.conditional_die_law(int(n), math.ceil(n * a)) for n in cond_ns]
    tv = np.array([law.total_variation for law in laws])
    slope, _, _ = maxent.fit_slope(cond_ns[2:], tv[2:])
    with maxent.lecture_style():
        fig, (ax, bx) = plt.subplots(1, 2, figsize=(16, 6.5), layout="constrained")
        lg = 1 / math.log(10)
        ax.plot(ns, table.log_probability * lg, "o", color="black", label="exact (counting)")
        ax.plot(
            ns,
            -ns * table.rate * lg,
            "--",
            color=maxent.COLORS["sky"],
            lw=3,
            label=r"Cramér $e^{-N I(a)}$",
        )
        ax.plot(ns, table.log_bahadur_rao * lg, color=maxent.COLORS["orange"], label="Bahadur-Rao")
        mc = np.array(mc)
        seen = mc > 0
        err = np.sqrt(mc * (1 - mc) / runs)
        ax.errorbar(
            np.array(mc_ns)[seen],
            np.log10(mc[seen]),
            yerr=lg * err[seen] / mc[seen],
            fmt="s",
            ms=7,
            color=maxent.COLORS["vermillion"],
            label=f"Monte Carlo, {runs:,} runs",
        )
        ax.axhline(-math.log10(runs), color=maxent.COLORS["grey"], ls=":", lw=2)
        ax.annotate(
            "one hit in all the runs",
            (ns[-1], -math.log10(runs)),
            xytext=(0, 6),
            textcoords="offset points",
            ha="right",
            color=maxent.COLORS["grey"],
        )
        ax.set_xlabel("number of throws N")
        ax.set_ylabel(r"$\log_{10} P(\mathrm{mean} \geq 4.5)$")
        ax.set_title("exact tail probability of a fair die")
        ax.legend(loc="lower left")
        bx.loglog(cond_ns, tv, "o", color="black", label="exact conditional law")
        bx.loglog(
            cond_ns,
            tv[-1] * cond_ns[-1] / cond_ns,
            "--",
            color=maxent.COLORS["vermillion"],
            label=f"c/N (fitted slope {slope:.2f})",
        )
        bx.set_xlabel("number of throws N")
        bx.set_ylabel(r"TV(one throw | sum $= 4.5N$, $p_\beta$)")
        bx.set_title("conditional limit: one throw becomes Boltzmann")
        bx.legend(loc="upper right")
        save(fig, out / f"large_deviations.{args.format}")
    print(table)
    print(f"conditional law: TV slope {slope:.3f}; at N = 1000: {laws[-1]}")
    rows = [
        {
            "n": int(n),
            "log_probability": float(lp),
            "rate_exact": float(r),
            "rate_cramer": table.rate,
            "log_bahadur_rao": float(b),
        }
        for n, lp, r, b in zip(
            ns, table.log_probability, table.rate_exact, table.log_bahadur_rao, strict=True
        )
    ]
    write_csv(out / "large_deviations.csv", rows)
    write_csv(
        out / "large_deviations_monte_carlo.csv",
        [{"n": n, "runs": runs, "estimate": p} for n, p in zip(mc_ns, mc, strict=True)],
    )


if __name__ == "__main__":
    main()
