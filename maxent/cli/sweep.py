"""``maxent sweep`` and ``maxent plot-sweep``: parameter studies and their figures."""

from __future__ import annotations

import math

import click

from maxent.cli.app import cli
from maxent.cli.render import Progress, print_notes
from maxent.cli.types import Count


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
    help="Continue a results directory: reuse every finished task with the same parameters "
    "and settings (the grid may have grown or been reordered), run the rest.",
)
@click.option(
    "--scheduler",
    default=None,
    help="Dask scheduler address (tcp://HOST:8786), or 'local' for a LocalCluster on "
    "127.0.0.1; needs maxent[dask]. [default: processes on this machine]",
)
@click.option(
    "--workers",
    type=Count(),
    default=None,
    help="Worker processes of the local backend or the LocalCluster. [default: all cores]",
)
@click.option(
    "--retries",
    type=Count(minimum=0),
    default="2",
    show_default=True,
    help="Re-runs of a failing task before it is recorded with status 'failed'.",
)
@click.option(
    "--performance-report",
    is_flag=True,
    help="With --scheduler: write Dask's performance report to "
    "OUT/dask-performance-report.html (needs bokeh).",
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
def sweep(
    study_file,
    out,
    resume,
    scheduler,
    workers,
    retries,
    performance_report,
    dry_run,
    json_progress,
) -> int:
    """Run a parameter sweep from a study file, on this machine's cores or a Dask cluster.

    Every finished task is saved at once under OUT/tasks/, named by its parameters;
    after a crash or Ctrl-C, or after the grid grew, --resume runs only what is missing.
    The table is OUT/results.parquet. Exit code 1 when some task failed after its
    retries (the table records it).
    """
    import os

    from maxent._sweep.run import run_sweep
    from maxent._sweep.store import task_files
    from maxent._sweep.study import load_study

    study = load_study(study_file)
    out = out or f"sweep-{study.name}"
    if dry_run:
        est = study.estimate(workers)
        click.echo(f"{est.tasks} tasks, {est.draws} draws in all ({study.samples} a task)")
        click.echo(
            f"estimated cost: {est.core_seconds:.3g} core-seconds, about "
            f"{est.wall_seconds:.3g} s of wall time on {est.workers} worker processes "
            "(a rough estimate from per-task costs measured on one machine)"
        )
        if est.failing:
            click.echo(
                f"{est.failing} tasks have an invalid problem and will fail, e.g. {est.first_error}"
            )
        if study.target_stderr is not None:
            most = len(study.tasks) // study.seeds * study.max_seeds
            click.echo(
                f"target slope stderr {study.target_stderr:g}: the seeds of each problem may "
                f"double up to {study.max_seeds}, so up to {most} tasks (the estimate above "
                "is of the first round)"
            )
        return 0
    try:
        with Progress("sweep", json_lines=True if json_progress else None, failed=True) as bar:
            rep = run_sweep(
                study,
                out,
                resume=resume,
                scheduler=scheduler,
                workers=workers,
                retries=retries,
                performance_report=performance_report,
                progress=bar,
            )
    except KeyboardInterrupt:
        done = len(task_files(out))
        click.echo(
            f"maxent: interrupted; {done} finished tasks are saved in {out}; "
            f"continue with: maxent sweep {study_file} --out {out} --resume",
            err=True,
        )
        return 130
    if rep.ran == 0:
        click.echo(f"nothing to run: all {rep.tasks} tasks of {out} are done ({rep.reused} reused)")
    else:
        rate = rep.ran / rep.seconds if rep.seconds > 0 else math.inf
        click.echo(
            f"{rep.ran} tasks run ({rep.reused} reused, {rep.failed} failed) in "
            f"{rep.seconds:.3g} s, {rate:.3g} tasks/s on {rep.backend}"
        )
    if rep.unused:
        click.echo(
            f"note: {rep.unused} finished tasks in {out} are not in this study: their files "
            "stay in tasks/, the table leaves them out",
            err=True,
        )
    if rep.precision:
        _precision_lines(rep.precision, study)
    click.echo(f"table: {rep.table}; provenance: {os.path.join(out, 'provenance.json')}")
    if rep.performance_report is not None:
        click.echo(f"Dask performance report: {rep.performance_report}")
    if rep.failed:
        click.echo(
            f"maxent: {rep.failed} tasks failed after {retries + 1} attempts; their errors "
            "are in the table (status = failed)",
            err=True,
        )
        return 1
    return 0


def _precision_lines(groups: list[dict], study) -> None:
    """What adaptive precision reached, per group of tasks (one problem over its N)."""
    reached = sum(g["reached"] for g in groups)
    seeds = sorted({g["seeds"] for g in groups})
    span = str(seeds[0]) if len(seeds) == 1 else f"{seeds[0]} to {seeds[-1]}"
    click.echo(
        f"target slope stderr {study.target_stderr:g}: reached by {reached} of "
        f"{len(groups)} problems, with {span} seeds each (cap {study.max_seeds})"
    )
    for g in groups:
        if g["reached"]:
            continue
        what = ", ".join(
            f"{k} = {v}"
            for k, v in g["parameters"].items()
            if not (isinstance(v, list) and len(v) > 6)
        )
        errs = ", ".join(
            f"{c} {'n/a (fewer than 3 usable N)' if v is None else format(v, '.3g')}"
            for c, v in g["stderr"].items()
        )
        click.echo(f"  not reached with {g['seeds']} seeds: {what}: {errs}")


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
    "--logx/--linear-x",
    default=None,
    help="Logarithmic (or linear) x axis. [default: log for n, and for positive values "
    "spanning more than a decade]",
)
@click.option(
    "--logy/--linear-y",
    default=None,
    help="Logarithmic (or linear) y axis. [default: log for positive values spanning more "
    "than a decade]",
)
@click.option("--title", default=None, help="Figure title. [default: the Y column in words]")
@click.option(
    "--plot",
    type=click.Path(dir_okay=False),
    required=True,
    help="Figure file (PNG, SVG or PDF by extension).",
)
def plot_sweep_command(results, x, y, hue, where, logx, logy, title, plot) -> int:
    """Plot a sweep's table: mean of Y over seeds against X, with standard errors.

    RESULTS is a results directory of maxent sweep or its results.parquet. Known columns
    get readable labels; axes are logarithmic for n and where the values are positive and
    span more than a decade (--logx/--linear-x and --logy/--linear-y decide).
    """
    import matplotlib.pyplot as plt

    from maxent._plotting.style import check_figure_path, lecture_style, save_figure
    from maxent._plotting.sweep import plot_sweep
    from maxent._sweep.store import read_results

    check_figure_path(plot)
    filters = {}
    for item in where:
        if "=" not in item:
            raise click.BadParameter(f"write COLUMN=VALUE (got {item!r})", param_hint="'--where'")
        key, value = item.split("=", 1)
        filters[key.strip()] = value.strip()
    columns = read_results(results)
    notes: list[str] = []
    with lecture_style():
        fig, ax = plt.subplots(figsize=(10, 6.5), layout="constrained")
        try:
            plot_sweep(
                columns, x, y, hue, filters, ax=ax, logx=logx, logy=logy, title=title, notes=notes
            )
            save_figure(fig, plot)
        finally:
            plt.close(fig)
    print_notes(notes)
    click.echo(f"figure written to {plot}")
    return 0
