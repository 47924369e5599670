"""The exact conditional goodness-of-fit test against brute force, and its Monte Carlo error.

Every exact p-value is checked against tests/naive.py, which enumerates all compositions
of N with plain Python integers and Fractions; ties W(n') == W(n_obs) are decided there
exactly, so a float comparison that misses one fails these tests (a negative control
shows that it would). The Monte Carlo error is checked for coverage over seeded runs.
"""

import json
import math

import mpmath as mp
import numpy as np
import pytest
from click.testing import CliRunner
from scipy import stats

import maxent
from maxent._compare import gof
from maxent._compare.gof import compare_weights, exact_test, log_ratio
from maxent._util.format import to_json
from maxent.cli import cli
from tests import naive

# (counts, energies, statistics, degeneracies, constraints as (expression, int values))
CASES = [
    ([9, 1, 1, 5], [0, 1, 2, 3], "boltzmann", None, ()),
    ([3, 5, 0, 0], [0, 1, 2, 3], "boltzmann", None, ()),
    ([7, 0, 3, 2], [0, 1, 2, 3], "boltzmann", None, ()),
    # the accidental tie W(5,3,0,0) = W(6,1,1,0) = 56, which floats split by 2 ulp
    ([5, 3, 0, 0], [0, 1, 2, 3], "boltzmann", None, ()),
    ([6, 1, 1, 0], [0, 1, 2, 3], "boltzmann", None, ()),
    # classes of equal energy: permutation ties
    ([2, 4, 1, 3, 0], [0, 1, 1, 2, 2], "boltzmann", None, ()),
    ([3, 1, 2, 2], [0, 0.5, 1.5, 2], "boltzmann", None, ()),
    ([2, 3, 1, 3], [0, 1, 3, 4], "boltzmann", None, ()),
    # whole degeneracies: g^n/n! ties at n = g - 1 and n = g; and real prior weights
    ([2, 2, 3, 1], [0, 1, 2, 3], "boltzmann", [1, 2, 3, 1], ()),
    ([4, 1, 2, 3], [0, 1, 2, 3], "boltzmann", [0.5, 1.5, 2.25, 1.0], ()),
    ([3, 3, 1, 2], [0, 1, 2, 3], "bose", [1, 2, 3, 2], ()),
    ([2, 5, 1, 1], [0, 1, 2, 3], "bose", [1.5, 2.5, 1, 4], ()),
    ([4, 3, 2], [0, 1, 2], "bose", [1, 1, 1], ()),  # W = 1 everywhere: p = 1
    ([3, 2, 3, 1], [0, 1, 2, 3], "fermi", [3, 3, 4, 2], ()),  # C(g, n) = C(g, g - n)
    ([2, 1, 3, 1, 2], [0, 1, 2, 3, 4], "boltzmann", None, (("k**2", [0, 1, 4, 9, 16]),)),
    ([5, 0, 0, 0], [0, 1, 2, 3], "boltzmann", None, ()),  # an extreme: one allocation
    ([6, 4, 5, 3], [0, 1, 2, 3], "boltzmann", None, ()),  # near the mode
]


def _levels(energies):
    e = np.asarray(energies, dtype=float)
    q = maxent.Problem(e, 2, mean_energy=float(e.mean()), snap=True).quantum
    return np.rint((e - e.min()) / q).astype(np.int64)


@pytest.mark.parametrize("counts, energies, stat, g, extra", CASES)
def test_enumeration_matches_brute_force(counts, energies, stat, g, extra):
    t = exact_test(
        counts, energies, statistics=stat, degeneracies=g, constraints=[c for c, _ in extra]
    )
    ref = naive.exact_gof(counts, _levels(energies), stat, g, [v for _, v in extra])
    assert t.method == "enumerate" and t.lattice_size == ref["lattice_size"]
    assert (t.hits, t.ties) == (ref["hits"], ref["ties"])
    assert t.p_value == pytest.approx(float(ref["p_value"]), rel=1e-12, abs=1e-300)
    assert t.tie_probability == pytest.approx(float(ref["tie_probability"]), rel=1e-12)
    assert t.lr_statistic == pytest.approx(ref["lr_statistic"], rel=1e-9, abs=1e-12)
    assert t.stderr == 0.0 and t.interval == (t.p_value, t.p_value)


