"""Temperature scaling: maxent.fit_temperature against what a user would write with scipy.

Synthetic logits (fixed seed) for N samples and K classes; the same mean NLL
``mean_i [logsumexp(beta z_i) - beta z_iy]`` minimised by

* maxent's safeguarded Newton on exact row moments (chunked, one exp per logit per pass),
* scipy.optimize.minimize_scalar, ``bounded`` and ``brent``, on that NLL computed with
  scipy.special.logsumexp on the whole array,
* scipy.optimize.minimize(method="L-BFGS-B") with the analytic gradient.

Each fit is checked by the relative moment residual ``|mean_i (E_p[z_i] - z_iy)| / mean
range`` at its beta, computed by a separate chunked reference. All on one core (BLAS
threads and numba threads pinned to 1). The timed fit includes the input check
(``fit_temperature``); ``maxent.calibrate`` (fit plus NLL/Brier/ECE before and after
and the NLL curve) is timed once as well. The baselines take minutes at the default
size; ``--ours-only`` skips them.

    python benchmarks/bench_calibrate.py [--n 1e6] [--k 100] [--ours-only] [--json out.json]
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from scipy.optimize import minimize, minimize_scalar  # noqa: E402
from scipy.special import logsumexp, softmax  # noqa: E402

from maxent._calibrate import calibrate, fit_temperature  # noqa: E402

from _common import report  # noqa: E402


def synthetic(n, k, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    z = rng.normal(size=(n, k)) * 2.0
    z[np.arange(n), y] += rng.normal(3.0, 2.0, n)
    return z, y


def nll(beta, z, zy):
    return float((logsumexp(beta * z, axis=1) - beta * zy).mean())


def nll_grad(beta, z, zy):
    b = float(beta[0])
    p = softmax(b * z, axis=1)
    value = float((logsumexp(b * z, axis=1) - b * zy).mean())
    return value, np.array([float(((p * z).sum(axis=1) - zy).mean())])


def residual(beta, z, zy, chunk=10_000):
    """Reference moment residual, chunked (independent of maxent's code)."""
    tot = 0.0
    for a in range(0, z.shape[0], chunk):
        p = softmax(beta * z[a : a + chunk], axis=1)
        tot += float(((p * z[a : a + chunk]).sum(axis=1) - zy[a : a + chunk]).sum())
    return abs(tot / z.shape[0]) / float((z.max(axis=1) - z.min(axis=1)).mean())


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", default="1e6")
    ap.add_argument("--k", default="100")
    ap.add_argument("--ours-only", action="store_true", help="skip the scipy baselines")
    ap.add_argument("--json")
    args = ap.parse_args()
    n, k = int(float(args.n)), int(float(args.k))
    z, y = synthetic(n, k)
    zy = z[np.arange(n), y]
    rows = []

    def timed(fn):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        return time.perf_counter() - t0, time.process_time() - c0, out

    fit_temperature(z, y)  # warm-up
    runs = [timed(lambda: fit_temperature(z, y)) for _ in range(3)]
    t_me = min(r[0] for r in runs)
    cpu_me = min(r[1] for r in runs)
    fit = runs[0][2]
    b_me = fit.beta
    rows.append(["maxent Newton", t_me, cpu_me, 1.0, fit.passes, b_me, 0.0, residual(b_me, z, zy)])
    print(f"maxent: {t_me:.3g} s wall, {cpu_me:.3g} s CPU, {fit.passes} passes", flush=True)
    t, c, res = timed(lambda: calibrate(z, y))
    rows.append(["maxent.calibrate (fit + metrics)", t, c, c / cpu_me, res.iterations, res.beta,
                 abs(res.beta / b_me - 1), residual(res.beta, z, zy)])  # fmt: skip
    print(f"calibrate: {t:.3g} s wall, {c:.3g} s CPU", flush=True)
    if args.ours_only:
        report(
            f"temperature fit, N = {n}, K = {k}, one core (maxent only)",
            ["method", "wall s", "CPU s", "CPU x fit", "evals", "beta", "|b/b_fit - 1|", "resid"],
            rows,
            args.json,
        )
        return

    t, c, r = timed(
        lambda: minimize_scalar(
            nll, bounds=(1e-3, 100.0), args=(z, zy), method="bounded", options={"xatol": 1e-10}
        )
    )
    rows.append(
        [
            "minimize_scalar bounded",
            t,
            c,
            c / cpu_me,
            r.nfev,
            r.x,
            abs(r.x / b_me - 1),
            residual(r.x, z, zy),
        ]
    )
    t, c, r = timed(
        lambda: minimize_scalar(nll, bracket=(0.1, 1.0), args=(z, zy), method="brent", tol=1e-10)
    )
    rows.append(
        [
            "minimize_scalar brent",
            t,
            c,
            c / cpu_me,
            r.nfev,
            r.x,
            abs(r.x / b_me - 1),
            residual(r.x, z, zy),
        ]
    )
    t, c, r = timed(
        lambda: minimize(
            nll_grad, x0=[1.0], args=(z, zy), jac=True, method="L-BFGS-B",
            options={"ftol": 1e-15, "gtol": 1e-12},
        )
    )  # fmt: skip
    print(f"baselines done: last {t:.3g} s wall, {c:.3g} s CPU", flush=True)
    bx = float(r.x[0])
    rows.append(
        [
            "L-BFGS-B (with gradient)",
            t,
            c,
            c / cpu_me,
            r.nfev,
            bx,
            abs(bx / b_me - 1),
            residual(bx, z, zy),
        ]
    )
    report(
        f"temperature fit, N = {n}, K = {k}, one core (CPU time is the robust figure "
        "on a shared machine; evaluations: maxent counts passes over the data)",
        ["method", "wall s", "CPU s", "CPU x maxent", "evals", "beta", "|b/b_maxent - 1|", "resid"],
        rows,
        args.json,
    )


if __name__ == "__main__":
    main()
