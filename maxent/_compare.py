"""The comparison layer: sampled allocations, optima and Boltzmann side by side.

For one problem, :func:`compare` collects the Boltzmann prediction, the exact finite-N
optimum of ln W, its Stirling counterpart, the most probable integer allocation, the
exact finite-N mean occupation (by enumeration, or by an exact convolution on the energy
lattice), and the sampler's mean with standard errors. It measures each against
Boltzmann (total variation, Kullback-Leibler, largest absolute difference), fits beta to
the sampled occupations, and checks Jaynes' entropy concentration: for allocations drawn
under the constraints, 2N (H_max - H(n/N)) follows a chi-squared law with K - 2 degrees
of freedom as N grows.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from ._enumerate import enumerate_allocations
from ._problem import Problem
from ._sample import SampleResult, _compositions, sample
from ._summary import OptimumSummary, optimize

__all__ = [
    "Comparison",
    "FittedBeta",
    "compare",
    "concentration",
    "distances",
    "exact_mean_fractions",
    "fit_beta",
]

QUANTILES = (0.5, 0.9, 0.95, 0.99)
_FFT_LIMIT = 1 << 22  # largest N * max(level) + 1 for the convolution route


def distances(x: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """Total variation, KL(x || p) and max |x - p| between two distributions.

    ``KL`` is ``sum x log(x / p)`` over ``x > 0`` (``inf`` where ``p = 0 < x``).
    """
    x = np.asarray(x, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    pos = x > 0
    with np.errstate(divide="ignore"):
        kl = float(np.sum(x[pos] * (np.log(x[pos]) - np.log(p[pos]))))
    return {
        "tv": 0.5 * float(np.abs(x - p).sum()),
        "kl": max(kl, 0.0),
        "max_abs": float(np.abs(x - p).max()),
    }


def exact_mean_fractions(problem: Problem, max_points: int = 200_000) -> tuple[np.ndarray, str]:
    """Exact finite-N mean occupations ``<n_k>/N`` under ``W``, when they can be had.

    Small lattices are enumerated. Otherwise, on an energy lattice, the law of one item
    tilted to the Boltzmann distribution is convolved N times (by FFT): with S_N the
    level sum of N independent items, ``<n_k> = N p_k P(S_{N-1} = M - m_k) / P(S_N = M)``
    for every tilt p, so the answer is exact up to rounding (about 1e-12 relative).

    Returns
    -------
    fractions : ndarray or None
        ``None`` when neither route applies (no lattice, or N max(m) above 4 million).
    how : str
        ``"enumeration"``, ``"convolution"`` or why it is unavailable.
    """
    if problem.levels is None or problem.level_total is None:
        return None, "no energy lattice"
    if _compositions(problem.n, problem.classes) <= max_points:
        return enumerate_allocations(problem).mean_fractions, "enumeration"
    levels, n, total = problem.levels, problem.n, problem.level_total
    size = n * int(levels.max()) + 1
    if size > _FFT_LIMIT:
        return None, f"lattice too long for the convolution ({size:.3g} > {_FFT_LIMIT})"
    p = problem.boltzmann
    one = np.bincount(levels, weights=p, minlength=int(levels.max()) + 1)
    nfft = 1 << (size - 1).bit_length()
    f = np.fft.rfft(one, nfft)
    pn = np.fft.irfft(f**n, nfft)
    pn1 = np.fft.irfft(f ** (n - 1), nfft)
    idx = total - levels
    ok = (idx >= 0) & (idx <= (n - 1) * int(levels.max()))
    ratio = np.where(ok, pn1[np.clip(idx, 0, nfft - 1)], 0.0) / pn[total]
    out = p * ratio
    return out / out.sum(), "convolution"


@dataclass(frozen=True)
class FittedBeta:
    """Inverse temperature fitted to occupations: log f_k = c - beta E_k (weighted).

    Attributes
    ----------
    beta, stderr : float
        Weighted least-squares slope and its standard error (weights 1 / Var(log f_k)
        from the standard errors of the fractions).
    chi2, dof : float, int
        Residual chi-squared of the fit and its degrees of freedom (K' - 2 for the K'
        classes used).
    """

    beta: float
    stderr: float
    chi2: float
    dof: int


def fit_beta(energies, fractions, stderr) -> FittedBeta:
    """Fit ``log f_k = c - beta E_k`` to mean fractions with standard errors."""
    e = np.asarray(energies, dtype=np.float64)
    f = np.asarray(fractions, dtype=np.float64)
    s = np.asarray(stderr, dtype=np.float64)
    use = (f > 0) & (s > 0) & np.isfinite(s)
    if use.sum() < 2 or np.ptp(e[use]) == 0:
        return FittedBeta(math.nan, math.nan, math.nan, 0)
    y = np.log(f[use])
    w = (f[use] / s[use]) ** 2  # 1 / Var(log f) by the delta method
    x = e[use]
    design = np.column_stack([np.ones(x.size), -x])
    a = design.T @ (design * w[:, None])
    cov = np.linalg.inv(a)
    coef = cov @ (design.T @ (w * y))
    resid = y - design @ coef
    chi2 = float(np.sum(w * resid**2))
    return FittedBeta(float(coef[1]), float(math.sqrt(cov[1, 1])), chi2, int(use.sum() - 2))


def concentration(problem: Problem, draws: np.ndarray) -> dict[str, Any]:
    """Jaynes' entropy concentration check for allocations drawn under the constraints.

    ``x = 2N (H_max - H(n/N))`` for every draw, with ``H_max`` the Boltzmann entropy at
    the problem's mean energy, against the chi-squared law with ``K - 2`` degrees of
    freedom (``K`` the classes that can be occupied, at least 1).

    Returns
    -------
    dict
        ``dof``, ``values`` (x per draw), ``quantiles`` (observed and chi-squared at
        0.5, 0.9, 0.95, 0.99), ``mean``, and the Kolmogorov-Smirnov ``ks_statistic`` and
        ``ks_pvalue`` of x against chi-squared(dof).
    """
    p = problem.boltzmann
    g = problem.degeneracies
    pos = p > 0
    h_max = float(-(p[pos] @ np.log(p[pos] / g[pos])))
    frac = np.asarray(draws, dtype=np.float64) / problem.n
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(frac > 0, frac * np.log(frac / g), 0.0)
    h = -terms.sum(axis=1)
    x = 2.0 * problem.n * (h_max - h)
    dof = max(int(pos.sum()) - 2, 1)
    chi = stats.chi2(dof)
    obs_q = np.quantile(x, QUANTILES) if x.size else np.full(len(QUANTILES), np.nan)
    ks = stats.kstest(x, chi.cdf) if x.size > 1 else None
    return {
        "dof": dof,
        "h_max": h_max,
        "values": x,
        "mean": float(x.mean()) if x.size else math.nan,
        "quantiles": {
            "p": list(QUANTILES),
            "observed": obs_q.tolist(),
            "chi2": chi.ppf(QUANTILES).tolist(),
        },
        "ks_statistic": float(ks.statistic) if ks else math.nan,
        "ks_pvalue": float(ks.pvalue) if ks else math.nan,
    }


@dataclass(frozen=True)
class Comparison:
    """Everything :func:`compare` measured for one problem.

    Attributes
    ----------
    problem : Problem
    optimum : OptimumSummary
        Exact and Stirling optima of ln W and the integer mode.
    sample : SampleResult
        The draws.
    exact_mean : ndarray or None
        Exact finite-N ``<n_k>/N`` (see :func:`exact_mean_fractions`).
    exact_mean_method : str
    distances : dict
        For ``optimum``, ``stirling``, ``mode``, ``exact_mean``, ``sampled_mean`` and
        ``single_draw`` (the average over draws): ``tv``, ``kl`` and ``max_abs`` to
        Boltzmann.
    fitted_beta : FittedBeta
        Fitted to the sampled mean fractions.
    concentration : dict
        See :func:`concentration`.
    """

    problem: Problem = field(repr=False)
    optimum: OptimumSummary = field(repr=False)
    sample: SampleResult = field(repr=False)
    exact_mean: np.ndarray | None
    exact_mean_method: str
    distances: dict[str, dict[str, float]]
    fitted_beta: FittedBeta
    concentration: dict[str, Any] = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of ``maxent simulate``."""
        out = self.optimum.to_dict()
        out["sampler"] = self.sample.to_dict()
        out["exact_mean"] = None if self.exact_mean is None else self.exact_mean.tolist()
        out["exact_mean_method"] = self.exact_mean_method
        out["distances"] = self.distances
        fb = self.fitted_beta
        out["fitted_beta"] = {
            "beta": fb.beta,
            "stderr": fb.stderr,
            "chi2": fb.chi2,
            "dof": fb.dof,
            "boltzmann_beta": self.problem.beta,
        }
        conc = {k: v for k, v in self.concentration.items() if k != "values"}
        out["concentration"] = conc
        return out


