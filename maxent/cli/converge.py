"""``maxent converge``: distances to the large-N law as N grows, and fitted slopes."""

from __future__ import annotations

import click

from maxent.cli.app import cli
from maxent.cli.options import METHOD, SEED, THREADS, fresh_seed, pop_problem_options
from maxent.cli.options import problem_options as _problem_options
from maxent.cli.render import Progress, compile_notice, console, print_notes
from maxent.cli.types import Count, Real


@cli.command()
@_problem_options(n_default=None)
@click.option(
    "--n",
    "n_spec",
    default="10,100,1e3,1e4,1e5,1e6",
    show_default=True,
    help="N values: a list (10,100,1e3) or a log-spaced range LO:HI:COUNT (10:1e6:6).",
)
@click.option(
    "--seeds", type=Count(), default="5", show_default=True, help="Independent runs per N."
)
@click.option(
    "--samples",
    "-m",
    default="auto",
    show_default=True,
    help="Draws per run; auto = clip(20 N, 2000, 1e7).",
)
@click.option(
    "--target-stderr",
    type=Real(),
    default=None,
    help="Add seeds (doubling) until the fitted slope of each sampled curve (sampled mean, "
    "single draw) has a standard error at most this; the runs made are kept.",
)
@click.option(
    "--max-seeds",
    type=Count(),
    default=None,
    help="Cap on the seeds per N with --target-stderr. [default: 64, or --seeds if larger]",
)
@METHOD
@SEED
@THREADS
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
    as_json,
    n_spec,
    seeds,
    samples,
    target_stderr,
    max_seeds,
    method,
    seed,
    threads,
    csv_path,
    plot,
    **kw,
) -> int:
    """Convergence study over N: distances to the large-N law and fitted slopes.

    The mean energy U/N stays fixed as N grows (give --mean-energy, --beta or
    --temperature; --total-energy would change the mean with N). With --target-stderr
    the seeds double until the sampled curves' slopes are that precise (or --max-seeds).
    """
    import numpy as np

    from maxent._compare.converge import converge as run
    from maxent._plotting.style import check_figure_path
    from maxent._util.errors import ValidationError
    from maxent._util.format import print_table, to_json
    from maxent._util.validate import as_count, output_path

    args = pop_problem_options(kw)
    if args.pop("total_energy", None) is not None:
        raise ValidationError(
            "total_energy",
            "a convergence study keeps U/N fixed as N grows: give --mean-energy instead",
        )
    if csv_path:
        output_path(csv_path, (".csv",), "csv")
    if plot:
        check_figure_path(plot)
    if samples != "auto":
        samples = as_count(samples, "samples")
    seed = fresh_seed(seed)
    energies = args.pop("energies")
    compile_notice()
    with Progress("converge", enabled=not as_json) as bar:
        study = run(
            energies,
            n_spec,
            seeds=seeds,
            samples=samples,
            method=method,
            seed=seed,
            threads=threads,
            target_stderr=target_stderr,
            max_seeds=max_seeds,
            progress=bar.callback,
            **args,
        )
    if csv_path:
        import csv

        rows = study.rows()
        with open(csv_path, "w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    if plot:
        from maxent._plotting.plots import convergence_figure

        convergence_figure(study, plot)
    if as_json:
        print_notes(study.notes)
        click.echo(to_json(study.to_dict()))
        return 0
    out = console()
    print_notes(study.notes)
    e = study.energies
    shown = ", ".join(f"{x:g}" for x in e[:6]) + (", ..." if e.size > 6 else "")
    out.print(
        f"K = {e.size} classes, energies {shown}; {study.seeds} seeds per N; "
        f"seed {study.seed}; method {study.method}"
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
                float(study.mean_fitted_beta[i]),
                study.beta[i],
            ]
        )
    print_table(
        out,
        "Total-variation distance to the large-N law",
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
    srows, missing = [], {}  # an undefined slope or stderr shows "-", and why below
    for curve, fit in study.slopes.items():
        row = [curve]
        for key in ("slope", "stderr"):
            why = study.reasons.get(f"slopes.{curve}.{key}")
            row.append("-" if why else fit[key])
            if why:
                missing.setdefault(why, {}).setdefault(curve, []).append(key)
        srows.append([*row, fit["points"]])
    print_table(
        out,
        "Fitted log-log slopes (expected -1, -1, -1, -1, -1/2)",
        ["curve", "slope", "stderr", "points"],
        srows,
        digits=4,
    )
    for why, curves in missing.items():
        by_keys: dict[tuple, list[str]] = {}
        for curve, keys in curves.items():
            by_keys.setdefault(tuple(keys), []).append(curve)
        what = "; ".join(f"{' or '.join(k)} for {', '.join(c)}" for k, c in by_keys.items())
        out.print(f"no {what}: {why}")
    prec = study.precision
    if prec:
        errs = ", ".join(f"{k} {v:.3g}" for k, v in prec["rounds"][-1]["stderr"].items())
        seen = " -> ".join(str(r["seeds"]) for r in prec["rounds"])
        verdict = "reached" if prec["reached"] else "NOT reached (see the note)"
        out.print(
            f"target slope stderr {prec['target_stderr']:g}: {verdict} with {prec['seeds']} "
            f"seeds per N ({seen}); stderr {errs}"
        )
    out.print(
        f"{study.seconds:.3g} s; sampled-mean points within 3x of their sampling "
        "floor are left out of its slope"
    )
    if csv_path:
        out.print(f"rows written to {csv_path}")
    if plot:
        out.print(f"figure written to {plot}")
    return 0
