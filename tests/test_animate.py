"""``maxent animate`` and :func:`maxent.animate`: GIF and MP4 files of the three kinds."""

import importlib.util
import itertools

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

import maxent
from maxent._plotting import animate as animate_module
from maxent.cli import cli

SMALL = {"frames": 5, "dpi": 30, "fps": 10}


def run(*args):
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def frames_of(path):
    """Every frame of a GIF as an RGB array."""
    out = []
    with Image.open(path) as im:
        for i in range(im.n_frames):
            im.seek(i)
            out.append(np.asarray(im.convert("RGB")))
    return out


def gif_info(path):
    """Format, frame count and size of an image file."""
    with Image.open(path) as im:
        return im.format, im.n_frames, im.size


@pytest.mark.parametrize(
    ("kind", "options"),
    [
        ("relaxation", {"n": 2000}),
        ("concentration", {"n": 500, "samples": 50}),
        ("temperature", {}),
    ],
)
def test_each_kind_writes_a_gif_of_the_asked_frames_and_size(tmp_path, kind, options):
    calls = []
    res = maxent.animate(
        kind,
        tmp_path / f"{kind}.gif",
        **SMALL,
        seed=3,
        progress=lambda done, total: calls.append((done, total)),
        **options,
    )
    fmt, n_frames, size = gif_info(res.path)
    assert fmt == "GIF" and n_frames == 5 == res.frames
    # 8 x 4.5 inches at 30 dpi, rounded to even pixels
    assert size == res.size == (240, 136)
    assert res.seconds == pytest.approx(0.5) and res.seed == 3
    assert calls == [(i, 5) for i in range(1, 6)]
    # the frames move: no two consecutive frames are the same picture
    shots = frames_of(res.path)
    assert all(not np.array_equal(a, b) for a, b in itertools.pairwise(shots))
    assert not list(tmp_path.glob(".tmp-*"))


def test_the_same_seed_gives_the_same_frames_and_another_seed_other_frames(tmp_path):
    kw = {**SMALL, "n": 300}
    a = maxent.animate("relaxation", tmp_path / "a.gif", seed=11, **kw)
    b = maxent.animate("relaxation", tmp_path / "b.gif", seed=11, **kw)
    c = maxent.animate("relaxation", tmp_path / "c.gif", seed=12, **kw)
    fa, fb, fc = frames_of(a.path), frames_of(b.path), frames_of(c.path)
    assert all(np.array_equal(x, y) for x, y in zip(fa, fb, strict=True))
    assert a.path.read_bytes() == b.path.read_bytes()
    # the negative control: the dynamics depend on the seed, so the frames do
    assert not all(np.array_equal(x, y) for x, y in zip(fa[1:], fc[1:], strict=True))


def test_temperature_frames_follow_softmax():
    # the frame maker's bars are softmax(z / T) at the frame's temperature
    maker = animate_module._Temperature(7, 30, 0, logits=(0.0, 1.0, 4.0))
    maker.compute()
    assert maker.ts[0] == pytest.approx(0.05) and maker.ts[-1] == pytest.approx(20.0)
    assert maker.probs[0] == pytest.approx([0, 0, 1], abs=1e-12)  # T -> 0: argmax
    assert maker.probs[-1] == pytest.approx([1 / 3] * 3, abs=0.05)  # T large: near uniform
    z = np.array([0.0, 1.0, 4.0])
    for t, p in zip(maker.ts, maker.probs, strict=True):
        q = np.exp((z - z.max()) / t)
        assert p == pytest.approx(q / q.sum(), rel=1e-12, abs=1e-300)


def test_concentration_shows_a_new_n_in_every_frame_up_to_the_largest():
    maker = animate_module._Concentration(40, 30, 1, n=1000, samples=5)
    maker.compute()
    assert maker.n_frame[0] == 10 and maker.n_frame[-1] == 1000
    assert (np.diff(maker.n_frame) > 0).all()
    p, frac = maker.data[1000]
    assert frac.shape == (5, 3) and np.allclose(frac.sum(axis=1), 1)
    # exact draws keep the count and the (snapped) energy
    assert np.allclose(frac @ p.energies, p.mean_energy)


@pytest.mark.skipif(
    importlib.util.find_spec("imageio_ffmpeg") is None,
    reason='MP4 needs the video extra (pip install "maxent[video]")',
)
def test_mp4(tmp_path):
    import imageio_ffmpeg

    res = maxent.animate("temperature", tmp_path / "t.mp4", **SMALL)
    assert res.path.stat().st_size > 0
    n, _ = imageio_ffmpeg.count_frames_and_secs(str(res.path))
    assert n == 5
    meta = next(imageio_ffmpeg.read_frames(str(res.path)))
    assert meta["size"] == (240, 136)


