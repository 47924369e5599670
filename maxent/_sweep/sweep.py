"""Parameter sweeps: many tasks from one study file, resumable, on cores or a Dask cluster.

A study file (TOML) names a grid of problems; every task is one problem, one seed
replicate and one call to :func:`maxent.compare`, a pure function of its parameters and
its seed (task ``i`` uses ``SeedSequence(study_seed).spawn(tasks)[i]``, that is
``SeedSequence(study_seed, spawn_key=(i,))``). Each finished task is written at once to
its own small JSON file, atomically (a temporary file in the same directory, flushed and
renamed into place), so a crash, Ctrl-C or a killed worker loses only the tasks in
flight, and ``resume`` runs only what is missing. At the end the rows are assembled into
one Parquet table: columnar, typed and compressed, and read by pandas, polars, DuckDB, R
or Arrow without maxent.

Study file::

    [study]
    name = "convergence-vs-temperature"   # default: the file name
    seed = 2026             # root seed (default 0)
    samples = 2000          # draws per task (default 1000)
    method = "auto"         # auto, exact, mcmc or enumerate
    statistics = "boltzmann"              # or bose, fermi
    [grid]
    classes = [4]           # or: energies = [[0, 1, 2, 3], [0, 1, 3, 4, 7]]
    n = [100, 1000, 10000]
    temperature = [1, 2, 4] # at most one of mean_energy, beta, temperature
    seeds = 10              # replicates per grid point (default 1)
    degeneracies = [1, 2, 2, 1]           # optional, the same for every task
    constraints = ["k**2=3.5"]            # optional, the same for every task
    [record]
    quantities = ["tv", "fitted_beta"]    # optional: keep only these result groups

Tasks are the Cartesian product energies x n x (mean_energy|beta|temperature) x seed
replicate, in that order, the seed replicate varying fastest.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import math
import os
import platform
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from maxent._util.errors import ValidationError
from maxent._util.io import atomic_path
from maxent._util.validate import as_count

__all__ = [
    "QUANTITIES",
    "Study",
    "SweepReport",
    "assemble",
    "load_study",
    "plot_sweep",
    "read_results",
    "read_rows",
    "run_sweep",
    "run_task",
]

_SPECS = ("mean_energy", "beta", "temperature")
_STUDY_KEYS = ("name", "seed", "samples", "method", "statistics")
_GRID_KEYS = ("classes", "energies", "n", *_SPECS, "seeds", "degeneracies", "constraints")
_METHODS = ("auto", "exact", "mcmc", "enumerate")
_STATISTICS = ("boltzmann", "bose", "fermi")
_DISTANCES = ("optimum", "stirling", "mode", "exact_mean", "sampled_mean", "single_draw")
#: Result groups a study may record (``[record] quantities``); all by default.
QUANTITIES = ("tv", "kl", "max_abs", "fitted_beta", "concentration", "timings")
#: Parameter columns of the table (besides the task index and the seed replicate).
PARAMETERS = (
    "energies",
    "classes",
    "n",
    *_SPECS,
    "samples",
    "method",
    "statistics",
    "degeneracies",
    "constraints",
)
_STATUS = ("status", "error", "attempts")

# Rough single-core costs of one task, measured on a 2-core x86 VM (benchmarks/bench_sweep.py):
# a fixed part, each draw of each class, and each point of the exact-mean convolution.
_COST_TASK = 5e-3
_COST_DRAW_CLASS = 2.5e-7
_COST_FFT_POINT = 2.2e-7
_COST_WORKER_START = 2.0


# ---------------------------------------------------------------------------------------
# The study file.


def _fail(where: str, message: str):
    raise ValidationError("study", f"{where}: {message}")


def _toml_load(path: Path) -> tuple[dict, str]:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ValidationError("study", f"{path}: no such file") from None
    except OSError as exc:
        raise ValidationError("study", f"{path}: cannot read it ({exc.strerror})") from None
    try:
        text = raw.decode()
        return tomllib.loads(text), text
    except UnicodeDecodeError:
        raise ValidationError("study", f"{path}: not a UTF-8 text file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError("study", f"{path}: not valid TOML ({exc})") from None


def _is_int(v, minimum: int) -> bool:
    """A TOML number (not a string) that :func:`as_count` accepts, e.g. 100000 or 1e5."""
    if isinstance(v, str):
        return False
    try:
        as_count(v, "", minimum)
    except ValidationError:
        return False
    return True


def _int_scalar(where, value, minimum) -> int:
    if not _is_int(value, minimum):
        _fail(where, f"must be an integer >= {minimum} (got {value!r})")
    return int(value)


def _int_list(where, value, minimum=1) -> list[int]:
    vals = value if isinstance(value, list) else [value]
    if not vals:
        _fail(where, "must not be empty")
    for v in vals:
        if not _is_int(v, minimum):
            _fail(where, f"must be a list of integers >= {minimum} (got {v!r})")
    return [int(v) for v in vals]


def _real_list(where, value, allow_inf=False, positive=False) -> list[float]:
    vals = value if isinstance(value, list) else [value]
    if not vals:
        _fail(where, "must not be empty")
    out = []
    for v in vals:
        if isinstance(v, str) and allow_inf and v.strip().lower() in ("inf", "+inf", "-inf"):
            v = float(v)
        if (
            isinstance(v, bool)
            or not isinstance(v, (int, float))
            or math.isnan(v)
            or (math.isinf(v) and not allow_inf)
        ):
            kind = "real numbers" + (" or inf" if allow_inf else "")
            _fail(where, f"must be a list of {kind} (got {v!r})")
        if positive and v <= 0:
            _fail(where, f"must be > 0 (got {v!r}); use beta for negative temperatures")
        out.append(float(v))
    return out


def _table(data: dict, name: str, required: bool, keys) -> dict:
    table = data.get(name)
    if table is None:
        if required:
            _fail(f"[{name}]", "is missing; the grid needs at least classes and n")
        return {}
    if not isinstance(table, dict):
        _fail(name, f"must be a table [{name}], not a value")
    extra = [k for k in table if k not in keys]
    if extra:
        _fail(f"[{name}] {extra[0]}", f"unknown key; known keys: {', '.join(keys)}")
    return table


@dataclass(frozen=True)
class Study:
    """A parsed study file: metadata, the grid and the tasks it expands into.

    Attributes
    ----------
    name : str
        Study name (default results directory ``sweep-NAME``).
    seed : int
        Root seed; task ``i`` uses ``SeedSequence(seed, spawn_key=(i,))``.
    samples : int
        Draws per task.
    method, statistics : str
        Sampler method and counting statistics of every task.
    tasks : list of dict
        One dict of parameters per task, in a fixed order: energies, then N, then the
        energy specification, then the seed replicate (the last varies fastest).
    quantities : tuple of str
        Result groups recorded (see ``QUANTITIES``).
    text : str
        The study file as read (kept with the results).
    """

    name: str
    seed: int
    samples: int
    method: str
    statistics: str
    tasks: list = field(repr=False)
    quantities: tuple
    text: str = field(repr=False)

    @property
    def digest(self) -> str:
        """SHA-256 of the study file, to refuse resuming a different study."""
        return hashlib.sha256(self.text.encode()).hexdigest()

    def estimate(self, workers: int | None = None) -> dict[str, Any]:
        """A rough cost of the study, without running it.

        Each grid point's problem is built (cheap) to see whether its exact finite-N mean
        needs the convolution; the cost per task is a fixed part, a part per draw and
        class, and a part per convolution point, measured on one machine. Problems that
        cannot be built are counted as tasks that will fail.

        Returns
        -------
        dict
            ``tasks``, ``draws``, ``core_seconds`` (one core), ``wall_seconds`` (on
            ``workers`` processes, with their start-up), ``workers``, ``failing`` (tasks
            whose problem is invalid) and ``first_error``.
        """
        from maxent._compare.compare import _FFT_LIMIT
        from maxent._sampling.api import _compositions

        workers = workers or os.cpu_count() or 1
        core, failing, first_error, cache = 0.0, 0, "", {}
        for t in self.tasks:
            key = _grid_key(t)
            if key not in cache:
                try:
                    p = _problem(t)
                except (ValidationError, ValueError) as exc:
                    cache[key] = None
                    first_error = first_error or _message(exc)
                else:
                    fft = 0
                    if (
                        p.levels is not None
                        and p.level_total is not None
                        and p._plain
                        and _compositions(p.n, p.classes) > 200_000
                    ):
                        size = p.n * int(p.levels.max()) + 1
                        fft = 0 if size > _FFT_LIMIT else 1 << (size - 1).bit_length()
                    cache[key] = _COST_TASK + _COST_FFT_POINT * fft
            if cache[key] is None:
                failing += 1
                continue
            core += cache[key] + _COST_DRAW_CLASS * t["samples"] * t["classes"]
        wall = core / max(1, min(workers, len(self.tasks))) + _COST_WORKER_START
        return {
            "tasks": len(self.tasks),
            "draws": sum(t["samples"] for t in self.tasks),
            "core_seconds": core,
            "wall_seconds": wall,
            "workers": workers,
            "failing": failing,
            "first_error": first_error,
        }


def load_study(path: str | os.PathLike) -> Study:
    """Read and validate a study file (its form is in the module description).

    Raises
    ------
    ValidationError
        With param ``"study"`` and a one-line message that starts with the file name and
        names the table and key at fault, e.g. ``s.toml: [grid] n: must not be empty``.
    """
    path = Path(path)
    try:
        return _load_study(path)
    except ValidationError as exc:
        if exc.message.startswith(f"{path}: "):
            raise
        raise ValidationError("study", f"{path}: {exc.message}") from None


def _load_study(path: Path) -> Study:
    data, text = _toml_load(path)
    unknown = [k for k in data if k not in ("study", "grid", "record")]
    if unknown:
        _fail(f"[{unknown[0]}]", "unknown table; a study has [study], [grid] and [record]")
    study = _table(data, "study", False, _STUDY_KEYS)
    grid = _table(data, "grid", True, _GRID_KEYS)
    record = _table(data, "record", False, ("quantities",))

    name = study.get("name", path.stem)
    if not isinstance(name, str) or not name.strip() or "/" in name or "\\" in name:
        _fail("[study] name", f"must be a non-empty string without slashes (got {name!r})")
    seed = _int_scalar("[study] seed", study.get("seed", 0), 0)
    samples = _int_scalar("[study] samples", study.get("samples", 1000), 1)
    method = study.get("method", "auto")
    if method not in _METHODS:
        _fail("[study] method", f"must be one of {', '.join(_METHODS)} (got {method!r})")
    statistics = study.get("statistics", "boltzmann")
    if statistics not in _STATISTICS:
        _fail("[study] statistics", f"must be one of {', '.join(_STATISTICS)} (got {statistics!r})")

    if ("classes" in grid) == ("energies" in grid):
        _fail("[grid]", "give exactly one of classes or energies")
    if "classes" in grid:
        energy_sets = [
            tuple(float(e) for e in range(k))
            for k in _int_list("[grid] classes", grid["classes"], minimum=2)
        ]
    else:
        sets = grid["energies"]
        if not isinstance(sets, list) or not sets:
            _fail("[grid] energies", "must be a list of energy lists, e.g. [[0, 1, 2]]")
        if not any(isinstance(s, list) for s in sets):
            sets = [sets]  # one energy list
        energy_sets = []
        for s in sets:
            if not isinstance(s, list) or len(s) < 2:
                _fail("[grid] energies", f"each energy list needs at least 2 values (got {s!r})")
            energy_sets.append(tuple(_real_list("[grid] energies", s)))
    if "n" not in grid:
        _fail("[grid] n", "is required (a list of item counts, e.g. [100, 1000])")
    ns = _int_list("[grid] n", grid["n"])
    specs = [k for k in _SPECS if k in grid]
    if len(specs) > 1:
        _fail("[grid]", f"give at most one of {', '.join(_SPECS)} (got {', '.join(specs)})")
    spec = specs[0] if specs else None
    values = [None]
    if spec:
        values = _real_list(
            f"[grid] {spec}",
            grid[spec],
            allow_inf=spec != "mean_energy",
            positive=spec == "temperature",
        )
    seeds = _int_scalar("[grid] seeds", grid.get("seeds", 1), 1)
    degeneracies = grid.get("degeneracies")
    if degeneracies is not None:
        degeneracies = tuple(_real_list("[grid] degeneracies", degeneracies))
        sizes = sorted({len(e) for e in energy_sets} - {len(degeneracies)})
        if sizes:
            _fail(
                "[grid] degeneracies",
                f"has {len(degeneracies)} values but an energy list has {sizes[0]} classes",
            )
    constraints = grid.get("constraints", [])
    if not isinstance(constraints, list) or not all(isinstance(c, str) for c in constraints):
        _fail("[grid] constraints", "must be a list of 'EXPR=VALUE' strings")
    _check_constraints(constraints, energy_sets, degeneracies)
    quantities = record.get("quantities", list(QUANTITIES))
    if not isinstance(quantities, list) or not all(isinstance(q, str) for q in quantities):
        _fail("[record] quantities", f"must be a list of names from {', '.join(QUANTITIES)}")
    bad = [q for q in quantities if q not in QUANTITIES]
    if bad:
        _fail("[record] quantities", f"unknown {bad[0]!r}; choose from {', '.join(QUANTITIES)}")

    tasks = []
    grid_points = itertools.product(energy_sets, ns, values, range(seeds))
    for i, (energies, n, value, rep) in enumerate(grid_points):
        task = {
            "task": i,
            "energies": list(energies),
            "classes": len(energies),
            "n": n,
            "seed_index": rep,
            "samples": samples,
            "method": method,
            "statistics": statistics,
            "study_seed": seed,
        }
        if spec:
            task[spec] = value
        if degeneracies is not None:
            task["degeneracies"] = list(degeneracies)
        if constraints:
            task["constraints"] = list(constraints)
        tasks.append(task)
    return Study(name, seed, samples, method, statistics, tasks, tuple(quantities), text)


def _check_constraints(constraints, energy_sets, degeneracies) -> None:
    from maxent._model.problem import parse_constraint

    for c in constraints:
        for e in energy_sets:
            try:
                parse_constraint(c, e, degeneracies)
            except ValidationError as exc:
                _fail("[grid] constraints", exc.message)


# ---------------------------------------------------------------------------------------
# One task.


def _grid_key(task: dict) -> tuple:
    return tuple(
        tuple(v) if isinstance(v, list) else v
        for k, v in sorted(task.items())
        if k not in ("task", "seed_index", "samples")
    )


def _problem(task: dict):
    from maxent._model.problem import Problem

    spec = {k: task[k] for k in _SPECS if task.get(k) is not None}
    if not spec:  # the CLI's default: 40% of the way from the lowest to the highest mean
        e = np.asarray(task["energies"], dtype=float)
        spec = {"mean_energy": float(e.min() + 0.4 * np.ptp(e))}
    return Problem(
        task["energies"],
        task["n"],
        degeneracies=task.get("degeneracies"),
        statistics=task["statistics"],
        constraints=task.get("constraints", ()),
        snap=True,
        **spec,
    )


def task_seed(task: dict) -> np.random.SeedSequence:
    """The task's seed: child ``task`` of ``SeedSequence(study_seed).spawn``."""
    return np.random.SeedSequence(task["study_seed"], spawn_key=(task["task"],))


