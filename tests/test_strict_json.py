"""Every --json output is strict RFC 8259 JSON; an undefined value is null with a reason.

The edge cases are the ones the new-user runs of issue 18 found NaN in (alpha at the ends
of the energy range, slope errors from two values of N), and the others a search of
every command at its edges turned up (one draw, an extreme mean, equal energies, a
calibration that leaves the temperature free).
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess

import numpy as np
import pytest
from click.testing import CliRunner

from maxent._util.format import Undefined, defined, to_json
from maxent.cli import cli

from . import strict_json


def run_json(*args):
    res = CliRunner().invoke(cli, [*args, "--json"])
    assert res.exit_code == 0, (res.stderr, res.exception)
    return res.stdout, strict_json.loads(res.stdout)


# --- the writer ---------------------------------------------------------------------


def test_writer_refuses_nan_and_names_where_it_is():
    with pytest.raises(ValueError, match=r"NaN at a\.b\[1\]"):
        to_json({"a": {"b": [1.0, float("nan")]}})
    with pytest.raises(ValueError, match="NaN at x"):
        to_json({"x": np.float32("nan")})


def test_writer_puts_the_reason_beside_an_undefined_value():
    text = to_json(
        {
            "a": Undefined("no data"),
            "b": defined(np.array([1.0, np.nan, np.nan]), "empty class"),
            "c": [[Undefined("p"), 2], [Undefined("q")]],
            "d": defined(2.5, "unused"),
            "e": -math.inf,
            "f": defined(None, "not asked for"),
        }
    )
    d = strict_json.loads(text)
    assert d == {
        "a": None,
        "a_message": "no data",
        "b": [1.0, None, None],
        "b_message": "empty class",  # one reason for the list, said once
        "c": [[None, 2], [None]],
        "c_message": "p; q",
        "d": 2.5,
        "e": "-inf",
        "f": None,
        "f_message": "not asked for",
    }
    with pytest.raises(ValueError, match="given twice"):
        to_json({"a": Undefined("x"), "a_message": "y"})
    with pytest.raises(ValueError, match="needs a key"):
        to_json([Undefined("x")])


def test_a_leaked_nan_is_a_one_line_internal_error_not_a_traceback(monkeypatch):
    # the negative control of the writer's refusal: a producer that forgets a reason
    from maxent._sampling.api import SampleResult

    plain = SampleResult.to_dict
    monkeypatch.setattr(SampleResult, "to_dict", lambda self: {**plain(self), "bogus": np.nan})
    res = CliRunner().invoke(cli, ["sample", "--classes", "3", "--n", "10", "--json"])
    assert res.exit_code == 1 and res.stdout == ""
    assert res.stderr.splitlines()[-1] == (
        "maxent: error: internal error, please report it: NaN at sampler.bogus: strict JSON "
        "has no NaN; mark an undefined value with maxent._util.format.defined(value, reason)"
    )
    assert "Traceback" not in res.stderr


@pytest.mark.parametrize(
    "text",
    [
        '{"a": NaN}',
        '{"a": Infinity}',
        '{"a": [-Infinity]}',
        '{"a": "nan"}',
        '{"a": null}',
        '{"a": [1, null]}',
        '{"a": null, "a_message": 3}',
    ],
)
def test_strict_parser_is_a_negative_control(text):
    json.loads(text)  # Python's default reader takes every one of them
    with pytest.raises(ValueError):
        strict_json.loads(text)


# --- the observed cases --------------------------------------------------------------


def test_fermi_full_level_alpha_is_minus_inf():
    # issue 18: "alpha": "nan"; level 0 holds all 9 of its states, level 1 the other 3,
    # so x_1 = alpha + beta = ln(9/3 - 1) stays finite while beta -> +inf
    args = ["--classes", "2", "--n", "12", "--mean-energy", "0.25", "--statistics", "fermi"]
    args += ["--degeneracies", "9,9"]
    _, d = run_json("sample", *args, "--method", "mcmc", "--samples", "50", "--seed", "1")
    assert d["beta"] == "inf" and d["alpha"] == "-inf"
    assert d["sampler"]["mean_fractions"] == [0.75, 0.25]


@pytest.mark.parametrize("method", ["exact", "mcmc"])
def test_bose_lowest_mean_alpha_is_ln_1_plus_g0_over_n(method):
    # every item on the ground level (E_0 = 0): n_0 = g_0 / (exp(alpha) - 1) = N
    n, g0 = 10, 3
    args = ["--energies", "0,1,2", "--n", str(n), "--mean-energy", "0", "--statistics", "bose"]
    args += ["--degeneracies", f"{g0},1,1", "--samples", "50", "--seed", "1"]
    _, d = run_json("sample", *args, "--method", method)
    assert d["beta"] == "inf"
    assert d["alpha"] == pytest.approx(math.log1p(g0 / n), rel=1e-12)
    assert g0 / math.expm1(d["alpha"]) == pytest.approx(n, rel=1e-12)
    assert d["condensate_fraction"] == 1.0


def test_extreme_alpha_follows_the_energy_zero():
    # alpha = x_b - beta E_b: infinite unless the boundary level sits at E = 0
    base = ["--n", "10", "--statistics", "bose"]
    _, d = run_json("optimize", "--energies", "1,2,3", *base, "--mean-energy", "1")
    assert (d["beta"], d["alpha"]) == ("inf", "-inf")
    _, d = run_json("optimize", "--energies", "-1,0,1", *base, "--mean-energy", "-1")
    assert (d["beta"], d["alpha"]) == ("inf", "inf")
    _, d = run_json("optimize", "--energies", "0,1,2", *base, "--mean-energy", "2")
    assert (d["beta"], d["alpha"]) == ("-inf", "inf")  # every item on the top level
    # the Stirling optimum, solved on its own, agrees where alpha is finite
    _, d = run_json("optimize", "--energies", "0,1,2", *base, "--mean-energy", "0")
    assert d["alpha"] == pytest.approx(d["stirling"]["alpha"], rel=1e-12)
    assert d["alpha"] == pytest.approx(math.log1p(1 / 10), rel=1e-12)


def test_full_fermi_level_across_zero_leaves_alpha_undetermined():
    # levels -2 and -1 full, +1 empty: alpha = -beta c for any c in (-1, 1)
    args = ["--energies", "-2,-1,1", "--n", "4", "--mean-energy", "-1.5"]
    args += ["--statistics", "fermi", "--degeneracies", "2,2,2"]
    _, d = run_json("optimize", *args)
    assert d["alpha"] is None and "undetermined" in d["alpha_message"]
    # above a full level at E = 0 the gap lies on one side: alpha = -inf
    args[1] = "-1,0,1"
    args[5] = "-0.5"
    _, d = run_json("optimize", *args)
    assert d["alpha"] == "-inf"


def test_a_full_fermi_face_is_exactly_full():
    # the Stirling optimum put 1e-10 items over a capacity: ln C(g, g + 1e-10) = nan,
    # which the strict writer refused (found by the grid: degenerate levels, highest mean)
    args = ["--energies", "0,1,1", "--n", "100000", "--total-energy", "100000"]
    _, d = run_json("optimize", *args, "--statistics", "fermi", "--degeneracies", "5e4,5e4,5e4")
    assert d["stirling"]["counts"] == [0.0, 50000.0, 50000.0]
    # both levels full: W = C(5e4, 5e4)**2 = 1, in either form
    assert d["stirling"]["log_count"] == 0.0 and d["optimum"]["log_count"] == 0.0
    assert (d["beta"], d["alpha"]) == ("-inf", "inf")


def test_converge_two_n_slope_stderr_is_null_and_the_table_says_why():
    args = ["converge", "--classes", "3", "--n", "10,100", "--seeds", "2", "--samples", "200"]
    args += ["--mean-energy", "0.8", "--seed", "1"]
    _, d = run_json(*args)
    for curve, fit in d["slopes"].items():
        assert fit["stderr"] is None, curve
        if fit["points"] == 2:
            assert "2 points" in fit["stderr_message"]
            assert isinstance(fit["slope"], float)
        else:  # the sampled mean within 3x of its floor: no point left
            assert fit["slope"] is None and "sampling floor" in fit["slope_message"]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.stderr
    assert "nan" not in res.stdout
    assert "no stderr for optimum, mode, exact_mean" in res.stdout
    assert "a line through 2 points leaves no residual" in res.stdout


def test_converge_at_an_extreme_mean():
    args = ["converge", "--classes", "3", "--n", "10,100,1000", "--seeds", "1"]
    _, d = run_json(*args, "--samples", "100", "--mean-energy", "0", "--seed", "1")
    assert d["fitted_beta"] == [[None], [None], [None]]
    assert d["fitted_beta_message"].startswith("N = 10, 100, 1000: 0 energy level(s)")
    assert d["slopes"]["optimum"]["slope"] is None  # TV = 0 at every N: no logarithm
    assert "distance 0" in d["slopes"]["optimum"]["slope_message"]


def test_one_draw_has_no_standard_error():
    base = ["--classes", "3", "--n", "10", "--samples", "1", "--seed", "1"]
    _, d = run_json("sample", *base)
    assert d["sampler"]["stderr"] == [None] * 3
    assert "at least 2 draws" in d["sampler"]["stderr_message"]
    _, d = run_json("simulate", *base, "--method", "mcmc")
    s = d["sampler"]
    assert s["tau"] == [None] * 3 and "fewer than 4 draws" in s["tau_message"]
    assert d["concentration"]["ks_pvalue"] is None


def test_simulate_at_an_extreme_mean_and_with_equal_energies():
    _, d = run_json("simulate", "--classes", "3", "--n", "10", "--mean-energy", "0", "--seed", "1")
    fb = d["fitted_beta"]
    assert fb["beta"] is None and fb["dof"] == 0 and "fitting beta needs 2" in fb["beta_message"]
    assert "fix the allocation" in d["concentration"]["ks_statistic_message"]
    _, d = run_json("simulate", "--energies", "1,1,1", "--n", "5", "--seed", "1")
    assert d["energy_quantum"] is None and d["energy_quantum_message"] == "all energies are equal"


def test_calibrate_with_an_undetermined_temperature(tmp_path):
    (tmp_path / "z.txt").write_text("1 1 1\n2 2 2\n0 0 0\n")
    (tmp_path / "y.txt").write_text("0\n1\n2\n")
    args = ["calibrate", "--logits", str(tmp_path / "z.txt"), "--labels", str(tmp_path / "y.txt")]
    _, d = run_json(*args)
    assert d["beta"] is None and d["temperature"] is None
    assert "undetermined" in d["beta_message"] and d["status"] == "undetermined"
    assert d["bias"] is None and "fits no class bias" in d["bias_message"]


def test_a_browser_parses_the_outputs(tmp_path):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node (a browser's JSON.parse) is not installed")
    texts = [
        run_json("sample", "--classes", "2", "--n", "12", "--mean-energy", "0.25", *FERMI)[0],
        run_json("converge", "--classes", "3", "--n", "10,100", "--seeds", "1", "--seed", "1")[0],
        run_json("simulate", "--classes", "3", "--n", "10", "--samples", "1", "--seed", "1")[0],
    ]
    script = (
        "const v = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "process.stdout.write(JSON.stringify(v));"
    )
    for text in texts:
        res = subprocess.run(
            [node, "-e", script], input=text, capture_output=True, text=True, timeout=60
        )
        assert res.returncode == 0, res.stderr
        assert json.loads(res.stdout) == strict_json.loads(text)
    # the control: what Python's json.dumps writes by default, a browser refuses
    bad = subprocess.run(
        [node, "-e", script],
        input=json.dumps({"a": math.nan}),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode != 0


FERMI = ["--statistics", "fermi", "--degeneracies", "9,9", "--samples", "20", "--seed", "1"]
