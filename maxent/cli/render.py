"""Rendering shared by the commands: tables, headers, progress and notices."""

from __future__ import annotations

import math
import shutil
import sys

import click

__all__ = [
    "Progress",
    "beta_and_t",
    "compile_notice",
    "console",
    "header",
    "limit_name",
    "plural",
    "print_notes",
    "sampler_lines",
    "sampler_table",
    "save_sample",
]


def console():
    """A rich console on stdout, at least 120 columns wide (tables never wrap)."""
    from rich.console import Console

    width = shutil.get_terminal_size((100, 24)).columns
    return Console(highlight=False, soft_wrap=False, width=max(120, width))


def print_notes(notes: list[str]) -> None:
    """Print ``note: ...`` lines on stderr."""
    for note in notes:
        click.echo(f"note: {note}", err=True)


def verdict(failures: list[str]) -> int:
    """Exit code 1, with one line on stderr per answer, when an answer failed its check."""
    for line in failures:
        click.echo(f"maxent: warning: {line}", err=True)
    return 1 if failures else 0


def plural(count: int, noun: str) -> str:
    """``1 Newton step``, ``3 Newton steps``."""
    return f"{count} {noun}" + ("" if count == 1 else "s")


def beta_and_t(beta: float) -> str:
    """``beta = 0.5 (T = 2)``; ``beta = 0 (T = inf)`` and ``beta = -inf (T = 0)``, never -0."""
    b = beta + 0.0  # -0.0 -> 0.0
    t = math.inf if b == 0 else 1.0 / b + 0.0
    return f"beta = {b:.6g} (T = {t:.6g})"


def limit_name(problem) -> str:
    """Column name of the large-N law of ``problem``."""
    from maxent._model.statistics import limit_name as name

    return "Boltzmann p" if problem.plain else name(problem)


def header(out, problem, notes) -> None:
    """The problem in three lines: sizes, counting, and the temperature of its limit."""
    print_notes([*[m for m in problem.notes if m not in notes], *notes])
    total = f"{problem.total_energy:.10g}"
    if problem.quantum is not None and problem.level_total is not None:
        from maxent._util.format import format_exact

        exact = problem.exact_total()
        if exact.denominator == 1 or abs(exact) >= 2**53:
            total = format_exact(exact)
    out.print(
        f"K = {problem.classes} classes, N = {problem.n} items, U = {total}"
        f" (mean energy {problem.mean_energy:.10g})"
    )
    from maxent._model.statistics import limit_name as name

    law = name(problem)
    if problem.statistics != "boltzmann" or problem.constraints:
        extras = [f"{problem.statistics} counting"] + [
            f"mean of {c.name} = {c.mean:g}" for c in problem.constraints
        ]
        out.print("; ".join(extras))
    line = f"{beta_and_t(problem.beta)}, the {law} limit of this mean"
    if problem.requested_beta is not None and problem.requested_beta != problem.beta:
        line += f"; requested beta {problem.requested_beta:.6g} moved U to a reachable total"
    out.print(line)


