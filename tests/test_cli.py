import pytest
from click.testing import CliRunner

import maxent
from maxent.cli import cli

from . import strict_json


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
    d = strict_json.loads(out)
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
    assert code == 0 and strict_json.loads(out)["n"] == 100_000


def test_default_energy_is_announced():
    code, out, err = run("optimize", "--classes", "4", "--n", "1000")
    assert code == 0
    assert "no energy given" in err and "mean energy 1.2" in out


def test_infinite_beta_in_json_is_a_string():
    code, out, _ = run("optimize", "--energies", "0,1,2", "--n", "5", "--beta", "inf", "--json")
    assert code == 0
    d = strict_json.loads(out)
    assert d["beta"] == "inf" and float(d["beta"]) == float("inf")
    assert d["mode"]["counts"] == [5, 0, 0]


def test_energies_without_quantum_skip_the_mode():
    code, out, _ = run(
        "optimize", "--energies", "0,1,3.14159265358979", "--n", "7", "--mean-energy", "1", "--json"
    )
    assert code == 0
    d = strict_json.loads(out)
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
    # a first run may say it compiles (a note); the error itself is one line
    lines = [x for x in err.strip().splitlines() if not x.startswith("note: compiling")]
    assert len(lines) == 1 and lines[0].startswith("maxent: error:")
    assert name in lines[0]
    assert "Traceback" not in err


# -- sample and relax ----------------------------------------------------------------------


def test_sample_json_sampler_object(tmp_path):
    code, out, err = run(
        "sample", "--classes", "4", "--n", "100000", "--samples", "500", "--seed", "3", "--json"
    )
    assert code == 0, err
    d = strict_json.loads(out)
    s = d["sampler"]
    for key in ("method", "samples", "mean_fractions", "stderr", "acceptance"):
        assert key in s
    assert s["method"] == "exact" and s["samples"] == 500 and "reason" in s
    assert abs(sum(s["mean_fractions"]) - 1) < 1e-12


def test_sample_mcmc_reports_ess():
    code, out, err = run(
        "sample",
        "--classes",
        "4",
        "--n",
        "2000",
        "--samples",
        "200",
        "--method",
        "mcmc",
        "--seed",
        "3",
        "--json",
    )
    assert code == 0, err
    s = strict_json.loads(out)["sampler"]
    assert s["method"] == "mcmc" and len(s["ess"]) == 4 and len(s["tau"]) == 4


@pytest.mark.parametrize("ext", ["npy", "npz", "csv"])
def test_sample_save_formats(tmp_path, ext):
    import numpy as np

    path = tmp_path / f"draws.{ext}"
    code, _out, err = run(
        "sample",
        "--classes",
        "3",
        "--n",
        "500",
        "--samples",
        "50",
        "--seed",
        "1",
        "--save",
        str(path),
    )
    assert code == 0, err
    if ext == "npy":
        draws = np.load(path)
    elif ext == "npz":
        draws = np.load(path)["draws"]
    else:
        draws = np.loadtxt(path, delimiter=",", skiprows=1, dtype=int)
    assert draws.shape == (50, 3) and (draws.sum(axis=1) == 500).all()


def test_sample_is_reproducible_from_the_cli():
    args = ("sample", "--classes", "4", "--n", "1e4", "--samples", "300", "--seed", "9", "--json")
    a = strict_json.loads(run(*args)[1])["sampler"]["mean_fractions"]
    b = strict_json.loads(run(*args, "--threads", "1")[1])["sampler"]["mean_fractions"]
    assert a == b


def test_relax_json():
    code, out, err = run(
        "relax", "--classes", "4", "--n", "5000", "--sweeps", "10", "--seed", "1", "--json"
    )
    assert code == 0, err
    r = strict_json.loads(out)["relax"]
    assert len(r["entropy"]) == 11 and r["entropy"][-1] > r["entropy"][0]
    assert r["tv_distance"][-1] < 0.05


