import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
from scipy import stats

import maxent
from maxent import Problem, ValidationError
from maxent._compare.converge import parse_n_values


def test_distances_known_values():
    d = maxent.distances([0.5, 0.5, 0.0], [0.25, 0.25, 0.5])
    assert d.tv == pytest.approx(0.5)
    assert d.kl == pytest.approx(math.log(2))
    assert d.max_abs == pytest.approx(0.5)
    assert maxent.distances([0.5, 0.5], [1.0, 0.0]).kl == math.inf


@pytest.mark.parametrize(
    "energies, n, mean, g",
    [
        ([0, 1, 2, 3], 40, 1.2, None),
        ([0, 1, 3, 4, 7], 15, 3.0, None),
        ([0, 0, 1, 2], 25, 0.8, None),
        ([0, 2, 5], 12, 2.0, None),
        ([0, 1, 2], 20, 0.7, [1.0, 3.0, 2.0]),
    ],
)
def test_convolution_mean_matches_enumeration(energies, n, mean, g):
    p = Problem(energies, n, mean_energy=mean, degeneracies=g, snap=True)
    conv, how = maxent.exact_mean_fractions(p, max_points=0)
    assert how == "convolution"
    enum = maxent.enumerate_allocations(p)  # weights W(n) prod g_k^n_k
    np.testing.assert_allclose(conv, enum.mean_fractions, rtol=1e-10, atol=1e-13)


def test_exact_mean_unavailable_without_lattice():
    p = Problem([0, 1, math.pi], 10, mean_energy=1.0)
    assert maxent.exact_mean_fractions(p) == (None, "no energy lattice")


def test_fit_beta_recovers_boltzmann():
    e = np.array([0.0, 1.0, 2.5, 4.0])
    p = maxent.boltzmann(e, 0.7)
    prob = Problem(e, 10**6, mean_energy=float(p @ e), energy_quantum=0.5)
    fb = maxent.fit_beta(prob, p, np.full(4, 1e-6))
    assert fb.beta == pytest.approx(0.7, rel=1e-9) and fb.dof == 2 and fb.chi2 < 1e-12
    rng = np.random.default_rng(1)
    se = 1e-3 * p
    fits = [maxent.fit_beta(prob, p + rng.normal(0, se), se) for _ in range(400)]
    z = np.array([(f.beta - 0.7) / f.stderr for f in fits])
    assert abs(z.mean()) < 0.2 and 0.8 < z.std() < 1.2  # the error bar is calibrated


def test_concentration_accepts_exact_and_rejects_unconstrained():
    p = Problem([0, 1, 2, 3], 100_000, mean_energy=1.2)
    good = maxent.sample(p, 20_000, seed=5)
    c = maxent.concentration(p, good.draws)
    assert c.dof == 2
    assert c.ks_pvalue > 1e-3  # false alarm 0.1%
    plain = np.random.default_rng(0).multinomial(p.n, p.boltzmann, size=20_000)
    bad = maxent.concentration(p, plain)
    assert bad.ks_pvalue < 1e-10


def test_concentration_of_mcmc_draws_counts_effective_draws():
    # Negative control for correlated draws (issue #11): MCMC draws thinned by a single
    # proposal are strongly autocorrelated (tau about 30 draws). Counted as independent
    # they "fail" a chi2 law that is accurate here (K = 4, N = 1e5: the exact sampler
    # passes it above); at M / tau effective draws the same draws pass (false alarm
    # 0.1%, and the correction is conservative), and a chain with a wrong target still
    # fails.
    from maxent._sampling.alloc_mcmc import AllocMoves
    from maxent._sampling.mcmc import initial_counts

    p = Problem([0, 1, 2, 3], 100_000, mean_energy=1.2)
    res = maxent.sample(p, 20_000, "mcmc", seed=5, thin=1)
    chains = res.diagnostics["chains"]
    naive = maxent.concentration(p, res.draws)
    assert naive.ks_pvalue < 1e-8 and not naive.correlated
    assert naive.effective_draws == 20_000 and naive.tau == 1.0
    c = maxent.concentration(p, res.draws, chains)
    assert c.correlated and c.tau > 10 and c.effective_draws == pytest.approx(20_000 / c.tau)
    assert c.ks_statistic == naive.ks_statistic  # same statistic, honest null law
    assert c.ks_pvalue > 1e-3
    assert "effective_draws" in repr(c) and c.to_dict()["tau"] == c.tau
    # a chain whose acceptance targets the uniform law on the lattice: still rejected
    ch = AllocMoves(p, initial_counts(p), chains, np.random.SeedSequence(5))
    ch.stat, ch.g = 1, np.ones(p.classes)  # Bose-Einstein, g = 1: h(n) = 0
    rec = np.zeros((chains, 5000, p.classes), dtype=np.int64)
    ch.run(500, 500 + 1, np.zeros((chains, 0, p.classes), dtype=np.int64))
    ch.run(5000, 1, rec)
    bad = maxent.concentration(p, rec.reshape(-1, p.classes), chains)
    assert bad.correlated and bad.ks_pvalue < 1e-10


