"""Constrained maximisation of the log-count ln W(n) over real allocations.

Over real ``0 <= n_k <= cap_k`` with the count, energy and any extra moment constraints
we maximise

* the exact objective ``ln W`` with log-gamma (Boltzmann:
  ``lnGamma(N+1) - sum lnGamma(n_k+1) + sum n_k ln g_k``; Bose-Einstein and Fermi-Dirac:
  sums of log binomial coefficients, see :mod:`maxent._model.statistics`), whose optimum for
  Boltzmann counting satisfies ``digamma(n_k + 1) = ln g_k - alpha - beta E_k`` (clipped
  at ``n_k = 0``), and
* the Stirling objective, whose optimum is the large-N limit: exactly ``N`` times the
  Boltzmann distribution for Boltzmann counting.

Multipliers follow the physics convention used throughout maxent (``n_k`` decreases with
``x_k = alpha + beta E_k + sum_m lambda_m f_m(k)``); in the notation
``digamma(n_k+1) = a - b E_k`` we have ``a = -alpha`` and ``b = beta``. The default method
works on the multipliers (a damped Newton iteration on the convex dual, one unknown per
constraint whatever K is); ``slsqp`` and ``trust-constr`` solve the primal problem with
:func:`scipy.optimize.minimize` as an independent check.
"""

from __future__ import annotations

import math
import time
import warnings

import numpy as np
from numpy.typing import ArrayLike

from maxent._model import statistics as S
from maxent._model.checks import check_real, energy_unit, row_unit
from maxent._model.dual import solve_dual
from maxent._model.faces import boundary_energy, extreme_face
from maxent._model.logcount import class_multipliers, log_count
from maxent._model.problem import Problem, unscale
from maxent._model.theory import log_partition
from maxent._util.errors import ValidationError
from maxent._util.result import OptimizeResult

__all__ = ["kkt_residual", "maximize_log_count"]

OBJECTIVES = ("exact", "stirling")
METHODS = ("dual", "slsqp", "trust-constr")


