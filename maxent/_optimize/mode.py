"""The most probable integer allocation on the constraint lattice."""

from __future__ import annotations

import math
import time

import numpy as np

from maxent._kernels._mode import best_integers, build_windows, increment, search
from maxent._model import statistics as S
from maxent._model.checks import check_integer
from maxent._model.faces import boundary_energy
from maxent._model.lattice import choose_determined, face_allocation, lattice_point
from maxent._model.logcount import class_multipliers, log_count
from maxent._model.problem import Problem
from maxent._optimize.mode_dual import (
    ABANDON_ABOVE_N,
    dual_mode,
    exact_multipliers,
    finish,
    pinned_multipliers,
    raise_empty,
)
from maxent._optimize.mode_face import near_face_mode
from maxent._optimize.optimum import maximize_log_count
from maxent._util.errors import ValidationError
from maxent._util.result import OptimizeResult

__all__ = ["log_count", "most_probable_allocation"]


def _mode_x(problem: Problem, real) -> np.ndarray:
    """Multiplier value x_k of every class at the real optimum (infinite off the face)."""
    e = problem.energies
    if not math.isinf(real.beta):
        return class_multipliers(problem, real.alpha, real.beta, real.lambdas)
    # U at an end of its range: classes beyond the boundary level are full (x = -inf) or
    # empty (+inf); the boundary classes share one finite multiplier.
    sign = 1.0 if real.beta > 0 else -1.0
    e_b = boundary_energy(problem, sign)
    full = (e < e_b) if sign > 0 else (e > e_b)
    at = e == e_b
    hp = S.h_prime(problem.stat, real.counts, problem.degeneracies, "exact")
    inside = at & (real.counts > 0) & (real.counts < problem.caps)
    x_b = float(np.mean(hp[inside])) if inside.any() else 0.0
    return np.where(full, -np.inf, np.where(at, x_b, np.inf))


def most_probable_allocation(
    problem: Problem, *, max_nodes: int = 20_000_000, max_window: int = 50_000_000
) -> OptimizeResult:
    """Find the integer allocation with the largest ``W(n)`` on the constraint lattice.

    First a Lagrangian dual bound, a repaired and locally improved candidate and, where
    the gap leaves few classes free, an exact search inside it (see
    :mod:`maxent._optimize.mode_dual`); the exact branch and bound below is the fallback when no
    candidate is found. Exact branch and bound around the real optimum: with the
    optimum's multipliers the
    log-count of a lattice point splits into a sum of per-class convex costs, so a search
    restricted to windows of cost at most ``D`` finds every lattice point with total cost
    at most ``D``; ``D`` grows by 4x until a point is found (which is then optimal) or the
    windows cover every count (the lattice is empty). Works for every statistics and any
    number of integer moment constraints.

    Parameters
    ----------
    problem : Problem
        Must have its constraints on an integer lattice.
    max_nodes : int, optional
        Budget of search nodes per round; exceeding it ends the search uncertified.
    max_window : int, optional
        Budget on the total window length (memory).

    Returns
    -------
    OptimizeResult
        ``counts`` (int64), ``fractions``, ``log_count`` (exact ln W), ``certified``
        (optimality proven), ``gap`` (proven bound on ``max ln W - log_count``: 0 when
        certified, the Lagrangian dual gap otherwise, nan when nothing was found),
        ``ties`` (allocations sharing the maximum, within 1e-12 in ln W; -1 when every
        allocation ties; 0 when not counted, i.e. when not certified; where counts are
        too large to resolve 1e-12, only ties by symmetry of identical classes),
        ``nodes``, ``success``, ``message``, ``time``.

    Raises
    ------
    UnreachableError
        If no integer allocation meets the constraints.

    Examples
    --------
    >>> import maxent
    >>> p = maxent.Problem([0, 1, 2, 3], 20, mean_energy=1.2)
    >>> m = maxent.most_probable_allocation(p)
    >>> m.counts.tolist(), bool(m.certified), int(m.counts @ p.energies)
    ([7, 5, 5, 3], True, 24)
    """
    t0 = time.perf_counter()
    problem.require_lattice("the most probable integer allocation")
    out = _search(problem, t0, max_nodes, max_window)
    if out.counts is None or not math.isfinite(out.gap):
        # never "no allocation found" when one exists, and never a point without its gap
        return _fallback(problem, t0, out, max_nodes, max_window)
    return out


