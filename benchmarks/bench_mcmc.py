"""MCMC effective samples per second: allocation-level moves against item-level moves.

Both chains run in the same process, one chain, one thread, default burn-in and thinning
(ESS/s = smallest ESS over the classes / wall time of the whole run, burn-in included):

* ``item``: today's item-level chain (pair exchanges of labelled items, about N
  proposals per draw; maxent._sampling.mcmc.run_mcmc, the one ``relax`` builds on);
* ``alloc``: the allocation-level chain (maxent/_sampling/alloc_mcmc.py; moves n -> n + t v on the
  constraint lattice with steps scaled to the spread of the counts).

Cases: K = 4 (E = 0..3, mean 1.2) at N = 1e4, 1e5, 1e6 (and 1e9, 1e18 for the new chain
alone), and K = 10 irregular levels at N = 1e5. Ratios: alloc / item in the same run, and
the flatness ESS/s(N) / ESS/s(N = 1e4) of each chain.

    python benchmarks/bench_mcmc.py [--json out.json] [--quick]
"""

import argparse
import time

import numba
import numpy as np

import maxent
from maxent._sampling.mcmc import run_mcmc

from _common import report

IRREGULAR = [0, 1, 3, 4, 7, 8, 11, 15, 16, 20]


def item_rate(problem, samples, seed):
    """ESS/s of the item-level chain with sample()'s old defaults (burn-in 20 N, thin N)."""
    seq = np.random.SeedSequence(seed)
    t0 = time.perf_counter()
    _, d = run_mcmc(problem, seq, samples, 1, 20 * problem.n, problem.n, None)
    secs = time.perf_counter() - t0
    return min(d["ess"]) / secs, d


def alloc_rate(problem, samples, seeds):
    """Median over seeds of the allocation chain's ESS/s (defaults of sample)."""
    rates, last = [], None
    for seed in seeds:
        t0 = time.perf_counter()
        r = maxent.sample(problem, samples, "mcmc", seed=seed, chains=1, threads=1)
        secs = time.perf_counter() - t0
        rates.append(min(r.diagnostics["ess"]) / secs)
        last = r.diagnostics
    return float(np.median(rates)), last


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--json")
    ap.add_argument("--quick", action="store_true", help="fewer draws (a smoke run)")
    args = ap.parse_args()
    numba.set_num_threads(1)
    scale = 0.25 if args.quick else 1.0
    cases = [
        ("K=4, E=0..3", [0, 1, 2, 3], 1.2, 10**4, 2000),
        ("K=4, E=0..3", [0, 1, 2, 3], 1.2, 10**5, 1000),
        ("K=4, E=0..3", [0, 1, 2, 3], 1.2, 10**6, 400),
        ("K=4, E=0..3", [0, 1, 2, 3], 1.2, 10**9, 0),
        ("K=4, E=0..3", [0, 1, 2, 3], 1.2, 10**18, 0),
        ("K=10 irregular", IRREGULAR, 6.0, 10**5, 1000),
    ]
    # warm the numba caches of both chains
    warm = maxent.Problem(IRREGULAR, 1000, mean_energy=6.0, snap=True)
    for p in (maxent.Problem([0, 1, 2, 3], 1000, mean_energy=1.2), warm):
        item_rate(p, 20, 0)
        maxent.sample(p, 500, "mcmc", seed=0, chains=1, threads=1)
    rows = []
    base = {}
    for name, e, mean, n, item_samples in cases:
        p = maxent.Problem(e, n, mean_energy=mean, snap=True)
        new, d = alloc_rate(p, int(40_000 * scale), seeds=(1, 2, 3))
        old = float("nan")
        if item_samples:
            old = item_rate(p, max(20, int(item_samples * scale)), 1)[0]
        base.setdefault(name, (new, old))
        rows.append(
            [
                name,
                f"{n:.0e}",
                old,
                new,
                new / old,
                old / base[name][1],
                new / base[name][0],
                d["acceptance"],
                max(d["tau"]),
                d["thin"],
            ]
        )
        print(rows[-1], flush=True)
    report(
        "MCMC ESS/s, one chain, one thread: item-level vs allocation-level moves"
        " (flatness = ESS/s / ESS/s at the first N of the case)",
        [
            "case",
            "N",
            "item ESS/s",
            "alloc ESS/s",
            "alloc / item",
            "item flatness",
            "alloc flatness",
            "alloc acceptance",
            "alloc tau (draws)",
            "alloc thin",
        ],
        rows,
        args.json,
    )


if __name__ == "__main__":
    main()
