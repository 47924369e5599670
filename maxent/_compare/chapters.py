"""Two lecture chapters computed exactly: large deviations and ensemble equivalence.

*Large deviations.* Throw a fair die with faces ``1..K`` N times. How unlikely is it that
the mean of the throws is at least ``a`` (above the fair mean ``(K + 1)/2``)? The number of
outcomes is counted exactly with integers (the coefficients of ``(x + ... + x^K)^N``),
and the probability is compared with Cramér's (Sanov's) estimate ``exp(-N I(a))``,
``I(a) = ln K - H(p_beta)``, where ``p_beta`` is the Boltzmann law on the faces whose mean
is ``a``. Given the rare sum, one die follows ``p_beta`` (the conditional limit theorem):
the law of one die given the sum is computed exactly too.

*Ensemble equivalence.* In an Einstein solid of N oscillators sharing q quanta (every
allocation equally likely: the microcanonical ensemble) one oscillator holds n quanta with
probability ``C(q - n + N - 2, N - 2) / C(q + N - 1, N - 1)``. The canonical ensemble gives
the geometric (Boltzmann) law with the same mean ``q/N``. The total-variation distance
between the two falls like ``c/N``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from maxent._util.errors import ValidationError
from maxent._util.validate import as_count, as_real

__all__ = [
    "ConditionalDieLaw",
    "EquivalenceTable",
    "LargeDeviationTable",
    "OneItemLaw",
    "conditional_die_law",
    "die_rate",
    "die_tail_count",
    "equivalence_table",
    "large_deviation_table",
    "one_item_law",
]

#: Largest number of throws counted exactly (the integers have about N log2 K bits).
MAX_THROWS = 20_000
#: Largest number of faces.
MAX_FACES = 10_000


def _faces(faces) -> int:
    k = as_count(faces, "faces", minimum=2)
    if k > MAX_FACES:
        raise ValidationError("faces", f"must be an integer in 2..{MAX_FACES} (got {k})")
    return k


def _throws(n, param: str = "n", minimum: int = 1) -> int:
    n = as_count(n, param, minimum=minimum)
    if n > MAX_THROWS:
        raise ValidationError(
            param, f"must be an integer in {minimum}..{MAX_THROWS} for exact counting (got {n})"
        )
    return n


def _threshold(threshold, k: int) -> Fraction:
    a = as_real(threshold, "threshold")
    if not (k + 1) / 2 < a <= k:
        raise ValidationError(
            "threshold",
            f"must lie above the fair mean and at most the top face: ({(k + 1) / 2:g}, {k}] "
            f"(got {a!r})",
        )
    # the decimal the user wrote (3.7, not its binary neighbour 3.7000000000000002):
    # N a must be an integer exactly when it is one in decimal
    return Fraction(repr(a))


def _compositions_at_most(n: int, k: int, m: int) -> int:
    """Number of ``(x_1..x_n)`` in ``{0..k-1}^n`` with ``sum x <= m`` (exact).

    Inclusion-exclusion over the values that exceed ``k - 1``:
    ``sum_j (-1)^j C(n, j) C(m - k j + n, n)``. The binomials are updated by exact integer
    ratios from one term to the next (or afresh when ``k > n``), so the cost is
    O(min(n, m/k)) big-integer steps.
    """
    if m < 0:
        return 0
    if m >= n * (k - 1):
        return k**n
    total = 0
    cn = 1  # C(n, j)
    top = m + n  # C(top, n), top = m - k j + n
    cb = math.comb(top, n)
    j = 0
    while True:
        total += cn * cb if j % 2 == 0 else -cn * cb
        j += 1
        if j > n or m - k * j < 0:
            break
        cn = cn * (n - j + 1) // j
        new_top = top - k
        if k <= n:  # k exact ratio factors
            num = math.prod(range(new_top - n + 1, top - n + 1))
            den = math.prod(range(new_top + 1, top + 1))
            cb = cb * num // den
        else:  # many faces, few throws: n factors afresh are cheaper
            cb = math.comb(new_top, n)
        top = new_top
    return total


def _compositions_equal(n: int, k: int, s: int) -> int:
    """Number of ``(x_1..x_n)`` in ``{0..k-1}^n`` with ``sum x == s`` (exact)."""
    if n == 0:
        return 1 if s == 0 else 0
    if s < 0 or s > n * (k - 1):
        return 0
    # use the smaller side of the symmetric law
    s = min(s, n * (k - 1) - s)
    return _compositions_at_most(n, k, s) - _compositions_at_most(n, k, s - 1)


def die_tail_count(n: int, threshold: float, faces: int = 6) -> int:
    """Exact number of outcomes of ``n`` throws of a fair die whose mean is ``>= threshold``.

    Parameters
    ----------
    n : int
        Number of throws, 1 to 20000.
    threshold : float
        The mean ``a``, above the fair mean ``(faces + 1)/2`` and at most ``faces``.
    faces : int, optional
        Faces ``1..faces`` of the die (default 6).

    Returns
    -------
    int
        The count; the probability is ``count / faces**n``.
    """
    k = _faces(faces)
    n = _throws(n)
    a = _threshold(threshold, k)
    need = math.ceil(n * a) - n  # sum of (face - 1) must reach this
    # by the symmetry x -> k - 1 - x: #(sum >= need) = #(sum <= n (k - 1) - need)
    return _compositions_at_most(n, k, n * (k - 1) - need)


def _boltzmann_faces(k: int, a: float) -> tuple[float, np.ndarray, float]:
    """``theta`` (= -beta), the tilted law on faces ``1..k`` with mean ``a``, and I(a)."""
    from maxent._model.theory import beta_from_mean, boltzmann

    faces = np.arange(1.0, k + 1.0)
    if a >= k:
        p = np.zeros(k)
        p[-1] = 1.0
        return math.inf, p, math.log(k)
    beta = beta_from_mean(faces, a)
    p = boltzmann(faces, beta)
    nz = p > 0
    entropy = -float(np.sum(p[nz] * np.log(p[nz])))
    return -float(beta), p, max(math.log(k) - entropy, 0.0)


def die_rate(threshold: float, faces: int = 6) -> float:
    """Cramér's rate ``I(a) = ln K - H(p_beta)`` of a fair die's mean at ``a``.

    ``p_beta`` is the Boltzmann law ``p_k ~ exp(-beta k)`` on the faces with mean ``a``;
    ``I(a)`` is also the relative entropy ``D(p_beta || uniform)`` (Sanov).

    Parameters
    ----------
    threshold : float
        The mean ``a``, in ``((faces + 1)/2, faces]``.
    faces : int, optional
        Faces ``1..faces`` (default 6).

    Returns
    -------
    float
        ``I(a)`` in nats; ``ln faces`` at ``a = faces``.
    """
    k = _faces(faces)
    a = _threshold(threshold, k)
    return _boltzmann_faces(k, float(a))[2]


@dataclass(frozen=True, repr=False)
class LargeDeviationTable:
    """Exact tail probabilities of a fair die's mean against the large-deviation rate.

    Attributes
    ----------
    faces : int
    threshold : float
        The mean ``a``.
    n : ndarray of int
        Numbers of throws.
    log_probability : ndarray
        Exact ``ln P(mean >= a)`` at each N (from integer counts).
    rate_exact : ndarray
        ``-ln P / N``.
    rate : float
        Cramér's rate ``I(a) = ln K - H(p_beta)``.
    log_bahadur_rao : ndarray
        ``ln`` of the refined estimate
        ``exp(-N I - theta d) / ((1 - e^{-theta}) sigma sqrt(2 pi N))`` (``d`` is the
        distance from ``N a`` up to the next integer); ``-inf`` at ``a = faces``.
    theta : float
        The tilt ``-beta`` of ``p_beta`` (``+inf`` at ``a = faces``).
    boltzmann : ndarray, shape (faces,)
        ``p_beta`` on the faces ``1..faces``.
    """

    faces: int
    threshold: float
    n: np.ndarray
    log_probability: np.ndarray
    rate_exact: np.ndarray
    rate: float
    log_bahadur_rao: np.ndarray
    theta: float
    boltzmann: np.ndarray

    def __repr__(self) -> str:
        rows = ", ".join(
            f"{n}: {r:.4f}" for n, r in zip(self.n[:4], self.rate_exact[:4], strict=True)
        )
        more = ", ..." if self.n.size > 4 else ""
        return (
            f"LargeDeviationTable(faces={self.faces}, threshold={self.threshold:g}, "
            f"rate={self.rate:.6f}, rate_exact={{{rows}{more}}})"
        )


def large_deviation_table(
    threshold: float = 4.5,
    n_values=(10, 20, 50, 100, 200, 500, 1000, 2000),
    faces: int = 6,
) -> LargeDeviationTable:
    """Exact ``P(mean of N throws >= a)`` for a fair die, against ``exp(-N I(a))``.

    The counts are exact integers (inclusion-exclusion on the coefficients of
    ``(x + x^2 + ... + x^K)^N``); only the final logarithm is rounded.

    Parameters
    ----------
    threshold : float, optional
        The mean ``a`` (default 4.5), in ``((faces + 1)/2, faces]``.
    n_values : sequence of int, optional
        Numbers of throws, each 1 to 20000.
    faces : int, optional
        Faces ``1..faces`` (default 6).

    Returns
    -------
    LargeDeviationTable

    Examples
    --------
    >>> t = large_deviation_table(4.5, [50, 1000])
    >>> round(t.rate, 6), [round(float(r), 4) for r in t.rate_exact]
    (0.178178, [0.2214, 0.1818])
    """
    k = _faces(faces)
    a = _threshold(threshold, k)
    ns = np.array([_throws(n, "n_values") for n in np.atleast_1d(n_values)], dtype=np.int64)
    if ns.size == 0:
        raise ValidationError("n_values", "must name at least one number of throws")
    theta, p, rate = _boltzmann_faces(k, float(a))
    logp = np.array(
        [_log_int(die_tail_count(int(n), float(a), k)) - int(n) * math.log(k) for n in ns]
    )
    if math.isinf(theta):
        log_br = np.full(ns.size, -np.inf)
    else:
        faces_v = np.arange(1.0, k + 1.0)
        sigma = math.sqrt(float(np.sum(p * (faces_v - float(a)) ** 2)))
        gap = np.array([float(math.ceil(int(n) * a) - int(n) * a) for n in ns])
        log_br = (
            -ns * rate
            - theta * gap
            - math.log(-math.expm1(-theta))
            - np.log(sigma * np.sqrt(2 * math.pi * ns))
        )
    return LargeDeviationTable(
        faces=k,
        threshold=float(a),
        n=ns,
        log_probability=logp,
        rate_exact=-logp / ns,
        rate=rate,
        log_bahadur_rao=log_br,
        theta=theta,
        boltzmann=p,
    )


def _log_int(x: int) -> float:
    """Natural log of a positive (possibly huge) integer, to double precision."""
    if x <= 0:
        return -math.inf
    shift = max(x.bit_length() - 960, 0)
    return math.log(x >> shift) + shift * math.log(2)


@dataclass(frozen=True, repr=False)
class ConditionalDieLaw:
    """Exact law of one throw given the sum of all N throws.

    Attributes
    ----------
    faces : int
    n : int
        Number of throws.
    total : int
        The sum of the N faces that is conditioned on.
    exact : tuple of Fraction
        ``P(first throw = k | sum = total)`` for ``k = 1..faces``, as exact fractions.
    probabilities : ndarray
        The same as floats.
    boltzmann : ndarray
        ``p_beta`` with mean ``total / n`` (the conditional limit).
    total_variation : float
        ``(1/2) sum |exact - boltzmann|``.
    """

    faces: int
    n: int
    total: int
    exact: tuple
    probabilities: np.ndarray
    boltzmann: np.ndarray
    total_variation: float

    def __repr__(self) -> str:
        p = np.array2string(self.probabilities, precision=4, separator=", ")
        return (
            f"ConditionalDieLaw(faces={self.faces}, n={self.n}, total={self.total}, "
            f"probabilities={p}, total_variation={self.total_variation:.3g})"
        )


def conditional_die_law(n: int, total: int, faces: int = 6) -> ConditionalDieLaw:
    """Exact law of one throw of a fair die given that N throws sum to ``total``.

    ``P(X_1 = k | S_N = s) = c_{N-1}(s - k) / c_N(s)``, where ``c_m(s)`` counts the
    outcomes of m throws with sum s. As N grows at fixed ``s/N`` it tends to the Boltzmann
    law ``p_beta`` with mean ``s/N`` (the conditional limit theorem).

    Parameters
    ----------
    n : int
        Number of throws, 2 to 20000.
    total : int
        The sum, from ``n`` to ``faces * n``.
    faces : int, optional
        Faces ``1..faces`` (default 6).

    Returns
    -------
    ConditionalDieLaw
    """
    k = _faces(faces)
    n = _throws(n, minimum=2)
    s = as_count(total, "total", minimum=n)
    if s > k * n:
        raise ValidationError("total", f"must be an integer in {n}..{k * n} (got {s})")
    denom = _compositions_equal(n, k, s - n)
    exact = tuple(
        Fraction(_compositions_equal(n - 1, k, s - face - (n - 1)), denom)
        for face in range(1, k + 1)
    )
    probs = np.array([float(f) for f in exact])
    mean = s / n
    if mean <= 1.0 or mean >= k:
        boltz = np.zeros(k)
        boltz[0 if mean <= 1.0 else -1] = 1.0
    else:
        from maxent._model.theory import beta_from_mean, boltzmann

        faces_v = np.arange(1.0, k + 1.0)
        boltz = boltzmann(faces_v, beta_from_mean(faces_v, mean))
    tv = 0.5 * float(np.abs(probs - boltz).sum())
    return ConditionalDieLaw(k, n, s, exact, probs, boltz, tv)


# --- ensemble equivalence: the Einstein solid --------------------------------------------------


@dataclass(frozen=True, repr=False)
class OneItemLaw:
    """Law of the quanta held by one oscillator of an Einstein solid, two ensembles.

    Attributes
    ----------
    oscillators : int
        N.
    quanta : int
        q, the total number of quanta (the energy, in units of the quantum).
    n : ndarray of int
        Quanta of the one oscillator, ``0..q``.
    microcanonical : ndarray
        ``C(q - n + N - 2, N - 2) / C(q + N - 1, N - 1)``: every allocation of the q quanta
        equally likely.
    canonical : ndarray
        The geometric (Boltzmann) law ``(1 - x) x^n`` with the same mean ``q/N``,
        ``x = (q/N) / (1 + q/N)``, on ``0..q``; its remaining mass ``x^(q+1)`` lies above q.
    total_variation : float
        ``(1/2) sum_n |microcanonical - canonical|`` over all n >= 0.
    """

    oscillators: int
    quanta: int
    n: np.ndarray
    microcanonical: np.ndarray
    canonical: np.ndarray
    total_variation: float

    def __repr__(self) -> str:
        return (
            f"OneItemLaw(oscillators={self.oscillators}, quanta={self.quanta}, "
            f"total_variation={self.total_variation:.4g})"
        )


#: Largest number of quanta (the law is an array of q + 1 values).
MAX_QUANTA = 50_000_000


def one_item_law(oscillators: int, quanta: int) -> OneItemLaw:
    """Microcanonical against canonical law of one oscillator of an Einstein solid.

    The microcanonical law comes from counting: with ``N - 1`` other oscillators sharing
    ``q - n`` quanta there are ``C(q - n + N - 2, N - 2)`` allocations. It is evaluated
    from the exact ratio ``P(n + 1)/P(n) = (q - n)/(q - n + N - 2)``, accumulated in log
    space, so it neither overflows nor underflows for large N and q.

    Parameters
    ----------
    oscillators : int
        N, at least 2.
    quanta : int
        q, from 0 to 5e7.

    Returns
    -------
    OneItemLaw
    """
    big_n = as_count(oscillators, "oscillators", minimum=2)
    q = as_count(quanta, "quanta", minimum=0)
    if q > MAX_QUANTA:
        raise ValidationError("quanta", f"must be an integer in 0..{MAX_QUANTA} (got {q})")
    n = np.arange(q + 1, dtype=np.int64)
    # log P(0) = log((N - 1)/(q + N - 1)); log P(n+1) - log P(n) = log1p(-(N-2)/(q-n+N-2))
    steps = np.log1p(-(big_n - 2) / (q - n[:-1] + big_n - 2.0))
    logp = math.log((big_n - 1) / (q + big_n - 1)) + np.concatenate(([0.0], np.cumsum(steps)))
    micro = np.exp(logp)
    mean = q / big_n
    # geometric law with mean q/N: log x = log(mean) - log1p(mean)
    if q == 0:
        canon = np.ones(1)
        tail = 0.0
    else:
        logx = math.log(mean) - math.log1p(mean)
        canon = np.exp(n * logx - math.log1p(mean))
        tail = math.exp((q + 1) * logx)
    tv = 0.5 * (float(np.abs(micro - canon).sum()) + tail)
    return OneItemLaw(big_n, q, n, micro, canon, tv)


@dataclass(frozen=True, repr=False)
class EquivalenceTable:
    """Total-variation distance between the two ensembles against N at a fixed mean.

    Attributes
    ----------
    mean_quanta : float
        ``q/N``.
    oscillators : ndarray of int
        N.
    quanta : ndarray of int
        q at each N.
    total_variation : ndarray
        TV distance of the one-oscillator laws.
    slope : float
        Least-squares slope of ``log TV`` on ``log N`` (about -1).
    constant : float
        ``c`` in ``TV ~ c/N``: the median of ``N TV`` over the largest half of the N.
    """

    mean_quanta: float
    oscillators: np.ndarray
    quanta: np.ndarray
    total_variation: np.ndarray
    slope: float
    constant: float

    def __repr__(self) -> str:
        return (
            f"EquivalenceTable(mean_quanta={self.mean_quanta:g}, "
            f"N={self.oscillators.min()}..{self.oscillators.max()}, "
            f"slope={self.slope:.3f}, constant={self.constant:.4g})"
        )


def equivalence_table(
    mean_quanta: float = 2.0,
    oscillators=(4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096),
) -> EquivalenceTable:
    """TV distance between microcanonical and canonical one-oscillator laws against N.

    Parameters
    ----------
    mean_quanta : float, optional
        Mean quanta per oscillator ``q/N`` (default 2); ``q = round(N * mean_quanta)``.
        Must be positive and at most 1e4.
    oscillators : sequence of int, optional
        The N, each at least 2; at least two of them.

    Returns
    -------
    EquivalenceTable
        With the fitted log-log slope (about -1: ``TV ~ c/N``).
    """
    from maxent._compare.converge import fit_slope

    m = as_real(mean_quanta, "mean_quanta")
    if not 0 < m <= 1e4:
        raise ValidationError("mean_quanta", f"must lie in (0, 1e4] (got {mean_quanta!r})")
    ns = np.array(
        sorted({as_count(n, "oscillators", minimum=2) for n in np.atleast_1d(oscillators)}),
        dtype=np.int64,
    )
    if ns.size < 2:
        raise ValidationError("oscillators", "must hold at least two different N")
    qs = np.array([round(int(n) * m) for n in ns], dtype=np.int64)
    if qs.max() > MAX_QUANTA:
        raise ValidationError("oscillators", f"N * mean_quanta must be at most {MAX_QUANTA}")
    laws = [one_item_law(int(n), int(q)) for n, q in zip(ns, qs, strict=True)]
    tv = np.array([law.total_variation for law in laws])
    slope, _, _ = fit_slope(ns, tv)
    upper = ns >= np.median(ns)
    const = float(np.median(ns[upper] * tv[upper]))
    return EquivalenceTable(m, ns, qs, tv, slope, const)
