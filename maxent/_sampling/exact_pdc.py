"""Plan for the exact sampler by probabilistic divide and conquer over items.

Applies to Boltzmann counting (any degeneracies) with only the count and energy
constraints, on an energy lattice, at a finite tilt. The allocation law is then
Multinomial(N, q) over the distinct levels, conditioned on the level sum. The kernel
(:mod:`maxent._kernels._pdc`) splits the items stage by stage; this module builds the
split schedule and the tables ``h_b(s) = P(S_b = s) / max P(S_b)`` of the level sum of
``b`` independent items, by FFT convolution along a binary chain ``b -> 2b (+1)``, on
windows whose cut-off mass is bounded by a Chernoff bound. See
docs/theory/exact-sampler.md.
"""

from __future__ import annotations

import itertools
import math
import weakref
from dataclasses import dataclass

import numpy as np

from maxent._kernels import _pdc as K
from maxent._model.problem import Problem

__all__ = ["PdcPlan", "pdc_plan", "preferred_plan"]

#: Tail mass left outside a table window, relative to the table's peak.
TAIL = 1e-18
#: Deepest cut of one stage: b >= m >> MAX_SHIFT items are kept.
MAX_SHIFT = 6
#: Largest total table length (float64 entries) a plan may build.
MAX_TABLE = 1 << 26
#: Longest table of log k! (the binomials of larger stages use lgamma differences).
LOGFACT_TABLE = 1 << 22
#: Per-stage proposals allowed before a draw gives up.
MAX_TRIES = 10**9
#: Free items are drawn one by one (alias table) below this many per level.
ALIAS_PER_LEVEL = 8
#: Cost model of the schedule (one thread, shared 2-core machine): one alias draw, one
#: binomial, and the acceptance test of a proposal.
ALIAS_SECONDS, BINOMIAL_SECONDS, PROPOSAL_SECONDS = 7e-9, 60e-9, 30e-9
#: Standard-score bins of the residual that pick a stage's tilt: Z0, Z0 + ZSTEP, ...
Z0, ZSTEP, NZ = -4.0, 0.5, 17
#: Smallest probability of a level: below it the tilt is too steep for the tables.
MIN_PROB = 1e-250

_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclass
class PdcPlan:
    """Everything the divide-and-conquer kernel needs, built once per problem."""

    classes: int
    lv: np.ndarray  # distinct reduced levels, sorted
    q: np.ndarray  # their probabilities at the solved tilt
    ms: np.ndarray  # items before each stage; ms[-1] == 1
    centre: np.ndarray  # per stage: mean of the residual, m mu
    scale: np.ndarray  # per stage: its scale, sigma sqrt(m)
    delta: np.ndarray  # (stages, NZ): tilt per standard-score bin
    lmax: np.ndarray  # (stages, NZ): log max of the tilted table
    order: np.ndarray  # (stages, NZ, L)
    cond_p: np.ndarray  # (stages, NZ, L)
    lpq: np.ndarray  # (stages, NZ, L): log(q / (1 - q)), q = min(cond_p, 1 - cond_p)
    l1q: np.ndarray  # (stages, NZ, L): log1p(-q)
    logfact: np.ndarray  # log k! for k = 0 .. min(n, LOGFACT_TABLE)
    alias_p: np.ndarray  # (stages, NZ, L)
    alias_i: np.ndarray  # (stages, NZ, 2 L): alias of column j at 2 j, j itself at 2 j + 1
    tab_lo: np.ndarray
    tab_off: np.ndarray
    tab_len: np.ndarray
    tab: np.ndarray
    alias_below: int
    total: int
    lv_start: np.ndarray
    cls: np.ndarray
    cls_p: np.ndarray

    algorithm = "divide and conquer"

    @property
    def stages(self) -> int:
        """Number of rejection stages per draw."""
        return int(self.ms.size - 1)

    @property
    def p1(self) -> np.ndarray:
        """Class count (for the shared driver: ``p1.size`` is K)."""
        return np.zeros(self.classes)

    @property
    def det_idx(self) -> np.ndarray:
        """No classes are solved from the constraints here."""
        return np.zeros(0, dtype=np.int64)

    def draw(
        self, states: np.ndarray, chunk: int, out: np.ndarray, max_tries: int | None = None
    ) -> int:
        """Fill ``out`` (zeroed rows) with exact draws, ``chunk`` per stream; return proposals.

        ``max_tries`` is accepted for the interface the rejection plan shares, and not
        needed: every stage here accepts with probability about 1/2 or more.
        """
        tries = np.zeros(states.shape[0], dtype=np.int64)
        fail = K.pdc_draws(
            self.lv,
            self.order,
            self.cond_p,
            self.lpq,
            self.l1q,
            self.logfact,
            self.alias_p,
            self.alias_i,
            self.ms,
            Z0,
            ZSTEP,
            self.centre,
            self.scale,
            self.delta,
            self.lmax,
            self.tab_lo,
            self.tab_off,
            self.tab_len,
            self.tab,
            self.alias_below,
            self.total,
            self.lv_start,
            self.cls,
            self.cls_p,
            states,
            chunk,
            out,
            tries,
            MAX_TRIES,
        )
        if fail >= 0:
            raise RuntimeError(
                "exact sampler: a stage needed more than 1e9 proposals; use method='mcmc'"
            )
        return int(tries.sum())


