"""Kernels for the most probable allocation at large K: repair, local search, dual gap.

With multipliers x_k = theta . A[:, k] (exact in floating point, see maxent/_mode_dual.py)
each class has a concave h_k(n) - x_k n with best integer r_k; c_k(n) >= 0 is its loss
away from r_k, built by summing increments outward from r_k. On the constraint lattice
sum_k c_k(n_k) = L(theta) - ln W(n) with L the Lagrangian dual bound, so the sum of the
losses of any feasible n is a proven bound on how far ln W(n) is below the maximum.

Moves are accepted on the exact change of ln W, computed locally as a sum of log ratios
of nearby integers (log1p of their relative difference), never as a difference of two
totals.
"""

import math

import numpy as np

from ._config import jit
from ._mode import increment
from ._optimize import level_response
from ._special import lgamma_diff

BOLTZMANN = 0
BOSE = 1
FERMI = 2


@jit
def _log_weight_step(stat, g, lg, lo, d):
    """ln w(lo + d) - ln w(lo) for d >= 0, in closed form (log-gamma differences)."""
    if stat == BOLTZMANN:
        return d * lg - lgamma_diff(lo + 1.0, d)
    if stat == BOSE:
        return lgamma_diff(lo + g, d) - lgamma_diff(lo + 1.0, d)
    # Fermi: ln C(g, n); g - lo - d >= 0 on the allocation
    return lgamma_diff(g - lo - d + 1.0, d) - lgamma_diff(lo + 1.0, d)


# Beyond this many unit steps a loss is taken in closed form (the unit-step sum is exact
# to rounding but O(|v - r|): ~1e15 steps when r comes from poor multipliers).
LOSS_STEPS = 4096


@jit
def loss(stat, x, g, lg, r, v):
    """c(v): h(r) - h(v) with h(n) = ln w(n) - x n, summed over unit steps from r."""
    if abs(v - r) > LOSS_STEPS:
        lo = min(r, v)
        d = float(abs(v - r))
        step = _log_weight_step(stat, g, lg, float(lo), d) - x * d  # h(hi) - h(lo)
        return -step if v > r else step
    c = 0.0
    if v > r:
        for t in range(r + 1, v + 1):
            c -= increment(stat, t, x, g, lg)
    else:
        for t in range(r, v, -1):
            c += increment(stat, t, x, g, lg)
    return c


@jit(cost=lambda stat, x, *rest: 10 * x.size)
def total_loss(stat, x, g, lg, r, n):
    """Sum of the class losses of n (the dual gap when n is on the lattice)."""
    s = 0.0
    for k in range(n.size):
        s += loss(stat, x[k], g[k], lg[k], r[k], n[k])
    return s


@jit
def up_cost(stat, x, g, lg, n, cap):
    """Change of the loss when one item is added (inf at the cap)."""
    if n >= cap:
        return math.inf
    return -increment(stat, n + 1, x, g, lg)


@jit
def down_cost(stat, x, g, lg, n):
    """Change of the loss when one item is removed (inf when empty)."""
    if n <= 0:
        return math.inf
    return increment(stat, n, x, g, lg)


@jit
def delta_log_count(stat, g, lg, n, idx, dlt, m):
    """Exact ln W(n + delta) - ln W(n) for a move that keeps sum n (m entries).

    Each unit added or removed contributes one numerator and one denominator integer
    (Boltzmann: only one of them, plus ln g); numerators and denominators are sorted and
    paired, so the sum is of logs of ratios close to one.
    """
    size = 0
    for i in range(m):
        size += abs(dlt[i])
    p = np.empty(2 * size)
    q = np.empty(2 * size)
    np_ = 0
    nq = 0
    extra = 0.0
    for i in range(m):
        k = idx[i]
        d = dlt[i]
        t0 = float(n[k])
        gk = g[k]
        if d > 0:
            for s in range(d):
                t = t0 + s
                if stat == BOLTZMANN:
                    extra += lg[k]
                elif stat == BOSE:
                    p[np_] = t + gk
                    np_ += 1
                else:
                    p[np_] = gk - t
                    np_ += 1
                q[nq] = t + 1.0
                nq += 1
        else:
            for s in range(-d):
                t = t0 - s
                p[np_] = t
                np_ += 1
                if stat == BOLTZMANN:
                    extra -= lg[k]
                elif stat == BOSE:
                    q[nq] = t + gk - 1.0
                    nq += 1
                else:
                    q[nq] = gk - t + 1.0
                    nq += 1
    if np_ != nq:
        return math.nan
    ps = np.sort(p[:np_])
    qs = np.sort(q[:nq])
    acc = 0.0
    for i in range(np_):
        if ps[i] <= 0.0 or qs[i] <= 0.0:
            return -math.inf
        acc += math.log1p((ps[i] - qs[i]) / qs[i])
    return acc + extra


