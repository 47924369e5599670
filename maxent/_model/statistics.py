"""The three counting statistics, as per-class log-weights.

For an allocation n the number of microstates is W(n) = C * prod_k w_k(n_k), with

* Boltzmann (distinguishable items, g_k states per class, real g_k acts as a prior):
  W = N! prod_k g_k^n_k / n_k!, so ln w(n) = n ln g - ln Gamma(n + 1) and C = N!;
* Bose-Einstein (indistinguishable items, any number per state):
  W = prod_k C(n_k + g_k - 1, n_k), ln w(n) = ln Gamma(n + g) - ln Gamma(n + 1) - ln Gamma(g);
* Fermi-Dirac (at most one item per state): W = prod_k C(g_k, n_k), n_k <= g_k.

Every log-weight is concave in n. Stirling's form replaces ln Gamma(x + 1) by x ln x - x;
its maximiser under the constraints is the large-N limit: n_k = g_k exp(-x_k) (Boltzmann),
g_k / (exp(x_k) - 1) (Bose-Einstein), g_k / (exp(x_k) + 1) (Fermi-Dirac), with
x_k = alpha + beta E_k (+ one multiplier per extra constraint).
"""

from __future__ import annotations

import numpy as np

from maxent._kernels._special import (
    DIGAMMA_DIFF,
    LGAMMA_DIFF,
    TRIGAMMA_DIFF,
    gamma_diff_array,
)
from maxent._model.special import digamma, gammaln, trigamma, xlogy
from maxent._util.errors import ValidationError

__all__ = ["STATISTICS", "code", "log_weight"]

STATISTICS = ("boltzmann", "bose", "fermi")
BOLTZMANN, BOSE, FERMI = 0, 1, 2
#: The name of each counting's large-N law, for tables and figures.
LIMIT_NAMES = {0: "Boltzmann", 1: "Bose-Einstein", 2: "Fermi-Dirac"}


def limit_name(problem) -> str:
    """Name of the large-N law of ``problem``: "Boltzmann" only for plain counting."""
    if problem.stat == 0 and problem.constraints:
        return "maximum-entropy"
    return LIMIT_NAMES[problem.stat]


def code(statistics: str) -> int:
    """Integer code of a statistics name (used by the kernels)."""
    try:
        return STATISTICS.index(str(statistics).lower())
    except ValueError:
        raise ValidationError(
            "statistics", f"must be one of {', '.join(STATISTICS)} (got {statistics!r})"
        ) from None


def check_degeneracies(stat: int, g: np.ndarray) -> None:
    """Fermi-Dirac needs whole numbers of states; Bose-Einstein needs at least one."""
    if stat == FERMI and np.any((g < 1) | (g != np.round(g))):
        raise ValidationError(
            "degeneracies", "Fermi-Dirac needs a whole number of states >= 1 per class"
        )
    if stat == BOSE and np.any(g < 1):
        raise ValidationError("degeneracies", "Bose-Einstein needs at least one state per class")


def caps(stat: int, g: np.ndarray, n_items: int) -> np.ndarray:
    """Largest count each class can hold."""
    if stat == FERMI:
        return np.minimum(np.round(g), n_items).astype(np.int64)
    return np.full(g.size, n_items, dtype=np.int64)


def log_weight(stat: int, n, g) -> np.ndarray:
    """Exact per-class log-weight ln w_k(n) (without the Boltzmann N!).

    The Bose and Fermi binomial coefficients are taken as differences of ln Gamma that
    do not cancel (:func:`gamma_diff`): at n = 1e15 the plain three-term form keeps no digit.
    """
    n = np.asarray(n, dtype=np.float64)
    if stat == BOLTZMANN:
        return n * np.log(g) - gammaln(n + 1.0)
    nb, gb = np.broadcast_arrays(n, np.asarray(g, dtype=np.float64))
    with np.errstate(invalid="ignore"):
        if stat == BOSE:  # ln C(n + g - 1, n) = [lnG(n + g) - lnG(n + 1)] - lnG(g)
            out = gamma_diff(LGAMMA_DIFF, nb + 1.0, gb - 1.0) - gammaln(gb)
            bad = ~(nb >= 0.0)  # outside the domain: the plain form, as before
            if np.any(bad):
                plain = gammaln(nb + gb) - gammaln(nb + 1.0) - gammaln(gb)
                out = np.where(bad, plain, out)
            return out
        # ln C(g, n): the smaller of n and g - n is the difference taken
        small = np.minimum(nb, gb - nb)
        big = gb - small
        out = gamma_diff(LGAMMA_DIFF, big + 1.0, small) - gammaln(small + 1.0)
        bad = ~(small >= 0.0)
        if np.any(bad):
            plain = gammaln(gb + 1.0) - gammaln(nb + 1.0) - gammaln(gb - nb + 1.0)
            out = np.where(bad, plain, out)
        return out


def stirling_log_weight(stat: int, n, g) -> np.ndarray:
    """Stirling form of the per-class log-weight.

    Bose and Fermi are written as ``a log1p(b / a)`` terms, which do not cancel at large n.
    """
    n = np.asarray(n, dtype=np.float64)
    if stat == BOLTZMANN:
        return n - xlogy(n, n) + n * np.log(g)
    with np.errstate(divide="ignore", invalid="ignore"):
        if stat == BOSE:  # (n+g) ln(n+g) - n ln n - g ln g
            out = _xlog1p(n, g) + _xlog1p(g, n)
            plain = xlogy(n + g, n + g) - xlogy(n, n) - xlogy(g, g)
            return np.where((n >= 0.0) & (g > 0.0), out, plain)
        m = g - n  # g ln g - n ln n - m ln m
        out = _xlog1p(n, m) + _xlog1p(m, n)
        plain = xlogy(g, g) - xlogy(n, n) - xlogy(m, m)
        return np.where((n >= 0.0) & (m >= 0.0), out, plain)


