"""Exact draws by probabilistic divide and conquer over items (Boltzmann counting).

The allocation of N items is Multinomial(N, q) over the distinct energy levels,
conditioned on the level sum S = R. At each stage the m items left are split into
``a = m - b`` free items and ``b`` items: the free items' level counts are drawn from
Multinomial(a, q) and kept with probability ``P(S_b = r - S_A) / max_s P(S_b = s)``
(a tabulated ratio ``h``); on acceptance the stage recurses on ``(b, r - S_A)``. The last
item's level is then ``r`` itself. See docs/theory/exact-sampler.md for the proof.

Plain arrays in, no validation. Every chunk of ``chunk`` draws owns one random stream
(a row of ``states``), so the draws do not depend on the number of threads.
"""

import math

import numpy as np

from ._config import jit, jit_parallel, prange
from ._random import U53, binomial, binomial_table, step, uniform


@jit
def _alias_fill(s, a, alias_p, alias_i, lv, buf):
    """``a`` draws from a Walker alias table into ``buf[:a]``; returns their level sum.

    ``alias_i[2 j]`` is column j's alias and ``alias_i[2 j + 1] == j``: the coin indexes
    the pair, as a branch it would be mispredicted about as often as it lands on the
    alias (on a shared machine, some 10 ns each). One uniform per draw (as
    :func:`uniform`): the integer part of ``u * L`` picks the column (uniform up to a
    relative bias of L / 2**53) and the fraction, with about 53 - log2(L) bits, tosses
    the coin. The stream state is held in scalars for the loop.
    """
    n = alias_p.size
    s0, s1, s2, s3 = s[0], s[1], s[2], s[3]
    sa = 0
    for i in range(a):
        x, s0, s1, s2, s3 = step(s0, s1, s2, s3)
        y = (np.float64(x >> np.uint64(11)) + 0.5) * U53 * n
        j = min(np.int64(y), n - 1)
        j = alias_i[2 * j + np.int64(y - j < alias_p[j])]
        buf[i] = j
        sa += lv[j]
    s[0] = s0
    s[1] = s1
    s[2] = s2
    s[3] = s3
    return sa


@jit
def _level_of(lv, r):
    """Index of level value r in the sorted array lv, or -1."""
    lo = 0
    hi = lv.size
    while lo < hi:
        mid = (lo + hi) // 2
        if lv[mid] < r:
            lo = mid + 1
        else:
            hi = mid
    if lo < lv.size and lv[lo] == r:
        return lo
    return -1


@jit
def build_alias(q, keep, alias, small, large):
    """Walker/Vose alias table of the categorical law ``q`` (sums to about 1)."""
    n = q.size
    ns = 0
    nl = 0
    for i in range(n):
        keep[i] = q[i] * n
        alias[i] = i
        if keep[i] < 1.0:
            small[ns] = i
            ns += 1
        else:
            large[nl] = i
            nl += 1
    while ns > 0 and nl > 0:
        ns -= 1
        sm = small[ns]
        nl -= 1
        lg = large[nl]
        alias[sm] = lg
        keep[lg] -= 1.0 - keep[sm]
        if keep[lg] < 1.0:
            small[ns] = lg
            ns += 1
        else:
            large[nl] = lg
            nl += 1
    for i in range(nl):
        keep[large[i]] = 1.0
    for i in range(ns):
        keep[small[i]] = 1.0  # rounding leftovers: probability one of keeping itself


