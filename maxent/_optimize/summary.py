"""One call that puts the optimiser's answers side by side (used by ``maxent optimize``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from maxent._model.logcount import log_count
from maxent._model.problem import Problem
from maxent._optimize.mode import most_probable_allocation
from maxent._optimize.optimum import maximize_log_count
from maxent._util.errors import UnreachableError, ValidationError
from maxent._util.format import ShortRepr
from maxent._util.result import OptimizeResult

__all__ = ["OptimumSummary", "optimize"]


@dataclass(frozen=True, repr=False)
class OptimumSummary(ShortRepr):
    """The Boltzmann limit, the exact and Stirling optima and the integer mode.

    Attributes
    ----------
    problem : Problem
        The problem solved.
    exact, stirling : OptimizeResult
        Results of :func:`maximize_log_count` with each objective.
    mode : OptimizeResult or None
        Result of :func:`most_probable_allocation`; ``None`` when it does not apply.
    mode_message : str
        Why ``mode`` is ``None`` (empty otherwise).
    exact_message : str
        Why ``exact`` is ``None`` (empty otherwise).

    Examples
    --------
    >>> import maxent
    >>> maxent.optimize(maxent.Problem([0, 1, 2, 3], 20, mean_energy=1.2))
    OptimumSummary(problem=Problem(...), exact=OptimizeResult(success=True, ...), ...)
    """

    problem: Problem
    exact: OptimizeResult | None
    stirling: OptimizeResult
    mode: OptimizeResult | None
    mode_message: str = ""
    exact_message: str = ""

    @property
    def failures(self) -> list[str]:
        """``'name: note'`` for every answer whose post-conditions failed (empty if none)."""
        out = []
        found = [("exact optimum", self.exact), ("Stirling optimum", self.stirling)]
        found.append(("integer mode", self.mode))
        for name, res in found:
            checked = None if res is None else res.get("residuals")
            if checked is not None and not checked.ok:
                out.append(f"{name}: {checked.note}")
        return out

    def log_counts(self) -> list[tuple[str, float, float]]:
        """``(name, exact ln W, Stirling ln W)`` at each allocation found.

        Both objectives evaluated at the same counts, so the rows compare like with like:
        the exact optimum has the largest exact ln W among real allocations, the Stirling
        optimum the largest Stirling value (which is ``N H(n/N)`` for Boltzmann counting
        and lies above the exact values).
        """
        rows = []
        found = [("exact optimum", self.exact), ("Stirling optimum", self.stirling)]
        if self.mode is not None and self.mode.counts is not None:
            found.append(("integer mode", self.mode))
        for name, res in found:
            if res is None:
                continue
            n = np.asarray(res.counts, dtype=np.float64)
            rows.append(
                (
                    name,
                    float(log_count(self.problem, n, "exact")),
                    float(log_count(self.problem, n, "stirling")),
                )
            )
        return rows

    def to_dict(self) -> dict[str, Any]:
        """Shared problem keys plus ``optimum``, ``stirling`` and ``mode``."""
        out = self.problem.to_dict()
        out["optimum"] = None if self.exact is None else _optimum_dict(self.exact)
        if self.exact is None:
            out["optimum_message"] = self.exact_message
        out["stirling"] = _optimum_dict(self.stirling)
        if self.mode is not None and self.mode.counts is not None:
            out["mode"] = {
                "counts": [int(v) for v in np.asarray(self.mode.counts).tolist()],
                "fractions": np.asarray(self.mode.fractions).tolist(),
                "log_count": self.mode.log_count,
                "certified": bool(self.mode.certified),
                "gap": float(self.mode.get("gap", 0.0)),
                "ties": int(self.mode.ties),
                "success": bool(self.mode.success),
                "message": self.mode.message,
                "residuals": _residuals(self.mode),
            }
        else:
            out["mode"] = None
            out["mode_message"] = self.mode_message or (self.mode.message if self.mode else "")
        return out


def _optimum_dict(res: OptimizeResult) -> dict[str, Any]:
    out = {
        "fractions": res.fractions.tolist(),
        "counts": res.counts.tolist(),
        "alpha": res.alpha,
        "beta": res.beta,
        "lambdas": np.asarray(res.lambdas).tolist(),
        "log_count": res.log_count,
        "kkt_residual": res.kkt_residual,
        "nit": res.nit,
        "success": bool(res.success),
        "message": res.message,
        "residuals": _residuals(res),
    }
    if "log_count_exact" in res:
        out["log_count_exact"] = res.log_count_exact
    return out


def _residuals(res: OptimizeResult) -> dict[str, Any] | None:
    checked = res.get("residuals")
    return None if checked is None else checked.to_dict()


def optimize(problem: Problem, method: str = "dual") -> OptimumSummary:
    """Exact and Stirling optima of ln W and the most probable integer allocation.

    Parameters
    ----------
    problem : Problem
        The problem to solve.
    method : {'dual', 'slsqp', 'trust-constr'}
        Method of :func:`maximize_log_count` for both objectives.

    Returns
    -------
    OptimumSummary
        The three answers; the mode is ``None`` (with a message) when the energies have
        no common quantum.

    Examples
    --------
    >>> import maxent
    >>> s = maxent.optimize(maxent.Problem([0, 1, 2, 3], 20, mean_energy=1.2))
    >>> s.exact.counts.round(3).tolist()
    [6.934, 5.46, 4.278, 3.328]
    >>> s.stirling.fractions.round(4).tolist()  # the Boltzmann law
    [0.3474, 0.2722, 0.2133, 0.1671]
    >>> s.mode.counts.tolist()
    [7, 5, 5, 3]
    """
    exact, exact_why = None, ""
    try:
        exact = maximize_log_count(problem, "exact", method)
    except ValidationError as exc:  # no unique exact optimum (single-state Bose levels)
        exact_why = exc.message
    stirling = maximize_log_count(problem, "stirling", method)
    mode, why = None, ""
    try:
        mode = most_probable_allocation(problem)
    except UnreachableError:
        raise
    except ValidationError as exc:  # no lattice, or totals beyond 64-bit integers
        why = exc.message
    return OptimumSummary(problem, exact, stirling, mode, why, exact_why)
