"""Numerical core of temperature scaling: chunked, log-space passes over the logits.

For a shared inverse temperature ``beta`` every row ``i`` of the logits is shifted by its
centre ``c_i`` (the row maximum when ``beta >= 0``, the minimum otherwise), so that
``beta * (z_ik - c_i) <= 0`` and ``exp`` never overflows. A *pass* computes, per row, the
moments ``S_j = sum_k w_k d_k**j`` with ``w_k = exp(beta (z_ik - c_i))`` and
``d_k = (z_ik - c_i) / s`` for ``j = 0 .. 4`` (``0 .. 9`` in a first pass that starts from
a subsample's estimate); ``s`` is a power of two near the largest row range, so the
scaling is exact and the powers cannot overflow. From these follow the NLL, its first two
derivatives and, through the exact series ``S_j(beta + h) = sum_m h**m / m! S_{j+m}(beta)``
truncated at the moments computed, a local model of the moment condition. The fit stops
when the model's root needs no new pass: the last term kept in the model is below the
tolerance there (see :func:`truncation`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from maxent._kernels import _calibrate as _kc

_CHUNK = 1 << 16  # elements per chunk: the working arrays stay in cache
_BLOCK = 256  # rows per partial sum of the derivatives
MOMENTS = 5  # S_0 .. S_4 in an ordinary pass
MOMENTS_FIRST = 10  # S_0 .. S_9 when one pass from a good start should finish the fit


def chunk_rows(k: int) -> int:
    return max(1, _CHUNK // k)


@dataclass
class RowStats:
    """Per-row quantities that do not depend on beta (one pass over the logits)."""

    zmax: np.ndarray
    zmin: np.ndarray
    zmean: np.ndarray
    zy: np.ndarray  # the true-class logits
    scale: float  # a power of two near the largest row range (1.0 when all rows are constant)
    w: np.ndarray | None = None  # row weights (None: every row counts once)

    def weights(self, rows=None) -> np.ndarray | None:
        """The weights of ``rows`` (all rows when None), or None when unweighted."""
        if self.w is None or rows is None:
            return self.w
        return self.w[rows]


def wmean(x: np.ndarray, w: np.ndarray | None) -> float:
    """Mean of ``x``, weighted by ``w`` when given (the one averaging rule of the fit)."""
    if w is None:
        return float(x.mean())
    return float(w @ x / w.sum())


def row_extremes(z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Row maxima, minima and means of C-contiguous logits in one pass.

    Also returns how many rows hold a NaN or an infinity (their means are NaN).
    """
    n = z.shape[0]
    zmax, zmin, zmean = np.empty(n), np.empty(n), np.empty(n)
    bad = int(_kc.row_summary(z, zmax, zmin, zmean))
    return zmax, zmin, zmean, bad


def row_stats(z: np.ndarray, y: np.ndarray, extremes=None, w=None) -> RowStats:
    """The beta-free row quantities; ``extremes`` from :func:`row_extremes` if known."""
    n = z.shape[0]
    z = np.ascontiguousarray(z)
    zmax, zmin, zmean, _ = row_extremes(z) if extremes is None else extremes
    zy = z[np.arange(n), y]
    spread = float((zmax - zmin).max()) if n else 0.0
    scale = 2.0 ** math.ceil(math.log2(spread)) if spread > 0 else 1.0
    return RowStats(zmax, zmin, zmean, zy, scale, w)


def row_variance(z: np.ndarray, st: RowStats, rows=None) -> np.ndarray:
    """Variance over classes of each row's scaled logits (the NLL's curvature at beta = 0)."""
    if rows is not None:
        z, lo = z[rows], st.zmin[rows]
    else:
        lo = st.zmin
    d = (z - lo[:, None]) / st.scale
    return d.var(axis=1)


def ties(z: np.ndarray, extreme: np.ndarray) -> np.ndarray:
    """How many classes share each row's ``extreme`` value."""
    n, k = z.shape
    out = np.empty(n, dtype=np.int64)
    step = chunk_rows(k)
    for a in range(0, n, step):
        b = min(n, a + step)
        out[a:b] = (z[a:b] == extreme[a:b, None]).sum(axis=1)
    return out


def moment_pass(
    z: np.ndarray, st: RowStats, beta_s: float, rows=None, moments: int = MOMENTS
) -> tuple:
    """Per-row moments at the scaled inverse temperature ``beta_s = beta * scale``.

    Returns ``(S, dy)``: ``S`` of shape (n, moments) with ``S_j = sum_k w_k d_k**j`` and
    ``dy`` the scaled true-class offset ``(z_iy - c_i) / scale``.
    """
    centre, other = (st.zmax, st.zmin) if beta_s >= 0 else (st.zmin, st.zmax)
    if rows is not None:
        z = z[rows]
        centre, other = centre[rows], other[rows]
        zy = st.zy[rows]
    else:
        zy = st.zy
    inv = 1.0 / st.scale
    # moments of the unscaled offsets, rescaled per row at the end, unless the powers
    # d**j could overflow or underflow: then the offsets are scaled in the kernel
    prescale = not (2.0**-30 <= st.scale <= 2.0**30)
    bs = beta_s if prescale else beta_s * inv
    out = np.empty((z.shape[0], moments))
    _kc.row_moments(np.ascontiguousarray(z), centre, other, bs, inv if prescale else 1.0, out)
    if not prescale:
        out *= inv ** np.arange(moments)
    dy = (zy - centre) * inv
    return out, dy


def model(s: np.ndarray, h: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Taylor-shifted moments S_0, S_1, S_2 at ``beta_s + h`` from the moments at ``beta_s``."""
    m = s.shape[1]
    c = np.array([h**j / math.factorial(j) for j in range(m)])
    return s @ c, s[:, 1:] @ c[: m - 1], s[:, 2:] @ c[: m - 2]


def truncation(s: np.ndarray, h: float, w=None) -> float:
    """Size of the last term kept in the model of S_1 / S_0, averaged over rows."""
    m = s.shape[1]
    last = abs(h) ** (m - 2) / math.factorial(m - 2)
    return last * wmean(np.abs(s[:, m - 1]) / s[:, 0], w)


def derivatives(
    s: np.ndarray, dy: np.ndarray, h: float = 0.0, w=None
) -> tuple[float, float, float]:
    """Mean gradient, mean curvature and the largest row std of the scaled NLL at ``+h``.

    Means are weighted by ``w`` when given. A failed model (some S_0 <= 0 at ``+h``)
    gives a non-finite gradient or curvature: the caller checks.
    """
    n = s.shape[0]
    if n == 0:
        return math.nan, math.nan, 0.0
    ww = np.ones(n) if w is None else np.ascontiguousarray(w, dtype=np.float64)
    gs, hs, vm = _kc.model_sums(np.ascontiguousarray(s), dy, ww, float(h), _BLOCK)
    total = float(n) if w is None else float(ww.sum())
    # block partials summed pairwise: the accuracy of numpy's sum
    return float(gs.sum() / total), float(hs.sum() / total), math.sqrt(float(vm.max()))


def nll_from_pass(s: np.ndarray, dy: np.ndarray, beta_s: float, w=None) -> float:
    """Mean NLL at the pass's beta: log S_0 - beta d_y, averaged over rows."""
    return wmean(np.log(s[:, 0]) - beta_s * dy, w)