#: Largest top level (in quanta) the plan's per-level tables are built for.
MAX_TOP_LEVEL = 2**22


def applies(problem: Problem) -> str:
    """Empty string when the plan applies to ``problem``, else why not."""
    if not problem.plain:
        return "needs Boltzmann counting with only the count and energy constraints"
    if problem.levels is None or problem.level_total is None or problem.reachable is False:
        return "needs a reachable energy lattice"
    if problem.extreme or not math.isfinite(problem.beta):
        return "the mean is at an end of the range"
    if int(problem.levels.max()) > MAX_TOP_LEVEL:  # its tables run over every level
        return f"the levels span more than {MAX_TOP_LEVEL} quanta"
    p = problem.boltzmann
    if not np.all(np.isfinite(p)) or p.min() < MIN_PROB:
        return "the tilt is too steep for the tables"
    return ""


def pdc_plan(problem: Problem) -> PdcPlan | None:
    """The plan for ``problem`` (cached on it), or ``None`` when it does not apply."""
    if applies(problem):
        return None
    plan = _CACHE.get(problem)
    if plan is None:
        plan = _build(problem)
        # a refusal is remembered too: the sampler's chooser and its MCMC refresh both ask
        _CACHE[problem] = plan if plan is not None else False
    return plan or None


def logsumexp(w: np.ndarray) -> float:
    """log(sum(exp(w))) without overflow (w finite)."""
    top = float(w.max())
    return top + math.log(float(np.exp(w - top).sum()))


def _tilted(lnq, lv, delta):
    """Log probabilities of the law tilted by exp(delta * level), normalised."""
    w = lnq + delta * lv
    return w - logsumexp(w)


def _solve_tilt(lnq, lv, want, cap):
    """Tilts delta in [-cap, cap] with mean level ``want`` under q e^(delta l) (bisection)."""
    lo = np.full(want.shape, -cap)
    hi = np.full(want.shape, cap)
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        w = lnq + mid[..., None] * lv
        w = np.exp(w - w.max(axis=-1, keepdims=True))
        mean = (w @ lv) / w.sum(axis=-1)
        below = mean < want
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    return 0.5 * (lo + hi)


