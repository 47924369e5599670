"""Boltzmann beta solve: maxent.beta_from_mean against scipy.optimize.brentq.

The baseline is what a user would write: brentq on the mean energy computed with
scipy.special.logsumexp / softmax, on a generous fixed bracket.

    python benchmarks/bench_theory.py [--json out.json]
"""

import argparse

import numpy as np
from scipy.optimize import brentq
from scipy.special import softmax

import maxent

from _common import best_time, report


def baseline(e, target):
    def f(b):
        return softmax(-b * e) @ e - target

    return brentq(f, -1e3, 1e3, xtol=1e-15, rtol=1e-15)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--json")
    ap.add_argument("--sizes", default="1e4,1e5,1e6,1e7")
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    rows = []
    for k in [int(float(s)) for s in args.sizes.split(",")]:
        e = rng.random(k) * 10.0
        for target in (3.0, 0.01):
            t_me, beta = best_time(lambda: maxent.beta_from_mean(e, target, full_output=True))
            beta, info = beta
            rep = 5 if k <= 10**6 else 2
            t_bl, b_bl = best_time(lambda: baseline(e, target), repeat=rep)
            res_bl = abs(maxent.mean_energy(e, b_bl) - target) / np.ptp(e)
            rows.append(
                [
                    k,
                    target,
                    t_me * 1e3,
                    info.nit,
                    info.relative_residual,
                    t_bl * 1e3,
                    res_bl,
                    t_bl / t_me,
                ]
            )
    report(
        "beta from mean energy (times in ms; residual relative to max E - min E)",
        [
            "K",
            "mean",
            "maxent ms",
            "passes",
            "maxent resid",
            "brentq ms",
            "brentq resid",
            "speed-up",
        ],
        rows,
        args.json,
    )


if __name__ == "__main__":
    main()
