"""Allocation-level MCMC: Metropolis moves n -> n + t v on the constraint lattice.

A proposal picks a lattice vector v (A v = 0 for the integer constraint rows A) by a rule
that does not look at the state, an integer step t from a distribution symmetric in t and
whose scale depends only on v, and accepts n + t v with probability
min(1, W(n + t v) / W(n)) when it stays in 0 <= n <= cap. The pair (v, t) and (v, -t)
are equally likely, so the proposal is symmetric and no Hastings factor is needed.

Two kinds of v:

* pair moves: classes i, k, j uniform and l uniform among the classes at level
  m_i + m_k - m_j, v = e_j + e_l - e_i - e_k (rejected when an extra moment row is not
  conserved); with contiguous levels these are a Markov basis;
* circuits: d + 1 distinct uniform classes (d independent rows), v the primitive kernel
  vector of their columns (signed maximal minors divided by their gcd).

The cost of a proposal is a few ln Gamma differences, independent of N. Differences of
ln Gamma are computed locally (Stirling's series in the form of a difference), so they
stay accurate at counts of 1e18.
"""

import math

import numpy as np

from ._config import jit, jit_parallel, prange
from ._lattice import lattice_circuit
from ._random import below, next_u64, uniform
from ._sample import level_lookup

_T = 32.0  # below this argument ln Gamma is evaluated directly
_LG_T = math.lgamma(_T)


@jit
def _stirling_diff(a, t):
    """ln Gamma(a + t) - ln Gamma(a) for a, a + t >= 32 (Stirling series to z^-7)."""
    b = a + t
    main = (a - 0.5) * math.log1p(t / a) + t * math.log(b) - t
    ia, ib = 1.0 / a, 1.0 / b
    ia2, ib2 = ia * ia, ib * ib
    corr = (ib - ia) / 12.0
    corr -= (ib * ib2 - ia * ia2) / 360.0
    corr += (ib * ib2 * ib2 - ia * ia2 * ia2) / 1260.0
    corr -= (ib * ib2 * ib2 * ib2 - ia * ia2 * ia2 * ia2) / 1680.0
    return main + corr


@jit
def lgamma_diff(a, t):
    """ln Gamma(a + t) - ln Gamma(a) for a > 0, a + t > 0 (t integer valued).

    Accurate to a few ulps of the result's size even when a is 1e18: no large ln Gamma
    values are subtracted.
    """
    if t == 0.0:
        return 0.0
    sign = 1.0
    if t < 0.0:  # swap ends so that a is the smaller argument
        a = a + t
        t = -t
        sign = -1.0
    if a >= _T:
        return sign * _stirling_diff(a, t)
    if a + t <= _T:
        return sign * (math.lgamma(a + t) - math.lgamma(a))
    return sign * ((_LG_T - math.lgamma(a)) + _stirling_diff(_T, a + t - _T))


@jit
def log_weight_diff(stat, n, t, g, lg, holes):
    """h(n + t) - h(n) for one class: per-class log-weight of the statistics.

    ``stat``: 0 Boltzmann (h = n ln g - ln n!), 1 Bose-Einstein (ln Gamma(n + g) - ln n!),
    2 Fermi-Dirac (-ln n! - ln (g - n)!, with ``holes`` = g - n exactly).
    """
    tf = np.float64(t)
    up = lgamma_diff(np.float64(n) + 1.0, tf)
    if stat == 0:
        return tf * lg - up
    if stat == 1:
        return lgamma_diff(np.float64(n) + g, tf) - up
    return -up - lgamma_diff(np.float64(holes) + 1.0, -tf)


@jit
def below64(s, n):
    """Uniform integer in [0, n) for 0 < n < 2**62 (masked rejection, no bias)."""
    if n < 4294967296:
        return below(s, n)
    mask = np.uint64(1)
    while mask < np.uint64(n - 1):
        mask = (mask << np.uint64(1)) | np.uint64(1)
    while True:
        x = next_u64(s) & mask
        if x < np.uint64(n):
            return np.int64(x)


