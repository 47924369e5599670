"""The most probable integer allocation at large K: dual bound, repair, local search.

For multipliers theta (one per constraint row) every class k sees x_k = theta . A[:, k]
and the Lagrangian

    L(theta) = sum_k max_{0 <= n <= cap_k} [h_k(n) - x_k n] + theta . b

bounds ln W(n) from above for every n on the lattice (``A n = b``), where h_k is the
class log-weight of :mod:`maxent._model.statistics`. Each class's maximiser r_k is one integer
next to the real optimum, and for a lattice point ``L - ln W(n) = sum_k c_k(n_k)`` with
c_k(n) >= 0 the class's loss away from r_k: this is the proven gap of a candidate.

The candidate (the primal) starts at r, meets the count by adding or removing items
where the loss grows least, meets the energy by moving items between levels, and is
then improved by moves of one or two items that keep every constraint, each accepted on
its exact change of ln W; classes with equal columns (degenerate levels) are balanced
exactly. The multipliers are those of the exact real optimum, rounded to a binary grid
on which ``theta . A[:, k]`` is exact in floating point, so the identity above holds
without rounding in the x terms.

Certification: the optimum has total loss at most the gap, so every class lies in the
window where its own loss is at most the gap. When only a few classes have more than
one value there, the exact branch and bound of :mod:`maxent._kernels._mode` searches
those windows (the other classes are fixed at r_k); otherwise the candidate is returned
with its gap.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from maxent._kernels._config import compiled
from maxent._kernels._mode import best_integers, build_windows, search
from maxent._kernels._mode_dual import (
    count_repair,
    even_groups,
    level_repair,
    local_search,
    loss,
    responses,
    total_loss,
)
from maxent._kernels._mode_dual import responses as _responses
from maxent._model import statistics as S
from maxent._model.lattice import choose_determined
from maxent._util.errors import UnreachableError

__all__ = [
    "dual_mode",
    "exact_multipliers",
    "finish",
    "improve",
    "pinned_multipliers",
    "raise_empty",
]

# Branch and bound over the gap windows only when it is small.
CERTIFY_MAX_FREE = 400
CERTIFY_MAX_LOG_SIZE = math.inf
CERTIFY_MAX_NODES = 2_000_000
# Differences of ln W between neighbouring allocations are ~1/n: above this count they
# fall below the 1e-12 tolerance at which the branch and bound calls two costs equal.
RESOLVED_COUNT = 10**8
TIE_TOL = 1e-12
CAND = 48
ABANDON_ABOVE_N = 10**7
BISECT_MAX_K = 2000
CERTIFY_MAX_WINDOW = 2_000_000
SUBSET_MAX_WINDOW = 1_000_000
SUBSET_MAX_NODES = 1_000_000


def _hash_keys(coef: np.ndarray) -> np.ndarray:
    """A linear hash of each column's rows after the count (exact for one row)."""
    rows = coef[1:]
    if rows.shape[0] == 0:
        return np.zeros(coef.shape[1], dtype=np.int64)
    if rows.shape[0] == 1:
        return rows[0].astype(np.int64).copy()
    w = np.random.default_rng(12345).integers(1, 2**62, size=rows.shape[0], dtype=np.int64) | 1
    with np.errstate(over="ignore"):
        return (rows.astype(np.int64) * w[:, None]).sum(axis=0)


def exact_multipliers(coef: np.ndarray, x: np.ndarray) -> np.ndarray:
    """x_k = theta . A[:, k] with theta on a binary grid, so the products are exact.

    Classes with ``x_k == 0`` exactly (a pinned single-state Bose level) keep 0: the count
    row (row 0, all ones) absorbs the rounding there.
    """
    a = coef.astype(np.float64)
    theta = np.linalg.lstsq(a.T, x, rcond=None)[0]
    # (a floor keeps 2**shift finite when every multiplier is zero)
    span = max(float(np.sum(np.abs(theta) * np.abs(a).max(axis=1))), 2.0**-900)
    shift = 51 - math.ceil(math.log2(span))
    big = [round(t * 2.0**shift) for t in theta]
    zero = np.flatnonzero(x == 0.0)
    if zero.size and coef.shape[0] > 1 and np.all(coef[0] == 1):
        j = int(zero[0])
        big[0] = -sum(big[r] * int(coef[r, j]) for r in range(1, coef.shape[0]))
    xs = np.zeros(coef.shape[1], dtype=np.int64)
    for r, b in enumerate(big):
        xs += np.int64(b) * coef[r]
    return xs.astype(np.float64) * 2.0**-shift


