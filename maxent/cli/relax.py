"""``maxent relax``: item-level dynamics relaxing to equilibrium."""

from __future__ import annotations

import click

from maxent.cli.app import cli
from maxent.cli.options import SAVE, SEED, build_problem, fresh_seed, problem_options
from maxent.cli.render import Progress, compile_notice, console, header
from maxent.cli.types import Count


@cli.command()
@problem_options
@click.option(
    "--sweeps",
    type=Count(),
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
    type=Count(),
    default="1",
    show_default=True,
    help="Occupations recorded per sweep.",
)
@SEED
@SAVE
def relax(as_json, sweeps, start, records_per_sweep, seed, save, **kw) -> int:
    """Item-level dynamics: energy-conserving pair exchanges relaxing to Boltzmann."""
    import numpy as np

    from maxent._model.defaults import DEFAULT_CLASSES
    from maxent._model.problem import default_energies
    from maxent._sampling.dynamics import relax as run
    from maxent._util.errors import ValidationError
    from maxent._util.format import print_table
    from maxent._util.io import check_save_path, save_draws

    notes: list[str] = []
    given = ("mean_energy", "total_energy", "beta", "temperature")
    if start.startswith("class:") and not any(kw.get(k) is not None for k in given):
        # "every item in class K" fixes the energy; use it unless one was given
        e = kw["energies"]
        if e is None:
            e = default_energies(kw["classes"] or DEFAULT_CLASSES)
        try:
            kw["mean_energy"] = float(e[int(start.split(":", 1)[1])])
        except (ValueError, IndexError):
            raise ValidationError("start", f"class:K needs K in 0..{len(e) - 1}") from None
    problem = build_problem(kw, notes)
    if save:
        check_save_path(save)
    seed = fresh_seed(seed)
    compile_notice()
    with Progress("relaxing", enabled=not as_json) as bar:
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
        from maxent._util.format import to_json

        out = problem.to_dict()
        out["relax"] = res.to_dict()
        click.echo(to_json(out))
        return _verdict(res)
    out = console()
    header(out, problem, notes)
    idx = np.unique(np.r_[0, np.geomspace(1, res.sweeps.size - 1, 12).astype(int)])
    shown = min(problem.classes, 6)
    rows = [
        [res.sweeps[i], res.entropy[i], res.tv_distance[i], *res.fractions[i, :shown]] for i in idx
    ]
    cols = ["sweep", "entropy H(n/N)", "TV to Boltzmann", *[f"n{k}/N" for k in range(shown)]]
    print_table(out, f"Relaxation from '{res.start}'", cols, rows, digits=5)
    out.print(
        f"entropy rises from {res.entropy[0]:.5g} to {res.entropy[-1]:.5g}; its maximum "
        f"(Boltzmann) is {res.entropy_max:.5g} nats; {res.moves_per_second:.3g} moves/s; "
        f"seed {res.seed}"
    )
    return _verdict(res)


def _verdict(res) -> int:
    from maxent.cli.render import verdict

    return verdict([] if res.success else [f"relaxation: {res.residuals.note}"])