# -- a small binary heap of (key, index) -------------------------------------------------


@jit
def _heap_push(keys, vals, size, key, val):
    i = size
    keys[i] = key
    vals[i] = val
    while i > 0:
        parent = (i - 1) // 2
        if keys[parent] <= keys[i]:
            break
        keys[parent], keys[i] = keys[i], keys[parent]
        vals[parent], vals[i] = vals[i], vals[parent]
        i = parent
    return size + 1


@jit
def _heap_pop(keys, vals, size):
    key = keys[0]
    val = vals[0]
    size -= 1
    keys[0] = keys[size]
    vals[0] = vals[size]
    i = 0
    while True:
        left = 2 * i + 1
        if left >= size:
            break
        c = left
        if left + 1 < size and keys[left + 1] < keys[left]:
            c = left + 1
        if keys[i] <= keys[c]:
            break
        keys[c], keys[i] = keys[i], keys[c]
        vals[c], vals[i] = vals[i], vals[c]
        i = c
    return key, val, size


@jit(cost=lambda stat, x, g, lg, n, caps, target: 20 * (n.size + abs(target - n.sum(dtype=float))))
def count_repair(stat, x, g, lg, n, caps, target):
    """Add (remove) items one at a time where the loss grows least until sum n = target."""
    k_count = n.size
    left = target - n.sum()
    if left == 0:
        return True
    sign = 1 if left > 0 else -1
    keys = np.empty(k_count)
    vals = np.empty(k_count, dtype=np.int64)
    size = 0
    for k in range(k_count):
        c = (
            up_cost(stat, x[k], g[k], lg[k], n[k], caps[k])
            if sign > 0
            else down_cost(stat, x[k], g[k], lg[k], n[k])
        )
        if c < math.inf:
            size = _heap_push(keys, vals, size, c, k)
    for _ in range(abs(left)):
        if size == 0:
            return False
        _, k, size = _heap_pop(keys, vals, size)
        n[k] += sign
        c = (
            up_cost(stat, x[k], g[k], lg[k], n[k], caps[k])
            if sign > 0
            else down_cost(stat, x[k], g[k], lg[k], n[k])
        )
        if c < math.inf:
            size = _heap_push(keys, vals, size, c, k)
    return True


@jit
def _cheapest(costs, c_max, out):
    """Indices of the (up to) c_max smallest finite costs, written to out; returns count."""
    m = 0
    worst = -math.inf
    worst_at = -1
    for k in range(costs.size):
        v = costs[k]
        if not v < math.inf:
            continue
        if m < c_max:
            out[m] = k
            m += 1
            if v > worst:
                worst = v
                worst_at = m - 1
            if m == c_max:
                worst = -math.inf
                for i in range(m):
                    if costs[out[i]] > worst:
                        worst = costs[out[i]]
                        worst_at = i
        elif v < worst:
            out[worst_at] = k
            worst = -math.inf
            for i in range(m):
                if costs[out[i]] > worst:
                    worst = costs[out[i]]
                    worst_at = i
    return m


@jit
def _refresh_level(best, order, starts, costs, lev):
    b = -1
    bv = math.inf
    for i in range(starts[lev], starts[lev + 1]):
        k = order[i]
        if costs[k] < bv:
            bv = costs[k]
            b = k
    best[lev] = b