def test_mp4_without_the_extra_names_it(tmp_path, monkeypatch):
    import builtins

    real = builtins.__import__

    def no_ffmpeg(name, *args, **kw):
        if name == "imageio_ffmpeg":
            raise ImportError(name)
        return real(name, *args, **kw)

    monkeypatch.setattr(builtins, "__import__", no_ffmpeg)
    code, out, err = run("animate", "temperature", "--out", str(tmp_path / "t.mp4"))
    assert code == 2 and out == ""
    assert (
        err.strip()
        == 'maxent: error: --out: MP4 needs the video extra: pip install "maxent[video]"'
    )


def test_cli_writes_the_file_and_says_so(tmp_path):
    out = tmp_path / "t.gif"
    code, stdout, err = run(
        "animate",
        "temperature",
        "--out",
        str(out),
        "--frames",
        "4",
        "--dpi",
        "30",
        "--logits",
        "1,2,5",
    )
    assert code == 0, err
    assert f"wrote {out} (4 frames of 240 x 136 at 12 fps" in stdout
    assert gif_info(out)[1] == 4


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["temperature", "--out", "x.png"], "--out: file extension must be one of .gif, .mp4"),
        (["temperature", "--out", "/no/such/dir/x.gif"], "--out: directory"),
        (["temperature", "--fps", "0"], "--fps: must be in (0, 50]"),
        (["temperature", "--dpi", "1000"], "--dpi: must be in [20, 300]"),
        (["temperature", "--frames", "1"], "'--frames': must be an integer >= 2"),
        (["temperature", "--n", "100"], "--n: does not apply to the temperature animation"),
        (["temperature", "--logits", "3"], "--logits: needs at least 2 values"),
        (["relaxation", "--logits", "1,2"], "--logits: applies to the temperature animation"),
        (["concentration", "--classes", "4"], "--energies: the simplex needs exactly 3 classes"),
        (["concentration", "--energies", "1,1,1"], "at least two different energies"),
        (["relaxation", "--n", "1e9"], "--n: must be at most 1e7"),
        (["spin"], "Invalid value for '{relaxation|concentration|temperature}'"),
    ],
)
def test_bad_options_are_one_line_errors_with_exit_2_before_any_work(
    tmp_path, monkeypatch, args, message
):
    monkeypatch.chdir(tmp_path)
    code, out, err = run("animate", *args)
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("maxent: error: ")
    assert message in lines[0]
    assert not list(tmp_path.iterdir())  # nothing written


def test_the_library_rejects_options_a_kind_does_not_take(tmp_path):
    with pytest.raises(maxent.ValidationError, match="logits: does not apply to the relaxation"):
        maxent.animate("relaxation", tmp_path / "r.gif", logits=[1, 2], **SMALL)
    with pytest.raises(maxent.ValidationError, match="kind: must be one of"):
        maxent.animate("spin", tmp_path / "r.gif")


def test_ctrl_c_propagates_from_the_library_and_leaves_no_file(tmp_path):
    def stop(done, total):
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        maxent.animate("temperature", tmp_path / "t.gif", progress=stop, **SMALL)
    assert not list(tmp_path.iterdir())


def test_ctrl_c_in_the_command_exits_130(tmp_path, monkeypatch):
    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(animate_module, "_pixels", interrupted)
    code, _, err = run("animate", "temperature", "--out", str(tmp_path / "t.gif"))
    assert code == 130 and err.strip() == "maxent: error: interrupted"
    assert not list(tmp_path.iterdir())


def test_a_bad_mean_energy_is_reported_before_any_work(tmp_path):
    with pytest.raises(maxent.ValidationError, match="mean_energy"):
        animate_module.check_animation("concentration", tmp_path / "c.gif", mean_energy=5.0)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("frames", [2, 3, 5])
def test_a_picture_that_holds_still_keeps_every_frame(tmp_path, frames):
    # issue 18: N from 10 to 10 draws the same simplex in every frame, and Pillow's GIF
    # writer merged identical frames: "2 frames" were reported and 1 written
    path = tmp_path / "c.gif"
    code, out, err = run(
        "animate", "concentration", "--frames", str(frames), "--n", "10",
        "--energies", "0,1,5", "--dpi", "20", "--seed", "1", "--out", str(path),
    )  # fmt: skip
    assert code == 0, err
    assert f"{frames} frames" in out
    assert gif_info(path)[1] == frames
    shots = frames_of(path)
    # the same picture: repeated frames differ from the first by one blue level at most
    assert all(np.abs(s.astype(int) - shots[0]).max() <= 1 for s in shots)
    assert sum(int((s != shots[0]).any(axis=-1).sum()) for s in shots) <= frames // 2