def _window(lnq, lv, b, top):
    """Range [lo, hi] of S_b outside which the mass is below TAIL times the peak."""
    q = np.exp(lnq)
    mu = float(q @ lv)
    var = float(q @ (lv - mu) ** 2)
    ln_eps = math.log(TAIL) + min(0.0, -0.5 * math.log(2 * math.pi * b * max(var, 1e-300)))
    x = lv - mu

    def legendre(theta):  # (b (Lambda - theta Lambda'), b Lambda') of the centred cgf
        w = lnq + theta * x
        lam = logsumexp(w)
        d = float(np.exp(w - lam) @ x)
        return b * (lam - theta * d), b * d

    edges = []
    for sign, end in ((1.0, b * top), (-1.0, 0)):
        lim = b * float(lnq[-1] if sign > 0 else lnq[0])
        if lim > ln_eps:
            edges.append(end)
            continue
        lo_t, hi_t = 0.0, sign / math.sqrt(max(var, 1e-300))
        while legendre(hi_t)[0] > ln_eps:
            lo_t, hi_t = hi_t, 2.0 * hi_t
        for _ in range(60):
            mid = 0.5 * (lo_t + hi_t)
            if legendre(mid)[0] > ln_eps:
                lo_t = mid
            else:
                hi_t = mid
        t = b * mu + legendre(hi_t)[1]
        edges.append(min(end, math.ceil(t)) if sign > 0 else max(end, math.floor(t)))
    return int(edges[1]), int(edges[0])


def _conv(x, y):
    from scipy import signal  # imported here: it loads scipy.stats (a second of start-up)

    return np.maximum(signal.convolve(x, y, method="auto"), 0.0)


def _support_conv(x, y):
    from scipy import signal

    return signal.convolve(x.astype(np.float64), y.astype(np.float64), method="auto") > 0.5