def kkt_residual(
    problem: Problem,
    counts: ArrayLike,
    alpha: float,
    beta: float,
    objective: str = "exact",
    lambdas: ArrayLike = (),
) -> float:
    """Relative KKT residual of real ``counts`` with multipliers ``(alpha, beta, lambdas)``.

    The maximum of: the constraint violations (the count relative to ``N``; the energy
    and each moment measured from the end of its range nearer its target, relative to
    the row's own sum there), the stationarity error
    ``|h'(n_k) - x_k|`` over classes strictly inside their bounds, and the
    dual-feasibility violation over classes at a bound, both relative to ``1 + |x_k|``,
    where ``h'`` is the derivative of the class log-weight of ``objective`` and
    ``x_k = alpha + beta E_k + sum lambda_m f_m(k)``. For infinite ``beta`` the check runs
    on the classes at the boundary energy (the others must be full or empty).

    Parameters
    ----------
    problem : Problem
        Supplies the constraints, the statistics, the degeneracies and the capacities.
    counts : array_like, shape (K,)
        Real counts to check.
    alpha, beta : float
        Multipliers of the count and energy constraints.
    objective : {'exact', 'stirling'}
        Which log-weight's derivative ``h'`` the stationarity condition uses.
    lambdas : array_like, optional
        One multiplier per extra constraint.

    Returns
    -------
    float
        The largest relative violation; 0 at an exact optimum.

    Examples
    --------
    >>> import maxent
    >>> p = maxent.Problem([0, 1, 2, 3], 20, mean_energy=1.2)
    >>> r = maxent.maximize_log_count(p)
    >>> maxent.kkt_residual(p, r.counts, r.alpha, r.beta) < 1e-12
    True
    >>> moved = r.counts + [1, -1, 0, 0]  # one item moved down a level: U is off
    >>> maxent.kkt_residual(p, moved, r.alpha, r.beta) > 1e-3
    True
    """
    n = np.asarray(counts, dtype=np.float64)
    e = problem.energies
    g = problem.degeneracies
    cap = problem.caps.astype(np.float64)
    n_items = problem.n
    res = abs(float(n.sum()) - n_items) / n_items
    unit = energy_unit(problem)
    rows = [(None, e)] + [(i, c.values) for i, c in enumerate(problem.constraints)]
    for which, vals in rows:
        if float(np.ptp(vals)) > 0 and np.all(np.isfinite(n)):
            # measured from the end of the row nearer its target (exact offset), against
            # the row's own size: a few quanta above a face are held to those quanta
            centre, offset, _ = problem.row_reference(which)
            terms = n * (vals - centre)
            floor = unit if which is None else row_unit(problem, which)
            size = max(float(np.abs(terms).sum()), abs(offset), floor)
            res = max(res, abs(float(terms.sum()) - offset) / max(size, 1e-300))
    if (n < 0).any() or (n > cap + 1e-9 * cap).any():
        return max(res, float(max(-n.min(), (n - cap).max())) / n_items)
    hp = S.h_prime(problem.stat, n, g, objective)
    # A count holds its class to some units in its last place (g - n of a nearly full
    # Fermi level is known to ulp(g), not to its own precision): h' is judged over that
    # interval, [h'(n + eps), h'(n - eps)] (h' decreases: ln W is concave), and a count
    # within eps of its capacity is at the capacity.
    eps = 64.0 * np.spacing(np.maximum(np.abs(n), 1.0))
    hp_hi = S.h_prime(problem.stat, np.maximum(n - eps, 0.0), g, objective)
    hp_lo = S.h_prime(problem.stat, np.minimum(n + eps, cap), g, objective)
    # Only Fermi-Dirac capacities are bounds of their own; N items in one class is an
    # interior point of n_k >= 0 (the count constraint alone keeps it there).
    if problem.stat == S.FERMI:
        at_cap = (n >= cap - eps) & (n > 0)
    else:
        at_cap = np.zeros(n.size, bool)
    # Classes that every real allocation holds at a bound (the constraints leave them no
    # room) have no stationarity condition: their multipliers are infinite in the limit.
    forced = _forced_classes(problem, n, cap)
    if forced.any():
        n, hp, cap, at_cap = n[~forced], hp[~forced], cap[~forced], at_cap[~forced]
        e, g, hp_lo, hp_hi = e[~forced], g[~forced], hp_lo[~forced], hp_hi[~forced]
        if n.size == 0:
            return res
    if math.isinf(beta):
        boundary = e == boundary_energy(problem, 1.0 if beta > 0 else -1.0)
        n, hp, at_cap = n[boundary], hp[boundary], at_cap[boundary]
        hp_lo, hp_hi = hp_lo[boundary], hp_hi[boundary]
        # the boundary classes share one multiplier, free but for their conditions
        inside = (n > 0) & ~at_cap
        if inside.any():
            x0 = float(np.mean(hp[inside]))
        else:  # every boundary class empty or full: any x in [max hp(empty), min hp(full)]
            lo = float(np.max(hp[n <= 0], initial=-np.inf))
            hi = float(np.min(hp[at_cap], initial=np.inf))
            x0 = min(max(0.0, lo), hi) if lo <= hi else 0.5 * (lo + hi)
        x = np.full(n.size, x0)
        denom = 1.0 + np.abs(x)
    else:
        x = class_multipliers(problem, alpha, beta, lambdas)
        # x_k is a sum of terms and float64 holds it to ~1e-16 of their size, not of its
        # own: energies near 1e12 give alpha ~ 6e12 and an x of -6.9 known to ~1e-3
        # (judged against |x|, an exact optimum read 3.5e-5). 1e-10 of the size with the
        # tolerance 1e-6 is that resolution.
        size = np.abs(alpha) + np.abs(beta * problem.energies)
        for lam, c in zip(np.atleast_1d(lambdas), problem.constraints, strict=False):
            size = size + np.abs(lam * c.values)
        if forced.any():
            x, size = x[~forced], size[~forced]
        denom = 1.0 + np.maximum(np.abs(x), 1e-10 * size)
    inside = (n > 0) & ~at_cap
    if inside.any():
        xi = x[inside]
        miss = np.maximum(np.maximum(hp_lo[inside] - xi, xi - hp_hi[inside]), 0.0)
        with np.errstate(invalid="ignore"):  # inf - inf: an infinite slope on both sides
            miss = np.where(np.isnan(miss), np.abs(hp[inside] - xi), miss)
        res = max(res, float(np.max(miss / denom[inside])))
    low = (n <= 0) & np.isfinite(hp) & (x < 700)  # Stirling counts underflow past x = 745
    if low.any():
        res = max(res, float(np.max(np.maximum(hp[low] - x[low], 0.0) / denom[low])))
    # as for empty classes, a full class whose Stirling slope is infinite (n = g exactly in
    # float64) gives no finite condition on its multiplier
    full = at_cap & np.isfinite(hp)
    if full.any():
        res = max(res, float(np.max(np.maximum(x[full] - hp[full], 0.0) / denom[full])))
    return res


