"""``maxent calibrate``: temperature scaling of a classifier's logits (thin click layer)."""

from __future__ import annotations

import click

from maxent.cli.app import cli
from maxent.cli.types import Count, Seed


def _metric_rows(pairs):
    names = [
        ("NLL", "nll"),
        ("Brier", "brier"),
        ("ECE", "ece"),
        ("ECE (equal mass)", "ece_adaptive"),
        ("accuracy", "accuracy"),
    ]
    return [[label, *[getattr(m, attr) for m in pairs]] for label, attr in names]


def _render(res, normalisation=None, demo=None) -> None:
    from maxent._util.format import print_table
    from maxent.cli.render import console as make_console

    console = make_console()
    if demo is not None:
        tr, ca, te = demo.sizes
        console.print(
            f"digits demo (seed {demo.seed}): MLP trained on {tr} digits, temperature fitted "
            f"on {ca}, scored on {te} test digits"
        )
    t = res.temperature
    console.print(f"T = {t:.8g}, beta = {res.beta:.8g}: {res.message}")
    console.print(
        f"moment-condition residual {res.residual:.2g}; fitted on {res.n_fit} rows, "
        f"K = {res.classes} classes; ECE with {res.before.bins} bins"
    )
    if res.bias is not None:
        console.print("class biases b_k: " + ", ".join(f"{b:.4g}" for b in res.bias))
    after = "T = T*" if res.bias is None else "T*, bias"
    print_table(
        console,
        f"{res.n_eval} {res.evaluated_on} rows",
        ["", "T = 1", after],
        _metric_rows([res.before, res.after]),
    )
    if normalisation is not None:
        names = [n for n, _ in normalisation.rows]
        print_table(
            console,
            "Plain normalisation of shifted scores against softmax, test rows",
            ["", *names],
            _metric_rows([m for _, m in normalisation.rows]),
        )
        console.print(
            f"{normalisation.negative_rows:.1%} of the rows have a negative score (z / sum z "
            f"is no distribution there), {normalisation.nonpositive_sums:.1%} sum to <= 0."
        )
        console.print(
            "A shift is needed and its choice changes the answer; softmax needs none. "
            f"The row-min shift gives the true class probability 0 in "
            f"{normalisation.zero_true_class:.1%} of the rows."
        )


@cli.command("calibrate")
@click.option(
    "--logits",
    type=click.Path(dir_okay=False),
    help="Logits, one row per sample and one column per class (.npy, .csv or .txt).",
)
@click.option(
    "--labels",
    type=click.Path(dir_okay=False),
    help="True classes 0..K-1, one per row (.npy, .csv or .txt).",
)
@click.option(
    "--fit-fraction",
    type=float,
    default=None,
    help="Fit on this random fraction in (0, 1) of the rows, score on the rest.",
)
@click.option("--bins", type=Count(), default="15", show_default=True, help="Number of ECE bins.")
@click.option(
    "--seed", type=Seed(), default="0", show_default=True, help="Seed of the split and the demo."
)
@click.option(
    "--class-bias",
    is_flag=True,
    help="Also match the class frequencies: softmax(beta z + b), one b per class.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option(
    "--plot",
    type=click.Path(dir_okay=False),
    default=None,
    help="Reliability diagrams and NLL(T) (PNG, SVG or PDF by extension).",
)
@click.option(
    "--demo",
    type=click.Choice(["digits"]),
    default=None,
    help="Train a small network on scikit-learn's digits and calibrate it (needs maxent[ml]).",
)
def calibrate_command(logits, labels, fit_fraction, bins, seed, class_bias, as_json, plot, demo):
    """Temperature scaling, fitted as maximum entropy: one shared beta = 1/T.

    Minimises the NLL of softmax(beta z) over beta; at the minimum the mean
    softmax-expected logit equals the mean true-class logit (the max-entropy moment
    condition). Reports NLL, Brier and ECE before (T = 1) and after.
    """
    from maxent._plotting.style import check_figure_path

    if plot:
        check_figure_path(plot)
    if demo is not None:
        if logits or labels:
            raise click.UsageError("give either --demo or --logits/--labels, not both")
        if fit_fraction is not None:
            raise click.UsageError("--fit-fraction does not apply to --demo (it has its splits)")
        from maxent._calibrate.demo import digits_demo

        out = digits_demo(seed=seed, bins=bins, class_bias=class_bias)
        res, norm = out.calibration, out.normalisation
    else:
        if not logits or not labels:
            raise click.UsageError("give --logits FILE and --labels FILE (or --demo digits)")
        from maxent._calibrate.data import load_array
        from maxent._calibrate.fit import calibrate

        z = load_array(logits, "logits", ndmin=2)
        y = load_array(labels, "labels")
        res = calibrate(
            z, y, fit_fraction=fit_fraction, bins=bins, seed=seed, class_bias=class_bias
        )
        out, norm = None, None
    if plot:
        import matplotlib.pyplot as plt

        from maxent._plotting.calibration import plot_calibration

        plt.close(plot_calibration(res, plot))
    if as_json:
        from maxent._util.format import to_json

        d = res.to_dict()
        if norm is not None:
            d["normalisation"] = norm.to_dict()
        click.echo(to_json(d))
    else:
        _render(res, norm, out)
        if plot:
            click.echo(f"figure written to {plot}")
    return 0
