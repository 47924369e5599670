"""Sampling kernels: exact rejection on the lattice, pair-exchange MCMC, enumeration.

Exact draws. Under every statistics the allocation law is a product of independent
per-class counts f_k (Poisson for Boltzmann, negative binomial for Bose-Einstein,
binomial for Fermi-Dirac, all tilted by the multipliers) conditioned on the linear
constraints A n = b (count, energy, extra moments), and that conditional law does not
depend on the tilt. We draw the counts of all classes but a small determined set D
independently, solve A_D n_D = b - A_rest n_rest exactly in integers, and accept with
prod_{k in D} f_k(n_k) / max f_k. With the tilt that matches the constraints in mean, the
acceptance rate tends to a constant as N grows (a local central limit argument), so the
cost per draw is flat in N.
"""

import math

import numpy as np

from ._config import jit, jit_parallel_chunks, prange
from ._lattice import lattice_circuit, solve_determined
from ._random import below, binomial, gamma, poisson, two_below, uniform
from ._special import lgamma_shift

POISSON = 0
NEGBIN = 1
BINOMIAL = 2


@jit
def draw_count(s, fam, p1, p2):
    """One class count: Poisson(p1), NegBin(size p2, success prob p1) or Binomial(p2, p1)."""
    if fam == POISSON:
        return poisson(s, p1)
    if fam == NEGBIN:
        if p1 <= 0.0:
            return 0
        return poisson(s, gamma(s, p2) * p1 / (1.0 - p1))
    return binomial(s, np.int64(p2), p1)


@jit(cost=lambda fam, p1, p2, n, m: 40)  # called from Python by the exact plan
def log_ratio(fam, p1, p2, n, m):
    """log f(n) - log f(m) for one class's law f, taken term by term as differences.

    (log f itself is ~N ln N: at N = 1e15 the difference of two such values keeps an
    error of order one, and the acceptance test built on it drew from the wrong law.)
    """
    d = n - m  # exact for counts below 2**53 (and near each other beyond, by Sterbenz)
    if fam == POISSON:
        return d * math.log(p1) - lgamma_shift(m + 1.0, d)
    if fam == NEGBIN:
        return lgamma_shift(m + p2, d) - lgamma_shift(m + 1.0, d) + d * math.log(p1)
    return d * math.log(p1 / (1.0 - p1)) - lgamma_shift(m + 1.0, d) - lgamma_shift(p2 - m + 1.0, -d)


@jit(cost=lambda fam, p1, p2, n: 5)  # called from Python by the exact plan
def log_weight(fam, p1, p2, n):
    """log f(n) up to a constant that depends only on the class (plain: n < HUGE_MEAN)."""
    if fam == POISSON:
        return n * math.log(p1) - math.lgamma(n + 1.0)
    if fam == NEGBIN:
        return math.lgamma(n + p2) - math.lgamma(n + 1.0) + n * math.log(p1)
    return -math.lgamma(n + 1.0) - math.lgamma(p2 - n + 1.0) + n * math.log(p1 / (1.0 - p1))


