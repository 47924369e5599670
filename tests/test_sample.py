"""Statistical tests of the samplers against exact enumeration.

Every test uses a fixed seed. Chi-square tests on counts use a rejection threshold of
p < 1e-3 (a 0.1% false-alarm rate per test for a correct sampler); negative controls
must fail the same tests decisively.
"""

import math

import numpy as np
import pytest
from scipy import stats

import maxent
from maxent import Problem, UnreachableError, ValidationError

from .naive import exact_distribution, lattice

ALPHA = 1e-3

CASES = [
    ([0, 1], 12, 5),  # K = 2: a single lattice point
    ([0, 1, 2, 3], 10, 12),
    ([0, 1, 3, 4, 7], 6, 18),  # irregular levels
    ([0, 0, 1, 2], 8, 6),  # a degenerate level
    ([0, 2, 5], 9, 18),  # gaps; two lattice points
    ([0, 1, 2, 3, 4, 5, 6, 7], 5, 10),  # K = 8 > N
    ([0, 1, 2, 3, 4, 5, 6], 3, 7),  # K = 7 > N
    ([0, 0.5, 1.5], 7, 4),  # decimal energies: quantum 0.5, level total 4 -> U = 2
]


def make(energies, n, level_total):
    e = np.asarray(energies, float)
    p0 = Problem(e, n, mean_energy=e.min())
    return Problem(e, n, total_energy=n * e.min() + p0.quantum * level_total)


def lattice_chi2(draws, problem):
    """Chi-square p-value of draws against the exact law W / sum W on the lattice."""
    pts, probs = exact_distribution(problem.levels, problem.n, problem.level_total)
    index = {tuple(p.tolist()): i for i, p in enumerate(pts)}
    obs = np.zeros(len(pts))
    for row in draws.tolist():
        obs[index[tuple(row)]] += 1  # a KeyError here means an off-lattice draw
    exp = np.array([float(p) for p in probs]) * draws.shape[0]
    if len(pts) == 1:
        return 1.0
    # pool the cells with expected count < 5 into one
    small = exp < 5
    o = np.append(obs[~small], obs[small].sum())
    e = np.append(exp[~small], exp[small].sum())
    if e[-1] == 0:
        o, e = o[:-1], e[:-1]
    return stats.chisquare(o, e).pvalue


def marginal_chi2(values, problem, k=0):
    """Chi-square p-value of the draws' n_k against the exact marginal of n_k."""
    pts, probs = exact_distribution(problem.levels, problem.n, problem.level_total)
    pmf = np.zeros(problem.n + 1)
    for p, w in zip(pts, probs):
        pmf[p[k]] += float(w)
    obs = np.bincount(values, minlength=problem.n + 1)[: problem.n + 1].astype(float)
    exp = pmf * values.size
    small = exp < 5
    o = np.append(obs[~small], obs[small].sum() + (values.size - obs.sum()))
    e = np.append(exp[~small], exp[small].sum())
    if e[-1] == 0:
        if o[-1] > 0:
            return 0.0  # values the exact law never produces
        o, e = o[:-1], e[:-1]
    return stats.chisquare(o, e).pvalue


def assert_constraints(res):
    p = res.problem
    assert (res.draws >= 0).all()
    assert (res.draws.sum(axis=1) == p.n).all()
    assert (res.draws @ p.levels == p.level_total).all()


@pytest.mark.parametrize("energies, n, total", CASES)
@pytest.mark.parametrize("method", ["exact", "enumerate"])
def test_exact_methods_match_enumeration(energies, n, total, method):
    p = make(energies, n, total)
    res = maxent.sample(p, 20_000, method, seed=11)
    assert_constraints(res)
    assert lattice_chi2(res.draws, p) > ALPHA


def test_negative_control_uniform_over_lattice_fails():
    p = make([0, 1, 2, 3], 10, 12)
    pts = np.array(lattice(p.levels, p.n, p.level_total))
    wrong = pts[np.random.default_rng(0).integers(0, len(pts), 20_000)]
    assert lattice_chi2(wrong, p) < 1e-12


def test_negative_control_unconstrained_multinomial_fails():
    p = make([0, 1, 2, 3], 10, 12)
    good = maxent.sample(p, 20_000, "exact", seed=5)
    assert marginal_chi2(good.draws[:, 0], p) > ALPHA
    plain = np.random.default_rng(0).multinomial(p.n, p.boltzmann, size=20_000)
    assert marginal_chi2(plain[:, 0], p) < 1e-12
    assert (plain @ p.levels != p.level_total).any()


