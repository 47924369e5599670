"""Calls into scipy's HiGHS integer programming, kept off the terminal.

Some HiGHS builds print debugging lines (``HighsMipSolverData::...``) straight to the
process's standard output from C++, past ``disp=False`` and past Python's
``sys.stdout``; in the command line they would land in the middle of a table or of JSON
output. :func:`milp` runs scipy's ``milp`` with file descriptor 1 pointed at the null
device for the length of the call.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading

__all__ = ["milp"]

_lock = threading.Lock()  # one redirection at a time: fd 1 is shared by the process


@contextlib.contextmanager
def _c_stdout_to_devnull():
    try:
        fd = sys.__stdout__.fileno() if sys.__stdout__ is not None else 1
    except (AttributeError, OSError, ValueError):  # no real stdout (an embedded runtime)
        yield
        return
    with _lock:
        for stream in (sys.stdout, sys.__stdout__):
            with contextlib.suppress(AttributeError, OSError, ValueError):
                stream.flush()
        saved = os.dup(fd)
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, fd)
            yield
        finally:
            os.dup2(saved, fd)
            os.close(saved)
            os.close(null)


def milp(*args, **kwargs):
    """``scipy.optimize.milp`` with its native output silenced (same arguments, result)."""
    from scipy.optimize import milp as _milp  # only when an integer program is solved

    with _c_stdout_to_devnull():
        return _milp(*args, **kwargs)
