"""Convergence studies: how fast allocations approach Boltzmann as N grows.

For each N (and several seeds) the study measures the total-variation distance to the
Boltzmann distribution at the same mean energy of

* the exact optimum of ln W (digamma, not log, so the gap closes like 1/N),
* the most probable integer allocation,
* the exact finite-N mean occupation (bias ~ 1/N),
* the sampled mean over M draws (the bias plus a sampling floor ~ 1/sqrt(N M)),
* a single draw (fluctuations ~ N^-1/2),

and fits beta to the sampled occupations. Slopes are fitted on log-log axes; points of
the sampled mean that sit within 3x of their sampling floor are left out of its fit and
reported as such.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from maxent._compare.compare import distances, exact_mean_fractions, fit_beta
from maxent._model.defaults import default_mean_energy
from maxent._model.problem import Problem
from maxent._optimize.mode import most_probable_allocation
from maxent._optimize.optimum import maximize_log_count
from maxent._sampling.api import sample
from maxent._util.errors import ValidationError
from maxent._util.format import ShortRepr, defined
from maxent._util.streams import as_seed_sequence, seed_value
from maxent._util.validate import as_count, as_energies, split_items

__all__ = ["ConvergenceStudy", "converge", "fit_slope"]

_BATCH = 500_000  # draws per sampler call (bounds memory: 4 MB per class)


def fit_slope(n: ArrayLike, y: ArrayLike) -> tuple[float, float, int]:
    """Least-squares slope of log10(y) on log10(n), its standard error, points used.

    Parameters
    ----------
    n, y : array_like, shape (P,)
        Abscissae (positive) and values; points with ``y`` not finite or not positive
        are left out.

    Returns
    -------
    slope : float
        ``nan`` with fewer than 2 usable points.
    stderr : float
        Standard error of the slope; ``nan`` with fewer than 3 usable points.
    points : int
        Points used.

    Examples
    --------
    >>> import maxent
    >>> slope, stderr, points = maxent.fit_slope([10, 100, 1000], [0.1, 0.01, 0.001])
    >>> round(slope, 12), points
    (-1.0, 3)
    """
    n = np.asarray(n, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    use = np.isfinite(y) & (y > 0)
    k = int(use.sum())
    if k < 2:
        return math.nan, math.nan, k
    x, v = np.log10(n[use]), np.log10(y[use])
    a = np.column_stack([np.ones(k), x])
    coef = np.linalg.lstsq(a, v, rcond=None)[0]
    if k > 2:
        sigma2 = float(np.sum((v - a @ coef) ** 2)) / (k - 2)
        se = math.sqrt(sigma2 * np.linalg.inv(a.T @ a)[1, 1])
    else:
        se = math.nan
    return float(coef[1]), se, k


@dataclass(frozen=True, repr=False)
class ConvergenceStudy(ShortRepr):
    """Distances to Boltzmann and fitted beta over N and seeds.

    Attributes
    ----------
    energies : ndarray
        Class energies.
    n_values : ndarray of int
        The N studied, increasing.
    seeds : int
        Independent runs per N.
    samples : ndarray of int
        Draws per run at each N.
    beta : ndarray
        Boltzmann beta at each N's (reachable) mean energy.
    tv_optimum, tv_mode, tv_exact_mean : ndarray, shape (len(n_values),)
        Deterministic distances (``nan`` where unavailable).
    tv_sampled_mean, tv_single_draw : ndarray, shape (len(n_values), seeds)
        Per seed: TV of the mean over the run's draws, and the average TV of one draw.
    tv_pooled_mean, tv_floor : ndarray, shape (len(n_values),)
        TV of the mean pooled over seeds, and its expected value under pure sampling
        noise (``0.5 sum_k sd_k sqrt(2 / (pi M))``).
    fitted_beta, fitted_beta_err : ndarray, shape (len(n_values), seeds)
        beta fitted to each run's mean fractions, with its standard error.
    slopes : dict
        Per curve: ``slope``, ``stderr`` and ``points`` of the log-log fit.
    seconds : float
        Wall time of the study.
    seed : int
        Root seed.
    method : str
        Sampler used.
    extra : dict
        Further per-study data (empty unless a caller adds some).
    notes : tuple of str
        What the study chose or could not compute (a default mean, a mode search that
        gave up), for the reader.
    reasons : dict of str to str
        Why a value is ``nan``, by its JSON name: ``tv_optimum``, ``tv_mode``,
        ``tv_exact_mean``, ``fitted_beta`` (also for its error) and
        ``slopes.<curve>.slope`` / ``slopes.<curve>.stderr``.

    Examples
    --------
    >>> import maxent
    >>> maxent.converge([0, 1, 2, 3], [10, 100], seeds=1, samples=200)
    ConvergenceStudy(energies=[0., 1., 2., 3.], n_values=[ 10, 100], seeds=1, ...)
    """

    energies: np.ndarray
    n_values: np.ndarray
    seeds: int
    samples: np.ndarray
    beta: np.ndarray
    tv_optimum: np.ndarray
    tv_mode: np.ndarray
    tv_exact_mean: np.ndarray
    tv_sampled_mean: np.ndarray
    tv_single_draw: np.ndarray
    tv_pooled_mean: np.ndarray
    tv_floor: np.ndarray
    fitted_beta: np.ndarray
    fitted_beta_err: np.ndarray
    slopes: dict[str, dict[str, float]]
    seconds: float
    seed: int = 0
    method: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    reasons: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def mean_fitted_beta(self) -> np.ndarray:
        """Fitted beta averaged over the seeds at each N (``nan`` where no run had one)."""
        fb = np.asarray(self.fitted_beta, dtype=np.float64)
        ok = np.isfinite(fb)
        total = np.where(ok, fb, 0.0).sum(axis=1)
        count = ok.sum(axis=1)
        return np.divide(total, count, out=np.full(count.shape, np.nan), where=count > 0)

    def rows(self) -> list[dict[str, Any]]:
        """One tidy row per (N, seed), for CSV output."""
        out = []
        for i, n in enumerate(self.n_values):
            for s in range(self.seeds):
                out.append(
                    {
                        "n": int(n),
                        "seed_index": s,
                        "samples": int(self.samples[i]),
                        "beta": float(self.beta[i]),
                        "tv_optimum": float(self.tv_optimum[i]),
                        "tv_mode": float(self.tv_mode[i]),
                        "tv_exact_mean": float(self.tv_exact_mean[i]),
                        "tv_sampled_mean": float(self.tv_sampled_mean[i, s]),
                        "tv_single_draw": float(self.tv_single_draw[i, s]),
                        "fitted_beta": float(self.fitted_beta[i, s]),
                        "fitted_beta_err": float(self.fitted_beta_err[i, s]),
                    }
                )
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON object of ``maxent converge`` (a value that is ``nan`` carries its reason)."""

        def why(name, value):
            return defined(value, self.reasons[name]) if name in self.reasons else value

        return {
            "energies": self.energies.tolist(),
            "n": self.n_values.tolist(),
            "seeds": self.seeds,
            "seed": self.seed,
            "method": self.method,
            "samples": self.samples.tolist(),
            "beta": self.beta.tolist(),
            "tv_optimum": why("tv_optimum", self.tv_optimum),
            "tv_mode": why("tv_mode", self.tv_mode),
            "tv_exact_mean": why("tv_exact_mean", self.tv_exact_mean),
            "tv_sampled_mean": self.tv_sampled_mean.tolist(),
            "tv_pooled_mean": self.tv_pooled_mean.tolist(),
            "tv_floor": self.tv_floor.tolist(),
            "tv_single_draw": self.tv_single_draw.tolist(),
            "fitted_beta": why("fitted_beta", self.fitted_beta),
            "fitted_beta_err": why("fitted_beta", self.fitted_beta_err),
            "slopes": {
                curve: {key: why(f"slopes.{curve}.{key}", v) for key, v in fit.items()}
                for curve, fit in self.slopes.items()
            },
            "seconds": self.seconds,
        }