def test_relax_class_start_sets_the_energy():
    code, out, err = run(
        "relax",
        "--classes",
        "4",
        "--n",
        "1000",
        "--sweeps",
        "3",
        "--start",
        "class:2",
        "--seed",
        "1",
        "--json",
    )
    assert code == 0, err
    d = strict_json.loads(out)
    assert d["mean_energy"] == 2.0 and d["relax"]["fractions"][0] == [0, 0, 1, 0]


BAD_SAMPLE = [
    (["sample", "--samples", "0"], "--samples"),
    (["sample", "--method", "gibbs"], "--method"),
    (["sample", "--seed", "-3"], "--seed"),
    (["sample", "--threads", "0"], "--threads"),
    (["sample", "--save", "out.txt"], "--save"),
    (["sample", "--save", "/no/such/dir/x.npy"], "--save"),
    (["sample", "--energies", "0,1,3.14159265358979"], "--energy-tolerance"),
    (["sample", "--energies", "0,1,3.14159265358979", "--method", "exact"], "--energies"),
    (
        ["sample", "--energies", "0,2,5", "--n", "3", "--mean-energy", "0.3333333333333333"],
        "--mean-energy",
    ),
    (["relax", "--start", "class:9"], "--start"),
    (["relax", "--start", "sideways"], "--start"),
    (["relax", "--sweeps", "0"], "--sweeps"),
]


@pytest.mark.parametrize("args, name", BAD_SAMPLE)
def test_sampler_bad_input_is_one_line_exit_2(args, name):
    code, out, err = run(*args)
    assert code == 2, (out, err)
    # a first run may say it compiles (a note); the error itself is one line
    lines = [x for x in err.strip().splitlines() if not x.startswith("note: compiling")]
    assert len(lines) == 1 and lines[0].startswith("maxent: error:") and name in lines[0]
    assert "Traceback" not in err


# -- simulate and converge -----------------------------------------------------------------


def test_simulate_main_job_defaults():
    code, out, err = run("simulate", "--classes", "4", "--n", "100000")
    assert code == 0, err
    assert "Distance to Boltzmann" in out and "Entropy concentration" in out
    assert "10000 draws" in err and "no energy given" in err


def test_simulate_json_and_plot(tmp_path):
    path = tmp_path / "sim.png"
    code, out, err = run(
        "simulate",
        "--classes",
        "3",
        "--n",
        "5000",
        "--samples",
        "2000",
        "--seed",
        "1",
        "--json",
        "--plot",
        str(path),
    )
    assert code == 0, err
    d = strict_json.loads(out)
    for key in (
        "optimum",
        "stirling",
        "mode",
        "sampler",
        "distances",
        "fitted_beta",
        "concentration",
        "boltzmann",
        "beta",
    ):
        assert key in d
    assert path.stat().st_size > 1000


def test_converge_outputs(tmp_path):
    csv_path, png = tmp_path / "c.csv", tmp_path / "c.svg"
    code, out, err = run(
        "converge",
        "--classes",
        "3",
        "--n",
        "10,100,1000",
        "--seeds",
        "2",
        "--seed",
        "1",
        "--json",
        "--csv",
        str(csv_path),
        "--plot",
        str(png),
    )
    assert code == 0, err
    d = strict_json.loads(out)
    assert d["n"] == [10, 100, 1000] and set(d["slopes"]) >= {"optimum", "single_draw"}
    assert len(csv_path.read_text().strip().splitlines()) == 1 + 3 * 2
    assert png.read_text().startswith("<?xml")


BAD_SIM = [
    (["simulate", "--plot", "fig.jpg"], "--plot"),
    (["simulate", "--samples", "-1"], "--samples"),
    (["converge", "--n", "10"], "--n"),
    (["converge", "--n", "1e3:10:4"], "--n"),
    (["converge", "--seeds", "0"], "--seeds"),
    (["converge", "--samples", "lots"], "--samples"),
    (["converge", "--csv", "out.txt"], "--csv"),
    (["converge", "--mean-energy", "1", "--beta", "1"], "only one"),
    (["converge", "--total-energy", "5"], "total-energy"),
]


