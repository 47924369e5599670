"""The ``maxent`` command line: thin click commands over the library.

One module per command; each parses its options, calls one library function and renders
the result (:mod:`maxent.cli.render`). The shared problem options and the one place where
they become a :class:`maxent.Problem` are in :mod:`maxent.cli.options`. Bad input ends
with a one-line ``maxent: error: ...`` on stderr and exit code 2; Ctrl-C with exit 130.
Library modules are imported inside the commands, so ``--help`` and ``--version`` stay
instant.
"""

from maxent.cli import (
    animate,
    calibrate,
    converge,
    explore,
    lecture,
    optimize,
    relax,
    sample,
    simulate,
    sweep,
    test,
)
from maxent.cli.app import cli, main

__all__ = ["cli", "main"]

del animate, calibrate, converge, explore, lecture, optimize, relax, sample, simulate, sweep, test
