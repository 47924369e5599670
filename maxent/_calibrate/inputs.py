"""Inputs of the calibrators: scores from any array library, labels, sample weights.

Scores are read without a copy where possible: numpy arrays as they are, objects with
``__dlpack__`` (a PyTorch or JAX tensor on the CPU) through :func:`numpy.from_dlpack`, and
anything else with ``__array__`` through :func:`numpy.asarray`. float32 and float64 stay
as they are (the kernels compute in float64 from either); other numbers become float64.
A 1-D array (or one column) holds the scores of a binary classifier, the log-odds of its
positive class, and becomes the two logits ``[0, s]``: ``softmax([0, s]) = sigmoid(s)``,
so ``T = 1`` reproduces the classifier's own probabilities.
"""

from __future__ import annotations

import warnings

import numpy as np

from maxent._calibrate.compat import ProbabilitiesWarning, conversion_category
from maxent._util.errors import ValidationError

__all__ = [
    "InputTypeError",
    "as_array",
    "as_sample_weight",
    "as_scores",
    "encode_labels",
    "looks_like_probabilities",
]


class InputTypeError(ValidationError, TypeError):
    """An input holds objects that are no numbers (a TypeError, as numpy raises it)."""


def as_array(x, param: str) -> np.ndarray:
    """A numpy view of ``x``: DLPack first (zero copy), then ``__array__``, then a list."""
    if isinstance(x, np.ndarray):
        return x
    if hasattr(x, "tocsr") and hasattr(x, "nnz"):  # scipy.sparse: densify on purpose
        raise ValidationError(
            param, "sparse input is not supported (pass a dense array: x.toarray())"
        )
    if hasattr(x, "__dlpack__"):
        try:
            return np.from_dlpack(x)
        except (TypeError, ValueError, RuntimeError, BufferError) as exc:
            if not hasattr(x, "__array__"):
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                raise ValidationError(
                    param, f"could not be read through DLPack (on the CPU?): {first}"
                ) from None
    try:
        return np.asarray(x)
    except (TypeError, ValueError, RuntimeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValidationError(param, f"could not be read as an array ({first})") from None


def looks_like_probabilities(z: np.ndarray) -> bool:
    """Every row non-negative, at most 1 and summing to 1 (a 1-D array: all in [0, 1])."""
    if z.size == 0:
        return False
    with np.errstate(invalid="ignore"):
        if not (np.all(z >= 0) and np.all(z <= 1)):
            return False
        if z.ndim == 1:
            return True
        return bool(np.all(np.abs(z.sum(axis=1, dtype=np.float64) - 1.0) <= 1e-5))


def as_scores(x, param: str = "logits", *, warn: bool = True) -> np.ndarray:
    """Scores as a C-contiguous (n, K) float array; 1-D binary scores become ``[0, s]``.

    Warns (:class:`ProbabilitiesWarning`) when the scores look like probabilities.
    """
    a = as_array(x, param)
    if a.dtype.kind == "b" or a.dtype.kind not in "iuf":
        if a.dtype.kind == "O":
            try:
                a = a.astype(np.float64)
            except (TypeError, ValueError) as exc:
                raise InputTypeError(param, f"must be an array of real numbers ({exc})") from None
        else:
            what = "Complex data not supported; " if a.dtype.kind == "c" else ""
            raise ValidationError(
                param, f"must be an array of real numbers ({what}got dtype {a.dtype})"
            )
    if a.dtype not in (np.float32, np.float64):
        a = a.astype(np.float64)
    if a.ndim == 2 and a.shape[1] == 1:
        a = a[:, 0]
    if a.ndim not in (1, 2):
        raise ValidationError(
            param,
            "must be a 2-D array (samples, classes), or 1-D for the scores of a binary "
            f"classifier (got shape {a.shape})",
        )
    if warn and looks_like_probabilities(a):
        if a.ndim == 1:
            msg = (
                "all scores lie in [0, 1]: they look like probabilities of the positive "
                "class, not log-odds; pass the decision function (or scipy.special.logit(p))"
            )
        else:
            msg = (
                "every row is non-negative and sums to 1: these look like probabilities, "
                "not logits; pass the decision function or the pre-softmax outputs (or "
                "log(p)): scaling probabilities is not temperature scaling"
            )
        warnings.warn(f"{param}: {msg}", ProbabilitiesWarning, stacklevel=3)
    if a.ndim == 1:
        a = np.column_stack([np.zeros_like(a), a])
    return np.ascontiguousarray(a)


def encode_labels(y, k: int, classes=None) -> tuple[np.ndarray, np.ndarray]:
    """Class codes in ``[0, k-1]`` and the class label of each logit column.

    Integers in ``[0, k-1]`` are the column indices themselves (``classes_ = 0..k-1``).
    Other labels name the columns in sorted order, the order of a scikit-learn
    classifier's ``classes_``; ``classes`` gives the order explicitly (needed when some
    class does not occur in ``y``).
    """
    if y is None:
        raise ValidationError(
            "labels", "requires y to be passed, but the target y is None (the true classes)"
        )
    lab = as_array(y, "labels")
    if lab.ndim == 2 and lab.shape[1] == 1:
        warnings.warn(
            "A column-vector y was passed when a 1d array was expected: labels of shape "
            f"{lab.shape} read as ({lab.shape[0]},)",
            conversion_category(),
            stacklevel=3,
        )
        lab = lab.reshape(-1)
    if lab.ndim != 1:
        raise ValidationError("labels", f"must be a 1-D array (got shape {lab.shape})")
    if lab.dtype.kind == "O":  # Python objects: numbers or strings, typed as numpy would
        try:
            lab = np.asarray(lab.tolist())
        except (TypeError, ValueError):
            raise ValidationError("labels", "Unknown label type: mixed Python objects") from None
        if lab.dtype.kind == "O" or lab.ndim != 1:
            raise ValidationError("labels", "Unknown label type: mixed Python objects")
    if classes is not None:
        cls = as_array(classes, "classes")
        if cls.ndim != 1 or cls.size != k:
            raise ValidationError(
                "classes", f"needs one label per logit column ({k}), got shape {cls.shape}"
            )
        order = np.argsort(cls, kind="stable")
        srt = cls[order]
        if np.any(srt[1:] == srt[:-1]):
            raise ValidationError("classes", "must not repeat a label")
        try:
            pos = np.searchsorted(srt, lab)
        except TypeError:
            raise ValidationError("labels", "cannot be compared with the classes given") from None
        pos = np.minimum(pos, k - 1)
        bad = srt[pos] != lab
        if np.any(bad):
            i = int(np.flatnonzero(bad)[0])
            raise ValidationError(
                "labels", f"label {lab[i]!r} at position {i} is not among the classes given"
            )
        return order[pos].astype(np.int64), cls
    if lab.dtype.kind in "iu" or (lab.dtype.kind == "f" and _integral(lab)):
        if lab.size and lab.min() >= 0 and lab.max() <= k - 1:
            return lab.astype(np.int64), np.arange(k)
    if lab.dtype.kind == "f" and not _integral(lab):
        bad = ~np.isfinite(lab) | (lab != np.round(lab))
        i = int(np.flatnonzero(bad)[0])
        raise ValidationError(
            "labels",
            f"Unknown label type: continuous values are no classes (got {lab[i]} at position "
            f"{i}); give integers in [0, {k - 1}] or class labels",
        )
    try:
        cls, codes = np.unique(lab, return_inverse=True)
    except TypeError:
        raise ValidationError("labels", "must be comparable class labels") from None
    if cls.size != k:
        raise ValidationError(
            "labels",
            f"must be integers in [0, {k - 1}] (column indices) or {k} distinct class labels "
            f"for the {k} logit columns (got {cls.size} distinct values); pass classes= "
            "(e.g. a fitted classifier's classes_) when some class does not occur",
        )
    return codes.reshape(-1).astype(np.int64), cls


def _integral(a: np.ndarray) -> bool:
    with np.errstate(invalid="ignore"):
        return bool(np.all(np.isfinite(a)) and np.all(a == np.round(a)))


def as_sample_weight(w, n: int) -> np.ndarray | None:
    """Non-negative finite weights, one per row, not all zero (None stays None)."""
    if w is None:
        return None
    a = as_array(w, "sample_weight")
    if a.ndim == 0:
        a = np.full(n, float(a))
    if a.ndim == 2 and 1 in a.shape:
        a = a.reshape(-1)
    if a.ndim != 1 or a.size != n:
        raise ValidationError(
            "sample_weight", f"needs one weight per row ({n}), got shape {a.shape}"
        )
    if a.dtype.kind not in "iufb":
        raise ValidationError("sample_weight", f"must be real numbers (got dtype {a.dtype})")
    a = a.astype(np.float64)
    bad = ~np.isfinite(a) | (a < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValidationError(
            "sample_weight", f"must be finite and >= 0 (got {a[i]} at position {i})"
        )
    if not a.sum() > 0:
        raise ValidationError("sample_weight", "must not all be zero")
    return a
