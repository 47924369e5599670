"""Output helpers for the command line: strict JSON and terminal tables."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["jsonable", "print_table", "to_json"]


def jsonable(obj: Any) -> Any:
    """Convert numpy values, dataclasses and non-finite floats to strict-JSON values.

    Infinite and NaN floats become the strings ``"inf"``, ``"-inf"`` and ``"nan"``
    (``float()`` reads them back); everything else maps to the nearest JSON type.
    """
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return jsonable(dataclasses.asdict(obj))
    if isinstance(obj, np.ndarray):
        return [jsonable(v) for v in obj.tolist()]
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        x = float(obj)
        if math.isfinite(x):
            return x
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    return obj


def to_json(obj: Any) -> str:
    """Strict JSON text on one line (no NaN/Infinity literals); pipe to ``jq`` to read."""
    return json.dumps(jsonable(obj), allow_nan=False)


def fmt(x: Any, digits: int = 6) -> str:
    """Compact number formatting for tables (integers exact, floats to ``digits``)."""
    if x is None:
        return "-"
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return "0"
    if 1e-4 <= abs(x) < 1e7:
        return f"{x:.{digits}g}"
    return f"{x:.{max(digits - 2, 2)}e}"


def print_table(
    console,
    title: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    max_rows: int = 24,
    caption: str | None = None,
    digits: int = 6,
) -> None:
    """Print a right-aligned table; long tables show their head and tail only."""
    from rich.table import Table

    # the title on a line of its own: a table narrower than its title would wrap it
    console.print(f"[bold]{title}[/bold]")
    table = Table(caption=caption, caption_justify="left")
    for i, col in enumerate(columns):
        table.add_column(col, justify="left" if i == 0 and col == "" else "right")
    if len(rows) > max_rows:
        half = max_rows // 2
        shown = [*rows[:half], None, *rows[-half:]]
    else:
        shown = list(rows)
    for row in shown:
        if row is None:
            table.add_row(*(["..."] * len(columns)))
            continue
        table.add_row(*(c if isinstance(c, str) else fmt(c, digits) for c in row))
    console.print(table)
    if len(rows) > max_rows:
        console.print(f"({len(rows) - 2 * (max_rows // 2)} rows not shown; --json gives all)")


def _short(value: Any) -> str:
    """A compact rendering of one field value for a result's repr."""
    if isinstance(value, np.ndarray):
        if value.size <= 6 and value.ndim <= 1:
            return np.array2string(value, precision=4, separator=", ", suppress_small=False)
        return f"<{value.dtype} array {'x'.join(map(str, value.shape))}>"
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.6g}"
    if type(value).__name__ == "OptimizeResult":  # scipy's: a dict with attributes
        keys = [k for k in ("success", "log_count", "kkt_residual") if k in value]
        inner = ", ".join(f"{k}={_short(value[k])}" for k in keys)
        return f"OptimizeResult({inner})"
    if isinstance(value, dict):
        return f"<dict {len(value)} keys>"
    if isinstance(value, (list, tuple)) and len(value) > 6:
        return f"<{type(value).__name__} of {len(value)}>"
    text = repr(value)
    if len(text) > 100:
        return f"{type(value).__name__}(...)"
    return text


class ShortRepr:
    """Mixin for result dataclasses: a one-line repr with arrays summarised.

    Small vectors (up to 6 values) are shown rounded; larger arrays as their shape;
    fields declared with ``repr=False`` are left out. A class may add computed
    summaries (a sample's mean fractions) by defining ``_repr_extra``.
    """

    def _repr_extra(self) -> dict[str, Any]:
        return {}

    def __repr__(self) -> str:
        parts = [
            f"{f.name}={_short(getattr(self, f.name))}"
            for f in self.__dataclass_fields__.values()  # type: ignore[attr-defined]
            if f.repr
        ]
        parts += [f"{k}={_short(v)}" for k, v in self._repr_extra().items()]
        return f"{type(self).__name__}({', '.join(parts)})"


def fmt_pm(value: float, err: float) -> str:
    """``value ± err`` with the value rounded to the error's second significant digit.

    ``fmt_pm(4.6e-17, 0.0059)`` gives ``0.0000 ± 0.0059``: digits below the error are
    noise and are not printed; a missing error prints the value alone.
    """
    if not (math.isfinite(value) and math.isfinite(err)) or err <= 0:
        return f"{value:.6g}"
    decimals = max(0, 1 - math.floor(math.log10(err)))
    if decimals > 12:
        return f"{value:.6g} ± {err:.2g}"
    v = round(value, decimals) + 0.0  # no -0
    return f"{v:.{decimals}f} ± {err:.{decimals}f}"


def format_exact(x: Any, digits: int = 17) -> str:
    """An exact rational as text: integers in full, other values to ``digits`` digits.

    >>> from fractions import Fraction
    >>> format_exact(Fraction(2999999999999999999)), format_exact(Fraction(45, 137))
    ('2999999999999999999', '0.32846715328467153')
    """
    from decimal import Context, Decimal
    from fractions import Fraction

    q = Fraction(x)
    if q.denominator == 1:
        return str(q.numerator)
    # enough digits to show the fractional part of a large value (never round to a whole)
    whole = len(str(abs(q.numerator) // q.denominator))
    ctx = Context(prec=max(digits, whole + 8))
    d = ctx.divide(Decimal(q.numerator), Decimal(q.denominator))
    text = format(d, "f") if -6 <= d.adjusted() < digits + 4 else format(d, "e")
    if "." in text and "e" not in text:
        text = text.rstrip("0").rstrip(".")
    return text
