"""The click group: one-line errors and exit codes for every command."""

from __future__ import annotations

import sys

import click

from maxent._util.errors import StrictJSONError, ValidationError
from maxent._version import __version__

__all__ = ["cli", "fail", "main"]


def fail(message: str, code: int) -> None:
    """Print ``maxent: error: MESSAGE`` on stderr and exit with ``code``."""
    click.echo(f"maxent: error: {message}", err=True)
    sys.exit(code)


class _Group(click.Group):
    """A click group whose errors are one line on stderr, never a traceback."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **kw):
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **kw)
        except click.ClickException as exc:
            msg = exc.format_message().strip().replace("\n", " ")
            fail(msg, exc.exit_code)
        except ValidationError as exc:
            # name the option at fault; errors about other things (a study file, a
            # missing extra) are already whole sentences
            option = f"--{exc.param.replace('_', '-')}"
            known = {o for cmd in self.commands.values() for p in cmd.params for o in p.opts}
            fail(f"{option}: {exc.message}" if option in known else exc.message, 2)
        except StrictJSONError as exc:  # a bug, said in one line rather than a traceback
            fail(f"internal error, please report it: {exc}", 1)
        except (click.Abort, KeyboardInterrupt):
            fail("interrupted", 130)
        code = rv if isinstance(rv, int) else 0
        if standalone_mode:
            sys.exit(code)
        return code


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="maxent")
def cli() -> None:
    """Maximum-entropy counting, made runnable.

    N items in K classes with energies E_k; every assignment of items with
    sum n_k = N and sum n_k E_k = U is equally likely. As N grows the allocations
    concentrate on the Boltzmann (softmax) law p_k = exp(-beta E_k) / Z.
    """


def main() -> None:
    """Console-script entry point."""
    cli.main(prog_name="maxent")