def test_random_small_problems_match_brute_force():
    rng = np.random.default_rng(21)
    for _ in range(30):
        stat = ["boltzmann", "bose", "fermi"][int(rng.integers(3))]
        k = int(rng.integers(2, 6))
        energies = np.sort(rng.choice(6, size=k, replace=True)).tolist()
        n_items = int(rng.integers(1, 11))
        g = None
        if stat == "fermi":
            g = rng.integers(1, 5, size=k).tolist()
            while sum(g) < n_items:
                g[int(rng.integers(k))] += 1
        elif rng.random() < 0.6:
            g = rng.integers(1, 4, size=k).tolist()
        counts = np.zeros(k, dtype=np.int64)
        for _ in range(n_items):  # fill classes at random, respecting Fermi caps
            free = [j for j in range(k) if g is None or stat != "fermi" or counts[j] < g[j]]
            counts[rng.choice(free)] += 1
        if np.ptp(energies) == 0:
            energies[-1] += 1
        t = exact_test(counts, energies, statistics=stat, degeneracies=g)
        ref = naive.exact_gof(counts, _levels(energies), stat, g)
        case = (stat, energies, counts.tolist(), g)
        assert t.lattice_size == ref["lattice_size"], case
        assert (t.hits, t.ties) == (ref["hits"], ref["ties"]), case
        assert t.p_value == pytest.approx(float(ref["p_value"]), rel=1e-12), case


def test_a_float_comparison_misses_the_tie():
    # negative control: W(5,3,0,0) = W(6,1,1,0) = 56, but ln W in floats differ by 2 ulp,
    # so `ln W <= ln W_obs` in floats drops (6,1,1,0) and gets the p-value wrong
    p = maxent.Problem([0, 1, 2, 3], 8, total_energy=3)
    en = maxent.enumerate_allocations(p)
    obs = np.array([5, 3, 0, 0])
    lw_obs = maxent.log_count(p, obs)
    naive_p = float(en.probabilities[en.log_counts <= lw_obs].sum())
    exact = float(naive.exact_gof(obs, [0, 1, 2, 3])["p_value"])
    assert naive_p != pytest.approx(exact, rel=1e-6)
    assert exact_test(obs, [0, 1, 2, 3]).p_value == pytest.approx(exact, rel=1e-12)
    assert compare_weights(p, [[6, 1, 1, 0]], obs).tolist() == [0]


def _log_weight_mp(stat, n, g):
    n, g = mp.mpf(int(n)), mp.mpf(float(g))
    if stat == 0:
        return n * mp.log(g) - mp.loggamma(n + 1)
    if stat == 1:
        return mp.loggamma(n + g) - mp.loggamma(n + 1)
    return -mp.loggamma(n + 1) - mp.loggamma(g - n + 1)


def test_log_ratio_error_is_far_inside_the_tie_band():
    # the band that sends a difference to exact arithmetic is TIE_BAND (1e-9) times the
    # size of the terms; the float error measured here must be far below it
    rng = np.random.default_rng(5)
    worst = 0.0
    with mp.workdps(50):
        for stat in (0, 1, 2):
            for size in (10, 1e4, 1e8, 1e12, 1e15):
                g = rng.uniform(0.3, 4.0, 5) if stat == 0 else rng.integers(1, 6, 5) * 1.0
                if stat == 2:
                    g = np.full(5, float(int(2 * size)))
                ref = rng.integers(0, int(size) + 1, 5)
                width = int(math.sqrt(size)) + 3
                row = np.clip(ref + rng.integers(-width, width, 5), 0, None)
                if stat == 2:
                    row = np.minimum(row, g.astype(np.int64))
                diff, scale = log_ratio(stat, g, row[None], ref)
                true = mp.fsum(
                    _log_weight_mp(stat, a, c) - _log_weight_mp(stat, b, c)
                    for a, b, c in zip(row, ref, g)
                )
                worst = max(worst, abs(float(true) - diff[0]) / (1.0 + scale[0]))
    assert worst < 1e-13 < gof.TIE_BAND


