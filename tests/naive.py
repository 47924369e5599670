"""Slow, obviously correct references for the fast code (mpmath, exact integers, brute force)."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import mpmath as mp
import numpy as np

DPS = 60


def _weights(degeneracies, size):
    if degeneracies is None:
        return [mp.mpf(1)] * size
    return [mp.mpf(float(x)) for x in degeneracies]


def boltzmann_mp(energies, beta, degeneracies=None, dps=DPS):
    """Boltzmann probabilities with mpmath at ``dps`` digits (beta finite)."""
    with mp.workdps(dps):
        e = [mp.mpf(float(x)) for x in energies]
        g = _weights(degeneracies, len(e))
        b = mp.mpf(float(beta))
        w = [gk * mp.e ** (-b * ek) for gk, ek in zip(g, e)]
        z = mp.fsum(w)
        return [wk / z for wk in w], z


def thermo_mp(energies, beta, degeneracies=None, dps=DPS):
    """log Z, mean, variance, entropy, free energy and heat capacity with mpmath."""
    with mp.workdps(dps):
        p, z = boltzmann_mp(energies, beta, degeneracies, dps)
        e = [mp.mpf(float(x)) for x in energies]
        g = _weights(degeneracies, len(e))
        b = mp.mpf(float(beta))
        mean = mp.fsum(pk * ek for pk, ek in zip(p, e))
        var = mp.fsum(pk * (ek - mean) ** 2 for pk, ek in zip(p, e))
        ent = -mp.fsum(pk * mp.log(pk / gk) for pk, gk in zip(p, g) if pk > 0)
        return {
            "probabilities": [float(x) for x in p],
            "log_partition": float(mp.log(z)),
            "mean_energy": float(mean),
            "energy_variance": float(var),
            "entropy": float(ent),
            "free_energy": float(-mp.log(z) / b) if b != 0 else -math.inf,
            "heat_capacity": float(b * b * var),
        }


def beta_from_mean_mp(energies, mean, degeneracies=None, dps=DPS):
    """Root of <E>_beta = mean by bisection in mpmath (slow, certain)."""
    with mp.workdps(dps):
        target = mp.mpf(float(mean))

        def f(b):
            p, _ = boltzmann_mp(energies, b, degeneracies, dps)
            return mp.fsum(pk * mp.mpf(float(ek)) for pk, ek in zip(p, energies)) - target

        lo, hi = mp.mpf(-1), mp.mpf(1)
        while f(lo) < 0:
            lo *= 2
        while f(hi) > 0:
            hi *= 2
        for _ in range(400):
            mid = (lo + hi) / 2
            if f(mid) > 0:
                lo = mid
            else:
                hi = mid
        return float((lo + hi) / 2)


def compositions(n_items, k):
    """All count vectors of n_items items in k classes."""
    for combo in itertools.combinations_with_replacement(range(k), n_items):
        yield np.bincount(combo, minlength=k)


def lattice(levels, n_items, total):
    """All allocations with sum n = n_items and sum n * levels = total (brute force)."""
    levels = np.asarray(levels)
    return [n for n in compositions(n_items, levels.size) if int(n @ levels) == total]


def multinomial_count(counts):
    """W(n) = N! / prod n_k! as an exact integer."""
    w = math.factorial(int(sum(counts)))
    for c in counts:
        w //= math.factorial(int(c))
    return w


def exact_distribution(levels, n_items, total):
    """Allocations on the lattice and their exact probabilities W / sum W (Fractions)."""
    pts = lattice(levels, n_items, total)
    ws = [multinomial_count(n) for n in pts]
    z = sum(ws)
    return pts, [Fraction(w, z) for w in ws]


def brute_mode(levels, n_items, total):
    """Largest W on the lattice and every allocation attaining it."""
    pts = lattice(levels, n_items, total)
    if not pts:
        return None, []
    ws = [multinomial_count(n) for n in pts]
    best = max(ws)
    return math.log(best), [n for n, w in zip(pts, ws) if w == best]
