"""Constrained maximisation of the multinomial log-count ln W(n).

Over real ``n >= 0`` with ``sum n_k = N`` and ``sum n_k E_k = U`` we maximise

* the exact objective ``ln W = lnGamma(N+1) - sum_k lnGamma(n_k+1) + sum_k n_k ln g_k``,
  whose optimum satisfies ``digamma(n_k + 1) = ln g_k - alpha - beta E_k`` (clipped at
  ``n_k = 0``), and
* the Stirling objective ``N ln N - sum_k n_k ln(n_k / g_k)``, whose optimum is exactly
  ``N`` times the Boltzmann distribution, ``n_k = g_k exp(-alpha - beta E_k)``.

Multipliers follow the physics convention used throughout maxent (``n_k`` decreases with
``alpha + beta E_k``); in the notation ``digamma(n_k+1) = a - b E_k`` we have ``a = -alpha``
and ``b = beta``. The default method works on the two multipliers (a damped Newton
iteration on the convex dual, two unknowns whatever K is); ``slsqp`` and ``trust-constr``
solve the primal problem with :func:`scipy.optimize.minimize` as an independent check.
"""

from __future__ import annotations

import math
import time

import numpy as np
import scipy.optimize as sopt
import scipy.sparse as sps
from scipy.special import gammaln, psi, xlogy

from ._errors import ValidationError
from ._kernels._optimize import BOLTZMANN, dual_pass
from ._problem import Problem
from ._theory import log_partition

__all__ = ["kkt_residual", "maximize_log_count"]

OBJECTIVES = ("exact", "stirling")
METHODS = ("dual", "slsqp", "trust-constr")


def _scaled(problem: Problem):
    """Energies centred on the mean and scaled to [-1, 1], and the scale used."""
    e = problem.energies
    center = problem.mean_energy
    scale = float(np.abs(e - center).max())
    return (e - center) / scale, center, scale


def _dual_newton(exact, e, lg, n_items, a, b, tol=1e-14, maxiter=200, guess=None):
    """Minimise the dual over (a, b) with scaled energies ``e`` and sum(n e) = 0.

    ``guess`` (counts) warm-starts the per-class inverse digamma of the first pass.
    """
    counts = np.zeros(e.size) if guess is None else np.array(guess, dtype=np.float64)
    trial = np.zeros(e.size)
    sums = dual_pass(BOLTZMANN, exact, a, b, e, lg, counts)
    nfev = 1

    def merit(s, a_):
        return s[2] + a_ * n_items  # the b * U term vanishes: sum(n e) targets 0

    d_val = merit(sums, a)
    message = "maximum number of iterations reached"
    success = False
    nit = 0
    history = []
    for it in range(1, maxiter + 1):
        nit = it
        grad = np.array([n_items - sums[0], 0.0 - sums[1]])
        gnorm = float(np.abs(grad).max()) / n_items
        if gnorm <= tol:
            success, message = True, "converged"
            break
        history.append(gnorm)
        # Sums over many classes carry rounding of ~1e-14 relative: once there, the
        # residual wanders instead of shrinking, which is convergence too.
        if gnorm <= 1e-12 and len(history) >= 3 and gnorm > 0.5 * min(history[-3:-1]):
            success, message = True, "converged to rounding level"
            break
        h = np.array([[sums[3], sums[4]], [sums[4], sums[5]]])
        ridge = 1e-13 * (h[0, 0] + h[1, 1]) + 1e-300
        try:
            step = -np.linalg.solve(h + ridge * np.eye(2), grad)
        except np.linalg.LinAlgError:
            step = -grad
        if not np.all(np.isfinite(step)):
            step = -grad
        slope = float(grad @ step)
        t = 1.0
        accepted = False
        for _ in range(60):
            a_t, b_t = a + t * step[0], b + t * step[1]
            trial[:] = counts
            s_t = dual_pass(BOLTZMANN, exact, a_t, b_t, e, lg, trial)
            nfev += 1
            d_t = merit(s_t, a_t)
            g_t = max(abs(n_items - s_t[0]), abs(s_t[1])) / n_items
            # Armijo on the dual, with room for rounding once the gradient is tiny.
            if d_t <= d_val + 1e-4 * t * slope + 1e-14 * abs(d_val) or g_t < 0.5 * gnorm:
                accepted = True
                break
            t *= 0.5
        if not accepted:
            if gnorm <= 1e-11:
                success, message = True, "converged to rounding level"
            else:
                message = "line search failed"
            break
        a, b, d_val, sums = a_t, b_t, d_t, s_t
        counts, trial = trial, counts
    return counts, a, b, sums, nit, nfev, success, message


