"""Calibration metrics: NLL, Brier score, accuracy, ECE, MCE, classwise ECE, intervals.

The expected calibration error compares the top-label confidence with the accuracy:
samples are grouped by confidence into bins and the gaps ``|accuracy - confidence|`` are
averaged with the bins' sample fractions as weights. The binning is stated with every
number:

* **equal width** (``ece``): ``bins`` intervals ``[b/B, (b+1)/B)`` of [0, 1], the last one
  closed, so that a confidence of exactly 1 is in the top bin; a sample falls in bin
  ``min(floor(conf * B), B - 1)``. Confidences of 0 are valid (bin 0). Empty bins add
  nothing to the sum and are counted (``Reliability.empty``).
* **equal mass** (``ece_adaptive``): the samples sorted by confidence and cut into
  ``bins`` groups whose sizes differ by at most one (ties may straddle a cut).

The MCE is the largest gap over the non-empty bins of the reliability diagram's binning.
The classwise ECE (Kull et al. 2019) bins every class's probability, not only the top
one, with equal-width bins, and averages the per-class ECEs over the classes. Each bin of
a reliability diagram carries a Clopper-Pearson interval of its accuracy (exact for a
binomial count), and :func:`evaluate` with ``bootstrap > 0`` gives percentile bootstrap
intervals of the metrics over the evaluated rows (the classwise ECE's when its per-row
data, n x K entries per resample, stay affordable: see :data:`CLASSWISE_BOOTSTRAP`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from maxent._calibrate.core import chunk_rows
from maxent._util.format import defined

__all__ = [
    "Metrics",
    "NormalisationComparison",
    "Reliability",
    "calibration_metrics",
    "clopper_pearson",
    "compare_normalisations",
    "reliability",
]

BINNINGS = ("equal-width", "equal-mass")

#: Largest ``resamples * n * K`` for which the classwise ECE gets a bootstrap interval:
#: each resample re-bins all n x K probabilities (about a second at this size); above
#: it the other metrics keep their intervals and the classwise ECE has none.
CLASSWISE_BOOTSTRAP = 1 << 27


def clopper_pearson(hits, counts, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact binomial interval of ``hits / counts`` at confidence ``level`` (NaN where 0)."""
    from scipy.special import betaincinv

    k = np.asarray(hits, dtype=np.float64)
    n = np.asarray(counts, dtype=np.float64)
    a = 0.5 * (1.0 - level)
    lo = np.full(k.shape, np.nan)
    hi = np.full(k.shape, np.nan)
    ok = n > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        lo[ok] = np.where(
            k[ok] > 0, betaincinv(np.maximum(k[ok], 1e-300), n[ok] - k[ok] + 1, a), 0.0
        )
        hi[ok] = np.where(
            k[ok] < n[ok], betaincinv(k[ok] + 1, np.maximum(n[ok] - k[ok], 1e-300), 1 - a), 1.0
        )
    return lo, hi


@dataclass(frozen=True)
class Reliability:
    """Reliability-diagram bins: counts, mean confidence, accuracy and its interval.

    Attributes
    ----------
    edges : ndarray, shape (bins + 1,)
        Bin edges on [0, 1]; equal mass: the smallest confidence, the midpoints between
        neighbouring groups and the largest confidence.
    counts : ndarray of int
        Samples per bin.
    confidence, accuracy : ndarray
        Mean top-label confidence and fraction correct per bin (NaN in empty bins).
    lower, upper : ndarray
        Clopper-Pearson interval of the accuracy at ``level`` (NaN in empty bins).
    binning : str
        ``equal-width`` or ``equal-mass``.
    level : float
        Confidence level of the intervals.
    """

    edges: np.ndarray
    counts: np.ndarray
    confidence: np.ndarray
    accuracy: np.ndarray
    lower: np.ndarray = field(default=None, repr=False)
    upper: np.ndarray = field(default=None, repr=False)
    binning: str = "equal-width"
    level: float = 0.95

    @property
    def empty(self) -> int:
        """Number of bins without samples (skipped by the ECE and the MCE)."""
        return int((self.counts == 0).sum())

    @property
    def mce(self) -> float:
        """Largest ``|accuracy - confidence|`` over the non-empty bins."""
        ok = self.counts > 0
        return float(np.abs(self.accuracy[ok] - self.confidence[ok]).max()) if ok.any() else 0.0

    def __repr__(self) -> str:
        return (
            f"Reliability({self.counts.size} {self.binning} bins, {int(self.counts.sum())} "
            f"samples, {self.empty} empty)"
        )


