"""Image-level checks of every figure: no overlapping text, nothing cut off, slide shape,
text large enough to read from the back of a lecture hall.

Each figure is drawn on Agg; every Text artist that is actually drawn (titles, axis
labels, tick labels, legend texts, annotations, colour-bar labels) is recorded with its
window extent. The checks:

* no two drawn texts overlap (tick labels included: neighbouring tick labels of one axis
  must not run together either);
* every text lies inside the figure;
* the figure has a slide shape (between 4:3 and 16:9, within 10 %);
* every text is at least 14 pt once the figure is scaled to fit a 13.33 x 7.5 in (16:9)
  or 10 x 7.5 in (4:3) slide.

The self-checks at the top make sure the checker fails where it should.
"""

from __future__ import annotations

import itertools
from contextlib import contextmanager

import matplotlib.pyplot as plt
import matplotlib.text as mtext
import pytest

SLIDES = {"16:9": (13.333, 7.5), "4:3": (10.0, 7.5)}
MIN_PT = 14.0
TOLERANCE_PX = 1.0  # boxes touching by a pixel are not an overlap


@contextmanager
def _recording():
    drawn: list[tuple[mtext.Text, object]] = []
    original = mtext.Text.draw

    def draw(self, renderer):
        original(self, renderer)
        if self.get_visible() and self.get_text().strip():
            drawn.append((self, self.get_window_extent(renderer)))

    mtext.Text.draw = draw
    try:
        yield drawn
    finally:
        mtext.Text.draw = original


def drawn_texts(fig):
    """Every text drawn on ``fig``, with its window extent in pixels."""
    with _recording() as drawn:
        fig.canvas.draw()
    return [(t, box) for t, box in drawn if box.width > 0 and box.height > 0]


def slide_scale(fig) -> tuple[str, float]:
    """The slide shape closest to the figure's, and the factor that fits it on that slide."""
    w, h = fig.get_size_inches()
    shape = min(SLIDES, key=lambda s: abs(SLIDES[s][0] / SLIDES[s][1] - w / h))
    sw, sh = SLIDES[shape]
    return shape, min(sw / w, sh / h)


def layout_problems(fig) -> list[str]:
    """Every layout problem of ``fig``, in words (empty when it is fine)."""
    problems = []
    w, h = fig.get_size_inches()
    if not (4 / 3) / 1.1 <= w / h <= (16 / 9) * 1.1:
        problems.append(f"aspect {w / h:.2f}:1 is not a slide shape (4:3 to 16:9)")
    _, scale = slide_scale(fig)
    texts = drawn_texts(fig)
    fb = fig.bbox
    for t, box in texts:
        label = repr(t.get_text()[:40])
        pt = t.get_fontsize() * scale
        if pt < MIN_PT - 0.05:
            problems.append(f"{label} is {pt:.1f} pt at slide size (< {MIN_PT:g})")
        if (
            box.x0 < fb.x0 - TOLERANCE_PX
            or box.y0 < fb.y0 - TOLERANCE_PX
            or box.x1 > fb.x1 + TOLERANCE_PX
            or box.y1 > fb.y1 + TOLERANCE_PX
        ):
            problems.append(f"{label} falls outside the figure")
    problems += _legends_on_data(fig)
    for (a, ba), (b, bb) in itertools.combinations(texts, 2):
        if (
            min(ba.x1, bb.x1) - max(ba.x0, bb.x0) > TOLERANCE_PX
            and min(ba.y1, bb.y1) - max(ba.y0, bb.y0) > TOLERANCE_PX
        ):
            problems.append(f"{a.get_text()[:40]!r} overlaps {b.get_text()[:40]!r}")
    return problems


def _legends_on_data(fig) -> list[str]:
    """Legends inside an axes that cover a data point of a line or a bar of that axes."""
    import numpy as np
    from matplotlib.patches import Rectangle

    found = []
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None or not legend.get_visible():
            continue
        box = legend.get_window_extent(renderer).padded(-TOLERANCE_PX)
        for line in ax.get_lines():
            if not line.get_visible() or line.get_transform() is not ax.transData:
                continue  # reference lines drawn in axes coordinates (axhline) are not data
            xy = line.get_xydata()
            xy = xy[np.isfinite(xy).all(axis=1)]
            px = ax.transData.transform(xy)
            inside = (
                (px[:, 0] > box.x0)
                & (px[:, 0] < box.x1)
                & (px[:, 1] > box.y0)
                & (px[:, 1] < box.y1)
            )
            if inside.any():
                found.append(f"the legend of {ax.get_title()!r} covers {line.get_label()!r}")
        for patch in ax.patches:
            if isinstance(patch, Rectangle) and patch.get_height() != 0:
                if box.overlaps(patch.get_window_extent(renderer)):
                    found.append(f"the legend of {ax.get_title()!r} covers a bar")
                    break
    return found


def assert_readable(fig):
    problems = layout_problems(fig)
    plt.close(fig)
    assert not problems, "\n".join(problems)


# --- the checker fails where it should ------------------------------------------------------------


