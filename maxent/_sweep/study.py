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

import hashlib
import itertools
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from maxent._util.errors import ValidationError
from maxent._util.format import ShortRepr
from maxent._util.validate import as_count, special_file

__all__ = [
    "PARAMETERS",
    "QUANTITIES",
    "SPECS",
    "Study",
    "StudyEstimate",
    "load_study",
    "task_problem",
]

SPECS = ("mean_energy", "beta", "temperature")
_STUDY_KEYS = ("name", "seed", "samples", "method", "statistics")
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

    @property
    def digest(self) -> str:
        """SHA-256 of the study file, to refuse resuming a different study."""
        return hashlib.sha256(self.text.encode()).hexdigest()

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
    return tuple(
        tuple(v) if isinstance(v, list) else v
        for k, v in sorted(task.items())
        if k not in ("task", "seed_index", "samples")
    )


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