def _groups(coef: np.ndarray, extra=None):
    """Classes with equal columns (and equal ``extra`` values): (order, starts)."""
    keys = [coef[r] for r in range(coef.shape[0])]
    if extra is not None:
        keys = [*keys, *extra]
    order = np.lexsort(keys[::-1])
    mat = np.vstack(keys)[:, order]
    change = np.any(mat[:, 1:] != mat[:, :-1], axis=0)
    starts = np.concatenate([[0], np.flatnonzero(change) + 1, [order.size]])
    return order.astype(np.int64), starts.astype(np.int64)


def symmetric_ties(coef, g, caps, n) -> int:
    """Allocations with the same ln W as n obtained by permuting identical classes."""
    order, starts = _groups(coef, [g, caps.astype(np.float64)])
    ties = 1
    for lo, hi in itertools.pairwise(starts):
        if hi - lo < 2:
            continue
        _, counts = np.unique(n[order[lo:hi]], return_counts=True)
        ways = math.factorial(int(hi - lo))
        for c in counts:
            ways //= math.factorial(int(c))
        ties *= ways
    return ties


def _feasible(coef, rhs, caps, n) -> bool:
    return bool(np.all(n >= 0) and np.all(n <= caps) and np.array_equal(coef @ n, rhs))


def _close(coef, rhs, caps, resp, rel=1e-12) -> bool:
    """Whether the responses miss every row by at most ~ one item per class."""
    n = np.minimum(resp, caps)
    if not np.all(np.isfinite(n)):
        return False
    slack = (coef.shape[1] + 10.0) * (np.abs(coef).max(axis=1) + 1.0)
    # plus float64 resolution: at N = 1e18 the real responses are known to ~1e-13 N items
    slack = slack + rel * np.abs(rhs.astype(np.float64))
    return bool(np.all(np.abs(coef @ n - rhs) <= slack))


@compiled()  # thousands of response calls: a Python run of each would not pay
def _bisect_multipliers(stat, coef, rhs, lg, g, caps, x):
    """(theta_0, theta_1) meeting the count and energy rows by nested bisection."""
    a = coef.astype(np.float64)
    th = np.linalg.lstsq(a.T, x, rcond=None)[0]
    lev = a[1]
    scale = 1e-3 * (abs(th[0]) + abs(th[1]) * float(lev.max())) + 1e-300

    def count_theta0(t1):
        def miss(t0):
            n = np.minimum(responses(stat, t0 + t1 * lev, lg, g), caps)
            return float(n.sum() - rhs[0]) if np.all(np.isfinite(n)) else math.inf

        lo = hi = th[0] - t1 * 0.0
        step = scale
        while miss(lo) <= 0:
            lo -= step
            step *= 2
            if step > 1e6:
                return None
        step = scale
        while miss(hi) > 0:
            hi += step
            step *= 2
            if step > 1e6:
                return None
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            if mid in (lo, hi):
                break
            if miss(mid) > 0:
                lo = mid
            else:
                hi = mid
        return hi

    def energy(t1):
        t0 = count_theta0(t1)
        if t0 is None:
            return None, math.nan
        n = np.minimum(responses(stat, t0 + t1 * lev, lg, g), caps)
        return t0, float(n @ lev - rhs[1])

    lo = hi = th[1]
    step = 1e-3 * abs(th[1]) + 1e-300
    for _ in range(200):
        if energy(lo)[1] >= 0 or step > 1e6:
            break
        lo -= step
        step *= 2
    step = 1e-3 * abs(th[1]) + 1e-300
    for _ in range(200):
        if energy(hi)[1] <= 0 or step > 1e6:
            break
        hi += step
        step *= 2
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        t0, miss = energy(mid)
        if t0 is None:
            return None
        if miss > 0:
            lo = mid
        else:
            hi = mid
    t0 = count_theta0(hi)
    if t0 is None:
        return None
    return exact_multipliers(coef, t0 + hi * lev)


