"""The ``maxent`` command line: thin click commands over the library.

Every command shares the problem options (``--classes``/``--energies``, ``--n`` and one of
``--mean-energy``, ``--total-energy``, ``--beta``, ``--temperature``) and ``--json``.
Bad input ends with a one-line ``maxent: error: ...`` on stderr and exit code 2.
"""

from __future__ import annotations

import math
import sys
from typing import Any

import click
import numpy as np

from . import __version__
from ._errors import ValidationError
from ._validate import as_count, as_energies, as_real, output_path

# ---------------------------------------------------------------------------------------
# Parameter types: each wraps the library's validator so errors name the option.


class _Count(click.ParamType):
    name = "INT"

    def __init__(self, minimum: int = 1):
        self.minimum = minimum

    def convert(self, value, param, ctx):
        try:
            return as_count(value, param.name if param else "n", minimum=self.minimum)
        except ValidationError as exc:
            self.fail(exc.message, param, ctx)


class _Real(click.ParamType):
    name = "FLOAT"

    def __init__(self, allow_inf: bool = False):
        self.allow_inf = allow_inf

    def convert(self, value, param, ctx):
        try:
            return as_real(value, param.name if param else "value", allow_inf=self.allow_inf)
        except ValidationError as exc:
            self.fail(exc.message, param, ctx)


class _FloatList(click.ParamType):
    name = "LIST"

    def convert(self, value, param, ctx):
        if not isinstance(value, str):
            return value
        parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
        try:
            vals = [float(p.replace("_", "")) for p in parts]
        except ValueError:
            bad = next(p for p in parts if not _is_float(p))
            self.fail(f"must be comma-separated numbers (could not read {bad!r})", param, ctx)
        try:
            return as_energies(vals, param.name if param else "values", min_size=1)
        except ValidationError as exc:
            self.fail(exc.message, param, ctx)


def _is_float(text: str) -> bool:
    try:
        float(text.replace("_", ""))
    except ValueError:
        return False
    return True


# ---------------------------------------------------------------------------------------
# The group: one-line errors and exit codes for every command.


def _fail(message: str, code: int) -> None:
    click.echo(f"maxent: error: {message}", err=True)
    sys.exit(code)


