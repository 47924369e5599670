"""``maxent animate``: GIF or MP4 of relaxation, concentration on the simplex, temperature."""

from __future__ import annotations

import click

from maxent.cli.app import cli
from maxent.cli.types import Count, FloatList, Real, Seed


@cli.command()
@click.argument("kind", type=click.Choice(["relaxation", "concentration", "temperature"]))
@click.option(
    "--out",
    default=None,
    help='Output file: .gif (Pillow) or .mp4 (needs pip install "maxent[video]"). '
    "[default: KIND.gif]",
)
@click.option(
    "--frames", type=Count(minimum=2), default="120", show_default=True, help="Number of frames."
)
@click.option("--fps", type=Real(), default="12", show_default=True, help="Frames per second.")
@click.option(
    "--dpi",
    type=Real(),
    default="100",
    show_default=True,
    help="Pixels per inch of the 8 x 4.5 inch frames.",
)
@click.option(
    "--seed",
    type=Seed(),
    default=2026,
    show_default=True,
    help="Root seed of the dynamics or the draws (same seed, same frames).",
)
@click.option(
    "--classes",
    "-k",
    type=Count(minimum=2),
    default=None,
    help="relaxation, concentration: number of classes K; energies 0, 1, ..., K-1.",
)
@click.option(
    "--energies",
    type=FloatList(),
    default=None,
    help="relaxation, concentration: class energies (three for concentration). "
    "[default: 0..4; 0,1,2]",
)
@click.option(
    "--n",
    "n",
    type=Count(),
    default=None,
    help="relaxation: items N; concentration: the largest N. [default: 10000]",
)
@click.option(
    "--mean-energy",
    type=Real(),
    default=None,
    help="relaxation, concentration: mean energy U/N (the nearest reachable).",
)
@click.option(
    "--logits",
    type=FloatList(),
    default=None,
    help="temperature: the logits z (2 to 12 values). [default: 1,2,3,0.5]",
)
def animate(kind, out, frames, fps, dpi, seed, classes, energies, n, mean_energy, logits) -> int:
    """Write an animation: relaxation, concentration or temperature.

    relaxation: items exchange energy in pairs; the occupations settle on the
    Boltzmann bars while the entropy rises to its maximum. concentration: exact
    draws on the three-class simplex tighten around the Boltzmann point as N grows.
    temperature: softmax(z/T) sweeps from the argmax (T -> 0) to uniform (T -> inf).
    """
    from maxent._plotting.animate import animate as run
    from maxent._plotting.animate import check_animation
    from maxent._util.errors import ValidationError
    from maxent.cli.options import energies_from
    from maxent.cli.render import Progress, compile_notice

    out = out if out is not None else f"{kind}.gif"
    options = {}
    if kind == "temperature":
        given = [
            name
            for name, v in (
                ("classes", classes),
                ("energies", energies),
                ("n", n),
                ("mean_energy", mean_energy),
            )
            if v is not None
        ]
        if given:
            raise ValidationError(given[0], "does not apply to the temperature animation")
        options["logits"] = logits
    else:
        if logits is not None:
            raise ValidationError("logits", f"applies to the temperature animation, not {kind}")
        if classes is not None or energies is not None:
            options["energies"] = energies_from({"classes": classes, "energies": energies})
        options.update(n=n, mean_energy=mean_energy)
    # every one-line error before the compile notice and the progress bar
    path = check_animation(kind, out, frames=frames, fps=fps, dpi=dpi, **options)
    compile_notice()
    with Progress("rendering frames") as bar:
        res = run(
            kind, path, frames=frames, fps=fps, dpi=dpi, seed=seed, progress=bar.callback, **options
        )
    w, h = res.size
    click.echo(
        f"wrote {res.path} ({res.frames} frames of {w} x {h} at {res.fps:g} fps: "
        f"{res.seconds:.3g} s) in {res.render_seconds:.3g} s; seed {res.seed}"
    )
    return 0
