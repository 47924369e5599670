"""ln Gamma, digamma, trigamma and x log y for the model layer: no scipy for small input.

``scipy.special`` costs about 0.4 s to import on a small machine, more than a K = 4
problem takes to solve. Arrays of up to :data:`SMALL` positive finite values are
evaluated with the standard library's ``math.lgamma`` and the digamma/trigamma series of
the kernels (asymptotic after a shift above 10, 1e-17 relative); anything larger, or
outside that domain, goes to ``scipy.special``. Both agree to about 1e-15 relative.
"""

from __future__ import annotations

import math

import numpy as np

from maxent._kernels._special import digamma_trigamma

SMALL = 256


def _small(x: np.ndarray) -> bool:
    return x.size <= SMALL and bool(np.all(np.isfinite(x))) and bool(np.all(x > 0.0))


def _map(fn, x: np.ndarray) -> np.ndarray | np.float64:
    out = np.array([fn(v) for v in x.ravel().tolist()], dtype=np.float64).reshape(x.shape)
    return out if out.ndim else np.float64(out)


def gammaln(x) -> np.ndarray:
    """``ln |Gamma(x)|``, elementwise."""
    x = np.asarray(x, dtype=np.float64)
    if _small(x):
        return _map(math.lgamma, x)
    from scipy.special import gammaln as sp_gammaln

    return sp_gammaln(x)


def digamma(x) -> np.ndarray:
    """``psi(x) = d ln Gamma(x) / dx``, elementwise."""
    x = np.asarray(x, dtype=np.float64)
    if _small(x):
        return _map(lambda v: digamma_trigamma(v)[0], x)
    from scipy.special import psi

    return psi(x)


def trigamma(x) -> np.ndarray:
    """``psi'(x)``, elementwise."""
    x = np.asarray(x, dtype=np.float64)
    if _small(x):
        return _map(lambda v: digamma_trigamma(v)[1], x)
    from scipy.special import polygamma

    return polygamma(1, x)


def xlogy(x, y) -> np.ndarray:
    """``x * log(y)``, with 0 where ``x == 0`` (and y is not NaN), as ``scipy.special.xlogy``."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where((x == 0.0) & ~np.isnan(y), 0.0, x * np.log(y))
    return out if out.ndim else np.float64(out)


# lgamma(x) = (x - 1/2) ln x - x + ln(2 pi) / 2 + sum_m c_m x**-m (x >= 10: 5 terms
# leave < 1e-17)
_LGAMMA_TAIL = (
    (1, 1.0 / 12.0),
    (3, -1.0 / 360.0),
    (5, 1.0 / 1260.0),
    (7, -1.0 / 1680.0),
    (9, 1.0 / 1188.0),
)


def lgamma_step(x, y) -> np.ndarray:
    """``ln Gamma(y) - ln Gamma(x)`` for x, y > 0, elementwise, without cancellation.

    Where both are large, ln Gamma of each is ~x ln x and their difference would keep
    only rounding (an error of order one at 1e15); the difference is then taken from
    Stirling's series term by term, ``(b - 1/2) log1p(d/a) + d (ln a - 1) + ...`` with
    ``a = min(x, y)``, ``d = |y - x|``. Below 10 the standard library's lgamma is exact
    enough (no large terms to cancel). Numpy only: no scipy, no numba.
    """
    x, y = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
    a = np.minimum(x, y)
    d = np.abs(y - x)
    b = a + d
    out = np.empty(a.shape)
    small = a < 10.0
    if small.any():
        values, where = np.unique(np.concatenate([a[small], b[small]]), return_inverse=True)
        lg = np.array([math.lgamma(v) for v in values.tolist()])[where]
        out[small] = lg[small.sum() :] - lg[: small.sum()]
    big = ~small
    if big.any():
        ab, db, bb = a[big], d[big], b[big]
        acc = (bb - 0.5) * np.log1p(db / ab) + db * (np.log(ab) - 1.0)
        for m, c in _LGAMMA_TAIL:
            acc += c * (bb**-m - ab**-m)
        out[big] = acc
    return np.where(y >= x, out, -out)
