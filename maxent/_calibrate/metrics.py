"""Calibration metrics: NLL, Brier score, accuracy and the expected calibration error.

The ECE compares the top-label confidence with the accuracy: samples are grouped by
confidence into equal-width bins on [0, 1] (``ece``) or into bins holding equal numbers of
samples (``ece_adaptive``, the equal-mass variant, less sensitive to empty bins), and the
gaps ``|accuracy - confidence|`` are averaged with the bins' sample fractions as weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from maxent._calibrate.core import chunk_rows

__all__ = ["Metrics", "NormalisationComparison", "Reliability", "compare_normalisations"]


@dataclass(frozen=True)
class Reliability:
    """Equal-width reliability bins: sample counts, mean confidence and accuracy per bin."""

    edges: np.ndarray
    counts: np.ndarray
    confidence: np.ndarray  # NaN in empty bins
    accuracy: np.ndarray  # NaN in empty bins

    def __repr__(self) -> str:
        return f"Reliability({self.counts.size} bins, {int(self.counts.sum())} samples)"


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
        Number of ECE bins.
    reliability : Reliability
        The equal-width bins, for reliability diagrams.
    """

    nll: float
    brier: float
    ece: float
    ece_adaptive: float
    accuracy: float
    bins: int
    reliability: Reliability

    def __repr__(self) -> str:
        return (
            f"Metrics(nll={self.nll:.5g}, brier={self.brier:.5g}, ece[{self.bins}]="
            f"{self.ece:.4g}, ece_adaptive[{self.bins}]={self.ece_adaptive:.4g}, "
            f"accuracy={self.accuracy:.4g})"
        )

    def to_dict(self) -> dict:
        return {
            "nll": self.nll,
            "brier": self.brier,
            "ece": self.ece,
            "ece_adaptive": self.ece_adaptive,
            "accuracy": self.accuracy,
            "bins": self.bins,
        }


def _ece(conf: np.ndarray, correct: np.ndarray, bins: int) -> tuple[float, float, Reliability]:
    n = conf.size
    gap = correct.astype(np.float64) - conf
    idx = np.minimum((conf * bins).astype(np.int64), bins - 1)
    counts = np.bincount(idx, minlength=bins)
    gsum = np.bincount(idx, weights=gap, minlength=bins)
    csum = np.bincount(idx, weights=conf, minlength=bins)
    asum = np.bincount(idx, weights=correct.astype(np.float64), minlength=bins)
    ece = float(np.abs(gsum).sum() / n)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_conf = np.where(counts > 0, csum / np.maximum(counts, 1), np.nan)
        acc = np.where(counts > 0, asum / np.maximum(counts, 1), np.nan)
    order = np.argsort(conf, kind="stable")
    groups = np.array_split(gap[order], min(bins, n))
    ece_ad = float(sum(abs(g.sum()) for g in groups) / n)
    rel = Reliability(np.linspace(0.0, 1.0, bins + 1), counts, mean_conf, acc)
    return ece, ece_ad, rel


def metrics_from_probabilities(p: np.ndarray, y: np.ndarray, bins: int) -> Metrics:
    """Metrics of an (n, K) array of probabilities (rows summing to one)."""
    n = p.shape[0]
    rows = np.arange(n)
    py = p[rows, y]
    with np.errstate(divide="ignore"):
        nll = float(-np.log(py).mean())
    brier = float(((p * p).sum(axis=1) - 2.0 * py + 1.0).mean())
    pred = p.argmax(axis=1)
    conf = p[rows, pred]
    correct = pred == y
    ece, ece_ad, rel = _ece(conf, correct, bins)
    return Metrics(nll, brier, ece, ece_ad, float(correct.mean()), bins, rel)


def evaluate(
    z: np.ndarray, y: np.ndarray, beta: float, bins: int, bias: np.ndarray | None = None
) -> Metrics:
    """Metrics of ``softmax(beta z + bias)``, in chunks and in log space.

    ``beta = +inf`` (``-inf``) puts equal weight on the classes sharing each row's
    maximum (minimum): the limit of softmax.
    """
    from maxent._kernels._calibrate import softmax_scores  # loads numba

    n, k = z.shape
    logp_y = np.empty(n)
    sq = np.empty(n)
    conf = np.empty(n)
    correct = np.empty(n, dtype=bool)
    step = chunk_rows(k)
    for a in range(0, n, step):
        b = min(n, a + step)
        blk = z[a:b]
        r = np.arange(b - a)
        yy = y[a:b]
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
        else:  # one fused pass (numba), nothing of size (rows, K) beyond the scores
            t = beta * blk if beta != 1.0 else blk.copy()
            if bias is not None:
                t += bias
            pred = np.empty(b - a, dtype=np.int64)
            softmax_scores(
                t, np.ascontiguousarray(yy, dtype=np.int64), logp_y[a:b], sq[a:b], conf[a:b], pred
            )
        correct[a:b] = pred == yy
    ece, ece_ad, rel = _ece(conf, correct, bins)
    return Metrics(
        float(-logp_y.mean()) + 0.0,  # + 0.0: no "-0"
        float(sq.mean()),
        ece,
        ece_ad,
        float(correct.mean()),
        bins,
        rel,
    )


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
