"""``maxent simulate``: sampling and optimisation side by side, against Boltzmann."""

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
    limit_name,
    print_notes,
    sampler_lines,
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
    default="10000",
    show_default=True,
    help="Number of draws M.",
)
@METHOD
@SEED
@THREADS
@SAVE
@click.option(
    "--plot",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write a figure (occupations, finite-N corrections, entropy concentration); "
    "PNG, SVG or PDF by extension.",
)
def simulate(as_json, samples, method, seed, threads, save, plot, **kw) -> int:
    """Sample and optimise side by side, and measure both against Boltzmann."""
    from maxent._compare.compare import compare
    from maxent._plotting.style import check_figure_path
    from maxent._util.format import fmt, fmt_pm, print_table
    from maxent._util.io import check_save_path

    notes: list[str] = []
    problem = build_problem(kw, notes)
    if problem.levels is not None:
        problem.require_lattice("maxent simulate")
    if save:
        check_save_path(save)
    if plot:
        check_figure_path(plot)
    seed = fresh_seed(seed)
    if not as_json:
        click.echo(f"note: {samples} draws, seed {seed}", err=True)
    compile_notice()
    with Progress("sampling", enabled=not as_json) as bar:
        cmp = compare(problem, samples, method, seed=seed, threads=threads, progress=bar.callback)
    res = cmp.sample
    if save:
        save_sample(save, res)
    if plot:
        from maxent._plotting.plots import simulation_figure

        simulation_figure(cmp, plot)
    if as_json:
        from maxent._util.format import to_json

        print_notes(notes)
        click.echo(to_json(cmp.to_dict()))
        return verdict(cmp.failures)
    out = console()
    header(out, problem, notes)
    opt = cmp.optimum
    mode = opt.mode.fractions if opt.mode is not None and opt.mode.counts is not None else None
    rows = []
    for k in range(problem.classes):
        rows.append(
            [
                str(k),
                problem.energies[k],
                problem.limit_fractions[k],
                "-" if opt.exact is None else fmt(opt.exact.fractions[k], 7),
                "-" if mode is None else fmt(mode[k], 7),
                "-" if cmp.exact_mean is None else fmt(cmp.exact_mean[k], 7),
                res.mean_fractions[k],
                res.stderr[k],
            ]
        )
    print_table(
        out,
        "Occupation fractions n_k/N",
        [
            "class",
            "energy",
            limit_name(problem),
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
    drows = [[names[key], d.tv, d.kl, d.max_abs] for key, d in cmp.distances.items()]
    print_table(
        out,
        "Distance to the large-N limit" if not problem.plain else "Distance to Boltzmann",
        ["", "total variation", "KL", "max |diff|"],
        drows,
        digits=4,
    )
    fb = cmp.fitted_beta
    relation = "log n_k/N = c - beta E_k" if problem.plain else "large-N relation"
    if fb.note:  # no fit: say why instead of printing nan
        out.print(f"fitted beta ({relation}): none, {fb.note} (limit {problem.beta:.6g})")
    else:
        out.print(
            f"fitted beta ({relation}, weighted): {fmt_pm(fb.beta, fb.stderr)} (limit "
            f"{problem.beta:.6g}; fit chi2 {fb.chi2:.3g} on {fb.dof} dof)"
        )
    c = cmp.concentration
    q = c.quantiles
    crow = [["observed", *q["observed"]], [f"chi2({c.dof})", *q["chi2"]]]
    print_table(
        out,
        "Entropy concentration: quantiles of "
        + ("2N (H_max - H)" if problem.plain else "2 (ln W*_S - ln W_S)"),
        ["", *[f"{p:g}" for p in q["p"]]],
        crow,
        digits=4,
    )
    out.print(
        f"mean {c.mean:.4g} (chi2 mean {c.dof}"
        + (
            f", about {c.dof + c.finite_n_excess:.4g} at this N"
            if c.finite_n_excess >= 0.01
            else ""
        )
        + (
            f"); no Kolmogorov-Smirnov test: {c.note}"
            if c.note
            else f"); Kolmogorov-Smirnov statistic {c.ks_statistic:.3g}, p-value {c.ks_pvalue:.3g}"
        )
        + (
            f" (at {c.effective_draws:.4g} effective draws of {c.values.size}: MCMC draws "
            f"are correlated, tau = {c.tau:.3g})"
            if c.correlated
            else ""
        )
    )
    sampler_lines(out, res)
    for note in cmp.notes:
        out.print(f"note: {note}")
    if opt.exact is None:
        out.print(f"exact optimum: not computed ({opt.exact_message})")
    if cmp.exact_mean is None:
        out.print(f"exact mean: not available ({cmp.exact_mean_method})")
    if save:
        out.print(f"saved {res.samples} draws to {save}")
    if plot:
        out.print(f"figure written to {plot}")
    return verdict(cmp.failures)