def test_exact_sign_on_huge_counts():
    # a permutation tie and a one-item move at N ~ 2e12, decided exactly
    p = maxent.Problem([0, 1, 1, 2], 4, total_energy=4)
    ref = np.array([10**12, 3 * 10**11, 2 * 10**11, 10**12])
    assert compare_weights(p, [[10**12, 2 * 10**11, 3 * 10**11, 10**12]], ref).tolist() == [0]
    moved = ref + np.array([0, -1, 1, 0])  # towards the even split: more likely
    assert compare_weights(p, [moved], ref).tolist() == [1]
    groups = [np.arange(4)]
    assert gof._exact_sign(0, np.ones(4), groups, moved, ref) == 1


def test_chi2_matches_scipy_against_boltzmann_at_the_observed_mean():
    counts = np.array([8, 2, 3, 2, 4, 11])
    e = np.arange(1, 7)
    t = exact_test(counts, e)
    beta = naive.beta_from_mean_mp(e, float(counts @ e) / counts.sum())
    p, _ = naive.boltzmann_mp(e, beta)
    expected = counts.sum() * np.array([float(x) for x in p])
    ref = stats.chisquare(counts, expected, ddof=1)
    assert t.dof == 4 and np.allclose(t.expected, expected, rtol=1e-10)
    assert t.chi2_statistic == pytest.approx(ref.statistic, rel=1e-10)
    assert t.chi2_p_value == pytest.approx(ref.pvalue, rel=1e-8)
    assert t.lr_p_value == pytest.approx(stats.chi2.sf(t.lr_statistic, 4), rel=1e-10)


def test_dof_counts_the_constraint_rows():
    base = exact_test([2, 1, 3, 1, 2], [0, 1, 2, 3, 4])
    more = exact_test([2, 1, 3, 1, 2], [0, 1, 2, 3, 4], constraints=["k**2"])
    two = exact_test([3, 4], [0, 1])
    flat = exact_test([2, 3, 1], [1, 1, 1])  # equal energies: the energy row is the count
    # Fermi-Dirac at the lowest face: every occupied level is full, nothing is free
    full = exact_test([1, 1, 1, 0], [0, 1, 2, 3], statistics="fermi", degeneracies=[1] * 4)
    assert (base.dof, more.dof, two.dof, flat.dof, full.dof) == (3, 2, 0, 2, 0)
    assert full.lattice_size == 1 and full.chi2_p_value is None
    assert two.lattice_size == 1 and two.p_value == 1.0
    assert two.chi2_p_value is None and two.lr_p_value is None and two.agree is None
    d = json.loads(to_json(two.to_dict()))
    assert d["chi2"]["p_value"] is None and "freedom" in d["chi2"]["p_value_reason"]


def test_disagreement_is_reported():
    # 8 items on four levels: chi-square rejects at 5%, the exact test does not
    t = exact_test([3, 5, 0, 0], [0, 1, 2, 3])
    assert t.chi2_p_value < 0.05 < t.p_value
    assert t.agree is False and "disagree" in t.verdict
    # and the other way round: the exact test rejects, chi-square does not
    u = exact_test([7, 0, 3, 2], [0, 1, 2, 3])
    assert u.p_value < 0.05 < u.chi2_p_value and u.agree is False
    v = exact_test([9, 1, 1, 5], [0, 1, 2, 3])
    assert v.agree is True and "agree" in v.verdict