@compiled()  # a bisection: hundreds of response calls
def pinned_multipliers(problem):
    """Exact dual multipliers when a single-state Bose level absorbs items at zero cost.

    A Bose level with g = 1 has a flat weight (w = 1 for any count): the dual needs
    ``x_k >= 0`` there, and where the energy cannot be met with such levels empty, the
    optimum pins ``x_j = 0`` at the lowest (or highest) level, whose classes then take
    whatever the others leave. With ``x_k = beta (m_k - m_j)`` one bisection on beta
    meets the energy; the pin holds when the pinned level's count is non-negative.
    Count and energy rows only; returns x (exactly 0 at the pinned level) or ``None``.
    """
    coef, rhs = problem.integer_rows()
    g = problem.degeneracies
    if problem.stat != S.BOSE or coef.shape[0] != 2 or not np.any(g == 1.0):
        return None
    stat, lg, caps = problem.stat, np.log(g), problem.caps.astype(np.int64)
    m = coef[1].astype(np.float64)
    n_items, total = float(rhs[0]), float(rhs[1])
    for m_j, sign in ((m.min(), 1.0), (m.max(), -1.0)):
        at = m == m_j
        if not np.all(g[at] == 1.0) or np.all(at):
            continue
        d = m - m_j  # the others' level offsets from the pin (one sign)

        def rest(beta, d=d, at=at):
            x = beta * d
            x[at] = 0.0
            # (a multiplier ~ 1e-300 overflows the response: as many items as fit)
            n = np.minimum(np.nan_to_num(responses(stat, x, lg, g), nan=np.inf), caps)
            n[at] = 0.0
            return x, n

        def miss(beta, d=d, rest=rest, sign=sign, m_j=m_j):
            # energy of the others beyond the pin, minus what the rows ask (signed so
            # that it falls as |beta| grows)
            return sign * (float(rest(beta)[1] @ d) - (total - n_items * m_j))

        lo, hi = 1e-300, 1.0
        while miss(sign * hi) > 0 and hi < 1e300:
            hi *= 16.0
        if not (miss(sign * lo) > 0 >= miss(sign * hi)):
            continue
        for _ in range(2000):
            mid = math.sqrt(lo * hi)
            if mid in (lo, hi):
                break
            if miss(sign * mid) > 0:
                lo = mid
            else:
                hi = mid
        x, n = rest(sign * hi)
        if n.sum() <= n_items and np.all(np.isfinite(n)):
            return x
    return None


def _face(problem):
    """U at an end of its range (no extra constraints): the face is fixed, O(K)."""
    from maxent._model.faces import boundary_energy, extreme_face

    stat, g, caps = problem.stat, problem.degeneracies, problem.caps.astype(np.int64)
    sign = float(problem.extreme)
    e = problem.energies
    e_b = boundary_energy(problem, sign)
    full = (e < e_b) if sign > 0 else (e > e_b)
    at = np.flatnonzero(e == e_b)
    n = np.where(full, caps, 0).astype(np.int64)
    left = problem.n - int(n.sum())
    try:
        with np.errstate(all="ignore"):
            real = extreme_face(problem, sign, "exact")[0][at]
    except (ValueError, ArithmeticError, np.linalg.LinAlgError):  # start proportionally
        real = np.full(at.size, np.nan)
    if not (np.all(np.isfinite(real)) and abs(float(real.sum()) - left) <= at.size + 1.0):
        # (the repairs below move single items: start within ~1 item per class). Bose
        # levels share the items in proportion to g - 1 at large counts; single-state
        # levels (g = 1) have flat weights and take none unless all are single-state
        share = g[at] - 1.0 if stat == S.BOSE and np.any(g[at] > 1.0) else g[at]
        real = left * share / share.sum()
    start = np.minimum(np.floor(np.maximum(real, 0.0)), caps[at]).astype(np.int64)
    lg = np.log(g)
    sub = start.copy()
    ok = count_repair(stat, np.zeros(at.size), g[at], lg[at], sub, caps[at], left)
    if not ok:
        return None
    grp = (np.arange(at.size, dtype=np.int64), np.array([0, at.size], dtype=np.int64))
    limit = 10 * at.size + 1000
    moves = even_groups(stat, g[at], lg[at], sub, caps[at], grp[0], grp[1], limit)
    n[at] = sub
    coef, rhs = problem.integer_rows()
    if not _feasible(coef, rhs, caps, n):
        return None
    if moves >= limit:
        return (
            n,
            1,
            "best found, not certified (balancing the boundary level hit its limit)",
            0,
            0,
            math.nan,
        )
    ties = symmetric_ties(coef, g, caps, n)
    where = "lowest" if sign > 0 else "highest"
    msg = f"optimal (certified: U at its {where} value fixes the face; exact balancing)"
    return n, 0, msg, ties, 0, 0.0


def _bnb(stat, x, g, lg, guess, caps, coef, rhs, budget, max_nodes, max_window):
    """Exact branch and bound over the windows of loss <= budget (the kernel of _mode)."""
    r, lo, hi, off, costs, _ = build_windows(stat, x, g, lg, guess, caps, budget, max_window)
    if costs.size == 0:
        return None
    width = (hi - lo + 1).astype(np.float64)
    rows, det_idx, adj, det = choose_determined(coef, width)
    free = np.setdiff1d(np.arange(x.size), det_idx)
    order = free[np.argsort(-width[free], kind="stable")]
    best, best_n, ties, nodes, done = search(
        order, det_idx, coef[rows], rhs[rows], adj, det, r, lo, hi, off, costs, budget, max_nodes
    )
    return best, best_n, ties, nodes, done