@jit(
    cost=lambda stat, x, g, lg, n, caps, levels, target, c_max, max_moves, max_step: (
        20 * n.size
        + min(max_moves, abs(target - n.astype(float) @ levels)) * (min(c_max, n.size) ** 2 + 20)
    )
)
def level_repair(stat, x, g, lg, n, caps, levels, target, c_max, max_moves, max_step):
    """Meet sum n m = target with count-preserving moves of one item between levels.

    Each move takes an item from a cheap-to-empty class to a class ``delta`` levels away
    (never past the target), choosing the least loss per level; a move is searched from
    the c_max cheapest classes on either side to the cheapest class of the matching
    level. Returns True when the target is met.
    """
    k_count = n.size
    top = 0
    for k in range(k_count):
        if levels[k] > top:
            top = levels[k]
    order = np.argsort(levels, kind="mergesort")
    starts = np.zeros(top + 2, dtype=np.int64)
    for k in range(k_count):
        starts[levels[k] + 1] += 1
    for lev in range(top + 1):
        starts[lev + 1] += starts[lev]
    up = np.empty(k_count)
    dn = np.empty(k_count)
    for k in range(k_count):
        up[k] = up_cost(stat, x[k], g[k], lg[k], n[k], caps[k])
        dn[k] = down_cost(stat, x[k], g[k], lg[k], n[k])
    best_up = np.empty(top + 1, dtype=np.int64)
    best_dn = np.empty(top + 1, dtype=np.int64)
    for lev in range(top + 1):
        _refresh_level(best_up, order, starts, up, lev)
        _refresh_level(best_dn, order, starts, dn, lev)
    cand_d = np.empty(c_max, dtype=np.int64)
    cand_u = np.empty(c_max, dtype=np.int64)
    rem = target
    for k in range(k_count):
        rem -= n[k] * levels[k]
    moves = 0
    nd = 0
    nu = 0
    while rem != 0:
        if moves >= max_moves:
            return False
        s = 1 if rem > 0 else -1
        reach = min(abs(rem), max_step)
        if moves % 8 == 0:  # refreshed now and then; costs of moved classes stay exact
            nd = _cheapest(dn, c_max, cand_d)
            nu = _cheapest(up, c_max, cand_u)
        best_score = math.inf
        ba = -1
        bb = -1
        bstep = 0
        # long moves between candidates on both sides (sparse or far levels) ...
        for i in range(nd):
            a = cand_d[i]
            for j in range(nu):
                b = cand_u[j]
                step = s * (levels[b] - levels[a])
                if b == a or step <= 0 or step > abs(rem):
                    continue
                c = dn[a] + up[b]
                score = c / step if c > 0 else c * step
                if score < best_score:
                    best_score, ba, bb, bstep = score, a, b, step
        # ... and short ones to the cheapest class of each nearby level (exact hits)
        for i in range(nd):
            a = cand_d[i]
            for step in range(1, reach + 1):
                lev = levels[a] + s * step
                if lev < 0 or lev > top:
                    break
                b = best_up[lev]
                if b < 0 or b == a:
                    continue
                c = dn[a] + up[b]
                score = c / step if c > 0 else c * step
                if score < best_score:
                    best_score, ba, bb, bstep = score, a, b, step
        for i in range(nu):
            b = cand_u[i]
            for step in range(1, reach + 1):
                lev = levels[b] - s * step
                if lev < 0 or lev > top:
                    break
                a = best_dn[lev]
                if a < 0 or a == b:
                    continue
                c = dn[a] + up[b]
                score = c / step if c > 0 else c * step
                if score < best_score:
                    best_score, ba, bb, bstep = score, a, b, step
        if ba < 0:
            return False
        n[ba] -= 1
        n[bb] += 1
        rem -= s * bstep
        moves += 1
        for k in (ba, bb):
            up[k] = up_cost(stat, x[k], g[k], lg[k], n[k], caps[k])
            dn[k] = down_cost(stat, x[k], g[k], lg[k], n[k])
            _refresh_level(best_up, order, starts, up, levels[k])
            _refresh_level(best_dn, order, starts, dn, levels[k])
    return True


@jit
def _combos(cand, m, costs, second, keys, c_key, c_cost, c_a, c_b):
    """Singles and unordered pairs (a pair may repeat a class) of candidate classes."""
    t = 0
    for i in range(m):
        a = cand[i]
        c_key[t] = keys[a]
        c_cost[t] = costs[a]
        c_a[t] = a
        c_b[t] = -1
        t += 1
    for i in range(m):
        a = cand[i]
        for j in range(i, m):
            b = cand[j]
            c_key[t] = keys[a] + keys[b]
            c_cost[t] = costs[a] + (second[a] if a == b else costs[b])
            c_a[t] = a
            c_b[t] = b
            t += 1
    return t