# -- Monte Carlo -----------------------------------------------------------------------------

# energies with two equal classes, so that ties carry probability and must be counted
MC_COUNTS, MC_ENERGIES = [4, 1, 5, 2, 3], [0, 1, 1, 2, 3]


def _coverage(runs, draws, counts, energies, confidence=0.95):
    exact = exact_test(counts, energies)
    results = [
        exact_test(
            counts, energies, method="monte-carlo", draws=draws, seed=s, confidence=confidence
        )
        for s in range(runs)
    ]
    return exact.p_value, results


def _misses_limit(runs, miss_rate, alarm):
    # Clopper-Pearson misses at most 1 - confidence of the time: the number of misses
    # is stochastically below Binomial(runs, miss_rate)
    return int(stats.binom.isf(alarm, runs, miss_rate))


def _calibration(p0, hat, se):
    """sum z^2 of (estimate - exact) / stated error: about chi2(runs) when honest."""
    return float(np.sum(((np.asarray(hat) - p0) / np.asarray(se)) ** 2))


def test_monte_carlo_error_is_honest():
    # 100 seeded runs of 400 draws against the exact p-value. False alarms: at most 0.001
    # for the interval's coverage, about 0.001 for the calibration of the standard error
    runs, draws = 100, 400
    p0, results = _coverage(runs, draws, MC_COUNTS, MC_ENERGIES)
    assert 0.1 < p0 < 0.9 and results[0].tie_probability > 0.05  # ties matter here
    lo = np.array([r.interval[0] for r in results])
    hi = np.array([r.interval[1] for r in results])
    misses = int(np.sum((p0 < lo) | (p0 > hi)))
    assert misses <= _misses_limit(runs, 0.05, 1e-3)
    hat = [r.p_value for r in results]
    se = [r.stderr for r in results]
    t = _calibration(p0, hat, se)
    lo_t, hi_t = stats.chi2.ppf([5e-4, 1 - 5e-4], runs)
    assert lo_t < t < hi_t
    assert all(r.stderr <= 0.5 / math.sqrt(draws) for r in results)
    # negative controls on the same runs, which these checks must catch:
    # (1) correlated draws counted as independent (each draw twice: 2M draws claimed)
    claimed = [math.sqrt(p * (1 - p) / (2 * draws)) for p in hat]
    assert not _calibration(p0, hat, claimed) < hi_t
    # (2) ties left out of the count (P(W < W_obs) instead of P(W <= W_obs))
    strict = [(1 + r.hits - r.ties) / (1 + draws) for r in results]
    assert not _calibration(p0, strict, se) < hi_t


@pytest.mark.slow
def test_monte_carlo_coverage_at_the_default_draws():
    # 200 runs at the default 10,000 draws on a lattice of 12,000+ allocations
    counts, energies = [8, 2, 3, 2, 4, 11], [1, 2, 3, 4, 5, 6]
    p0, results = _coverage(200, gof.DEFAULT_DRAWS, counts, energies, confidence=0.9)
    lo = np.array([r.interval[0] for r in results])
    hi = np.array([r.interval[1] for r in results])
    misses = int(np.sum((p0 < lo) | (p0 > hi)))
    assert misses <= _misses_limit(200, 0.10, 1e-3)
    t = _calibration(p0, [r.p_value for r in results], [r.stderr for r in results])
    lo_t, hi_t = stats.chi2.ppf([5e-4, 1 - 5e-4], 200)
    assert lo_t < t < hi_t
    assert all(r.stderr <= 0.005 for r in results)


def test_default_draws_bound_the_error():
    assert 0.5 / math.sqrt(gof.DEFAULT_DRAWS) <= 0.005
    t = exact_test([9, 1, 1, 5], [0, 1, 2, 3], method="monte-carlo", seed=3)
    assert t.draws == gof.DEFAULT_DRAWS and t.stderr <= 0.005
    assert t.p_value == (1 + t.hits) / (1 + t.draws)
    again = exact_test([9, 1, 1, 5], [0, 1, 2, 3], method="monte-carlo", seed=3)
    assert (again.hits, again.ties) == (t.hits, t.ties)  # a pure function of the seed


