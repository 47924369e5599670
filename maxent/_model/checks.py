"""Post-conditions: what a result promises, measured apart from the solver that made it.

Every answer maxent returns is checked here before it is returned (one mechanism for all
of them): real optima (exact and Stirling), the integer mode, sampled allocations and,
through :func:`check_values`, fits elsewhere. A check measures

* the **count** residual ``|sum n - N|`` in items;
* the **energy** residual ``|sum n E - U|`` in units of the energy quantum (the smallest
  gap between levels where the energies have no common quantum), computed from the end
  of the range nearer ``U`` with the exact lattice total, so that an answer a few
  quanta above a face is held to those few quanta and not to ``N`` times the range;
* each **extra constraint** in the same way, in its own quantum;
* the **bounds** ``0 <= n_k <= cap_k`` in items;
* the **KKT residual** of a real optimum (:func:`maxent.kkt_residual`) and
* **ln W** recomputed from the counts by a second, independent formula (a product of
  binomial coefficients, with Stirling's series for each difference of ln Gamma, and
  exact integer differences for integer counts).

Integer answers are checked exactly (Python integers); real ones to a relative
tolerance of the row's own size, which float64 can resolve. A result whose check fails
is never called a success: the solver may retry in another formulation, and otherwise
reports ``success = False`` with the :class:`Residuals` and a one-line note.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from maxent._model import statistics as S
from maxent._util.format import defined

__all__ = [
    "REAL_RTOL",
    "Residuals",
    "check_draws",
    "check_integer",
    "check_real",
    "check_values",
    "independent_log_count",
]

#: Relative tolerance of a real constraint residual (against the row's own sum).
REAL_RTOL = 1e-9
#: Relative tolerance of a reported ln W against its independent recomputation.
LOG_COUNT_RTOL = 1e-9
#: Largest relative KKT residual of a real optimum called converged.
KKT_TOL = 1e-6


@dataclass(frozen=True)
class Residuals:
    """The measured post-conditions of one result.

    Attributes
    ----------
    count : float
        ``|sum n - N|`` in items (the largest over draws for a sample).
    energy : float
        ``|sum n E - U|`` in energy units (``unit``); for a sample in an energy shell,
        how far the worst draw lies outside the shell.
    constraints : tuple of float
        Each extra moment's residual in its own quantum.
    bounds : float
        Items outside ``0 <= n_k <= cap_k``.
    kkt : float or None
        Relative KKT residual (real optima only).
    log_count : float or None
        ``|reported ln W - recomputed ln W|`` in nats (where ln W is reported).
    unit : float
        The energy unit: the lattice quantum, or the smallest gap between levels.
    failures : tuple of str
        One phrase per promise broken; empty when every check holds.
    """

    count: float = 0.0
    energy: float = 0.0
    constraints: tuple[float, ...] = ()
    bounds: float = 0.0
    kkt: float | None = None
    log_count: float | None = None
    unit: float = 1.0
    failures: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """Whether every promise holds."""
        return not self.failures

    @property
    def note(self) -> str:
        """One line: ``''`` when every promise holds, else what failed."""
        return "" if self.ok else "post-condition failed: " + "; ".join(self.failures)

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON (what each means: ``docs/theory/checks.md``)."""
        return {
            "count": self.count,
            "energy": self.energy,
            "constraints": list(self.constraints),
            "bounds": self.bounds,
            "kkt": defined(self.kkt, "not checked: an integer allocation has no KKT conditions"),
            "log_count": defined(self.log_count, "not checked: no ln W was reported"),
            "energy_unit": self.unit,
            "ok": self.ok,
            "failures": list(self.failures),
        }

    def worst(self) -> float:
        """The largest residual (items, energy units and nats alike), for a table."""
        vals = [self.count, self.energy, self.bounds, *self.constraints]
        vals += [v for v in (self.kkt, self.log_count) if v is not None]
        return float(max(vals))


def energy_unit(problem) -> float:
    """The quantum, or the smallest gap between distinct levels (1 if all are equal)."""
    if problem.quantum is not None:
        return float(problem.quantum)
    gaps = np.diff(np.unique(problem.energies))
    return float(gaps.min()) if gaps.size else 1.0


def row_unit(problem, which: int) -> float:
    """The quantum of an extra row's values, or their smallest gap."""
    if problem.extra_levels is not None:
        return float(problem.extra_quanta[which])
    gaps = np.diff(np.unique(problem.constraints[which].values))
    return float(gaps.min()) if gaps.size else 1.0


