"""Sweep throughput: tasks per second and CPU use of the local backend; Dask's overhead.

1. The example study (simulations/sweep_example.toml), trimmed to N <= --max-n and the
   first --seeds seed replicates, on the local process pool: wall time, tasks per second
   and CPU utilisation, (user + sys time of this process and its workers) / (wall time x
   cores), from os.times() (workers are counted once they have exited).
2. Many tiny tasks (N = 10 items, 10 draws) on the local pool and on a Dask LocalCluster
   with the same number of workers: wall time per task, and Dask's extra wall time per
   task, (Dask wall - local wall) / tasks, start-up included. The study estimate
   (--dry-run) is printed next to the measured times.
3. Scaling on Dask with 1 and 2 workers: --scaling tiny tasks on a LocalCluster that is
   started and warmed up before the clock starts, run by the sweep (``run_sweep`` with
   the cluster's address: task files, progress, the table) and by the baseline a Dask
   user would write, ``client.map(run_task, tasks)`` then ``client.gather``, on the same
   cluster in the same run. Per configuration the median of --repeat runs of: tasks per
   second, and the overhead per task, (wall x workers - time inside the tasks) / tasks,
   the worker time not spent computing, to set against Dask's documented 0.2-1 ms per
   task (Dask best practices, "Avoid very large graphs"); and ``client.map`` of a
   function that does nothing, whose time per task is Dask's own cost on this machine.
   On a shared machine the overhead also holds the CPU time other processes take.

    python benchmarks/bench_sweep.py [--max-n 1e6] [--seeds 10] [--tiny 2000]
        [--scaling 300] [--repeat 3] [--json out.json]
"""

import argparse
import dataclasses
import logging
import os
import statistics
import tempfile
import time
from pathlib import Path

from maxent._sweep.run import run_sweep
from maxent._sweep.store import read_results
from maxent._sweep.study import load_study
from maxent._sweep.task import run_task

from _common import machine, report

ROOT = Path(__file__).resolve().parent.parent

TINY = """
[study]
name = "tiny"
seed = 1
samples = 10
[grid]
classes = [3]
n = [10]
mean_energy = [0.8]
seeds = {seeds}
"""


def timed_sweep(study, out, **kw):
    """Run a sweep; wall seconds, CPU seconds (this process and its workers), report."""
    t0, c0 = time.perf_counter(), os.times()
    rep = run_sweep(study, out, **kw)
    wall, c1 = time.perf_counter() - t0, os.times()
    cpu = sum(getattr(c1, f) - getattr(c0, f) for f in ("user", "system"))
    cpu += sum(getattr(c1, f) - getattr(c0, f) for f in ("children_user", "children_system"))
    return wall, cpu, rep


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--study", default=str(ROOT / "simulations" / "sweep_example.toml"))
    ap.add_argument("--max-n", type=float, default=1e6, help="Largest N kept (default 1e6).")
    ap.add_argument("--seeds", type=int, default=10, help="Seed replicates kept (default 10).")
    ap.add_argument("--tiny", type=int, default=2000, help="Tiny tasks for the overhead (0: skip).")
    ap.add_argument("--scaling", type=int, default=300, help="Tiny tasks per scaling run.")
    ap.add_argument("--repeat", type=int, default=3, help="Runs per scaling configuration.")
    ap.add_argument("--skip-example", action="store_true")
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    ap.add_argument("--skip-dask", action="store_true")
    ap.add_argument("--json")
    args = ap.parse_args()
    cores = os.cpu_count()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        full = load_study(args.study)
        tasks = [t for t in full.tasks if t["n"] <= args.max_n and t["seed_index"] < args.seeds]
        study = dataclasses.replace(full, tasks=tasks)
        est = study.estimate(args.workers)
        if not args.skip_example:
            wall, cpu, rep = timed_sweep(study, tmp / "example", workers=args.workers)
            busy = sum(read_results(tmp / "example")["time_total"])
            rows.append(
                [
                    f"example, N <= {args.max_n:g}, {args.seeds} seeds",
                    "local",
                    len(tasks),
                    wall,
                    len(tasks) / wall,
                    cpu / (wall * cores),
                    busy / (wall * args.workers),
                    est.wall_seconds,
                    rep.failed,
                ]
            )
        tiny = load_study_text(tmp, TINY.format(seeds=max(1, args.tiny)))
        est = tiny.estimate(args.workers)
        backends = [("local", None)] + ([] if args.skip_dask else [("dask", "local")])
        if not args.tiny:
            backends = []
        walls = {}
        for name, scheduler in backends:
            wall, cpu, rep = timed_sweep(
                tiny, tmp / f"tiny-{name}", scheduler=scheduler, workers=args.workers
            )
            walls[name] = wall
            busy = sum(read_results(tmp / f"tiny-{name}")["time_total"])
            rows.append(
                [
                    f"{args.tiny} tiny tasks",
                    name if scheduler is None else "dask LocalCluster",
                    args.tiny,
                    wall,
                    args.tiny / wall,
                    cpu / (wall * cores),
                    busy / (wall * args.workers),
                    est.wall_seconds,
                    rep.failed,
                ]
            )
    if rows:
        report(
            f"maxent sweep on {machine()}, {args.workers} workers (CPU = all processes' user+sys "
            "over wall x cores; in tasks = task time over wall x workers)",
            [
                "study",
                "backend",
                "tasks",
                "wall s",
                "tasks/s",
                "CPU use",
                "in tasks",
                "estimate s",
                "failed",
            ],
            rows,
            json_path=args.json,
        )
    if "dask" in walls:
        extra = (walls["dask"] - walls["local"]) / args.tiny
        print(
            f"Dask overhead: {extra * 1e3:.3g} ms per task more than the local pool "
            f"({walls['dask'] / args.tiny * 1e3:.3g} vs {walls['local'] / args.tiny * 1e3:.3g}"
            " ms of wall time per tiny task, start-up included)"
        )
    if not args.skip_dask and args.scaling:
        dask_scaling(args)