def compare(
    problem: Problem,
    samples: int = 10_000,
    method: str = "auto",
    *,
    seed=None,
    threads: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Comparison:
    """Sample, optimise and compare with Boltzmann, for one problem.

    Parameters
    ----------
    problem : Problem
    samples : int
        Number of draws.
    method : str
        Sampler method (see :func:`maxent.sample`).
    seed, threads, progress
        Passed to :func:`maxent.sample`.

    Returns
    -------
    Comparison
    """
    opt = optimize(problem)
    res = sample(problem, samples, method, seed=seed, threads=threads, progress=progress)
    exact_mean, how = exact_mean_fractions(problem)
    p = problem.boltzmann
    dist = {
        "optimum": distances(opt.exact.fractions, p),
        "stirling": distances(opt.stirling.fractions, p),
    }
    if opt.mode is not None and opt.mode.counts is not None:
        dist["mode"] = distances(opt.mode.fractions, p)
    if exact_mean is not None:
        dist["exact_mean"] = distances(exact_mean, p)
    dist["sampled_mean"] = distances(res.mean_fractions, p)
    frac = res.fractions
    dist["single_draw"] = {
        "tv": float(0.5 * np.abs(frac - p).sum(axis=1).mean()),
        "max_abs": float(np.abs(frac - p).max(axis=1).mean()),
    }
    fb = fit_beta(problem.energies, res.mean_fractions, res.stderr)
    conc = concentration(problem, res.draws)
    return Comparison(problem, opt, res, exact_mean, how, dist, fb, conc)