def run_task(task: dict) -> dict[str, Any]:
    """Run one task: build its problem, compare with the large-N limit, flatten a row.

    A pure function of ``task`` (its seed is :func:`task_seed`), on one numba thread so
    that parallel workers do not oversubscribe the cores. Raises whatever the problem or
    the comparison raises (the sweep records it).
    """
    from maxent._compare.compare import compare

    t0 = time.perf_counter()
    problem = _problem(task)
    cmp = compare(problem, task["samples"], task["method"], seed=task_seed(task), threads=1)
    row: dict[str, Any] = {
        "mean_energy_effective": float(problem.mean_energy),
        "beta_limit": float(problem.beta),
        "method_used": cmp.sample.method,
        "exact_mean_how": cmp.exact_mean_method,
    }
    for metric in ("tv", "kl", "max_abs"):
        for key in _DISTANCES:
            if key == "single_draw" and metric == "kl":
                continue  # compare() gives TV and max |diff| for single draws
            d = cmp.distances.get(key)
            row[f"{metric}_{key}"] = math.nan if d is None else float(d[metric])
    fb = cmp.fitted_beta
    row.update({"fitted_beta": float(fb.beta), "fitted_beta_err": float(fb.stderr)})
    conc = cmp.concentration
    row.update(
        {
            "concentration_dof": int(conc["dof"]),
            "concentration_mean": float(conc["mean"]),
            "concentration_ks": float(conc["ks_statistic"]),
            "ks_pvalue": float(conc["ks_pvalue"]),
        }
    )
    row.update(
        {
            "time_sampling": float(cmp.sample.timings["sampling"]),
            "time_total": time.perf_counter() - t0,
        }
    )
    return row


