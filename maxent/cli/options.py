"""Options shared by the commands, and the one place where they become a Problem."""

from __future__ import annotations

from typing import Any

import click

from maxent._model.defaults import DEFAULT_CLASSES
from maxent._util.errors import ValidationError
from maxent.cli.types import Count, ExactReal, FloatList, Real, Seed

__all__ = [
    "METHOD",
    "SAVE",
    "SEED",
    "THREADS",
    "build_problem",
    "energies_from",
    "fresh_seed",
    "problem_options",
]

_SPECS = ("mean_energy", "total_energy", "beta", "temperature")


def problem_options(
    func=None,
    *,
    n_default: str | None = "1000",
    n_help: str | None = None,
    from_counts: bool = False,
):
    """Add the options that define a :class:`maxent.Problem` and ``--json``.

    Every command that states a problem takes exactly these, so they read the same
    everywhere. ``n_default=None`` leaves ``--n`` out (a command with its own N list);
    ``from_counts=True`` also leaves out the energy totals and the MCMC shell (a command
    that reads N, U and the moments from observed counts).
    """
    if from_counts:
        n_default = None

    def decorate(f):
        options = [
            click.option(
                "--classes",
                "-k",
                type=Count(minimum=2),
                default=None,
                help="Number of classes K; energies 0, 1, ..., K-1. [default: "
                + ("one per count]" if from_counts else f"{DEFAULT_CLASSES}]"),
            ),
            click.option(
                "--energies",
                type=FloatList(),
                default=None,
                help="Class energies, comma-separated (0,1,2.5) or @FILE (text, CSV or .npy).",
            ),
        ]
        if n_default is not None:
            options.append(
                click.option(
                    "--n",
                    "n",
                    type=Count(),
                    default=n_default,
                    show_default=True,
                    help=n_help or "Number of items N; 100000, 1e5 and 100_000 all work.",
                )
            )
        if not from_counts:  # a command testing counts reads N and U from them
            options += [
                click.option("--mean-energy", type=ExactReal(), help="Mean energy U/N."),
                click.option(
                    "--total-energy",
                    type=ExactReal(),
                    help="Total energy U (read exactly: integers beyond 2**53 stay integers).",
                ),
                click.option(
                    "--beta",
                    type=Real(allow_inf=True),
                    help="Inverse temperature (any real or +/-inf); U becomes the nearest "
                    "reachable total.",
                ),
                click.option(
                    "--temperature",
                    "-T",
                    type=Real(allow_inf=True),
                    help="Temperature T > 0 (use --beta for negative temperatures).",
                ),
            ]
        options.append(
            click.option(
                "--energy-quantum",
                type=Real(),
                help="Lattice spacing of the energies (detected when omitted).",
            )
        )
        if not from_counts:
            options.append(
                click.option(
                    "--energy-tolerance",
                    type=Real(),
                    help="Shell half-width |sum n E - U| <= tol for energies with no common "
                    "quantum (MCMC).",
                )
            )
        options += [
            click.option(
                "--degeneracies",
                type=FloatList(),
                default=None,
                help="States per class g_k, e.g. 1,3,5 or @FILE (real values: prior weights). "
                "[default: 1]",
            ),
            click.option(
                "--statistics",
                type=click.Choice(["boltzmann", "bose", "fermi"]),
                default="boltzmann",
                show_default=True,
                help="How allocations are counted: distinguishable items, Bose-Einstein or "
                "Fermi-Dirac.",
            ),
            click.option(
                "--constraint",
                "constraints",
                multiple=True,
                help=(
                    "Extra moment to condition on: EXPR (in k, E, g), at the mean the counts "
                    "give it, e.g. 'k**2'; EXPR=VALUE is checked against the counts. Repeat "
                    "for more."
                    if from_counts
                    else "Extra moment constraint EXPR=VALUE: the mean over items of EXPR (in "
                    "k, E, g) is VALUE, e.g. 'k**2=12.5'. Repeat for more."
                ),
            ),
            click.option("--json", "as_json", is_flag=True, help="Print one JSON object."),
        ]
        for opt in reversed(options):
            f = opt(f)
        return f

    return decorate if func is None else decorate(func)


METHOD = click.option(
    "--method",
    type=click.Choice(["auto", "exact", "mcmc", "enumerate"]),
    default="auto",
    show_default=True,
    help="Sampler; auto picks the fastest correct one and says which.",
)
SEED = click.option(
    "--seed",
    type=Seed(),
    default=None,
    help="Root seed (default: fresh entropy, printed so that the run can be repeated).",
)
THREADS = click.option(
    "--threads",
    type=Count(),
    default=None,
    help="Numba threads (the draws do not depend on it). [default: all]",
)
SAVE = click.option(
    "--save",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the (M, K) integer draws to FILE (.npy, .npz or .csv by extension).",
)


def fresh_seed(seed):
    """The given seed, or fresh entropy (63 bits) that the command prints."""
    if seed is None:
        import secrets

        return secrets.randbits(63)
    return seed


def energies_from(kw: dict[str, Any]):
    """Energies from --energies or --classes (popped from ``kw``)."""
    from maxent._model.problem import default_energies

    classes = kw.pop("classes")
    energies = kw.pop("energies")
    if energies is None:
        return default_energies(classes if classes is not None else DEFAULT_CLASSES)
    if energies.size < 2:
        raise ValidationError("energies", f"needs at least 2 values (got {energies.size})")
    if classes is not None and classes != energies.size:
        raise ValidationError(
            "classes", f"is {classes} but --energies lists {energies.size} values"
        )
    return energies


def pop_problem_options(kw: dict[str, Any]) -> dict[str, Any]:
    """The problem options of ``kw`` (popped) as keyword arguments of the library.

    Checks that at most one of the energy specifications is given; the library fills in
    the documented default (:func:`maxent.default_mean_energy`) when none is.
    """
    spec = {k: kw.pop(k) for k in _SPECS if k in kw}
    given = {k: v for k, v in spec.items() if v is not None}
    if len(given) > 1:
        names = ", ".join("--" + k.replace("_", "-") for k in given)
        raise click.UsageError(
            f"give only one of --mean-energy, --total-energy, --beta, --temperature (got {names})"
        )
    out = {
        "energies": energies_from(kw),
        "energy_quantum": kw.pop("energy_quantum", None),
        "energy_tolerance": kw.pop("energy_tolerance", None),
        "degeneracies": kw.pop("degeneracies", None),
        "statistics": kw.pop("statistics", "boltzmann"),
        "constraints": list(kw.pop("constraints", ())),
        **given,
    }
    if "n" in kw:
        out["n"] = kw.pop("n")
    return out


def build_problem(kw: dict[str, Any], notes: list[str]):
    """Make the Problem from the shared options (pops them from ``kw``)."""
    from maxent._model.defaults import default_mean_energy
    from maxent._model.problem import Problem

    args = pop_problem_options(kw)
    energies, n = args.pop("energies"), args.pop("n")
    if not any(k in args for k in _SPECS):
        mean = default_mean_energy(energies, n, args["statistics"], args["degeneracies"])
        args.update(mean_energy=mean, snap=True)
        notes.append(
            f"no energy given: using the reachable mean nearest {mean:.6g} "
            "(40% of the way from the lowest to the highest attainable mean)"
        )
    problem = Problem(energies, n, **args)
    # the problem's own notes (a mean read as its lattice mean) reach --json output too
    notes.extend(problem.notes)
    return problem
