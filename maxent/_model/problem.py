"""The problem every maxent computation shares: N items, K classes, a total energy.

Optionally: degeneracies g_k (or prior weights), the counting statistics (Boltzmann,
Bose-Einstein, Fermi-Dirac) and extra linear moment constraints. All of them enter
through one mechanism: a per-class log-weight (see :mod:`maxent._model.statistics`) and a
matrix of linear constraints whose rows are the count, the energy and the moments.
"""

from __future__ import annotations

import ast
import functools
import math
import operator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from maxent._model import statistics as S
from maxent._model import theory as _theory
from maxent._model.faces import extreme_alpha, extreme_face, extreme_total
from maxent._model.lattice import (
    detect_quantum,
    is_reachable,
    lattice_levels,
    nearest_reachable,
    reachable_neighbours,
)
from maxent._model.theory import beta_from_mean, boltzmann
from maxent._util.errors import UnreachableError, ValidationError
from maxent._util.format import ShortRepr, defined, format_exact
from maxent._util.validate import (
    as_count,
    as_degeneracies,
    as_energies,
    as_exact,
    as_real,
    exact_decimal,
    written_as_float,
)

__all__ = ["Constraint", "Limit", "Problem", "default_energies", "parse_constraint"]


def default_energies(classes: Any) -> np.ndarray:
    """Energies ``0, 1, ..., K-1`` for ``K = classes >= 2``.

    Parameters
    ----------
    classes : int or str
        Number of classes ``K``, between 2 and 1e8 (``"1e3"`` is accepted).

    Returns
    -------
    ndarray of float64, shape (K,)
        Equally spaced energies starting at 0.

    Raises
    ------
    ValidationError
        If ``classes`` is not a whole number in ``[2, 1e8]``.

    Examples
    --------
    >>> import maxent
    >>> maxent.default_energies(4)
    array([0., 1., 2., 3.])
    """
    k = as_count(classes, "classes", minimum=2)
    if k > 10**8:
        raise ValidationError("classes", f"must be between 2 and 1e8 (got {k})")
    return np.arange(k, dtype=np.float64)


# -- extra constraints ---------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class Constraint(ShortRepr):
    """An extra linear constraint: the mean over items of ``values[k]`` equals ``mean``.

    That is ``sum_k n_k values[k] = N * mean``; it gets its own Lagrange multiplier.
    Build one with :func:`parse_constraint`, or directly.

    Attributes
    ----------
    name : str
        The expression it was parsed from (``"custom"`` for explicit values).
    values : ndarray, shape (K,)
        The value of the constrained quantity in each class, ``f(k)``.
    mean : float
        Required mean of ``f`` over the items.

    Examples
    --------
    >>> import numpy as np
    >>> import maxent
    >>> maxent.Constraint("k**2", np.array([0.0, 1.0, 4.0, 9.0]), 3.5)
    Constraint(name='k**2', values=[0., 1., 4., 9.], mean=3.5)
    """

    name: str
    values: np.ndarray
    mean: float


_OPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
    ast.Mod: operator.mod,
}
_FUNCS = {
    "abs": np.abs,
    "sqrt": np.sqrt,
    "exp": np.exp,
    "log": np.log,
    "sin": np.sin,
    "cos": np.cos,
    "floor": np.floor,
}


def _eval(node, env):
    if isinstance(node, ast.Expression):
        return _eval(node.body, env)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return float(node.value)
    if isinstance(node, ast.Name) and node.id in env:
        return env[node.id]
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_eval(node.left, env), _eval(node.right, env))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_eval(node.operand, env))
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _FUNCS
        and len(node.args) == 1
        and not node.keywords
    ):
        return _FUNCS[node.func.id](_eval(node.args[0], env))
    raise ValueError(ast.dump(node)[:40])