def _solve_count(exact, e, lg, n_items, a, b, guess, tol=1e-10, maxiter=200):
    """Solve sum_k n_k(a + b e_k) = N for a at fixed b (a safe start for the 2-D Newton).

    Newton on log(sum n) (nearly linear in a where counts are large), inside a bracket
    that expands geometrically while one side is open; the counts at the result are
    returned as a warm start.
    """
    counts = np.array(guess, dtype=np.float64)
    lo, hi = -math.inf, math.inf
    width = 1.0
    nfev = 0
    converged = False
    for _ in range(maxiter):
        s = dual_pass(BOLTZMANN, exact, a, b, e, lg, counts)
        nfev += 1
        total, curv = s[0], s[3]
        if abs(total - n_items) <= tol * n_items:
            converged = True
            break
        if total > n_items:
            lo = a
        else:
            hi = a
        a_new = math.nan
        if total > 0 and curv > 0:
            a_new = a + math.log(total / n_items) * total / curv
        if not lo < a_new < hi:
            if math.isfinite(lo) and math.isfinite(hi):
                a_new = 0.5 * (lo + hi)
            else:
                a_new = a + width if total > n_items else a - width
                width *= 2.0
        if a_new == a:
            converged = abs(total - n_items) <= 1e-12 * n_items
            break
        a = a_new
    return a, counts, nfev, converged


def _exact_h_prime(n: np.ndarray, lg: np.ndarray) -> np.ndarray:
    return lg - psi(n + 1.0)


