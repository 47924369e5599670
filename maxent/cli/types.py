"""Click parameter types: each wraps a library validator, so errors name the option."""

from __future__ import annotations

from pathlib import Path

import click

from maxent._util.errors import ValidationError

__all__ = ["Count", "ExactReal", "FloatList", "Real", "Seed"]


class _Validated(click.ParamType):
    """A parameter converted by one of the library's ``as_*`` validators."""

    def _check(self, value, param):
        raise NotImplementedError

    def convert(self, value, param, ctx):
        try:
            return self._check(value, param.name if param else "value")
        except ValidationError as exc:
            self.fail(exc.message, param, ctx)


class Count(_Validated):
    """A whole number >= ``minimum`` (``1e5`` and ``100_000`` are accepted)."""

    name = "INT"

    def __init__(self, minimum: int = 1):
        self.minimum = minimum

    def _check(self, value, name):
        from maxent._util.validate import as_count  # numpy: loaded only when parsing

        return as_count(value, name, minimum=self.minimum)


class Real(_Validated):
    """A finite real number (``inf`` too when ``allow_inf``)."""

    name = "FLOAT"

    def __init__(self, allow_inf: bool = False):
        self.allow_inf = allow_inf

    def _check(self, value, name):
        from maxent._util.validate import as_real

        return as_real(value, name, allow_inf=self.allow_inf)


class ExactReal(_Validated):
    """A finite real number read exactly as typed (``2999999999999999999``, ``0.1``).

    Integers and decimals become exact rationals, so that a total beyond 2**53 is not
    rounded to a float before it reaches the energy lattice.
    """

    name = "FLOAT"

    def _check(self, value, name):
        from maxent._util.validate import as_exact

        return as_exact(value, name)


class FloatList(_Validated):
    """Comma-separated numbers, or ``@FILE`` (text, CSV or .npy) for long lists."""

    name = "LIST"

    def _check(self, value, name):
        from maxent._util.validate import as_energies, exact_number, read_values, split_items

        if not isinstance(value, str):
            return value
        if value.startswith("@"):
            vals = read_values(Path(value[1:]), name)
        else:
            parts = split_items(value, name, ",;")
            vals = []
            for p in parts:
                try:
                    vals.append(exact_number(p, name))
                except ValidationError:
                    raise
                except ValueError:
                    raise ValidationError(
                        name, f"must be comma-separated numbers or @FILE (could not read {p!r})"
                    ) from None
        return as_energies(vals, name, min_size=1)


class Seed(_Validated):
    """A root seed: any non-negative integer (every seed maxent prints is accepted back)."""

    name = "INT"

    def _check(self, value, name):
        if isinstance(value, int) and not isinstance(value, bool):
            out = value
        else:
            text = str(value).strip().replace("_", "")
            if not text.isdigit():
                raise ValidationError(name, f"must be a non-negative integer (got {value!r})")
            out = int(text)
        if out < 0:
            raise ValidationError(name, f"must be a non-negative integer (got {out})")
        return out
