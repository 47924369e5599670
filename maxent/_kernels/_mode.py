"""Kernels for the most probable integer allocation (branch and bound on the lattice).

With the real optimum's multipliers x_k = alpha + beta E_k (+ moment terms), the
log-weight of a lattice point is, up to a constant shared by every allocation on the
lattice, sum_k h_k(n_k) with h_k(n) = ln w_k(n) - x_k n concave in n. Each class has a
best integer r_k, and dt_k(n) = h_k(r_k) - h_k(n) >= 0 grows away from it; the mode
minimises sum_k dt_k(n_k) over the lattice. Costs are built by summing increments
outward from r_k, which keeps them accurate to ~1e-15 even when ln W itself is ~1e9.
"""

import math

import numpy as np

from ._config import jit
from ._lattice import solve_determined

BOLTZMANN = 0
BOSE = 1
FERMI = 2


@jit
def increment(stat, t, x, g, lg):
    """h(t) - h(t - 1) for t >= 1 (ln w(t) - ln w(t - 1) - x)."""
    if stat == BOLTZMANN:
        return lg - x - math.log(t)
    if stat == BOSE:  # log1p keeps the ratio accurate when t is large
        return math.log1p((g - 1.0) / t) - x
    return math.log1p((g - 2.0 * t + 1.0) / t) - x


@jit
def best_integer(stat, x, g, lg, guess, cap):
    """The maximiser of the concave h(n) on 0..cap, galloping out from ``guess``.

    Doubling steps then bisection on the (decreasing) increment: a guess far from the
    maximiser, or a flat class (a single-state Bose level, h linear in n) whose maximiser
    is an end of 0..cap ~ 1e15, costs O(log) increments, not one per item.
    """
    r = min(max(int(guess), 0), cap)
    if r < cap and increment(stat, r + 1, x, g, lg) > 0.0:
        good = r + 1  # increment(good) > 0: the maximiser is at least good
        step = 1
        bad = cap + 1
        while good < cap:
            t = min(good + step, cap)
            if increment(stat, t, x, g, lg) > 0.0:
                good = t
                step *= 2
            else:
                bad = t
                break
        while bad - good > 1:
            mid = good + (bad - good) // 2
            if increment(stat, mid, x, g, lg) > 0.0:
                good = mid
            else:
                bad = mid
        return good
    if r > 0 and increment(stat, r, x, g, lg) < 0.0:
        bad = r  # increment(bad) < 0: the maximiser is below bad
        step = 1
        good = 0
        while bad > 1:
            t = max(bad - step, 1)
            if increment(stat, t, x, g, lg) < 0.0:
                bad = t
                step *= 2
            else:
                good = t
                break
        while bad - good > 1:
            mid = good + (bad - good) // 2
            if increment(stat, mid, x, g, lg) < 0.0:
                bad = mid
            else:
                good = mid
        return bad - 1
    return r


@jit(cost=lambda stat, x, g, lg, guess, caps: 200 * x.size)  # galloping: O(log) steps
def best_integers(stat, x, g, lg, guess, caps):
    """The best integer r_k of every class (the windows of :func:`build_windows` at 0 cost,
    without walking the flat stretches a single-state Bose level has)."""
    r = np.empty(x.size, dtype=np.int64)
    for k in range(x.size):
        r[k] = best_integer(stat, x[k], g[k], lg[k], guess[k], caps[k])
    return r


def _windows_work(stat, x, g, lg, guess, caps, budget, max_total):
    """Predicted length of the windows (for the kernel's declared cost).

    Near its best integer r a class's loss grows like h**2 / (2 var) with var about r
    (Boltzmann, and Fermi below it) or r (1 + r / g) (Bose); beyond, faster than that
    (slower only for a Bose level whose variance is then larger still). So a window is
    at most about 2 (2 b + 1 + sqrt(2 b var)) values, b the budget; twice that is
    declared, and never more than the class's cap or ``max_total`` allows.
    """
    k = x.size
    if not budget > 0.0:
        return 80 * k
    if not math.isfinite(budget):
        return 60 * k + 20 * min(max_total, caps.sum(dtype=float))
    r = np.maximum(np.asarray(guess, dtype=float), 0.0) + 1.0
    var = r * (1.0 + r / g) if stat == BOSE else r
    half = 2.0 * budget + 1.0 + np.sqrt(2.0 * budget * var)
    width = np.minimum(4.0 * half + 1.0, caps + 1.0)
    return 60 * k + 20 * min(max_total, float(width.sum()))