def _message(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        return f"{exc.param}: {exc.message}"
    return f"{type(exc).__name__}: {exc}"


def _guarded(task: dict) -> tuple[str, Any]:
    """Run a task, returning ("ok", row) or ("error", message): exceptions are data here."""
    try:
        return "ok", run_task(task)
    except Exception as exc:  # recorded with the task, never dropped
        return "error", _message(exc)


_KEEP = {
    "tv": lambda c: c.startswith("tv_"),
    "kl": lambda c: c.startswith("kl_"),
    "max_abs": lambda c: c.startswith("max_abs_"),
    "fitted_beta": lambda c: c.startswith("fitted_beta"),
    "concentration": lambda c: c.startswith("concentration") or c == "ks_pvalue",
    "timings": lambda c: c.startswith("time_"),
}


def _row(task: dict, result: dict | None, quantities, status: str, error, attempts: int):
    """One tidy row: the task's parameters, its results (filtered), its status."""
    row: dict[str, Any] = {"task": task["task"]}
    for key in PARAMETERS:
        value = task.get(key)
        if key in ("energies", "degeneracies") and value is not None:
            value = ",".join(f"{v:g}" for v in value)
        elif key == "constraints":
            value = ";".join(value) if value else None
        elif key in _SPECS and value is None:
            value = math.nan
        row[key] = value
    row.update({"seed_index": task["seed_index"], "study_seed": task["study_seed"]})
    for key, value in (result or {}).items():
        group = next((q for q, keep in _KEEP.items() if keep(key)), None)
        if group is None or group in quantities:
            row[key] = value
    row.update({"status": status, "error": error, "attempts": attempts})
    return row


# ---------------------------------------------------------------------------------------
# Storage: one JSON file per finished task, then one Parquet table.


def _write_atomic(path: Path, text: str) -> None:
    """Write a file so that it appears whole or not at all (renamed into place)."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def _task_file(out: Path, index: int) -> Path:
    return out / "tasks" / f"task-{index:07d}.json"


def _check_out(study: Study, out: Path, resume: bool) -> set[int]:
    """Check the results directory (writing nothing); return the tasks done with ``ok``."""
    marker = out / "study.toml"
    if out.exists() and not out.is_dir():
        raise ValidationError("out", f"{out} is a file, not a directory")
    if not out.exists() or not any(out.iterdir()):
        return set()
    if not resume:
        raise ValidationError(
            "out",
            f"{out} is not empty; give --resume to continue the sweep there, or a new --out",
        )
    if not marker.is_file():
        raise ValidationError(
            "resume", f"{out} is not a sweep's results directory (no study.toml in it)"
        )
    if hashlib.sha256(marker.read_bytes()).hexdigest() != study.digest:
        raise ValidationError(
            "resume",
            f"{out} holds the results of a different study file ({marker} differs); "
            "resume needs the same study file, or give a new --out",
        )
    return {row["task"] for row in read_rows(out) if row["status"] == "ok"}


def _create_out(study: Study, out: Path) -> None:
    """Make the results directory with its copy of the study; drop half-written files."""
    (out / "tasks").mkdir(parents=True, exist_ok=True)
    if not (out / "study.toml").exists():
        _write_atomic(out / "study.toml", study.text)
    for stale in (out / "tasks").glob(".tmp-*"):
        stale.unlink()  # a half-written result of an interrupted run: never read


def read_rows(out: str | os.PathLike) -> list[dict]:
    """Every finished task's row in a results directory, in task order."""
    files = sorted((Path(out) / "tasks").glob("task-*.json"))
    return [json.loads(f.read_text()) for f in files]


def _arrow():
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ValidationError(
            "extra", "maxent sweep writes Parquet with pyarrow: pip install 'maxent[sweep]'"
        ) from None
    return pa, pq


def assemble(out: str | os.PathLike) -> Path | None:
    """Write ``results.parquet`` from the task files (atomically); None if there are none.

    Columns: ``task``, the parameters, ``seed_index``, ``study_seed``, the results in the
    order :func:`run_task` makes them, then ``status``, ``error`` and ``attempts``.
    """
    pa, pq = _arrow()
    rows = read_rows(out)
    if not rows:
        return None
    columns: dict[str, None] = {}
    for r in rows:
        columns.update(dict.fromkeys(k for k in r if k not in _STATUS))
    columns.update(dict.fromkeys(_STATUS))
    table = pa.table({c: [r.get(c) for r in rows] for c in columns})
    path = Path(out) / "results.parquet"
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)
    return path