class _Group(click.Group):
    """A click group whose errors are one line on stderr, never a traceback."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **kw):
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **kw)
        except click.ClickException as exc:
            msg = exc.format_message().strip().replace("\n", " ")
            _fail(msg, exc.exit_code)
        except ValidationError as exc:
            # name the option at fault; errors about other things (a study file, a
            # missing extra) are already whole sentences
            option = f"--{exc.param.replace('_', '-')}"
            known = {o for cmd in self.commands.values() for p in cmd.params for o in p.opts}
            _fail(f"{option}: {exc.message}" if option in known else exc.message, 2)
        except (click.Abort, KeyboardInterrupt):
            _fail("interrupted", 130)
        code = rv if isinstance(rv, int) else 0
        if standalone_mode:
            sys.exit(code)
        return code


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="maxent")
def cli() -> None:
    """Maximum-entropy counting, made runnable.

    N items in K classes with energies E_k; every assignment of items with
    sum n_k = N and sum n_k E_k = U is equally likely. As N grows the allocations
    concentrate on the Boltzmann (softmax) law p_k = exp(-beta E_k) / Z.
    """


def main() -> None:
    """Console-script entry point."""
    cli.main(prog_name="maxent")


# ---------------------------------------------------------------------------------------
# Shared problem options.

_DEFAULT_CLASSES = 4
_DEFAULT_FRACTION = 0.4


def problem_options(func):
    """Add the options that define a :class:`maxent.Problem` and ``--json``."""
    options = [
        click.option(
            "--classes",
            "-k",
            type=_Count(minimum=2),
            default=None,
            help=f"Number of classes K; energies 0, 1, ..., K-1. [default: {_DEFAULT_CLASSES}]",
        ),
        click.option(
            "--energies",
            type=_FloatList(),
            default=None,
            help="Comma-separated class energies, e.g. 0,1,2.5 (instead of --classes).",
        ),
        click.option(
            "--n",
            "n",
            type=_Count(),
            default="1000",
            show_default=True,
            help="Number of items N; 100000, 1e5 and 100_000 all work.",
        ),
        click.option("--mean-energy", type=_Real(), help="Mean energy U/N."),
        click.option("--total-energy", type=_Real(), help="Total energy U."),
        click.option(
            "--beta",
            type=_Real(allow_inf=True),
            help="Inverse temperature (any real or +/-inf); U becomes the nearest reachable total.",
        ),
        click.option(
            "--temperature",
            "-T",
            type=_Real(allow_inf=True),
            help="Temperature T > 0 (use --beta for negative temperatures).",
        ),
        click.option(
            "--energy-quantum",
            type=_Real(),
            help="Lattice spacing of the energies (detected when omitted).",
        ),
        click.option(
            "--energy-tolerance",
            type=_Real(),
            help="Shell half-width |sum n E - U| <= tol for energies with no common quantum "
            "(MCMC).",
        ),
        click.option(
            "--degeneracies",
            type=_FloatList(),
            default=None,
            help="States per class g_k, e.g. 1,3,5 (real values: prior weights). [default: 1]",
        ),
        click.option(
            "--statistics",
            type=click.Choice(["boltzmann", "bose", "fermi"]),
            default="boltzmann",
            show_default=True,
            help="How allocations are counted: distinguishable items, Bose-Einstein or "
            "Fermi-Dirac.",
        ),
        click.option(
            "--constraint",
            "constraints",
            multiple=True,
            help="Extra moment constraint EXPR=VALUE: the mean over items of EXPR (in k, E, g) "
            "is VALUE, e.g. 'k**2=12.5'. Repeat for more.",
        ),
        click.option("--json", "as_json", is_flag=True, help="Print one JSON object."),
    ]
    for opt in reversed(options):
        func = opt(func)
    return func


def _energies_from(kw: dict[str, Any]):
    """Energies from --energies or --classes (popped from ``kw``)."""
    from ._problem import default_energies

    classes = kw.pop("classes")
    energies = kw.pop("energies")
    if energies is None:
        return default_energies(classes if classes is not None else _DEFAULT_CLASSES)
    if energies.size < 2:
        raise ValidationError("energies", f"needs at least 2 values (got {energies.size})")
    if classes is not None and classes != energies.size:
        raise ValidationError(
            "classes", f"is {classes} but --energies lists {energies.size} values"
        )
    return energies


def _attainable_means(energies, n, statistics, degeneracies):
    """Lowest and highest mean energy of n items (Fermi-Dirac capacities included)."""
    from . import _statistics as S
    from ._problem import _extreme_total
    from ._validate import as_degeneracies

    g = as_degeneracies(degeneracies, energies.size)
    caps = S.caps(S.code(statistics), np.round(g) if statistics == "fermi" else g, n)
    if caps.sum() < n:
        return float(energies.min()), float(energies.max())  # Problem reports the error
    return (
        _extreme_total(energies, caps, n, True) / n,
        _extreme_total(energies, caps, n, False) / n,
    )


def build_problem(kw: dict[str, Any], notes: list[str], **extra):
    """Make the Problem from the shared options (pops them from ``kw``)."""
    from ._problem import Problem

    energies = _energies_from(kw)
    spec = {k: kw.pop(k) for k in ("mean_energy", "total_energy", "beta", "temperature")}
    n = kw.pop("n")
    quantum = kw.pop("energy_quantum")
    tolerance = kw.pop("energy_tolerance")
    extra = {
        "degeneracies": kw.pop("degeneracies"),
        "statistics": kw.pop("statistics"),
        "constraints": list(kw.pop("constraints")),
        **extra,
    }
    given = {k: v for k, v in spec.items() if v is not None}
    if len(given) > 1:
        names = ", ".join("--" + k.replace("_", "-") for k in given)
        raise click.UsageError(
            f"give only one of --mean-energy, --total-energy, --beta, --temperature (got {names})"
        )
    snap = False
    if not given:
        lo, hi = _attainable_means(energies, n, extra["statistics"], extra["degeneracies"])
        given = {"mean_energy": lo + _DEFAULT_FRACTION * (hi - lo)}
        snap = True
        notes.append(
            f"no energy given: using the reachable mean nearest {given['mean_energy']:.6g} "
            "(40% of the way from the lowest to the highest attainable mean)"
        )
    return Problem(
        energies,
        n,
        energy_quantum=quantum,
        energy_tolerance=tolerance,
        snap=snap,
        **given,
        **extra,
    )


def _console():
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False, width=max(120, _term_width()))


def _term_width() -> int:
    import shutil

    return shutil.get_terminal_size((100, 24)).columns


def _header(console, problem, notes) -> None:
    for note in notes:
        click.echo(f"note: {note}", err=True)
    t = math.inf if problem.beta == 0 else 1.0 / problem.beta
    console.print(
        f"K = {problem.classes} classes, N = {problem.n} items, U = {problem.total_energy:.10g}"
        f" (mean energy {problem.mean_energy:.10g})"
    )
    law = (
        "Boltzmann"
        if problem._plain
        else {0: "maximum-entropy", 1: "Bose-Einstein", 2: "Fermi-Dirac"}[problem.stat]
    )
    if problem.statistics != "boltzmann" or problem.constraints:
        extras = [f"{problem.statistics} counting"] + [
            f"mean of {c.name} = {c.mean:g}" for c in problem.constraints
        ]
        console.print("; ".join(extras))
    line = f"beta = {problem.beta:.6g} (T = {t:.6g}), the {law} limit of this mean"
    if problem.requested_beta is not None and problem.requested_beta != problem.beta:
        line += f"; requested beta {problem.requested_beta:.6g} moved U to a reachable total"
    console.print(line)


# ---------------------------------------------------------------------------------------
# Commands.


@cli.command()
@problem_options
@click.option(
    "--method",
    type=click.Choice(["dual", "slsqp", "trust-constr"]),
    default="dual",
    show_default=True,
    help="Optimiser: Lagrange-multiplier Newton, or scipy's primal solvers.",
)
def optimize(as_json: bool, method: str, **kw) -> None:
    """Maximise ln W: exact (log-gamma) and Stirling optima, and the integer mode."""
    from ._summary import optimize as run

    notes: list[str] = []
    problem = build_problem(kw, notes)
    if problem.levels is not None:
        problem.require_lattice("maxent optimize")
    summary = run(problem, method=method)
    if as_json:
        from ._format import to_json

        for note in notes:
            click.echo(f"note: {note}", err=True)
        click.echo(to_json(summary.to_dict()))
        return
    from ._format import fmt, print_table

    console = _console()
    _header(console, problem, notes)
    ex, st, mo = summary.exact, summary.stirling, summary.mode
    has_mode = mo is not None and mo.counts is not None
    rows = []
    for k in range(problem.classes):
        rows.append(
            [
                str(k),
                problem.energies[k],
                problem.limit_fractions[k],
                "-" if ex is None else fmt(ex.fractions[k], 8),
                st.fractions[k],
                int(mo.counts[k]) if has_mode else "-",
                "-" if ex is None else fmt(ex.counts[k], 8),
            ]
        )
    print_table(
        console,
        "Allocations",
        [
            "class",
            "energy",
            _limit_name(problem),
            "exact n*/N",
            "Stirling n/N",
            "mode n (int)",
            "exact n*",
        ],
        rows,
        digits=8,
    )
    names = ["alpha", "beta", *[f"lambda[{c.name}]" for c in problem.constraints]]
    rows = []
    for label, res in (("exact optimum", ex), ("Stirling optimum", st)):
        if res is not None:
            rows.append([label, res.log_count, res.alpha, res.beta, *res.lambdas, res.kkt_residual])
    if has_mode:
        rows.append(["integer mode", mo.log_count, *[""] * (len(names) + 1)])
    print_table(
        console,
        "ln W and the multipliers of h'(n_k) = alpha + beta E_k"
        + (" + sum lambda f(k)" if problem.constraints else ""),
        ["", "ln W", *names, "KKT residual"],
        rows,
        digits=10,
    )
    if ex is None:
        console.print(f"exact optimum: not computed ({summary.exact_message})")
    else:
        console.print(f"exact optimum: {ex.message} after {ex.nit} Newton steps")
    console.print(f"Stirling optimum: {st.message}")
    if has_mode:
        ties = "" if mo.ties <= 1 else f"; {mo.ties} allocations share the maximum"
        if mo.ties == -1:
            ties = "; every allocation ties"
        console.print(f"integer mode: {mo.message}, {mo.nodes} search nodes{ties}")
    else:
        console.print(f"integer mode: not computed ({summary.mode_message})")


def _limit_name(problem) -> str:
    if problem._plain:
        return "Boltzmann p"
    return {0: "max-ent limit", 1: "Bose-Einstein", 2: "Fermi-Dirac"}[problem.stat]


# ---------------------------------------------------------------------------------------
# Progress, first-run notice, interruption.


class _Progress:
    """A rich progress bar on a terminal's stderr; silent otherwise (pipes, --json)."""

    def __init__(self, enabled: bool, description: str):
        self.enabled = enabled and sys.stderr.isatty()
        self.description = description
        self._bar = None
        self._task = None

    def __enter__(self):
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._bar = Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._bar.__enter__()
            self._task = self._bar.add_task(self.description, total=None)
        return self

    def __call__(self, done: int, total: int) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=done, total=total)

    @property
    def callback(self):
        """The progress callback for the library, or None when disabled."""
        return self if self.enabled else None

    def __exit__(self, *exc):
        if self._bar is not None:
            self._bar.__exit__(*exc)
        return False


