"""Parse a command's --json output the way the strictest reader does.

``json.loads`` accepts ``NaN``, ``Infinity`` and ``-Infinity``, which RFC 8259 (and a
browser's ``JSON.parse``, and ``jq``) do not: :func:`loads` refuses them, and also the
project's own rules on top of the grammar: no ``"nan"`` string standing in for a NaN, and
every ``null`` with a reason beside it (``"<key>_message"``; for a list holding nulls,
under the list's key), as docs/cli.md states.
"""

from __future__ import annotations

import json
from typing import Any

SUFFIX = "_message"


def _refuse(constant: str):
    raise ValueError(f"not RFC 8259 JSON: the constant {constant} is not allowed")


def loads(text: str) -> Any:
    """Parse ``text`` strictly and check the null convention; return the value."""
    value = json.loads(text, parse_constant=_refuse)
    problems: list[str] = []
    _check(value, "", problems)
    if problems:
        raise ValueError("JSON output breaks the null convention: " + "; ".join(problems[:5]))
    return value


def _has_null(v: Any) -> bool:
    if v is None:
        return True
    return isinstance(v, list) and any(_has_null(x) for x in v)


def _check(v: Any, path: str, problems: list[str]) -> None:
    if isinstance(v, dict):
        for key, item in v.items():
            where = f"{path}.{key}" if path else key
            if _has_null(item) and not isinstance(v.get(key + SUFFIX), str):
                problems.append(f"{where} is null with no {key + SUFFIX!r} beside it")
            _check(item, where, problems)
    elif isinstance(v, list):
        for i, item in enumerate(v):
            _check(item, f"{path}[{i}]", problems)
    elif isinstance(v, str) and v.strip().lower() in ("nan", "+nan", "-nan"):
        problems.append(f"{path} is the string {v!r} (an undefined value is null)")