def read_results(path: str | os.PathLike) -> dict[str, list]:
    """Columns of a sweep's table, from its results directory or its Parquet file."""
    p = Path(path)
    if p.is_dir():
        p = p / "results.parquet"
    if not p.is_file():
        raise ValidationError("results", f"{p} does not exist (run maxent sweep first)")
    _, pq = _arrow()
    try:
        return pq.read_table(p).to_pydict()
    except Exception as exc:  # pyarrow raises several types for files that are not Parquet
        raise ValidationError("results", f"{p} is not a Parquet table ({exc})") from None


def _provenance(study: Study, backend: str, started: float, extra: dict) -> dict:
    import numba
    import scipy

    from maxent import __version__

    return {
        "maxent": __version__,
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "numba": numba.__version__,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "backend": backend,
        "study": study.name,
        "study_sha256": study.digest,
        "tasks": len(study.tasks),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "command": [sys.executable, *sys.argv],
        **extra,
    }


def _with_history(out: Path, prov: dict) -> dict:
    """Add the list of every run of the directory (a resume may use another machine)."""
    keep = ("maxent", "python", "platform", "backend", "started", "finished", "ran", "failed")
    runs = []
    with contextlib.suppress(OSError, ValueError, AttributeError):
        runs = list(json.loads((out / "provenance.json").read_text()).get("runs", []))
    return {**prov, "runs": [*runs, {k: prov.get(k) for k in keep}]}


