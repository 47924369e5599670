"""``maxent sample``: draws of constrained allocations."""

from __future__ import annotations

import click

from maxent.cli.app import cli
from maxent.cli.options import (
    METHOD,
    SAVE,
    SEED,
    THREADS,
    build_problem,
    fresh_seed,
    problem_options,
)
from maxent.cli.render import (
    Progress,
    compile_notice,
    console,
    header,
    print_notes,
    sampler_lines,
    sampler_table,
    save_sample,
    verdict,
)
from maxent.cli.types import Count


@cli.command()
@problem_options
@click.option(
    "--samples",
    "-m",
    type=Count(),
    default="1000",
    show_default=True,
    help="Number of draws M.",
)
@METHOD
@SEED
@THREADS
@SAVE
def sample(as_json, samples, method, seed, threads, save, **kw) -> int:
    """Draw allocations with probability proportional to W(n) = N!/prod n_k!."""
    from maxent._sampling.api import sample as run
    from maxent._util.io import check_save_path

    notes: list[str] = []
    problem = build_problem(kw, notes)
    if save:
        check_save_path(save)
    seed = fresh_seed(seed)
    compile_notice()
    with Progress("sampling", enabled=not as_json) as bar:
        try:
            res = run(problem, samples, method, seed=seed, threads=threads, progress=bar.callback)
        except KeyboardInterrupt as exc:  # Ctrl-C: keep and report the finished draws
            res = getattr(exc, "partial", None)
            if res is None:
                raise
    if res.interrupted and res.samples == 0:
        click.echo("maxent: interrupted before the first draw was finished", err=True)
        return 130
    if save:
        save_sample(save, res)
    if as_json:
        from maxent._util.format import to_json

        print_notes(notes)
        out = problem.to_dict()
        out["sampler"] = res.to_dict()
        click.echo(to_json(out))
    else:
        out = console()
        header(out, problem, notes)
        sampler_table(out, problem, res)
        sampler_lines(out, res)
        if save:
            out.print(f"saved {res.samples} draws to {save}")
    if res.interrupted:
        kept = f" (saved to {save})" if save else ""
        click.echo(f"maxent: interrupted after {res.samples} draws{kept}", err=True)
        return 130
    return verdict([] if res.success else [f"draws: {res.message}"])
