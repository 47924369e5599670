"""MCMC on the allocation itself: lattice moves whose cost does not grow with N.

The chain lives on the fibre ``{n integer: A n = b, 0 <= n <= cap}`` (rows of A: the
count, the integer energy levels and any integer moment rows). A proposal is
``n -> n + t v`` with a lattice vector v (``A v = 0``) drawn without looking at the state
and an integer step t uniform on ``{-S..-1, 1..S}``, where the scale ``S`` depends only on
v: about ``scale`` standard deviations of the counts along v at the optimum. The proposal
is symmetric, so Metropolis accepts with ``min(1, W(n + t v) / W(n))`` (per-class
log-weights of Boltzmann, Bose-Einstein or Fermi-Dirac counting; moves leaving
``0 <= n <= cap`` are rejected). A proposal costs O(size of v), independent of N.

Move set and irreducibility (see ``docs/theory/mcmc.md``):

* pair moves ``e_j + e_l - e_i - e_k`` with ``m_i + m_k = m_j + m_l`` (and equal moment
  values): a Markov basis of the unbounded fibre when the distinct levels are contiguous
  and there are no moment rows (the quadrics of the rational normal curve, plus
  ``e_i - e_l`` inside a degenerate level);
* circuits of d + 1 classes (primitive kernel vectors with minimal support), which carry
  the long-range moves for irregular levels and moment rows.

When the pair moves are not known to be a Markov basis (gaps in the levels, moment rows,
Fermi-Dirac capacities that can bind) the chain is also refreshed with an exact
independent draw every :data:`REFRESH_EVERY` records: a composition of pi-invariant
kernels, one of which reaches every allocation, so the chain is irreducible on any fibre.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from maxent._kernels._alloc_mcmc import run_alloc_chains
from maxent._model import statistics as S
from maxent._model.problem import Problem
from maxent._sampling.exact import exact_plan
from maxent._sampling.mcmc import chain_draws, initial_counts, level_index
from maxent._util.errors import interrupted as carrying
from maxent._util.streams import stream_states
from maxent._util.validate import as_count

__all__ = ["AllocMoves", "run_alloc_mcmc"]

#: Step scale in standard deviations of the counts along a move: a uniform step on
#: +-1..S has sd S / sqrt(3), and 2.4 sd is the classic random-walk optimum in 1-D.
SCALE = 4.0
#: Records between exact refreshes when the moves are not known to connect the fibre.
REFRESH_EVERY = 100
#: Proposals allowed for one exact refresh draw before refreshes are abandoned.
REFRESH_TRIES = 2_000_000


def independent_rows(coef: np.ndarray) -> np.ndarray:
    """Rows of ``coef`` that raise the rank, in order (the count row first)."""
    rows: list[int] = []
    for r in range(coef.shape[0]):
        if np.linalg.matrix_rank(coef[[*rows, r]].astype(np.float64)) > len(rows):
            rows.append(r)
    return coef[rows]


def _variances(stat: int, counts: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Variance of each count under the product law through ``counts`` (at least 1)."""
    x = counts.astype(np.float64)
    if stat == S.BOSE:
        var = x * (1.0 + x / g)
    elif stat == S.FERMI:
        var = x * (1.0 - x / g)
    else:
        var = x
    return np.maximum(var, 1.0)


class AllocMoves:
    """Move set, step scales and state of independent allocation-level chains.

    Parameters
    ----------
    problem : Problem
        On an integer lattice (energies and any moment values).
    counts0 : ndarray of int64
        A feasible allocation (the start of every chain; also sets the step scales).
    chains : int
        Number of chains.
    seq : SeedSequence
        Root of the chains' random streams (chain c uses stream c).
    scale : float
        Step scale in standard deviations along a move.
    """

    def __init__(self, problem: Problem, counts0: np.ndarray, chains: int, seq, scale=SCALE):
        self.problem = problem
        k = problem.classes
        stat = problem.stat
        g = problem.degeneracies
        self.coef = independent_rows(problem.integer_rows()[0])
        d = self.coef.shape[0]
        self.dim = k - d  # dimension of the lattice of moves
        self.caps = problem.caps.astype(np.int64)
        self.g_int = np.rint(g).astype(np.int64) if stat == S.FERMI else np.zeros(k, np.int64)
        self.stat, self.g = stat, g  # the target: per-class log-weights h_k(n_k)
        self.lg = np.log(g)
        self.inv_var = 1.0 / _variances(stat, counts0, g)
        self.scale = float(scale)
        levels = problem.levels
        self.levels = levels
        self.cls, self.lv, self.st, self.ct = level_index(levels)
        distinct = np.unique(levels)
        contiguous = int(distinct[-1]) == distinct.size - 1
        moments = bool(problem.constraints)
        binding_caps = stat == S.FERMI and bool((self.caps < problem.n).any())
        # pair moves alone connect the fibre: contiguous levels, no moments, no caps
        self.markov = contiguous and not moments and not binding_caps
        self.p_pair = 1.0 if (contiguous and not moments) else 0.5
        self.refresh_every = 0 if self.markov else REFRESH_EVERY
        self.counts = np.tile(counts0.astype(np.int64), (chains, 1))
        self.states = stream_states(seq, chains)
        self.accepted = np.zeros(chains, dtype=np.int64)

    def run(self, n_props: int, record_every: int, rec: np.ndarray) -> int:
        """Advance every chain ``n_props`` proposals, recording; return accepted moves."""
        run_alloc_chains(
            self.counts,
            self.coef,
            self.caps,
            self.g_int,
            self.stat,
            self.g,
            self.lg,
            self.inv_var,
            self.scale,
            self.p_pair,
            self.levels,
            self.cls,
            self.lv,
            self.st,
            self.ct,
            n_props,
            record_every,
            rec,
            self.states,
            self.accepted,
        )
        return int(self.accepted.sum())

    @property
    def moves(self) -> str:
        """What the chains propose, for the diagnostics."""
        if self.dim <= 0:
            return "none: the constraints fix the allocation"
        kinds = "pair moves" if self.p_pair >= 1.0 else "pair moves and circuits"
        text = f"allocation {kinds} with steps of up to {self.scale:g} sd"
        if self.refresh_every:
            text += f", exact refresh every {self.refresh_every} draws"
        return text


