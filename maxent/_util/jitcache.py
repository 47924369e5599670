"""Whether numba still has to compile a kernel (so the CLI can say so on first run)."""

from __future__ import annotations

import os


def needs_compiling(*dispatchers) -> bool:
    """True if some kernel has neither a compiled signature nor an on-disk cache index.

    A kernel built by ``jit_parallel_chunks`` counts through both of its builds.
    """
    builds = []
    for d in dispatchers:
        builds += [d.parallel, d.serial] if hasattr(d, "parallel") else [d]
    for d in builds:
        if d.signatures:
            continue
        try:
            index = d._cache._cache_file._index_path  # numba internals, guarded
        except AttributeError:
            return False
        if not os.path.exists(index):
            return True
    return False
