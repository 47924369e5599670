"""Degeneracies, Bose-Einstein and Fermi-Dirac counting, extra moment constraints."""

import math

import numpy as np
import pytest
from click.testing import CliRunner
from scipy import optimize, stats

import maxent
from maxent import Problem, ValidationError
from maxent._model import statistics as S
from maxent.cli import cli

# False-alarm rate of each chi-square test. The exact-sampler test below runs 24 of them
# (six cases, four problems each), so the family-wise rate is about 0.24%.
ALPHA = 1e-4


def random_problem(rng, stat, with_moment):
    """A problem built from a random allocation, so that it is feasible by construction."""
    k = int(rng.integers(3, 6))
    e = np.sort(rng.choice(6, k, replace=False)).astype(float)
    g = rng.integers(2, 4, k).astype(float) if stat != "boltzmann" else None
    caps = g.astype(int) if stat == "fermi" else np.full(k, 5)
    n = np.array([rng.integers(0, c + 1) for c in caps])
    while n.sum() < 2:
        k_free = int(np.flatnonzero(n < caps)[0])
        n[k_free] += 1
    cons = [f"k**2={float(n @ np.arange(k) ** 2 / n.sum())!r}"] if with_moment else []
    try:
        return Problem(
            e,
            int(n.sum()),
            total_energy=float(n @ e),
            degeneracies=g,
            statistics=stat,
            constraints=cons,
        )
    except maxent.ValidationError as exc:
        # k**2 can be a linear function of the energies (K = 3, E = 0, 1, 4): draw again
        assert "linear combination" in exc.message
        return random_problem(rng, stat, with_moment)


def chi2_against_enumeration(draws, en):
    index = {tuple(a): i for i, a in enumerate(en.allocations.tolist())}
    obs = np.zeros(en.size)
    for row in draws.tolist():
        obs[index[tuple(row)]] += 1
    exp = en.probabilities * draws.shape[0]
    small = exp < 5
    o = np.append(obs[~small], obs[small].sum())
    e = np.append(exp[~small], exp[small].sum())
    if e[-1] == 0:
        o, e = o[:-1], e[:-1]
    return 1.0 if e.size < 2 else stats.chisquare(o, e).pvalue


# -- counting ------------------------------------------------------------------------------


@pytest.mark.parametrize("stat, total", [("boltzmann", 9), ("bose", 6), ("fermi", 3)])
def test_two_items_in_three_states(stat, total):
    # one level with three states (and an empty level above it) ...
    level = Problem([0.0, 1.0], 2, mean_energy=0.0, statistics=stat, degeneracies=[3, 1])
    en = maxent.enumerate_allocations(level)
    assert en.allocations.tolist() == [[2, 0]]
    assert math.exp(en.log_total) == pytest.approx(total)
    # ... and three single-state levels of equal energy
    states = Problem([0.0, 0.0, 0.0], 2, mean_energy=0.0, statistics=stat)
    en = maxent.enumerate_allocations(states)
    assert math.exp(en.log_total) == pytest.approx(total)
    assert en.size == (6 if stat == "boltzmann" else total)


def test_log_weights_match_binomial_coefficients():
    from math import comb, factorial

    n, g = np.array([0, 1, 3, 5]), np.array([4.0, 2.0, 3.0, 7.0])
    bose = Problem([0, 1, 2, 3], 9, total_energy=20, statistics="bose", degeneracies=g)
    assert maxent.log_count(bose, n) == pytest.approx(
        math.log(np.prod([comb(a + int(b) - 1, a) for a, b in zip(n, g)]))
    )
    fermi = Problem([0, 1, 2, 3], 9, total_energy=20, statistics="fermi", degeneracies=g)
    assert maxent.log_count(fermi, n) == pytest.approx(
        math.log(np.prod([comb(int(b), a) for a, b in zip(n, g)]))
    )
    boltz = Problem([0, 1, 2, 3], 9, total_energy=20, degeneracies=g)
    w = factorial(9) * np.prod([b**a / factorial(a) for a, b in zip(n, g)])
    assert maxent.log_count(boltz, n) == pytest.approx(math.log(w))


