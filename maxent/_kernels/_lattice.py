"""Lattice kernels: the fewest items reaching a level sum, and the determined-class solve."""

import numpy as np

from ._config import jit


@jit
def min_coins_table(coins, size):
    """table[r] = fewest coins (values in ``coins``, repeats allowed) summing to r; -1 if none."""
    big = np.int64(1) << 60
    best = np.full(size, big, dtype=np.int64)
    best[0] = 0
    for r in range(1, size):
        b = big
        for c in coins:
            if c <= r and best[r - c] + 1 < b:
                b = best[r - c] + 1
        best[r] = b
    for r in range(size):
        if best[r] == big:
            best[r] = -1
    return best


@jit
def solve_determined(adj, det, rem, det_idx, lo, hi, out):
    """Counts of the determined classes from what is left of each constraint row.

    With ``A`` the square integer block of the determined classes, ``adj`` its adjugate
    and ``det`` its determinant, ``out = adj @ rem / det`` exactly; it is written into
    ``out`` and True returned when every entry is an integer within ``lo[k] .. hi[k]``
    (``k = det_idx[i]``), else False.
    """
    d = det_idx.size
    for i in range(d):
        acc = 0
        for t in range(d):
            acc += adj[i, t] * rem[t]
        if acc % det != 0:
            return False
        val = acc // det
        k = det_idx[i]
        if val < lo[k] or val > hi[k]:
            return False
        out[i] = val
    return True
