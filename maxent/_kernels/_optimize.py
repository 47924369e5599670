"""Kernels for the dual (Lagrange-multiplier) maximisation of the log-count.

Each class k has a concave log-weight h_k(n) (the statistics: Boltzmann, Bose-Einstein or
Fermi-Dirac, exact with log-gamma or in Stirling's form). For multipliers theta the class
sees x_k = sum_r theta_r A[r, k] and responds with the count n_k maximising
h_k(n) - x_k n. The dual D(theta) = sum_k [h_k(n_k) - x_k n_k] + theta . b is convex; its
gradient is the constraint violation b - A n and its Hessian sum_k c_k A[:, k] A[:, k]^T
with c_k = -dn_k/dx_k = 1 / (-h_k''(n_k)) (0 where the count sits at a bound).
"""

import math

import numpy as np

from ._config import jit, jit_parallel_chunks, prange
from ._special import (
    EULER,
    digamma_diff,
    digamma_trigamma,
    digamma_trigamma_diff,
    inv_digamma,
    lgamma_diff,
)

BOLTZMANN = 0
BOSE = 1
FERMI = 2

# A class costs ~0.1 us here (an inverse digamma), so even K = 1e4 is worth splitting
# over threads; the chunk is fixed, so the sums still do not depend on the thread count.
DUAL_CHUNK = 1 << 10


@jit
def _hprime(stat, n, g):
    """(h'(n), h''(n)) of the exact log-weight (Bose and Fermi).

    Differences of digammas at nearby arguments are taken without cancellation (a Bose
    level with n ~ 1e9 would otherwise keep only ~7 digits of h').
    """
    if stat == BOSE:
        return digamma_trigamma_diff(n + 1.0, g - 1.0)
    _, t1 = digamma_trigamma(g - n + 1.0)
    _, t2 = digamma_trigamma(n + 1.0)
    m = g - 2.0 * n
    d = digamma_diff(n + 1.0, m) if m >= 0.0 else -digamma_diff(g - n + 1.0, -m)
    return d, -t1 - t2


@jit
def _solve_decreasing(stat, x, g, lo, hi, n0):
    """The n in [lo, hi] with h'(n) = x, h' decreasing (safeguarded Newton)."""
    n = min(max(n0, lo), hi) if math.isfinite(hi) else max(n0, lo)
    for _ in range(200):
        f, d = _hprime(stat, n, g)
        f -= x
        if f > 0.0:
            lo = n
        else:
            hi = n
        step = -f / d if d < 0.0 else math.nan
        n_new = n + step
        if not (lo < n_new < hi):
            n_new = 0.5 * (lo + hi) if math.isfinite(hi) else 2.0 * n + 1.0
        if abs(n_new - n) <= 4e-16 * (1.0 + n):
            return n_new
        n = n_new
    return n


@jit
def level_response(stat, exact, x, lg, g, n_prev):
    """Return (n, h(n) - x n, c) for one class at multiplier value x.

    ``lg`` is log g (Boltzmann weights); ``g`` the number of states (Bose, Fermi). An
    infeasible x (a Bose level with x <= 0 would take infinitely many items) returns
    n = inf, which makes the dual infinite so a line search backs off.
    """
    if stat == BOLTZMANN:
        y = lg - x
        if exact:
            if y <= -EULER:
                return 0.0, 0.0, 0.0
            z = inv_digamma(y, n_prev + 1.0 if n_prev > 0.0 else -1.0)
            n = z - 1.0
            _, tri = digamma_trigamma(z)
            return n, -math.lgamma(z) + n * y, 1.0 / tri
        if y < -745.0:
            return 0.0, 0.0, 0.0
        n = math.exp(y)
        return n, n, n
    if stat == BOSE:
        if x <= 0.0:
            return np.inf, np.inf, 0.0
        if exact:
            top = digamma_diff(1.0, g - 1.0)  # h'(0) = psi(g) - psi(1)
            if x >= top:
                return 0.0, 0.0, 0.0
            ok = 0.0 < n_prev < np.inf
            guess = n_prev if ok else max(g / math.expm1(x) - 0.5 * (g - 1.0), 0.0)
            n = _solve_decreasing(stat, x, g, 0.0, np.inf, guess)
            h = lgamma_diff(n + 1.0, g - 1.0) - math.lgamma(g)
            _, d = _hprime(stat, n, g)
            return n, h - x * n, -1.0 / d
        n = g / math.expm1(x)
        h = (n + g) * math.log(n + g) - g * math.log(g) - (n * math.log(n) if n > 0.0 else 0.0)
        return n, h - x * n, n * (n + g) / g
    # Fermi-Dirac: 0 <= n <= g
    if exact:
        top = digamma_trigamma(g + 1.0)[0] + EULER  # h'(0) = psi(g + 1) - psi(1)
        if x >= top:
            return 0.0, 0.0, 0.0
        if x <= -top:
            return g, -x * g, 0.0
        guess = n_prev if 0.0 < n_prev < g else g / (math.exp(x) + 1.0)
        n = _solve_decreasing(stat, x, g, 0.0, g, guess)
        h = math.lgamma(g + 1.0) - math.lgamma(n + 1.0) - math.lgamma(g - n + 1.0)
        _, d = _hprime(stat, n, g)
        return n, h - x * n, -1.0 / d
    if x > 0.0:
        e = math.exp(-x)
        n = g * e / (1.0 + e)
    else:
        n = g / (1.0 + math.exp(x))
    m = g - n
    h = g * math.log(g)
    if n > 0.0:
        h -= n * math.log(n)
    if m > 0.0:
        h -= m * math.log(m)
    return n, h - x * n, n * m / g


@jit_parallel_chunks(
    lambda stat, exact, coef, *rest: -(-coef.shape[1] // DUAL_CHUNK),
    cost=lambda stat, exact, coef, *rest: 60 * coef.size,  # ~ Newton steps per class
)
def dual_pass(stat, exact, coef, theta, offset, lg, g, n):
    """Counts at multipliers ``theta`` into ``n`` (read first as a warm start), and sums.

    ``coef`` is the (d, K) constraint matrix; ``offset`` (K values, or empty) is added to
    every x_k (a multiplier held fixed, e.g. a given beta times E_k). Returns
    (s_n, s_v, hess): s_n[r] = sum_k n_k coef[r, k], s_v = sum_k (h_k - x_k n_k),
    hess[r, s] = sum_k c_k coef[r, k] coef[s, k]. Sums are taken per fixed chunk and then
    serially, so the result does not depend on the thread count.
    """
    d, size = coef.shape
    has_offset = offset.size == size
    nchunk = (size + DUAL_CHUNK - 1) // DUAL_CHUNK
    part = np.zeros((nchunk, d + 1 + d * d))
    for ci in prange(nchunk):
        acc = np.zeros(d + 1 + d * d)
        for i in range(ci * DUAL_CHUNK, min(size, (ci + 1) * DUAL_CHUNK)):
            x = offset[i] if has_offset else 0.0
            for r in range(d):
                x += theta[r] * coef[r, i]
            nk, v, c = level_response(stat, exact, x, lg[i], g[i], n[i])
            n[i] = nk
            for r in range(d):
                acc[r] += nk * coef[r, i]
            acc[d] += v
            if c != 0.0:
                for r in range(d):
                    cr = c * coef[r, i]
                    for s in range(d):
                        acc[d + 1 + r * d + s] += cr * coef[s, i]
        part[ci, :] = acc
    out = np.zeros(d + 1 + d * d)
    for ci in range(nchunk):
        out += part[ci]
    return out[:d], out[d], out[d + 1 :].reshape((d, d))
