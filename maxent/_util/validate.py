"""Input validation shared by the public API and the command line."""

from __future__ import annotations

import math
import numbers
import os
import re
import stat
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from maxent._util.errors import ValidationError

_INT_RE = re.compile(r"^[+-]?\d[\d_]*$")


def as_energies(energies: Any, param: str = "energies", min_size: int = 1) -> np.ndarray:
    """Return ``energies`` as a finite 1-D float64 array with at least ``min_size`` entries."""
    try:
        arr = np.asarray(energies, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValidationError(param, "must be a sequence of real numbers") from None
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ValidationError(param, f"must be one-dimensional (got shape {arr.shape})")
    if arr.size < min_size:
        raise ValidationError(param, f"needs at least {min_size} values (got {arr.size})")
    lo, hi = float(arr.min()), float(arr.max())  # NaN and inf show up in min or max
    if not (math.isfinite(lo) and math.isfinite(hi)):
        i = int(np.flatnonzero(~np.isfinite(arr))[0])
        raise ValidationError(param, f"must be finite real numbers (got {arr[i]} at position {i})")
    with np.errstate(over="ignore"):
        spread = hi - lo
    if not math.isfinite(spread):
        raise ValidationError(param, "the spread max - min overflows float64 (must be < 1.7e308)")
    return arr


def as_degeneracies(degeneracies: Any, size: int, param: str = "degeneracies") -> np.ndarray:
    """Return positive finite weights of length ``size`` (ones when ``None``)."""
    if degeneracies is None:
        return np.ones(size)
    arr = as_energies(degeneracies, param=param)
    if arr.size != size:
        raise ValidationError(param, f"needs one value per class ({size}), got {arr.size}")
    if (arr <= 0).any():
        raise ValidationError(param, "must be positive (> 0)")
    return arr


def as_count(value: Any, param: str = "n", minimum: int = 1) -> int:
    """Parse an item count: an integer >= ``minimum``; accepts ``1e5`` and ``100_000``."""
    if isinstance(value, bool):
        raise ValidationError(param, f"must be an integer >= {minimum} (got {value!r})")
    if isinstance(value, numbers.Integral):
        out = int(value)
    elif isinstance(value, numbers.Real) or isinstance(value, str):
        text = str(value).strip()
        if isinstance(value, str) and _INT_RE.match(text):
            out = int(text.replace("_", ""))
        else:
            try:
                x = float(text.replace("_", ""))
            except ValueError:
                raise ValidationError(
                    param, f"must be an integer >= {minimum} (got {value!r})"
                ) from None
            if not math.isfinite(x) or x != math.floor(x) or abs(x) > 2**62:
                raise ValidationError(
                    param, f"must be an integer >= {minimum} and < 2**62 (got {value!r})"
                )
            out = int(x)
    else:
        raise ValidationError(param, f"must be an integer >= {minimum} (got {value!r})")
    if out < minimum:
        raise ValidationError(param, f"must be an integer >= {minimum} (got {out})")
    if out >= 2**62:
        raise ValidationError(param, f"must be < 2**62 (got {out})")
    return out


def as_real(value: Any, param: str, *, allow_inf: bool = False) -> float:
    """Parse a real number; NaN is always rejected, infinities only when allowed."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValidationError(param, f"must be a real number (got {value!r})") from None
    if math.isnan(x) or (math.isinf(x) and not allow_inf):
        rng = "a real number or +/-inf" if allow_inf else "a finite real number"
        raise ValidationError(param, f"must be {rng} (got {value!r})")
    return x


def as_exact(value: Any, param: str) -> Fraction:
    """A real number as an exact rational, read as it was written.

    Integers (Python or numpy, or integer text such as ``"2999999999999999999"``) and
    decimal text (``"0.1"``, ``"1e18"``) are exact; a float is read as the shortest decimal
    that gives it back (``0.1`` is 1/10, as typed). NaN and infinities are rejected.
    """
    if isinstance(value, bool):
        raise ValidationError(param, f"must be a finite real number (got {value!r})")
    if isinstance(value, (int, np.integer)):
        return Fraction(int(value))
    if isinstance(value, Fraction):
        return value
    if isinstance(value, str):
        text = value.strip().replace("_", "")
        try:
            out = Fraction(text)
        except (ValueError, ZeroDivisionError):
            out = None
        if out is not None and "/" not in text:
            try:
                float(out)
            except OverflowError:
                raise ValidationError(
                    param, f"must be a finite real number below 1.8e308 (got {value!r})"
                ) from None
            return out
    x = as_real(value, param)
    return Fraction(repr(float(x)))


def exact_decimal(x: Any) -> Fraction:
    """An integer exactly, a float as the shortest decimal that gives it back."""
    if isinstance(x, Fraction):
        return x
    if isinstance(x, (int, np.integer)):
        return Fraction(int(x))
    return Fraction(repr(float(x)))


def written_as_float(value: Fraction) -> bool:
    """Whether ``value`` was typed from a float64's digits (at most 17 of them).

    Such a value stands for every real that rounds to that float, so a lattice total
    within its rounding is that total. ``repr`` writes a float in its shortest digits,
    ``%.17g`` in 17: both are a float's. An integer beyond 2**53, or a decimal with more
    significant digits than 17, is exact as written.

    Examples
    --------
    >>> written_as_float(Fraction("2364218067.0918698")), written_as_float(Fraction(1, 10))
    (True, True)
    >>> written_as_float(Fraction(2999999999999999999)), written_as_float(Fraction(1, 3))
    (False, False)
    """
    if value.denominator == 1:
        return abs(value) <= 2**53 or Fraction(float(value)) == value
    den, places = value.denominator, 0
    while den % 10 == 0:
        den, places = den // 10, places + 1
    while den % 2 == 0 or den % 5 == 0:  # 1/2, 1/4, 1/5 ...: a finite decimal still
        factor = 5 if den % 2 == 0 else 2
        den, places = den * factor // 10, places + 1
    if den != 1:
        return False  # no finite decimal: not typed as one
    digits = str(abs(value.numerator * 10**places // value.denominator)).strip("0")
    return len(digits) <= 17


def output_path(path: str | os.PathLike, formats: tuple[str, ...], param: str) -> Path:
    """Check an output file before any work is done: its extension and its directory."""
    p = Path(path)
    if p.suffix.lower() not in formats:
        allowed = formats[0] if len(formats) == 1 else f"one of {', '.join(formats)}"
        raise ValidationError(param, f"file extension must be {allowed} (got {p.name!r})")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise ValidationError(param, f"directory {str(parent)!r} does not exist")
    return p


def split_items(text: str, param: str, separators: str = ",") -> list[str]:
    """The items of a separated list (``"0,1,2"``), stripped; an empty item is an error.

    ``"0,,2"`` or ``"0,1,"`` is refused rather than read as ``[0, 2]`` or ``[0, 1]``: a
    doubled or trailing separator is usually a value left out.
    """
    items = [t.strip() for t in re.split(f"[{re.escape(separators)}]", str(text))]
    for i, item in enumerate(items):
        if not item:
            where = "the list is empty" if len(items) == 1 else f"item {i + 1} is empty"
            raise ValidationError(
                param,
                f"{where} in {text!r} (two separators in a row, or one at an end?)",
            )
    return items


_KINDS = (
    (stat.S_ISDIR, "a directory, not a file"),
    (stat.S_ISCHR, "a character device, not a regular file"),
    (stat.S_ISBLK, "a block device, not a regular file"),
    (stat.S_ISFIFO, "a named pipe (FIFO), not a regular file"),
    (stat.S_ISSOCK, "a socket, not a regular file"),
)


def special_file(path: str | os.PathLike) -> str | None:
    """What ``path`` is when it exists but is not a regular file (``None`` otherwise)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode):
        return None
    return next((kind for test, kind in _KINDS if test(mode)), "a special file")