def _build(problem: Problem) -> PdcPlan | None:
    levels = problem.levels.astype(np.int64)
    g = math.gcd(*levels.tolist()) or 1
    red = levels // g
    total = int(problem.level_total) // g
    n = problem.n
    p = problem.boltzmann.astype(np.float64)
    lv, inv = np.unique(red, return_inverse=True)
    q = np.bincount(inv, weights=p, minlength=lv.size)
    q = q / q.sum()
    nl = lv.size
    # classes grouped by level, conditional split probabilities within a level
    cls = np.argsort(inv, kind="stable").astype(np.int64)
    lv_start = np.concatenate([[0], np.cumsum(np.bincount(inv, minlength=nl))]).astype(np.int64)
    cls_p = np.empty(cls.size)
    for i in range(nl):
        w = p[cls[lv_start[i] : lv_start[i + 1]]]
        tail = np.cumsum(w[::-1])[::-1]
        cls_p[lv_start[i] : lv_start[i + 1]] = np.minimum(w / tail, 1.0)

    ms = schedule(n, nl)
    stages = ms.size - 1

    top = int(lv[-1])
    lvf = lv.astype(np.float64)
    mu = float(q @ lvf)
    sigma = math.sqrt(float(q @ (lvf - mu) ** 2))
    lnq = np.log(q)
    zs = Z0 + ZSTEP * np.arange(NZ)
    # tilt per stage and standard-score bin: the tilted mean per item is mu + z sigma /
    # sqrt(m) (the residual's mean per item), kept 10% away from the ends of the levels
    # and capped so that no level's tilted probability underflows
    cap = 200.0 / max(top, 1)
    want = mu + zs[None, :] * sigma / np.sqrt(ms[:-1, None].astype(np.float64))
    want = np.clip(want, 0.9 * lvf[0] + 0.1 * mu, 0.9 * lvf[-1] + 0.1 * mu)
    delta = _solve_tilt(lnq, lvf, want, cap)
    centre = ms[:-1].astype(np.float64) * mu
    scale = sigma * np.sqrt(ms[:-1].astype(np.float64))
    # the table for b = ms[t + 1] serves the tilts of stage t; its window covers them all
    tilts_for: dict[int, list[float]] = {}
    for t in range(stages):
        tilts_for.setdefault(int(ms[t + 1]), []).extend([delta[t, 0], 0.0, delta[t, -1]])

    def window(x):
        lo, hi = x * top, 0
        for d in tilts_for.get(x, [0.0]):
            a, b = _window(_tilted(lnq, lvf, d), lvf, x, top)
            lo, hi = min(lo, a), max(hi, b)
        return lo, hi

    one = np.zeros(top + 1)
    one[lv] = q
    one_sup = one > 0
    contiguous = nl == top + 1
    tables: dict[int, tuple[int, np.ndarray]] = {1: (0, one / one.max())}
    chain = bin(int(ms[1]) if stages else 1)[3:]
    # the table sizes follow from the windows alone: add them up before convolving (an
    # oversized plan took 35 s of FFTs to be refused, N = 1e9 with 100 irregular levels)
    c_lo, c_size, x = 0, one.size, 1
    size = 0
    for bit in chain:
        n_lo, n_size, x = 2 * c_lo, 2 * c_size - 1, 2 * x
        if bit == "1":
            n_size, x = n_size + one.size - 1, x + 1
        lo, hi = window(x)
        a, b = max(lo - n_lo, 0), min(hi - n_lo + 1, n_size)
        c_lo, c_size = n_lo + a, b - a
        size += c_size
        if size > MAX_TABLE:
            return None
    # binary chain x -> 2x (-> 2x + 1) through every ms[t]; all tables share one chain
    cur_lo, cur, cur_sup, x = 0, one, one_sup, 1
    size = 0
    for bit in chain:
        new_lo, new = 2 * cur_lo, _conv(cur, cur)
        new_sup = None if contiguous else _support_conv(cur_sup, cur_sup)
        x = 2 * x
        if bit == "1":
            new = _conv(new, one)
            new_sup = None if contiguous else _support_conv(new_sup, one_sup)
            x += 1
        lo, hi = window(x)
        a, b = max(lo - new_lo, 0), min(hi - new_lo + 1, new.size)
        cur_lo, cur = new_lo + a, new[a:b].copy()
        if new_sup is not None:
            cur_sup = new_sup[a:b].copy()
            cur[~cur_sup] = 0.0
        else:
            cur_sup = np.ones(cur.size, dtype=bool)
        size += cur.size
        if size > MAX_TABLE:
            return None
        if x in tilts_for:
            tables[x] = (cur_lo, cur / cur.max())
    tab_lo, tab_off, tab_len, parts = [], [], [], []
    lmax = np.zeros((stages, NZ))
    order = np.zeros((stages, NZ, nl), dtype=np.int64)
    cond_p = np.zeros((stages, NZ, nl))
    alias_p = np.zeros((stages, NZ, nl))
    alias_i = np.zeros((stages, NZ, 2 * nl), dtype=np.int64)
    alias_i[:, :, 1::2] = np.arange(nl)
    col = np.zeros(nl, dtype=np.int64)
    small = np.zeros(nl, dtype=np.int64)
    large = np.zeros(nl, dtype=np.int64)
    off = 0
    for t in range(stages):
        lo, h = tables[int(ms[t + 1])]
        tab_lo.append(lo)
        tab_off.append(off)
        tab_len.append(h.size)
        parts.append(h)
        off += h.size
        with np.errstate(divide="ignore"):
            lnh = np.log(h)
        idx = np.arange(h.size, dtype=np.float64)
        for j in range(NZ):
            lmax[t, j] = float(np.max(lnh + delta[t, j] * idx))
            qt = np.exp(_tilted(lnq, lvf, delta[t, j]))
            o = np.argsort(-qt, kind="stable")
            qo = qt[o]
            tail = np.cumsum(qo[::-1])[::-1]
            order[t, j] = o
            cond_p[t, j] = np.minimum(qo / tail, 1.0)
            K.build_alias(qt / qt.sum(), alias_p[t, j], col, small, large)
            alias_i[t, j, 0::2] = col
    tab = np.concatenate(parts) if parts else np.zeros(1)
    qq = np.minimum(cond_p, 1.0 - cond_p)
    with np.errstate(divide="ignore", invalid="ignore"):
        lpq = np.where(qq > 0.0, np.log(qq / (1.0 - qq)), 0.0)
    l1q = np.log1p(-qq)
    from scipy.special import gammaln

    # a table up to N itself took 8 GB at N = 1e9 and failed at 1e12 (MemoryError); the
    # kernel computes stages with more free items than this from lgamma differences
    logfact = gammaln(np.arange(min(n, LOGFACT_TABLE) + 1, dtype=np.float64) + 1.0)
    return PdcPlan(
        classes=problem.classes,
        lv=lv.astype(np.int64),
        q=q,
        ms=ms,
        centre=centre,
        scale=scale,
        delta=delta,
        lmax=lmax,
        order=order,
        cond_p=cond_p,
        lpq=lpq,
        l1q=l1q,
        logfact=logfact,
        alias_p=alias_p,
        alias_i=alias_i,
        tab_lo=np.array(tab_lo, dtype=np.int64),
        tab_off=np.array(tab_off, dtype=np.int64),
        tab_len=np.array(tab_len, dtype=np.int64),
        tab=tab,
        alias_below=ALIAS_PER_LEVEL * nl,
        total=total,
        lv_start=lv_start,
        cls=cls,
        cls_p=cls_p,
    )


