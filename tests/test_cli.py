import json

import pytest
from click.testing import CliRunner

import maxent
from maxent.cli import cli


def run(*args):
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_version():
    code, out, _ = run("--version")
    assert code == 0 and maxent.__version__ in out


def test_optimize_table():
    code, out, err = run("optimize", "--classes", "4", "--n", "100000", "--mean-energy", "1.2")
    assert code == 0, err
    assert "Boltzmann p" in out and "integer mode" in out
    assert "34744" in out  # the mode's ground-state count


def test_optimize_json_keys():
    code, out, err = run("optimize", "--classes", "4", "--n", "1e5", "--beta", "0.5", "--json")
    assert code == 0, err
    d = json.loads(out)
    for key in ("energies", "n", "total_energy", "mean_energy", "beta", "boltzmann"):
        assert key in d
    for key in ("fractions", "counts", "alpha", "beta", "log_count"):
        assert key in d["optimum"] and key in d["stirling"]
    assert set(d["mode"]) >= {"counts", "log_count"}
    assert sum(d["mode"]["counts"]) == 100_000
    # beta given: U is the nearest reachable total and beta is that of the effective mean
    assert d["requested_beta"] == 0.5
    assert d["total_energy"] == round(d["total_energy"])
    assert abs(d["beta"] - 0.5) < 1e-4


@pytest.mark.parametrize("n", ["100000", "1e5", "100_000", "1E5"])
def test_n_formats(n):
    code, out, _ = run("optimize", "--n", n, "--mean-energy", "1.2", "--json")
    assert code == 0 and json.loads(out)["n"] == 100_000


def test_default_energy_is_announced():
    code, out, err = run("optimize", "--classes", "4", "--n", "1000")
    assert code == 0
    assert "no energy given" in err and "mean energy 1.2" in out


def test_infinite_beta_in_json_is_a_string():
    code, out, _ = run("optimize", "--energies", "0,1,2", "--n", "5", "--beta", "inf", "--json")
    assert code == 0
    d = json.loads(out)
    assert d["beta"] == "inf" and float(d["beta"]) == float("inf")
    assert d["mode"]["counts"] == [5, 0, 0]


def test_energies_without_quantum_skip_the_mode():
    code, out, _ = run(
        "optimize", "--energies", "0,1,3.14159265358979", "--n", "7", "--mean-energy", "1", "--json"
    )
    assert code == 0
    d = json.loads(out)
    assert d["mode"] is None and "lattice" in d["mode_message"]


BAD = [
    (["--classes", "1"], "--classes"),
    (["--n", "0"], "--n"),
    (["--n", "-5"], "--n"),
    (["--n", "1.5"], "--n"),
    (["--n", "nan"], "--n"),
    (["--n", "ten"], "--n"),
    (["--energies", "0,1,nan"], "--energies"),
    (["--energies", "0,one"], "--energies"),
    (["--energies", "3"], "--energies"),
    (["--energies", "0,1", "--classes", "3"], "--classes"),
    (["--mean-energy", "7"], "--mean-energy"),
    (["--mean-energy", "nan"], "--mean-energy"),
    (["--total-energy", "-1"], "--total-energy"),
    (["--n", "10", "--mean-energy", "1.25"], "--mean-energy"),
    (["--energies", "0,2,5", "--n", "3", "--total-energy", "1"], "--total-energy"),
    (["--mean-energy", "1", "--beta", "1"], "only one"),
    (["--temperature", "-2"], "--temperature"),
    (["--temperature", "0"], "--temperature"),
    (["--beta", "nan"], "--beta"),
    (["--energy-quantum", "0.3"], "--energy-quantum"),
    (["--method", "newton"], "--method"),
    (["--no-such-option"], "no-such-option"),
]


@pytest.mark.parametrize("args, name", BAD)
def test_bad_input_is_one_line_exit_2(args, name):
    code, out, err = run("optimize", *args)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("maxent: error:")
    assert name in lines[0]
    assert "Traceback" not in err
