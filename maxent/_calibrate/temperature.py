"""Temperature scaling fitted as a maximum-entropy problem.

Minimising the NLL of ``softmax(beta z_i)`` over one shared ``beta = 1/T`` has the
stationarity condition ``sum_i E_{softmax(beta z_i)}[z_i] = sum_i z_{i, y_i}``: the
maximum-entropy moment condition whose multiplier is ``beta`` (energies ``E = -z``). The
NLL is convex in ``beta``; it is minimised here by a safeguarded Newton method on exact
per-row moments (see :mod:`maxent._calibrate.core`). Rows may carry weights (a row of
weight 2 counts as two rows).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from maxent._calibrate import core as _core
from maxent._calibrate.inputs import as_scores
from maxent._util.errors import ValidationError

__all__ = [
    "BetaFit",
    "as_logits_labels",
    "checked_labels",
    "checked_logits",
    "fit_temperature",
    "fit_validated",
    "temperature_of",
]

_SUBSAMPLE_ELEMENTS = 2_000_000


# ---------------------------------------------------------------------------------------
# Validation


def as_logits_labels(logits, labels) -> tuple[np.ndarray, np.ndarray]:
    """Validate logits (n, K) finite floats and labels (n,) integers in [0, K-1]."""
    z, _ = checked_logits(logits)
    return z, checked_labels(labels, *z.shape)


def checked_logits(logits, param: str = "logits", *, warn: bool = True) -> tuple:
    """Finite (n, K) logits, K >= 2 (1-D: a binary classifier's scores), and their extremes.

    One pass over the logits finds the row extremes for the check and for the fit. The
    logits come back C-contiguous, float32 or float64 (the kernels read rows).
    """
    z = as_scores(logits, param, warn=warn)
    n, k = z.shape
    if n == 0:
        raise ValidationError(
            param, f"needs at least 1 sample (got 0 rows: shape=(0, {k}) while a minimum of 1 "
            "is required)"
        )  # fmt: skip
    if k < 2:
        raise ValidationError(
            param, f"needs at least 2 classes (got {k} columns: {k} feature(s) (shape=({n}, "
            f"{k})) while a minimum of 2 is required)"
        )  # fmt: skip
    extremes = _core.row_extremes(z)
    zmax, zmin, _, bad = extremes
    lo, hi = float(zmin.min()), float(zmax.max())
    if bad or not (math.isfinite(lo) and math.isfinite(hi)):
        i, j = np.argwhere(~np.isfinite(z))[0]
        raise ValidationError(
            param,
            f"must be finite real numbers, no NaN or inf (got {z[i, j]} at row {i}, column {j})",
        )
    with np.errstate(over="ignore"):
        if not math.isfinite(hi - lo):
            raise ValidationError(param, "the spread max - min overflows float64 (< 1.7e308)")
    return z, extremes


def checked_labels(labels, n: int, k: int) -> np.ndarray:
    """Labels (n,) as int64 class indices in ``[0, k-1]``."""
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
    return lab


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
        ``converged``, ``+inf``, ``-inf``, ``zero``, ``undetermined`` or ``not converged``.
    message : str
        One sentence on the outcome.
    information : float
        The observed information ``sum_i w_i Var_{softmax(beta z_i)}[z_i]``, the NLL's
        curvature in ``beta`` summed over rows (NaN where ``beta`` is not finite).
    """

    beta: float
    nll: float
    residual: float
    passes: int
    subsample_passes: int
    status: str
    message: str
    information: float = math.nan

    @property
    def temperature(self) -> float:
        """``T = 1 / beta`` (``inf`` at ``beta = 0``, ``0`` at ``beta = +inf``)."""
        return temperature_of(self.beta)

    @property
    def stderr(self) -> float:
        """Standard error of ``beta``: ``1 / sqrt(information)`` (NaN when undefined)."""
        if not (math.isfinite(self.beta) and self.information > 0):
            return math.nan
        return 1.0 / math.sqrt(self.information)


def temperature_of(beta: float) -> float:
    """``T = 1/beta``: ``inf`` at 0, ``0`` at ``+inf``, ``-0.0`` at ``-inf``, NaN at NaN."""
    if math.isnan(beta):
        return math.nan
    if beta == 0:
        return math.inf
    return 1.0 / beta  # 1/inf = 0.0 and 1/-inf = -0.0


def _solve(z, st, rows, b, lo, hi, tol, first_moments, max_passes=200):
    """Safeguarded Newton on the scaled moment condition.

    Returns ``(b, g, hess, nll, passes, ok)``: the root, the mean gradient and curvature
    there, the mean NLL. Each pass measures the row moments at ``b``; Newton then runs on
    their Taylor model (exact at ``b``), kept inside the bracket ``(lo, hi)`` of measured
    sign changes and a trust region ``|h| sigma <= 1``. The fit ends when the model's
    root needs no new pass: the model's truncation at that root is below ``tol``
    (relative to the mean row range).
    """
    w = st.weights(rows)
    passes = 0
    mean_range = float(((st.zmax - st.zmin) / st.scale).mean())
    g = hess = math.nan
    while passes < max_passes:
        moments = first_moments if passes == 0 else _core.MOMENTS
        s, dy = _core.moment_pass(z, st, b, rows, moments)
        passes += 1
        g, hess, sig = _core.derivatives(s, dy, 0.0, w)
        if g == 0.0:
            return b, 0.0, hess, _core.nll_from_pass(s, dy, b, w), passes, True
        if g < 0:
            lo = max(lo, b)
        else:
            hi = min(hi, b)
        trust = 1.0 / sig if sig > 0 else math.inf
        h, done = 0.0, False
        for _ in range(60):
            gm, hm, _ = _core.derivatives(s, dy, h, w) if h else (g, hess, sig)
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
        if done and abs(h) * sig <= 0.5 and _core.truncation(s, h, w) <= tol * mean_range:
            bn = b + h
            gm, hm, _ = _core.derivatives(s, dy, h, w)
            s0, _, _ = _core.model(s, h)
            nll = _core.wmean(np.log(s0) - bn * dy, w)
            return bn, gm, hm, nll, passes, True
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
            return b, g, hess, _core.nll_from_pass(s, dy, b, w), passes, True
        b = bn
    return b, g, hess, math.nan, passes, False


def fit_validated(z: np.ndarray, y: np.ndarray, extremes=None, w=None) -> BetaFit:
    """The temperature fit of validated logits and labels (``w``: positive row weights).

    Rows of weight zero must have been dropped by the caller.
    """
    n, k = z.shape
    st = _core.row_stats(z, y, extremes, w)
    sc = st.scale
    rng = (st.zmax - st.zmin) / sc
    mean_range = float(rng.mean())
    total = float(n) if w is None else float(w.sum())
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
            0.0,
        )
    g0 = _core.wmean((st.zmean - st.zy) / sc, w)
    gpos = _core.wmean((st.zmax - st.zy) / sc, w)
    gneg = _core.wmean((st.zmin - st.zy) / sc, w)
    if g0 < 0 and gpos <= 0:
        nll = _core.wmean(np.log(_core.ties(z, st.zmax)), w)
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
        nll = _core.wmean(np.log(_core.ties(z, st.zmin)), w)
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
        var0 = _core.wmean(_core.row_variance(z, st), w)
        return BetaFit(
            0.0,
            math.log(k) - 0.0,
            0.0,
            0,
            0,
            "zero",
            "the true-class logits equal the row means on average: beta = 0 (T = inf), "
            "uniform probabilities",
            var0 * sc * sc * total,
        )
    lo, hi = (0.0, math.inf) if g0 < 0 else (-math.inf, 0.0)
    sub_passes = 0
    if n * k > 2 * _SUBSAMPLE_ELEMENTS:
        stride = math.ceil(n * k / _SUBSAMPLE_ELEMENTS)
        rows = np.arange(0, n, stride)
        ws = st.weights(rows)
        g0s = _core.wmean((st.zmean[rows] - st.zy[rows]) / sc, ws)
        gps = _core.wmean((st.zmax[rows] - st.zy[rows]) / sc, ws)
        gns = _core.wmean((st.zmin[rows] - st.zy[rows]) / sc, ws)
        if (g0 < 0 and g0s < 0 and gps > 0) or (g0 > 0 and g0s > 0 and gns < 0):
            b = -g0s / _core.wmean(_core.row_variance(z, st, rows), ws)
            bs, _, _, _, sub_passes, ok = _solve(z, st, rows, b, lo, hi, 1e-6, _core.MOMENTS)
            if ok and lo < bs < hi:
                b = bs
            else:
                sub_passes = 0
    if not sub_passes:
        b = -g0 / _core.wmean(_core.row_variance(z, st), w)  # Newton from beta = 0
    b, g, hess, nll, passes, ok = _solve(
        z, st, None, b, lo, hi, 1e-16, _core.MOMENTS_FIRST if sub_passes else _core.MOMENTS
    )
    beta = b / sc
    residual = abs(g) / mean_range
    # d^2 NLL / d beta^2 = scale^2 x the scaled curvature; summed over the rows' weights
    information = hess * sc * sc * total
    if not ok:
        return BetaFit(
            beta,
            nll,
            residual,
            passes,
            sub_passes,
            "not converged",
            f"no convergence after {passes} passes (relative residual {residual:.3g})",
            information,
        )
    if beta < 0:
        msg = (
            "the true classes score below the softmax average (worse than chance): "
            "beta < 0 reverses the ranking of the classes; not clipped"
        )
    else:
        msg = f"converged after {passes} passes over the data"
    return BetaFit(beta, nll, residual, passes, sub_passes, "converged", msg, information)