def _stage_cost(m: int, b: int, levels: int) -> float:
    """Predicted seconds of a stage from ``m`` items down to ``b`` (see predicted_seconds)."""
    a = m - b
    per = ALIAS_SECONDS * a if a < ALIAS_PER_LEVEL * levels else BINOMIAL_SECONDS * levels
    return (per + PROPOSAL_SECONDS) / math.sqrt(b / m)


def schedule(n: int, levels: int = 1) -> np.ndarray:
    """Items before each stage: n, then ``m >> s`` per stage, down to 1.

    The shifts ``s`` (1 to MAX_SHIFT) minimise the predicted time per draw (a dynamic
    programme over ``m = n >> k``): a stage that draws its free items as ``levels``
    binomials costs the same whatever their number, so fewer, deeper cuts (acceptance
    ``sqrt(b / m)``) pay there, while item-by-item stages prefer shallow ones. Every
    ``m`` is ``n`` shifted right, so all tables lie on one binary chain.
    """
    top = max(int(n), 1).bit_length() - 1  # n >> top == 1
    best = [0.0] * (top + 1)
    step = [0] * (top + 1)
    for k in range(top - 1, -1, -1):
        m = n >> k
        best[k] = math.inf
        for sh in range(1, min(MAX_SHIFT, top - k) + 1):
            c = _stage_cost(m, n >> (k + sh), levels) + best[k + sh]
            if c < best[k]:
                best[k], step[k] = c, sh
    ms, k = [n], 0
    while k < top:
        k += step[k]
        ms.append(n >> k)
    return np.array(ms, dtype=np.int64)


def predicted_seconds(n: int, levels: int) -> float:
    """Predicted time per draw of the divide-and-conquer kernel (one thread).

    A stage with ``a`` free items costs ``a`` alias draws (ALIAS_SECONDS each) or one
    binomial per level (BINOMIAL_SECONDS each), plus PROPOSAL_SECONDS per proposal,
    divided by its acceptance ``sqrt(b / m)`` (measured: 0.43-0.52 per stage for b = m / 4,
    0.3-0.37 for b = m / 8). Calibrated on a shared 2-core machine.
    """
    ms = schedule(n, levels)
    return float(sum(_stage_cost(int(m), int(b), levels) for m, b in itertools.pairwise(ms)))


def old_predicted_seconds(classes: int) -> float:
    """Predicted time per draw of the conditioned rejection sampler (one thread).

    A proposal draws about K Poisson counts (about 75 ns each) and is accepted with
    probability about 8 / K^2 for K >= 4 (measured: 0.36, 0.24, 0.082, 0.012, 0.0012 at
    K = 4, 5, 10, 30, 100), about 1 and 0.53 at K = 2 and 3.
    """
    acc = {2: 1.0, 3: 0.53}.get(classes, min(1.0, 8.0 / classes**2))
    return 75e-9 * classes / acc


def preferred_plan(problem: Problem) -> PdcPlan | None:
    """The divide-and-conquer plan when it applies and is predicted faster, else None."""
    if applies(problem) or FORCE.get("old"):
        return None
    if not FORCE.get("pdc"):
        levels = np.unique(problem.levels).size
        if predicted_seconds(problem.n, levels) >= old_predicted_seconds(problem.classes):
            return None
    return pdc_plan(problem)


#: Benchmarks and tests set ``FORCE["old"]`` or ``FORCE["pdc"]`` to pick a method.
FORCE: dict[str, bool] = {}
