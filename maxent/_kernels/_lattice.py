"""Lattice kernels: the fewest items reaching a level sum, and the determined-class solve."""

import numpy as np

from ._config import jit
from ._random import below


@jit(cost=lambda coins, size: coins.size * size)
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


@jit
def det_int(m):
    """Determinant of a small integer matrix, exactly (Bareiss fraction-free elimination)."""
    a = m.copy()
    d = a.shape[0]
    sign = 1
    prev = 1
    for k in range(d - 1):
        if a[k, k] == 0:
            piv = -1
            for r in range(k + 1, d):
                if a[r, k] != 0:
                    piv = r
                    break
            if piv < 0:
                return 0
            for c in range(d):
                tmp = a[k, c]
                a[k, c] = a[piv, c]
                a[piv, c] = tmp
            sign = -sign
        for r in range(k + 1, d):
            for c in range(k + 1, d):
                a[r, c] = (a[r, c] * a[k, k] - a[r, k] * a[k, c]) // prev
        prev = a[k, k]
    return sign * a[d - 1, d - 1]


@jit
def gcd(a, b):
    a = abs(a)
    b = abs(b)
    while b:
        a, b = b, a % b
    return a


@jit
def lattice_circuit(coef, idx, val, sub, s):
    """A random circuit of the integer rows: d + 1 distinct classes and their kernel vector.

    The signed maximal minors of the chosen columns, divided by their gcd, keep every row
    of ``coef``. Writes the classes with a non-zero step into ``idx`` and the steps into
    ``val``; returns how many (0 when the minors all vanish).
    """
    d, k_count = coef.shape
    m = 0
    while m < d + 1:  # the caller guarantees K >= d + 1
        c = below(s, k_count)
        dup = False
        for t in range(m):
            if idx[t] == c:
                dup = True
        if not dup:
            idx[m] = c
            m += 1
    g_all = 0
    for j in range(d + 1):
        col = 0
        for t in range(d + 1):
            if t != j:
                for r in range(d):
                    sub[r, col] = coef[r, idx[t]]
                col += 1
        det = det_int(sub)
        val[j] = det if j % 2 == 0 else -det
        g_all = gcd(g_all, val[j])
    if g_all == 0:
        return 0
    out = 0
    for j in range(d + 1):
        if val[j] != 0:
            idx[out] = idx[j]
            val[out] = val[j] // g_all
            out += 1
    return out
