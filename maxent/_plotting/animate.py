"""Animations of the lecture's three moving pictures, as GIF (Pillow) or MP4 (ffmpeg).

* ``relaxation``: items exchange energy in pairs (:func:`maxent.relax`); the occupation
  histogram settles on the Boltzmann bars while the entropy climbs to its maximum.
* ``concentration``: exact draws on the three-class simplex, over the ln W landscape,
  tighten around the Boltzmann point as N grows (the still ``counting-simplex``).
* ``temperature``: ``softmax(z / T)`` sweeping from the argmax (T -> 0) to the uniform
  law (T -> inf) (the still ``temperature``).

Each kind is a small class that builds its figure once (with the stills' helpers and
the lecture style) and then only updates the data of its artists frame by frame; the
figure is drawn on matplotlib's Agg canvas, never through pyplot.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from maxent._plotting.lecture import check_logits, energy_segment, softmax, ternary
from maxent._plotting.style import COLORS, ROLE, class_color, lecture_style
from maxent._util.errors import ValidationError
from maxent._util.format import ShortRepr
from maxent._util.io import atomic_path
from maxent._util.memory import require_memory
from maxent._util.streams import as_seed_sequence, seed_value
from maxent._util.validate import as_count, as_energies, as_real, output_path

__all__ = ["KINDS", "Animation", "animate", "check_animation", "check_animation_path"]

KINDS = ("relaxation", "concentration", "temperature")
FORMATS = (".gif", ".mp4")
VIDEO_EXTRA = 'MP4 needs the video extra: pip install "maxent[video]"'
#: frame size in inches (the pixel size is this times ``dpi``, rounded to even numbers)
FRAME_SIZE = (8.0, 4.5)
#: the lecture style's type, scaled for a frame of 8 x 4.5 inches
_SMALL = {
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 9,
}


@dataclass(frozen=True, repr=False)
class Animation(ShortRepr):
    """An animation written to disk.

    Attributes
    ----------
    path : Path
        The file written (GIF or MP4).
    kind : str
        ``relaxation``, ``concentration`` or ``temperature``.
    frames : int
        Number of frames.
    fps : float
        Frames per second.
    seconds : float
        Play time, ``frames / fps``.
    seed : int
        The root seed (pass it back to get the same frames).
    size : tuple of int
        Width and height of a frame in pixels.
    render_seconds : float
        Wall time taken to compute, draw and encode the frames.
    """

    path: Path
    kind: str
    frames: int
    fps: float
    seconds: float
    seed: int
    size: tuple[int, int] = field(repr=False)
    render_seconds: float = field(repr=False)


def check_animation_path(out) -> Path:
    """Validate ``out`` before any work: ``.gif`` or ``.mp4``, and the extra for MP4."""
    p = output_path(out, FORMATS, "out")
    if p.suffix.lower() == ".mp4":
        try:
            import imageio_ffmpeg  # noqa: F401
        except ImportError:
            raise ValidationError("out", VIDEO_EXTRA) from None
    return p


# --- the frames -----------------------------------------------------------------------------


def _frame_pixels(dpi: float) -> tuple[int, int]:
    """Width and height of a frame in pixels: :data:`FRAME_SIZE` at ``dpi``, made even."""
    return 2 * round(FRAME_SIZE[0] * dpi / 2), 2 * round(FRAME_SIZE[1] * dpi / 2)


def _figure(dpi: float, ncols: int, width_ratios=None):
    """A figure of even pixel size on an Agg canvas, with ``ncols`` axes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    w, h = _frame_pixels(dpi)
    fig = Figure(figsize=(w / dpi, h / dpi), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, ncols, width_ratios=width_ratios, squeeze=False)[0]
    return fig, axes


