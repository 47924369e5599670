"""Saving draws to .npy, .npz or .csv, chosen by the file extension."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from maxent._util.validate import output_path

__all__ = ["SAVE_FORMATS", "atomic_path", "check_save_path", "save_draws"]

SAVE_FORMATS = (".npy", ".npz", ".csv")


def check_save_path(path: str | os.PathLike, param: str = "save") -> Path:
    """Validate an output path before any work is done (extension and directory)."""
    return output_path(path, SAVE_FORMATS, param)


def save_draws(path: str | os.PathLike, draws: np.ndarray, **meta) -> Path:
    """Write the (M, K) integer draws; ``.npz`` also stores ``meta`` arrays/values."""
    p = check_save_path(path)
    draws = np.asarray(draws, dtype=np.int64)
    suffix = p.suffix.lower()
    with atomic_path(p) as tmp:
        if suffix == ".npy":
            np.save(tmp, draws)
        elif suffix == ".npz":
            np.savez_compressed(tmp, draws=draws, **{k: np.asarray(v) for k, v in meta.items()})
        else:
            header = ",".join(f"n{k}" for k in range(draws.shape[1]))
            np.savetxt(tmp, draws, fmt="%d", delimiter=",", header=header, comments="")
    return p


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; once written, move it to ``path`` whole.

    The file is flushed to disk and renamed with ``os.replace`` (atomic), so ``path``
    never holds a half-written file, even after a crash or SIGKILL. The temporary name
    starts with ``.tmp-`` and keeps the extension (numpy adds one otherwise); it is
    removed if writing fails.
    """
    path = Path(path)
    tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
    try:
        yield tmp
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
