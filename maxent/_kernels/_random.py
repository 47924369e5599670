"""Random variates inside kernels, from explicit per-stream states.

Each stream is a xoshiro256** state (four uint64 words) seeded from a numpy
``SeedSequence``; kernels take one row of a (streams, 4) array and advance it in place.
Because a stream belongs to a fixed chunk of work, not to a thread, results do not depend
on how many threads run the chunks.

Variates: uniform doubles, bounded integers (Lemire), Poisson (inversion below mean 10,
Hormann's PTRS transformed rejection above), binomial (inversion / Hormann's BTRS; also
with tabulated log-factorials) and gamma (Marsaglia-Tsang). All are exact samplers up to
float64 rounding.
"""

import math

import numpy as np

from ._config import jit
from ._special import lgamma_shift

U53 = 1.0 / 9007199254740992.0  # 2**-53
# Beyond this mean (or number of trials) the exact tests take the log pmf as a difference
# in the integer k - m: written plainly, as a difference of terms ~lam ln lam, it keeps an
# error ~1e-16 lam ln lam, below 1e-7 here but of order one at 1e15. (Kept off the common
# path, where the extra work cost a third of the conditioned-rejection sampler's speed.)
HUGE_MEAN = 1e7
_ROT = np.uint64(64)


@jit
def _rotl(x, k):
    return (x << np.uint64(k)) | (x >> (_ROT - np.uint64(k)))


@jit
def next_u64(s):
    """Advance a xoshiro256** state (uint64[4]) and return 64 random bits."""
    s0 = s[0]
    s1 = s[1]
    s2 = s[2]
    s3 = s[3]
    result = _rotl(s1 * np.uint64(5), 7) * np.uint64(9)
    t = s1 << np.uint64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, 45)
    s[0] = s0
    s[1] = s1
    s[2] = s2
    s[3] = s3
    return result


@jit
def step(s0, s1, s2, s3):
    """:func:`next_u64` on a state held in four scalars: ``(bits, s0, s1, s2, s3)``.

    For tight loops: the state stays in registers instead of going through memory
    (numba cannot tell that the loop's stores leave the state array alone).
    """
    result = _rotl(s1 * np.uint64(5), 7) * np.uint64(9)
    t = s1 << np.uint64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, 45)
    return result, s0, s1, s2, s3


@jit
def uniform(s):
    """Uniform double in the open interval (0, 1)."""
    return (np.float64(next_u64(s) >> np.uint64(11)) + 0.5) * U53


@jit
def below(s, n):
    """Uniform integer in [0, n) for 0 < n < 2**32, without modulo bias (Lemire)."""
    bound = np.uint64(n)
    while True:
        x = next_u64(s) >> np.uint64(32)
        m = x * bound
        low = m & np.uint64(0xFFFFFFFF)
        if low >= bound or low >= ((np.uint64(0x100000000) - bound) % bound):
            return np.int64(m >> np.uint64(32))


@jit
def two_below(s, n):
    """Two independent uniform integers in [0, n), n < 2**32, from one 64-bit draw.

    Each half of the word goes through Lemire's multiply-shift; a half that lands in the
    biased sliver is redrawn (on its own), so both stay exactly uniform.
    """
    bound = np.uint64(n)
    mask = np.uint64(0xFFFFFFFF)
    thresh = (np.uint64(0x100000000) - bound) % bound
    x = next_u64(s)
    m1 = (x >> np.uint64(32)) * bound
    if (m1 & mask) < thresh:
        return below(s, n), below(s, n)
    m2 = (x & mask) * bound
    if (m2 & mask) < thresh:
        return np.int64(m1 >> np.uint64(32)), below(s, n)
    return np.int64(m1 >> np.uint64(32)), np.int64(m2 >> np.uint64(32))


