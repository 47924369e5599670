"""The exact sampler: independent draws of the conditioned product measure.

The allocation law under the constraints is a product of per-class laws (Poisson for
Boltzmann counting, negative binomial for Bose-Einstein, binomial for Fermi-Dirac),
tilted by the multipliers of the large-N limit and conditioned on the constraint totals.
The free classes are drawn from their tilted laws; a small set of determined classes is
solved from the constraints, and the proposal is accepted with the ratio of their
weights to its maximum (:func:`maxent._kernels._sample.exact_rejection`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from maxent._kernels import _sample as K
from maxent._kernels._random import HUGE_MEAN
from maxent._model import statistics as S
from maxent._model.faces import boundary_energy
from maxent._model.lattice import choose_determined
from maxent._model.logcount import class_multipliers
from maxent._model.problem import Problem
from maxent._model.special import lgamma_step
from maxent._sampling import exact_pdc
from maxent._util.errors import UnreachableError, interrupted
from maxent._util.streams import stream_states

__all__ = ["CHUNK", "ExactPlan", "exact_plan", "product_family", "run_exact"]

CHUNK = 1024  # draws per random stream in the exact sampler
MAX_TRIES = 10**9  # proposals allowed for a single exact draw before giving up
# Variates (proposals x free classes) up to which a run is drawn in numpy, not numba:
# about 0.1 to 0.2 s of numpy, against about a second to load numba and its kernel.
NUMPY_WORK = 4_000_000
BATCH = 1 << 20  # variates per vectorised batch (memory: a few tens of MB)
# numpy's Poisson (and so negative binomial) generator takes the log pmf as a difference
# of terms ~lam ln lam: measured right at mean 1e12, 3% off in variance at 1e15. Beyond
# this mean the kernels' generators (which take it as a difference in k - m) are used.
NUMPY_MAX_MEAN = 1e12


def log_ratios(fam: int, p1: np.ndarray, p2: np.ndarray, n: np.ndarray, top) -> np.ndarray:
    """:func:`maxent._kernels._sample.log_ratio` vectorised: ``n`` is (m, d) counts."""
    n = n.astype(np.float64)
    top = np.asarray(top, dtype=np.float64)
    step = -lgamma_step(top + 1.0, n + 1.0)
    if fam == K.POISSON:
        return (n - top) * np.log(p1) + step
    if fam == K.NEGBIN:
        return lgamma_step(top + p2, n + p2) + step + (n - top) * np.log(p1)
    return (n - top) * np.log(p1 / (1.0 - p1)) + step - lgamma_step(p2 - top + 1.0, p2 - n + 1.0)


@dataclass
class ExactPlan:
    fam: int
    p1: np.ndarray
    p2: np.ndarray
    cap: np.ndarray
    rest: np.ndarray
    det_idx: np.ndarray
    coef: np.ndarray
    rhs: np.ndarray
    nonneg: np.ndarray
    adj: np.ndarray
    det: int
    top: np.ndarray  # where each determined class's weight peaks (the acceptance's 1)
    log_top: np.ndarray  # the plain log weight there (for the kernel's fast path)
    huge: bool  # counts or trials can pass HUGE_MEAN: acceptance by log ratios instead
    fixed: np.ndarray
    _pilots: dict = field(default_factory=dict, repr=False)  # pilot acceptance by length

    algorithm = "conditioned rejection"

    def pilot_acceptance(self, proposals: int = 20_000) -> float:
        """Acceptance measured on a fixed pilot batch of proposals (a fixed seed)."""
        if proposals not in self._pilots:
            self._pilots[proposals] = self._pilot(proposals)
        return self._pilots[proposals]

    def _pilot(self, proposals: int) -> float:
        if self.rest.size * proposals > NUMPY_WORK or self._largest_mean() > NUMPY_MAX_MEAN:
            states = stream_states(np.random.SeedSequence(0x5EED), 1)
            out = np.zeros((4, self.p1.size), dtype=np.int64)
            try:
                tries = self.draw(states, 4, out, max_tries=proposals)
            except RuntimeError:
                return 0.0
            return 4.0 / max(tries, 1)
        rng = np.random.Generator(np.random.PCG64(0x5EED))
        accepted, _ = self._propose(rng, proposals)
        return float(accepted.sum()) / proposals

    def prefers_numpy(self, samples: int) -> bool:
        """Whether ``samples`` draws are cheaper vectorised in numpy than through numba.

        Loading numba and its cached kernel costs about a second on a small machine; a
        run predicted to need at most :data:`NUMPY_WORK` variates (from the pilot's
        acceptance) takes less than that in numpy. The choice depends on the plan and
        ``samples`` only, so a given call always takes the same path.
        """
        if self.rest.size * samples > NUMPY_WORK or self._largest_mean() > NUMPY_MAX_MEAN:
            return False
        acc = self.pilot_acceptance()
        return acc > 0.0 and (self.rest.size + 1) * samples / acc <= NUMPY_WORK

    def _largest_mean(self) -> float:
        """The largest mean count of a freely drawn class."""
        p1, p2 = self.p1[self.rest], self.p2[self.rest]
        if p1.size == 0:
            return 0.0
        if self.fam == K.POISSON:
            return float(p1.max())
        if self.fam == K.NEGBIN:
            return float(np.max(p2 * p1 / np.maximum(1.0 - p1, 1e-300)))
        return float(np.max(p2 * p1))

    def _propose(self, rng: np.random.Generator, m: int):
        """``m`` proposals at once: (accepted mask, (m, K) allocations of the accepted)."""
        rest, det_idx = self.rest, self.det_idx
        v = np.empty((m, rest.size), dtype=np.int64)
        for j, k in enumerate(rest.tolist()):  # per class: a vector of its law
            if self.fam == K.POISSON:
                v[:, j] = rng.poisson(self.p1[k], m)
            elif self.fam == K.NEGBIN:
                v[:, j] = (
                    rng.negative_binomial(self.p2[k], 1.0 - self.p1[k], m) if self.p1[k] > 0 else 0
                )
            else:
                v[:, j] = rng.binomial(int(self.p2[k]), self.p1[k], m)
        d = det_idx.size  # as the kernel: the first d rows (none when nothing is free)
        r = self.rhs[None, :d] - v @ self.coef[:d, rest].T
        ok = ~(self.nonneg[None, :d] & (r < 0)).any(axis=1)
        num = r @ self.adj.T  # adj @ r per proposal; the counts are num / det
        ok &= (num % self.det == 0).all(axis=1)
        nd = num // self.det
        ok &= ((nd >= 0) & (nd <= self.cap[det_idx][None, :])).all(axis=1)
        logacc = np.full(m, -np.inf)
        idx = np.flatnonzero(ok)
        if idx.size:
            p1, p2 = self.p1[det_idx], self.p2[det_idx]
            logacc[idx] = log_ratios(self.fam, p1, p2, nd[idx], self.top).sum(axis=1)
        u = rng.random(m)
        accepted = np.log(u) <= logacc  # log(0) = -inf: accepted only where logacc is finite
        out = np.zeros((m, self.p1.size), dtype=np.int64)
        out[:, rest] = v
        out[:, det_idx] = nd
        return accepted, out

    def draw_numpy(
        self, rng: np.random.Generator, out: np.ndarray, max_tries: int = MAX_TRIES
    ) -> int:
        """:meth:`draw` vectorised over proposals in numpy, for small runs; one stream.

        Batch lengths follow the acceptance seen so far, never the number of draws
        wanted, so the first draws of a stream do not depend on how many follow.
        """
        need = out.shape[0]
        filled = proposals = since = 0
        acc = 0.5
        cap = max(64, BATCH // max(1, self.rest.size))
        while filled < need:
            m = int(min(max(64, 1.2 * CHUNK / acc + 16), cap))
            accepted, cand = self._propose(rng, m)
            at = np.flatnonzero(accepted)[: need - filled]
            gaps = np.diff(at, prepend=-1 - since)
            if (gaps > max_tries).any() or (at.size == 0 and since + m > max_tries):
                raise RuntimeError(
                    f"exact sampler: a draw needed more than {max_tries:.3g} proposals; "
                    "use method='mcmc'"
                )
            out[filled : filled + at.size] = cand[at]
            filled += at.size
            used = int(at[-1]) + 1 if filled == need else m
            proposals += used
            since = m - 1 - int(at[-1]) if at.size else since + m
            acc = max(accepted.mean(), 1e-4)
        if self.fixed.any():
            out[:, self.fixed > 0] = self.fixed[self.fixed > 0]
        return proposals

    def draw(
        self, states: np.ndarray, chunk: int, out: np.ndarray, max_tries: int = MAX_TRIES
    ) -> int:
        """Fill ``out`` (zeroed rows) with exact draws, ``chunk`` per stream; return proposals."""
        tries = np.zeros(states.shape[0], dtype=np.int64)
        fail = K.exact_rejection(
            self.fam,
            self.p1,
            self.p2,
            self.cap,
            self.rest,
            self.det_idx,
            self.coef,
            self.rhs,
            self.nonneg,
            self.adj,
            self.det,
            self.top,
            self.log_top,
            self.huge,
            states,
            chunk,
            out,
            tries,
            max_tries,
        )
        if fail >= 0:
            raise RuntimeError(
                f"exact sampler: a draw needed more than {max_tries:.3g} proposals; "
                "use method='mcmc'"
            )
        if self.fixed.any():
            out[:, self.fixed > 0] = self.fixed[self.fixed > 0]
        return int(tries.sum())


def product_family(stat: int, g: np.ndarray, x: np.ndarray, n_items: int, fractions: np.ndarray):
    """Per-class law of the product measure at multipliers x: parameters and variances.

    Boltzmann: Poisson(g e^-x) (= N times the limit fraction); Bose-Einstein: negative
    binomial with g_k trials and success probability e^-x; Fermi-Dirac: binomial(g_k,
    1 / (e^x + 1)).
    """
    if stat == S.BOLTZMANN:
        lam = n_items * fractions
        return lam, np.zeros_like(lam), lam
    if stat == S.BOSE:
        q = np.exp(-x)
        # a condensed ground level at N ~ 1e18 has x ~ 1e-18, so q == 1.0: infinite
        # variance, as intended, without a RuntimeWarning
        with np.errstate(divide="ignore"):
            return q, g, g * q / (1.0 - q) ** 2
    # Any tilt gives the same conditional law; keeping rho off 0 and 1 keeps every
    # allowed count reachable by the proposals.
    rho = np.clip(1.0 / (np.exp(np.minimum(x, 700.0)) + 1.0), 1e-12, 1.0 - 1e-12)
    return rho, g, g * rho * (1.0 - rho)


def top_counts(fam, p1, p2, cap):
    """Where each class's weight peaks on 0..cap (unimodal: the mode, clipped, or a neighbour)."""
    if fam == K.POISSON:
        mode = np.floor(p1)
    elif fam == K.NEGBIN:
        with np.errstate(divide="ignore", invalid="ignore"):  # p1 == 1.0: see below
            mode = np.floor(np.maximum(p2 - 1.0, 0.0) * p1 / (1.0 - p1))
    else:
        mode = np.floor((p2 + 1.0) * p1)
    # a Bose tilt near 1 puts the unclipped mode beyond the cap
    with np.errstate(invalid="ignore"):
        mode = np.clip(np.nan_to_num(mode, nan=0.0, posinf=np.inf), 0.0, cap.astype(np.float64))
    out = np.empty(p1.size)
    for i in range(p1.size):
        cands = [c for c in (mode[i] - 1, mode[i], mode[i] + 1) if 0 <= c <= cap[i]]
        out[i] = max(cands, key=lambda c, i=i: K.log_ratio(fam, p1[i], p2[i], c, mode[i]))
    return out


