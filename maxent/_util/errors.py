"""Exceptions raised by maxent.

Every error about user input is a :class:`ValidationError` that names the offending
parameter, so that the command line can report it as ``--option: message`` in one line.
"""

from __future__ import annotations

__all__ = [
    "ConvergenceError",
    "StrictJSONError",
    "UnreachableError",
    "ValidationError",
    "interrupted",
]


class ValidationError(ValueError):
    """An input is outside its valid range.

    Parameters
    ----------
    param : str
        Name of the offending parameter, as spelled in the Python API
        (``mean_energy``); the command line shows it as ``--mean-energy``.
    message : str
        What is wrong and what the valid range is, in one line.

    Attributes
    ----------
    param, message : str
        As given.

    Examples
    --------
    >>> import maxent
    >>> try:
    ...     maxent.Problem([0, 1], n=0, mean_energy=0.5)
    ... except maxent.ValidationError as exc:
    ...     print(exc.param, "|", exc.message)
    n | must be an integer >= 1 (got 0)
    """

    def __init__(self, param: str, message: str):
        self.param = param
        self.message = message
        super().__init__(f"{param}: {message}")


class UnreachableError(ValidationError):
    """No integer allocation meets the constraints (the constraint lattice is empty).

    A :class:`ValidationError`: the constraints are valid reals, but no allocation of
    whole items meets them.

    Parameters
    ----------
    param : str
        The parameter that fixes the unreachable target (``mean_energy``,
        ``total_energy``, ``constraint``).
    message : str
        Why, with the nearest reachable values when they are known.

    Attributes
    ----------
    param, message : str
        As given.

    Examples
    --------
    Two items on levels 0 and 2 cannot have total energy 1:

    >>> import maxent
    >>> p = maxent.Problem([0, 2], n=2, mean_energy=0.5, energy_quantum=1)
    >>> try:
    ...     maxent.most_probable_allocation(p)
    ... except maxent.UnreachableError as exc:
    ...     print(exc.param)
    mean_energy
    """


def interrupted(partial) -> KeyboardInterrupt:
    """A plain :class:`KeyboardInterrupt` carrying what was finished, as ``partial``.

    The library never swallows Ctrl-C: a long call re-raises the interrupt with the
    partial result attached (for :func:`maxent.sample`, a ``SampleResult`` with
    ``interrupted=True`` holding the finished draws). It stays a plain
    ``KeyboardInterrupt``, so a script stops as on any Ctrl-C (exit status 130); a caller
    that wants the partial result (the command line keeps the draws) reads
    ``getattr(exc, "partial", None)``.
    """
    exc = KeyboardInterrupt()
    exc.partial = partial
    return exc


class ConvergenceError(RuntimeError):
    """A numerical method did not reach its tolerance within its iteration budget.

    Raised with one message (``ConvergenceError(message)``) that names the method, its
    budget and the residual it reached.

    Attributes
    ----------
    args : tuple of str
        ``(message,)``, as for every exception.

    Examples
    --------
    >>> import maxent
    >>> str(maxent.ConvergenceError("beta_from_mean did not converge"))
    'beta_from_mean did not converge'
    """


class StrictJSONError(ValueError):
    """A result holds a NaN with no reason: strict JSON cannot write it (a bug in maxent).

    Raised by the JSON writer (:func:`maxent._util.format.to_json`); an undefined value
    must be marked with its reason instead (``format.defined``). The command line
    reports it in one line as an internal error (exit code 1).
    """