@jit
def poisson(s, lam):
    """Poisson variate with mean ``lam >= 0``."""
    if lam <= 0.0:
        return 0
    if lam < 10.0:
        # Inversion by sequential search: about lam + 1 steps.
        u = uniform(s)
        p = math.exp(-lam)
        k = 0
        cdf = p
        while u > cdf and k < 1000:
            k += 1
            p *= lam / k
            cdf += p
        return k
    if lam >= HUGE_MEAN:
        return _poisson_huge(s, lam)
    # PTRS (Hormann 1993): transformed rejection with squeeze, for lam >= 10.
    slam = math.sqrt(lam)
    loglam = math.log(lam)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
    v_r = 0.9277 - 3.6224 / (b - 2.0)
    while True:
        u = uniform(s) - 0.5
        v = uniform(s)
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + lam + 0.43)
        if us >= 0.07 and v <= v_r:
            return np.int64(k)
        if k < 0 or (us < 0.013 and v > us):
            continue
        lhs = math.log(v * inv_alpha / (a / (us * us) + b))
        if lhs <= -lam + k * loglam - math.lgamma(k + 1.0):
            return np.int64(k)


@jit
def _poisson_huge(s, lam):
    """PTRS as in :func:`poisson`, with the exact test taken without cancellation.

    A copy of the loop on purpose: one body with a flag for the two tests measured
    6.6e4 conditioned-rejection draws/s at K = 10 against 1.1e5 with the plain loop
    kept separate (numba then stops inlining the common path).
    """
    # PTRS (Hormann 1993): transformed rejection with squeeze, for lam >= 10.
    slam = math.sqrt(lam)
    loglam = math.log(lam)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
    v_r = 0.9277 - 3.6224 / (b - 2.0)
    # The exact test's log pmf, -lam + k ln lam - ln k!, is ~lam ln lam: written as
    # that at m = floor(lam) plus a difference in k - m, so that it keeps its accuracy
    # (at lam = 1e15 the plain form has an error of order one, and the variance of the
    # variates came out 1% off; at 3e17, 50%).
    # (computed when a proposal first misses the squeeze: most variates never need it)
    m = math.floor(lam)
    at_m = math.nan
    while True:
        u = uniform(s) - 0.5
        v = uniform(s)
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + lam + 0.43)
        if us >= 0.07 and v <= v_r:
            return np.int64(k)
        if k < 0 or (us < 0.013 and v > us):
            continue
        if math.isnan(at_m):
            f = lam - m  # Stirling for ln m!
            at_m = m * math.log1p(f / m) - f - 0.5 * math.log(2.0 * math.pi * m)
            at_m -= 1.0 / (12.0 * m)
        lhs = math.log(v * inv_alpha / (a / (us * us) + b))
        if lhs <= at_m + (k - m) * loglam - lgamma_shift(m + 1.0, float(k - m)):
            return np.int64(k)


@jit
def binomial(s, n, p):
    """Binomial variate with ``n >= 0`` trials and success probability ``p``."""
    if n <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    flip = p > 0.5
    q = 1.0 - p if flip else p
    if n * q < 10.0:
        # Inversion from k = 0 with the pmf recurrence.
        u = uniform(s)
        r = q / (1.0 - q)
        pk = math.exp(n * math.log1p(-q))
        k = 0
        cdf = pk
        while u > cdf and k < n:
            pk *= r * (n - k) / (k + 1.0)
            k += 1
            cdf += pk
        return n - k if flip else k
    # BTRS (Hormann 1993), valid for n q >= 10. The constants of the exact test (two
    # lgamma calls) are computed only when a proposal first misses the squeeze: most
    # variates never need them.
    spq = math.sqrt(n * q * (1.0 - q))
    b = 1.15 + 2.53 * spq
    a = -0.0873 + 0.0248 * b + 0.01 * q
    c = n * q + 0.5
    v_r = 0.92 - 4.2 / b
    ready = False
    alpha = lpq = h = 0.0
    m = np.int64(0)
    while True:
        u = uniform(s) - 0.5
        v = uniform(s)
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + c)
        if k < 0 or k > n:
            continue
        if us >= 0.07 and v <= v_r:
            break
        if not ready:
            alpha = (2.83 + 5.1 / b) * spq
            lpq = math.log(q / (1.0 - q))
            m = np.int64(math.floor((n + 1) * q))
            h = math.lgamma(m + 1.0) + math.lgamma(n - m + 1.0)
            ready = True
        v = math.log(v * alpha / (a / (us * us) + b))
        k = np.int64(k)
        if n < HUGE_MEAN:
            log_ratio = h - math.lgamma(k + 1.0) - math.lgamma(n - k + 1.0) + (k - m) * lpq
        else:
            # ln pmf(k) / pmf(m) as differences in the exact integer k - m (the plain
            # lgamma's are ~n ln n: at n = 1e15 they left an error of order one)
            dk = float(k - m)
            log_ratio = -lgamma_shift(m + 1.0, dk) - lgamma_shift(float(n - m) + 1.0, -dk)
            log_ratio += dk * lpq
        if v <= log_ratio:
            break
    k = np.int64(k)
    return n - k if flip else k


