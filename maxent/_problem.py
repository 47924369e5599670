"""The problem every maxent computation shares: N items, K classes, a total energy."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import _theory
from ._errors import UnreachableError, ValidationError
from ._lattice import (
    detect_quantum,
    is_reachable,
    lattice_levels,
    nearest_reachable,
    reachable_neighbours,
)
from ._theory import beta_from_mean, boltzmann
from ._validate import as_count, as_degeneracies, as_energies, as_real

__all__ = ["Problem", "default_energies"]


def default_energies(classes: Any) -> np.ndarray:
    """Energies ``0, 1, ..., K-1`` for ``K = classes >= 2``."""
    k = as_count(classes, "classes", minimum=2)
    if k > 10**8:
        raise ValidationError("classes", f"must be between 2 and 1e8 (got {k})")
    return np.arange(k, dtype=np.float64)


class Problem:
    """N items in K classes with energies ``E_k``, constrained to a total energy ``U``.

    Every assignment of items with ``sum n_k = N`` and ``sum n_k E_k = U`` is equally
    likely, so an allocation ``n`` has weight ``W(n) = N! / prod n_k!`` (times
    ``prod g_k^n_k`` with degeneracies). Give exactly one of ``mean_energy``,
    ``total_energy``, ``beta`` or ``temperature``. With ``beta`` or ``temperature`` the
    total is ``N <E>_beta`` moved to the nearest total an integer allocation can reach
    (when the energies sit on a lattice), so the effective mean can differ slightly.

    Parameters
    ----------
    energies : array_like, shape (K,)
        Class energies, K >= 2, finite.
    n : int or str
        Number of items ``N >= 1`` (``100000``, ``1e5`` and ``"100_000"`` are accepted).
    mean_energy, total_energy : float, optional
        ``U / N`` or ``U``; must lie in ``[min E, max E]`` (times N).
    beta : float, optional
        Inverse temperature (any real or +/-inf).
    temperature : float, optional
        ``T = 1/beta > 0`` (``inf`` allowed); use ``beta`` for negative temperatures.
    degeneracies : array_like, shape (K,), optional
        Positive weights ``g_k`` (default 1).
    energy_quantum : float, optional
        Lattice spacing of the energies; detected automatically when omitted.
    energy_tolerance : float, optional
        Half-width of the microcanonical shell ``|sum n_k E_k - U| <= tol`` used by the
        MCMC sampler for energies without a common quantum.
    snap : bool, optional
        Move a given mean or total energy to the nearest reachable lattice total instead
        of rejecting an unreachable one (``beta`` and ``temperature`` always snap).

    Attributes
    ----------
    energies, degeneracies : ndarray
    n : int
    total_energy, mean_energy : float
        ``U`` and ``U / N`` (effective values).
    beta : float
        Boltzmann inverse temperature of the effective mean (the large-N limit).
    requested_beta : float or None
        The ``beta`` asked for (or ``1/temperature``), when given.
    quantum : float or None
        Energy lattice spacing ``q``; ``None`` when the energies have none.
    levels : ndarray of int64 or None
        ``m_k = (E_k - min E) / q``.
    level_total : int or None
        ``M = (U - N min E) / q`` when ``U`` is on the lattice.
    reachable : bool or None
        Whether some integer allocation attains ``U`` (``None``: not decided yet).
    """

    def __init__(
        self,
        energies,
        n,
        *,
        mean_energy: float | None = None,
        total_energy: float | None = None,
        beta: float | None = None,
        temperature: float | None = None,
        degeneracies=None,
        energy_quantum: float | None = None,
        energy_tolerance: float | None = None,
        snap: bool = False,
    ):
        self.energies = as_energies(energies, min_size=2)
        self.n = as_count(n, "n")
        self.degeneracies = as_degeneracies(degeneracies, self.energies.size)
        given = {
            "mean_energy": mean_energy,
            "total_energy": total_energy,
            "beta": beta,
            "temperature": temperature,
        }
        named = [k for k, v in given.items() if v is not None]
        if len(named) != 1:
            raise ValidationError(
                named[1] if len(named) > 1 else "mean_energy",
                "give exactly one of mean_energy, total_energy, beta, temperature"
                + (f" (got {', '.join(named)})" if named else ""),
            )
        self.spec = named[0]
        if energy_tolerance is not None:
            energy_tolerance = as_real(energy_tolerance, "energy_tolerance")
            if energy_tolerance < 0:
                raise ValidationError("energy_tolerance", f"must be >= 0 (got {energy_tolerance})")
        self.energy_tolerance = energy_tolerance

        e = self.energies
        self.e_min, self.e_max = float(e.min()), float(e.max())
        if self.e_min == self.e_max:
            # All energies equal: the energy constraint is automatic (a one-point lattice).
            self.quantum = None
            self.levels = np.zeros(e.size, dtype=np.int64)
        elif energy_quantum is not None:
            q = as_real(energy_quantum, "energy_quantum")
            self.levels = lattice_levels(e, q)
            self.quantum = q
        else:
            self.quantum = detect_quantum(e)
            self.levels = None if self.quantum is None else lattice_levels(e, self.quantum)

        self.requested_beta = None
        self.level_total: int | None = None
        self.reachable: bool | None = None
        self.unreachable_reason = ""
        n_items = self.n
        if self.spec in ("beta", "temperature"):
            if self.spec == "temperature":
                t = as_real(temperature, "temperature", allow_inf=True)
                if not t > 0:
                    raise ValidationError(
                        "temperature",
                        f"must be > 0 (got {t:g}); for negative temperatures give beta instead",
                    )
                b = 1.0 / t
            else:
                b = as_real(beta, "beta", allow_inf=True)
            self.requested_beta = b
            self.mean_energy = _theory.mean_energy(e, b, self.degeneracies)
            self._snap_to_lattice()
        else:
            if self.spec == "mean_energy":
                mean = as_real(mean_energy, "mean_energy")
                if not self.e_min <= mean <= self.e_max:
                    raise ValidationError(
                        "mean_energy",
                        f"must lie in [min E, max E] = [{self.e_min:.10g}, {self.e_max:.10g}]"
                        f" (got {mean:.10g})",
                    )
            else:
                total = as_real(total_energy, "total_energy")
                lo, hi = n_items * self.e_min, n_items * self.e_max
                if not lo <= total <= hi:
                    raise ValidationError(
                        "total_energy",
                        f"must lie in [N min E, N max E] = [{lo:.10g}, {hi:.10g}]"
                        f" (got {total:.10g})",
                    )
                mean = total / n_items
            self.mean_energy = min(max(mean, self.e_min), self.e_max)
            if snap:
                self._snap_to_lattice()
            elif self.levels is not None:
                self._place_on_lattice()
        self.total_energy = self.mean_energy * n_items
        self.beta = beta_from_mean(e, self.mean_energy, self.degeneracies)

    def _snap_to_lattice(self) -> None:
        """Move the mean to the nearest total that an integer allocation reaches."""
        if self.levels is None:
            return
        n_items = self.n
        if self.quantum is None:  # all energies equal
            self.level_total, self.reachable = 0, True
            return
        m_real = n_items * (self.mean_energy - self.e_min) / self.quantum
        self.level_total = nearest_reachable(self.levels, n_items, m_real)
        self.mean_energy = self.e_min + self.quantum * self.level_total / n_items
        self.reachable = is_reachable(self.levels, n_items, self.level_total)

    def _place_on_lattice(self) -> None:
        n_items, q = self.n, self.quantum
        if q is None:  # all energies equal; the range check already fixed the mean
            self.level_total, self.reachable = 0, True
            return
        m_real = n_items * (self.mean_energy - self.e_min) / q
        m_int = round(m_real)
        top = int(self.levels.max())
        if abs(m_real - m_int) > 1e-9 * max(1.0, abs(m_real)):
            lo = math.floor(m_real)
            self.reachable = False
            self.unreachable_reason = (
                f"N * mean = {n_items * self.mean_energy:.12g} is not on the energy lattice "
                f"(min E + multiples of {q:.12g} per item); nearest totals "
                f"{n_items * self.e_min + q * lo:.12g} and "
                f"{n_items * self.e_min + q * (lo + 1):.12g}"
                f" (means {self.e_min + q * lo / n_items:.12g} and"
                f" {self.e_min + q * (lo + 1) / n_items:.12g})"
            )
            return
        m_int = min(max(m_int, 0), n_items * top)
        self.level_total = m_int
        self.mean_energy = self.e_min + q * m_int / n_items
        self.reachable = is_reachable(self.levels, n_items, m_int)
        if self.reachable is False:
            near = [
                f"{self.e_min + q * c / n_items:.12g}"
                for c in reachable_neighbours(self.levels, n_items, m_int)
                if c is not None
            ]
            self.unreachable_reason = (
                f"no allocation of {n_items} items reaches total energy "
                f"{n_items * self.e_min + q * m_int:.12g}; nearest reachable means: "
                + " and ".join(near)
            )

    # -- derived quantities -------------------------------------------------------------
    @property
    def classes(self) -> int:
        """Number of classes K."""
        return int(self.energies.size)

    @property
    def boltzmann(self) -> np.ndarray:
        """Large-N limit: Boltzmann probabilities at :attr:`beta`."""
        return boltzmann(self.energies, self.beta, self.degeneracies)

    @property
    def on_lattice(self) -> bool:
        """Whether the energies have a common quantum and U sits on the lattice."""
        return self.level_total is not None

    def require_lattice(self, what: str) -> None:
        """Raise a clear error unless integer allocations can attain U.

        Parameters
        ----------
        what : str
            The computation that needs the lattice, for the message.
        """
        param = "mean_energy" if self.spec in ("mean_energy", "beta", "temperature") else self.spec
        if self.levels is None:
            raise ValidationError(
                "energies",
                f"{what} needs energies on a common lattice (min E + integer multiples of a "
                "quantum); give energy_quantum, or use MCMC with an energy_tolerance",
            )
        if self.reachable is False or self.level_total is None:
            raise UnreachableError(param, self.unreachable_reason or "total energy not reachable")

    def to_dict(self) -> dict[str, Any]:
        """Return the shared keys of every JSON output."""
        out = {
            "energies": self.energies.tolist(),
            "n": self.n,
            "total_energy": self.total_energy,
            "mean_energy": self.mean_energy,
            "beta": self.beta,
            "temperature": (1.0 / self.beta) if self.beta != 0 else math.inf,
            "boltzmann": self.boltzmann.tolist(),
            "energy_quantum": self.quantum,
        }
        if self.requested_beta is not None:
            out["requested_beta"] = self.requested_beta
        if np.any(self.degeneracies != 1.0):
            out["degeneracies"] = self.degeneracies.tolist()
        return out

    def __repr__(self) -> str:
        e = np.array2string(self.energies, threshold=8, precision=6)
        return (
            f"Problem(energies={e}, n={self.n}, mean_energy={self.mean_energy:.10g}, "
            f"beta={self.beta:.6g}, quantum={self.quantum})"
        )