# -- samplers and the mode against enumeration -----------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("stat", ["boltzmann", "bose", "fermi"])
@pytest.mark.parametrize("with_moment", [False, True])
def test_exact_sampler_and_mode_match_enumeration(stat, with_moment):
    rng = np.random.default_rng({"boltzmann": 1, "bose": 2, "fermi": 3}[stat] + 10 * with_moment)
    for trial in range(4):
        p = random_problem(rng, stat, with_moment)
        en = maxent.enumerate_allocations(p)
        res = maxent.sample(p, 10_000, "exact", seed=trial)
        coef, rhs = p.integer_rows()
        assert (res.draws @ coef.T == rhs).all()
        assert (res.draws <= p.caps).all()
        assert chi2_against_enumeration(res.draws, en) > ALPHA
        mode = maxent.most_probable_allocation(p)
        assert mode.log_count == pytest.approx(en.log_counts.max(), abs=1e-9)


def moment_problem(stat):
    """Nine classes with three states each, N = 11, the energy and a k**2 moment fixed.

    Built from the allocation below, so it is feasible; its lattice has 60 points under
    Bose-Einstein counting and 27 under Fermi-Dirac counting.
    """
    n = np.array([1, 3, 0, 2, 2, 1, 0, 1, 1])
    k = np.arange(9.0)
    return Problem(
        k,
        int(n.sum()),
        total_energy=float(n @ k),
        degeneracies=[3.0] * 9,
        statistics=stat,
        constraints=[f"k**2={float(n @ k**2 / n.sum())!r}"],
    )


@pytest.mark.slow
@pytest.mark.parametrize("stat, points", [("bose", 60), ("fermi", 27)])
def test_mcmc_matches_enumeration_means(stat, points):
    p = moment_problem(stat)
    en = maxent.enumerate_allocations(p)
    assert en.size == points
    res = maxent.sample(p, 20_000, "mcmc", seed=2, thin=4 * p.n)
    assert "circuit" in res.diagnostics["moves"]
    coef, rhs = p.integer_rows()
    assert (res.draws @ coef.T == rhs).all()
    # |z| < 5 per class with ESS-based standard errors (false alarm below 1e-5 per class)
    assert np.all(np.abs(res.mean_fractions - en.mean_fractions) < 5 * res.stderr + 1e-12)


def test_negative_control_boltzmann_draws_fail_the_bose_test():
    e, g = [0.0, 1.0, 2.0], [2.0, 2.0, 2.0]
    bose = Problem(e, 8, total_energy=7.0, statistics="bose", degeneracies=g)
    boltz = Problem(e, 8, total_energy=7.0, degeneracies=g)
    wrong = maxent.sample(boltz, 20_000, "exact", seed=1).draws
    assert chi2_against_enumeration(wrong, maxent.enumerate_allocations(bose)) < 1e-10


def test_real_degeneracies_act_as_a_prior():
    g = np.array([0.5, 2.5, 1.0, 3.0])
    p = Problem([0, 1, 2, 3], 7, total_energy=9, degeneracies=g)
    en = maxent.enumerate_allocations(p)
    assert chi2_against_enumeration(maxent.sample(p, 20_000, seed=3).draws, en) > ALPHA
    big = Problem([0, 1, 2, 3], 10**6, mean_energy=1.2, degeneracies=g)
    np.testing.assert_allclose(big.limit_fractions, maxent.boltzmann([0, 1, 2, 3], big.beta, g))
    assert big.limit_fractions @ np.arange(4) == pytest.approx(1.2, rel=1e-12)


# -- limits against independent closed forms -------------------------------------------------


@pytest.mark.parametrize("stat, sign", [("bose", -1.0), ("fermi", 1.0)])
def test_limits_solve_the_closed_form_equations(stat, sign):
    e = np.arange(6.0)
    g = np.array([2.0, 4.0, 6.0, 8.0, 10.0, 12.0])
    n, mean = 20, 2.2
    p = Problem(e, n, mean_energy=mean, statistics=stat, degeneracies=g)

    def occ(ab):
        return g / (np.exp(ab[0] + ab[1] * e) + sign)

    def eqs(ab):
        o = occ(ab)
        return [o.sum() - n, o @ e - n * mean]

    # maxent's multipliers solve the closed-form equations ...
    np.testing.assert_allclose(eqs([p.limit.alpha, p.beta]), 0.0, atol=1e-10)
    # ... and an independent root finder started 10% away lands on the same point
    root = optimize.root(eqs, [1.1 * p.limit.alpha, 0.9 * p.beta], method="lm", tol=1e-15)
    assert root.success
    np.testing.assert_allclose(p.limit_fractions * n, occ(root.x), rtol=1e-9)
    assert p.limit.alpha == pytest.approx(root.x[0], rel=1e-9)
    assert p.beta == pytest.approx(root.x[1], rel=1e-9)


