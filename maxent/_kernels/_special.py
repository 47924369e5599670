"""Digamma, trigamma and the inverse digamma, scalar, for use inside kernels.

Asymptotic series after shifting the argument above 10 with the recurrences
psi(x) = psi(x + 1) - 1/x and psi'(x) = psi'(x + 1) + 1/x^2; the first omitted term is
below 1e-17 relative there.
"""

import math

import numpy as np

from ._config import jit

EULER = 0.57721566490153286061  # -psi(1)


@jit(cost=lambda x: 10)
def _psi_series(x):
    """(digamma, trigamma) by the asymptotic series, valid to 1e-17 for x >= 10."""
    f = 1.0 / (x * x)
    d = f * (
        -1.0 / 12
        + f
        * (
            1.0 / 120
            + f * (-1.0 / 252 + f * (1.0 / 240 + f * (-1.0 / 132 + f * (691.0 / 32760 - f / 12))))
        )
    )
    t = (
        1.0
        + f
        * (
            1.0 / 6
            + f
            * (-1.0 / 30 + f * (1.0 / 42 + f * (-1.0 / 30 + f * (5.0 / 66 + f * (-691.0 / 2730)))))
        )
    ) / x
    return math.log(x) - 0.5 / x + d, t + 0.5 * f


@jit(cost=lambda x: 20)  # from Python: run as Python
def digamma_trigamma(x):
    """Both psi(x) and psi'(x) for x > 0, sharing one recurrence."""
    rd = 0.0
    rt = 0.0
    while x < 10.0:
        inv = 1.0 / x
        rd -= inv
        rt += inv * inv
        x += 1.0
    d, t = _psi_series(x)
    return rd + d, rt + t


@jit
def digamma(x):
    return digamma_trigamma(x)[0]


@jit
def trigamma(x):
    return digamma_trigamma(x)[1]


@jit
def inv_digamma(y, x0):
    """Solve psi(x) = y for x >= 1 (so y >= psi(1)); x0 > 0 is a starting guess or <= 0.

    Newton on a concave increasing function: from the left of the root it increases
    monotonically; from the right it jumps left, so one clamp at 1 keeps it in range.
    Newton's error squares each step, so once a correction is below 1e-9 x the next one
    would be below 1e-17 x and is skipped.
    """
    if x0 <= 0.0:
        x = math.exp(y) + 0.5 if y >= -2.22 else -1.0 / (y + EULER) + 1.0
    else:
        x = x0
    if x < 1.0:
        x = 1.0
    if not x < math.inf:
        return x
    for _ in range(100):
        d, t = digamma_trigamma(x)
        dx = (d - y) / t
        x_new = x - dx
        if x_new < 1.0:
            x_new = 1.0
        if abs(x_new - x) <= 1e-9 * x_new:
            return x_new
        x = x_new
    return x


# -- differences at two nearby arguments, without cancellation -----------------------------
# For a Bose level h'(n) = psi(n + g) - psi(n + 1) ~ (g - 1) / n: at n ~ 1e9 the two
# digammas (~21) agree to ~9 digits, so their difference keeps only ~7. The functions below
# write the difference of the asymptotic series at b = a + d and a algebraically in d
# (log1p(d / a), and 1/b^m - 1/a^m = -d/(ab) sum_i a^-i b^-(m-1-i)) after shifting both
# arguments above 10 with the recurrences, so the result has full relative precision for
# every d >= 0.

# coefficients c_m of x^-m in the series beyond their leading terms
_PSI_C = np.array(
    [0, 0, -1 / 12, 0, 1 / 120, 0, -1 / 252, 0, 1 / 240, 0, -1 / 132, 0, 691 / 32760, 0, -1 / 12]
)
_TRI_C = np.array(
    [0, 0, 0, 1 / 6, 0, -1 / 30, 0, 1 / 42, 0, -1 / 30, 0, 5 / 66, 0, -691 / 2730, 0, 7 / 6]
)
_LGAMMA_C = np.array([0, 1 / 12, 0, -1 / 360, 0, 1 / 1260, 0, -1 / 1680, 0, 1 / 1188])


