"""Exceptions raised by maxent.

Every error about user input is a :class:`ValidationError` that names the offending
parameter, so that the command line can report it as ``--option: message`` in one line.
"""

from __future__ import annotations

__all__ = ["ConvergenceError", "UnreachableError", "ValidationError"]


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


class ConvergenceError(RuntimeError):
    """A numerical method did not reach its tolerance within its iteration budget."""
