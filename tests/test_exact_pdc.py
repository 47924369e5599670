"""The exact sampler by divide and conquer over items (maxent/_sampling/exact_pdc.py).

Statistical tests use fixed seeds. Mean tests are z-tests of every class's sample mean
against the exact finite-N mean (``maxent.exact_mean_fractions``) with a Bonferroni
threshold for a 1e-3 false-alarm rate per test; chi-square tests on full allocation
frequencies reject at p < 1e-3 (a 0.1% false-alarm rate per test for a correct sampler).
The negative control (accept every feasible residual) must fail the same test.
"""

import dataclasses

import numba
import numpy as np
import pytest
from scipy import signal, stats

import maxent
from maxent import Problem
from maxent._sampling import exact_pdc as X
from maxent._sampling.exact import exact_plan, run_exact
from maxent._util.streams import as_seed_sequence

from . import strict_json
from .test_sample import assert_constraints, lattice_chi2, make

ALPHA = 1e-3
IRREGULAR = [0, 1, 3, 4, 7, 8, 11, 15, 16, 20]


@pytest.fixture
def pdc():
    """Use the divide-and-conquer sampler wherever it applies (also for small K)."""
    X.FORCE["pdc"] = True
    yield
    X.FORCE.clear()


def mean_test(res, exact):
    """Smallest Bonferroni-corrected p-value of the per-class z-tests (1.0 if none)."""
    f = res.fractions
    m = f.shape[0]
    se = f.std(axis=0, ddof=1) / np.sqrt(m)
    diff = np.abs(f.mean(axis=0) - exact)
    fixed = se < 1e-12
    # a class that never varied must sit exactly at its exact mean (to rounding)
    assert np.all(diff[fixed] < 1e-9 + 3.0 / m), (diff[fixed], exact[fixed])
    z = diff[~fixed] / se[~fixed]
    if z.size == 0:
        return 1.0
    return float(min(1.0, 2 * stats.norm.sf(z.max()) * z.size))


def draw_pdc(problem, samples, seed, threads=1):
    res = maxent.sample(problem, samples, "exact", seed=seed, threads=threads)
    assert res.diagnostics["algorithm"] == "divide and conquer"
    assert_constraints(res)
    return res


RNG_ENERGIES = np.sort(np.random.default_rng(7).choice(400, size=100, replace=False))
RNG_ENERGIES = RNG_ENERGIES - RNG_ENERGIES[0]

MEAN_CASES = {
    "K=2": dict(energies=[0, 1], n=500, mean_energy=0.3),
    "K=3": dict(energies=[0, 1, 2], n=2000, mean_energy=0.6),
    "K=10": dict(energies=np.arange(10), n=5000, mean_energy=2.7),
    "degenerate": dict(
        energies=[0, 1, 1, 2, 3, 3, 3], n=3000, mean_energy=1.4, degeneracies=[1, 2, 1, 3, 1, 1, 2]
    ),
    "irregular K=10": dict(energies=IRREGULAR, n=3000, mean_energy=6.0),
    "quantum gcd 2": dict(energies=[0, 2, 4, 6, 8], n=1000, mean_energy=2.4, energy_quantum=1.0),
    "mean near lowest": dict(energies=np.arange(10), n=2000, mean_energy=0.02),
    "mean near highest": dict(energies=np.arange(6), n=1000, mean_energy=4.97),
}


@pytest.mark.parametrize("name", list(MEAN_CASES))
def test_means_match_exact_finite_n(pdc, name):
    p = Problem(**MEAN_CASES[name], snap=True)
    exact, how = maxent.exact_mean_fractions(p)
    assert how in ("convolution", "enumeration")
    res = draw_pdc(p, 20_000, seed=11)
    assert mean_test(res, exact) > ALPHA


@pytest.mark.slow
@pytest.mark.parametrize(
    "energies, mean",
    [(np.arange(100), 29.7), (RNG_ENERGIES, 0.3 * RNG_ENERGIES[-1])],
    ids=["K=100", "irregular K=100"],
)
def test_means_match_exact_finite_n_k100(pdc, energies, mean):
    p = Problem(energies, 10_000, mean_energy=mean, snap=True)
    exact, how = maxent.exact_mean_fractions(p)
    assert how in ("convolution", "enumeration")
    res = draw_pdc(p, 20_000, seed=12)
    assert mean_test(res, exact) > ALPHA


