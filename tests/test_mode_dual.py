"""The most probable allocation by dual bound, repair and local search (maxent/_mode_dual.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import maxent
from maxent import Problem
from maxent._kernels._mode_dual import delta_log_count
from maxent._optimize.mode_dual import symmetric_ties

from .naive import brute_mode

STATS = ["boltzmann", "bose", "fermi"]


def random_problem(rng, stat, with_moment, k_max=7, n_max=12):
    """A feasible problem (built from a random allocation), often with equal energies."""
    k = int(rng.integers(2, k_max + 1))
    e = np.sort(rng.integers(0, 5, k)).astype(float)
    if e[0] == e[-1]:
        e[-1] += 1.0
    g = rng.integers(1, 4, k).astype(float) if stat != "boltzmann" else None
    if stat == "bose":
        g[0] = 2.0  # keep W dependent on the counts (single-state Bose levels all tie)
    caps = g.astype(int) if stat == "fermi" else np.full(k, n_max)
    n = np.array([rng.integers(0, c + 1) for c in caps])
    while n.sum() < 1 or n.sum() > n_max:
        n = np.array([rng.integers(0, c + 1) for c in caps])
    cons = []
    if with_moment:
        kk = np.arange(k)
        base = np.column_stack([np.ones(k), e])
        resid = kk**2 - base @ np.linalg.lstsq(base, kk**2, rcond=None)[0]
        if np.abs(resid).max() > 1e-9:  # a moment the energies do not already fix
            cons = [f"k**2={float(n @ kk**2 / n.sum())!r}"]
    return Problem(
        e,
        int(n.sum()),
        total_energy=float(n @ e),
        degeneracies=g,
        statistics=stat,
        constraints=cons,
    )


@pytest.mark.parametrize("stat", STATS)
@pytest.mark.parametrize("with_moment", [False, True])
def test_matches_enumeration_on_small_problems(stat, with_moment):
    rng = np.random.default_rng(100 + STATS.index(stat) + 10 * with_moment)
    for _ in range(25):
        p = random_problem(rng, stat, with_moment)
        en = maxent.enumerate_allocations(p)
        m = maxent.most_probable_allocation(p)
        coef, rhs = p.integer_rows()
        assert np.array_equal(coef @ m.counts, rhs)
        best = en.log_counts.max()
        if p.stat == 1 and np.all(p.degeneracies == 1.0):
            continue
        assert m.certified, m.message
        assert m.gap == 0.0
        assert m.log_count == pytest.approx(best, abs=1e-9)
        argmax = en.allocations[en.log_counts >= best - 1e-9]
        assert any(np.array_equal(m.counts, a) for a in argmax)
        assert m.ties == len(argmax)


@pytest.mark.parametrize("seed", range(4))
def test_gap_bounds_the_true_loss_on_medium_problems(seed):
    """Certified or not, the reported gap bounds max ln W - ln W(result)."""
    rng = np.random.default_rng(seed)
    for stat in STATS:
        k = int(rng.integers(6, 10))
        e = np.arange(k, dtype=float)
        g = {"boltzmann": None, "bose": np.full(k, 3.0), "fermi": np.full(k, 8.0)}[stat]
        n = int(rng.integers(15, 25))
        p = Problem(
            e,
            n,
            mean_energy=float(rng.uniform(1.0, 2.0)),
            degeneracies=g,
            statistics=stat,
            snap=True,
        )
        en = maxent.enumerate_allocations(p)
        m = maxent.most_probable_allocation(p)
        loss = en.log_counts.max() - m.log_count
        assert loss <= m.gap + 1e-9
        if m.certified:
            assert loss == pytest.approx(0.0, abs=1e-9)


def test_levels_against_the_brute_force_mode():
    rng = np.random.default_rng(7)
    for _ in range(30):
        k = int(rng.integers(2, 7))
        n = int(rng.integers(1, 9))
        levels = np.sort(rng.integers(0, 9, size=k))
        levels -= levels[0]
        if levels.max() == 0 or np.gcd.reduce(levels) != 1:
            continue
        total = int(rng.integers(0, n * levels.max() + 1))
        best, args = brute_mode(levels, n, total)
        if best is None:
            continue
        m = maxent.most_probable_allocation(
            Problem(levels.astype(float), n, total_energy=float(total))
        )
        assert m.certified and m.ties == len(args)
        assert any(np.array_equal(m.counts, a) for a in args)


def test_degenerate_levels_are_filled_evenly():
    e = np.array([0, 1, 1, 1, 1, 1, 2, 3], dtype=float)
    p = Problem(e, 10**6 + 3, mean_energy=1.1, snap=True)
    m = maxent.most_probable_allocation(p)
    group = m.counts[1:6]
    assert group.max() - group.min() <= 1
    coef, rhs = p.integer_rows()
    assert np.array_equal(coef @ m.counts, rhs)
    # negative control: an uneven split of the same group has a lower exact ln W
    worse = m.counts.copy()
    i = int(np.argmax(group)) + 1
    j = int(np.argmin(group)) + 1
    worse[i] += 1
    worse[j] -= 1
    d = delta_log_count(
        0, p.degeneracies, np.log(p.degeneracies), m.counts, np.array([i, j]), np.array([1, -1]), 2
    )
    assert d < 0


def test_exact_local_difference_matches_log_count():
    p = Problem([0, 1, 2, 3], 1000, mean_energy=1.2, degeneracies=[2, 3, 2, 5], statistics="bose")
    n = np.array([400, 300, 200, 100])
    idx, dlt = np.array([0, 1, 2]), np.array([1, -2, 1])
    got = delta_log_count(1, p.degeneracies, np.log(p.degeneracies), n, idx, dlt, 3)
    moved = n.copy()
    moved[idx] += dlt
    assert got == pytest.approx(maxent.log_count(p, moved) - maxent.log_count(p, n), abs=1e-9)


def test_extreme_mean_is_fixed_directly_at_huge_n():
    p = Problem([0, 0, 1, 2], 10**9, mean_energy=0.0, degeneracies=[1, 3, 1, 1])
    m = maxent.most_probable_allocation(p)
    assert m.certified and m.gap == 0.0
    assert m.counts.tolist() == [250_000_000, 750_000_000, 0, 0]
    top = maxent.most_probable_allocation(Problem([0, 1], 10**9, mean_energy=1.0))
    assert top.certified and top.counts.tolist() == [0, 10**9]


def test_extreme_ties_count_permutations_of_identical_classes():
    p = Problem([0, 0, 0, 1], 10, mean_energy=0.0)
    m = maxent.most_probable_allocation(p)
    assert sorted(m.counts[:3].tolist()) == [3, 3, 4] and m.ties == 3
    assert symmetric_ties(p.integer_rows()[0], p.degeneracies, p.caps, m.counts) == 3


@pytest.mark.parametrize("stat", STATS)
def test_large_k_and_n_meet_the_constraints_with_a_small_gap(stat):
    k, n = 10_000, 10**15
    # (Bose with few states per level at 1e11 items per class is left out: the real
    # optimum it starts from does not converge there, see the report)
    # (Bose at g = 4e11 still falls back to the old search and gives up: see the report)
    g = {"boltzmann": None, "bose": np.full(k, 1e12), "fermi": np.full(k, 4e11)}[stat]
    p = Problem(
        np.arange(k, dtype=float), n, mean_energy=k / 5, degeneracies=g, statistics=stat, snap=True
    )
    m = maxent.most_probable_allocation(p)
    coef, rhs = p.integer_rows()
    assert np.array_equal(coef @ m.counts, rhs)
    assert np.all(m.counts <= p.caps)
    assert m.gap < 1e-3, m.message


def test_bose_near_the_minimum_at_k_100():
    k = 100
    p = Problem(
        np.arange(k, dtype=float),
        10**4,
        mean_energy=0.05,
        statistics="bose",
        degeneracies=np.full(k, 2.0),
        snap=True,
    )
    m = maxent.most_probable_allocation(p)
    coef, rhs = p.integer_rows()
    assert m.counts is not None and np.array_equal(coef @ m.counts, rhs)
    assert m.gap < 1e-2, m.message


def test_no_invented_ties_at_huge_n():
    p = Problem([0, 1, 2, 3], 10**15, mean_energy=1.2)
    m = maxent.most_probable_allocation(p)
    assert m.ties <= 1
    assert m.counts.sum() == 10**15 and m.counts @ np.arange(4) == 12 * 10**14
    assert m.gap <= 1e-9 and math.isfinite(m.log_count)
