"""Energy lattices: a common quantum, integer levels and reachable totals.

When every energy is ``E_k = E_0 + q m_k`` with integer ``m_k >= 0`` (``E_0 = min E``),
allocations live on the integer lattice ``sum n_k = N``, ``sum n_k m_k = M`` and the total
energy is ``U = N E_0 + q M``. ``M`` is *reachable* when some allocation of ``N`` items
attains it; gaps occur only near the ends of ``[0, N max m]``.
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction

import numpy as np

from maxent._kernels._lattice import min_coins_table
from maxent._util.errors import ValidationError

__all__ = [
    "compositions_at_most",
    "detect_quantum",
    "face_allocation",
    "is_reachable",
    "lattice_levels",
    "lattice_point",
    "log_compositions",
    "nearest_reachable",
    "reachable_neighbours",
]

#: Largest level index m_k accepted for a lattice (finer quanta are treated as absent).
MAX_LEVEL = 2**53
_MAX_DENOMINATOR = 10**5
_REL_TOL = 1e-13


def detect_quantum(energies: np.ndarray) -> float | None:
    """Largest ``q`` such that every ``E_k - min E`` is an integer multiple of ``q``.

    Ratios of the gaps to the smallest gap are rationalised with denominators up to 1e5
    and a relative tolerance of 1e-13: typed decimals such as 0.1, 0.2, 0.3 (and float
    rounding of them) are recognised, generic irrationals such as pi are not.
    Returns ``None`` when the energies are all equal, have no such quantum, or would need
    level indices above :data:`MAX_LEVEL`.
    """
    e = np.unique(np.asarray(energies, dtype=np.float64))
    gaps = e[1:] - e[0]
    if gaps.size == 0:
        return None
    if np.all(e == np.rint(e)) and float(np.abs(e).max()) <= 2.0**53:
        # integer energies: the quantum is the gcd of the gaps, exactly (a tolerance
        # would take 0, 49999999999999, 5e13 for a lattice of quantum 49999999999999)
        ints = [int(v) for v in (e[1:] - e[0]).tolist()]
        g = functools.reduce(math.gcd, ints)
        return None if max(ints) // g > MAX_LEVEL else float(g)
    dmin = float(gaps[0])
    # Gaps carry the rounding of the energies themselves (offsets such as 1e6 + 0.1).
    noise = 4.0 * np.finfo(float).eps * float(np.abs(e).max()) / dmin
    lcm_den = 1
    fracs = []
    for ratio in gaps / dmin:
        f = Fraction(float(ratio)).limit_denominator(_MAX_DENOMINATOR)
        if abs(float(f) - ratio) > _REL_TOL * ratio + noise * (1.0 + ratio):
            return None
        fracs.append(f)
        lcm_den = math.lcm(lcm_den, f.denominator)
        if lcm_den > MAX_LEVEL:
            return None
    ints = [f.numerator * (lcm_den // f.denominator) for f in fracs]
    g = functools.reduce(math.gcd, ints)
    if max(ints) // g > MAX_LEVEL:
        return None
    return dmin * g / lcm_den


def lattice_levels(energies: np.ndarray, quantum: float) -> np.ndarray:
    """Integer levels ``m_k = (E_k - min E) / quantum``, checked to be integers.

    Raises
    ------
    ValidationError
        If some gap is not an integer multiple of ``quantum`` (relative tolerance 1e-13)
        or the levels exceed :data:`MAX_LEVEL`.
    """
    if not (quantum > 0 and math.isfinite(quantum)):
        raise ValidationError("energy_quantum", f"must be a positive real number (got {quantum})")
    e = np.asarray(energies, dtype=np.float64)
    x = (e - e.min()) / quantum
    m = np.rint(x)
    noise = 4.0 * np.finfo(float).eps * float(np.abs(e).max()) / quantum
    bad = np.abs(x - m) > _REL_TOL * np.maximum(1.0, x) + noise
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValidationError(
            "energy_quantum",
            f"energy {e[i]:.12g} is not min(E) + an integer multiple of {quantum:.12g}",
        )
    if m.max() > MAX_LEVEL:
        raise ValidationError(
            "energy_quantum", f"too fine: levels up to {m.max():.3g} exceed {MAX_LEVEL}"
        )
    return m.astype(np.int64)


# The table of minimum coin counts costs O(max(m)^2 * distinct levels); above this budget
# reachability is left to the integer search (see maxent._optimize.mode).
_DP_BUDGET = 60_000_000


@functools.lru_cache(maxsize=64)
def _coin_table(levels: tuple[int, ...]):
    top = levels[-1]
    coins = np.array([v for v in levels if 0 < v < top], dtype=np.int64)
    size = (top - 1) ** 2 + 1
    if size * max(1, coins.size) > _DP_BUDGET:
        return None
    return min_coins_table(coins, size)


def is_reachable(levels: np.ndarray, n: int, total: int) -> bool | None:
    """Whether ``n`` items on integer ``levels`` (min 0) can have level sum ``total``.

    Exact: in a fewest-item representation of ``total`` by the positive levels, fewer than
    ``max(m)`` items sit below the top level (any ``max(m)`` of them contain a subset whose
    sum is a multiple of ``max(m)``, replaceable by fewer top items), so a table over
    residues below ``(max m - 1)^2`` decides every ``total``. ``total`` is reachable iff its
    fewest-item representation needs at most ``n`` items (the rest sit at level 0).
    Returns ``None`` when the table would be too large to build quickly.
    """
    uniq = tuple(int(v) for v in np.unique(levels))
    top = uniq[-1]
    if total < 0 or total > n * top:
        return False
    if top == 0:
        return total == 0
    table = _coin_table(uniq)
    if table is None:
        return None
    best = math.inf
    r = total % top
    limit = min(total, table.size - 1)
    while r <= limit:
        c = table[r]
        if c >= 0:
            best = min(best, int(c) + (total - r) // top)
        r += top
    return best <= n


def nearest_reachable(levels: np.ndarray, n: int, target: float) -> int:
    """Reachable integer level sum nearest to the real ``target`` (ties go down).

    When reachability cannot be decided quickly the rounded target is returned; the
    integer search decides later (and reports an empty lattice clearly).
    """
    top = int(np.max(levels))
    lo_bound, hi_bound = 0, n * top
    t = min(max(target, lo_bound), hi_bound)
    base = math.floor(t)
    # candidates by distance from t, generated lazily (a top level of 5e13 quanta once
    # built a list of 1e14 of them): merge base, base - 1, ... with base + 1, base + 2, ...
    down, up = base, base + 1
    while down >= lo_bound or up <= hi_bound:
        if up > hi_bound or (down >= lo_bound and t - down <= up - t):  # ties go down
            c, down = down, down - 1
        else:
            c, up = up, up + 1
        ok = is_reachable(levels, n, c)
        if ok is None:
            return min(max(round(t), lo_bound), hi_bound)
        if ok:
            return c
    return lo_bound


def reachable_neighbours(levels: np.ndarray, n: int, total: int) -> tuple[int | None, int | None]:
    """Nearest reachable level sums below and above an unreachable ``total``."""
    top = n * int(np.max(levels))
    below = next((c for c in range(total - 1, -1, -1) if is_reachable(levels, n, c)), None)
    above = next((c for c in range(total + 1, top + 1) if is_reachable(levels, n, c)), None)
    return below, above


def int_adjugate(mat) -> tuple[np.ndarray, int]:
    """Adjugate and determinant of a small integer matrix, exactly (Python integers)."""
    m = [[int(v) for v in row] for row in np.asarray(mat)]
    d = len(m)

    def det(a):
        if len(a) == 1:
            return a[0][0]
        return sum(
            (-1) ** j * a[0][j] * det([row[:j] + row[j + 1 :] for row in a[1:]])
            for j in range(len(a))
        )

    if d == 1:
        return np.array([[1]], dtype=np.int64), m[0][0]
    cof = [
        [
            (-1) ** (i + j) * det([r[:j] + r[j + 1 :] for ii, r in enumerate(m) if ii != i])
            for j in range(d)
        ]
        for i in range(d)
    ]
    return np.array([[cof[j][i] for j in range(d)] for i in range(d)], dtype=np.int64), det(m)


def choose_determined(coef: np.ndarray, score: np.ndarray, candidates=None):
    """Classes solved exactly from the constraints, and the rows that fix them.

    Picks independent rows of ``coef`` (over the candidate classes) and, in order of
    decreasing ``score``, classes whose columns raise the rank until it is full. Returns
    (rows, det_idx, adj, det) with ``det > 0`` so that ``n_D = adj r / det`` for the row
    residuals ``r``.
    """
    cols = np.arange(coef.shape[1]) if candidates is None else np.asarray(candidates)
    a = coef[:, cols].astype(np.float64)
    rank = int(np.linalg.matrix_rank(a))
    rows: list[int] = []
    for r in range(coef.shape[0]):
        if np.linalg.matrix_rank(a[[*rows, r]]) > len(rows):
            rows.append(r)
    order = cols[np.argsort(-np.asarray(score)[cols], kind="stable")]
    det_idx: list[int] = []
    for k in order:
        trial = [*det_idx, int(k)]
        if np.linalg.matrix_rank(coef[np.ix_(rows, trial)].astype(np.float64)) > len(det_idx):
            det_idx = trial
            if len(det_idx) == rank:
                break
    adj, det = int_adjugate(coef[np.ix_(rows, det_idx)])
    if det < 0:
        adj, det = -adj, -det
    return np.array(rows, dtype=np.int64), np.array(det_idx, dtype=np.int64), adj, int(det)


def log_compositions(n_items: int, classes: int) -> float:
    """Ln of the number of allocations of ``n_items`` items to ``classes`` classes.

    ``ln C(N + K - 1, K - 1)``, an upper bound on the size of any constraint lattice;
    computed with log-gamma so it never overflows (callers compare it with ``ln`` of a
    limit).
    """
    # ln Gamma(big + small + 1) - ln Gamma(big + 1) - ln Gamma(small + 1), with the first
    # difference taken without cancellation (three lgamma's of ~4e19 at N = 1e18 left
    # nothing but rounding, and called that lattice small enough to enumerate)
    from maxent._model.statistics import LGAMMA_DIFF, gamma_diff

    small, big = sorted((int(n_items), int(classes) - 1))
    return float(gamma_diff(LGAMMA_DIFF, big + 1.0, float(small))) - math.lgamma(small + 1.0)


def compositions_at_most(n_items: int, classes: int, limit: float) -> bool:
    """Whether at most ``limit`` allocations exist (decided in log space, no overflow)."""
    if limit < 1:
        return False
    # a small relative margin so that an exact count equal to the limit is accepted
    return log_compositions(n_items, classes) <= math.log(limit) + 1e-12


#: Largest table (level sum x distinct coin values) built to construct a face allocation.
_FACE_DP_BUDGET = 50_000_000


def face_allocation(levels: np.ndarray, n: int, total: int, caps=None):
    """An allocation of ``n`` items with level sum ``total``, built from a face.

    With ``caps`` (one per class) below ``n`` the construction of :func:`_capped_face`
    applies; it decides exactly while the missing level sum is small (near a face, where
    the real optimum gives no usable start) and returns ``None`` beyond its table budget.

    From the nearer end (every item at level 0, or at the top level) the missing level sum
    ``D`` is paid with the fewest items moved, by a table over ``0..D`` of the fewest coins
    (coins: the distinct level differences to that end). Exact: the lattice is empty iff
    ``D`` needs more than ``n`` coins or none reach it. Returns the counts (int64), ``False``
    when the lattice is proven empty, or ``None`` when ``D`` is too large for the table.
    """
    levels = np.asarray(levels, dtype=np.int64)
    if caps is not None and np.any(np.asarray(caps) < n):
        return _capped_face(levels, n, total, np.asarray(caps, dtype=np.int64))
    top = int(levels.max())
    if total < 0 or total > n * top:
        return False
    low_side = total <= n * top - total
    deficit = total if low_side else n * top - total
    base_level = 0 if low_side else top
    diffs = levels if low_side else top - levels
    coins = np.unique(diffs[diffs > 0])
    counts = np.zeros(levels.size, dtype=np.int64)
    base = int(np.flatnonzero(levels == base_level)[0])
    if deficit == 0:
        counts[base] = n
        return counts
    if coins.size == 0:
        return None
    cmax = int(coins[-1])
    # a table past cmax^2 (+ a margin) is never needed (see below): the backtrack walks
    # the table one coin at a time, so a larger one would only cost time
    limit = min(_FACE_DP_BUDGET // coins.size - 1, cmax * cmax + 2 * cmax)
    bulk = 0
    if deficit > limit:
        # pay all but at most ``limit`` with the largest coin; a fewest-coin payment uses
        # fewer than cmax other coins (any cmax of them hold a subset summing to a multiple
        # of cmax), so the table below stays exact when limit >= cmax^2
        if limit < cmax:
            return None
        bulk = -(-(deficit - limit) // cmax)
    rest = deficit - bulk * cmax
    table = min_coins_table(coins, rest + 1)
    if table[rest] < 0 or table[rest] + bulk > n:
        return False if bulk == 0 or limit >= cmax * cmax else None
    where = {int(d): int(np.flatnonzero(diffs == d)[0]) for d in coins}
    counts[where[cmax]] += bulk
    r = rest
    while r > 0:
        for c in coins:
            c = int(c)
            if c <= r and table[r - c] >= 0 and table[r - c] == table[r] - 1:
                counts[where[c]] += 1
                r -= c
                break
    counts[base] += n - int(counts.sum())
    return counts


#: Largest (level-sum x net-count x bundles) table of the capped face construction.
_CAPPED_DP_BUDGET = 20_000_000


def _capped_face(levels: np.ndarray, n: int, total: int, caps: np.ndarray):
    """:func:`face_allocation` with per-class caps (for example Fermi: at most g_k).

    Per distinct level with capacity ``C`` (the caps summed), the lowest face fills levels
    from the bottom: full below a boundary level b, ``F_b`` items there, empty above. Every
    allocation of the same count differs from it by ``d_i <= C_i`` items taken from levels
    below b and ``u_j <= C_j`` put on levels above, the boundary absorbing the difference
    (``0 <= F_b + sum d - sum u <= C_b``); the level sum grows by
    ``D = sum d_i (m_b - m_i) + sum u_j (m_j - m_b)``. A table over (D, sum u - sum d),
    with bounded multiplicities split into powers of two, decides exactly whether the
    missing ``D`` can be paid (the far end is the same problem on mirrored levels).
    """
    top = int(levels.max())
    cap_total = int(caps.sum(dtype=object))
    if n > cap_total:
        return False
    uniq = np.unique(levels)
    cap_level = [int(caps[levels == v].sum(dtype=object)) for v in uniq]

    def face(order):
        fill = [0] * uniq.size
        left = n
        for i in order:
            fill[i] = min(left, cap_level[i])
            left -= fill[i]
        return fill

    low = face(range(uniq.size))
    high = face(range(uniq.size - 1, -1, -1))
    m_min = sum(int(uniq[i]) * low[i] for i in range(uniq.size))
    m_max = sum(int(uniq[i]) * high[i] for i in range(uniq.size))
    if total < m_min or total > m_max:
        return False
    low_side = total - m_min <= m_max - total
    if low_side:
        lev, fill, deficit = [int(v) for v in uniq], low, total - m_min
        cap_l = cap_level
    else:  # mirrored: the highest face is the lowest face of top - m
        lev = [top - int(v) for v in uniq[::-1]]
        fill, deficit, cap_l = high[::-1], m_max - total, cap_level[::-1]
    size = len(lev)
    b = max(i for i in range(size) if fill[i] > 0) if n > 0 else 0
    per_level = list(fill)
    if deficit > 0:
        # coins: (level index, value, +1 for an item put above b, -1 for one taken below)
        coins = [(i, lev[b] - lev[i], -1, cap_l[i]) for i in range(b)]
        coins += [(j, lev[j] - lev[b], 1, cap_l[j]) for j in range(b + 1, size)]
        bundles = []
        for i, v, sgn, mult in coins:
            if v > deficit:
                continue
            left = min(mult, deficit // v)
            t = 1
            while left > 0:
                take = min(t, left)
                bundles.append((i, v, sgn, take))
                left -= take
                t *= 2
        width = 2 * deficit + 1
        if len(bundles) * (deficit + 1) * width > _CAPPED_DP_BUDGET:
            return None
        reach = np.zeros((deficit + 1, width), dtype=bool)
        reach[0, deficit] = True  # net count sum u - sum d, offset by deficit
        layers = []
        for _, v, sgn, take in bundles:
            layers.append(reach)
            new = reach.copy()
            dv, dn = v * take, sgn * take
            src = reach[: deficit + 1 - dv]
            if dn >= 0:
                new[dv:, dn:] |= src[:, : width - dn]
            else:
                new[dv:, :dn] |= src[:, -dn:]
            reach = new
        lo_net = max(-deficit, fill[b] - cap_l[b])
        hi_net = min(deficit, fill[b])
        ok = np.flatnonzero(reach[deficit, lo_net + deficit : hi_net + deficit + 1])
        if ok.size == 0:
            return False
        s, net = deficit, int(ok[0]) + lo_net + deficit
        for (i, v, sgn, take), prev in zip(bundles[::-1], layers[::-1], strict=True):
            if prev[s, net]:
                continue
            s -= v * take
            net -= sgn * take
            per_level[i] += sgn * take
            per_level[b] -= sgn * take
        if s != 0 or net != deficit:  # cannot happen: the table says where it came from
            return None
    if not low_side:
        per_level = per_level[::-1]
    counts = np.zeros(levels.size, dtype=np.int64)
    for v, want in zip(uniq, per_level, strict=True):
        for k in np.flatnonzero(levels == v):
            put = min(want, int(caps[k]))
            counts[k] = put
            want -= put
    return counts


#: Wall-clock limit (s) of each integer program of :func:`lattice_point`.
POINT_TIME_LIMIT = 10.0


def lattice_point(
    coef: np.ndarray,
    rhs: np.ndarray,
    caps: np.ndarray,
    target: np.ndarray,
    time_limit: float = POINT_TIME_LIMIT,
):
    """A point of the lattice ``coef @ n = rhs``, ``0 <= n <= caps``, near ``target``.

    Feasibility integer programs (scipy's HiGHS, no objective) in boxes of half-width
    w = 1, 4, 16, ... around ``target``, up to the full box ``0..caps``: the first box
    holding a point gives it, so the point lies near the target. A feasibility solve ends
    at its first integer point (deterministic, unlike an incumbent cut off by a time
    limit, which is not used). Each answer is checked in exact integers; where HiGHS's
    floating-point answer misses a row (totals beyond 2**53), the same box is solved
    again for the offsets from its lower corner, whose totals are small.

    Parameters
    ----------
    coef : ndarray of int64, shape (R, K)
        Integer constraint rows (count, energy levels, moment levels).
    rhs : ndarray of int64, shape (R,)
        Their totals.
    caps : ndarray, shape (K,)
        Largest count of each class.
    target : ndarray, shape (K,)
        Real counts to search around (the large-N limit or the real optimum).
    time_limit : float, optional
        Wall-clock limit (s) of each integer program.

    Returns
    -------
    ndarray of int64 or bool or None
        The counts; ``False`` when the program over the full box ``0..caps`` is
        infeasible (the lattice is empty; trusted only while every total
        ``|coef| @ caps`` is below 2**53, exact in float64); ``None`` when undecided (a
        time limit, or an answer that misses a row in exact integers).

    Examples
    --------
    >>> import numpy as np
    >>> coef = np.array([[1, 1, 1, 1], [0, 1, 2, 3], [0, 1, 4, 9]])
    >>> n = lattice_point(coef, np.array([6, 6, 12]), np.full(4, 6), np.full(4, 1.5))
    >>> (coef @ n).tolist()
    [6, 6, 12]
    >>> lattice_point(coef, np.array([6, 6, 13]), np.full(4, 6), np.full(4, 1.5))
    False
    """
    from scipy.optimize import Bounds, LinearConstraint  # only when needed

    from maxent._util.solvers import milp

    coef = np.asarray(coef, dtype=np.int64)
    rhs = np.asarray(rhs, dtype=np.int64)
    caps_i = np.asarray(caps, dtype=np.int64)
    caps_f = caps_i.astype(np.float64)
    k = coef.shape[1]
    target = np.minimum(np.nan_to_num(np.asarray(target, dtype=np.float64), posinf=0.0), caps_f)
    target = np.maximum(target, 0.0)
    options = {"time_limit": float(time_limit)}

    def solve(lo, hi, shift):
        # shift: solve for n - lo (totals rhs - coef @ lo, exact while they fit float64)
        base = lo.astype(np.int64) if shift else np.zeros(k, dtype=np.int64)
        want = rhs - coef @ base
        res = milp(
            np.zeros(k),
            constraints=LinearConstraint(coef.astype(np.float64), want, want),
            integrality=np.ones(k),
            bounds=Bounds(lo - base, hi - base),
            options=options,
        )
        if res.status != 0 or res.x is None:
            return res.status, None
        counts = base + np.rint(res.x).astype(np.int64)
        ok = np.all(counts >= 0) and np.all(counts <= caps_i) and np.array_equal(coef @ counts, rhs)
        return 0, counts if ok else None

    width = 1.0
    while True:
        lo = np.maximum(np.floor(target) - width, 0.0)
        hi = np.minimum(np.ceil(target) + width, caps_f)
        status, counts = solve(lo, hi, False)
        if status == 0:
            # a point exists in this box: where the answer missed a row, one more try
            return counts if counts is not None else solve(lo, hi, True)[1]
        full = bool(np.all(lo <= 0.0) and np.all(hi >= caps_f))
        if full:
            # HiGHS works in float64: its "infeasible" proves nothing where the totals
            # are not exact there
            exact = float((np.abs(coef).astype(np.float64) @ caps_f).max()) < 2.0**53
            return False if status == 2 and exact else None
        width *= 4.0
