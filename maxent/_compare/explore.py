"""The exact laws behind ``maxent explore``, computed at every slider stop.

A page in a browser cannot run maxent, so every number it shows is computed here, at a
fixed grid of slider positions (the *stops*), and embedded in the page; the page only
draws them and never interpolates between stops. Five laws, one function each:

* :func:`occupation_stops`: exact finite-N mean occupations ``<n_k>/N`` and their
  spread under ``W`` (enumeration of the lattice, or the FFT convolution of the tilted
  one-item law for larger N), against the large-N law, with the total-variation
  distance;
* :func:`simplex_stops`: the counting simplex for K = 3: exact ln W contours, the energy
  line, the Boltzmann point and a cloud of exact draws;
* :func:`softmax_stops`: softmax(z / T) of example scores against plain normalisation,
  from the argmax (T -> 0) to uniform (T -> inf);
* :func:`concentration_stops`: the exact law of ``2N (H_max - H)`` on the lattice
  against chi-square;
* :func:`die_stops`: a fair die's exact ``-(1/N) ln P(mean >= a)`` against Cramér's
  rate ``I(a)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from scipy import stats as sstats
from scipy.special import gammaln

from maxent._compare.chapters import die_rate, die_tail_count
from maxent._compare.compare import FFT_LIMIT, characteristic_power
from maxent._model.lattice import compositions_at_most
from maxent._model.problem import Problem
from maxent._sampling.api import sample
from maxent._sampling.enumerate import enumerate_allocations
from maxent._util.errors import ValidationError

__all__ = [
    "concentration_stops",
    "die_stops",
    "exact_occupations",
    "occupation_stops",
    "simplex_stops",
    "softmax_stops",
]

#: Enumerate a lattice with at most this many compositions of N (every statistics).
ENUMERATE_MAX = 200_000
SCORES = (2.0, 4.0, 2.0, 1.0)


def log_stops(top: int) -> list[int]:
    """1, 2, 5, 10, 20, 50, ... up to ``top`` (``top`` itself the last stop)."""
    out, base = [], 1
    while base <= top:
        out += [m * base for m in (1, 2, 5) if m * base <= top]
        base *= 10
    if out[-1] != top:
        out.append(top)
    return out


def rounded(x, digits: int = 6) -> list:
    """Plain floats to ``digits`` significant digits (the page shows at most 4)."""
    return [float(f"{v:.{digits}g}") for v in np.asarray(x, dtype=np.float64).ravel()]


def exact_occupations(problem: Problem) -> tuple[np.ndarray, np.ndarray, str] | None:
    """Exact ``<n_k>/N`` and the standard deviation of ``n_k/N`` under ``W``.

    Small lattices (any statistics) are enumerated. Otherwise, for Boltzmann counting on
    a lattice, with ``S_j`` the level sum of ``j`` independent items of the tilted law
    ``p`` and ``M`` the level total: ``<n_k> = N p_k P(S_{N-1} = M - m_k) / P(S_N = M)``
    and ``<n_k (n_k - 1)> = N (N - 1) p_k^2 P(S_{N-2} = M - 2 m_k) / P(S_N = M)``, by FFT.

    Returns
    -------
    (mean, sd, how) or None
        ``None`` when neither route applies.
    """
    if problem.levels is None or problem.level_total is None:
        return None
    n = problem.n
    if compositions_at_most(n, problem.classes, ENUMERATE_MAX):
        en = enumerate_allocations(problem)
        f = en.allocations / n
        mean = en.probabilities @ f
        var = en.probabilities @ (f * f) - mean * mean
        return mean, np.sqrt(np.maximum(var, 0.0)), "enumeration"
    if not problem.plain or n < 2:
        return None
    levels, total = problem.levels, problem.level_total
    top = int(levels.max())
    size = n * top + 1
    if size > FFT_LIMIT:
        return None
    p = problem.boltzmann
    one = np.bincount(levels, weights=p, minlength=top + 1)
    nfft = 1 << (size - 1).bit_length()
    f = np.fft.rfft(one, nfft)
    f2 = characteristic_power(f, n - 2)
    pn2 = np.fft.irfft(f2, nfft)
    pn1 = np.fft.irfft(f2 * f, nfft)
    pn = np.fft.irfft(f2 * f * f, nfft)[total]

    def at(law, idx, most):
        ok = (idx >= 0) & (idx <= most)
        return np.where(ok, law[np.clip(idx, 0, nfft - 1)], 0.0)

    m1 = n * p * at(pn1, total - levels, (n - 1) * top) / pn
    m2 = n * (n - 1) * p * p * at(pn2, total - 2 * levels, (n - 2) * top) / pn
    mean = m1 / n
    var = (m2 + m1) / (n * n) - mean * mean
    return mean, np.sqrt(np.maximum(var, 0.0)), "convolution"


def slider_degeneracies(stat: str, k: int, n: int) -> list[int] | None:
    # Bose: two states a level (one state makes W flat in its count); Fermi: room for
    # twice the items, so every mean between the extremes is reachable
    if stat == "bose":
        return [2] * k
    if stat == "fermi":
        return [max(1, math.ceil(2 * n / k))] * k
    return None


def occupation_stops(
    classes: Sequence[int],
    ns: Sequence[int],
    temperatures: Sequence[float],
    statistics: Sequence[str] = ("boltzmann", "bose", "fermi"),
    progress: Callable[[], None] | None = None,
) -> dict:
    """Panel 1: exact finite-N occupations at every (K, N, T, statistics) stop.

    Energies are ``0, 1, ..., K-1``; the total is the lattice total nearest ``N`` times
    the mean of the large-N law at ``1/T``. A stop where no exact route applies holds
    ``null`` and the reason.
    """
    out = {}
    for k in classes:
        for n in ns:
            for t in temperatures:
                for stat in statistics:
                    key = f"{k}|{n}|{t:g}|{stat}"
                    g = slider_degeneracies(stat, k, n)
                    p = Problem(np.arange(k), n, beta=1.0 / t, statistics=stat, degeneracies=g)
                    got = exact_occupations(p)
                    limit = p.limit_fractions
                    entry = {"mean_energy": float(p.mean_energy), "limit": rounded(limit)}
                    if got is None:
                        entry["mean"] = None
                        entry["mean_message"] = (
                            "no exact route at this size: enumeration up to "
                            f"{ENUMERATE_MAX} compositions (every statistics), the "
                            "convolution for Boltzmann counting"
                        )
                    else:
                        mean, sd, how = got
                        entry.update(
                            mean=rounded(mean),
                            sd=rounded(sd),
                            how=how,
                            tv=float(f"{0.5 * np.abs(mean - limit).sum():.6g}"),
                        )
                    out[key] = entry
                    if progress is not None:
                        progress()
    return out


def ternary_xy(f: np.ndarray) -> np.ndarray:
    """Fractions (p0, p1, p2) to the plane: x = p1 + p2 / 2, y = p2 sqrt(3) / 2."""
    f = np.atleast_2d(f)
    return np.column_stack([f[:, 1] + 0.5 * f[:, 2], f[:, 2] * math.sqrt(3.0) / 2.0])


def log_count_contours(n: int, drops: Sequence[float]) -> list[list[list[float]]]:
    """Exact ln W contours over the simplex, ``drop`` nats below its maximum (N/3 each)."""
    import contourpy

    m = 241
    x, y = np.meshgrid(np.linspace(0.0, 1.0, m), np.linspace(0.0, math.sqrt(3) / 2, m))
    p2 = y * 2.0 / math.sqrt(3.0)
    p1 = x - 0.5 * p2
    p0 = 1.0 - p1 - p2
    inside = (p0 >= -1e-12) & (p1 >= -1e-12) & (p2 >= -1e-12)
    pc = [np.clip(q, 0.0, 1.0) for q in (p0, p1, p2)]
    lnw = gammaln(n + 1.0) - sum(gammaln(n * q + 1.0) for q in pc)
    top = gammaln(n + 1.0) - 3.0 * gammaln(n / 3.0 + 1.0)
    z = np.where(inside, lnw, np.nan)
    gen = contourpy.contour_generator(x, y, z)
    out = []
    for d in drops:
        lines = []
        for line in gen.lines(top - d):
            step = max(1, len(line) // 90)
            pts = line[::step]
            if len(pts) >= 2:
                lines.append([[round(float(a), 4), round(float(b), 4)] for a, b in pts])
        out.append(lines)
    return out


def simplex_stops(
    ns: Sequence[int],
    means: Sequence[float],
    draws: int,
    seed: int,
    progress: Callable[[], None] | None = None,
) -> dict:
    """Panel 2, the counting simplex for K = 3 (energies 0, 1, 2).

    Exact ln W contours per N; per (N, mean) the energy line, the Boltzmann point and
    ``draws`` exact draws, seeded per stop from ``seed``.
    """
    drops = (1.0, 10.0, 100.0)
    out: dict = {"drops": list(drops), "contours": {}, "stops": {}}
    seqs = np.random.SeedSequence(seed).spawn(len(ns) * len(means))
    for i, n in enumerate(ns):
        out["contours"][str(n)] = log_count_contours(n, drops)
        for j, mean in enumerate(means):
            p = Problem([0, 1, 2], n, mean_energy=mean, snap=True)
            u = p.mean_energy
            # the energy line p1 + 2 p2 = u inside the simplex
            ends = (
                [[1 - u, u, 0.0], [1 - u / 2, 0.0, u / 2]]
                if u <= 1
                else [[0.0, 2 - u, u - 1], [1 - u / 2, 0.0, u / 2]]
            )
            res = sample(p, draws, seed=seqs[i * len(means) + j], threads=1)
            xy = ternary_xy(res.draws / n)
            b = p.boltzmann
            rms = float(np.sqrt(np.mean(np.sum((res.draws / n - b) ** 2, axis=1))))
            out["stops"][f"{n}|{mean:g}"] = {
                "mean_energy": float(u),
                "line": [rounded(v, 5) for v in ternary_xy(np.array(ends))],
                "boltzmann": rounded(b),
                "boltzmann_xy": rounded(ternary_xy(b)[0], 5),
                "draws": [[round(float(a), 4), round(float(c), 4)] for a, c in xy],
                "rms": float(f"{rms:.6g}"),
                "method": res.method,
            }
            if progress is not None:
                progress()
    return out


def softmax_stops(temperatures: Sequence[float], scores: Sequence[float] = SCORES) -> dict:
    """Panel 3: softmax(z / T) at each T, with the limits T -> 0 and T -> inf."""
    z = np.asarray(scores, dtype=np.float64)
    rows = {}
    top = z == z.max()
    rows["0"] = rounded(top / top.sum())  # the argmax, ties shared
    for t in temperatures:
        a = z / t
        a -= a.max()
        e = np.exp(a)
        rows[f"{t:g}"] = rounded(e / e.sum())
    rows["inf"] = rounded(np.full(z.size, 1.0 / z.size))
    return {"scores": z.tolist(), "plain": rounded(z / z.sum()), "softmax": rows}


def concentration_stops(
    ns: Sequence[int], means: Sequence[float], points: int = 160, progress=None
) -> dict:
    """Panel 4: K = 4 (energies 0..3): the exact law of ``2N (H_max - H)`` against chi2(2).

    Exact over the lattice (every allocation with its probability under ``W``); the page
    gets the CDF at up to ``points`` values and the Kolmogorov distance computed here
    on every atom.
    """
    dof = 2
    out = {"dof": dof, "stops": {}}
    for n in ns:
        for mean in means:
            p = Problem([0, 1, 2, 3], n, mean_energy=mean, snap=True)
            en = enumerate_allocations(p, max_points=4_000_000)
            f = en.allocations / n
            with np.errstate(divide="ignore", invalid="ignore"):
                h = -np.sum(np.where(f > 0, f * np.log(f), 0.0), axis=1)
            b = p.boltzmann
            hmax = float(-np.sum(b * np.log(b)))
            x = np.maximum(2.0 * n * (hmax - h), 0.0)
            order = np.argsort(x, kind="stable")
            xs, cdf = x[order], np.cumsum(en.probabilities[order])
            chi = sstats.chi2.cdf(xs, dof)
            # both sides of each jump of the exact CDF
            before = np.concatenate([[0.0], cdf[:-1]])
            ks = float(max(np.max(np.abs(cdf - chi)), np.max(np.abs(before - chi))))
            keep = np.unique(np.searchsorted(cdf, np.linspace(0, 1, points), side="left"))
            keep = keep[keep < xs.size]
            out["stops"][f"{n}|{mean:g}"] = {
                "mean_energy": float(p.mean_energy),
                "x": rounded(xs[keep], 5),
                "cdf": rounded(cdf[keep], 5),
                "ks": float(f"{ks:.6g}"),
                "mean_x": float(f"{float(en.probabilities @ x):.6g}"),
                "lattice": int(xs.size),
            }
            if progress is not None:
                progress()
    return out


def die_stops(ns: Sequence[int], thresholds: Sequence[float], progress=None) -> dict:
    """Panel 5: ``-(1/N) ln P(mean of N fair-die throws >= a)``, exactly, and ``I(a)``."""
    out = {"rate": {f"{a:g}": float(f"{die_rate(a):.6g}") for a in thresholds}, "stops": {}}
    for n in ns:
        for a in thresholds:
            count = die_tail_count(n, a)
            # ln P = ln count - N ln 6, from the big integer (P underflows at N = 1e4)
            ln_p = ln_int(count) - n * math.log(6.0)
            out["stops"][f"{n}|{a:g}"] = {
                "rate_n": float(f"{-ln_p / n:.6g}"),
                "log10_p": float(f"{ln_p / math.log(10.0):.6g}"),
            }
            if progress is not None:
                progress()
    return out


def ln_int(v: int) -> float:
    if v <= 0:
        raise ValidationError("threshold", "no outcome reaches it")
    bits = v.bit_length()
    shift = max(0, bits - 60)
    return math.log(v >> shift) + shift * math.log(2.0)