def _search(problem: Problem, t0: float, max_nodes: int, max_window: int) -> OptimizeResult:
    g = problem.degeneracies
    near = near_face_mode(problem)
    if near is not None:  # a few quanta from an end: exact enumeration, any N
        n, ties, message = near
        return _result(problem, t0, n, 0, message, ties=ties, nodes=0, rounds=0)
    if problem.stat == S.BOSE and np.all(g == 1.0):
        # W = 1 for every allocation: any allocation on the lattice is a mode, for example
        # the mode of Boltzmann counting on the same lattice (same constraints, no caps).
        twin = Problem(
            problem.energies,
            problem.n,
            total_energy=problem.total_energy,
            constraints=problem.constraints,
            energy_quantum=problem.quantum,
        )
        n = most_probable_allocation(twin, max_nodes=max_nodes, max_window=max_window).counts
        return _result(
            problem,
            t0,
            n,
            0,
            "every allocation is equally likely (single-state Bose levels)",
            ties=-1,
            nodes=0,
            rounds=0,
        )
    try:
        real = maximize_log_count(problem)
    except ValidationError:
        # no unique real optimum (single-state Bose levels): any multipliers split ln W
        # into per-class costs on the lattice; the exact dual's (a single-state level
        # pinned at x = 0 absorbing items) where they exist, else the large-N limit's
        real = None
    x = None if real is not None else pinned_multipliers(problem)
    if x is None:
        if real is None:
            real = maximize_log_count(problem, "stirling")
        x = _mode_x(problem, real)
    stat = problem.stat
    lg = np.log(g)
    start = None if real is None else real.counts
    fast = dual_mode(problem, x, start, max_nodes=max_nodes, max_window=max_window)
    if fast is not None:  # the dual bound, repair and local search (see mode_dual)
        n, status, message, ties, nodes, gap = fast
        return _result(problem, t0, n, status, message, ties=ties, nodes=nodes, rounds=1, gap=gap)
    if problem.n > ABANDON_ABOVE_N:
        # the windows below would span ~sqrt(N) items per class: seconds per round for
        # nothing; the caller builds an allocation from a face of the lattice instead
        return _give_up(problem, t0, 0, 0, "the windows of the exact search are too wide")
    caps = problem.caps.astype(np.int64)
    coef, rhs = problem.integer_rows()
    if start is None:  # (pinned multipliers: start from the large-N limit's counts)
        start = problem.limit_fractions * problem.n
    guess = np.floor(np.minimum(start, caps)).astype(np.int64)
    r = best_integers(stat, x, g, lg, guess, caps)
    bound = _first_bound(stat, x, g, lg, r, caps)
    total_nodes = 0
    rounds = 0
    while True:
        rounds += 1
        r, lo, hi, off, costs, full = build_windows(stat, x, g, lg, guess, caps, bound, max_window)
        if costs.size == 0:
            return _give_up(problem, t0, total_nodes, rounds, "window budget exceeded")
        width = (hi - lo + 1).astype(np.float64)
        rows, det_idx, adj, det = choose_determined(coef, width)
        free = np.setdiff1d(np.arange(problem.classes), det_idx)
        order = free[np.argsort(-width[free], kind="stable")]
        _, best_n, ties, nodes, done = search(
            order,
            det_idx,
            coef[rows],
            rhs[rows],
            adj,
            det,
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
            return _give_up(problem, t0, total_nodes, rounds, "node budget exceeded", best_n)
        if best_n[0] >= 0 and np.array_equal(coef @ best_n, rhs):
            return _result(
                problem,
                t0,
                best_n,
                0,
                "optimal (certified by branch and bound)",
                ties=ties,
                nodes=total_nodes,
                rounds=rounds,
            )
        if full:
            raise_empty(problem)
        bound *= 4.0


def _fallback(problem, t0, failed, max_nodes, max_window):
    """A lattice point when the search gave up, improved by exact local moves, with its gap.

    The search's own best point when it has one (then only its dual gap is added); else,
    with count and energy only, one built from the nearer face of the lattice
    (:func:`maxent._model.lattice.face_allocation`); else, or beyond that construction's
    table, any point near the real optimum found by an integer program
    (:func:`maxent._model.lattice.lattice_point`). Raises :class:`UnreachableError` when
    either construction proves the lattice empty; returns ``failed`` (no allocation, the
    question undecided) when neither finds a point.
    """
    coef, rhs = problem.integer_rows()
    caps = problem.caps.astype(np.int64)
    counts = None
    if failed.counts is not None:
        counts = np.array(failed.counts, dtype=np.int64)
        how = "is the best point the search met"
    elif coef.shape[0] == 2:
        counts = face_allocation(coef[1], problem.n, int(rhs[1]), caps)
        if counts is False:
            raise_empty(problem)
        how = "was built from the nearest face of the lattice"
    x, target = _any_multipliers(problem)
    if counts is None:
        counts = lattice_point(coef, rhs, caps, target)
        if counts is False:
            raise_empty(problem)
        if counts is None:
            message = (
                f"{failed.message} (nor did an integer program find one within its time "
                "limit: whether the lattice is empty is undecided)"
            )
            return _result(problem, t0, None, 2, message, ties=0, nodes=failed.nodes, rounds=0)
        how = "was found by an integer program near the real optimum"
    # any multipliers bound ln W on the lattice (the dual is an upper bound for every
    # theta); theta = 0 where none could be computed, a loose but finite bound
    xq = exact_multipliers(coef, x)
    out = finish(problem, xq, counts, max_nodes=max_nodes, max_window=max_window, polish=True)
    if out is None:  # cannot happen: the local moves keep every row
        return failed
    n, status, message, ties, nodes, gap = out
    nodes += failed.nodes
    if status == 0:
        return _result(problem, t0, n, 0, message, ties=ties, nodes=nodes, rounds=0)
    why = failed.message.split("(", 1)[-1].split(")", 1)[0]
    message = (
        f"best found, not certified (the search gave up: {why}; this allocation {how}, "
        "improved by exact local moves): ln W is within "
        f"{gap:.3g} of the maximum (Lagrangian dual bound)"
    )
    return _result(problem, t0, n, 1, message, ties=0, nodes=nodes, rounds=0, gap=gap)


def _any_multipliers(problem):
    """Finite multipliers x (one per class) and real counts to search around.

    The real optimum's where it is solved; the exact dual's with a pinned single-state
    level; the large-N limit's; else x = 0 and an even spread.
    """
    k = problem.classes
    caps = problem.caps.astype(np.float64)
    fallback = np.minimum(np.full(k, problem.n / k), caps)
    for form in ("exact", "stirling"):
        try:
            real = maximize_log_count(problem, form)
            x = _mode_x(problem, real)
        except (ValidationError, ArithmeticError, np.linalg.LinAlgError):
            x = None
        if x is not None and np.all(np.isfinite(x)) and np.all(np.isfinite(real.counts)):
            return x, np.asarray(real.counts, dtype=np.float64)
        if form == "exact":
            pinned = pinned_multipliers(problem)
            if pinned is not None:
                return pinned, fallback
    try:
        target = problem.limit_fractions * problem.n
    except (ValidationError, ArithmeticError):
        target = fallback
    return np.zeros(k), target


def _first_bound(stat, x, g, lg, r, caps):
    """Smallest positive cost of moving one class one step from its best integer."""
    best = math.inf
    for k in range(x.size):
        if not np.isfinite(x[k]):
            continue
        rk = int(r[k])
        if rk + 1 <= caps[k]:
            best = min(best, -increment(stat, rk + 1, x[k], g[k], lg[k]))
        if rk >= 1:
            best = min(best, increment(stat, rk, x[k], g[k], lg[k]))
    if not (best > 0 and math.isfinite(best)):
        best = 1e-12
    return max(best, 1e-12)


def _give_up(problem, t0, nodes, rounds, why, best_n=None):
    if best_n is not None and best_n[0] >= 0:
        message = f"best found, not certified ({why})"
        return _result(problem, t0, best_n, 1, message, ties=0, nodes=nodes, rounds=rounds)
    message = f"search abandoned ({why}); no allocation found"
    return _result(problem, t0, None, 2, message, ties=0, nodes=nodes, rounds=rounds)


def _result(problem, t0, n, status, message, *, ties, nodes, rounds, gap=None):
    """The mode's result: status 0 certified optimal, 1 best found, 2 nothing found."""
    if gap is None:
        gap = 0.0 if status == 0 else math.nan
    checked = None
    lnw = math.nan
    if n is not None:
        n = np.asarray(n, dtype=np.int64)
        lnw = log_count(problem, n)
        checked = check_integer(problem, n, log_count=lnw)
        if not checked.ok:
            # never an allocation that breaks a row, or a wrong ln W, called a mode
            status, gap = 2, math.nan
            message = f"{message}; but {checked.note}"
    return OptimizeResult(
        counts=n,
        x=n,
        fractions=None if n is None else n / problem.n,
        log_count=lnw,
        residuals=checked,
        certified=status == 0,
        gap=float(gap),
        ties=int(ties),
        nodes=int(nodes),
        rounds=int(rounds),
        success=status == 0,
        status=status,
        message=message,
        time=time.perf_counter() - t0,
    )