ENUM_CASES = [
    ([0, 1], 12, 5),
    ([0, 1, 2, 3], 10, 12),
    ([0, 1, 3, 4, 7], 6, 18),
    ([0, 0, 1, 2], 8, 6),
    ([0, 2, 5], 9, 18),
    ([0, 1, 2, 3, 4, 5, 6, 7], 5, 10),
    ([0, 1, 2, 3, 4, 5], 13, 30),
]


@pytest.mark.parametrize("energies, n, total", ENUM_CASES)
def test_allocation_frequencies_match_enumeration(pdc, energies, n, total):
    p = make(energies, n, total)
    res = draw_pdc(p, 20_000, seed=5)
    assert lattice_chi2(res.draws, p) > ALPHA


def accept_every_feasible(plan):
    """Negative control: keep every proposal whose residual the rest can still reach."""
    return dataclasses.replace(
        plan,
        tab=(plan.tab > 0).astype(np.float64),
        delta=np.zeros_like(plan.delta),
        lmax=np.zeros_like(plan.lmax),
    )


@pytest.mark.parametrize(
    "energies, n, total", [([0, 1, 2, 3], 10, 12), ([0, 1, 2, 3, 4, 5], 13, 30)]
)
def test_negative_control_fails_the_same_test(pdc, energies, n, total):
    p = make(energies, n, total)
    plan = exact_plan(p)
    good, _ = run_exact(plan, as_seed_sequence(5), 20_000, 64, None)
    bad, _ = run_exact(accept_every_feasible(plan), as_seed_sequence(5), 20_000, 64, None)
    assert (bad.sum(axis=1) == n).all() and (bad @ p.levels == p.level_total).all()
    assert lattice_chi2(good, p) > ALPHA
    assert lattice_chi2(bad, p) < 1e-6


def test_negative_control_fails_the_mean_test(pdc):
    # (at large N the uncorrected residual drifts out of reach and the control stalls)
    p = Problem(np.arange(10), 200, mean_energy=2.7)
    exact, _ = maxent.exact_mean_fractions(p)
    plan = exact_plan(p)
    bad, _ = run_exact(accept_every_feasible(plan), as_seed_sequence(11), 20_000, 64, None)
    res = maxent.sample(p, 20_000, "exact", seed=11)
    res_bad = dataclasses.replace(res, draws=bad)
    assert mean_test(res, exact) > ALPHA
    assert mean_test(res_bad, exact) < 1e-6


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="needs 2 numba threads")
def test_draws_do_not_depend_on_threads_and_are_a_function_of_the_seed(pdc):
    p = Problem(np.arange(30), 20_000, mean_energy=8.7, snap=True)
    one = draw_pdc(p, 3000, seed=4, threads=1)
    two = draw_pdc(p, 3000, seed=4, threads=2)
    again = draw_pdc(p, 3000, seed=4, threads=2)
    other = draw_pdc(p, 3000, seed=5, threads=1)
    assert np.array_equal(one.draws, two.draws) and np.array_equal(two.draws, again.draws)
    assert not np.array_equal(one.draws, other.draws)
    short = draw_pdc(p, 1500, seed=4)
    assert np.array_equal(short.draws, one.draws[:1500])


def test_single_item_and_tiny_problems(pdc):
    p = Problem([0, 1, 2], 1, total_energy=1)
    res = draw_pdc(p, 50, seed=1)
    assert (res.draws == [0, 1, 0]).all()
    p = Problem([0, 1, 1, 2], 1, total_energy=1)
    res = draw_pdc(p, 4000, seed=1)
    assert set(map(tuple, res.draws.tolist())) == {(0, 1, 0, 0), (0, 0, 1, 0)}
    assert stats.binomtest(int(res.draws[:, 1].sum()), 4000, 0.5).pvalue > ALPHA


def reference_table(plan, b):
    """P(S_b = s) by direct (non-FFT) convolution powers, on the plan's window, / max."""
    one = np.zeros(int(plan.lv[-1]) + 1)
    one[plan.lv] = plan.q
    out = np.ones(1)
    base = one
    e = b
    while e:
        if e & 1:
            out = signal.convolve(out, base, method="direct")
        e >>= 1
        if e:
            base = signal.convolve(base, base, method="direct")
    return out / out.max()


