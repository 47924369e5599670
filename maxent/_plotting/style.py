"""One lecture style for every maxent figure: large type, colour-blind-safe colours."""

from __future__ import annotations

import contextlib
from pathlib import Path

from maxent._util.validate import output_path

__all__ = [
    "COLORS",
    "FIGURE_FORMATS",
    "PALETTE",
    "ROLE",
    "class_color",
    "lecture_style",
    "save_figure",
]

#: Okabe & Ito's palette, distinguishable under the common colour-vision deficiencies.
COLORS = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "grey": "#999999",
}

#: The order in which classes (and lines of a sweep) get their colours, in every figure:
#: class k is always ``PALETTE[k % len(PALETTE)]``.
PALETTE = tuple(
    COLORS[c] for c in ("blue", "orange", "green", "vermillion", "purple", "sky", "black", "yellow")
)


def class_color(k: int) -> str:
    """The colour of class (or line) ``k``, the same in every figure."""
    return PALETTE[k % len(PALETTE)]


#: What each quantity is drawn in, in every figure.
ROLE = {
    "boltzmann": COLORS["sky"],
    "optimum": COLORS["blue"],
    "stirling": COLORS["green"],
    "mode": COLORS["vermillion"],
    "exact_mean": COLORS["black"],
    "sampled": COLORS["orange"],
    "single": COLORS["purple"],
    "reference": COLORS["grey"],
}

FIGURE_FORMATS = (".png", ".svg", ".pdf")

_RC = {
    "font.size": 16,  # every text at least 14 pt on a 13.33 x 7.5 in (16:9) slide
    "axes.titlesize": 18,
    "axes.labelsize": 17,
    "xtick.labelsize": 15,
    "ytick.labelsize": 15,
    "legend.fontsize": 14,
    "legend.frameon": False,
    "lines.linewidth": 2.2,
    "lines.markersize": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.25,
    "axes.prop_cycle": None,  # filled in below
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
    "mathtext.fontset": "dejavusans",
}


@contextlib.contextmanager
def lecture_style():
    """Context manager applying the lecture style to figures made inside it.

    Large type, no top and right spines, a light grid and the colour-blind-safe class
    colours (:data:`COLORS`); the previous settings come back on exit.

    Returns
    -------
    contextlib.AbstractContextManager
        Use it in a ``with`` statement; it yields nothing.

    Examples
    --------
    >>> import matplotlib as mpl
    >>> import maxent
    >>> with maxent.lecture_style():
    ...     print(mpl.rcParams["font.size"], mpl.rcParams["axes.spines.top"])
    16.0 False
    """
    import matplotlib as mpl
    from cycler import cycler

    rc = dict(_RC)
    rc["axes.prop_cycle"] = cycler(color=list(PALETTE))
    with mpl.rc_context(rc):
        yield


def check_figure_path(path, param: str = "plot") -> Path:
    """Validate a figure path: extension .png, .svg or .pdf and an existing directory."""
    return output_path(path, FIGURE_FORMATS, param)


def save_figure(fig, path, param: str = "plot", dpi: float | None = None) -> Path:
    """Save ``fig`` in the format given by the extension of ``path`` (``dpi`` for PNG).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to save.
    path : str or path-like
        Ending in ``.png``, ``.svg`` or ``.pdf``, in an existing directory.
    param : str, optional
        Parameter name used in the error message for a bad path.
    dpi : float, optional
        Resolution of a PNG (default: the style's 150).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    ValidationError
        For another extension, or a directory that does not exist.

    Examples
    --------
    >>> import os, tempfile
    >>> import matplotlib.pyplot as plt
    >>> import maxent
    >>> fig, ax = plt.subplots()
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     print(maxent.save_figure(fig, os.path.join(tmp, "f.png")).name)
    f.png
    >>> plt.close(fig)
    """
    p = check_figure_path(path, param)
    kw = {"dpi": dpi} if dpi else {}
    fig.savefig(p, format=p.suffix.lower()[1:], **kw)
    return p
