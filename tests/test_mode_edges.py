"""Issue 11, the integer mode at its edges: no hang, no 'no allocation found', no refusal.

Bose levels with single states (a flat weight: w = 1 for any count), capped Fermi classes
next to a face at N = 1e15, and a start for MCMC with several moment rows.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import maxent
from maxent import Problem
from maxent._kernels._mode import best_integer, build_windows
from maxent._model.lattice import face_allocation

# ten classes on levels 0, 1, 3, 5 (five at 0, three at 3): some single-state Bose levels
LEVELS = np.array([0, 0, 0, 0, 0, 1, 3, 3, 3, 5], dtype=float)
G_BOSE = np.array([2, 4, 4, 2, 4, 1, 3, 2, 3, 4], dtype=float)
BOSE, FERMI = 1, 2


def _feasible(p, counts):
    coef, rhs = p.integer_rows()
    return (
        counts is not None
        and bool(np.all(counts >= 0) and np.all(counts <= p.caps))
        and bool(np.array_equal(coef @ counts, rhs))
    )


def test_best_integer_of_a_flat_class_jumps_to_its_cap():
    # a single-state Bose level with x < 0 gains with every item: the maximiser is the cap,
    # found by galloping (an item-by-item walk to 1e15 never ended)
    cap = 10**15
    assert best_integer(BOSE, -1e-3, 1.0, 0.0, 0, cap) == cap
    assert best_integer(BOSE, 1e-3, 1.0, 0.0, cap, cap) == 0
    # g = 3: h'(n) ~ log1p(2 / n) = x, from far on either side
    x = math.log1p(2.0 / 1e9)
    for guess in (0, 10**14):
        r = best_integer(BOSE, x, 3.0, math.log(3.0), guess, cap)
        assert abs(r - 1e9) <= 2


def test_windows_stop_at_their_budget_on_a_flat_class():
    caps = np.array([10**15, 10**15])
    x = np.array([1e-16, 0.5])
    g = np.array([1.0, 3.0])
    out = build_windows(BOSE, x, g, np.log(g), np.zeros(2, np.int64), caps, 1.0, 1000)
    assert out[4].size == 0  # window budget exceeded, decided without walking to 1e15
    assert out[0].tolist()[0] == 0  # best integers are complete even then


@pytest.mark.parametrize("share", [0.5, 0.99])
def test_bose_single_state_level_at_huge_n(share):
    n = 10**15
    total = round(share * 5 * n)
    p = Problem(LEVELS, n, total_energy=float(total), statistics="bose", degeneracies=G_BOSE)
    m = maxent.most_probable_allocation(p)
    assert _feasible(p, m.counts), m.message
    assert 0.0 <= m.gap < 1e-12, m.message


def test_bose_face_with_a_single_state_top_level():
    # every item on the single-state top level: the face split must not walk 1e15 items
    levels = np.arange(50, dtype=float)
    g = np.full(50, 2.0)
    g[-1] = 1.0
    p = Problem(levels, 10**15, total_energy=49e15, statistics="bose", degeneracies=g)
    m = maxent.most_probable_allocation(p)
    assert m.certified and m.counts[-1] == 10**15


def test_capped_face_allocation_matches_brute_force():
    rng = np.random.default_rng(11)
    for _ in range(150):
        k = int(rng.integers(1, 5))
        levels = rng.integers(0, 6, size=k)
        levels -= levels.min()
        caps = rng.integers(0, 4, size=k)
        n = int(rng.integers(1, 7))
        sums = {
            int(np.dot(c, levels))
            for c in itertools.product(*[range(int(v) + 1) for v in caps])
            if sum(c) == n
        }
        for total in range(-1, 5 * n + 2):
            out = face_allocation(levels, n, total, caps)
            if total in sums:
                assert out is not None and out is not False
                assert out.sum() == n and out @ levels == total
                assert np.all(out >= 0) and np.all(out <= caps)
            else:
                assert out is False


def test_capped_fermi_next_to_the_face_at_huge_n():
    n = 10**15
    g = np.full(10, 1.5e14)  # five classes at level 0, one at 1, then level 3 partly full
    lowest = 450_000_000_000_000  # 1.5e14 items at level 1, 1e14 at level 3
    p = Problem(LEVELS, n, total_energy=float(lowest + 2), statistics="fermi", degeneracies=g)
    m = maxent.most_probable_allocation(p)
    assert _feasible(p, m.counts), m.message
    # one quantum above the face: no single move pays 1 (levels 0, 1, 3, 5 with 0 and 1
    # full), so the lattice is empty and says so
    p = Problem(LEVELS, n, total_energy=float(lowest + 1), statistics="fermi", degeneracies=g)
    with pytest.raises(maxent.UnreachableError, match="lattice is empty"):
        maxent.most_probable_allocation(p)


@pytest.mark.parametrize(
    ("g0", "mean"), [(1.0, 0.5), (2.0, 30.0), (2.0, 98.5)], ids=["ground", "top", "near-top"]
)
def test_bose_single_state_levels_get_a_finite_gap(g0, mean):
    # [1, 3, 3, ...]: the single-state ground absorbs items at zero cost (pinned x = 0);
    # [2, 1, 1, ...]: only the ground has entropy, the single-state top level absorbs
    g = np.full(100, 3.0 if g0 == 1.0 else 1.0)
    g[0] = g0
    p = Problem(range(100), 10**4, mean_energy=mean, statistics="bose", degeneracies=g)
    m = maxent.most_probable_allocation(p)
    assert _feasible(p, m.counts), m.message
    assert 0.0 <= m.gap < 0.05, m.message
    if g0 == 1.0:
        assert m.certified, m.message


def test_bose_large_n_limit_near_condensation_is_solved():
    g = np.array([2.0, 1.0, 3.0, 1.0, 3.0, 1.0, 3.0, 1.0, 3.0, 1.0])
    p = Problem(range(10), 10**15, total_energy=1.0, statistics="bose", degeneracies=g)
    lim = p.limit
    assert lim.fractions[0] == pytest.approx(1.0, abs=1e-12)
    assert float(lim.fractions @ np.arange(10)) * 10**15 == pytest.approx(1.0, rel=1e-6)


def test_mcmc_start_with_three_rows():
    from maxent._sampling.mcmc import lattice_start

    p = Problem(range(100), 10**4, mean_energy=30.0, constraints=["k**2=1500"])
    counts = lattice_start(p)
    assert _feasible(p, counts)


def test_an_exact_total_at_huge_n_is_read_exactly():
    # 6.6165e16 is a float exactly: the top face of 1e15 Fermi items (66 full classes and
    # 1e13 items at level 33); through total / N it became 8 quanta above, 'empty'
    g = np.full(100, 1.5e13)
    p = Problem(
        np.arange(100.0), 10**15, total_energy=6.6165e16, statistics="fermi", degeneracies=g
    )
    assert p.level_total == 66_165_000_000_000_000 and p.extreme == -1
    assert maxent.most_probable_allocation(p).certified


@pytest.mark.parametrize(("stat", "g"), [(0, 3.0), (1, 3.0), (2, 1e5)])
def test_long_losses_in_closed_form_match_unit_steps(stat, g):
    # beyond LOSS_STEPS the loss is a log-gamma difference, not ~1e15 unit steps
    from maxent._kernels._mode import increment
    from maxent._kernels._mode_dual import loss

    x, lg = 1e-3, math.log(g)
    for r, v in ((1000, 6000), (6000, 1000)):
        steps = range(r + 1, v + 1) if v > r else range(r, v, -1)
        sign = -1.0 if v > r else 1.0
        ref = math.fsum(sign * increment(stat, t, x, g, lg) for t in steps)
        assert loss(stat, x, g, lg, r, v) == pytest.approx(ref, rel=1e-10, abs=1e-10)
