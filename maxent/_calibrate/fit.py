"""Temperature scaling fitted as a maximum-entropy problem.

Minimising the NLL of ``softmax(beta z_i)`` over one shared ``beta = 1/T`` has the
stationarity condition ``sum_i E_{softmax(beta z_i)}[z_i] = sum_i z_{i, y_i}``: the
maximum-entropy moment condition whose multiplier is ``beta`` (energies ``E = -z``). The
NLL is convex in ``beta``; it is minimised here by a safeguarded Newton method on exact
per-row moments (see :mod:`maxent._calibrate.core`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from maxent._calibrate import core as _core
from maxent._calibrate.metrics import Metrics, evaluate
from maxent._util.errors import ValidationError
from maxent._util.format import Undefined, defined
from maxent._util.validate import as_count, as_real

__all__ = ["BetaFit", "CalibrationResult", "calibrate", "fit_temperature"]

_SUBSAMPLE_ELEMENTS = 2_000_000
_CURVE_ELEMENTS = 400_000


# ---------------------------------------------------------------------------------------
# Validation


def as_logits_labels(logits, labels) -> tuple[np.ndarray, np.ndarray]:
    """Validate logits (n, K) finite floats and labels (n,) integers in [0, K-1]."""
    z, lab, _ = _checked(logits, labels)
    return z, lab


def _checked(logits, labels) -> tuple[np.ndarray, np.ndarray, tuple]:
    """:func:`as_logits_labels`, also returning the row extremes it computed.

    One pass over the logits finds the extremes for the check and for the fit. The logits
    come back C-contiguous (the kernels read rows).
    """
    try:
        z = np.asarray(logits, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValidationError("logits", "must be a 2-D array of real numbers") from None
    if z.ndim != 2:
        raise ValidationError(
            "logits", f"must be a 2-D array (samples, classes) (got shape {z.shape})"
        )
    n, k = z.shape
    if n == 0:
        raise ValidationError("logits", "needs at least 1 sample (got 0 rows)")
    if k < 2:
        raise ValidationError("logits", f"needs at least 2 classes (got {k} columns)")
    z = np.ascontiguousarray(z)  # the kernels read rows (a copy only for other layouts)
    extremes = _core.row_extremes(z)
    zmax, zmin, _, bad = extremes
    lo, hi = float(zmin.min()), float(zmax.max())
    if bad or not (math.isfinite(lo) and math.isfinite(hi)):
        i, j = np.argwhere(~np.isfinite(z))[0]
        raise ValidationError(
            "logits", f"must be finite real numbers (got {z[i, j]} at row {i}, column {j})"
        )
    with np.errstate(over="ignore"):
        if not math.isfinite(hi - lo):
            raise ValidationError("logits", "the spread max - min overflows float64 (< 1.7e308)")
    try:
        lab = np.asarray(labels)
    except (TypeError, ValueError):
        raise ValidationError("labels", "must be a 1-D array of integers") from None
    if lab.ndim == 2 and 1 in lab.shape:
        lab = lab.reshape(-1)
    if lab.ndim != 1:
        raise ValidationError("labels", f"must be a 1-D array of integers (got shape {lab.shape})")
    if lab.size != n:
        raise ValidationError(
            "labels", f"needs one label per logit row ({n}), got {lab.size} labels"
        )
    if lab.dtype.kind not in "iu":
        if lab.dtype.kind not in "fb" or lab.dtype.kind == "b":
            raise ValidationError(
                "labels", f"must be integers in [0, {k - 1}] (got dtype {lab.dtype})"
            )
        bad = ~np.isfinite(lab) | (lab != np.round(lab))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValidationError(
                "labels", f"must be integers in [0, {k - 1}] (got {lab[i]} at position {i})"
            )
        if np.abs(lab).max() > 2**53:
            raise ValidationError("labels", f"must be integers in [0, {k - 1}]")
    lab = lab.astype(np.int64)
    out = (lab < 0) | (lab >= k)
    if out.any():
        i = int(np.flatnonzero(out)[0])
        raise ValidationError(
            "labels", f"must be integers in [0, {k - 1}] (got {lab[i]} at position {i})"
        )
    return z, lab, extremes


# ---------------------------------------------------------------------------------------
# The one-parameter fit


@dataclass(frozen=True)
class BetaFit:
    """The fitted shared inverse temperature.

    Attributes
    ----------
    beta : float
        The minimiser of the mean NLL (``+inf``, ``-inf``: the NLL decreases forever;
        NaN: every row is constant and every beta is optimal).
    nll : float
        Mean NLL at ``beta`` (its limit for infinite ``beta``).
    residual : float
        ``|mean_i (E_p[z_i] - z_{i,y_i})|`` divided by the mean row range
        ``max_k z_ik - min_k z_ik``: the relative violation of the moment condition.
    passes : int
        Passes over the fitting data (each one exp per logit), subsample excluded.
    subsample_passes : int
        Passes over the strided subsample that found the starting point.
    status : str
        ``converged``, ``+inf``, ``-inf``, ``zero`` or ``undetermined``.
    message : str
        One sentence on the outcome.
    """

    beta: float
    nll: float
    residual: float
    passes: int
    subsample_passes: int
    status: str
    message: str

    @property
    def temperature(self) -> float:
        """``T = 1 / beta`` (``inf`` at ``beta = 0``, ``0`` at ``beta = +inf``)."""
        return _temperature(self.beta)


def _temperature(beta: float) -> float:
    if math.isnan(beta):
        return math.nan
    if beta == 0:
        return math.inf
    return 1.0 / beta  # 1/inf = 0.0 and 1/-inf = -0.0


def _solve(z, st, rows, b, lo, hi, tol, first_moments, max_passes=200):
    """Safeguarded Newton on the scaled moment condition; returns (b, g, nll, passes, ok).

    Each pass measures the row moments at ``b``; Newton then runs on their Taylor model
    (exact at ``b``), kept inside the bracket ``(lo, hi)`` of measured sign changes and a
    trust region ``|h| sigma <= 1``. The fit ends when the model's root needs no new pass:
    the model's truncation at that root is below ``tol`` (relative to the mean row range).
    """
    passes = 0
    mean_range = float(((st.zmax - st.zmin) / st.scale).mean())
    while passes < max_passes:
        moments = first_moments if passes == 0 else _core.MOMENTS
        s, dy = _core.moment_pass(z, st, b, rows, moments)
        passes += 1
        g, hess, sig = _core.derivatives(s, dy)
        if g == 0.0:
            return b, 0.0, _core.nll_from_pass(s, dy, b), passes, True
        if g < 0:
            lo = max(lo, b)
        else:
            hi = min(hi, b)
        trust = 1.0 / sig if sig > 0 else math.inf
        h, done = 0.0, False
        for _ in range(60):
            gm, hm, _ = _core.derivatives(s, dy, h) if h else (g, hess, sig)
            if not (math.isfinite(gm) and math.isfinite(hm)) or hm <= 0:
                break
            hn = min(max(h - gm / hm, -trust), trust)
            if b + hn <= lo:
                hn = 0.5 * (h + lo - b)
            elif b + hn >= hi:
                hn = 0.5 * (h + hi - b)
            if abs(hn - h) <= 4e-16 * max(abs(b + hn), 1e-300):
                h, done = hn, True
                break
            h = hn
        if done and abs(h) * sig <= 0.5 and _core.truncation(s, h) <= tol * mean_range:
            bn = b + h
            gm, _, _ = _core.derivatives(s, dy, h)
            s0, _, _ = _core.model(s, h)
            nll = float((np.log(s0) - bn * dy).mean())
            return bn, gm, nll, passes, True
        bn = b + h
        if h == 0.0 or not (lo < bn < hi):
            # the model gave nothing usable: Newton on the measured values, else bisect
            bn = b - g / hess if hess > 0 else math.nan
            if not (lo < bn < hi) or not math.isfinite(bn):
                if math.isfinite(lo) and math.isfinite(hi):
                    bn = 0.5 * (lo + hi)
                elif math.isinf(hi):
                    bn = 2.0 * lo if lo > 0 else 1.0
                else:
                    bn = 2.0 * hi if hi < 0 else -1.0
        if bn == b:
            return b, g, _core.nll_from_pass(s, dy, b), passes, True
        b = bn
    return b, g, math.nan, passes, False


def _fit(z: np.ndarray, y: np.ndarray, extremes=None) -> BetaFit:
    n, k = z.shape
    st = _core.row_stats(z, y, extremes)
    sc = st.scale
    rng = (st.zmax - st.zmin) / sc
    mean_range = float(rng.mean())
    if mean_range == 0:
        return BetaFit(
            math.nan,
            math.log(k),
            0.0,
            0,
            0,
            "undetermined",
            f"every logit row is constant: NLL = ln {k} for every temperature, which is "
            "therefore undetermined (beta = nan)",
        )
    g0 = float(((st.zmean - st.zy) / sc).mean())
    gpos = float(((st.zmax - st.zy) / sc).mean())
    gneg = float(((st.zmin - st.zy) / sc).mean())
    if g0 < 0 and gpos <= 0:
        nll = float(np.log(_core.ties(z, st.zmax)).mean())
        return BetaFit(
            math.inf,
            nll,
            0.0,
            0,
            0,
            "+inf",
            "every true class is already a largest logit: the NLL decreases for ever as "
            f"T -> 0 (beta = +inf), towards its limit {nll:.6g} (mean ln of the ties)",
        )
    if g0 > 0 and gneg >= 0:
        nll = float(np.log(_core.ties(z, st.zmin)).mean())
        return BetaFit(
            -math.inf,
            nll,
            0.0,
            0,
            0,
            "-inf",
            "every true class is a smallest logit (worse than chance, perfectly): the NLL "
            f"decreases for ever as T -> 0 from below (beta = -inf), towards {nll:.6g}",
        )
    if g0 == 0:
        return BetaFit(
            0.0,
            math.log(k) - 0.0,
            0.0,
            0,
            0,
            "zero",
            "the true-class logits equal the row means on average: beta = 0 (T = inf), "
            "uniform probabilities",
        )
    lo, hi = (0.0, math.inf) if g0 < 0 else (-math.inf, 0.0)
    sub_passes = 0
    if n * k > 2 * _SUBSAMPLE_ELEMENTS:
        stride = math.ceil(n * k / _SUBSAMPLE_ELEMENTS)
        rows = np.arange(0, n, stride)
        g0s = float(((st.zmean[rows] - st.zy[rows]) / sc).mean())
        gps = float(((st.zmax[rows] - st.zy[rows]) / sc).mean())
        gns = float(((st.zmin[rows] - st.zy[rows]) / sc).mean())
        if (g0 < 0 and g0s < 0 and gps > 0) or (g0 > 0 and g0s > 0 and gns < 0):
            b = -g0s / float(_core.row_variance(z, st, rows).mean())
            bs, _, _, sub_passes, ok = _solve(z, st, rows, b, lo, hi, 1e-6, _core.MOMENTS)
            if ok and lo < bs < hi:
                b = bs
            else:
                sub_passes = 0
    if not sub_passes:
        b = -g0 / float(_core.row_variance(z, st).mean())  # Newton from beta = 0
    b, g, nll, passes, ok = _solve(
        z, st, None, b, lo, hi, 1e-16, _core.MOMENTS_FIRST if sub_passes else _core.MOMENTS
    )
    beta = b / sc
    residual = abs(g) / mean_range
    if not ok:
        return BetaFit(
            beta,
            nll,
            residual,
            passes,
            sub_passes,
            "not converged",
            f"no convergence after {passes} passes (relative residual {residual:.3g})",
        )
    if beta < 0:
        msg = (
            "the true classes score below the softmax average (worse than chance): "
            "beta < 0 reverses the ranking of the classes; not clipped"
        )
    else:
        msg = f"converged after {passes} passes over the data"
    return BetaFit(beta, nll, residual, passes, sub_passes, "converged", msg)


def evaluate_nll(z: np.ndarray, st: _core.RowStats, beta: float, rows=None) -> float:
    """Mean NLL of softmax(beta z) (one pass)."""
    b = beta * st.scale
    s, dy = _core.moment_pass(z, st, b, rows)
    return _core.nll_from_pass(s, dy, b)


def fit_temperature(logits, labels) -> BetaFit:
    """Fit one shared inverse temperature ``beta = 1/T`` by minimising the mean NLL.

    Parameters
    ----------
    logits : array_like, shape (n, K)
        Finite real scores; ``softmax(beta z)`` is the model (energies ``-z``).
    labels : array_like, shape (n,)
        True classes, integers in ``[0, K-1]``.

    Returns
    -------
    BetaFit
        ``beta``, the NLL, the moment-condition residual and how the fit ended.
    """
    z, y, extremes = _checked(logits, labels)
    return _fit(z, y, extremes)


# ---------------------------------------------------------------------------------------
# The class-bias extension: softmax(beta z + b), K + 1 multipliers


def _fit_bias(z: np.ndarray, y: np.ndarray, beta0: float, max_iter: int = 100):
    """Newton with backtracking on the convex NLL of softmax(beta z + b), gauge sum b = 0.

    Returns ``(beta, bias, nll, iterations, residual, ok, message)``.
    """
    n, k = z.shape
    counts = np.bincount(y, minlength=k).astype(np.float64)
    present = counts > 0
    spread = float((z.max(axis=1) - z.min(axis=1)).max())
    sc = 2.0 ** math.ceil(math.log2(spread)) if spread > 0 else 1.0
    zs = z / sc
    kp = int(present.sum())
    remap = np.cumsum(present) - 1
    zp = zs[:, present]
    yp = remap[y]
    cp = counts[present]
    zy = zp[np.arange(n), yp]
    mean_range = float((zs.max(axis=1) - zs.min(axis=1)).mean())

    def state(theta, need_hess=True):
        bt, bias = theta[0], theta[1:]
        nll = 0.0
        grad = np.zeros(kp + 1)
        hess = np.zeros((kp + 1, kp + 1))
        step = _core.chunk_rows(kp)
        for a in range(0, n, step):
            e = min(n, a + step)
            blk = zp[a:e]
            t = bt * blk + bias
            m = t.max(axis=1)
            t -= m[:, None]
            p = np.exp(t)
            s = p.sum(axis=1)
            p /= s[:, None]
            nll += float((np.log(s) + m - (bt * zy[a:e] + bias[yp[a:e]])).sum())
            ez = (p * blk).sum(axis=1)
            grad[0] += float(ez.sum())
            grad[1:] += p.sum(axis=0)
            if need_hess:
                dz = blk - ez[:, None]
                hess[0, 0] += float((p * dz * dz).sum())
                hess[0, 1:] += (p * dz).sum(axis=0)
                hess[1:, 1:] += np.diag(p.sum(axis=0)) - p.T @ p
        grad[0] -= float(zy.sum())
        grad[1:] -= cp
        hess[1:, 0] = hess[0, 1:]
        return nll / n, grad / n, hess / n

    if kp == 1:
        bias = np.where(present, 0.0, -np.inf)
        return (
            math.nan,
            bias,
            0.0,
            0,
            0.0,
            False,
            "only one class occurs in the labels: its frequency constraint puts all the "
            "probability on it whatever beta is, so beta is undetermined (nan)",
        )
    theta = np.zeros(kp + 1)
    theta[0] = beta0 * sc if math.isfinite(beta0) and beta0 != 0 else 1.0
    u = np.concatenate([[0.0], np.ones(kp)])
    nll, grad, hess = state(theta)
    ok = False
    it = 0
    while it < max_iter:
        it += 1
        h = hess + np.outer(u, u) / kp
        try:
            step = -np.linalg.solve(h, grad)
        except np.linalg.LinAlgError:
            step = -grad
        dec = float(grad @ step)
        if not dec < 0:
            step, dec = -grad, -float(grad @ grad)
        t = 1.0
        while True:
            cand = theta + t * step
            nc, _, _ = state(cand, need_hess=False)
            if nc <= nll + 1e-4 * t * dec or t < 1e-12:
                break
            t *= 0.5
        improvement = nll - nc
        theta = cand
        nll, grad, hess = state(theta)
        gnorm = float(np.abs(grad).max())
        if gnorm <= 1e-13 * max(mean_range, 1e-300) or (
            improvement <= 0 and gnorm <= 1e-9 * max(mean_range, 1e-300)
        ):
            ok = True
            break
        if not np.all(np.isfinite(theta)) or abs(theta[0]) * mean_range > 1e8:
            break
    bias = np.full(k, -np.inf)
    bias[present] = theta[1:]
    residual = float(np.abs(grad).max()) / mean_range if mean_range > 0 else 0.0
    beta = float(theta[0] / sc)
    if ok:
        msg = f"converged after {it} Newton steps"
        if not present.all():
            msg += f"; {k - kp} classes never occur in the labels: their biases are -inf"
    else:
        msg = (
            f"no finite minimum found after {it} Newton steps (the labels look separable "
            "by beta z + b: the NLL keeps decreasing)"
        )
    return beta, bias, nll, it, residual, ok, msg


# ---------------------------------------------------------------------------------------
# The public entry point


@dataclass(frozen=True)
class CalibrationResult:
    """Temperature scaling of a classifier, fitted as a maximum-entropy problem.

    Attributes
    ----------
    temperature, beta : float
        The fitted ``T`` and ``beta = 1/T`` (``beta`` may be ``+inf``, negative or NaN:
        see ``status`` and ``message``).
    bias : ndarray or None
        Per-class multipliers ``b`` of ``softmax(beta z + b)`` with ``class_bias=True``
        (gauge ``sum b = 0`` over the classes that occur; ``-inf`` for absent classes).
    iterations : int
        Passes over the fitting data (Newton steps for the class-bias fit).
    residual : float
        Relative violation of the moment condition(s) at the returned parameters.
    before, after : Metrics
        NLL, Brier, ECE (equal-width and equal-mass bins), accuracy at ``T = 1`` and at the
        fitted parameters, on ``evaluated_on`` rows.
    fit_nll_before, fit_nll_after : float
        Mean NLL on the fitting rows at ``T = 1`` and at the fit.
    n_fit, n_eval, classes : int
        Rows used to fit, rows evaluated, number of classes K.
    evaluated_on : str
        ``"held-out"`` (``fit_fraction`` given) or ``"fitting data"``.
    curve_beta, curve_nll : ndarray
        NLL on the fitting rows along a grid of beta (every m-th row when there are many:
        ``curve_rows`` of them; the class biases held at their fitted values), for the
        NLL(T) figure.
    status, message : str
        How the fit ended, in one word and in one sentence.
    seed : int
        Seed of the random fit/evaluation split.
    """

    temperature: float
    beta: float
    bias: np.ndarray | None
    iterations: int
    residual: float
    before: Metrics
    after: Metrics
    fit_nll_before: float
    fit_nll_after: float
    n_fit: int
    n_eval: int
    classes: int
    evaluated_on: str
    status: str
    message: str
    seed: int
    curve_beta: np.ndarray = field(repr=False)
    curve_nll: np.ndarray = field(repr=False)
    curve_rows: int = 0

    def __repr__(self) -> str:
        bias = "" if self.bias is None else f", class bias on {self.classes} classes"
        return (
            f"CalibrationResult(T={self.temperature:.6g}, beta={self.beta:.6g}{bias}, "
            f"{self.iterations} iterations, residual={self.residual:.2g}, {self.status}; "
            f"on {self.n_eval} {self.evaluated_on} rows: NLL {self.before.nll:.4g} -> "
            f"{self.after.nll:.4g}, ECE[{self.after.bins}] {self.before.ece:.4g} -> "
            f"{self.after.ece:.4g}, adaptive {self.before.ece_adaptive:.4g} -> "
            f"{self.after.ece_adaptive:.4g}, Brier {self.before.brier:.4g} -> "
            f"{self.after.brier:.4g})"
        )

    def to_dict(self) -> dict:
        """Plain values for JSON (no reliability bins or curves)."""
        return {
            "temperature": defined(self.temperature, self.message),
            "beta": defined(self.beta, self.message),
            "bias": Undefined("no class bias fitted (--class-bias fits one per class)")
            if self.bias is None
            else self.bias.tolist(),
            "iterations": self.iterations,
            "residual": self.residual,
            "status": self.status,
            "message": self.message,
            "n_fit": self.n_fit,
            "n_eval": self.n_eval,
            "classes": self.classes,
            "evaluated_on": self.evaluated_on,
            "seed": self.seed,
            "fit_nll_before": self.fit_nll_before,
            "fit_nll_after": self.fit_nll_after,
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
        }


def _nll_with_bias(z, y, beta, bias):
    a = beta * z + bias
    m = a.max(axis=1)
    a -= m[:, None]
    return float((np.log(np.exp(a).sum(axis=1)) - a[np.arange(z.shape[0]), y]).mean())


def _curve(z, y, beta, status, bias=None):
    """NLL along beta (with the fitted class biases held fixed, if any)."""
    n, k = z.shape
    stride = max(1, math.ceil(n * k / _CURVE_ELEMENTS))
    rows = np.arange(0, n, stride)
    st = _core.row_stats(z[rows], y[rows])
    if status == "converged" and beta != 0 and math.isfinite(beta):
        if beta > 0:
            lo, hi = min(0.1 * beta, 0.5), max(10.0 * beta, 2.0)
            grid = np.union1d(np.geomspace(lo, hi, 101), [1.0, beta])
        else:
            grid = np.union1d(beta * np.geomspace(0.1, 10.0, 81), [beta])
    else:
        ref = 1.0 / max(float((st.zmax - st.zmin).mean()), 1e-300)
        grid = np.union1d(ref * np.geomspace(1e-2, 1e3, 81), [1.0])
    zr = z[rows]
    if bias is not None and status == "converged":
        nll = np.array([_nll_with_bias(zr, y[rows], float(b), bias) for b in grid])
    else:
        nll = np.array([evaluate_nll(zr, st, float(b)) for b in grid])
    return grid, nll, rows.size


def calibrate(
    logits: ArrayLike,
    labels: ArrayLike,
    *,
    fit_fraction: float | None = None,
    bins: int = 15,
    seed: int = 0,
    class_bias: bool = False,
) -> CalibrationResult:
    """Fit the temperature of a classifier's logits and score it before and after.

    Temperature scaling minimises ``NLL(beta) = sum_i [logsumexp(beta z_i) - beta z_iy]``,
    convex in ``beta = 1/T``; its stationarity condition
    ``sum_i E_{softmax(beta z_i)}[z_i] = sum_i z_{i,y_i}`` is a maximum-entropy moment
    condition, and ``beta`` its Lagrange multiplier (maxent's energies are ``E = -z``).

    Parameters
    ----------
    logits : array_like, shape (n, K)
        Finite scores (any real numbers: softmax is shift invariant).
    labels : array_like, shape (n,)
        True classes, integers in ``[0, K-1]``.
    fit_fraction : float, optional
        Fit on a random fraction in (0, 1) of the rows and evaluate on the rest (split
        by ``seed``); default: fit and evaluate on all rows.
    bins : int
        Number of ECE bins (>= 1).
    seed : int
        Root seed of the split.
    class_bias : bool
        Also match the observed class frequencies: ``softmax(beta z + b)`` with one
        multiplier ``b_k`` per class, fitted jointly (still the maximum-entropy solution,
        with K more moment constraints).

    Returns
    -------
    CalibrationResult
    """
    z, y, extremes = _checked(logits, labels)
    bins = as_count(bins, "bins", minimum=1)
    seed_i = as_count(seed, "seed", minimum=0)
    n = z.shape[0]
    if fit_fraction is None:
        zf, yf, ze, ye = z, y, z, y
        where = "fitting data"
    else:
        f = as_real(fit_fraction, "fit_fraction")
        if not 0 < f < 1:
            raise ValidationError("fit_fraction", f"must be in (0, 1) (got {fit_fraction!r})")
        m = round(f * n)
        if m < 1 or m > n - 1:
            raise ValidationError(
                "fit_fraction",
                f"leaves an empty split with {n} rows (fit rows {m}); needs 1 <= f*n <= n-1",
            )
        perm = np.random.default_rng(np.random.SeedSequence(seed_i)).permutation(n)
        fit_rows, eval_rows = np.sort(perm[:m]), np.sort(perm[m:])
        zf, yf, ze, ye = z[fit_rows], y[fit_rows], z[eval_rows], y[eval_rows]
        extremes = (*(a[fit_rows] for a in extremes[:3]), 0)
        where = "held-out"
    return _calibrate(zf, yf, ze, ye, where, bins, seed_i, class_bias, extremes)


def calibrate_split(
    fit_logits, fit_labels, eval_logits, eval_labels, *, bins: int = 15, class_bias=False
) -> CalibrationResult:
    """Fit on one set of logits and labels, score on another (e.g. calibration and test).

    Parameters and result as in :func:`calibrate`; ``evaluated_on`` is ``"held-out"``.
    """
    zf, yf, extremes = _checked(fit_logits, fit_labels)
    try:
        ze, ye = as_logits_labels(eval_logits, eval_labels)
    except ValidationError as exc:
        raise ValidationError(f"eval_{exc.param}", exc.message) from None
    if ze.shape[1] != zf.shape[1]:
        raise ValidationError(
            "eval_logits",
            f"needs {zf.shape[1]} columns like the fitting logits (got {ze.shape[1]})",
        )
    bins = as_count(bins, "bins", minimum=1)
    return _calibrate(zf, yf, ze, ye, "held-out", bins, 0, class_bias, extremes)


def _calibrate(zf, yf, ze, ye, where, bins, seed_i, class_bias, extremes) -> CalibrationResult:
    k = zf.shape[1]
    fit = _fit(zf, yf, extremes)
    beta, status, message = fit.beta, fit.status, fit.message
    iterations, residual, nll_after = fit.passes, fit.residual, fit.nll
    bias = None
    if class_bias:
        b0 = beta if status == "converged" else 1.0
        beta, bias, nll_after, iterations, residual, ok, message = _fit_bias(zf, yf, b0)
        status = "converged" if ok else "undetermined" if math.isnan(beta) else "not converged"
    beta_eval = 1.0 if math.isnan(beta) else beta
    before = evaluate(ze, ye, 1.0, bins)
    after = evaluate(ze, ye, beta_eval, bins, bias=bias)
    grid, curve, curve_rows = _curve(zf, yf, beta, status, bias)
    return CalibrationResult(
        temperature=_temperature(beta),
        beta=beta,
        bias=bias,
        iterations=iterations,
        residual=residual,
        before=before,
        after=after,
        # on the fitting data the evaluation rows are the fitting rows: no second pass
        fit_nll_before=before.nll if ze is zf else evaluate(zf, yf, 1.0, bins).nll,
        fit_nll_after=nll_after,
        n_fit=zf.shape[0],
        n_eval=ze.shape[0],
        classes=k,
        evaluated_on=where,
        status=status,
        message=message,
        seed=seed_i,
        curve_beta=grid,
        curve_nll=curve,
        curve_rows=curve_rows,
    )