def exact_plan(problem: Problem) -> ExactPlan:
    """Tilt, determined classes and integer algebra for the exact sampler."""
    problem.require_lattice("the exact sampler")
    if (pdc := exact_pdc.preferred_plan(problem)) is not None:
        return pdc  # divide and conquer over items (see maxent._sampling.exact_pdc)
    stat, g, n_items = problem.stat, problem.degeneracies, problem.n
    coef, rhs = problem.integer_rows()
    caps = problem.caps.astype(np.int64)
    fixed = np.zeros(problem.classes, dtype=np.int64)
    if problem.extreme and not problem.constraints:
        # Only one face is left: classes beyond the boundary level are full or empty and
        # the boundary classes share the rest; any tilt with the right total works there.
        sign = float(problem.extreme)
        e, e_b = problem.energies, boundary_energy(problem, sign)
        full = (e < e_b) if sign > 0 else (e > e_b)
        at = e == e_b
        fixed[full] = caps[full]
        left = n_items - fixed.sum()
        if stat == S.FERMI and left == caps[at].sum():  # the boundary level is full too
            fixed[at] = caps[at]
            left = 0
        share = np.where(at, g / g[at].sum(), 0.0)
        if stat == S.BOLTZMANN:
            p1, p2, var = left * share, np.zeros(problem.classes), left * share
        elif stat == S.BOSE:
            q = np.where(at, left / (left + g[at].sum()), 0.0)
            p1, p2, var = q, g, g * q / (1.0 - q) ** 2
        else:
            rho = np.where(at, left / g[at].sum(), 0.0)
            p1, p2, var = rho, g, g * rho * (1.0 - rho)
        support = np.flatnonzero(at & (var > 0)) if left > 0 else np.zeros(0, dtype=np.int64)
    else:
        lim = problem.limit
        x = class_multipliers(problem, lim.alpha, lim.beta, lim.lambdas)
        p1, p2, var = product_family(stat, g, x, n_items, lim.fractions)
        support = np.flatnonzero(var > 0)
    rhs = rhs - coef @ fixed
    if support.size == 0:
        rows, det_idx = np.array([0]), np.zeros(0, dtype=np.int64)
        adj, det = np.zeros((0, 0), dtype=np.int64), 1
    else:
        rows, det_idx, adj, det = choose_determined(coef, var, support)
        check_dependent_rows(coef, rhs, rows, support)
    taken = set(det_idx.tolist())
    rest = np.array([k for k in support if k not in taken], dtype=np.int64)
    fam = {S.BOLTZMANN: K.POISSON, S.BOSE: K.NEGBIN, S.FERMI: K.BINOMIAL}[stat]
    p1 = np.asarray(p1, dtype=np.float64)
    p2 = np.asarray(p2, dtype=np.float64)
    top = top_counts(fam, p1[det_idx], p2[det_idx], caps[det_idx])
    log_top = np.array(
        [
            K.log_weight(fam, float(a), float(b), float(t))
            for a, b, t in zip(p1[det_idx], p2[det_idx], top, strict=True)
        ],
        dtype=np.float64,
    )
    return ExactPlan(
        fam=fam,
        p1=p1,
        p2=p2,
        cap=caps,
        rest=rest,
        det_idx=det_idx,
        coef=coef[rows],
        rhs=rhs[rows],
        nonneg=np.ones(rows.size, dtype=np.bool_),
        adj=adj,
        det=det,
        top=top,
        log_top=log_top,
        huge=bool(np.any(caps[det_idx] >= HUGE_MEAN) or np.any(p2[det_idx] >= HUGE_MEAN)),
        fixed=fixed,
    )


