import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import maxent
from maxent import ValidationError

from .naive import beta_from_mean_mp, thermo_mp

energies_st = st.lists(
    st.floats(-50, 50, allow_nan=False, allow_infinity=False), min_size=2, max_size=8
).map(np.array)


@given(energies_st, st.floats(-5, 5))
def test_thermo_matches_mpmath(e, beta):
    got = maxent.thermo(e, beta)
    ref = thermo_mp(e, beta)
    np.testing.assert_allclose(got.probabilities, ref["probabilities"], rtol=1e-11, atol=1e-300)
    assert got.log_partition == pytest.approx(ref["log_partition"], rel=1e-12, abs=1e-10)
    assert got.mean_energy == pytest.approx(ref["mean_energy"], rel=1e-11, abs=1e-10)
    assert got.energy_variance == pytest.approx(ref["energy_variance"], rel=1e-8, abs=1e-10)
    assert got.entropy == pytest.approx(ref["entropy"], rel=1e-10, abs=1e-10)
    assert got.heat_capacity == pytest.approx(ref["heat_capacity"], rel=1e-8, abs=1e-10)
    if beta != 0:
        assert got.free_energy == pytest.approx(ref["free_energy"], rel=1e-9, abs=1e-9)


def test_degeneracies_match_mpmath():
    e = np.array([0.0, 1.0, 1.5, 4.0])
    g = np.array([1.0, 3.0, 0.5, 7.0])
    got = maxent.thermo(e, 0.7, g)
    ref = thermo_mp(e, 0.7, g)
    np.testing.assert_allclose(got.probabilities, ref["probabilities"], rtol=1e-13)
    assert got.entropy == pytest.approx(ref["entropy"], rel=1e-12)
    assert got.log_partition == pytest.approx(ref["log_partition"], rel=1e-13)


def test_infinite_beta_limits_share_ties_equally():
    e = [2.0, 0.0, 5.0, 0.0, 5.0]
    assert maxent.boltzmann(e, math.inf).tolist() == [0, 0.5, 0, 0.5, 0]
    assert maxent.boltzmann(e, -math.inf).tolist() == [0, 0, 0.5, 0, 0.5]
    t = maxent.thermo(e, math.inf)
    assert t.mean_energy == 0.0 and t.heat_capacity == 0.0
    assert t.entropy == pytest.approx(math.log(2))
    assert t.free_energy == 0.0
    # with degeneracies, ties share in proportion to g
    p = maxent.boltzmann(e, math.inf, [1, 1, 1, 3, 1])
    np.testing.assert_allclose(p, [0, 0.25, 0, 0.75, 0])


def test_beta_zero_is_uniform_and_free_energy_diverges():
    t = maxent.thermo([0.0, 1.0, 2.0], 0.0)
    np.testing.assert_allclose(t.probabilities, 1 / 3)
    assert t.free_energy == -math.inf
    assert t.entropy == pytest.approx(math.log(3))


def test_two_classes_reduce_to_the_sigmoid():
    for beta in (-3.0, 0.2, 4.0):
        p = maxent.boltzmann([0.0, 1.0], beta)
        assert p[0] == pytest.approx(1 / (1 + math.exp(-beta)), rel=1e-14)


@given(energies_st, st.floats(-3, 3), st.floats(-1e3, 1e3))
def test_shift_invariance(e, beta, shift):
    np.testing.assert_allclose(
        maxent.boltzmann(e + shift, beta), maxent.boltzmann(e, beta), rtol=1e-9, atol=1e-300
    )


@given(energies_st, st.floats(-3, 3), st.floats(0.01, 100))
def test_temperature_scaling(e, beta, c):
    # softmax depends on beta * E only: scaling energies is scaling temperature
    np.testing.assert_allclose(
        maxent.boltzmann(c * e, beta / c), maxent.boltzmann(e, beta), rtol=1e-9, atol=1e-300
    )


@pytest.mark.parametrize(
    "e, beta",
    [
        (np.array([1e300, 2e300, 3e300]), 1e-300),
        (np.array([-1e300, 0.0, 1e300]), 1e-300),
        (np.array([0.0, 1.0, 2.0]) + 1e6, 1e6),
        (np.array([0.0, 1.0, 2.0]) + 1e6, -1e6),
        (np.array([0.0, 1.0, 2.0]) - 1e6, 1.0),
        (np.array([0.0, 1e-3, 1.0]), 1e9),
        (np.array([0.0, 1.0, 1e6]), 1.0),
        (np.array([-1e6, 0.0, 1e6]), -1.0),
    ],
)
def test_extreme_inputs_stay_finite_without_warnings(e, beta):
    t = maxent.thermo(e, beta)  # pytest turns any RuntimeWarning into an error
    assert np.all(np.isfinite(t.probabilities))
    assert t.probabilities.sum() == pytest.approx(1.0, rel=1e-14)
    for x in (t.mean_energy, t.entropy, t.heat_capacity, t.free_energy):
        assert math.isfinite(x)
    assert math.isfinite(t.log_partition) or abs(beta * e).max() > 1e300


