import dataclasses
import inspect
import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from click.testing import CliRunner

import maxent
from maxent import ValidationError
from maxent._plotting.lecture import (
    FIGURES,
    NAMES,
    fig_gradients,
    fig_softmax_vs_ratio,
    lecture,
    softmax,
)
from maxent.cli import cli

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_every_figure_renders_and_the_index_lists_them(tmp_path):
    written = lecture(tmp_path, formats=["png"], n=2000, seed=1)
    pngs = sorted(p.name for p in written if p.suffix == ".png")
    assert pngs == [f"{i:02d}-{f.name}.png" for i, f in enumerate(FIGURES, start=1)]
    index = (tmp_path / "index.md").read_text()
    for i, f in enumerate(FIGURES, start=1):
        assert f"## {i}. {f.title}" in index and f"({i:02d}-{f.name}.png)" in index
        assert f.caption in index
    for p in written[:-1]:
        assert p.stat().st_size > 5000


def test_softmax_is_shift_invariant_and_the_ratio_scale_invariant():
    z = np.array([1.0, 2.0])
    np.testing.assert_allclose(softmax(z), softmax(z + 100))
    np.testing.assert_allclose(softmax(z, temperature=0.1), softmax(10 * z))
    fig = fig_softmax_vs_ratio()
    ax = fig.axes[0]
    heights = [p.get_height() for p in ax.patches]
    np.testing.assert_allclose(heights[:2], [2 / 3, 2 / 3])  # the ratio: same for [1,2], [10,20]
    np.testing.assert_allclose(heights[2:], [softmax(z)[1], softmax(10 * z)[1]])
    plt.close(fig)


def test_gradient_figure_shows_no_vanishing_gradient():
    fig = fig_gradients(logits=(0.0, 8.0, 2.0), target=0)
    ce, mse = fig.axes[1].get_lines()[:2]
    _, g_ce = ce.get_data()
    _, g_mse = mse.get_data()
    assert g_ce[0] == pytest.approx(1.0, abs=1e-3)  # saturated and wrong: gradient ~ 1
    assert g_mse[0] < 1e-6  # squared error: vanished
    plt.close(fig)


def test_temperature_limits():
    z = [1.0, 2.0, 3.0]
    assert softmax(z, 0.01)[2] == pytest.approx(1.0)
    np.testing.assert_allclose(softmax(z, 1e6), 1 / 3, rtol=1e-5)


def test_lecture_cli_only_one(tmp_path):
    res = CliRunner().invoke(
        cli,
        [
            "lecture",
            "--out",
            str(tmp_path),
            "--only",
            "temperature",
            "--logits",
            "1,2,3",
            "--format",
            "svg",
        ],
    )
    assert res.exit_code == 0, res.stderr
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["02-temperature.svg", "index.md"]
    assert "Temperature" in (tmp_path / "index.md").read_text()


@pytest.mark.parametrize(
    "args, name",
    [
        (["--logits", "1,x"], "--logits"),
        (["--logits", "1"], "--logits"),
        (["--logits", "1,nan"], "--logits"),
        (["--format", "gif"], "--format"),
        (["--format", "png,jpg"], "--format"),
        (["--only", "sideways"], "--only"),
        (["--only", "counting-simplex", "--energies", "0,1,2,3"], "--energies"),
    ],
)
def test_lecture_bad_input(tmp_path, args, name):
    res = CliRunner().invoke(cli, ["lecture", "--out", str(tmp_path), *args])
    assert res.exit_code == 2, res.stdout
    # a first run may say it compiles (a note); the error itself is one line
    lines = [x for x in res.stderr.strip().splitlines() if not x.startswith("note: compiling")]
    assert len(lines) == 1 and lines[0].startswith("maxent: error:") and name in lines[0]


def test_bad_format_in_python():
    with pytest.raises(ValidationError, match="format"):
        lecture("unused", formats=["bmp"])


def test_gallery_page_matches_the_figures():
    text = (ROOT / "docs" / "gallery.md").read_text()
    for i, f in enumerate(FIGURES, start=1):
        assert f"figures/lecture/{i:02d}-{f.name}.png" in text and f.caption in text
        assert (ROOT / "docs" / "figures" / "lecture" / f"{i:02d}-{f.name}.png").exists()
    assert NAMES == [f.name for f in FIGURES]


def written_doc(obj) -> str:
    """The docstring a person wrote ('' for none, or for a dataclass's generated one)."""
    doc = inspect.getdoc(obj) or ""
    if inspect.isclass(obj) and doc.startswith(f"{obj.__name__}("):
        return ""  # dataclasses generate "Name(field: type, ...)" when nobody wrote one
    return doc


def test_public_api_is_documented():
    missing = [
        n
        for n in maxent.__all__
        if not n.startswith("_")
        and n not in {"COLORS"}
        and callable(getattr(maxent, n))
        and not written_doc(getattr(maxent, n)).strip()
    ]
    assert not missing


def test_written_doc_sees_through_generated_dataclass_docs():
    @dataclasses.dataclass(frozen=True)
    class Bare:
        x: int

    assert Bare.__doc__ and not written_doc(Bare)
    assert written_doc(maxent.SampleResult)


def test_public_result_fields_are_documented():
    missing = [
        f"{n}.{f.name}"
        for n in maxent.__all__
        if dataclasses.is_dataclass(obj := getattr(maxent, n)) and inspect.isclass(obj)
        for f in dataclasses.fields(obj)
        if not re.search(rf"\b{re.escape(f.name)}\b", written_doc(obj))
    ]
    assert not missing, missing
