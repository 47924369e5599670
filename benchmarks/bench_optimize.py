"""Exact finite-N optimum of ln W: maxent's dual Newton against scipy and CVXPY.

* maxent ``maximize_log_count`` (two Lagrange multipliers, Newton on the dual);
* scipy ``minimize`` with SLSQP and trust-constr on the K-dimensional primal, analytic
  gradient (and diagonal Hessian for trust-constr), started from N/K in every class;
* CVXPY's exponential-cone entropy problem (the Stirling objective: CVXPY has no
  log-gamma atom), compared with maxent's closed-form Stirling optimum.

Each scipy/CVXPY solve runs in a subprocess with a time limit (``--timeout``).

    python benchmarks/bench_optimize.py [--sizes 1e2,1e3,1e4,1e6] [--json out.json]
"""

import argparse
import multiprocessing as mp
import time

import numpy as np

import maxent

from _common import best_time, report


def make_problem(k, seed=0):
    e = np.sort(np.random.default_rng(seed).random(k)) * 10.0
    return maxent.Problem(e, 10 * k, mean_energy=2.0)


def _scipy_job(k, method, queue):
    p = make_problem(k)
    t0 = time.perf_counter()
    r = maxent.maximize_log_count(p, "exact", method)
    queue.put((time.perf_counter() - t0, r.kkt_residual, r.log_count, bool(r.success)))


def _cvxpy_job(k, queue):
    import cvxpy as cp

    p = make_problem(k)
    x = cp.Variable(k)
    cons = [cp.sum(x) == p.n, p.energies @ x == p.total_energy]
    prob = cp.Problem(cp.Maximize(cp.sum(cp.entr(x))), cons)
    t0 = time.perf_counter()
    prob.solve()
    dt = time.perf_counter() - t0
    ref = p.n * p.boltzmann
    err = float(np.max(np.abs(x.value - ref)) / np.max(ref))
    queue.put((dt, err, prob.solver_stats.solver_name))


def run_limited(target, args, timeout):
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, queue))
    proc.start()
    proc.join(timeout)
    if proc.is_alive():
        proc.kill()
        proc.join()
        return None
    return queue.get() if not queue.empty() else None


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="1e2,1e3,1e4,1e5,1e6")
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--scipy-max-k", type=float, default=1e4)
    ap.add_argument("--cvxpy-max-k", type=float, default=1e5)
    ap.add_argument("--json")
    args = ap.parse_args()
    rows = []
    for k in [int(float(s)) for s in args.sizes.split(",")]:
        p = make_problem(k)
        t_me, r = best_time(lambda: maxent.maximize_log_count(p), repeat=5 if k <= 1e5 else 2)
        t_st, _ = best_time(lambda: maxent.maximize_log_count(p, "stirling"))
        row = [k, p.n, t_me * 1e3, r.kkt_residual, t_st * 1e3]
        for method in ("slsqp", "trust-constr"):
            if k > args.scipy_max_k:
                row += ["skipped", "", ""]
                continue
            out = run_limited(_scipy_job, (k, method), args.timeout)
            if out is None:
                row += [f">{args.timeout:.0f} s", "", ""]
            else:
                dt, kkt, _, ok = out
                row += [f"{dt:.3g} s" + ("" if ok else " (failed)"), kkt, dt / t_me]
        if k <= args.cvxpy_max_k:
            out = run_limited(_cvxpy_job, (k,), args.timeout)
            row += (
                ["timeout", "", ""] if out is None else [f"{out[0]:.3g} s", out[1], out[0] / t_st]
            )
        else:
            row += ["skipped", "", ""]
        rows.append(row)
        print(row, flush=True)
    report(
        "Exact optimum of ln W (N = 10 K, energies uniform in [0, 10], mean 2); ratios are "
        "baseline time / maxent time",
        [
            "K",
            "N",
            "maxent ms",
            "maxent KKT",
            "Stirling ms",
            "SLSQP",
            "SLSQP KKT",
            "ratio",
            "trust-constr",
            "t-c KKT",
            "ratio",
            "CVXPY (Stirling)",
            "CVXPY rel err",
            "ratio",
        ],
        rows,
        args.json,
    )


if __name__ == "__main__":
    main()