@pytest.mark.slow
@pytest.mark.parametrize("energies, n, total", CASES)
def test_mcmc_means_match_enumeration(energies, n, total):
    p = make(energies, n, total)
    res = maxent.sample(p, 20_000, "mcmc", seed=3, thin=5 * n)
    assert_constraints(res)
    exact = maxent.enumerate_allocations(p).mean_fractions
    # |z| < 5 with ESS-based standard errors (a false alarm below 1e-5 per class);
    # the 1e-12 covers classes whose count never varies
    assert np.all(np.abs(res.mean_fractions - exact) < 5 * res.stderr + 1e-12)
    d = res.diagnostics
    assert 0 < d["acceptance"] <= 1 and len(d["ess"]) == p.classes


def test_mcmc_thinned_draws_pass_the_lattice_test():
    p = make([0, 1, 2, 3], 10, 12)
    res = maxent.sample(p, 6000, "mcmc", seed=8, thin=200)
    # Independent records have tau = 1; Sokal's estimate over R records then has standard
    # deviation about sqrt(2 (2M + 1) / R) with window M ~ 5, so 5 of those bound it both
    # ways. Recording after every proposal instead must show a correlated chain.
    tau = np.array(res.diagnostics["tau"])
    assert np.all(np.abs(tau - 1.0) < 5 * math.sqrt(22 / 6000))
    assert lattice_chi2(res.draws, p) > ALPHA
    sticky = maxent.sample(p, 6000, "mcmc", seed=8, thin=1)
    assert min(sticky.diagnostics["tau"]) > 2.0


def test_shell_mcmc_for_energies_without_a_quantum():
    e = np.array([0.0, 1.0, math.pi])
    n, tol = 6, 2.2  # >= the largest gap between adjacent energies: a connected shell
    p = Problem(e, n, mean_energy=1.0, energy_tolerance=tol)
    assert p.quantum is None
    res = maxent.sample(p, 20_000, seed=2)
    assert res.method == "mcmc" and "shell" in res.reason
    energy = res.draws @ e
    assert (np.abs(energy - p.total_energy) <= tol + 1e-12).all()
    # exact shell law by brute force: W over all compositions inside the shell
    pts = [
        c
        for c in (
            np.bincount(x, minlength=3)
            for x in __import__("itertools").combinations_with_replacement(range(3), n)
        )
        if abs(c @ e - p.total_energy) <= tol
    ]
    w = np.array([math.factorial(n) / np.prod([math.factorial(int(v)) for v in c]) for c in pts])
    mean = (w / w.sum()) @ np.array(pts) / n
    assert np.all(np.abs(res.mean_fractions - mean) < 5 * res.stderr)


def test_shell_needs_a_tolerance():
    p = Problem([0.0, 1.0, math.pi], 6, mean_energy=1.0)
    with pytest.raises(ValidationError, match="energy_tolerance"):
        maxent.sample(p, 10)
    with pytest.raises(ValidationError, match="common lattice"):
        maxent.sample(p, 10, "exact")


def test_large_n_exact_draws_keep_constraints_and_boltzmann_means():
    p = Problem([0, 1, 2, 3], 10**6, mean_energy=1.2)
    res = maxent.sample(p, 5000, seed=1)
    assert res.method == "exact"
    assert_constraints(res)
    exact_opt = maxent.maximize_log_count(p).fractions
    assert np.all(np.abs(res.mean_fractions - exact_opt) < 5 * res.stderr)
    assert 0.2 < res.diagnostics["acceptance"] < 0.5


def test_irregular_levels_k10_exact():
    e = [0, 1, 3, 4, 7, 8, 11, 15, 16, 20]
    p = Problem(e, 50_000, mean_energy=5.0)
    res = maxent.sample(p, 2000, seed=4)
    assert_constraints(res)
    opt = maxent.maximize_log_count(p).fractions
    assert np.all(np.abs(res.mean_fractions - opt) < 5 * res.stderr)


# -- reproducibility -----------------------------------------------------------------------


@pytest.mark.parametrize("method", ["exact", "mcmc"])
def test_same_seed_same_draws_for_any_thread_count(method):
    p = Problem([0, 1, 2, 3], 2000, mean_energy=1.2)
    kw = {"thin": 500, "burn_in": 1000} if method == "mcmc" else {}
    a = maxent.sample(p, 3000, method, seed=7, threads=1, **kw)
    b = maxent.sample(p, 3000, method, seed=7, threads=2, **kw)
    assert np.array_equal(a.draws, b.draws)
    c = maxent.sample(p, 3000, method, seed=8, threads=2, **kw)
    assert not np.array_equal(a.draws, c.draws)


