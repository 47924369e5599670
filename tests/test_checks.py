"""Results that check themselves: the observed wrong-while-successful cases, and controls.

Every result object (exact and Stirling optima, the integer mode, samples, calibration
fits) measures its own post-conditions (:mod:`maxent._model.checks`) before it is
returned. The first part pins each case that once came back wrong while saying success,
against answers computed here independently (closed forms with ``math.lgamma`` and
``scipy.special.digamma``, exact Python integers). The second part breaks a solver on
purpose (negative controls) and asserts that the break is caught and reported as failed,
with exit code 1 and a one-line warning in the CLI.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from click.testing import CliRunner
from scipy.special import digamma

import maxent
from maxent._model.checks import check_draws, check_integer, check_real
from maxent.cli import cli
from tests import strict_json


def run(*args):
    res = CliRunner().invoke(cli, list(args))
    return res.exit_code, res.stdout, res.stderr


def optimize_json(*args):
    code, out, err = run("optimize", *args, "--json")
    assert code == 0, err
    return strict_json.loads(out)


def _ln_binomial_counts(counts) -> float:
    """ln N!/prod n_k! with math.lgamma (counts here are small or the formula exact)."""
    n = sum(counts)
    return math.lgamma(n + 1) - sum(math.lgamma(c + 1) for c in counts)


def _energy_from_face(counts, energies) -> float:
    e0 = min(energies)
    return math.fsum(c * (e - e0) for c, e in zip(counts, energies, strict=True))


# --- observed cases: each once returned a wrong answer with success true ------------------

# (CLI args, energies, N, U above the lowest face or None, exact mode)
FACE_CASES = [
    (["--energies", "0,1,1000000000", "--n", "1000", "--total-energy", "1"], 1000, [999, 1, 0]),
    (["--classes", "4", "--n", "1000000000000", "--total-energy", "1"], 10**12, None),
    (["--classes", "4", "--n", "1e15", "--total-energy", "1"], 10**15, None),
    (["--classes", "4", "--n", "1e15", "--total-energy", "3"], 10**15, None),
    (["--classes", "4", "--n", "1e18", "--total-energy", "1"], 10**18, None),
]


@pytest.mark.parametrize(("args", "n", "mode"), FACE_CASES, ids=lambda a: None)
def test_exact_optimum_a_few_quanta_above_the_face(args, n, mode):
    d = optimize_json(*args)
    u = int(d["total_energy"])
    energies = [float(e) for e in d["energies"]]
    opt = d["optimum"]
    assert opt["success"] and opt["residuals"]["ok"], opt["message"]
    counts = opt["counts"]
    # the u items above the face sit one level up: n_1 = u, the rest on the face
    assert counts[1] == pytest.approx(u, rel=1e-9)
    assert _energy_from_face(counts, energies) == pytest.approx(u, rel=1e-9)
    assert math.fsum(counts) == pytest.approx(n, rel=1e-15)
    # stationarity: beta = digamma(n_0 + 1) - digamma(n_1 + 1) (unit level spacing)
    beta = float(digamma(n - u + 1.0) - digamma(u + 1.0))
    assert opt["beta"] == pytest.approx(beta, rel=1e-9)
    m = d["mode"]
    assert m["success"]
    want = mode or [n - u, u] + [0] * (len(energies) - 2)
    assert [int(c) for c in m["counts"]] == want
    # ln W = ln C(N, u) exactly at the mode: ln 1e18 = 41.45 at N = 1e18, U = 1 (was 0.0)
    exact = math.fsum(math.log(n - i) for i in range(u)) - math.lgamma(u + 1)
    assert m["log_count"] == pytest.approx(exact, rel=1e-12)


def test_the_same_a_quantum_below_the_top():
    d = optimize_json("--classes", "4", "--n", "1e12", "--mean-energy", "2.999999999999")
    assert d["total_energy"] == 2999999999999
    opt = d["optimum"]
    assert opt["success"] and opt["counts"][2] == pytest.approx(1.0, rel=1e-9)
    assert opt["beta"] == pytest.approx(-float(digamma(1e12) - digamma(2.0)), rel=1e-9)
    assert [int(c) for c in d["mode"]["counts"]] == [0, 0, 1, 10**12 - 1]


def test_many_classes_one_quantum_below_the_top():
    d = optimize_json("--classes", "5000", "--n", "1e6", "--total-energy", "4998999999")
    want = [0] * 5000
    want[-1], want[-2] = 10**6 - 1, 1
    assert [int(c) for c in d["mode"]["counts"]] == want
    opt = d["optimum"]
    assert opt["success"] and opt["counts"][-2] == pytest.approx(1.0, rel=1e-9)


def test_integer_energies_with_a_wide_range_are_a_lattice():
    # was: "the most probable integer allocation needs energies on a common lattice"
    d = optimize_json("--energies", "0,1,5e13", "--n", "100", "--mean-energy", "0.5")
    assert d["energy_quantum"] == 1
    assert [int(c) for c in d["mode"]["counts"]] == [50, 50, 0]
    assert d["mode"]["log_count"] == pytest.approx(_ln_binomial_counts([50, 50]), rel=1e-12)


def test_totals_beyond_2_53_are_read_exactly():
    # was: solved U = 3e18 (every item on the top level) with no note
    d = optimize_json("--classes", "4", "--n", "1000000000000000000", "--total-energy",
                      "2999999999999999999")  # fmt: skip
    assert d["total_energy"] == 2999999999999999999
    counts = [int(c) for c in d["mode"]["counts"]]
    assert counts == [0, 0, 1, 10**18 - 1]
    # was: a mode whose energy is 1e17
    d = optimize_json("--classes", "4", "--n", "100000000000000007", "--total-energy",
                      "100000000000000003")  # fmt: skip
    counts = [int(c) for c in d["mode"]["counts"]]
    assert sum(counts) == 100000000000000007
    assert sum(k * c for k, c in enumerate(counts)) == 100000000000000003
    assert d["mode"]["residuals"]["ok"] and d["optimum"]["success"]


def test_a_mean_that_is_a_lattice_total_up_to_rounding_is_that_total():
    args = ["--energies", "1000000000,1000000001,1000000003", "--n", "137"]
    code, out, err = run("optimize", *args, "--mean-energy", "1000000000.3284671", "--json")
    assert code == 0, err
    assert "read as" in err and "lattice mean" in err
    assert strict_json.loads(out)["total_energy"] == 137000000045


def test_integer_energies_that_float64_would_round_are_refused():
    code, _, err = run("optimize", "--energies", "0,9007199254740993", "--n", "10",
                       "--mean-energy", "1")  # fmt: skip
    assert code == 2
    line = err.strip().splitlines()[-1]
    assert "--energies" in line and "9007199254740992" in line and "2**53" in line
    assert "Traceback" not in err


# --- the checks themselves, against independent arithmetic -------------------------------


def test_check_integer_is_exact_beyond_int64():
    p = maxent.Problem([0, 1, 2, 3], 10**18, total_energy=1)
    assert check_integer(p, [10**18 - 1, 1, 0, 0], log_count=math.log(1e18)).ok
    r = check_integer(p, [10**18 - 2, 2, 0, 0])
    assert not r.ok and r.energy == 1.0 and "misses U by 1 quanta" in r.note
    # a wrong ln W is a broken promise too (the mode once reported 0.0 here)
    assert not check_integer(p, [10**18 - 1, 1, 0, 0], log_count=0.0).ok


def test_check_real_holds_a_near_face_answer_to_its_quanta():
    p = maxent.Problem([0, 1, 2, 3], 10**12, total_energy=1)
    good = np.array([1e12 - 1, 1.0, 0.0, 0.0])
    assert check_real(p, good).ok
    # 3% of an item off: invisible relative to N, 0.03 quanta of a total of 1 quantum
    bad = np.array([1e12 - 0.97, 0.97, 0.0, 0.0])
    r = check_real(p, bad)
    assert not r.ok and r.energy == pytest.approx(0.03, rel=1e-6)


def test_check_draws_catches_one_bad_row():
    p = maxent.Problem([0, 1, 2], 10, total_energy=5)
    draws = np.array([[5, 5, 0], [6, 3, 1], [5, 4, 1]])
    assert check_draws(p, draws[:2]).ok
    r = check_draws(p, draws)
    assert not r.ok and "1 of 3 draws" in r.note and r.energy == 1.0


# --- negative controls: a broken solver is caught and reported as failed -----------------


def _perturbing(real):
    """solve_dual whose counts are moved by one item between the two lowest classes."""

    def broken(*args, **kw):
        sol = real(*args, **kw)
        sol.counts = sol.counts.copy()
        sol.counts[0] += 1.0
        sol.counts[1] -= 1.0
        return sol

    return broken


def test_a_broken_dual_is_solved_again_or_reported(monkeypatch):
    import maxent._optimize.optimum as opt

    monkeypatch.setattr(opt, "solve_dual", _perturbing(opt.solve_dual))
    p = maxent.Problem([0, 1, 2, 3], 50, mean_energy=1.2, statistics="bose",
                       degeneracies=[2, 2, 2, 2])  # fmt: skip
    r = maxent.maximize_log_count(p)
    # small K: the primal route repairs it, and says so
    assert r.success and "failed its check" in r.message and "trust-constr" in r.message
    assert r.residuals.ok
    # with the primal route broken as well, the failure is reported, never a success
    monkeypatch.setattr(opt, "_scipy_primal", lambda *a, **k: (_ for _ in ()).throw(ValueError))
    r = maxent.maximize_log_count(p)
    assert not r.success and r.status == 1
    assert "post-condition failed" in r.message and not r.residuals.ok
    assert r.residuals.energy > 0.5


def test_the_cli_exits_1_on_a_failed_check(monkeypatch):
    import maxent._optimize.optimum as opt

    monkeypatch.setattr(opt, "solve_dual", _perturbing(opt.solve_dual))
    monkeypatch.setattr(opt, "_scipy_primal", lambda *a, **k: (_ for _ in ()).throw(ValueError))
    args = ["--energies", "0,1,2,3", "--n", "50", "--mean-energy", "1.2",
            "--statistics", "bose", "--degeneracies", "2,2,2,2"]  # fmt: skip
    code, out, err = run("optimize", *args, "--json")
    assert code == 1
    assert err.count("maxent: warning: exact optimum: post-condition failed") == 1
    d = strict_json.loads(out)
    assert d["optimum"]["success"] is False and d["optimum"]["residuals"]["ok"] is False
    code, out, err = run("optimize", *args)
    assert code == 1 and "NO" in out  # the post-conditions table


def test_a_broken_mode_search_is_never_a_mode(monkeypatch):
    import maxent._optimize.mode as mode

    def broken(problem, t0, *_):
        wrong = np.array([7, 5, 4, 4])  # sum 20, energy 25 instead of 24
        return mode._result(problem, t0, wrong, 0, "optimal (broken)", ties=1, nodes=0, rounds=0)

    monkeypatch.setattr(mode, "_search", broken)
    monkeypatch.setattr(mode, "_fallback", lambda problem, t0, out, *a: out)
    r = maxent.most_probable_allocation(maxent.Problem([0, 1, 2, 3], 20, mean_energy=1.2))
    assert not r.success and not r.certified and r.status == 2
    assert "misses U by 1 quanta" in r.message


def test_a_wrong_log_count_is_caught(monkeypatch):
    import maxent._optimize.mode as mode

    real = mode.log_count
    monkeypatch.setattr(mode, "log_count", lambda p, n, *a: real(p, n, *a) + 1e-6)
    r = maxent.most_probable_allocation(maxent.Problem([0, 1, 2, 3], 20, mean_energy=1.2))
    assert not r.success and "ln W is" in r.message and "recomputed" in r.message


def test_broken_draws_fail_the_sample_and_the_cli(monkeypatch):
    import maxent._sampling.api as api

    real = api.enumerate_allocations

    def broken(problem):
        en = real(problem)
        en.allocations[:, 0] += 1  # every allocation one item too many
        return en

    monkeypatch.setattr(api, "enumerate_allocations", broken)
    p = maxent.Problem([0, 1, 2, 3], 20, mean_energy=1.2)
    r = maxent.sample(p, 50, seed=1)
    assert not r.success and "50 of 50 draws" in r.message and r.residuals.count == 1.0
    code, out, err = run("sample", "--classes", "4", "--n", "20", "--mean-energy", "1.2",
                         "--samples", "50", "--seed", "1", "--json")  # fmt: skip
    assert code == 1 and "maxent: warning: draws:" in err
    assert strict_json.loads(out)["sampler"]["success"] is False


def test_a_calibration_fit_that_misses_its_moments_is_failed():
    from maxent._calibrate.fit import MOMENT_CHECK_TOL, _recheck, moment_residual
    from maxent.calibration import TemperatureScaling, VectorScaling

    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 400)
    z = 3.0 * (2.0 * np.eye(3)[y] + rng.normal(0.0, 1.0, (400, 3)))
    for est, method in ((TemperatureScaling(), "temperature"), (VectorScaling(), "vector")):
        est.fit(z, y)
        assert est.status_ == "converged"
        assert moment_residual(est, method, z, y) < MOMENT_CHECK_TOL
        status, _, got = _recheck(est, method, z, y)
        assert status == "converged" and got < MOMENT_CHECK_TOL
    ts = TemperatureScaling().fit(z, y)
    ts.beta_ *= 1.01  # a solver that stopped 1% short
    status, message, got = _recheck(ts, "temperature", z, y)
    assert status == "failed" and got > MOMENT_CHECK_TOL and "post-condition failed" in message


def test_relaxation_records_are_checked():
    p = maxent.Problem([0, 1, 2, 3], 200, total_energy=240)
    r = maxent.relax(p, sweeps=5, seed=3)
    assert r.success and r.residuals.ok and r.counts.shape[0] >= 2
    d = r.to_dict()
    assert d["success"] is True and d["residuals"]["count"] == 0.0