def check_dependent_rows(coef, rhs, rows, support):
    """Rows left out as dependent must hold automatically, or the lattice is empty."""
    kept = set(rows.tolist())
    dropped = [r for r in range(coef.shape[0]) if r not in kept]
    if not dropped:
        return
    base = coef[np.ix_(rows, support)].astype(np.float64)
    for r in dropped:
        y, *_ = np.linalg.lstsq(base.T, coef[r, support].astype(np.float64), rcond=None)
        if abs(float(y @ rhs[rows]) - rhs[r]) > 1e-6 * (1.0 + abs(rhs[r])):
            raise UnreachableError(
                "mean_energy", "no allocation meets the constraints on the occupied classes"
            )


def run_exact(plan, seq, samples, batch_chunks, progress, start_chunk=0, out=None):
    """Draw ``samples`` rows chunk by chunk; returns (draws, proposals).

    On Ctrl-C re-raises ``KeyboardInterrupt`` with ``partial = (finished draws, diagnostics)``.
    """
    k = plan.p1.size
    n_chunks = (samples + CHUNK - 1) // CHUNK
    draws = np.zeros((samples, k), dtype=np.int64) if out is None else out
    proposals = 0
    done = 0
    small = isinstance(plan, ExactPlan) and plan.prefers_numpy(samples)
    try:
        for c0 in range(start_chunk, n_chunks, batch_chunks):
            c1 = min(n_chunks, c0 + batch_chunks)
            rows = slice(c0 * CHUNK, min(samples, c1 * CHUNK))
            states = stream_states(seq, c1 - c0, start=c0)
            if small:  # each chunk's stream seeds a numpy generator instead
                for i, st in enumerate(states):
                    part = draws[rows][i * CHUNK : (i + 1) * CHUNK]
                    proposals += plan.draw_numpy(
                        np.random.Generator(np.random.PCG64(st.tolist())), part
                    )
            else:
                proposals += plan.draw(states, CHUNK, draws[rows])
            done = rows.stop
            if progress is not None:
                progress(done, samples)
    except KeyboardInterrupt as exc:
        raise interrupted((draws[:done], {"proposals": proposals})) from exc
    return draws[:done], proposals