@jit_parallel_chunks(lambda *args: args[14].shape[0])  # one chunk per random stream
def exact_rejection(
    fam,
    p1,
    p2,
    cap,
    rest,
    det_idx,
    coef,
    rhs,
    nonneg,
    adj,
    det,
    top,
    log_top,
    huge,
    states,
    chunk,
    out,
    tries,
    max_tries,
):
    """Fill ``out`` (draws x K, zeroed) with exact draws; ``tries`` gets proposals per chunk.

    ``coef`` (d x K) are the integer constraint rows and ``rhs`` their targets; ``adj``
    and ``det`` invert the d x d block of the determined classes ``det_idx``, and ``top``
    holds the count at which each determined class's weight peaks (``log_top`` its
    :func:`log_weight`); with ``huge`` (counts can pass HUGE_MEAN) the acceptance is
    taken by :func:`log_ratio` instead, without cancellation. Rows with
    ``nonneg`` set have non-negative coefficients, so a partial sum above the target
    rejects early. Returns -1 on success or the first chunk that exceeded ``max_tries``
    proposals for a single draw.
    """
    n_draws = out.shape[0]
    d = det_idx.size
    nchunk = (n_draws + chunk - 1) // chunk
    failed = np.full(nchunk, -1, dtype=np.int64)
    zero = np.zeros(cap.size, dtype=np.int64)  # lower bounds of the determined counts
    for ci in prange(nchunk):
        s = states[ci].copy()  # a private copy: neighbouring rows share cache lines
        r = np.empty(d, dtype=np.int64)
        nd = np.empty(d, dtype=np.int64)
        count = 0
        for j in range(ci * chunk, min(n_draws, (ci + 1) * chunk)):
            local = 0
            while True:
                count += 1
                local += 1
                if local > max_tries:
                    failed[ci] = ci
                    break
                for i in range(d):
                    r[i] = rhs[i]
                ok = True
                for idx in range(rest.size):
                    k = rest[idx]
                    v = draw_count(s, fam, p1[k], p2[k])
                    out[j, k] = v
                    for i in range(d):
                        r[i] -= coef[i, k] * v
                        if nonneg[i] and r[i] < 0:
                            ok = False
                    if not ok:
                        break
                if not ok:
                    continue
                if not solve_determined(adj, det, r, det_idx, zero, cap, nd):
                    continue
                logacc = 0.0
                for i in range(d):
                    k = det_idx[i]
                    if huge:  # counts past HUGE_MEAN: differences, no cancellation
                        logacc += log_ratio(fam, p1[k], p2[k], float(nd[i]), top[i])
                    else:
                        logacc += log_weight(fam, p1[k], p2[k], nd[i]) - log_top[i]
                if math.log(uniform(s)) <= logacc:
                    for i in range(d):
                        out[j, det_idx[i]] = nd[i]
                    break
            if failed[ci] >= 0:
                break
        tries[ci] = count
        states[ci, :] = s
    for ci in range(nchunk):
        if failed[ci] >= 0:
            return failed[ci]
    return -1


@jit
def level_lookup(sorted_levels, level_start, level_count, v):
    """Index range of the classes at integer level v (count 0 if none).

    With ``sorted_levels`` empty, ``level_start``/``level_count`` are dense tables indexed
    by the level itself (used when the top level is small); otherwise binary search.
    """
    if sorted_levels.size == 0:
        if v < 0 or v >= level_start.size:
            return 0, 0
        return level_start[v], level_count[v]
    lo = 0
    hi = sorted_levels.size
    while lo < hi:
        mid = (lo + hi) // 2
        if sorted_levels[mid] < v:
            lo = mid + 1
        else:
            hi = mid
    if lo < sorted_levels.size and sorted_levels[lo] == v:
        return level_start[lo], level_count[lo]
    return 0, 0


@jit
def _entropy(counts, n_items):
    h = 0.0
    for k in range(counts.size):
        c = counts[k]
        if c > 0:
            p = c / n_items
            h -= p * math.log(p)
    return h


@jit
def _tick(counts, records, entropy, n_items, rec, until, record_every):
    """Count one proposal down; at zero record the counts (and entropy) and start again.

    ``records[rec]`` gets the counts, ``entropy[rec]`` the entropy of n/N when
    ``entropy`` has room for it. Returns the new (rec, until).
    """
    until -= 1
    if until == 0:
        until = record_every
        if rec < records.shape[0]:
            for c in range(counts.size):
                records[rec, c] = counts[c]
            if rec < entropy.size:
                entropy[rec] = _entropy(counts, n_items)
            rec += 1
    return rec, until


@jit
def _take_item(labels, s, c):
    """Index of an item in class c: uniform random probes, then a scan from a random start.

    Which item moves does not matter for the counts, only that it is in class c.
    """
    n_items = labels.size
    for _ in range(64):
        a = below(s, n_items)
        if labels[a] == c:
            return a
    start = below(s, n_items)
    for off in range(n_items):
        a = (start + off) % n_items
        if labels[a] == c:
            return a
    return -1


