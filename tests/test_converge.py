"""Convergence studies with degeneracies, and Ctrl-C during a study."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import maxent

ROOT = Path(__file__).resolve().parent.parent


def test_converge_fits_beta_with_the_degeneracies():
    e, g = [0.0, 1.0, 2.0, 3.0], [1.0, 3.0, 5.0, 7.0]
    limit = maxent.beta_from_mean(e, 1.2, g)  # 0.918; without g it would be 0.244
    st = maxent.converge(e, [1000, 10_000], mean_energy=1.2, degeneracies=g, seeds=2, seed=1)
    np.testing.assert_allclose(st.beta, limit, rtol=1e-12)
    # The fit of the exact finite-N mean lies 0.14 / N below the limit for these weights
    # (maxent.exact_mean_fractions): 1 / N bounds that bias; 5 standard errors bound the
    # sampling noise (a false alarm below 1e-6 per point).
    for i, n in enumerate(st.n_values):
        fitted = st.fitted_beta[i].mean()
        err = np.sqrt(np.sum(st.fitted_beta_err[i] ** 2)) / st.seeds
        assert abs(fitted - limit) < 5 * err + 1.0 / n, (n, fitted, limit)


# The child reports the wall time at each progress call. The study runs N = 10 (three fast
# runs), then N = 25000 with one 500 000-draw sampler call per seed: the test measures one
# such call (between the 4th and 5th reports) and interrupts the next one a third of the way
# in, so that Ctrl-C arrives inside maxent.sample, where a library that caught it would
# swallow it. SIGINT gets Python's default handler even if the test runner ignores it.
CHILD = textwrap.dedent(
    """
    import signal, sys, time
    signal.signal(signal.SIGINT, signal.default_int_handler)
    import maxent
    t0 = time.perf_counter()
    def progress(done, total):
        print(f"{time.perf_counter() - t0:.6f}", flush=True)
    maxent.converge([0, 1, 2, 3], [10, 25_000], seeds=3, seed=1, progress=progress)
    print("returned normally", flush=True)
    """
)


@pytest.mark.slow
def test_ctrl_c_during_converge_raises_keyboard_interrupt():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        times = [float(proc.stdout.readline()) for _ in range(5)]
        time.sleep((times[4] - times[3]) / 3)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "returned normally" not in out
    assert proc.returncode in (-signal.SIGINT, 128 + signal.SIGINT), (proc.returncode, err)
    assert err.rstrip().endswith("KeyboardInterrupt"), err[-2000:]


def test_converge_runs_when_there_is_no_exact_optimum():
    # single-state Bose levels: W does not depend on the counts, so ln W has no unique
    # exact optimum; the study still runs, says why, and leaves that curve empty
    st = maxent.converge([0, 1, 2, 3], [10, 100], statistics="bose", seeds=1, samples=200, seed=1)
    assert np.all(np.isnan(st.tv_optimum))
    assert any("no exact optimum" in note for note in st.notes)
    assert np.all(np.isfinite(st.tv_pooled_mean))


def test_mean_fitted_beta_without_warnings_where_no_run_has_a_fit():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        st = maxent.converge([0, 1], [1, 2, 3], seeds=2, samples=50, seed=1)
        mean = st.mean_fitted_beta
    fb = st.fitted_beta
    for i in range(len(st.n_values)):
        finite = fb[i][np.isfinite(fb[i])]
        if finite.size:
            assert mean[i] == pytest.approx(finite.mean())
        else:
            assert np.isnan(mean[i])
    st2 = maxent.converge([0, 1, 2, 3], [100, 1000], seeds=2, samples=200, seed=1)
    assert np.allclose(st2.mean_fitted_beta, st2.fitted_beta.mean(axis=1))


def test_converge_without_a_lattice_skips_the_mode():
    # energies with no common quantum: the study died on "the most probable integer
    # allocation needs energies on a common lattice ... use MCMC with an energy_tolerance"
    # although the tolerance was given; the mode curve is now left out with a note
    st = maxent.converge(
        [0, 0.5, 2**0.5],
        [10, 100],
        seeds=1,
        samples=50,
        seed=1,
        mean_energy=0.7,
        energy_tolerance=0.1,
    )
    assert np.isnan(st.tv_mode).all() and np.isfinite(st.tv_sampled_mean).all()
    assert any("no common quantum" in note for note in st.notes)
