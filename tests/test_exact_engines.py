"""Both engines of the conditioned-rejection sampler against exact enumeration.

A run predicted to need few variates is drawn vectorised in numpy (no numba to load);
a larger one by the numba kernel. The choice depends on the plan and the number of
draws only (``maxent._sampling.exact.NUMPY_WORK``); each test forces one engine.
Chi-square tests on the frequencies of the lattice points reject at p < 1e-3: a 0.1%
false-alarm rate per test for a correct sampler, under 1.4% for the 14 of them.
"""

import numpy as np
import pytest
from scipy import stats

import maxent
from maxent import Problem
from maxent._sampling import exact as E
from maxent._sampling import exact_pdc

ALPHA = 1e-3

CASES = {
    "boltzmann": lambda: Problem([0, 1, 2, 3], 10, mean_energy=1.2),
    "bose": lambda: Problem(
        [0, 1, 2, 3], 8, mean_energy=1.0, statistics="bose", degeneracies=[1, 2, 2, 3]
    ),
    "fermi": lambda: Problem(
        [0, 1, 2, 3], 6, mean_energy=7 / 6, statistics="fermi", degeneracies=[3, 3, 3, 3]
    ),
    "constraint": lambda: Problem([0, 1, 2, 3, 4], 12, mean_energy=1.5, constraints=["k**2=3"]),
    "degenerate": lambda: Problem([0, 0, 1, 2], 8, mean_energy=0.75),
    "extreme face": lambda: Problem([0, 0, 1, 2], 10, mean_energy=0.0),
    # every level full: nothing left to draw (no determined class, no free class)
    "all fixed": lambda: Problem(
        [0, 1, 2], 6, total_energy=6, statistics="fermi", degeneracies=[2, 2, 2]
    ),
}


@pytest.fixture(params=["numpy", "numba"])
def engine(request, monkeypatch):
    monkeypatch.setitem(exact_pdc.FORCE, "old", True)  # small N would divide and conquer
    monkeypatch.setattr(E, "NUMPY_WORK", 10**12 if request.param == "numpy" else 0)
    return request.param


def lattice_pvalue(draws, problem):
    en = maxent.enumerate_allocations(problem)
    index = {tuple(a): i for i, a in enumerate(en.allocations.tolist())}
    obs = np.zeros(en.size)
    for row in draws.tolist():
        obs[index[tuple(row)]] += 1  # a KeyError here is a draw off the lattice
    if en.size == 1:
        return 1.0
    exp = en.probabilities * draws.shape[0]
    small = exp < 5  # pool the cells expected below 5
    o = np.append(obs[~small], obs[small].sum())
    e = np.append(exp[~small], exp[small].sum())
    if e[-1] == 0:
        o, e = o[:-1], e[:-1]
    return stats.chisquare(o, e).pvalue


@pytest.mark.parametrize("case", CASES)
def test_engine_matches_enumeration(case, engine):
    p = CASES[case]()
    plan = E.exact_plan(p)
    assert plan.prefers_numpy(20_000) == (engine == "numpy")
    res = maxent.sample(p, 20_000, "exact", seed=11)
    assert (res.draws.sum(axis=1) == p.n).all()
    assert lattice_pvalue(res.draws, p) > ALPHA


def test_negative_control_fails_the_same_test(monkeypatch):
    monkeypatch.setitem(exact_pdc.FORCE, "old", True)
    # a sampler that skips the acceptance step (keeps every solvable proposal) is wrong
    p = CASES["boltzmann"]()
    plan = E.exact_plan(p)
    monkeypatch.setattr(E, "log_ratios", lambda *a: np.zeros(a[3].shape))  # all kept
    rng = np.random.default_rng(1)
    ok, cand = plan._propose(rng, 40_000)
    wrong = cand[ok][:20_000]
    assert lattice_pvalue(wrong, p) < 1e-12


def test_prefix_stable_within_each_engine(engine):
    p = Problem([0, 1, 2, 3], 5000, mean_energy=1.2)
    long = maxent.sample(p, 2500, "exact", seed=3)
    short = maxent.sample(p, 700, "exact", seed=3)
    assert np.array_equal(long.draws[:700], short.draws)
    again = maxent.sample(p, 700, "exact", seed=np.random.SeedSequence(3))
    assert np.array_equal(again.draws, short.draws)


def test_small_run_takes_numpy_and_large_run_numba():
    p = Problem([0, 1, 2, 3], 100_000, mean_energy=1.2)
    plan = E.exact_plan(p)
    assert plan.prefers_numpy(10_000)
    assert not plan.prefers_numpy(10_000_000)
    res = maxent.sample(p, 2000, "exact", seed=1)
    assert res.threads == 1  # the numpy engine runs on one thread


