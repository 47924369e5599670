"""maxent: the counting argument behind Boltzmann and softmax, made runnable."""

__version__ = "0.1.0"

from maxent._compare.compare import (
    Comparison,
    FittedBeta,
    compare,
    concentration,
    distances,
    exact_mean_fractions,
    fit_beta,
)
from maxent._compare.converge import ConvergenceStudy, converge, fit_slope
from maxent._model.problem import Constraint, Limit, Problem, default_energies, parse_constraint
from maxent._model.theory import (
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
from maxent._optimize.mode import log_count, most_probable_allocation
from maxent._optimize.optimum import kkt_residual, maximize_log_count
from maxent._optimize.summary import OptimumSummary, optimize
from maxent._plotting.plots import (
    convergence_figure,
    plot_beta_convergence,
    plot_concentration,
    plot_convergence,
    plot_deviations,
    plot_occupations,
    simulation_figure,
)
from maxent._plotting.style import COLORS, lecture_style, save_figure
from maxent._sampling.api import SampleResult, sample
from maxent._sampling.dynamics import RelaxResult, relax, start_allocation
from maxent._sampling.enumerate import Enumeration, enumerate_allocations
from maxent._sweep.sweep import Study, load_study, plot_sweep, read_results, run_sweep
from maxent._util.errors import ConvergenceError, UnreachableError, ValidationError

__all__ = [
    "COLORS",
    "BetaSolution",
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