class _Relaxation:
    """Occupation bars settling on Boltzmann; the entropy climbing to its maximum."""

    check = ("energies", "n", "mean_energy", "sweeps", "start")

    def __init__(
        self,
        frames,
        dpi,
        seed,
        *,
        energies=(0.0, 1.0, 2.0, 3.0, 4.0),
        n: int = 10_000,
        mean_energy: float | None = None,
        sweeps: float = 4.0,
        start: str = "extremes",
    ):
        from maxent._model.defaults import default_mean_energy
        from maxent._model.problem import Problem

        e = as_energies(energies, "energies", min_size=2)
        if e.size > 12:
            raise ValidationError(
                "energies", f"at most 12 levels make a readable bar chart (got {e.size})"
            )
        n = as_count(n, "n", minimum=2)
        if n > 10**7:
            raise ValidationError("n", f"must be at most 1e7 for an animation (got {n})")
        sweeps = as_real(sweeps, "sweeps")
        if not sweeps > 0:
            raise ValidationError("sweeps", f"must be > 0 (got {sweeps:g})")
        if mean_energy is None:
            mean_energy = default_mean_energy(e, n)
        self.problem = Problem(e, n, mean_energy=mean_energy, snap=True)
        self.frames, self.dpi, self.seed = frames, dpi, seed
        self.sweeps, self.start = sweeps, start

    def compute(self):
        from maxent._sampling.dynamics import relax

        # enough records that every frame has its own; the frames show sweeps 0..S evenly
        per = max(1, math.ceil((self.frames - 1) / self.sweeps))
        # records fall every N // per moves, a little more often than per sweep: one
        # extra sweep covers the last frame's time
        whole = math.ceil(self.sweeps) + 1
        r = relax(self.problem, whole, self.start, seed=self.seed, records_per_sweep=per)
        times = np.linspace(0.0, self.sweeps, self.frames)
        self.index = np.minimum(np.searchsorted(r.sweeps, times - 1e-12), r.sweeps.size - 1)
        self.result = r

    def build(self):
        p, r = self.problem, self.result
        fig, (ax_bar, ax_h) = _figure(self.dpi, 2, width_ratios=[1.0, 1.1])
        x = np.arange(p.classes)
        f0 = r.fractions[0]
        colors = [class_color(k) for k in range(p.classes)]
        self.bars = ax_bar.bar(x, f0, 0.7, color=colors, label=r"occupation $n_k/N$")
        ax_bar.hlines(
            p.boltzmann,
            x - 0.45,
            x + 0.45,
            colors=ROLE["boltzmann"],
            linestyles="--",
            lw=2.5,
            label="Boltzmann",
        )
        ax_bar.set_xticks(x)
        ax_bar.set_xticklabels([f"{v:g}" for v in p.energies])
        ax_bar.set_xlabel(r"energy $E_k$")
        ax_bar.set_ylabel(r"occupation $n_k/N$")
        ax_bar.set_ylim(0, 1.08 * max(r.fractions.max(), p.boltzmann.max()))
        ax_bar.legend(loc="upper center")
        ax_bar.set_title(f"N = {p.n:,} items exchanging energy")
        t = r.sweeps[self.index]
        h = r.entropy[self.index]
        ax_h.axhline(
            r.entropy_max,
            color=ROLE["boltzmann"],
            ls="--",
            lw=2.5,
            label=r"maximum: Boltzmann $H(p)$",
        )
        (self.curve,) = ax_h.plot(t[:1], h[:1], color=COLORS["blue"], label=r"entropy $H(n/N)$")
        (self.dot,) = ax_h.plot(t[:1], h[:1], "o", color=COLORS["blue"])
        ax_h.set_xlim(0, max(self.sweeps, 1e-9))
        lo, hi = min(r.entropy.min(), 0.0), r.entropy_max
        ax_h.set_ylim(lo, hi + 0.08 * (hi - lo) + 1e-9)
        ax_h.set_xlabel("time (sweeps of N pair exchanges)")
        ax_h.set_ylabel("entropy (nats)")
        ax_h.legend(loc="lower right")
        self.title = ax_h.set_title(" ")
        self.t, self.h = t, h
        return fig

    def update(self, i):
        f = self.result.fractions[self.index[i]]
        for bar, v in zip(self.bars, f, strict=True):
            bar.set_height(v)
        self.curve.set_data(self.t[: i + 1], self.h[: i + 1])
        self.dot.set_data(self.t[i : i + 1], self.h[i : i + 1])
        self.title.set_text(f"sweep {self.t[i]:.2f}: H = {self.h[i]:.3f} nats")

    def animated(self):
        return [*self.bars, self.curve, self.dot, self.title]