def stirling_divergence(stat: int, n, m, g) -> np.ndarray:
    """``s(m) - s(n) + s'(m) (n - m)`` for the Stirling log-weight s, elementwise (>= 0).

    The Bregman divergence of the concave s between counts n and a reference m > 0. Summed
    over the classes it is ``S(m) - S(n)`` for every n on the constraint plane when m is
    the constrained maximum (the linear term then vanishes), but it is computed class by
    class from ``n - m``: the difference of two sums of size ~N ln K leaves only rounding
    at N = 1e12, and a reference that misses a constraint by rounding shifts that
    difference by a constant. Boltzmann: ``n ln(n/m) - n + m``; Bose-Einstein subtracts
    the same form at ``m + g``; Fermi-Dirac adds it for the holes ``g - m``.
    """
    n, m, g = (np.asarray(v, dtype=np.float64) for v in (n, m, g))
    d = n - m
    out = _bregman_log(m, d)
    if stat == BOSE:
        out = out - _bregman_log(m + g, d)
    elif stat == FERMI:
        out = out + _bregman_log(g - m, -d)
    return out


def _bregman_log(m, d):
    """``(m + d) ln(1 + d/m) - d``, i.e. ``m phi(d/m)`` with phi(t) = (1+t) ln(1+t) - t.

    A series for |d/m| < 0.01, where the closed form cancels to t**2/2 of terms ~ t.
    """
    m, d = np.broadcast_arrays(m, d)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = d / m
        closed = (m + d) * np.log1p(t) - d
        # phi(t) = sum_{j >= 2} (-1)**j t**j / (j (j - 1)); 8 terms: error ~ t**10 / 90
        series = np.zeros_like(t)
        power = t * t
        for j in range(2, 10):
            series += (-1.0) ** j * power / (j * (j - 1))
            power = power * t
        out = np.where(np.abs(t) < 0.01, m * series, closed)
        return np.where(d == 0.0, 0.0, np.where(m + d == 0.0, m, out))


def _xlog1p(a, b):
    """``a log1p(b / a)`` for a, b >= 0, 0 where ``a == 0``.

    Where ``b / a`` is large (a subnormal count beside a level of 1e6 states overflows
    the ratio) it is ``a (log b - log a + log1p(a / b))``, which stays finite.
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        near = a * np.log1p(b / a)
        far = a * (np.log(b) - np.log(a) + np.log1p(a / b))
        out = np.where(b > 1e8 * a, far, near)
    return np.where(a == 0.0, 0.0, out)


def gamma_diff(kind: int, a, d) -> np.ndarray:
    """``f(a + d) - f(a)`` for f = ln Gamma, digamma or trigamma (``kind``), elementwise.

    Broadcast and shaped like ``a + d``; nan where a <= 0 or d < 0. No cancellation at
    large a (see :mod:`maxent._kernels._special`).
    """
    ab, db = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(d, dtype=np.float64))
    flat = gamma_diff_array(
        kind, np.ascontiguousarray(ab).ravel(), np.ascontiguousarray(db).ravel()
    )
    return flat.reshape(ab.shape) if ab.ndim else flat[0]


def constant(stat: int, n_items: int, objective: str) -> float:
    """The allocation-independent part of ln W (N! for distinguishable items)."""
    if stat != BOLTZMANN:
        return 0.0
    if objective == "exact":
        return float(gammaln(n_items + 1.0))
    return float(n_items * np.log(n_items) - n_items)


def h_prime(stat: int, n, g, objective: str) -> np.ndarray:
    """D ln w / dn: equals alpha + beta E_k (+ ...) at an interior optimum."""
    n = np.asarray(n, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        if objective == "exact":
            if stat == BOLTZMANN:
                return np.log(g) - digamma(n + 1.0)
            if stat == BOSE:  # no cancellation of the two digammas at large n
                return gamma_diff(DIGAMMA_DIFF, n + 1.0, g - 1.0)
            return digamma(g - n + 1.0) - digamma(n + 1.0)
        if stat == BOLTZMANN:
            return np.log(g) - np.log(n)
        if stat == BOSE:
            return np.log1p(g / n)
        return np.log(g - n) - np.log(n)


def h_second(stat: int, n, g, objective: str) -> np.ndarray:
    """d^2 ln w / dn^2 (negative: the weights are concave)."""
    n = np.asarray(n, dtype=np.float64)
    if objective == "exact":
        if stat == BOLTZMANN:
            return -trigamma(n + 1.0)
        if stat == BOSE:
            return gamma_diff(TRIGAMMA_DIFF, n + 1.0, g - 1.0)
        return -trigamma(g - n + 1.0) - trigamma(n + 1.0)
    tiny = 1e-300
    if stat == BOLTZMANN:
        return -1.0 / np.maximum(n, tiny)
    if stat == BOSE:
        # -g / (n (n + g)), not 1/(n + g) - 1/n: that difference is 0 at n ~ 1e17 (a
        # fitted beta with zero error bars, so no fit at all, at N = 1e18)
        return -g / (np.maximum(n, tiny) * (n + g))
    return -1.0 / np.maximum(n, tiny) - 1.0 / np.maximum(g - n, tiny)
