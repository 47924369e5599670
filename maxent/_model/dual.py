"""Newton's method on the convex dual of the constrained log-count (any statistics).

The unknowns are the Lagrange multipliers theta (one per constraint row), whatever the
number of classes: each pass over the classes returns the counts, the dual value, its
gradient (the constraint violation) and its Hessian (see :mod:`maxent._kernels._optimize`).
A damped Newton iteration with an Armijo line search on the dual converges from the
count-only solution; points where the dual is infinite (a Bose level asked to hold
infinitely many items) are rejected by the line search.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from maxent._kernels._optimize import dual_pass


@dataclass
class DualSolution:
    """Counts and multipliers (in the scaled rows) found by :func:`solve_dual`."""

    counts: np.ndarray
    theta: np.ndarray
    nit: int
    nfev: int
    success: bool
    message: str


def solve_count(stat, exact, coef, rhs, lg, g, theta, counts, offset, tol=1e-10, maxiter=300):
    """Adjust theta[0] (the count multiplier) so that sum n = rhs[0], others fixed.

    Newton on log(sum n), nearly linear in theta[0] where counts are large, inside a
    bracket that expands geometrically while one side is open.
    """
    theta = np.array(theta, dtype=np.float64)
    target = rhs[0]
    lo, hi = -math.inf, math.inf
    width = 1.0
    nfev = 0
    converged = False
    for _ in range(maxiter):
        s_n, _, hess = dual_pass(stat, exact, coef, theta, offset, lg, g, counts)
        nfev += 1
        total, curv = s_n[0], hess[0, 0]
        if abs(total - target) <= tol * target:
            converged = True
            break
        if total > target:  # includes an infinite total: move towards fewer items
            lo = theta[0]
        else:
            hi = theta[0]
        a_new = math.nan
        if 0.0 < total < math.inf and curv > 0.0:
            a_new = theta[0] + math.log(total / target) * total / curv
        if not lo < a_new < hi:
            if math.isfinite(lo) and math.isfinite(hi):
                a_new = 0.5 * (lo + hi)
            else:
                a_new = theta[0] + (width if total > target else -width)
                width *= 2.0
        if a_new == theta[0]:
            converged = abs(total - target) <= 1e-12 * target
            break
        theta[0] = a_new
        if not np.all(np.isfinite(counts)):
            counts[:] = 0.0  # an infinite warm start helps nobody
    return theta, counts, nfev, converged


#: Largest Newton move of any occupied class's multiplier ``x_k`` (the line search
#: halves from there).
MAX_STEP = 1e4
#: Smallest scaled coefficient the cap on the multipliers' own moves allows for (a level
#: 1e-12 of its row's range from the row's end).
MIN_COEF = 1e-12


def _row_scales(abs_coef, counts, rhs):
    """What each row's residual is measured against: N for the count, else the row's sum.

    A row's sum ``sum_k |A_rk| n_k`` (at least its target, and at least one item's worth)
    is both the size of what its residual can resolve in float64 and the size of the
    target: near an end of the range (a few quanta above the face), a residual relative
    to N would call a count that is 3% off converged.
    """
    out = abs_coef @ np.where(np.isfinite(counts), counts, 0.0)
    # at least one item on the level nearest the row's centre: at a face the row's sum
    # and target are both 0, and the residual is then counted in items
    unit = np.where(abs_coef > 0, abs_coef, np.inf).min(axis=1)
    out = np.maximum(np.maximum(out, np.abs(rhs)), np.where(np.isfinite(unit), unit, 1.0))
    out[0] = max(rhs[0], 1.0)
    return out


def solve_dual(
    stat, exact, coef, rhs, lg, g, theta0, guess=None, offset=None, tol=1e-14, maxiter=200
):
    """Minimise the dual from ``theta0`` (after fixing the count row); see module doc."""
    k = coef.shape[1]
    counts = np.zeros(k) if guess is None else np.array(guess, dtype=np.float64)
    offset = np.zeros(0) if offset is None else np.asarray(offset, dtype=np.float64)
    theta, counts, nfev, _ = solve_count(stat, exact, coef, rhs, lg, g, theta0, counts, offset)
    trial = np.zeros(k)
    s_n, s_v, hess = dual_pass(stat, exact, coef, theta, offset, lg, g, counts)
    nfev += 1
    d_val = s_v + theta @ rhs
    abs_coef = np.abs(coef)
    scale = _row_scales(abs_coef, counts, rhs)
    message = "maximum number of iterations reached"
    success = False
    nit = 0
    history: list[float] = []
    for it in range(1, maxiter + 1):
        nit = it
        grad = rhs - s_n
        gnorm = float(np.max(np.abs(grad) / scale))
        if gnorm <= tol:
            success, message = True, "converged"
            break
        history.append(gnorm)
        # Sums over many classes carry rounding of ~1e-14 relative: once there the
        # residual wanders instead of shrinking, which is convergence too.
        if gnorm <= 1e-12 and len(history) >= 3 and gnorm > 0.5 * min(history[-3:-1]):
            success, message = True, "converged to rounding level"
            break
        # Jacobi-scaled: the count row's curvature is ~N, an energy row a few quanta above
        # its face ~1; a ridge relative to the trace (1e-13 N = 100 at N = 1e15) erased
        # it. Each row gets a ridge of 1e-13 of its own curvature. A row whose classes all
        # sit at a bound has none: its step is capped (the line search halves it).
        dvals = np.diag(hess)
        reg = hess + np.diag(np.maximum(1e-13 * np.abs(dvals), 1e-300))
        diag = np.sqrt(np.diag(reg))
        try:
            step = -np.linalg.solve(reg / np.outer(diag, diag), grad / diag) / diag
        except np.linalg.LinAlgError:
            step = -grad
        # The cap bounds the move of the occupied classes' multipliers x_k = (A^T theta)_k:
        # a level 1e-9 of the range above the face (energies 0, 1, 1e9) needs its scaled
        # beta moved by ~1e9 while its x moves by O(1). The multipliers themselves move at
        # most MAX_STEP / MIN_COEF (a row with no occupied class has no curvature).
        occupied = counts > 0
        moves = step @ coef[:, occupied]
        big = max(
            float(np.max(np.abs(moves), initial=0.0)),
            float(np.max(np.abs(step))) * MIN_COEF,
        )
        if not math.isfinite(big):
            big = math.inf
        if big > MAX_STEP:
            step = step * (MAX_STEP / big) if math.isfinite(big) else -grad
        if not np.all(np.isfinite(step)):
            step = -grad
        slope = float(grad @ step)
        t = 1.0
        accepted = False
        for _ in range(60):
            th_t = theta + t * step
            trial[:] = counts
            sn_t, sv_t, h_t = dual_pass(stat, exact, coef, th_t, offset, lg, g, trial)
            nfev += 1
            d_t = sv_t + th_t @ rhs
            g_t = float(np.max(np.abs(rhs - sn_t) / scale))
            if math.isfinite(d_t) and (
                d_t <= d_val + 1e-4 * t * slope + 1e-14 * abs(d_val) or g_t < 0.5 * gnorm
            ):
                accepted = True
                break
            t *= 0.5
        if not accepted:
            if gnorm <= 1e-11:
                success, message = True, "converged to rounding level"
            else:
                message = "line search failed"
            break
        theta, d_val, s_n, hess = th_t, d_t, sn_t, h_t
        counts, trial = trial, counts
        scale = _row_scales(abs_coef, counts, rhs)
    return DualSolution(counts, theta, nit, nfev, success, message)