def _subset_fix(stat, x, g, lg, n, caps, coef, rhs, max_nodes, max_window):
    """Meet every row exactly by an exact search over the classes cheapest to move."""
    from maxent._kernels._mode_dual import down_cost, up_cost

    k = n.size
    cheap = np.array(
        [
            min(
                up_cost(stat, x[i], g[i], lg[i], n[i], caps[i]),
                down_cost(stat, x[i], g[i], lg[i], n[i]),
            )
            for i in range(k)
        ]
    )
    # every call below walks its windows item by item: keep them (and the nodes) small, or
    # at N ~ 1e15 the rounds of growing budgets cost seconds each and find nothing
    max_window = min(max_window, SUBSET_MAX_WINDOW)
    nodes_left = SUBSET_MAX_NODES
    for size in (12, 24, 48, 96):
        if size >= k:
            sub = np.arange(k)
        else:
            sub = np.sort(np.argsort(cheap, kind="stable")[:size])
        rest = np.ones(k, dtype=bool)
        rest[sub] = False
        target = rhs - coef[:, rest] @ n[rest]
        budget = 1e-9
        while budget < 1e6:
            out = _bnb(
                stat,
                x[sub],
                g[sub],
                lg[sub],
                n[sub],
                caps[sub],
                coef[:, sub],
                target,
                budget,
                min(max_nodes, nodes_left),
                max_window,
            )
            if out is None or not out[4]:
                break
            nodes_left -= out[3]
            if nodes_left <= 0:
                return False
            best_n = out[1]
            if best_n[0] >= 0 and np.array_equal(coef[:, sub] @ best_n, target):
                n[sub] = best_n
                return True
            budget *= 8.0
        if size >= k:
            break
    return False


def dual_mode(problem, x, counts, *, max_nodes: int, max_window: int):
    """Candidate, status, message, ties, nodes and gap; ``None`` to fall back.

    Status 0: certified optimal; 1: best found with its proven gap in ln W.
    """
    if problem.extreme and not problem.constraints:
        return _face(problem)
    if not np.all(np.isfinite(x)):
        return None
    stat = problem.stat
    g = problem.degeneracies
    lg = np.log(g)
    caps = problem.caps.astype(np.int64)
    coef, rhs = problem.integer_rows()
    xq = exact_multipliers(coef, x)
    pinned = (stat == S.BOSE) & (g == 1.0) & (xq == 0.0)

    def responses(stat, x, lg, g):
        # a pinned single-state level takes the items the others leave (its weight is flat)
        out = _responses(stat, x, lg, g)
        hit = pinned & (x == 0.0)
        if hit.any():
            others = np.minimum(out[~hit], caps[~hit]).sum()
            out[hit] = max(float(rhs[0]) - others, 0.0) / hit.sum()
        return out

    resp = responses(stat, xq, lg, g)
    # judged before the rounding of theta to its grid: at N ~ 1e15 one grid step moves the
    # responses of the fullest classes by thousands of items (repaired in bulk below)
    if not (_close(coef, rhs, caps, resp) or _close(coef, rhs, caps, responses(stat, x, lg, g))):
        # the real optimum did not converge: solve for (alpha, beta) by nested bisection
        if coef.shape[0] != 2 or x.size > BISECT_MAX_K:
            why = "the real optimum did not converge, so the multipliers are unusable"
            return _abandon(problem, why)
        xq = _bisect_multipliers(stat, coef, rhs, lg, g, caps, xq)
        if xq is None:
            return _abandon(problem, "no multipliers meet the count and energy")
        resp = responses(stat, xq, lg, g)
        # bisection ends at the float resolution of theta: at N ~ 1e15 that moves the
        # responses by thousands of items (the bulk correction below removes them)
        if not _close(coef, rhs, caps, resp, 1e-9):
            return _abandon(problem, "no multipliers meet the count and energy")
    # best integers, walked from the exact real responses (next to them); then a few
    # Newton steps on theta so that r itself nearly meets the rows (any theta is a bound)
    scale = np.maximum(np.abs(coef).max(axis=1), 1).astype(np.float64)
    last = math.inf
    prev = None
    for _ in range(4):
        guess = np.clip(np.floor(np.nan_to_num(resp, posinf=0.0)), 0, caps).astype(np.int64)
        r = best_integers(stat, xq, g, lg, guess, caps)
        miss = (coef @ r - rhs).astype(np.float64)
        size = float(np.max(np.abs(miss) / scale))
        if size >= last:
            # the best integers are a step function of theta: with nearly empty classes
            # (few items in many classes) the step can make them miss more; undo it
            xq, resp = prev
            break
        last = size
        if size <= 4.0:
            break
        with np.errstate(divide="ignore"):
            c = 1.0 / _curvature(stat, g, resp, caps)
        c[~np.isfinite(c)] = 0.0
        a = coef.astype(np.float64)
        hess = (a * c) @ a.T
        try:
            step = np.linalg.lstsq(hess, miss, rcond=None)[0]
        except np.linalg.LinAlgError:
            break
        x_new = exact_multipliers(coef, xq + step @ a)
        resp_new = responses(stat, x_new, lg, g)
        if not _close(coef, rhs, caps, resp_new):
            break
        prev = (xq, resp)
        xq, resp = x_new, resp_new
    guess = np.clip(np.floor(np.nan_to_num(resp, posinf=0.0)), 0, caps).astype(np.int64)
    r = best_integers(stat, xq, g, lg, guess, caps)
    n = _bulk_correction(stat, g, coef, rhs, caps, resp, r)
    if not count_repair(stat, xq, g, lg, n, caps, problem.n):
        return None
    levels = coef[1]
    if coef.shape[0] == 2 and levels.max() <= 5_000_000:
        # one move per unit of energy missed at most (at N = 1e15 the float responses miss
        # by millions of level units), and never fewer than before
        miss = abs(int(levels @ n) - int(rhs[1]))
        budget = max(4 * x.size + 10_000, 4 * miss)
        level_repair(stat, xq, g, lg, n, caps, levels, int(rhs[1]), CAND, budget, 128)
    if coef.shape[0] == 2 and not _feasible(coef, rhs, caps, n):
        _small_fix(n, caps, coef[1], int(rhs[1]))
    if not _feasible(coef, rhs, caps, n):
        if not _subset_fix(stat, xq, g, lg, n, caps, coef, rhs, 200_000, max_window):
            # (the exact search of the caller comes next, then a point from an integer
            # program with the same kind of bound: see maxent._optimize.mode)
            return None
    return finish(problem, xq, n, r, max_nodes=max_nodes, max_window=max_window)