def _forced_classes(problem: Problem, n: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """Classes at a bound that no real allocation meeting the constraints can leave.

    Decided by linear programs over the real allocations, and only for the few classes
    that sit at a bound while the constraints are tight enough to force them (extra
    moments or capacities); otherwise no class is forced (a plain problem at an extreme
    mean is handled by the face of infinite beta).
    """
    out = np.zeros(n.size, dtype=bool)
    if not problem.constraints and problem.stat != S.FERMI:
        return out
    tol = 1e-9 * max(problem.n, 1)
    low = np.flatnonzero(n <= tol)
    high = np.flatnonzero((n >= cap - tol) & (problem.stat == S.FERMI))
    if low.size + high.size == 0 or low.size + high.size > 64:
        return out
    from scipy.optimize import linprog

    coef = problem.constraint_rows(scaled=False)[0]
    b = np.array(
        [problem.n, problem.total_energy, *[problem.n * c.mean for c in problem.constraints]]
    )
    bounds = [(0.0, float(c)) for c in problem.caps]
    for k, sign in [(k, -1.0) for k in low] + [(k, 1.0) for k in high]:
        c = np.zeros(n.size)
        c[k] = sign  # maximise n_k for a class at 0, minimise it for a full one
        r = linprog(c, A_eq=coef, b_eq=b, bounds=bounds, method="highs")
        if r.status == 0 and (abs(r.x[k]) <= tol if sign < 0 else r.x[k] >= cap[k] - tol):
            out[k] = True
    return out


def _multipliers_from_counts(problem: Problem, n: np.ndarray, objective: str):
    """Least-squares (alpha, beta, lambdas) from stationarity on interior classes."""
    hp = S.h_prime(problem.stat, n, problem.degeneracies, objective)
    cap = problem.caps
    inside = (n > 1e-9 * problem.n / n.size) & (n < cap - 1e-9) & np.isfinite(hp)
    coef, _, centres, scales = problem.constraint_rows()
    if inside.sum() < coef.shape[0] or problem.e_max == problem.e_min:
        a = float(np.mean(hp[inside])) if inside.any() else math.nan
        return a, 0.0, np.zeros(len(problem.constraints))
    theta, *_ = np.linalg.lstsq(coef[:, inside].T, hp[inside], rcond=None)
    return unscale(theta, centres, scales)


def _top_takes_rest(problem, n: np.ndarray) -> np.ndarray:
    """The class farthest from its bounds set to N minus the others, within rounding.

    The multipliers fix the largest class only to about ``ln N`` ulps of its count (a few
    items at N = 1e15), the small classes to their own precision; the count row is then
    met by the small classes' sum, exactly as float64 allows.
    """
    n = np.array(n, dtype=np.float64)
    if n.size < 2 or not np.all(np.isfinite(n)):
        return n
    # a bound missed by rounding is the bound (a Fermi level full to 4e-10 of an item past
    # its cap had ln W = nan)
    cap = problem.caps.astype(np.float64)
    near = (n > cap) & (n - cap <= 1e-9 * cap)
    n[near] = cap[near]
    n[(n < 0) & (n >= -1e-9 * problem.n)] = 0.0
    # the class farthest from both of its bounds takes the rest (its slope h' moves
    # least): a nearly full Fermi level that took it would leave its bound by the
    # others' rounding (255488 items at N = 4e18)
    # (only Fermi-Dirac capacities bind; N is no bound for the others)
    room = np.minimum(n, cap - n) if problem.stat == S.FERMI else n
    if room.max() <= 0:
        return n
    top = int(np.argmax(room))
    rest = math.fsum(np.delete(n, top).tolist())
    fill = problem.n - rest
    cap = float(problem.caps[top])
    if 0.0 <= fill <= cap and abs(fill - n[top]) <= 1e-12 * problem.n:
        n[top] = fill
    return n


def _result(problem, n, alpha, beta, lambdas, objective, method, nit, nfev, success, message, t0):
    n = _top_takes_rest(problem, n)
    lambdas = np.asarray(lambdas, dtype=np.float64)
    kkt = kkt_residual(problem, n, alpha, beta, objective, lambdas)
    lnw = log_count(problem, n, objective)
    checked = check_real(problem, n, kkt=kkt, log_count=lnw, objective=objective)
    out = OptimizeResult(
        x=n,
        counts=n,
        fractions=n / problem.n,
        alpha=alpha,
        beta=beta,
        lambdas=lambdas,
        log_count=lnw,
        kkt_residual=kkt,
        residuals=checked,
        objective=objective,
        method=method,
        nit=nit,
        nfev=nfev,
        success=bool(success) and checked.ok,
        status=0 if success and checked.ok else 1,
        message=message if checked.ok else f"{message}; but {checked.note}",
        time=time.perf_counter() - t0,
    )
    if objective == "stirling":
        out["log_count_exact"] = log_count(problem, n, "exact")
    return out


def maximize_log_count(
    problem: Problem,
    objective: str = "exact",
    method: str = "dual",
    *,
    tol: float = 1e-14,
    maxiter: int | None = None,
    x0: ArrayLike | None = None,
) -> OptimizeResult:
    """Maximise ln W over real allocations under the count, energy and moment constraints.

    Parameters
    ----------
    problem : Problem
        Energies, ``N``, the total energy, the statistics and any extra constraints.
    objective : {'exact', 'stirling'}
        ``exact`` uses log-gamma; ``stirling`` uses ``ln n! ~ n ln n - n``, whose optimum
        is the large-N limit (``N`` times the Boltzmann distribution for Boltzmann
        counting).
    method : {'dual', 'slsqp', 'trust-constr'}
        ``dual`` (default) solves for the Lagrange multipliers; the other two call
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
    OptimizeResult
        ``x``/``counts`` (real counts), ``fractions``, ``alpha``, ``beta``, ``lambdas``
        (multipliers: ``h'(n_k) = alpha + beta E_k + sum lambda_m f_m(k)`` on classes
        inside their bounds), ``log_count`` (the objective's ln W at the optimum; for
        Stirling also ``log_count_exact``), ``kkt_residual`` (see :func:`kkt_residual`),
        ``nit``, ``nfev``, ``success``, ``status``, ``message``, ``time`` (seconds).

    Examples
    --------
    >>> import maxent
    >>> p = maxent.Problem([0, 1, 2, 3], 1000, mean_energy=1.2)
    >>> r = maxent.maximize_log_count(p)
    >>> bool(r.success), r.kkt_residual < 1e-12
    (True, True)
    >>> r.counts.round(2).tolist(), round(r.beta, 4)
    ([347.42, 272.22, 213.28, 167.07], 0.2435)
    """
    if objective not in OBJECTIVES:
        raise ValidationError("objective", f"must be one of {', '.join(OBJECTIVES)}")
    if method not in METHODS:
        raise ValidationError("method", f"must be one of {', '.join(METHODS)}")
    first = _maximize(problem, objective, method, tol, maxiter, x0)
    if first.residuals.ok or method != "dual" or problem.classes > RETRY_MAX_CLASSES:
        return first
    # The dual's answer broke a promise: solve the primal problem instead, from it.
    t0 = time.perf_counter()
    try:
        again = _scipy_primal(problem, objective, "trust-constr", maxiter or 300, first.counts, t0)
    except (ValueError, ArithmeticError, np.linalg.LinAlgError):
        return first  # (scipy refuses non-finite steps: the first answer and its note stand)
    if not again.residuals.ok:
        return first
    again["message"] = (
        f"the dual's solution failed its check ({first.residuals.note}); solved again by "
        f"trust-constr from it: {again.message}"
    )
    again["time"] += first.time
    return again


#: Largest K for which a failed dual solution is solved again by the primal route
#: (trust-constr factorises the constraints densely at every step: 0.4 s at K = 20,
#: 40 s at K = 100 and minutes at K = 1000; beyond this the failed check is reported).
RETRY_MAX_CLASSES = 50


def _maximize(problem, objective, method, tol, maxiter, x0) -> OptimizeResult:
    t0 = time.perf_counter()
    if method != "dual":
        return _scipy_primal(problem, objective, method, maxiter or 1000, x0, t0)
    stat = problem.stat
    g = problem.degeneracies
    lg = np.log(g)
    exact = objective == "exact"
    n_items = problem.n
    if exact and stat == S.BOSE and np.any(g == 1.0):
        raise ValidationError(
            "degeneracies",
            "the exact Bose-Einstein optimum is not unique when a level has a single state "
            "(W does not depend on its count); use objective='stirling', or g > 1",
        )
    no_lambdas = np.zeros(len(problem.constraints))
    maxiter = maxiter or 200

    if problem.e_max == problem.e_min and not problem.constraints:
        # The energy constraint is automatic: one constraint, one multiplier.
        coef = np.ones((1, problem.classes))
        sol = solve_dual(
            stat,
            exact,
            coef,
            np.array([float(n_items)]),
            lg,
            g,
            np.zeros(1),
            tol=tol,
            maxiter=maxiter,
        )
        msg = sol.message + "; all energies equal: beta is undetermined, 0 reported"
        return _result(
            problem,
            sol.counts,
            float(sol.theta[0]),
            0.0,
            no_lambdas,
            objective,
            "dual",
            sol.nit,
            sol.nfev,
            sol.success,
            msg,
            t0,
        )
    if problem.extreme and not problem.constraints:
        sign = float(problem.extreme)
        counts, x_b = extreme_face(problem, sign, objective)
        beta = sign * math.inf
        e_b = boundary_energy(problem, sign)
        # alpha + beta E_b stays finite along the limit; alpha itself diverges unless the
        # boundary level sits at E = 0
        alpha = x_b if e_b == 0.0 else -math.copysign(math.inf, beta * e_b)
        where = "lowest" if sign > 0 else "highest"
        msg = f"converged; mean at the {where} attainable energy: beta = {beta}"
        return _result(
            problem, counts, alpha, beta, no_lambdas, objective, "dual", 1, 1, True, msg, t0
        )

    coef, rhs, centres, scales = problem.constraint_rows()
    if problem.plain:
        beta_b = problem.beta
        alpha_s = log_partition(problem.energies, beta_b, g) - math.log(n_items)
        if not exact:
            return _result(
                problem,
                n_items * problem.boltzmann,
                alpha_s,
                beta_b,
                no_lambdas,
                objective,
                "dual",
                0,
                0,
                True,
                "closed form n = N p_beta (beta from the mean energy)",
                t0,
            )
        theta0 = np.array([alpha_s + beta_b * centres[1], beta_b * scales[1]])
        # digamma(n + 1) ~ log(n + 1/2): the Stirling counts less 1/2 start well
        guess = np.maximum(n_items * problem.boltzmann - 0.5, 0.0)
    else:
        stir = solve_dual(
            stat, False, coef, rhs, lg, g, np.zeros(coef.shape[0]), tol=tol, maxiter=maxiter
        )
        if not exact:
            alpha, beta, lambdas = unscale(stir.theta, centres, scales)
            return _result(
                problem,
                stir.counts,
                alpha,
                beta,
                lambdas,
                objective,
                "dual",
                stir.nit,
                stir.nfev,
                stir.success,
                stir.message,
                t0,
            )
        theta0 = stir.theta
        guess = np.maximum(stir.counts - 0.5, 0.0)
    sol = solve_dual(stat, True, coef, rhs, lg, g, theta0, guess=guess, tol=tol, maxiter=maxiter)
    alpha, beta, lambdas = unscale(sol.theta, centres, scales)
    return _result(
        problem,
        sol.counts,
        alpha,
        beta,
        lambdas,
        objective,
        "dual",
        sol.nit,
        sol.nfev,
        sol.success,
        sol.message,
        t0,
    )


def _scipy_primal(problem: Problem, objective: str, method: str, maxiter, x0, t0):
    """Primal route through scipy.optimize.minimize (a cross-check; slow for large K)."""
    import scipy.optimize as sopt

    k = problem.classes
    n_items = float(problem.n)
    g = problem.degeneracies
    cap = problem.caps.astype(np.float64)
    coef, rhs, _, _ = problem.constraint_rows()
    stat = problem.stat
    weight = S.log_weight if objective == "exact" else S.stirling_log_weight
    # keep the Stirling derivatives finite at the bounds
    pad = 0.0 if objective == "exact" else 1e-12

    def clip(n):
        return np.clip(n, pad, cap - pad if stat == S.FERMI else np.inf)

    # The objective is divided by N so that its values and gradients are O(1).
    def fun(n):
        return float(-weight(stat, np.clip(n, 0.0, cap), g).sum() / n_items)

    def jac(n):
        return -S.h_prime(stat, clip(n), g, objective) / n_items

    def hess(n):
        import scipy.sparse as sps

        return sps.diags(-S.h_second(stat, clip(n), g, objective) / n_items)

    start = np.full(k, n_items / k) if x0 is None else np.asarray(x0, dtype=np.float64)
    start = np.minimum(start, cap)
    if method == "slsqp":
        res = sopt.minimize(
            fun,
            start,
            jac=jac,
            method="SLSQP",
            bounds=list(zip(np.zeros(k), cap, strict=True)),
            constraints=[{"type": "eq", "fun": lambda n: coef @ n - rhs, "jac": lambda n: coef}],
            options={"maxiter": maxiter, "ftol": 1e-15},
        )
    else:
        # its projections divide 0 by 0 on a degenerate active set and say so as a
        # RuntimeWarning; the answer is checked below, so the warning says nothing more
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            res = sopt.minimize(
                fun,
                start,
                jac=jac,
                hess=hess,
                method="trust-constr",
                bounds=sopt.Bounds(np.zeros(k), cap),
                constraints=[sopt.LinearConstraint(coef, rhs, rhs)],
                options={"maxiter": maxiter, "gtol": 1e-12, "xtol": 1e-14},
            )
    n = np.clip(np.asarray(res.x, dtype=np.float64), 0.0, cap)
    alpha, beta, lambdas = _multipliers_from_counts(problem, n, objective)
    return _result(
        problem,
        n,
        alpha,
        beta,
        lambdas,
        objective,
        method,
        int(getattr(res, "nit", 0)),
        int(getattr(res, "nfev", 0)),
        res.success,
        str(res.message),
        t0,
    )
