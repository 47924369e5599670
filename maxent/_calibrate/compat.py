"""scikit-learn's estimator conventions, without importing scikit-learn.

The calibrators follow scikit-learn's estimator API (parameters stored by the constructor,
``get_params``/``set_params``, fitted state ending in ``_``, tags) so that ``clone``,
pipelines, grid searches and ``check_estimator`` work; but scikit-learn is an optional
extra and takes about a second to import, so nothing here imports it unless the caller
already has. The warning and error classes are maxent's own; when scikit-learn is already
loaded they are raised as subclasses of scikit-learn's as well, so that a filter or an
``except`` written for scikit-learn's classes catches them too.
"""

from __future__ import annotations

import functools
import inspect
import sys

__all__ = [
    "ConvergenceWarning",
    "DataConversionWarning",
    "EstimatorMixin",
    "NotFittedError",
    "ProbabilitiesWarning",
    "convergence_category",
    "not_fitted",
]


class ConvergenceWarning(UserWarning):
    """A fit did not reach a finite minimum it could certify (the message says why).

    Raised as a subclass of ``sklearn.exceptions.ConvergenceWarning`` as well when
    scikit-learn is already imported.
    """


class NotFittedError(ValueError, AttributeError):
    """A method that needs a fitted calibrator was called before ``fit``.

    Raised as a subclass of ``sklearn.exceptions.NotFittedError`` as well when
    scikit-learn is already imported.
    """


class DataConversionWarning(UserWarning):
    """An input was converted: a column vector of labels read as a 1-D array.

    Raised as a subclass of ``sklearn.exceptions.DataConversionWarning`` as well when
    scikit-learn is already imported.
    """


class ProbabilitiesWarning(UserWarning):
    """The scores passed look like probabilities, where logits are expected."""


@functools.cache
def _flavoured(ours: type, name: str) -> type:
    from sklearn import exceptions  # already loaded: see _with_sklearn

    theirs = getattr(exceptions, name)
    return type(
        ours.__name__, (ours, theirs), {"__module__": ours.__module__, "__doc__": ours.__doc__}
    )


def _with_sklearn(ours: type) -> type:
    if sys.modules.get("sklearn") is not None:  # loaded (None: blocked, as in a test)
        return _flavoured(ours, ours.__name__)
    return ours


def convergence_category() -> type:
    """The class to warn with: :class:`ConvergenceWarning`, scikit-learn's too if loaded."""
    return _with_sklearn(ConvergenceWarning)


def conversion_category() -> type:
    """:class:`DataConversionWarning`, scikit-learn's too if it is loaded."""
    return _with_sklearn(DataConversionWarning)


def not_fitted(estimator, method: str) -> NotFittedError:
    """The error for ``estimator.method(...)`` called before ``fit``."""
    cls = _with_sklearn(NotFittedError)
    return cls(
        f"This {type(estimator).__name__} instance is not fitted yet: call 'fit' with "
        f"logits and labels before '{method}'."
    )


class EstimatorMixin:
    """``get_params``, ``set_params``, ``repr``, ``score`` and tags, as scikit-learn has them.

    The constructor of a subclass stores its keyword arguments unchanged under their own
    names and does nothing else (scikit-learn's rule, which ``clone`` relies on).
    """

    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return sorted(
            p.name
            for p in sig.parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
        )

    def get_params(self, deep: bool = True) -> dict:
        """Parameters of this calibrator (scikit-learn's ``get_params``).

        Parameters
        ----------
        deep : bool
            Accepted for compatibility; the calibrators hold no nested estimators.

        Returns
        -------
        dict
            Parameter names mapped to their values.
        """
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params):
        """Set parameters (scikit-learn's ``set_params``); returns the calibrator.

        Parameters
        ----------
        **params
            New values of parameters named as in the constructor.

        Returns
        -------
        self
        """
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(
                    f"Invalid parameter {name!r} for estimator {type(self).__name__}. "
                    f"Valid parameters are: {valid!r}."
                )
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        sig = inspect.signature(type(self).__init__)
        shown = []
        for name in self._param_names():
            value = getattr(self, name)
            default = sig.parameters[name].default
            try:
                same = bool(value == default) and type(value) is type(default)
            except (TypeError, ValueError):  # an array compared elementwise
                same = False
            if not same:
                shown.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(shown)})"

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "classes_")

    def __sklearn_tags__(self):
        from sklearn.utils import ClassifierTags, InputTags, Tags, TargetTags, TransformerTags

        return Tags(
            estimator_type="classifier",
            target_tags=TargetTags(required=True),
            classifier_tags=ClassifierTags(),
            # transform gives the calibrated logits, in float64 whatever the input
            transformer_tags=TransformerTags(preserves_dtype=["float64"]),
            # 1-D logits (a binary classifier's log-odds) are accepted too, but the tag
            # would make the common checks pass 1-D data only
            input_tags=InputTags(two_d_array=True),
        )

    def score(self, logits, y, sample_weight=None) -> float:
        """Mean accuracy of ``predict(logits)`` against ``y`` (scikit-learn's default).

        Parameters
        ----------
        logits : array_like, shape (n, K) or (n,)
            Scores as for :meth:`fit`.
        y : array_like, shape (n,)
            True labels.
        sample_weight : array_like, shape (n,), optional
            Weights of the rows.

        Returns
        -------
        float
        """
        import numpy as np

        pred = self.predict(logits)
        hit = (pred == np.asarray(y)).astype(np.float64)
        if sample_weight is None:
            return float(hit.mean())
        w = np.asarray(sample_weight, dtype=np.float64)
        return float((w * hit).sum() / w.sum())