@jit
def circuit_move(labels, counts, levels, s):
    """Metropolis move along the circuit of three classes with distinct levels.

    Classes i, j, k are drawn uniformly; v = (m_j - m_k, m_k - m_i, m_i - m_j) / gcd with
    a random sign keeps both constraints. The proposal is symmetric in count space and
    is accepted with probability min(1, W(n + v) / W(n)); the items that change class
    are then picked uniformly within their classes. Returns 1 if the move was made.
    """
    k_count = counts.size
    i = below(s, k_count)
    j = below(s, k_count)
    k = below(s, k_count)
    mi, mj, mk = levels[i], levels[j], levels[k]
    if mi == mj or mj == mk or mi == mk:
        return 0
    vi, vj, vk = mj - mk, mk - mi, mi - mj
    a, b = abs(vi), abs(vj)
    while b:
        a, b = b, a % b
    g = a
    b = abs(vk)
    while b:
        g, b = b, g % b
    sign = 1 if uniform(s) < 0.5 else -1
    vi = sign * vi // g
    vj = sign * vj // g
    vk = sign * vk // g
    ni, nj, nk = counts[i] + vi, counts[j] + vj, counts[k] + vk
    if ni < 0 or nj < 0 or nk < 0:
        return 0
    log_ratio = (
        math.lgamma(counts[i] + 1.0)
        - math.lgamma(ni + 1.0)
        + math.lgamma(counts[j] + 1.0)
        - math.lgamma(nj + 1.0)
        + math.lgamma(counts[k] + 1.0)
        - math.lgamma(nk + 1.0)
    )
    if log_ratio < 0.0 and math.log(uniform(s)) > log_ratio:
        return 0
    # Relabel: items leave the classes with negative entries for those with positive ones.
    src = np.array([i, j, k])
    dv = np.array([vi, vj, vk])
    for x in range(3):
        while dv[x] < 0:
            a_ = _take_item(labels, s, src[x])
            for y in range(3):
                if dv[y] > 0:
                    labels[a_] = src[y]
                    dv[y] -= 1
                    break
            dv[x] += 1
    counts[i] = ni
    counts[j] = nj
    counts[k] = nk
    return 1


@jit
def pair_exchange(
    labels,
    counts,
    levels,
    classes_by_level,
    sorted_levels,
    level_start,
    level_count,
    degenerate,
    p_circuit,
    n_props,
    record_every,
    records,
    entropy,
    s,
):
    """Energy-conserving pair exchanges of labelled items on an integer energy lattice.

    Two distinct items (classes i, k) are drawn uniformly; a class j is drawn uniformly
    and l uniformly among the classes at level m_i + m_k - m_j. With non-degenerate
    levels the proposal is symmetric in item space and always accepted; otherwise the
    Hastings factor is count(level of l) / count(level of k). With probability
    ``p_circuit`` a proposal is a :func:`circuit_move` instead (needed when the levels
    have gaps, where pair exchanges alone can leave allocations unconnected).
    ``records[r]`` gets the counts after every ``record_every`` proposals (and
    ``entropy[r]`` the entropy of n/N). Returns the number of accepted moves.
    """
    n_items = labels.size
    k_count = counts.size
    accepted = 0
    rec = 0
    until = record_every  # proposals left before the next record (no modulo in the loop)
    for _ in range(n_props):
        if p_circuit > 0.0 and uniform(s) < p_circuit:
            accepted += circuit_move(labels, counts, levels, s)
            rec, until = _tick(counts, records, entropy, n_items, rec, until, record_every)
            continue
        a, b = two_below(s, n_items)
        if a != b:
            i = labels[a]
            k = labels[b]
            total = levels[i] + levels[k]
            j = below(s, k_count)
            start, cnt = level_lookup(sorted_levels, level_start, level_count, total - levels[j])
            if cnt > 0:
                l_ = classes_by_level[start + (below(s, cnt) if cnt > 1 else 0)]
                ok = True
                if degenerate:
                    _, cnt_k = level_lookup(sorted_levels, level_start, level_count, levels[k])
                    if cnt < cnt_k and uniform(s) * cnt_k > cnt:
                        ok = False
                if ok and (j != i or l_ != k):
                    labels[a] = j
                    labels[b] = l_
                    counts[i] -= 1
                    counts[k] -= 1
                    counts[j] += 1
                    counts[l_] += 1
                    accepted += 1
        rec, until = _tick(counts, records, entropy, n_items, rec, until, record_every)
    return accepted