def _compile_notice(*kernels) -> None:
    from ._jitcache import needs_compiling

    if needs_compiling(*kernels):
        click.echo(
            "note: compiling numba kernels (first run after install, ~30 s; cached after)",
            err=True,
        )


def _fresh_seed(seed):
    if seed is None:
        import secrets

        return secrets.randbits(63)
    return seed


_METHOD = click.option(
    "--method",
    type=click.Choice(["auto", "exact", "mcmc", "enumerate"]),
    default="auto",
    show_default=True,
    help="Sampler; auto picks the fastest correct one and says which.",
)
_SEED = click.option(
    "--seed",
    type=_Count(minimum=0),
    default=None,
    help="Root seed (default: fresh entropy, printed so that the run can be repeated).",
)
_THREADS = click.option(
    "--threads",
    type=_Count(),
    default=None,
    help="Numba threads (the draws do not depend on it). [default: all]",
)
_SAVE = click.option(
    "--save",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the (M, K) integer draws to FILE (.npy, .npz or .csv by extension).",
)


def _save_sample(path, res) -> None:
    """Write a sample's draws with the problem and seed that produced them."""
    from ._io import save_draws

    p = res.problem
    save_draws(
        path,
        res.draws,
        energies=p.energies,
        n=p.n,
        total_energy=p.total_energy,
        statistics=p.statistics,
        method=res.method,
        seed=res.seed,
    )


