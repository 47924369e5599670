"""Saving draws to .npy, .npz or .csv, chosen by the file extension."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ._errors import ValidationError

__all__ = ["SAVE_FORMATS", "check_save_path", "save_draws"]

SAVE_FORMATS = (".npy", ".npz", ".csv")


def check_save_path(path: str | os.PathLike, param: str = "save") -> Path:
    """Validate an output path before any work is done (extension and directory)."""
    p = Path(path)
    if p.suffix.lower() not in SAVE_FORMATS:
        raise ValidationError(
            param, f"file extension must be one of {', '.join(SAVE_FORMATS)} (got {p.name!r})"
        )
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise ValidationError(param, f"directory {str(parent)!r} does not exist")
    return p


def save_draws(path: str | os.PathLike, draws: np.ndarray, **meta) -> Path:
    """Write the (M, K) integer draws; ``.npz`` also stores ``meta`` arrays/values."""
    p = check_save_path(path)
    draws = np.asarray(draws, dtype=np.int64)
    suffix = p.suffix.lower()
    tmp = p.with_name(p.name + ".partial" + suffix)
    if suffix == ".npy":
        np.save(tmp, draws)
    elif suffix == ".npz":
        np.savez_compressed(tmp, draws=draws, **{k: np.asarray(v) for k, v in meta.items()})
    else:
        header = ",".join(f"n{k}" for k in range(draws.shape[1]))
        np.savetxt(tmp, draws, fmt="%d", delimiter=",", header=header, comments="")
    os.replace(tmp, p)  # never leave a half-written file under the final name
    return p