@pytest.mark.parametrize("stat", ["bose", "fermi"])
def test_exact_optimum_agrees_with_scipy(stat):
    g = np.array([2.0, 3.0, 5.0, 7.0, 9.0])
    p = Problem(np.arange(5.0), 20, mean_energy=2.7, degeneracies=g, statistics=stat)
    dual = maxent.maximize_log_count(p)
    primal = maxent.maximize_log_count(p, "exact", "slsqp")
    assert dual.kkt_residual < 1e-12
    np.testing.assert_allclose(primal.counts, dual.counts, rtol=1e-5, atol=1e-6)


def test_fermi_dirac_becomes_a_step_at_low_temperature():
    e, g, n = np.arange(20.0), np.full(20, 2.0), 20
    cold = Problem(e, n, temperature=0.1, degeneracies=g, statistics="fermi")
    occ = cold.limit_fractions * n / g
    assert np.all(occ[:9] > 0.999) and np.all(occ[11:] < 0.001)
    ground = Problem(e, n, total_energy=cold.u_min, degeneracies=g, statistics="fermi")
    assert ground.beta == math.inf
    np.testing.assert_array_equal(
        maxent.most_probable_allocation(ground).counts, [2] * 10 + [0] * 10
    )


def test_bose_condensation_is_reported():
    e, g = np.arange(10.0), (np.arange(10.0) + 1) ** 2
    warm = Problem(e, 1000, temperature=100.0, degeneracies=g, statistics="bose")
    cold = Problem(e, 1000, temperature=0.5, degeneracies=g, statistics="bose")
    assert cold.limit.condensate > 0.99 > warm.limit.condensate
    assert "Bose-Einstein condensation" in cold.limit.message
    assert "Bose-Einstein condensation" not in warm.limit.message
    res = maxent.sample(cold, 2000, seed=1)
    assert res.mean_fractions[0] == pytest.approx(cold.limit.condensate, abs=0.01)


@pytest.mark.parametrize("stat", ["bose", "fermi"])
def test_exact_bose_and_fermi_sampling_is_flat_in_n(stat):
    # The acceptance of the exact sampler tends to a constant as N grows (a local central
    # limit argument), so the cost per draw does not grow with N. Each acceptance is a
    # proportion over tens of thousands of proposals; the rates at N = 1e4 and 1e9 must
    # agree within 5 combined standard errors plus 0.01 for the O(N^-1/2) correction at
    # N = 1e4. A cost growing like sqrt(N) would divide the rate by 300.
    rates = []
    for n in (10**4, 10**9):
        g = [n / 2] * 4
        p = Problem([0, 1, 2, 3], n, mean_energy=1.2, statistics=stat, degeneracies=g)
        res = maxent.sample(p, 20_000, seed=1)
        assert res.method == "exact"
        d = res.diagnostics
        a = d["acceptance"]
        assert a == pytest.approx(res.samples / d["proposals"], rel=1e-12)
        rates.append((a, math.sqrt(a * (1 - a) / d["proposals"])))
    (a1, s1), (a2, s2) = rates
    assert a1 > 0.15
    assert abs(a1 - a2) < 5 * math.hypot(s1, s2) + 0.01


# -- extra moment constraints ------------------------------------------------------------------


def test_loaded_die_moments_and_concentration_dof():
    faces = np.arange(1.0, 7.0)
    p = Problem(faces, 1000, mean_energy=4.5, constraints=["E**2=22"])
    lim = p.limit_fractions
    assert lim @ faces == pytest.approx(4.5, rel=1e-12)
    assert lim @ faces**2 == pytest.approx(22.0, rel=1e-12)
    # the limit is exponential in (E, E^2): log p is quadratic in the face value
    quad = np.polyfit(faces, np.log(lim), 2)
    np.testing.assert_allclose(np.polyval(quad, faces), np.log(lim), atol=1e-10)
    cmp = maxent.compare(p, 5000, seed=1)
    assert cmp.concentration.dof == 6 - 2 - 1
    assert (cmp.sample.draws @ faces**2 == 22_000).all()
    plain = maxent.compare(Problem(faces, 1000, mean_energy=4.5), 2000, seed=1)
    assert plain.concentration.dof == 6 - 1 - 1


