"""``maxent lecture``: the numbered lecture figures and their captions."""

from __future__ import annotations

import click

from maxent.cli.app import cli
from maxent.cli.types import Count, FloatList, Real, Seed


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
    "--energies",
    type=FloatList(),
    default=None,
    help="Energies for the simulation figures (three for counting-simplex).",
)
@click.option("--mean-energy", type=Real(), default=None, help="Mean energy U/N.")
@click.option(
    "--n",
    "n",
    type=Count(),
    default=None,
    help="Items N for entropy-concentration and relaxation.",
)
@click.option(
    "--seed",
    type=Seed(),
    default=2026,
    show_default=True,
    help="Root seed of the sampled figures.",
)
def lecture(out, only, formats, logits, energies, mean_energy, n, seed) -> int:
    """Write the numbered lecture figures and an index of captions."""
    from maxent._kernels import _sample as kernels
    from maxent._plotting.lecture import lecture as run
    from maxent.cli.render import Progress, compile_notice

    names = [x.strip() for x in only.split(",") if x.strip()] if only else None
    fmts = [x.strip() for x in formats.split(",") if x.strip()]
    compile_notice(kernels.exact_rejection, kernels.run_chains)
    with Progress("figures") as bar:
        written = run(
            out,
            progress=bar.callback,
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