def _sampler_table(console, problem, res) -> None:
    from ._format import print_table

    mean, err = res.mean_fractions, res.stderr
    rows = [
        [str(k), problem.energies[k], problem.limit_fractions[k], mean[k], err[k]]
        for k in range(problem.classes)
    ]
    cols = ["class", "energy", _limit_name(problem), "sampled <n>/N", "stderr"]
    print_table(console, f"{res.samples} draws ({res.method})", cols, rows, digits=7)


def _sampler_lines(console, res) -> None:
    d = res.diagnostics
    line = f"method: {res.method}"
    if res.reason:
        line += f" ({res.reason})"
    console.print(line)
    secs = res.timings["sampling"]
    rate = res.samples / secs if secs > 0 else math.inf
    console.print(
        f"draws: {res.samples} in {res.timings['total']:.3g} s ({rate:.3g} draws/s, "
        f"{res.threads} threads); acceptance {d.get('acceptance', float('nan')):.3g}; "
        f"seed {res.seed}"
    )
    if res.method == "mcmc":
        ess = min(d["ess"])
        console.print(
            f"MCMC: {d['chains']} chains, burn-in {d['burn_in']} and thinning {d['thin']} "
            f"proposals; integrated autocorrelation time {max(d['tau']):.3g} draws; "
            f"effective sample size {ess:.4g} ({ess / secs:.3g}/s); moves: {d['moves']}"
        )
        if d.get("shell_connected") is False:
            console.print(
                "warning: --energy-tolerance is below the largest gap between adjacent "
                "energies, so the shell moves may not connect every allocation"
            )


@cli.command()
@problem_options
@click.option(
    "--samples",
    "-m",
    type=_Count(),
    default="1000",
    show_default=True,
    help="Number of draws M.",
)
@_METHOD
@_SEED
@_THREADS
@_SAVE
def sample(as_json, samples, method, seed, threads, save, **kw):
    """Draw allocations with probability proportional to W(n) = N!/prod n_k!."""
    from ._io import check_save_path
    from ._kernels import _sample as kernels
    from ._sample import sample as run

    notes: list[str] = []
    problem = build_problem(kw, notes)
    if save:
        check_save_path(save)
    seed = _fresh_seed(seed)
    _compile_notice(kernels.exact_rejection, kernels.run_chains)
    with _Progress(not as_json, "sampling") as bar:
        res = run(problem, samples, method, seed=seed, threads=threads, progress=bar.callback)
    if save:
        _save_sample(save, res)
    if as_json:
        from ._format import to_json

        for note in notes:
            click.echo(f"note: {note}", err=True)
        out = problem.to_dict()
        out["sampler"] = res.to_dict()
        click.echo(to_json(out))
    else:
        console = _console()
        _header(console, problem, notes)
        _sampler_table(console, problem, res)
        _sampler_lines(console, res)
        if save:
            console.print(f"saved {res.samples} draws to {save}")
    if res.interrupted:
        kept = f" (saved to {save})" if save else ""
        click.echo(f"maxent: interrupted after {res.samples} draws{kept}", err=True)
        return 130
    return 0


