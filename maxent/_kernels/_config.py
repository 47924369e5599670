"""One place for the numba settings used by every kernel."""

import functools
import types

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
# FMA contraction only: for code whose rounding relies on the order of the operations as
# written (no reassociation), e.g. an exp evaluated in-line so that loops vectorise
jit_contract = functools.partial(numba.njit, fastmath={"contract"}, **_BASE)
jit_fast = functools.partial(numba.njit, fastmath=FASTMATH, **_BASE)
jit_parallel = functools.partial(numba.njit, fastmath=FASTMATH, parallel=True, **_BASE)


def jit_parallel_chunks(chunks):
    """Compile a chunked kernel twice, parallel and serial, and pick by the work to do.

    ``chunks(*args)`` gives the number of independent chunks of a call; with one chunk
    (a K = 4 problem, a single stream of draws) opening a parallel region costs far more
    than the work, so the serial build runs it. Both builds run the same function body
    (``prange`` is a plain ``range`` in the serial one), chunk by chunk in the same order,
    so the answer does not depend on which one ran. The dispatcher objects are the
    ``parallel`` and ``serial`` attributes of the returned function.
    """

    def decorate(fn):
        par = jit_parallel(fn)
        # a distinct function object (and qualified name) so the two builds keep separate
        # entries in numba's on-disk cache
        twin = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__ + "_serial")
        twin.__qualname__ = fn.__qualname__ + "_serial"
        twin.__defaults__ = fn.__defaults__
        ser = numba.njit(fastmath=FASTMATH, **_BASE)(twin)

        @functools.wraps(fn)
        def call(*args):
            return (ser if chunks(*args) <= 1 else par)(*args)

        call.parallel = par
        call.serial = ser
        return call

    return decorate
