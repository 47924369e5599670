"""Draw allocations of N items under the count and energy constraints.

Three methods, one result type:

``exact``
    Independent, exactly distributed draws for energies on a lattice (see
    :mod:`maxent._kernels._sample`): a product of tilted per-class laws conditioned on
    the constraints, by rejection on a small determined set of classes. Threads run
    fixed chunks of draws, each with its own random stream. A run predicted to need
    few variates is drawn vectorised in numpy on one thread instead (same algorithm,
    its own streams; no numba to start), so the draws for a seed depend on the number
    of draws only through that choice.
``mcmc``
    Markov chains: on a lattice, moves of the allocation itself (see
    :mod:`maxent._sampling.alloc_mcmc`; cost per draw flat in N); item-level
    energy-conserving pair exchanges remain for ``relax``; single- and two-item moves
    inside a microcanonical shell
    ``|sum n_k E_k - U| <= energy_tolerance`` for energies without a common quantum.
    Several chains; burn-in, thinning, acceptance, integrated autocorrelation time and
    effective sample size.
``enumerate``
    Lists the whole lattice (small problems) and draws from it directly.

``auto`` picks the fastest correct one and says why.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from maxent._kernels._config import thread_limit
from maxent._kernels._config import threads as use_threads
from maxent._model.checks import Residuals, check_draws
from maxent._model.lattice import compositions_at_most
from maxent._model.problem import Problem
from maxent._optimize.mode import most_probable_allocation
from maxent._sampling.alloc_mcmc import run_alloc_mcmc
from maxent._sampling.enumerate import enumerate_allocations
from maxent._sampling.exact import exact_plan, run_exact
from maxent._sampling.mcmc import run_mcmc
from maxent._util.errors import ValidationError, interrupted
from maxent._util.format import ShortRepr, defined
from maxent._util.memory import require_memory
from maxent._util.streams import as_seed_sequence, seed_value
from maxent._util.validate import as_count

__all__ = ["METHODS", "SampleResult", "sample"]

METHODS = ("auto", "exact", "mcmc", "enumerate")
_ENUMERATE_LIMIT = 200_000  # auto enumerates lattices whose composition count is below
# auto prefers MCMC below this pilot acceptance of the exact sampler (a draw would then
# cost over ~3,000 proposals of K classes each, slower than decorrelated chain draws)
_MIN_ACCEPTANCE = 3e-4


@dataclass(frozen=True, repr=False)
class SampleResult(ShortRepr):
    """Allocations drawn under the constraints.

    Attributes
    ----------
    problem : Problem
        The problem sampled.
    draws : ndarray of int64, shape (M, K)
        One allocation per row; every row has ``sum = N`` and the exact total energy (or
        lies in the shell for MCMC with a tolerance).
    method : str
        ``exact``, ``mcmc`` or ``enumerate``.
    seed : int
        Entropy of the root ``SeedSequence`` (pass it back to reproduce the draws).
    threads : int
        Threads used (results do not depend on it).
    diagnostics : dict
        Method-specific: ``acceptance``; for MCMC also ``tau`` (per class, in recorded
        draws), ``ess`` (per class), ``chains``, ``burn_in`` and ``thin`` (proposals).
    timings : dict
        Seconds spent in ``setup`` and ``sampling``, and the ``total``.
    reason : str
        Why ``auto`` chose the method (empty when it was given).
    interrupted : bool
        True on the partial result that a ``KeyboardInterrupt`` carries (as ``partial``) when Ctrl-C
        stopped the run early; ``draws`` then holds what was finished.
    residuals : Residuals
        Every draw's constraints, measured apart from the sampler (count, energy and each
        extra row exactly on a lattice; the shell for MCMC with a tolerance); see
        ``docs/theory/checks.md``. :attr:`success` is ``residuals.ok``.

    Examples
    --------
    >>> import maxent
    >>> p = maxent.Problem([0, 1, 2, 3], 20, mean_energy=1.2)
    >>> maxent.sample(p, 100, seed=1)  # doctest: +NORMALIZE_WHITESPACE
    SampleResult(draws=<int64 array 100x4>, method='enumerate', seed=1, threads=...,
                 reason='small lattice: exact draws from its enumeration', interrupted=False,
                 samples=100, mean_fractions=[0.345, 0.27 , 0.225, 0.16 ])
    """

    problem: Problem = field(repr=False)
    draws: np.ndarray
    method: str
    seed: int
    threads: int
    diagnostics: dict[str, Any] = field(repr=False)
    timings: dict[str, float] = field(repr=False)
    reason: str = ""
    interrupted: bool = False
    residuals: Residuals = field(default_factory=Residuals, repr=False)

    @property
    def success(self) -> bool:
        """Whether every draw meets every constraint (:attr:`residuals`)."""
        return self.residuals.ok

    @property
    def message(self) -> str:
        """One line: empty when every draw holds, else what failed."""
        return self.residuals.note

    def _repr_extra(self) -> dict[str, Any]:
        return {"samples": self.samples, "mean_fractions": self.mean_fractions}

    @property
    def samples(self) -> int:
        """Number of draws M."""
        return int(self.draws.shape[0])

    @property
    def fractions(self) -> np.ndarray:
        """Draws divided by N."""
        return self.draws / self.problem.n

    @property
    def mean_fractions(self) -> np.ndarray:
        """Sample mean of ``n_k / N``."""
        return self.fractions.mean(axis=0)

    @property
    def stderr(self) -> np.ndarray:
        """Standard error of :attr:`mean_fractions` (with the ESS for MCMC)."""
        m = self.samples
        if m < 2:
            return np.full(self.problem.classes, np.nan)
        sd = self.fractions.std(axis=0, ddof=1)
        ess = np.asarray(self.diagnostics.get("ess", m), dtype=np.float64)
        return sd / np.sqrt(np.clip(ess, 1.0, m))

    def to_dict(self) -> dict[str, Any]:
        """The ``sampler`` object of the JSON output."""
        short = (
            "every chain recorded fewer than 4 draws: too few to estimate the "
            "autocorrelation time (and with it the effective sample size)"
        )
        one = "a standard error needs at least 2 draws"
        out = {
            "method": self.method,
            "samples": self.samples,
            "mean_fractions": self.mean_fractions.tolist(),
            "stderr": defined(self.stderr, one if self.samples < 2 else short),
            "acceptance": self.diagnostics.get("acceptance"),
            "seed": self.seed,
            "threads": self.threads,
            "timings": self.timings,
            "interrupted": self.interrupted,
            "success": self.success,
            "residuals": self.residuals.to_dict(),
        }
        if not self.success:
            out["message"] = self.message
        if self.reason:
            out["reason"] = self.reason
        if self.method == "mcmc":
            for key in ("ess", "tau", "chains", "burn_in", "thin", "proposals"):
                out[key] = defined(self.diagnostics[key], short)
        if self.method == "enumerate":
            out["lattice_size"] = self.diagnostics["lattice_size"]
        return out


# ---------------------------------------------------------------------------------------
# public entry point


def _ensure_reachable(problem: Problem) -> None:
    """Decide reachability by the integer search when the coin table cannot.

    With capacities or moments the coin table does not apply; an empty lattice then raises
    UnreachableError here instead of starting an endless rejection loop.
    """
    most_probable_allocation(problem)


def _choose(problem: Problem) -> tuple[str, str]:
    if problem.levels is None or problem.level_total is None:
        if problem.levels is None:
            if problem.energy_tolerance is None:
                raise ValidationError(
                    "energy_tolerance",
                    "the energies have no common quantum, so the constraint needs a shell: "
                    "give energy_tolerance > 0 (MCMC), or energy_quantum",
                )
            return "mcmc", "energies have no common quantum: MCMC in the energy shell"
        problem.require_lattice("sampling")
    if compositions_at_most(problem.n, problem.classes, _ENUMERATE_LIMIT):
        return "enumerate", "small lattice: exact draws from its enumeration"
    plan = exact_plan(problem)
    if plan.algorithm != "conditioned rejection":
        return "exact", f"energies on a lattice: exact independent draws ({plan.algorithm})"
    acc = plan.pilot_acceptance()
    if acc >= _MIN_ACCEPTANCE:
        return "exact", (
            f"energies on a lattice: exact independent draws by conditioned rejection "
            f"(pilot acceptance {acc:.2g})"
        )
    return "mcmc", (
        f"the exact sampler would accept about {acc:.2g} of its proposals (pilot run): "
        "MCMC on the allocation instead"
    )


def sample(
    problem: Problem,
    samples: int = 1000,
    method: str = "auto",
    *,
    seed=None,
    threads: int | None = None,
    chains: int = 4,
    burn_in: int | None = None,
    thin: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SampleResult:
    """Draw allocations with probability proportional to ``W(n) = N! / prod n_k!``.

    Parameters
    ----------
    problem : Problem
        Energies, N and the total energy (on a lattice for ``exact``/``enumerate``; for
        energies without a quantum, ``energy_tolerance`` defines the MCMC shell).
    samples : int
        Number of draws M.
    method : {'auto', 'exact', 'mcmc', 'enumerate'}
        See the module description; ``auto`` picks the fastest correct method.
    seed : int, SeedSequence or None
        Root seed; every draw is a pure function of it (whatever ``threads``).
    threads : int, optional
        Numba threads (default: all available).
    chains : int
        Independent MCMC chains (draws are split evenly between them).
    burn_in : int, optional
        MCMC proposals per chain discarded before recording (default: 10 records' worth
        on a lattice, where the moves act on the allocation; 20 N in an energy shell).
    thin : int, optional
        MCMC proposals between recorded draws (default: 20 per lattice dimension on a
        lattice; N, one sweep of item moves, in an energy shell).
    progress : callable, optional
        Called as ``progress(done, total)`` after each batch of draws.

    Returns
    -------
    SampleResult

    Raises
    ------
    ValidationError
        For bad arguments, or when the method cannot apply to the problem.
    UnreachableError
        When no integer allocation has the problem's total energy.

    Examples
    --------
    >>> import maxent
    >>> p = maxent.Problem([0, 1, 2, 3], 100_000, mean_energy=1.2)
    >>> r = maxent.sample(p, 1000, seed=1)
    >>> r.method, r.draws.shape, bool((r.draws.sum(axis=1) == 100_000).all())
    ('exact', (1000, 4), True)
    """
    t0 = time.perf_counter()
    samples = as_count(samples, "samples")
    # the (M, K) int64 draws, with room for a copy
    require_memory(16.0 * problem.classes, samples, "samples", f"{samples} draws")
    if method not in METHODS:
        raise ValidationError("method", f"must be one of {', '.join(METHODS)} (got {method!r})")
    chains = as_count(chains, "chains")
    if threads is not None:
        threads = as_count(threads, "threads")
        limit = thread_limit()
        if threads > limit:
            raise ValidationError("threads", f"must be between 1 and {limit} (got {threads})")
    seq = as_seed_sequence(seed)
    reason = ""
    if method == "auto":
        method, reason = _choose(problem)
    elif method in ("exact", "enumerate"):
        problem.require_lattice(f"method={method!r}")
    elif method == "mcmc" and problem.levels is None and problem.energy_tolerance is None:
        raise ValidationError(
            "energy_tolerance",
            "MCMC on energies without a common quantum needs energy_tolerance > 0",
        )
    elif method == "mcmc" and problem.levels is not None:
        problem.require_lattice("MCMC on the lattice")
    if method == "mcmc" and not problem.plain and problem.levels is None:
        raise ValidationError(
            "method",
            "MCMC for Bose-Einstein or Fermi-Dirac counting or extra constraints "
            "needs energies (and constraint values) on a lattice",
        )
    if method in ("exact", "mcmc") and problem.levels is not None and problem.reachable is None:
        _ensure_reachable(problem)
    used_threads = threads or thread_limit()
    diagnostics: dict[str, Any] = {}
    stopped = None
    with use_threads(used_threads):  # numba threads, if a parallel kernel runs
        try:
            t1 = time.perf_counter()
            if method == "exact":
                plan = exact_plan(problem)
                t1 = time.perf_counter()
                batch = max(1, 64 * used_threads)
                draws, proposals = run_exact(plan, seq, samples, batch, progress)
                if getattr(plan, "prefers_numpy", None) and plan.prefers_numpy(samples):
                    used_threads = 1  # a small run, vectorised in numpy on one thread
                diagnostics = {
                    "acceptance": draws.shape[0] * getattr(plan, "stages", 1) / max(proposals, 1),
                    "proposals": proposals,
                    "determined_classes": plan.det_idx.tolist(),
                    "algorithm": plan.algorithm,
                }
            elif method == "enumerate":
                en = enumerate_allocations(problem)
                t1 = time.perf_counter()
                rng = np.random.Generator(np.random.PCG64(seq))
                idx = rng.choice(en.size, size=samples, p=en.probabilities)
                draws = en.allocations[idx]
                diagnostics = {"acceptance": 1.0, "lattice_size": en.size}
                if progress is not None:
                    progress(samples, samples)
            elif problem.levels is not None:  # lattice: allocation-level moves, cost flat in N
                draws, diagnostics = run_alloc_mcmc(
                    problem, seq, samples, min(chains, samples), burn_in, thin, progress
                )
            else:
                n = problem.n
                if n > 10**9:
                    raise ValidationError("n", "MCMC tracks every item: N must be <= 1e9")
                require_memory(4.0 * min(chains, samples), n, "n", "the item labels of the chains")
                b = 20 * n if burn_in is None else as_count(burn_in, "burn_in", minimum=0)
                th = n if thin is None else as_count(thin, "thin")
                draws, diagnostics = run_mcmc(
                    problem, seq, samples, min(chains, samples), b, th, progress
                )
        except KeyboardInterrupt as exc:
            if getattr(exc, "partial", None) is None:
                raise
            stopped = exc
            draws, diagnostics = exc.partial
    t2 = time.perf_counter()
    timings = {"setup": t1 - t0, "sampling": t2 - t1, "total": t2 - t0}
    result = SampleResult(
        problem,
        draws,
        method,
        seed_value(seq),
        used_threads,
        diagnostics,
        timings,
        reason,
        stopped is not None,
        check_draws(problem, draws, energy_tolerance=problem.energy_tolerance),
    )
    if stopped is not None:
        # never swallow Ctrl-C: the caller gets it, with the finished draws attached
        raise interrupted(result) from stopped
    return result