@jit(
    cost=lambda stat, x, g, lg, n, caps, cols, hkeys, c_max, max_iter, n_try: (
        max_iter * (min(c_max, n.size) ** 2 + n_try)
    )
)
def local_search(stat, x, g, lg, n, caps, cols, hkeys, c_max, max_iter, n_try):
    """Improve n by moves that keep every constraint: 1 item (or 2) out, 1 (or 2) in.

    The removed and added items must have equal column sums (compared through a linear
    hash, then exactly); candidates come from the c_max classes cheapest to empty and to
    fill. The move with the smallest estimated loss is applied when its exact change of
    ln W is positive. Returns the number of moves applied.
    """
    k_count = n.size
    d = cols.shape[0]
    up = np.empty(k_count)
    dn = np.empty(k_count)
    up2 = np.empty(k_count)
    dn2 = np.empty(k_count)
    for k in range(k_count):
        up[k] = up_cost(stat, x[k], g[k], lg[k], n[k], caps[k])
        dn[k] = down_cost(stat, x[k], g[k], lg[k], n[k])
        up2[k] = up_cost(stat, x[k], g[k], lg[k], n[k] + 1, caps[k])
        dn2[k] = down_cost(stat, x[k], g[k], lg[k], n[k] - 1) if n[k] > 0 else math.inf
    cand_d = np.empty(c_max, dtype=np.int64)
    cand_u = np.empty(c_max, dtype=np.int64)
    size = c_max + c_max * (c_max + 1) // 2
    rk = np.empty(size, dtype=np.int64)
    rc = np.empty(size)
    ra = np.empty(size, dtype=np.int64)
    rb = np.empty(size, dtype=np.int64)
    ak = np.empty(size, dtype=np.int64)
    ac = np.empty(size)
    aa = np.empty(size, dtype=np.int64)
    ab = np.empty(size, dtype=np.int64)
    idx = np.empty(4, dtype=np.int64)
    dlt = np.empty(4, dtype=np.int64)
    tried_cost = np.empty(n_try)
    tried_i = np.empty(n_try, dtype=np.int64)
    tried_j = np.empty(n_try, dtype=np.int64)
    applied = 0
    for _ in range(max_iter):
        nd = _cheapest(dn, c_max, cand_d)
        nu = _cheapest(up, c_max, cand_u)
        if nd == 0 or nu == 0:
            break
        tr = _combos(cand_d, nd, dn, dn2, hkeys, rk, rc, ra, rb)
        ta = _combos(cand_u, nu, up, up2, hkeys, ak, ac, aa, ab)
        o_r = np.argsort(rk[:tr], kind="mergesort")
        o_a = np.argsort(ak[:ta], kind="mergesort")
        # the n_try most negative estimated totals among matching keys
        m_try = 0
        i = 0
        j = 0
        while i < tr and j < ta:
            kr = rk[o_r[i]]
            ka = ak[o_a[j]]
            if kr < ka:
                i += 1
            elif kr > ka:
                j += 1
            else:
                i_end = i
                while i_end < tr and rk[o_r[i_end]] == kr:
                    i_end += 1
                j_end = j
                while j_end < ta and ak[o_a[j_end]] == ka:
                    j_end += 1
                for ii in range(i, i_end):
                    p = o_r[ii]
                    for jj in range(j, j_end):
                        qq = o_a[jj]
                        if (rb[p] < 0) != (ab[qq] < 0):
                            continue
                        tot = rc[p] + ac[qq]
                        if not tot < 0.0:
                            continue
                        if m_try < n_try:
                            tried_cost[m_try] = tot
                            tried_i[m_try] = p
                            tried_j[m_try] = qq
                            m_try += 1
                        else:
                            w = 0
                            for t in range(1, n_try):
                                if tried_cost[t] > tried_cost[w]:
                                    w = t
                            if tot < tried_cost[w]:
                                tried_cost[w] = tot
                                tried_i[w] = p
                                tried_j[w] = qq
                i = i_end
                j = j_end
        if m_try == 0:
            break
        order = np.argsort(tried_cost[:m_try])
        done = False
        for t in range(m_try):
            p = tried_i[order[t]]
            qq = tried_j[order[t]]
            m = 0
            for cls, sgn in ((ra[p], -1), (rb[p], -1), (aa[qq], 1), (ab[qq], 1)):
                if cls < 0:
                    continue
                found = False
                for s in range(m):
                    if idx[s] == cls:
                        dlt[s] += sgn
                        found = True
                if not found:
                    idx[m] = cls
                    dlt[m] = sgn
                    m += 1
            ok = True
            nonzero = False
            for s in range(m):
                v = n[idx[s]] + dlt[s]
                if v < 0 or v > caps[idx[s]]:
                    ok = False
                if dlt[s] != 0:
                    nonzero = True
            if not ok or not nonzero:
                continue
            for row in range(d):
                acc = 0
                for s in range(m):
                    acc += dlt[s] * cols[row, idx[s]]
                if acc != 0:
                    ok = False
            if not ok:
                continue
            if delta_log_count(stat, g, lg, n, idx, dlt, m) > 0.0:
                for s in range(m):
                    k = idx[s]
                    n[k] += dlt[s]
                    up[k] = up_cost(stat, x[k], g[k], lg[k], n[k], caps[k])
                    dn[k] = down_cost(stat, x[k], g[k], lg[k], n[k])
                    up2[k] = up_cost(stat, x[k], g[k], lg[k], n[k] + 1, caps[k])
                    dn2[k] = down_cost(stat, x[k], g[k], lg[k], n[k] - 1) if n[k] > 0 else math.inf
                applied += 1
                done = True
                break
        if not done:
            break
    return applied


