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
from numpy.typing import ArrayLike
from scipy import special

from maxent._model import statistics as S
from maxent._model.lattice import compositions_at_most
from maxent._model.problem import Problem
from maxent._optimize.summary import OptimumSummary, optimize
from maxent._sampling.api import SampleResult, sample
from maxent._sampling.diagnostics import integrated_time
from maxent._sampling.enumerate import enumerate_allocations
from maxent._util.format import ShortRepr, defined

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
FFT_LIMIT = 1 << 22  # largest N * max(level) + 1 for the convolution route


@dataclass(frozen=True, repr=False)
class Distances(ShortRepr):
    """Distances between an occupation vector ``x`` and a reference law ``p``.

    Attributes
    ----------
    tv : float
        Total variation ``0.5 sum |x - p|``.
    kl : float
        ``KL(x || p) = sum x log(x / p)`` over ``x > 0`` (``inf`` where ``p = 0 < x``).
    max_abs : float
        ``max |x - p|``.

    Examples
    --------
    >>> import maxent
    >>> maxent.distances([0.5, 0.5], [0.5, 0.5])
    Distances(tv=0, kl=0, max_abs=0)
    """

    tv: float
    kl: float
    max_abs: float

    def to_dict(self) -> dict[str, float]:
        """The three distances by name."""
        return {"tv": self.tv, "kl": self.kl, "max_abs": self.max_abs}


