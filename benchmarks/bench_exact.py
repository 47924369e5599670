"""Exact sampler: divide and conquer over items against conditioned rejection and numpy.

For each case (energies 0..K-1 with the mean at 30% of the range, or irregular integer
energies), one thread, in the same run:

* ``d&c``: ``maxent.sample(..., method="exact")`` forced to the divide-and-conquer plan
  (maxent/_sampling/exact_pdc.py), excluding its one-off table setup (reported separately);
* ``old``: the same call forced to today's conditioned-rejection plan (skipped when its
  predicted time exceeds the budget);
* ``numpy``: ``Generator.multinomial(N, p_beta, size=batch)`` filtered on the exact
  level sum, the baseline a user would write.

Rates are draws per CPU second of the sampling kernel (``time.process_time``), which is
less sensitive than wall time to other jobs on a shared machine; "acc" is the old
method's acceptance and the mean per-stage acceptance of divide and conquer.

    python benchmarks/bench_exact.py [--json out.json] [--budget 10] [--quick]
                                     [--case "K=100 N=100000"]
"""

import argparse
import time

import numpy as np

import maxent
from maxent._sampling import exact as E
from maxent._sampling import exact_pdc as X
from maxent._sampling.exact import exact_plan, run_exact

from _common import report

IRREGULAR10 = [0, 1, 3, 4, 7, 8, 11, 15, 16, 20]
_rng = np.random.default_rng(7)
IRREGULAR100 = np.sort(_rng.choice(400, size=100, replace=False))
IRREGULAR100 = IRREGULAR100 - IRREGULAR100[0]


def cases(quick):
    out = [
        ("K=10", np.arange(10), 10**4),
        ("K=10", np.arange(10), 10**5),
        ("K=30", np.arange(30), 10**4),
        ("K=30", np.arange(30), 10**5),
        ("K=100", np.arange(100), 10**4),
        ("K=100", np.arange(100), 10**5),
        ("irregular K=10", np.array(IRREGULAR10), 10**5),
        ("irregular K=100", IRREGULAR100, 10**5),
        ("K=1000", np.arange(1000), 10**6),
    ]
    return out[:3] if quick else out


def timed(problem, which, samples):
    """Draws per CPU second of the sampling kernel alone (plan built and compiled first)."""
    X.FORCE.clear()
    X.FORCE[which] = True
    numpy_work = E.NUMPY_WORK
    E.NUMPY_WORK = 0  # the numba kernel, whatever the run's size (small runs use numpy)
    try:
        plan = exact_plan(problem)
        run_exact(plan, np.random.SeedSequence(0), 8, 1, None)  # compile
        t0 = time.process_time()
        draws, proposals = run_exact(plan, np.random.SeedSequence(1), samples, 1, None)
        dt = time.process_time() - t0
    finally:
        X.FORCE.clear()
        E.NUMPY_WORK = numpy_work
    acc = draws.shape[0] * getattr(plan, "stages", 1) / proposals
    return samples / dt, acc, getattr(plan, "algorithm", "conditioned rejection")


def baseline(problem, budget):
    rng = np.random.default_rng(0)
    p, lv, target = problem.boltzmann, problem.levels, problem.level_total
    batch = max(1, min(20_000, 2_000_000 // problem.classes))
    got = 0
    t0 = time.process_time()
    while time.process_time() - t0 < budget:
        draws = rng.multinomial(problem.n, p, size=batch)
        got += int(np.count_nonzero(draws @ lv == target))
        if got >= 200:
            break
    dt = time.process_time() - t0
    return max(got, 1) / dt, got


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--json")
    ap.add_argument("--budget", type=float, default=10.0, help="CPU seconds per method")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--case", help='only the cases whose "NAME N=n" is this, e.g. "K=100 N=100000"')
    args = ap.parse_args()
    rows = []
    for name, e, n in cases(args.quick):
        if args.case and f"{name} N={n}" != args.case:
            continue
        mean = 0.3 * float(e[-1])
        p = maxent.Problem(e, n, mean_energy=mean, snap=True)
        levels = np.unique(p.levels).size
        t0 = time.process_time()
        X._CACHE.pop(p, None)
        X.pdc_plan(p)
        setup = time.process_time() - t0
        guess = X.predicted_seconds(n, levels)
        new_rate, new_acc, algo = timed(p, "pdc", max(50, int(args.budget / 4 / guess)))
        assert algo == "divide and conquer"
        old_guess = X.old_predicted_seconds(p.classes)
        if old_guess * 50 < args.budget:
            old_rate, old_acc, _ = timed(p, "old", max(50, int(args.budget / 4 / old_guess)))
        else:
            old_rate, old_acc = float("nan"), float("nan")
        base, hits = baseline(p, args.budget)
        base_txt = base if hits else f"< {base:.3g}"
        rows.append(
            [
                name,
                n,
                new_rate,
                new_acc,
                setup,
                old_rate,
                old_acc,
                base_txt,
                hits,
                new_rate / old_rate,
                new_rate / base,
            ]
        )
        print(rows[-1], flush=True)
    report(
        "Exact draws per CPU second, one thread: divide and conquer (d&c) vs conditioned"
        " rejection (old) vs numpy multinomial + filter",
        [
            "case",
            "N",
            "d&c draws/s",
            "d&c acc/stage",
            "d&c setup s",
            "old draws/s",
            "old acc",
            "numpy draws/s",
            "numpy hits",
            "d&c / old",
            "d&c / numpy",
        ],
        rows,
        args.json,
    )


if __name__ == "__main__":
    main()