class Progress:
    """Progress of a long command on stderr.

    On a terminal: a transient rich bar (with a count of failures when ``failed``).
    Elsewhere: nothing, or one JSON line per event when ``json_lines`` is True (always)
    or None (when stderr is not a terminal: a sweep in a scheduler's log). Use it as a
    context manager; call it as ``progress(done, total)`` (the library's callback) or
    with a sweep's event dict.
    """

    def __init__(
        self,
        description: str,
        *,
        enabled: bool = True,
        json_lines: bool | None = False,
        failed: bool = False,
    ):
        on_tty = sys.stderr.isatty()
        self.json_lines = enabled and (json_lines or (json_lines is None and not on_tty))
        self.description = description
        self._failed = failed
        self._bar = None
        self._task = None
        self._wanted = enabled and on_tty and not self.json_lines

    def __enter__(self):
        if self._wanted:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as Bar

            columns = ["[progress.description]{task.description}", BarColumn()]
            columns.append(MofNCompleteColumn())
            if self._failed:
                columns.append("failed {task.fields[failed]}")
            columns += [TimeElapsedColumn(), TimeRemainingColumn()]
            self._bar = Bar(*columns, console=Console(stderr=True), transient=True)
            self._bar.__enter__()
        return self

    def __call__(self, done, total=None) -> None:
        """Report ``done`` of ``total`` units, or a sweep's event dict."""
        if isinstance(done, dict):  # a sweep event
            self._event(done)
        elif self._bar is not None:
            if self._task is None:
                self._task = self._bar.add_task(self.description, total=total, failed=0)
            self._bar.update(self._task, completed=done, total=total)

    def _event(self, info: dict) -> None:
        if self.json_lines:
            if info["event"] == "task":
                from maxent._util.format import to_json

                click.echo(to_json(info), err=True)
        elif self._bar is None:
            return
        elif self._task is None:  # the start: tasks already done are not counted as speed
            self._task = self._bar.add_task(
                self.description, total=info["total"], completed=info["done"], failed=0
            )
        else:
            self._bar.update(  # the total grows when adaptive precision adds seeds
                self._task, completed=info["done"], failed=info["failed"], total=info["total"]
            )

    @property
    def callback(self):
        """The progress callback for the library, or None when nothing is shown."""
        return self if (self._bar is not None or self.json_lines) else None

    def __exit__(self, *exc):
        if self._bar is not None:
            self._bar.__exit__(*exc)
        return False


def compile_notice() -> None:
    """Say so when a kernel is about to be compiled rather than loaded from the cache.

    The note comes only when a numba build is really made (a small problem runs its
    kernels as Python and never meets it), once per process.
    """
    from maxent._kernels._config import on_build
    from maxent._util.jitcache import needs_compiling

    def say(kernel) -> None:
        if needs_compiling(kernel):
            on_build(None)
            click.echo(
                "note: compiling numba kernels (first run after install, ~30 s; cached after)",
                err=True,
            )

    on_build(say)


def save_sample(path, res) -> None:
    """Write a sample's draws with the problem and seed that produced them."""
    from maxent._util.io import save_draws

    p = res.problem
    save_draws(
        path,
        res.draws,
        energies=p.energies,
        n=p.n,
        total_energy=p.total_energy,
        statistics=p.statistics,
        method=res.method,
        seed=res.seed,
    )


def sampler_table(out, problem, res) -> None:
    """Sampled mean fractions with standard errors beside the large-N law."""
    from maxent._util.format import print_table

    mean, err = res.mean_fractions, res.stderr
    rows = [
        [str(k), problem.energies[k], problem.limit_fractions[k], mean[k], err[k]]
        for k in range(problem.classes)
    ]
    cols = ["class", "energy", limit_name(problem), "sampled <n>/N", "stderr"]
    print_table(out, f"{res.samples} draws ({res.method})", cols, rows, digits=7)


def sampler_lines(out, res) -> None:
    """Method, speed, acceptance, seed and (for MCMC) the chain diagnostics."""
    d = res.diagnostics
    line = f"method: {res.method}"
    if res.reason:
        line += f" ({res.reason})"
    out.print(line)
    secs = res.timings["sampling"]
    rate = res.samples / secs if secs > 0 else math.inf
    out.print(
        f"draws: {res.samples} in {res.timings['total']:.3g} s ({rate:.3g} draws/s, "
        f"{res.threads} {'thread' if res.threads == 1 else 'threads'}); "
        f"acceptance {d.get('acceptance', float('nan')):.3g}; "
        f"seed {res.seed}"
    )
    r = res.residuals
    if r.ok:
        shell = res.problem.energy_tolerance is not None or res.problem.level_total is None
        what = "the energy shell" if shell else "the total energy exactly"
        out.print(f"checked: every draw keeps N, {what} and the bounds")
    else:
        out.print(f"checked: {r.note}")
    if res.method == "mcmc":
        ess = min(d["ess"])
        out.print(
            f"MCMC: {d['chains']} chains, burn-in {d['burn_in']} and thinning {d['thin']} "
            f"proposals; integrated autocorrelation time {max(d['tau']):.3g} draws; "
            f"effective sample size {ess:.4g} ({ess / secs:.3g}/s); moves: {d['moves']}"
        )
        if d.get("shell_connected") is False:
            out.print(
                "warning: --energy-tolerance is below the largest gap between adjacent "
                "energies, so the shell moves may not connect every allocation"
            )
