"""One place for the numba settings used by every kernel."""

import functools

import numba

# fastmath without 'nnan'/'ninf' (inf and NaN handling stays correct) and without 'afn'
# (approximate exp/log would cost the 1e-12 accuracy the theory core promises).
# Only reductions use it; samplers use plain IEEE arithmetic so draws are bit-reproducible.
FASTMATH = {"nsz", "arcp", "contract", "reassoc"}

# Chunk length of deterministic parallel reductions: partial sums per fixed chunk, then a
# serial sum over chunks, so results do not depend on the number of threads.
CHUNK = 1 << 14

# error_model="numpy": IEEE semantics (x / 0 -> inf or nan) instead of raising, so a
# trial point far out in a line search reports a non-finite value and is rejected.
_BASE = {"cache": True, "nogil": True, "error_model": "numpy"}

jit = functools.partial(numba.njit, **_BASE)
jit_fast = functools.partial(numba.njit, fastmath=FASTMATH, **_BASE)
jit_parallel = functools.partial(numba.njit, fastmath=FASTMATH, parallel=True, **_BASE)
