"""Every public name has a numpydoc docstring with the sections a reader needs.

Functions: ``Parameters`` (when they take any; every parameter named there) and
``Returns``. Classes: ``Attributes`` (exceptions: ``Parameters`` or ``Attributes``). The
main entry points and the result classes also carry a runnable ``Examples`` section, which
pytest runs as a doctest (``--doctest-modules`` in pyproject.toml). A parameter documented
as ``array_like`` is annotated with ``ArrayLike``.

The checker itself is tested on deliberately broken docstrings, so that a lost section
cannot pass unnoticed.
"""

from __future__ import annotations

import inspect
import re

import pytest

import maxent

#: Names whose docstring must show a runnable example.
MAIN = (
    "Problem",
    "boltzmann",
    "thermo",
    "beta_from_mean",
    "maximize_log_count",
    "most_probable_allocation",
    "optimize",
    "log_count",
    "sample",
    "enumerate_allocations",
    "relax",
    "compare",
    "converge",
    "distances",
    "fit_beta",
    "concentration",
    "exact_mean_fractions",
    "default_mean_energy",
    "attainable_means",
    "parse_constraint",
    "kkt_residual",
    "entropy",
    "free_energy",
    "heat_capacity",
    "load_study",
    "log_partition",
    "mean_energy",
    "energy_variance",
    "fit_slope",
    "default_energies",
    "start_allocation",
    "plot_occupations",
    "simulation_figure",
    "convergence_figure",
    "lecture_style",
    "save_figure",
    # errors
    "ValidationError",
    "UnreachableError",
    "ConvergenceError",
    # result classes
    "BetaSolution",
    "Comparison",
    "Concentration",
    "ConvergenceStudy",
    "Distances",
    "Enumeration",
    "FittedBeta",
    "Limit",
    "OptimumSummary",
    "RelaxResult",
    "SampleResult",
    "Thermo",
    "Constraint",
)

_SECTION = re.compile(r"^(\w[\w ]*)\n-{3,}$", re.MULTILINE)


def sections(doc: str) -> dict[str, str]:
    """Body of each numpydoc section (``Name`` underlined with dashes), by name."""
    heads = list(_SECTION.finditer(doc))
    out = {}
    for i, m in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(doc)
        out[m.group(1)] = doc[m.end() : end]
    return out


def documented_parameters(body: str) -> dict[str, str]:
    """Parameter names of a Parameters section, mapped to their type text."""
    out = {}
    for line in body.splitlines():
        if not line or line[0].isspace():
            continue  # descriptions are indented
        names, _, kind = line.partition(" : ")
        for name in names.split(","):
            out[name.strip().lstrip("*")] = kind.strip()
    return out


def problems_of(obj, name: str, *, need_example: bool) -> list[str]:
    """What is missing from the docstring (and hints) of a public function or class."""
    doc = inspect.getdoc(obj) or ""
    found = sections(doc)
    missing = []
    if not doc.strip():
        return [f"{name}: no docstring"]
    if inspect.isclass(obj):
        if issubclass(obj, BaseException):
            if not {"Parameters", "Attributes"} & found.keys():
                missing.append(f"{name}: exception without Parameters or Attributes")
        elif "Attributes" not in found:
            missing.append(f"{name}: class without Attributes")
        signature_of = obj.__init__
    else:
        signature_of = obj
    try:
        params = [
            p
            for p in inspect.signature(signature_of).parameters.values()
            if p.name not in ("self", "cls") and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]
    except (TypeError, ValueError):  # pragma: no cover - builtins
        params = []
    if not inspect.isclass(obj) and "Returns" not in found and "Yields" not in found:
        missing.append(f"{name}: function without Returns")
    own_init = inspect.isclass(obj) and "__init__" in vars(obj)
    if params and (not inspect.isclass(obj) or own_init):
        if "Parameters" not in found:
            if not (inspect.isclass(obj) and "Attributes" in found):
                missing.append(f"{name}: takes parameters but has no Parameters section")
        else:
            documented = documented_parameters(found["Parameters"])
            for p in params:
                if p.name not in documented:
                    missing.append(f"{name}: parameter {p.name!r} is not documented")
                elif "array_like" in documented[p.name] and "ArrayLike" not in str(p.annotation):
                    missing.append(f"{name}: array_like parameter {p.name!r} lacks ArrayLike")
    if need_example:
        example = found.get("Examples", "")
        if ">>> " not in example:
            missing.append(f"{name}: no runnable Examples section")
    return missing


def public_callables():
    for name in maxent.__all__:
        obj = getattr(maxent, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            yield name, obj


def test_every_public_name_is_documented():
    missing = []
    for name, obj in public_callables():
        missing += problems_of(obj, name, need_example=name in MAIN)
    assert not missing, "\n".join(missing)


def test_main_names_are_public():
    # a name dropped from the API must leave MAIN too, or the check above silently skips it
    assert set(MAIN) <= set(maxent.__all__)
    assert all(inspect.isclass(getattr(maxent, n)) or callable(getattr(maxent, n)) for n in MAIN)


# -- negative controls: the checker catches what it claims to --------------------------


def _complete(x: float) -> float:
    """Do something.

    Parameters
    ----------
    x : float
        A number.

    Returns
    -------
    float
        The same number.

    Examples
    --------
    >>> _complete(1.0)
    1.0
    """
    return x


def _no_returns(x: float) -> float:
    """Do something.

    Parameters
    ----------
    x : float
        A number.

    Examples
    --------
    >>> _no_returns(1.0)
    1.0
    """
    return x


def _no_parameters(x: float) -> float:
    """Do something.

    Returns
    -------
    float
    """
    return x


def _undocumented_parameter(x: float, y: float = 0.0) -> float:
    """Do something.

    Parameters
    ----------
    x : float
        A number.

    Returns
    -------
    float
    """
    return x + y


def _untyped_array(x) -> float:
    """Do something.

    Parameters
    ----------
    x : array_like, shape (K,)
        Numbers.

    Returns
    -------
    float
    """
    return float(sum(x))


class _NoAttributes:
    """A result."""


@pytest.mark.parametrize(
    ("obj", "need_example", "expected"),
    [
        (_complete, True, []),
        (_complete, False, []),
        (_no_returns, True, ["function without Returns"]),
        (_no_parameters, False, ["no Parameters section"]),
        (_no_parameters, True, ["no Parameters section", "no runnable Examples"]),
        (_undocumented_parameter, False, ["parameter 'y' is not documented"]),
        (_untyped_array, False, ["lacks ArrayLike"]),
        (_NoAttributes, False, ["class without Attributes"]),
    ],
)
def test_checker_catches_missing_sections(obj, need_example, expected):
    found = problems_of(obj, "f", need_example=need_example)
    assert len(found) == len(expected), found
    for text, want in zip(found, expected):
        assert want in text


def test_checker_catches_a_lost_section_of_a_real_docstring():
    # strip the Returns section from a real public docstring: the checker must object
    fn = maxent.boltzmann
    doc = fn.__doc__
    assert problems_of(fn, "boltzmann", need_example=True) == []
    cut = re.sub(r"\n    Returns\n    -------\n.*?(?=\n    Examples)", "", doc, flags=re.S)
    assert cut != doc

    def stand_in(energies, beta, degeneracies=None):
        return fn(energies, beta, degeneracies)

    stand_in.__doc__ = cut
    assert any("Returns" in m for m in problems_of(stand_in, "boltzmann", need_example=True))
