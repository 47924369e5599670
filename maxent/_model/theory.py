"""Boltzmann / softmax theory core, in log space throughout.

Sign convention, everywhere in maxent: ``p_k = g_k exp(-beta E_k) / Z`` with ``beta = 1/T``.
In softmax terms the logits are ``z_k = -E_k`` (plus ``log g_k``) and ``T`` is the softmax
temperature. ``beta`` may be negative (a mean energy above the unweighted average) and may
be ``+inf`` or ``-inf`` (all weight on the lowest or highest level, ties shared in
proportion to ``g``). Units: ``k_B = 1``, entropies in nats.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from maxent._kernels._theory import shifted_moments
from maxent._util.errors import ConvergenceError, ValidationError
from maxent._util.format import ShortRepr
from maxent._util.validate import as_degeneracies, as_energies, as_real

__all__ = [
    "BetaSolution",
    "Thermo",
    "beta_from_mean",
    "boltzmann",
    "energy_variance",
    "entropy",
    "free_energy",
    "heat_capacity",
    "log_partition",
    "mean_energy",
    "thermo",
]


@dataclass(frozen=True, repr=False)
class Thermo(ShortRepr):
    """Canonical (Boltzmann) state of a set of levels at one inverse temperature.

    Attributes
    ----------
    beta : float
        Inverse temperature (may be ``+/-inf``).
    probabilities : ndarray
        ``p_k = g_k exp(-beta E_k) / Z``.
    log_partition : float
        ``log Z``; infinite when ``beta`` is infinite and the extreme level is not at 0.
    mean_energy : float
        ``<E> = sum_k p_k E_k``.
    energy_variance : float
        ``<E^2> - <E>^2`` (``inf`` only if it exceeds the float64 range).
    entropy : float
        Gibbs entropy ``-sum_k p_k log(p_k / g_k)`` in nats (``-sum p log p`` when g = 1).
    free_energy : float
        ``F = <E> - S / beta = -log(Z) / beta``; ``-inf`` at ``beta = 0``.
    heat_capacity : float
        ``C = beta^2 Var(E)`` (``k_B = 1``), zero at ``beta = 0`` and ``+/-inf``.

    Examples
    --------
    >>> import maxent
    >>> maxent.thermo([0.0, 1.0], beta=0.0)
    Thermo(beta=0, probabilities=[0.5, 0.5], log_partition=0.693147, mean_energy=0.5, ...)
    """

    beta: float
    probabilities: np.ndarray
    log_partition: float
    mean_energy: float
    energy_variance: float
    entropy: float
    free_energy: float
    heat_capacity: float


@dataclass(frozen=True, repr=False)
class BetaSolution(ShortRepr):
    """Diagnostics of :func:`beta_from_mean`.

    Attributes
    ----------
    beta : float
        The inverse temperature found.
    residual : float
        ``|<E>_beta - target|`` in energy units.
    relative_residual : float
        ``residual / (max E - min E)`` (0 when all energies are equal).
    nit : int
        Number of moment evaluations.
    converged : bool
        Whether the tolerance was met.
    message : str
        How the answer was obtained.

    Examples
    --------
    >>> import maxent
    >>> beta, info = maxent.beta_from_mean([0.0, 1.0], 0.5, full_output=True)
    >>> beta, info.converged, info.message
    (0.0, True, 'mean equals the unweighted mean: beta = 0')
    """

    beta: float
    residual: float
    relative_residual: float
    nit: int
    converged: bool
    message: str


def _prepare(energies, degeneracies):
    e = as_energies(energies)
    g = as_degeneracies(degeneracies, e.size)
    return e, g, np.log(g)


def _log_probs(e: np.ndarray, beta: float, lg: np.ndarray) -> tuple[np.ndarray, float]:
    """Log-probabilities and log Z, with no overflow for any finite or infinite beta."""
    if math.isinf(beta):
        ref = float(e.min() if beta > 0 else e.max())
        mask = e == ref
        z = np.where(mask, lg, -np.inf)
        shift = float(z[mask].max())
        lse = shift + math.log(float(np.exp(z[mask] - shift).sum()))
        logp = z - lse
        log_z = lse if ref == 0.0 else -math.copysign(math.inf, beta * ref)
        return logp, log_z
    if beta == 0.0:
        ref = 0.0
        z = lg.copy()
    else:
        ref = float(e.min() if beta > 0 else e.max())
        # beta * (E - ref) >= 0; a product too large for float64 becomes inf, whose weight
        # exp(-inf) = 0 is the correct limit.
        with np.errstate(over="ignore"):
            z = lg - beta * (e - ref)
    shift = float(z.max())
    lse = shift + math.log(float(np.exp(z - shift).sum()))
    return z - lse, lse - beta * ref


def thermo(energies: ArrayLike, beta: float, degeneracies: ArrayLike | None = None) -> Thermo:
    """All canonical quantities of ``energies`` at inverse temperature ``beta``.

    Parameters
    ----------
    energies : array_like, shape (K,)
        Level energies ``E_k`` (finite).
    beta : float
        Inverse temperature; any real number or ``+/-inf``.
    degeneracies : array_like, shape (K,), optional
        Positive weights ``g_k`` (default 1).

    Returns
    -------
    Thermo
        Probabilities, ``log Z``, mean, variance, entropy, free energy, heat capacity.

    Examples
    --------
    >>> import maxent
    >>> t = maxent.thermo([0.0, 1.0], beta=0.0)
    >>> t.probabilities.tolist(), round(t.entropy, 6)
    ([0.5, 0.5], 0.693147)
    """
    e, _, lg = _prepare(energies, degeneracies)
    b = as_real(beta, "beta", allow_inf=True)
    logp, log_z = _log_probs(e, b, lg)
    p = np.exp(logp)
    ref = float(e.min())
    # clipped: a shift by min E can round a mean at a tiny top level (-3e-297) to 0
    mean = min(max(ref + float(p @ (e - ref)), ref), float(e.max()))
    dev = e - mean
    scale = float(np.abs(dev).max())
    if scale == 0.0:
        var = 0.0
    else:
        with np.errstate(over="ignore"):
            var = scale * scale * float(p @ np.square(dev / scale))
    pos = p > 0
    ent = float(-(p[pos] @ (logp[pos] - lg[pos]))) + 0.0
    if math.isinf(b) or var == 0.0:
        heat = 0.0
    else:  # over the occupied classes only: b * dev may overflow where p underflowed to 0
        with np.errstate(over="ignore"):
            heat = float(p[pos] @ np.square(b * dev[pos]))
    if b == 0.0:
        free = -math.inf if ent > 0 else mean
    else:
        free = mean - ent / b
    return Thermo(b, p, log_z, mean, var, ent, free, heat)


def boltzmann(
    energies: ArrayLike, beta: float, degeneracies: ArrayLike | None = None
) -> np.ndarray:
    """Boltzmann (softmax) probabilities ``g_k exp(-beta E_k) / Z``.

    Parameters
    ----------
    energies : array_like, shape (K,)
        Level energies ``E_k``; in softmax terms the logits are ``-E_k``.
    beta : float
        Inverse temperature ``1/T``; ``+inf`` puts all weight on the lowest level(s),
        ``-inf`` on the highest, ties shared in proportion to ``g``.
    degeneracies : array_like, shape (K,), optional
        Positive weights ``g_k`` (default 1).

    Returns
    -------
    ndarray, shape (K,)
        Probabilities summing to one.

    Examples
    --------
    >>> import maxent
    >>> maxent.boltzmann([0, 1, 2], beta=float("inf")).tolist()
    [1.0, 0.0, 0.0]
    """
    e, _, lg = _prepare(energies, degeneracies)
    return np.exp(_log_probs(e, as_real(beta, "beta", allow_inf=True), lg)[0])


def log_partition(energies: ArrayLike, beta: float, degeneracies: ArrayLike | None = None) -> float:
    """``log Z = log sum_k g_k exp(-beta E_k)``, computed without overflow.

    Parameters
    ----------
    energies : array_like, shape (K,)
        Level energies ``E_k`` (finite).
    beta : float
        Inverse temperature; any real number or ``+/-inf``.
    degeneracies : array_like, shape (K,), optional
        Positive weights ``g_k`` (default 1).

    Returns
    -------
    float
        ``log Z``; infinite when ``beta`` is infinite and the extreme level is not at 0.

    Examples
    --------
    >>> import maxent
    >>> round(maxent.log_partition([0.0, 1.0, 2.0], 0.0), 6)  # log 3
    1.098612
    >>> maxent.log_partition([0.0, 1.0, 2.0], 1e6)  # no overflow at large beta
    0.0
    """
    e, _, lg = _prepare(energies, degeneracies)
    return _log_probs(e, as_real(beta, "beta", allow_inf=True), lg)[1]


def mean_energy(energies: ArrayLike, beta: float, degeneracies: ArrayLike | None = None) -> float:
    """Mean energy ``<E>`` at inverse temperature ``beta``.

    Parameters
    ----------
    energies : array_like, shape (K,)
        Level energies ``E_k`` (finite).
    beta : float
        Inverse temperature; any real number or ``+/-inf``.
    degeneracies : array_like, shape (K,), optional
        Positive weights ``g_k`` (default 1).

    Returns
    -------
    float
        ``<E> = sum_k p_k E_k``.

    See Also
    --------
    beta_from_mean : The inverse of this function.

    Examples
    --------
    >>> import maxent
    >>> maxent.mean_energy([0.0, 1.0, 2.0], 0.0)
    1.0
    >>> maxent.mean_energy([0.0, 1.0, 2.0], float("-inf"))
    2.0
    """
    return thermo(energies, beta, degeneracies).mean_energy


def energy_variance(
    energies: ArrayLike, beta: float, degeneracies: ArrayLike | None = None
) -> float:
    """Energy variance ``<E^2> - <E>^2`` at inverse temperature ``beta``.

    Parameters
    ----------
    energies : array_like, shape (K,)
        Level energies ``E_k`` (finite).
    beta : float
        Inverse temperature; any real number or ``+/-inf``.
    degeneracies : array_like, shape (K,), optional
        Positive weights ``g_k`` (default 1).

    Returns
    -------
    float
        ``Var(E)`` (``inf`` only if it exceeds the float64 range).

    Examples
    --------
    >>> import maxent
    >>> round(maxent.energy_variance([0.0, 1.0, 2.0], 0.0), 6)  # ((0-1)^2 + (2-1)^2) / 3
    0.666667
    """
    return thermo(energies, beta, degeneracies).energy_variance


def entropy(energies: ArrayLike, beta: float, degeneracies: ArrayLike | None = None) -> float:
    """Gibbs entropy in nats at inverse temperature ``beta``.

    Parameters
    ----------
    energies : array_like, shape (K,)
        Level energies ``E_k`` (finite).
    beta : float
        Inverse temperature; any real number or ``+/-inf``.
    degeneracies : array_like, shape (K,), optional
        Positive weights ``g_k`` (default 1).

    Returns
    -------
    float
        ``S = -sum_k p_k log(p_k / g_k)`` in nats.

    Examples
    --------
    Entropy, free energy and heat capacity of a two-level system at ``beta = 1``:

    >>> import maxent
    >>> e = [0.0, 1.0]
    >>> round(maxent.entropy(e, 1.0), 6), round(maxent.free_energy(e, 1.0), 6)
    (0.582203, -0.313262)
    >>> round(maxent.heat_capacity(e, 1.0), 6)
    0.196612
    >>> maxent.entropy(e, float("inf"))  # all weight on the lowest level
    0.0
    """
    return thermo(energies, beta, degeneracies).entropy


def free_energy(energies: ArrayLike, beta: float, degeneracies: ArrayLike | None = None) -> float:
    """Helmholtz free energy ``F = -log(Z)/beta = <E> - S/beta``.

    Parameters
    ----------
    energies : array_like, shape (K,)
        Level energies ``E_k`` (finite).
    beta : float
        Inverse temperature; any real number or ``+/-inf``.
    degeneracies : array_like, shape (K,), optional
        Positive weights ``g_k`` (default 1).

    Returns
    -------
    float
        ``F``; ``-inf`` at ``beta = 0`` (when the entropy is positive).

    Examples
    --------
    >>> import maxent
    >>> round(maxent.free_energy([0.0, 1.0], 1.0), 6)  # -log(1 + e^-1)
    -0.313262
    >>> maxent.free_energy([0.0, 1.0], 0.0)
    -inf
    """
    return thermo(energies, beta, degeneracies).free_energy


def heat_capacity(energies: ArrayLike, beta: float, degeneracies: ArrayLike | None = None) -> float:
    """Heat capacity ``C = beta^2 Var(E)`` with ``k_B = 1``.

    Parameters
    ----------
    energies : array_like, shape (K,)
        Level energies ``E_k`` (finite).
    beta : float
        Inverse temperature; any real number or ``+/-inf``.
    degeneracies : array_like, shape (K,), optional
        Positive weights ``g_k`` (default 1).

    Returns
    -------
    float
        ``C``; zero at ``beta = 0`` and ``+/-inf``.

    Examples
    --------
    >>> import maxent
    >>> round(maxent.heat_capacity([0.0, 1.0], 1.0), 6)
    0.196612
    >>> maxent.heat_capacity([0.0, 1.0], 0.0)
    0.0
    """
    return thermo(energies, beta, degeneracies).heat_capacity


_EPS = np.finfo(float).eps


def beta_from_mean(
    energies: ArrayLike,
    mean_energy: float,
    degeneracies: ArrayLike | None = None,
    *,
    full_output: bool = False,
    maxiter: int = 200,
    gaps: tuple[float, float] | None = None,
):
    """Inverse temperature whose Boltzmann mean energy equals ``mean_energy``.

    Solves ``sum_k p_k(beta) E_k = mean_energy``. The mean is strictly decreasing in
    ``beta``, so the root is unique. Energies are shifted and scaled to [0, 1] and the
    problem is reflected so that the target lies below the unweighted mean; a Newton
    iteration on ``log <e>`` inside an expanding bracket then converges in a handful of
    passes over the levels, even for means within 1e-300 of an extreme.

    Parameters
    ----------
    energies : array_like, shape (K,)
        Level energies.
    mean_energy : float
        Target mean, in ``[min E, max E]``.
    degeneracies : array_like, shape (K,), optional
        Positive weights ``g_k`` (default 1).
    full_output : bool, optional
        Also return a :class:`BetaSolution` with the residual and iteration count.
    maxiter : int, optional
        Maximum number of moment evaluations.
    gaps : (float, float), optional
        ``(mean - min E, max E - mean)``, computed exactly by the caller: near an end
        the float mean cannot hold them (N = 1e18 items one quantum below the top have
        the mean 3 - 1e-18, which rounds to 3 = max E and would give beta = -inf).

    Returns
    -------
    beta : float
        ``+inf`` when the target is ``min E``, ``-inf`` when it is ``max E``. When all
        energies are equal any ``beta`` reproduces the (only possible) mean; 0 is returned.
    info : BetaSolution
        Only when ``full_output`` is true.

    Raises
    ------
    ValidationError
        If ``mean_energy`` is not finite or lies outside ``[min E, max E]``.

    Examples
    --------
    >>> import maxent
    >>> b = maxent.beta_from_mean([0.0, 1.0, 2.0, 3.0], 1.2)
    >>> round(maxent.mean_energy([0.0, 1.0, 2.0, 3.0], b), 12)
    1.2
    """
    e_raw = as_energies(energies)
    if degeneracies is not None:
        lg = np.log(as_degeneracies(degeneracies, e_raw.size))
    else:
        lg = np.empty(0)  # g = 1: the kernel skips the log-weights
    target = as_real(mean_energy, "mean_energy")
    lo_e, hi_e = float(e_raw.min()), float(e_raw.max())
    span = hi_e - lo_e

    def done(beta, residual, nit, converged, message):
        rel = residual / span if span > 0 else 0.0
        info = BetaSolution(beta, residual, rel, nit, converged, message)
        return (beta, info) if full_output else beta

    if span == 0.0:
        if target != lo_e:
            raise ValidationError(
                "mean_energy", f"all energies equal {lo_e:g}; the mean must be {lo_e:g}"
            )
        return done(0.0, 0.0, 0, True, "all energies equal: every beta fits; 0 returned")
    if not lo_e <= target <= hi_e:
        raise ValidationError(
            "mean_energy",
            f"must lie in [min E, max E] = [{lo_e:.10g}, {hi_e:.10g}] (got {target:.10g})",
        )
    below, above = (target - lo_e, hi_e - target) if gaps is None else map(float, gaps)
    if not (below >= 0.0 and above >= 0.0):
        raise ValidationError("gaps", f"must be non-negative (got {below:g}, {above:g})")
    if below == 0.0:
        return done(math.inf, 0.0, 0, True, "mean at the lowest level: beta = +inf")
    if above == 0.0:
        return done(-math.inf, 0.0, 0, True, "mean at the highest level: beta = -inf")

    # Work with e = (E - min E) / span in [0, 1], computed on the fly inside the kernel.
    inv_span = 1.0 / span
    t = below * inv_span
    _, f0, m2, m3 = shifted_moments(e_raw, lo_e, inv_span, lg, 0.0, t)
    nit = 1
    if f0 == 0.0:
        return done(0.0, 0.0, nit, True, "mean equals the unweighted mean: beta = 0")
    sign, ref = 1.0, lo_e
    if f0 < 0.0:
        # Target above the beta = 0 mean: reflect e -> 1 - e = (max E - E) / span so that
        # we solve for b > 0 with the target measured from the top.
        sign, ref = -1.0, hi_e
        t = above * inv_span
        f0, m3 = -f0, -m3  # moments of 1 - e about 1 - t at b = 0
    if t == 0.0:
        # The distance to the extreme underflows after scaling: the limit is exact to
        # float64 resolution (residual below 1e-308 of the spread).
        beta = sign * math.inf
        return done(beta, abs(target - ref), nit, True, "limit")
    b, f, nit2, ok = _solve_reflected(e_raw, ref, sign * inv_span, lg, t, (f0, m2, m3), maxiter)
    nit += nit2
    beta = sign * b * inv_span
    residual = abs(f) * span
    if not ok:
        raise ConvergenceError(
            f"beta_from_mean did not converge in {maxiter} evaluations (residual {residual:.3g})"
        )
    return done(beta, residual, nit, True, "converged")


def _halley(g, g1, g2):
    """Halley step for g(x) = 0 given g, g' and g'' (Newton if the denominator fails)."""
    den = 2.0 * g1 * g1 - g * g2
    return -2.0 * g * g1 / den if den > 0.0 else -g / g1


