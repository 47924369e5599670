"""The lazy kernel object: compiled on first use, plain Python when its declared work is small.

A small problem must give the same answer whichever way its kernels ran (to rounding:
the reductions are compiled with reassociation), a Python run must never change what the
caller sees (arrays written back, errors falling back to the compiled build), and a
small optimisation must load neither numba nor scipy (the start-up targets of the CLI).
"""

import math
import subprocess
import sys

import numpy as np
import pytest

import maxent
from maxent._kernels import _config
from maxent._kernels._config import jit


@jit(cost=lambda x, out: x.size)
def _halve_into(x, out):
    for i in range(x.size):
        out[i] = x[i] / 2.0
    return out.sum()


@jit(cost=lambda x: 1)
def _reciprocal(x):
    return 1.0 / x


@jit
def _calls_reciprocal(x):
    return _reciprocal(x) + 1.0


def test_python_run_writes_back_and_matches_compiled(monkeypatch):
    x = np.arange(5.0)
    out = np.zeros(5)
    assert _halve_into(x, out) == 5.0 and out.tolist() == (x / 2).tolist()
    assert _halve_into._serial is None  # ran as Python, nothing compiled
    monkeypatch.setattr(_config, "INTERPRET_WORK", -1)
    out2 = np.zeros(5)
    assert _halve_into(x, out2) == 5.0 and np.array_equal(out, out2)
    assert _halve_into._serial is not None


def test_python_errors_fall_back_to_numba_semantics():
    # Python raises ZeroDivisionError; the compiled kernel (error_model="numpy") gives inf
    assert _reciprocal(0.0) == math.inf
    assert _reciprocal(4.0) == 0.25


def test_kernel_called_from_a_compiled_kernel():
    assert _calls_reciprocal(2.0) == 1.5  # no cost: compiled, the callee typed by numba


def _random_problems():
    rng = np.random.default_rng(7)
    for stat in ("boltzmann", "bose", "fermi"):
        for k in (2, 3, 4, 6):
            e = np.sort(rng.integers(0, 5, size=k)).astype(float)
            e[-1] = e[0] + 4.0
            n = int(rng.integers(3, 60))
            g = rng.integers(1, 4, size=k).astype(float)
            if stat == "fermi":
                g = np.full(k, float(math.ceil(2 * n / k)))
            yield maxent.Problem(
                e,
                n,
                mean_energy=float(e.mean() - 0.5),
                degeneracies=g,
                statistics=stat,
                snap=True,
            )


@pytest.mark.parametrize(
    "problem", list(_random_problems()), ids=lambda p: f"stat{p.stat}-K{p.energies.size}"
)
def test_small_problems_agree_python_and_compiled(problem, monkeypatch):
    """optimize and the integer mode: the same answer with every kernel compiled."""
    py = maxent.optimize(problem).exact
    mode_py = maxent.most_probable_allocation(problem)
    monkeypatch.setattr(_config, "INTERPRET_WORK", -1)
    nb = maxent.optimize(problem).exact
    mode_nb = maxent.most_probable_allocation(problem)
    assert (py is None) == (nb is None)  # None: ln W has no unique exact optimum
    if py is not None:
        np.testing.assert_allclose(py.counts, nb.counts, rtol=1e-10, atol=1e-10)
        assert py.log_count == pytest.approx(nb.log_count, rel=1e-13)
    assert np.array_equal(mode_py.counts, mode_nb.counts)
    assert mode_py.status == mode_nb.status


def test_kernels_pickle_by_reference():
    import pickle

    from maxent._kernels._lattice import min_coins_table

    assert pickle.loads(pickle.dumps(min_coins_table)) is min_coins_table


def test_small_optimize_loads_neither_numba_nor_scipy():
    code = (
        "import sys; from maxent.cli.app import main\n"
        "sys.argv = ['maxent', 'optimize', '--classes', '4', '--n', '100', '--json']\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'numba', 'scipy'})\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in r.stderr, r.stderr


def test_cached_kernels_are_dropped_when_any_kernel_source_changes(tmp_path):
    # numba keys a cached kernel to its own file only; a changed callee elsewhere (a
    # generator in _random.py) left callers running stale machine code
    from maxent._kernels import _config

    for name in ("a.f-1.py311.nbi", "a.f-1.py311.1.nbc", "keep.pyc"):
        (tmp_path / name).write_bytes(b"x")
    assert _config.check_cache(str(tmp_path)) is True
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.pyc", "maxent-kernels.sha256"]
    (tmp_path / "b.g-2.py311.nbi").write_bytes(b"x")
    assert _config.check_cache(str(tmp_path)) is False  # same sources: the cache stays
    assert (tmp_path / "b.g-2.py311.nbi").exists()
    (tmp_path / "maxent-kernels.sha256").write_text("an older fingerprint\n")
    assert _config.check_cache(str(tmp_path)) is True
    assert not (tmp_path / "b.g-2.py311.nbi").exists()