def test_ks_p_value_at_effective_draws_is_calibrated_on_ar1_chains():
    # AR(1) chains (rho = 0.9, tau = 19) against their exact normal law: with M / tau
    # draws the p-value falls below 0.01 in at most 5 of 100 runs (at most 1% each for a
    # calibrated or conservative test: binomial false alarm < 1e-3); counted as
    # independent it falls below 0.01 in most runs.
    from scipy import special

    from maxent._compare.compare import ks_test, values_time

    rng = np.random.default_rng(2)
    rho, reps = 0.9, 100
    e = rng.standard_normal((reps, 4, 2500))
    x = np.empty_like(e)
    x[..., 0] = e[..., 0]
    for i in range(1, e.shape[-1]):
        x[..., i] = rho * x[..., i - 1] + math.sqrt(1 - rho**2) * e[..., i]
    naive, fixed = [], []
    for run in x:
        v = run.ravel()
        tau = values_time(v, 4)
        assert 10 < tau < 40
        naive.append(ks_test(v, special.ndtr)[1])
        fixed.append(ks_test(v, special.ndtr, v.size / tau)[1])
    assert np.sum(np.array(fixed) < 0.01) <= 5
    assert np.sum(np.array(naive) < 0.01) >= 40


def test_concentration_says_when_chi2_is_off_at_finite_n():
    # 60 items on six levels (about 6 in the emptiest class): the exact mean of
    # 2N (H_max - H) from enumeration is above chi2's dof by about Williams' leading term
    # (0.112 against 0.106); 20,000 draws can see that, 20 cannot, and K = 4 at N = 1e5
    # is at the limit.
    p = Problem([0, 1, 2, 3, 4, 5], 60, total_energy=120)
    en = maxent.enumerate_allocations(p)
    exact = float(en.probabilities @ maxent.concentration(p, en.allocations).values)
    c = maxent.concentration(p, maxent.sample(p, 20_000, seed=1).draws)
    assert c.finite_n_excess == pytest.approx(exact - c.dof, rel=0.15)
    assert c.finite_n_detectable()
    assert not maxent.concentration(p, maxent.sample(p, 20, seed=1).draws).finite_n_detectable()
    cmp = maxent.compare(p, 20_000, seed=1)
    assert any("large-N law of the concentration values" in n for n in cmp.notes)
    big = maxent.compare(Problem([0, 1, 2, 3], 100_000, mean_energy=1.2), 2000, seed=1)
    assert not big.concentration.finite_n_detectable()
    assert not any("concentration values" in n for n in big.notes)


@pytest.mark.parametrize("n", [2, 3, 10, 100, 1000, 5000])
def test_ks_test_against_scipy(n):
    """Our KS p-value (no scipy.stats import) against scipy's exact two-sided law."""
    from scipy import stats

    from maxent._compare.compare import ks_test

    rng = np.random.default_rng(n)
    tol = 0.035 if n < 1000 else 0.005
    for scale in np.linspace(0.8, 1.25, 25):
        x = rng.chisquare(2, size=n) * scale
        ref = stats.kstest(x, stats.chi2(2).cdf)
        d, pv = ks_test(x, stats.chi2(2).cdf)
        assert d == pytest.approx(ref.statistic, rel=1e-12)
        assert abs(pv - ref.pvalue) < tol
        if ref.pvalue < 0.1:  # the small-p side is the exact one-sided tail doubled
            assert pv == pytest.approx(ref.pvalue, rel=1e-3)


