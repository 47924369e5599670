"""Exact enumeration of the constraint lattice for small problems: the ground truth."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import logsumexp

from maxent._kernels._sample import enumerate_lattice
from maxent._model.problem import Problem
from maxent._optimize.mode import log_count
from maxent._util.errors import UnreachableError, ValidationError
from maxent._util.format import ShortRepr

__all__ = ["Enumeration", "enumerate_allocations"]


@dataclass(frozen=True, repr=False)
class Enumeration(ShortRepr):
    """Every allocation on the lattice with its exact weight.

    Attributes
    ----------
    problem : Problem
        The problem enumerated.
    allocations : ndarray of int64, shape (L, K)
        All ``n`` meeting the constraints (count, energy, moments; ``n_k <= g_k`` for
        Fermi-Dirac).
    log_counts : ndarray, shape (L,)
        ``ln W(n)`` under the problem's statistics.
    probabilities : ndarray, shape (L,)
        ``W(n) / sum W``.

    Examples
    --------
    >>> import maxent
    >>> maxent.enumerate_allocations(maxent.Problem([0, 1, 2], 4, mean_energy=1))
    Enumeration(allocations=<int64 array 3x3>, log_counts=[0.    , 2.4849, 1.7918], ...)
    """

    problem: Problem = field(repr=False)
    allocations: np.ndarray
    log_counts: np.ndarray
    probabilities: np.ndarray

    @property
    def size(self) -> int:
        """Number of lattice points L."""
        return int(self.allocations.shape[0])

    @property
    def log_total(self) -> float:
        """``ln sum_n W(n)``: the log number of microstates meeting the constraints."""
        return float(logsumexp(self.log_counts))

    @property
    def mean_counts(self) -> np.ndarray:
        """Exact ``<n_k>`` under ``W``."""
        return self.probabilities @ self.allocations

    @property
    def mean_fractions(self) -> np.ndarray:
        """Exact ``<n_k> / N``: the finite-N answer the samplers must reproduce."""
        return self.mean_counts / self.problem.n

    @property
    def covariance(self) -> np.ndarray:
        """Exact covariance matrix of the counts."""
        d = self.allocations - self.mean_counts
        return (d * self.probabilities[:, None]).T @ d


def enumerate_allocations(problem: Problem, max_points: int = 2_000_000) -> Enumeration:
    """List every allocation on the constraint lattice with its exact ``W``.

    Parameters
    ----------
    problem : Problem
        Energies on a lattice and a reachable total.
    max_points : int, optional
        Refuse lattices with more points than this.

    Returns
    -------
    Enumeration

    Raises
    ------
    ValidationError
        If the lattice has more than ``max_points`` points.
    UnreachableError
        If it has none.

    Examples
    --------
    Four items on levels 0, 1, 2 with total energy 4:

    >>> import maxent
    >>> e = maxent.enumerate_allocations(maxent.Problem([0, 1, 2], 4, mean_energy=1))
    >>> e.allocations.tolist()
    [[0, 4, 0], [1, 2, 1], [2, 0, 2]]
    >>> e.probabilities.round(4).tolist()  # W = 1, 12, 6
    [0.0526, 0.6316, 0.3158]
    >>> e.mean_fractions.round(4).tolist()
    [0.3158, 0.3684, 0.3158]
    """
    problem.require_lattice("enumeration")
    k = problem.classes
    cap = problem.caps.astype(np.int64)
    coef, rhs = problem.integer_rows()
    out = np.zeros((min(max_points, 4096), k), dtype=np.int64)
    while True:
        found = enumerate_lattice(coef, rhs, cap, out.shape[0], out)
        if found >= 0:
            break
        if out.shape[0] >= max_points:
            raise ValidationError(
                "n", f"the lattice has more than {max_points} allocations; too large to enumerate"
            )
        out = np.zeros((min(max_points, 8 * out.shape[0]), k), dtype=np.int64)
    if found == 0:
        raise UnreachableError(
            "mean_energy", "no integer allocation meets the constraints (the lattice is empty)"
        )
    alloc = out[:found].copy()
    lw = np.atleast_1d(log_count(problem, alloc))
    prob = np.exp(lw - logsumexp(lw))
    return Enumeration(problem, alloc, lw, prob)