class _Concentration:
    """Exact draws on the simplex over the ln W landscape, as N grows."""

    check = ("energies", "n", "mean_energy", "n_min", "samples")

    def __init__(
        self,
        frames,
        dpi,
        seed,
        *,
        energies=(0.0, 1.0, 2.0),
        n: int = 10_000,
        mean_energy: float | None = None,
        n_min: int = 10,
        samples: int = 300,
    ):
        e = as_energies(energies, "energies", min_size=3)
        if e.size != 3:
            raise ValidationError("energies", f"the simplex needs exactly 3 classes (got {e.size})")
        if np.ptp(e) == 0:
            raise ValidationError("energies", "the simplex needs at least two different energies")
        n_max = as_count(n, "n", minimum=2)
        if n_max > 10**9:
            raise ValidationError("n", f"must be at most 1e9 for the simplex (got {n_max})")
        n_min = min(as_count(n_min, "n_min"), n_max)
        self.samples = as_count(samples, "samples")
        if self.samples > 10_000:
            raise ValidationError("samples", f"must be at most 10000 (got {self.samples})")
        if mean_energy is None:
            mean_energy = 0.7 if tuple(e) == (0.0, 1.0, 2.0) else None
        self.e, self.mean_energy = e, mean_energy
        self.ns = np.unique(np.round(np.geomspace(n_min, n_max, frames)).astype(np.int64))
        self.frames, self.dpi, self.seed = frames, dpi, seed
        self._problem(n_max)  # a bad mean energy is reported before any work

    def _problem(self, n):
        from maxent._model.defaults import default_mean_energy
        from maxent._model.problem import Problem

        m = self.mean_energy
        if m is None:
            m = default_mean_energy(self.e, int(self.ns[-1]))
        return Problem(self.e, int(n), mean_energy=m, snap=True)

    def compute(self):
        from maxent._sampling.api import sample

        # one N per frame (log-spaced; repeated where N is small and integer)
        n_frame = np.round(np.geomspace(self.ns[0], self.ns[-1], self.frames)).astype(np.int64)
        if self.ns[-1] - self.ns[0] + 1 >= self.frames:  # a new N in every frame
            for i in range(1, self.frames):
                n_frame[i] = max(n_frame[i], n_frame[i - 1] + 1)
            for i in range(self.frames - 2, -1, -1):
                n_frame[i] = min(n_frame[i], n_frame[i + 1] - 1)
        self.n_frame = n_frame
        self.data = {}
        for n in np.unique(n_frame):
            p = self._problem(n)
            # the same seed at every N: the cloud shrinks instead of jumping about
            r = sample(p, self.samples, "exact", seed=self.seed)
            self.data[int(n)] = (p, r.fractions)

    def build(self):
        from matplotlib import patheffects
        from matplotlib.colors import BoundaryNorm

        fig, (ax,) = _figure(self.dpi, 1)
        # the ln W landscape on a pixel grid of the triangle's bounding box
        res = 220
        xs = np.linspace(0, 1, res)
        ys = np.linspace(0, math.sqrt(3) / 2, round(res * math.sqrt(3) / 2))
        gx, gy = np.meshgrid(xs, ys)
        f2 = gy / (math.sqrt(3) / 2)
        f1 = gx - 0.5 * f2
        f0 = 1 - f1 - f2
        self.grid = np.stack([f0, f1, f2], axis=-1)
        self.outside = (self.grid < -1e-9).any(axis=-1)
        self.levels = np.linspace(-30, 30, 21)
        norm = BoundaryNorm(self.levels, 256, extend="both")
        self.image = ax.imshow(
            np.zeros(gx.shape),
            origin="lower",
            extent=(0, 1, 0, math.sqrt(3) / 2),
            cmap="PuOr_r",
            norm=norm,
            interpolation="nearest",
        )
        cbar = fig.colorbar(self.image, ax=ax, shrink=0.8, pad=0.02)
        cbar.set_label(r"$\ln W - \ln W_{\mathrm{Boltzmann}}$")
        self.contour = None
        self.ax = ax
        (self.line,) = ax.plot(
            [],
            [],
            color="white",
            lw=3,
            label="fixed energy",
            path_effects=[patheffects.withStroke(linewidth=5.5, foreground="black")],
        )
        (self.dots,) = ax.plot(
            [],
            [],
            "o",
            ms=4,
            color=COLORS["yellow"],
            mec="black",
            mew=0.5,
            label=f"{self.samples} exact draws",
        )
        (self.star,) = ax.plot(
            [], [], "*", ms=18, color=COLORS["vermillion"], mec="white", mew=1.2, label="Boltzmann"
        )
        corners = np.array([[0, 0], [1, 0], [0.5, math.sqrt(3) / 2], [0, 0]])
        (self.outline,) = ax.plot(corners[:, 0], corners[:, 1], color="black", lw=1.5)
        for k, (cx, cy) in enumerate(corners[:3]):
            ax.annotate(
                f"all at E = {self.e[k]:g}",
                (cx, cy),
                xytext=(0, -14 if cy == 0 else 6),
                textcoords="offset points",
                ha="center",
                fontsize=10,
            )
        ax.set_xlim(-0.08, 1.08)
        ax.set_ylim(-0.08, math.sqrt(3) / 2 + 0.08)
        ax.set_aspect("equal")
        ax.axis("off")
        ax.legend(loc="upper left", bbox_to_anchor=(-0.35, 1.0))
        self.title = ax.set_title(" ")
        return fig

    def update(self, i):
        from scipy.special import gammaln

        n = int(self.n_frame[i])
        p, frac = self.data[n]
        lw = gammaln(n + 1) - gammaln(np.clip(self.grid, 0, 1) * n + 1).sum(axis=-1)
        lw_star = gammaln(n + 1) - gammaln(p.boltzmann * n + 1).sum()
        rel = np.ma.masked_array(lw - lw_star, self.outside)
        self.image.set_data(rel)
        if self.contour is not None:
            self.contour.remove()
        self.contour = self.ax.contour(
            self.grid[0, :, 1] + 0.5 * self.grid[0, :, 2],
            self.grid[:, 0, 2] * math.sqrt(3) / 2,
            rel,
            levels=[0.0],
            colors="black",
            linewidths=1.5,
            animated=self.image.get_animated(),
        )
        a, b = energy_segment(self.e, p.mean_energy)
        self.line.set_data(*ternary(np.stack([a, b])))
        self.dots.set_data(*ternary(frac))
        bx, by = ternary(p.boltzmann)
        self.star.set_data([bx], [by])
        self.title.set_text(f"N = {n:,} items, U/N = {p.mean_energy:.4g}")

    def animated(self):
        return [self.image, self.contour, self.outline, self.line, self.dots, self.star, self.title]