@cli.command()
@problem_options
@click.option(
    "--sweeps",
    type=_Count(),
    default="30",
    show_default=True,
    help="Sweeps of N proposed pair exchanges.",
)
@click.option(
    "--start",
    default="bracket",
    show_default=True,
    help="Start: bracket (items on the levels around the mean), extremes (lowest and "
    "highest levels), mode, random, or class:K (every item in class K).",
)
@click.option(
    "--records-per-sweep",
    type=_Count(),
    default="1",
    show_default=True,
    help="Occupations recorded per sweep.",
)
@_SEED
@_SAVE
def relax(as_json, sweeps, start, records_per_sweep, seed, save, **kw):
    """Item-level dynamics: energy-conserving pair exchanges relaxing to Boltzmann."""
    from ._dynamics import relax as run
    from ._format import print_table
    from ._io import check_save_path, save_draws
    from ._problem import default_energies

    notes: list[str] = []
    given = ("mean_energy", "total_energy", "beta", "temperature")
    if start.startswith("class:") and not any(kw.get(k) is not None for k in given):
        # "every item in class K" fixes the energy; use it unless one was given
        e = kw["energies"]
        if e is None:
            e = default_energies(kw["classes"] or _DEFAULT_CLASSES)
        try:
            kw["mean_energy"] = float(e[int(start.split(":", 1)[1])])
        except (ValueError, IndexError):
            raise ValidationError("start", f"class:K needs K in 0..{len(e) - 1}") from None
    problem = build_problem(kw, notes)
    if save:
        check_save_path(save)
    seed = _fresh_seed(seed)
    with _Progress(not as_json, "relaxing") as bar:
        res = run(
            problem,
            sweeps,
            start,
            seed=seed,
            records_per_sweep=records_per_sweep,
            progress=bar.callback,
        )
    if save:
        save_draws(
            save,
            res.counts,
            sweeps=res.sweeps,
            entropy=res.entropy,
            energies=problem.energies,
            n=problem.n,
        )
    if as_json:
        from ._format import to_json

        out = problem.to_dict()
        out["relax"] = res.to_dict()
        click.echo(to_json(out))
        return 0
    console = _console()
    _header(console, problem, notes)
    idx = np.unique(np.r_[0, np.geomspace(1, res.sweeps.size - 1, 12).astype(int)])
    shown = min(problem.classes, 6)
    rows = [
        [res.sweeps[i], res.entropy[i], res.tv_distance[i], *res.fractions[i, :shown]] for i in idx
    ]
    cols = ["sweep", "entropy H(n/N)", "TV to Boltzmann", *[f"n{k}/N" for k in range(shown)]]
    print_table(console, f"Relaxation from '{res.start}'", cols, rows, digits=5)
    console.print(
        f"entropy rises from {res.entropy[0]:.5g} to {res.entropy[-1]:.5g}; its maximum "
        f"(Boltzmann) is {res.entropy_max:.5g} nats; {res.moves_per_second:.3g} moves/s; "
        f"seed {res.seed}"
    )
    return 0


@cli.command()
@problem_options
@click.option(
    "--samples",
    "-m",
    type=_Count(),
    default="10000",
    show_default=True,
    help="Number of draws M.",
)
@_METHOD
@_SEED
@_THREADS
@_SAVE
@click.option(
    "--plot",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write a figure (occupations, finite-N corrections, entropy concentration); "
    "PNG, SVG or PDF by extension.",
)
def simulate(as_json, samples, method, seed, threads, save, plot, **kw):
    """Sample and optimise side by side, and measure both against Boltzmann."""
    from ._compare import compare
    from ._format import fmt, print_table
    from ._io import check_save_path
    from ._kernels import _sample as kernels
    from ._style import check_figure_path

    notes: list[str] = []
    problem = build_problem(kw, notes)
    if problem.levels is not None:
        problem.require_lattice("maxent simulate")
    if save:
        check_save_path(save)
    if plot:
        check_figure_path(plot)
    seed = _fresh_seed(seed)
    if not as_json:
        click.echo(f"note: {samples} draws, seed {seed}", err=True)
    _compile_notice(kernels.exact_rejection, kernels.run_chains)
    with _Progress(not as_json, "sampling") as bar:
        cmp = compare(problem, samples, method, seed=seed, threads=threads, progress=bar.callback)
    res = cmp.sample
    if save:
        _save_sample(save, res)
    if plot:
        from ._plots import simulation_figure

        simulation_figure(cmp, plot)
    if as_json:
        from ._format import to_json

        for note in notes:
            click.echo(f"note: {note}", err=True)
        click.echo(to_json(cmp.to_dict()))
        return 130 if res.interrupted else 0
    console = _console()
    _header(console, problem, notes)
    opt = cmp.optimum
    mode = opt.mode.fractions if opt.mode is not None and opt.mode.counts is not None else None
    rows = []
    for k in range(problem.classes):
        rows.append(
            [
                str(k),
                problem.energies[k],
                problem.limit_fractions[k],
                opt.exact.fractions[k],
                "-" if mode is None else fmt(mode[k], 7),
                "-" if cmp.exact_mean is None else fmt(cmp.exact_mean[k], 7),
                res.mean_fractions[k],
                res.stderr[k],
            ]
        )
    print_table(
        console,
        "Occupation fractions n_k/N",
        [
            "class",
            "energy",
            _limit_name(problem),
            "exact optimum",
            "most probable",
            "exact mean",
            "sampled mean",
            "stderr",
        ],
        rows,
        digits=7,
    )
    names = {
        "optimum": "exact optimum of ln W",
        "stirling": "Stirling optimum",
        "mode": "most probable allocation",
        "exact_mean": "exact finite-N mean",
        "sampled_mean": "sampled mean",
        "single_draw": "a single draw (average)",
    }
    drows = [
        [names[key], d["tv"], d.get("kl", "-"), d["max_abs"]] for key, d in cmp.distances.items()
    ]
    print_table(
        console,
        "Distance to the large-N limit" if not problem._plain else "Distance to Boltzmann",
        ["", "total variation", "KL", "max |diff|"],
        drows,
        digits=4,
    )
    fb = cmp.fitted_beta
    console.print(
        f"fitted beta ({'log n_k/N = c - beta E_k' if problem._plain else 'large-N relation'},"
        f" weighted): {fb.beta:.6g} ± {fb.stderr:.2g} (limit {problem.beta:.6g}; fit chi2 "
        f"{fb.chi2:.3g} on {fb.dof} dof)"
    )
    c = cmp.concentration
    q = c["quantiles"]
    crow = [["observed", *q["observed"]], [f"chi2({c['dof']})", *q["chi2"]]]
    print_table(
        console,
        "Entropy concentration: quantiles of "
        + ("2N (H_max - H)" if problem._plain else "2 (ln W*_S - ln W_S)"),
        ["", *[f"{p:g}" for p in q["p"]]],
        crow,
        digits=4,
    )
    console.print(
        f"mean {c['mean']:.4g} (chi2 mean {c['dof']}); Kolmogorov-Smirnov statistic "
        f"{c['ks_statistic']:.3g}, p-value {c['ks_pvalue']:.3g}"
    )
    _sampler_lines(console, res)
    if cmp.exact_mean is None:
        console.print(f"exact mean: not available ({cmp.exact_mean_method})")
    if save:
        console.print(f"saved {res.samples} draws to {save}")
    if plot:
        console.print(f"figure written to {plot}")
    if res.interrupted:
        click.echo(f"maxent: interrupted after {res.samples} draws", err=True)
        return 130
    return 0