def parse_constraint(
    text: str, energies: ArrayLike, degeneracies: ArrayLike | None = None
) -> Constraint:
    """Parse ``"EXPR=VALUE"``: the mean over items of EXPR equals VALUE.

    EXPR is arithmetic (``+ - * / ** %``, ``abs sqrt exp log sin cos floor``) in ``k``
    (the class index 0..K-1), ``E`` (its energy) and ``g`` (its degeneracy), e.g.
    ``"k**2=12.5"`` or ``"(E-1)**2=0.8"``.

    Parameters
    ----------
    text : str
        The constraint, ``"EXPR=VALUE"``.
    energies : array_like, shape (K,)
        Class energies (the values of ``E``).
    degeneracies : array_like, shape (K,), optional
        Class degeneracies (the values of ``g``; default 1).

    Returns
    -------
    Constraint
        Named by EXPR, with EXPR evaluated in every class.

    Raises
    ------
    ValidationError
        If the text is not ``EXPR=VALUE``, EXPR uses anything else, or it is not finite
        in every class.

    Examples
    --------
    >>> import maxent
    >>> c = maxent.parse_constraint("k**2=3.5", [0, 1, 2, 3])
    >>> c.name, c.values.tolist(), c.mean
    ('k**2', [0.0, 1.0, 4.0, 9.0], 3.5)
    >>> maxent.parse_constraint("(E-1)**2 = 0.8", [0.0, 0.5, 2.0]).values.tolist()
    [1.0, 0.25, 1.0]
    """
    e = np.asarray(energies, dtype=np.float64)
    g = np.ones(e.size) if degeneracies is None else np.asarray(degeneracies, dtype=np.float64)
    if not isinstance(text, str) or text.count("=") != 1:
        raise ValidationError("constraint", f"write EXPR=VALUE, e.g. k**2=12.5 (got {text!r})")
    expr, value = (part.strip() for part in text.split("="))
    mean = as_real(value, "constraint")
    env = {"k": np.arange(e.size, dtype=np.float64), "E": e, "g": g}
    try:
        with np.errstate(all="ignore"):
            vals = _eval(ast.parse(expr, mode="eval"), env)
    except OverflowError:
        raise ValidationError("constraint", f"{expr!r} overflows float64 for some class") from None
    except (SyntaxError, ValueError, ZeroDivisionError, TypeError, RecursionError):
        raise ValidationError(
            "constraint",
            f"cannot read {expr!r}: use numbers, k, E, g, + - * / ** and abs sqrt exp log",
        ) from None
    vals = np.broadcast_to(np.asarray(vals, dtype=np.float64), e.shape).copy()
    if not np.all(np.isfinite(vals)):
        raise ValidationError("constraint", f"{expr!r} is not finite for every class")
    return Constraint(expr, vals, mean)


def _as_constraint(c, energies, degeneracies) -> Constraint:
    if isinstance(c, Constraint):
        return c
    if isinstance(c, str):
        return parse_constraint(c, energies, degeneracies)
    try:
        values, mean = c
    except (TypeError, ValueError):
        raise ValidationError(
            "constraint", "give 'EXPR=VALUE', a Constraint or a (values, mean) pair"
        ) from None
    vals = as_energies(values, "constraint", min_size=len(energies))
    if vals.size != len(energies):
        raise ValidationError("constraint", f"needs one value per class ({len(energies)})")
    return Constraint("custom", vals, as_real(mean, "constraint"))


def _check_independent(energies: np.ndarray, constraints) -> None:
    """Refuse a constraint that the count, the energy and earlier constraints already fix.

    Such a row adds no information when its value agrees (it would only split one
    multiplier between two names, silently changing beta) and leaves no allocation when
    it does not; either way the user should hear about it.
    """
    rows = [np.ones(energies.size)]
    if np.ptp(energies) > 0:
        rows.append(energies - energies.mean())
    for c in constraints:
        base = np.vstack(rows).T
        coef, *_ = np.linalg.lstsq(base, c.values, rcond=None)
        resid = c.values - base @ coef
        scale = float(np.abs(c.values).max()) or 1.0
        if float(np.abs(resid).max()) <= 1e-9 * scale:
            raise ValidationError(
                "constraint",
                f"{c.name!r} is a linear combination of the count and energy constraints"
                + (" and earlier constraints" if len(rows) > 2 else "")
                + ": it fixes nothing new (use --mean-energy, or drop it)",
            )
        rows.append(c.values)


# -- the large-N limit -----------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class Limit(ShortRepr):
    """The large-N (Stirling) solution of a problem.

    Attributes
    ----------
    fractions : ndarray
        Limiting occupation fractions ``n_k / N``.
    alpha, beta : float
        Multipliers: occupations are ``g / (exp(alpha + beta E) -/0/+ 1)`` (Bose /
        Boltzmann / Fermi), with the extra constraints' multipliers in ``lambdas``.
    lambdas : ndarray
        One multiplier per extra constraint (``x_k += lambda . f(k)``).
    message : str
        How it was obtained; for Bose-Einstein, whether the ground level condenses.
    condensate : float
        Fraction of the items on the lowest level(s) (Bose-Einstein; else nan).

    Examples
    --------
    >>> import maxent
    >>> lim = maxent.Problem([0, 1, 2], n=30, mean_energy=1).limit
    >>> lim
    Limit(fractions=[0.3333, 0.3333, 0.3333], alpha=-2.30259, beta=0, lambdas=[], ...)
    >>> float(lim.fractions.sum())
    1.0
    """

    fractions: np.ndarray
    alpha: float
    beta: float
    lambdas: np.ndarray
    message: str
    condensate: float = math.nan


