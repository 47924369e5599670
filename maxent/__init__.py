"""maxent: the counting argument behind Boltzmann and softmax, made runnable.

Put N items into K classes with energies E_k; every assignment that keeps the count and
the total energy is equally likely, so an allocation n weighs W(n) = N!/prod n_k!. As N
grows the allocations concentrate on the Boltzmann (softmax) law. maxent shows it by
simulation (:func:`sample`, :func:`relax`) and by optimisation
(:func:`maximize_log_count`, :func:`most_probable_allocation`), side by side
(:func:`compare`, :func:`converge`).

The package is layered; a module imports only from the layers below it (checked by
import-linter in CI, see ``docs/architecture.md``)::

    maxent.cli          one module per command: parse, call one function, render
    maxent._plotting    lecture style, figures, the lecture gallery
    maxent._sweep       parameter studies: study files, tasks, stores, backends
    maxent._compare     compare(), converge(), exact_test(), fitted beta, distances
    maxent._calibrate   calibrate(), the calibrators of maxent.calibration, metrics
    maxent._sampling    sample(), exact / MCMC / enumeration, relax(), diagnostics
    maxent._optimize    maximize_log_count(), most_probable_allocation(), optimize()
    maxent._model       Problem, statistics, lattice, theory, dual, faces, defaults
    maxent._kernels     numba kernels (plain arrays in and out)
    maxent._util        errors, validation, random streams, I/O, formatting

Public names are resolved lazily (PEP 562), so ``import maxent`` and ``maxent --help``
do not pay for scipy, numba or matplotlib until they are used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from maxent._version import __version__ as __version__

#: public name -> module that defines it
_EXPORTS = {
    "maxent._compare.compare": [
        "Comparison",
        "Concentration",
        "Distances",
        "FittedBeta",
        "compare",
        "concentration",
        "distances",
        "exact_mean_fractions",
        "fit_beta",
    ],
    "maxent._compare.converge": ["ConvergenceStudy", "converge", "fit_slope"],
    "maxent._compare.gof": ["GoodnessOfFit", "exact_test"],
    "maxent._calibrate.fit": ["CalibrationResult", "calibrate"],
    "maxent._plotting.calibration": ["plot_calibration", "plot_reliability"],
    "maxent._plotting.lecture": ["lecture_figure"],
    "maxent._plotting.explore": ["ExplorePage", "explore"],
    "maxent._compare.chapters": [
        "ConditionalDieLaw",
        "EquivalenceTable",
        "LargeDeviationTable",
        "OneItemLaw",
        "conditional_die_law",
        "die_rate",
        "die_tail_count",
        "equivalence_table",
        "large_deviation_table",
        "one_item_law",
    ],
    "maxent._sampling.dynamics": ["RelaxResult", "relax", "start_allocation"],
    "maxent._sampling.enumerate": ["Enumeration", "enumerate_allocations"],
    "maxent._sampling.api": ["SampleResult", "sample"],
    "maxent._util.errors": [
        "ConvergenceError",
        "UnreachableError",
        "ValidationError",
    ],
    "maxent._model.logcount": ["log_count"],
    "maxent._model.defaults": ["default_mean_energy"],
    "maxent._model.faces": ["attainable_means"],
    "maxent._optimize.mode": ["most_probable_allocation"],
    "maxent._optimize.optimum": ["kkt_residual", "maximize_log_count"],
    "maxent._optimize.summary": ["OptimumSummary", "optimize"],
    "maxent._plotting.plots": [
        "convergence_figure",
        "plot_beta_convergence",
        "plot_concentration",
        "plot_convergence",
        "plot_deviations",
        "plot_occupations",
        "simulation_figure",
    ],
    "maxent._model.problem": [
        "Constraint",
        "Limit",
        "Problem",
        "default_energies",
        "parse_constraint",
    ],
    "maxent._plotting.style": ["COLORS", "lecture_style", "save_figure"],
    "maxent._plotting.animate": ["Animation", "animate"],
    "maxent._sweep.study": ["Study", "load_study"],
    "maxent._sweep.store": ["read_results"],
    "maxent._sweep.run": ["run_sweep"],
    "maxent._plotting.sweep": ["plot_sweep"],
    "maxent._model.theory": [
        "BetaSolution",
        "Thermo",
        "beta_from_mean",
        "boltzmann",
        "energy_variance",
        "entropy",
        "free_energy",
        "heat_capacity",
        "log_partition",
        "mean_energy",
        "thermo",
    ],
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted([*_WHERE, "__version__"])


def __getattr__(name: str):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'maxent' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # resolve once
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # static analysers, IDEs and the API docs see the real names
    from maxent._calibrate.fit import (  # noqa: F401
        CalibrationResult,
        calibrate,
    )
    from maxent._compare.chapters import (  # noqa: F401
        ConditionalDieLaw,
        EquivalenceTable,
        LargeDeviationTable,
        OneItemLaw,
        conditional_die_law,
        die_rate,
        die_tail_count,
        equivalence_table,
        large_deviation_table,
        one_item_law,
    )
    from maxent._compare.compare import (  # noqa: F401
        Comparison,
        Concentration,
        Distances,
        FittedBeta,
        compare,
        concentration,
        distances,
        exact_mean_fractions,
        fit_beta,
    )
    from maxent._compare.converge import (  # noqa: F401
        ConvergenceStudy,
        converge,
        fit_slope,
    )
    from maxent._compare.gof import (  # noqa: F401
        GoodnessOfFit,
        exact_test,
    )
    from maxent._model.defaults import default_mean_energy  # noqa: F401
    from maxent._model.faces import attainable_means  # noqa: F401
    from maxent._model.logcount import log_count  # noqa: F401
    from maxent._model.problem import (  # noqa: F401
        Constraint,
        Limit,
        Problem,
        default_energies,
        parse_constraint,
    )
    from maxent._model.theory import (  # noqa: F401
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
    from maxent._optimize.mode import most_probable_allocation  # noqa: F401
    from maxent._optimize.optimum import (  # noqa: F401
        kkt_residual,
        maximize_log_count,
    )
    from maxent._optimize.summary import (  # noqa: F401
        OptimumSummary,
        optimize,
    )
    from maxent._plotting.animate import (  # noqa: F401
        Animation,
        animate,
    )
    from maxent._plotting.calibration import (  # noqa: F401
        plot_calibration,
        plot_reliability,
    )
    from maxent._plotting.explore import ExplorePage, explore  # noqa: F401
    from maxent._plotting.lecture import lecture_figure  # noqa: F401
    from maxent._plotting.plots import (  # noqa: F401
        convergence_figure,
        plot_beta_convergence,
        plot_concentration,
        plot_convergence,
        plot_deviations,
        plot_occupations,
        simulation_figure,
    )
    from maxent._plotting.style import (  # noqa: F401
        COLORS,
        lecture_style,
        save_figure,
    )
    from maxent._plotting.sweep import plot_sweep  # noqa: F401
    from maxent._sampling.api import (  # noqa: F401
        SampleResult,
        sample,
    )
    from maxent._sampling.dynamics import (  # noqa: F401
        RelaxResult,
        relax,
        start_allocation,
    )
    from maxent._sampling.enumerate import (  # noqa: F401
        Enumeration,
        enumerate_allocations,
    )
    from maxent._sweep.run import run_sweep  # noqa: F401
    from maxent._sweep.store import read_results  # noqa: F401
    from maxent._sweep.study import (  # noqa: F401
        Study,
        load_study,
    )
    from maxent._util.errors import (  # noqa: F401
        ConvergenceError,
        UnreachableError,
        ValidationError,
    )