class _Temperature:
    """softmax(z / T) from the argmax to the uniform law."""

    check = ("logits", "t_min", "t_max")

    def __init__(self, frames, dpi, seed, *, logits=(1.0, 2.0, 3.0, 0.5), t_min=0.05, t_max=20.0):
        self.z = check_logits(logits)
        t_min, t_max = as_real(t_min, "t_min"), as_real(t_max, "t_max")
        if not 0 < t_min < t_max:
            raise ValidationError("t_min", f"need 0 < t_min < t_max (got {t_min:g}, {t_max:g})")
        self.ts = np.geomspace(t_min, t_max, frames)
        self.frames, self.dpi = frames, dpi

    def compute(self):
        self.probs = np.array([softmax(self.z, t) for t in self.ts])

    def build(self):
        z, ts = self.z, self.ts
        fig, (ax_bar, ax_t) = _figure(self.dpi, 2)
        x = np.arange(z.size)
        colors = [class_color(k) for k in range(z.size)]
        self.bars = ax_bar.bar(x, self.probs[0], 0.7, color=colors)
        ax_bar.axhline(1 / z.size, color=COLORS["grey"], ls=":", lw=1.5)
        ax_bar.set_xticks(x)
        ax_bar.set_xticklabels([f"{v:g}" for v in z])
        ax_bar.set_xlabel("logit z")
        ax_bar.set_ylabel(r"softmax$(z/T)_k$")
        ax_bar.set_ylim(0, 1.05)
        self.title = ax_bar.set_title(" ")
        fine = np.geomspace(ts[0], ts[-1], 300)
        curves = np.array([softmax(z, t) for t in fine])
        for k in range(z.size):
            ax_t.plot(fine, curves[:, k], color=colors[k], label=f"z = {z[k]:g}", alpha=0.8)
        ax_t.axhline(1 / z.size, color=COLORS["grey"], ls=":", lw=1.5, label="uniform 1/K")
        self.now = ax_t.axvline(ts[0], color="black", lw=1.2)
        (self.dots,) = ax_t.plot(
            np.full(z.size, ts[0]), self.probs[0], "o", color="black", ms=6, zorder=3
        )
        ax_t.set_xscale("log")
        ax_t.set_ylim(0, 1.05)
        ax_t.set_xlabel("temperature T")
        ax_t.set_title("T -> 0: argmax;  T -> inf: uniform")
        ax_t.legend(loc="center right")
        return fig

    def update(self, i):
        t, p = self.ts[i], self.probs[i]
        for bar, v in zip(self.bars, p, strict=True):
            bar.set_height(v)
        self.now.set_xdata([t, t])
        self.dots.set_data(np.full(p.size, t), p)
        self.title.set_text(f"T = {t:.3g}")

    def animated(self):
        return [*self.bars, self.now, self.dots, self.title]


