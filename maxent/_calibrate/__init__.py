"""Temperature scaling of real classifiers, derived and fitted as maximum entropy."""

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
