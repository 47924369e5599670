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
