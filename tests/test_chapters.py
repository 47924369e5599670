import math
from fractions import Fraction
from itertools import product

import matplotlib.pyplot as plt
import mpmath
import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.special import logsumexp
from scipy.stats import geom

import maxent
from maxent import ValidationError
from maxent._compare.chapters import (
    conditional_die_law,
    die_rate,
    die_tail_count,
    equivalence_table,
    large_deviation_table,
    one_item_law,
)
from maxent._plotting.chapters import SLIDE_16_9, fig_ensemble_equivalence, fig_large_deviations

# --- large deviations ------------------------------------------------------------------------


def _log_counts_dp(n, k):
    """log c_n(s), s = 0..n(k-1): log-space convolution, independent of the library."""
    logc = np.zeros(1)
    for _ in range(n):
        stack = np.full((k, logc.size + k - 1), -np.inf)
        for j in range(k):
            stack[j, j : j + logc.size] = logc
        logc = logsumexp(stack, axis=0)
    return logc


def _rate_by_root(a, k=6):
    """I(a) = sup_t [t a - ln E e^{tX}], the Legendre transform, solved with brentq."""
    x = np.arange(1, k + 1)

    def tilted_mean(t):
        w = np.exp(t * (x - x.max()))
        return float((w * x).sum() / w.sum()) - a

    t = brentq(tilted_mean, 0.0, 50.0, xtol=1e-14)
    return t * a - (logsumexp(t * x) - math.log(k))


def test_the_numbers_of_the_brief():
    t = large_deviation_table(4.5, [50, 1000])
    assert t.rate == pytest.approx(0.178178, abs=5e-7)
    assert t.rate_exact[0] == pytest.approx(0.2214, abs=5e-5)
    assert t.rate_exact[1] == pytest.approx(0.1818, abs=5e-5)
    assert "rate=0.178178" in repr(t)


def test_rate_is_the_legendre_transform_and_the_relative_entropy():
    for a in (3.6, 4.5, 5.9):
        assert die_rate(a) == pytest.approx(_rate_by_root(a), rel=1e-10)
    p = large_deviation_table(4.5, [10]).boltzmann
    assert float(np.sum(p * np.log(6 * p))) == pytest.approx(die_rate(4.5), rel=1e-12)
    assert np.dot(p, np.arange(1, 7)) == pytest.approx(4.5, rel=1e-12)
    assert die_rate(6) == pytest.approx(math.log(6))


def test_counts_against_brute_force_enumeration():
    for n, k, a in ((1, 6, 4.5), (3, 6, 4.5), (4, 6, 5.2), (5, 3, 2.4), (6, 2, 1.6), (4, 6, 6)):
        brute = sum(1 for xs in product(range(1, k + 1), repeat=n) if sum(xs) >= n * a)
        assert die_tail_count(n, a, k) == brute, (n, k, a)


def test_probabilities_against_an_independent_log_space_convolution():
    # N = 50 and 1000: the library's integer inclusion-exclusion against a float DP
    for n in (50, 1000):
        logc = _log_counts_dp(n, 6)
        need = math.ceil(4.5 * n) - n
        logp = logsumexp(logc[need:]) - n * math.log(6)
        t = large_deviation_table(4.5, [n])
        assert t.log_probability[0] == pytest.approx(logp, rel=1e-11)


def test_count_against_generating_function_coefficients():
    # coefficients of (x + ... + x^6)^N by repeated multiplication, in Python integers
    n = 80
    poly = [1]
    for _ in range(n):
        new = [0] * (len(poly) + 5)
        for i, c in enumerate(poly):
            for j in range(6):
                new[i + j] += c
        poly = new
    need = 4 * 80 - n  # mean >= 4: sum of (face - 1) >= 3N
    count = sum(poly[need:])
    assert die_tail_count(n, 4.0, 6) == count


def test_rate_converges_like_log_n_over_2n_and_bahadur_rao_is_sharp():
    ns = np.array([100, 200, 500, 1000, 2000])
    t = large_deviation_table(4.5, ns)
    gap = t.rate_exact - t.rate
    assert np.all(np.diff(gap) < 0) and np.all(gap > 0)
    # (ln N)/(2N) to within 25% from N = 500 on; N^{-1/2} would be 10x too large there
    np.testing.assert_allclose(gap[2:], np.log(ns[2:]) / (2 * ns[2:]), rtol=0.25)
    assert np.all(gap[2:] < 0.2 / np.sqrt(ns[2:]))
    # the refined estimate: relative error of P falls like 1/N
    rel = np.abs(t.log_probability - t.log_bahadur_rao)
    assert rel[-1] < 1.5e-3 and rel[-1] < rel[0] / 10


