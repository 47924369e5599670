"""``maxent lecture``: the numbered lecture figures and their captions."""

from __future__ import annotations

import click

from maxent.cli.app import cli
from maxent.cli.options import problem_options
from maxent.cli.types import Count, FloatList, Seed


@cli.command()
@problem_options(n_default=None)
@click.option(
    "--n",
    "n",
    type=Count(),
    default=None,
    help="Items N for entropy-concentration and relaxation.",
)
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
    "beta-vs-energy, large-deviations, ensemble-equivalence, softmax-in-the-wild.",
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
    type=FloatList(),
    default=None,
    help="Logits for softmax-vs-ratio, temperature and gradients (e.g. 1,2,3).",
)
@click.option(
    "--seed",
    type=Seed(),
    default=2026,
    show_default=True,
    help="Root seed of the sampled figures.",
)
def lecture(as_json, out, only, formats, logits, seed, **kw) -> int:
    """Write the numbered lecture figures and an index of captions.

    The problem options (energies, N, the mean or temperature, degeneracies,
    statistics, constraints) go to the figures that simulate a problem
    (counting-simplex, entropy-concentration, relaxation); an option that none of the
    chosen figures takes is an error.
    """
    from maxent._plotting.lecture import lecture as run
    from maxent._util.validate import split_items
    from maxent.cli.render import Progress, compile_notice

    names = split_items(only, "only") if only else None
    fmts = split_items(formats, "format")
    given = {
        k: v
        for k, v in kw.items()
        if v is not None
        and not (k == "statistics" and v == "boltzmann")
        and not (k == "constraints" and not v)
    }
    if "classes" in given:
        from maxent._model.problem import default_energies

        if given.get("energies") is None:
            given["energies"] = default_energies(given["classes"])
        del given["classes"]
    if "constraints" in given:
        given["constraints"] = list(given["constraints"])
    compile_notice()
    with Progress("figures", enabled=not as_json) as bar:
        written = run(
            out,
            progress=bar.callback,
            only=names,
            formats=fmts,
            logits=logits,
            seed=seed,
            **given,
        )
    if as_json:
        from maxent._util.format import to_json

        click.echo(to_json({"written": [str(p) for p in written]}))
        return 0
    for path in written:
        click.echo(str(path))
    return 0
