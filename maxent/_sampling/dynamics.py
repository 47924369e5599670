"""Item-level dynamics: labelled items exchange energy in pairs and relax to Boltzmann.

The kinetic-exchange picture (an Einstein solid): two items meet and redistribute their
energy, conserving it exactly, with every redistribution equally likely. In item space
the chain is symmetric, so it relaxes to the uniform distribution over assignments, that
is to ``W(n)`` over allocations, whose typical occupations are Boltzmann. One sweep is N
proposed exchanges.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from maxent._model.checks import Residuals, check_draws
from maxent._model.problem import Problem
from maxent._optimize.mode import most_probable_allocation
from maxent._sampling.mcmc import Chains, shell_start
from maxent._util.errors import ValidationError
from maxent._util.format import ShortRepr
from maxent._util.memory import require_memory
from maxent._util.streams import as_seed_sequence, seed_value
from maxent._util.validate import as_count

__all__ = ["STARTS", "RelaxResult", "relax", "start_allocation"]

STARTS = ("bracket", "extremes", "mode", "random", "class:K")


@dataclass(frozen=True, repr=False)
class RelaxResult(ShortRepr):
    """Occupations and entropy along item-level relaxation.

    Attributes
    ----------
    problem : Problem
        The problem relaxed.
    sweeps : ndarray, shape (S+1,)
        Time in sweeps (0 is the start); records may be every sweep or log-spaced.
    counts : ndarray of int64, shape (S+1, K)
        Occupations at each recorded time.
    entropy : ndarray, shape (S+1,)
        Entropy of ``n / N`` (nats) at each recorded time.
    start : str
        The starting configuration.
    seed : int
        Entropy of the root ``SeedSequence`` (pass it back to reproduce the run).
    moves_per_second : float
        Proposed exchanges per second.
    acceptance : float
        Fraction of proposals that changed the allocation.
    residuals : Residuals
        Every recorded allocation's count, energy and bounds, measured apart from the
        dynamics (``docs/theory/checks.md``); :attr:`success` is ``residuals.ok``.

    Examples
    --------
    >>> import maxent
    >>> p = maxent.Problem([0, 1, 2, 3], 20, mean_energy=1.2)
    >>> maxent.relax(p, sweeps=3, seed=1)
    RelaxResult(sweeps=[0., 1., 2., 3.], counts=<int64 array 4x4>, entropy=[...], ...)
    """

    problem: Problem = field(repr=False)
    sweeps: np.ndarray
    counts: np.ndarray
    entropy: np.ndarray
    start: str
    seed: int
    moves_per_second: float
    acceptance: float
    residuals: Residuals = field(default_factory=Residuals, repr=False)

    @property
    def success(self) -> bool:
        """Whether every recorded allocation keeps the constraints."""
        return self.residuals.ok

    @property
    def fractions(self) -> np.ndarray:
        """``counts / N``."""
        return self.counts / self.problem.n

    @property
    def entropy_max(self) -> float:
        """Entropy of the Boltzmann distribution: the plateau the entropy climbs to."""
        p = self.problem.boltzmann
        p = p[p > 0]
        return float(-(p @ np.log(p)))

    @property
    def tv_distance(self) -> np.ndarray:
        """Total-variation distance of ``n / N`` to Boltzmann at each recorded time."""
        return 0.5 * np.abs(self.fractions - self.problem.boltzmann).sum(axis=1)

    def to_dict(self) -> dict[str, Any]:
        """The ``relax`` object of the JSON output."""
        return {
            "start": self.start,
            "seed": self.seed,
            "sweeps": self.sweeps.tolist(),
            "fractions": self.fractions.tolist(),
            "entropy": self.entropy.tolist(),
            "entropy_max": self.entropy_max,
            "tv_distance": self.tv_distance.tolist(),
            "moves_per_second": self.moves_per_second,
            "acceptance": self.acceptance,
            "success": self.success,
            "residuals": self.residuals.to_dict(),
        }


def start_allocation(problem: Problem, start: str = "bracket", seed=None) -> np.ndarray:
    """A starting allocation with the problem's exact count and total energy.

    Parameters
    ----------
    problem : Problem
        Supplies N and the total energy to meet.
    start : str
        ``bracket``: every item on the one or two levels around the mean energy (the
        lowest-entropy start); ``extremes``: items on the lowest and highest levels (one
        item in between if needed); ``mode``: the most probable allocation; ``random``:
        an exact draw; ``class:k``: every item in class k (needs mean energy E_k).
    seed : int, optional
        For ``random``.

    Returns
    -------
    ndarray of int64, shape (K,)
        Counts with ``sum = N`` and the problem's total energy.

    Examples
    --------
    >>> import maxent
    >>> p = maxent.Problem([0, 1, 2, 3], 20, mean_energy=1.2)
    >>> maxent.start_allocation(p).tolist()  # all items on levels 1 and 2
    [0, 16, 4, 0]
    >>> maxent.start_allocation(p, "mode").tolist()
    [7, 5, 5, 3]
    """
    k = problem.classes
    if isinstance(start, str) and start.startswith("class:"):
        try:
            c = int(start.split(":", 1)[1])
        except ValueError:
            raise ValidationError("start", f"class:K needs an integer K (got {start!r})") from None
        if not 0 <= c < k:
            raise ValidationError("start", f"class index must be in [0, {k - 1}] (got {c})")
        if not math.isclose(problem.energies[c], problem.mean_energy, rel_tol=1e-12, abs_tol=1e-12):
            raise ValidationError(
                "start",
                f"all items in class {c} have mean energy {problem.energies[c]:g}, not the "
                f"problem's {problem.mean_energy:g}",
            )
        out = np.zeros(k, dtype=np.int64)
        out[c] = problem.n
        return out
    if start == "mode":
        return np.asarray(most_probable_allocation(problem).counts, dtype=np.int64)
    if start == "random":
        from maxent._sampling.api import sample

        return sample(problem, 1, "exact", seed=seed).draws[0]
    if start not in ("bracket", "extremes"):
        raise ValidationError("start", f"must be one of {', '.join(STARTS)} (got {start!r})")
    if problem.levels is None:
        raise ValidationError("start", f"{start!r} needs energies on a lattice; use 'mode'")
    if problem.level_total is None or problem.reachable is False:
        # energies on a lattice but a total no allocation reaches: say so, not "no lattice"
        problem.require_lattice(f"the {start!r} start")
    levels, n, total = problem.levels, problem.n, problem.level_total
    distinct = np.unique(levels)
    if start == "bracket":
        x = total / n
        lo = distinct[distinct <= x].max()
        hi = distinct[distinct >= x].min()
    else:
        lo, hi = distinct[0], distinct[-1]
    out = np.zeros(k, dtype=np.int64)
    first = lambda lv: int(np.flatnonzero(levels == lv)[0])  # noqa: E731
    if lo == hi:
        out[first(lo)] = n
        return out
    n_hi, rem = divmod(total - n * int(lo), int(hi - lo))
    out[first(lo)] = n - n_hi
    out[first(hi)] += n_hi
    if rem:
        # one item from the bottom level moves up by the remainder, if that level exists
        if (levels == lo + rem).any():
            out[first(lo)] -= 1
            out[first(lo + rem)] += 1
        else:
            return np.asarray(most_probable_allocation(problem).counts, dtype=np.int64)
    return out


def relax(
    problem: Problem,
    sweeps: int = 50,
    start: str | ArrayLike = "bracket",
    *,
    seed=None,
    records_per_sweep: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> RelaxResult:
    """Run the energy-conserving pair-exchange dynamics from a chosen start.

    Parameters
    ----------
    problem : Problem
        On a lattice the exchanges conserve the energy exactly; for energies without a
        quantum the moves stay in the shell ``|E - U| <= energy_tolerance``.
    sweeps : int
        Number of sweeps (N proposals each).
    start : str or array_like
        See :func:`start_allocation`, or explicit counts.
    seed : int, optional
        Root seed.
    records_per_sweep : int
        Occupations recorded this many times per sweep.
    progress : callable, optional
        ``progress(done_sweeps, sweeps)``.

    Returns
    -------
    RelaxResult
        Occupations and entropy at each recorded time.

    Examples
    --------
    From the lowest-entropy start the entropy climbs towards its Boltzmann plateau:

    >>> import maxent
    >>> p = maxent.Problem([0, 1, 2, 3], 1000, mean_energy=1.2)
    >>> r = maxent.relax(p, sweeps=20, seed=1)
    >>> r.counts.shape, bool((r.counts @ p.energies == 1200).all())
    ((21, 4), True)
    >>> bool(r.entropy[0] < 0.6 < 1.2 < r.entropy[-1] <= r.entropy_max)
    True
    """
    if not problem.plain:
        raise ValidationError(
            "statistics",
            "item dynamics move labelled items, which is Boltzmann counting without extra "
            "moments; sample the other problems with maxent.sample",
        )
    sweeps = as_count(sweeps, "sweeps")
    per = as_count(records_per_sweep, "records_per_sweep")
    seq = as_seed_sequence(seed)
    n = problem.n
    if n > 10**9:
        raise ValidationError("n", "item dynamics tracks every item: N must be <= 1e9")
    require_memory(4.0, n, "n", "the labels of the items")
    require_memory(8.0 * (problem.classes + 1), sweeps * per, "sweeps", "the recorded occupations")
    if isinstance(start, str):
        name = start
        if problem.levels is None and start in ("bracket", "extremes", "random", "mode"):
            if problem.energy_tolerance is None:
                raise ValidationError(
                    "energy_tolerance", "energies without a common quantum need a shell width"
                )
            counts0 = shell_start(problem)
            name = "shell"
        else:
            counts0 = start_allocation(problem, start, seed=seq.spawn(1)[0])
    else:
        counts0 = np.asarray(start, dtype=np.int64)
        name = "given"
        if counts0.shape != (problem.classes,) or counts0.sum() != n or (counts0 < 0).any():
            raise ValidationError(
                "start", "explicit counts need K non-negative entries summing to N"
            )
    lattice = problem.levels is not None and problem.level_total is not None
    if lattice and int(counts0 @ problem.levels) != problem.level_total:
        raise ValidationError("start", "the starting allocation has the wrong total energy")
    # pair exchanges only: the physical kinetic-exchange dynamics
    chain = Chains(problem, counts0, 1, seq, p_circuit=0.0)
    every = max(1, n // per)
    n_rec = sweeps * per
    records = np.zeros((1, n_rec, problem.classes), dtype=np.int64)
    entropy = np.zeros((1, n_rec))
    t0 = time.perf_counter()
    batch = max(1, int(5e7 // max(n, 1)) // per * per) if n * per < 5e7 else per
    done = 0
    acc = 0
    while done < n_rec:
        todo = min(batch, n_rec - done)
        acc += chain.run(
            todo * every, every, records[:, done : done + todo], entropy[:, done : done + todo]
        )
        done += todo
        if progress is not None:
            progress(done // per, sweeps)
    dt = time.perf_counter() - t0
    h0 = -sum(c / n * math.log(c / n) for c in counts0 if c > 0)
    all_counts = np.vstack([counts0[None, :], records[0]])
    all_h = np.concatenate([[h0], entropy[0]])
    times = np.arange(n_rec + 1) * every / n
    props = n_rec * every
    return RelaxResult(
        problem,
        times,
        all_counts,
        all_h,
        name,
        seed_value(seq),
        props / dt if dt > 0 else math.inf,
        acc / max(props, 1),
        check_draws(problem, all_counts),
    )