def finish(problem, x, n, r=None, *, max_nodes: int, max_window: int, polish: bool = False):
    """Improve a lattice point by exact local moves, then bound its gap or certify it.

    ``x`` are multipliers on the grid of :func:`exact_multipliers` (any such x gives a
    valid bound); ``r`` the best integers at x (computed when omitted). With ``polish``,
    an uncertified point is then replaced by the best one an integer program finds
    inside its gap (:func:`_polish`), and bounded again. Returns what :func:`dual_mode`
    returns; ``n`` is changed in place.
    """
    stat, g = problem.stat, problem.degeneracies
    lg = np.log(g)
    caps = problem.caps.astype(np.int64)
    coef, rhs = problem.integer_rows()
    if r is None:
        r = best_integers(stat, x, g, lg, n, caps)
    out = None
    for attempt in range(2):
        improve(problem, x, n)
        if not _feasible(coef, rhs, caps, n):  # cannot happen: every move keeps the rows
            return out
        if polish:
            x, r = _tighten(stat, g, lg, caps, coef, x, n)
        gap = max(float(total_loss(stat, x, g, lg, r, n)), 0.0)
        out = _certify(problem, stat, x, g, lg, caps, coef, rhs, r, n, gap, max_nodes, max_window)
        if out[1] == 0 or not polish or attempt or not _polish(problem, x, n, r, gap):
            break
    return out


@compiled()  # hundreds of bound evaluations
def _tighten(stat, g, lg, caps, coef, x, n, evals=400):
    """Multipliers with a smaller dual bound for the lattice point n: (x, r).

    ``L(theta) - ln W(n)`` is convex and piecewise smooth in theta (R numbers, one per
    row); a pattern search along each row and along the subgradient ``b - A r`` lowers
    it. At small counts the real optimum's multipliers can leave a bound several units
    of ln W above the integer optimum; any theta keeps the bound valid.
    """
    a = coef.astype(np.float64)
    theta = np.linalg.lstsq(a.T, x, rcond=None)[0]
    rhs = coef @ n

    def value(th):
        xs = exact_multipliers(coef, th @ a)
        if not np.all(np.isfinite(xs)):
            return math.inf, xs, None
        r = best_integers(stat, xs, g, lg, n, caps)
        return float(total_loss(stat, xs, g, lg, r, n)), xs, r

    best, bx, br = value(theta)
    if not math.isfinite(best):
        return x, best_integers(stat, x, g, lg, n, caps)
    step = 0.5 / np.maximum(np.abs(a).max(axis=1), 1.0)
    used = 1
    while used < evals and np.any(step > 1e-9):
        moved = False
        sub = (rhs - coef @ br).astype(np.float64)
        dirs = [np.eye(a.shape[0])[i] * step[i] for i in range(a.shape[0])]
        norm = float(np.abs(sub).max())
        if norm > 0:
            dirs.append(-sub / norm * float(step.max()))
        for d in dirs:
            for sign in (1.0, -1.0):
                val, xs, r = value(theta + sign * d)
                used += 1
                if val < best - 1e-12:
                    best, bx, br, theta, moved = val, xs, r, theta + sign * d, True
                    break
            if moved:
                break
        if not moved:
            step = step / 4.0
    return bx, br


