"""One place for the numba settings used by every kernel, and the kernel object itself.

Every kernel is a :class:`Kernel`: a plain Python function that numba compiles on its
first call (from the on-disk cache after the first run). Importing the kernels therefore
imports no numba at all, and a kernel that declares its work (``cost``) runs as plain
Python when the work is small: loading numba and its first cached kernel costs about a
second on a small machine, far more than a K = 4 problem needs, so
``maxent optimize --classes 4 --n 100`` never pays it.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import threading
import types

import numpy as np

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

# Declared work (loop iterations, roughly) up to which a kernel runs as plain Python:
# about 0.1 s of interpreter time at worst, against about a second to start numba.
INTERPRET_WORK = 100_000

# ``prange`` as the kernels see it before numba is loaded; a kernel's build swaps in
# numba's own, which is a plain ``range`` when called from Python.
prange = range

_local = threading.local()
_lock = threading.Lock()

# Declared work run as Python in this process (for tests of the small-problem path).
interpreted_work = 0

# Called with each kernel as numba builds it (the CLI says so when that means compiling).
_on_build = None


def on_build(callback) -> None:
    """Call ``callback(kernel)`` whenever a kernel's numba build is made (None: stop)."""
    global _on_build
    _on_build = callback


@contextlib.contextmanager
def compiled():
    """Run every kernel called inside the block compiled, whatever its declared work.

    For Python loops that call a kernel many times (a bisection over multipliers): the
    cost declared per call cannot see the loop, and numba then pays for itself.
    """
    old = getattr(_local, "compiled", False)
    _local.compiled = True
    try:
        yield
    finally:
        _local.compiled = old


def thread_limit() -> int:
    """numba's thread-pool size, read as numba reads it (without importing numba)."""
    if "numba" in sys.modules:
        return int(sys.modules["numba"].config.NUMBA_NUM_THREADS)
    try:
        default = max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        default = max(1, os.cpu_count() or 1)
    value = os.environ.get("NUMBA_NUM_THREADS", "").strip()
    try:
        return int(value) if value else default
    except ValueError:
        return default


@contextlib.contextmanager
def threads(count: int):
    """Run the parallel builds of the kernels called inside the block on ``count`` threads.

    The count is applied when a parallel build runs (and restored after), so a block
    whose kernels all run as Python or serial never loads numba for it.
    """
    old = getattr(_local, "threads", None)
    _local.threads = int(count)
    try:
        yield
    finally:
        _local.threads = old


def _run_parallel(build, args):
    count = getattr(_local, "threads", None)
    if count is None:
        return build(*args)
    numba = sys.modules["numba"]
    old = numba.get_num_threads()
    numba.set_num_threads(count)
    try:
        return build(*args)
    finally:
        numba.set_num_threads(old)


def _numba():
    """Import numba (the first kernel build pays for it)."""
    import numba

    if not _cache_checked:
        check_cache(os.path.join(os.path.dirname(__file__), "__pycache__"))
    return numba


_cache_checked = False


def check_cache(cache_dir: str) -> bool:
    """Drop numba's cached kernels in ``cache_dir`` if any kernel source has changed.

    numba keys a cached kernel to its own file's time stamp only: a kernel whose callee
    in another module changed (a variate generator, say) kept loading the old machine
    code. A fingerprint of every kernel module is kept beside the cache; when it
    differs, the cached kernels are deleted and rebuilt on their next call. Returns
    whether it deleted anything. (An installed copy gets fresh time stamps anyway; this
    guards a working tree.)
    """
    global _cache_checked
    _cache_checked = True
    import hashlib

    here = os.path.dirname(os.path.abspath(__file__))
    digest = hashlib.sha256()
    for name in sorted(os.listdir(here)):
        if name.endswith(".py"):
            with open(os.path.join(here, name), "rb") as fh:
                digest.update(name.encode() + b"\0" + fh.read())
    stamp = os.path.join(cache_dir, "maxent-kernels.sha256")
    try:
        with open(stamp) as fh:
            if fh.read().strip() == digest.hexdigest():
                return False
    except OSError:
        pass
    dropped = False
    try:
        os.makedirs(cache_dir, exist_ok=True)
        for name in os.listdir(cache_dir):
            if name.endswith((".nbi", ".nbc")):
                os.remove(os.path.join(cache_dir, name))
                dropped = True
        with open(stamp, "w") as fh:
            fh.write(digest.hexdigest() + "\n")
    except OSError:  # a read-only install: numba caches elsewhere, stamps are fresh there
        return False
    return dropped