@pytest.mark.parametrize(
    "energies, n, mean",
    [(np.arange(30), 4096, 8.7), (IRREGULAR, 2048, 6.0), (np.arange(4), 1 << 14, 0.9)],
)
def test_tables_match_direct_convolution(energies, n, mean):
    p = Problem(energies, n, mean_energy=mean, snap=True)
    plan = X.pdc_plan(p)
    worst = 0.0
    for t in range(plan.stages):
        b = int(plan.ms[t + 1])
        ref = reference_table(plan, b)
        lo, size = int(plan.tab_lo[t]), int(plan.tab_len[t])
        got = plan.tab[plan.tab_off[t] : plan.tab_off[t] + size]
        ref_w = ref[lo : lo + size]
        worst = max(worst, float(np.abs(got - ref_w).max()))
        outside = np.delete(ref, np.arange(lo, lo + size))
        assert outside.size == 0 or outside.max() < 1e-15  # the window keeps the mass
        assert np.all(got[ref_w > 1e-15] > 0) and np.all(got[ref_w == 0] == 0)
    assert worst < 1e-12


def test_method_choice_and_fallbacks():
    big = Problem(np.arange(40), 10_000, mean_energy=11.7)
    assert X.preferred_plan(big) is not None
    small = Problem([0, 1, 2, 3], 10_000, mean_energy=1.2)
    assert X.preferred_plan(small) is None  # the old sampler is faster at small K
    bose = Problem(np.arange(40), 1000, mean_energy=11.7, statistics="bose")
    assert X.applies(bose)
    moment = Problem(np.arange(40), 1000, mean_energy=11.7, constraints=["E**2=200"])
    assert X.applies(moment)
    ext = Problem(np.arange(40), 1000, mean_energy=0.0)
    assert X.applies(ext)
    res = maxent.sample(ext, 10, "exact", seed=1)
    assert (res.draws[:, 0] == 1000).all()
    steep = Problem(np.arange(1000), 1000, mean_energy=0.001)
    assert X.applies(steep)  # p_k underflows: the tables would lose levels
    assert maxent.sample(steep, 20, "exact", seed=1).draws.shape == (20, 1000)


@pytest.mark.slow
def test_large_problem_keeps_constraints():
    p = Problem(np.arange(1000), 10**6, mean_energy=299.7, snap=True)
    res = maxent.sample(p, 100, "exact", seed=3, threads=1)
    assert res.diagnostics["algorithm"] == "divide and conquer"
    assert_constraints(res)
    assert 0.3 < res.diagnostics["acceptance"] < 0.7


def test_cli_uses_the_new_sampler():
    from click.testing import CliRunner

    from maxent.cli import cli

    out = CliRunner().invoke(
        cli, ["sample", "--classes", "40", "--n", "10000", "--samples", "200", "--json"]
    )
    assert out.exit_code == 0, out.stderr
    assert strict_json.loads(out.stdout)["sampler"]["method"] == "exact"


def test_huge_n_keeps_the_log_factorial_table_small(pdc):
    # the plan tabulated log k! up to N itself: 8 GB at N = 1e9, MemoryError at 1e12
    # (simulate with 100 levels); binomials past the table use lgamma differences
    p = Problem([0, 1, 2, 3, 5], 10**8, mean_energy=1.7)
    plan = X.pdc_plan(p)
    assert plan.logfact.size == X.LOGFACT_TABLE + 1
    res = maxent.sample(p, 200, "exact", seed=5, threads=1)
    assert_constraints(res)
    z = (res.mean_fractions - p.boltzmann) / res.stderr
    assert np.abs(z).max() < 4.4  # Bonferroni over 5 classes at a 1e-4 false-alarm rate


def test_a_refused_plan_is_refused_quickly_and_once(monkeypatch):
    # an oversized plan was found out only after all its convolutions (35 s at N = 1e9
    # with 100 irregular levels), and again for the MCMC's exact refresh
    calls = []
    monkeypatch.setattr(X, "MAX_TABLE", 10)
    monkeypatch.setattr(X, "_conv", lambda *a: calls.append(1) or signal.convolve(*a))
    p = Problem(np.arange(40), 10_000, mean_energy=11.7)
    assert X.pdc_plan(p) is None and X.pdc_plan(p) is None
    assert calls == []
