"""The package's shape: no import cycles, and a lazy top-level namespace."""

import ast
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

import maxent


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("maxent")


def test_no_import_cycles(graph):
    # Every direct import a -> b must not come back: no chain from b to a. The package
    # root only re-exports the public names (lazily), so its edges are left out.
    for imported in graph.find_modules_directly_imported_by("maxent"):
        graph.remove_import(importer="maxent", imported=imported)
    for importer in graph.find_modules_that_directly_import("maxent"):
        graph.remove_import(importer=importer, imported="maxent")
    cycles = []
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            if graph.chain_exists(importer=imported, imported=module):
                cycles.append(f"{module} <-> {imported}")
    assert not cycles, cycles


def test_no_private_names_read_across_modules():
    # Shared helpers are public inside the package; a `_name` stays in its own module.
    # (Kernel modules are imported as modules: `from maxent._kernels import _sample`.)
    offenders = []
    for path in sorted(Path(maxent.__file__).parent.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ImportFrom) or not (node.module or "").startswith("maxent"):
                continue
            if node.module == "maxent._kernels":
                continue
            for alias in node.names:
                if alias.name.startswith("_") and alias.name != "__version__":
                    offenders.append(f"{path.name}: from {node.module} import {alias.name}")
    assert not offenders, offenders


def test_import_is_lazy():
    code = (
        "import sys, maxent; "
        "heavy = [m for m in ('scipy', 'numba', 'matplotlib') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_public_names_resolve():
    for name in maxent.__all__:
        assert getattr(maxent, name) is not None, name