def evaluate_nll(z: np.ndarray, st: _core.RowStats, beta: float, rows=None) -> float:
    """Mean NLL of softmax(beta z) (one pass)."""
    b = beta * st.scale
    s, dy = _core.moment_pass(z, st, b, rows)
    return _core.nll_from_pass(s, dy, b, st.weights(rows))


def fit_temperature(logits, labels, sample_weight=None) -> BetaFit:
    """Fit one shared inverse temperature ``beta = 1/T`` by minimising the mean NLL.

    Parameters
    ----------
    logits : array_like, shape (n, K) or (n,)
        Finite real scores; ``softmax(beta z)`` is the model (energies ``-z``). A 1-D
        array holds a binary classifier's log-odds ``s``, read as the logits ``[0, s]``.
    labels : array_like, shape (n,)
        True classes, integers in ``[0, K-1]``.
    sample_weight : array_like, shape (n,), optional
        Non-negative row weights (a weight of 2 counts the row twice).

    Returns
    -------
    BetaFit
        ``beta``, the NLL, the moment-condition residual, the observed information and
        how the fit ended.
    """
    from maxent._calibrate.inputs import as_sample_weight

    z, extremes = checked_logits(logits)
    y = checked_labels(labels, *z.shape)
    w = as_sample_weight(sample_weight, z.shape[0])
    if w is not None and not np.all(w > 0):
        keep = w > 0
        z, y, w = np.ascontiguousarray(z[keep]), y[keep], w[keep]
        extremes = None
    return fit_validated(z, y, extremes, w)
