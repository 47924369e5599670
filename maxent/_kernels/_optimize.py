"""Kernels for the dual (Lagrange-multiplier) maximisation of the log-count.

For multipliers (a, b) each level k sees x_k = a + b e_k and responds with the count that
maximises h_k(n) - x_k n, where h_k is the level's log-weight. The dual function is
D(a, b) = sum_k [h_k(n_k) - x_k n_k] + a N + b U, convex in (a, b); its gradient is the
constraint violation and its Hessian needs c_k = -dn_k/dx_k = 1 / (-h_k''(n_k)).
"""

import math

import numpy as np
from numba import prange

from ._config import CHUNK, jit, jit_parallel
from ._special import EULER, inv_digamma, trigamma

BOLTZMANN = 0


@jit
def level_response(stat, exact, x, lg, n_prev):
    """Return (n, h(n) - x n, c) for one level with log-degeneracy lg at multiplier x."""
    if exact:
        y = lg - x
        if y <= -EULER:
            return 0.0, 0.0, 0.0
        z = inv_digamma(y, n_prev + 1.0 if n_prev > 0.0 else -1.0)
        n = z - 1.0
        return n, -math.lgamma(z) + n * y, 1.0 / trigamma(z)
    # Stirling: h(n) = n - n log(n / g), maximiser n = g exp(-x)
    y = lg - x
    if y < -745.0:
        return 0.0, 0.0, 0.0
    n = math.exp(y)
    return n, n, n


@jit_parallel
def dual_pass(stat, exact, a, b, e, lg, n):
    """Counts at multipliers (a, b) into ``n`` (read first as a warm start) and the sums.

    Returns [sum n, sum n e, sum (h - x n), sum c, sum c e, sum c e^2], summed per fixed
    chunk and then serially, so the result does not depend on the thread count.
    """
    size = e.size
    nchunk = (size + CHUNK - 1) // CHUNK
    part = np.zeros((nchunk, 6))
    for ci in prange(nchunk):
        lo = ci * CHUNK
        hi = min(size, lo + CHUNK)
        s0 = 0.0
        s1 = 0.0
        s2 = 0.0
        s3 = 0.0
        s4 = 0.0
        s5 = 0.0
        for i in range(lo, hi):
            ei = e[i]
            nk, v, c = level_response(stat, exact, a + b * ei, lg[i], n[i])
            n[i] = nk
            s0 += nk
            s1 += nk * ei
            s2 += v
            s3 += c
            s4 += c * ei
            s5 += c * ei * ei
        part[ci, 0] = s0
        part[ci, 1] = s1
        part[ci, 2] = s2
        part[ci, 3] = s3
        part[ci, 4] = s4
        part[ci, 5] = s5
    out = np.zeros(6)
    for ci in range(nchunk):
        for j in range(6):
            out[j] += part[ci, j]
    return out
