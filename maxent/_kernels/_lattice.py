"""Kernel for the minimum number of items needed to reach a level sum."""

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
