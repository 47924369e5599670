"""``maxent optimize``: the exact and Stirling optima of ln W, and the integer mode."""

from __future__ import annotations

import click

from maxent.cli.app import cli
from maxent.cli.options import build_problem, problem_options
from maxent.cli.render import console, header, limit_name, plural, print_notes


@cli.command()
@problem_options
@click.option(
    "--method",
    type=click.Choice(["dual", "slsqp", "trust-constr"]),
    default="dual",
    show_default=True,
    help="Optimiser: Lagrange-multiplier Newton, or scipy's primal solvers.",
)
def optimize(as_json: bool, method: str, **kw) -> int:
    """Maximise ln W: exact (log-gamma) and Stirling optima, and the integer mode."""
    from maxent._optimize.summary import optimize as run
    from maxent._util.format import fmt, print_table, to_json

    notes: list[str] = []
    problem = build_problem(kw, notes)
    summary = run(problem, method=method)
    if as_json:
        print_notes(notes)
        click.echo(to_json(summary.to_dict()))
        return _verdict(summary)
    out = console()
    header(out, problem, notes)
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
        out,
        "Allocations",
        [
            "class",
            "energy",
            limit_name(problem),
            "exact n*/N",
            "Stirling n/N",
            "mode n (int)",
            "exact n*",
        ],
        rows,
        digits=8,
    )
    values = summary.log_counts()
    top = values[0][1] if ex is not None else max(v[1] for v in values)
    print_table(
        out,
        "ln W at each allocation: exact (log-gamma) and its Stirling form",
        ["", "exact ln W", "below the exact optimum", "Stirling ln W"],
        [[name, lw, top - lw, sw] for name, lw, sw in values],
        digits=10,
    )
    names = ["alpha", "beta", *[f"lambda[{c.name}]" for c in problem.constraints]]
    rows = []
    for label, res in (("exact optimum", ex), ("Stirling optimum", st)):
        if res is not None:
            rows.append([label, res.alpha, res.beta, *res.lambdas, res.kkt_residual])
    rule = "alpha + beta E_k" + (" + sum lambda f(k)" if problem.constraints else "")
    print_table(
        out,
        f"Lagrange multipliers: at the optimum d ln w_k/dn_k = {rule}",
        ["", *names, "KKT residual"],
        rows,
        digits=10,
    )
    checks = [
        (label, res.residuals)
        for label, res in (("exact optimum", ex), ("Stirling optimum", st), ("integer mode", mo))
        if res is not None and res.get("residuals") is not None
    ]
    extra = [f"{c.name} (quanta)" for c in problem.constraints]
    print_table(
        out,
        "Post-conditions: what each answer promises, measured (docs: Results that check "
        "themselves)",
        ["", "count (items)", "energy (quanta)", *extra, "bounds (items)", "ln W", "holds"],
        [
            [
                label,
                r.count,
                r.energy,
                *r.constraints,
                r.bounds,
                "-" if r.log_count is None else r.log_count,
                "yes" if r.ok else "NO",
            ]
            for label, r in checks
        ],
        digits=3,
    )
    if ex is None:
        out.print(f"exact optimum: not computed ({summary.exact_message})")
    else:
        out.print(f"exact optimum: {ex.message} after {plural(ex.nit, 'Newton step')}")
    out.print(f"Stirling optimum: {st.message}")
    if has_mode:
        ties = "" if mo.ties <= 1 else f"; {mo.ties} allocations share the maximum"
        if mo.ties == -1:
            ties = "; every allocation ties"
        gap = mo.get("gap", 0.0)
        if not mo.certified and gap == gap and gap > 0 and "within" not in mo.message:
            ties += f"; within {gap:.2g} of the maximum ln W (dual bound)"
        out.print(f"integer mode: {mo.message}, {plural(mo.nodes, 'search node')}{ties}")
    else:
        why = summary.mode_message or (mo.message if mo is not None else "")
        out.print(f"integer mode: not found ({why})")
    return _verdict(summary)


def _verdict(summary) -> int:
    from maxent.cli.render import verdict

    return verdict(summary.failures)
