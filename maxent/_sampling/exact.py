"""The exact sampler: independent draws of the conditioned product measure.

The allocation law under the constraints is a product of per-class laws (Poisson for
Boltzmann counting, negative binomial for Bose-Einstein, binomial for Fermi-Dirac),
tilted by the multipliers of the large-N limit and conditioned on the constraint totals.
The free classes are drawn from their tilted laws; a small set of determined classes is
solved from the constraints, and the proposal is accepted with the ratio of their
weights to its maximum (:func:`maxent._kernels._sample.exact_rejection`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from maxent._kernels import _sample as K
from maxent._model import statistics as S
from maxent._model.faces import boundary_energy
from maxent._model.lattice import choose_determined
from maxent._model.logcount import class_multipliers
from maxent._model.problem import Problem
from maxent._sampling import exact_pdc
from maxent._util.errors import UnreachableError, interrupted
from maxent._util.streams import stream_states

__all__ = ["CHUNK", "ExactPlan", "exact_plan", "product_family", "run_exact"]

CHUNK = 1024  # draws per random stream in the exact sampler
MAX_TRIES = 10**9  # proposals allowed for a single exact draw before giving up


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
    log_max: np.ndarray
    fixed: np.ndarray

    algorithm = "conditioned rejection"

    def pilot_acceptance(self, proposals: int = 20_000) -> float:
        """Acceptance measured on a short pilot run (0 when no draw came within it)."""
        states = stream_states(np.random.SeedSequence(0x5EED), 1)
        out = np.zeros((4, self.p1.size), dtype=np.int64)
        try:
            tries = self.draw(states, 4, out, max_tries=proposals)
        except RuntimeError:
            return 0.0
        return 4.0 / max(tries, 1)

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
            self.log_max,
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
        return q, g, g * q / (1.0 - q) ** 2
    # Any tilt gives the same conditional law; keeping rho off 0 and 1 keeps every
    # allowed count reachable by the proposals.
    rho = np.clip(1.0 / (np.exp(np.minimum(x, 700.0)) + 1.0), 1e-12, 1.0 - 1e-12)
    return rho, g, g * rho * (1.0 - rho)


def log_max_weight(fam, p1, p2, cap):
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
    log_max = log_max_weight(fam, p1[det_idx], p2[det_idx], caps[det_idx])
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
        log_max=log_max,
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
    try:
        for c0 in range(start_chunk, n_chunks, batch_chunks):
            c1 = min(n_chunks, c0 + batch_chunks)
            rows = slice(c0 * CHUNK, min(samples, c1 * CHUNK))
            states = stream_states(seq, c1 - c0, start=c0)
            proposals += plan.draw(states, CHUNK, draws[rows])
            done = rows.stop
            if progress is not None:
                progress(done, samples)
    except KeyboardInterrupt as exc:
        raise interrupted((draws[:done], {"proposals": proposals})) from exc
    return draws[:done], proposals