@jit
def binomial_table(s, n, p, lpq, l1q, logfact):
    """Binomial variate as :func:`binomial`, with the constants of ``p`` given.

    For many variates with few distinct ``p`` (the divide-and-conquer sampler):
    ``lpq = log(q / (1 - q))`` and ``l1q = log1p(-q)`` with ``q = min(p, 1 - p)``, and
    ``logfact[k] = log k!`` for ``0 <= k <= n``, so the exact test of BTRS costs one
    ``log`` and inversion one ``exp`` instead of five and two transcendental calls; for
    ``n`` beyond the table the test takes lgamma differences as :func:`binomial` does.
    """
    if n <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    flip = p > 0.5
    q = 1.0 - p if flip else p
    if n * q < 10.0:
        u = uniform(s)
        r = q / (1.0 - q)
        pk = math.exp(n * l1q)
        k = 0
        cdf = pk
        while u > cdf and k < n:
            pk *= r * (n - k) / (k + 1.0)
            k += 1
            cdf += pk
        return n - k if flip else k
    spq = math.sqrt(n * q * (1.0 - q))
    b = 1.15 + 2.53 * spq
    a = -0.0873 + 0.0248 * b + 0.01 * q
    c = n * q + 0.5
    v_r = 0.92 - 4.2 / b
    m = math.floor((n + 1) * q)
    while True:
        u = uniform(s) - 0.5
        v = uniform(s)
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + c)
        if k < 0 or k > n:
            continue
        if us >= 0.07 and v <= v_r:
            break
        alpha = (2.83 + 5.1 / b) * spq
        v = math.log(v * alpha / (a / (us * us) + b))
        if n < logfact.size:
            lhs = logfact[m] + logfact[n - m] - logfact[k] - logfact[n - k]
        else:  # beyond the table (kept small at huge N): differences in k - m, as binomial
            dk = float(np.int64(k) - np.int64(m))
            lhs = -lgamma_shift(m + 1.0, dk) - lgamma_shift(float(n - m) + 1.0, -dk)
        if v <= lhs + (k - m) * lpq:
            break
    k = np.int64(k)
    return n - k if flip else k


@jit
def standard_normal(s):
    """Standard normal variate (polar Box-Muller, one of the pair)."""
    while True:
        x = 2.0 * uniform(s) - 1.0
        y = 2.0 * uniform(s) - 1.0
        r2 = x * x + y * y
        if 0.0 < r2 < 1.0:
            return x * math.sqrt(-2.0 * math.log(r2) / r2)


@jit
def gamma(s, shape):
    """Gamma variate with unit scale (Marsaglia-Tsang; boosted for shape < 1)."""
    boost = 1.0
    if shape < 1.0:
        # G(a) = G(a + 1) * U^(1/a)
        boost = math.exp(math.log(uniform(s)) / shape)
        shape += 1.0
    d = shape - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        x = standard_normal(s)
        v = 1.0 + c * x
        if v <= 0.0:
            continue
        # d (1 - v + ln v) with w = v - 1 formed from c x directly: as d - d v + d ln v
        # it cancelled to an error of ~0.1 at shape 1e15
        cx = c * x
        w = cx * (3.0 + cx * (3.0 + cx))
        u = uniform(s)
        if math.log(u) < 0.5 * x * x + d * (math.log1p(w) - w):
            return d * (1.0 + w) * boost