def input_file(path: str | os.PathLike, param: str) -> Path:
    """Check that ``path`` is a regular file this process can read; say what it is if not.

    ``/dev/zero`` is a character device, not a missing file; a directory, a named pipe
    (which would block the read) and a file without read permission each get their own
    message.
    """
    p = Path(path)
    name = repr(str(p))
    try:
        p.stat()
    except (FileNotFoundError, NotADirectoryError):
        if p.is_symlink():
            raise ValidationError(param, f"{name} is a broken symbolic link") from None
        raise ValidationError(param, f"no such file: {name}") from None
    except OSError as exc:
        raise ValidationError(param, f"cannot open {name} ({exc.strerror})") from None
    kind = special_file(p)
    if kind is not None:
        raise ValidationError(param, f"{name} is {kind}")
    if not os.access(p, os.R_OK):
        raise ValidationError(param, f"{name} is not readable (permission denied)")
    return p


def read_values(path: str | os.PathLike, param: str) -> np.ndarray:
    """Read a list of numbers from a file: ``.npy``, or text/CSV (commas, spaces, newlines).

    Lets long lists (10,000 energies) be given as ``--energies @FILE`` or in a study file,
    past the command-line length limit. Lines starting with ``#`` are comments.
    """
    p = input_file(path, param)
    if p.suffix.lower() == ".npy":
        try:
            arr = np.load(p, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise ValidationError(param, f"cannot read {str(p)!r} as .npy ({exc})") from None
        return np.asarray(arr, dtype=np.float64).ravel()
    try:
        text = p.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(param, f"cannot read {str(p)!r} ({exc})") from None
    tokens = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0]
        if not line.strip():
            continue
        try:
            fields = split_items(line, param, ",;")
        except ValidationError as exc:
            raise ValidationError(param, f"{str(p)!r} line {number}: {exc.message}") from None
        tokens.extend(t for f in fields for t in f.split())
    try:
        vals = [exact_number(t, param) for t in tokens]
    except ValidationError as exc:
        raise ValidationError(param, f"{str(p)!r}: {exc.message}") from None
    except ValueError:
        bad = next(t for t in tokens if not _is_number(t))
        raise ValidationError(param, f"{str(p)!r} holds a non-number: {bad!r}") from None
    if not vals:
        raise ValidationError(param, f"{str(p)!r} holds no numbers")
    return np.asarray(vals, dtype=np.float64)


def exact_number(text: str, param: str) -> float:
    """``float(text)``, refusing an integer that float64 cannot hold exactly.

    An integer written out beyond 2**53 (``9007199254740993``) would silently become its
    float64 neighbour, and with it the lattice and every allocation on it.

    Raises
    ------
    ValueError
        If ``text`` is not a number.
    ValidationError
        If it is an integer that float64 rounds.
    """
    t = text.strip().replace("_", "")
    value = float(t)
    digits = t[1:] if t[:1] in "+-" else t
    if digits.isdigit() and abs(int(t)) > 2**53 and int(value) != int(t):
        raise ValidationError(
            param,
            f"{text.strip()} is an integer beyond 2**53 that float64 cannot hold (it would be "
            f"read as {int(value)}); shift the values to a smaller origin or rescale them",
        )
    return value


def _is_number(text: str) -> bool:
    try:
        float(text.replace("_", ""))
    except ValueError:
        return False
    return True
