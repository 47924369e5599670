"""``maxent test``: the exact conditional goodness-of-fit test of observed counts."""

from __future__ import annotations

import click

from maxent.cli.app import cli
from maxent.cli.options import SEED, THREADS, fresh_seed, pop_problem_options, problem_options
from maxent.cli.render import Progress, compile_notice, console, limit_name, plural
from maxent.cli.types import Count, FloatList, Real


@cli.command(name="test")  # (the function is not named test*: pytest would collect it)
@click.option(
    "--counts",
    type=FloatList(),
    required=True,
    help="Observed items per class, comma-separated (9,1,1,5) or @FILE; N, U and the "
    "extra moments are read from them.",
)
@problem_options(from_counts=True)
@click.option(
    "--method",
    type=click.Choice(["auto", "enumerate", "monte-carlo"]),
    default="auto",
    show_default=True,
    help="Exact enumeration of the lattice, or Monte Carlo with the exact sampler; auto "
    "enumerates lattices of up to a million allocations.",
)
@click.option(
    "--draws",
    type=Count(),
    default="10000",
    show_default=True,
    help="Monte Carlo draws (10000 bounds the standard error by 0.005).",
)
@click.option(
    "--level",
    type=Real(),
    default="0.05",
    show_default=True,
    help="Significance level of the verdicts.",
)
@SEED
@THREADS
def goodness_of_fit(counts, as_json, method, draws, level, seed, threads, **kw) -> int:
    """Test whether counts are a typical allocation at their own N and U.

    The p-value is P(W(n') <= W(n)) for n' drawn with probability W(n') from every
    allocation with the observed N, U (and extra moments): exact by enumeration, or
    Monte Carlo with its error. Beside it, Pearson's chi-square test against the
    Boltzmann law and the likelihood-ratio statistic 2 (ln W_max - ln W(n)).
    """
    from maxent._compare.gof import exact_test

    if kw["classes"] is None and kw["energies"] is None:
        kw["classes"] = max(2, int(counts.size))  # energies 0, 1, ..., K-1
    args = pop_problem_options(kw)
    args.pop("energy_tolerance", None)
    seed = fresh_seed(seed) if method != "enumerate" else None
    compile_notice()
    with Progress("drawing", enabled=not as_json) as bar:
        res = exact_test(
            counts,
            args.pop("energies"),
            method=method,
            draws=draws,
            level=level,
            seed=seed,
            threads=threads,
            progress=bar.callback,
            **args,
        )
    if as_json:
        from maxent._util.format import to_json

        click.echo(to_json(res.to_dict()))
        return 0
    _render(res)
    return 0


def _render(res) -> None:
    from maxent._util.format import fmt, fmt_pm, print_table

    out = console()
    p = res.problem
    out.print(
        f"K = {p.classes} classes, N = {p.n} items, U = {p.total_energy:.10g} "
        f"(mean energy {p.mean_energy:.10g}), read from the counts"
    )
    extras = [f"{p.statistics} counting"] if p.statistics != "boltzmann" else []
    extras += [f"mean of {c.name} = {c.mean:.6g}" for c in p.constraints]
    if extras:
        out.print("; ".join(extras))
    rows = [[str(k), p.energies[k], int(res.counts[k]), res.expected[k]] for k in range(p.classes)]
    law = limit_name(p).removesuffix(" p")
    print_table(
        out,
        "Observed counts and the large-N law at the observed mean",
        ["class", "energy", "observed n", f"{law} N p"],
        rows,
        digits=6,
    )
    if res.method == "enumerate":
        pv = fmt(res.p_value, 4)
        how = f"exact conditional, by enumeration ({plural(res.lattice_size, 'allocation')})"
    else:
        pv = fmt_pm(res.p_value, res.stderr)
        how = f"exact conditional, by Monte Carlo ({res.draws} draws)"
    if res.dof > 0:
        g = fmt(res.lr_statistic, 5)
        if res.lr_statistic_upper > res.lr_statistic:
            g += f" to {fmt(res.lr_statistic_upper, 5)}"
        lr_p = fmt(res.lr_p_value, 4)
        if res.lr_p_value_lower is not None and res.lr_p_value_lower < res.lr_p_value:
            lr_p = f"{fmt(res.lr_p_value_lower, 4)} to {lr_p}"
        dof, chi_p = str(res.dof), fmt(res.chi2_p_value, 4)
    else:
        g, dof, lr_p, chi_p = fmt(res.lr_statistic, 5), "0", "-", "-"
    print_table(
        out,
        f"Tests of the equal-assignment law at N = {p.n}, U = {p.total_energy:.10g}",
        ["", "statistic", "dof", "p-value"],
        [
            [how, "P(W(n') <= W(n_obs))", "-", pv],
            ["likelihood ratio, chi-square limit", f"G = {g}", dof, lr_p],
            [
                f"Pearson chi-square against {law}",
                f"X^2 = {fmt(res.chi2_statistic, 5)}",
                dof,
                chi_p,
            ],
        ],
    )
    out.print(
        f"G = 2 (ln W_max - ln W_obs), ln W_obs = {fmt(res.log_count, 8)}; Pearson's test "
        f"takes the {law} law at beta = {p.beta:.6g} and ignores that N and U are fixed"
    )
    if res.method == "enumerate":
        out.print(f"ties: P(W(n') = W(n_obs)) = {fmt(res.tie_probability, 4)}, counted in p")
    else:
        lo, hi = res.interval
        out.print(f"method: {res.reason}")
        out.print(
            f"Monte Carlo: p = (1 + {res.hits}) / (1 + {res.draws}), standard error "
            f"{fmt(res.stderr, 2)}; {100 * res.confidence:g}% interval for the exact p "
            f"[{fmt(lo, 4)}, {fmt(hi, 4)}]; seed {res.seed}"
        )
    out.print(f"verdict: {res.verdict}")
    for note in res.notes:
        out.print(f"note: {note}")
