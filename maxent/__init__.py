"""maxent: the counting argument behind Boltzmann and softmax, made runnable."""

__version__ = "0.1.0"

from ._dynamics import RelaxResult, relax, start_allocation
from ._enumerate import Enumeration, enumerate_allocations
from ._errors import ConvergenceError, UnreachableError, ValidationError
from ._mode import log_count, most_probable_allocation
from ._optimize import kkt_residual, maximize_log_count
from ._problem import Problem, default_energies
from ._sample import SampleResult, sample
from ._summary import OptimumSummary, optimize
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
    "BetaSolution",
    "ConvergenceError",
    "Enumeration",
    "OptimumSummary",
    "Problem",
    "RelaxResult",
    "SampleResult",
    "Thermo",
    "UnreachableError",
    "ValidationError",
    "__version__",
    "beta_from_mean",
    "boltzmann",
    "default_energies",
    "energy_variance",
    "entropy",
    "enumerate_allocations",
    "free_energy",
    "heat_capacity",
    "kkt_residual",
    "log_count",
    "log_partition",
    "maximize_log_count",
    "mean_energy",
    "most_probable_allocation",
    "optimize",
    "relax",
    "sample",
    "start_allocation",
    "thermo",
]