@jit
def pdc_one(
    s,
    lv,
    order,
    cond_p,
    lpq,
    l1q,
    logfact,
    alias_p,
    alias_i,
    ms,
    z0,
    zstep,
    centre,
    scale,
    delta,
    lmax,
    tab_lo,
    tab_off,
    tab_len,
    tab,
    alias_below,
    total,
    counts,
    scratch,
    buf,
    max_tries,
):
    """One exact draw of level counts into ``counts`` (zeroed); returns proposals or -1.

    ``ms[t]`` is the number of items before stage t (``ms[-1] == 1``); stage t keeps
    ``b = ms[t + 1]`` items. The residual's standard score ``(r - centre[t]) / scale[t]``
    picks tilt ``j`` on a grid (start ``z0``, step ``zstep``): the free items come from
    the law tilted by ``exp(delta[t, j] * level)`` (alias table ``alias_p/alias_i[t, j]``
    of :func:`_alias_fill` when ``a < alias_below``, else conditional binomials over the levels in
    ``order[t, j]`` with probabilities ``cond_p[t, j]``, constants ``lpq[t, j]``,
    ``l1q[t, j]`` and log-factorials ``logfact`` for :func:`binomial_table`), and the
    proposal is kept with ``tab[tab_off[t] + i] * exp(delta[t, j] * i - lmax[t, j])``
    with ``i = r - S_A - tab_lo[t]``, the tilted ratio ``P(S_b = r - S_A) / max P(S_b)``
    (0 outside the window).
    """
    n_lv = lv.size
    nz = delta.shape[1]
    r = total
    proposals = 0
    for t in range(ms.size - 1):
        m = ms[t]
        a = m - ms[t + 1]
        lo = tab_lo[t]
        off = tab_off[t]
        ln = tab_len[t]
        jz = math.floor(((r - centre[t]) / scale[t] - z0) / zstep + 0.5)
        jz = min(max(jz, 0), nz - 1)
        d = delta[t, jz]
        lm = lmax[t, jz]
        ord_ = order[t, jz]
        cp = cond_p[t, jz]
        lp = lpq[t, jz]
        l1 = l1q[t, jz]
        ap = alias_p[t, jz]
        ai = alias_i[t, jz]
        tries = 0
        while True:
            tries += 1
            if tries > max_tries:
                return -1
            sa = 0
            last = n_lv
            if a < alias_below:
                sa = _alias_fill(s, a, ap, ai, lv, buf)
            else:
                left = a
                for i in range(n_lv):
                    if left == 0:
                        last = i
                        break
                    if i == n_lv - 1:
                        c = left
                    else:
                        c = binomial_table(s, left, cp[i], lp[i], l1[i], logfact)
                    scratch[i] = c
                    left -= c
                    sa += c * lv[ord_[i]]
            res = r - sa
            idx = res - lo
            if 0 <= idx < ln:
                h = tab[off + idx]
                if h > 0.0:
                    h *= math.exp(d * idx - lm)
                    if uniform(s) < h:
                        r = res
                        if a < alias_below:
                            for i in range(a):
                                counts[buf[i]] += 1
                        else:
                            for i in range(last):
                                counts[ord_[i]] += scratch[i]
                        break
        proposals += tries
    j = _level_of(lv, r)
    if j < 0:
        return -1
    counts[j] += 1
    return proposals


@jit
def _split_level(s, cnt, start, stop, cls, cls_p, row):
    """Split ``cnt`` items of one level among its classes by conditional binomials."""
    left = cnt
    for i in range(start, stop):
        if left == 0:
            break
        c = left if i == stop - 1 else binomial(s, left, cls_p[i])
        row[cls[i]] += c
        left -= c


@jit_parallel
def pdc_draws(
    lv,
    order,
    cond_p,
    lpq,
    l1q,
    logfact,
    alias_p,
    alias_i,
    ms,
    z0,
    zstep,
    centre,
    scale,
    delta,
    lmax,
    tab_lo,
    tab_off,
    tab_len,
    tab,
    alias_below,
    total,
    lv_start,
    cls,
    cls_p,
    states,
    chunk,
    out,
    tries,
    max_tries,
):
    """Fill ``out`` (draws x K, zeroed) with exact draws; ``tries`` gets proposals per chunk.

    Level ``i`` holds classes ``cls[lv_start[i]:lv_start[i + 1]]``; ``cls_p`` are their
    conditional split probabilities. Returns -1 on success or the first chunk where a
    stage exceeded ``max_tries`` proposals.
    """
    n_draws = out.shape[0]
    n_lv = lv.size
    nchunk = (n_draws + chunk - 1) // chunk
    failed = np.full(nchunk, -1, dtype=np.int64)
    max_a = 1
    for t in range(ms.size - 1):
        max_a = max(max_a, min(ms[t] - ms[t + 1], alias_below))
    for ci in prange(nchunk):
        s = states[ci].copy()  # a private copy: neighbouring rows share cache lines
        counts = np.zeros(n_lv, dtype=np.int64)
        scratch = np.zeros(n_lv, dtype=np.int64)
        buf = np.zeros(max_a, dtype=np.int64)
        count = 0
        for j in range(ci * chunk, min(n_draws, (ci + 1) * chunk)):
            counts[:] = 0
            got = pdc_one(
                s,
                lv,
                order,
                cond_p,
                lpq,
                l1q,
                logfact,
                alias_p,
                alias_i,
                ms,
                z0,
                zstep,
                centre,
                scale,
                delta,
                lmax,
                tab_lo,
                tab_off,
                tab_len,
                tab,
                alias_below,
                total,
                counts,
                scratch,
                buf,
                max_tries,
            )
            if got < 0:
                failed[ci] = ci
                break
            count += got
            for i in range(n_lv):
                a, b = lv_start[i], lv_start[i + 1]
                if b - a == 1:
                    out[j, cls[a]] = counts[i]
                elif counts[i] > 0:
                    _split_level(s, counts[i], a, b, cls, cls_p, out[j])
        tries[ci] = count
        states[ci, :] = s
    for ci in range(nchunk):
        if failed[ci] >= 0:
            return failed[ci]
    return -1