_KINDS = {"relaxation": _Relaxation, "concentration": _Concentration, "temperature": _Temperature}


# --- the writers ------------------------------------------------------------------------------


def _pixels(fig, background, artists) -> np.ndarray:
    """The frame's RGB pixels: the still background, then the moving artists over it."""
    fig.canvas.restore_region(background)
    for artist in artists:
        fig.draw_artist(artist)
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()


#: The palette entry kept for a near twin of the top-left pixel's colour (see _write_gif).
_TWIN = 255


def _palette(pixels: np.ndarray):
    """A 255-colour palette (as a Pillow image) for every frame, from sample frames.

    Entry 255 is the colour of the top-left pixel (the still figure background) with its
    blue level moved by one: a repeated frame can then differ from the one before by a
    step no eye sees.
    """
    from PIL import Image

    image = Image.fromarray(pixels).quantize(
        _TWIN, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
    )
    colours = image.getpalette()
    colours += [0] * (3 * 256 - len(colours))
    r, g, b = colours[3 * image.getpixel((0, 0)) :][:3]
    colours[3 * _TWIN : 3 * _TWIN + 3] = [r, g, b + 1 if b < 255 else b - 1]
    image.putpalette(colours)
    return image


def _palette_image(pixels: np.ndarray, palette):
    """One frame in the shared palette (GIF frames are kept in memory in this form)."""
    from PIL import Image

    return Image.fromarray(pixels).quantize(palette=palette, dither=Image.Dither.NONE)


