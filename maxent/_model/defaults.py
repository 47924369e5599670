"""Defaults that every entry point shares (CLI, sweeps, convergence studies, lecture).

One function per policy, so that the same problem gets the same answer whichever way it
is asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # this module stays light for the command line
    from numpy.typing import ArrayLike

__all__ = ["DEFAULT_CLASSES", "DEFAULT_MEAN_POSITION", "default_mean_energy"]

#: Classes used when neither energies nor a class count are given.
DEFAULT_CLASSES = 4
#: Where the default mean energy sits between the lowest and the highest attainable mean.
DEFAULT_MEAN_POSITION = 0.4


def default_mean_energy(
    energies: ArrayLike,
    n_items: int,
    statistics: str = "boltzmann",
    degeneracies: ArrayLike | None = None,
) -> float:
    """The mean energy used when no mean, total, ``beta`` or temperature is given.

    It lies 40% of the way from the lowest to the highest mean energy that ``n_items``
    items can attain (Fermi-Dirac capacities included), so the temperature is positive
    and finite. Callers build the problem with ``snap=True``: the mean then moves to the
    nearest total an integer allocation reaches.

    Parameters
    ----------
    energies : array_like, shape (K,)
        Class energies.
    n_items : int
        Number of items ``N``.
    statistics : {'boltzmann', 'bose', 'fermi'}
        Counting statistics (Fermi-Dirac narrows the attainable range).
    degeneracies : array_like, optional
        States per class ``g_k`` (default 1).

    Returns
    -------
    float
        The default mean energy ``U / N`` (before snapping to the lattice).

    Examples
    --------
    >>> default_mean_energy([0.0, 1.0, 2.0, 3.0], 100)
    1.2000000000000002
    >>> default_mean_energy([0, 1, 2, 3], 6, "fermi", [2, 2, 2, 2])
    1.4
    """
    from maxent._model.faces import attainable_means  # keeps this module light for the CLI

    lo, hi = attainable_means(energies, n_items, statistics, degeneracies)
    return lo + DEFAULT_MEAN_POSITION * (hi - lo)
