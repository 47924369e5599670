"""Whether numba still has to compile a kernel (so the CLI can say so on first run)."""

from __future__ import annotations

import os


def needs_compiling(*kernels) -> bool:
    """True if some kernel has neither a compiled signature nor an on-disk cache index.

    A chunked kernel (parallel and serial builds) is ready when either build is: a small
    problem only ever runs the serial one.
    """
    return not all(any(_ready(d) for d in k.dispatchers()) for k in kernels)


def _ready(d) -> bool:
    """Compiled in this process, or cached on disk (or unknowable: then assume ready)."""
    if d.signatures:
        return True
    try:
        index = d._cache._cache_file._index_path  # numba internals, guarded
    except AttributeError:
        return True
    return os.path.exists(index)