def test_compare_puts_everything_side_by_side():
    p = Problem([0, 1, 2, 3], 2000, mean_energy=1.2)
    c = maxent.compare(p, 20_000, seed=3)
    d = c.to_dict()
    for key in (
        "energies",
        "n",
        "total_energy",
        "mean_energy",
        "beta",
        "boltzmann",
        "optimum",
        "stirling",
        "mode",
        "sampler",
        "distances",
        "fitted_beta",
        "concentration",
    ):
        assert key in d
    assert set(c.distances) == {
        "optimum",
        "stirling",
        "mode",
        "exact_mean",
        "sampled_mean",
        "single_draw",
    }
    assert c.exact_mean_method == "convolution"
    # the sampler estimates the exact finite-N mean, not Boltzmann
    assert np.all(np.abs(c.sample.mean_fractions - c.exact_mean) < 5 * c.sample.stderr)
    # each distance is the named allocation's distance to Boltzmann: the Stirling optimum
    # is Boltzmann itself, the exact optimum and the exact mean are O(1/N) away
    boltz = p.boltzmann
    assert c.distances["stirling"].tv < 1e-6 * c.distances["optimum"].tv
    assert c.distances["optimum"].tv < c.distances["exact_mean"].tv < 1.0 / p.n
    for name, frac in [
        ("optimum", c.optimum.exact.fractions),
        ("mode", c.optimum.mode.fractions),
        ("exact_mean", c.exact_mean),
        ("sampled_mean", c.sample.mean_fractions),
    ]:
        assert c.distances[name].to_dict() == pytest.approx(
            maxent.distances(frac, boltz).to_dict(), rel=1e-12
        )
    single = 0.5 * np.abs(c.sample.fractions - boltz).sum(axis=1).mean()
    assert c.distances["single_draw"].tv == pytest.approx(single, rel=1e-12)
    # The fitted beta estimates the beta fitted to the exact finite-N mean (5 standard
    # errors: a false alarm below 1e-6), which sits 0.083 / N below the limit's beta for
    # these energies (measured for N = 1e2 .. 1e4); 0.2 / N bounds that bias.
    ref = maxent.fit_beta(p, c.exact_mean, c.sample.stderr)
    assert abs(c.fitted_beta.beta - ref.beta) < 5 * c.fitted_beta.stderr
    assert 0 < p.beta - ref.beta < 0.2 / p.n


def test_converge_estimates_the_expected_slopes():
    st = maxent.converge([0, 1, 2, 3], "10,100,1000,10000", seeds=2, seed=1)
    s = st.slopes
    assert s["optimum"]["slope"] == pytest.approx(-1.0, abs=0.03)
    assert s["exact_mean"]["slope"] == pytest.approx(-1.0, abs=0.03)
    assert s["single_draw"]["slope"] == pytest.approx(-0.5, abs=0.05)
    assert len(st.rows()) == 8
    assert np.allclose(np.nanmean(st.fitted_beta[-1]), st.beta[-1], rtol=1e-3)


def test_converge_is_reproducible():
    a = maxent.converge([0, 1, 2], "10,100", seeds=2, seed=4, samples=500)
    b = maxent.converge([0, 1, 2], "10,100", seeds=2, seed=4, samples=500, threads=1)
    np.testing.assert_array_equal(a.tv_sampled_mean, b.tv_sampled_mean)


def test_fit_slope():
    n = np.array([10, 100, 1000, 10000])
    slope, se, k = maxent.fit_slope(n, 3.0 / n)
    assert slope == pytest.approx(-1.0) and se == pytest.approx(0.0, abs=1e-12) and k == 4


@pytest.mark.parametrize(
    "spec, expect",
    [("10,100,1e3", [10, 100, 1000]), ("10:1e4:4", [10, 100, 1000, 10000]), ([5, 50], [5, 50])],
)
def test_parse_n_values(spec, expect):
    assert parse_n_values(spec).tolist() == expect


@pytest.mark.parametrize("spec", ["10", "10:5:3", "10:100", "a,b", "0,10"])
def test_parse_n_values_rejects(spec):
    with pytest.raises(ValidationError, match="n"):
        parse_n_values(spec)


# -- plots (rendered on Agg; content checked, not pixels) ---------------------------------


@pytest.fixture(scope="module")
def comparison():
    return maxent.compare(Problem([0, 1, 2, 3, 4], 500, mean_energy=1.5), 5000, seed=2)


def test_plot_occupations_content(comparison):
    fig, ax = plt.subplots()
    art = maxent.plot_occupations(comparison, ax)
    assert len(art["boltzmann"].patches) == 5
    heights = [b.get_height() for b in art["boltzmann"].patches]
    np.testing.assert_allclose(heights, comparison.problem.boltzmann)
    np.testing.assert_allclose(art["optimum"].get_ydata(), comparison.optimum.exact.fractions)
    labels = [t.get_text() for t in art["legend"].get_texts()]
    assert any("Boltzmann" in t for t in labels) and any("sampled" in t for t in labels)
    assert ax.get_ylabel() and ax.get_xlabel()
    plt.close(fig)


