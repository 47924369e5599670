"""Reading logits and labels from .npy, .csv and .txt files."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from maxent._util.errors import ValidationError

__all__ = ["load_array"]

_FORMATS = (".npy", ".csv", ".txt")


def load_array(path: str | os.PathLike, param: str, ndmin: int = 1) -> np.ndarray:
    """Read a numeric array: ``.npy`` (no pickles), ``.csv`` (commas) or ``.txt`` (spaces).

    Text files may start with one header line of column names; ``#`` starts a comment.
    """
    p = Path(path)
    if p.suffix.lower() not in _FORMATS:
        raise ValidationError(
            param, f"file extension must be one of {', '.join(_FORMATS)} (got {p.name!r})"
        )
    if not p.is_file():
        raise ValidationError(param, f"file {str(p)!r} does not exist")
    try:
        if p.suffix.lower() == ".npy":
            return np.load(p, allow_pickle=False)
        delim = "," if p.suffix.lower() == ".csv" else None
        try:
            arr = np.loadtxt(p, delimiter=delim, ndmin=ndmin)
        except ValueError:
            arr = np.loadtxt(p, delimiter=delim, ndmin=ndmin, skiprows=1)  # a header line
    except (OSError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValidationError(param, f"could not read {p.name!r} as numbers ({first})") from None
    return arr