@cli.command()
@click.option(
    "--classes",
    "-k",
    type=_Count(minimum=2),
    default=None,
    help=f"Number of classes K; energies 0, 1, ..., K-1. [default: {_DEFAULT_CLASSES}]",
)
@click.option(
    "--energies",
    type=_FloatList(),
    default=None,
    help="Comma-separated class energies (instead of --classes).",
)
@click.option(
    "--n",
    "n_spec",
    default="10,100,1e3,1e4,1e5,1e6",
    show_default=True,
    help="N values: a list (10,100,1e3) or a log-spaced range LO:HI:COUNT (10:1e6:6).",
)
@click.option("--mean-energy", type=_Real(), help="Mean energy U/N (kept fixed as N grows).")
@click.option("--beta", type=_Real(allow_inf=True), help="Inverse temperature.")
@click.option("--temperature", "-T", type=_Real(allow_inf=True), help="Temperature T > 0.")
@click.option("--energy-quantum", type=_Real(), help="Lattice spacing of the energies.")
@click.option(
    "--seeds", type=_Count(), default="5", show_default=True, help="Independent runs per N."
)
@click.option(
    "--samples",
    "-m",
    default="auto",
    show_default=True,
    help="Draws per run; auto = clip(20 N, 2000, 1e7).",
)
@_METHOD
@_SEED
@_THREADS
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write one row per (N, seed) to FILE.",
)
@click.option(
    "--plot",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the log-log figure (PNG, SVG or PDF by extension).",
)
def converge(
    classes,
    energies,
    n_spec,
    mean_energy,
    beta,
    temperature,
    energy_quantum,
    seeds,
    samples,
    method,
    seed,
    threads,
    as_json,
    csv_path,
    plot,
):
    """Convergence study over N: distances to Boltzmann and fitted slopes."""
    from ._converge import converge as run
    from ._format import print_table
    from ._style import check_figure_path

    e = _energies_from({"classes": classes, "energies": energies})
    given = {
        k: v
        for k, v in (("mean_energy", mean_energy), ("beta", beta), ("temperature", temperature))
        if v is not None
    }
    if len(given) > 1:
        raise click.UsageError("give only one of --mean-energy, --beta, --temperature")
    if csv_path:
        output_path(csv_path, (".csv",), "csv")
    if plot:
        check_figure_path(plot)
    if samples != "auto":
        samples = _parse_samples(samples)
    seed = _fresh_seed(seed)
    with _Progress(not as_json, "converge") as bar:
        study = run(
            e,
            n_spec,
            seeds=seeds,
            samples=samples,
            method=method,
            seed=seed,
            threads=threads,
            energy_quantum=energy_quantum,
            progress=bar.callback,
            **given,
        )
    if csv_path:
        import csv

        rows = study.rows()
        with open(csv_path, "w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    if plot:
        from ._plots import convergence_figure

        convergence_figure(study, plot)
    if as_json:
        from ._format import to_json

        click.echo(to_json(study.to_dict()))
        return 0
    console = _console()
    console.print(
        f"K = {e.size} classes, energies {np.array2string(e, threshold=8)}; "
        f"{study.seeds} seeds per N; seed {study.seed}; method {study.method}"
    )
    rows = []
    for i, n in enumerate(study.n_values):
        rows.append(
            [
                int(n),
                int(study.samples[i]),
                study.tv_optimum[i],
                study.tv_mode[i],
                study.tv_exact_mean[i],
                study.tv_pooled_mean[i],
                study.tv_floor[i],
                float(np.mean(study.tv_single_draw[i])),
                float(np.nanmean(study.fitted_beta[i])),
                study.beta[i],
            ]
        )
    print_table(
        console,
        "Total-variation distance to Boltzmann",
        [
            "N",
            "draws/run",
            "optimum",
            "mode",
            "exact mean",
            "sampled mean",
            "floor",
            "single draw",
            "fitted beta",
            "beta",
        ],
        rows,
        digits=3,
    )
    srows = [[k, v["slope"], v["stderr"], v["points"]] for k, v in study.slopes.items()]
    print_table(
        console,
        "Fitted log-log slopes (expected -1, -1, -1, -1, -1/2)",
        ["curve", "slope", "stderr", "points"],
        srows,
        digits=4,
    )
    console.print(
        f"{study.seconds:.3g} s; sampled-mean points within 3x of their sampling "
        "floor are left out of its slope"
    )
    if csv_path:
        console.print(f"rows written to {csv_path}")
    if plot:
        console.print(f"figure written to {plot}")
    return 0


def _parse_samples(text: str) -> int:
    try:
        return as_count(text, "samples")
    except ValidationError as exc:
        raise click.BadParameter(exc.message, param_hint="'--samples'") from None


@cli.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    default="lecture",
    show_default=True,
    help="Output directory.",
)
@click.option(
    "--only",
    default=None,
    help="Comma-separated figure names (default: all). Names: softmax-vs-ratio, "
    "temperature, counting-simplex, entropy-concentration, relaxation, gradients, "
    "beta-vs-energy, softmax-in-the-wild.",
)
@click.option(
    "--format",
    "formats",
    default="png,pdf",
    show_default=True,
    help="Comma-separated formats: png, pdf, svg.",
)
@click.option(
    "--logits",
    type=_FloatList(),
    default=None,
    help="Logits for softmax-vs-ratio, temperature and gradients (e.g. 1,2,3).",
)
@click.option(
    "--energies",
    type=_FloatList(),
    default=None,
    help="Energies for the simulation figures (three for counting-simplex).",
)
@click.option("--mean-energy", type=_Real(), default=None, help="Mean energy U/N.")
@click.option(
    "--n",
    "n",
    type=_Count(),
    default=None,
    help="Items N for entropy-concentration and relaxation.",
)
@click.option(
    "--seed",
    type=_Count(minimum=0),
    default=2026,
    show_default=True,
    help="Root seed of the sampled figures.",
)
def lecture(out, only, formats, logits, energies, mean_energy, n, seed):
    """Write the numbered lecture figures and an index of captions."""
    from ._lecture import lecture as run

    names = [x.strip() for x in only.split(",") if x.strip()] if only else None
    fmts = [x.strip() for x in formats.split(",") if x.strip()]
    written = run(
        out,
        only=names,
        formats=fmts,
        logits=logits,
        energies=energies,
        mean_energy=mean_energy,
        n=n,
        seed=seed,
    )
    for path in written:
        click.echo(str(path))
    return 0