@pytest.mark.parametrize("args, name", BAD_SIM)
def test_simulate_converge_bad_input(args, name):
    code, out, err = run(*args)
    assert code == 2, (out, err)
    # a first run may say it compiles (a note); the error itself is one line
    lines = [x for x in err.strip().splitlines() if not x.startswith("note: compiling")]
    assert len(lines) == 1 and lines[0].startswith("maxent: error:") and name in lines[0]


def test_simulate_without_an_exact_optimum():
    # a single-state Bose level: no unique exact optimum; the table says so, no traceback
    code, out, err = run(
        "simulate", "--energies", "0,1,1,2", "--n", "1000", "--statistics", "bose",
        "--degeneracies", "1,2,3,4", "--samples", "200", "--seed", "1",
    )  # fmt: skip
    assert code == 0, err
    assert "exact optimum: not computed" in out


# -- lists and files -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "name", "shown"),
    [
        (["optimize", "--energies", "0,,2"], "--energies", "item 2 is empty in '0,,2'"),
        (["optimize", "--energies", "0,1,"], "--energies", "item 3 is empty"),
        (["optimize", "--energies", ",0,1"], "--energies", "item 1 is empty"),
        (["optimize", "--energies", "0;;1"], "--energies", "item 2 is empty"),
        (["optimize", "--classes", "3", "--degeneracies", "1,,2"], "--degeneracies", "item 2"),
        (["converge", "--classes", "3", "--n", "10,,100"], "--n", "item 2 is empty"),
        (["lecture", "--only", "temperature,"], "--only", "item 2 is empty"),
        (["lecture", "--format", "png,,pdf"], "--format", "item 2 is empty"),
        (["animate", "temperature", "--logits", "1,,2"], "--logits", "item 2 is empty"),
    ],
)
def test_an_empty_list_item_is_an_error(args, name, shown):
    # issue 18: --energies 0,,2 was read as [0, 2]
    code, out, err = run(*args)
    assert code == 2 and out == "", err
    assert err.count("\n") == 1 and err.startswith("maxent: error: ") and name in err
    assert shown in err


def test_an_empty_item_in_a_list_file_is_an_error(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("# energies\n0, 1\n2,,3\n")
    code, _, err = run("optimize", "--energies", f"@{path}")
    assert code == 2 and "line 3: item 2 is empty" in err
    path.write_text("0 1\n2, 3  # spaces and commas both separate\n")
    code, out, err = run("optimize", "--energies", f"@{path}", "--n", "10", "--json")
    assert code == 0, err
    assert strict_json.loads(out)["energies"] == [0.0, 1.0, 2.0, 3.0]


def _odd_paths(tmp_path):
    import os
    import sys

    paths = [(str(tmp_path), "is a directory, not a file")]
    if os.path.exists("/dev/zero"):
        paths.append(("/dev/zero", "is a character device, not a regular file"))
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.txt")
        paths.append((str(tmp_path / "pipe.txt"), "is a named pipe (FIFO), not a regular file"))
    if sys.platform != "win32":
        (tmp_path / "broken.txt").symlink_to(tmp_path / "gone.txt")
        paths.append((str(tmp_path / "broken.txt"), "is a broken symbolic link"))
    paths.append((str(tmp_path / "none.txt"), "no such file"))
    return paths


def test_odd_paths_are_named_as_what_they_are(tmp_path):
    # issue 18: @/dev/zero was reported as "no such file"
    for path, what in _odd_paths(tmp_path):
        code, _, err = run("optimize", "--energies", f"@{path}")
        assert code == 2 and err.count("\n") == 1 and "--energies" in err, err
        assert what in err, (path, err)
        code, _, err = run("calibrate", "--logits", path, "--labels", path)
        if path.endswith(".txt"):  # calibrate looks at the extension first
            assert code == 2 and err.startswith("maxent: error: --logits: ") and what in err


def test_an_unreadable_file_says_so(tmp_path):
    import os

    if os.name != "posix" or os.geteuid() == 0:
        pytest.skip("root reads every file")
    path = tmp_path / "e.txt"
    path.write_text("0 1 2\n")
    path.chmod(0)
    code, _, err = run("optimize", "--energies", f"@{path}")
    assert code == 2 and "is not readable (permission denied)" in err