#: Largest number of unit steps (binary variables) of the polishing integer program.
POLISH_MAX_STEPS = 800
POLISH_MAX_NODES = 200
#: A safety net only: the node limit ends the program first (deterministic).
POLISH_TIME_LIMIT = 5.0


@compiled()  # a loss per value of every box
def _polish(problem, x, n, r, gap) -> bool:
    """Replace n (in place) by the best lattice point an integer program finds near it.

    The loss ``sum_k c_k(n_k)`` is convex in each class, so written as a sum of unit
    steps out of the lowest value of each box (binary, with increasing costs) a linear
    objective pays the loss exactly at integer counts. The box is the windows of loss at
    most ``gap`` (which hold every point at least as good as n) where their steps fit
    :data:`POLISH_MAX_STEPS`; else a box around n, moved to each better point found (a
    few rounds). HiGHS's answer is checked in exact integers and on its exact loss; n
    changes only when that is smaller. Returns whether it changed.
    """
    stat, g = problem.stat, problem.degeneracies
    lg = np.log(g)
    caps = problem.caps.astype(np.int64)
    coef, rhs = problem.integer_rows()
    budget = gap * (1.0 + 1e-9) + 1e-13
    _, lo, hi, _, costs, _ = build_windows(
        stat, x, g, lg, n, caps, budget, POLISH_MAX_STEPS + n.size
    )
    if costs.size:
        return _box_best(stat, x, g, lg, r, n, caps, coef, rhs, lo, hi)
    w = max(1, POLISH_MAX_STEPS // (2 * n.size))
    changed = False
    for _ in range(POLISH_ROUNDS):
        lo = np.maximum(n - w, 0)
        hi = np.minimum(n + w, caps)
        if not _box_best(stat, x, g, lg, r, n, caps, coef, rhs, lo, hi):
            break
        changed = True
    return changed


POLISH_ROUNDS = 2


def _box_best(stat, x, g, lg, r, n, caps, coef, rhs, lo, hi) -> bool:
    """The best lattice point in the box lo..hi by an integer program; into n if better."""
    from scipy.optimize import Bounds, LinearConstraint  # only when needed

    from maxent._util.solvers import milp

    cls = np.repeat(np.arange(n.size), hi - lo)  # the class of every unit step
    if cls.size == 0:
        return False
    value = lo[cls] + 1 + np.arange(cls.size) - np.repeat(np.cumsum(hi - lo) - (hi - lo), hi - lo)
    price = np.array(
        [
            loss(stat, x[k], g[k], lg[k], r[k], v) - loss(stat, x[k], g[k], lg[k], r[k], v - 1)
            for k, v in zip(cls.tolist(), value.tolist(), strict=True)
        ]
    )
    # integer counts m and real steps z, m_k = lo_k + sum of its steps: the steps'
    # costs increase, so the relaxation takes them in order and pays c_k(m_k) exactly
    k, s = n.size, cls.size
    link = np.zeros((k, k + s))
    link[:, :k] = np.eye(k)
    link[cls, k + np.arange(s)] = -1.0
    rows = np.hstack([coef.astype(np.float64), np.zeros((coef.shape[0], s))])
    res = milp(
        np.concatenate([np.zeros(k), price]),
        constraints=[
            LinearConstraint(rows, rhs.astype(np.float64), rhs.astype(np.float64)),
            LinearConstraint(link, lo.astype(np.float64), lo.astype(np.float64)),
        ],
        integrality=np.concatenate([np.ones(k), np.zeros(s)]),
        bounds=Bounds(
            np.concatenate([lo, np.zeros(s)]).astype(np.float64),
            np.concatenate([hi, np.ones(s)]).astype(np.float64),
        ),
        options={
            "node_limit": POLISH_MAX_NODES,
            "time_limit": POLISH_TIME_LIMIT,
            "mip_rel_gap": 1e-9,
        },
    )
    # (an answer cut off by the time limit would depend on the machine: not used)
    if res.x is None or "time" in str(res.message).lower():
        return False
    new = np.rint(res.x[:k]).astype(np.int64)
    if not _feasible(coef, rhs, caps, new):
        return False
    before = float(total_loss(stat, x, g, lg, r, n))
    after = float(total_loss(stat, x, g, lg, r, new))
    if not after < before - 1e-12 * max(1.0, abs(before)):
        return False
    n[:] = new
    return True


def raise_empty(problem) -> None:
    """Raise :class:`UnreachableError`: no integer allocation meets the constraints."""
    rows = problem.integer_rows()[0].shape[0]
    what = f"total energy {problem.total_energy:.12g}"
    if rows > 2:
        what += " and the extra constraints"
    raise UnreachableError(
        "mean_energy",
        f"no allocation of {problem.n} items meets the constraints ({what}): the integer "
        "lattice is empty",
    )


def _small_fix(n, caps, levels, target, max_top=2000) -> bool:
    """Meet the level sum with at most three count-preserving single-item moves, in place.

    The greedy level repair never overshoots, so it can stop one or two level units off
    where no single move has that size (levels 0, 1, 3 with level 1 empty: -1 is one item
    3 -> 1 and one 0 -> 1). Moves go from the fullest class of a level to the roomiest
    class of another; each combination is checked against the counts and caps.
    """
    rem = int(target) - int(levels @ n)
    top = int(levels.max())
    if rem == 0 or top > max_top or abs(rem) > 3 * top:
        return rem == 0
    src, dst = {}, {}
    for k in range(n.size):
        lv = int(levels[k])
        if n[k] > 0 and (lv not in src or n[k] > n[src[lv]]):
            src[lv] = k
        room = int(caps[k]) - int(n[k])
        if room > 0 and (lv not in dst or room > int(caps[dst[lv]]) - int(n[dst[lv]])):
            dst[lv] = k
    moves = {}
    for la, a in src.items():
        for lb, b in dst.items():
            if a != b and lb != la:
                moves.setdefault(lb - la, (a, b))

    def apply(seq) -> bool:
        trial = n.copy()
        for d in seq:
            a, b = moves[d]
            trial[a] -= 1
            trial[b] += 1
        if np.any(trial < 0) or np.any(trial > caps):
            return False
        n[:] = trial
        return True

    if rem in moves and apply([rem]):
        return True
    steps = list(moves)
    for d1 in steps:
        if rem - d1 in moves and apply([d1, rem - d1]):
            return True
    for d1 in steps:
        for d2 in steps:
            if rem - d1 - d2 in moves and apply([d1, d2, rem - d1 - d2]):
                return True
    return False


def _bulk_correction(stat, g, coef, rhs, caps, resp, r):
    """The best integers r moved towards the rows in bulk: delta = C A^T y, A C A^T y = b - A r.

    The multipliers sit on a binary grid (so that the dual identity is exact), and at
    N ~ 1e15 one grid step moves the energy by ~1e7 level units; the repairs below move one
    item at a time, so the bulk of the miss is removed here first, spread over the classes
    in proportion to their response 1 / -h'' (the least-loss direction to second order).
    """
    order = np.argsort(coef[1], kind="stable") if coef.shape[0] > 1 else np.arange(r.size)

    def rounded(real):
        # cumulative rounding in the order of the levels: every class moves to the floor or
        # ceiling of its real step, the count misses by at most one and the energy by at
        # most the largest level (independent rounding would miss it by ~ sqrt(K) levels,
        # and best integers r of many nearly empty classes by up to N levels)
        cum = np.rint(np.cumsum(real[order]))
        step = np.empty(r.size, dtype=np.int64)
        step[order] = np.diff(cum, prepend=0.0).astype(np.int64)
        return step

    def worse(new, old):
        return np.abs(rhs - coef @ new).sum() >= np.abs(rhs - coef @ old).sum()

    n = r.copy()
    with np.errstate(invalid="ignore"):
        real = np.minimum(resp, caps) - r
    if np.all(np.isfinite(real)):
        new = np.clip(r + rounded(real), 0, caps)
        if not worse(new, n):
            n = new
    a = coef.astype(np.float64)
    small = 4.0 * np.abs(a).max(axis=1) * (1.0 + 0.01 * n.size)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = 1.0 / _curvature(stat, g, resp, caps)
    c[~np.isfinite(c)] = 0.0
    c[(n <= 0) & (caps <= 0)] = 0.0
    for _ in range(3):
        miss = (rhs - coef @ n).astype(np.float64)
        if np.all(np.abs(miss) <= small):
            break
        hess = (a * c) @ a.T
        try:
            y = np.linalg.lstsq(hess, miss, rcond=None)[0]
        except np.linalg.LinAlgError:
            break
        real = c * (y @ a)
        if not np.all(np.isfinite(real)):
            break
        new = np.clip(n + rounded(real), 0, caps)
        if np.array_equal(new, n) or worse(new, n):
            break
        n = new
    return n


def improve(problem, x, n) -> None:
    """Exact local moves of one or two items that keep every row, in place (see kernels)."""
    stat, g = problem.stat, problem.degeneracies
    lg = np.log(g)
    caps = problem.caps.astype(np.int64)
    coef, _ = problem.integer_rows()
    hkeys = _hash_keys(coef)
    order, starts = _groups(coef)
    for _ in range(3):
        moved = local_search(stat, x, g, lg, n, caps, coef, hkeys, CAND, 2000, 16)
        moved += even_groups(stat, g, lg, n, caps, order, starts, 10 * n.size + 1000)
        if moved == 0:
            break


def _certify(problem, stat, x, g, lg, caps, coef, rhs, r, n, gap, max_nodes, max_window):
    if np.linalg.matrix_rank(coef.astype(np.float64)) == n.size:
        # as many independent rows as classes: n is the only point of the lattice
        return n, 0, "optimal (certified: the only allocation on the lattice)", 1, 0, 0.0
    budget = gap * (1.0 + 1e-9) + 1e-13
    if _window_estimate(stat, g, n, caps, budget) > CERTIFY_MAX_WINDOW:
        return n, 1, _uncertified(gap), 0, 0, gap
    r, lo, hi, _, costs, _ = build_windows(stat, x, g, lg, n, caps, budget, max_window)
    if costs.size == 0:
        return n, 1, _uncertified(gap), 0, 0, gap
    width = hi - lo + 1
    free = np.flatnonzero(width > 1)
    if free.size == 0:
        return n, 0, "optimal (certified: the dual bound is attained)", 1, 0, 0.0
    log_size = float(np.log(width[free].astype(np.float64)).sum())
    if free.size > CERTIFY_MAX_FREE or log_size > CERTIFY_MAX_LOG_SIZE:
        return n, 1, _uncertified(gap), 0, 0, gap
    fixed = np.ones(n.size, dtype=bool)
    fixed[free] = False
    target = rhs - coef[:, fixed] @ r[fixed]
    out = _bnb(
        stat,
        x[free],
        g[free],
        lg[free],
        n[free],
        caps[free],
        coef[:, free],
        target,
        budget,
        min(max_nodes, CERTIFY_MAX_NODES),
        max_window,
    )
    if out is None or not out[4] or out[1][0] < 0:
        nodes = 0 if out is None else out[3]
        return n, 1, _uncertified(gap), 0, nodes, gap
    _, best_n, ties, nodes, _ = out
    cand = r.copy()
    cand[free] = best_n
    if not _feasible(coef, rhs, caps, cand):
        return n, 1, _uncertified(gap), 0, nodes, gap
    if int(cand.max()) > RESOLVED_COUNT:
        # the search cannot tell apart differences of ln W below its tolerance here
        ties = symmetric_ties(coef, g, caps, cand)
        msg = (
            f"best to within {TIE_TOL:g} in ln W (certified by branch and bound inside the "
            "dual gap; smaller differences are below the floating-point resolution of "
            "these counts, so ties are those by symmetry only)"
        )
        return cand, 1, msg, ties, nodes, TIE_TOL
    return cand, 0, "optimal (certified by branch and bound inside the dual gap)", ties, nodes, 0.0


def _curvature(stat, g, n, caps):
    """-h''(n) of each class, to the leading order (for window sizes and Newton steps)."""
    m = np.minimum(np.nan_to_num(n, posinf=0.0), caps).astype(np.float64) + 1.0
    if stat == S.BOLTZMANN:
        return 1.0 / m
    if stat == S.BOSE:
        return (g - 1.0) / (m * (m + g - 1.0))
    return 1.0 / m + 1.0 / (g - m + 2.0)


def _window_estimate(stat, g, n, caps, budget) -> float:
    """Total length of the windows of loss <= budget, from each class's curvature."""
    curv = _curvature(stat, g, n, caps)
    with np.errstate(divide="ignore"):
        width = 2.0 * np.sqrt(2.0 * budget / curv) + 3.0
    return float(np.minimum(width, caps + 1.0).sum())


def _abandon(problem, why: str):
    """Fall back to the old search for moderate N, else give up quickly.

    Beyond ``ABANDON_ABOVE_N`` the old search would walk O(N) from unusable multipliers.
    """
    if problem.n <= ABANDON_ABOVE_N:
        return None
    return None, 2, f"search abandoned ({why}); no allocation found", 0, 0, math.nan


def _uncertified(gap: float) -> str:
    return (
        "best found, not certified: ln W is within "
        f"{gap:.3g} of the maximum (Lagrangian dual bound)"
    )