def test_checker_finds_overlapping_texts():
    fig, ax = plt.subplots(figsize=(13.333, 7.5))
    ax.set_axis_off()
    ax.set_title("a title", fontsize=16)
    ax.text(0.5, 0.5, "one text", fontsize=16)
    ax.text(0.52, 0.5, "another text", fontsize=16)
    problems = layout_problems(fig)
    plt.close(fig)
    assert problems == ["'one text' overlaps 'another text'"]


def test_checker_finds_crowded_tick_labels_small_text_bad_shape_and_cut_off_text():
    fig, ax = plt.subplots(figsize=(20, 5))
    ax.set_xticks(range(40))
    ax.set_xticklabels([f"label {i}" for i in range(40)], fontsize=20)
    ax.tick_params(axis="y", labelsize=20)
    fig.text(0.98, 0.5, "cut off at the edge", fontsize=20)
    fig.text(0.3, 0.95, "tiny", fontsize=8)
    problems = layout_problems(fig)
    plt.close(fig)
    assert any("not a slide shape" in p for p in problems)
    assert any("'label 1' overlaps 'label 2'" in p for p in problems)
    assert any("'cut off at the edge' falls outside" in p for p in problems)
    assert any("'tiny' is" in p for p in problems)


def test_checker_finds_a_legend_on_the_data():
    fig, ax = plt.subplots(figsize=(13.333, 7.5), layout="constrained")
    ax.set_axis_off()
    ax.plot([0, 1, 2], [1, 1, 1], "o", label="points")
    ax.plot([0, 1, 2], [0, 0, 0], label="under the legend")
    ax.legend(loc="lower center", fontsize=14)
    problems = layout_problems(fig)
    plt.close(fig)
    assert problems == ["the legend of '' covers 'under the legend'"]


def test_checker_passes_a_clean_slide():
    fig, ax = plt.subplots(figsize=(13.333, 7.5), layout="constrained")
    ax.plot([1, 2, 3], label="a line")
    ax.set_title("title", fontsize=18)
    ax.set_xlabel("x", fontsize=16)
    ax.tick_params(labelsize=15)
    ax.legend(fontsize=14)
    assert_readable(fig)


# --- the figures ----------------------------------------------------------------------------------


@pytest.fixture
def slide_style():
    from maxent._plotting.style import lecture_style

    with lecture_style():
        yield


SMALL = {
    "counting-simplex": {"n_values": (10, 100, 1000), "samples": 200},
    "entropy-concentration": {"n": 500, "samples": 500},
    "relaxation": {"n": 2000, "sweeps": 4},
    "large-deviations": {"n_values": (5, 50, 500)},
    "ensemble-equivalence": {"oscillators": (4, 8, 16, 32)},
}


def _lecture_figures():
    from maxent._plotting.lecture import FIGURES

    return FIGURES


@pytest.mark.parametrize("figure", _lecture_figures(), ids=lambda f: f.name)
def test_lecture_figure_is_readable(figure, slide_style):
    fig = figure.make(**SMALL.get(figure.name, {}))
    fig.suptitle(figure.title, fontsize=20, fontweight="bold")  # as lecture() does
    assert_readable(fig)


@pytest.mark.parametrize(
    "kind",
    [
        {"energies": [0, 1, 2, 3], "n": 40, "mean_energy": 1.2},
        {"energies": [1, 2, 3, 4, 5, 6], "n": 1000, "mean_energy": 4.5, "constraints": "dice"},
        {
            "energies": [0, 1, 2, 3],
            "n": 6,
            "mean_energy": 1.5,
            "statistics": "fermi",
            "degeneracies": [2, 2, 2, 2],
        },
    ],
    ids=["plain", "dice-second-moment", "fermi"],
)
def test_simulation_figure_is_readable(kind):
    import maxent
    from maxent._plotting.plots import simulation_figure

    kw = dict(kind)
    if kw.pop("constraints", None) == "dice":
        kw["constraints"] = ["E**2=22"]
    p = maxent.Problem(**kw, snap=True)
    c = maxent.compare(p, 300, seed=1)
    assert_readable(simulation_figure(c))


def test_convergence_figure_is_readable():
    import maxent
    from maxent._plotting.plots import convergence_figure

    st = maxent.converge([0, 1, 2, 3], [10, 100, 1000], seeds=2, samples=200, seed=1)
    assert_readable(convergence_figure(st))


def test_sweep_figure_is_readable(slide_style):
    from maxent._plotting.sweep import plot_sweep

    rows = [(n, t, s) for n in (100, 1000, 10000) for t in (0.5, 1.0, 2.0) for s in (0, 1)]
    columns = {
        "n": [r[0] for r in rows],
        "temperature": [r[1] for r in rows],
        "seed": [r[2] for r in rows],
        "status": ["ok"] * len(rows),
        "tv_exact_mean": [0.3 / r[0] * (1 + 0.1 * r[2]) * r[1] for r in rows],
    }
    fig, ax = plt.subplots(figsize=(13.333, 7.5), layout="constrained")
    plot_sweep(columns, "n", "tv_exact_mean", "temperature", ax=ax)
    assert_readable(fig)