class Problem:
    """N items in K classes with energies ``E_k``, constrained to a total energy ``U``.

    Every assignment of items with ``sum n_k = N`` and ``sum n_k E_k = U`` is equally
    likely, so an allocation ``n`` has weight ``W(n) = N! / prod n_k!`` (times
    ``prod g_k^n_k`` with degeneracies; Bose-Einstein and Fermi-Dirac counting replace the
    weights, see ``statistics``). Give exactly one of ``mean_energy``, ``total_energy``,
    ``beta`` or ``temperature``. With ``beta`` or ``temperature`` the total is
    ``N <E>_beta`` (in the large-N limit) moved to the nearest total an integer
    allocation can reach, so the effective mean can differ slightly.

    Parameters
    ----------
    energies : array_like, shape (K,)
        Class energies, K >= 2, finite.
    n : int or str
        Number of items ``N >= 1`` (``100000``, ``1e5`` and ``"100_000"`` are accepted).
    mean_energy, total_energy : float, optional
        ``U / N`` or ``U``, inside the attainable range.
    beta : float, optional
        Inverse temperature (any real or +/-inf).
    temperature : float, optional
        ``T = 1/beta > 0`` (``inf`` allowed); use ``beta`` for negative temperatures.
    degeneracies : array_like, shape (K,), optional
        States per class ``g_k`` (default 1). Real values act as prior weights for
        Boltzmann counting; Fermi-Dirac needs whole numbers.
    statistics : {'boltzmann', 'bose', 'fermi'}
        How allocations are counted.
    constraints : sequence, optional
        Extra moment constraints: ``"EXPR=VALUE"`` strings (see
        :func:`parse_constraint`), :class:`Constraint` objects or ``(values, mean)``.
    energy_quantum : float, optional
        Lattice spacing of the energies; detected automatically when omitted.
    energy_tolerance : float, optional
        Half-width of the shell ``|sum n_k E_k - U| <= tol`` used by the MCMC sampler
        for energies without a common quantum.
    snap : bool, optional
        Move a given mean or total energy to the nearest reachable lattice total instead
        of rejecting an unreachable one (``beta`` and ``temperature`` always snap).

    Attributes
    ----------
    energies, degeneracies : ndarray
        Class energies and degeneracies, as float64 arrays of shape (K,).
    n : int
        Number of items ``N``.
    statistics : str
        ``'boltzmann'``, ``'bose'`` or ``'fermi'``.
    constraints : tuple of Constraint
        The extra moment constraints.
    total_energy, mean_energy : float
        ``U`` and ``U / N`` (effective values).
    beta : float
        Inverse temperature of the large-N limit at the effective mean.
    requested_beta : float or None
        The ``beta`` asked for (or ``1/temperature``), when given.
    quantum : float or None
        Energy lattice spacing ``q``; ``None`` when the energies have none.
    levels : ndarray of int64 or None
        ``m_k = (E_k - min E) / q``.
    level_total : int or None
        ``M = (U - N min E) / q`` when ``U`` is on the lattice.
    reachable : bool or None
        Whether some integer allocation attains the constraints (``None``: undecided).

    Examples
    --------
    >>> import maxent
    >>> p = maxent.Problem([0, 1, 2, 3], n=20, mean_energy=1.2)
    >>> p
    Problem(energies=[0. 1. 2. 3.], n=20, mean_energy=1.2, beta=0.244026, quantum=1.0)
    >>> p.classes, p.total_energy, p.level_total, round(p.beta, 4)
    (4, 24.0, 24, 0.244)

    With ``beta`` the total moves to the nearest total an integer allocation reaches:

    >>> q = maxent.Problem([0, 1, 2, 3], n=20, beta=0.5)
    >>> q.requested_beta, q.total_energy, round(q.beta, 4)
    (0.5, 18.0, 0.5152)
    """

    def __init__(
        self,
        energies: ArrayLike,
        n: int | str,
        *,
        mean_energy: float | None = None,
        total_energy: float | None = None,
        beta: float | None = None,
        temperature: float | None = None,
        degeneracies: ArrayLike | None = None,
        statistics: str = "boltzmann",
        constraints=(),
        energy_quantum: float | None = None,
        energy_tolerance: float | None = None,
        snap: bool = False,
    ):
        #: remarks on how the input was read (a total taken within float rounding)
        self.notes: list[str] = []
        self.energies = as_energies(energies, min_size=2)
        self.n = as_count(n, "n")
        self.stat = S.code(statistics)
        self.statistics = S.STATISTICS[self.stat]
        self.degeneracies = as_degeneracies(degeneracies, self.energies.size)
        S.check_degeneracies(self.stat, self.degeneracies)
        self.caps = S.caps(self.stat, self.degeneracies, self.n)
        room = sum(int(c) for c in self.caps.tolist())  # exact: int64 wraps past 9.2e18
        if self.stat == S.FERMI and room < self.n:
            raise ValidationError(
                "n",
                f"Fermi-Dirac: at most sum(g) = {room} items fit in these classes (got {self.n})",
            )
        self.constraints = tuple(
            _as_constraint(c, self.energies, self.degeneracies) for c in (constraints or ())
        )
        _check_independent(self.energies, self.constraints)
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
        n_items = self.n
        self.u_min = extreme_total(e, self.caps, n_items, lowest=True)
        self.u_max = extreme_total(e, self.caps, n_items, lowest=False)
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
            self.mean_energy = self._mean_at_beta(b)
            self._snap_to_lattice()
        else:
            value = mean_energy if self.spec == "mean_energy" else total_energy
            given = as_exact(value, self.spec)
            self._given = given
            total = given * n_items if self.spec == "mean_energy" else given
            if self.quantum is not None:
                self._place_on_lattice(total, written_as_float(given), snap)
            else:
                self._check_range(total)
                self._exact_u = total
                mean = float(total / n_items)
                self.mean_energy = min(max(mean, self.e_min), self.e_max)
                self.total_energy = float(total)
                if self.levels is not None:  # all energies equal: a one-point lattice
                    self.level_total, self.reachable = 0, True
        if self.quantum is not None:
            # on a lattice the exact integer level total decides which end it is at
            lo_face, hi_face = self._face_level_total(1), self._face_level_total(-1)
            self.extreme = 0
            if lo_face < hi_face and self.level_total == lo_face:
                self.extreme = 1
            elif lo_face < hi_face and self.level_total == hi_face:
                self.extreme = -1
        else:
            # An end of the attainable range (to rounding) is that end exactly: beta =
            # +/-inf. The tolerance is the rounding of the two numbers compared, not of
            # the whole range: with energies 0, 1, 1e12 a mean of 0.5 is far from 0.
            self.extreme = 0
            for sign, end in ((1, self.u_min), (-1, self.u_max)):
                tol = 1e-12 * (abs(self.total_energy) + abs(end)) + 1e-300
                if abs(self.total_energy - end) <= tol and self.u_min < self.u_max:
                    self.extreme = sign
                    self.total_energy = end
                    # N min E / N can round one ulp below min E (N = 7, E = 1.37955806904346)
                    self.mean_energy = min(max(end / n_items, self.e_min), self.e_max)
        self._extra_lattice()
        self._check_feasible()
        if self.plain:
            self.beta = beta_from_mean(e, self.mean_energy, self.degeneracies, gaps=self.mean_gaps)
        else:
            self.beta = self.limit.beta
        self._frozen = True

    def __setattr__(self, name: str, value) -> None:
        # A problem is shared by every computation made from it: it never changes.
        if getattr(self, "_frozen", False):
            raise AttributeError(f"Problem is immutable (cannot set {name!r})")
        object.__setattr__(self, name, value)

    # -- construction helpers ----------------------------------------------------------
    @property
    def plain(self) -> bool:
        """Whether this is plain Boltzmann counting with only the count and energy rows.

        Then the large-N limit is the Boltzmann law at :attr:`beta` in closed form.
        """
        return self.stat == S.BOLTZMANN and not self.constraints

    def _mean_at_beta(self, b: float) -> float:
        if self.plain:
            return _theory.mean_energy(self.energies, b, self.degeneracies)
        from maxent._model.dual import solve_dual

        if math.isinf(b):
            return (self.u_min if b > 0 else self.u_max) / self.n
        self._check_feasible(include_energy=False)
        coef, rhs, _, _ = self.constraint_rows(include_energy=False)
        offset = b * self.energies
        sol = solve_dual(
            self.stat,
            False,
            coef,
            rhs,
            np.log(self.degeneracies),
            self.degeneracies,
            np.zeros(coef.shape[0]),
            offset=offset,
        )
        return float(sol.counts @ self.energies) / self.n

    def _face_level_total(self, sign: int) -> int:
        """Exact integer level total of the lowest (sign 1) or highest (-1) face."""
        order = np.argsort(self.levels * sign, kind="stable")
        left, total = self.n, 0
        for k in order:
            take = min(left, int(self.caps[k]))
            total += take * int(self.levels[k])
            left -= take
            if left == 0:
                break
        return total

    def _snap_to_lattice(self) -> None:
        """Move the mean (from ``beta``) to the nearest total an integer allocation reaches."""
        if self.levels is None:
            self.total_energy = self.mean_energy * self.n
            return
        if self.quantum is None:  # all energies equal
            self.level_total, self.reachable = 0, True
            self.total_energy = self.mean_energy * self.n
            return
        self._place_on_lattice(self.n * exact_decimal(self.mean_energy), True, True)

    def exact_total(self, level_total: int | None = None) -> Fraction:
        """``U = N min E + q M`` as an exact rational (the energies read as typed).

        Parameters
        ----------
        level_total : int, optional
            ``M``; default :attr:`level_total`.
        """
        m = self.level_total if level_total is None else level_total
        return self.n * exact_decimal(self.e_min) + exact_decimal(self.quantum) * m

    @property
    def _unbounded_two_rows(self) -> bool:
        """Reachability is decided exactly by the coin table (no caps, no moments)."""
        return self.stat != S.FERMI and not self.constraints

    def _check_range(self, total: Fraction) -> None:
        """Refuse a total outside the attainable range (energies without a lattice)."""
        n_items = self.n
        value = float(total)
        lo, hi = self.u_min, self.u_max
        if self.spec == "mean_energy":
            value, lo, hi = value / n_items, lo / n_items, hi / n_items
        if not lo <= value <= hi:
            what = "[min E, max E]" if self.stat != S.FERMI else "the attainable range"
            if self.spec == "total_energy":
                what = "the attainable range"
            sep = " " if self.spec == "total_energy" else " = "
            raise ValidationError(
                self.spec, f"must lie in {what}{sep}[{lo:.10g}, {hi:.10g}] (got {value:.10g})"
            )

    def _place_on_lattice(self, total: Fraction, from_float: bool, snap: bool) -> None:
        """Put the exact total ``total`` on the lattice: ``level_total`` and the means.

        ``M = (U - N min E) / q`` is computed in exact rationals, so integers stay
        integers at any size. A value typed from a float's digits (``from_float``) stands
        for every real that rounds to that float: a lattice total within one unit in its
        last place is that total (and the problem says so in :attr:`notes`); an exact
        value must be on the lattice. With ``snap`` the nearest reachable total is taken.
        """
        n_items, q = self.n, exact_decimal(self.quantum)
        e0 = exact_decimal(self.e_min)
        m_real = (total - n_items * e0) / q
        lo_face, hi_face = self._face_level_total(1), self._face_level_total(-1)
        tol = Fraction(0)
        if from_float:
            given = total / n_items if self.spec != "total_energy" else total
            scale = n_items if self.spec != "total_energy" else 1
            tol = Fraction(math.ulp(float(given))) * scale / q
        per = "mean" if self.spec != "total_energy" else "total"

        def fmt(m: Fraction) -> str:
            u = n_items * e0 + q * m
            return format_exact(u if per == "total" else u / n_items)

        given = self.spec in ("mean_energy", "total_energy")
        if given and not lo_face - tol <= m_real <= hi_face + tol:
            what = "[min E, max E]" if self.stat != S.FERMI else "the attainable range"
            sep = " = "
            if per == "total":
                what, sep = "the attainable range", " "
            raise ValidationError(
                self.spec,
                f"must lie in {what}{sep}[{fmt(Fraction(lo_face))}, {fmt(Fraction(hi_face))}]"
                f" (got {format_exact(total if per == 'total' else total / n_items)})",
            )
        if snap:
            if self._unbounded_two_rows:
                m_int = nearest_reachable(self.levels, n_items, m_real)
            else:
                m_int = round(m_real)
            m_int = min(max(m_int, lo_face), hi_face)
        else:
            m_int = min(max(round(m_real), lo_face), hi_face)
            if abs(m_real - m_int) > tol:
                lo = math.floor(m_real)
                what = (
                    f"N * mean = {format_exact(total)}"
                    if per == "mean"
                    else (f"U = {format_exact(total)}")
                )
                near = f"{format_exact(n_items * e0 + q * lo)} and " + format_exact(
                    n_items * e0 + q * (lo + 1)
                )
                if per == "mean":
                    near += f" (means {fmt(Fraction(lo))} and {fmt(Fraction(lo + 1))})"
                self.reachable = False
                self.unreachable_reason = (
                    f"{what} is not on the energy lattice (min E + multiples of "
                    f"{format_exact(q)} per item); nearest totals {near}"
                )
                self.level_total = None
                self.mean_energy = min(max(float(total / n_items), self.e_min), self.e_max)
                self.total_energy = float(total)
                return
            if m_real != m_int:
                self.notes.append(
                    f"the {per} {format_exact(total if per == 'total' else total / n_items)} "
                    f"is read as {fmt(Fraction(m_int))}, the lattice {per} within its float64 "
                    "rounding"
                )
        self.level_total = int(m_int)
        exact_u = n_items * e0 + q * self.level_total
        self._exact_u = exact_u
        self.mean_energy = min(max(float(exact_u / n_items), self.e_min), self.e_max)
        self.total_energy = float(exact_u)
        if not self._unbounded_two_rows:
            return  # decided by the integer search when it is needed
        self.reachable = is_reachable(self.levels, n_items, self.level_total)
        if self.reachable is False:
            near = [
                fmt(Fraction(c))
                for c in reachable_neighbours(self.levels, n_items, self.level_total)
                if c is not None
            ]
            self.unreachable_reason = (
                f"no allocation of {n_items} items reaches total energy "
                f"{format_exact(exact_u)}; nearest reachable {per}s: " + " and ".join(near)
            )

    @property
    def _unbounded_two_rows(self) -> bool:
        """Reachability is decided exactly by the coin table (no caps, no moments)."""
        return self.stat != S.FERMI and not self.constraints

    def _extra_lattice(self) -> None:
        """Integer rows for the extra constraints (when their values have a quantum)."""
        self.extra_levels = []
        self.extra_totals = []
        self.extra_quanta = []
        for c in self.constraints:
            v = c.values
            if np.ptp(v) == 0:
                raise ValidationError("constraint", f"{c.name!r} is the same for every class")
            q = detect_quantum(v)
            if q is None:
                self.extra_levels = self.extra_quanta = None
                return
            lv = lattice_levels(v, q)
            # exact, within the float64 rounding of the mean (as for the energy)
            qe = exact_decimal(q)
            t_real = self.n * (exact_decimal(c.mean) - exact_decimal(float(v.min()))) / qe
            t_int = round(t_real)
            if abs(t_real - t_int) > Fraction(math.ulp(c.mean)) * self.n / qe:
                self.reachable = False
                self.unreachable_reason = (
                    f"N * mean of {c.name!r} = {self.n * c.mean:.12g} is not reachable by "
                    f"integer allocations (steps of {q:.12g} from {self.n * v.min():.12g})"
                )
            self.extra_levels.append(lv)
            self.extra_totals.append(int(t_int))
            self.extra_quanta.append(q)

    def constraint_rows(self, include_energy: bool = True, scaled: bool = True):
        """Constraint matrix (count, energy, moments) and targets.

        Returns (coef, rhs, centres, scales). Unscaled: the rows ``A_r`` and their totals
        ``N mean_r``. Scaled: the count row (ones, target N) and, for every other row,
        ``(A_r - centre_r) / scale_r`` with target ``(N mean_r - N centre_r) / scale_r``,
        where the centre is the end of the row's values nearer its mean and the target is
        computed exactly from the lattice total where there is one. Near an end of the
        range the target is then a few quanta held to full precision; a row centred on
        its mean would lose them in the rounding of ``N mean`` (N = 1e12 items, U = 1:
        the exact optimum put 0.97 items where 1 belongs).
        """
        rows = [np.ones(self.classes)]
        refs = [(1.0, float(self.n), 0.0)]
        if include_energy:
            rows.append(self.energies)
            refs.append(self.row_reference(None))
        for i, c in enumerate(self.constraints):
            rows.append(c.values)
            refs.append(self.row_reference(i))
        coef = np.vstack(rows).astype(np.float64)
        centres = np.zeros(len(rows))
        scales = np.ones(len(rows))
        rhs = np.zeros(len(rows))
        rhs[0] = self.n
        for r in range(1, len(rows)):
            centre, offset, total = refs[r]
            if not scaled:
                rhs[r] = total
                continue
            centres[r] = centre
            coef[r] = coef[r] - centre
            s = float(np.abs(coef[r]).max())
            scales[r] = s if s > 0 else 1.0
            coef[r] /= scales[r]
            rhs[r] = offset / scales[r]
        return coef, rhs, centres, scales

    @property
    def mean_gaps(self) -> tuple[float, float]:
        """``(mean - min E, max E - mean)``, exact from the lattice total where there is one."""
        centre, offset, _ = self.row_reference(None)
        span = self.e_max - self.e_min
        if self.quantum is not None and self.level_total is not None:
            q = exact_decimal(self.quantum)
            top = int(self.levels.max())
            below = q * self.level_total / self.n
            return float(below), float(q * top - below)
        if centre == self.e_min:
            return offset / self.n, span - offset / self.n
        return span + offset / self.n, -offset / self.n

    def row_reference(self, which: int | None) -> tuple[float, float, float]:
        """``(centre, N mean - N centre, N mean)`` of the energy row (``None``) or a moment.

        The centre is the smallest or largest value of the row, whichever is nearer the
        mean; the offset is exact (from the integer lattice total) where there is one.
        """
        n_items = self.n
        if which is None:
            vals, mean = self.energies, self.mean_energy
            levels, total = self.levels, self.level_total
            quantum = self.quantum
            exact = getattr(self, "_exact_u", None)
        else:
            c = self.constraints[which]
            vals, mean = c.values, c.mean
            levels = total = quantum = None
            if getattr(self, "extra_levels", None) is not None:  # None: not placed yet
                levels, total = self.extra_levels[which], self.extra_totals[which]
                quantum = self.extra_quanta[which]
            exact = n_items * exact_decimal(mean)
        lo, hi = float(vals.min()), float(vals.max())
        if levels is not None and total is not None and quantum is not None:
            q = exact_decimal(quantum)
            below = q * total
            above = q * (n_items * int(levels.max()) - total)
        else:
            if exact is None:
                exact = n_items * exact_decimal(mean)
            below = exact - n_items * exact_decimal(lo)
            above = n_items * exact_decimal(hi) - exact
        if below <= above:
            return lo, float(below), n_items * mean
        return hi, -float(above), n_items * mean

    def _check_feasible(self, include_energy: bool = True) -> None:
        """With moments or capacities, check that real allocations meet the constraints.

        ``include_energy=False`` checks the count and the moments alone (before a mean
        energy is known: the mean at a given ``beta`` is solved subject to them).
        """
        if not self.constraints:
            return
        from scipy.optimize import linprog

        coef = self.constraint_rows(scaled=False, include_energy=include_energy)[0]
        energy = [self.total_energy] if include_energy else []
        b = np.array([self.n, *energy, *[self.n * c.mean for c in self.constraints]])
        bounds = [(0.0, float(c)) for c in self.caps]
        res = linprog(np.zeros(self.classes), A_eq=coef, b_eq=b, bounds=bounds, method="highs")
        if res.status == 2:
            ranges = []
            for i, c in enumerate(self.constraints):
                keep = [r for r in range(coef.shape[0]) if r != len(b) - len(self.constraints) + i]
                lo = linprog(c.values, A_eq=coef[keep], b_eq=b[keep], bounds=bounds, method="highs")
                hi = linprog(
                    -c.values, A_eq=coef[keep], b_eq=b[keep], bounds=bounds, method="highs"
                )
                if lo.status == 0 and hi.status == 0:
                    ranges.append(
                        f"{c.name!r} can only range over "
                        f"[{lo.fun / self.n:.6g}, {-hi.fun / self.n:.6g}]"
                    )
            detail = "; ".join(ranges) or "the constraints contradict each other"
            raise ValidationError("constraint", f"no allocation meets the constraints: {detail}")

    # -- derived quantities -------------------------------------------------------------
    @property
    def classes(self) -> int:
        """Number of classes K."""
        return int(self.energies.size)

    @functools.cached_property
    def limit(self) -> Limit:
        """The large-N (Stirling) solution: limiting fractions and multipliers."""
        e = self.energies
        g = self.degeneracies
        if self.plain:
            b = beta_from_mean(e, self.mean_energy, g, gaps=self.mean_gaps)
            p = boltzmann(e, b, g)
            alpha = _theory.log_partition(e, b, g) - math.log(self.n)
            return Limit(p, alpha, b, np.zeros(0), "closed form: Boltzmann at beta(U/N)")
        if self.extreme and not self.constraints:
            sign = float(self.extreme)
            counts, x_b = extreme_face(self, sign, "stirling")
            alpha, why = extreme_alpha(self, sign, counts, x_b)
            msg = "mean at an extreme of the attainable range" + (f"; {why}" if why else "")
            ground = float(counts[e == self.e_min].sum() / self.n)
            return Limit(
                counts / self.n,
                alpha,
                sign * math.inf,
                np.zeros(0),
                msg,
                ground if self.stat == S.BOSE else math.nan,
            )
        from maxent._model.dual import solve_dual

        coef, rhs, centres, scales = self.constraint_rows()
        sol = solve_dual(self.stat, False, coef, rhs, np.log(g), g, np.zeros(coef.shape[0]))
        msg = "Stirling optimum (Newton on the multipliers)"
        if sol.success:
            alpha, beta, lambdas = unscale(sol.theta, centres, scales)
            counts = sol.counts
        else:
            # Newton crawls near condensation (a ground level holding ~all N items, its
            # multiplier ~ g / N): for Bose with count and energy only, nested bisection
            found = None
            if self.stat == S.BOSE and not self.constraints:
                found = bose_limit_bisect(e, g, self.n, self.mean_energy * self.n)
            if found is None:
                raise ValidationError(
                    "mean_energy", f"the large-N limit could not be solved ({sol.message})"
                )
            counts, alpha, beta = found
            lambdas = np.zeros(0)
            msg = "Stirling optimum (nested bisection on the multipliers)"
        cond = math.nan
        if self.stat == S.BOSE:
            ground = e == self.e_min
            cond = float(counts[ground].sum() / self.n)
            x0 = alpha + beta * self.e_min
            per_state = float(counts[ground].sum() / g[ground].sum())
            msg += (
                f"; the lowest level holds {100 * cond:.3g}% of the items, "
                f"{per_state:.3g} per state (alpha + beta E_min = {x0:.3g})"
            )
            if per_state > 10.0:
                msg += ": Bose-Einstein condensation (alpha -> -beta E_min)"
        return Limit(counts / self.n, alpha, beta, lambdas, msg, cond)

    @property
    def limit_fractions(self) -> np.ndarray:
        """Large-N occupation fractions (Boltzmann, Bose-Einstein or Fermi-Dirac)."""
        return self.limit.fractions

    @property
    def boltzmann(self) -> np.ndarray:
        """Boltzmann probabilities at :attr:`beta` (the limit for Boltzmann counting)."""
        if self.plain:
            return boltzmann(self.energies, self.beta, self.degeneracies)
        return (
            self.limit_fractions
            if self.stat == S.BOLTZMANN
            else boltzmann(self.energies, self.beta, self.degeneracies)
        )

    def require_lattice(self, what: str) -> None:
        """Raise a clear error unless integer allocations can attain the constraints.

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
        if self.extra_levels is None:
            raise ValidationError(
                "constraint", f"{what} needs constraint values on a common lattice"
            )
        if self.reachable is False or self.level_total is None:
            raise UnreachableError(param, self.unreachable_reason or "total energy not reachable")
        total = max(abs(int(t)) for t in [self.level_total, *(self.extra_totals or [])])
        if total >= 2**62:
            raise ValidationError(
                "n",
                f"{what} counts with 64-bit integer totals, and the total energy in lattice "
                f"units ({total:.3g}) exceeds 2**62; use fewer items or coarser energy levels",
            )

    def integer_rows(self):
        """Integer constraint rows (count, energy levels, moment levels) and targets."""
        rows = [np.ones(self.classes, dtype=np.int64), self.levels]
        totals = [self.n, self.level_total]
        for lv, t in zip(self.extra_levels or [], self.extra_totals or [], strict=True):
            rows.append(lv)
            totals.append(t)
        return np.vstack(rows).astype(np.int64), np.array(totals, dtype=np.int64)

    def to_dict(self) -> dict[str, Any]:
        """Return the shared keys of every JSON output."""
        total: float | int = self.total_energy
        if self.quantum is not None and self.level_total is not None:
            exact = self.exact_total()
            if exact.denominator == 1:  # integers stay integers, at any size
                total = int(exact)
        out = {
            "energies": self.energies.tolist(),
            "n": self.n,
            "total_energy": total,
            "mean_energy": self.mean_energy,
            "beta": self.beta,
            "temperature": (1.0 / self.beta) if self.beta != 0 else math.inf,
            "boltzmann": self.boltzmann.tolist(),
            "energy_quantum": defined(
                self.quantum,
                "all energies are equal"
                if self.e_min == self.e_max
                else "the energies have no common quantum (give --energy-quantum)",
            ),
            "statistics": self.statistics,
        }
        if not self.plain:
            lim = self.limit
            out["limit"] = lim.fractions.tolist()
            out["alpha"] = defined(lim.alpha, lim.message)
            if self.constraints:
                out["constraints"] = [
                    {"expression": c.name, "mean": c.mean, "multiplier": float(m)}
                    for c, m in zip(self.constraints, lim.lambdas, strict=True)
                ]
            if self.stat == S.BOSE:
                out["condensate_fraction"] = lim.condensate
        if self.requested_beta is not None:
            out["requested_beta"] = self.requested_beta
        if np.any(self.degeneracies != 1.0):
            out["degeneracies"] = self.degeneracies.tolist()
        return out

    def __repr__(self) -> str:
        e = np.array2string(self.energies, threshold=8, precision=6)
        extra = "" if self.stat == S.BOLTZMANN else f", statistics={self.statistics!r}"
        if self.constraints:
            names = [f"{c.name}={c.mean:g}" for c in self.constraints]
            extra += f", constraints={names}"
        return (
            f"Problem(energies={e}, n={self.n}, mean_energy={self.mean_energy:.10g}, "
            f"beta={self.beta:.6g}, quantum={self.quantum}{extra})"
        )


def bose_limit_bisect(e: np.ndarray, g: np.ndarray, n: float, total: float):
    """Bose-Einstein large-N limit with count and energy only, by nested bisection.

    Occupations ``g / expm1(x_k)`` with ``x_k = y + beta (E_k - E_ref)``, where ``E_ref``
    is the level of the smallest multiplier (the lowest for beta > 0): the inner
    bisection finds ``y > 0`` meeting the count on a log scale (``y ~ g / N`` under
    condensation), the outer one ``beta`` meeting the energy. Returns
    ``(counts, alpha, beta)`` or ``None`` when the brackets do not close.
    """
    e = np.asarray(e, dtype=np.float64)
    spread = float(e.max() - e.min())
    if not spread > 0:
        return None

    def fill(beta):
        ref = e.min() if beta >= 0 else e.max()
        shift = beta * (e - ref)
        lo, hi = math.log(1e-300), math.log(1e3)

        def count(ly):
            with np.errstate(over="ignore"):
                return float((g / np.expm1(math.exp(ly) + shift)).sum())

        for _ in range(200):
            mid = 0.5 * (lo + hi)
            if mid in (lo, hi):
                break
            if count(mid) > n:
                lo = mid
            else:
                hi = mid
        y = math.exp(hi)
        with np.errstate(over="ignore"):
            counts = g / np.expm1(y + shift)
        # y is known to ~1e-15 relative, the fullest class's count to a few items at
        # N ~ 1e15: it takes the rest, so the energy below is not lost in that noise
        top = int(np.argmax(counts))
        counts[top] += n - counts.sum()
        return counts, y - beta * ref

    def energy(beta):
        counts = fill(beta)[0]
        return float(counts @ e) - total

    lo, hi = -1.0 / spread, 1.0 / spread
    for _ in range(200):
        if energy(lo) > 0:
            break
        lo *= 2.0
    for _ in range(200):
        if energy(hi) < 0:
            break
        hi *= 2.0
    if not (energy(lo) > 0 > energy(hi)):
        return None
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        if energy(mid) > 0:
            lo = mid
        else:
            hi = mid
    beta = 0.5 * (lo + hi)
    counts, alpha = fill(beta)
    if not (np.all(np.isfinite(counts)) and abs(counts.sum() - n) <= 1e-9 * n):
        return None
    return counts, alpha, beta


def unscale(theta: np.ndarray, centres: np.ndarray, scales: np.ndarray):
    """(alpha, beta, lambdas) from multipliers of centred/scaled rows (energy row first)."""
    slopes = theta[1:] / scales[1:]
    alpha = float(theta[0] - slopes @ centres[1:])
    beta = float(slopes[0]) if slopes.size else 0.0
    return alpha, beta, slopes[1:]