def _solve_reflected(energies, ref, inv_scale, lg, t, first, maxiter):
    """Find b >= 0 with <e>_b = t, where e = (E - ref) * inv_scale lies in [0, 1].

    Halley's iteration on G(b) = log(<e>_b / t), which is close to linear in b at low
    temperature, safeguarded by a bracket [lo, hi] that expands while hi is open. The
    kernel returns moments about t, so the residual f = <e> - t carries no cancellation.
    ``first`` holds the moments at b = 0, already computed by the caller.
    """
    lo, hi = 0.0, math.inf
    b = 0.0
    best_b, best_f = 0.0, math.inf
    for it in range(1, maxiter + 1):
        if it == 1:
            f, m2, m3 = first
        else:
            _, f, m2, m3 = shifted_moments(energies, ref, inv_scale, lg, b, t)
        mean = t + f
        if abs(f) < abs(best_f):
            best_b, best_f = b, f
        if abs(f) <= 1e-14 * t:  # relative residual 1e-14 in the distance to min E
            return b, f, it - 1, True
        if f > 0.0:
            lo = b
        else:
            hi = b
        if math.isfinite(hi) and hi - lo <= 4.0 * _EPS * hi:
            return best_b, best_f, it - 1, True
        var = m2 - f * f
        step = math.nan
        if var > 0.0 and mean > 0.0:
            g = math.log1p(f / t)
            g1 = -var / mean
            k3 = m3 - 3.0 * f * m2 + 2.0 * f * f * f
            g2 = k3 / mean - g1 * g1
            step = _halley(g, g1, g2)
            if b > 1.0 and abs(step) > b:
                # Far out, the mean often decays like a power of b (a continuum of low
                # levels), which is linear in u = log b: there, step in u instead.
                du = _halley(g, b * g1, b * b * g2 + b * g1)
                step = b * math.expm1(max(min(du, 5.0), -5.0))
        if abs(step) <= 2.0 * _EPS * b:
            return best_b, best_f, it - 1, True
        b_new = b + step
        if not (lo < b_new < hi):
            if not math.isfinite(hi):
                b_new = 2.0 * b + 1.0
            elif lo > 0.0 and hi > 4.0 * lo:
                b_new = math.sqrt(lo * hi)  # bisect in log b across a wide bracket
            else:
                b_new = 0.5 * (lo + hi)
        b = b_new
    return best_b, best_f, maxiter - 1, False
