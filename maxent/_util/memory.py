"""Memory checks before large allocations: refuse in one line instead of a MemoryError."""

from __future__ import annotations

import os

from maxent._util.errors import ValidationError

__all__ = ["available_bytes", "require_memory"]

#: Share of the available memory one allocation may take (the rest stays for the system,
#: the other arrays of the computation and the other processes).
SHARE = 0.5


def available_bytes() -> int:
    """Memory available to this process now (MemAvailable on Linux, else physical RAM)."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 1 << 62  # unknown: do not refuse


def require_memory(bytes_per_unit: float, units: int, param: str, what: str) -> None:
    """Refuse ``units`` of ``bytes_per_unit`` each when they would not fit in memory.

    Parameters
    ----------
    bytes_per_unit : float
        Bytes one unit of ``param`` costs (one draw, one item).
    units : int
        The value of ``param`` asked for.
    param : str
        The parameter that sets the size (named in the error).
    what : str
        What would be allocated, for the message.

    Raises
    ------
    ValidationError
        Naming ``param`` and the largest value that fits.
    """
    budget = SHARE * available_bytes()
    need = bytes_per_unit * units
    if need > budget:
        largest = int(budget // max(bytes_per_unit, 1.0))
        raise ValidationError(
            param,
            f"{what} would need {need / 2**30:.3g} GiB, more than this machine can spare "
            f"({budget / 2**30:.3g} GiB); the largest value that fits is about {largest:.3g}",
        )