def test_monte_carlo_never_says_zero():
    # the observation is far in the tail: no draw is as unlikely, p = 1 / (1 + M) > 0
    t = exact_test([40, 0, 0, 0, 0, 40], np.arange(6), method="monte-carlo", draws=500, seed=1)
    assert t.hits == 0 and t.p_value == 1 / 501 and t.interval[0] == 0.0
    assert t.interval[1] == pytest.approx(1 - 0.025 ** (1 / 500), rel=1e-9)


def test_auto_draws_when_the_lattice_is_large():
    t = exact_test([30, 20, 10, 5, 3, 2] * 2, np.arange(12), max_points=1000, draws=200, seed=2)
    assert t.method == "monte-carlo" and "more than 1000" in t.reason
    assert t.lattice_size is None and t.draws == 200
    assert t.log_count_max_gap == 0.0 and t.lr_statistic == t.lr_statistic_upper


def test_uncertified_mode_widens_the_likelihood_ratio(monkeypatch):
    from maxent._optimize import mode

    real = mode.most_probable_allocation

    def uncertified(problem):
        out = real(problem)
        out["certified"], out["gap"], out["message"] = False, 0.75, "best found, not certified"
        return out

    monkeypatch.setattr(mode, "most_probable_allocation", uncertified)
    t = exact_test([9, 1, 1, 5], [0, 1, 2, 3], method="monte-carlo", draws=300, seed=1)
    assert t.lr_statistic_upper == pytest.approx(t.lr_statistic + 1.5)
    assert t.lr_p_value_lower < t.lr_p_value
    assert any("not certified" in n for n in t.notes)


# -- bad input ---------------------------------------------------------------------------------

BAD = [
    (([1, 2, 3], [0, 1, 2, 3]), {}, "counts", "4 classes"),
    (([1, -2, 3, 1], [0, 1, 2, 3]), {}, "counts", ">= 0"),
    (([1, 2.5, 3, 1], [0, 1, 2, 3]), {}, "counts", "whole"),
    (([1, float("nan"), 3, 1], [0, 1, 2, 3]), {}, "counts", "finite"),
    (([0, 0, 0, 0], [0, 1, 2, 3]), {}, "counts", "at least one"),
    (
        ([3, 1, 0, 0], [0, 1, 2, 3]),
        {"statistics": "fermi", "degeneracies": [2, 2, 2, 2]},
        "counts",
        "at most g = 2",
    ),
    (([1, 2, 3, 1], [0, 1, 2, 3]), {"constraints": ["k**2=3"]}, "constraint", "not 3"),
    (([1, 2, 3], [0, 1, math.pi]), {}, "energies", "lattice"),
    (([1, 2, 3], [0, 1, 2]), {"method": "mcmc"}, "method", "monte-carlo"),
    (([1, 2, 3], [0, 1, 2]), {"level": 1.5}, "level", "(0, 1)"),
    (([1, 2, 3], [0, 1, 2]), {"draws": 0}, "draws", ">= 1"),
    (([1, 2, 3], [0, 1, 2]), {"confidence": 0}, "confidence", "(0, 1)"),
    (([10**16, 2, 3], [0, 1, 2]), {}, "counts", "2**53"),
]


def test_integer_arrays_are_read_exactly():
    for counts in (np.array([9, 1, 1, 5], dtype=np.uint8), np.array([9, 1, 1, 5]), (9, 1, 1, 5)):
        assert exact_test(counts, [0, 1, 2, 3]).lattice_size == 35
    with pytest.raises(maxent.ValidationError, match="one-dimensional"):
        exact_test(np.array([[9, 1], [1, 5]]), [0, 1])


