"""Exceptions raised by maxent.

Every error about user input is a :class:`ValidationError` that names the offending
parameter, so that the command line can report it as ``--option: message`` in one line.
"""

from __future__ import annotations

__all__ = ["ConvergenceError", "Interrupted", "UnreachableError", "ValidationError"]


class ValidationError(ValueError):
    """An input is outside its valid range.

    Parameters
    ----------
    param : str
        Name of the offending parameter, as spelled in the Python API
        (``mean_energy``); the command line shows it as ``--mean-energy``.
    message : str
        What is wrong and what the valid range is, in one line.
    """

    def __init__(self, param: str, message: str):
        self.param = param
        self.message = message
        super().__init__(f"{param}: {message}")


class UnreachableError(ValidationError):
    """No integer allocation meets the constraints (the constraint lattice is empty)."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C (SIGINT) during a long computation, carrying what was finished.

    It is a :class:`KeyboardInterrupt`: the library never swallows Ctrl-C, so every
    caller that does not expect it stops. A caller that wants the partial result (the
    command line keeps the draws made so far) catches it and reads :attr:`partial`.

    Parameters
    ----------
    partial : object, optional
        The partial result (for :func:`maxent.sample`: a ``SampleResult`` with
        ``interrupted=True`` and the draws finished before the interrupt).
    """

    def __init__(self, partial=None):
        super().__init__("interrupted")
        self.partial = partial


class ConvergenceError(RuntimeError):
    """A numerical method did not reach its tolerance within its iteration budget."""