def test_constraint_parsing():
    c = maxent.parse_constraint("(E-1)**2 + k = 2.5", [1.0, 2.0, 3.0])
    np.testing.assert_allclose(c.values, [0.0, 2.0, 6.0])
    assert c.mean == 2.5 and c.name == "(E-1)**2 + k"
    for bad in ("k**2", "k**2=abc", "__import__('os')=1", "log(k)=1", "q=1"):
        with pytest.raises(ValidationError, match="constraint"):
            maxent.parse_constraint(bad, [1.0, 2.0, 3.0])


@pytest.mark.parametrize(
    "kwargs, param",
    [
        ({"statistics": "fermi", "degeneracies": [1, 1, 1]}, "n"),
        ({"statistics": "fermi", "degeneracies": [1.5, 2, 2]}, "degeneracies"),
        ({"statistics": "bose", "degeneracies": [0.5, 1, 1]}, "degeneracies"),
        ({"statistics": "anyon"}, "statistics"),
        ({"constraints": ["k**2=9"]}, "constraint"),
        ({"constraints": ["k*0+1=1"]}, "constraint"),
    ],
)
def test_infeasible_inputs(kwargs, param):
    with pytest.raises(ValidationError, match=param):
        Problem([0, 1, 2], 5, mean_energy=1.0, **kwargs)


def test_fermi_energy_outside_attainable_range():
    with pytest.raises(ValidationError, match="attainable"):
        Problem([0, 1, 2], 4, mean_energy=0.1, statistics="fermi", degeneracies=[2, 2, 2])


def test_exact_bose_optimum_with_single_states_is_refused_clearly():
    p = Problem([0, 1, 2], 6, total_energy=5, statistics="bose")
    with pytest.raises(ValidationError, match="not unique"):
        maxent.maximize_log_count(p)
    summary = maxent.optimize(p)
    assert summary.exact is None and "not unique" in summary.exact_message
    assert summary.mode.ties == -1


# -- command line ------------------------------------------------------------------------------


def test_cli_statistics_and_constraints():
    from . import strict_json

    run = CliRunner().invoke
    r = run(
        cli,
        [
            "simulate",
            "--energies",
            "0,1,2,3",
            "--degeneracies",
            "4,4,4,4",
            "--statistics",
            "fermi",
            "--n",
            "10",
            "--mean-energy",
            "1.2",
            "--samples",
            "2000",
            "--seed",
            "1",
            "--json",
        ],
    )
    assert r.exit_code == 0, r.stderr
    d = strict_json.loads(r.stdout)
    assert d["statistics"] == "fermi" and len(d["limit"]) == 4 and "alpha" in d
    r = run(
        cli,
        [
            "optimize",
            "--energies",
            "1,2,3,4,5,6",
            "--n",
            "1000",
            "--mean-energy",
            "4.5",
            "--constraint",
            "E**2=22",
            "--json",
        ],
    )
    assert r.exit_code == 0, r.stderr
    d = strict_json.loads(r.stdout)
    assert d["constraints"][0]["expression"] == "E**2"
    assert len(d["optimum"]["lambdas"]) == 1


@pytest.mark.parametrize(
    "args, name",
    [
        (["--statistics", "fermi", "--n", "9", "--classes", "3", "--degeneracies", "1,1,1"], "--n"),
        (["--constraint", "k**2=99"], "--constraint"),
        (["--constraint", "k**"], "--constraint"),
        (["--degeneracies", "1,2"], "--degeneracies"),
        (["--degeneracies", "1,0,1,1"], "--degeneracies"),
        (["--statistics", "anyon"], "--statistics"),
    ],
)
def test_cli_bad_statistics_input(args, name):
    r = CliRunner().invoke(cli, ["optimize", *args])
    assert r.exit_code == 2, r.stdout
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("maxent: error:") and name in lines[0]