def bin_index(conf: np.ndarray, bins: int) -> np.ndarray:
    """Equal-width bin of each confidence: ``min(floor(conf * bins), bins - 1)``, >= 0."""
    return np.clip((np.asarray(conf) * bins).astype(np.int64), 0, bins - 1)


def _groups(n: int, bins: int) -> np.ndarray:
    """Sizes of ``bins`` equal-mass groups of ``n`` sorted samples (as numpy.array_split)."""
    q, r = divmod(n, bins)
    return np.array([q + 1] * r + [q] * (bins - r), dtype=np.int64)


def reliability(
    conf, correct, bins: int = 15, *, adaptive: bool = False, level: float = 0.95
) -> Reliability:
    """Reliability-diagram bins of top-label confidences and correctness.

    Parameters
    ----------
    conf : array_like, shape (n,)
        Confidences in [0, 1].
    correct : array_like of bool, shape (n,)
        Whether each prediction was right.
    bins : int
        Number of bins.
    adaptive : bool
        Equal-mass bins instead of equal-width ones.
    level : float
        Confidence level of the Clopper-Pearson intervals.

    Returns
    -------
    Reliability
    """
    conf = np.asarray(conf, dtype=np.float64)
    hit = np.asarray(correct, dtype=np.float64)
    n = conf.size
    if adaptive:
        order = np.argsort(conf, kind="stable")
        sizes = _groups(n, bins)
        idx = np.empty(n, dtype=np.int64)
        idx[order] = np.repeat(np.arange(bins), sizes)
        ends = np.cumsum(sizes)
        srt = conf[order]
        inner = [
            0.5 * (srt[e - 1] + srt[e]) if 0 < e < n else (srt[-1] if e >= n and n else 0.0)
            for e in ends[:-1]
        ]
        # from the smallest to the largest confidence: the groups' own range, not [0, 1]
        first, last = (float(srt[0]), float(srt[-1])) if n else (0.0, 1.0)
        edges = np.maximum.accumulate(np.array([first, *inner, last]))
    else:
        idx = bin_index(conf, bins)
        edges = np.linspace(0.0, 1.0, bins + 1)
    counts = np.bincount(idx, minlength=bins)
    csum = np.bincount(idx, weights=conf, minlength=bins)
    asum = np.bincount(idx, weights=hit, minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_conf = np.where(counts > 0, csum / np.maximum(counts, 1), np.nan)
        acc = np.where(counts > 0, asum / np.maximum(counts, 1), np.nan)
    lo, hi = clopper_pearson(asum, counts, level)
    return Reliability(edges, counts, mean_conf, acc, lo, hi, BINNINGS[int(adaptive)], level)


def _ece_pair(conf: np.ndarray, gap: np.ndarray, bins: int) -> tuple[float, float]:
    """Equal-width and equal-mass ECE from the confidences and the gaps correct - conf."""
    n = conf.size
    idx = bin_index(conf, bins)
    ece = float(np.abs(np.bincount(idx, weights=gap, minlength=bins)).sum() / n)
    order = np.argsort(conf, kind="stable")
    cuts = np.concatenate([[0], np.cumsum(_groups(n, bins))])
    cs = np.concatenate([[0.0], np.cumsum(gap[order])])
    ece_ad = float(np.abs(cs[cuts[1:]] - cs[cuts[:-1]]).sum() / n)
    return ece, ece_ad


@dataclass(frozen=True)
class Metrics:
    """Scores of predicted probabilities against labels (lower is better, except accuracy).

    Attributes
    ----------
    nll : float
        Mean negative log-likelihood of the true class (``inf`` when a true class got 0).
    brier : float
        Mean multi-class Brier score ``sum_k (p_k - onehot_k)**2``, in [0, 2].
    ece, ece_adaptive : float
        Expected calibration error with ``bins`` equal-width and equal-mass bins.
    accuracy : float
        Fraction of samples whose most probable class is the true one.
    bins : int
        Number of bins of every calibration error.
    reliability : Reliability
        The reliability diagram's bins (equal width, or equal mass with ``adaptive``).
    mce : float
        Largest gap over the non-empty bins of ``reliability``.
    ece_classwise : float
        Mean over classes of the equal-width ECE of each class's probability.
    intervals : dict
        ``{name: (low, high)}`` percentile bootstrap intervals at ``level`` of ``nll``,
        ``brier``, ``ece``, ``ece_adaptive``, ``mce``, ``accuracy`` and
        ``ece_classwise`` (empty without a bootstrap; no ``ece_classwise`` when
        ``resamples * n * K`` exceeds :data:`CLASSWISE_BOOTSTRAP`).
    bootstrap : int
        Bootstrap resamples of the evaluated rows behind ``intervals`` (0: none).
    level : float
        Confidence level of the intervals and of the reliability bands.
    """

    nll: float
    brier: float
    ece: float
    ece_adaptive: float
    accuracy: float
    bins: int
    reliability: Reliability
    mce: float = math.nan
    ece_classwise: float = math.nan
    intervals: dict = field(default_factory=dict)
    bootstrap: int = 0
    level: float = 0.95

    def __repr__(self) -> str:
        return (
            f"Metrics(nll={self.nll:.5g}, brier={self.brier:.5g}, ece[{self.bins}]="
            f"{self.ece:.4g}, ece_adaptive[{self.bins}]={self.ece_adaptive:.4g}, "
            f"mce={self.mce:.4g}, ece_classwise={self.ece_classwise:.4g}, "
            f"accuracy={self.accuracy:.4g})"
        )

    def to_dict(self) -> dict:
        """Plain values for strict JSON: infinities as ``"inf"``, no NaN (null and why)."""
        rel = self.reliability
        none = "no rows to score"
        return {
            "nll": defined(self.nll, none),
            "brier": defined(self.brier, none),
            "ece": defined(self.ece, none),
            "ece_adaptive": defined(self.ece_adaptive, none),
            "mce": defined(self.mce, "every bin is empty"),
            "ece_classwise": defined(self.ece_classwise, none),
            "accuracy": defined(self.accuracy, none),
            "bins": self.bins,
            "binning": rel.binning,
            "empty_bins": rel.empty,
            "bootstrap": self.bootstrap,
            "level": self.level,
            "intervals": {
                k: defined(
                    [float(a), float(b)],
                    "no bootstrap interval for this metric (see docs/theory/calibration.md)",
                )
                for k, (a, b) in self.intervals.items()
            },
        }


def _bootstrap(
    conf, correct, logp_y, sq, bins, adaptive, resamples, seed, level, classwise=None
) -> dict:
    """Percentile intervals of the metrics over ``resamples`` resamples of the rows.

    A resample is drawn as multiplicities (how often each row is drawn); the binned sums
    of each resample then cost O(n): the equal-width bins do not move, and the equal-mass
    groups are cut in the sorted order of the original rows, weighted by multiplicity.
    ``classwise``, if given, is ``(cell, gap)``: each probability's (class, bin) cell
    ``k * bins + b`` and ``1{y = k} - p_k``, both (n, K); the classwise ECE of a resample
    is then one weighted bincount, O(n K).
    """
    n = conf.size
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    rng = np.random.default_rng(ss)
    gap = correct - conf
    idx = bin_index(conf, bins)
    order = np.argsort(conf, kind="stable")
    gap_sorted, conf_sorted, hit_sorted = gap[order], conf[order], correct[order]
    cuts = np.cumsum(_groups(n, bins))[:-1]
    names = ("nll", "brier", "ece", "ece_adaptive", "mce", "accuracy")
    if classwise is not None:
        cell, cgap = classwise
        ncls = cell.shape[1]
        cell = cell.ravel()
        names += ("ece_classwise",)
    draws = {k: np.empty(resamples) for k in names}
    lost = ~np.isfinite(logp_y)  # true classes given probability 0
    logp_finite = np.where(lost, 0.0, logp_y)
    for r in range(resamples):
        m = np.bincount(rng.integers(0, n, n), minlength=n).astype(np.float64)
        draws["nll"][r] = math.inf if (m[lost] > 0).any() else -(m @ logp_finite) / n
        draws["brier"][r] = (m @ sq) / n
        draws["accuracy"][r] = (m @ correct) / n
        draws["ece"][r] = np.abs(np.bincount(idx, weights=m * gap, minlength=bins)).sum() / n
        ms = m[order]
        draws["ece_adaptive"][r] = np.abs(_cut_sums(gap_sorted, ms, cuts)).sum() / n
        if adaptive:
            cnt = np.diff(np.concatenate([[0], cuts, [n]])).astype(np.float64)
            acc = _cut_sums(hit_sorted, ms, cuts)
            cf = _cut_sums(conf_sorted, ms, cuts)
        else:
            cnt = np.bincount(idx, weights=m, minlength=bins)
            acc = np.bincount(idx, weights=m * correct, minlength=bins)
            cf = np.bincount(idx, weights=m * conf, minlength=bins)
        ok = cnt > 0
        draws["mce"][r] = float(np.max(np.abs(acc[ok] - cf[ok]) / cnt[ok]))
        if classwise is not None:
            sums = np.bincount(cell, weights=(m[:, None] * cgap).ravel(), minlength=ncls * bins)
            draws["ece_classwise"][r] = np.abs(sums).sum() / (ncls * n)
    a = 0.5 * (1.0 - level)
    # an infinite NLL in some resamples sorts last: order statistics, no interpolation
    return {
        k: tuple(float(q) for q in np.quantile(v, [a, 1.0 - a], method="inverted_cdf"))
        for k, v in draws.items()
    }


def _cut_sums(values, ms, cuts):
    """Sums of ``values`` (sorted rows, row j repeated ``ms[j]`` times) between the cuts.

    The cuts are positions in the expanded sequence; a row straddling a cut is split.
    """
    n = values.size
    cum = np.concatenate([[0.0], np.cumsum(ms)])
    cs = np.concatenate([[0.0], np.cumsum(ms * values)])
    j = np.searchsorted(cum, cuts, side="right") - 1  # the row holding each cut
    part = cs[j] + (cuts - cum[j]) * values[np.minimum(j, n - 1)]
    return np.diff(np.concatenate([[0.0], part, [cs[-1]]]))


def _finish(
    conf, correct, logp_y, sq, bins, classwise, *, adaptive, bootstrap, seed, level, cells=None
):
    hit = correct.astype(np.float64)
    ece, ece_ad = _ece_pair(conf, hit - conf, bins)
    rel = reliability(conf, correct, bins, adaptive=adaptive, level=level)
    intervals = {}
    if bootstrap:
        intervals = _bootstrap(conf, hit, logp_y, sq, bins, adaptive, bootstrap, seed, level, cells)
    return Metrics(
        float(-logp_y.mean()) + 0.0,  # + 0.0: no "-0"
        float(sq.mean()),
        ece,
        ece_ad,
        float(correct.mean()),
        bins,
        rel,
        rel.mce,
        classwise,
        intervals,
        int(bootstrap),
        level,
    )


def _classwise(counts, psum, hits, n) -> float:
    """Mean over classes of sum_b |hits_kb - psum_kb| / n."""
    return float(np.abs(hits - psum).sum(axis=1).mean() / n)


def _cells(p: np.ndarray, y: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Each probability's (class, bin) cell and ``1{y = k} - p_k``: the classwise sums."""
    k = p.shape[1]
    cell = np.arange(k)[None, :] * bins + bin_index(p, bins)
    gap = -p
    gap[np.arange(p.shape[0]), y] += 1.0
    return cell, gap


def _classwise_affordable(bootstrap: int, n: int, k: int) -> bool:
    return 0 < bootstrap and bootstrap * n * k <= CLASSWISE_BOOTSTRAP


def calibration_metrics(
    probabilities,
    labels,
    bins: int = 15,
    *,
    adaptive: bool = False,
    bootstrap: int = 0,
    seed: int = 0,
    level: float = 0.95,
) -> Metrics:
    """Metrics of an (n, K) array of probabilities (rows summing to one) against labels.

    Parameters
    ----------
    probabilities : array_like, shape (n, K)
        Predicted probabilities.
    labels : array_like, shape (n,)
        True classes, integers in ``[0, K-1]``.
    bins : int
        Number of bins of the calibration errors.
    adaptive : bool
        Equal-mass bins for the reliability diagram and the MCE.
    bootstrap : int
        Bootstrap resamples for the intervals (0: none).
    seed : int
        Root seed of the bootstrap.
    level : float
        Confidence level of the intervals.

    Returns
    -------
    Metrics
    """
    p = np.asarray(probabilities, dtype=np.float64)
    y = np.asarray(labels, dtype=np.int64)
    n, k = p.shape
    rows = np.arange(n)
    py = p[rows, y]
    with np.errstate(divide="ignore"):
        logp_y = np.log(py)
    sq = (p * p).sum(axis=1) - 2.0 * py + 1.0
    pred = p.argmax(axis=1)
    conf = p[rows, pred]
    idx = bin_index(p, bins)
    flat = (np.arange(k)[None, :] * bins + idx).ravel()
    psum = np.bincount(flat, weights=p.ravel(), minlength=k * bins).reshape(k, bins)
    onehot = np.zeros_like(p)
    onehot[rows, y] = 1.0
    hits = np.bincount(flat, weights=onehot.ravel(), minlength=k * bins).reshape(k, bins)
    counts = np.bincount(flat, minlength=k * bins).reshape(k, bins)
    cells = _cells(p, y, bins) if _classwise_affordable(bootstrap, n, k) else None
    return _finish(
        conf, pred == y, logp_y, sq, bins, _classwise(counts, psum, hits, n),
        adaptive=adaptive, bootstrap=bootstrap, seed=seed, level=level, cells=cells,
    )  # fmt: skip


def metrics_from_probabilities(p: np.ndarray, y: np.ndarray, bins: int) -> Metrics:
    """Metrics of an (n, K) array of probabilities (rows summing to one)."""
    return calibration_metrics(p, y, bins)


def evaluate(
    z: np.ndarray,
    y: np.ndarray,
    beta: float,
    bins: int,
    bias: np.ndarray | None = None,
    *,
    adaptive: bool = False,
    bootstrap: int = 0,
    seed: int = 0,
    level: float = 0.95,
) -> Metrics:
    """Metrics of ``softmax(beta z + bias)``, in chunks and in log space.

    ``beta = +inf`` (``-inf``) puts equal weight on the classes sharing each row's
    maximum (minimum): the limit of softmax. Calibrated logits of any other map are
    scored with ``beta = 1``.
    """
    from maxent._kernels._calibrate import classwise_bins, softmax_scores  # loads numba

    n, k = z.shape
    logp_y = np.empty(n)
    sq = np.empty(n)
    conf = np.empty(n)
    correct = np.empty(n, dtype=bool)
    counts = np.zeros((k, bins))
    psum = np.zeros((k, bins))
    hits = np.zeros((k, bins))
    # the classwise bootstrap needs every probability's cell: (n, K), kept only if small
    cells = None
    if _classwise_affordable(bootstrap, n, k):
        cells = (np.empty((n, k), dtype=np.int64), np.empty((n, k)))
    step = chunk_rows(k)
    for a in range(0, n, step):
        b = min(n, a + step)
        blk = z[a:b]
        r = np.arange(b - a)
        yy = np.ascontiguousarray(y[a:b], dtype=np.int64)
        if np.isinf(beta):
            ext = blk.max(axis=1) if beta > 0 else blk.min(axis=1)
            mask = blk == ext[:, None]
            ties = mask.sum(axis=1)
            p = mask / ties[:, None]
            with np.errstate(divide="ignore"):
                logp_y[a:b] = np.log(p[r, yy])
            pred = p.argmax(axis=1)
            conf[a:b] = p[r, pred]
            sq[a:b] = (p * p).sum(axis=1) - 2.0 * p[r, yy] + 1.0
            idx = bin_index(p, bins)
            flat = (np.arange(k)[None, :] * bins + idx).ravel()
            onehot = np.zeros_like(p)
            onehot[r, yy] = 1.0
            counts += np.bincount(flat, minlength=k * bins).reshape(k, bins)
            psum += np.bincount(flat, weights=p.ravel(), minlength=k * bins).reshape(k, bins)
            hits += np.bincount(flat, weights=onehot.ravel(), minlength=k * bins).reshape(k, bins)
            if cells is not None:
                cells[0][a:b], cells[1][a:b] = _cells(p, yy, bins)
        else:  # one fused pass (numba), nothing of size (rows, K) beyond the scores
            t = blk.astype(np.float64) * beta if beta != 1.0 else blk.astype(np.float64)
            if bias is not None:
                t += bias
            t = np.ascontiguousarray(t)
            pred = np.empty(b - a, dtype=np.int64)
            softmax_scores(t, yy, logp_y[a:b], sq[a:b], conf[a:b], pred)
            classwise_bins(t, yy, bins, counts, psum, hits)
            if cells is not None:
                top = t.max(axis=1, keepdims=True)
                e = np.exp(t - top)
                cells[0][a:b], cells[1][a:b] = _cells(e / e.sum(axis=1, keepdims=True), yy, bins)
        correct[a:b] = pred == yy
    return _finish(
        conf, correct, logp_y, sq, bins, _classwise(counts, psum, hits, n),
        adaptive=adaptive, bootstrap=bootstrap, seed=seed, level=level, cells=cells,
    )  # fmt: skip


@dataclass(frozen=True)
class NormalisationComparison:
    """Plain normalisation of scores against softmax on the same logits and labels.

    Attributes
    ----------
    rows : tuple of (str, Metrics)
        ``ratio, row-min shift``: ``(z - min_k z) / sum(z - min_k z)`` per row;
        ``ratio, global shift``: the same with one shift, the smallest score overall;
        ``softmax T = 1`` and ``softmax T = T*`` (the fitted temperature).
    negative_rows : float
        Fraction of rows with a negative score: there ``z / sum z`` is no distribution.
    nonpositive_sums : float
        Fraction of rows whose scores sum to zero or less (the ratio divides by <= 0).
    zero_true_class : float
        Fraction of rows whose true class gets probability 0 from the row-min shift
        (that class is the row's smallest score): these make the ratio's NLL infinite.
    """

    rows: tuple
    negative_rows: float
    nonpositive_sums: float
    zero_true_class: float

    def __repr__(self) -> str:
        names = ", ".join(name for name, _ in self.rows)
        return (
            f"NormalisationComparison({names}; {self.negative_rows:.1%} rows with negative scores)"
        )

    def to_dict(self) -> dict:
        return {
            "rows": {name: m.to_dict() for name, m in self.rows},
            "negative_rows": self.negative_rows,
            "nonpositive_sums": self.nonpositive_sums,
            "zero_true_class": self.zero_true_class,
        }


def _ratio(shifted: np.ndarray) -> np.ndarray:
    s = shifted.sum(axis=1)
    k = shifted.shape[1]
    out = np.full(shifted.shape, 1.0 / k)
    ok = s > 0
    out[ok] = shifted[ok] / s[ok, None]
    return out


def compare_normalisations(
    z: np.ndarray, y: np.ndarray, beta: float, bins: int = 15
) -> NormalisationComparison:
    """Score the plain ratio of shifted scores and softmax side by side (in memory)."""
    zmin = z.min(axis=1)
    beta = 1.0 if math.isnan(beta) else beta
    rows = (
        ("ratio, row-min shift", metrics_from_probabilities(_ratio(z - zmin[:, None]), y, bins)),
        ("ratio, global shift", metrics_from_probabilities(_ratio(z - z.min()), y, bins)),
        ("softmax T = 1", evaluate(z, y, 1.0, bins)),
        ("softmax T = T*", evaluate(z, y, beta, bins)),
    )
    zy = z[np.arange(z.shape[0]), y]
    return NormalisationComparison(
        rows,
        float((z < 0).any(axis=1).mean()),
        float((z.sum(axis=1) <= 0).mean()),
        float(((zy == zmin) & (z.max(axis=1) > zmin)).mean()),
    )
