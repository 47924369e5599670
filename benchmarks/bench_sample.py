"""Samplers against the baseline a user would write, in the same run.

Baseline: ``numpy.random.Generator.multinomial(N, p_beta, size=batch)`` with the draws
filtered for the exact total energy (independent exact draws, by naive rejection).

* exact independent draws/s (1 and 2 threads) and the ratio to the baseline;
* exact Bose-Einstein and Fermi-Dirac draws/s against Boltzmann at the same N and K
  (g_k = N/2 states per level, so that Fermi-Dirac fits), one thread;
* MCMC proposals/s per thread and effective samples/s (1 chain, 1 thread);
* item dynamics moves/s;
* start-up: wall time of ``maxent sample --classes 4 --n 100000 --samples 1000``.

    python benchmarks/bench_sample.py [--json out.json] [--only exact,statistics,mcmc,startup]
"""

import argparse
import subprocess
import sys
import time

import numpy as np

import maxent

from _common import report

IRREGULAR = [0, 1, 3, 4, 7, 8, 11, 15, 16, 20]


def baseline_rate(problem, budget=10.0, want=200):
    rng = np.random.default_rng(0)
    p = problem.boltzmann
    e = problem.levels
    target = problem.level_total
    batch = 20_000
    got = 0
    t0 = time.perf_counter()
    while got < want and time.perf_counter() - t0 < budget:
        draws = rng.multinomial(problem.n, p, size=batch)
        got += int(np.count_nonzero(draws @ e == target))
    dt = time.perf_counter() - t0
    return got / dt, got


def exact_rate(problem, threads, samples):
    maxent.sample(problem, 2000, "exact", seed=0, threads=threads)  # warm
    best = 0.0
    for rep in range(3):
        r = maxent.sample(problem, samples, "exact", seed=rep, threads=threads)
        best = max(best, samples / r.timings["sampling"])
    return best, r.diagnostics["acceptance"]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--json")
    ap.add_argument("--samples", type=int, default=400_000)
    ap.add_argument("--only", default="exact,statistics,mcmc,startup")
    args = ap.parse_args()
    only = set(args.only.split(","))
    cases = [
        ("K=4, E=0..3", [0, 1, 2, 3], 1.2),
        ("K=10 irregular", IRREGULAR, 6.0),
    ]
    if "exact" in only:
        exact_section(cases, args)
    if "statistics" in only:
        statistics_section(cases, args)
    if "mcmc" in only:
        mcmc_section(cases, args)
    if "startup" in only:
        startup_section()


def exact_section(cases, args):
    rows = []
    for name, e, mean in cases:
        for n in (10**5, 10**6):
            p = maxent.Problem(e, n, mean_energy=mean, snap=True)
            r1, acc = exact_rate(p, 1, args.samples if len(e) == 4 else args.samples // 4)
            r2, _ = exact_rate(p, 2, args.samples if len(e) == 4 else args.samples // 4)
            base, got = baseline_rate(p)
            rows.append([name, n, acc, r1, r2, base, got, r1 / base, r2 / base])
            print(rows[-1], flush=True)
    report(
        "Exact independent draws per second (maxent exact vs numpy multinomial + filter)",
        [
            "case",
            "N",
            "acceptance",
            "maxent 1 thr",
            "maxent 2 thr",
            "baseline",
            "baseline hits",
            "ratio 1 thr",
            "ratio 2 thr",
        ],
        rows,
        args.json and args.json.replace(".json", "_exact.json"),
    )


def statistics_section(cases, args):
    rows = []
    for name, e, mean in cases:
        for n in (10**5, 10**6):
            g = np.full(len(e), n / 2)
            samples = args.samples // 2 if len(e) == 4 else args.samples // 8
            rates = {}
            for stat in ("boltzmann", "bose", "fermi"):
                p = maxent.Problem(
                    e, n, mean_energy=mean, snap=True, degeneracies=g, statistics=stat
                )
                rates[stat] = exact_rate(p, 1, samples)
            base = rates["boltzmann"][0]
            rows.append(
                [name, n]
                + [rates[s][0] for s in ("boltzmann", "bose", "fermi")]
                + [base / rates["bose"][0], base / rates["fermi"][0]]
                + [rates[s][1] for s in ("boltzmann", "bose", "fermi")]
            )
            print(rows[-1], flush=True)
    report(
        "Exact draws per second by statistics, one thread, g_k = N/2 (slowdown = Boltzmann"
        " rate / rate)",
        [
            "case",
            "N",
            "Boltzmann",
            "Bose",
            "Fermi",
            "Bose slowdown",
            "Fermi slowdown",
            "acc. Boltzmann",
            "acc. Bose",
            "acc. Fermi",
        ],
        rows,
        args.json and args.json.replace(".json", "_statistics.json"),
    )


def mcmc_section(cases, args):
    rows = []
    for name, e, mean in cases:
        p = maxent.Problem(e, 10**5, mean_energy=mean, snap=True)
        maxent.sample(p, 20, "mcmc", seed=0, chains=1, threads=1)
        r = maxent.sample(p, 400, "mcmc", seed=1, chains=1, threads=1, burn_in=10**6)
        d = r.diagnostics
        secs = r.timings["sampling"]
        ess = min(d["ess"])
        rows.append(
            [
                name,
                p.n,
                d["proposals"] / secs,
                d["acceptance"],
                max(d["tau"]),
                ess / secs,
                d["moves"],
            ]
        )
        print(rows[-1], flush=True)
    p = maxent.Problem([0, 1, 2, 3], 10**5, mean_energy=1.2)
    maxent.relax(p, 2, seed=0)
    rr = maxent.relax(p, 200, seed=0)
    rows.append(["dynamics K=4", p.n, rr.moves_per_second, rr.acceptance, "", "", "pair exchange"])
    report(
        "MCMC and item dynamics, one thread (proposals/s; ESS/s is for the slowest class)",
        ["case", "N", "proposals/s", "acceptance", "tau (draws of 1 sweep)", "ESS/s", "moves"],
        rows,
        args.json and args.json.replace(".json", "_mcmc.json"),
    )


def startup_section():
    cmd = [
        sys.executable,
        "-m",
        "maxent.cli",
        "sample",
        "--classes",
        "4",
        "--n",
        "100000",
        "--samples",
        "1000",
        "--seed",
        "1",
    ]
    subprocess.run(cmd, capture_output=True, check=True)  # warm the numba cache
    walls = []
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True)
        walls.append(time.perf_counter() - t0)
    report(
        "Start-up with a warm numba cache",
        ["command", "best wall s", "median wall s"],
        [[" ".join(cmd[3:]), min(walls), sorted(walls)[1]]],
    )


if __name__ == "__main__":
    main()
