"""``maxent explore``: one offline HTML page of exact laws with sliders, for a lecture."""

from __future__ import annotations

import click

from maxent.cli.app import cli
from maxent.cli.types import Count, Seed


@cli.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    default="lecture.html",
    show_default=True,
    help="The page to write (one self-contained HTML file).",
)
@click.option("--classes", "-k", type=Count(), default=None,
              help="Where the K slider starts (default 4).")  # fmt: skip
@click.option("--n", "n", type=Count(), default=None,
              help="Where the N sliders start, snapped to a stop (default 1000).")  # fmt: skip
@click.option("--temperature", "-T", type=float, default=None,
              help="Where the T sliders start, snapped to a stop. [default: 1]")  # fmt: skip
@click.option("--mean-energy", type=float, default=None,
              help="Or: the starting T is the one whose Boltzmann law on 0..K-1 has this "
              "mean energy.")  # fmt: skip
@click.option("--beta", type=float, default=None,
              help="Or: the starting T is 1/beta (beta > 0).")  # fmt: skip
@click.option(
    "--statistics",
    type=click.Choice(["boltzmann", "bose", "fermi"]),
    default="boltzmann",
    show_default=True,
    help="Where the statistics slider starts.",
)
@click.option("--n-max", type=Count(), default="10000", show_default=True,
              help="The largest N of the sliders (10 to 100000).")  # fmt: skip
@click.option("--classes-max", type=Count(), default="5", show_default=True,
              help="The largest K of the occupation panel (2 to 8).")  # fmt: skip
@click.option("--seed", type=Seed(), default=2026, show_default=True,
              help="Root seed of the exact draws on the simplex.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
def explore(
    out, classes, n, temperature, mean_energy, beta, statistics, n_max, classes_max, seed, as_json
) -> int:
    """Write the live lecture: exact laws at every slider stop, in one offline page."""
    from maxent._plotting.explore import explore as build
    from maxent._util.validate import output_path
    from maxent.cli.render import Progress

    output_path(out, (".html", ".htm"), "out")
    with Progress("computing stops", enabled=not as_json) as bar:
        page = build(
            out,
            classes=classes,
            n=n,
            temperature=temperature,
            mean_energy=mean_energy,
            beta=beta,
            statistics=statistics,
            n_max=n_max,
            classes_max=classes_max,
            seed=seed,
            progress=bar.callback,
        )
    if as_json:
        from maxent._util.format import to_json

        click.echo(to_json(page.to_dict()))
    else:
        click.echo(
            f"wrote {out}: {page.size / 1e6:.2f} MB ({page.gzip_size / 1e6:.2f} MB gzipped), "
            f"{page.stops} slider stops in {page.seconds:.2f} s; open it in a browser "
            "(it needs no network)"
        )
    return 0