@jit
def _pair_move(
    levels, coef, classes_by_level, sorted_levels, level_start, level_count, idx, val, s
):
    """Draw a pair move into idx/val; returns its number of non-zero entries (0: none)."""
    d, k_count = coef.shape
    i = below(s, k_count)
    k = below(s, k_count)
    j = below(s, k_count)
    start, cnt = level_lookup(
        sorted_levels, level_start, level_count, levels[i] + levels[k] - levels[j]
    )
    if cnt == 0:
        return 0
    l_ = classes_by_level[start + (below(s, cnt) if cnt > 1 else 0)]
    for r in range(d):
        if coef[r, i] + coef[r, k] != coef[r, j] + coef[r, l_]:
            return 0
    idx[0] = i
    idx[1] = k
    idx[2] = j
    idx[3] = l_
    val[0] = -1
    val[1] = -1
    val[2] = 1
    val[3] = 1
    # merge repeated classes
    m = 0
    for a in range(4):
        merged = False
        for b in range(m):
            if idx[b] == idx[a]:
                val[b] += val[a]
                merged = True
                break
        if not merged:
            idx[m] = idx[a]
            val[m] = val[a]
            m += 1
    out = 0
    for a in range(m):
        if val[a] != 0:
            idx[out] = idx[a]
            val[out] = val[a]
            out += 1
    return out


@jit
def alloc_chain(
    counts,
    coef,
    caps,
    g_int,
    stat,
    g,
    lg,
    inv_var,
    scale,
    p_pair,
    levels,
    classes_by_level,
    sorted_levels,
    level_start,
    level_count,
    n_props,
    record_every,
    records,
    s,
):
    """Metropolis chain on allocations with pair and circuit moves and scaled steps.

    A move v is drawn (a pair move with probability ``p_pair``, else a circuit), its step
    scale is ``S = max(1, floor(scale / sqrt(sum_k v_k^2 inv_var_k)))`` (``inv_var`` holds
    1 / var n_k at the optimum, so ``S`` follows the spread of the counts along v), and
    t is uniform on {-S..-1, 1..S}. ``records[r]`` gets the counts after every
    ``record_every`` proposals. Returns the number of accepted moves.
    """
    d, k_count = coef.shape
    size = max(4, d + 1)
    idx = np.empty(size, dtype=np.int64)
    val = np.empty(size, dtype=np.int64)
    sub = np.empty((d, d), dtype=np.int64)
    accepted = 0
    rec = 0
    until = record_every
    for _ in range(n_props):
        if p_pair >= 1.0 or (p_pair > 0.0 and uniform(s) < p_pair):
            m = _pair_move(
                levels, coef, classes_by_level, sorted_levels, level_start, level_count, idx, val, s
            )
        else:
            m = lattice_circuit(coef, idx, val, sub, s)
        if m > 0:
            q = 0.0
            for a in range(m):
                q += val[a] * val[a] * inv_var[idx[a]]
            top = scale / math.sqrt(q)
            span = np.int64(top) if top < 4e18 else np.int64(4e18)
            t = 1 + below64(s, span) if span > 1 else 1
            if uniform(s) < 0.5:
                t = -t
            ok = True
            logr = 0.0
            for a in range(m):
                k = idx[a]
                new = counts[k] + t * val[a]
                if new < 0 or new > caps[k]:
                    ok = False
                    break
                dt = t * val[a]
                logr += log_weight_diff(stat, counts[k], dt, g[k], lg[k], g_int[k] - counts[k])
            if ok and (logr >= 0.0 or math.log(uniform(s)) < logr):
                for a in range(m):
                    counts[idx[a]] += t * val[a]
                accepted += 1
        until -= 1
        if until == 0:
            until = record_every
            if rec < records.shape[0]:
                for c in range(k_count):
                    records[rec, c] = counts[c]
                rec += 1
    return accepted


@jit_parallel
def run_alloc_chains(
    counts,
    coef,
    caps,
    g_int,
    stat,
    g,
    lg,
    inv_var,
    scale,
    p_pair,
    levels,
    classes_by_level,
    sorted_levels,
    level_start,
    level_count,
    n_props,
    record_every,
    records,
    states,
    accepted,
):
    """Independent :func:`alloc_chain` runs in parallel (private counts and states)."""
    for c in prange(counts.shape[0]):
        cnt = counts[c].copy()
        st = states[c].copy()
        accepted[c] = alloc_chain(
            cnt,
            coef,
            caps,
            g_int,
            stat,
            g,
            lg,
            inv_var,
            scale,
            p_pair,
            levels,
            classes_by_level,
            sorted_levels,
            level_start,
            level_count,
            n_props,
            record_every,
            records[c],
            st,
        )
        counts[c, :] = cnt
        states[c, :] = st
