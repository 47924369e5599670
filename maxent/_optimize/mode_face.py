"""The most probable allocation a few quanta from an end of the range, exactly.

With the count and energy rows only and ``U`` within ``D`` quanta of its lowest (or
highest) value, every allocation keeps ``N - s`` items in the face class and puts ``s <= D``
items on levels whose distances from the face add up to ``D``. Relative to the face
allocation an allocation weighs

    W(n) / W(face) = N (N - 1) ... (N - s + 1) prod_k (g_k / g_face)**n_k / n_k!,

an exact rational whatever ``N`` is. So the mode, and every allocation that ties with it,
is found by enumerating the ways to write ``D`` as a sum of the level distances, in exact
arithmetic: no rounding of ln W, no gap. Classes with equal distance and degeneracy are
interchangeable and hold their items as evenly as possible (exact for the maximum), so the
enumeration runs over distinct levels only.

This is the formulation in terms of the few items above the face: at N = 1e15 or 1e18 the
differences of ln W between neighbouring allocations near the face are far below the
resolution of float64 counts, and the general search could only report them to within
1e-12.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from maxent._model import statistics as S

__all__ = ["FACE_MAX_QUANTA", "near_face_mode"]

#: Largest distance from the face (in quanta) handled by enumeration.
FACE_MAX_QUANTA = 64
#: Largest number of level multisets enumerated before leaving it to the general search.
FACE_MAX_PARTS = 20_000


def near_face_mode(problem):
    """``(counts, ties, message)`` of the mode near a face, or ``None`` if not applicable.

    Applies to Boltzmann counting (any degeneracies) with the count and energy rows only,
    when the level at the nearer end holds a single class and ``U`` lies at most
    :data:`FACE_MAX_QUANTA` quanta from it (and at least one: the face itself is fixed).
    """
    if problem.stat != S.BOLTZMANN or problem.constraints or problem.levels is None:
        return None
    if problem.level_total is None or problem.quantum is None:
        return None
    levels = [int(v) for v in problem.levels.tolist()]
    n_items, total = problem.n, int(problem.level_total)
    top = max(levels)
    below, above = total, n_items * top - total
    side, dist = (1, below) if below <= above else (-1, above)
    if not 1 <= dist <= FACE_MAX_QUANTA:
        return None
    face_level = 0 if side > 0 else top
    face = [k for k, v in enumerate(levels) if v == face_level]
    if len(face) != 1:
        return None
    f = face[0]
    g = [Fraction(float(v)) for v in problem.degeneracies.tolist()]
    # interchangeable classes: equal distance from the face and equal degeneracy
    groups: dict[tuple[int, Fraction], list[int]] = {}
    for k, v in enumerate(levels):
        if k != f:
            groups.setdefault((abs(v - face_level), g[k]), []).append(k)
    keys = sorted((d, gk) for d, gk in groups if d <= dist)
    falling = [1]
    for s in range(1, dist + 1):
        falling.append(falling[-1] * max(n_items - s + 1, 0))

    def group_weight(m: int, size: int, gk: Fraction) -> Fraction:
        q, r = divmod(m, size)  # r classes hold q + 1 items, the rest q
        den = math.factorial(q) ** (size - r) * math.factorial(q + 1) ** r
        return (gk / g[f]) ** m / den

    best: Fraction | None = None
    best_alloc: list[int] = []
    ties = 0
    seen = 0
    alloc = [0] * len(keys)

    def visit(j: int, left: int, items: int, weight: Fraction) -> bool:
        nonlocal best, best_alloc, ties, seen
        if left == 0:
            seen += 1
            if seen > FACE_MAX_PARTS or items > n_items:
                return seen <= FACE_MAX_PARTS
            w = weight * falling[items]
            ways = 1
            for m, key in zip(alloc, keys, strict=True):
                size = len(groups[key])
                ways *= math.comb(size, m % size)
            if best is None or w > best:
                best, best_alloc, ties = w, alloc.copy(), ways
            elif w == best:
                ties += ways
            return True
        if j == len(keys):
            return True
        d, gk = keys[j]
        size = len(groups[keys[j]])
        for m in range(left // d, -1, -1):
            alloc[j] = m
            if not visit(j + 1, left - m * d, items + m, weight * group_weight(m, size, gk)):
                return False
        alloc[j] = 0
        return True

    if not visit(0, dist, 0, Fraction(1)) or best is None:
        return None
    counts = np.zeros(len(levels), dtype=np.int64)
    for key, m in zip(keys, best_alloc, strict=True):
        members = groups[key]
        q, r = divmod(m, len(members))
        for i, k in enumerate(members):
            counts[k] = q + (1 if i < r else 0)
    counts[f] = n_items - int(counts.sum())
    where = "lowest" if side > 0 else "highest"
    message = (
        f"optimal (certified: U lies {dist} {'quantum' if dist == 1 else 'quanta'} from its "
        f"{where} value; every allocation compared in exact rational arithmetic)"
    )
    return counts, ties, message
