"""Time and size of ``maxent explore`` pages, against one matplotlib PNG per stop.

    python benchmarks/bench_explore.py [--repeat 3]

The baseline is what a lecturer without the page would make: one static figure per
slider stop of the occupation panel (its bars and the large-N law, as PNG at 100 dpi),
timed on a sample of stops and scaled to all of them, in the same run.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time

import maxent


def page_once(**kw):
    t = time.perf_counter()
    page = maxent.explore(**kw)
    return time.perf_counter() - t, page


def png_baseline(page, sample: int = 40) -> tuple[float, float, int]:
    """Seconds and bytes for one PNG per occupation stop (measured on ``sample`` stops)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    stops = list(page.data["panels"]["occupation"]["stops"].values())
    step = max(1, len(stops) // sample)
    chosen = stops[::step][:sample]
    t = time.perf_counter()
    size = 0
    for st in chosen:
        fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=100)
        k = len(st["limit"])
        if st["mean"] is not None:
            ax.bar([i - 0.2 for i in range(k)], st["mean"], 0.4, yerr=st["sd"])
        ax.bar([i + 0.2 for i in range(k)], st["limit"], 0.4)
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        plt.close(fig)
        size += buf.tell()
    secs = time.perf_counter() - t
    n_all = len(stops)
    return secs * n_all / len(chosen), size * n_all / len(chosen), n_all


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rows = []
    small = {"n_max": 1000, "classes_max": 4}
    settings = (("default", {}), ("--n-max 1000 --classes-max 4", small))
    for label, kw in settings:
        times, page = [], None
        for _ in range(args.repeat):
            secs, page = page_once(**kw)
            times.append(secs)
        t = statistics.median(times)
        base_t, base_size, n_occ = png_baseline(page)
        rows.append((label, page, t, base_t, base_size, n_occ))
    print(
        "| page | stops | write (s, median) | size | gzipped | one PNG per occupation stop "
        "| time ratio | size ratio |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for label, page, t, base_t, base_size, n_occ in rows:
        print(
            f"| {label} | {page.stops} | {t:.2f} | {page.size / 1e6:.2f} MB | "
            f"{page.gzip_size / 1e6:.3f} MB | {n_occ} PNGs: {base_t:.1f} s, "
            f"{base_size / 1e6:.1f} MB | "
            f"{base_t / t:.1f}x | {base_size / page.size:.1f}x |"
        )


if __name__ == "__main__":
    main()
