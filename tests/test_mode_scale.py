"""The most probable allocation at scale: precision, speed paths, and always an answer.

Regression cases of issue 11: Bose levels with ~1e9+ items each, few items in many classes,
single-state Bose ground levels and moment constraints the mode search used to give up on.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest

import maxent
from maxent import Problem
from maxent._kernels._special import digamma_diff, lgamma_diff, trigamma_diff
from maxent._model import statistics as S


@pytest.mark.parametrize("a", [1e-3, 0.3, 1.0, 9.99, 10.0, 57.5, 1e3, 1e9, 1e13, 1e18])
@pytest.mark.parametrize("d", [1e-12, 1e-3, 0.5, 1.0, 3.0, 100.0, 1e6, 1e12])
def test_gamma_differences_keep_full_precision(a, d):
    mp.mp.dps = 40
    big_a, big_d = mp.mpf(a), mp.mpf(d)
    ref = float(mp.digamma(big_a + big_d) - mp.digamma(big_a))
    assert digamma_diff(a, d) == pytest.approx(ref, rel=4e-15)
    ref = float(mp.psi(1, big_a + big_d) - mp.psi(1, big_a))
    assert trigamma_diff(a, d) == pytest.approx(ref, rel=4e-14)
    ref = float(mp.loggamma(big_a + big_d) - mp.loggamma(big_a))
    # the sum itself may cancel for a < 10 (lgamma(3.3) - lgamma(0.3)): absolute there
    assert lgamma_diff(a, d) == pytest.approx(ref, rel=1e-14, abs=5e-14)


def test_bose_h_prime_at_a_billion_items_per_state():
    n = np.array([1e9, 1e12, 1e15])
    # g = 2: h'(n) = psi(n + 2) - psi(n + 1) = 1 / (n + 1) exactly
    np.testing.assert_allclose(S.h_prime(S.BOSE, n, 2.0, "exact"), 1.0 / (n + 1.0), rtol=1e-15)
    np.testing.assert_allclose(
        S.h_second(S.BOSE, n, 2.0, "exact"), -1.0 / (n + 1.0) ** 2, rtol=1e-14
    )


def _feasible(p, counts):
    coef, rhs = p.integer_rows()
    return counts is not None and bool(np.array_equal(coef @ counts, rhs))


def test_face_allocation_matches_brute_force():
    from itertools import combinations_with_replacement

    from maxent._model.lattice import face_allocation

    levels = np.array([0, 3, 5, 5, 9])
    for n in (1, 2, 3, 4):
        sums = {sum(c) for c in combinations_with_replacement(levels.tolist(), n)}
        for total in range(0, 9 * n + 2):
            out = face_allocation(levels, n, total)
            if total in sums:
                assert out is not None and out is not False
                assert out.sum() == n and out @ levels == total and (out >= 0).all()
            else:
                assert out is False


@pytest.mark.parametrize("stat", ["boltzmann", "bose", "fermi"])
def test_huge_n_many_classes_meets_the_rows_with_a_tiny_gap(stat):
    # once ~1e7 level units off after rounding theta to its grid, repaired item by item
    k, n = 2000, 10**15
    g = {"boltzmann": None, "bose": np.full(k, 4.0), "fermi": np.full(k, 4 * n / k)}[stat]
    p = Problem(np.arange(k, dtype=float), n, mean_energy=600.0, degeneracies=g, statistics=stat)
    m = maxent.most_probable_allocation(p)
    assert _feasible(p, m.counts)
    assert 0.0 <= m.gap < 1e-5, m.message


def test_few_items_in_many_classes():
    k = 3000
    p = Problem(np.arange(k, dtype=float), 300, mean_energy=900.0, snap=True)
    m = maxent.most_probable_allocation(p)
    assert _feasible(p, m.counts), m.message
    # Boltzmann: any allocation with at most one item per class has the largest ln W
    assert m.counts.max() == 1, m.message


def test_bose_two_states_at_a_billion_items_per_class():
    k = 100
    g = np.full(k, 2.0)
    p = Problem(
        np.arange(k, dtype=float),
        10**11,
        mean_energy=30.0,
        degeneracies=g,
        statistics="bose",
        snap=True,
    )
    m = maxent.most_probable_allocation(p)
    assert _feasible(p, m.counts), m.message
    assert m.gap < 1e-12
    # h'(n) = 1 / (n + 1) = alpha + beta k at the real optimum: 1 / (n + 1) is linear in k
    real = maxent.maximize_log_count(p)
    inv = 1.0 / (real.counts + 1.0)
    fit = np.polyval(np.polyfit(np.arange(k), inv, 1), np.arange(k))
    np.testing.assert_allclose(inv, fit, rtol=1e-9)


def test_one_quantum_below_the_top_at_huge_n_is_not_the_face():
    p = Problem([0.0, 1.0], 10**15, total_energy=10**15 - 1.0)
    assert p.extreme == 0
    m = maxent.most_probable_allocation(p)
    assert m.counts.tolist() == [1, 10**15 - 1] and m.certified


def test_an_empty_lattice_next_to_the_face_is_refused_clearly():
    # 1000 items, top level 500 in one class, none at 499 (nor any odd level above 1): one
    # quantum below the top
    # face cannot be paid (the fewest-item table of face_allocation proves it)
    levels = np.concatenate([[1], np.repeat(np.arange(0, 499, 2), 4), [500]]).astype(float)
    p = Problem(levels, 1000, total_energy=499_999.0)
    with pytest.raises(maxent.UnreachableError, match="lattice is empty"):
        maxent.most_probable_allocation(p)


def test_face_allocation_walks_back_a_short_table():
    """One coin value and N = 1e12: the table stops at cmax^2 (it walked 5e7 steps)."""
    from maxent._model.lattice import face_allocation

    counts = face_allocation(np.array([0, 1]), 10**12, 3 * 10**11)
    assert counts.tolist() == [7 * 10**11, 3 * 10**11]
    p = maxent.Problem(
        [4.0, 5.0], 10**12, mean_energy=4.3, degeneracies=[1, 2], statistics="bose", snap=True
    )
    assert maxent.most_probable_allocation(p).counts.tolist() == [7 * 10**11, 3 * 10**11]