@jit
def shell_moves(
    labels, counts, energies, e_lo, e_hi, e_tot, n_props, record_every, records, entropy, s
):
    """Metropolis moves of labelled items inside the shell e_lo <= sum n E <= e_hi.

    Each proposal moves one item (probability 1/2) or two items to uniformly drawn
    classes; the proposal is symmetric in item space and the move is accepted exactly
    when the total energy stays in the shell. Returns (accepted, final total energy).
    """
    n_items = labels.size
    k_count = counts.size
    accepted = 0
    rec = 0
    until = record_every  # proposals left before the next record (no modulo in the loop)
    for _ in range(n_props):
        a = below(s, n_items)
        i = labels[a]
        j = below(s, k_count)
        if uniform(s) < 0.5:
            new_tot = e_tot + energies[j] - energies[i]
            if j != i and e_lo <= new_tot <= e_hi:
                labels[a] = j
                counts[i] -= 1
                counts[j] += 1
                e_tot = new_tot
                accepted += 1
        else:
            b = below(s, n_items)
            k = labels[b]
            l_ = below(s, k_count)
            if a != b:
                new_tot = e_tot + energies[j] + energies[l_] - energies[i] - energies[k]
                if e_lo <= new_tot <= e_hi and (j != i or l_ != k):
                    labels[a] = j
                    labels[b] = l_
                    counts[i] -= 1
                    counts[k] -= 1
                    counts[j] += 1
                    counts[l_] += 1
                    e_tot = new_tot
                    accepted += 1
        rec, until = _tick(counts, records, entropy, n_items, rec, until, record_every)
    return accepted, e_tot


@jit
def _log_w(stat, n, g, lg):
    if stat == 0:
        return n * lg - math.lgamma(n + 1.0)
    if stat == 1:
        return math.lgamma(n + g) - math.lgamma(n + 1.0)
    return -math.lgamma(n + 1.0) - math.lgamma(g - n + 1.0)


@jit
def circuit_chain(counts, coef, caps, stat, g, lg, n_props, record_every, records, s):
    """Count-space Metropolis moves along circuits of the integer constraint matrix.

    Each proposal draws d + 1 distinct classes (d constraint rows); the signed maximal
    minors of their columns give the kernel vector v (divided by its gcd), which keeps
    every constraint; a random sign makes the proposal symmetric, and the move is accepted
    with probability min(1, W(n + v) / W(n)) under the problem's statistics. Returns the
    number of accepted moves.
    """
    d = coef.shape[0]
    picks = np.empty(d + 1, dtype=np.int64)
    sub = np.empty((d, d), dtype=np.int64)
    v = np.empty(d + 1, dtype=np.int64)
    no_entropy = np.empty(0)  # circuit chains record counts only
    accepted = 0
    rec = 0
    until = record_every
    for _ in range(n_props):
        size = lattice_circuit(coef, picks, v, sub, s)
        if size > 0:
            sign = 1 if uniform(s) < 0.5 else -1
            ok = True
            logr = 0.0
            for j in range(size):
                k = picks[j]
                new = counts[k] + sign * v[j]
                if new < 0 or new > caps[k]:
                    ok = False
                    break
                logr += _log_w(stat, new, g[k], lg[k]) - _log_w(stat, counts[k], g[k], lg[k])
            if ok and (logr >= 0.0 or math.log(uniform(s)) < logr):
                for j in range(size):
                    counts[picks[j]] += sign * v[j]
                accepted += 1
        rec, until = _tick(counts, records, no_entropy, 1, rec, until, record_every)
    return accepted


@jit_parallel_chunks(lambda counts, *rest: counts.shape[0])  # one chunk per chain
def run_circuit_chains(
    counts, coef, caps, stat, g, lg, n_props, record_every, records, states, accepted
):
    """Independent :func:`circuit_chain` runs in parallel (private counts and states)."""
    for c in prange(counts.shape[0]):
        cnt = counts[c].copy()
        st = states[c].copy()
        accepted[c] = circuit_chain(
            cnt, coef, caps, stat, g, lg, n_props, record_every, records[c], st
        )
        counts[c, :] = cnt
        states[c, :] = st


