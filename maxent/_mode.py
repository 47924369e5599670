"""The most probable integer allocation on the constraint lattice."""

from __future__ import annotations

import math
import time

import numpy as np
import scipy.optimize as sopt
from scipy.special import gammaln, psi

from ._errors import UnreachableError
from ._kernels._mode import BOLTZMANN, build_windows, search
from ._optimize import maximize_log_count
from ._problem import Problem

__all__ = ["log_count", "most_probable_allocation"]


def log_count(problem: Problem, counts) -> np.ndarray | float:
    """Exact ``ln W(n) = lnGamma(N+1) - sum lnGamma(n_k+1) + sum n_k ln g_k``.

    Parameters
    ----------
    problem : Problem
        Supplies ``N`` and the degeneracies.
    counts : array_like, shape (..., K)
        One allocation or a stack of them.

    Returns
    -------
    float or ndarray
        ``ln W`` for each allocation.
    """
    n = np.asarray(counts, dtype=np.float64)
    lg = np.log(problem.degeneracies)
    out = gammaln(problem.n + 1.0) - gammaln(n + 1.0).sum(axis=-1) + n @ lg
    return float(out) if np.ndim(out) == 0 else out


def _choose_pair(levels, width):
    """Solved classes: the widest window, and the widest partner per unit level gap."""
    p = int(np.argmax(width))
    gap = np.abs(levels - levels[p])
    if not (gap > 0).any():
        return np.array([p])
    score = np.where(gap > 0, width / np.maximum(gap, 1), -1.0)
    return np.array([p, int(np.argmax(score))])


def most_probable_allocation(
    problem: Problem, *, max_nodes: int = 20_000_000, max_window: int = 50_000_000
) -> sopt.OptimizeResult:
    """Find the integer allocation with the largest ``W(n)`` on the constraint lattice.

    Exact branch and bound around the real optimum: with the optimum's multipliers the
    log-count of a lattice point splits into a sum of per-class convex costs, so a search
    restricted to windows of cost at most ``D`` finds every lattice point with total cost
    at most ``D``; ``D`` grows by 4x until a point is found (which is then optimal) or the
    windows cover every count (the lattice is empty).

    Parameters
    ----------
    problem : Problem
        Must have energies on a lattice (see :attr:`Problem.quantum`).
    max_nodes : int, optional
        Budget of search nodes per round; exceeding it ends the search uncertified.
    max_window : int, optional
        Budget on the total window length (memory).

    Returns
    -------
    scipy.optimize.OptimizeResult
        ``counts`` (int64), ``fractions``, ``log_count`` (exact ln W), ``certified``
        (optimality proven), ``ties`` (allocations sharing the maximum, within 1e-12 in
        ln W), ``nodes``, ``success``, ``message``, ``time``.

    Raises
    ------
    UnreachableError
        If no integer allocation has the problem's total energy.
    """
    t0 = time.perf_counter()
    problem.require_lattice("the most probable integer allocation")
    real = maximize_log_count(problem)
    levels = problem.levels
    lg = np.log(problem.degeneracies)
    e = problem.energies
    if math.isinf(real.beta):
        # Only the extreme classes can be occupied; among them the common multiplier is
        # digamma(n + 1) - log g of any member.
        ext = e == (problem.e_min if real.beta > 0 else problem.e_max)
        k0 = int(np.flatnonzero(ext)[0])
        a = lg[k0] - float(psi(real.counts[k0] + 1.0))
        y = np.where(ext, lg - a, -np.inf)
    else:
        y = lg - (real.alpha + real.beta * e)
    caps = np.full(problem.classes, problem.n, dtype=np.int64)
    guess = np.floor(real.counts).astype(np.int64)
    r = build_windows(BOLTZMANN, y, guess, caps, 0.0, max_window)[0]
    bound = _first_bound(y, r, caps)
    total_nodes = 0
    rounds = 0
    while True:
        rounds += 1
        r, lo, hi, off, costs, full = build_windows(BOLTZMANN, y, guess, caps, bound, max_window)
        if costs.size == 0:
            return _give_up(problem, t0, total_nodes, "window budget exceeded")
        width = (hi - lo + 1).astype(np.float64)
        pair = _choose_pair(levels, width)
        free = np.setdiff1d(np.arange(problem.classes), pair)
        order = free[np.argsort(-width[free], kind="stable")]
        _, best_n, ties, nodes, done = search(
            order,
            pair,
            levels,
            problem.n,
            problem.level_total,
            r,
            lo,
            hi,
            off,
            costs,
            bound,
            max_nodes,
        )
        total_nodes += nodes
        if not done:
            return _give_up(problem, t0, total_nodes, "node budget exceeded", best_n)
        if best_n[0] >= 0:
            n = best_n.astype(np.int64)
            return sopt.OptimizeResult(
                counts=n,
                x=n,
                fractions=n / problem.n,
                log_count=log_count(problem, n),
                certified=True,
                ties=int(ties),
                nodes=int(total_nodes),
                rounds=rounds,
                success=True,
                status=0,
                message="optimal (certified by branch and bound)",
                time=time.perf_counter() - t0,
            )
        if full:
            raise UnreachableError(
                "mean_energy",
                f"no allocation of {problem.n} items reaches total energy "
                f"{problem.total_energy:.12g} (the integer lattice is empty)",
            )
        bound *= 4.0


def _first_bound(y, r, caps):
    """Smallest positive cost of moving one class one step from its best integer."""
    best = math.inf
    for k in range(y.size):
        if not np.isfinite(y[k]):
            continue
        rk = int(r[k])
        if rk + 1 <= caps[k]:
            best = min(best, -(y[k] - math.log(rk + 1)))
        if rk >= 1:
            best = min(best, y[k] - math.log(rk))
    if not (best > 0 and math.isfinite(best)):
        best = 1e-12
    return max(best, 1e-12)


def _give_up(problem, t0, nodes, why, best_n=None):
    if best_n is not None and best_n[0] >= 0:
        n = best_n.astype(np.int64)
        return sopt.OptimizeResult(
            counts=n,
            x=n,
            fractions=n / problem.n,
            log_count=log_count(problem, n),
            certified=False,
            ties=0,
            nodes=int(nodes),
            success=False,
            status=1,
            message=f"best found, not certified ({why})",
            time=time.perf_counter() - t0,
        )
    return sopt.OptimizeResult(
        counts=None,
        x=None,
        fractions=None,
        log_count=math.nan,
        certified=False,
        ties=0,
        nodes=int(nodes),
        success=False,
        status=2,
        message=f"search abandoned ({why}); no allocation found",
        time=time.perf_counter() - t0,
    )
