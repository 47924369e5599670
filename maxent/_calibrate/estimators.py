"""Calibrators with scikit-learn's interface: temperature, vector, matrix and Dirichlet.

Each calibrator maps a classifier's logits ``z`` to calibrated logits and is the
maximum-entropy model of a constraint set fitted on held-out rows (the larger the set,
the more multipliers):

==========================  ==============================  ================================
calibrator                  calibrated logits               constraints reproduced
==========================  ==============================  ================================
``TemperatureScaling``      ``beta z``                      ``E[z_y]`` (one shared moment)
``TemperatureScaling``      ``beta z + b``                  the above and the class
(``class_bias=True``)                                       frequencies
``VectorScaling``           ``w * z + b``                   ``E[z_k 1{y = k}]`` per class,
                                                            the frequencies
``MatrixScaling``           ``W z + b``                     every ``E[z_j 1{y = k}]``, the
                                                            frequencies
``DirichletCalibration``    ``W log softmax(z) + b``        the same on log-probabilities
==========================  ==============================  ================================

They take logits as numpy arrays or anything with ``__dlpack__`` or ``__array__`` (a
PyTorch or JAX tensor on the CPU), 1-D log-odds for a binary classifier, labels as
column indices or as class labels (``classes=`` a fitted classifier's ``classes_``), and
``sample_weight``. A fit that ends without a certified finite minimum says so with a
:class:`ConvergenceWarning` and in ``status_``/``message_``; scikit-learn is not needed.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from maxent._calibrate.compat import EstimatorMixin, convergence_category, not_fitted
from maxent._calibrate.family import fit_family, log_softmax
from maxent._calibrate.inputs import as_array, as_sample_weight, encode_labels
from maxent._calibrate.temperature import checked_logits, fit_validated, temperature_of
from maxent._util.errors import ValidationError
from maxent._util.validate import as_count, as_real

__all__ = [
    "METHODS",
    "DirichletCalibration",
    "MatrixScaling",
    "TemperatureScaling",
    "VectorScaling",
    "make_calibrator",
]


def _softmax(a: np.ndarray) -> np.ndarray:
    top = a.max(axis=1, keepdims=True)
    e = np.exp(a - top)
    return e / e.sum(axis=1, keepdims=True)


class _Calibrator(EstimatorMixin):
    """Shared ``fit``/``predict*`` plumbing; subclasses define ``_fit`` and ``_scores``."""

    _ok = ("converged",)

    def fit(self, logits, y, sample_weight=None):
        """Fit the calibration map on held-out logits and their true labels.

        Parameters
        ----------
        logits : array_like, shape (n, K) or (n,)
            Finite scores of a classifier (a 1-D array: a binary classifier's log-odds
            ``s``, read as the logits ``[0, s]``). Probabilities are the wrong input (a
            :class:`ProbabilitiesWarning` says so): pass logits or ``log(p)``.
        y : array_like, shape (n,)
            True classes: integers in ``[0, K-1]`` (the logit columns), or class labels
            (sorted, or in the order of ``classes``).
        sample_weight : array_like, shape (n,), optional
            Non-negative row weights; a row of weight 2 counts as two rows.

        Returns
        -------
        self
        """
        raw = as_array(logits, "logits")
        z, extremes = checked_logits(raw)
        n, k = z.shape
        codes, classes = encode_labels(y, k, self.classes)
        if codes.size != n:
            raise ValidationError(
                "labels", f"needs one label per logit row ({n}), got {codes.size} labels"
            )
        w = as_sample_weight(sample_weight, n)
        if w is not None and not np.all(w > 0):
            keep = w > 0
            z, codes, w, extremes = np.ascontiguousarray(z[keep]), codes[keep], w[keep], None
        self._fit(z, codes, w, extremes, self._checked_max_iter())
        self.classes_ = classes
        self.n_features_in_ = 1 if raw.ndim == 1 else int(raw.shape[1])
        self.converged_ = self.status_ in self._ok
        if not self.converged_:
            warnings.warn(
                f"{type(self).__name__}: {self.message_}", convergence_category(), stacklevel=2
            )
        return self

    def _checked_max_iter(self) -> int:
        """``max_iter``, validated."""
        return as_count(self.max_iter, "max_iter", minimum=1)

    def _logits(self, logits, method: str) -> np.ndarray:
        if not hasattr(self, "classes_"):
            raise not_fitted(self, method)
        raw = as_array(logits, "logits")
        z, _ = checked_logits(raw)
        k = self.classes_.size
        if z.shape[1] != k:
            cols = 1 if raw.ndim == 1 else raw.shape[1]
            hint = (
                "; Reshape your data: a 1-D array holds a binary classifier's log-odds"
                if raw.ndim == 1
                else ""
            )
            raise ValidationError(
                "logits",
                f"X has {cols} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input (one logit per class, {k} "
                f"classes){hint}",
            )
        return z

    def decision_function(self, logits) -> np.ndarray:
        """Calibrated logits, in scikit-learn's shapes: (n, K), or (n,) log-odds for K = 2.

        Parameters
        ----------
        logits : array_like, shape (n, K) or (n,)
            Scores as for :meth:`fit`.

        Returns
        -------
        ndarray, shape (n, K) or (n,)
            Their softmax is :meth:`predict_proba`; for two classes the calibrated
            log-odds of the second (``classes_[1]``), as a binary classifier's
            ``decision_function``. ``-inf`` for classes that never occurred in the
            fitting labels of a map with intercepts.
        """
        a = self._scores(self._logits(logits, "decision_function"))
        if a.shape[1] == 2:
            with np.errstate(invalid="ignore"):  # -inf - -inf: both classes absent
                return a[:, 1] - a[:, 0]
        return a

    def transform(self, logits) -> np.ndarray:
        """Calibrated logits (n, K), whatever K (for pipelines).

        Parameters
        ----------
        logits : array_like, shape (n, K) or (n,)
            Scores as for :meth:`fit`.

        Returns
        -------
        ndarray, shape (n, K)
        """
        return self._scores(self._logits(logits, "transform"))

    def fit_transform(self, logits, y, sample_weight=None) -> np.ndarray:
        """:meth:`fit`, then :meth:`transform` of the same logits.

        Parameters
        ----------
        logits : array_like, shape (n, K) or (n,)
            Scores as for :meth:`fit`.
        y : array_like, shape (n,)
            True labels.
        sample_weight : array_like, shape (n,), optional
            Row weights.

        Returns
        -------
        ndarray, shape (n, K)
        """
        return self.fit(logits, y, sample_weight).transform(logits)

    def predict_proba(self, logits) -> np.ndarray:
        """Calibrated probabilities, ``softmax`` of the calibrated logits.

        Parameters
        ----------
        logits : array_like, shape (n, K) or (n,)
            Scores as for :meth:`fit`.

        Returns
        -------
        ndarray, shape (n, K)
            Columns in the order of ``classes_``.
        """
        return _softmax(self._scores(self._logits(logits, "predict_proba")))

    def predict_log_proba(self, logits) -> np.ndarray:
        """Logarithm of :meth:`predict_proba`, computed in log space.

        Parameters
        ----------
        logits : array_like, shape (n, K) or (n,)
            Scores as for :meth:`fit`.

        Returns
        -------
        ndarray, shape (n, K)
        """
        a = self._scores(self._logits(logits, "predict_log_proba"))
        top = a.max(axis=1, keepdims=True)
        return a - top - np.log(np.exp(a - top).sum(axis=1, keepdims=True))

    def predict(self, logits) -> np.ndarray:
        """The most probable class of each row, as a label of ``classes_``.

        Parameters
        ----------
        logits : array_like, shape (n, K) or (n,)
            Scores as for :meth:`fit`.

        Returns
        -------
        ndarray, shape (n,)
        """
        a = self._scores(self._logits(logits, "predict"))
        return self.classes_[np.argmax(a, axis=1)]


class TemperatureScaling(_Calibrator):
    """Temperature scaling: ``softmax(beta z)``, one shared ``beta = 1/T``.

    The maximum-entropy model whose one constraint is the mean true-class logit; fitted
    by the safeguarded Newton method of :func:`maxent.calibrate` (exact row moments, no
    overflow at any size of the logits). Whether a finite minimum exists is decided
    before any iteration: ``beta_ = +inf`` when every true class is already a largest
    logit, negative when the classifier is worse than chance.

    Parameters
    ----------
    class_bias : bool
        Also match the class frequencies: ``softmax(beta z + b)``, one more multiplier
        ``b_k`` per class (fitted by trust-region Newton, see :class:`VectorScaling`).
    classes : array_like, optional
        The class label of each logit column (a fitted classifier's ``classes_``);
        default: integers ``0..K-1``, or the sorted distinct labels of ``y``.
    max_iter : int
        Most Newton steps of the class-bias fit.

    Attributes
    ----------
    beta_, temperature_ : float
        The fitted ``beta`` and ``T = 1/beta``.
    beta_stderr_, temperature_stderr_ : float
        Standard errors from the observed information (the NLL's curvature summed over
        the rows, ``sum_i Var_{p_i}[z_i]`` without class bias); ``T``'s by the delta
        method. NaN when ``beta`` is not finite.
    intercept_ : ndarray, shape (K,)
        The class biases ``b`` (zeros without ``class_bias``; gauge ``sum b = 0`` over the
        classes that occur, ``-inf`` for those that never do).
    nll_ : float
        Mean NLL on the fitting rows at the fit.
    moment_residual_ : float
        Relative violation of the moment conditions at the fit.
    n_iter_ : int
        Passes over the data (Newton steps with ``class_bias``).
    status_, message_ : str
        How the fit ended (``converged``, ``+inf``, ``-inf``, ``zero``, ``undetermined``,
        ``separable`` or ``not converged``) and why.
    converged_ : bool
        Whether a finite minimum was found and certified.
    classes_ : ndarray
        The class label of each column.
    n_features_in_ : int
        Columns of the logits seen by ``fit`` (1 for binary log-odds).

    Examples
    --------
    >>> import numpy as np
    >>> from maxent.calibration import TemperatureScaling
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 3, 500)
    >>> x = 2.0 * np.eye(3)[y] + rng.normal(0.0, 1.0, (500, 3))  # the true logits: 2 x
    >>> ts = TemperatureScaling().fit(3.0 * x, y)  # a model 1.5 times too confident
    >>> round(ts.temperature_, 2), round(ts.temperature_stderr_, 2), ts.status_
    (1.37, 0.11, 'converged')
    """

    _ok = ("converged", "zero")

    def __init__(self, *, class_bias: bool = False, classes=None, max_iter: int = 100):
        self.class_bias = class_bias
        self.classes = classes
        self.max_iter = max_iter

    def _fit(self, z, y, w, extremes, max_iter):
        k = z.shape[1]
        fit = fit_validated(z, y, extremes, w)
        self.intercept_ = np.zeros(k)
        if not self.class_bias:
            self.beta_ = fit.beta
            self.beta_stderr_ = fit.stderr
            self.nll_ = fit.nll
            self.moment_residual_ = fit.residual
            self.n_iter_ = fit.passes
            self.status_, self.message_ = fit.status, fit.message
        else:
            b0 = fit.beta if fit.status == "converged" else math.nan
            fam = fit_family(z, y, w, "bias", beta0=b0, max_iter=max_iter)
            self.beta_ = float(fam.coef)
            self.intercept_ = fam.intercept
            self.beta_stderr_ = fam.beta_stderr
            self.nll_ = fam.nll
            self.moment_residual_ = fam.residual
            self.n_iter_ = fam.iterations
            self.status_, self.message_ = fam.status, fam.message
            self.separation_ = fam.separation
        if self.status_ == "undetermined" and not self.class_bias:
            self.message_ += "; predictions keep the logits as they are (T = 1)"
        self.temperature_ = temperature_of(self.beta_)
        b = self.beta_
        self.temperature_stderr_ = (
            self.beta_stderr_ / (b * b) if math.isfinite(b) and b != 0 else math.nan
        )

    def _scores(self, z):
        b = self.beta_
        if math.isnan(b):
            return z.astype(np.float64) + self.intercept_
        if math.isinf(b):  # the limit: equal weight on each row's largest (smallest) logits
            ext = z.max(axis=1) if b > 0 else z.min(axis=1)
            return np.where(z == ext[:, None], 0.0, -np.inf)
        return b * z.astype(np.float64) + self.intercept_


class VectorScaling(_Calibrator):
    """Vector scaling: ``softmax(w * z + b)``, a weight and a bias per class.

    The maximum-entropy model that reproduces, on the fitting rows, the class
    frequencies and each class's moment ``E[z_k 1{y = k}]``. Its mean NLL is convex; it is
    minimised by scipy's trust-region Newton (``trust-ncg``) with exact gradients and
    Hessian-vector products, finished by Newton steps to machine precision, on centred
    logits divided by a power of two (no overflow at any size). Whether a finite minimum
    exists is decided by linear programming (the labels separable by the family).

    Parameters
    ----------
    classes : array_like, optional
        The class label of each logit column (see :class:`TemperatureScaling`).
    max_iter : int
        Most trust-region iterations.

    Attributes
    ----------
    coef_ : ndarray, shape (K,)
        The weights ``w`` (0 for classes that never occur in the labels).
    intercept_ : ndarray, shape (K,)
        The biases ``b`` (gauge ``sum b = 0``; ``-inf`` for classes that never occur).
    nll_, moment_residual_, n_iter_, status_, message_, converged_
        As for :class:`TemperatureScaling`; also ``classes_`` and ``n_features_in_``.
    separation_ : str
        How the existence of a finite minimum was decided.
    """

    _kind = "vector"
    _name = "vector"

    def __init__(self, *, classes=None, max_iter: int = 100):
        self.classes = classes
        self.max_iter = max_iter

    def _features(self, z):
        return z

    def _penalties(self) -> dict:
        return {}

    def _fit(self, z, y, w, extremes, max_iter):
        fit = fit_validated(z, y, extremes, w)
        b0 = fit.beta if fit.status == "converged" else math.nan
        x = self._features(z)
        fam = fit_family(
            x, y, w, self._kind, beta0=b0, max_iter=max_iter, name=self._name,
            **self._penalties(),
        )  # fmt: skip
        self.coef_ = fam.coef
        self.intercept_ = fam.intercept
        self.nll_ = fam.nll
        self.moment_residual_ = fam.residual
        self.n_iter_ = fam.iterations
        self.status_, self.message_ = fam.status, fam.message
        self.separation_ = fam.separation

    def _scores(self, z):
        x = self._features(z)
        if self._kind == "vector":
            return x * self.coef_ + self.intercept_
        return x @ self.coef_.T + self.intercept_


class MatrixScaling(VectorScaling):
    """Matrix scaling: ``softmax(W z + b)``, a full linear map of the logits.

    The maximum-entropy model that reproduces every cross moment ``E[z_j 1{y = k}]`` and
    the class frequencies (multinomial logistic regression on the logits). With K**2 + K
    multipliers it needs many rows or a penalty: ``reg_off_diagonal`` and
    ``reg_intercept`` add ``lambda / (K (K-1)) sum_{j != k} W_kj**2 + mu / K sum_k b_k**2``
    to the mean NLL (ODIR, Kull et al. 2019), which relaxes the moment conditions to
    ``E_p - E_data = -(gradient of the penalty)``. Fitted like :class:`VectorScaling`.

    Parameters
    ----------
    reg_off_diagonal : float
        ``lambda >= 0``, the L2 penalty on the off-diagonal weights.
    reg_intercept : float
        ``mu >= 0``, the L2 penalty on the intercepts.
    classes : array_like, optional
        The class label of each logit column (see :class:`TemperatureScaling`).
    max_iter : int
        Most trust-region iterations.

    Attributes
    ----------
    coef_ : ndarray, shape (K, K)
        ``W`` (row k: the weights of class k's score; zero rows for classes that never
        occur). Without a penalty the gauge ``W -> W + 1 v^T`` is fixed by zero mean
        off-diagonal entries per column, the penalty's limit at 0.
    intercept_ : ndarray, shape (K,)
        ``b`` (``-inf`` for classes that never occur).
    nll_, moment_residual_, n_iter_, status_, message_, converged_, separation_
        As for :class:`VectorScaling`; also ``classes_`` and ``n_features_in_``.
    """

    _kind = "matrix"
    _name = "matrix"

    def __init__(
        self,
        *,
        reg_off_diagonal: float = 0.0,
        reg_intercept: float = 0.0,
        classes=None,
        max_iter: int = 100,
    ):
        self.reg_off_diagonal = reg_off_diagonal
        self.reg_intercept = reg_intercept
        self.classes = classes
        self.max_iter = max_iter

    def _penalties(self) -> dict:
        out = {}
        for name in ("reg_off_diagonal", "reg_intercept"):
            v = as_real(getattr(self, name), name)
            if v < 0:
                raise ValidationError(name, f"must be >= 0 (got {v!r})")
            out[name] = v
        return out


class DirichletCalibration(MatrixScaling):
    """Dirichlet calibration: ``softmax(W log p + b)`` with ``p = softmax(z)``.

    Matrix scaling of the log-probabilities (Kull et al. 2019): the maximum-entropy model
    reproducing ``E[log p_j 1{y = k}]`` and the class frequencies. Logits and
    log-probabilities give the same fit (``log softmax`` removes each row's offset).
    Parameters and attributes as in :class:`MatrixScaling` (``coef_`` acts on ``log p``).
    """

    _name = "Dirichlet (matrix on log-probabilities)"

    def _features(self, z):
        return log_softmax(z)


#: The calibration maps by the name ``maxent.calibrate`` and ``maxent calibrate`` use.
METHODS = ("temperature", "bias", "vector", "matrix", "dirichlet")


def make_calibrator(method: str, **params):
    """A new calibrator for ``method``, one of :data:`METHODS` (``bias``: temperature + b)."""
    if method == "temperature":
        return TemperatureScaling(**params)
    if method == "bias":
        return TemperatureScaling(class_bias=True, **params)
    if method == "vector":
        return VectorScaling(**params)
    if method == "matrix":
        return MatrixScaling(**params)
    if method == "dirichlet":
        return DirichletCalibration(**params)
    raise ValidationError("method", f"must be one of {', '.join(METHODS)} (got {method!r})")
