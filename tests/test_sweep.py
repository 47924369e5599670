"""Parameter sweeps: study files, both backends, resumption after SIGKILL, failures, plots."""

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import matplotlib.pyplot as plt
import numpy as np
import pytest
from click.testing import CliRunner

import maxent
from maxent import Problem, ValidationError, compare
from maxent._plotting.sweep import plot_sweep
from maxent._sweep.run import run_sweep
from maxent._sweep.store import read_results, read_rows, task_files
from maxent._sweep.study import load_study
from maxent._sweep.task import run_task, task_seed
from maxent.cli import cli

from . import strict_json

TIMINGS = {"time_total", "time_sampling"}

SMALL = """
[study]
name = "small"
seed = 11
samples = 300
[grid]
classes = [3, 4]
n = [20, 5000]
temperature = [1.0, 3.0]
seeds = 2
"""


def write(tmp_path, text, name="study.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def comparable(rows):
    """Rows without their timings, as text: equal iff every value is equal bit for bit.

    (``repr`` of a float round-trips exactly, and NaN compares equal to NaN here.)
    """
    return [json.dumps({k: v for k, v in r.items() if k not in TIMINGS}) for r in rows]


def test_expansion_is_deterministic_and_tasks_are_pure(tmp_path):
    study = load_study(write(tmp_path, SMALL))
    assert len(study.tasks) == 2 * 2 * 2 * 2
    assert [t["task"] for t in study.tasks] == list(range(16))
    # energies, then n, then temperature, then the seed replicate (fastest)
    order = [(t["classes"], t["n"], t["temperature"], t["seed_index"]) for t in study.tasks]
    assert order == sorted(order) and order[:3] == [
        (3, 20, 1.0, 0),
        (3, 20, 1.0, 1),
        (3, 20, 3.0, 0),
    ]
    assert load_study(write(tmp_path, SMALL, "again.toml")).tasks == study.tasks
    a, b = run_task(study.tasks[5]), run_task(study.tasks[5])
    for key in TIMINGS:
        a.pop(key), b.pop(key)
    assert a == b
    assert a["tv_sampled_mean"] > 0 and a["method_used"] in ("exact", "enumerate")
    # the seed is a hash of the task's parameters with the study seed, and nothing else
    t = study.tasks[5]
    text = json.dumps(
        {"energies": [0, 1, 2], "n": 5000, "seed_index": 1, "temperature": 1},
        sort_keys=True,
        separators=(",", ":"),
    )
    digest = hashlib.sha256(text.encode()).hexdigest()
    assert (t["classes"], t["n"], t["temperature"], t["seed_index"]) == (3, 5000, 1.0, 1)
    assert t["task_id"] == digest[:16]
    seq = np.random.SeedSequence([11, int(digest, 16)])
    assert task_seed(t).generate_state(4).tolist() == seq.generate_state(4).tolist()
    direct = compare(
        Problem(t["energies"], t["n"], temperature=t["temperature"], snap=True),
        300,
        "auto",
        seed=seq,
        threads=1,
    )
    assert a["tv_sampled_mean"] == direct.distances["sampled_mean"].tv
    assert a["fitted_beta"] == direct.fitted_beta.beta
    c = run_task(study.tasks[4])  # the other seed replicate of the same grid point
    assert c["tv_sampled_mean"] != a["tv_sampled_mean"]


GRID3 = "[grid]\nclasses = [4]\nn = [10, 100, 1000]\n"


@pytest.mark.parametrize(
    "text, message",
    [
        ("[grid]\nn = [10]\n", r"\[grid\]: give exactly one of classes or energies"),
        ("[grid]\nclasses = [4]\nn = [10, 0]\n", r"\[grid\] n: must be a list of integers >= 1"),
        ("[grid]\nclasses = [4]\nn = [10, 1.5]\n", r"\[grid\] n: .*1\.5"),
        ("[grid]\nclasses = [4]\nn = [inf]\n", r"\[grid\] n: .*inf"),
        ("[grid]\nclasses = [4]\n", r"\[grid\] n: is required"),
        ("[grid]\nclasses = [4]\nn = []\n", r"\[grid\] n: must not be empty"),
        ("[grid]\nclasses = [4]\nn = [10]\nbeta = [1]\nmean_energy = [1]\n", "at most one"),
        ("[grid]\nclasses = [4]\nn = [10]\ntemperature = [1, -2]\n", r"temperature: must be > 0"),
        ("[grid]\nclasses = [4]\nn = [10]\nbeta = ['hot']\n", r"\[grid\] beta: .*'hot'"),
        ("[grid]\nclasses = [4]\nn = [10]\nspeed = 3\n", r"\[grid\] speed: unknown key"),
        ("[grid]\nclasses = [4]\nn = [10]\nseeds = [1, 2]\n", r"\[grid\] seeds: must be an int"),
        ("[study]\nmethod = 'magic'\n[grid]\nclasses = [4]\nn = [10]\n", r"\[study\] method"),
        ("[study]\nseed = -1\n[grid]\nclasses = [4]\nn = [10]\n", r"\[study\] seed"),
        ("study = 3\n[grid]\nclasses = [4]\nn = [10]\n", "must be a table"),
        ("[grid]\nclasses = [4]\nn = [10]\n[extra]\na = 1\n", r"\[extra\]: unknown table"),
        ("[grid\nclasses = [4]\n", "not valid TOML"),
        ("[grid]\nenergies = [[0]]\nn = [10]\n", "at least 2 values"),
        ("[grid]\nclasses = [3]\nn = [10]\ndegeneracies = [1, 2]\n", "has 2 values"),
        ("[grid]\nclasses = [3]\nn = [10]\nconstraints = ['k**2']\n", "EXPR=VALUE"),
        ("[grid]\nclasses = [4]\nn = [10]\n[record]\nquantities = ['joy']\n", "'joy'"),
        # a task is its parameters: one listed twice would be one task twice
        ("[grid]\nclasses = [4]\nn = [1000, 1e3]\n", r"\[grid\] n: lists the value 1000 twice"),
        ("[grid]\nclasses = [4]\nn = [10]\nbeta = [0.5, 5e-1]\n", r"beta: lists the value 0.5"),
        ("[grid]\nenergies = [[0, 1], [0.0, 1e0]]\nn = [10]\n", r"energies: lists the value"),
        ("[grid]\nclasses = [3, 3]\nn = [10]\n", r"classes: lists the value"),
        # adaptive precision
        (f"[study]\ntarget_stderr = 0\n{GRID3}", r"\[study\] target_stderr: must be a real"),
        (f"[study]\ntarget_stderr = 'small'\n{GRID3}", r"target_stderr: must be a real"),
        (f"[study]\nmax_seeds = 8\n{GRID3}", r"\[study\] max_seeds: only applies with"),
        (f"[study]\ntarget_columns = ['tv_single_draw']\n{GRID3}", r"target_columns: only"),
        ("[study]\ntarget_stderr = 0.1\n[grid]\nclasses = [4]\nn = [10, 100]\n", "at least 3"),
        (f"[study]\ntarget_stderr = 0.1\nmax_seeds = 2\n{GRID3}seeds = 3\n", "must be >= "),
        (
            f"[study]\ntarget_stderr = 0.1\ntarget_columns = ['tv_optimum']\n{GRID3}",
            r"'tv_optimum' is not a result that depends on the seed",
        ),
    ],
)
def test_bad_study_files(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ValidationError, match=message):
        load_study(path)
    res = CliRunner().invoke(cli, ["sweep", str(path), "--out", str(tmp_path / "out")])
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith(f"maxent: error: {path}: ")
    assert "Traceback" not in res.output
    assert not (tmp_path / "out").exists()


def test_missing_study_file(tmp_path):
    res = CliRunner().invoke(cli, ["sweep", str(tmp_path / "nope.toml")])
    assert res.exit_code == 2 and res.stderr.strip().endswith("nope.toml: no such file")


def test_dry_run_prints_count_and_estimate_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    res = CliRunner().invoke(
        cli, ["sweep", str(write(tmp_path, SMALL)), "--dry-run", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines[0] == "16 tasks, 4800 draws in all (300 a task)"
    assert "core-seconds" in lines[1] and "estimate" in lines[1]
    assert not out.exists()
    bad = SMALL.replace("temperature = [1.0, 3.0]", "mean_energy = [1.0, 7.0]")
    res = CliRunner().invoke(cli, ["sweep", str(write(tmp_path, bad, "bad.toml")), "--dry-run"])
    assert res.exit_code == 0 and "8 tasks have an invalid problem" in res.stdout


@pytest.fixture(scope="module")
def local_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("local")
    study = write(tmp, SMALL)
    seen = []
    report = run_sweep(study, tmp / "out", workers=2, progress=seen.append)
    return study, tmp / "out", report, seen


def test_local_backend_writes_a_tidy_table(local_run):
    _, out, report, seen = local_run
    assert report.ran == 16 and report.failed == 0 and report.reused == 0
    cols = read_results(out)
    assert cols["task"] == list(range(16)) and set(cols["status"]) == {"ok"}
    assert cols["task_id"] == [t["task_id"] for t in load_study(local_run[0]).tasks]
    assert sorted(p.stem for p in (out / "tasks").glob("*.json")) == sorted(cols["task_id"])
    for key in (
        "energies",
        "classes",
        "n",
        "temperature",
        "seed_index",
        "samples",
        "method",
        "tv_optimum",
        "tv_mode",
        "tv_exact_mean",
        "tv_sampled_mean",
        "tv_single_draw",
        "kl_sampled_mean",
        "max_abs_sampled_mean",
        "fitted_beta",
        "fitted_beta_err",
        "ks_pvalue",
        "time_total",
        "method_used",
        "error",
        "attempts",
    ):
        assert key in cols, key
    assert list(cols)[:2] == ["task", "task_id"]
    assert list(cols)[-3:] == ["status", "error", "attempts"]
    assert cols["n"][:4] == [20, 20, 20, 20] and cols["energies"][0] == "0,1,2"
    import pyarrow.parquet as pq

    schema = pq.read_schema(out / "results.parquet")
    assert str(schema.field("tv_sampled_mean").type) == "double"
    assert str(schema.field("n").type) == "int64"
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["tasks"] == 16 and prov["maxent"] and prov["numba"] and prov["started"]
    assert prov["backend"].startswith("local processes")
    assert [r["ran"] for r in prov["runs"]] == [16]
    assert (out / "study.toml").read_text() == SMALL
    assert seen[0] == {"event": "start", "done": 0, "failed": 0, "total": 16}
    assert [s["done"] for s in seen[1:]] == list(range(1, 17))
    assert sorted(s["task_id"] for s in seen[1:]) == sorted(cols["task_id"])
    assert not list((out / "tasks").glob(".tmp-*"))


@pytest.mark.slow
def test_dask_local_cluster_matches_local_backend(local_run, tmp_path):
    pytest.importorskip("distributed")
    study, out, _, _ = local_run
    report = run_sweep(study, tmp_path / "dask", scheduler="local", workers=2)
    assert report.backend == "dask LocalCluster" and report.failed == 0 and report.ran == 16
    dask_rows, local_rows = read_rows(tmp_path / "dask"), read_rows(out)
    assert len(dask_rows) == 16
    assert {r["attempts"] for r in dask_rows} == {None}  # Dask does not say how often it ran
    for r in local_rows + dask_rows:
        r.pop("attempts")
    for a, b in zip(comparable(dask_rows), comparable(local_rows)):
        assert a == b  # task by task, bit for bit (JSON keeps every float exactly)
    prov = json.loads((tmp_path / "dask" / "provenance.json").read_text())
    assert prov["dask_workers"] == 2 and prov["dask_scheduler"].startswith("tcp://127.0.0.1")


def test_resume_refuses_other_studies_and_overwrites(local_run, tmp_path):
    study, out, _, _ = local_run
    with pytest.raises(ValidationError, match="not empty; give --resume"):
        run_sweep(study, out)
    other = write(tmp_path, SMALL.replace("seed = 11", "seed = 12"), "other.toml")
    with pytest.raises(ValidationError, match=r"\[study\] seed is 12 in this study but 11 in 16"):
        run_sweep(other, out, resume=True)
    res = CliRunner().invoke(cli, ["sweep", str(other), "--out", str(out), "--resume"])
    assert res.exit_code == 2 and res.stderr.startswith("maxent: error: --resume: ")
    res = CliRunner().invoke(cli, ["sweep", str(other), "--out", str(out)])
    assert res.exit_code == 2 and "give --resume" in res.stderr
    report = run_sweep(study, out, resume=True)  # nothing left to do
    assert report.ran == 0 and report.reused == 16
    prov = json.loads((out / "provenance.json").read_text())
    assert [r["ran"] for r in prov["runs"]] == [16, 0]  # every run of the directory
    again = ["sweep", str(out / "study.toml"), "--out", str(out), "--resume"]  # the copy
    res = CliRunner().invoke(cli, again)
    assert res.exit_code == 0 and "nothing to run: all 16 tasks" in res.output
    assert "(16 reused)" in res.output


def test_resume_of_a_reordered_grid_reuses_every_task(local_run, tmp_path):
    # the same grid in another order (and 1e0 for 1.0): nothing runs, and the table is
    # the first one's rows in the new order, renumbered
    _, out, _, _ = local_run
    moved = tmp_path / "moved"
    shutil.copytree(out, moved)
    text = SMALL.replace("n = [20, 5000]", "n = [5000, 20]").replace(
        "temperature = [1.0, 3.0]", "temperature = [3.0, 1e0]"
    )
    report = run_sweep(write(tmp_path, text, "reordered.toml"), moved, resume=True)
    assert (report.ran, report.reused, report.unused) == (0, 16, 0)
    a, b = read_results(out), read_results(moved)
    order = [a["task_id"].index(i) for i in b["task_id"]]
    assert order != list(range(16)) and b["task"] == list(range(16))
    assert [(b["n"][i], b["temperature"][i]) for i in (0, 2)] == [(5000, 3.0), (5000, 1.0)]
    for column in a:
        if column != "task":
            assert json.dumps(b[column]) == json.dumps([a[column][i] for i in order]), column


FAILING = """
[study]
seed = 1
samples = 100
[grid]
classes = [4]
n = [40]
mean_energy = [1.2, 7.0]
"""


@pytest.mark.slow
def test_failing_tasks_are_retried_then_recorded(tmp_path):
    out = tmp_path / "out"
    report = run_sweep(write(tmp_path, FAILING), out, workers=2, retries=1)
    assert report.failed == 1 and report.ran == 2
    rows = {r["mean_energy"]: r for r in read_rows(out)}
    rows = {0: rows[1.2], 1: rows[7.0]}
    assert rows[0]["status"] == "ok" and rows[0]["attempts"] == 1 and rows[0]["error"] is None
    assert rows[1]["status"] == "failed" and rows[1]["attempts"] == 2
    assert rows[1]["error"].startswith("mean_energy: ") and "[0, 3]" in rows[1]["error"]
    assert rows[1]["mean_energy"] == 7.0 and rows[1]["n"] == 40  # its parameters are kept
    cols = read_results(out)
    assert cols["status"] == ["ok", "failed"] and cols["tv_sampled_mean"][1] is None
    # resume runs the failed task again (fresh attempts), not the finished one
    report = run_sweep(write(tmp_path, FAILING), out, resume=True, retries=0)
    assert report.ran == 1 and report.reused == 1 and report.failed == 1
    assert read_results(out)["attempts"] == [1, 1]
    # the CLI: one JSON line per finished task off a terminal, exit code 1, a note
    res = CliRunner().invoke(
        cli,
        [
            "sweep",
            str(write(tmp_path, FAILING)),
            "--out",
            str(tmp_path / "cli"),
            "--retries",
            "0",
            "--workers",
            "1",
        ],
    )
    assert res.exit_code == 1, res.output
    events = [strict_json.loads(line) for line in res.stderr.splitlines() if line.startswith("{")]
    assert sorted((e["task"], e["status"], e["attempts"]) for e in events) == [
        (0, "ok", 1),
        (1, "failed", 1),
    ]
    assert "1 tasks failed after 1 attempts" in res.stderr
    assert "2 tasks run (0 reused, 1 failed)" in res.stdout


KILL = """
[study]
name = "kill"
seed = 5
samples = 4000
[grid]
classes = [4, 6]
n = [1000, 10000, 100000]
beta = [0.2, 0.5, 1.0]
seeds = 3
"""


def start_sweep(study, out, *options, stdout, stderr):
    """``maxent sweep`` in its own process group (so a test can kill it and its workers)."""
    cmd = [sys.executable, "-m", "maxent.cli", "sweep", str(study), "--out", str(out), *options]
    return subprocess.Popen(cmd, stdout=stdout, stderr=stderr, text=True, start_new_session=True)


def wait_for_tasks(proc, out, count, timeout=120):
    """Wait until ``count`` task files exist (or the sweep ends), to interrupt it mid-way."""
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None:
        if len(task_files(out)) >= count:
            return
        time.sleep(0.02)


@pytest.mark.slow
def test_sigkill_mid_sweep_then_resume_equals_uninterrupted(tmp_path):
    """SIGKILL of the whole sweep, then --resume; and SIGKILL of one worker."""
    study = write(tmp_path, KILL)
    out = tmp_path / "killed"
    log = open(tmp_path / "stderr.txt", "w")
    proc = start_sweep(study, out, "--workers", "2", stdout=subprocess.DEVNULL, stderr=log)
    wait_for_tasks(proc, out, 6)
    os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its workers, mid-way
    proc.wait()
    log.close()
    finished = len(task_files(out))
    assert 6 <= finished < 54, "the kill should land mid-sweep"
    assert not (out / "results.parquet").exists()
    first = (tmp_path / "stderr.txt").read_text().splitlines()[0]
    assert json.loads(first)["event"] == "task"  # off a terminal: JSON lines
    # a half-written result, as a kill during a write leaves it: never read as a result
    (out / "tasks" / ".tmp-999-0123456789abcdef.json").write_text('{"task_id": "01234567')
    report = run_sweep(study, out, resume=True, workers=2)
    assert report.reused == finished and report.ran == 54 - finished
    assert not list((out / "tasks").glob(".tmp-*"))
    clean = tmp_path / "clean"
    run_sweep(study, clean, workers=2)
    assert comparable(read_rows(out)) == comparable(read_rows(clean))
    a, b = read_results(out), read_results(clean)
    assert list(a) == list(b)
    for column in set(a) - TIMINGS:
        assert json.dumps(a[column]) == json.dumps(b[column]), column

    # a worker killed mid-sweep: its tasks are run again, and nothing is lost
    out = tmp_path / "worker-killed"
    proc = start_sweep(
        study,
        out,
        "--workers",
        "2",
        "--retries",
        "1",
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    wait_for_tasks(proc, out, 6)
    ps = subprocess.run(
        ["ps", "-ww", "-o", "pid=,args=", "--ppid", str(proc.pid)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    workers = [int(line.split()[0]) for line in ps.splitlines() if "multiprocessing.spawn" in line]
    assert workers, ps
    os.kill(workers[0], signal.SIGKILL)
    stdout, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0 and "54 tasks run (0 reused, 0 failed)" in stdout
    rows = read_rows(out)
    assert {r["status"] for r in rows} == {"ok"}
    assert any(r["attempts"] == 2 for r in rows), "the killed worker's tasks ran again"
    for r in rows:
        r.pop("attempts")
    assert comparable(rows) == comparable(
        [{k: v for k, v in r.items() if k != "attempts"} for r in read_rows(clean)]
    )


@pytest.mark.slow
def test_ctrl_c_stops_the_workers_and_says_how_to_resume(tmp_path):
    study = write(tmp_path, KILL)
    out = tmp_path / "interrupted"
    proc = start_sweep(study, out, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_for_tasks(proc, out, 3)
    os.kill(proc.pid, signal.SIGINT)  # what Ctrl-C sends (workers ignore it)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert f"continue with: maxent sweep {study} --out {out} --resume" in stderr
    assert "Traceback" not in stderr
    for _ in range(100):  # processes of the sweep's session, if any outlive it
        left = subprocess.run(
            ["ps", "-o", "pid=,args=", "-s", str(proc.pid)], capture_output=True, text=True
        ).stdout.strip()
        if not left:
            break
        time.sleep(0.05)
    assert left == "", f"no worker outlives the interrupted sweep: {left}"
    report = run_sweep(study, out, resume=True, workers=2)
    assert report.reused >= 3 and report.reused + report.ran == 54 and report.failed == 0


def test_plot_sweep_content(local_run, tmp_path):
    _, out, _, _ = local_run
    cols = read_results(out)
    fig, ax = plt.subplots()
    art = plot_sweep(cols, "n", "tv_sampled_mean", "temperature", {"classes": 4}, ax=ax)
    assert set(k for k in art if k != "legend") == {1, 3}
    assert len(ax.containers) == 2  # one errorbar container per hue value
    assert [t.get_text() for t in art["legend"].get_texts()] == [
        "$T$ = 1",
        "$T$ = 3",
    ]
    assert art["legend"].get_title().get_text() == "temperature $T$"
    assert ax.get_xscale() == "log" and ax.get_xlabel() == "number of items $N$"
    assert ax.get_ylabel() == "TV distance (mean ± s.e. over seeds)"
    assert ax.get_title() == "TV distance of the sampled mean"
    line, _, (bars,) = art[1]
    x, y = line.get_data()
    assert list(x) == [20, 5000]
    rows = [
        i
        for i in range(16)
        if cols["classes"][i] == 4 and cols["temperature"][i] == 1.0 and cols["n"][i] == 20
    ]
    vals = np.array([cols["tv_sampled_mean"][i] for i in rows])
    assert len(rows) == 2 and y[0] == pytest.approx(vals.mean())
    seg = bars.get_segments()[0]  # the error bar of the first point: mean -+ s.e.
    assert seg[1][1] - seg[0][1] == pytest.approx(2 * vals.std(ddof=1) / np.sqrt(2))
    plt.close(fig)
    # different problems are never averaged together
    with pytest.raises(ValidationError, match="differ in classes"):
        plot_sweep(cols, "n", "tv_sampled_mean", "temperature")
    path = tmp_path / "sweep.svg"
    res = CliRunner().invoke(
        cli,
        [
            "plot-sweep",
            str(out),
            "--x",
            "n",
            "--y",
            "fitted_beta",
            "--hue",
            "temperature",
            "--where",
            "classes=3",
            "--linear-x",
            "--logy",
            "--title",
            "beta from the occupations",
            "--plot",
            str(path),
        ],
    )
    assert res.exit_code == 0, res.output
    assert path.read_text().startswith("<?xml")
    res = CliRunner().invoke(cli, ["plot-sweep", str(out), "--y", "nope", "--plot", str(path)])
    assert res.exit_code == 2 and len(res.stderr.strip().splitlines()) == 1
    assert "no column 'nope'; available: task, task_id, energies, classes" in res.stderr
    res = CliRunner().invoke(cli, ["plot-sweep", str(tmp_path), "--plot", str(path)])
    assert res.exit_code == 2 and "results.parquet does not exist" in res.stderr


def test_plot_sweep_scales():
    cols = {
        "x": [1, 1, 10, 10, 1000, 1000],
        "y": [1.0, 2.0, 5.0, 7.0, 40.0, 60.0],
        "z": [-1.0, 1.0, 5.0, 7.0, 400.0, 600.0],
        "seed_index": [0, 1, 0, 1, 0, 1],
    }
    fig, ax = plt.subplots()
    art = plot_sweep(cols, "x", "y", ax=ax)
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"  # y spans > a decade
    assert list(art[None].lines[0].get_ydata()) == [1.5, 6.0, 50.0]
    fig3, ax3 = plt.subplots()
    plot_sweep(cols, "x", "y", ax=ax3, logx=False, logy=False)
    assert ax3.get_xscale() == "linear" and ax3.get_yscale() == "linear"
    with pytest.raises(ValidationError, match="logy"):
        plot_sweep(cols, "x", "z", ax=ax3, logy=True)  # z has a negative mean
    plt.close(fig3)
    fig2, ax2 = plt.subplots()
    plot_sweep(cols, "y", "z", ax=ax2)
    assert ax2.get_xscale() == "log" and ax2.get_yscale() == "linear"  # z has 0 (mean)
    plt.close(fig)
    plt.close(fig2)


def test_record_quantities_filter_the_result_columns(tmp_path):
    from maxent._sweep.task import table_row, task_row

    text = SMALL + '[record]\nquantities = ["tv", "fitted_beta"]\n'
    study = load_study(write(tmp_path, text))
    task = study.tasks[0]
    stored = task_row(task, run_task(task), "ok", None, 1)
    assert "kl_sampled_mean" in stored  # the task file keeps everything
    row = table_row(stored, 0, study.quantities)
    assert "tv_sampled_mean" in row and "fitted_beta_err" in row
    assert not any(k.startswith(("kl_", "max_abs_", "time_", "concentration")) for k in row)
    assert "ks_pvalue" not in row and row["method_used"] in ("exact", "enumerate")


def test_plot_sweep_labels_known_columns_in_words():
    from maxent._plotting.sweep import column_label

    assert column_label("tv_sampled_mean") == "TV distance of the sampled mean"
    assert column_label("kl_exact_mean") == "KL divergence of the exact mean"
    assert column_label("n") == "number of items $N$"
    assert column_label("something_else") == "something_else"
    cols = {"n": [10, 10, 20, 20], "tv_optimum": [0.1, 0.2, 0.05, 0.06], "seed_index": [0, 1] * 2}
    fig, ax = plt.subplots()
    plot_sweep(cols, "n", "tv_optimum", ax=ax)
    assert ax.get_xscale() == "log"  # n is always logarithmic by default
    assert ax.get_xlabel() == "number of items $N$"
    assert ax.get_ylabel() == "TV distance (mean ± s.e. over seeds)"
    assert ax.get_title() == "TV distance of the exact optimum"
    plt.close(fig)


def test_cli_sweep_and_converge_share_the_default_mean():
    # One policy (maxent.default_mean_energy) everywhere: the CLI, a sweep task and a
    # convergence study of the same problem get the same mean energy (issue 10: the CLI
    # and a sweep used to disagree, 1.333 against 1.167, for this Fermi problem).
    from maxent._sweep.study import task_problem

    g = [2, 2, 2, 2]
    res = CliRunner().invoke(
        cli,
        ["optimize", "--statistics", "fermi", "--degeneracies", "2,2,2,2", "--n", "6", "--json"],
    )
    assert res.exit_code == 0, res.stderr
    cli_mean = strict_json.loads(res.stdout)["mean_energy"]
    task = {
        "energies": [0.0, 1.0, 2.0, 3.0],
        "n": 6,
        "statistics": "fermi",
        "degeneracies": g,
    }
    assert task_problem(task).mean_energy == pytest.approx(cli_mean, abs=1e-12)
    wanted = maxent.default_mean_energy([0, 1, 2, 3], 6, "fermi", g)
    assert wanted == pytest.approx(1.4)  # 40% of the way from 1 to 2
    assert cli_mean == pytest.approx(8 / 6)  # the reachable total nearest 6 * 1.4


def test_plot_sweep_refuses_a_column_with_no_value_and_counts_dropped_rows(tmp_path):
    # issue 18: a y column NaN in every row gave exit 0 and an empty figure, no word
    nan = float("nan")
    cols = {
        "n": [10, 10, 100, 100],
        "seed_index": [0, 1, 0, 1],
        "status": ["ok"] * 4,
        "tv_exact_mean": [nan] * 4,
        "fitted_beta": [0.5, nan, 0.4, float("inf")],
        "mean_energy": [nan] * 4,
    }
    fig, ax = plt.subplots()
    with pytest.raises(ValidationError, match="'tv_exact_mean' has no finite value"):
        plot_sweep(cols, "n", "tv_exact_mean", ax=ax)
    with pytest.raises(ValidationError, match="'mean_energy' has no finite value") as info:
        plot_sweep(cols, "mean_energy", "fitted_beta", ax=ax)
    assert info.value.param == "x"
    notes = []
    art = plot_sweep(cols, "n", "fitted_beta", ax=ax, notes=notes)
    assert notes == [
        "2 of 4 rows have no finite value of 'fitted_beta' (NaN, infinite or empty) and are "
        "left out"
    ]
    assert list(art[None].lines[0].get_ydata()) == [0.5, 0.4]
    plt.close(fig)
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    table = tmp_path / "results.parquet"
    pq.write_table(pa.table(cols), table)
    path = tmp_path / "f.png"
    res = CliRunner().invoke(
        cli, ["plot-sweep", str(table), "--y", "tv_exact_mean", "--plot", str(path)]
    )
    assert res.exit_code == 2 and not path.exists()
    assert res.stderr.count("\n") == 1
    assert res.stderr.startswith("maxent: error: --y: column 'tv_exact_mean' has no finite")
    res = CliRunner().invoke(
        cli, ["plot-sweep", str(table), "--y", "fitted_beta", "--plot", str(path)]
    )
    assert res.exit_code == 0, res.stderr
    assert res.stderr == (
        "note: 2 of 4 rows have no finite value of 'fitted_beta' (NaN, infinite or empty) "
        "and are left out\n"
    )
    assert path.exists()
