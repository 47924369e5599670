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

Adaptive precision (``target_stderr``): the sampled curves get more seeds, doubling up
to a cap, until the standard error of each one's fitted slope is at most the target.
Run ``(N_i, s)`` always uses the stream ``(i, s)``, so the seeds already run are kept,
not recomputed, and the study equals a plain one with the final number of seeds.
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

__all__ = [
    "DEFAULT_MAX_SEEDS",
    "SAMPLED_CURVES",
    "ConvergenceStudy",
    "converge",
    "fit_slope",
    "next_seed_count",
    "slopes_reached",
]

_BATCH = 500_000  # draws per sampler call (bounds memory: 4 MB per class)

#: The curves whose values depend on the seeds: the only ones more seeds make precise
#: (the optimum, the mode and the exact mean are the same for every seed).
SAMPLED_CURVES = ("sampled_mean", "single_draw")
#: Cap on the seeds per point that ``target_stderr`` may reach, unless one is given.
DEFAULT_MAX_SEEDS = 64


def next_seed_count(seeds: int, max_seeds: int) -> int:
    """Seeds of the next round of adaptive precision: twice as many, at most ``max_seeds``.

    Doubling reaches a target in a few rounds without overshooting it more than twice,
    and needs no model of how the standard error falls (the noise part falls like one
    over the square root of the seeds; a curve that is not a straight line does not).
    """
    return min(max_seeds, 2 * seeds)


def slopes_reached(stderrs, target: float) -> bool:
    """True when every standard error is finite and at most ``target``."""
    return all(math.isfinite(se) and se <= target for se in stderrs)


