"""``maxent calibrate``: calibration maps of a classifier's logits (thin click layer)."""

from __future__ import annotations

import click

from maxent.cli.app import cli
from maxent.cli.types import Count, Seed

# the choices, spelled here so that --help needs no library import
_METHODS = ("temperature", "bias", "vector", "matrix", "dirichlet")
_DEMOS = ("digits", "breast-cancer", "wine", "iris")


def _metric_rows(pairs):
    names = [
        ("NLL", "nll"),
        ("Brier", "brier"),
        ("ECE", "ece"),
        ("ECE (equal mass)", "ece_adaptive"),
        ("MCE", "mce"),
        ("classwise ECE", "ece_classwise"),
        ("accuracy", "accuracy"),
    ]
    rows = []
    for label, attr in names:
        row = [label]
        for m in pairs:
            row.append(getattr(m, attr))
            if m.intervals:
                lo, hi = m.intervals.get(attr, (None, None))
                row.append("-" if lo is None else f"[{lo:.4g}, {hi:.4g}]")
        rows.append(row)
    return rows


def _parameters(console, res) -> None:
    if res.method in ("temperature", "bias"):
        err = res.beta_stderr
        pm = f" ± {err:.2g}" if err == err else ""
        console.print(f"T = {res.temperature:.8g}, beta = {res.beta:.8g}{pm}: {res.message}")
        if res.bias is not None:
            console.print("class biases b_k: " + ", ".join(f"{b:.4g}" for b in res.bias))
        return
    import numpy as np

    console.print(f"{res.method}: {res.message}")
    coef, b = res.coef, res.intercept
    if coef.ndim == 1:
        console.print("weights w_k: " + ", ".join(f"{w:.4g}" for w in coef))
    else:
        diag = coef.diagonal()
        off = coef - np.diag(diag)
        console.print(
            "diagonal of W: " + ", ".join(f"{w:.4g}" for w in diag)
            + f"; largest off-diagonal |W_jk| {abs(off).max():.3g}"
        )  # fmt: skip
    console.print("intercepts b_k: " + ", ".join(f"{v:.4g}" for v in b))


def _render(res, normalisation=None, demo=None) -> None:
    from maxent._util.format import print_table
    from maxent.cli.render import console as make_console

    console = make_console()
    if demo is not None:
        tr, ca, te = demo.sizes
        console.print(
            f"{demo.data.dataset} demo (seed {demo.seed}): MLP trained on {tr} rows, "
            f"calibration fitted on {ca}, scored on {te} test rows"
        )
    _parameters(console, res)
    after = res.after
    console.print(
        f"moment-condition residual {res.residual:.2g}"
        + (
            f" (recomputed from the calibrated probabilities: {res.moment_check:.2g})"
            if res.moment_check == res.moment_check
            else ""
        )
        + f"; fitted on {res.n_fit} rows, K = {res.classes} classes"
    )
    console.print(
        f"{after.bins} bins; {after.reliability.binning} bins for the MCE and the "
        f"diagram ({after.reliability.empty} of them empty after calibration, skipped)"
    )
    label = {"temperature": "T = T*", "bias": "T*, bias"}.get(res.method, res.method)
    cols = ["", "T = 1"]
    if res.before.intervals:
        cols.append(f"{res.before.level:.0%} interval")
    cols.append(label)
    if after.intervals:
        cols.append(f"{after.level:.0%} interval")
    caption = (
        f"intervals: percentile bootstrap, {after.bootstrap} resamples of the rows"
        if after.intervals
        else None
    )
    print_table(
        console,
        f"{res.n_eval} {res.evaluated_on} rows",
        cols,
        _metric_rows([res.before, after]),
        caption=caption,
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
    help="Logits, one row per sample and one column per class; one column: a binary "
    "classifier's log-odds (.npy, .csv or .txt).",
)
@click.option(
    "--labels",
    type=click.Path(dir_okay=False),
    help="True classes 0..K-1, one per row (.npy, .csv or .txt).",
)
@click.option(
    "--method",
    type=click.Choice(_METHODS),
    default="temperature",
    show_default=True,
    help="The calibration map: softmax(beta z), + a bias per class, softmax(w*z + b), "
    "softmax(W z + b), or softmax(W log p + b) (Dirichlet).",
)
@click.option(
    "--fit-fraction",
    type=float,
    default=None,
    help="Fit on this random fraction in (0, 1) of the rows, score on the rest.",
)
@click.option(
    "--bins", type=Count(), default="15", show_default=True, help="Number of calibration bins."
)
@click.option(
    "--adaptive",
    is_flag=True,
    help="Equal-mass bins for the reliability diagram and the MCE (both ECEs are reported).",
)
@click.option(
    "--bootstrap",
    type=Count(minimum=0),
    default="0",
    show_default=True,
    help="Bootstrap resamples of the scored rows for 95% intervals of the metrics.",
)
@click.option(
    "--seed",
    type=Seed(),
    default="0",
    show_default=True,
    help="Seed of the split, the demo and the bootstrap.",
)
@click.option(
    "--class-bias",
    is_flag=True,
    help="The same as --method bias: softmax(beta z + b), one b per class.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option(
    "--plot",
    type=click.Path(dir_okay=False),
    default=None,
    help="Reliability diagrams with Clopper-Pearson bands and counts, and NLL(T) "
    "(PNG, SVG or PDF by extension).",
)
@click.option(
    "--demo",
    type=click.Choice(_DEMOS),
    default=None,
    help="Train a small network on one of scikit-learn's bundled data sets and calibrate "
    "it (needs maxent[ml]).",
)
def calibrate_command(
    logits, labels, method, fit_fraction, bins, adaptive, bootstrap, seed, class_bias,
    as_json, plot, demo,
):  # fmt: skip
    """Calibrate a classifier by maximum entropy: temperature, vector, matrix, Dirichlet.

    Each map is the maximum-entropy model of a set of moments of the logits (one shared
    moment for the temperature, one per class for vector scaling, every cross moment for
    matrix scaling) and reproduces them on the fitting rows. Reports NLL, Brier, ECE
    (equal width and equal mass), MCE, classwise ECE and accuracy before (T = 1) and
    after; --bootstrap adds intervals.
    """
    import warnings

    from maxent._plotting.style import check_figure_path
    from maxent.cli.render import print_notes

    if plot:
        check_figure_path(plot)
    if class_bias:
        if method not in ("temperature", "bias"):
            raise click.UsageError(f"--class-bias applies to --method temperature (got {method})")
        method = "bias"
    opts = {"method": method, "bins": bins, "adaptive": adaptive, "bootstrap": bootstrap}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if demo is not None:
            if logits or labels:
                raise click.UsageError("give either --demo or --logits/--labels, not both")
            if fit_fraction is not None:
                raise click.UsageError(
                    "--fit-fraction does not apply to --demo (it has its splits)"
                )
            from maxent._calibrate.demo import calibration_demo

            out = calibration_demo(demo, seed=seed, **opts)
            res, norm = out.calibration, out.normalisation
        else:
            if not logits or not labels:
                raise click.UsageError("give --logits FILE and --labels FILE (or --demo digits)")
            from maxent._calibrate.data import load_array
            from maxent._calibrate.fit import calibrate

            z = load_array(logits, "logits", ndmin=2)
            y = load_array(labels, "labels")
            res = calibrate(z, y, fit_fraction=fit_fraction, seed=seed, **opts)
            out, norm = None, None
    print_notes(list(dict.fromkeys(str(w.message) for w in caught)))
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
    from maxent.cli.render import verdict

    return verdict([f"calibration: {res.message}"] if res.status == "failed" else [])