# ---------------------------------------------------------------------------------------
# Backends. Both run ``_guarded`` on worker processes, with one numba thread each, and
# retry a failing task (an exception, or its worker dying) up to ``retries`` times.


@contextlib.contextmanager
def _one_thread_env():
    """Worker processes started inside inherit NUMBA_NUM_THREADS=1 (restored after)."""
    old = os.environ.get("NUMBA_NUM_THREADS")
    os.environ["NUMBA_NUM_THREADS"] = "1"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("NUMBA_NUM_THREADS", None)
        else:
            os.environ["NUMBA_NUM_THREADS"] = old


@contextlib.contextmanager
def _sigint_ignored():
    """Processes started inside ignore Ctrl-C (inherited), leaving it to this one."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


def _init_worker() -> None:
    """Local workers leave Ctrl-C to the parent, which stops them."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run_local(todo, workers, retries, finish) -> None:
    """A spawned process pool (numba's threads are not forked) with bounded retries.

    At most ``2 workers`` tasks are in flight, so a worker that dies takes down (and
    charges an attempt to) only the few tasks queued with it, not the whole sweep.
    """
    import multiprocessing as mp
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    ctx = mp.get_context("spawn")
    attempts = dict.fromkeys((t["task"] for t in todo), 0)
    queue = list(reversed(todo))  # pop() from the end: task order
    window = 2 * workers
    with _one_thread_env():
        while queue:
            pool = ProcessPoolExecutor(
                max_workers=min(workers, len(queue)), mp_context=ctx, initializer=_init_worker
            )
            running: dict = {}
            broken = False
            try:
                while queue or running:
                    while queue and len(running) < window and not broken:
                        task = queue.pop()
                        try:
                            fut = pool.submit(_guarded, task)
                        except BrokenProcessPool:
                            queue.append(task)
                            broken = True
                            break
                        attempts[task["task"]] += 1
                        running[fut] = task
                    if not running:
                        break
                    finished, _ = wait(running, return_when=FIRST_COMPLETED)
                    for fut in sorted(finished, key=lambda f: running[f]["task"]):
                        task = running.pop(fut)
                        try:
                            status, value = fut.result()
                        except BrokenProcessPool:
                            status, value, broken = "error", "the worker process died", True
                        if status == "ok" or attempts[task["task"]] > retries:
                            finish(task, status, value, attempts[task["task"]])
                        else:
                            queue.append(task)
            except BaseException:
                _terminate(pool)
                raise
            finally:
                pool.shutdown(wait=True, cancel_futures=True)