def _real_row(problem, n: np.ndarray, which: int | None) -> tuple[float, float]:
    """(residual, tolerance) of one row in its unit, from the end nearer its target."""
    vals = problem.energies if which is None else problem.constraints[which].values
    unit = energy_unit(problem) if which is None else row_unit(problem, which)
    centre, offset, _ = problem.row_reference(which)
    terms = n * (vals - centre)
    resid = abs(math.fsum(terms.tolist()) - offset) / unit
    size = math.fsum(np.abs(terms).tolist()) / unit
    # float64 holds each class's share of the row to ~1e-16 of the row's size; the
    # tolerance leaves room for the solver's own convergence test
    return resid, REAL_RTOL * max(size, abs(offset) / unit) + 1e-12


def check_real(
    problem,
    counts,
    *,
    kkt: float | None = None,
    log_count: float | None = None,
    objective: str = "exact",
) -> Residuals:
    """Post-conditions of real counts (an optimum): rows, bounds, KKT and ln W.

    Parameters
    ----------
    problem : Problem
        The constraints the counts must meet.
    counts : array_like, shape (K,)
        Real counts.
    kkt : float, optional
        The KKT residual to judge (computed by the caller with its multipliers).
    log_count : float, optional
        The reported ln W of ``objective`` at ``counts``, to recompute.
    objective : {'exact', 'stirling'}
        Which ln W ``log_count`` is.

    Returns
    -------
    Residuals
    """
    n = np.asarray(counts, dtype=np.float64)
    fail = []
    if not np.all(np.isfinite(n)):
        return Residuals(math.inf, math.inf, failures=("counts are not all finite",))
    n_items = problem.n
    count = abs(math.fsum(n.tolist()) - n_items)
    if count > REAL_RTOL * n_items + 1e-12:
        fail.append(f"the counts sum to N {'+' if n.sum() > n_items else '-'} {count:.3g}")
    energy, tol = (0.0, 0.0) if problem.e_max == problem.e_min else _real_row(problem, n, None)
    if energy > tol:
        fail.append(f"the energy misses U by {energy:.3g} quanta")
    extras = []
    for i, c in enumerate(problem.constraints):
        r, t = _real_row(problem, n, i)
        extras.append(r)
        if r > t:
            fail.append(f"the mean of {c.name} misses its value by {r:.3g} quanta")
    caps = problem.caps.astype(np.float64)
    bounds = float(max(0.0, -n.min(), (n - caps).max()))
    if bounds > REAL_RTOL * max(1.0, float(caps.max())):
        fail.append(f"a count lies {bounds:.3g} items outside [0, cap]")
    if kkt is not None and not kkt <= KKT_TOL:
        fail.append(f"the KKT residual is {kkt:.2g} (> {KKT_TOL:g})")
    diff = None
    if log_count is not None:
        again = independent_log_count(problem, n, objective)
        diff = abs(float(log_count) - again) if math.isfinite(again) else math.inf
        if not diff <= LOG_COUNT_RTOL * max(1.0, abs(again)):
            fail.append(f"ln W is {log_count:.10g}, recomputed {again:.10g}")
    return Residuals(
        count, energy, tuple(extras), bounds, kkt, diff, energy_unit(problem), tuple(fail)
    )


def _int_rows(problem):
    """Integer rows (levels) and their exact targets, Python integers."""
    rows = [problem.levels]
    totals = [problem.level_total]
    for lv, t in zip(problem.extra_levels or [], problem.extra_totals or [], strict=True):
        rows.append(lv)
        totals.append(t)
    return rows, totals


