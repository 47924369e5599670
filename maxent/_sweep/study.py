"""Parameter sweeps: many tasks from one study file, resumable, on cores or a Dask cluster.

A study file (TOML) names a grid of problems; every task is one problem, one seed
replicate and one call to :func:`maxent.compare`, a pure function of its parameters and
its seed. A task is known by its parameters, not by its place in the grid: its id and its
seed come from a SHA-256 hash of the canonical JSON of its parameters (see
:func:`task_key`), so the same task has the same seed, and the same row, in every study
that contains it, and a study can grow (more N, more seeds, another temperature) or be
reordered without recomputing or reseeding what is done. Each finished task is written
at once to its own small JSON file, atomically (a temporary file in the same directory,
flushed and renamed into place), so a crash, Ctrl-C or a killed worker loses only the
tasks in flight, and ``resume`` runs only what is missing. At the end the rows are
assembled into one Parquet table: columnar, typed and compressed, and read by pandas,
polars, DuckDB, R or Arrow without maxent.

Study file::

    [study]
    name = "convergence-vs-temperature"   # default: the file name
    seed = 2026             # root seed (default 0)
    samples = 2000          # draws per task (default 1000)
    method = "auto"         # auto, exact, mcmc or enumerate
    statistics = "boltzmann"              # or bose, fermi
    target_stderr = 0.01    # optional: add seeds until the slopes in n are this precise
    max_seeds = 64          # optional: the cap on seeds per grid point (default 64)
    target_columns = ["tv_sampled_mean", "tv_single_draw"]  # optional: the slopes judged
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
replicate, in that order, the seed replicate varying fastest; the table keeps that order.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from maxent._util.errors import ValidationError
from maxent._util.format import ShortRepr
from maxent._util.validate import as_count, special_file

__all__ = [
    "KEY_PARAMETERS",
    "PARAMETERS",
    "QUANTITIES",
    "SETTINGS",
    "SPECS",
    "Study",
    "StudyEstimate",
    "canonical_real",
    "load_study",
    "task_digest",
    "task_key",
    "task_problem",
]

SPECS = ("mean_energy", "beta", "temperature")
_STUDY_KEYS = (
    "name",
    "seed",
    "samples",
    "method",
    "statistics",
    "target_stderr",
    "max_seeds",
    "target_columns",
)
_GRID_KEYS = ("classes", "energies", "n", *SPECS, "seeds", "degeneracies", "constraints")
_METHODS = ("auto", "exact", "mcmc", "enumerate")
_STATISTICS = ("boltzmann", "bose", "fermi")
DISTANCES = ("optimum", "stirling", "mode", "exact_mean", "sampled_mean", "single_draw")
#: Result groups a study may record (``[record] quantities``); all by default.
QUANTITIES = ("tv", "kl", "max_abs", "fitted_beta", "concentration", "timings")
#: Parameter columns of the table (besides the task index and the seed replicate).
PARAMETERS = (
    "energies",
    "classes",
    "n",
    *SPECS,
    "samples",
    "method",
    "statistics",
    "degeneracies",
    "constraints",
)
STATUS_COLUMNS = ("status", "error", "attempts")
#: The parameters that make a task what it is: its id and its seed are a hash of these.
KEY_PARAMETERS = ("energies", "n", *SPECS, "degeneracies", "constraints", "seed_index")
#: Settings the whole study shares (task field: study-file key). A finished task is
#: reused only where they agree: the same parameters with another of these would be
#: another number under the same name.
SETTINGS = {
    "study_seed": "seed",
    "statistics": "statistics",
    "method": "method",
    "samples": "samples",
}
#: Result columns that depend on the seed, whose slopes in n ``target_stderr`` may judge.
TARGET_COLUMNS = (
    "tv_sampled_mean",
    "kl_sampled_mean",
    "max_abs_sampled_mean",
    "tv_single_draw",
    "max_abs_single_draw",
)

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
    kind = special_file(path)  # never read a device or a pipe: /dev/zero never ends
    if kind is not None:
        raise ValidationError("study", f"{path}: {kind}")
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


@dataclass(frozen=True, repr=False)
class StudyEstimate(ShortRepr):
    """A rough cost of a study, without running it (see :meth:`Study.estimate`).

    Attributes
    ----------
    tasks, draws : int
        Tasks in the study and draws over all of them.
    core_seconds : float
        Estimated cost on one core.
    wall_seconds : float
        Estimated wall time on ``workers`` processes, with their start-up.
    workers : int
    failing : int
        Tasks whose problem is invalid (they will fail).
    first_error : str
        The error of the first such task ("" if none).
    """

    tasks: int
    draws: int
    core_seconds: float
    wall_seconds: float
    workers: int
    failing: int
    first_error: str


@dataclass(frozen=True, repr=False)
class Study(ShortRepr):
    """A parsed study file: metadata, the grid and the tasks it expands into.

    Attributes
    ----------
    name : str
        Study name (default results directory ``sweep-NAME``).
    seed : int
        Root seed; a task's seed is ``SeedSequence([seed, int(task_digest(task), 16)])``.
    samples : int
        Draws per task.
    method, statistics : str
        Sampler method and counting statistics of every task.
    tasks : list of dict
        One dict of parameters per task, in a fixed order: energies, then N, then the
        energy specification, then the seed replicate (the last varies fastest). Each
        has its ``task_id`` (16 hex digits of :func:`task_digest`) and its position
        ``task``.
    quantities : tuple of str
        Result groups recorded (see ``QUANTITIES``).
    text : str
        The study file as read (kept with the results).
    seeds : int
        Seed replicates per grid point in the file (``[grid] seeds``).
    target_stderr : float or None
        Adaptive precision: seeds are added to a grid point's group (every N of one
        problem) until the slope in N of each of ``target_columns`` has at most this
        standard error.
    max_seeds : int
        The cap on seeds per grid point with ``target_stderr``.
    target_columns : tuple of str
        The result columns whose slopes ``target_stderr`` judges.
    points : list of dict
        The grid points (a task's parameters without its seed replicate), in grid order:
        :meth:`expand` makes the tasks from them.

    Examples
    --------
    See :func:`load_study`, which makes one from a file.
    """

    name: str
    seed: int
    samples: int
    method: str
    statistics: str
    tasks: list = field(repr=False)
    quantities: tuple
    text: str = field(repr=False)
    seeds: int = 1
    target_stderr: float | None = None
    max_seeds: int = 1
    target_columns: tuple = ()
    points: list = field(default_factory=list, repr=False)

    @property
    def digest(self) -> str:
        """SHA-256 of the study file (kept in the provenance)."""
        return hashlib.sha256(self.text.encode()).hexdigest()

    def expand(self, seeds: dict | None = None) -> list[dict]:
        """The tasks with ``seeds[group_id(point)]`` replicates per point (default: the file's).

        Positions (``task``) follow the grid order, seed replicate fastest, so that the
        table of a study grown by adaptive precision is in the same order as a fresh
        run of the grown grid.
        """
        return _expand(self.points, self.seeds, seeds or {})

    def estimate(self, workers: int | None = None) -> StudyEstimate:
        """A rough cost of the study, without running it.

        Each grid point's problem is built (cheap) to see whether its exact finite-N mean
        needs the convolution; the cost per task is a fixed part, a part per draw and
        class, and a part per convolution point, measured on one machine. Problems that
        cannot be built are counted as tasks that will fail.

        Returns
        -------
        StudyEstimate
        """
        from maxent._compare.compare import FFT_LIMIT
        from maxent._model.lattice import compositions_at_most

        workers = workers or os.cpu_count() or 1
        core, failing, first_error, cache = 0.0, 0, "", {}
        for t in self.tasks:
            key = grid_key(t)
            if key not in cache:
                try:
                    p = task_problem(t)
                except (ValidationError, ValueError) as exc:
                    cache[key] = None
                    first_error = first_error or error_message(exc)
                else:
                    fft = 0
                    if (
                        p.levels is not None
                        and p.level_total is not None
                        and p.plain
                        and not compositions_at_most(p.n, p.classes, 200_000)
                    ):
                        size = p.n * int(p.levels.max()) + 1
                        fft = 0 if size > FFT_LIMIT else 1 << (size - 1).bit_length()
                    cache[key] = _COST_TASK + _COST_FFT_POINT * fft
            if cache[key] is None:
                failing += 1
                continue
            core += cache[key] + _COST_DRAW_CLASS * t["samples"] * t["classes"]
        wall = core / max(1, min(workers, len(self.tasks))) + _COST_WORKER_START
        return StudyEstimate(
            tasks=len(self.tasks),
            draws=sum(t["samples"] for t in self.tasks),
            core_seconds=core,
            wall_seconds=wall,
            workers=workers,
            failing=failing,
            first_error=first_error,
        )


def _expand(points: list[dict], default: int, seeds: dict) -> list[dict]:
    """The tasks of ``points``, with ``seeds`` replicates per group (else ``default``)."""
    tasks = []
    for point in points:
        for rep in range(seeds.get(group_id(point), default)):
            task = {"task": len(tasks), **point, "seed_index": rep}
            task["task_id"] = task_digest(task)[:16]
            tasks.append(task)
    return tasks


def load_study(path: str | os.PathLike) -> Study:
    """Read and validate a study file (its form is in the module description).

    Parameters
    ----------
    path : str or path-like
        The TOML study file.

    Returns
    -------
    Study
        The metadata and the tasks the grid expands into.

    Raises
    ------
    ValidationError
        With param ``"study"`` and a one-line message that starts with the file name and
        names the table and key at fault, e.g. ``s.toml: [grid] n: must not be empty``.

    Examples
    --------
    >>> import os, tempfile
    >>> import maxent
    >>> text = '''
    ... [study]
    ... name = "demo"
    ... samples = 200
    ... [grid]
    ... classes = [4]
    ... n = [100, 1000]
    ... temperature = [1, 2]
    ... seeds = 3
    ... '''
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "demo.toml")
    ...     with open(path, "w") as f:
    ...         _ = f.write(text)
    ...     study = maxent.load_study(path)
    >>> study.name, study.samples, len(study.tasks)  # 2 N x 2 temperatures x 3 seeds
    ('demo', 200, 12)
    >>> sorted(study.tasks[0])
    ['classes', ...]
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
        sets = _from_files(grid["energies"], path.parent, "[grid] energies")
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
    specs = [k for k in SPECS if k in grid]
    if len(specs) > 1:
        _fail("[grid]", f"give at most one of {', '.join(SPECS)} (got {', '.join(specs)})")
    spec = specs[0] if specs else None
    values = [None]
    if spec:
        values = _real_list(
            f"[grid] {spec}",
            grid[spec],
            allow_inf=spec != "mean_energy",
            positive=spec == "temperature",
        )
    where = "[grid] classes" if "classes" in grid else "[grid] energies"
    _unique(where, energy_sets, lambda e: tuple(canonical_real(v) for v in e))
    _unique("[grid] n", ns, int)
    if spec:
        _unique(f"[grid] {spec}", values, canonical_real)
    seeds = _int_scalar("[grid] seeds", grid.get("seeds", 1), 1)
    degeneracies = grid.get("degeneracies")
    if degeneracies is not None:
        degeneracies = _from_files(degeneracies, path.parent, "[grid] degeneracies")
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

    target, cap, columns = _precision(study, seeds, len(ns))
    points = []
    for energies, n, value in itertools.product(energy_sets, ns, values):
        point = {
            "energies": list(energies),
            "classes": len(energies),
            "n": n,
            "samples": samples,
            "method": method,
            "statistics": statistics,
            "study_seed": seed,
        }
        if spec:
            point[spec] = value
        if degeneracies is not None:
            point["degeneracies"] = list(degeneracies)
        if constraints:
            point["constraints"] = list(constraints)
        points.append(point)
    tasks = _expand(points, seeds, {})
    if len({t["task_id"] for t in tasks}) < len(tasks):  # a 64-bit collision: never seen
        _fail("[grid]", "two tasks share an id (a hash collision); please report it")
    return Study(
        name,
        seed,
        samples,
        method,
        statistics,
        tasks,
        tuple(quantities),
        text,
        seeds=seeds,
        target_stderr=target,
        max_seeds=cap,
        target_columns=columns,
        points=points,
    )


def _unique(where: str, values, canonical) -> None:
    """Refuse a list that names one value twice (1e3 and 1000 are the same task)."""
    seen = {}
    for v in values:
        c = canonical(v)
        if c in seen:
            same = "" if repr(seen[c]) == repr(v) else f" ({seen[c]!r} and {v!r} are equal)"
            _fail(where, f"lists the value {v!r} twice{same}: every task must be unique")
        seen[c] = v


def _precision(study: dict, seeds: int, n_count: int):
    """``[study] target_stderr``, ``max_seeds`` and ``target_columns``, validated."""
    from maxent._compare.converge import DEFAULT_MAX_SEEDS

    target = study.get("target_stderr")
    if target is None:
        for key in ("max_seeds", "target_columns"):
            if key in study:
                _fail(f"[study] {key}", "only applies with target_stderr: give that too")
        return None, seeds, ()
    if (
        isinstance(target, bool)
        or not isinstance(target, (int, float))
        or not math.isfinite(target)
        or target <= 0
    ):
        _fail("[study] target_stderr", f"must be a real number > 0 (got {target!r})")
    if n_count < 3:
        _fail(
            "[study] target_stderr",
            f"needs at least 3 values of [grid] n (got {n_count}): a slope through 2 "
            "points has no standard error",
        )
    cap = _int_scalar("[study] max_seeds", study.get("max_seeds", max(DEFAULT_MAX_SEEDS, seeds)), 1)
    if cap < seeds:
        _fail("[study] max_seeds", f"must be >= [grid] seeds ({seeds}), got {cap}")
    columns = study.get("target_columns", ["tv_sampled_mean", "tv_single_draw"])
    if not isinstance(columns, list) or not columns or not all(isinstance(c, str) for c in columns):
        _fail("[study] target_columns", f"must be a list of names from {', '.join(TARGET_COLUMNS)}")
    bad = [c for c in columns if c not in TARGET_COLUMNS]
    if bad:
        _fail(
            "[study] target_columns",
            f"{bad[0]!r} is not a result that depends on the seed; choose from "
            f"{', '.join(TARGET_COLUMNS)}",
        )
    return float(target), cap, tuple(dict.fromkeys(columns))


def _from_files(value, base: Path, where: str):
    """Replace ``"@FILE"`` strings (relative to the study file) by the numbers in FILE.

    Long lists (10,000 energies) live in a text, CSV or .npy file: ``energies = "@e.txt"``
    or ``energies = ["@a.txt", "@b.npy"]``.
    """
    from maxent._util.validate import read_values

    def load(v):
        if isinstance(v, str) and v.startswith("@"):
            try:
                return read_values(base / v[1:], where).tolist()
            except ValidationError as exc:
                _fail(where, exc.message)
        return v

    if isinstance(value, list):
        return [load(v) for v in value]
    return load(value)


def _check_constraints(constraints, energy_sets, degeneracies) -> None:
    from maxent._model.problem import parse_constraint

    for c in constraints:
        for e in energy_sets:
            try:
                parse_constraint(c, e, degeneracies)
            except ValidationError as exc:
                _fail("[grid] constraints", exc.message)


def grid_key(task: dict) -> tuple:
    """The grid point of a task (every field but its seed replicate and bookkeeping)."""
    return tuple(
        tuple(v) if isinstance(v, list) else v
        for k, v in sorted(task.items())
        if k not in ("task", "task_id", "seed_index", "samples")
    )


def canonical_real(x) -> int | float | str:
    """A real number as the task key writes it: whole numbers as integers.

    ``1e3``, ``1000.0`` and ``1000`` all give ``1000`` (and ``-0.0`` gives ``0``), any
    other finite value stays a float (JSON writes its shortest round-trip decimal,
    Python's ``repr``), and infinities are the strings ``"inf"`` and ``"-inf"``.
    """
    x = float(x)
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return int(x) if x.is_integer() else x


def task_key(task: dict) -> dict:
    """The parameters that identify a task, canonical: what its id and seed hash.

    The keys of ``KEY_PARAMETERS`` that the task has (a parameter it does not use, or
    an empty list of constraints, is left out, so that a new optional parameter changes
    no existing task): ``energies`` and ``degeneracies`` as lists and the energy
    specification as one value, each number through :func:`canonical_real`; ``n`` and
    ``seed_index`` as integers; ``constraints`` as the strings written in the file.
    The settings the study shares (``SETTINGS``) are not part of it: a task with other
    settings is a conflict, not another task.
    """
    key: dict = {}
    for name in KEY_PARAMETERS:
        value = task.get(name)
        if value is None or (name == "constraints" and not value):
            continue
        if name in ("energies", "degeneracies"):
            value = [canonical_real(v) for v in value]
        elif name in SPECS:
            value = canonical_real(value)
        elif name == "constraints":
            value = [str(c) for c in value]
        else:
            value = int(value)
        key[name] = value
    return key


def key_text(task: dict) -> str:
    """The canonical JSON of :func:`task_key`: sorted keys, no spaces."""
    return json.dumps(task_key(task), sort_keys=True, separators=(",", ":"), allow_nan=False)


def task_digest(task: dict) -> str:
    """SHA-256 (hex) of :func:`key_text`: the task's id is its first 16 digits.

    Examples
    --------
    The id and the seed by hand (what the sweep computes):

    >>> import hashlib, json
    >>> import numpy as np
    >>> from maxent._sweep.study import task_digest
    >>> from maxent._sweep.task import task_seed
    >>> task = {"energies": [0.0, 1.0, 2.0, 3.0], "n": 1000, "temperature": 2.0,
    ...         "seed_index": 0, "study_seed": 2026}
    >>> text = json.dumps({"energies": [0, 1, 2, 3], "n": 1000, "seed_index": 0,
    ...                    "temperature": 2}, sort_keys=True, separators=(",", ":"))
    >>> text
    '{"energies":[0,1,2,3],"n":1000,"seed_index":0,"temperature":2}'
    >>> digest = hashlib.sha256(text.encode()).hexdigest()
    >>> task_digest(task) == digest
    True
    >>> seed = np.random.SeedSequence([2026, int(digest, 16)])
    >>> bool((task_seed(task).generate_state(4) == seed.generate_state(4)).all())
    True
    """
    return hashlib.sha256(key_text(task).encode()).hexdigest()


def group_id(task: dict) -> str:
    """The problem a task belongs to, over all N and seeds: the unit of adaptive seeds."""
    key = {k: v for k, v in task_key(task).items() if k not in ("n", "seed_index")}
    return json.dumps(key, sort_keys=True, separators=(",", ":"))


def task_problem(task: dict):
    from maxent._model.defaults import default_mean_energy
    from maxent._model.problem import Problem

    spec = {k: task[k] for k in SPECS if task.get(k) is not None}
    if not spec:
        spec = {
            "mean_energy": default_mean_energy(
                task["energies"], task["n"], task["statistics"], task.get("degeneracies")
            )
        }
    return Problem(
        task["energies"],
        task["n"],
        degeneracies=task.get("degeneracies"),
        statistics=task["statistics"],
        constraints=task.get("constraints", ()),
        snap=True,
        **spec,
    )


def error_message(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        return f"{exc.param}: {exc.message}"
    return f"{type(exc).__name__}: {exc}"