def _terminate(pool) -> None:
    """Stop a process pool's workers now (Ctrl-C), not after their tasks."""
    stop = getattr(pool, "terminate_workers", None)  # Python >= 3.14
    if stop is not None:
        stop()
        return
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(Exception):
            proc.terminate()


def _worker_version() -> str:
    from maxent import __version__

    return __version__


def _distributed():
    try:
        import distributed
    except ImportError:
        raise ValidationError(
            "extra", "the Dask backend needs dask.distributed: pip install 'maxent[dask]'"
        ) from None
    return distributed


@contextlib.contextmanager
def _dask_client(scheduler: str, workers: int):
    """A client of the scheduler at ``scheduler``, or of a new LocalCluster (``"local"``).

    Checks that the workers run this maxent; yields ``(client, provenance fields)``.
    """
    import logging

    from maxent import __version__

    distributed = _distributed()
    with contextlib.ExitStack() as stack:
        stack.enter_context(_one_thread_env())
        if scheduler == "local":
            with _sigint_ignored():  # the workers leave Ctrl-C to this process
                cluster = distributed.LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
            stack.enter_context(cluster)
            client = stack.enter_context(distributed.Client(cluster))
        else:
            try:
                client = stack.enter_context(distributed.Client(scheduler, timeout=10))
            except (OSError, TimeoutError, ValueError) as exc:
                raise ValidationError(
                    "scheduler", f"cannot reach a Dask scheduler at {scheduler!r} ({exc})"
                ) from None
        try:
            versions = client.run(_worker_version)
        except Exception as exc:
            raise ValidationError(
                "scheduler", f"the Dask workers cannot run maxent ({_message(exc)})"
            ) from None
        if not versions:
            raise ValidationError("scheduler", f"the Dask cluster at {scheduler!r} has no workers")
        other = sorted(set(versions.values()) - {__version__})
        if other:
            raise ValidationError(
                "scheduler",
                f"the Dask workers run maxent {other[0]}, this machine {__version__}; "
                "install the same version on both",
            )
        address = client.scheduler_info()["address"]
        yield client, {"dask_workers": len(versions), "dask_scheduler": address}


def _run_dask(todo, client, retries, finish) -> None:
    """The same tasks on a Dask cluster, with the same retry rule as the local pool."""
    from distributed import as_completed

    attempts = dict.fromkeys((t["task"] for t in todo), 0)

    def submit(task):
        attempts[task["task"]] += 1
        return client.submit(_guarded, task, pure=False)

    futures = {submit(t): t for t in todo}
    pending = as_completed(futures)
    for fut in pending:
        task = futures.pop(fut)
        try:
            status, value = fut.result()
        except Exception as exc:  # the worker died too often (KilledWorker), ...
            status, value = "error", _message(exc)
        fut.release()
        if status == "ok" or attempts[task["task"]] > retries:
            finish(task, status, value, attempts[task["task"]])
        else:
            again = submit(task)
            futures[again] = task
            pending.add(again)


# ---------------------------------------------------------------------------------------
# The sweep.


