"""Kernels for the Boltzmann beta solver: fused shifted moments in one pass."""

import math

import numpy as np

from ._config import CHUNK, jit_parallel_chunks, prange


@jit_parallel_chunks(
    lambda energies, *rest: -(-energies.size // CHUNK), cost=lambda e, *rest: 10 * e.size
)
def shifted_moments(energies, ref, inv_scale, lg, b, c):
    """Moments of e - c under weights g exp(-b e), where e = (E - ref) * inv_scale.

    ``lg`` holds log g (an empty array means g = 1). Returns (log S0, m1, m2, m3) with
    S0 = sum w and mj = sum w (e - c)^j / S0. Each chunk keeps its own running maximum of
    the logits (online log-sum-exp), so no term overflows, and chunk results are combined
    serially, so the result does not depend on the number of threads.
    """
    n = energies.size
    nchunk = (n + CHUNK - 1) // CHUNK
    part = np.empty((nchunk, 5))
    has_lg = lg.size == n
    for ci in prange(nchunk):
        lo = ci * CHUNK
        hi = min(n, lo + CHUNK)
        zmax = -np.inf
        s0 = 0.0
        s1 = 0.0
        s2 = 0.0
        s3 = 0.0
        for i in range(lo, hi):
            e = (energies[i] - ref) * inv_scale
            z = -b * e
            if has_lg:
                z += lg[i]
            if z < zmax - 708.0:
                # Below 1e-308 of the largest term so far: no effect on any sum, and
                # exp would take its slow subnormal path.
                continue
            if z > zmax:
                r = math.exp(zmax - z)
                s0 *= r
                s1 *= r
                s2 *= r
                s3 *= r
                zmax = z
            w = math.exp(z - zmax)
            d = e - c
            wd = w * d
            s0 += w
            s1 += wd
            wd *= d
            s2 += wd
            s3 += wd * d
        part[ci, 0] = zmax
        part[ci, 1] = s0
        part[ci, 2] = s1
        part[ci, 3] = s2
        part[ci, 4] = s3
    zmax = -np.inf
    for ci in range(nchunk):
        zmax = max(zmax, part[ci, 0])
    t0 = 0.0
    t1 = 0.0
    t2 = 0.0
    t3 = 0.0
    for ci in range(nchunk):
        r = math.exp(part[ci, 0] - zmax)
        t0 += part[ci, 1] * r
        t1 += part[ci, 2] * r
        t2 += part[ci, 3] * r
        t3 += part[ci, 4] * r
    return zmax + math.log(t0), t1 / t0, t2 / t0, t3 / t0