def dask_scaling(args):
    """Section 3: the sweep and plain client.map on warm LocalClusters of 1 and 2 workers."""
    import distributed

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        study = load_study_text(tmp, TINY.format(seeds=args.scaling))
        for workers in (1, 2):
            os.environ["NUMBA_NUM_THREADS"] = "1"  # as the sweep starts its own workers
            with (
                distributed.LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                ) as cluster,
                distributed.Client(cluster) as client,
            ):
                client.gather(client.map(run_task, study.tasks[:20], pure=False))  # warm up
                got = {"sweep": [], "client.map": [], "client.map, no-op": []}
                for r in range(args.repeat):
                    t0 = time.perf_counter()  # Dask alone: a task that does nothing
                    client.gather(client.map(_noop, range(len(study.tasks)), pure=False))
                    got["client.map, no-op"].append((time.perf_counter() - t0, 0.0))
                    out = tmp / f"sweep-{workers}-{r}"
                    rep = run_sweep(study, out, scheduler=cluster.scheduler_address)
                    busy = sum(read_results(out)["time_total"])
                    got["sweep"].append((rep.seconds, busy))
                    t0 = time.perf_counter()
                    res = client.gather(client.map(run_task, study.tasks, pure=False))
                    wall = time.perf_counter() - t0
                    got["client.map"].append((wall, sum(x["time_total"] for x in res)))
            for how, runs in got.items():
                n = len(study.tasks)
                rate = statistics.median(n / w for w, _ in runs)
                over = statistics.median((w * workers - b) / n for w, b in runs)
                task = statistics.median(b / n for _, b in runs)
                rows.append([how, workers, n, args.repeat, rate, task * 1e3, over * 1e3])
    report(
        f"Dask LocalCluster scaling, {args.scaling} tiny tasks, median of {args.repeat} runs "
        "(cluster started and warm; overhead = (wall x workers - time in tasks) / tasks; "
        "Dask documents 0.2-1 ms per task)",
        ["how", "workers", "tasks", "runs", "tasks/s", "ms in task", "overhead ms/task"],
        rows,
        json_path=args.json and args.json.replace(".json", "-scaling.json"),
    )
    by = {(r[0], r[1]): r[4] for r in rows}
    for how in ("sweep", "client.map"):
        print(f"{how}: {by[(how, 2)] / by[(how, 1)]:.2f}x the tasks/s with 2 workers as with 1")
    for w in (1, 2):
        print(
            f"{w} worker(s): the sweep runs at {by[('sweep', w)] / by[('client.map', w)]:.2f}x "
            "the tasks/s of plain client.map"
        )


def _noop(i):
    return i


def load_study_text(tmp, text):
    path = tmp / "tiny.toml"
    path.write_text(text)
    return load_study(path)


if __name__ == "__main__":
    main()
