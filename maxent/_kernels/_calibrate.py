"""Kernels for temperature scaling: per-row moments of exp(beta (z - c)) in one fused pass.

The exponential is evaluated in-line by a polynomial that the compiler can vectorise (a
call to libm's ``exp`` cannot be, without SVML), accurate to about 2 ulp on the whole
range it is used on (arguments <= 0, subnormal results included, 0 below -746).
"""

import math

import numpy as np
from llvmlite import ir
from numba import prange, types
from numba.extending import intrinsic

from ._config import jit_contract, jit_fast, jit_parallel_chunks

ROWS = 256  # rows per parallel chunk (25 600 logits at K = 100)
# below this many logits a call runs serially: opening a parallel region costs more than
# the pass (milliseconds on a busy 2-core machine, against microseconds of work)
PARALLEL_WORK = 1 << 18


def _chunks(z, *rest):
    return 1 if z.size < PARALLEL_WORK else -(-z.shape[0] // ROWS)


_LOG2E = 1.4426950408889634
# ln 2 split so that t * _LN2_HI is exact for |t| < 2**21 (Cody and Waite)
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_BIG = np.finfo(np.float64).max
_ROUND = 6755399441055744.0  # 1.5 * 2**52: x + _ROUND - _ROUND rounds x to an integer
_C3, _C4, _C5, _C6, _C7, _C8, _C9, _C10, _C11, _C12, _C13 = (
    1.0 / math.factorial(j) for j in range(3, 14)
)


@intrinsic
def _bits(typingctx, x):
    """The bits of a float64 as an int64 (a register bitcast)."""

    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return types.int64(types.float64), codegen


@intrinsic
def _float(typingctx, x):
    """The float64 with the bits of an int64 (a register bitcast)."""

    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


@jit_contract
def exp_nonpositive(x):
    """``exp(x)`` for ``x <= 0`` (any larger x is not handled), about 2 ulp.

    Compiled without 'reassoc': the rounding trick and the split of ln 2 rely on the
    order of the operations as written.
    """
    x = max(x, -746.0)  # exp(-746) rounds to 0; also keeps -inf out of the integer part
    t = (x * _LOG2E + _ROUND) - _ROUND  # nearest integer to x / ln 2, in [-1077, 0]
    r = (x - t * _LN2_HI) - t * _LN2_LO  # |r| <= ln 2 / 2
    # Taylor polynomial of degree 13 (truncation < 1e-17), Estrin's scheme: a short
    # dependency chain, so the vectorised loop is not latency bound
    r2 = r * r
    r4 = r2 * r2
    q0 = (1.0 + r) + r2 * (0.5 + _C3 * r)
    q1 = (_C4 + _C5 * r) + r2 * (_C6 + _C7 * r)
    q2 = (_C8 + _C9 * r) + r2 * (_C10 + _C11 * r) + r4 * (_C12 + _C13 * r)
    p = (q0 + r4 * q1) + (r4 * r4) * q2
    # 2**t as two normal powers of two, 2**h * 2**(t - h), so that subnormal results
    # come out right; each exponent field is built with the same rounding trick
    h = np.floor(t * 0.5)
    e1 = _float(_bits((h + 1023.0) + _ROUND) << 52)
    e2 = _float(_bits(((t - h) + 1023.0) + _ROUND) << 52)
    return p * e1 * e2


@jit_contract
def exp_moderate(x):
    """``exp(x)`` for ``-708 <= x <= 0`` (2**t normal: one power of two suffices), about 2 ulp."""
    s = x * _LOG2E + _ROUND
    t = s - _ROUND
    r = (x - t * _LN2_HI) - t * _LN2_LO
    r2 = r * r
    r4 = r2 * r2
    q0 = (1.0 + r) + r2 * (0.5 + _C3 * r)
    q1 = (_C4 + _C5 * r) + r2 * (_C6 + _C7 * r)
    q2 = (_C8 + _C9 * r) + r2 * (_C10 + _C11 * r) + r4 * (_C12 + _C13 * r)
    p = (q0 + r4 * q1) + (r4 * r4) * q2
    # the low bits of s hold t (two's complement): the exponent field of 2**t
    return p * _float((_bits(s) + 1023) << 52)


@jit_parallel_chunks(_chunks)
def row_moments(z, centre, other, bs, dscale, out):
    """``out[i, j] = sum_k w_ik d_ik**j`` with ``d = (z - centre_i) * dscale``, ``w = exp(bs d)``.

    ``centre`` is the row maximum for ``bs >= 0`` and the minimum otherwise (so that
    ``bs * d <= 0``), ``other`` the opposite extreme. ``out`` has 5 or 10 columns (any
    other count takes a slower loop). Per row, the exponentials go to a buffer first and
    the powers are summed from it: two short loops, each vectorised, run faster than one
    long one. Rows are independent: the result does not depend on the number of threads.
    """
    n, k = z.shape
    m = out.shape[1]
    nchunk = -(-n // ROWS)
    for ci in prange(nchunk):
        wb = np.empty(k)
        db = np.empty(k)
        for i in range(ci * ROWS, min(n, ci * ROWS + ROWS)):
            c = centre[i]
            if bs * ((other[i] - c) * dscale) >= -708.0:  # the usual case
                for j in range(k):
                    d = (z[i, j] - c) * dscale
                    db[j] = d
                    wb[j] = exp_moderate(bs * d)
            else:  # some weights underflow to subnormals or 0
                for j in range(k):
                    d = (z[i, j] - c) * dscale
                    db[j] = d
                    wb[j] = exp_nonpositive(bs * d)
            o = out[i]
            if m == 10:
                s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = s8 = s9 = 0.0
                for j in range(k):
                    d = db[j]
                    v = wb[j]
                    s0 += v
                    v *= d
                    s1 += v
                    v *= d
                    s2 += v
                    v *= d
                    s3 += v
                    v *= d
                    s4 += v
                    v *= d
                    s5 += v
                    v *= d
                    s6 += v
                    v *= d
                    s7 += v
                    v *= d
                    s8 += v
                    v *= d
                    s9 += v
                o[0], o[1], o[2], o[3], o[4] = s0, s1, s2, s3, s4
                o[5], o[6], o[7], o[8], o[9] = s5, s6, s7, s8, s9
            elif m == 5:
                s0 = s1 = s2 = s3 = s4 = 0.0
                for j in range(k):
                    d = db[j]
                    v = wb[j]
                    s0 += v
                    v *= d
                    s1 += v
                    v *= d
                    s2 += v
                    v *= d
                    s3 += v
                    v *= d
                    s4 += v
                o[0], o[1], o[2], o[3], o[4] = s0, s1, s2, s3, s4
            else:
                for p in range(m):
                    s = 0.0
                    for j in range(k):
                        s += wb[j]
                        wb[j] *= db[j]
                    o[p] = s
    return out


@jit_parallel_chunks(_chunks)
def row_summary(z, zmax, zmin, zmean):
    """Per-row maximum, minimum and mean in one pass.

    Returns the number of rows holding a NaN or an infinity (their mean is NaN; their
    extremes are not to be used).

    A row whose midpoint is large against its range (|mid| > 1e6 range) is averaged
    about the midpoint, which keeps the small differences that a plain sum would round
    away.
    """
    n, k = z.shape
    nchunk = -(-n // ROWS)
    bad = np.zeros(nchunk, dtype=np.int64)
    for ci in prange(nchunk):
        for i in range(ci * ROWS, min(n, ci * ROWS + ROWS)):
            hi = z[i, 0]
            lo = z[i, 0]
            s = 0.0
            nonfinite = 0
            for j in range(k):
                v = z[i, j]
                hi = max(hi, v)
                lo = min(lo, v)
                s += v
                # a comparison, not math.isfinite: after inlining under fast-math flags
                # numba 0.6x folded isfinite to True here (NaN and inf rows went unseen)
                nonfinite += 0 if abs(v) <= _BIG else 1
            if nonfinite:
                bad[ci] += 1
                zmax[i], zmin[i], zmean[i] = hi, lo, math.nan
                continue
            zmax[i] = hi
            zmin[i] = lo
            mid = 0.5 * (hi + lo)
            if abs(mid) > 1e6 * max(hi - lo, 1e-300) or not abs(s) <= _BIG:
                s = 0.0
                for j in range(k):
                    s += z[i, j] - mid
                zmean[i] = mid + s / k
            else:
                zmean[i] = s / k
    return bad.sum()


@jit_fast
def model_sums(s, dy, w, h, block):
    """Weighted row sums of the NLL's gradient and curvature at ``beta_s + h``; largest variance.

    The values at ``+h`` come from the Taylor model on the row moments ``s`` (``h = 0``:
    the measured values); row ``i`` counts ``w[i]`` times. Partial sums per ``block``
    rows, summed pairwise by the caller.

    Returns ``(gsum, hsum, vmax)``, each of shape (blocks,), with a NaN in ``gsum`` where
    a row's model failed (its S_0 <= 0 or not finite).
    """
    n, m = s.shape
    c = np.empty(m)
    c[0] = 1.0
    for j in range(1, m):
        c[j] = c[j - 1] * h / j
    nb = -(-n // block)
    gsum = np.zeros(nb)
    hsum = np.zeros(nb)
    vmax = np.zeros(nb)
    for bi in range(nb):
        g = 0.0
        hs = 0.0
        vm = 0.0
        for i in range(bi * block, min(n, bi * block + block)):
            if h == 0.0:
                s0, s1, s2 = s[i, 0], s[i, 1], s[i, 2]
            else:
                s0 = 0.0
                s1 = 0.0
                s2 = 0.0
                for j in range(m - 2):
                    s0 += c[j] * s[i, j]
                    s1 += c[j] * s[i, j + 1]
                    s2 += c[j] * s[i, j + 2]
                s0 += c[m - 2] * s[i, m - 2] + c[m - 1] * s[i, m - 1]
                s1 += c[m - 2] * s[i, m - 1]
            m1 = s1 / s0
            var = s2 / s0 - m1 * m1
            if var < 0.0:  # rounding; a NaN stays NaN and reaches the sums
                var = 0.0
            g += w[i] * (m1 - dy[i])
            hs += w[i] * var
            if var > vm:
                vm = var
        gsum[bi] = g
        hsum[bi] = hs
        vmax[bi] = vm
    return gsum, hsum, vmax


@jit_parallel_chunks(_chunks)
def softmax_scores(t, y, logp_y, sq, conf, pred):
    """Per row of scores ``t``: ln p_y, sum_k p_k^2 - 2 p_y + 1, max_k p_k and its index.

    ``p = softmax(t)`` per row, with the in-line exponential: one pass, nothing of size
    (rows, K) allocated. ``pred`` is the first index of the largest score.
    """
    n, k = t.shape
    nchunk = -(-n // ROWS)
    for ci in prange(nchunk):
        wb = np.empty(k)
        for i in range(ci * ROWS, min(n, ci * ROWS + ROWS)):
            top = t[i, 0]
            arg = 0
            bottom = t[i, 0]
            for j in range(1, k):
                v = t[i, j]
                if v > top:
                    top = v
                    arg = j
                bottom = min(bottom, v)
            if bottom - top >= -708.0:
                for j in range(k):
                    wb[j] = exp_moderate(t[i, j] - top)
            else:
                for j in range(k):
                    wb[j] = exp_nonpositive(t[i, j] - top)
            s = 0.0
            s2 = 0.0
            for j in range(k):
                s += wb[j]
                s2 += wb[j] * wb[j]
            py = wb[y[i]] / s
            logp_y[i] = (t[i, y[i]] - top) - math.log(s)
            sq[i] = s2 / (s * s) - 2.0 * py + 1.0
            conf[i] = 1.0 / s  # the top score's weight is exp(0) = 1
            pred[i] = arg


@jit_fast
def classwise_bins(t, y, bins, counts, psum, hits):
    """Accumulate every class's probability ``p = softmax(t)`` into equal-width bins.

    ``counts[k, b]``, ``psum[k, b]`` and ``hits[k, b]`` (float arrays of shape (K, bins))
    gain, for each row and class k whose probability falls in bin b, one count, the
    probability and ``1{y = k}``. A probability of exactly 1 belongs to the top bin.
    Serial: the accumulators are shared.
    """
    n, k = t.shape
    wb = np.empty(k)
    for i in range(n):
        top = t[i, 0]
        bottom = t[i, 0]
        for j in range(1, k):
            top = max(top, t[i, j])
            bottom = min(bottom, t[i, j])
        if bottom - top >= -708.0:
            for j in range(k):
                wb[j] = exp_moderate(t[i, j] - top)
        else:
            for j in range(k):
                wb[j] = exp_nonpositive(t[i, j] - top)
        s = 0.0
        for j in range(k):
            s += wb[j]
        for j in range(k):
            p = wb[j] / s
            b = min(int(p * bins), bins - 1)
            counts[j, b] += 1.0
            psum[j, b] += p
            if y[i] == j:
                hits[j, b] += 1.0
