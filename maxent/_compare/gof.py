"""The exact conditional goodness-of-fit test: is a histogram a typical allocation.

Every assignment of N items that keeps the count and the total energy (and any extra
moment) is equally likely, so an allocation n' has probability W(n') / sum W on its
constraint lattice. An observed allocation n is tested against that law at its own N
and U: the p-value is ``P(W(n') <= W(n))``, the probability of an allocation at most as
likely as the one observed. N, U and the extra moments are read from the observation
(they are the sufficient statistics of the Boltzmann family, so conditioning on them
removes beta and the other multipliers: the test has no nuisance parameter and no
large-N approximation).

The p-value is exact, by enumeration of the lattice, where the lattice is small, and
otherwise a Monte Carlo estimate from the exact sampler with its standard error and an
exact binomial interval. Beside it: Pearson's chi-square test against the large-N law
(which treats the classes as independent draws and so ignores that N and U are fixed),
and the likelihood-ratio statistic ``2 (ln W_max - ln W(n))`` against its chi-square
limit; their verdicts are compared with the exact one.

Whether ``W(n') <= W(n)`` is decided exactly: ``ln W(n') - ln W(n)`` is computed class by
class from the differences of the counts (log-gamma differences that do not cancel),
and where it is within a rounding band of zero the two weights are compared in exact
rational arithmetic (see :func:`compare_weights`).
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from maxent._model import statistics as S
from maxent._model.logcount import log_count
from maxent._model.problem import Constraint, Problem, parse_constraint
from maxent._util.errors import ValidationError
from maxent._util.format import ShortRepr
from maxent._util.streams import as_seed_sequence, seed_value
from maxent._util.validate import as_count, as_degeneracies, as_energies, as_real

__all__ = [
    "DEFAULT_DRAWS",
    "ENUMERATE_LIMIT",
    "GoodnessOfFit",
    "compare_weights",
    "exact_test",
    "log_ratio",
]

#: Monte Carlo draws by default: the standard error sqrt(p (1 - p) / M) of the estimate
#: is at most 0.5 / sqrt(M) = 0.005 for every p.
DEFAULT_DRAWS = 10_000
#: ``method="auto"`` enumerates lattices with at most this many allocations.
ENUMERATE_LIMIT = 1_000_000
#: Half-width of the rounding band, relative to the size of the terms summed: a float
#: difference of ln W inside it is decided in exact arithmetic. The terms are log-gamma
#: differences accurate to a few units in the last place (4e-15 of their size at most,
#: measured against mpmath up to N = 1e15; tests/test_gof.py requires below 1e-13).
TIE_BAND = 1e-9
METHODS = ("auto", "enumerate", "monte-carlo")
_ROWS = 1 << 15  # rows per chunk when classifying a large enumeration


# -- deciding W(n') <= W(n) exactly -------------------------------------------------------


def log_ratio(stat: int, g: np.ndarray, rows: ArrayLike, ref: ArrayLike):
    """``ln W(rows) - ln W(ref)`` per row, and the size of the terms it sums.

    Class by class, from the count differences d = n' - n: for Boltzmann counting
    ``d ln g - [ln Gamma(n' + 1) - ln Gamma(n + 1)]``, with every bracket a log-gamma
    difference taken without cancellation (:func:`maxent._model.statistics.gamma_diff`),
    so the error is a few units in the last place of the terms, not of ln W itself
    (about N ln K at large N). The allocation-independent factors (N! for Boltzmann
    counting) cancel.

    Parameters
    ----------
    stat : int
        Statistics code (0 Boltzmann, 1 Bose-Einstein, 2 Fermi-Dirac).
    g : ndarray, shape (K,)
        Degeneracies.
    rows : array_like of int, shape (L, K)
        Allocations.
    ref : array_like of int, shape (K,)
        The reference allocation.

    Returns
    -------
    diff, scale : ndarray, shape (L,)
        The differences, and the sum of the absolute values of the terms (the scale of
        their rounding error).
    """
    rows = np.atleast_2d(np.asarray(rows, dtype=np.int64))
    ref = np.asarray(ref, dtype=np.int64)
    d = rows - ref
    step = np.abs(d).astype(np.float64)
    sign = np.sign(d).astype(np.float64)
    lo = np.minimum(rows, ref).astype(np.float64)

    def up(a):  # ln Gamma(a + |d|) - ln Gamma(a)
        return S.gamma_diff(S.LGAMMA_DIFF, a, step)

    fall = up(lo + 1.0)
    if stat == S.BOLTZMANN:
        gain = d * np.log(g)
        terms = gain - sign * fall
        scale = np.abs(gain) + np.abs(fall)
    elif stat == S.BOSE:  # ln Gamma(n + g) - ln Gamma(n + 1)
        rise = up(lo + g)
        terms = sign * (rise - fall)
        scale = np.abs(rise) + np.abs(fall)
    else:  # -ln Gamma(n + 1) - ln Gamma(g - n + 1)
        hole = up(g - np.maximum(rows, ref) + 1.0)
        terms = sign * (hole - fall)
        scale = np.abs(hole) + np.abs(fall)
    return terms.sum(axis=1), scale.sum(axis=1)


def _weight_keys(stat: int, g: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """A key per class count that determines its weight w_k(n): equal keys, equal weights.

    The count itself, except where two counts share a weight: Fermi-Dirac
    ``C(g, n) = C(g, g - n)``; Boltzmann with whole g, ``g^n / n!`` at ``n = g - 1``
    and ``n = g``; a single-state Bose level, whose weight is always 1.
    """
    keys = np.array(counts, dtype=np.int64, copy=True)
    if stat == S.FERMI:
        gi = np.round(g).astype(np.int64)
        return np.minimum(keys, gi - keys)
    if stat == S.BOSE:
        return np.where(g == 1.0, 0, keys)
    whole = (g == np.round(g)) & (g >= 1.0)
    gi = np.where(whole, np.round(g), -1).astype(np.int64)
    return np.where(keys == gi, gi - 1, keys)


def _groups(g: np.ndarray) -> list[np.ndarray]:
    """Classes with the same degeneracy: their weight functions are the same."""
    return [np.flatnonzero(g == value) for value in np.unique(g)]


def _prod(values) -> int:
    """Product of integers by a balanced tree (fast for long products of big integers)."""
    xs = list(values)
    if not xs:
        return 1
    while len(xs) > 1:
        xs = [xs[i] * xs[i + 1] for i in range(0, len(xs) - 1, 2)] + (
            [xs[-1]] if len(xs) % 2 else []
        )
    return xs[0]


def _step_ratio(stat: int, g: Fraction, lo: int, hi: int) -> tuple[int, int]:
    """``w(hi) / w(lo)`` for ``hi > lo``, exactly, as (numerator, denominator).

    A product of the one-step ratios ``w(j + 1) / w(j)``: ``g / (j + 1)`` (Boltzmann),
    ``(g + j) / (j + 1)`` (Bose-Einstein), ``(g - j) / (j + 1)`` (Fermi-Dirac), with
    ``g = p / q`` the degeneracy as an exact fraction (every float is one).
    """
    m = hi - lo
    p, q = g.numerator, g.denominator
    den = q**m * _prod(range(lo + 1, hi + 1))
    if stat == S.BOLTZMANN:
        num = p**m
    elif stat == S.BOSE:
        num = _prod(p + j * q for j in range(lo, hi))
    else:
        num = _prod(p - j * q for j in range(lo, hi))
    return num, den


def _exact_sign(stat: int, g: np.ndarray, groups, row: np.ndarray, ref: np.ndarray) -> int:
    """Sign of ``W(row) - W(ref)`` in exact rational arithmetic."""
    nums: list[int] = []
    dens: list[int] = []
    for cols in groups:
        a, b = Counter(row[cols].tolist()), Counter(ref[cols].tolist())
        # equal counts in classes of the same weight function cancel; pair the rest in
        # sorted order, which keeps the products between them shortest
        mine, theirs = sorted((a - b).elements()), sorted((b - a).elements())
        gq = Fraction(float(g[cols[0]]))
        for x, y in zip(mine, theirs, strict=True):
            if x > y:
                num, den = _step_ratio(stat, gq, y, x)
            else:
                den, num = _step_ratio(stat, gq, x, y)
            nums.append(num)
            dens.append(den)
    top, bottom = _prod(nums), _prod(dens)
    return (top > bottom) - (top < bottom)


def compare_weights(problem: Problem, rows: ArrayLike, ref: ArrayLike) -> np.ndarray:
    """Sign of ``W(n') - W(n)`` for every row ``n'``, decided exactly.

    A float difference of ln W (:func:`log_ratio`) outside the rounding band
    (``TIE_BAND`` times the size of its terms) decides; inside it, rows whose classes
    carry the same weights as ``ref`` up to a permutation among classes of equal
    degeneracy are ties, and the rest are compared in exact rational arithmetic.

    Parameters
    ----------
    problem : Problem
        Supplies the statistics and degeneracies.
    rows : array_like of int, shape (L, K)
        Allocations to compare.
    ref : array_like of int, shape (K,)
        The reference allocation.

    Returns
    -------
    ndarray of int8, shape (L,)
        -1, 0 or +1.

    Examples
    --------
    >>> import maxent
    >>> from maxent._compare.gof import compare_weights
    >>> p = maxent.Problem([0, 1, 2, 3], 4, total_energy=6)
    >>> compare_weights(p, [[1, 1, 1, 1], [0, 2, 2, 0], [2, 0, 0, 2]], [1, 1, 1, 1]).tolist()
    [0, -1, -1]
    """
    stat, g = problem.stat, problem.degeneracies
    rows = np.atleast_2d(np.asarray(rows, dtype=np.int64))
    ref = np.asarray(ref, dtype=np.int64)
    groups = _groups(g)
    out = np.empty(rows.shape[0], dtype=np.int8)
    ref_keys = _weight_keys(stat, g, ref)
    ref_sorted = [np.sort(ref_keys[cols]) for cols in groups]
    for start in range(0, rows.shape[0], _ROWS):
        block = rows[start : start + _ROWS]
        diff, scale = log_ratio(stat, g, block, ref)
        sign = np.sign(diff).astype(np.int8)
        near = np.flatnonzero(np.abs(diff) <= TIE_BAND * (1.0 + scale))
        if near.size:
            keys = _weight_keys(stat, g, block[near])
            same = np.ones(near.size, dtype=bool)
            for cols, want in zip(groups, ref_sorted, strict=True):
                same &= np.all(np.sort(keys[:, cols], axis=1) == want, axis=1)
            sign[near[same]] = 0
            for i in near[~same]:
                sign[i] = _exact_sign(stat, g, groups, _weight_keys(stat, g, block[i]), ref_keys)
        out[start : start + block.shape[0]] = sign
    return out


# -- the observation and its problem ------------------------------------------------------


def _as_counts(counts: Any, classes: int) -> np.ndarray:
    """Whole, non-negative counts, one per class, as int64."""
    if isinstance(counts, np.ndarray) and counts.dtype.kind in "iu":
        if counts.ndim != 1:
            raise ValidationError("counts", f"must be one-dimensional (got shape {counts.shape})")
        if counts.size and (counts.max() >= 2**53 or counts.min() <= -(2**53)):
            raise ValidationError("counts", "must be below 2**53 items per class")
        vals = counts.astype(np.int64)
    else:
        if isinstance(counts, (list, tuple)) and all(
            isinstance(c, (int, np.integer)) and not isinstance(c, bool) for c in counts
        ):
            if any(abs(int(c)) >= 2**53 for c in counts):
                raise ValidationError("counts", "must be below 2**53 items per class")
            vals = np.array([int(c) for c in counts], dtype=np.int64)
        else:
            x = as_energies(counts, "counts")
            if np.any(x != np.floor(x)):
                i = int(np.flatnonzero(x != np.floor(x))[0])
                raise ValidationError(
                    "counts", f"must be whole numbers of items (got {x[i]:g} at position {i})"
                )
            if np.any(np.abs(x) >= 2**53):
                raise ValidationError("counts", "must be below 2**53 items per class")
            vals = x.astype(np.int64)
    if vals.size != classes:
        raise ValidationError(
            "counts", f"has {vals.size} values but there are {classes} classes (energies)"
        )
    if np.any(vals < 0):
        i = int(np.flatnonzero(vals < 0)[0])
        raise ValidationError("counts", f"must be >= 0 (got {int(vals[i])} in class {i})")
    if int(vals.sum()) < 1:
        raise ValidationError("counts", "must hold at least one item")
    if int(vals.sum()) >= 2**53:
        raise ValidationError("counts", "must hold fewer than 2**53 items in all")
    return vals


def _observed_constraints(constraints, energies, g, counts) -> list[Constraint]:
    """The extra constraints, each at the mean the counts give it.

    ``"EXPR"`` conditions on the observed mean of EXPR; ``"EXPR=VALUE"`` and a
    :class:`Constraint` are checked against it (the observation must meet what it is
    tested under).
    """
    out = []
    n_items = int(counts.sum())
    for c in constraints or ():
        if isinstance(c, str) and "=" not in c:
            c = parse_constraint(f"{c}=0", energies, g)
            given = None
        elif isinstance(c, str):
            c = parse_constraint(c, energies, g)
            given = c.mean
        elif isinstance(c, Constraint):
            given = c.mean
        else:
            raise ValidationError("constraint", "give 'EXPR', 'EXPR=VALUE' or a Constraint")
        values = np.asarray(c.values, dtype=np.float64)
        if values.shape != energies.shape:
            raise ValidationError("constraint", f"needs one value per class ({energies.size})")
        mean = math.fsum(values * counts) / n_items
        if given is not None and abs(mean - given) > 1e-9 * max(1.0, abs(given)):
            raise ValidationError(
                "constraint",
                f"the counts give a mean of {c.name} of {mean:.12g}, not {given:.12g}; the "
                f"test conditions on the observed value (give the expression alone: {c.name!r})",
            )
        out.append(Constraint(c.name, values, mean))
    return out


def _observed_problem(counts, energies, degeneracies, statistics, constraints, quantum):
    energies = as_energies(energies, min_size=2)
    n = _as_counts(counts, energies.size)
    g = as_degeneracies(degeneracies, energies.size)
    if S.code(statistics) == S.FERMI:  # before the problem, whose energy range has caps
        S.check_degeneracies(S.FERMI, g)
        over = np.flatnonzero(n > g)
        if over.size:
            k = int(over[0])
            raise ValidationError(
                "counts",
                f"class {k} holds {int(n[k])} items but Fermi-Dirac counting allows at most "
                f"g = {int(g[k])}",
            )
    extra = _observed_constraints(constraints, energies, g, n)
    try:
        problem = Problem(
            energies,
            int(n.sum()),
            total_energy=math.fsum(energies * n),
            degeneracies=degeneracies,
            statistics=statistics,
            constraints=extra,
            energy_quantum=quantum,
        )
    except ValidationError as exc:
        if exc.param not in ("total_energy", "mean_energy"):
            raise
        # the total comes from the counts: say so, not "--total-energy"
        raise ValidationError("counts", f"their total energy: {exc.message}") from None
    if problem.levels is None:
        raise ValidationError(
            "energies",
            "the exact test needs energies on a common lattice (min E + whole multiples of "
            "a quantum); give energy_quantum",
        )
    if problem.extra_levels is None:
        raise ValidationError(
            "constraint", "the exact test needs constraint values on a common lattice"
        )
    coef, rhs = problem.integer_rows()
    if not np.array_equal(coef @ n, rhs):  # the float totals were placed on the lattice
        raise ValidationError(
            "counts",
            "their total energy (or an extra moment) could not be placed on the lattice "
            "exactly; give energy_quantum",
        )
    return problem, n


# -- the result ---------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class GoodnessOfFit(ShortRepr):
    """The exact conditional test of an allocation, with the chi-square tests beside it.

    Attributes
    ----------
    problem : Problem
        The constraints read from the observation (its N, U and extra moments).
    counts : ndarray of int64
        The observed allocation.
    p_value : float
        ``P(W(n') <= W(n_obs))`` under the equal-assignment law on the lattice; exact for
        ``method="enumerate"``, else the Monte Carlo p-value ``(1 + hits) / (1 + draws)``.
    method : str
        ``"enumerate"`` or ``"monte-carlo"``.
    reason : str
        Why that method.
    stderr : float
        Monte Carlo standard error ``sqrt(p (1 - p) / draws)`` (0 when exact).
    interval : tuple of float
        Clopper-Pearson interval for the exact p-value at ``confidence`` (the p-value
        twice when exact).
    confidence : float
        Level of ``interval``.
    draws, hits, ties : int
        Monte Carlo draws, those with ``W <= W_obs``, and those with ``W == W_obs``
        (for an enumeration: lattice points, counted the same way).
    tie_probability : float
        ``P(W(n') == W(n_obs))`` (estimated by Monte Carlo).
    lattice_size : int or None
        Allocations on the lattice (enumeration only).
    log_count : float
        ``ln W(n_obs)``.
    log_count_max : float
        The largest ``ln W`` on the lattice known (the certified mode, or the lattice's
        maximum when enumerated).
    log_count_max_gap : float
        Proven bound on how far ``log_count_max`` may be below the true maximum (0 when
        certified or enumerated; ``inf`` when unknown).
    lr_statistic, lr_statistic_upper : float
        ``G = 2 (ln W_max - ln W_obs)`` with the known maximum, and with the gap added.
    lr_p_value : float or None
        ``P(chi2_dof >= G)`` (``None`` without degrees of freedom); the upper ``G`` gives
        ``lr_p_value_lower``.
    lr_p_value_lower : float or None
        As ``lr_p_value`` at ``lr_statistic_upper``.
    dof : int
        Degrees of freedom of both chi-square limits: the classes the large-N law leaves
        neither empty nor full (Fermi-Dirac) minus the rank of the constraint rows
        (K - 2 for the count and the energy).
    expected : ndarray
        ``N p_k``: the large-N law (Boltzmann at the observed mean energy, for Boltzmann
        counting) in items.
    chi2_statistic : float
        Pearson's ``sum (n_k - N p_k)^2 / (N p_k)``.
    chi2_p_value : float or None
        ``P(chi2_dof >= X^2)`` (``None`` without degrees of freedom).
    level : float
        Significance level of the verdicts.
    agree : bool or None
        Whether the chi-square test and the exact test reach the same verdict at
        ``level`` (``None`` when one of them cannot decide).
    verdict : str
        The verdicts in words.
    notes : tuple of str
        Caveats: small expected counts, an uncertified maximum, the counting.
    seed : int or None
        Root seed of the Monte Carlo draws.
    timings : dict
        Seconds spent.

    Examples
    --------
    >>> import maxent
    >>> t = maxent.exact_test([9, 1, 1, 5], [0, 1, 2, 3])
    >>> t.method, t.lattice_size, round(t.p_value, 5)
    ('enumerate', 35, 0.01753)
    """

    problem: Problem = field(repr=False)
    counts: np.ndarray
    p_value: float
    method: str
    reason: str = field(repr=False)
    stderr: float
    interval: tuple[float, float] = field(repr=False)
    confidence: float = field(repr=False)
    draws: int
    hits: int = field(repr=False)
    ties: int = field(repr=False)
    tie_probability: float = field(repr=False)
    lattice_size: int | None
    log_count: float = field(repr=False)
    log_count_max: float = field(repr=False)
    log_count_max_gap: float = field(repr=False)
    lr_statistic: float
    lr_statistic_upper: float = field(repr=False)
    lr_p_value: float | None
    lr_p_value_lower: float | None = field(repr=False)
    dof: int
    expected: np.ndarray = field(repr=False)
    chi2_statistic: float
    chi2_p_value: float | None
    level: float = field(repr=False)
    agree: bool | None
    verdict: str = field(repr=False)
    notes: tuple[str, ...] = field(repr=False)
    seed: int | None = field(repr=False)
    timings: dict[str, float] = field(repr=False)

    def __post_init__(self):
        # the promises of the result, checked before anyone reads it
        lo, hi = self.interval
        problems = []
        if not 0.0 <= self.p_value <= 1.0:
            problems.append(f"p-value {self.p_value} outside [0, 1]")
        if not 0.0 <= lo <= hi <= 1.0:
            problems.append(f"interval {self.interval} not inside [0, 1]")
        if self.method == "enumerate":
            if not (self.stderr == 0.0 and lo == hi == self.p_value and self.draws == 0):
                problems.append("an enumeration states a Monte Carlo error")
            if not self.p_value >= self.tie_probability > 0.0:
                problems.append("the observation is not counted in its own p-value")
        else:
            if not 0 <= self.ties <= self.hits <= self.draws:
                problems.append("ties, hits and draws are inconsistent")
            bound = 0.5 / math.sqrt(self.draws)
            if not 0.0 <= self.stderr <= bound * (1.0 + 1e-12):
                problems.append(f"standard error {self.stderr} above its bound {bound}")
            if not lo <= self.hits / self.draws <= hi:
                problems.append("the interval misses the fraction of hits")
        if not 0.0 <= self.lr_statistic <= self.lr_statistic_upper:
            problems.append("the likelihood-ratio statistic is negative or above its bound")
        coef, rhs = self.problem.integer_rows()
        if not np.array_equal(coef @ self.counts, rhs):
            problems.append("the counts do not meet the problem's constraints")
        if problems:
            raise RuntimeError("exact_test broke its promises: " + "; ".join(problems))

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of ``maxent test`` (undefined values are ``null``)."""
        p = self.problem
        exact = {
            "p_value": self.p_value,
            "method": self.method,
            "reason": self.reason,
            "stderr": self.stderr,
            "interval": list(self.interval),
            "confidence": self.confidence,
            "draws": self.draws,
            "hits": self.hits,
            "ties": self.ties,
            "tie_probability": self.tie_probability,
            "lattice_size": self.lattice_size,
            "seed": self.seed,
        }
        no_dof = None if self.dof > 0 else "no degrees of freedom: the constraints fix the rest"
        return {
            "energies": p.energies.tolist(),
            "counts": self.counts.tolist(),
            "n": p.n,
            "total_energy": p.total_energy,
            "mean_energy": p.mean_energy,
            "statistics": p.statistics,
            "degeneracies": p.degeneracies.tolist(),
            "constraints": [{"expression": c.name, "mean": c.mean} for c in p.constraints],
            "exact": exact,
            "log_count": self.log_count,
            "log_count_max": self.log_count_max,
            "log_count_max_gap": _finite_or_str(self.log_count_max_gap),
            "likelihood_ratio": {
                "statistic": self.lr_statistic,
                "statistic_upper": _finite_or_str(self.lr_statistic_upper),
                "dof": self.dof,
                "p_value": self.lr_p_value,
                "p_value_lower": self.lr_p_value_lower,
                "p_value_reason": no_dof,
            },
            "chi2": {
                "statistic": _finite_or_str(self.chi2_statistic),
                "dof": self.dof,
                "p_value": self.chi2_p_value,
                "p_value_reason": no_dof,
                "expected": self.expected.tolist(),
                "beta": p.beta,
            },
            "level": self.level,
            "agree": self.agree,
            "verdict": self.verdict,
            "notes": list(self.notes),
            "timings": self.timings,
        }


def _finite_or_str(x: float):
    """The project's JSON convention for infinities: the strings "inf" and "-inf"."""
    return x if math.isfinite(x) else ("inf" if x > 0 else "-inf")


# -- the test -----------------------------------------------------------------------------


def _clopper_pearson(hits: int, draws: int, confidence: float) -> tuple[float, float]:
    """Exact binomial interval for a probability from ``hits`` of ``draws``."""
    from scipy import special

    a = 0.5 * (1.0 - confidence)
    lo = 0.0 if hits == 0 else float(special.betaincinv(hits, draws - hits + 1, a))
    hi = 1.0 if hits == draws else float(special.betaincinv(hits + 1, draws - hits, 1.0 - a))
    return lo, hi


def _chi2_sf(dof: int, x: float) -> float | None:
    if dof <= 0:
        return None
    if not x < math.inf:
        return 0.0
    from scipy import special

    return float(special.chdtrc(dof, max(x, 0.0)))


def _by_enumeration(problem, n_obs, max_points):
    from scipy import special

    from maxent._sampling.enumerate import enumerate_allocations

    en = enumerate_allocations(problem, max_points)
    sign = compare_weights(problem, en.allocations, n_obs)
    lw = en.log_counts
    total = float(special.logsumexp(lw))
    le, tie = sign <= 0, sign == 0
    p = math.exp(float(special.logsumexp(lw[le])) - total)
    tie_p = math.exp(float(special.logsumexp(lw[tie])) - total)
    # the largest ln W: the observation's own when nothing beats it, else the best row's
    # difference from it (no cancellation of two values ~N ln K)
    best = 0.0
    if np.any(sign > 0):
        above = en.allocations[sign > 0]
        best = float(np.max(log_ratio(problem.stat, problem.degeneracies, above, n_obs)[0]))
    return {
        "p_value": min(p, 1.0),
        "tie_probability": min(tie_p, 1.0),
        "hits": int(le.sum()),
        "ties": int(tie.sum()),
        "lattice_size": en.size,
        "gain": max(best, 0.0),
        "gap": 0.0,
    }


def _by_monte_carlo(problem, n_obs, draws, seq, threads, progress):
    from maxent._optimize.mode import most_probable_allocation
    from maxent._sampling.api import sample

    mode = most_probable_allocation(problem)
    res = sample(problem, draws, "exact", seed=seq, threads=threads, progress=progress)
    uniq, mult = np.unique(res.draws, axis=0, return_counts=True)
    sign = compare_weights(problem, uniq, n_obs)
    hits = int(mult[sign <= 0].sum())
    ties = int(mult[sign == 0].sum())
    stat, g = problem.stat, problem.degeneracies
    best = 0.0
    if np.any(sign > 0):
        best = float(np.max(log_ratio(stat, g, uniq[sign > 0], n_obs)[0]))
    gap = math.inf
    if mode.counts is not None:
        best = max(best, float(log_ratio(stat, g, mode.counts[None, :], n_obs)[0][0]))
        gap = float(mode.gap) if math.isfinite(mode.gap) else math.inf
    return {
        "hits": hits,
        "ties": ties,
        "gain": max(best, 0.0),
        "gap": gap,
        "mode_message": mode.message,
        "certified": bool(mode.certified),
        "seed": seed_value(seq),
    }


def _verdicts(level, p_exact, interval, monte_carlo, chi2_p, lr_p, min_expected):
    """(agree, verdict) of the chi-square and the exact test at ``level``."""
    pct = f"{100 * level:g}%"
    if monte_carlo and interval[0] <= level < interval[1]:
        exact = None
    else:
        exact = p_exact <= level
    if chi2_p is None:
        return None, (
            "the constraints leave the chi-square test no degrees of freedom; "
            + (
                f"the exact test {'rejects' if exact else 'does not reject'} at the {pct} level"
                if exact is not None
                else f"the exact p-value's interval contains the {pct} level"
            )
        )
    chi = chi2_p <= level
    words = {True: "rejects", False: "does not reject"}
    if exact is None:
        return None, (
            f"the Monte Carlo interval [{interval[0]:.4g}, {interval[1]:.4g}] of the exact "
            f"p-value contains the {pct} level: more draws decide it (the chi-square test "
            f"{words[chi]}, p = {chi2_p:.4g})"
        )
    if chi == exact:
        both = "both reject" if exact else "neither rejects"
        text = (
            f"at the {pct} level the exact test and the chi-square test agree: "
            f"{both} the equal-assignment law"
        )
    else:
        text = (
            f"the tests disagree at the {pct} level: the chi-square test {words[chi]} "
            f"(p = {chi2_p:.4g}) but the exact conditional test {words[exact]} "
            f"(p = {p_exact:.4g}); the exact test is the one to trust"
        )
        if min_expected < 5.0:
            text += f" (the smallest expected count is {min_expected:.3g}, below 5)"
    if lr_p is not None and (lr_p <= level) != exact:
        text += (
            f"; the likelihood-ratio chi-square limit {words[lr_p <= level]} (p = {lr_p:.4g}), "
            "unlike the exact test"
        )
    return chi == exact, text


def exact_test(
    counts: ArrayLike,
    energies: ArrayLike,
    *,
    degeneracies: ArrayLike | None = None,
    statistics: str = "boltzmann",
    constraints=(),
    energy_quantum: float | None = None,
    method: str = "auto",
    draws: int = DEFAULT_DRAWS,
    seed=None,
    threads: int | None = None,
    level: float = 0.05,
    confidence: float = 0.95,
    max_points: int = ENUMERATE_LIMIT,
    progress: Callable[[int, int], None] | None = None,
) -> GoodnessOfFit:
    """Exact conditional test of ``counts``: a typical allocation at its own N and U.

    Under the equal-assignment law every allocation ``n'`` with the observed N, U (and
    extra moments) has probability proportional to ``W(n')``. The p-value is
    ``P(W(n') <= W(n_obs))``: the probability of an allocation at most as likely as the
    observed one, ties included.

    Parameters
    ----------
    counts : array_like of int, shape (K,)
        The observed allocation (items per class).
    energies : array_like, shape (K,)
        Class energies, on a common lattice.
    degeneracies, statistics, energy_quantum
        As for :class:`maxent.Problem`.
    constraints : sequence, optional
        Extra moments to condition on: ``"EXPR"`` (at the mean the counts give it),
        ``"EXPR=VALUE"`` or :class:`maxent.Constraint` (checked against the counts).
    method : {'auto', 'enumerate', 'monte-carlo'}
        ``auto`` enumerates lattices of at most ``max_points`` allocations and draws
        otherwise.
    draws : int
        Monte Carlo draws of the exact sampler. The default, 10,000, bounds the standard
        error by 0.005 whatever the p-value.
    seed : int, SeedSequence or None
        Root seed of the draws.
    threads : int, optional
        Threads of the sampler (the draws do not depend on it).
    level : float
        Significance level of the verdicts, in (0, 1).
    confidence : float
        Level of the Monte Carlo interval, in (0, 1).
    max_points : int
        Largest lattice enumerated.
    progress : callable, optional
        ``progress(done, total)`` during the draws.

    Returns
    -------
    GoodnessOfFit

    Raises
    ------
    ValidationError
        For counts that do not fit the energies (wrong length, negative or fractional
        counts, more than a Fermi-Dirac level holds), energies off a lattice, bad options.

    Notes
    -----
    The Monte Carlo p-value is ``(1 + hits) / (1 + draws)``, ``hits`` the draws with
    ``W <= W_obs``: the observation counts as one more draw of the law under the null
    hypothesis, so that ``P(p <= alpha) <= alpha`` exactly for every number of draws and
    the p-value is never 0. Its bias from ``hits / draws`` is below ``1 / draws``. The
    interval is the Clopper-Pearson interval for the exact p-value from ``hits`` of
    ``draws``, which covers it with probability at least ``confidence``.

    The chi-square tests have ``dof`` = the classes the large-N law leaves neither empty
    nor full minus the rank of the constraint rows (count, energy, moments): K - 2 for
    the count and the energy.

    Examples
    --------
    A histogram of 16 items on four levels, tested at its own N = 16 and U = 18:

    >>> import maxent
    >>> t = maxent.exact_test([9, 1, 1, 5], [0, 1, 2, 3])
    >>> t.lattice_size, round(t.p_value, 4), round(t.chi2_p_value, 4), t.agree
    (35, 0.0175, 0.0137, True)

    By Monte Carlo, with its standard error and interval:

    >>> m = maxent.exact_test([9, 1, 1, 5], [0, 1, 2, 3], method="monte-carlo", seed=1)
    >>> m.draws, bool(m.stderr <= 0.005), bool(m.interval[0] < t.p_value < m.interval[1])
    (10000, True, True)
    """
    # scipy, the samplers and the mode search are imported where they are used, so that
    # counts that do not fit are refused before they load
    t0 = time.perf_counter()
    if method not in METHODS:
        raise ValidationError("method", f"must be one of {', '.join(METHODS)} (got {method!r})")
    draws = as_count(draws, "draws")
    max_points = as_count(max_points, "max_points")
    level = as_real(level, "level")
    if not 0.0 < level < 1.0:
        raise ValidationError("level", f"must lie in (0, 1) (got {level:g})")
    confidence = as_real(confidence, "confidence")
    if not 0.0 < confidence < 1.0:
        raise ValidationError("confidence", f"must lie in (0, 1) (got {confidence:g})")
    seq = as_seed_sequence(seed) if method != "enumerate" else None
    problem, n_obs = _observed_problem(
        counts, energies, degeneracies, statistics, constraints, energy_quantum
    )
    t1 = time.perf_counter()
    found = None
    reason = "asked for"
    if method in ("auto", "enumerate"):
        try:
            found = _by_enumeration(problem, n_obs, max_points)
            if method == "auto":
                reason = f"the lattice has at most {max_points} allocations: exact enumeration"
        except ValidationError:
            if method == "enumerate":
                raise
            reason = (
                f"the lattice has more than {max_points} allocations: Monte Carlo with the "
                "exact sampler"
            )
    notes: list[str] = []
    if found is not None:
        out = found
        p_value = out["p_value"]
        stderr, interval, n_draws = 0.0, (p_value, p_value), 0
        used = "enumerate"
        used_seed = None
    else:
        out = _by_monte_carlo(problem, n_obs, draws, seq, threads, progress)
        hits = out["hits"]
        p_value = (1 + hits) / (1 + draws)
        stderr = math.sqrt(p_value * (1.0 - p_value) / draws)
        interval = _clopper_pearson(hits, draws, confidence)
        n_draws = draws
        used = "monte-carlo"
        used_seed = out["seed"]
        out["tie_probability"] = out["ties"] / draws
        out["lattice_size"] = None
        if not out["certified"]:
            notes.append(
                f"the most probable allocation is not certified ({out['mode_message']}): "
                "ln W_max, and so the likelihood-ratio statistic, is known only to within "
                "its gap"
            )
    t2 = time.perf_counter()
    log_obs = float(log_count(problem, n_obs))
    gain, gap = out["gain"], out["gap"]

    # the chi-square limits: degrees of freedom, Pearson's statistic, the LR statistic
    expected = problem.n * problem.limit_fractions
    pos = expected > 0
    # a class the limit leaves empty, or fills to its Fermi-Dirac cap, has no freedom
    free = pos & (expected < problem.caps)
    coef = problem.constraint_rows(scaled=False)[0][:, free]
    dof = int(free.sum()) - int(np.linalg.matrix_rank(coef)) if free.any() else 0
    with np.errstate(divide="ignore", invalid="ignore"):
        cells = np.where(pos, (n_obs - expected) ** 2 / expected, np.where(n_obs > 0, np.inf, 0.0))
    chi2 = float(cells.sum())
    lr = 2.0 * gain
    lr_upper = 2.0 * (gain + gap)
    lr_p = _chi2_sf(dof, lr)
    lr_p_lower = _chi2_sf(dof, lr_upper)
    chi2_p = _chi2_sf(dof, chi2)
    min_expected = float(expected[pos].min()) if pos.any() else 0.0
    if dof > 0 and min_expected < 5.0:
        notes.append(
            f"the chi-square limits assume every class expects several items; the smallest "
            f"expected count is {min_expected:.3g} (below 5: their p-values are rough)"
        )
    if problem.stat != S.BOLTZMANN:
        notes.append(
            f"Pearson's statistic assumes multinomial counts; under {problem.statistics} "
            "counting the classes fluctuate differently, so its chi-square p-value is not "
            "calibrated (the exact test is)"
        )
    if out["tie_probability"] > 0.01:
        notes.append(
            f"allocations as likely as the observed one carry probability "
            f"{out['tie_probability']:.3g}; they count in the p-value (P(W <= W_obs))"
        )
    agree, verdict = _verdicts(
        level, p_value, interval, used == "monte-carlo", chi2_p, lr_p, min_expected
    )
    t3 = time.perf_counter()
    return GoodnessOfFit(
        problem=problem,
        counts=n_obs,
        p_value=float(p_value),
        method=used,
        reason=reason,
        stderr=float(stderr),
        interval=(float(interval[0]), float(interval[1])),
        confidence=confidence,
        draws=n_draws,
        hits=out["hits"],
        ties=out["ties"],
        tie_probability=float(out["tie_probability"]),
        lattice_size=out["lattice_size"],
        log_count=log_obs,
        log_count_max=log_obs + gain,
        log_count_max_gap=gap,
        lr_statistic=lr,
        lr_statistic_upper=lr_upper,
        lr_p_value=lr_p,
        lr_p_value_lower=lr_p_lower,
        dof=dof,
        expected=expected,
        chi2_statistic=chi2,
        chi2_p_value=chi2_p,
        level=level,
        agree=agree,
        verdict=verdict,
        notes=tuple(notes),
        seed=used_seed,
        timings={"setup": t1 - t0, "test": t2 - t1, "total": t3 - t0},
    )