def _write_gif(path: Path, images, fps: float) -> None:
    """Write every frame, also one that repeats the frame before it.

    Pillow's GIF writer merges a frame identical to the previous one into it (adding
    the durations), so an animation of a picture that holds still for a while (the
    concentration simplex with a single N) came out with fewer frames than it said. A
    repeated frame takes the near twin of its top-left pixel's colour instead (see
    :func:`_palette`), and the writer keeps it, at the cost of a one-pixel change.
    """
    kept = [images[0]]
    for image in images[1:]:
        if image.tobytes() == kept[-1].tobytes():
            image = image.copy()
            corner = image.getpixel((0, 0))
            image.putpixel((0, 0), _TWIN if corner != _TWIN else _nearest(image, _TWIN))
        kept.append(image)
    kept[0].save(
        path,
        format="GIF",
        save_all=True,
        append_images=kept[1:],
        duration=round(1000 / fps),
        loop=0,
        disposal=1,
    )


def _nearest(image, index: int) -> int:
    """The palette entry nearest in colour to entry ``index``, other than itself."""
    colours = np.asarray(image.getpalette(), dtype=np.int64).reshape(-1, 3)
    dist = np.abs(colours - colours[index]).sum(axis=1)
    dist[index] = dist.max() + 1
    return int(np.argmin(dist))


class _Mp4:
    """Frames streamed to ffmpeg (libx264, yuv420p: plays everywhere)."""

    def __init__(self, path: Path, size: tuple[int, int], fps: float):
        import imageio_ffmpeg

        self.writer = imageio_ffmpeg.write_frames(
            str(path),
            size,
            fps=fps,
            codec="libx264",
            macro_block_size=1,
            ffmpeg_log_level="error",
            output_params=["-crf", "20"],
        )
        self.writer.send(None)

    def send(self, pixels: np.ndarray) -> None:
        self.writer.send(np.ascontiguousarray(pixels))

    def close(self) -> None:
        self.writer.close()


def _prepare(kind, out, frames, fps, dpi, seed, options):
    """Validate everything (no computation) and make the frame maker."""
    if kind not in _KINDS:
        raise ValidationError("kind", f"must be one of {', '.join(KINDS)} (got {kind!r})")
    path = check_animation_path(out)
    frames = as_count(frames, "frames", minimum=2)
    if frames > 3000:
        raise ValidationError("frames", f"must be at most 3000 (got {frames})")
    fps = as_real(fps, "fps")
    if not 0 < fps <= 50:
        raise ValidationError("fps", f"must be in (0, 50] (got {fps:g})")
    dpi = as_real(dpi, "dpi")
    if not 20 <= dpi <= 300:
        raise ValidationError("dpi", f"must be in [20, 300] (got {dpi:g})")
    if path.suffix.lower() == ".gif":  # a GIF's frames are kept until it is written
        w, h = _frame_pixels(dpi)
        require_memory(float(w * h), frames, "frames", "the GIF's 256-colour frames")
    cls = _KINDS[kind]
    options = {k: v for k, v in options.items() if v is not None}
    extra = sorted(set(options) - set(cls.check))
    if extra:
        raise ValidationError(
            extra[0], f"does not apply to the {kind} animation (it takes {', '.join(cls.check)})"
        )
    return path, frames, fps, dpi, cls(frames, dpi, seed, **options)


def check_animation(
    kind: str, out, *, frames: int = 120, fps: float = 12.0, dpi: float = 100.0, **options
) -> Path:
    """Check the arguments of :func:`animate` without computing anything.

    Raises the same :class:`~maxent.ValidationError` that :func:`animate` would, so a
    command can report bad input before it announces a compilation or a progress bar.

    Returns
    -------
    Path
        The output path.
    """
    return _prepare(kind, out, frames, fps, dpi, 0, options)[0]