@jit(cost=lambda stat, g, lg, n, caps, order, starts, max_moves: max_moves * (n.size + 10))
def even_groups(stat, g, lg, n, caps, order, starts, max_moves):
    """Within each group of classes with equal columns, move single items while ln W grows.

    For one group the count is the only constraint, so no improving single move means
    the group is optimal (its log-weight is a sum of concave functions).
    """
    idx = np.empty(2, dtype=np.int64)
    dlt = np.array([-1, 1], dtype=np.int64)
    moves = 0
    for gi in range(starts.size - 1):
        lo = starts[gi]
        hi = starts[gi + 1]
        if hi - lo < 2:
            continue
        while moves < max_moves:
            b = -1
            bv = -math.inf
            a = -1
            av = math.inf
            for i in range(lo, hi):
                k = order[i]
                if n[k] < caps[k]:
                    v = increment(stat, n[k] + 1, 0.0, g[k], lg[k])
                    if v > bv:
                        bv = v
                        b = k
                if n[k] > 0:
                    v = increment(stat, n[k], 0.0, g[k], lg[k])
                    if v < av:
                        av = v
                        a = k
            if a < 0 or b < 0 or a == b:
                break
            idx[0] = a
            idx[1] = b
            if not delta_log_count(stat, g, lg, n, idx, dlt, 2) > 0.0:
                break
            n[a] -= 1
            n[b] += 1
            moves += 1
    return moves


@jit(cost=lambda stat, x, lg, g: 600 * x.size)  # up to 60 Newton steps per class
def responses(stat, x, lg, g):
    """The real maximiser of the exact h_k(n) - x_k n for every class (inf if unbounded)."""
    out = np.empty(x.size)
    for k in range(x.size):
        big = stat == BOSE and 0.0 < x[k] and (g[k] - 1.0) / math.expm1(x[k]) > 1e5
        n = 0.0 if big else level_response(stat, True, x[k], lg[k], g[k], 0.0)[0]
        if big or (stat == BOSE and n > 1e5 and n < np.inf):
            # psi(n + g) - psi(n + 1) loses its digits to cancellation at large n: Newton
            # on its asymptotic form log1p((g-1)/(n+1)) + (g-1)/(2(n+1)(n+g)) instead
            gm = g[k] - 1.0
            n = max(gm / math.expm1(x[k]) - 0.5, 1e5)
            for _ in range(60):
                a = n + 1.0
                b = n + g[k]
                f = math.log1p(gm / a) + gm / (2.0 * a * b) - x[k]
                d = -gm / (a * b) - gm * (a + b) / (2.0 * a * a * b * b)
                step = -f / d
                n = max(n + step, 0.5 * n)
                if abs(step) <= 1e-15 * n:
                    break
        out[k] = n
    return out