def test_threshold_that_is_not_a_lattice_point():
    # N a not an integer: the event is sum >= ceil(N a)
    n = 7
    brute = sum(1 for xs in product(range(1, 7), repeat=n) if sum(xs) >= n * 4.3)
    assert die_tail_count(n, 4.3) == brute
    t = large_deviation_table(4.3, [7])
    assert t.log_probability[0] == pytest.approx(math.log(brute / 6**n), rel=1e-13)


def test_decimal_threshold_is_taken_as_written():
    # 2.7 is stored as 2.70000000000000018; 10 * 2.7 must still mean a sum of at least 27
    brute = sum(1 for xs in product(range(1, 4), repeat=10) if sum(xs) >= 27)
    assert die_tail_count(10, 2.7, faces=3) == brute


def test_extreme_dice():
    t = large_deviation_table(2.0, [1, 20_000], faces=2)  # a = K: all throws on the top face
    np.testing.assert_allclose(t.rate_exact, math.log(2), rtol=1e-14)
    t = large_deviation_table(9999.5, [1, 3], faces=10_000)
    assert np.all(np.isfinite(t.log_probability)) and np.all(np.isfinite(t.log_bahadur_rao))
    assert die_tail_count(1, 9999.5, faces=10_000) == 1
    assert 0 < t.rate < math.log(10_000)


def test_conditional_law_is_exact_and_tends_to_boltzmann():
    n, s = 5, 22
    outcomes = [xs for xs in product(range(1, 7), repeat=n) if sum(xs) == s]
    want = [Fraction(sum(1 for xs in outcomes if xs[0] == f), len(outcomes)) for f in range(1, 7)]
    law = conditional_die_law(n, s)
    assert list(law.exact) == want
    assert sum(law.exact) == 1
    # E[X_1 | S = s] = s / N exactly, by symmetry
    assert sum(f * p for f, p in zip(range(1, 7), law.exact)) == Fraction(s, n)
    ms = np.array([10, 100, 1000])
    tvs = np.array([conditional_die_law(m, int(4.5 * m)).total_variation for m in ms])
    assert np.all(np.diff(tvs) < 0)
    np.testing.assert_allclose(ms * tvs, ms[-1] * tvs[-1], rtol=0.05)  # TV ~ c/N
    np.testing.assert_allclose(conditional_die_law(1000, 4500).boltzmann, law_boltzmann(4.5))


def law_boltzmann(a):
    x = np.arange(1.0, 7.0)
    return maxent.boltzmann(x, maxent.beta_from_mean(x, a))


def test_large_deviation_validation():
    with pytest.raises(ValidationError, match="threshold"):
        large_deviation_table(3.5)
    with pytest.raises(ValidationError, match="threshold"):
        die_rate(6.01)
    with pytest.raises(ValidationError, match="n_values"):
        large_deviation_table(4.5, [0])
    with pytest.raises(ValidationError, match="n_values"):
        large_deviation_table(4.5, [10**6])
    with pytest.raises(ValidationError, match="faces"):
        die_rate(1.2, faces=1)
    with pytest.raises(ValidationError, match="total"):
        conditional_die_law(10, 61)
    with pytest.raises(ValidationError, match="n"):
        conditional_die_law(1, 3)


# --- ensemble equivalence --------------------------------------------------------------------


def test_one_item_law_against_exact_binomials_and_enumeration():
    big_n, q = 4, 6
    law = one_item_law(big_n, q)
    exact = [
        Fraction(math.comb(q - n + big_n - 2, big_n - 2), math.comb(q + big_n - 1, big_n - 1))
        for n in range(q + 1)
    ]
    np.testing.assert_allclose(law.microcanonical, [float(f) for f in exact], rtol=1e-13)
    # brute force: all allocations of q quanta to N oscillators, equally likely
    allocs = [a for a in product(range(q + 1), repeat=big_n) if sum(a) == q]
    first = np.bincount([a[0] for a in allocs], minlength=q + 1) / len(allocs)
    np.testing.assert_allclose(law.microcanonical, first, rtol=1e-13)
    # canonical: scipy's geometric law with the same mean (shifted to start at 0)
    x = (q / big_n) / (1 + q / big_n)
    np.testing.assert_allclose(law.canonical, geom.pmf(np.arange(q + 1) + 1, 1 - x), rtol=1e-12)


