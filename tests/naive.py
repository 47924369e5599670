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


def _log_fraction(x):
    return math.log(x.numerator) - math.log(x.denominator)


def exact_weight(counts, statistics="boltzmann", degeneracies=None):
    """W(n) as an exact Fraction (N! prod g^n / n!, prod (g)_n / n!, prod C(g, n))."""
    counts = [int(c) for c in counts]
    g = (
        [Fraction(1)] * len(counts)
        if degeneracies is None
        else [Fraction(float(x)) for x in degeneracies]
    )
    w = Fraction(1)
    if statistics == "boltzmann":
        w = Fraction(math.factorial(sum(counts)))
        for n, gk in zip(counts, g):
            w *= gk**n / math.factorial(n)
    elif statistics == "bose":
        for n, gk in zip(counts, g):
            rising = Fraction(1)
            for j in range(n):
                rising *= gk + j
            w *= rising / math.factorial(n)
    else:
        for n, gk in zip(counts, g):
            w *= math.comb(int(gk), n)
    return w


def exact_gof(counts, levels, statistics="boltzmann", degeneracies=None, extra=()):
    """The exact conditional test by brute force over every composition of N.

    Keeps the allocations with the observed level sum and extra integer sums (and at
    most g per class for Fermi-Dirac); returns the exact p-value P(W <= W_obs), the
    probability of ties, the lattice size, the count of allocations with W <= W_obs and
    of ties, and 2 ln(W_max / W_obs).
    """
    obs = np.asarray(counts, dtype=np.int64)
    levels = np.asarray(levels, dtype=np.int64)
    rows = [levels, *[np.asarray(f, dtype=np.int64) for f in extra]]
    want = [int(obs @ r) for r in rows]
    pts = []
    for n in compositions(int(obs.sum()), obs.size):
        if any(int(n @ r) != t for r, t in zip(rows, want)):
            continue
        if statistics == "fermi" and any(int(a) > int(b) for a, b in zip(n, degeneracies)):
            continue
        pts.append(n)
    ws = [exact_weight(n, statistics, degeneracies) for n in pts]
    wo = exact_weight(obs, statistics, degeneracies)
    z = sum(ws)
    return {
        "p_value": sum(w for w in ws if w <= wo) / z,
        "tie_probability": sum(w for w in ws if w == wo) / z,
        "lattice_size": len(pts),
        "hits": sum(1 for w in ws if w <= wo),
        "ties": sum(1 for w in ws if w == wo),
        "lr_statistic": 2.0 * _log_fraction(max(ws) / wo),
    }