def _stirling_h_prime(n: np.ndarray, lg: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return lg - np.log(n)


def kkt_residual(problem: Problem, counts, alpha: float, beta: float, objective="exact") -> float:
    """Relative KKT residual of real ``counts`` with multipliers ``(alpha, beta)``.

    The maximum of: the count and energy constraint violations (relative to ``N`` and
    ``N (max E - min E)``), the stationarity error ``|h'(n_k) - alpha - beta E_k|`` over
    classes with ``n_k > 0`` and the dual-feasibility violation over classes with
    ``n_k = 0``, both relative to ``1 + |alpha + beta E_k|``. ``h'`` is the derivative of
    the per-class log-weight of ``objective``. For infinite ``beta`` the check runs on the
    classes at the extreme energy (the others must be empty).
    """
    n = np.asarray(counts, dtype=np.float64)
    e = problem.energies
    lg = np.log(problem.degeneracies)
    n_items = problem.n
    span = problem.e_max - problem.e_min
    res = abs(float(n.sum()) - n_items) / n_items
    if span > 0:
        res = max(res, abs(float(n @ (e - problem.mean_energy))) / (n_items * span))
    if (n < 0).any():
        return max(res, float(-n.min()) / n_items)
    hp = (_exact_h_prime if objective == "exact" else _stirling_h_prime)(n, lg)
    if math.isinf(beta):
        ext = e == (problem.e_min if beta > 0 else problem.e_max)
        res = max(res, float(n[~ext].sum()) / n_items)
        n, hp, x = n[ext], hp[ext], np.full(int(ext.sum()), alpha)
        if math.isinf(alpha) or math.isnan(alpha):
            # alpha carries the divergent beta * E part: compare within the extreme set.
            x = np.full(n.size, float(np.mean(hp[n > 0])) if (n > 0).any() else 0.0)
    else:
        x = alpha + beta * e
    act = n > 0
    denom = 1.0 + np.abs(x)
    if act.any():
        res = max(res, float(np.max(np.abs(hp[act] - x[act]) / denom[act])))
    if (~act).any():
        res = max(res, float(np.max(np.maximum(hp[~act] - x[~act], 0.0) / denom[~act])))
    return res


def _multipliers_from_counts(problem: Problem, n: np.ndarray, objective: str):
    """Least-squares (alpha, beta) from stationarity on the classes with n_k > 0."""
    lg = np.log(problem.degeneracies)
    hp = (_exact_h_prime if objective == "exact" else _stirling_h_prime)(n, lg)
    act = n > 1e-9 * problem.n / n.size
    if act.sum() < 2 or problem.e_max == problem.e_min:
        return float(np.mean(hp[act])) if act.any() else math.nan, 0.0
    e, center, scale = _scaled(problem)
    design = np.column_stack([np.ones(int(act.sum())), e[act]])
    (a, b), *_ = np.linalg.lstsq(design, hp[act], rcond=None)
    return float(a - b * center / scale), float(b / scale)


def _log_count(problem: Problem, n: np.ndarray, objective: str) -> float:
    lg = np.log(problem.degeneracies)
    if objective == "exact":
        return float(gammaln(problem.n + 1.0) - gammaln(n + 1.0).sum() + n @ lg)
    big_n = float(problem.n)
    return float(big_n * math.log(big_n) - xlogy(n, n).sum() + n @ lg)


def _result(problem, n, alpha, beta, objective, method, nit, nfev, success, message, t0):
    n = np.asarray(n, dtype=np.float64)
    kkt = kkt_residual(problem, n, alpha, beta, objective)
    out = sopt.OptimizeResult(
        x=n,
        counts=n,
        fractions=n / problem.n,
        alpha=alpha,
        beta=beta,
        log_count=_log_count(problem, n, objective),
        kkt_residual=kkt,
        objective=objective,
        method=method,
        nit=nit,
        nfev=nfev,
        success=bool(success),
        status=0 if success else 1,
        message=message,
        time=time.perf_counter() - t0,
    )
    if objective == "stirling":
        out["log_count_exact"] = _log_count(problem, n, "exact")
    return out


def maximize_log_count(
    problem: Problem,
    objective: str = "exact",
    method: str = "dual",
    *,
    tol: float = 1e-14,
    maxiter: int | None = None,
    x0=None,
) -> sopt.OptimizeResult:
    """Maximise ln W over real allocations under the count and energy constraints.

    Parameters
    ----------
    problem : Problem
        Energies, ``N`` and the total energy.
    objective : {'exact', 'stirling'}
        ``exact`` uses log-gamma; ``stirling`` uses ``ln n! ~ n ln n - n``, whose optimum
        is ``N`` times the Boltzmann distribution.
    method : {'dual', 'slsqp', 'trust-constr'}
        ``dual`` (default) solves for the two Lagrange multipliers; the other two call
        :func:`scipy.optimize.minimize` on the K-dimensional primal problem with the
        analytic gradient (and diagonal Hessian for trust-constr).
    tol : float, optional
        Relative tolerance on the constraint residuals for ``dual``.
    maxiter : int, optional
        Iteration limit (default 200 for ``dual``, 1000 for the scipy methods).
    x0 : array_like, optional
        Starting counts for the scipy methods (default ``N/K`` in every class).

    Returns
    -------
    scipy.optimize.OptimizeResult
        ``x``/``counts`` (real counts), ``fractions``, ``alpha``, ``beta`` (multipliers,
        ``h'(n_k) = alpha + beta E_k`` on occupied classes), ``log_count`` (the objective's
        ln W at the optimum; for Stirling also ``log_count_exact``), ``kkt_residual``
        (see :func:`kkt_residual`), ``nit``, ``nfev``, ``success``, ``status``, ``message``,
        ``time`` (seconds).

    Examples
    --------
    >>> import maxent
    >>> p = maxent.Problem([0, 1, 2, 3], 1000, mean_energy=1.2)
    >>> r = maxent.maximize_log_count(p)
    >>> bool(r.success), r.kkt_residual < 1e-12
    (True, True)
    """
    if objective not in OBJECTIVES:
        raise ValidationError("objective", f"must be one of {', '.join(OBJECTIVES)}")
    if method not in METHODS:
        raise ValidationError("method", f"must be one of {', '.join(METHODS)}")
    t0 = time.perf_counter()
    if method != "dual":
        return _scipy_primal(problem, objective, method, maxiter or 1000, x0, t0)

    lg = np.log(problem.degeneracies)
    n_items = problem.n
    exact = objective == "exact"
    beta_b = problem.beta
    span = problem.e_max - problem.e_min

    if math.isinf(beta_b) or span == 0.0:
        # Only the classes at one energy can be occupied: one constraint, one multiplier.
        if span == 0.0:
            ext = np.ones(problem.classes, dtype=bool)
        else:
            ext = problem.energies == (problem.e_min if beta_b > 0 else problem.e_max)
        sub_lg = lg[ext]
        a0 = float(np.log(np.exp(sub_lg - sub_lg.max()).sum()) + sub_lg.max()) - math.log(n_items)
        a, sub_n, nfev, ok = _solve_count(
            exact,
            np.zeros(int(ext.sum())),
            sub_lg,
            n_items,
            a0,
            0.0,
            np.zeros(int(ext.sum())),
            tol=tol,
            maxiter=maxiter or 200,
        )
        nit = nfev
        msg = "converged" if ok else "count constraint not met"
        counts = np.zeros(problem.classes)
        counts[ext] = sub_n
        if span == 0.0:
            beta, alpha = 0.0, a
            msg += "; all energies equal: beta is undetermined, 0 reported"
        else:
            beta = beta_b
            e_ext = problem.e_min if beta_b > 0 else problem.e_max
            # alpha + beta E_ext stays finite (= a) along the limit; alpha itself diverges
            # unless the extreme level sits at E = 0.
            alpha = a if e_ext == 0.0 else -math.copysign(math.inf, beta * e_ext)
            msg += f"; mean at the {'lowest' if beta > 0 else 'highest'} level: beta = {beta}"
        return _result(problem, counts, alpha, beta, objective, "dual", nit, nfev, ok, msg, t0)

    e, center, scale = _scaled(problem)
    log_z = log_partition(problem.energies, beta_b, problem.degeneracies)
    alpha_s = log_z - math.log(n_items)
    if not exact:
        # Closed form: n = N p_beta.
        counts = n_items * problem.boltzmann
        return _result(
            problem,
            counts,
            alpha_s,
            beta_b,
            objective,
            "dual",
            0,
            0,
            True,
            "closed form n = N p_beta (beta from the mean energy)",
            t0,
        )
    a0 = alpha_s + beta_b * center
    b0 = beta_b * scale
    # digamma(n + 1) ~ log(n + 1/2): the Stirling counts less 1/2 are a close first guess.
    # When many classes hold less than one item the exact optimum empties them, so first
    # fix the count constraint in a alone (the 2-D Hessian may vanish at the Stirling point).
    guess = np.maximum(n_items * problem.boltzmann - 0.5, 0.0)
    a0, guess, nfev0, _ = _solve_count(exact, e, lg, n_items, a0, b0, guess)
    counts, a, b, _, nit, nfev, ok, msg = _dual_newton(
        exact, e, lg, n_items, a0, b0, tol=tol, maxiter=maxiter or 200, guess=guess
    )
    nfev += nfev0
    beta = b / scale
    alpha = a - beta * center
    return _result(problem, counts, alpha, beta, objective, "dual", nit, nfev, ok, msg, t0)


def _scipy_primal(problem: Problem, objective: str, method: str, maxiter, x0, t0):
    """Primal route through scipy.optimize.minimize (a cross-check; slow for large K)."""
    k = problem.classes
    n_items = float(problem.n)
    lg = np.log(problem.degeneracies)
    e = _scaled(problem)[0]
    a_mat = np.vstack([np.ones(k), e])
    rhs = np.array([n_items, 0.0])
    exact = objective == "exact"
    # The objective is divided by N so that its values and gradients are O(1).
    if exact:

        def fun(n):
            return float((gammaln(n + 1.0).sum() - n @ lg) / n_items)

        def jac(n):
            return (psi(n + 1.0) - lg) / n_items

        def hess(n):
            return sps.diags(psi(1, n + 1.0) / n_items)

    else:
        tiny = 1e-300

        def fun(n):
            m = np.maximum(n, 0.0)
            return float((xlogy(m, m).sum() - m.sum() - m @ lg) / n_items)

        def jac(n):
            return (np.log(np.maximum(n, tiny)) - lg) / n_items

        def hess(n):
            return sps.diags(1.0 / np.maximum(n, tiny) / n_items)

    start = np.full(k, n_items / k) if x0 is None else np.asarray(x0, dtype=np.float64)
    if method == "slsqp":
        res = sopt.minimize(
            fun,
            start,
            jac=jac,
            method="SLSQP",
            bounds=[(0.0, None)] * k,
            constraints=[{"type": "eq", "fun": lambda n: a_mat @ n - rhs, "jac": lambda n: a_mat}],
            options={"maxiter": maxiter, "ftol": 1e-15},
        )
    else:
        res = sopt.minimize(
            fun,
            start,
            jac=jac,
            hess=hess,
            method="trust-constr",
            bounds=sopt.Bounds(np.zeros(k), np.full(k, np.inf)),
            constraints=[sopt.LinearConstraint(a_mat, rhs, rhs)],
            options={"maxiter": maxiter, "gtol": 1e-12, "xtol": 1e-14},
        )
    n = np.maximum(np.asarray(res.x, dtype=np.float64), 0.0)
    alpha, beta = _multipliers_from_counts(problem, n, objective)
    nfev = int(getattr(res, "nfev", 0))
    nit = int(getattr(res, "nit", 0))
    return _result(
        problem, n, alpha, beta, objective, method, nit, nfev, res.success, str(res.message), t0
    )
