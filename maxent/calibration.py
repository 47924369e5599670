"""Calibration of classifiers as maximum entropy, with scikit-learn's estimator interface.

Every calibrator here is the maximum-entropy model of a set of moment constraints on the
held-out rows it is fitted on, and reproduces those moments (see the documentation page
"Softmax in the wild"):

* :class:`TemperatureScaling` (``softmax(beta z)``; ``class_bias=True``:
  ``softmax(beta z + b)``),
* :class:`VectorScaling` (``softmax(w * z + b)``),
* :class:`MatrixScaling` (``softmax(W z + b)``, with the ODIR penalty),
* :class:`DirichletCalibration` (``softmax(W log p + b)``).

They need no scikit-learn, yet ``clone``, pipelines, grid searches and
``check_estimator`` work with them. :func:`calibrate` fits one and scores it before and
after; :func:`calibration_metrics` and :func:`reliability` score any probabilities.

This module only gathers the public names; the implementation is in ``maxent._calibrate``.
"""

from maxent._calibrate.compat import (
    ConvergenceWarning,
    DataConversionWarning,
    NotFittedError,
    ProbabilitiesWarning,
)
from maxent._calibrate.estimators import (
    METHODS,
    DirichletCalibration,
    MatrixScaling,
    TemperatureScaling,
    VectorScaling,
    make_calibrator,
)
from maxent._calibrate.fit import CalibrationResult, calibrate, calibrate_split
from maxent._calibrate.metrics import (
    Metrics,
    Reliability,
    calibration_metrics,
    clopper_pearson,
    reliability,
)

__all__ = [
    "METHODS",
    "CalibrationResult",
    "ConvergenceWarning",
    "DataConversionWarning",
    "DirichletCalibration",
    "MatrixScaling",
    "Metrics",
    "NotFittedError",
    "ProbabilitiesWarning",
    "Reliability",
    "TemperatureScaling",
    "VectorScaling",
    "calibrate",
    "calibrate_split",
    "calibration_metrics",
    "clopper_pearson",
    "make_calibrator",
    "reliability",
]
