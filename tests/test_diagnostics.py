"""integrated_time against AR(1) series, whose integrated time is known exactly.

For x_t = phi x_{t-1} + sqrt(1 - phi^2) e_t, rho(k) = phi^k and
tau = 1 + 2 sum_k phi^k = (1 + phi) / (1 - phi). With Sokal's window M (about 5 tau) the
estimate has variance about 2 (2M + 1) tau^2 / N over N recorded steps (Sokal 1997); 40
replicates of each case below gave standard deviations within 20% of that formula and
biases below a quarter of it. The tolerance is 5 of those standard deviations, so a false
alarm has probability below 1e-5 per variable, and an error of 15% in tau (phi = 0.9
against 0.88) would fail.
"""

import numpy as np
import pytest
from scipy.signal import lfilter

from maxent._sampling.diagnostics import integrated_time

PHIS = np.array([0.0, 0.5, 0.9, 0.97])


def ar1(rng, phis, chains, steps):
    """Stationary AR(1) series, shape (chains, steps, len(phis)), unit variance."""
    out = np.empty((chains, steps, len(phis)))
    for j, phi in enumerate(phis):
        e = rng.standard_normal((chains, steps)) * np.sqrt(1.0 - phi**2)
        e[:, 0] = rng.standard_normal(chains)  # x_0 from the stationary law
        out[:, :, j] = lfilter([1.0], [1.0, -phi], e, axis=1)
    return out


def tolerance(tau, records, c=5.0):
    return 5.0 * tau * np.sqrt(2.0 * (2.0 * c * tau + 1.0) / records)


def test_ar1_integrated_time_is_within_its_sampling_error():
    chains, steps = 8, 50_000
    x = ar1(np.random.default_rng(1), PHIS, chains, steps)
    tau = (1 + PHIS) / (1 - PHIS)
    got = integrated_time(x)
    assert got.shape == (4,)
    assert np.all(np.abs(got - tau) < tolerance(tau, chains * steps)), (got, tau)


def test_ar1_thinned_records_give_tau_in_recorded_steps():
    # keeping every 4th step leaves an AR(1) with coefficient phi^4
    phi = 0.9
    x = ar1(np.random.default_rng(2), [phi], 8, 200_000)[:, ::4]
    tau = (1 + phi**4) / (1 - phi**4)
    assert abs(integrated_time(x)[0] - tau) < tolerance(tau, x.shape[0] * x.shape[1])


def test_single_chain_and_constant_variables():
    rng = np.random.default_rng(3)
    x = ar1(rng, [0.5], 1, 100_000)[0]  # 2-D input: one chain
    assert integrated_time(x)[0] == pytest.approx(3.0, abs=tolerance(3.0, 100_000))
    const = np.column_stack([x[:, 0], np.full(100_000, 7.0)])
    got = integrated_time(const)
    assert got[1] == 1.0 and got[0] == pytest.approx(3.0, abs=tolerance(3.0, 100_000))


def test_chains_that_never_move_are_not_counted_as_independent():
    # four chains stuck at four different values (a shell too narrow for any move): the
    # records carry four values' worth of information, not 4 x 500
    stuck = np.repeat(np.arange(4.0)[:, None, None], 500, axis=1)
    tau = integrated_time(stuck)
    assert tau[0] > 250
    # one value everywhere: nothing to estimate, tau = 1 by convention
    assert integrated_time(np.ones((4, 500, 1)))[0] == 1.0