@jit_parallel_chunks(lambda kind, labels, *rest: labels.shape[0])  # one chunk per chain
def run_chains(
    kind,
    labels,
    counts,
    levels,
    energies,
    classes_by_level,
    sorted_levels,
    level_start,
    level_count,
    degenerate,
    p_circuit,
    e_lo,
    e_hi,
    e_tot,
    n_props,
    record_every,
    records,
    entropy,
    states,
    accepted,
):
    """Run independent chains (rows of ``labels``/``counts``/``records``) in parallel.

    Each chain works on private copies of its counts and random state (rows of small
    arrays share cache lines between threads) and writes them back at the end.
    """
    for c in prange(labels.shape[0]):
        cnt = counts[c].copy()
        s = states[c].copy()
        if kind == 0:
            accepted[c] = pair_exchange(
                labels[c],
                cnt,
                levels,
                classes_by_level,
                sorted_levels,
                level_start,
                level_count,
                degenerate,
                p_circuit,
                n_props,
                record_every,
                records[c],
                entropy[c],
                s,
            )
        else:
            acc, tot = shell_moves(
                labels[c],
                cnt,
                energies,
                e_lo,
                e_hi,
                e_tot[c],
                n_props,
                record_every,
                records[c],
                entropy[c],
                s,
            )
            accepted[c] = acc
            e_tot[c] = tot
        counts[c, :] = cnt
        states[c, :] = s


@jit
def enumerate_lattice(coef, rhs, cap, max_points, out):
    """Write every n with coef n = rhs and 0 <= n <= cap into ``out``.

    ``coef`` has a first row of ones (the count) and non-negative integer rows after it.
    Depth-first over classes with suffix bounds on what the remaining classes can absorb.
    Returns the number of points, or -1 if there are more than ``max_points`` (then
    ``out`` holds the first ones).
    """
    d, k_count = coef.shape
    big = np.iinfo(np.int64).max
    suf_max = np.zeros((k_count + 1, d), dtype=np.int64)
    suf_min = np.full((k_count + 1, d), big)
    suf_cap = np.zeros(k_count + 1, dtype=np.int64)
    for k in range(k_count - 1, -1, -1):
        for row in range(d):
            suf_max[k, row] = max(suf_max[k + 1, row], coef[row, k])
            suf_min[k, row] = min(suf_min[k + 1, row], coef[row, k])
        suf_cap[k] = min(suf_cap[k + 1] + cap[k], rhs[0])
    cur = np.zeros(k_count, dtype=np.int64)
    rem = np.zeros((k_count + 1, d), dtype=np.int64)
    for row in range(d):
        rem[0, row] = rhs[row]
    found = 0
    k = 0
    cur[0] = -1
    while k >= 0:
        cur[k] += 1
        if k == k_count - 1 and cur[k] < rem[k, 0]:
            # the count row fixes the last class: stepping it up one by one cost O(N) per
            # prefix (minutes for two equal levels and N = 1e5, where no row prunes)
            cur[k] = rem[k, 0]
        v = cur[k]
        over = v > cap[k]
        for row in range(d):
            if v * coef[row, k] > rem[k, row]:
                over = True
        if over:
            cur[k] = -1
            k -= 1
            continue
        if k == k_count - 1:
            ok = True
            for row in range(d):
                if rem[k, row] - v * coef[row, k] != 0:
                    ok = False
            if ok:
                if found < max_points:
                    out[found, :] = cur
                found += 1
                if found > max_points:
                    return -1
            continue
        c_left = rem[k, 0] - v
        if c_left > suf_cap[k + 1]:
            continue
        ok = True
        for row in range(1, d):
            left = rem[k, row] - v * coef[row, k]
            if left < c_left * suf_min[k + 1, row] or left > c_left * suf_max[k + 1, row]:
                ok = False
        if not ok:
            continue
        for row in range(d):
            rem[k + 1, row] = rem[k, row] - v * coef[row, k]
        k += 1
        cur[k] = -1
    return found