# ---------------------------------------------------------------------------------------
# Sweeps.


class _SweepProgress:
    """Tasks done, failed and an ETA: a rich bar on a terminal, else JSON lines on stderr."""

    def __init__(self, json_lines: bool):
        self.bar = None if json_lines or not sys.stderr.isatty() else self._make_bar()
        self.handle = None

    @staticmethod
    def _make_bar():
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        return Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            "failed {task.fields[failed]}",
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )

    def __enter__(self):
        if self.bar is not None:
            self.bar.__enter__()
        return self

    def __call__(self, info: dict) -> None:
        if self.bar is None:
            if info["event"] == "task":
                import json

                click.echo(json.dumps(info), err=True)
        elif self.handle is None:  # the start: tasks already done are not counted as speed
            self.handle = self.bar.add_task(
                "sweep", total=info["total"], completed=info["done"], failed=0
            )
        else:
            self.bar.update(self.handle, completed=info["done"], failed=info["failed"])

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)
        return False


@cli.command()
@click.argument("study_file", metavar="STUDY.toml", type=click.Path(dir_okay=False))
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    default=None,
    help="Results directory. [default: sweep-NAME, NAME from the study file]",
)
@click.option(
    "--resume",
    is_flag=True,
    help="Continue the results directory of the same study file: run only what is missing.",
)
@click.option(
    "--scheduler",
    default=None,
    help="Dask scheduler address (tcp://HOST:8786), or 'local' for a LocalCluster on "
    "127.0.0.1; needs maxent[dask]. [default: processes on this machine]",
)
@click.option(
    "--workers",
    type=_Count(),
    default=None,
    help="Worker processes of the local backend or the LocalCluster. [default: all cores]",
)
@click.option(
    "--retries",
    type=_Count(minimum=0),
    default="2",
    show_default=True,
    help="Re-runs of a failing task before it is recorded with status 'failed'.",
)
@click.option(
    "--dry-run", is_flag=True, help="Print the task count and a cost estimate; run nothing."
)
@click.option(
    "--json",
    "--json-progress",
    "json_progress",
    is_flag=True,
    help="One JSON line per finished task on stderr (the default when not on a terminal).",
)
def sweep(study_file, out, resume, scheduler, workers, retries, dry_run, json_progress):
    """Run a parameter sweep from a study file, on this machine's cores or a Dask cluster.

    Every finished task is saved at once under OUT/tasks/; after a crash or Ctrl-C,
    --resume runs only what is missing. The table is OUT/results.parquet. Exit code 1
    when some task failed after its retries (the table records it).
    """
    import os
    from pathlib import Path

    from ._sweep import load_study, run_sweep

    study = load_study(study_file)
    out = out or f"sweep-{study.name}"
    if dry_run:
        est = study.estimate(workers)
        click.echo(f"{est['tasks']} tasks, {est['draws']} draws in all ({study.samples} a task)")
        click.echo(
            f"estimated cost: {est['core_seconds']:.3g} core-seconds, about "
            f"{est['wall_seconds']:.3g} s of wall time on {est['workers']} worker processes "
            "(a rough estimate from per-task costs measured on one machine)"
        )
        if est["failing"]:
            click.echo(
                f"{est['failing']} tasks have an invalid problem and will fail, e.g. "
                f"{est['first_error']}"
            )
        return 0
    try:
        with _SweepProgress(json_progress) as bar:
            rep = run_sweep(
                study,
                out,
                resume=resume,
                scheduler=scheduler,
                workers=workers,
                retries=retries,
                progress=bar,
            )
    except KeyboardInterrupt:
        done = len(list((Path(out) / "tasks").glob("task-*.json")))
        click.echo(
            f"maxent: interrupted; {done} finished tasks are saved in {out}; "
            f"continue with: maxent sweep {study_file} --out {out} --resume",
            err=True,
        )
        return 130
    if rep.ran == 0:
        click.echo(f"nothing to run: all {rep.tasks} tasks of {out} are done")
    else:
        rate = rep.ran / rep.seconds if rep.seconds > 0 else math.inf
        click.echo(
            f"{rep.ran} tasks run ({rep.skipped} done before, {rep.failed} failed) in "
            f"{rep.seconds:.3g} s, {rate:.3g} tasks/s on {rep.backend}"
        )
    click.echo(f"table: {rep.table}; provenance: {os.path.join(out, 'provenance.json')}")
    if rep.failed:
        click.echo(
            f"maxent: {rep.failed} tasks failed after {retries + 1} attempts; their errors "
            "are in the table (status = failed)",
            err=True,
        )
        return 1
    return 0


