"""The digits demo: temperature scaling of a real (small) neural network.

A scikit-learn multilayer perceptron is trained on the 8x8 handwritten digits that ship
with scikit-learn (no download). Its logits on a calibration split fit the temperature;
a separate test split scores the result, and the same logits are also turned into
probabilities by plain normalisation (shifted to be non-negative) for comparison.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from maxent._calibrate.fit import CalibrationResult, calibrate_split
from maxent._calibrate.metrics import NormalisationComparison, compare_normalisations
from maxent._util.errors import ValidationError
from maxent._util.validate import as_count

__all__ = ["DigitsDemo", "digits_demo"]


@dataclass(frozen=True)
class DigitsDemo:
    """The digits demo's model, data splits and results.

    Attributes
    ----------
    calibration : CalibrationResult
        Temperature fitted on the calibration split, scored on the test split.
    normalisation : NormalisationComparison
        Plain normalisation of the test logits against softmax at T = 1 and T = T*.
    calib_logits, calib_labels, test_logits, test_labels : ndarray
        The network's logits and the labels of the two held-out splits.
    sizes : tuple of int
        Rows in the train, calibration and test splits.
    seed : int
        Root seed of the split and of the network's initialisation.
    """

    calibration: CalibrationResult
    normalisation: NormalisationComparison
    calib_logits: np.ndarray
    calib_labels: np.ndarray
    test_logits: np.ndarray
    test_labels: np.ndarray
    sizes: tuple
    seed: int

    def __repr__(self) -> str:
        c = self.calibration
        return (
            f"DigitsDemo(seed={self.seed}, train/calibration/test {self.sizes}, "
            f"T={c.temperature:.4g}, test NLL {c.before.nll:.4g} -> {c.after.nll:.4g})"
        )


def _sklearn():
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise ValidationError(
            "extra",
            "the digits demo trains a scikit-learn model: pip install 'maxent[ml]'",
        ) from None


def mlp_logits(model, x: np.ndarray) -> np.ndarray:
    """The pre-softmax outputs of a fitted ReLU ``MLPClassifier`` (its forward pass)."""
    h = x
    for w, b in zip(model.coefs_[:-1], model.intercepts_[:-1], strict=True):
        h = np.maximum(h @ w + b, 0.0)
    return h @ model.coefs_[-1] + model.intercepts_[-1]


def digits_demo(seed: int = 0, bins: int = 15, class_bias: bool = False) -> DigitsDemo:
    """Train a small MLP on scikit-learn's digits and calibrate its temperature.

    The 1797 digits are split (by ``seed``) into 50 % training, 25 % calibration and 25 %
    test rows; an ``MLPClassifier`` with one hidden layer of 32 ReLU units is trained by
    L-BFGS without regularisation until it fits the training rows perfectly, which makes
    it over-confident (T > 1) on new data.

    Parameters
    ----------
    seed : int
        Root seed of the split and of the network's weights.
    bins : int
        Number of ECE bins.
    class_bias : bool
        Also fit one bias per class (see :func:`maxent.calibrate`).

    Returns
    -------
    DigitsDemo
    """
    _sklearn()
    from sklearn.datasets import load_digits
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    seed = as_count(seed, "seed", minimum=0)
    bins = as_count(bins, "bins", minimum=1)
    x, y = load_digits(return_X_y=True)
    x = x / 16.0
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    perm = rng.permutation(y.size)
    n_train, n_cal = y.size // 2, y.size // 4
    tr, ca, te = perm[:n_train], perm[n_train : n_train + n_cal], perm[n_train + n_cal :]
    net_seed = int(np.random.SeedSequence(seed, spawn_key=(1,)).generate_state(1)[0] >> 1)
    model = MLPClassifier(
        hidden_layer_sizes=(32,),
        solver="lbfgs",
        alpha=0.0,
        max_iter=150,
        tol=0.0,
        random_state=net_seed,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(x[tr], y[tr])
    z_cal, z_test = mlp_logits(model, x[ca]), mlp_logits(model, x[te])
    res = calibrate_split(z_cal, y[ca], z_test, y[te], bins=bins, class_bias=class_bias)
    norm = compare_normalisations(z_test, y[te], res.beta, bins)
    return DigitsDemo(
        res,
        norm,
        z_cal,
        y[ca].astype(np.int64),
        z_test,
        y[te].astype(np.int64),
        (tr.size, ca.size, te.size),
        seed,
    )