def _check_precision(target_stderr, max_seeds, seeds: int, points: int):
    """Validate ``target_stderr`` and ``max_seeds``; the cap to use (None: no target)."""
    if target_stderr is None:
        if max_seeds is not None:
            raise ValidationError("max_seeds", "is the cap of target_stderr: give that too")
        return None
    if isinstance(target_stderr, bool) or not isinstance(target_stderr, (int, float)):
        raise ValidationError("target_stderr", f"must be a real number > 0 (got {target_stderr!r})")
    if not (math.isfinite(target_stderr) and target_stderr > 0):
        raise ValidationError("target_stderr", f"must be a real number > 0 (got {target_stderr!r})")
    if points < 3:
        raise ValidationError(
            "target_stderr",
            f"needs at least 3 values of N (got {points}): a slope through 2 points has no "
            "standard error",
        )
    cap = max(DEFAULT_MAX_SEEDS, seeds) if max_seeds is None else as_count(max_seeds, "max_seeds")
    if cap < seeds:
        raise ValidationError("max_seeds", f"must be >= seeds ({seeds}), got {cap}")
    return cap


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
    precision : dict
        With ``target_stderr``: ``target_stderr``, ``max_seeds``, ``reached`` (every
        curve of ``SAMPLED_CURVES`` at or below the target), ``seeds`` (the final
        count) and ``rounds`` (per round: ``seeds`` and each curve's ``stderr``);
        empty without a target.
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
    precision: dict[str, Any] = field(default_factory=dict)
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
            **({"precision": _strict_precision(self.precision)} if self.precision else {}),
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
    target_stderr: float | None = None,
    max_seeds: int | None = None,
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
        Independent runs per N (with ``target_stderr``: the first round's).
    samples : int or 'auto'
        Draws per run; ``auto`` uses ``clip(20 N, 2000, 1e7)`` so that the sampled
        mean can resolve its 1/N bias.
    method, threads
        Passed to :func:`maxent.sample`.
    seed : int
        Root seed; run (N_i, s) uses the spawned stream ``(i, s)``.
    target_stderr : float, optional
        Adaptive precision: double the seeds (keeping the runs already made) until the
        fitted slope of every curve in ``SAMPLED_CURVES`` has a standard error at most
        this, or ``max_seeds`` is reached; ``precision`` says what was reached. Needs at
        least 3 values of N. The other curves do not depend on the seeds.
    max_seeds : int, optional
        Cap on the seeds with ``target_stderr`` (default ``max(64, seeds)``).
    progress : callable, optional
        ``progress(done, total)`` in draws (the total grows with each round of seeds).

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

    Seeds, doubling from 2, until both sampled slopes have a standard error of at most
    0.02 (at most 32 seeds); the runs of a round are kept in the next:

    >>> st = maxent.converge([0, 1, 2, 3], [10, 30, 100, 300], mean_energy=1.2, seeds=2,
    ...                      seed=0, target_stderr=0.02, max_seeds=32)
    >>> p = st.precision
    >>> p["reached"], p["seeds"], [r["seeds"] for r in p["rounds"]]
    (True, 8, [2, 4, 8])
    >>> st.seeds, st.tv_sampled_mean.shape
    (8, (4, 8))
    """
    t0 = time.perf_counter()
    ns = parse_n_values(n_values)
    seeds = as_count(seeds, "seeds")
    cap = _check_precision(target_stderr, max_seeds, seeds, ns.size)
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
    tv_opt = np.full(ns.size, np.nan)
    tv_mode = np.full(ns.size, np.nan)
    tv_exact = np.full(ns.size, np.nan)
    betas = np.array([p.beta for p in problems])
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

    runs = _SeedRuns(problems, m_per, root, method, threads, progress)
    runs.extend(seeds)
    rounds = []
    while True:
        pooled, floor = runs.pooled()
        slopes = _slopes(ns, tv_opt, tv_mode, tv_exact, pooled, floor, runs.tv_single)
        if cap is None:
            break
        errs = {name: slopes[name]["stderr"] for name in SAMPLED_CURVES}
        rounds.append({"seeds": runs.seeds, "stderr": errs})
        if slopes_reached(errs.values(), target_stderr) or runs.seeds >= cap:
            break
        runs.extend(next_seed_count(runs.seeds, cap))
    precision = {}
    if cap is not None:
        reached = slopes_reached(rounds[-1]["stderr"].values(), target_stderr)
        precision = {
            "target_stderr": float(target_stderr),
            "max_seeds": cap,
            "reached": reached,
            "seeds": runs.seeds,
            "rounds": rounds,
        }
        if not reached:
            notes.append(
                f"target slope stderr {target_stderr:g} not reached with the cap of {cap} "
                f"seeds: {_shortfall(rounds[-1]['stderr'], target_stderr, slopes)}"
            )
    if runs.fit_notes:
        why["fitted_beta"] = runs.fit_notes
    for name, fit in slopes.items():
        if fit["points"] < 2:
            y = {"optimum": tv_opt, "mode": tv_mode, "exact_mean": tv_exact}.get(name)
            if name == "sampled_mean":
                y, mask = pooled, pooled > 3.0 * floor
            else:
                y = runs.tv_single.mean(axis=1) if y is None else y
                mask = None
            reason = _unusable(y, mask, fit["points"])
            why[f"slopes.{name}.slope"] = why[f"slopes.{name}.stderr"] = [(0, reason)]
        elif fit["points"] == 2:
            why[f"slopes.{name}.stderr"] = [
                (
                    0,
                    "a line through 2 points leaves no residual to estimate its error from: "
                    "it needs 3 or more values of N",
                )
            ]
    return ConvergenceStudy(
        e,
        ns,
        runs.seeds,
        m_per,
        betas,
        tv_opt,
        tv_mode,
        tv_exact,
        runs.tv_mean,
        runs.tv_single,
        pooled,
        floor,
        runs.fb,
        runs.fb_err,
        slopes,
        time.perf_counter() - t0,
        seed_value(root),
        runs.method,
        notes=tuple(notes),
        precision=precision,
        reasons={k: _by_reason(v) for k, v in why.items()},
    )


def _shortfall(stderrs: dict, target: float, slopes: dict) -> str:
    """Which curves missed the target, and why, in words."""
    parts = []
    for name, se in stderrs.items():
        if math.isnan(se):
            used = slopes[name]["points"]
            parts.append(f"{name} has {used} usable points (3 needed)")
        elif se > target:
            parts.append(f"{name} {se:.3g}")
    return "; ".join(parts) + (
        " (more seeds lower the noise, not the scatter of a curve that is not a straight line)"
    )


def _slopes(ns, tv_opt, tv_mode, tv_exact, pooled, floor, tv_single) -> dict:
    """The log-log fit of each curve (sampled-mean points near their floor left out)."""
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
    return slopes


class _SeedRuns:
    """The sampled runs of a study, seed by seed: more seeds extend, never redo, them.

    Run ``(i, s)`` draws from the stream ``(i, s, batch)`` of the root seed, and the
    sums pooled over seeds are accumulated in seed order, so a study extended from 5 to
    10 seeds is bit for bit the study run with 10 seeds at once.
    """

    def __init__(self, problems, m_per, root, method, threads, progress):
        self.problems, self.m_per, self.root = problems, m_per, root
        self.sampler, self.threads, self.progress = method, threads, progress
        self.seeds = 0
        self.method = ""
        size = len(problems)
        k = problems[0].energies.size
        self.tv_mean = self.tv_single = self.fb = self.fb_err = np.full((size, 0), np.nan)
        self.sum_all = np.zeros((size, k))
        self.sq_all = np.zeros((size, k))
        self.done = 0
        self.fit_notes: list[tuple[int, str]] = []  # (N, why) of fitted betas that are nan

    def extend(self, seeds: int) -> None:
        """Run seeds ``self.seeds .. seeds - 1`` at every N."""
        old, new = self.seeds, seeds
        extra = np.full((len(self.problems), new - old), np.nan)
        self.tv_mean = np.hstack([self.tv_mean, extra])
        self.tv_single = np.hstack([self.tv_single, extra])
        self.fb = np.hstack([self.fb, extra])
        self.fb_err = np.hstack([self.fb_err, extra])
        total = self.done + int(self.m_per.sum()) * (new - old)
        root = self.root
        for i, p in enumerate(self.problems):
            boltz = p.limit_fractions
            k = boltz.size
            m = int(self.m_per[i])
            for s in range(old, new):
                sums = np.zeros(k)
                sq = np.zeros(k)
                single = 0.0
                got = 0
                for b, start in enumerate(range(0, m, _BATCH)):
                    size = min(_BATCH, m - start)
                    child = np.random.SeedSequence(
                        root.entropy, spawn_key=(*root.spawn_key, i, s, b)
                    )
                    res = sample(p, size, self.sampler, seed=child, threads=self.threads)
                    self.method = res.method
                    f = res.fractions
                    sums += f.sum(axis=0)
                    sq += (f * f).sum(axis=0)
                    single += float(0.5 * np.abs(f - boltz).sum(axis=1).sum())
                    got += size
                    self.done += size
                    if self.progress is not None:
                        self.progress(self.done, total)
                mean = sums / got
                var = np.maximum(sq / got - mean * mean, 0.0) * got / max(got - 1, 1)
                self.tv_mean[i, s] = distances(mean, boltz).tv
                self.tv_single[i, s] = single / got
                fit = fit_beta(p, mean, np.sqrt(var / got))
                self.fb[i, s], self.fb_err[i, s] = fit.beta, fit.stderr
                if fit.note:
                    self.fit_notes.append((int(p.n), fit.note))
                self.sum_all[i] += sums
                self.sq_all[i] += sq
        self.seeds = new

    def pooled(self) -> tuple[np.ndarray, np.ndarray]:
        """TV of the mean pooled over the seeds, and its pure-noise expectation."""
        pooled = np.full(len(self.problems), np.nan)
        floor = np.full(len(self.problems), np.nan)
        for i, p in enumerate(self.problems):
            m_all = self.m_per[i] * self.seeds
            mean_all = self.sum_all[i] / m_all
            sd_all = np.sqrt(np.maximum(self.sq_all[i] / m_all - mean_all**2, 0.0))
            pooled[i] = distances(mean_all, p.limit_fractions).tv
            floor[i] = 0.5 * float(np.sum(sd_all)) * math.sqrt(2.0 / (math.pi * m_all))
        return pooled, floor


def _strict_precision(precision: dict[str, Any]) -> dict[str, Any]:
    """``precision`` with each round's undefined slope stderr as null and its reason."""
    why = "fewer than 3 usable values of N: no error estimate for this curve's slope"
    rounds = [
        {**r, "stderr": {k: defined(v, why) for k, v in r["stderr"].items()}}
        for r in precision["rounds"]
    ]
    return {**precision, "rounds": rounds}


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