def test_numpy_engine_reports_a_draw_beyond_max_tries(monkeypatch):
    monkeypatch.setitem(exact_pdc.FORCE, "old", True)
    plan = E.exact_plan(CASES["boltzmann"]())
    monkeypatch.setattr(E, "log_ratios", lambda *a: np.full(a[3].shape, -np.inf))  # none
    out = np.zeros((4, 4), dtype=np.int64)
    with pytest.raises(RuntimeError, match="more than 1e\\+03 proposals"):
        plan.draw_numpy(np.random.default_rng(0), out, max_tries=1000)


def test_top_counts_when_the_mode_lies_beyond_the_cap():
    # a Bose tilt near 1 (N = 1e18 at the top of the range) puts the mode past the cap,
    # where no candidate was left and max() of nothing raised
    p1, p2, cap = np.array([1.0 - 1e-12, 0.5]), np.array([3.0, 2.0]), np.array([10, 10])
    top = E.top_counts(E.K.NEGBIN, p1, p2, cap)
    for i in range(2):
        ratios = [E.K.log_ratio(E.K.NEGBIN, p1[i], p2[i], float(c), top[i]) for c in range(11)]
        assert max(ratios) <= 1e-12


@pytest.mark.parametrize("fam", [0, 1, 2])
def test_log_ratio_against_mpmath_at_huge_counts(fam):
    # log f(n) - log f(m) at counts ~1e15: each log f is ~3e16, so their difference in
    # doubles kept an error of order one (the acceptance test then drew the wrong law)
    import mpmath

    mpmath.mp.dps = 60
    lam = 1e15
    p1, p2 = {0: (lam, 0.0), 1: (0.999, 1e12), 2: (0.4, 2.5e15)}[fam]
    m = {0: lam, 1: 1e15 - 1.0, 2: 1e15}[fam]
    for n in (m - 3e7, m - 1.0, m + 12345.0, m + 4e7):

        def logf(c, p1=p1, p2=p2):
            c, a, b = mpmath.mpf(c), mpmath.mpf(p1), mpmath.mpf(p2)
            if fam == 0:
                return c * mpmath.log(a) - mpmath.loggamma(c + 1)
            if fam == 1:
                return mpmath.loggamma(c + b) - mpmath.loggamma(c + 1) + c * mpmath.log(a)
            return (
                -mpmath.loggamma(c + 1) - mpmath.loggamma(b - c + 1) + c * mpmath.log(a / (1 - a))
            )

        want = float(logf(n) - logf(m))
        kernel = E.K.log_ratio(fam, p1, p2, n, m)
        vector = E.log_ratios(fam, np.array([p1]), np.array([p2]), np.array([[n]]), [m])[0, 0]
        assert kernel == pytest.approx(want, rel=1e-9, abs=1e-6)
        assert vector == pytest.approx(want, rel=1e-9, abs=1e-6)


HUGE = {
    "boltzmann 1e18": lambda: Problem([0.0, 1.0, 2.0], 10**18, mean_energy=2 / 2.2, snap=True),
    "extra row 1e15": lambda: Problem(
        np.arange(5.0), 10**15, constraints=["k**2=5"], mean_energy=2.0, snap=True
    ),
    "fermi 1e15": lambda: Problem(
        np.arange(4.0), 10**15, mean_energy=1.2, statistics="fermi", degeneracies=[6e14] * 4
    ),
    "bose 1e15": lambda: Problem(
        np.arange(4.0),
        10**15,
        mean_energy=1.2,
        statistics="bose",
        degeneracies=[1e14, 2e14, 2e14, 3e14],
    ),
}


@pytest.mark.parametrize("case", HUGE)
def test_exact_draws_at_huge_n_follow_the_concentration_law(case):
    # At N = 1e15..1e18 the log pmfs are ~1e16..1e19: taken as differences of such
    # values, the generators' and the acceptance's tests drew a law ~1% to 50% too wide
    # in variance. 2 (S(n*) - S(n)) follows chi2 here to far better than 20,000 draws can
    # see (finite-N corrections ~1/N); KS at p < 1e-3 rejects (0.1% false alarm, 4 tests).
    c = maxent.compare(HUGE[case](), 20_000, "exact", seed=2)
    assert c.concentration.ks_pvalue > 1e-3, c.concentration


def test_bose_condensed_tilt_at_n_1e18_raises_no_warning():
    # the ground level's multiplier ~1e-18 rounds exp(-x) to 1.0: the planner divided
    # by 1 - q = 0 (RuntimeWarning, an error under the test settings) before falling
    # back to MCMC. g = 1: the allocations are uniform, so n_2 / N averages 0.2.
    p = Problem([0, 1, 2], 10**18, mean_energy=0.8, statistics="bose")
    r = maxent.sample(p, 200, seed=1)
    assert abs(r.mean_fractions[2] - 0.2) < 5 * r.stderr[2] + 1e-3