def animate(
    kind: str,
    out,
    *,
    frames: int = 120,
    fps: float = 12.0,
    dpi: float = 100.0,
    seed=2026,
    progress: Callable[[int, int], None] | None = None,
    **options,
) -> Animation:
    """Write an animation of ``kind`` to ``out`` (GIF or MP4 by the extension).

    Parameters
    ----------
    kind : {'relaxation', 'concentration', 'temperature'}
        ``relaxation``: occupations and entropy under item-level energy exchange
        (:func:`maxent.relax`); ``concentration``: exact draws on the 3-class simplex as
        N grows; ``temperature``: ``softmax(z / T)`` from T -> 0 to T -> inf.
    out : path
        Ending in ``.gif`` (Pillow) or ``.mp4`` (needs ``pip install "maxent[video]"``),
        in an existing directory; written atomically.
    frames : int
        Number of frames (2 to 3000).
    fps : float
        Frames per second (0 < fps <= 50).
    dpi : float
        Pixels per inch of the 8 x 4.5 inch frames (20 to 300).
    seed : int, optional
        Root seed of the dynamics or the draws: the same seed gives the same frames.
    progress : callable, optional
        ``progress(done_frames, frames)`` while rendering.
    **options
        ``relaxation``: ``energies`` (default 0..4), ``n`` (10000), ``mean_energy``,
        ``sweeps`` (4.0, the time shown), ``start`` ('extremes');
        ``concentration``: ``energies`` (three, default 0, 1, 2), ``n`` (the largest N,
        10000), ``mean_energy`` (0.7), ``n_min`` (10), ``samples`` (300 draws per N);
        ``temperature``: ``logits`` (1, 2, 3, 0.5), ``t_min`` (0.05), ``t_max`` (20).
        None means the default.

    Returns
    -------
    Animation
        The path, frame count, play time and render time.

    Raises
    ------
    ValidationError
        For an unknown kind, a bad option, an option the kind does not take, or a path
        that is not ``.gif``/``.mp4`` (or MP4 without the extra); all checked before
        any work.

    Examples
    --------
    >>> import os, tempfile
    >>> import maxent
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     a = maxent.animate("temperature", os.path.join(tmp, "t.gif"), frames=4, dpi=30)
    >>> a.frames, a.seconds
    (4, 0.3333333333333333)
    """
    t0 = time.perf_counter()
    seed = seed_value(as_seed_sequence(seed))  # fresh entropy for None, resolved once
    path, frames, fps, dpi, maker = _prepare(kind, out, frames, fps, dpi, seed, options)
    maker.compute()
    mp4 = path.suffix.lower() == ".mp4"
    with lecture_style():
        import matplotlib as mpl

        with mpl.rc_context(_SMALL), atomic_path(path) as tmp:
            fig = maker.build()
            maker.update(0)
            fig.canvas.draw()
            # lay out once; then draw the still parts once and, per frame, only the
            # artists that move, over a copy of the still background (blitting)
            fig.set_layout_engine("none")
            for artist in maker.animated():
                artist.set_animated(True)
            fig.canvas.draw()
            background = fig.canvas.copy_from_bbox(fig.bbox)
            w, h = fig.canvas.get_width_height()
            video = _Mp4(tmp, (w, h), fps) if mp4 else None
            palette = None
            if not mp4:  # one palette from the first and last frames: no flicker, fast
                ends = []
                for i in (0, frames - 1):
                    maker.update(i)
                    ends.append(_pixels(fig, background, maker.animated()))
                palette = _palette(np.vstack(ends))
            shots = []
            try:
                for i in range(frames):
                    maker.update(i)
                    pixels = _pixels(fig, background, maker.animated())
                    if video is not None:
                        video.send(pixels)
                    else:
                        shots.append(_palette_image(pixels, palette))
                    if progress is not None:
                        progress(i + 1, frames)
            finally:
                if video is not None:
                    video.close()
            if not mp4:
                _write_gif(tmp, shots, fps)
    return Animation(path, kind, frames, fps, frames / fps, seed, (w, h), time.perf_counter() - t0)