def check_integer(problem, counts, *, log_count: float | None = None) -> Residuals:
    """Post-conditions of one integer allocation, exactly (Python integers).

    Parameters
    ----------
    problem : Problem
        Must be on an integer lattice (the energies and any extra rows).
    counts : array_like of int, shape (K,)
        The allocation.
    log_count : float, optional
        Its reported ln W, recomputed independently.

    Returns
    -------
    Residuals
    """
    raw = np.asarray(counts)
    fail = []
    if not np.issubdtype(raw.dtype, np.integer):
        if not np.all(np.isfinite(raw)) or np.any(raw != np.round(raw)):
            return Residuals(math.inf, math.inf, failures=("the counts are not integers",))
    n = [int(v) for v in raw.tolist()]
    caps = [int(c) for c in problem.caps.tolist()]
    count = abs(sum(n) - problem.n)
    if count:
        fail.append(f"the counts sum to {sum(n)}, not N = {problem.n}")
    bounds = max([0] + [-v for v in n] + [v - c for v, c in zip(n, caps, strict=True)])
    if bounds:
        fail.append(f"a count lies {bounds} items outside [0, cap]")
    energy, extras = 0, []
    if problem.levels is not None and problem.level_total is not None:
        rows, totals = _int_rows(problem)
        for i, (lv, t) in enumerate(zip(rows, totals, strict=True)):
            got = sum(int(a) * b for a, b in zip(lv.tolist(), n, strict=True))
            miss = abs(got - int(t))
            if i == 0:
                energy = miss
                if miss:
                    fail.append(f"the energy misses U by {miss} quanta")
            else:
                extras.append(float(miss))
                if miss:
                    name = problem.constraints[i - 1].name
                    fail.append(f"the mean of {name} misses its value by {miss} quanta")
    diff = None
    if log_count is not None and not fail:
        again = independent_log_count(problem, raw)
        diff = abs(float(log_count) - again) if math.isfinite(again) else math.inf
        if not diff <= LOG_COUNT_RTOL * max(1.0, abs(again)):
            fail.append(f"ln W is {log_count:.10g}, recomputed {again:.10g}")
    return Residuals(
        float(count),
        float(energy),
        tuple(extras),
        float(bounds),
        None,
        diff,
        energy_unit(problem),
        tuple(fail),
    )


def check_draws(problem, draws, *, energy_tolerance: float | None = None) -> Residuals:
    """Post-conditions of sampled allocations (an (M, K) integer array), every draw.

    On a lattice each draw must meet every row exactly (int64 products, or Python
    integers where they could overflow); in an energy shell (``energy_tolerance``) its
    energy must lie within the shell.
    """
    d = np.asarray(draws)
    fail = []
    if d.ndim != 2 or d.shape[1] != problem.classes or not np.issubdtype(d.dtype, np.integer):
        return Residuals(math.inf, math.inf, failures=("the draws are not (M, K) integers",))
    if d.shape[0] == 0:
        return Residuals(unit=energy_unit(problem))
    bad_count = d.sum(axis=1, dtype=np.int64) != problem.n
    count = float(np.abs(d.sum(axis=1, dtype=np.int64) - problem.n).max())
    low = float(max(0, -int(d.min())))
    high = float(max(0, int((d - problem.caps).max())))
    bounds = max(low, high)
    energy, extras = 0.0, []
    bad = bad_count | (d < 0).any(axis=1) | (d > problem.caps).any(axis=1)
    if energy_tolerance is not None or problem.levels is None or problem.level_total is None:
        tol = 0.0 if energy_tolerance is None else float(energy_tolerance)
        u = d.astype(np.float64) @ problem.energies
        out = np.maximum(np.abs(u - problem.total_energy) - tol, 0.0)
        slack = 1e-9 * max(1.0, abs(problem.total_energy))
        energy = float(out.max()) / energy_unit(problem)
        bad |= out > slack
    else:
        rows, totals = _int_rows(problem)
        for i, (lv, t) in enumerate(zip(rows, totals, strict=True)):
            if problem.n * max(1, int(np.abs(lv).max())) < 2**62:
                miss = np.abs(d @ lv.astype(np.int64) - int(t)).astype(np.float64)
            else:  # beyond int64: exact Python integers
                col = [int(v) for v in lv.tolist()]
                miss = np.array(
                    [
                        abs(sum(a * b for a, b in zip(col, row, strict=True)) - int(t))
                        for row in d.tolist()
                    ],
                    dtype=np.float64,
                )
            bad |= miss > 0
            if i == 0:
                energy = float(miss.max())
            else:
                extras.append(float(miss.max()))
    if bad.any():
        fail.append(
            f"{int(bad.sum())} of {d.shape[0]} draws break the constraints "
            f"(count off by up to {count:g}, energy by {energy:g} quanta, bounds by {bounds:g})"
        )
    return Residuals(
        count, energy, tuple(extras), bounds, None, None, energy_unit(problem), tuple(fail)
    )


def check_values(named: dict[str, tuple[float, float]]) -> tuple[str, ...]:
    """Failures among ``{name: (residual, tolerance)}`` (a fit's own promises)."""
    out = []
    for name, (resid, tol) in named.items():
        if not (math.isfinite(resid) and resid <= tol):
            out.append(f"{name} is {resid:.3g} (> {tol:.3g})")
    return tuple(out)