def test_plot_deviations_and_concentration(comparison):
    fig, (a1, a2) = plt.subplots(1, 2)
    art = maxent.plot_deviations(comparison, a1)
    b = comparison.problem.boltzmann
    np.testing.assert_allclose(art["exact_mean"].get_ydata(), comparison.exact_mean - b)
    art2 = maxent.plot_concentration(comparison, a2)
    x, y = art2["chi2"].get_data()
    dof = comparison.concentration.dof
    np.testing.assert_allclose(y, stats.chi2(dof).pdf(x))
    counts = art2["histogram"][0]
    assert counts.sum() > 0
    assert "2N" in a2.get_xlabel()
    plt.close(fig)


@pytest.mark.parametrize("ext", ["png", "svg", "pdf"])
def test_figures_save_by_extension(comparison, tmp_path, ext):
    path = tmp_path / f"sim.{ext}"
    fig = maxent.simulation_figure(comparison, path)
    assert path.stat().st_size > 1000
    assert len(fig.axes) == 3
    plt.close(fig)


@pytest.mark.slow
def test_convergence_figure_content(tmp_path):
    st = maxent.converge([0, 1, 2, 3], "10,100,1000", seeds=2, seed=1)
    fig = maxent.convergence_figure(st, tmp_path / "c.png")
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    labels = [t.get_text() for t in fig.legends[0].get_texts()]  # one legend under both panels
    assert any(t.startswith("exact optimum: slope") for t in labels)
    assert any(t.startswith("single draw: slope") for t in labels)
    plt.close(fig)


def test_bad_figure_path(comparison):
    with pytest.raises(ValidationError, match="extension"):
        maxent.simulation_figure(comparison, "out.jpg")


def test_concentration_at_huge_n_with_an_extra_constraint():
    # 2 (S(n*) - S(n)) as a difference of two totals ~1.6e12 kept rounding and a constant
    # shift (the limit meets the extra constraint only to rounding): chi2(2) was rejected
    # at p ~ 1e-6 for correct draws. Per-class divergences pass (false alarm 0.1%).
    p = maxent.Problem(np.arange(5.0), 10**12, constraints=["k**2=5"], mean_energy=2.0)
    c = maxent.compare(p, 20_000, "exact", seed=1)
    assert c.concentration.dof == 2
    assert c.concentration.ks_pvalue > 1e-3


def test_fit_beta_with_a_nearly_constant_class_does_not_raise():
    # the top class held 9 of 10 items in every draw (stderr ~5e-9, floating noise): the
    # normal matrix of the weighted fit was singular and 'converge' died on LinAlgError
    p = Problem([0, 49, 49, 49, 50], n=10, mean_energy=49.9)
    f = [0.0, 0.0375, 0.0317, 0.0308, 0.9]
    fb = maxent.fit_beta(p, f, [0.0, 2.26e-3, 2.17e-3, 2.15e-3, 5.36e-9])
    assert fb.dof == 2 and np.isfinite([fb.beta, fb.stderr, fb.chi2]).all()
    assert -3.6 < fb.beta < -3.0  # the limit law there has beta -3.3


def test_fit_beta_leaves_out_classes_without_a_finite_weight():
    # a zero error on y (h'' underflowing) gave an infinite weight: RuntimeWarnings and
    # a nan fit; such a class is now left out, and the others still fit
    p = Problem([0, 1, 2, 3], n=10**6, beta=0.5)
    s = np.full(4, 1e-6)
    s[3] = 1e-320  # (1e-320 N h'')**2 underflows to 0
    fb = maxent.fit_beta(p, p.boltzmann, s)
    assert fb.dof == 1 and abs(fb.beta - p.beta) < 1e-6


def test_concentration_note_gives_no_number_where_williams_series_fails():
    # a class expected to hold 0.06 items: 1/6 of 1/n* is no estimate of the gap (at
    # N = 1e12 the note said "off by about 1.8e+121")
    p = maxent.Problem(np.arange(30.0), 1000, mean_energy=3.0)
    c = maxent.compare(p, 5000, "exact", seed=1)
    notes = [n for n in c.notes if n.startswith("chi2(")]
    assert len(notes) == 1
    assert "less than one item" in notes[0] and "off by about" not in notes[0]
