"""Regenerate every figure the documentation shows, small enough to commit.

    python docs/make_figures.py            # all figures (about a minute)

Writes docs/figures/lecture/*.png (the lecture gallery), docs/gallery.md (from the
gallery's own titles and captions), and docs/figures/studies/*.png (the scripted studies).
"""

import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from maxent._plotting.lecture import FIGURES, lecture

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
DPI = 55


def gallery():
    """Lecture figures, and the gallery page from their titles and captions."""
    out = DOCS / "figures" / "lecture"
    lecture(out, formats=["png"], dpi=DPI)
    (out / "index.md").unlink()
    lines = [
        "# Lecture gallery",
        "",
        f"The {len(FIGURES)} figures below answer the questions students ask about softmax, "
        "each computed by maxent itself. Make them at full resolution, as PNG and PDF, with",
        "",
        "```console",
        "maxent lecture --out lecture/",
        "```",
        "",
        "or one at a time with your own parameters, e.g. "
        "`maxent lecture --only temperature --logits 1,2,3`.",
        "",
    ]
    for i, f in enumerate(FIGURES, start=1):
        lines += [
            f"## {i}. {f.title}",
            "",
            f"![{f.title}](figures/lecture/{i:02d}-{f.name}.png)",
            "",
            f.caption,
            "",
            f"`maxent lecture --only {f.name}` · Python: `maxent.lecture_figure('{f.name}')`",
            "",
        ]
    (DOCS / "gallery.md").write_text("\n".join(lines))


def studies():
    """The figures of the four scripted studies."""
    out = DOCS / "figures" / "studies"
    for script in (
        "convergence",
        "entropy_concentration",
        "finite_n_corrections",
        "temperature_sweep",
        "statistics_limits",
        "fermi_step",
        "bose_condensation",
        "loaded_die",
        "large_deviations",
        "ensemble_equivalence",
    ):
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "simulations" / f"{script}.py"),
                "--out",
                str(out),
                "--dpi",
                str(DPI),
            ],
            check=True,
        )
    for data in out.glob("*.csv"):
        data.unlink()
    for data in out.glob("*.json"):
        data.unlink()


def sweeps():
    """The example sweep, simulations/sweep_example.toml (300 tasks, about 30 s on 2 cores)."""
    import tempfile

    import matplotlib.pyplot as plt

    from maxent import lecture_style, plot_sweep, read_results, run_sweep, save_figure

    out = DOCS / "figures" / "sweeps"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        run_sweep(ROOT / "simulations" / "sweep_example.toml", Path(tmp) / "example")
        columns = read_results(Path(tmp) / "example")
    with lecture_style():
        fig, axes = plt.subplots(1, 2, figsize=(13.33, 7.5), layout="constrained")
        for ax, y, title in (
            (axes[0], "tv_optimum", r"the maximum of $\ln W$: falls like $1/N$"),
            (axes[1], "tv_sampled_mean", "the mean of 2000 draws: noise floor"),
        ):
            plot_sweep(columns, "n", y, "temperature", ax=ax, title=title)
        save_figure(fig, out / "example.png", dpi=DPI)
        plt.close(fig)


if __name__ == "__main__":
    gallery()
    studies()
    sweeps()
