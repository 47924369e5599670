"""``maxent test``: exact enumeration against Monte Carlo, and both against user baselines.

For each case (an observed histogram on energies 0..K-1, or a die's faces 1..6), in the
same run:

* ``enum``: ``maxent.exact_test(..., method="enumerate")``, the exact p-value;
* ``MC``: ``maxent.exact_test(..., method="monte-carlo")`` with the default 10,000 draws
  of the exact sampler (standard error at most 0.005);
* ``numpy enum``: what a user would write for the exact p-value: every composition of
  N into K classes by stars and bars (``itertools.combinations``), filtered on the total
  energy, ln W by ``scipy.special.gammaln``, ``ln W <= ln W_obs + 1e-9`` (skipped above
  ``--max-compositions``);
* ``numpy MC``: the Monte Carlo a user would write: ``Generator.multinomial(N, p_beta)``
  filtered on the exact total energy until 10,000 draws are kept (stopped at the
  budget; its rate is then extrapolated);
* ``chisquare``: ``scipy.stats.chisquare(counts, N p_beta, ddof=1)``, the asymptotic test
  that ignores that N and U are fixed (a different, approximate answer).

Times are the best of three wall-clock runs after a warm-up (numba kernels compiled).

    python benchmarks/bench_gof.py [--json out.json] [--budget 20] [--quick]
"""

import argparse
import itertools
import math
import time

import numpy as np
from scipy import special, stats

import maxent

from _common import best_time, report

DIE = ("die N=30", [8, 2, 3, 2, 4, 11], [1, 2, 3, 4, 5, 6])
FACES = [1, 2, 3, 4, 5, 6]
CASES = [
    ("K=4 N=16", [9, 1, 1, 5], [0, 1, 2, 3]),
    DIE,
    ("die N=60", [3, 7, 8, 10, 13, 19], FACES),
    ("K=4 N=200", [80, 40, 30, 50], [0, 1, 2, 3]),
    ("die N=600", [56, 57, 76, 90, 156, 165], FACES),
    # a draw of the Boltzmann law at beta = 0.3 (numpy seed 3)
    (
        "K=10 N=1e5",
        [27238, 20136, 15107, 11245, 8159, 6041, 4481, 3291, 2426, 1876],
        list(range(10)),
    ),
]


def numpy_enumeration(counts, energies, max_compositions):
    counts = np.asarray(counts)
    n, k = int(counts.sum()), counts.size
    if math.comb(n + k - 1, k - 1) > max_compositions:
        return None
    levels = np.asarray(energies) - min(energies)
    bars = np.array(list(itertools.combinations(range(n + k - 1), k - 1)), dtype=np.int64)
    edges = np.hstack(
        [np.full((bars.shape[0], 1), -1), bars, np.full((bars.shape[0], 1), n + k - 1)]
    )
    comps = np.diff(edges, axis=1) - 1
    comps = comps[comps @ levels == counts @ levels]
    lw = -special.gammaln(comps + 1.0).sum(axis=1)
    lw_obs = -special.gammaln(counts + 1.0).sum()
    return float(np.exp(special.logsumexp(lw[lw <= lw_obs + 1e-9]) - special.logsumexp(lw)))


def numpy_monte_carlo(counts, energies, draws, budget):
    counts = np.asarray(counts)
    n = int(counts.sum())
    e = np.asarray(energies, dtype=float)
    beta = maxent.beta_from_mean(e, float(counts @ e) / n)
    p = maxent.boltzmann(e, beta)
    levels = (e - e.min()).astype(np.int64)
    target = int(counts @ levels)
    lw_obs = -special.gammaln(counts + 1.0).sum()
    rng = np.random.default_rng(0)
    kept, hits = 0, 0
    t0 = time.perf_counter()
    while kept < draws and time.perf_counter() - t0 < budget:
        x = rng.multinomial(n, p, size=20_000)
        x = x[x @ levels == target][: draws - kept]
        kept += x.shape[0]
        hits += int(np.sum(-special.gammaln(x + 1.0).sum(axis=1) <= lw_obs + 1e-9))
    dt = time.perf_counter() - t0
    if kept == 0:
        return math.inf, math.nan
    return dt * draws / kept, (1 + hits) / (1 + kept)


def chisquare(counts, energies):
    counts = np.asarray(counts)
    e = np.asarray(energies, dtype=float)
    beta = maxent.beta_from_mean(e, float(counts @ e) / counts.sum())
    return stats.chisquare(counts, counts.sum() * maxent.boltzmann(e, beta), ddof=1).pvalue


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--json")
    ap.add_argument("--budget", type=float, default=20.0, help="seconds per baseline run")
    ap.add_argument("--max-compositions", type=float, default=3e6)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    cases = CASES[:2] if args.quick else CASES
    maxent.exact_test(*DIE[1:], method="monte-carlo", draws=100, seed=0)  # compile
    rows = []
    for name, counts, energies in cases:
        try:
            t_enum, enum = best_time(
                lambda: maxent.exact_test(counts, energies, method="enumerate"), repeat=3
            )
            size, p_enum = enum.lattice_size, enum.p_value
        except maxent.ValidationError:
            t_enum, size, p_enum = math.nan, ">1e6", math.nan
        t_mc, mc = best_time(
            lambda: maxent.exact_test(counts, energies, method="monte-carlo", seed=1), repeat=3
        )
        t0 = time.perf_counter()
        p_np = numpy_enumeration(counts, energies, args.max_compositions)
        t_np = time.perf_counter() - t0 if p_np is not None else math.nan
        t_npmc, p_npmc = numpy_monte_carlo(counts, energies, 10_000, args.budget)
        t_chi, p_chi = best_time(lambda: chisquare(counts, energies), repeat=3)
        rows.append(
            [
                name,
                size,
                t_enum,
                t_mc,
                t_np,
                t_npmc,
                t_chi,
                t_np / t_enum if t_np == t_np else math.nan,
                t_npmc / t_mc,
                p_enum,
                f"{mc.p_value:.4f} ± {mc.stderr:.4f}",
                p_npmc,
                p_np if p_np is not None else math.nan,
                p_chi,
            ]
        )
    report(
        "maxent test: seconds (best of 3) and p-values",
        [
            "case",
            "lattice",
            "enum s",
            "MC s",
            "numpy enum s",
            "numpy MC s",
            "chisquare s",
            "numpy enum / enum",
            "numpy MC / MC",
            "p exact",
            "p MC",
            "p numpy MC",
            "p numpy enum",
            "p chisquare",
        ],
        rows,
        args.json,
    )


if __name__ == "__main__":
    main()
