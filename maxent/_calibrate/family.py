"""The larger maximum-entropy families of calibration maps, fitted by trust-region Newton.

Each family is a softmax whose scores are linear in its parameters, so that its mean NLL
is convex and its stationarity conditions are moment conditions (maximum entropy with
one multiplier per constraint):

* ``bias``: ``beta z_k + b_k`` (the shared moment of temperature scaling and the class
  frequencies);
* ``vector``: ``w_k z_k + b_k`` (one moment ``E[z_k 1{y = k}]`` per class, and the
  frequencies);
* ``matrix``: ``sum_j W_kj x_j + b_k`` (every cross moment ``E[x_j 1{y = k}]``); Dirichlet
  calibration is this family on ``x = log softmax(z)``.

The features are centred and divided by a power of two before the fit (exact, and the
parameters are O(1) whatever the size of the logits: no overflow at 1e6 or 1e200); the
fit runs scipy's ``trust-ncg`` with exact gradients and Hessian-vector products, and ends
with Newton steps solved by conjugate gradients to machine precision. Directions that
change no probability (adding a constant to every class's score, a constant feature) are
fixed by a gauge term that does not move the minimum. An optional L2 penalty on the
off-diagonal weights and on the intercepts (ODIR, Kull et al. 2019) relaxes the matrix
family's moment conditions.

Whether a finite minimum exists is decided by linear programming: the NLL has none
exactly when some direction of the parameters (one the penalty does not see) raises no
wrong class's score above the true class's in any row and separates at least one
(complete or quasi-complete separation, Albert and Anderson 1984).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["KINDS", "FamilyFit", "fit_family", "log_softmax"]

KINDS = ("bias", "vector", "matrix")

_CHUNK = 1 << 20  # elements per block of rows in the passes over the data
_LP_NONZEROS = 2_000_000  # largest separation program solved (constraint matrix entries)
_SEPARATION_TOL = 1e-6  # a margin (scaled units, |direction| <= 1) that separates
_GTOL = 1e-10
RESIDUAL_TOL = 1e-9  # relative moment/KKT residual a converged fit must reach


def log_softmax(z: np.ndarray) -> np.ndarray:
    """``z - logsumexp(z)`` per row, in float64 (the log-probabilities of the logits)."""
    z = np.asarray(z, dtype=np.float64)
    m = z.max(axis=1, keepdims=True)
    a = z - m
    return a - np.log(np.exp(a).sum(axis=1, keepdims=True))


@dataclass(frozen=True)
class FamilyFit:
    """A fitted member of a linear softmax family (parameters for all K classes).

    Attributes
    ----------
    coef : ndarray
        ``()`` (``beta``) for ``bias``, ``(K,)`` for ``vector``, ``(K, K)`` for ``matrix``;
        zero for classes that never occur in the labels.
    intercept : ndarray, shape (K,)
        ``-inf`` for classes that never occur (their frequency constraint is 0).
    nll : float
        Mean (weighted) NLL on the fitting rows, penalty excluded.
    objective : float
        What was minimised: the mean NLL plus the penalty.
    iterations : int
        Trust-region iterations plus the final Newton steps.
    residual : float
        Relative violation of the stationarity (moment) conditions at the returned
        parameters, measured after the fit from the parameters themselves.
    status : str
        ``converged``, ``separable``, ``not converged`` or ``undetermined``.
    message : str
        One sentence on the outcome.
    separation : str
        How the existence of a finite minimum was decided.
    beta_stderr : float
        ``bias`` only: standard error of ``beta`` from the observed information (NaN
        otherwise or when undefined).
    """

    coef: np.ndarray
    intercept: np.ndarray
    nll: float
    objective: float
    iterations: int
    residual: float
    status: str
    message: str
    separation: str
    beta_stderr: float = math.nan


class _Problem:
    """The scaled, gauge-fixed objective of one family on one data set."""

    def __init__(self, x, y, w, kind, reg_off_diagonal, reg_intercept):
        n, k = x.shape
        self.kind, self.n, self.k = kind, n, k
        wsum = float(n) if w is None else float(w.sum())
        self.w = None if w is None else w / wsum  # weights summing to 1
        self.wtotal = wsum
        mu = x.mean(axis=0) if w is None else self.w @ x
        xt = x - mu
        # divided by powers of two (exact): first the largest entry, then the RMS, so
        # that the RMS cannot overflow and the parameters are O(1)
        top = float(np.abs(xt).max()) if xt.size else 0.0
        self.scale = 1.0
        if top > 0:
            self.scale = 2.0 ** math.ceil(math.log2(top))
            xt /= self.scale
            rms = float(np.sqrt(np.mean(xt * xt)))
            post = 2.0 ** math.ceil(math.log2(rms))
            xt /= post
            self.scale *= post
        counts = np.bincount(y, weights=w, minlength=k)
        self.present = counts > 0
        self.kp = int(self.present.sum())
        self.remap = np.cumsum(self.present) - 1
        self.y = self.remap[y]
        m = mu / self.scale
        if kind == "matrix":
            self.xt, self.m = xt, m
            self.vshape = (self.kp, k)
        else:
            self.xt, self.m = np.ascontiguousarray(xt[:, self.present]), m[self.present]
            self.vshape = (1,) if kind == "bias" else (self.kp,)
        self.nv = int(np.prod(self.vshape))
        self.size = self.nv + self.kp
        # the penalty in the scaled parameters: V = scale W, b = c - lin(V, m)
        self.reg_od = reg_off_diagonal / (k * (k - 1)) / self.scale / self.scale if k > 1 else 0.0
        self.reg_b = reg_intercept / k
        if kind == "matrix":
            idx = np.flatnonzero(self.present)
            self.offdiag = np.ones(self.vshape)
            self.offdiag[np.arange(self.kp), idx] = 0.0
        self.gauge_c = reg_intercept == 0
        self.gauge_v = kind == "matrix" and reg_off_diagonal == 0
        self.rows = max(1, _CHUNK // max(self.kp, k))
        self._cached = None

    # -- the linear score map and its adjoint -------------------------------------------------

    def split(self, theta):
        return theta[: self.nv].reshape(self.vshape), theta[self.nv :]

    def scores(self, v, c, x):
        if self.kind == "bias":
            return v[0] * x + c
        if self.kind == "vector":
            return x * v + c
        return x @ v.T + c

    def adjoint(self, r, x):
        """``(dV, dc)`` of ``sum_ik r_ik scores_ik``, as one flat vector."""
        if self.kind == "bias":
            gv = np.array([float(np.sum(r * x))])
        elif self.kind == "vector":
            gv = np.einsum("ik,ik->k", r, x)
        else:
            gv = r.T @ x
        return np.concatenate([gv.ravel(), r.sum(axis=0)])

    def intercept(self, v, c):
        """The intercepts of the unscaled features: ``b = c - lin(V, m)``."""
        return c - self.scores(v, np.zeros(self.kp), self.m[None, :])[0]

    # -- objective, gradient and Hessian-vector products --------------------------------------

    def _penalty(self, v, c, want_grad=True):
        f = 0.0
        gv = np.zeros(self.vshape)
        gc = np.zeros(self.kp)
        if self.reg_od:
            f += self.reg_od * float(np.sum(self.offdiag * v * v))
            gv += 2.0 * self.reg_od * self.offdiag * v
        if self.reg_b:
            b = self.intercept(v, c)
            f += self.reg_b * float(b @ b)
            gb = 2.0 * self.reg_b * b
            gc += gb
            gv -= self.adjoint(gb[None, :], self.m[None, :])[: self.nv].reshape(self.vshape)
        return f, np.concatenate([gv.ravel(), gc])

    def _gauge(self, theta):
        v, c = self.split(theta)
        g = np.zeros(self.size)
        f = 0.0
        if self.gauge_c:
            s = float(c.sum())
            f += 0.5 * s * s / self.kp
            g[self.nv :] += s / self.kp
        if self.gauge_v:
            s = v.sum(axis=0)
            f += 0.5 * float(s @ s) / self.kp
            g[: self.nv] += np.broadcast_to(s / self.kp, self.vshape).ravel()
        return f, g

    def fun(self, theta):
        """Objective and gradient; keeps the probabilities for :meth:`hessp`."""
        v, c = self.split(theta)
        nll = 0.0
        grad = np.zeros(self.size)
        probs = np.empty((self.n, self.kp))
        for a in range(0, self.n, self.rows):
            e = min(self.n, a + self.rows)
            s = self.scores(v, c, self.xt[a:e])
            top = s.max(axis=1, keepdims=True)
            s -= top
            p = np.exp(s)
            tot = p.sum(axis=1, keepdims=True)
            p /= tot
            r = np.arange(e - a)
            yy = self.y[a:e]
            row_nll = np.log(tot[:, 0]) - s[r, yy]
            probs[a:e] = p
            res = p.copy()
            res[r, yy] -= 1.0
            if self.w is None:
                nll += float(row_nll.sum()) / self.n
                res /= self.n
            else:
                ww = self.w[a:e]
                nll += float(ww @ row_nll)
                res *= ww[:, None]
            grad += self.adjoint(res, self.xt[a:e])
        self._cached = (theta.copy(), probs)
        self.last_nll = nll
        fp, gp = self._penalty(v, c)
        fg, gg = self._gauge(theta)
        return nll + fp + fg, grad + gp + gg

    def hessp(self, theta, d):
        if self._cached is None or not np.array_equal(self._cached[0], theta):
            self.fun(theta)
        probs = self._cached[1]
        dv, dc = self.split(d)
        out = np.zeros(self.size)
        for a in range(0, self.n, self.rows):
            e = min(self.n, a + self.rows)
            p = probs[a:e]
            ds = self.scores(dv, dc, self.xt[a:e])
            dp = p * (ds - (p * ds).sum(axis=1, keepdims=True))
            if self.w is None:
                dp /= self.n
            else:
                dp *= self.w[a:e, None]
            out += self.adjoint(dp, self.xt[a:e])
        # the penalty and the gauge are quadratic: their Hessian times d is their
        # gradient's linear part at d
        _, gp = self._penalty(dv, dc)
        _, gg = self._gauge(d)
        return out + gp + gg

    def start(self, beta0):
        """Parameters of ``beta0 z`` (the identity map for beta0 = 1), scaled."""
        v = np.zeros(self.vshape)
        if self.kind == "matrix":
            v[np.arange(self.kp), np.flatnonzero(self.present)] = beta0 * self.scale
        else:
            v[:] = beta0 * self.scale
        # c = b + W mu with b = 0, W = beta0 I, and mu = scale m the feature means
        m = self.m if self.kind != "matrix" else self.m[self.present]
        return np.concatenate([v.ravel(), beta0 * self.scale * m])

    # -- separation ----------------------------------------------------------------------------

    def separating_direction(self, rows):
        """The largest margin of a direction that separates ``rows`` (0.0: none does).

        Directions are those the penalty does not see; a margin is the true class's score
        minus another class's, whose change along the direction must be >= 0 everywhere.
        """
        from scipy import sparse
        from scipy.optimize import linprog

        x = self.xt[rows]
        y = self.y[rows]
        nr, kp = x.shape[0], self.kp
        ii, kk = np.nonzero(np.ones((nr, kp), bool) & (np.arange(kp)[None, :] != y[:, None]))
        mrows = ii.size
        if mrows == 0:
            return 0.0
        yy = y[ii]
        cols, vals, rix = [], [], []

        def put(r, cidx, v):
            rix.append(r)
            cols.append(cidx)
            vals.append(v)

        rr = np.arange(mrows)
        if self.kind == "bias":
            put(rr, np.zeros(mrows, np.int64), x[ii, yy] - x[ii, kk])
        elif self.kind == "vector":
            put(rr, yy, x[ii, yy])
            put(rr, kk, -x[ii, kk])
        else:
            k = self.k
            for j in range(k):
                put(rr, yy * k + j, x[ii, j])
                put(rr, kk * k + j, -x[ii, j])
        put(rr, self.nv + yy, np.ones(mrows))
        put(rr, self.nv + kk, -np.ones(mrows))
        a = sparse.csr_matrix(
            (np.concatenate(vals), (np.concatenate(rix), np.concatenate(cols))),
            shape=(mrows, self.size),
        )
        # maximise the sum of the margins over directions with every margin >= 0 (and
        # |d| <= 1): positive exactly when some direction separates
        bounds = [(-1.0, 1.0)] * self.size
        if self.reg_od:
            for i, off in enumerate(self.offdiag.ravel()):
                if off:
                    bounds[i] = (0.0, 0.0)
        a_eq = b_eq = None
        if self.reg_b:  # the intercepts b = c - lin(V, m) may not move
            eq = np.zeros((self.kp, self.size))
            for i in range(self.size):
                e = np.zeros(self.size)
                e[i] = 1.0
                ev, ec = self.split(e)
                eq[:, i] = self.intercept(ev, ec)
            a_eq, b_eq = eq, np.zeros(self.kp)
        cost = -np.asarray(a.sum(axis=0)).ravel()
        res = linprog(
            cost, A_ub=-a, b_ub=np.zeros(mrows), A_eq=a_eq, b_eq=b_eq, bounds=bounds,
            method="highs",
        )  # fmt: skip
        if res.status != 0:
            return math.nan
        # the solver's tolerances let margins dip to about -1e-7: keep the direction only
        # if its margins, recomputed, are all >= 0 to rounding and some are clearly > 0
        margins = a @ res.x
        top = float(margins.max())
        if top > _SEPARATION_TOL and float(margins.min()) >= -1e-9 * top:
            return top
        return 0.0

    def certified(self, theta, grad) -> bool:
        """Whether the fit's probabilities prove that no direction separates the rows.

        Gordan's alternative: no direction d (that the penalty does not see) has every
        margin ``m_ik(d) = ds_iy - ds_ik >= 0`` and some > 0, exactly when some weights
        ``lam_ik > 0`` give ``sum lam_ik grad m_ik`` orthogonal to those directions. At the
        fit, ``lam_ik = w_i p_ik`` nearly do: they miss by the gradient ``g``. The
        correction ``lam_ik (1 + m_ik(u))`` with ``(A^T Lam A) u = g`` (one conjugate-
        gradient solve, the cost of a Newton step) removes the miss; the weights stay
        positive when every ``m_ik(u) > -1``, checked here with room (> -1/2).
        """
        from scipy.sparse.linalg import LinearOperator, cg

        if self._cached is None or not np.array_equal(self._cached[0], theta):
            self.fun(theta)
        lam = self._cached[1].copy()
        r = np.arange(self.n)
        lam[r, self.y] = 0.0
        lam *= (1.0 / self.n) if self.w is None else self.w[:, None]
        others = np.ones(lam.shape, bool)
        others[r, self.y] = False
        if not np.all(lam[others] > 0):  # a probability underflowed to 0: no proof here
            return False

        def margins(d, a, e):
            dv, dc = self.split(d)
            ds = self.scores(dv, dc, self.xt[a:e])
            return ds[np.arange(e - a), self.y[a:e]][:, None] - ds

        def matvec(d):
            out = np.zeros(self.size)
            for a in range(0, self.n, self.rows):
                e = min(self.n, a + self.rows)
                t = lam[a:e] * margins(d, a, e)
                res = -t
                res[np.arange(e - a), self.y[a:e]] += t.sum(axis=1)
                out += self.adjoint(res, self.xt[a:e])
            return out + self._gauge(d)[1]

        op = LinearOperator((self.size, self.size), matvec=matvec)
        with np.errstate(divide="ignore", invalid="ignore"):
            # to 1e-6 of a gradient of ~1e-12: what the correction misses is ~1e-18
            u, info = cg(op, grad, rtol=1e-6, maxiter=4 * self.size + 50)
        if info != 0 or not np.all(np.isfinite(u)):
            return False
        worst = min(
            float(margins(u, a, min(self.n, a + self.rows))[others[a : a + self.rows]].min())
            for a in range(0, self.n, self.rows)
        )
        return worst > -0.5

    def lp_rows(self):
        """Rows the separation program can afford: all of them, or None (too many)."""
        per_row = (self.kp - 1) * (2 * self.k + 2 if self.kind == "matrix" else 4)
        return max(1, _LP_NONZEROS // max(per_row, 1))


def _polish(prob, theta, steps=4):
    """Newton steps solved by conjugate gradients: the last digits of the minimum."""
    from scipy.sparse.linalg import LinearOperator, cg

    f, g = prob.fun(theta)
    done = 0
    for _ in range(steps):
        gn = float(np.abs(g).max())
        if gn < 1e-15:
            break
        op = LinearOperator((prob.size, prob.size), matvec=lambda d, t=theta: prob.hessp(t, d))
        # near the minimum Newton squares the gradient: a step solved to 1e-6 of it
        # takes a gradient of 1e-10 to rounding
        with np.errstate(divide="ignore", invalid="ignore"):  # CG at zero curvature
            step, _ = cg(op, -g, rtol=1e-6, maxiter=4 * prob.size + 50)
        if not np.all(np.isfinite(step)):
            break
        cand = theta + step
        fc, gc = prob.fun(cand)
        done += 1
        if not (np.all(np.isfinite(gc)) and float(np.abs(gc).max()) < gn and fc <= f + 1e-15):
            prob.fun(theta)  # keep the cache at the returned point
            break
        theta, f, g = cand, fc, gc
    return theta, f, g, done


def fit_family(
    x: np.ndarray,
    y: np.ndarray,
    w: np.ndarray | None,
    kind: str,
    *,
    reg_off_diagonal: float = 0.0,
    reg_intercept: float = 0.0,
    beta0: float = 1.0,
    max_iter: int = 100,
    name: str | None = None,
) -> FamilyFit:
    """Minimise the mean NLL (plus penalty) of one family; see the module docstring.

    ``x`` (n, K) float features (logits, or log-probabilities for Dirichlet), ``y`` codes
    in ``[0, K-1]``, ``w`` positive row weights or None, ``beta0`` a starting temperature,
    ``name`` the family's name in the messages (default ``kind``).
    """
    from scipy.optimize import minimize

    x = np.ascontiguousarray(x, dtype=np.float64)
    n, k = x.shape
    prob = _Problem(x, y, w, kind, reg_off_diagonal, reg_intercept)
    coef_shape = () if kind == "bias" else (k,) if kind == "vector" else (k, k)
    if prob.kp == 1:
        intercept = np.where(prob.present, 0.0, -np.inf)
        return FamilyFit(
            np.full(coef_shape, math.nan if kind == "bias" else 0.0),
            intercept,
            0.0,
            0.0,
            0,
            0.0,
            "undetermined",
            "only one class occurs in the labels: its frequency constraint puts all the "
            "probability on it whatever the other parameters are (undetermined)",
            "not needed",
        )
    # the start beta0 z with |beta0| at most 64 per unit of the scaled features: the
    # fitted temperature of these logits in the estimators, never an overflowing start
    b0 = beta0 if math.isfinite(beta0) and beta0 != 0 else 1.0 / prob.scale
    b0 = math.copysign(min(abs(b0), 64.0 / prob.scale), b0)
    theta0 = prob.start(b0)

    def solve(iters, polish):
        res = minimize(
            prob.fun, theta0, jac=True, hessp=prob.hessp, method="trust-ncg",
            options={"gtol": _GTOL, "maxiter": iters},
        )  # fmt: skip
        theta, done = res.x, int(res.nit)
        if polish:
            theta, _, _, extra = _polish(prob, theta)
            done += extra
        f, g = prob.fun(theta)
        return theta, f, g, done, res

    theta, f, g, iterations, res = solve(max_iter, True)
    # does a finite minimum exist? the fit's own probabilities usually prove it; if
    # not, a linear program decides (on all rows, or on the rows the fit finds hardest:
    # if even they cannot be separated, no superset of them can)
    separable = False
    lp_rows = prob.lp_rows()
    if prob.certified(theta, g):
        how = "no direction separates the rows (the fitted probabilities prove it)"
    elif n <= lp_rows:
        separable = prob.separating_direction(np.arange(n)) > _SEPARATION_TOL
        how = (
            f"a linear program on all {n} rows found a separating direction"
            if separable
            else f"no direction separates the {n} rows (a linear program on all of them)"
        )
    else:
        py = prob._cached[1][np.arange(n), prob.y]
        rows = np.sort(np.argsort(py, kind="stable")[:lp_rows])
        value = prob.separating_direction(rows)
        if value > _SEPARATION_TOL or math.isnan(value):
            how = (
                f"separation not ruled out: the {rows.size} hardest of {n} rows can be "
                "separated (all rows are too many for the linear program)"
            )
        else:
            how = (
                f"no direction separates the rows: not even the {rows.size} hardest of "
                f"{n} can be separated (a linear program)"
            )
    if separable:  # report the limit, do not chase it: a short run from the start
        theta, f, g, iterations, res = solve(min(max_iter, 12), False)
    v, c = prob.split(theta)
    coef, intercept = _unscale(prob, v, c, coef_shape)
    residual = kkt_residual(
        x, y, w, kind, coef, intercept, reg_off_diagonal=reg_off_diagonal,
        reg_intercept=reg_intercept,
    )  # fmt: skip
    nll = prob.last_nll
    if separable:
        status = "separable"
        message = (
            f"the fitting rows are separable by the {name or kind} family ({how}): the NLL has "
            f"no minimum and decreases for ever along a direction of the parameters; "
            f"these parameters are the iterate after {iterations} steps (NLL {nll:.3g}), "
            "not a minimum; a penalty (MatrixScaling's reg_*) or more rows give one"
        )
    elif residual <= RESIDUAL_TOL:
        status = "converged"
        message = f"converged after {iterations} Newton steps; {how}"
    else:
        status = "not converged"
        message = (
            f"no convergence after {iterations} steps: relative residual {residual:.2g} "
            f"above {RESIDUAL_TOL:g} (scipy: {res.message})"
        )
    if not prob.present.all():
        message += f"; {k - prob.kp} classes never occur in the labels: their intercepts are -inf"
    stderr = math.nan
    if kind == "bias" and status == "converged":
        stderr = _beta_stderr(prob, theta)
    return FamilyFit(
        coef, intercept, nll, float(f), iterations, residual, status, message, how, stderr
    )


def _unscale(prob, v, c, coef_shape):
    """Parameters of the unscaled features, gauge-fixed, for all K classes."""
    b = prob.intercept(v, c)
    w = v / prob.scale
    if prob.gauge_v:  # the limit of the off-diagonal penalty at 0: mean off-diagonal 0
        off = prob.offdiag
        shift = (w * off).sum(axis=0) / np.maximum(off.sum(axis=0), 1)
        w = w - shift[None, :]  # every class's score moves by -shift . x: no change
    if prob.gauge_c:
        b = b - b.mean()
    intercept = np.full(prob.k, -np.inf)
    intercept[prob.present] = b
    if prob.kind == "bias":
        return np.array(float(w[0])).reshape(coef_shape), intercept
    coef = np.zeros(coef_shape)
    coef[prob.present] = w
    return coef, intercept


def _beta_stderr(prob, theta):
    """The square root of [H^-1]_beta,beta for the summed NLL (weights count as repeated rows)."""
    from scipy.sparse.linalg import LinearOperator, cg

    op = LinearOperator((prob.size, prob.size), matvec=lambda d: prob.hessp(theta, d))
    e = np.zeros(prob.size)
    e[0] = 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        sol, info = cg(op, e, rtol=1e-12, maxiter=4 * prob.size + 50)
    if info != 0 or not sol[0] > 0:
        return math.nan
    # hessp is of the mean NLL (weights summing to 1): the summed NLL's is wtotal times it
    return math.sqrt(sol[0] / prob.wtotal) / prob.scale


def family_scores(x: np.ndarray, kind: str, coef: np.ndarray, intercept: np.ndarray):
    """The calibrated logits of a family's parameters (``-inf`` for absent classes)."""
    x = np.asarray(x, dtype=np.float64)
    if kind == "bias":
        return float(coef) * x + intercept
    if kind == "vector":
        return x * coef + intercept
    return x @ coef.T + intercept


