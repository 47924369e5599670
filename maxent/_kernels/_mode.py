"""Kernels for the most probable integer allocation (branch and bound on the lattice).

With the real optimum's multipliers, x_k = alpha + beta E_k, the log-weight of a lattice
point is, up to a constant that is the same for every allocation on the lattice,
sum_k h_k(n_k) with h_k(n) = w_k(n) - x_k n concave in n. Each class has a best integer
r_k, and dt_k(n) = h_k(r_k) - h_k(n) >= 0 grows away from it; the mode minimises
sum_k dt_k(n_k) over the lattice. Costs are built by summing increments outward from r_k,
which keeps them accurate to ~1e-15 even when ln W itself is ~1e9.
"""

import math

import numpy as np

from ._config import jit

BOLTZMANN = 0


@jit
def increment(stat, t, y):
    """h(t) - h(t - 1) for t >= 1, where y = log g - x (Boltzmann: y - log t)."""
    return y - math.log(t)


@jit
def best_integer(stat, y, guess, cap):
    r = min(max(int(guess), 0), cap)
    while r < cap and increment(stat, r + 1, y) > 0.0:
        r += 1
    while r > 0 and increment(stat, r, y) < 0.0:
        r -= 1
    return r


@jit
def build_windows(stat, y, guess, caps, budget_d, max_total):
    """Per class: best integer r, window [lo, hi] of values with cost <= budget_d, costs.

    Returns (r, lo, hi, offsets, costs, full) where costs[offsets[k] + v - lo[k]] is
    dt_k(v); full is True when every window spans [0, cap]. Returns an empty ``costs`` if
    the total window length would exceed ``max_total``.
    """
    k_count = y.size
    r = np.empty(k_count, dtype=np.int64)
    lo = np.empty(k_count, dtype=np.int64)
    hi = np.empty(k_count, dtype=np.int64)
    offsets = np.empty(k_count + 1, dtype=np.int64)
    full = True
    total = 0
    for k in range(k_count):
        cap = caps[k]
        rk = best_integer(stat, y[k], guess[k], cap)
        r[k] = rk
        c = 0.0
        h = rk
        while h < cap:
            c -= increment(stat, h + 1, y[k])
            if c > budget_d:
                break
            h += 1
        c = 0.0
        lw = rk
        while lw > 0:
            c += increment(stat, lw, y[k])
            if c > budget_d:
                break
            lw -= 1
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
            c -= increment(stat, v, y[k])
            costs[base + v] = c
        c = 0.0
        for v in range(r[k], lo[k], -1):
            c += increment(stat, v, y[k])
            costs[base + v - 1] = c
    return r, lo, hi, offsets, costs, full


@jit
def search(order, pair, levels, n_items, total, r, lo, hi, offsets, costs, bound, max_nodes):
    """Depth-first branch and bound over the classes in ``order``; ``pair`` is solved.

    ``pair`` holds one class (all levels equal: the count fixes it) or two classes with
    different levels (count and energy fix both). Returns (best cost, best allocation,
    number of ties within 1e-12, nodes visited, completed).
    """
    k_count = levels.size
    nfree = order.size
    best = bound
    best_n = np.full(k_count, -1, dtype=np.int64)
    ties = 0
    nodes = 0
    # Suffix bounds on what the classes after position j (and the pair) can absorb.
    suf_lo_c = np.zeros(nfree + 1, dtype=np.int64)
    suf_hi_c = np.zeros(nfree + 1, dtype=np.int64)
    suf_lo_e = np.zeros(nfree + 1, dtype=np.int64)
    suf_hi_e = np.zeros(nfree + 1, dtype=np.int64)
    for i in range(pair.size):
        p = pair[i]
        suf_lo_c[nfree] += lo[p]
        suf_hi_c[nfree] += hi[p]
        suf_lo_e[nfree] += lo[p] * levels[p]
        suf_hi_e[nfree] += hi[p] * levels[p]
    for j in range(nfree - 1, -1, -1):
        k = order[j]
        suf_lo_c[j] = suf_lo_c[j + 1] + lo[k]
        suf_hi_c[j] = suf_hi_c[j + 1] + hi[k]
        suf_lo_e[j] = suf_lo_e[j + 1] + lo[k] * levels[k]
        suf_hi_e[j] = suf_hi_e[j + 1] + hi[k] * levels[k]

    value = np.zeros(max(nfree, 1), dtype=np.int64)
    cost_before = np.zeros(nfree + 1)
    cnt_before = np.zeros(nfree + 1, dtype=np.int64)
    en_before = np.zeros(nfree + 1, dtype=np.int64)
    tie_tol = 1e-12

    if nfree == 0:
        j = -1
        leaf_only = True
    else:
        j = 0
        value[0] = lo[order[0]] - 1
        leaf_only = False

    while True:
        if leaf_only:
            c = 0.0
            cnt = 0
            en = 0
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
            cnt = cnt_before[j] + v
            en = en_before[j] + v * levels[k]
            rem_c = n_items - cnt
            rem_e = total - en
            if rem_c < suf_lo_c[j + 1]:
                value[j] = hi[k]
                continue
            if rem_c > suf_hi_c[j + 1]:
                continue
            if rem_e < suf_lo_e[j + 1]:
                if levels[k] > 0:
                    value[j] = hi[k]
                continue
            if rem_e > suf_hi_e[j + 1]:
                if levels[k] == 0:
                    value[j] = hi[k]
                continue
            if j < nfree - 1:
                j += 1
                cost_before[j] = c
                cnt_before[j] = cnt
                en_before[j] = en
                value[j] = lo[order[j]] - 1
                continue
        # Leaf: solve the pair from the remaining count and energy.
        rem_c = n_items - cnt
        rem_e = total - en
        if pair.size == 1:
            p = pair[0]
            np_ = rem_c
            ok = lo[p] <= np_ <= hi[p] and rem_e == np_ * levels[p]
            cost = c + costs[offsets[p] + np_ - lo[p]] if ok else np.inf
            q = p
            nq = np_
        else:
            p = pair[0]
            q = pair[1]
            den = levels[p] - levels[q]
            num = rem_e - levels[q] * rem_c
            ok = num % den == 0
            np_ = num // den
            nq = rem_c - np_
            ok = ok and lo[p] <= np_ <= hi[p] and lo[q] <= nq <= hi[q]
            cost = (
                c + costs[offsets[p] + np_ - lo[p]] + costs[offsets[q] + nq - lo[q]]
                if ok
                else np.inf
            )
        if cost <= best + tie_tol:
            if cost < best - tie_tol or best_n[0] < 0:
                best = cost
                ties = 1
                for i in range(nfree):
                    best_n[order[i]] = value[i]
                best_n[p] = np_
                best_n[q] = nq
            else:
                ties += 1
        if leaf_only:
            break
    return best, best_n, ties, nodes, True
