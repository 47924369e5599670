"""``maxent.calibrate``: fit a calibration map on some rows, score it on others.

One call fits any of the maximum-entropy calibration maps (:data:`METHODS`, or a
calibrator given as an object) and scores the classifier before (``T = 1``) and after
with NLL, Brier score, accuracy and the calibration errors, each with its binning stated
and, on request, bootstrap intervals. The result checks itself: its ``status`` says
whether the fit reached a certified minimum, and ``to_dict`` gives strict JSON (an
undefined value is ``null`` with its reason under ``<key>_message``).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from maxent._calibrate import core as _core
from maxent._calibrate.compat import ConvergenceWarning, ProbabilitiesWarning
from maxent._calibrate.estimators import METHODS, TemperatureScaling, make_calibrator
from maxent._calibrate.metrics import Metrics, evaluate
from maxent._calibrate.temperature import (
    BetaFit,
    as_logits_labels,
    checked_labels,
    checked_logits,
    evaluate_nll,
    fit_temperature,
)
from maxent._util.errors import ValidationError
from maxent._util.format import Undefined, defined
from maxent._util.validate import as_count, as_real

__all__ = [
    "BetaFit",
    "CalibrationResult",
    "as_logits_labels",
    "calibrate",
    "calibrate_split",
    "fit_temperature",
]

_CURVE_ELEMENTS = 400_000

_NO_TEMPERATURE = {
    "vector": "vector scaling has a weight per class, no single temperature",
    "matrix": "matrix scaling maps the logits by a matrix, no single temperature",
    "dirichlet": "Dirichlet calibration maps log-probabilities by a matrix: no single temperature",
}


@dataclass(frozen=True)
class CalibrationResult:
    """A calibration map fitted as a maximum-entropy problem, and its scores.

    Attributes
    ----------
    method : str
        The map: ``temperature``, ``bias`` (temperature and class biases), ``vector``,
        ``matrix`` or ``dirichlet`` (see :mod:`maxent.calibration`).
    calibrator : object
        The fitted calibrator (``predict_proba``, ``decision_function``, ...).
    temperature, beta : float
        The fitted ``T`` and ``beta = 1/T`` of ``temperature`` and ``bias`` (``beta`` may
        be ``+inf``, negative or NaN: see ``status`` and ``message``); NaN for the maps
        without a single temperature.
    beta_stderr : float
        Standard error of ``beta`` from the observed information (NaN where undefined).
    bias : ndarray or None
        Per-class multipliers ``b`` of ``softmax(beta z + b)`` (``bias``; gauge ``sum b
        = 0`` over the classes that occur, ``-inf`` for absent classes).
    coef, intercept : ndarray or None
        The weights and intercepts of ``vector``, ``matrix`` and ``dirichlet``.
    iterations : int
        Passes over the fitting data (Newton steps for the larger maps).
    residual : float
        Relative violation of the moment (stationarity) conditions at the fit.
    before, after : Metrics
        Scores at ``T = 1`` and after calibration, on ``evaluated_on`` rows.
    fit_nll_before, fit_nll_after : float
        Mean NLL on the fitting rows at ``T = 1`` and at the fit.
    n_fit, n_eval, classes : int
        Rows used to fit, rows evaluated, number of classes K.
    evaluated_on : str
        ``"held-out"`` or ``"fitting data"``.
    status, message : str
        How the fit ended, in one word and in one sentence.
    seed : int
        Seed of the random fit/evaluation split and of the bootstrap.
    curve_beta, curve_nll : ndarray
        NLL on the fitting rows along a grid of beta (``temperature`` and ``bias``; the
        biases held at their fitted values; every m-th row when there are many:
        ``curve_rows``), for the NLL(T) figure. Empty for the other maps.
    moment_check : float
        The moment conditions recomputed apart from the solver, from the calibrated
        probabilities on the fitting rows (:func:`moment_residual`); a converged fit
        whose recheck exceeds ``MOMENT_CHECK_TOL`` gets ``status = 'failed'``. NaN where
        nothing is rechecked (a fit that did not converge, a penalised one).
    """

    method: str
    calibrator: object = field(repr=False)
    temperature: float
    beta: float
    beta_stderr: float
    bias: np.ndarray | None
    coef: np.ndarray | None
    intercept: np.ndarray | None
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
    moment_check: float = math.nan

    @property
    def success(self) -> bool:
        """Whether the fit converged and its recomputed moment conditions hold."""
        return self.status in ("converged", "zero")

    def __repr__(self) -> str:
        if self.method in ("temperature", "bias"):
            head = f"T={self.temperature:.6g}, beta={self.beta:.6g}"
            if self.bias is not None:
                head += f", class bias on {self.classes} classes"
        else:
            head = f"{self.method} scaling on {self.classes} classes"
        b, a = self.before, self.after
        return (
            f"CalibrationResult({head}, {self.iterations} iterations, residual="
            f"{self.residual:.2g}, {self.status}; on {self.n_eval} {self.evaluated_on} rows: "
            f"NLL {b.nll:.4g} -> {a.nll:.4g}, ECE[{a.bins}] {b.ece:.4g} -> {a.ece:.4g}, "
            f"adaptive {b.ece_adaptive:.4g} -> {a.ece_adaptive:.4g}, Brier {b.brier:.4g} "
            f"-> {a.brier:.4g})"
        )

    def to_dict(self) -> dict:
        """Plain values for strict JSON: an undefined value is ``null``, its reason beside it.

        The reason sits under the key with ``_message`` appended (the project's convention,
        ``docs/cli.md``); infinities are the strings ``"inf"`` and ``"-inf"``.
        """
        no_t = _NO_TEMPERATURE.get(self.method)
        why_t = no_t or self.message
        why_se = no_t or (
            "beta is not finite: the observed information is 0"
            if not math.isfinite(self.beta)
            else "the observed information is not positive"
        )
        t_se = (
            self.beta_stderr / (self.beta * self.beta)
            if math.isfinite(self.beta) and self.beta != 0
            else math.nan
        )
        why_nll = "the NLL is not finite on these rows"

        def fitted(x, what):
            if x is None:
                return Undefined(f"{self.method} fits no {what}")
            return defined(np.asarray(x, dtype=np.float64), f"the fitted {what} is not finite")

        return {
            "method": self.method,
            "temperature": defined(float(self.temperature), why_t),
            "beta": defined(float(self.beta), why_t),
            "beta_stderr": defined(float(self.beta_stderr), why_se),
            "temperature_stderr": defined(float(t_se), why_se),
            "bias": fitted(self.bias, "class bias"),
            "coef": fitted(self.coef, "coefficient matrix"),
            "intercept": fitted(self.intercept, "intercept"),
            "iterations": self.iterations,
            "residual": self.residual,
            "moment_check": defined(
                float(self.moment_check),
                "not rechecked: the fit did not converge, is infinite or is penalised",
            ),
            "success": self.success,
            "status": self.status,
            "message": self.message,
            "n_fit": self.n_fit,
            "n_eval": self.n_eval,
            "classes": self.classes,
            "evaluated_on": self.evaluated_on,
            "seed": self.seed,
            "fit_nll_before": defined(float(self.fit_nll_before), why_nll),
            "fit_nll_after": defined(float(self.fit_nll_after), why_nll),
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
        }


def _nll_with_bias(z, y, beta, bias):
    a = beta * z.astype(np.float64) + bias
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
            grid = np.geomspace(lo, hi, 101)
        else:
            grid = beta * np.geomspace(0.1, 10.0, 81)
        # no grid point within rounding of the fit (its NLL ties with the minimum's)
        grid = np.union1d(grid[np.abs(grid / beta - 1.0) > 1e-9], [1.0, beta])
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
    method: str = "temperature",
    calibrator=None,
    fit_fraction: float | None = None,
    bins: int = 15,
    adaptive: bool = False,
    bootstrap: int = 0,
    level: float = 0.95,
    seed: int = 0,
    class_bias: bool = False,
) -> CalibrationResult:
    """Fit a calibration map to a classifier's logits and score it before and after.

    Temperature scaling minimises ``NLL(beta) = sum_i [logsumexp(beta z_i) - beta z_iy]``,
    convex in ``beta = 1/T``; its stationarity condition
    ``sum_i E_{softmax(beta z_i)}[z_i] = sum_i z_{i,y_i}`` is a maximum-entropy moment
    condition, and ``beta`` its Lagrange multiplier (maxent's energies are ``E = -z``).
    The larger maps add constraints, and a multiplier for each (see
    :mod:`maxent.calibration`).

    Parameters
    ----------
    logits : array_like, shape (n, K) or (n,)
        Finite scores (any real numbers: softmax is shift invariant); 1-D: the log-odds
        of a binary classifier.
    labels : array_like, shape (n,)
        True classes, integers in ``[0, K-1]``.
    method : str
        ``temperature``, ``bias`` (temperature and one bias per class), ``vector``,
        ``matrix`` or ``dirichlet``.
    calibrator : estimator, optional
        An unfitted calibrator of :mod:`maxent.calibration` to use instead of ``method``
        (for its parameters, e.g. ``MatrixScaling(reg_off_diagonal=0.01)``).
    fit_fraction : float, optional
        Fit on a random fraction in (0, 1) of the rows and evaluate on the rest (split
        by ``seed``); default: fit and evaluate on all rows.
    bins : int
        Number of bins of the calibration errors (>= 1).
    adaptive : bool
        Equal-mass bins for the reliability diagram and the MCE (both ECEs are always
        reported).
    bootstrap : int
        Bootstrap resamples of the evaluated rows for intervals of the metrics (0: none).
    level : float
        Confidence level of the intervals and the reliability bands, in (0, 1).
    seed : int
        Root seed of the split and of the bootstrap.
    class_bias : bool
        The same as ``method="bias"``.

    Returns
    -------
    CalibrationResult
    """
    z, y, _ = _checked(logits, labels)
    opts = _options(method, calibrator, bins, bootstrap, level, seed, class_bias)
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
        perm = np.random.default_rng(np.random.SeedSequence(opts["seed"])).permutation(n)
        fit_rows, eval_rows = np.sort(perm[:m]), np.sort(perm[m:])
        zf, yf, ze, ye = z[fit_rows], y[fit_rows], z[eval_rows], y[eval_rows]
        where = "held-out"
    return _calibrate(zf, yf, ze, ye, where, adaptive=adaptive, **opts)


def calibrate_split(
    fit_logits,
    fit_labels,
    eval_logits,
    eval_labels,
    *,
    method: str = "temperature",
    calibrator=None,
    bins: int = 15,
    adaptive: bool = False,
    bootstrap: int = 0,
    level: float = 0.95,
    seed: int = 0,
    class_bias: bool = False,
) -> CalibrationResult:
    """Fit on one set of logits and labels, score on another (e.g. calibration and test).

    Parameters and result as in :func:`calibrate`; ``evaluated_on`` is ``"held-out"``.
    """
    zf, yf, _ = _checked(fit_logits, fit_labels)
    try:
        ze, ye, _ = _checked(eval_logits, eval_labels)
    except ValidationError as exc:
        raise ValidationError(f"eval_{exc.param}", exc.message) from None
    if ze.shape[1] != zf.shape[1]:
        raise ValidationError(
            "eval_logits",
            f"needs {zf.shape[1]} columns like the fitting logits (got {ze.shape[1]})",
        )
    opts = _options(method, calibrator, bins, bootstrap, level, seed, class_bias)
    return _calibrate(zf, yf, ze, ye, "held-out", adaptive=adaptive, **opts)


def _checked(logits, labels):
    z, extremes = checked_logits(logits)
    return z, checked_labels(labels, *z.shape), extremes


def _options(method, calibrator, bins, bootstrap, level, seed, class_bias) -> dict:
    if calibrator is None:
        if class_bias:
            if method not in ("temperature", "bias"):
                raise ValidationError(
                    "class_bias", f"applies to method 'temperature' only (got {method!r})"
                )
            method = "bias"
        calibrator = make_calibrator(method)
    else:
        if not hasattr(calibrator, "fit") or not hasattr(calibrator, "decision_function"):
            raise ValidationError("calibrator", "must be a calibrator of maxent.calibration")
        if isinstance(calibrator, TemperatureScaling):
            method = "bias" if calibrator.class_bias else "temperature"
        else:
            method = _method_of(calibrator)
    level = as_real(level, "level")
    if not 0 < level < 1:
        raise ValidationError("level", f"must be in (0, 1) (got {level!r})")
    return {
        "method": method,
        "calibrator": calibrator,
        "bins": as_count(bins, "bins", minimum=1),
        "bootstrap": as_count(bootstrap, "bootstrap", minimum=0),
        "level": level,
        "seed": as_count(seed, "seed", minimum=0),
    }


def _method_of(calibrator) -> str:
    for name in METHODS:
        if type(make_calibrator(name)) is type(calibrator):
            return name
    raise ValidationError("calibrator", f"unknown calibrator {type(calibrator).__name__}")


#: Relative moment residual, recomputed from the calibrated probabilities, that a
#: converged fit must meet (the solvers stop at 1e-9; float64 softmax adds ~1e-15).
MOMENT_CHECK_TOL = 1e-7


def moment_residual(est, method: str, z, y) -> float:
    """The fit's moment conditions, recomputed from its calibrated probabilities.

    Each method is the maximum-entropy model of its constraint set, so at an unpenalised
    optimum the model's expectations of the constrained features equal the data's:
    temperature ``sum_i E_p[z_i] = sum_i z_{i,y_i}``; bias the class frequencies; vector
    scaling one ``z_k 1{y = k}`` moment per class and the frequencies; matrix scaling
    and Dirichlet calibration the cross moments ``z_j 1{y = k}`` (features ``log p`` for
    Dirichlet) and the frequencies. Returned relative to the size of the terms; NaN when
    there is nothing to recompute (a penalised or infinite fit).
    """
    n, k = z.shape
    if any(getattr(est, a, 0.0) for a in ("reg_off_diagonal", "reg_intercept")):
        return math.nan  # the moments then equal the penalty's gradient, not 0
    if method in ("temperature", "bias") and not math.isfinite(float(est.beta_)):
        return math.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProbabilitiesWarning)
        p = np.asarray(est.predict_proba(z), dtype=np.float64)
    labels = np.searchsorted(est.classes_, y) if hasattr(est, "classes_") else y
    onehot = np.zeros((n, k))
    onehot[np.arange(n), labels] = 1.0
    d = p - onehot
    size = p + onehot
    x = est._features(z).astype(np.float64) if method in ("vector", "matrix", "dirichlet") else z
    x = x.astype(np.float64)
    pairs = []  # (model minus data, size of the terms) per moment
    if method == "temperature":
        pairs.append((np.sum(d * x), np.sum(size * np.abs(x))))
    elif method == "vector":
        pairs += zip(np.sum(d * x, axis=0), np.sum(size * np.abs(x), axis=0), strict=True)
    elif method in ("matrix", "dirichlet"):
        pairs += zip((d.T @ x).ravel(), (size.T @ np.abs(x)).ravel(), strict=True)
    if method != "temperature":
        pairs += zip(d.sum(axis=0), size.sum(axis=0), strict=True)
    worst = 0.0
    for diff, scale in pairs:
        worst = max(worst, abs(float(diff)) / max(float(scale), 1e-300))
    return worst


def _recheck(est, method, z, y):
    """``(status, message, recomputed moment residual)`` of a fit.

    A converged fit whose moments do not hold when recomputed is reported as failed.
    """
    status, message = est.status_, est.message_
    if status != "converged":
        return status, message, math.nan
    got = moment_residual(est, method, z, y)
    if math.isfinite(got) and got > MOMENT_CHECK_TOL:
        return (
            "failed",
            f"{message}; but post-condition failed: the moment conditions, recomputed from "
            f"the calibrated probabilities, miss by {got:.2g} (> {MOMENT_CHECK_TOL:g})",
            got,
        )
    return status, message, got


def _calibrate(
    zf, yf, ze, ye, where, *, method, calibrator, bins, adaptive, bootstrap, level, seed
) -> CalibrationResult:
    k = zf.shape[1]
    est = calibrator
    with warnings.catch_warnings():
        # the result reports the outcome (status, message) and the input check has run
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", ProbabilitiesWarning)
        est.fit(zf, yf)
    status, message, moments = _recheck(est, method, zf, yf)
    boot = {"adaptive": adaptive, "level": level, "bootstrap": bootstrap}
    # the same resamples before and after: their difference is paired
    boot["seed"] = np.random.SeedSequence(seed, spawn_key=(1,))
    before = evaluate(ze, ye, 1.0, bins, **boot)
    temperature_like = method in ("temperature", "bias")
    if temperature_like:
        beta = float(est.beta_)
        bias = est.intercept_ if est.class_bias else None
        beta_eval = 1.0 if math.isnan(beta) else beta
        after = evaluate(ze, ye, beta_eval, bins, bias=bias, **boot)
        grid, curve, curve_rows = _curve(zf, yf, beta, est.status_, bias)
        coef = intercept = None
        stderr = float(est.beta_stderr_)
    else:
        beta = stderr = math.nan
        bias = None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ProbabilitiesWarning)
            scores = est.transform(ze)
        after = evaluate(scores, ye, 1.0, bins, **boot)
        grid, curve, curve_rows = np.empty(0), np.empty(0), 0
        coef, intercept = est.coef_, est.intercept_
    return CalibrationResult(
        method=method,
        calibrator=est,
        temperature=est.temperature_ if temperature_like else math.nan,
        beta=beta,
        beta_stderr=stderr,
        bias=bias,
        coef=coef,
        intercept=intercept,
        iterations=int(est.n_iter_),
        residual=float(est.moment_residual_),
        before=before,
        after=after,
        # on the fitting data the evaluation rows are the fitting rows: no second pass
        fit_nll_before=before.nll if ze is zf else evaluate(zf, yf, 1.0, bins).nll,
        fit_nll_after=float(est.nll_),
        n_fit=zf.shape[0],
        n_eval=ze.shape[0],
        classes=k,
        evaluated_on=where,
        status=status,
        message=message,
        seed=seed,
        moment_check=moments,
        curve_beta=grid,
        curve_nll=curve,
        curve_rows=curve_rows,
    )