def test_extreme_energy_variance_is_representable_when_it_can_be():
    t = maxent.thermo(np.array([0.0, 1.0, 2.0]) * 1e150, 1e-150)
    ref = thermo_mp([0.0, 1.0, 2.0], 1.0)
    assert t.energy_variance == pytest.approx(ref["energy_variance"] * 1e300, rel=1e-10)
    assert t.heat_capacity == pytest.approx(ref["heat_capacity"], rel=1e-10)


# -- beta from the mean ------------------------------------------------------------------


@given(energies_st, st.floats(0.001, 0.999))
def test_beta_from_mean_residual_below_1e12(e, frac):
    lo, hi = e.min(), e.max()
    assume(hi - lo >= 1e-6)
    target = lo + frac * (hi - lo)
    beta, info = maxent.beta_from_mean(e, target, full_output=True)
    assert info.converged
    resid = abs(maxent.mean_energy(e, beta) - target) / (hi - lo)
    assert resid <= 1e-12
    assert info.relative_residual <= 1e-12


def test_beta_from_mean_matches_mpmath():
    e = [0.0, 1.0, 3.0, 4.5, 7.0]
    for target in (0.3, 2.0, 3.1, 6.9):
        assert maxent.beta_from_mean(e, target) == pytest.approx(
            beta_from_mean_mp(e, target), rel=1e-11
        )


@pytest.mark.parametrize("dist", [1e-3, 1e-20, 1e-100, 1e-300])
def test_beta_from_mean_near_the_extremes(dist):
    e = np.array([0.0, 1.0, 2.0, 3.0])
    for target, sign in ((dist, 1.0), (3.0 - dist if dist > 1e-15 else None, -1.0)):
        if target is None:
            continue
        beta = maxent.beta_from_mean(e, target)
        assert np.sign(beta) == sign and math.isfinite(beta)
        got = maxent.mean_energy(e, beta)
        gap = got if sign > 0 else 3.0 - got
        assert gap == pytest.approx(dist, rel=1e-12)


def test_beta_from_mean_endpoints_and_errors():
    e = [0.0, 1.0, 1.0, 2.0]
    assert maxent.beta_from_mean(e, 0.0) == math.inf
    assert maxent.beta_from_mean(e, 2.0) == -math.inf
    assert maxent.beta_from_mean(e, 1.0) == 0.0
    assert maxent.beta_from_mean(e, 1.5) < 0  # above the unweighted mean: negative T
    with pytest.raises(ValidationError, match=r"mean_energy.*\[min E, max E\]"):
        maxent.beta_from_mean(e, 2.5)
    with pytest.raises(ValidationError, match="mean_energy"):
        maxent.beta_from_mean(e, float("nan"))


def test_beta_from_mean_all_equal_energies():
    beta, info = maxent.beta_from_mean([2.0, 2.0, 2.0], 2.0, full_output=True)
    assert beta == 0.0 and "every beta" in info.message
    with pytest.raises(ValidationError, match="all energies equal"):
        maxent.beta_from_mean([2.0, 2.0], 1.0)


def test_beta_from_mean_large_k_and_offsets(rng):
    e = rng.random(200_000) * 10 + 1e6
    target = 1e6 + 3.0
    beta, info = maxent.beta_from_mean(e, target, full_output=True)
    assert info.relative_residual <= 1e-12
    assert abs(maxent.mean_energy(e, beta) - target) <= 1e-9


def test_beta_from_mean_huge_energies():
    e = np.array([0.0, 1.0, 2.0, 3.0]) * 1e300
    beta = maxent.beta_from_mean(e, 1.2e300)
    assert beta * 1e300 == pytest.approx(maxent.beta_from_mean([0, 1, 2, 3], 1.2), rel=1e-12)


@given(energies_st, st.floats(-4, 4))
def test_beta_round_trip(e, beta):
    assume(e.max() - e.min() >= 1e-3)
    mean = maxent.mean_energy(e, beta)
    # a mean outside [min E, max E] is a bug of its own (the xfail test below)
    assume(e.min() < mean < e.max())
    b2 = maxent.beta_from_mean(e, mean)
    assert maxent.mean_energy(e, b2) == pytest.approx(mean, rel=1e-12, abs=1e-12 * np.ptp(e))


def test_mean_energy_stays_within_the_energies():
    # found by hypothesis: the mean is rounded to 0, above the highest energy
    e = np.array([-10.0, -2.8992730701959212e-297])
    mean = maxent.mean_energy(e, -4.0)
    assert e.min() <= mean <= e.max()


@pytest.mark.parametrize(
    "bad, match",
    [
        ([0.0, float("nan")], "finite"),
        ([0.0, float("inf")], "finite"),
        ([[0.0, 1.0]], "one-dimensional"),
        (["a", "b"], "real numbers"),
        ([-1e308, 1e308], "spread"),
    ],
)
def test_bad_energies(bad, match):
    with pytest.raises(ValidationError, match=match):
        maxent.boltzmann(bad, 1.0)


def test_bad_beta_and_degeneracies():
    with pytest.raises(ValidationError, match="beta"):
        maxent.boltzmann([0, 1], float("nan"))
    with pytest.raises(ValidationError, match="degeneracies.*positive"):
        maxent.boltzmann([0, 1], 1.0, [1, 0])
    with pytest.raises(ValidationError, match="one value per class"):
        maxent.boltzmann([0, 1], 1.0, [1, 2, 3])