@pytest.mark.parametrize("args, kw, param, words", BAD)
def test_bad_input_names_the_parameter(args, kw, param, words):
    with pytest.raises(maxent.ValidationError) as info:
        exact_test(*args, **kw)
    assert info.value.param == param and words in info.value.message


def test_enumerate_refuses_a_large_lattice():
    with pytest.raises(maxent.ValidationError, match="too large"):
        exact_test([30, 20, 10, 5, 3, 2], np.arange(6), method="enumerate", max_points=100)


# -- the command ---------------------------------------------------------------------------------


def run(*args):
    result = CliRunner().invoke(cli, ["test", *args])
    return result.exit_code, result.stdout, result.stderr


def _strict(text):
    def refuse(token):
        raise ValueError(f"non-standard JSON token {token}")

    return json.loads(text, parse_constant=refuse)


def test_cli_table_and_json():
    code, out, err = run("--counts", "9,1,1,5")
    assert code == 0, err
    assert "0.01753" in out and "35 allocations" in out and "chi-square" in out
    code, out, err = run("--counts", "9,1,1,5", "--json")
    assert code == 0, err
    d = _strict(out)
    assert d["exact"]["p_value"] == pytest.approx(0.0175254267947308, rel=1e-12)
    assert d["n"] == 16 and d["total_energy"] == 18 and d["energies"] == [0, 1, 2, 3]
    assert d["likelihood_ratio"]["dof"] == 2 and d["agree"] is True


def test_cli_counts_from_a_file_and_monte_carlo(tmp_path):
    f = tmp_path / "die.txt"
    f.write_text("# a die thrown 30 times\n8 2 3\n2 4 11\n")
    args = ["--counts", f"@{f}", "--energies", "1,2,3,4,5,6"]
    code, out, err = run(
        *args, "--method", "monte-carlo", "--draws", "2000", "--seed", "4", "--json"
    )
    assert code == 0, err
    d = _strict(out)
    assert d["exact"]["method"] == "monte-carlo" and d["exact"]["seed"] == 4
    assert d["exact"]["draws"] == 2000 and d["exact"]["stderr"] <= 0.5 / math.sqrt(2000)
    code, out2, _ = run(
        *args, "--method", "monte-carlo", "--draws", "2000", "--seed", "4", "--json"
    )
    assert _strict(out2)["exact"]["hits"] == d["exact"]["hits"]
    code, out, err = run(*args)
    assert code == 0 and "enumeration" in out


def test_cli_disagreement_is_said():
    code, out, err = run("--counts", "3,5,0,0")
    assert code == 0, err
    assert "disagree" in out


CLI_BAD = [
    (["--counts", "1,2,3", "--classes", "4"], "--counts"),
    (["--counts", "1,-2,3"], "--counts"),
    (["--counts", "1,2.5,3"], "--counts"),
    (["--counts", "1,x,3"], "--counts"),
    (["--counts", "0,0,0"], "--counts"),
    (["--counts", "3,1", "--statistics", "fermi", "--degeneracies", "2,2"], "--counts"),
    (["--counts", "1,2,3", "--constraint", "k**2=9"], "--constraint"),
    (["--counts", "1,2,3", "--energies", "0,1,3.14159265358979"], "--energies"),
    (["--counts", "1,2,3", "--draws", "0"], "--draws"),
    (["--counts", "1,2,3", "--level", "2"], "--level"),
    (["--counts", "1,2,3", "--mean-energy", "1"], "mean-energy"),
    (["--energies", "0,1"], "--counts"),
]


@pytest.mark.parametrize("args, name", CLI_BAD)
def test_cli_bad_input_is_one_line_exit_2(args, name):
    code, out, err = run(*args)
    assert code == 2 and out == ""
    lines = [x for x in err.strip().splitlines() if not x.startswith("note: compiling")]
    assert len(lines) == 1 and lines[0].startswith("maxent: error:"), err
    assert name in lines[0] and "Traceback" not in err
