"""maxent: the counting argument behind Boltzmann and softmax, made runnable."""

__version__ = "0.1.0"

from ._calibrate import CalibrationResult, calibrate
from ._calibrate.figures import plot_calibration
from ._compare import (
    Comparison,
    FittedBeta,
    compare,
    concentration,
    distances,
    exact_mean_fractions,
    fit_beta,
)
from ._converge import ConvergenceStudy, converge, fit_slope
from ._dynamics import RelaxResult, relax, start_allocation
from ._enumerate import Enumeration, enumerate_allocations
from ._errors import ConvergenceError, UnreachableError, ValidationError
from ._mode import log_count, most_probable_allocation
from ._optimize import kkt_residual, maximize_log_count
from ._plots import (
    convergence_figure,
    plot_beta_convergence,
    plot_concentration,
    plot_convergence,
    plot_deviations,
    plot_occupations,
    simulation_figure,
)
from ._problem import Constraint, Limit, Problem, default_energies, parse_constraint
from ._sample import SampleResult, sample
from ._style import COLORS, lecture_style, save_figure
from ._summary import OptimumSummary, optimize
from ._sweep import Study, load_study, plot_sweep, read_results, run_sweep
from ._theory import (
    BetaSolution,
    Thermo,
    beta_from_mean,
    boltzmann,
    energy_variance,
    entropy,
    free_energy,
    heat_capacity,
    log_partition,
    mean_energy,
    thermo,
)

__all__ = [
    "COLORS",
    "BetaSolution",
    "CalibrationResult",
    "Comparison",
    "Constraint",
    "ConvergenceError",
    "ConvergenceStudy",
    "Enumeration",
    "FittedBeta",
    "Limit",
    "OptimumSummary",
    "Problem",
    "RelaxResult",
    "SampleResult",
    "Study",
    "Thermo",
    "UnreachableError",
    "ValidationError",
    "__version__",
    "beta_from_mean",
    "boltzmann",
    "calibrate",
    "compare",
    "concentration",
    "converge",
    "convergence_figure",
    "default_energies",
    "distances",
    "energy_variance",
    "entropy",
    "enumerate_allocations",
    "exact_mean_fractions",
    "fit_beta",
    "fit_slope",
    "free_energy",
    "heat_capacity",
    "kkt_residual",
    "lecture_style",
    "load_study",
    "log_count",
    "log_partition",
    "maximize_log_count",
    "mean_energy",
    "most_probable_allocation",
    "optimize",
    "parse_constraint",
    "plot_beta_convergence",
    "plot_calibration",
    "plot_concentration",
    "plot_convergence",
    "plot_deviations",
    "plot_occupations",
    "plot_sweep",
    "read_results",
    "relax",
    "run_sweep",
    "sample",
    "save_figure",
    "simulation_figure",
    "start_allocation",
    "thermo",
]
