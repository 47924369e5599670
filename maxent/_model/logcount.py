"""ln W of allocations and the per-class multiplier vector of the Lagrange conditions."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from maxent._model import statistics as S
from maxent._model.special import gammaln

__all__ = ["class_multipliers", "log_count"]


def log_count(problem, counts: ArrayLike, objective: str = "exact") -> np.ndarray | float:
    """``ln W(n)`` of allocations under the problem's statistics.

    Boltzmann: ``lnGamma(N+1) - sum lnGamma(n_k+1) + sum n_k ln g_k``; Bose-Einstein and
    Fermi-Dirac: sums of log binomial coefficients (see :mod:`maxent._model.statistics`).
    ``objective='stirling'`` gives the Stirling (large-N) form instead.

    Parameters
    ----------
    problem : Problem
        Supplies ``N``, the statistics and the degeneracies.
    counts : array_like, shape (..., K)
        One allocation or a stack of them (real counts are allowed).
    objective : {'exact', 'stirling'}
        Log-gamma (exact) or Stirling's ``ln n! ~ n ln n - n``.

    Returns
    -------
    float or ndarray
        ``ln W`` for each allocation.

    Examples
    --------
    >>> import maxent
    >>> p = maxent.Problem([0, 1, 2], n=4, mean_energy=1)
    >>> round(float(maxent.log_count(p, [1, 2, 1])), 6)  # ln(4!/(1! 2! 1!)) = ln 12
    2.484907
    >>> maxent.log_count(p, [[1, 2, 1], [2, 0, 2]]).round(6).tolist()  # ln 12, ln 6
    [2.484907, 1.791759]
    """
    raw = np.asarray(counts)
    n = raw.astype(np.float64)
    g = problem.degeneracies
    if problem.stat != S.BOLTZMANN:
        weight = S.log_weight if objective == "exact" else S.stirling_log_weight
        out = weight(problem.stat, n, g).sum(axis=-1)
        return float(out) if np.ndim(out) == 0 else out
    # Boltzmann: ln N! - sum ln n_k! + sum n_k ln g_k. The largest class nearly cancels
    # ln N! (all of it, at an extreme mean: ln W = 0, where the plain sum gives ~1e5 at
    # N = 1e18), so that pair is taken as one difference that does not cancel.
    total = float(problem.n)
    top = np.argmax(n, axis=-1)[..., None]
    n_top = np.take_along_axis(n, top, axis=-1)[..., 0]
    rest = np.ones(n.shape, dtype=bool)
    np.put_along_axis(rest, top, False, axis=-1)
    # The items outside the largest class, N - n_top, summed from those classes: exact for
    # integer counts (1e18 - 1 rounds to 1e18 in float64, and ln W = ln N came out 0), and
    # for real counts as precise as the small classes themselves (the largest carries the
    # count's rounding: 0.6 items at N = 1e15). Counts that do not sum to N (to rounding)
    # keep the plain N - n_top.
    if np.issubdtype(raw.dtype, np.integer):
        others_sum = (problem.n - np.take_along_axis(raw, top, axis=-1)[..., 0]).astype(float)
    else:
        others_sum = np.where(rest, n, 0.0).sum(axis=-1)
        direct = total - n_top
        others_sum = np.where(np.abs(others_sum - direct) <= 1e-9 * total, others_sum, direct)
    with np.errstate(divide="ignore", invalid="ignore"):
        gain = n * np.log(g)
        if objective == "exact":
            pair = S.gamma_diff(S.LGAMMA_DIFF, n_top + 1.0, others_sum)
            others = np.where(rest, gammaln(n + 1.0), 0.0).sum(axis=-1)
        else:  # N ln N - N - sum (n ln n - n) = sum n ln(N/n) + (N - sum n)(ln N - 1)
            pair = np.where(n_top > 0, n_top * np.log1p(others_sum / n_top), 0.0)
            # n ln(n/N) as n ln n - n ln N: N/n overflows for subnormal n (a class the
            # optimiser drove to ~1e-320 gave ln W = +inf)
            others = np.where(rest & (n > 0), n * np.log(n) - n * np.log(total), 0.0).sum(axis=-1)
            others = others - (total - n.sum(axis=-1)) * (np.log(total) - 1.0)
    out = pair - others + gain.sum(axis=-1)
    over = n_top > total  # more items in one class than in all: the plain sum there
    if np.any(over):
        plain = S.constant(problem.stat, problem.n, objective) + (
            S.log_weight if objective == "exact" else S.stirling_log_weight
        )(problem.stat, n, g).sum(axis=-1)
        out = np.where(over, plain, out)
    return float(out) if np.ndim(out) == 0 else out


def class_multipliers(problem, alpha: float, beta: float, lambdas=()) -> np.ndarray:
    """``x_k = alpha + beta E_k + sum_m lambda_m f_m(k)``, one value per class.

    At an interior optimum of ln W the derivative of each class log-weight equals
    ``x_k``; the per-class product measures of the samplers are tilted by it.
    """
    x = alpha + beta * problem.energies
    for lam, c in zip(np.atleast_1d(lambdas), problem.constraints, strict=False):
        x = x + lam * c.values
    return x