@dataclass(frozen=True)
class SweepReport:
    """What :func:`run_sweep` did.

    Attributes
    ----------
    out : Path
        Results directory.
    tasks, ran, skipped, failed : int
        Tasks in the study, run now, already done before (skipped), recorded as failed.
    seconds : float
        Wall time of this run.
    table : Path or None
        The Parquet table (None when no task has finished).
    backend : str
        Where the tasks ran.
    """

    out: Path
    tasks: int
    ran: int
    skipped: int
    failed: int
    seconds: float
    table: Path | None
    backend: str


def run_sweep(
    study: Study | str | os.PathLike,
    out: str | os.PathLike,
    *,
    resume: bool = False,
    scheduler: str | None = None,
    workers: int | None = None,
    retries: int = 2,
    progress: Callable[[dict], None] | None = None,
) -> SweepReport:
    """Run every task of a study that is not done yet, and assemble the table.

    Parameters
    ----------
    study : Study or path
        The study (or its TOML file).
    out : path
        Results directory. It holds ``study.toml`` (a copy of the study file),
        ``tasks/task-NNNNNNN.json`` (one per finished task, written atomically),
        ``results.parquet`` (the table) and ``provenance.json``.
    resume : bool
        Continue a directory that holds results of the same study file: run every task
        without an ``ok`` result (failed ones again, with fresh attempts). Without it a
        non-empty ``out`` is refused.
    scheduler : str, optional
        ``None``: processes on this machine; ``"local"``: a Dask ``LocalCluster`` on
        127.0.0.1; anything else: the address of a running Dask scheduler, whose workers
        have the same maxent installed.
    workers : int, optional
        Processes (local backend and LocalCluster; default: all cores).
    retries : int
        Re-runs of a failing task (an exception, or its worker dying) before it is
        recorded with status ``"failed"`` and its last error.
    progress : callable, optional
        Called once with ``{"event": "start", "done", "failed": 0, "total"}`` and then
        after every finished task with ``{"event": "task", "task", "status",
        "attempts", "done", "failed", "total", "elapsed"}``.

    Returns
    -------
    SweepReport
    """
    if not isinstance(study, Study):
        study = load_study(study)
    if retries < 0:
        raise ValidationError("retries", f"must be >= 0 (got {retries})")
    if workers is not None and workers < 1:
        raise ValidationError("workers", f"must be >= 1 (got {workers})")
    # every check before anything is written: the extras, the directory, the cluster
    _arrow()
    if scheduler is not None:
        _distributed()
    out = Path(out)
    started = time.time()
    done = _check_out(study, out, resume)
    todo = [t for t in study.tasks if t["task"] not in done]
    workers = workers or os.cpu_count() or 1
    with contextlib.ExitStack() as stack:
        client, extra = None, {}
        if scheduler is not None and todo:
            client, extra = stack.enter_context(_dask_client(scheduler, min(workers, len(todo))))
        _create_out(study, out)
        seconds, failed = _run(study, out, todo, len(done), client, workers, retries, progress)
    if scheduler is None:
        backend = f"local processes ({min(workers, max(1, len(todo)))})"
    else:
        backend = "dask LocalCluster" if scheduler == "local" else f"dask {scheduler}"
    table = assemble(out)
    prov = _provenance(study, backend, started, {**extra, "ran": len(todo), "failed": failed})
    _write_atomic(out / "provenance.json", json.dumps(_with_history(out, prov), indent=1))
    return SweepReport(out, len(study.tasks), len(todo), len(done), failed, seconds, table, backend)


def _run(study, out, todo, done, client, workers, retries, progress) -> tuple[float, int]:
    """Run ``todo`` on the pool (or ``client``), saving each row as it comes in."""
    counts = {"done": done, "failed": 0}
    t0 = time.perf_counter()
    if progress is not None:
        progress({"event": "start", "done": done, "failed": 0, "total": len(study.tasks)})

    def finish(task, status, value, attempts):
        if status == "ok":
            row = _row(task, value, study.quantities, "ok", None, attempts)
        else:
            row = _row(task, None, study.quantities, "failed", value, attempts)
            counts["failed"] += 1
        text = json.dumps(row, allow_nan=True)
        _write_atomic(_task_file(out, task["task"]), text)
        counts["done"] += 1
        if progress is not None:
            progress(
                {
                    "event": "task",
                    "task": task["task"],
                    "status": row["status"],
                    "attempts": attempts,
                    "done": counts["done"],
                    "failed": counts["failed"],
                    "total": len(study.tasks),
                    "elapsed": round(time.perf_counter() - t0, 3),
                }
            )

    if client is not None:
        _run_dask(todo, client, retries, finish)
    elif todo:
        _run_local(todo, workers, retries, finish)
    return time.perf_counter() - t0, counts["failed"]


# ---------------------------------------------------------------------------------------
# Plots.