# -- ln W by a second route -----------------------------------------------------------

_TAIL = ((1, 1.0 / 12.0), (3, -1.0 / 360.0), (5, 1.0 / 1260.0), (7, -1.0 / 1680.0))


def _lgamma_rise(a: float, d: float) -> float:
    """``ln Gamma(a + d) - ln Gamma(a)`` for a > 0, d >= 0 given apart (no cancellation)."""
    if d == 0:
        return 0.0
    if a < 10.0 or d < 1e-300:
        if a + d < 1e15:
            return math.lgamma(a + d) - math.lgamma(a)
        # a small: ln Gamma(a + d) directly (its cancellation with ln Gamma(a) is harmless)
        return _lgamma_rise(10.0, a + d - 10.0) + math.lgamma(10.0) - math.lgamma(a)
    b = a + d
    acc = (b - 0.5) * math.log1p(d / a) + d * (math.log(a) - 1.0)
    for m, c in _TAIL:
        acc += c * (b**-m - a**-m)
    return acc


def _ln_binomial(a, b) -> float:
    """``ln C(a + b, b)`` with both parts given apart (ints or floats >= 0).

    Taken as ``ln Gamma(big + small + 1) - ln Gamma(big + 1)`` (one rise, no cancellation)
    less ``ln Gamma(small + 1)``, where small is the smaller part.
    """
    big, small = (a, b) if a >= b else (b, a)
    return _lgamma_rise(float(big) + 1.0, float(small)) - math.lgamma(float(small) + 1.0)


def independent_log_count(problem, counts, objective: str = "exact") -> float:
    """``ln W(n)`` by a second route, to check the one a result reports.

    Exact objective: Boltzmann counting as a product of binomial coefficients over the
    classes in increasing order of their counts, ``prod_j C(S_j, n_j)`` with exact
    integer prefix sums ``S_j`` for integer counts; Bose-Einstein and Fermi-Dirac as
    their per-class binomials. Every difference of ln Gamma is taken with Stirling's
    series on the difference itself, so no two large logarithms are subtracted (the
    library's :func:`maxent.log_count` uses numba's series and a different split).
    Stirling objective: ``sum n ln(N/n)`` terms with compensated sums.
    """
    raw = np.asarray(counts)
    integer = np.issubdtype(raw.dtype, np.integer)
    vals = [int(v) for v in raw.tolist()] if integer else [float(v) for v in raw.tolist()]
    g = problem.degeneracies.tolist()
    stat = problem.stat
    if any(v < 0 for v in vals):
        return -math.inf
    if objective == "stirling":
        total = float(sum(vals))
        top = max(range(len(vals)), key=lambda k: vals[k])
        # the largest class as n log1p(rest / n), rest summed from the others: its
        # log(N / n) is the log of a number next to 1
        rest = math.fsum(float(v) for k, v in enumerate(vals) if k != top)
        terms = []
        for k, (v, gk) in enumerate(zip(vals, g, strict=True)):
            v = float(v)
            if stat == S.BOLTZMANN:
                if k == top and v > 0:
                    terms.append(v * math.log1p(rest / v) + v * math.log(gk))
                elif v > 0:
                    terms.append(v * math.log(total / v) + v * math.log(gk))
            elif stat == S.BOSE:
                terms += [v * math.log1p(gk / v) if v > 0 else 0.0, gk * math.log1p(v / gk)]
            else:
                m = gk - v
                terms += [v * math.log1p(m / v) if v > 0 else 0.0]
                terms += [m * math.log1p(v / m) if m > 0 else 0.0]
        return math.fsum(terms)
    if stat == S.BOLTZMANN:
        order = sorted(range(len(vals)), key=lambda k: vals[k])
        prefix = 0 if integer else 0.0
        terms = []
        for k in order:
            if vals[k] > 0:
                terms.append(_ln_binomial(prefix, vals[k]) + vals[k] * math.log(g[k]))
            prefix += vals[k]
        return math.fsum(terms)
    terms = []
    for v, gk in zip(vals, g, strict=True):
        if stat == S.BOSE:  # C(v + g - 1, v)
            terms.append(_ln_binomial(gk - 1.0, v))
        else:  # C(g, v)
            if v > gk:
                return -math.inf
            small = min(v, gk - v)
            terms.append(_ln_binomial(gk - small, small))
    return math.fsum(terms)
