"""Markov chains on the allocations: item-level pair exchanges and circuit moves.

Energy-conserving pair exchanges of items on a lattice (with circuit moves and an exact
refresh for irregular levels), or single- and two-item moves inside a microcanonical
shell ``|sum n_k E_k - U| <= energy_tolerance`` for energies without a common quantum.
:class:`Chains` is shared with the item dynamics of :func:`maxent.relax`.
"""

from __future__ import annotations

import numpy as np

from maxent._kernels import _sample as K
from maxent._model.lattice import lattice_point
from maxent._model.problem import Problem
from maxent._optimize.mode import most_probable_allocation
from maxent._sampling.diagnostics import integrated_time
from maxent._sampling.exact import exact_plan
from maxent._util.errors import ValidationError
from maxent._util.errors import interrupted as carrying
from maxent._util.streams import stream_states

__all__ = ["Chains", "chain_draws", "initial_counts", "lattice_start", "run_mcmc", "shell_start"]


#: Wall-clock limit (s) of the integer program that looks for a start.
START_TIME_LIMIT = 10.0


def initial_counts(problem: Problem) -> np.ndarray:
    """A feasible starting allocation: the mode on a lattice, a greedy fit in a shell.

    Where the mode search ends without an allocation (several moment rows, where no
    two-row face construction applies), an integer program looks for any allocation
    meeting every row.
    """
    if problem.levels is not None and problem.level_total is not None:
        mode = most_probable_allocation(problem)
        if mode.counts is not None:
            return np.asarray(mode.counts, dtype=np.int64)
        counts = lattice_start(problem)
        if counts is None:
            raise ValidationError(
                "method",
                f"MCMC found no starting allocation ({mode.message}; an integer program "
                f"found none within {START_TIME_LIMIT:g} s)",
            )
        return counts
    return shell_start(problem)


def lattice_start(problem: Problem, time_limit: float = START_TIME_LIMIT):
    """Any allocation on the constraint lattice, near the large-N limit, or ``None``.

    Feasibility integer programs in boxes widening around the real limit, so that the
    chain starts in the bulk; checked in exact integers (see
    :func:`maxent._model.lattice.lattice_point`). ``None`` when none is found (an empty
    lattice, a time limit, or a floating-point answer that misses a row).
    """
    coef, rhs = problem.integer_rows()
    try:
        target = problem.limit_fractions * problem.n
    except (ValidationError, ArithmeticError):
        target = np.full(problem.classes, problem.n / problem.classes)
    counts = lattice_point(coef, rhs, problem.caps, target, time_limit)
    return counts if isinstance(counts, np.ndarray) else None


def shell_start(problem: Problem) -> np.ndarray:
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
    # single moves stall where the shell needs several at once (all 10 items on the
    # middle of 0, 1.38, 3.53): an integer program with the shell as a two-sided row
    found = _shell_program(problem)
    if found is not None:
        return found
    raise ValidationError(
        "energy_tolerance",
        f"no allocation within {tol:g} of U = {target:.10g} was found; widen the shell",
    )


def _shell_program(problem: Problem, time_limit: float = START_TIME_LIMIT):
    """Any allocation with ``|sum n E - U| <= tol`` by an integer program, or ``None``.

    Only while the totals are exact in float64; the answer is checked before use.
    """
    n, tol = problem.n, problem.energy_tolerance
    if n >= 2**52:
        return None
    from scipy.optimize import Bounds, LinearConstraint  # only when needed

    from maxent._util.solvers import milp

    e = problem.energies
    shifted = e - e.min()  # small coefficients: HiGHS's tolerances are absolute
    want = problem.total_energy - n * e.min()
    k = e.size
    # inside the shell by more than HiGHS's feasibility tolerance (1e-7, absolute)
    inner = max(tol - 1e-6 - 1e-12 * abs(want), 0.5 * tol)
    res = milp(
        np.zeros(k),
        constraints=[
            LinearConstraint(np.ones((1, k)), n, n),
            LinearConstraint(shifted[None, :], want - inner, want + inner),
        ],
        integrality=np.ones(k),
        bounds=Bounds(0.0, float(n)),
        options={"time_limit": float(time_limit)},
    )
    if res.x is None:
        return None
    counts = np.maximum(np.rint(res.x).astype(np.int64), 0)
    counts[np.argmax(counts)] += n - int(counts.sum())
    ok = counts.min() >= 0 and abs(problem.total_energy - float(counts @ e)) <= tol
    return counts if ok else None


def level_index(levels: np.ndarray):
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


class Chains:
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
        if lattice and not problem.plain:
            self.kind = 2
            self.coef = problem.integer_rows()[0]
            self.caps = problem.caps.astype(np.int64)
            self.refresh_every = 1 if k <= self.coef.shape[0] else 10
        elif lattice:
            self.kind = 0
            self.cls, self.lv, self.st, self.ct = level_index(problem.levels)
            self.degenerate = bool((self.ct > 1).any())
            # Pair exchanges connect every fiber when the levels are contiguous (quadratic
            # moves are a Markov basis of the rational normal curve). With gaps they may
            # not: add circuit moves, and an exact independent refresh every few records,
            # which makes the chain irreducible on any level set.
            distinct = np.unique(problem.levels)
            contiguous = int(distinct[-1]) == distinct.size - 1
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


def chain_draws(records: np.ndarray, samples: int, n_items: int, complete: bool):
    """The draws of recorded chains, and each class's autocorrelation time and ESS.

    ``records`` has shape (chains, recorded, K). Draws come in chain-major order (all of
    chain 0, then chain 1, ...), cut to ``samples`` when the run was ``complete``.
    """
    k = records.shape[2]
    draws = records.reshape(-1, k)
    if complete:
        draws = draws[:samples]
    tau = integrated_time(records / n_items) if records.shape[1] >= 4 else np.full(k, np.nan)
    n_rec = records.shape[0] * records.shape[1]
    return draws, tau, np.minimum(n_rec / tau, n_rec)


def run_mcmc(problem, seq, samples, chains, burn_in, thin, progress):
    n_items = problem.n
    k = problem.classes
    ch = Chains(problem, initial_counts(problem), chains, seq)
    refresh_every = ch.refresh_every
    if refresh_every:
        plan = exact_plan(problem)
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
    interrupted = None
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
    except KeyboardInterrupt as exc:
        interrupted = exc
    records = records[:, :done]
    proposals = chains * (burn_in + done * thin)
    draws, tau, ess = chain_draws(records, samples, n_items, interrupted is None)
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
    if interrupted is not None:
        raise carrying((draws, diag)) from interrupted
    return draws, diag
