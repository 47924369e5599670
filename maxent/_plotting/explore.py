"""``maxent.explore``: one offline HTML page of exact laws that moves with sliders.

The page is for a lecture hall: one self-contained file (data as JSON, script and style
inline, no network), opened from ``file://``. It computes nothing at view time: the
exact laws are computed here at every slider stop (:mod:`maxent._compare.explore`) and
the page draws them as plain SVG with a few hundred lines of script. Plain SVG rather
than a vendored charting library: nothing to vendor (50 to 200 KB), sharp at any
projector resolution, and the colours are CSS variables, so the light and dark themes
are one stylesheet. A slider snaps to the computed stops and shows the stop it is on:
no number on the page is interpolated.
"""

from __future__ import annotations

import gzip
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from maxent._compare import explore as X
from maxent._plotting._explore_page import PAGE
from maxent._plotting.style import COLORS, PALETTE
from maxent._util.errors import ValidationError
from maxent._util.format import ShortRepr, to_json
from maxent._util.validate import output_path
from maxent._version import __version__

__all__ = ["ExplorePage", "explore"]

STATISTICS = ("boltzmann", "bose", "fermi")
TEMPERATURES = (0.2, 0.35, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)
SIMPLEX_MEANS = (0.3, 0.5, 0.7, 0.9, 1.0, 1.1, 1.3, 1.5, 1.7)
SOFTMAX_T = tuple(float(f"{t:.3g}") for t in (10 ** (i / 8 - 1.5) for i in range(29)))
CONCENTRATION_MEANS = (0.6, 1.0, 1.5)
DIE_THRESHOLDS = (3.6, 3.8, 4.0, 4.25, 4.5, 4.75, 5.0, 5.25, 5.5, 5.75, 5.9)
N_MAX_RANGE = (10, 100_000)
#: Largest N of the die panel: its exact counts are big integers of about 2.6 N bits and
#: cost like N^2 (the stops 5000 and 10000 took 2.5 s of a 11 s page; at N = 2000 the
#: exact rate is already within 0.004 of I(a) at a = 4.5)
DIE_N_MAX = 2000
CLASSES_MAX_RANGE = (2, 8)


@dataclass(frozen=True, repr=False)
class ExplorePage(ShortRepr):
    """The page :func:`explore` wrote (or would write).

    Attributes
    ----------
    html : str
        The whole page: one self-contained HTML document.
    data : dict
        The exact numbers embedded in it (strict JSON), by panel.
    stops : int
        Slider stops computed, over all panels.
    seconds : float
        Time to compute and assemble the page.
    path : Path or None
        Where it was written, if it was.
    """

    html: str = field(repr=False)
    data: dict[str, Any] = field(repr=False)
    stops: int
    seconds: float
    path: Path | None = None

    @property
    def size(self) -> int:
        """Bytes of the page (UTF-8)."""
        return len(self.html.encode("utf-8"))

    @property
    def gzip_size(self) -> int:
        """Bytes of the page gzipped (as a web server would send it)."""
        return len(gzip.compress(self.html.encode("utf-8"), mtime=0))

    def _repr_extra(self) -> dict[str, Any]:
        return {"size": self.size}

    def write(self, path) -> Path:
        """Write the page to ``path`` (UTF-8) and return the path."""
        p = Path(path)
        p.write_text(self.html, encoding="utf-8")
        return p

    def to_dict(self) -> dict[str, Any]:
        """What ``maxent explore --json`` prints: where, how big, how many stops."""
        return {
            "path": None if self.path is None else str(self.path),
            "bytes": self.size,
            "gzip_bytes": self.gzip_size,
            "stops": self.stops,
            "seconds": self.seconds,
            "panels": {k: v["count"] for k, v in self.data["panels"].items()},
        }


def _nearest(values, want, name):
    if want is None:
        return None
    best = min(range(len(values)), key=lambda i: (abs(math.log(values[i] / want)), i))
    return values[best]


def _check_range(value, name, lo, hi):
    if isinstance(value, bool) or int(value) != value or not lo <= value <= hi:
        raise ValidationError(name, f"must be an integer in [{lo}, {hi}] (got {value!r})")
    return int(value)


def _start_temperature(classes: int, temperature, mean_energy, beta) -> float:
    """The starting T from one of ``temperature``, ``mean_energy``, ``beta`` (default 1)."""
    given = {
        k: v
        for k, v in (("temperature", temperature), ("mean_energy", mean_energy), ("beta", beta))
        if v is not None
    }
    if len(given) > 1:
        names = ", ".join(given)
        raise ValidationError(
            list(given)[1], f"give only one of temperature, mean_energy, beta (got {names})"
        )
    if mean_energy is not None:
        top = (classes - 1) / 2
        m = float(mean_energy)
        if not 0 < m < top:
            raise ValidationError(
                "mean_energy",
                f"must lie in (0, {top:g}) for K = {classes} (energies 0..{classes - 1} at a "
                f"positive temperature) (got {mean_energy!r})",
            )
        from maxent._model.theory import beta_from_mean

        return 1.0 / beta_from_mean(list(range(classes)), m)
    if beta is not None:
        b = float(beta)
        if not 0 < b < math.inf:
            raise ValidationError("beta", f"must be a positive number (got {beta!r})")
        return 1.0 / b
    t = 1.0 if temperature is None else temperature
    if not (isinstance(t, int | float) and 0 < t < math.inf):
        raise ValidationError("temperature", f"must be a positive number (got {t!r})")
    return float(t)


