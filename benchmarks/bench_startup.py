"""Start-up time of the command line: median of 5 runs, warm numba cache.

Targets on a 2-core machine: ``maxent --version`` and ``maxent optimize --help``
<= 0.3 s; ``maxent optimize --classes 4 --n 100`` <= 0.8 s; ``maxent simulate --classes 4
--n 100000`` <= 1.2 s. The baseline is the bare interpreter (``python -c pass``) and
``python -c "import numpy"``, measured in the same run, and the floor of any command
that runs a numba kernel: a script that imports numpy, scipy.special and numba and calls
one trivial kernel from numba's on-disk cache (``numba floor``).

    python benchmarks/bench_startup.py [--repeat 5] [--json out.json]
"""

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_FLOOR = """
import numpy as np, scipy.special, numba
@numba.njit(cache=True)
def one(x):
    return x + 1.0
one(np.float64(1.0))
"""
_FLOOR_DIR = Path(tempfile.mkdtemp(prefix="maxent-numba-floor-"))
(_FLOOR_DIR / "floor.py").write_text(_FLOOR)

CASES = [
    ("python -c pass", [sys.executable, "-c", "pass"], None),
    ("python -c 'import numpy'", [sys.executable, "-c", "import numpy"], None),
    ("numba floor (one cached kernel)", [sys.executable, str(_FLOOR_DIR / "floor.py")], None),
    ("maxent --version", ["maxent", "--version"], 0.3),
    ("maxent optimize --help", ["maxent", "optimize", "--help"], 0.3),
    (
        "maxent optimize --classes 4 --n 100",
        ["maxent", "optimize", "--classes", "4", "--n", "100"],
        0.8,
    ),
    ("maxent sample --n 0 (one-line error)", ["maxent", "sample", "--n", "0"], 0.3),
    (
        "maxent simulate --classes 4 --n 100000",
        ["maxent", "simulate", "--classes", "4", "--n", "100000", "--seed", "1"],
        1.2,
    ),
]


def wall(cmd) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json")
    args = ap.parse_args()
    if shutil.which("maxent") is None:
        sys.exit("install maxent first: python -m pip install -e .")
    for _, cmd, _ in CASES:  # warm the numba cache and the OS file cache
        wall(cmd)
    rows = []
    base = None
    for name, cmd, target in CASES:
        times = [wall(cmd) for _ in range(args.repeat)]
        med = statistics.median(times)
        base = base or med
        ok = "" if target is None else ("meets" if med <= target else "MISSES")
        rows.append({"case": name, "median_s": med, "target_s": target, "vs_python": med / base})
        tgt = "" if target is None else f"target {target:.1f} s ({ok})"
        print(f"{name:42s} {med:7.3f} s  {med / base:5.1f}x bare python  {tgt}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=1)


if __name__ == "__main__":
    main()
