"""MCMC diagnostics: integrated autocorrelation time and effective sample size."""

from __future__ import annotations

import numpy as np

__all__ = ["autocorrelation", "integrated_time"]


def autocorrelation(x: np.ndarray) -> np.ndarray:
    """Normalised autocorrelation function of a 1-D series along axis 0 (FFT based)."""
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[0]
    size = 1 << (2 * n - 1).bit_length()
    f = np.fft.rfft(x - x.mean(axis=0), n=size, axis=0)
    acf = np.fft.irfft(f * np.conjugate(f), n=size, axis=0)[:n].real
    with np.errstate(invalid="ignore", divide="ignore"):
        acf = acf / acf[0]
    # a series that never moves is perfectly correlated with itself, not uncorrelated:
    # read as 0, chains stuck in a narrow shell reported tau = 1 and every draw effective
    return np.nan_to_num(acf, nan=1.0)


def integrated_time(chains: np.ndarray, c: float = 5.0) -> np.ndarray:
    """Integrated autocorrelation time per variable, Sokal's automatic window.

    Parameters
    ----------
    chains : ndarray, shape (n_chains, n_steps, n_vars)
        Recorded values of each chain; the autocorrelation is averaged over chains.
    c : float
        Window constant: the sum stops at the first lag M with M >= c * tau(M).

    Returns
    -------
    ndarray, shape (n_vars,)
        tau in units of recorded steps (1 for independent records). A variable with one
        value in every chain gets tau = 1; a chain that never moves while the variable
        differs elsewhere counts as fully correlated (tau up to 2 n_steps - 1).
    """
    chains = np.asarray(chains, dtype=np.float64)
    if chains.ndim == 2:
        chains = chains[None]
    n_steps = chains.shape[1]
    constant = np.all(chains == chains[:1, :1], axis=(0, 1))
    acf = np.mean([autocorrelation(ch) for ch in chains], axis=0)
    taus = 2.0 * np.cumsum(acf, axis=0) - 1.0
    lags = np.arange(n_steps)[:, None]
    window = lags >= c * taus
    first = np.where(window.any(axis=0), window.argmax(axis=0), n_steps - 1)
    tau = taus[first, np.arange(taus.shape[1])]
    return np.where(constant, 1.0, np.maximum(tau, 1.0 / n_steps))