def default_thin(problem: Problem) -> int:
    """Proposals between records when none is given: 20 per lattice dimension."""
    d = independent_rows(problem.integer_rows()[0]).shape[0]
    return max(1, 20 * (problem.classes - d))


def run_alloc_mcmc(
    problem: Problem,
    seq,
    samples: int,
    chains: int,
    burn_in: int | None,
    thin: int | None,
    progress=None,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Allocation-level MCMC draws and diagnostics.

    On Ctrl-C re-raises ``KeyboardInterrupt`` with ``partial = (finished draws, diagnostics)``.

    ``burn_in`` and ``thin`` count proposals per chain (defaults: 10 records' worth and
    :func:`default_thin`). Draws are in chain-major order. With no lattice moves (K at most
    the number of independent constraints) the unique allocation is returned.
    """
    k = problem.classes
    counts0 = initial_counts(problem)
    th = default_thin(problem) if thin is None else as_count(thin, "thin")
    b = 10 * th if burn_in is None else as_count(burn_in, "burn_in", minimum=0)
    ch = AllocMoves(problem, counts0, chains, seq)
    per_chain = (samples + chains - 1) // chains
    diag: dict[str, Any] = {"chains": int(chains), "burn_in": int(b), "thin": int(th)}
    if ch.dim <= 0:
        # the only allocation: the draws are exact, every (trivial) move is accepted
        draws = np.tile(counts0, (samples, 1))
        diag.update(
            acceptance=1.0,
            proposals=0,
            tau=[1.0] * k,
            ess=[float(samples)] * k,
            moves=ch.moves,
            refreshes=0,
        )
        if progress is not None:
            progress(samples, samples)
        return draws, diag
    if ch.refresh_every:
        plan = exact_plan(problem)
        refresh_seq = np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, 1 << 30))
        refresh_states = stream_states(refresh_seq, chains)
    acc = 0
    if b > 0:
        acc += ch.run(b, b + 1, np.zeros((chains, 0, k), dtype=np.int64))
    records = np.zeros((chains, per_chain, k), dtype=np.int64)
    # about a second a batch, and at least 20 batches so that progress (and Ctrl-C) is seen
    step = max(1, min(per_chain, int(2e7 // th), -(-per_chain // 20)))
    if ch.refresh_every:
        step = min(step, ch.refresh_every)
    done = refreshes = 0
    refresh = bool(ch.refresh_every)
    note = ""
    interrupted = None
    try:
        while done < per_chain:
            todo = min(step, per_chain - done)
            acc += ch.run(todo * th, th, records[:, done : done + todo])
            done += todo
            if refresh and done % ch.refresh_every == 0 and done < per_chain:
                try:
                    for c in range(chains):
                        row = np.zeros((1, k), dtype=np.int64)
                        plan.draw(refresh_states[c : c + 1], 1, row, max_tries=REFRESH_TRIES)
                        ch.counts[c] = row[0]
                        refreshes += 1
                except RuntimeError:
                    # the exact sampler accepts too rarely here (that is why MCMC runs):
                    # stop refreshing rather than spend ~1e9 proposals per draw
                    refresh = False
                    note = (
                        "; exact refresh abandoned (its rejection sampler accepts too "
                        "rarely): the moves alone may not reach every allocation"
                    )
            if progress is not None:
                progress(done * chains, per_chain * chains)
    except KeyboardInterrupt as exc:
        interrupted = exc
    records = records[:, :done]
    proposals = chains * (b + done * th)
    draws, tau, ess = chain_draws(records, samples, problem.n, interrupted is None)
    diag.update(
        acceptance=acc / max(proposals, 1),
        proposals=int(proposals),
        tau=tau.tolist(),
        ess=ess.tolist(),
        moves=ch.moves + note,
        refreshes=refreshes,
    )
    if interrupted is not None:
        raise carrying((draws, diag)) from interrupted
    return draws, diag