def parse_n_values(spec: str | Sequence) -> np.ndarray:
    """N values from ``"10,100,1e3"``, ``"10:1e6:6"`` (log-spaced, 6 points) or a list."""
    if isinstance(spec, str):
        text = spec.strip()
        if ":" in text:
            parts = text.split(":")
            if len(parts) != 3:
                raise ValidationError("n", "a range is LO:HI:COUNT, e.g. 10:1e6:6")
            lo, hi = as_count(parts[0], "n"), as_count(parts[1], "n")
            count = as_count(parts[2], "n", minimum=2)
            if hi <= lo:
                raise ValidationError("n", f"range needs LO < HI (got {lo}:{hi})")
            vals = np.unique(np.round(np.geomspace(lo, hi, count)).astype(np.int64))
        else:
            vals = np.array([as_count(p, "n") for p in split_items(text, "n")])
    else:
        vals = np.array([as_count(v, "n") for v in spec])
    vals = np.unique(vals)
    if vals.size < 2:
        raise ValidationError("n", "a convergence study needs at least 2 different values of N")
    return vals


def converge(
    energies: ArrayLike,
    n_values,
    *,
    mean_energy: float | None = None,
    beta: float | None = None,
    temperature: float | None = None,
    degeneracies: ArrayLike | None = None,
    statistics: str = "boltzmann",
    constraints=(),
    energy_quantum: float | None = None,
    energy_tolerance: float | None = None,
    seeds: int = 5,
    samples: int | str = "auto",
    method: str = "auto",
    seed=0,
    threads: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ConvergenceStudy:
    """Run a convergence study over N.

    Parameters
    ----------
    energies : array_like
        Class energies.
    n_values : str or sequence of int
        See :func:`parse_n_values`.
    mean_energy, beta, temperature : float, optional
        At most one; the total energy scales with N (default:
        :func:`~maxent.default_mean_energy`). Each N uses the nearest reachable total.
    degeneracies, statistics, constraints, energy_quantum, energy_tolerance
        As for :class:`Problem`.
    seeds : int
        Independent runs per N.
    samples : int or 'auto'
        Draws per run; ``auto`` uses ``clip(20 N, 2000, 1e7)`` so that the sampled
        mean can resolve its 1/N bias.
    method, threads
        Passed to :func:`maxent.sample`.
    seed : int
        Root seed; run (N_i, s) uses the spawned stream ``(i, s)``.
    progress : callable, optional
        ``progress(done, total)`` in draws.

    Returns
    -------
    ConvergenceStudy
        Distances and fitted beta per N and seed, and the fitted log-log slopes.

    Examples
    --------
    A tiny study (two N, one seed, few draws); the exact optimum approaches Boltzmann
    like 1/N:

    >>> import maxent
    >>> st = maxent.converge([0, 1, 2, 3], [10, 100], seeds=1, samples=200, seed=0)
    >>> st.n_values.tolist(), st.tv_sampled_mean.shape
    ([10, 100], (2, 1))
    >>> round(st.slopes["optimum"]["slope"], 2)
    -0.96
    >>> bool((st.tv_exact_mean[1] < st.tv_exact_mean[0]))
    True
    """
    t0 = time.perf_counter()
    ns = parse_n_values(n_values)
    seeds = as_count(seeds, "seeds")
    spec = {"mean_energy": mean_energy, "beta": beta, "temperature": temperature}
    given = {k: v for k, v in spec.items() if v is not None}
    if len(given) > 1:
        raise ValidationError(
            next(iter(given)), "give at most one of mean_energy, beta, temperature"
        )
    e = as_energies(energies, min_size=2)
    notes = []
    if not given:
        notes.append(
            "no energy given: each N uses the reachable mean nearest 40% of the way from "
            "the lowest to the highest attainable mean"
        )
    problems = []
    for n in ns:
        spec = given or {"mean_energy": default_mean_energy(e, int(n), statistics, degeneracies)}
        problems.append(
            Problem(
                e,
                int(n),
                degeneracies=degeneracies,
                statistics=statistics,
                constraints=constraints,
                energy_quantum=energy_quantum,
                energy_tolerance=energy_tolerance,
                snap=True,
                **spec,
            )
        )
    if samples == "auto":
        m_per = np.clip(20 * ns, 2000, 10**7).astype(np.int64)
    else:
        m_per = np.full(ns.size, as_count(samples, "samples"), dtype=np.int64)
    root = as_seed_sequence(seed)
    total = int(m_per.sum() * seeds)
    done = 0
    k = e.size
    shape = (ns.size, seeds)
    tv_mean = np.full(shape, np.nan)
    tv_single = np.full(shape, np.nan)
    fb = np.full(shape, np.nan)
    fb_err = np.full(shape, np.nan)
    tv_opt = np.full(ns.size, np.nan)
    tv_mode = np.full(ns.size, np.nan)
    tv_exact = np.full(ns.size, np.nan)
    pooled = np.full(ns.size, np.nan)
    floor = np.full(ns.size, np.nan)
    betas = np.array([p.beta for p in problems])
    used_method = ""
    why: dict[str, list[tuple[int, str]]] = {}  # (N, reason) of the nan values, by JSON name
    for i, p in enumerate(problems):
        at = int(ns[i])
        boltz = p.limit_fractions  # the large-N law (Boltzmann for plain counting)
        try:
            tv_opt[i] = distances(maximize_log_count(p).fractions, boltz).tv
        except ValidationError as exc:  # no unique exact optimum (single-state Bose levels)
            if i == 0:
                notes.append(f"no exact optimum of ln W: {exc.message}")
            why.setdefault("tv_optimum", []).append((at, exc.message))
        if p.levels is None:  # no lattice: no integer mode, but MCMC in the shell samples
            mode = None
            if i == 0:
                notes.append("no most probable allocation: the energies have no common quantum")
            why.setdefault("tv_mode", []).append((at, "the energies have no common quantum"))
        else:
            mode = most_probable_allocation(p)
        if mode is None:
            pass
        elif mode.counts is not None:
            tv_mode[i] = distances(mode.fractions, boltz).tv
        else:  # the search gave up: no point on that curve, and say why
            notes.append(f"N = {int(ns[i])}: no most probable allocation ({mode.message})")
            why.setdefault("tv_mode", []).append((at, mode.message))
        em, how = exact_mean_fractions(p)
        if em is not None:
            tv_exact[i] = distances(em, boltz).tv
        else:
            why.setdefault("tv_exact_mean", []).append((at, how))
        sum_all = np.zeros(k)
        sq_all = np.zeros(k)
        for s in range(seeds):
            m = int(m_per[i])
            sums = np.zeros(k)
            sq = np.zeros(k)
            single = 0.0
            got = 0
            for b, start in enumerate(range(0, m, _BATCH)):
                size = min(_BATCH, m - start)
                child = np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, i, s, b))
                res = sample(p, size, method, seed=child, threads=threads)
                used_method = res.method
                f = res.fractions
                sums += f.sum(axis=0)
                sq += (f * f).sum(axis=0)
                single += float(0.5 * np.abs(f - boltz).sum(axis=1).sum())
                got += size
                done += size
                if progress is not None:
                    progress(done, total)
            mean = sums / got
            var = np.maximum(sq / got - mean * mean, 0.0) * got / max(got - 1, 1)
            tv_mean[i, s] = distances(mean, boltz).tv
            tv_single[i, s] = single / got
            fit = fit_beta(p, mean, np.sqrt(var / got))
            fb[i, s], fb_err[i, s] = fit.beta, fit.stderr
            if fit.note:
                why.setdefault("fitted_beta", []).append((at, fit.note))
            sum_all += sums
            sq_all += sq
        m_all = m_per[i] * seeds
        mean_all = sum_all / m_all
        sd_all = np.sqrt(np.maximum(sq_all / m_all - mean_all**2, 0.0))
        pooled[i] = distances(mean_all, boltz).tv
        floor[i] = 0.5 * float(np.sum(sd_all)) * math.sqrt(2.0 / (math.pi * m_all))
    resolved = pooled > 3.0 * floor
    slopes = {}
    for name, y, mask in [
        ("optimum", tv_opt, None),
        ("mode", tv_mode, None),
        ("exact_mean", tv_exact, None),
        ("sampled_mean", pooled, resolved),
        ("single_draw", tv_single.mean(axis=1), None),
    ]:
        yy = y if mask is None else np.where(mask, y, np.nan)
        sl, se, used = fit_slope(ns, yy)
        slopes[name] = {"slope": sl, "stderr": se, "points": used}
        if used < 2:
            reason = _unusable(y, mask, used)
            why[f"slopes.{name}.slope"] = why[f"slopes.{name}.stderr"] = [(0, reason)]
        elif used == 2:
            reason = (
                "a line through 2 points leaves no residual to estimate its error from: "
                "it needs 3 or more values of N"
            )
            why[f"slopes.{name}.stderr"] = [(0, reason)]
    return ConvergenceStudy(
        e,
        ns,
        seeds,
        m_per,
        betas,
        tv_opt,
        tv_mode,
        tv_exact,
        tv_mean,
        tv_single,
        pooled,
        floor,
        fb,
        fb_err,
        slopes,
        time.perf_counter() - t0,
        seed_value(root),
        used_method,
        notes=tuple(notes),
        reasons={k: _by_reason(v) for k, v in why.items()},
    )


def _by_reason(pairs: list[tuple[int, str]]) -> str:
    """``N = 10, 100: why; N = 1000: why else`` (N = 0: a reason of the whole study)."""
    groups: dict[str, list[int]] = {}
    for n, reason in pairs:
        groups.setdefault(reason, [])
        if n and n not in groups[reason]:
            groups[reason].append(n)
    return "; ".join(
        f"N = {', '.join(map(str, ns))}: {reason}" if ns else reason
        for reason, ns in groups.items()
    )


def _unusable(y: np.ndarray, mask: np.ndarray | None, used: int) -> str:
    """Why a log-log slope has fewer than 2 points (see :func:`fit_slope`)."""
    parts = []
    missing = int(np.sum(~np.isfinite(y)))
    zero = int(np.sum(y == 0))
    floored = 0 if mask is None else int(np.sum(np.isfinite(y) & (y > 0) & ~mask))
    for count, what in (
        (missing, "without a value"),
        (zero, "at distance 0, off the log scale"),
        (floored, "within 3x of their sampling floor"),
    ):
        if count:
            parts.append(f"{count} {what}")
    return f"{used} of {y.size} values of N usable ({', '.join(parts)}): a slope needs 2"
