"""Render time of ``maxent animate``: a 10-second GIF (120 frames at 12 fps, 100 dpi).

Target on a 2-core machine: under 30 s for each kind. The baseline is what a user would
write with matplotlib alone: the same figure and per-frame updates, saved with
``matplotlib.animation.FuncAnimation`` and ``PillowWriter`` (the whole figure redrawn for
every frame, each frame quantised on its own), measured in the same run. maxent lays the
figure out once, blits only the moving artists and quantises every frame to one palette.

    python benchmarks/bench_animate.py [--frames 120] [--kinds relaxation,temperature]
        [--json out.json]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _common import machine, report


def maxent_time(kind, path, frames):
    from maxent._plotting.animate import animate

    t0 = time.perf_counter()
    animate(kind, path, frames=frames, fps=12, dpi=100, seed=2026)
    return time.perf_counter() - t0


def baseline_time(kind, path, frames):
    """The same frames through FuncAnimation + PillowWriter (full redraw per frame)."""
    import matplotlib as mpl
    from matplotlib.animation import FuncAnimation, PillowWriter

    from maxent._plotting.animate import _KINDS, _SMALL
    from maxent._plotting.style import lecture_style

    t0 = time.perf_counter()
    maker = _KINDS[kind](frames, 100.0, 2026)
    maker.compute()
    with lecture_style(), mpl.rc_context(_SMALL):
        fig = maker.build()
        anim = FuncAnimation(fig, maker.update, frames=frames, blit=False)
        anim.save(path, writer=PillowWriter(fps=12), dpi=100)
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=120)
    ap.add_argument("--kinds", default="temperature,relaxation,concentration")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    # warm up imports and the numba kernels
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.kinds.split(","):
            maxent_time(kind, Path(tmp) / "w.gif", 3)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.kinds.split(","):
            ours = maxent_time(kind, Path(tmp) / f"{kind}.gif", args.frames)
            size = (Path(tmp) / f"{kind}.gif").stat().st_size / 1e3
            base = baseline_time(kind, Path(tmp) / f"{kind}-base.gif", args.frames)
            base_size = (Path(tmp) / f"{kind}-base.gif").stat().st_size / 1e3
            rows.append([kind, args.frames, ours, base, base / ours, size, base_size])
    report(
        f"maxent animate, {args.frames} frames of 800 x 450 (12 fps, 100 dpi); {machine()}",
        ["kind", "frames", "maxent s", "FuncAnimation s", "speed-up", "maxent KB", "baseline KB"],
        rows,
        args.json,
    )


if __name__ == "__main__":
    main()
