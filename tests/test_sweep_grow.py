"""Studies that grow: tasks keyed by their parameters, reuse on resume, real conflicts,
adaptive precision (converge and sweeps), and a Dask worker killed mid-sweep."""

import hashlib
import json
import logging
import math
import os
import shutil

import numpy as np
import pytest
from click.testing import CliRunner

import maxent
from maxent import ValidationError
from maxent._sweep.run import run_sweep
from maxent._sweep.store import read_results, read_rows, reusable, task_file, task_files
from maxent._sweep.study import load_study, task_digest
from maxent._sweep.task import task_row, task_seed
from maxent._util.format import to_json
from maxent.cli import cli

from . import strict_json

TIMINGS = {"time_total", "time_sampling"}

BASE = """
[study]
name = "grow"
seed = 3
samples = 200
[grid]
classes = [3]
n = [20, 200]
temperature = [1.0, 3.0]
seeds = 2
"""

# the same study grown (N = 2000, a third seed) and reordered; 1e0 is 1.0, and
# energies [0, 1, 2] are classes = [3]
GROWN = """
[study]
name = "grow"
seed = 3
samples = 200
[grid]
energies = [[0, 1, 2]]
n = [200, 20, 2000]
temperature = [3, 1e0]
seeds = 3
"""


def write(tmp_path, text, name="study.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def table_text(out, drop=()):
    """The table's rows as JSON text (exact floats; NaN equal to NaN), timings left out."""
    cols = read_results(out)
    keep = [c for c in cols if c not in TIMINGS and c not in drop]
    return [json.dumps({c: cols[c][i] for c in keep}) for i in range(len(cols["task"]))]


def by_hand(key: dict, study_seed: int):
    """The documented scheme, written out: SHA-256 of the sorted, compact JSON key."""
    text = json.dumps(key, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(text.encode()).hexdigest()
    return digest[:16], np.random.SeedSequence([study_seed, int(digest, 16)])


def test_task_ids_and_seeds_are_a_hash_of_the_parameters(tmp_path):
    base = load_study(write(tmp_path, BASE))
    grown = load_study(write(tmp_path, GROWN, "grown.toml"))
    assert len(base.tasks) == 8 and len(grown.tasks) == 18
    ids = {t["task_id"]: t for t in grown.tasks}
    for t in base.tasks:  # every base task is in the grown study, with the same seed
        g = ids[t["task_id"]]
        assert (g["n"], g["temperature"], g["seed_index"]) == (
            t["n"],
            t["temperature"],
            t["seed_index"],
        )
        assert task_seed(g).generate_state(4).tolist() == task_seed(t).generate_state(4).tolist()
    assert [t["task"] for t in grown.tasks] == list(range(18))  # positions: this grid's
    assert base.tasks[1]["task"] != ids[base.tasks[1]["task_id"]]["task"]  # reordered
    # the scheme by hand, for a task with a number that is not whole
    text = BASE.replace("temperature = [1.0, 3.0]", "temperature = [2.5, 3.0]")
    t = load_study(write(tmp_path, text, "t.toml")).tasks[1]
    key = {"energies": [0, 1, 2], "n": 20, "seed_index": 1, "temperature": 2.5}
    task_id, seq = by_hand(key, 3)
    assert t["task_id"] == task_id
    assert task_seed(t).generate_state(4).tolist() == seq.generate_state(4).tolist()
    # beta = inf is the string "inf"; degeneracies and constraints join the key
    text = (
        "[study]\nseed = 7\n[grid]\nclasses = [3]\nn = [20]\nbeta = [inf]\n"
        "degeneracies = [1, 2, 1]\nconstraints = ['k=0.5']\n"
    )
    t = load_study(write(tmp_path, text, "inf.toml")).tasks[0]
    key = {
        "beta": "inf",
        "constraints": ["k=0.5"],
        "degeneracies": [1, 2, 1],
        "energies": [0, 1, 2],
        "n": 20,
        "seed_index": 0,
    }
    assert t["task_id"] == by_hand(key, 7)[0]
    # negative controls: another replicate, another N or another study seed differ
    a, b = base.tasks[0], base.tasks[1]
    assert a["seed_index"] != b["seed_index"] and a["task_id"] != b["task_id"]
    assert len({t["task_id"] for t in grown.tasks}) == 18
    other = load_study(write(tmp_path, BASE.replace("seed = 3", "seed = 4"), "s4.toml"))
    assert other.tasks[0]["task_id"] == a["task_id"]  # the same task ...
    assert (  # ... with another seed
        task_seed(other.tasks[0]).generate_state(4).tolist()
        != task_seed(a).generate_state(4).tolist()
    )


def _fake_directory(tmp_path, study_text, name="out"):
    """A results directory whose task files hold made-up results (nothing is run)."""
    study = load_study(write(tmp_path, study_text, f"{name}.toml"))
    out = tmp_path / name
    (out / "tasks").mkdir(parents=True)
    (out / "study.toml").write_text(study_text)
    for t in study.tasks:
        row = task_row(t, {"tv_sampled_mean": 0.5}, "ok", None, 1)
        task_file(out, t["task_id"]).write_text(json.dumps(row))
    return out


@pytest.mark.parametrize(
    "change, message",
    [
        (("samples = 200", "samples = 300"), r"\[study\] samples is 300 in this study but 200"),
        (("seed = 3", "seed = 4"), r"\[study\] seed is 4 in this study but 3"),
        (("name", 'method = "mcmc"\nname'), r'\[study\] method is "mcmc" in this study but "auto"'),
        (
            ("name", 'statistics = "bose"\nname'),
            r"\[study\] statistics is \"bose\" in this study but \"boltzmann\"",
        ),
    ],
)
def test_resume_refuses_only_real_conflicts_naming_the_setting(tmp_path, change, message):
    out = _fake_directory(tmp_path, BASE)
    before = sorted(p.read_text() for p in (out / "tasks").iterdir())
    changed = write(tmp_path, GROWN.replace(*change), "changed.toml")
    with pytest.raises(ValidationError, match=message + r" in 8 finished tasks of .*n = 20"):
        run_sweep(changed, out, resume=True)
    res = CliRunner().invoke(cli, ["sweep", str(changed), "--out", str(out), "--resume"])
    assert res.exit_code == 2 and len(res.stderr.strip().splitlines()) == 1
    assert res.stderr.startswith("maxent: error: --resume: [study] ")
    assert sorted(p.read_text() for p in (out / "tasks").iterdir()) == before  # untouched
    assert (out / "study.toml").read_text() == BASE
    # the same change where no finished task has the same parameters is no conflict
    disjoint = load_study(write(tmp_path, GROWN.replace(*change).replace("[200, 20, 2000]", "[7]")))
    stored = {r["task_id"]: r for r in read_rows(out)}
    assert reusable(disjoint.tasks, stored, out) == set()


def test_recording_other_quantities_is_no_conflict(tmp_path):
    out = _fake_directory(tmp_path, BASE)
    stored = {r["task_id"]: r for r in read_rows(out)}
    study = load_study(write(tmp_path, GROWN + '[record]\nquantities = ["tv"]\n', "q.toml"))
    assert reusable(study.tasks, stored, out) == set(stored)
    failed = next(iter(stored.values()))
    failed["status"] = "failed"  # a failed task runs again: no conflict, no reuse
    assert reusable(study.tasks, stored, out) == set(stored) - {failed["task_id"]}


def test_a_conflict_adaptive_seeds_could_meet_is_refused_before_anything_runs(tmp_path):
    # the directory holds replicates 2 and 3 with samples = 300; an adaptive study with
    # samples = 200 starts at 2 seeds (no overlap) but may grow to 4: refused up front
    text = ADAPTIVE.replace("samples = 200", "samples = 300").replace("seeds = 2", "seeds = 4")
    plain = text.replace("target_stderr = 0.01\nmax_seeds = 16\n", "")
    out = _fake_directory(tmp_path, plain.replace('target_columns = ["tv_single_draw"]\n', ""))
    for row in read_rows(out):
        if row["seed_index"] < 2:
            task_file(out, row["task_id"]).unlink()
    before = sorted(p.name for p in task_files(out))
    adaptive = write(tmp_path, ADAPTIVE.replace("max_seeds = 16", "max_seeds = 4"), "a.toml")
    with pytest.raises(ValidationError, match=r"samples is 200 in this study but 300 in 16"):
        run_sweep(adaptive, out, resume=True)
    assert sorted(p.name for p in task_files(out)) == before


def test_older_results_directories_are_refused_in_one_line(tmp_path):
    out = tmp_path / "old"
    (out / "tasks").mkdir(parents=True)
    (out / "study.toml").write_text(BASE)
    (out / "tasks" / "task-0000000.json").write_text('{"task": 0, "status": "ok"}')
    study = write(tmp_path, BASE)
    with pytest.raises(ValidationError, match="written by an older maxent"):
        run_sweep(study, out, resume=True)
    res = CliRunner().invoke(cli, ["sweep", str(study), "--out", str(out), "--resume"])
    assert res.exit_code == 2 and len(res.stderr.strip().splitlines()) == 1
    assert "numbered and seeded tasks by their place in the grid" in res.stderr
    assert "new --out" in res.stderr
    # a task file whose name is not the id of its parameters is refused too
    out = _fake_directory(tmp_path, BASE, "tampered")
    path = next((out / "tasks").iterdir())
    row = json.loads(path.read_text())
    row["n"] = 21
    path.write_text(json.dumps(row))
    with pytest.raises(ValidationError, match="its id and its parameters do not match"):
        run_sweep(study, out, resume=True)


def test_performance_report_needs_a_dask_scheduler(tmp_path):
    res = CliRunner().invoke(
        cli,
        ["sweep", str(write(tmp_path, BASE)), "--out", str(tmp_path / "o"), "--performance-report"],
    )
    assert res.exit_code == 2 and len(res.stderr.strip().splitlines()) == 1
    assert "--performance-report: is Dask's report: give a Dask scheduler" in res.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_a_grown_study_reuses_what_is_done_and_equals_a_fresh_run(tmp_path):
    out = tmp_path / "grown"
    first = run_sweep(write(tmp_path, BASE), out, workers=1)
    assert first.ran == 8
    before = {p.name: p.read_text() for p in (out / "tasks").iterdir()}
    grown = write(tmp_path, GROWN, "grown.toml")
    seen = []
    report = run_sweep(grown, out, resume=True, workers=1, progress=seen.append)
    assert (report.tasks, report.reused, report.ran, report.failed) == (18, 8, 10, 0)
    ran = {e["task_id"] for e in seen if e["event"] == "task"}
    new = {t["task_id"] for t in load_study(grown).tasks} - {p[:-5] for p in before}
    assert ran == new and len(ran) == 10  # only the new tasks ran, each once
    for name, text in before.items():  # the reused files were not rewritten: timings too
        assert (out / "tasks" / name).read_text() == text
    assert (out / "study.toml").read_text() == GROWN
    assert [p.read_text() for p in (out / "studies").iterdir()] == [BASE]
    prov = json.loads((out / "provenance.json").read_text())
    assert [(r["ran"], r["reused"]) for r in prov["runs"]] == [(8, 0), (10, 8)]
    fresh = tmp_path / "fresh"
    run_sweep(grown, fresh, workers=1)
    assert table_text(out) == table_text(fresh)  # row for row, in the grown grid's order
    cols = read_results(out)
    assert [(n, t) for n, t in zip(cols["n"], cols["temperature"])][::3] == [
        (200, 3.0),
        (200, 1.0),
        (20, 3.0),
        (20, 1.0),
        (2000, 3.0),
        (2000, 1.0),
    ]
    # the CLI says how many were reused; back to the first grid: its table, no run
    res = CliRunner().invoke(
        cli, ["sweep", str(write(tmp_path, BASE)), "--out", str(out), "--resume"]
    )
    assert res.exit_code == 0, res.output
    assert "nothing to run: all 8 tasks" in res.stdout and "(8 reused)" in res.stdout
    assert "10 finished tasks in" in res.stderr and "not in this study" in res.stderr
    shutil.rmtree(fresh)
    run_sweep(write(tmp_path, BASE), fresh, workers=1)
    assert table_text(out) == table_text(fresh)


# -- adaptive precision ------------------------------------------------------------------


def _stderr(n, y):
    """The slope's standard error of a straight line in log10 N, from numpy's polyfit."""
    x, v = np.log10(np.asarray(n, float)), np.log10(np.asarray(y, float))
    _, cov = np.polyfit(x, v, 1, cov=True)  # scaled by the residuals over N - 2
    return float(np.sqrt(cov[0, 0]))


def test_converge_adds_seeds_until_the_sampled_slopes_are_precise():
    kw = {"mean_energy": 1.2, "seed": 0}
    args = ([0, 1, 2, 3], [10, 30, 100, 300])
    st = maxent.converge(*args, seeds=2, target_stderr=0.02, max_seeds=32, **kw)
    p = st.precision
    assert p["reached"] and [r["seeds"] for r in p["rounds"]] == [2, 4, 8] and st.seeds == 8
    # bit for bit the study run with 8 seeds at once (runs are kept, never redone)
    plain = maxent.converge(*args, seeds=8, **kw).to_dict()
    got = st.to_dict()
    prec = strict_json.loads(to_json(got.pop("precision")))
    assert prec["rounds"][-1] == p["rounds"][-1] and prec["seeds"] == 8
    # an undefined stderr of the first round (nan in the study) is null with its reason
    assert math.isnan(p["rounds"][0]["stderr"]["sampled_mean"])
    assert prec["rounds"][0]["stderr"]["sampled_mean"] is None
    assert "3 usable" in prec["rounds"][0]["stderr"]["sampled_mean_message"]
    for key in plain:
        if key != "seconds":
            assert to_json({key: got[key]}) == to_json({key: plain[key]}), key
    # the rule, checked independently: at 8 seeds both slopes are within the target,
    # at 4 one was not (numpy's polyfit on the curves the study reports)
    for seeds, ok in ((8, True), (4, False)):
        s = st if seeds == 8 else maxent.converge(*args, seeds=4, **kw)
        resolved = s.tv_pooled_mean > 3 * s.tv_floor
        errs = [
            _stderr(s.n_values[resolved], s.tv_pooled_mean[resolved]),
            _stderr(s.n_values, s.tv_single_draw.mean(axis=1)),
        ]
        assert all(e <= 0.02 for e in errs) == ok, (seeds, errs)
        assert np.allclose(errs, list(p["rounds"][seeds // 4]["stderr"].values()), rtol=1e-9)
    # a target it cannot reach stops at the cap and says so
    st = maxent.converge(*args, seeds=2, target_stderr=1e-6, max_seeds=4, **kw)
    assert not st.precision["reached"] and st.seeds == 4
    assert any("not reached with the cap of 4 seeds" in n for n in st.notes)


def test_converge_cli_target_stderr():
    res = CliRunner().invoke(
        cli,
        [
            "converge",
            "--classes",
            "4",
            "--mean-energy",
            "1.2",
            "--n",
            "10,30,100,300",
            "--seeds",
            "2",
            "--seed",
            "0",
            "--target-stderr",
            "0.02",
            "--max-seeds",
            "32",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["seeds"] == 8 and d["precision"]["reached"] and d["precision"]["max_seeds"] == 32
    res = CliRunner().invoke(
        cli, ["converge", "--classes", "4", "--n", "10,100,1000", "--max-seeds", "8"]
    )
    assert res.exit_code == 2 and "--max-seeds: is the cap of target_stderr" in res.stderr


ADAPTIVE = """
[study]
name = "adaptive"
seed = 1
samples = 200
target_stderr = 0.01
max_seeds = 16
target_columns = ["tv_single_draw"]
[grid]
classes = [4]
n = [10, 30, 100, 300]
temperature = [1.0, 2.0]
seeds = 2
"""


@pytest.mark.slow
def test_adaptive_sweep_grows_each_problem_until_its_slopes_are_precise(tmp_path):
    fresh = tmp_path / "fresh"
    report = run_sweep(write(tmp_path, ADAPTIVE), fresh, workers=2)
    by_t = {g["parameters"]["temperature"]: g for g in report.precision}
    # T = 1 is precise with 2 seeds; T = 2 needs 8 (2 -> 4 -> 8): 8 + 32 tasks
    assert {t: (g["seeds"], g["reached"]) for t, g in by_t.items()} == {
        1: (2, True),
        2: (8, True),
    }
    assert report.tasks == report.ran == 40
    cols = read_results(fresh)
    assert len(cols["task"]) == 40 and cols["task"] == list(range(40))
    # the rule, independently from the table: the mean over replicates of
    # tv_single_draw, per N, fitted by numpy; at the final seeds within the target,
    # with half of them (the round before) not
    for temp, seeds in ((1.0, 2), (2.0, 8), (2.0, 4)):
        means = []
        for n in (10, 30, 100, 300):
            vals = [
                v
                for v, tt, nn, s in zip(
                    cols["tv_single_draw"], cols["temperature"], cols["n"], cols["seed_index"]
                )
                if tt == temp and nn == n and s < seeds
            ]
            assert len(vals) == seeds
            means.append(np.mean(vals))
        err = _stderr([10, 30, 100, 300], means)
        assert (err <= 0.01) == (seeds != 4), (temp, seeds, err)
    # grown from a plain run of the first round: the same table, the first round reused
    out = tmp_path / "grown"
    plain = ADAPTIVE.replace("target_stderr = 0.01\nmax_seeds = 16\n", "").replace(
        'target_columns = ["tv_single_draw"]\n', ""
    )
    assert run_sweep(write(tmp_path, plain, "plain.toml"), out, workers=2).ran == 16
    report = run_sweep(write(tmp_path, ADAPTIVE), out, resume=True, workers=2)
    assert (report.reused, report.ran) == (16, 24)
    assert table_text(out) == table_text(fresh)


# -- Dask: a worker killed mid-sweep -----------------------------------------------------


@pytest.mark.slow
def test_dask_worker_killed_mid_sweep_every_task_done_once(tmp_path):
    distributed = pytest.importorskip("distributed")
    pytest.importorskip("bokeh")
    from tests.dask_plugins import KillOnce

    study = write(tmp_path, GROWN)
    clean = tmp_path / "clean"
    run_sweep(study, clean, workers=2)
    marker = tmp_path / "killed"
    out = tmp_path / "dask"
    seen = []
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        pids = set(client.run(os.getpid).values())
        # the first worker to start its 3rd sweep task SIGKILLs itself, task in flight
        client.register_plugin(KillOnce(str(marker), nth=3))
        report = run_sweep(
            study,
            out,
            scheduler=cluster.scheduler_address,
            performance_report=True,
            progress=seen.append,
        )
        after = set(client.run(os.getpid).values())
    pid, key = marker.read_text().split()
    assert int(pid) in pids and int(pid) not in after  # that worker died (and was replaced)
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid), 0)
    killed_id = key.split("-")[2]
    done = [e["task_id"] for e in seen if e["event"] == "task"]
    assert sorted(done) == sorted(t["task_id"] for t in load_study(study).tasks)  # once each
    assert killed_id in done and report.failed == 0 and report.ran == 18
    assert len(task_files(out)) == 18
    assert table_text(out, drop={"attempts"}) == table_text(clean, drop={"attempts"})
    html = (out / "dask-performance-report.html").read_text()
    assert html.lstrip().lower().startswith("<!doctype html") and "maxent-task" in html
    assert report.performance_report == out / "dask-performance-report.html"
    assert not list(out.glob(".tmp-*"))


def test_task_digest_is_the_documented_hash():
    task = {"energies": [0.0, 1.0], "n": 10, "beta": 1e3, "seed_index": 2, "study_seed": 0}
    text = '{"beta":1000,"energies":[0,1],"n":10,"seed_index":2}'
    assert task_digest(task) == hashlib.sha256(text.encode()).hexdigest()