def test_one_item_law_large_system_is_normalised_and_has_the_right_mean():
    law = one_item_law(10**6, 2 * 10**6)
    assert law.microcanonical.sum() == pytest.approx(1.0, abs=1e-10)
    assert np.dot(law.n, law.microcanonical) == pytest.approx(2.0, rel=1e-9)
    assert np.all(np.isfinite(law.microcanonical)) and law.total_variation < 1e-5
    # against mpmath at a moderate size, where the log-space recursion is long
    big_n, q, n = 500, 1000, 37
    want = mpmath.binomial(q - n + big_n - 2, big_n - 2) / mpmath.binomial(q + big_n - 1, big_n - 1)
    assert one_item_law(big_n, q).microcanonical[n] == pytest.approx(float(want), rel=1e-12)


def test_tv_falls_like_c_over_n():
    t = equivalence_table(2.0, [16, 32, 64, 128, 256, 512, 1024])
    assert t.slope == pytest.approx(-1.0, abs=0.05)
    assert np.all(np.diff(t.total_variation) < 0)
    np.testing.assert_allclose(t.oscillators * t.total_variation, t.constant, rtol=0.1)
    assert "slope=" in repr(t)


def test_edge_cases_of_the_einstein_solid():
    law = one_item_law(2, 9)  # two oscillators: uniform on 0..q
    np.testing.assert_allclose(law.microcanonical, np.full(10, 0.1), rtol=1e-14)
    law = one_item_law(5, 0)
    assert law.microcanonical.tolist() == [1.0] and law.total_variation == 0.0
    with pytest.raises(ValidationError, match="oscillators"):
        one_item_law(1, 3)
    with pytest.raises(ValidationError, match="quanta"):
        one_item_law(3, -1)
    with pytest.raises(ValidationError, match="mean_quanta"):
        equivalence_table(0.0)
    with pytest.raises(ValidationError, match="oscillators"):
        equivalence_table(2.0, [8, 8])


# --- figures ---------------------------------------------------------------------------------


def test_chapter_figures_are_slides_with_large_text():
    for make in (fig_large_deviations, fig_ensemble_equivalence):
        fig = make()
        assert tuple(fig.get_size_inches()) == pytest.approx(SLIDE_16_9)
        sizes = [t.get_fontsize() for ax in fig.axes for t in ax.get_xticklabels()]
        sizes += [t.get_fontsize() for ax in fig.axes for t in ax.get_legend().get_texts()]
        assert min(sizes) >= 14
        plt.close(fig)


def test_large_deviation_figure_plots_the_exact_rates():
    fig = fig_large_deviations(n_values=(50, 1000))
    exact = next(ln for ln in fig.axes[0].get_lines() if ln.get_marker() == "o")
    np.testing.assert_allclose(exact.get_ydata(), [0.22137, 0.18180], atol=5e-5)
    plt.close(fig)


def test_one_item_law_is_the_exact_mean_occupation_of_the_allocation_model():
    # labelled items on levels 0..q with total energy q: the Einstein solid in maxent's model
    for big_n, q in ((4, 8), (30, 60)):
        problem = maxent.Problem(np.arange(q + 1.0), big_n, mean_energy=q / big_n)
        fractions, _ = maxent.exact_mean_fractions(problem)
        law = one_item_law(big_n, q)
        np.testing.assert_allclose(law.microcanonical, fractions, rtol=1e-9, atol=1e-15)


def test_tv_constant_matches_the_first_order_expansion():
    # ln P_N(n) - ln p(n) = g(n)/N + O(1/N^2): TV -> c/N with c = sum p |g| / 2
    for eps in (0.5, 2.0, 5.0):
        n = np.arange(4000)
        x = eps / (1 + eps)
        p = (1 - x) * x**n
        g = (2 * n - eps) / (1 + eps) - n * (n - 1) / (2 * eps * (1 + eps))
        c = 0.5 * float(np.sum(p * np.abs(g)))
        t = equivalence_table(eps, [4096, 8192])
        np.testing.assert_allclose(t.oscillators * t.total_variation, c, rtol=2e-3)