def kkt_residual(x, y, w, kind, coef, intercept, *, reg_off_diagonal=0.0, reg_intercept=0.0):
    """Largest relative violation of the family's stationarity conditions.

    With no penalty these are the moment conditions: the model reproduces the observed
    class frequencies and the moments ``E[x_j 1{y = k}]`` of its family on the fitting
    rows (``x_k 1{y = k}`` summed over k for ``bias``, per k for ``vector``, every
    ``(j, k)`` for ``matrix``). Moments are divided by the mean row range of ``x``.
    Classes that never occur (intercept ``-inf``) are left out.
    """
    x = np.asarray(x, dtype=np.float64)
    n, k = x.shape
    present = np.isfinite(intercept)
    ww = np.full(n, 1.0 / n) if w is None else w / w.sum()
    a = family_scores(x, kind, coef, intercept)
    a = a - a.max(axis=1, keepdims=True)
    p = np.exp(a)
    p /= p.sum(axis=1, keepdims=True)
    r = p
    r[np.arange(n), y] -= 1.0
    r *= ww[:, None]
    freq = r.sum(axis=0)[present]
    if kind == "bias":
        mom = np.array([float(np.sum(r * x))])
    elif kind == "vector":
        mom = (r * x).sum(axis=0)[present]
    else:
        mom = (r.T @ x)[present]
        if reg_off_diagonal and k > 1:
            off = 1.0 - np.eye(k)
            mom = mom + (2.0 * reg_off_diagonal / (k * (k - 1)) * off * coef)[present]
    if reg_intercept:
        freq = freq + 2.0 * reg_intercept / k * intercept[present]
    spread = float((x.max(axis=1) - x.min(axis=1)).mean())
    spread = spread if spread > 0 else 1.0
    return float(max(np.abs(freq).max(), np.abs(mom).max() / spread))