@pytest.mark.parametrize("n", [1, 10**3, 10**9, 10**15, 10**18])
def test_log_count_does_not_cancel_at_huge_n(n):
    """Closed forms at the extremes, where the textbook sums lose every digit.

    All items in one class: W = 1 (Boltzmann, exact and Stirling: ln W = 0; the plain
    ln N! - ln N! gave 1.2e5 at N = 1e18). Bose with g = 2 on one class: ln C(n+1, n) =
    ln(n + 1). Fermi with n = g - 1: ln C(g, g - 1) = ln g.
    """
    p = maxent.Problem([0, 1, 2, 3], n, mean_energy=0)
    for objective in ("exact", "stirling"):
        assert maxent.log_count(p, [n, 0, 0, 0], objective) == pytest.approx(0.0, abs=1e-9)
    top = maxent.optimize(maxent.Problem([0, 4, 4, 5], n, mean_energy=5))
    assert top.exact.counts.tolist() == [0, 0, 0, n]  # the face holds exactly N
    assert top.exact.log_count == 0.0 and top.stirling.log_count == 0.0
    one = np.array([float(n)])
    two = np.array([2.0])
    assert S.log_weight(S.BOSE, one, two)[0] == pytest.approx(math.log1p(n), rel=1e-13)
    if n < 2**53:  # g = n + 1 is a float64
        g = np.array([float(n) + 1.0])
        assert S.log_weight(S.FERMI, one, g)[0] == pytest.approx(math.log(n + 1.0), rel=1e-13)
    # Stirling: (n+2) ln(n+2) - n ln n - 2 ln 2 = n log1p(2/n) + 2 log1p(n/2)
    ref = n * math.log1p(2.0 / n) + 2.0 * math.log1p(n / 2.0)
    assert S.stirling_log_weight(S.BOSE, one, two)[0] == pytest.approx(ref, rel=1e-13)


@pytest.mark.parametrize("stat", [S.BOLTZMANN, S.BOSE, S.FERMI])
def test_stirling_divergence_is_the_difference_without_cancellation(stat):
    # moderate counts: equals s(m) - s(n) + s'(m)(n - m) taken directly
    rng = np.random.default_rng(7)
    g = rng.uniform(50.0, 80.0, 6) if stat == S.FERMI else rng.uniform(0.5, 3.0, 6)
    m = rng.uniform(5.0, 40.0, 6)
    n = np.clip(m + rng.normal(0.0, 4.0, 6), 0.0, None)
    sm, sn = S.stirling_log_weight(stat, m, g), S.stirling_log_weight(stat, n, g)
    h = 1e-6 * m
    slope = (S.stirling_log_weight(stat, m + h, g) - S.stirling_log_weight(stat, m - h, g)) / (
        2 * h
    )
    direct = sm - sn + slope * (n - m)
    got = S.stirling_divergence(stat, n, m, g)
    assert np.all(got >= 0.0)
    assert np.allclose(got, direct, rtol=1e-6, atol=1e-9)
    # counts of 1e15 one standard deviation apart: ~1/2, where the direct form keeps
    # only rounding of terms ~3e16
    import mpmath

    mpmath.mp.dps = 50
    big_m, big_g = 1e15, (3e15 if stat == S.FERMI else 2e15)
    big_n = big_m + 3.2e7

    def s(x):
        x, gg = mpmath.mpf(x), mpmath.mpf(big_g)
        if stat == S.BOLTZMANN:
            return x - x * mpmath.log(x / gg)
        if stat == S.BOSE:
            return (x + gg) * mpmath.log(x + gg) - x * mpmath.log(x) - gg * mpmath.log(gg)
        return gg * mpmath.log(gg) - x * mpmath.log(x) - (gg - x) * mpmath.log(gg - x)

    ds = mpmath.diff(s, big_m)
    want = float(s(big_m) - s(big_n) + ds * (big_n - big_m))
    assert S.stirling_divergence(stat, big_n, big_m, big_g) == pytest.approx(want, rel=1e-8)


def test_bose_stirling_curvature_keeps_its_precision_at_huge_counts():
    # 1/(n + g) - 1/n cancelled to 0 at n ~ 1e17: simulate --statistics bose --n 1e18
    # then fitted beta with zero error bars (a divide-by-zero warning and no fit)
    n = np.array([0.5, 3.0, 1e9, 3e17])
    g = np.array([2.0, 3.0, 1.0, 1.0])
    ref = -g / (n * (n + g))
    assert np.allclose(S.h_second(S.BOSE, n, g, "stirling"), ref, rtol=1e-14, atol=0)
