"""Draw allocations of N items under the count and energy constraints.

Three methods, one result type:

``exact``
    Independent, exactly distributed draws for energies on a lattice (see
    :mod:`maxent._kernels._sample`): a product of tilted per-class laws conditioned on
    the constraints, by rejection on a small determined set of classes. Threads run
    fixed chunks of draws, each with its own random stream.
``mcmc``
    Item-level Markov chains: energy-conserving pair exchanges on a lattice, or
    single- and two-item moves inside a microcanonical shell
    ``|sum n_k E_k - U| <= energy_tolerance`` for energies without a common quantum.
    Several chains; burn-in, thinning, acceptance, integrated autocorrelation time and
    effective sample size.
``enumerate``
    Lists the whole lattice (small problems) and draws from it directly.

``auto`` picks the fastest correct one and says why.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numba
import numpy as np

from . import _exact_pdc
from . import _statistics as S
from ._diagnostics import integrated_time
from ._enumerate import enumerate_allocations
from ._errors import UnreachableError, ValidationError
from ._kernels import _sample as K
from ._lattice import choose_determined
from ._mode import most_probable_allocation
from ._optimize import _boundary_energy
from ._problem import Problem
from ._streams import as_seed_sequence, seed_value, stream_states
from ._validate import as_count

__all__ = ["METHODS", "SampleResult", "sample"]

METHODS = ("auto", "exact", "mcmc", "enumerate")
CHUNK = 1024  # draws per random stream in the exact sampler
_MAX_TRIES = 10**9  # proposals allowed for a single exact draw before giving up
_ENUMERATE_LIMIT = 200_000  # auto enumerates lattices whose composition count is below


@dataclass(frozen=True)
class SampleResult:
    """Allocations drawn under the constraints.

    Attributes
    ----------
    problem : Problem
        The problem sampled.
    draws : ndarray of int64, shape (M, K)
        One allocation per row; every row has ``sum = N`` and the exact total energy (or
        lies in the shell for MCMC with a tolerance).
    method : str
        ``exact``, ``mcmc`` or ``enumerate``.
    seed : int
        Entropy of the root ``SeedSequence`` (pass it back to reproduce the draws).
    threads : int
        Threads used (results do not depend on it).
    diagnostics : dict
        Method-specific: ``acceptance``; for MCMC also ``tau`` (per class, in recorded
        draws), ``ess`` (per class), ``chains``, ``burn_in`` and ``thin`` (proposals).
    timings : dict
        Seconds spent in ``setup`` and ``sampling``, and the ``total``.
    reason : str
        Why ``auto`` chose the method (empty when it was given).
    interrupted : bool
        True when Ctrl-C stopped the run early; ``draws`` holds what was finished.
    """

    problem: Problem = field(repr=False)
    draws: np.ndarray
    method: str
    seed: int
    threads: int
    diagnostics: dict[str, Any]
    timings: dict[str, float]
    reason: str = ""
    interrupted: bool = False

    @property
    def samples(self) -> int:
        """Number of draws M."""
        return int(self.draws.shape[0])

    @property
    def fractions(self) -> np.ndarray:
        """Draws divided by N."""
        return self.draws / self.problem.n

    @property
    def mean_fractions(self) -> np.ndarray:
        """Sample mean of ``n_k / N``."""
        return self.fractions.mean(axis=0)

    @property
    def stderr(self) -> np.ndarray:
        """Standard error of :attr:`mean_fractions` (with the ESS for MCMC)."""
        m = self.samples
        if m < 2:
            return np.full(self.problem.classes, np.nan)
        sd = self.fractions.std(axis=0, ddof=1)
        ess = np.asarray(self.diagnostics.get("ess", m), dtype=np.float64)
        return sd / np.sqrt(np.clip(ess, 1.0, m))

    def to_dict(self) -> dict[str, Any]:
        """The ``sampler`` object of the JSON output."""
        out = {
            "method": self.method,
            "samples": self.samples,
            "mean_fractions": self.mean_fractions.tolist(),
            "stderr": self.stderr.tolist(),
            "acceptance": self.diagnostics.get("acceptance"),
            "seed": self.seed,
            "threads": self.threads,
            "timings": self.timings,
            "interrupted": self.interrupted,
        }
        if self.reason:
            out["reason"] = self.reason
        if self.method == "mcmc":
            for key in ("ess", "tau", "chains", "burn_in", "thin", "proposals"):
                out[key] = self.diagnostics[key]
        if self.method == "enumerate":
            out["lattice_size"] = self.diagnostics["lattice_size"]
        return out


# ---------------------------------------------------------------------------------------
# exact rejection sampler


@dataclass
class _ExactPlan:
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
    log_max: np.ndarray
    fixed: np.ndarray

    def draw(self, states: np.ndarray, chunk: int, out: np.ndarray) -> int:
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
            self.log_max,
            states,
            chunk,
            out,
            tries,
            _MAX_TRIES,
        )
        if fail >= 0:
            raise RuntimeError(
                "exact sampler: a draw needed more than 1e9 proposals; use method='mcmc'"
            )
        if self.fixed.any():
            out[:, self.fixed > 0] = self.fixed[self.fixed > 0]
        return int(tries.sum())


def _family(stat: int, g: np.ndarray, x: np.ndarray, n_items: int, fractions: np.ndarray):
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
        return q, g, g * q / (1.0 - q) ** 2
    # Any tilt gives the same conditional law; keeping rho off 0 and 1 keeps every
    # allowed count reachable by the proposals.
    rho = np.clip(1.0 / (np.exp(np.minimum(x, 700.0)) + 1.0), 1e-12, 1.0 - 1e-12)
    return rho, g, g * rho * (1.0 - rho)


def _log_max(fam, p1, p2, cap):
    """Max over integers 0..cap of the unnormalised log pmf (unimodal: check the mode)."""
    if fam == K.POISSON:
        mode = np.floor(p1)
    elif fam == K.NEGBIN:
        mode = np.floor(np.maximum(p2 - 1.0, 0.0) * p1 / (1.0 - p1))
    else:
        mode = np.floor((p2 + 1.0) * p1)
    out = np.empty(p1.size)
    for i in range(p1.size):
        cands = [c for c in (mode[i] - 1, mode[i], mode[i] + 1) if 0 <= c <= cap[i]]
        out[i] = max(K.log_weight(fam, p1[i], p2[i], float(c)) for c in cands)
    return out


def _exact_plan(problem: Problem) -> _ExactPlan:
    """Tilt, determined classes and integer algebra for the exact sampler."""
    problem.require_lattice("the exact sampler")
    if (pdc := _exact_pdc.preferred_plan(problem)) is not None:
        return pdc  # divide and conquer over items (see maxent/_exact_pdc.py)
    stat, g, n_items = problem.stat, problem.degeneracies, problem.n
    coef, rhs = problem.integer_rows()
    caps = problem.caps.astype(np.int64)
    fixed = np.zeros(problem.classes, dtype=np.int64)
    if problem.extreme and not problem.constraints:
        # Only one face is left: classes beyond the boundary level are full or empty and
        # the boundary classes share the rest; any tilt with the right total works there.
        sign = float(problem.extreme)
        e, e_b = problem.energies, _boundary_energy(problem, sign)
        full = (e < e_b) if sign > 0 else (e > e_b)
        at = e == e_b
        fixed[full] = caps[full]
        left = n_items - fixed.sum()
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
        x = lim.alpha + lim.beta * problem.energies
        for lam, c in zip(lim.lambdas, problem.constraints, strict=True):
            x = x + lam * c.values
        p1, p2, var = _family(stat, g, x, n_items, lim.fractions)
        support = np.flatnonzero(var > 0)
    rhs = rhs - coef @ fixed
    if support.size == 0:
        rows, det_idx = np.array([0]), np.zeros(0, dtype=np.int64)
        adj, det = np.zeros((0, 0), dtype=np.int64), 1
    else:
        rows, det_idx, adj, det = choose_determined(coef, var, support)
        _check_dependent_rows(coef, rhs, rows, support)
    taken = set(det_idx.tolist())
    rest = np.array([k for k in support if k not in taken], dtype=np.int64)
    fam = {S.BOLTZMANN: K.POISSON, S.BOSE: K.NEGBIN, S.FERMI: K.BINOMIAL}[stat]
    p1 = np.asarray(p1, dtype=np.float64)
    p2 = np.asarray(p2, dtype=np.float64)
    log_max = _log_max(fam, p1[det_idx], p2[det_idx], caps[det_idx])
    return _ExactPlan(
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
        log_max=log_max,
        fixed=fixed,
    )


def _check_dependent_rows(coef, rhs, rows, support):
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


def _run_exact(plan, seq, samples, batch_chunks, progress, start_chunk=0, out=None):
    """Draw ``samples`` rows chunk by chunk; returns (draws, proposals, interrupted)."""
    k = plan.p1.size
    n_chunks = (samples + CHUNK - 1) // CHUNK
    draws = np.zeros((samples, k), dtype=np.int64) if out is None else out
    proposals = 0
    done = 0
    interrupted = False
    try:
        for c0 in range(start_chunk, n_chunks, batch_chunks):
            c1 = min(n_chunks, c0 + batch_chunks)
            rows = slice(c0 * CHUNK, min(samples, c1 * CHUNK))
            states = stream_states(seq, c1 - c0, start=c0)
            proposals += plan.draw(states, CHUNK, draws[rows])
            done = rows.stop
            if progress is not None:
                progress(done, samples)
    except KeyboardInterrupt:
        interrupted = True
    return draws[:done], proposals, interrupted


# ---------------------------------------------------------------------------------------
# MCMC


def _initial_counts(problem: Problem) -> np.ndarray:
    """A feasible starting allocation: the mode on a lattice, a greedy fit in a shell."""
    if problem.levels is not None and problem.level_total is not None:
        mode = most_probable_allocation(problem)
        if mode.counts is None:
            raise ValidationError("method", f"MCMC found no starting allocation ({mode.message})")
        return np.asarray(mode.counts, dtype=np.int64)
    return _shell_start(problem)


def _shell_start(problem: Problem) -> np.ndarray:
    """Round N p, then move single items greedily until the energy is in the shell."""
    e = problem.energies
    tol = problem.energy_tolerance
    target = problem.total_energy
    counts = np.floor(problem.n * problem.boltzmann).astype(np.int64)
    counts[np.argmax(problem.boltzmann)] += problem.n - counts.sum()
    order = np.argsort(e)
    es = e[order]
    for _ in range(10 * problem.n + 100):
        gap = target - float(counts @ e)
        if abs(gap) <= tol:
            return counts
        occ = np.flatnonzero(counts > 0)
        # best single move i -> j: E_j closest to E_i + gap
        want = e[occ] + gap
        pos = np.clip(np.searchsorted(es, want), 1, es.size - 1)
        cand = np.where(np.abs(es[pos - 1] - want) <= np.abs(es[pos] - want), pos - 1, pos)
        new_gap = np.abs(want - es[cand])
        best = int(np.argmin(new_gap))
        if new_gap[best] >= abs(gap):
            break
        counts[occ[best]] -= 1
        counts[order[cand[best]]] += 1
    raise ValidationError(
        "energy_tolerance",
        f"no allocation within {tol:g} of U = {target:.10g} was found; widen the shell",
    )


def _level_index(levels: np.ndarray):
    """Classes grouped by level, and a lookup (dense table when the top level is small)."""
    order = np.argsort(levels, kind="stable")
    sorted_levels, start, count = np.unique(levels[order], return_index=True, return_counts=True)
    start, count = start.astype(np.int64), count.astype(np.int64)
    top = int(sorted_levels[-1])
    if top <= 4 * levels.size + 1024:
        dense_start = np.zeros(top + 1, dtype=np.int64)
        dense_count = np.zeros(top + 1, dtype=np.int64)
        dense_start[sorted_levels] = start
        dense_count[sorted_levels] = count
        return order.astype(np.int64), np.zeros(0, dtype=np.int64), dense_start, dense_count
    return order.astype(np.int64), sorted_levels, start, count


class _Chains:
    """Independent Markov chains over allocations: their state and one stepping function.

    Boltzmann counting on a lattice: labelled items in energy-conserving pair exchanges
    (plus circuit moves when the levels have gaps and ``p_circuit`` allows them); without
    a lattice: single- and two-item moves inside the energy shell; Bose-Einstein,
    Fermi-Dirac or extra moments: count-space moves along circuits of the constraint
    lattice. ``refresh_every`` says how many records should pass between exact refreshes
    for the chain to be irreducible on any level set (0: never needed).
    """

    def __init__(
        self,
        problem: Problem,
        counts0: np.ndarray,
        chains: int,
        seq,
        p_circuit: float | None = None,
    ):
        self.problem = problem
        k = problem.classes
        lattice = problem.levels is not None and problem.level_total is not None
        self.lattice = lattice
        self.cls = self.lv = self.st = self.ct = np.zeros(1, dtype=np.int64)
        self.degenerate = False
        self.p_circuit = 0.0
        self.refresh_every = 0
        self.e_lo = self.e_hi = 0.0
        self.levels = problem.levels if lattice else np.zeros(k, dtype=np.int64)
        if lattice and not problem._plain:
            self.kind = 2
            self.coef = problem.integer_rows()[0]
            self.caps = problem.caps.astype(np.int64)
            self.refresh_every = 1 if k <= self.coef.shape[0] else 10
        elif lattice:
            self.kind = 0
            self.cls, self.lv, self.st, self.ct = _level_index(problem.levels)
            self.degenerate = bool((self.ct > 1).any())
            # Pair exchanges connect every fiber when the levels are contiguous (quadratic
            # moves are a Markov basis of the rational normal curve). With gaps they may
            # not: add circuit moves, and an exact independent refresh every few records,
            # which makes the chain irreducible on any level set.
            distinct = np.unique(problem.levels)
            contiguous = np.array_equal(distinct, np.arange(distinct[-1] + 1))
            self.p_circuit = 0.0 if contiguous else 0.1
            self.refresh_every = 0 if contiguous else 10
        else:
            self.kind = 1
            self.e_lo = problem.total_energy - problem.energy_tolerance
            self.e_hi = problem.total_energy + problem.energy_tolerance
        if p_circuit is not None:
            self.p_circuit = p_circuit
        self.labels = np.empty((chains, problem.n if self.kind < 2 else 0), dtype=np.int32)
        self.counts = np.empty((chains, k), dtype=np.int64)
        for c in range(chains):
            self.reset(c, counts0)
        self.e_tot = np.full(chains, float(counts0 @ problem.energies))
        self.states = stream_states(seq, chains)
        self.accepted = np.zeros(chains, dtype=np.int64)

    def reset(self, c: int, alloc: np.ndarray) -> None:
        """Put chain ``c`` at allocation ``alloc``."""
        if self.kind < 2:
            self.labels[c] = np.repeat(np.arange(alloc.size, dtype=np.int32), alloc)
        self.counts[c] = alloc

    def run(self, n_props: int, record_every: int, rec: np.ndarray, ent: np.ndarray) -> int:
        """Advance every chain ``n_props`` proposals, recording; return accepted moves."""
        p = self.problem
        if self.kind == 2:
            g = p.degeneracies
            K.run_circuit_chains(
                self.counts,
                self.coef,
                self.caps,
                p.stat,
                g,
                np.log(g),
                n_props,
                record_every,
                rec,
                self.states,
                self.accepted,
            )
        else:
            K.run_chains(
                self.kind,
                self.labels,
                self.counts,
                self.levels,
                p.energies,
                self.cls,
                self.lv,
                self.st,
                self.ct,
                self.degenerate,
                self.p_circuit,
                self.e_lo,
                self.e_hi,
                self.e_tot,
                n_props,
                record_every,
                rec,
                ent,
                self.states,
                self.accepted,
            )
        return int(self.accepted.sum())

    @property
    def moves(self) -> str:
        """What the chains propose, for the diagnostics."""
        if self.kind == 2:
            return (
                f"circuit moves of the constraint lattice, exact refresh every {self.refresh_every}"
            )
        moves = "pair exchange" if self.lattice else "single and pair moves in the shell"
        if self.p_circuit:
            moves += f", circuit moves, exact refresh every {self.refresh_every} draws"
        return moves


def _run_mcmc(problem, seq, samples, chains, burn_in, thin, progress):
    n_items = problem.n
    k = problem.classes
    ch = _Chains(problem, _initial_counts(problem), chains, seq)
    refresh_every = ch.refresh_every
    if refresh_every:
        plan = _exact_plan(problem)
        refresh_seq = np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, 1 << 30))
        refresh_states = stream_states(refresh_seq, chains)
    per_chain = (samples + chains - 1) // chains
    no_rec = np.zeros((chains, 0, k), dtype=np.int64)
    no_ent = np.zeros((chains, 0))
    run = ch.run

    def refresh():
        for c in range(chains):
            row = np.zeros((1, k), dtype=np.int64)
            plan.draw(refresh_states[c : c + 1], 1, row)
            ch.reset(c, row[0])

    acc_total = 0
    if burn_in > 0:
        acc_total += run(burn_in, burn_in + 1, no_rec, no_ent)
    records = np.zeros((chains, per_chain, k), dtype=np.int64)
    entropy = np.zeros((chains, per_chain))
    step = max(1, min(per_chain, int(2e7 // max(thin, 1))))  # about half a second a batch
    if refresh_every:
        step = min(step, refresh_every)
    done = 0
    refreshes = 0
    interrupted = False
    try:
        while done < per_chain:
            todo = min(step, per_chain - done)
            acc_total += run(
                todo * thin, thin, records[:, done : done + todo], entropy[:, done : done + todo]
            )
            done += todo
            if refresh_every and done % refresh_every == 0 and done < per_chain:
                refresh()
                refreshes += 1
            if progress is not None:
                progress(done * chains, per_chain * chains)
    except KeyboardInterrupt:
        interrupted = True
    records = records[:, :done]
    proposals = chains * (burn_in + done * thin)
    # chain-major order: all of chain 0, then chain 1, ...
    draws = records.reshape(-1, k)
    if not interrupted:
        draws = draws[:samples]
    tau = integrated_time(records / n_items) if done >= 4 else np.full(k, np.nan)
    n_rec = records.shape[0] * records.shape[1]
    ess = np.minimum(n_rec / tau, n_rec)
    diag = {
        "acceptance": acc_total / max(proposals, 1),
        "proposals": int(proposals),
        "chains": int(chains),
        "burn_in": int(burn_in),
        "thin": int(thin),
        "tau": tau.tolist(),
        "ess": ess.tolist(),
        "moves": ch.moves,
        "refreshes": refreshes * chains,
    }
    if not ch.lattice:
        gaps = np.diff(np.unique(problem.energies))
        diag["shell_connected"] = bool(problem.energy_tolerance >= gaps.max())
    return draws, diag, interrupted


# ---------------------------------------------------------------------------------------
# public entry point


def _compositions(n: int, k: int) -> float:
    return math.exp(math.lgamma(n + k) - math.lgamma(n + 1) - math.lgamma(k))


def _ensure_reachable(problem: Problem) -> None:
    """Decide reachability by the integer search when the coin table cannot.

    With capacities or moments the coin table does not apply; an empty lattice then raises
    UnreachableError here instead of starting an endless rejection loop.
    """
    mode = most_probable_allocation(problem)
    if mode.counts is not None:
        problem.reachable = True


def _choose(problem: Problem) -> tuple[str, str]:
    if problem.levels is None or problem.level_total is None:
        if problem.levels is None:
            if problem.energy_tolerance is None:
                raise ValidationError(
                    "energy_tolerance",
                    "the energies have no common quantum, so the constraint needs a shell: "
                    "give energy_tolerance > 0 (MCMC), or energy_quantum",
                )
            return "mcmc", "energies have no common quantum: MCMC in the energy shell"
        problem.require_lattice("sampling")
    if _compositions(problem.n, problem.classes) <= _ENUMERATE_LIMIT:
        return "enumerate", "small lattice: exact draws from its enumeration"
    return "exact", "energies on a lattice: exact independent draws by conditioned rejection"


def sample(
    problem: Problem,
    samples: int = 1000,
    method: str = "auto",
    *,
    seed=None,
    threads: int | None = None,
    chains: int = 4,
    burn_in: int | None = None,
    thin: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SampleResult:
    """Draw allocations with probability proportional to ``W(n) = N! / prod n_k!``.

    Parameters
    ----------
    problem : Problem
        Energies, N and the total energy (on a lattice for ``exact``/``enumerate``; for
        energies without a quantum, ``energy_tolerance`` defines the MCMC shell).
    samples : int
        Number of draws M.
    method : {'auto', 'exact', 'mcmc', 'enumerate'}
        See the module description; ``auto`` picks the fastest correct method.
    seed : int, SeedSequence or None
        Root seed; every draw is a pure function of it (whatever ``threads``).
    threads : int, optional
        Numba threads (default: all available).
    chains : int
        Independent MCMC chains (draws are split evenly between them).
    burn_in : int, optional
        MCMC proposals per chain discarded before recording (default 20 N).
    thin : int, optional
        MCMC proposals between recorded draws (default N, one sweep).
    progress : callable, optional
        Called as ``progress(done, total)`` after each batch of draws.

    Returns
    -------
    SampleResult

    Raises
    ------
    ValidationError
        For bad arguments, or when the method cannot apply to the problem.
    UnreachableError
        When no integer allocation has the problem's total energy.

    Examples
    --------
    >>> import maxent
    >>> p = maxent.Problem([0, 1, 2, 3], 100_000, mean_energy=1.2)
    >>> r = maxent.sample(p, 1000, seed=1)
    >>> r.method, r.draws.shape, bool((r.draws.sum(axis=1) == 100_000).all())
    ('exact', (1000, 4), True)
    """
    t0 = time.perf_counter()
    samples = as_count(samples, "samples")
    if method not in METHODS:
        raise ValidationError("method", f"must be one of {', '.join(METHODS)} (got {method!r})")
    chains = as_count(chains, "chains")
    if threads is not None:
        threads = as_count(threads, "threads")
        limit = numba.config.NUMBA_NUM_THREADS
        if threads > limit:
            raise ValidationError("threads", f"must be between 1 and {limit} (got {threads})")
    seq = as_seed_sequence(seed)
    reason = ""
    if method == "auto":
        method, reason = _choose(problem)
    elif method in ("exact", "enumerate"):
        problem.require_lattice(f"method={method!r}")
    elif method == "mcmc" and problem.levels is None and problem.energy_tolerance is None:
        raise ValidationError(
            "energy_tolerance",
            "MCMC on energies without a common quantum needs energy_tolerance > 0",
        )
    elif method == "mcmc" and problem.levels is not None:
        problem.require_lattice("MCMC on the lattice")
    if method == "mcmc" and not problem._plain and problem.levels is None:
        raise ValidationError(
            "method",
            "MCMC for Bose-Einstein or Fermi-Dirac counting or extra constraints "
            "needs energies (and constraint values) on a lattice",
        )
    if method in ("exact", "mcmc") and problem.levels is not None and problem.reachable is None:
        _ensure_reachable(problem)
    used_threads = threads or numba.config.NUMBA_NUM_THREADS
    old_threads = numba.get_num_threads()
    numba.set_num_threads(used_threads)
    diagnostics: dict[str, Any] = {}
    interrupted = False
    try:
        t1 = time.perf_counter()
        if method == "exact":
            plan = _exact_plan(problem)
            t1 = time.perf_counter()
            batch = max(1, 64 * used_threads)
            draws, proposals, interrupted = _run_exact(plan, seq, samples, batch, progress)
            diagnostics = {
                "acceptance": draws.shape[0] * getattr(plan, "stages", 1) / max(proposals, 1),
                "proposals": proposals,
                "determined_classes": plan.det_idx.tolist(),
                "algorithm": getattr(plan, "algorithm", "conditioned rejection"),
            }
        elif method == "enumerate":
            en = enumerate_allocations(problem)
            t1 = time.perf_counter()
            rng = np.random.Generator(np.random.PCG64(seq))
            idx = rng.choice(en.size, size=samples, p=en.probabilities)
            draws = en.allocations[idx]
            diagnostics = {"acceptance": 1.0, "lattice_size": en.size}
            if progress is not None:
                progress(samples, samples)
        else:
            n = problem.n
            if n > 10**9:
                raise ValidationError("n", "MCMC tracks every item: N must be <= 1e9")
            b = 20 * n if burn_in is None else as_count(burn_in, "burn_in", minimum=0)
            th = n if thin is None else as_count(thin, "thin")
            draws, diagnostics, interrupted = _run_mcmc(
                problem, seq, samples, min(chains, samples), b, th, progress
            )
    finally:
        numba.set_num_threads(old_threads)
    t2 = time.perf_counter()
    timings = {"setup": t1 - t0, "sampling": t2 - t1, "total": t2 - t0}
    return SampleResult(
        problem,
        draws,
        method,
        seed_value(seq),
        used_threads,
        diagnostics,
        timings,
        reason,
        interrupted,
    )


def available_threads() -> int:
    """Number of threads numba may use on this machine."""
    return int(os.environ.get("NUMBA_NUM_THREADS", numba.config.NUMBA_NUM_THREADS))
