"""The most probable integer allocation: dual bound + repair + local search vs branch and bound.

For K classes at energies 0..K-1 (mean K/5, Bose g = 4, Fermi g large enough to hold N)
and N items, times ``maxent.most_probable_allocation`` (the dual route, new) and today's
exact branch and bound (the same function with the dual route switched off), each in a
subprocess with a time limit (``--timeout``), in the same run. Reports both times,
their ratio, whether each result was certified, the proven gap of the new route and the
ln W difference of the two results (new - old, exact local arithmetic where both exist).

    python benchmarks/bench_mode.py [--sizes 10,100,1e3,1e4,1e5] [--ns 1e3,1e6,1e9,1e15]
        [--stats boltzmann,bose,fermi] [--timeout 20] [--json out.json]

The machine is shared with other jobs: compare ratios, not absolute times.
"""

import argparse
import multiprocessing as mp
import time

import numpy as np

import maxent

from _common import report


def make_problem(k, n, stat):
    g = None
    if stat == "bose":
        g = np.full(k, 4.0)
    elif stat == "fermi":
        g = np.full(k, float(max(2, -(-4 * n // k))))
    return maxent.Problem(
        np.arange(k, dtype=float),
        n,
        mean_energy=k / 5,
        degeneracies=g,
        statistics=stat,
        snap=True,
    )


def _job(k, n, stat, old, queue):
    import maxent._optimize.mode as M

    if old:
        M.dual_mode = lambda *a, **kw: None  # today's branch and bound only
    p = make_problem(k, n, stat)
    M.most_probable_allocation(make_problem(3, 10, stat))  # compile outside the timing
    t0 = time.perf_counter()
    r = M.most_probable_allocation(p)
    dt = time.perf_counter() - t0
    counts = None if r.counts is None else r.counts.tolist()
    queue.put((dt, bool(r.certified), float(r.get("gap", np.nan)), counts, r.message))


def run_limited(args, timeout):
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_job, args=(*args, queue))
    proc.start()
    t0 = time.perf_counter()
    while proc.is_alive() and time.perf_counter() - t0 < timeout + 120:
        proc.join(0.2)
        if not queue.empty():
            break
    if queue.empty():
        proc.kill()
        proc.join()
        return None
    out = queue.get()
    proc.join()
    return out if out[0] <= timeout else None


def per_class_difference(p, a, b):
    """ln W(a) - ln W(b), exactly as maxent's local search compares allocations.

    A sum of logs of ratios of nearby integers (sorted and paired), not a difference of
    two totals of size ~N ln N; nan when the two differ by more than 10^4 items.
    """
    from maxent._kernels._mode_dual import delta_log_count

    a, b = np.array(a, dtype=np.int64), np.array(b, dtype=np.int64)
    idx = np.flatnonzero(a != b)
    dlt = (a - b)[idx]
    if idx.size == 0:
        return 0.0
    if np.abs(dlt).sum() > 10**4:
        return float("nan")
    g = p.degeneracies
    return float(delta_log_count(p.stat, g, np.log(g), b, idx, dlt, idx.size))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10,100,1e3,1e4,1e5")
    ap.add_argument("--ns", default="1e3,1e6,1e9,1e15")
    ap.add_argument("--stats", default="boltzmann,bose,fermi")
    ap.add_argument("--timeout", type=float, default=20.0)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    rows = []
    for stat in a.stats.split(","):
        for k in [int(float(s)) for s in a.sizes.split(",")]:
            for n in [int(float(s)) for s in a.ns.split(",")]:
                new = run_limited((k, n, stat, False), a.timeout)
                old = run_limited((k, n, stat, True), a.timeout)
                t_new = new[0] if new else float("nan")
                t_old = old[0] if old else float("nan")
                diff = float("nan")
                if new and old and new[3] is not None and old[3] is not None:
                    diff = per_class_difference(make_problem(k, n, stat), new[3], old[3])
                rows.append(
                    [
                        stat,
                        k,
                        f"{n:.0e}",
                        t_new,
                        bool(new and new[1]),
                        new[2] if new else float("nan"),
                        t_old if old else f">{a.timeout:g}",
                        bool(old and old[1]),
                        (t_old / t_new) if new and old else float("nan"),
                        diff,
                    ]
                )
                print(rows[-1], flush=True)
    report(
        "most_probable_allocation: dual route (new) vs branch and bound (old), seconds",
        [
            "stat",
            "K",
            "N",
            "new s",
            "new cert",
            "new gap",
            "old s",
            "old cert",
            "old/new",
            "lnW new-old",
        ],
        rows,
        a.json,
    )


if __name__ == "__main__":
    main()
