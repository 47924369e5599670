"""Reading logits and labels from .npy, .csv and .txt files."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np

from maxent._util.errors import ValidationError
from maxent._util.validate import input_file

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
    input_file(p, param)
    try:
        if p.suffix.lower() == ".npy":
            return np.load(p, allow_pickle=False)
        delim = "," if p.suffix.lower() == ".csv" else None
        # an empty file reads as an empty array, which the caller refuses in words; numpy's
        # UserWarning about it would only come first
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "loadtxt: input contained no data", UserWarning)
            try:
                arr = np.loadtxt(p, delimiter=delim, ndmin=ndmin)
            except ValueError:
                arr = np.loadtxt(p, delimiter=delim, ndmin=ndmin, skiprows=1)  # a header line
    except (OSError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValidationError(param, f"could not read {p.name!r} as numbers ({first})") from None
    return arr