@jit
def _series_diff(c, a, b, d):
    """sum_m c_m (b^-m - a^-m) for b = a + d, written with the factor d."""
    ia = 1.0 / a
    ib = 1.0 / b
    s = 1.0  # S_m = sum_{i<m} ia^i ib^(m-1-i) <= m ia^(m-1) (b >= a)
    ibm = ib  # ib^m
    acc = 0.0
    for m in range(1, c.size):
        acc += c[m] * s
        s = ia * s + ibm
        ibm *= ib
        if s < 1e-18 * abs(acc):  # the coefficients are below 1.2 in size
            break
    return -d * ia * ib * acc


@jit
def _shift_sums(a, d, want_log=False):
    """Shift a above 10; returns (a shifted, sum 1/(a+j) - 1/(b+j),
    sum 1/(b+j)^2 - 1/(a+j)^2, sum ln((b+j)/(a+j)))."""
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    while a < 10.0:
        b = a + d
        s1 += d / (a * b)
        s2 -= d * (a + b) / (a * a * b * b)
        if want_log:
            s3 += math.log1p(d / a)
        a += 1.0
    return a, s1, s2, s3


@jit
def digamma_diff(a, d):
    """psi(a + d) - psi(a) for a > 0, d >= 0, to full relative precision."""
    if d == 0.0:
        return 0.0
    a, s1, _, _ = _shift_sums(a, d)
    b = a + d
    # psi(x) = ln x - 1/(2x) + series
    return s1 + math.log1p(d / a) + 0.5 * d / (a * b) + _series_diff(_PSI_C, a, b, d)


@jit
def digamma_trigamma_diff(a, d):
    """(:func:`digamma_diff`, :func:`trigamma_diff`) sharing one shift."""
    if d == 0.0:
        return 0.0, 0.0
    a, s1, s2, _ = _shift_sums(a, d)
    b = a + d
    dd = s1 + math.log1p(d / a) + 0.5 * d / (a * b) + _series_diff(_PSI_C, a, b, d)
    lead = -d / (a * b) * (1.0 + 0.5 * (a + b) / (a * b))
    return dd, s2 + lead + _series_diff(_TRI_C, a, b, d)


@jit
def trigamma_diff(a, d):
    """psi'(a + d) - psi'(a) for a > 0, d >= 0 (<= 0), to full relative precision."""
    if d == 0.0:
        return 0.0
    a, _, s2, _ = _shift_sums(a, d)
    b = a + d
    # psi'(x) = 1/x + 1/(2x^2) + series
    lead = -d / (a * b) * (1.0 + 0.5 * (a + b) / (a * b))
    return s2 + lead + _series_diff(_TRI_C, a, b, d)


@jit
def lgamma_diff(a, d):
    """lgamma(a + d) - lgamma(a) for a > 0, d >= 0, without cancellation at large a."""
    if d == 0.0:
        return 0.0
    a, _, _, s3 = _shift_sums(a, d, True)
    b = a + d
    # lgamma(x) = (x - 1/2) ln x - x + ln(2 pi)/2 + series
    lead = (b - 0.5) * math.log1p(d / a) + d * (math.log(a) - 1.0)
    return lead + _series_diff(_LGAMMA_C, a, b, d) - s3


@jit
def lgamma_shift(a, d):
    """lgamma(a + d) - lgamma(a) for a > 0, a + d > 0 and d of either sign.

    Pass the shift ``d`` exactly (a difference of integer counts, say): at counts ~1e18
    the doubles a and a + d are 128 apart, and ``d`` recomputed from them would be off.
    """
    if d >= 0.0:
        return lgamma_diff(a, d)
    return -lgamma_diff(a + d, -d)


# which difference gamma_diff_array takes
LGAMMA_DIFF, DIGAMMA_DIFF, TRIGAMMA_DIFF = 0, 1, 2


@jit(cost=lambda kind, a, d: 100 * a.size)
def gamma_diff_array(kind, a, d):
    """:func:`lgamma_diff`, :func:`digamma_diff` or :func:`trigamma_diff` (by ``kind``)
    elementwise over equal-length float arrays (nan where a <= 0 or d < 0)."""
    out = np.empty(a.size)
    for i in range(a.size):
        if not (a[i] > 0.0 and d[i] >= 0.0):
            out[i] = math.nan
        elif kind == LGAMMA_DIFF:
            out[i] = lgamma_diff(a[i], d[i])
        elif kind == DIGAMMA_DIFF:
            out[i] = digamma_diff(a[i], d[i])
        else:
            out[i] = trigamma_diff(a[i], d[i])
    return out