def distances(x: ArrayLike, p: ArrayLike) -> Distances:
    """Total variation, KL(x || p) and max |x - p| between two distributions.

    Parameters
    ----------
    x, p : array_like, shape (K,)
        Occupation fractions and the reference law.

    Returns
    -------
    Distances
        ``tv``, ``kl`` and ``max_abs``.

    Examples
    --------
    >>> import maxent
    >>> d = maxent.distances([0.5, 0.5, 0.0], [0.25, 0.25, 0.5])
    >>> d.tv, d.max_abs
    (0.5, 0.5)
    """
    x = np.asarray(x, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    pos = x > 0
    with np.errstate(divide="ignore"):
        kl = float(np.sum(x[pos] * (np.log(x[pos]) - np.log(p[pos]))))
    return Distances(
        tv=0.5 * float(np.abs(x - p).sum()),
        kl=max(kl, 0.0),
        max_abs=float(np.abs(x - p).max()),
    )


def exact_mean_fractions(problem: Problem, max_points: int = 200_000) -> tuple[np.ndarray, str]:
    """Exact finite-N mean occupations ``<n_k>/N`` under ``W``, when they can be had.

    Small lattices are enumerated. Otherwise, on an energy lattice, the law of one item
    tilted to the Boltzmann distribution is convolved N times (by FFT): with S_N the
    level sum of N independent items, ``<n_k> = N p_k P(S_{N-1} = M - m_k) / P(S_N = M)``
    for every tilt p, so the answer is exact up to rounding (about 1e-12 relative).

    Parameters
    ----------
    problem : Problem
        Energies on a lattice and a reachable total; the convolution route needs plain
        Boltzmann counting.
    max_points : int, optional
        Enumerate when the lattice has at most this many compositions.

    Returns
    -------
    fractions : ndarray or None
        ``None`` when neither route applies (no lattice, or N max(m) above 4 million).
    how : str
        ``"enumeration"``, ``"convolution"`` or why it is unavailable.

    Examples
    --------
    >>> import maxent
    >>> p = maxent.Problem([0, 1, 2, 3], 20, mean_energy=1.2)
    >>> f, how = maxent.exact_mean_fractions(p)
    >>> f.round(4).tolist(), how
    ([0.342, 0.2784, 0.2173, 0.1624], 'enumeration')
    >>> q = maxent.Problem([0, 1, 2, 3], 2000, mean_energy=1.2)
    >>> f, how = maxent.exact_mean_fractions(q)
    >>> how, bool(abs(f.sum() - 1) < 1e-12)
    ('convolution', True)
    """
    if problem.levels is None or problem.level_total is None:
        return None, "no energy lattice"
    if compositions_at_most(problem.n, problem.classes, max_points):
        return enumerate_allocations(problem).mean_fractions, "enumeration"
    if not problem.plain:
        return None, "the convolution route covers Boltzmann counting without extra moments"
    levels, n, total = problem.levels, problem.n, problem.level_total
    size = n * int(levels.max()) + 1
    if size > FFT_LIMIT:
        return None, f"lattice too long for the convolution ({size:.3g} > {FFT_LIMIT})"
    p = problem.boltzmann
    one = np.bincount(levels, weights=p, minlength=int(levels.max()) + 1)
    nfft = 1 << (size - 1).bit_length()
    f = np.fft.rfft(one, nfft)
    fn1 = characteristic_power(f, n - 1)
    pn = np.fft.irfft(fn1 * f, nfft)
    pn1 = np.fft.irfft(fn1, nfft)
    idx = total - levels
    ok = (idx >= 0) & (idx <= (n - 1) * int(levels.max()))
    ratio = np.where(ok, pn1[np.clip(idx, 0, nfft - 1)], 0.0) / pn[total]
    out = p * ratio
    return out / out.sum(), "convolution"


def characteristic_power(f: np.ndarray, k: int) -> np.ndarray:
    """``f ** k`` for a characteristic function (``|f| <= 1``), in polar form.

    ``|f| ** k`` underflows to 0 away from the few frequencies near 0 that matter; the
    phase is computed only where it does not (a complex power costs ~0.5 us an entry).
    """
    with np.errstate(under="ignore"):
        mod = np.abs(f) ** k
    out = np.zeros_like(f)
    keep = np.flatnonzero(mod)
    out[keep] = mod[keep] * np.exp(1j * (k * np.angle(f[keep])))
    return out


@dataclass(frozen=True, repr=False)
class FittedBeta(ShortRepr):
    """Inverse temperature fitted to mean occupations (weighted least squares).

    The occupations are mapped to multiplier values by the large-N relation of the
    statistics, ``y_k = ln(g_k / n_k)`` (Boltzmann), ``ln(1 + g_k / n_k)`` (Bose-Einstein)
    or ``ln(g_k / n_k - 1)`` (Fermi-Dirac), and ``y_k = alpha + beta E_k (+ moments)`` is
    fitted; for Boltzmann counting this is ``log n_k/N = c - beta E_k``.

    Attributes
    ----------
    beta, stderr : float
        Weighted least-squares slope and its standard error (weights 1 / Var(y_k) from
        the standard errors of the fractions by the delta method).
    chi2, dof : float, int
        Residual chi-squared of the fit and its degrees of freedom (classes used minus
        fitted multipliers).
    note : str
        Why there is no fit (its numbers are then ``nan``); empty after a fit.

    Examples
    --------
    >>> import maxent
    >>> maxent.FittedBeta(beta=0.5, stderr=0.01, chi2=1.2, dof=2)
    FittedBeta(beta=0.5, stderr=0.01, chi2=1.2, dof=2)
    """

    beta: float
    stderr: float
    chi2: float
    dof: int
    note: str = field(default="", repr=False)

    def to_dict(self) -> dict[str, Any]:
        """``beta``, ``stderr``, ``chi2`` (undefined, with the note, when not fitted), ``dof``."""
        return {
            "beta": defined(self.beta, self.note),
            "stderr": defined(self.stderr, self.note),
            "chi2": defined(self.chi2, self.note),
            "dof": self.dof,
        }


def _no_fit(levels: int, params: int) -> FittedBeta:
    why = (
        f"{levels} energy level(s) with a usable class mean (occupied, below capacity, "
        f"with a non-zero standard error): fitting beta needs {params}"
    )
    return FittedBeta(math.nan, math.nan, math.nan, 0, why)


def fit_beta(problem: Problem, fractions: ArrayLike, stderr: ArrayLike) -> FittedBeta:
    """Fit beta to mean fractions with standard errors (see :class:`FittedBeta`).

    Parameters
    ----------
    problem : Problem
        Supplies the energies, statistics, degeneracies, N and extra constraints: the
        large-N relation that is fitted depends on all of them.
    fractions, stderr : array_like, shape (K,)
        Mean occupation fractions and their standard errors.

    Returns
    -------
    FittedBeta
        All ``nan`` (``dof = 0``, and a ``note`` saying why) when too few classes are usable.

    Examples
    --------
    >>> import maxent, numpy as np
    >>> p = maxent.Problem([0, 1, 2, 3], n=10**6, beta=0.5)
    >>> fb = maxent.fit_beta(p, p.boltzmann, np.full(4, 1e-6))
    >>> abs(fb.beta - p.beta) < 1e-9  # p.beta: 0.5 moved to a reachable total
    True
    """
    e = problem.energies
    f = np.asarray(fractions, dtype=np.float64)
    s = np.asarray(stderr, dtype=np.float64)
    stat, g, n_items = problem.stat, problem.degeneracies, float(problem.n)
    extra = [c.values for c in problem.constraints]
    n = f * n_items
    cap = np.inf if stat != S.FERMI else g
    use = (f > 0) & (n < cap) & (s > 0) & np.isfinite(s)
    rows = [np.ones(e.size), -e, *[-v for v in extra]]
    if use.sum() < len(rows) or np.ptp(e[use]) == 0:
        return _no_fit(np.unique(e[use]).size, len(rows))
    y = -S.h_prime(stat, n[use], g[use], "stirling")  # -(alpha + beta E + ...)
    dy = S.h_second(stat, n[use], g[use], "stirling") * n_items * s[use]
    # a class whose y has no finite, non-zero error (Bose at N = 1e18: dy**2 underflows)
    # carries no usable weight: leave it out rather than weigh it infinitely
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        w = 1.0 / dy**2
    good = np.isfinite(w) & (w > 0) & np.isfinite(y)
    if not good.all():
        use[np.flatnonzero(use)[~good]] = False
        y, w = y[good], w[good]
        if use.sum() < len(rows) or np.ptp(e[use]) == 0:
            return _no_fit(np.unique(e[use]).size, len(rows))
    design = np.column_stack([r[use] for r in rows])
    # QR of the row-weighted design, not the inverse of its normal matrix: a class whose
    # count barely varies (stderr ~1e-9) squares the weight ratio into a numerically
    # singular normal matrix (LinAlgError from 'converge' at an extreme mean)
    sw = np.sqrt(w)
    q, r = np.linalg.qr(design * sw[:, None])
    diag = np.abs(np.diag(r))
    if not np.all(np.isfinite(r)) or diag.min() <= 1e-12 * diag.max():
        why = "the weighted least-squares problem is singular: the usable classes do not fix beta"
        return FittedBeta(math.nan, math.nan, math.nan, 0, why)
    r_inv = np.linalg.solve(r, np.eye(r.shape[0]))
    cov = r_inv @ r_inv.T
    coef = r_inv @ (q.T @ (sw * y))
    resid = y - design @ coef
    chi2 = float(np.sum(w * resid**2))
    return FittedBeta(float(coef[1]), float(math.sqrt(cov[1, 1])), chi2, int(use.sum() - len(rows)))


@dataclass(frozen=True, repr=False)
class Concentration:
    """Jaynes' entropy concentration check (see :func:`concentration`).

    Attributes
    ----------
    dof : int
        Degrees of freedom of the chi-squared law.
    s_max : float
        The constrained maximum of the Stirling log-count.
    values : ndarray
        ``x = 2 (S_max - S(n))`` per draw.
    mean : float
        Mean of ``values`` (the chi-squared mean is ``dof``).
    quantiles : dict
        ``p`` (0.5, 0.9, 0.95, 0.99), ``observed`` and ``chi2`` quantiles at them.
    ks_statistic, ks_pvalue : float
        Kolmogorov-Smirnov test of ``values`` against chi-squared(``dof``); the p-value
        is taken at ``effective_draws``.
    effective_draws : float
        Independent draws the test counts: all of them for independent draws, ``M / tau``
        for Markov-chain draws.
    tau : float
        Integrated autocorrelation time of the values (in draws; 1 for independent draws).
    finite_n_excess : float
        Leading-order finite-N excess of the mean of ``values`` over ``dof``,
        ``(sum_k 1/n*_k - 1/N) / 6`` (Williams' correction of the likelihood-ratio
        statistic, which ``values`` is for Boltzmann counting): chi-squared is only the
        large-N law, and with few items in some class its error can be detected.
    note : str
        Why there is no test (``ks_statistic`` and ``ks_pvalue`` are then ``nan``).

    Examples
    --------
    >>> import maxent
    >>> p = maxent.Problem([0, 1, 2, 3], 20, mean_energy=1.2)
    >>> maxent.concentration(p, maxent.sample(p, 100, seed=1).draws)
    Concentration(draws=100, dof=2, mean=1.951, ks_statistic=0.2, ks_pvalue=0.000544)
    """

    dof: int
    s_max: float
    values: np.ndarray
    mean: float
    quantiles: dict[str, list[float]]
    ks_statistic: float
    ks_pvalue: float
    effective_draws: float = math.nan
    tau: float = 1.0
    finite_n_excess: float = 0.0
    note: str = ""

    @property
    def correlated(self) -> bool:
        """True when the draws came from Markov chains (the test used ``M / tau``)."""
        return self.tau > 1.0

    def __repr__(self) -> str:
        eff = f", effective_draws={self.effective_draws:.4g}" if self.correlated else ""
        return (
            f"Concentration(draws={self.values.size}{eff}, dof={self.dof}, "
            f"mean={self.mean:.4g}, ks_statistic={self.ks_statistic:.3g}, "
            f"ks_pvalue={self.ks_pvalue:.3g})"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (without the per-draw values)."""
        return {
            "dof": self.dof,
            "mean": self.mean,
            "quantiles": self.quantiles,
            "ks_statistic": defined(self.ks_statistic, self.note),
            "ks_pvalue": defined(self.ks_pvalue, self.note),
            "effective_draws": self.effective_draws,
            "tau": self.tau,
            "finite_n_excess": self.finite_n_excess,
        }

    def finite_n_detectable(self) -> bool:
        """Whether the large-N law's error could show in the test at this many draws.

        The excess shifts the law by ``excess / sqrt(2 dof)`` standard deviations, which
        moves its distribution function by about 0.4 times that (normal density at the
        centre); that is compared with ``1 / sqrt(effective_draws)``, the size of the
        Kolmogorov-Smirnov statistic's noise.
        """
        if not (self.effective_draws > 0 and self.finite_n_excess > 0):
            return False
        shift = 0.4 * self.finite_n_excess / math.sqrt(2.0 * self.dof)
        return shift * math.sqrt(self.effective_draws) > 1.0


def ks_test(x: np.ndarray, cdf, n_eff: float | None = None) -> tuple[float, float]:
    """Two-sided one-sample Kolmogorov-Smirnov statistic and p-value.

    Where twice the exact one-sided Smirnov tail is below 0.2 it is the p-value (the
    two tails rarely exceed together there: relative error about 1e-4); above, the
    smaller of it and the Kolmogorov limit with Stephens' correction
    ``sqrt(n) + 0.12 + 0.11/sqrt(n)``. Against scipy's exact two-sided law it is within
    0.035 at every n and within 0.005 from n = 1000 (``tests/test_compare.py``).
    Written here so that a comparison does not import ``scipy.stats`` (about a second
    of start-up).

    Parameters
    ----------
    x : ndarray
        The sample, at least two values.
    cdf : callable
        Vectorised cumulative distribution function of the reference law.
    n_eff : float, optional
        Number of independent draws the sample is worth (``M / tau`` for a Markov
        chain); the statistic uses every draw, its null law this many (rounded down, at
        least 1). Default: the sample size.

    Returns
    -------
    tuple of float
        ``(statistic, pvalue)``.
    """
    x = np.sort(np.asarray(x, dtype=np.float64))
    n = x.size
    f = cdf(x)
    i = np.arange(1, n + 1)
    d = float(max(np.max(i / n - f), np.max(f - (i - 1) / n)))
    if n_eff is not None:
        n = max(1, min(n, int(n_eff)))
    sn = math.sqrt(n)
    p = 2.0 * special.smirnov(n, d)
    if p >= 0.2:
        p = min(p, special.kolmogorov(d * (sn + 0.12 + 0.11 / sn)), 1.0)
    return d, float(p)


def values_time(x: np.ndarray, chains: int) -> float:
    """Integrated autocorrelation time (in draws) of chain-major values, for the KS test.

    The largest of the times of the values and of their indicators at the quartiles:
    the test looks at the empirical distribution function, whose noise at a point is
    inflated by the time of the indicator there. Chains shorter than the first are left
    out (the last one when ``M`` is not a multiple of ``chains``).
    """
    per = -(-x.size // chains)
    full = x.size // per
    if per < 4:
        return 1.0
    runs = x[: full * per].reshape(full, per)
    series = [runs, *[(runs <= q).astype(np.float64) for q in np.quantile(x, (0.25, 0.5, 0.75))]]
    taus = integrated_time(np.stack(series, axis=-1))
    return float(max(1.0, np.max(taus)))


def concentration(problem: Problem, draws: ArrayLike, chains: int | None = None) -> Concentration:
    """Jaynes' entropy concentration check for allocations drawn under the constraints.

    ``x = 2 (S(n*) - S(n))`` for every draw, with S the Stirling log-count (``N H(n/N)``
    for Boltzmann counting, so ``x = 2N (H_max - H)``) and n* its constrained maximum (the
    large-N limit), against the chi-squared law whose degrees of freedom are the classes
    that can be occupied minus the independent constraints (K - 2 with the count and the
    energy, K - M - 1 with M constraints besides the count).

    Parameters
    ----------
    problem : Problem
        The constraints the draws were made under.
    draws : array_like, shape (M, K)
        Allocations, one per row (for example :attr:`SampleResult.draws`).
    chains : int, optional
        For Markov-chain draws (chain-major, as :func:`maxent.sample` returns them for
        ``method="mcmc"``): the number of chains. The test then counts ``M / tau``
        effective draws, tau the integrated autocorrelation time of the values;
        counting correlated draws as independent makes the p-value far too small.
        Default: the draws are independent.

    Returns
    -------
    Concentration
        The per-draw values, their quantiles and a Kolmogorov-Smirnov test.

    Notes
    -----
    Chi-squared is the large-N law. Its mean is off by about
    :attr:`Concentration.finite_n_excess` at finite N (mostly from classes with few
    items), which a test on enough draws detects; :meth:`Concentration.finite_n_detectable`
    says when.

    Examples
    --------
    >>> import maxent
    >>> p = maxent.Problem([0, 1, 2, 3], 100_000, mean_energy=1.2)
    >>> c = maxent.concentration(p, maxent.sample(p, 2000, seed=3).draws)
    >>> c.dof, c.values.shape, bool(1.7 < c.mean < 2.3)  # chi-squared(2) has mean 2
    (2, (2000,), True)
    """
    g = problem.degeneracies
    star = problem.n * problem.limit_fractions
    pos = star > 0
    s_star = float(S.stirling_log_weight(problem.stat, star, g).sum())
    n = np.asarray(draws, dtype=np.float64)
    # 2 (S(n*) - S(n)) class by class, from n - n* (see S.stirling_divergence): no
    # cancellation of two totals ~N ln K, and no constant shift from a limit that meets
    # an extra constraint only to rounding (at N = 1e12 that failed the test)
    x = 2.0 * S.stirling_divergence(problem.stat, n[:, pos], star[pos], g[pos]).sum(axis=1)
    coef = problem.constraint_rows(scaled=False)[0][:, pos]
    dof = max(int(pos.sum()) - int(np.linalg.matrix_rank(coef)), 1)
    tau = values_time(x, int(chains)) if chains and chains > 0 and x.size > 1 else 1.0
    n_eff = x.size / tau
    excess = (float(np.sum(1.0 / star[pos])) - 1.0 / problem.n) / 6.0
    obs_q = np.quantile(x, QUANTILES) if x.size else np.full(len(QUANTILES), np.nan)
    cdf = lambda t: special.chdtr(dof, np.maximum(t, 0.0))  # noqa: E731
    # no freedom left (the constraints fix the allocation): nothing to test
    free = int(pos.sum()) - int(np.linalg.matrix_rank(coef)) > 0
    ks = ks_test(x, cdf, n_eff) if x.size > 1 and free else None
    note = ""
    if not free:
        note = "the constraints fix the allocation: no freedom is left to test"
    elif ks is None:
        note = "a Kolmogorov-Smirnov test needs at least 2 draws"
    return Concentration(
        dof=dof,
        s_max=s_star,
        values=x,
        mean=float(x.mean()) if x.size else math.nan,
        quantiles={
            "p": list(QUANTILES),
            "observed": obs_q.tolist(),
            "chi2": special.chdtri(dof, 1.0 - np.asarray(QUANTILES)).tolist(),
        },
        ks_statistic=ks[0] if ks else math.nan,
        ks_pvalue=ks[1] if ks else math.nan,
        effective_draws=float(n_eff),
        tau=tau,
        finite_n_excess=max(excess, 0.0),
        note=note,
    )


@dataclass(frozen=True, repr=False)
class Comparison(ShortRepr):
    """Everything :func:`compare` measured for one problem.

    Attributes
    ----------
    problem : Problem
        The problem compared.
    optimum : OptimumSummary
        Exact and Stirling optima of ln W and the integer mode.
    sample : SampleResult
        The draws.
    exact_mean : ndarray or None
        Exact finite-N ``<n_k>/N`` (see :func:`exact_mean_fractions`).
    exact_mean_method : str
        ``"enumeration"``, ``"convolution"`` or why ``exact_mean`` is ``None``.
    distances : dict of str to Distances
        For ``optimum``, ``stirling``, ``mode``, ``exact_mean``, ``sampled_mean`` and
        ``single_draw`` (averages over draws): distances to the large-N law.
    fitted_beta : FittedBeta
        Fitted to the sampled mean fractions.
    concentration : Concentration
        See :func:`concentration`.
    notes : tuple of str
        Cases where the large-N theory is not expected to match yet (a tiny lattice,
        Bose-Einstein levels with few states), in words.

    Examples
    --------
    >>> import maxent
    >>> maxent.compare(maxent.Problem([0, 1, 2, 3], 20, mean_energy=1.2), 200, seed=1)
    Comparison(problem=Problem(...), exact_mean=[0.342 , 0.2784, 0.2173, 0.1624], ...)
    """

    problem: Problem
    optimum: OptimumSummary = field(repr=False)
    sample: SampleResult = field(repr=False)
    exact_mean: np.ndarray | None
    exact_mean_method: str
    distances: dict[str, Distances] = field(repr=False)
    fitted_beta: FittedBeta
    concentration: Concentration = field(repr=False)
    notes: tuple[str, ...] = ()

    @property
    def failures(self) -> list[str]:
        """``'name: note'`` for every answer (optima, mode, draws) that failed its check."""
        out = list(self.optimum.failures)
        if not self.sample.success:
            out.append(f"draws: {self.sample.message}")
        return out

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of ``maxent simulate``."""
        out = self.optimum.to_dict()
        out["sampler"] = self.sample.to_dict()
        out["exact_mean"] = defined(self.exact_mean, self.exact_mean_method)
        out["exact_mean_method"] = self.exact_mean_method
        out["distances"] = {k: d.to_dict() for k, d in self.distances.items()}
        out["fitted_beta"] = {**self.fitted_beta.to_dict(), "limit_beta": self.problem.beta}
        out["concentration"] = self.concentration.to_dict()
        out["notes"] = list(self.notes)
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
    """Sample, optimise and compare with the large-N limit (Boltzmann), for one problem.

    Parameters
    ----------
    problem : Problem
        The problem to sample and optimise.
    samples : int
        Number of draws.
    method : str
        Sampler method (see :func:`maxent.sample`).
    seed, threads, progress
        Passed to :func:`maxent.sample`.

    Returns
    -------
    Comparison
        Optima, draws, exact mean, distances to the large-N law, fitted beta and the
        entropy concentration check.

    Examples
    --------
    >>> import maxent
    >>> p = maxent.Problem([0, 1, 2, 3], 20, mean_energy=1.2)
    >>> c = maxent.compare(p, samples=500, seed=1)
    >>> c.sample.method, c.exact_mean_method, sorted(c.distances)
    ('enumerate', 'enumeration',
     ['exact_mean', 'mode', 'optimum', 'sampled_mean', 'single_draw', 'stirling'])
    >>> bool(c.distances["exact_mean"].tv < c.distances["single_draw"].tv)
    True
    >>> bool(abs(c.fitted_beta.beta - p.beta) < 4 * c.fitted_beta.stderr)
    True
    """
    opt = optimize(problem)
    res = sample(problem, samples, method, seed=seed, threads=threads, progress=progress)
    exact_mean, how = exact_mean_fractions(problem)
    p = problem.limit_fractions
    dist = {}
    if opt.exact is not None:
        dist["optimum"] = distances(opt.exact.fractions, p)
    dist["stirling"] = distances(opt.stirling.fractions, p)
    if opt.mode is not None and opt.mode.counts is not None:
        dist["mode"] = distances(opt.mode.fractions, p)
    if exact_mean is not None:
        dist["exact_mean"] = distances(exact_mean, p)
    dist["sampled_mean"] = distances(res.mean_fractions, p)
    frac = res.fractions
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(frac > 0, frac * (np.log(frac) - np.log(p)), 0.0)
    dist["single_draw"] = Distances(
        tv=float(0.5 * np.abs(frac - p).sum(axis=1).mean()),
        kl=float(np.maximum(terms.sum(axis=1), 0.0).mean()),
        max_abs=float(np.abs(frac - p).max(axis=1).mean()),
    )
    fb = fit_beta(problem, res.mean_fractions, res.stderr)
    chains = res.diagnostics.get("chains") if res.method == "mcmc" else None
    conc = concentration(problem, res.draws, chains)
    notes = _caveats(problem, res, fb, conc)
    return Comparison(problem, opt, res, exact_mean, how, dist, fb, conc, notes)


def _caveats(
    problem: Problem, res: SampleResult, fb: FittedBeta, conc: Concentration
) -> tuple[str, ...]:
    """Cases where the large-N theory is not expected to match, said in words.

    Tiny lattices (a handful of allocations), and Bose-Einstein levels with few states,
    whose occupations fluctuate by about their own size at every N, make the finite-N
    numbers look "wrong" against the limit; they are right, and the reader should know.
    """
    out = []
    size = res.diagnostics.get("lattice_size")
    if size is not None and size <= 20:
        out.append(
            f"only {size} allocations meet the constraints: at this N the law of the draws is "
            "far from its large-N limit, and the fitted beta, its error and the "
            "concentration check describe that small lattice, not the limit"
        )
    g = problem.degeneracies
    if problem.stat == S.BOSE and float(np.min(g)) < 10:
        out.append(
            "Bose-Einstein levels with few states (g_k < 10) do not concentrate: a level's "
            "occupation fluctuates by about its own size at every N (relative spread "
            "~ 1/sqrt(g_k)), so sampled means stay many standard errors from the limit "
            "until the draws average it out"
        )
    if fb.dof <= 1 and math.isfinite(fb.chi2) and fb.chi2 > 10 * max(fb.dof, 1):
        out.append(
            f"the fitted beta has {fb.dof} degree(s) of freedom and chi2 = {fb.chi2:.3g}: the "
            "sampled means do not follow the large-N relation at this N"
        )
    if conc.finite_n_detectable() and not (size is not None and size <= 20):
        occ = problem.n * problem.limit_fractions
        least = float(occ[occ > 0].min())
        # Williams' series holds while every class expects several items; below one the
        # excess it gives (1/6 of 1/n*) is no estimate, only a sign that chi2 does not apply
        gap = (
            f"its mean is off by about {conc.finite_n_excess:.2g} at this N (Williams' "
            f"correction), which {conc.effective_draws:.3g} effective draws can detect"
            if least >= 1.0
            else "the expansion behind chi2 does not hold for a class expected to hold "
            "less than one item"
        )
        out.append(
            f"chi2({conc.dof}) is the large-N law of the concentration values: with "
            f"{least:.3g} items expected in the emptiest class {gap}; a small "
            "Kolmogorov-Smirnov p-value then measures that finite-N gap, not a sampler fault"
        )
    return tuple(out)