def explore(
    out=None,
    *,
    classes: int | None = None,
    n: int | None = None,
    temperature: float | None = None,
    mean_energy: float | None = None,
    beta: float | None = None,
    statistics: str = "boltzmann",
    n_max: int = 10_000,
    classes_max: int = 5,
    seed: int = 2026,
    progress: Callable[[int, int], None] | None = None,
) -> ExplorePage:
    """Compute the exact laws at every slider stop and build (and write) the page.

    Parameters
    ----------
    out : str or Path, optional
        Where to write the page; not written when omitted.
    classes, n, temperature, statistics : optional
        Where the sliders of the occupation panel start (each snaps to its nearest stop;
        ``n`` and ``temperature`` also start the other panels' N and T sliders). Default
        K = 4 and N = 1000, or the largest stop below them; default T = 1.
    mean_energy, beta : float, optional
        The starting T given another way, as for a :class:`maxent.Problem` (at most one
        of ``temperature``, ``mean_energy`` and ``beta``): ``beta > 0`` is ``T = 1/beta``;
        a mean energy (per item, energies ``0..K-1`` at the starting K, below the
        uniform mean ``(K - 1)/2``) is the T whose Boltzmann law has it.
    n_max : int, optional
        The largest N of the sliders, 10 to 100000 (the counting simplex and the
        concentration panel stop at 10000 and 1000, where their draws and lattices stay
        small), the die panel at 2000 (its counts are exact big integers).
    classes_max : int, optional
        The largest K of the occupation panel, 2 to 8.
    seed : int, optional
        Root seed of the exact draws on the simplex (the page is a pure function of it).
    progress : callable, optional
        Called as ``progress(done, total)`` after every stop.

    Returns
    -------
    ExplorePage

    Examples
    --------
    >>> import maxent
    >>> page = maxent.explore(n_max=20, classes_max=3)
    >>> page.html.startswith("<!DOCTYPE html>"), page.stops > 100
    (True, True)
    """
    t0 = time.perf_counter()
    if out is not None:
        output_path(out, (".html", ".htm"), "out")
    n_max = _check_range(n_max, "n_max", *N_MAX_RANGE)
    classes_max = _check_range(classes_max, "classes_max", *CLASSES_MAX_RANGE)
    classes = _check_range(min(4, classes_max) if classes is None else classes, "classes", 2,
                           classes_max)  # fmt: skip
    n = _check_range(min(1000, n_max) if n is None else n, "n", 1, n_max)
    seed = _check_range(seed, "seed", 0, 2**63 - 1)
    if statistics not in STATISTICS:
        raise ValidationError("statistics", f"must be one of {', '.join(STATISTICS)}")
    temperature = _start_temperature(classes, temperature, mean_energy, beta)

    ks = list(range(2, classes_max + 1))
    ns = X.log_stops(n_max)
    ns_simplex = X.log_stops(min(n_max, 10_000))
    ns_conc = [v for v in X.log_stops(min(n_max, 1000)) if v >= 5]
    ns_die = X.log_stops(min(n_max, DIE_N_MAX))
    total = (
        len(ks) * len(ns) * len(TEMPERATURES) * len(STATISTICS)
        + len(ns_simplex) * len(SIMPLEX_MEANS)
        + len(ns_conc) * len(CONCENTRATION_MEANS)
        + len(ns_die) * len(DIE_THRESHOLDS)
    )
    done = [0]

    def tick():
        done[0] += 1
        if progress is not None:
            progress(done[0], total)

    start_n = _nearest(ns, n, "n")
    start_t = _nearest(TEMPERATURES, temperature, "temperature")
    panels = {
        "occupation": {
            "axes": {
                "classes": ks,
                "n": ns,
                "temperature": list(TEMPERATURES),
                "statistics": list(STATISTICS),
            },
            "start": {
                "classes": classes,
                "n": start_n,
                "temperature": start_t,
                "statistics": statistics,
            },
            "stops": X.occupation_stops(ks, ns, TEMPERATURES, STATISTICS, tick),
        },
        "simplex": {
            "axes": {"n": ns_simplex, "mean": list(SIMPLEX_MEANS)},
            "start": {"n": _nearest(ns_simplex, n, "n"), "mean": 0.7},
            **X.simplex_stops(ns_simplex, SIMPLEX_MEANS, 60, seed, tick),
        },
        "softmax": {
            "axes": {"temperature": ["0", *[f"{t:g}" for t in SOFTMAX_T], "inf"]},
            "start": {"temperature": f"{_nearest(SOFTMAX_T, temperature, 't'):g}"},
            **X.softmax_stops(SOFTMAX_T),
        },
        "concentration": {
            "axes": {"n": ns_conc, "mean": list(CONCENTRATION_MEANS)},
            "start": {"n": _nearest(ns_conc, n, "n"), "mean": 1.0},
            **X.concentration_stops(ns_conc, CONCENTRATION_MEANS, progress=tick),
        },
        "die": {
            "axes": {"n": ns_die, "threshold": list(DIE_THRESHOLDS)},
            "start": {"n": _nearest(ns_die, n, "n"), "threshold": 4.5},
            **X.die_stops(ns_die, DIE_THRESHOLDS, progress=tick),
        },
    }
    panels["softmax"]["count"] = len(SOFTMAX_T) + 2
    for name in ("occupation", "simplex", "concentration", "die"):
        panels[name]["count"] = len(panels[name]["stops"])
    data = {
        "maxent": __version__,
        "seed": seed,
        "colors": {"palette": list(PALETTE), **COLORS},
        "panels": panels,
    }
    body = to_json(data).replace("</", "<\\/")  # safe inside <script>
    html = PAGE.replace("@@DATA@@", body).replace("@@VERSION@@", __version__)
    stops = sum(p["count"] for p in panels.values())
    page = ExplorePage(html, data, stops, time.perf_counter() - t0)
    if out is not None:
        path = page.write(out)
        page = ExplorePage(html, data, stops, page.seconds, path)
    return page