class Kernel:
    """A numba kernel, compiled on first use; plain Python when its work is small.

    Parameters
    ----------
    fn : callable
        The kernel body, written in the subset of Python numba compiles.
    options : dict
        Keyword arguments for ``numba.njit``.
    chunks : callable, optional
        ``chunks(*args)`` gives the number of independent chunks of a call. With it the
        kernel is compiled twice, parallel and serial, and one chunk runs the serial
        build: opening a parallel region costs far more than a K = 4 problem. Both
        builds run the same body chunk by chunk in the same order, so the answer does
        not depend on which ran.
    cost : callable, optional
        ``cost(*args)`` estimates the loop iterations of a call. At most
        :data:`INTERPRET_WORK` and the call runs the Python body instead (on copies of
        the array arguments, written back after). The choice depends on the arguments
        only, so a given call always takes the same path. Where Python raises
        (``1.0 / 0.0``, ``math.log(0.0)``) and numba returns inf or NaN, the compiled
        build runs instead. Kernels that draw random numbers declare no cost.
    """

    def __init__(self, fn, options, chunks=None, cost=None):
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.options = options
        self.chunks = chunks
        self.cost = cost
        self._serial = None
        self._parallel = None

    def __repr__(self) -> str:
        return f"<maxent kernel {self.fn.__module__}.{self.fn.__qualname__}>"

    def __reduce__(self):
        # by reference, as a function pickles (the cost lambdas do not pickle)
        return _lookup, (self.fn.__module__, self.fn.__qualname__)

    def _build(self) -> None:
        numba = _numba()
        with _lock:
            if self._serial is not None:
                return
            self._make_builds(numba)
        if _on_build is not None:
            _on_build(self)

    def _make_builds(self, numba) -> None:
        if "prange" in self.fn.__globals__:
            self.fn.__globals__["prange"] = numba.prange
        opts = dict(self.options)
        if self.chunks is None:
            self._serial = numba.njit(**opts)(self.fn)
            return
        self._parallel = numba.njit(parallel=True, **opts)(self.fn)
        # a distinct function object (and qualified name) so the two builds keep
        # separate entries in numba's on-disk cache
        twin = types.FunctionType(
            self.fn.__code__, self.fn.__globals__, self.fn.__name__ + "_serial"
        )
        twin.__qualname__ = self.fn.__qualname__ + "_serial"
        twin.__defaults__ = self.fn.__defaults__
        self._serial = numba.njit(**opts)(twin)

    @property
    def dispatcher(self):
        """The numba dispatcher (the serial build of a chunked kernel); builds it."""
        if self._serial is None:
            self._build()
        return self._serial

    @property
    def _numba_type_(self):
        # how numba types a kernel met inside compiled code (its own or a test's): as
        # the numba dispatcher it stands for
        from numba.core import types as nbtypes

        return nbtypes.Dispatcher(self.dispatcher)

    @property
    def serial(self):
        """The serial build (the only one of an unchunked kernel)."""
        return self.dispatcher

    @property
    def parallel(self):
        """The parallel build of a chunked kernel (None for an unchunked one)."""
        self.dispatcher  # noqa: B018 (builds)
        return self._parallel

    def dispatchers(self) -> list:
        """Every numba dispatcher of this kernel (two for a chunked one); builds them."""
        self.dispatcher  # noqa: B018 (builds)
        return [d for d in (self._parallel, self._serial) if d is not None]

    def __call__(self, *args):
        if getattr(_local, "interpreting", False):
            return self.fn(*args)  # called from a kernel running as Python
        if self.cost is not None and not getattr(_local, "compiled", False):
            work = self.cost(*args)
            if work <= INTERPRET_WORK:
                done, out = self._interpret(args)
                if done:
                    global interpreted_work
                    interpreted_work += work
                    return out
        if self._serial is None:
            self._build()
        if self._parallel is not None and self.chunks(*args) > 1:
            return _run_parallel(self._parallel, args)
        if self.options.get("parallel"):
            return _run_parallel(self._serial, args)
        return self._serial(*args)

    def _interpret(self, args):
        copies = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)
        _local.interpreting = True
        try:
            with np.errstate(all="ignore"):
                out = self.fn(*copies)
        except (ArithmeticError, ValueError):
            return False, None
        finally:
            _local.interpreting = False
        for a, c in zip(args, copies, strict=True):
            if isinstance(a, np.ndarray) and a.flags.writeable:
                a[...] = c
        return True, _as_numba_returns(out)


def _as_numba_returns(out):
    """Scalars as a compiled kernel returns them: Python float/int/bool, not numpy's."""
    if isinstance(out, np.generic):
        return out.item()
    if isinstance(out, tuple):
        return tuple(_as_numba_returns(v) for v in out)
    return out


def _lookup(module: str, name: str):
    import importlib

    return getattr(importlib.import_module(module), name)


def _decorator(options, chunks=None):
    def make(fn=None, *, cost=None):
        if fn is None:
            return lambda f: Kernel(f, options, chunks, cost)
        return Kernel(fn, options, chunks, cost)

    return make


jit = _decorator(_BASE)
# FMA contraction only: for code whose rounding relies on the order of the operations as
# written (no reassociation), e.g. an exp evaluated in-line so that loops vectorise
jit_contract = _decorator({"fastmath": {"contract"}, **_BASE})
jit_fast = _decorator({"fastmath": FASTMATH, **_BASE})
jit_parallel = _decorator({"fastmath": FASTMATH, "parallel": True, **_BASE})


def jit_parallel_chunks(chunks, *, cost=None):
    """Decorate a chunked kernel: parallel and serial builds, picked by ``chunks(*args)``.

    See :class:`Kernel`.
    """
    return lambda fn: Kernel(fn, {"fastmath": FASTMATH, **_BASE}, chunks, cost)


def numba_loaded() -> bool:
    """Whether this process has imported numba (for tests of the lazy start-up)."""
    return "numba" in sys.modules