def plot_sweep(
    data: dict[str, list] | str | os.PathLike,
    x: str = "n",
    y: str = "tv_sampled_mean",
    hue: str | None = None,
    where: dict[str, Any] | None = None,
    *,
    ax=None,
) -> dict[Any, Any]:
    """Mean of ``y`` against ``x`` over the seed replicates, one line per ``hue`` value.

    Parameters
    ----------
    data : dict of lists, or path
        The table's columns (:func:`read_results`), or a results directory or Parquet file.
    x, y : str
        Columns on the axes.
    hue : str, optional
        Column that splits the rows into lines, one colour each.
    where : dict, optional
        Keep only rows whose column equals the value (compared as numbers when both read
        as numbers), e.g. ``{"classes": 4}``.
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    dict
        The ``ErrorbarContainer`` of each hue value (key ``None`` without ``hue``), and
        the legend under ``"legend"`` when there is one.

    Notes
    -----
    Failed rows are left out. Each point is the mean over the rows at one ``x`` and
    ``hue`` (the seed replicates); error bars are the standard error of that mean (the
    standard deviation over seeds divided by the square root of their number). Rows of a
    point must agree on every other parameter (use ``where`` to pick one), so that
    different problems are never averaged together. An axis is logarithmic when its
    values are positive and span more than two decades.
    """
    columns = data if isinstance(data, dict) else read_results(data)
    for name in (x, y, hue, *(where or {})):
        if name is not None and name not in columns:
            raise ValidationError("column", f"no column {name!r}; available: {', '.join(columns)}")
    n_rows = len(columns[x])
    status = columns.get("status", ["ok"] * n_rows)
    keep = [i for i in range(n_rows) if status[i] == "ok"]
    for key, value in (where or {}).items():
        keep = [i for i in keep if _same(columns[key][i], value)]
    if not keep:
        raise ValidationError("where", "no rows with status ok are left to plot")
    order = ("classes", "n", *_SPECS, "samples", "method", "statistics", "energies")
    if not all(_is_num(columns[y][i]) or columns[y][i] is None for i in keep):
        raise ValidationError("column", f"column {y!r} is not numeric; pick a number column")
    others = [c for c in dict.fromkeys((*order, *PARAMETERS)) if c in columns and c not in (x, hue)]
    groups: dict[Any, dict[Any, list[int]]] = {}
    for i in keep:
        h = columns[hue][i] if hue else None
        groups.setdefault(_norm(h), {}).setdefault(_norm(columns[x][i]), []).append(i)
    for by_x in groups.values():
        for rows in by_x.values():
            for c in others:
                vals = {_norm(columns[c][i]) for i in rows}
                if len(vals) > 1:
                    shown = "; ".join(str(v) for v in sorted(vals, key=_sort_key)[:4])
                    raise ValidationError(
                        "where",
                        f"rows at the same {x}{' and ' + hue if hue else ''} differ in {c} "
                        f"({shown}); keep one with --where {c}=VALUE",
                    )
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(layout="constrained")
    from maxent._plotting.style import COLORS

    palette = [
        COLORS[c]
        for c in ("blue", "orange", "green", "vermillion", "purple", "sky", "black", "yellow")
    ]
    art: dict[Any, Any] = {}
    all_x: list = []
    all_y: list = []
    for j, h in enumerate(sorted(groups, key=_sort_key)):
        xs = sorted(groups[h], key=_sort_key)
        mean, err = [], []
        for xv in xs:
            vals = np.array([columns[y][i] for i in groups[h][xv]], dtype=float)
            vals = vals[np.isfinite(vals)]
            mean.append(vals.mean() if vals.size else np.nan)
            err.append(vals.std(ddof=1) / math.sqrt(vals.size) if vals.size > 1 else 0.0)
        label = y if hue is None else f"{hue} = {h:g}" if _is_num(h) else f"{hue} = {h}"
        art[h] = ax.errorbar(
            xs, mean, yerr=err, fmt="o-", color=palette[j % len(palette)], capsize=3, label=label
        )
        all_x += xs
        all_y += mean
    for set_scale, vals in ((ax.set_xscale, all_x), (ax.set_yscale, all_y)):
        if not all(_is_num(a) for a in vals):
            continue
        v = np.array(vals, dtype=float)
        v = v[np.isfinite(v)]  # points with no finite value are not drawn
        if v.size and (v > 0).all() and v.max() / v.min() > 100:
            set_scale("log")
    ax.set_xlabel(x)
    ax.set_ylabel(f"{y} (mean ± s.e. over seeds)")
    if hue:
        art["legend"] = ax.legend(loc="best")
    return art


def _is_num(v) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def _norm(v):
    """Hashable, comparable form of a cell (NaN is equal to NaN here)."""
    if _is_num(v):
        v = float(v)
        return "nan" if math.isnan(v) else (int(v) if v.is_integer() else v)
    return v


def _same(a, b) -> bool:
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return str(a) == str(b)


def _sort_key(v):
    return (0, float(v), "") if _is_num(v) else (1, 0.0, str(v))
