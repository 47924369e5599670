"""Calibration of real classifiers, derived and fitted as maximum entropy.

The estimators are public as :mod:`maxent.calibration`; :func:`calibrate` fits one and
scores it before and after.
"""

from maxent._calibrate.fit import BetaFit, CalibrationResult, calibrate, fit_temperature
from maxent._calibrate.metrics import Metrics, NormalisationComparison, compare_normalisations

__all__ = [
    "BetaFit",
    "CalibrationResult",
    "Metrics",
    "NormalisationComparison",
    "calibrate",
    "compare_normalisations",
    "fit_temperature",
]