# prefix stability and SeedSequence seeding of the exact draws: per engine, in
# tests/test_exact_engines.py::test_prefix_stable_within_each_engine


def test_enumeration_fixes_the_last_class_from_the_count():
    # equal energies prune nothing: the last class was stepped up one by one, O(N) per
    # prefix, and 'sample --energies 1.5,1.5 --n 1e5' ran for minutes
    en = maxent.enumerate_allocations(Problem([1.5, 1.5], 100_000, mean_energy=1.5))
    assert en.allocations.shape == (100_001, 2)
    assert (en.allocations.sum(axis=1) == 100_000).all()
    for e, n, total in [([0, 1, 1, 3], 7, 9), ([2, 2, 2], 5, 10), ([0, 2, 5], 6, 12)]:
        p = Problem(e, n, total_energy=total)
        got = sorted(map(tuple, maxent.enumerate_allocations(p).allocations.tolist()))
        assert got == sorted(map(tuple, lattice(p.levels, n, p.level_total)))


# -- item dynamics -------------------------------------------------------------------------


@pytest.mark.parametrize("start", ["bracket", "extremes"])
def test_relaxation_conserves_energy_and_reaches_boltzmann(start):
    p = Problem([0, 1, 2, 3], 20_000, mean_energy=1.2)
    r = maxent.relax(p, 20, start, seed=1)
    assert (r.counts.sum(axis=1) == p.n).all()
    assert (r.counts @ p.levels == p.level_total).all()
    assert r.tv_distance[0] > 0.3
    assert r.tv_distance[-5:].max() < 0.02
    assert r.entropy[-1] == pytest.approx(r.entropy_max, abs=2e-3)
    assert r.entropy[0] < r.entropy[-1]


def test_relax_class_start_and_bad_starts():
    p = Problem([0, 1, 2, 3], 1000, mean_energy=1.0)
    r = maxent.relax(p, 5, "class:1", seed=1)
    assert r.counts[0].tolist() == [0, 1000, 0, 0]
    with pytest.raises(ValidationError, match="class 2"):
        maxent.relax(p, 5, "class:2")
    with pytest.raises(ValidationError, match="start"):
        maxent.relax(p, 5, "sideways")


def test_relax_unreachable_total_is_named_as_such():
    # energies on a lattice but a mean no allocation reaches: the error used to say
    # "'bracket' needs energies on a lattice; use 'mode'"
    for e, n, mean, words in [
        ([0, 1, 2], 1, 0.8, "not on the energy lattice"),
        ([0, 4, 13], 1, 7.0, "no allocation of 1 items"),
    ]:
        p = Problem(e, n, mean_energy=mean)
        for start in ("bracket", "extremes"):
            with pytest.raises(UnreachableError, match=words):
                maxent.relax(p, 2, start, seed=1)


# -- errors and interruption ---------------------------------------------------------------


def test_unreachable_and_bad_arguments():
    with pytest.raises(UnreachableError):
        maxent.sample(Problem([0, 2, 5], 3, mean_energy=1 / 3), 10)
    p = Problem([0, 1, 2], 10, mean_energy=1.0)
    with pytest.raises(ValidationError, match="samples"):
        maxent.sample(p, 0)
    with pytest.raises(ValidationError, match="method"):
        maxent.sample(p, 10, "gibbs")
    with pytest.raises(ValidationError, match="seed"):
        maxent.sample(p, 10, seed=-1)
    with pytest.raises(ValidationError, match="threads"):
        maxent.sample(p, 10, threads=10_000)


@pytest.mark.parametrize("method", ["exact", "mcmc"])
def test_interruption_propagates_with_the_completed_draws(method):
    # Ctrl-C is never swallowed: it surfaces as a KeyboardInterrupt
    # carrying the draws finished before it, for a caller (the CLI) that wants them.
    p = Problem([0, 1, 2, 3], 10_000, mean_energy=1.2)
    calls = []

    def stop_after_first(done, total):
        calls.append(done)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt) as info:
        maxent.sample(p, 500_000, method, seed=1, threads=1, progress=stop_after_first)
    assert type(info.value) is KeyboardInterrupt  # plain: a script exits 130 as usual
    res = info.value.partial
    assert res.interrupted and 0 < res.samples < 500_000
    assert res.samples == calls[0]
    assert (res.draws.sum(axis=1) == p.n).all()