@jit(cost=_windows_work)
def build_windows(stat, x, g, lg, guess, caps, budget_d, max_total):
    """Per class: best integer r, window [lo, hi] of values with cost <= budget_d, costs.

    Returns (r, lo, hi, offsets, costs, full) where costs[offsets[k] + v - lo[k]] is
    dt_k(v); full is True when every window spans [0, cap]. Returns an empty ``costs`` if
    the total window length would exceed ``max_total``.
    """
    k_count = x.size
    r = np.empty(k_count, dtype=np.int64)
    lo = np.empty(k_count, dtype=np.int64)
    hi = np.empty(k_count, dtype=np.int64)
    offsets = np.empty(k_count + 1, dtype=np.int64)
    full = True
    total = 0
    for k in range(k_count):
        cap = caps[k]
        rk = best_integer(stat, x[k], g[k], lg[k], guess[k], cap)
        r[k] = rk
        c = 0.0
        h = rk
        # (the total is checked inside the walks: a nearly flat class, such as a
        # single-state Bose level, would otherwise walk towards a cap ~ 1e15 item by item)
        while h < cap:
            c -= increment(stat, h + 1, x[k], g[k], lg[k])
            if c > budget_d:
                break
            h += 1
            if total + h - rk > max_total:
                return r, lo, hi, offsets, np.empty(0), False
        c = 0.0
        lw = rk
        while lw > 0:
            c += increment(stat, lw, x[k], g[k], lg[k])
            if c > budget_d:
                break
            lw -= 1
            if total + h - lw > max_total:
                return r, lo, hi, offsets, np.empty(0), False
        lo[k] = lw
        hi[k] = h
        if lw > 0 or h < cap:
            full = False
        offsets[k] = total
        total += h - lw + 1
        if total > max_total:
            return r, lo, hi, offsets, np.empty(0), full
    offsets[k_count] = total
    costs = np.empty(total)
    for k in range(k_count):
        base = offsets[k] - lo[k]
        costs[base + r[k]] = 0.0
        c = 0.0
        for v in range(r[k] + 1, hi[k] + 1):
            c -= increment(stat, v, x[k], g[k], lg[k])
            costs[base + v] = c
        c = 0.0
        for v in range(r[k], lo[k], -1):
            c += increment(stat, v, x[k], g[k], lg[k])
            costs[base + v - 1] = c
    return r, lo, hi, offsets, costs, full


def _search_work(order, det_idx, coef, rhs, adj, det, r, lo, hi, offsets, costs, bound, max_nodes):
    """At most one node per prefix of the free classes' windows, each O(d**2)."""
    d = coef.shape[0]
    nodes, prefix = 1.0, 1.0
    for w in (hi[order] - lo[order] + 1).tolist():
        prefix *= w
        nodes += prefix
        if nodes > max_nodes:
            break
    return (d + 1) ** 2 * min(nodes, max_nodes) + d * coef.shape[1]


@jit(cost=_search_work)
def search(order, det_idx, coef, rhs, adj, det, r, lo, hi, offsets, costs, bound, max_nodes):
    """Depth-first branch and bound over the classes in ``order``.

    The classes ``det_idx`` are solved from the d constraint rows ``coef`` (non-negative
    integers) and targets ``rhs`` at each leaf: n_D = adj (rhs - coef_rest n_rest) / det.
    Returns (best cost, best allocation, number of ties within 1e-12, nodes visited,
    completed).
    """
    d, k_count = coef.shape
    nfree = order.size
    best = bound
    best_n = np.full(k_count, -1, dtype=np.int64)
    ties = 0
    nodes = 0
    # Suffix bounds on what the classes after position j (and the solved ones) can absorb.
    suf_lo = np.zeros((nfree + 1, d), dtype=np.int64)
    suf_hi = np.zeros((nfree + 1, d), dtype=np.int64)
    for i in range(det_idx.size):
        p = det_idx[i]
        for row in range(d):
            suf_lo[nfree, row] += lo[p] * coef[row, p]
            suf_hi[nfree, row] += hi[p] * coef[row, p]
    for j in range(nfree - 1, -1, -1):
        k = order[j]
        for row in range(d):
            suf_lo[j, row] = suf_lo[j + 1, row] + lo[k] * coef[row, k]
            suf_hi[j, row] = suf_hi[j + 1, row] + hi[k] * coef[row, k]

    value = np.zeros(max(nfree, 1), dtype=np.int64)
    cost_before = np.zeros(nfree + 1)
    used = np.zeros((nfree + 1, d), dtype=np.int64)
    rem = np.empty(d, dtype=np.int64)
    nd = np.empty(d, dtype=np.int64)
    tie_tol = 1e-12
    leaf_only = nfree == 0
    j = 0
    if not leaf_only:
        value[0] = lo[order[0]] - 1
    while True:
        if leaf_only:
            c = 0.0
            for row in range(d):
                rem[row] = rhs[row]
        else:
            if j < 0:
                break
            k = order[j]
            v = value[j] + 1
            if v > hi[k]:
                j -= 1
                continue
            value[j] = v
            nodes += 1
            if nodes > max_nodes:
                return best, best_n, ties, nodes, False
            c = cost_before[j] + costs[offsets[k] + v - lo[k]]
            if c > best + tie_tol:
                if v >= r[k]:
                    value[j] = hi[k]  # costs only grow from here on
                continue
            # rows are non-negative: a larger v only uses more of every row
            stop = False
            skip = False
            for row in range(d):
                rem[row] = rhs[row] - used[j, row] - v * coef[row, k]
                if rem[row] < suf_lo[j + 1, row]:
                    if coef[row, k] > 0:
                        stop = True
                    skip = True
                elif rem[row] > suf_hi[j + 1, row]:
                    skip = True
            if stop:
                value[j] = hi[k]
                continue
            if skip:
                continue
            if j < nfree - 1:
                cost_before[j + 1] = c
                for row in range(d):
                    used[j + 1, row] = rhs[row] - rem[row]
                j += 1
                value[j] = lo[order[j]] - 1
                continue
        # Leaf: solve the determined classes from what is left of each row.
        ok = solve_determined(adj, det, rem, det_idx, lo, hi, nd)
        cost = c
        if ok:
            for i in range(d):
                p = det_idx[i]
                cost += costs[offsets[p] + nd[i] - lo[p]]
        if ok and cost <= best + tie_tol:
            if cost < best - tie_tol or best_n[0] < 0:
                best = cost
                ties = 1
                for i in range(nfree):
                    best_n[order[i]] = value[i]
                for i in range(d):
                    best_n[det_idx[i]] = nd[i]
            else:
                ties += 1
        if leaf_only:
            break
    return best, best_n, ties, nodes, True
