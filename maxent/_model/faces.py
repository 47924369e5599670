"""The extreme faces of the constraint set: U at its smallest or largest attainable value.

One greedy rule fills them: classes are taken in order of energy (lowest first for the
minimum, highest first for the maximum, ties in class order) and each is filled to its
capacity until the N items are placed. Everything that needs the attainable range of U,
the level on which the last items sit (the *boundary* level), or the optimum on such a face
calls the functions here.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from maxent._model import statistics as S
from maxent._model.dual import solve_dual
from maxent._util.validate import as_degeneracies

__all__ = [
    "attainable_means",
    "boundary_energy",
    "extreme_alpha",
    "extreme_face",
    "extreme_total",
    "greedy_fill",
]


def greedy_fill(energies: np.ndarray, caps: np.ndarray, n_items: int, lowest: bool) -> np.ndarray:
    """Counts of the greedy allocation with the smallest (largest) total energy.

    Parameters
    ----------
    energies : ndarray, shape (K,)
    caps : ndarray, shape (K,)
        Largest count of each class (``N`` without Fermi-Dirac capacities).
    n_items : int
        Items to place; must not exceed ``sum(caps)``.
    lowest : bool
        Fill the lowest energies first (True) or the highest (False).

    Returns
    -------
    ndarray of int64, shape (K,)
        Full classes below (above) the boundary level, the rest on the boundary class.
    """
    order = np.argsort(energies if lowest else -energies, kind="stable")
    counts = np.zeros(energies.size, dtype=np.int64)
    left = int(n_items)
    for k in order:
        take = min(left, int(caps[k]))
        counts[k] = take
        left -= take
        if left == 0:
            break
    return counts


def extreme_total(energies: np.ndarray, caps: np.ndarray, n_items: int, lowest: bool) -> float:
    """Smallest (``lowest``) or largest total energy of ``n_items`` items under ``caps``."""
    counts = greedy_fill(energies, caps, n_items, lowest)
    nz = counts > 0
    # summed in float: N * E can exceed int64 and energies are real
    return float(np.sum(counts[nz].astype(np.float64) * energies[nz]))


def boundary_energy(problem, sign: float) -> float:
    """Energy of the last (partly) filled level when U is at its minimum (+1) or maximum (-1)."""
    counts = greedy_fill(problem.energies, problem.caps, problem.n, sign > 0)
    filled = problem.energies[counts > 0]
    return float(filled.max() if sign > 0 else filled.min())


def extreme_face(problem, sign: float, objective: str) -> tuple[np.ndarray, float]:
    """Optimum of ln W when U is at its minimum (sign +1) or maximum (-1).

    Classes below (above) the boundary energy are full, classes beyond it empty, and the
    remaining items are shared among the classes at the boundary energy by maximising
    their log-weight under the count constraint alone.

    Returns
    -------
    counts : ndarray of float64
    x_boundary : float
        The multiplier shared by the boundary classes (nan when they are all full).
    """
    e = problem.energies
    e_b = boundary_energy(problem, sign)
    full = (e < e_b) if sign > 0 else (e > e_b)
    at = e == e_b
    counts = np.where(full, problem.caps, 0).astype(np.float64)
    left = problem.n - counts.sum()
    if left <= 0:
        return counts, math.nan
    g = problem.degeneracies[at]
    coef = np.ones((1, int(at.sum())))
    sol = solve_dual(
        problem.stat, objective == "exact", coef, np.array([left]), np.log(g), g, np.zeros(1)
    )
    caps = problem.caps[at].astype(np.float64)
    if left >= caps.sum():  # a full Fermi-Dirac level: exactly full (1e-10 over made ln W nan)
        counts[at] = caps
        return counts, float(sol.theta[0])
    share = np.minimum(np.array(sol.counts, dtype=np.float64), caps)
    # the solver's count is right to ~1e-15 relative, thousands of items at N = 1e18:
    # the largest share with room for it takes the difference, so the face holds exactly
    # `left` (one boundary class: exactly all of it, where ln W is then that of the face)
    short = left - share.sum()
    fits = share + short <= caps
    k = np.argmax(np.where(fits, share, -np.inf)) if fits.any() else np.argmax(caps - share)
    share[k] += short
    counts[at] = share
    return counts, float(sol.theta[0])


def extreme_alpha(problem, sign: float, counts: np.ndarray, x_b: float) -> tuple[float, str]:
    """The multiplier alpha on an extreme face (beta = sign * inf), or nan and why not.

    Occupations are ``g / (exp(alpha + beta E) -/0/+ 1)``: along the limit the boundary
    level keeps ``x_b = alpha + beta E_b`` finite (Bose-Einstein at the lowest mean with
    E_b = 0: ``x_b = ln(1 + g_0 / N)``, so that ``n_0 = N``), which fixes
    ``alpha = x_b - beta E_b``: ``x_b`` itself when ``E_b = 0``, otherwise an infinity of
    the sign of ``-beta E_b``. A boundary level that is exactly full (Fermi-Dirac) has
    ``x_b = -inf`` and the next level outwards ``+inf``: alpha is ``-beta c`` for any
    ``c`` strictly between their energies, which is infinite when that gap lies on one
    side of E = 0 and undetermined when it straddles it.

    Parameters
    ----------
    problem : Problem
        At an extreme of its attainable energy range.
    sign : float
        +1 at the lowest mean, -1 at the highest.
    counts, x_b : ndarray, float
        The face's counts and boundary multiplier (from :func:`extreme_face`).

    Returns
    -------
    alpha : float
    why : str
        Empty, or why alpha is undetermined (alpha is then nan).
    """
    e = problem.energies
    e_b = boundary_energy(problem, sign)
    at = e == e_b
    full = problem.stat == S.FERMI and bool(np.all(counts[at] >= problem.caps[at]))
    if not full:
        if e_b == 0.0:
            return float(x_b), ""
        return -sign * math.copysign(math.inf, e_b), ""
    beyond = e[e > e_b] if sign > 0 else e[e < e_b]
    if sign > 0:
        lo, hi = e_b, (float(beyond.min()) if beyond.size else math.inf)
    else:
        lo, hi = (float(beyond.max()) if beyond.size else -math.inf), e_b
    if lo >= 0.0:  # alpha = -beta c with c > 0
        return -sign * math.inf, ""
    if hi <= 0.0:
        return sign * math.inf, ""
    return math.nan, (
        f"alpha is undetermined: the level at E = {e_b:g} is full and the next one empty, "
        f"so alpha = -beta c for any c between {lo:g} and {hi:g}, on both sides of E = 0"
    )


def attainable_means(
    energies: ArrayLike,
    n_items: int,
    statistics: str = "boltzmann",
    degeneracies: ArrayLike | None = None,
) -> tuple[float, float]:
    """Lowest and highest mean energy of ``n_items`` items (Fermi-Dirac capacities included).

    When the capacities cannot hold the items at all the plain range ``[min E, max E]`` is
    returned; :class:`~maxent.Problem` reports that error itself.

    Parameters
    ----------
    energies : array_like, shape (K,)
        Class energies.
    n_items : int
        Number of items ``N``.
    statistics : {'boltzmann', 'bose', 'fermi'}
        Counting statistics; only Fermi-Dirac caps the classes (at ``g_k`` items).
    degeneracies : array_like, shape (K,), optional
        States per class ``g_k`` (default 1).

    Returns
    -------
    lowest, highest : float
        The smallest and largest attainable ``U / N``.

    Examples
    --------
    >>> import maxent
    >>> maxent.attainable_means([0, 1, 2, 3], 6)
    (0.0, 3.0)
    >>> maxent.attainable_means([0, 1, 2, 3], 6, "fermi", [2, 2, 2, 2])  # 2 items per level
    (1.0, 2.0)
    """
    e = np.asarray(energies, dtype=np.float64)
    stat = S.code(statistics)
    g = as_degeneracies(degeneracies, e.size)
    caps = S.caps(stat, np.round(g) if stat == S.FERMI else g, n_items)
    if stat == S.FERMI and sum(int(c) for c in caps.tolist()) < n_items:
        return float(e.min()), float(e.max())
    return (
        extreme_total(e, caps, n_items, True) / n_items,
        extreme_total(e, caps, n_items, False) / n_items,
    )