@cli.command("plot-sweep")
@click.argument("results", metavar="RESULTS", type=click.Path())
@click.option("--x", "x", default="n", show_default=True, help="Column on the x axis.")
@click.option(
    "--y", "y", default="tv_sampled_mean", show_default=True, help="Column on the y axis."
)
@click.option("--hue", default=None, help="Column whose values get one line (colour) each.")
@click.option(
    "--where",
    multiple=True,
    help="Keep only rows with COLUMN=VALUE (repeatable), e.g. --where classes=4.",
)
@click.option(
    "--plot",
    type=click.Path(dir_okay=False),
    required=True,
    help="Figure file (PNG, SVG or PDF by extension).",
)
def plot_sweep_command(results, x, y, hue, where, plot):
    """Plot a sweep's table: mean of Y over seeds against X, with standard errors.

    RESULTS is a results directory of maxent sweep or its results.parquet. Axes are
    logarithmic where the values are positive and span more than two decades.
    """
    import matplotlib.pyplot as plt

    from ._style import check_figure_path, lecture_style, save_figure
    from ._sweep import plot_sweep, read_results

    check_figure_path(plot)
    filters = {}
    for item in where:
        if "=" not in item:
            raise click.BadParameter(f"write COLUMN=VALUE (got {item!r})", param_hint="'--where'")
        key, value = item.split("=", 1)
        filters[key.strip()] = value.strip()
    columns = read_results(results)
    with lecture_style():
        fig, ax = plt.subplots(figsize=(10, 6.5), layout="constrained")
        try:
            plot_sweep(columns, x, y, hue, filters, ax=ax)
            save_figure(fig, plot)
        finally:
            plt.close(fig)
    click.echo(f"figure written to {plot}")
    return 0


from ._cli_calibrate import calibrate_command  # noqa: E402

cli.add_command(calibrate_command)

if __name__ == "__main__":
    main()
