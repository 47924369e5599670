import itertools
import math

import numpy as np
import pytest

import maxent
from maxent import Problem, ValidationError
from maxent._model.lattice import detect_quantum, is_reachable, lattice_levels, nearest_reachable


@pytest.mark.parametrize(
    "e, q",
    [
        ([0, 1, 2.5], 0.5),
        ([0.1, 0.2, 0.3], 0.1),
        ([0, 0.5, 1.5], 0.5),
        ([1e-20, 3e-20], 2e-20),
        ([0, 3, 6, 9], 3.0),
        (np.array([0, 1, 2, 3]) * 1e300, 1e300),
        ([0, 1, 3.14159], 1e-5),
    ],
)
def test_detect_quantum(e, q):
    assert detect_quantum(e) == pytest.approx(q, rel=1e-9)


@pytest.mark.parametrize("e", [[0, 1, math.pi], [0, 1, math.sqrt(2)], [0, 1, math.e], [5, 5]])
def test_no_quantum(e):
    assert detect_quantum(e) is None


def test_offset_energies_keep_their_quantum():
    e = np.array([0, 1, 2, 3]) * 0.1 + 1e6
    q = detect_quantum(e)
    assert q == pytest.approx(0.1, rel=1e-8)
    assert lattice_levels(e, q).tolist() == [0, 1, 2, 3]


def test_explicit_quantum_is_checked():
    with pytest.raises(ValidationError, match="energy_quantum"):
        lattice_levels(np.array([0.0, 1.0]), 0.3)
    assert Problem([0, 1, 2], 4, mean_energy=1, energy_quantum=0.5).levels.tolist() == [0, 2, 4]


def test_reachability_matches_brute_force():
    rng = np.random.default_rng(5)
    for _ in range(150):
        k = int(rng.integers(2, 5))
        levels = np.sort(rng.choice(13, k, replace=False))
        levels -= levels[0]
        if np.gcd.reduce(levels) != 1:
            continue
        n = int(rng.integers(1, 7))
        sums = {sum(c) for c in itertools.combinations_with_replacement(levels.tolist(), n)}
        for total in range(n * levels.max() + 1):
            assert is_reachable(levels, n, total) == (total in sums)


def test_nearest_reachable():
    assert nearest_reachable(np.array([0, 2, 5]), 3, 1.2) == 2
    assert nearest_reachable(np.array([0, 1, 2, 3]), 100_000, 120_000.4) == 120_000


def test_beta_input_snaps_to_a_reachable_total():
    p = Problem([0, 2, 5], 3, beta=0.0)
    assert p.reachable and p.level_total in {
        sum(c) for c in itertools.combinations_with_replacement([0, 2, 5], 3)
    }
    assert p.requested_beta == 0.0
    p = Problem([0, 1, 2, 3], 100_000, temperature=2.0)
    assert p.mean_energy == pytest.approx(maxent.mean_energy([0, 1, 2, 3], 0.5), abs=1e-5)
    assert (p.total_energy).is_integer()


def test_problem_validation():
    with pytest.raises(ValidationError, match="exactly one"):
        Problem([0, 1], 5)
    with pytest.raises(ValidationError, match="exactly one"):
        Problem([0, 1], 5, mean_energy=0.5, beta=1.0)
    with pytest.raises(ValidationError, match="temperature.*> 0"):
        Problem([0, 1], 5, temperature=-1.0)
    with pytest.raises(ValidationError, match="total_energy"):
        Problem([0, 1], 5, total_energy=6)
    with pytest.raises(ValidationError, match="n: must be an integer >= 1"):
        Problem([0, 1], 0, mean_energy=0.5)
    with pytest.raises(ValidationError, match="energies: needs at least 2"):
        Problem([0], 3, mean_energy=0.0)
    with pytest.raises(ValidationError, match="energy_tolerance"):
        Problem([0, 1], 4, mean_energy=0.5, energy_tolerance=-1)
    assert Problem([0, 1], "1e5", mean_energy=0.5).n == 100_000
    assert Problem([0, 1], "100_000", mean_energy=0.5).n == 100_000


@pytest.mark.parametrize("n", [10**15, 10**17, 10**18])
def test_level_total_is_exact_beyond_2_53_items(n):
    """N * mean is taken exactly (the mean as typed): at N = 1e18 a mean of max E was
    snapped 4 level units below the top face, which then gave NaN multipliers."""
    import warnings

    top = maxent.Problem([0.0, 1.0], n, mean_energy=1.0, snap=True)
    assert top.extreme == -1 and top.level_total == n
    assert maxent.Problem([0.0, 1.0], n, mean_energy=0.3, snap=True).level_total == 3 * n // 10
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        res = maxent.optimize(top)
    assert res.exact.counts.tolist() == [0, n] and res.exact.log_count == 0.0


@pytest.mark.parametrize(
    ("n", "k"),
    [
        (0, 1),
        (1, 1),
        (5, 1),
        (0, 5),
        (10, 3),
        (10**5, 4),
        (10**6, 10**5),
        (10**18, 4),
        (3 * 10**18, 10**4),
        (10**18, 2),
    ],
)
def test_log_compositions_against_exact_sums(n, k):
    from maxent._model.lattice import compositions_at_most, log_compositions

    # ln C(n + k - 1, k - 1) = sum_{j < k} log1p(n / j): exact in Python for small n, a
    # sum of k - 1 well-conditioned terms otherwise (lgamma differences at n = 1e18 cancel)
    if n < 10**7 and k < 10**5:
        want = math.log(math.comb(n + k - 1, k - 1))
    else:
        want = math.fsum(math.log1p(n / j) for j in range(1, k))
    assert log_compositions(n, k) == pytest.approx(want, rel=1e-12, abs=1e-12)
    assert compositions_at_most(n, k, 200_000) == (want <= math.log(200_000))
