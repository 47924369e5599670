"""The demos: calibration of real (small) classifiers on the data sets scikit-learn ships.

A classifier is trained on half of one of scikit-learn's bundled data sets (no download:
``digits``, ``breast-cancer``, ``wine``, ``iris``); its logits on a quarter of the rows
(the calibration split) fit a calibration map, and the last quarter (the test split)
scores the result. The same logits are also turned into probabilities by plain
normalisation (shifted to be non-negative) for comparison.

The classifiers: ``mlp``, a multilayer perceptron (one hidden layer of 32 ReLU units,
L-BFGS, no regularisation, trained until it fits its rows: over-confident on new data;
logits: its pre-softmax outputs); ``logistic``, L2-regularised logistic regression
(logits: its decision function); ``forest``, a random forest of 200 trees (logits: the
logarithms of its probabilities plus 1e-12, as scikit-learn's temperature scaling reads
probabilities). A binary classifier's logits are its log-odds, read as ``[0, s]``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from maxent._calibrate.compat import ConvergenceWarning
from maxent._calibrate.estimators import TemperatureScaling
from maxent._calibrate.fit import CalibrationResult, calibrate_split
from maxent._calibrate.metrics import NormalisationComparison, compare_normalisations
from maxent._util.errors import ValidationError
from maxent._util.validate import as_count

__all__ = [
    "DATASETS",
    "MODELS",
    "Demo",
    "DemoLogits",
    "calibration_demo",
    "demo_logits",
    "digits_demo",
]

DATASETS = ("digits", "breast-cancer", "wine", "iris")
MODELS = ("mlp", "logistic", "forest")
PROBABILITY_EPS = 1e-12  # added to a forest's probabilities before the log, as sklearn does


@dataclass(frozen=True)
class DemoLogits:
    """A trained classifier's logits on the calibration and test splits of a data set.

    Attributes
    ----------
    dataset, model : str
        Which data set and which classifier.
    calib_logits, calib_labels, test_logits, test_labels : ndarray
        Logits ((n, K), or (n,) log-odds for two classes) and labels of the two
        held-out splits.
    class_names : tuple of str
        The data set's names of the classes.
    sizes : tuple of int
        Rows in the train, calibration and test splits.
    seed : int
        Root seed of the split and of the classifier.
    classifier : object
        The fitted scikit-learn classifier (inputs: the scaled features).
    calib_features, test_features : ndarray
        The scaled features of the two held-out splits (the classifier's inputs).
    """

    dataset: str
    model: str
    calib_logits: np.ndarray
    calib_labels: np.ndarray
    test_logits: np.ndarray
    test_labels: np.ndarray
    class_names: tuple
    sizes: tuple
    seed: int
    classifier: object
    calib_features: np.ndarray
    test_features: np.ndarray

    def __repr__(self) -> str:
        return (
            f"DemoLogits({self.dataset}, {self.model}, seed={self.seed}, train/calibration/"
            f"test {self.sizes}, {len(self.class_names)} classes)"
        )


@dataclass(frozen=True)
class Demo:
    """A demo's data, classifier and results.

    Attributes
    ----------
    calibration : CalibrationResult
        The map fitted on the calibration split, scored on the test split.
    normalisation : NormalisationComparison
        Plain normalisation of the test logits against softmax at T = 1 and T = T*.
    data : DemoLogits
        The logits and labels of the splits.
    """

    calibration: CalibrationResult
    normalisation: NormalisationComparison
    data: DemoLogits

    # the digits demo's fields, kept for its callers
    @property
    def calib_logits(self) -> np.ndarray:
        return self.data.calib_logits

    @property
    def calib_labels(self) -> np.ndarray:
        return self.data.calib_labels

    @property
    def test_logits(self) -> np.ndarray:
        return self.data.test_logits

    @property
    def test_labels(self) -> np.ndarray:
        return self.data.test_labels

    @property
    def sizes(self) -> tuple:
        return self.data.sizes

    @property
    def seed(self) -> int:
        return self.data.seed

    def __repr__(self) -> str:
        c = self.calibration
        return (
            f"Demo({self.data.dataset}, {self.data.model}, seed={self.seed}, train/"
            f"calibration/test {self.sizes}, {c.method}: test NLL {c.before.nll:.4g} -> "
            f"{c.after.nll:.4g})"
        )


def _sklearn():
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise ValidationError(
            "extra",
            "the demos train a scikit-learn model: pip install 'maxent[ml]'",
        ) from None


def mlp_logits(model, x: np.ndarray) -> np.ndarray:
    """The pre-softmax outputs of a fitted ReLU ``MLPClassifier`` (its forward pass).

    For two classes the network has one output, the log-odds of ``classes_[1]``: the
    result is then 1-D.
    """
    h = x
    for w, b in zip(model.coefs_[:-1], model.intercepts_[:-1], strict=True):
        h = np.maximum(h @ w + b, 0.0)
    out = h @ model.coefs_[-1] + model.intercepts_[-1]
    return out[:, 0] if out.shape[1] == 1 else out


def _load(dataset: str):
    from sklearn import datasets

    loader = {
        "digits": datasets.load_digits,
        "breast-cancer": datasets.load_breast_cancer,
        "wine": datasets.load_wine,
        "iris": datasets.load_iris,
    }[dataset]
    bunch = loader()
    names = tuple(str(n) for n in getattr(bunch, "target_names", np.unique(bunch.target)))
    return bunch.data.astype(np.float64), bunch.target.astype(np.int64), names


def demo_logits(dataset: str = "digits", model: str = "mlp", seed: int = 0) -> DemoLogits:
    """Train a classifier on half of a bundled data set; its logits on the other half.

    The rows are split (by ``seed``) into 50 % training, 25 % calibration and 25 % test
    rows. Features are divided by 16 (digits: pixel intensities 0..16) or standardised
    with the training rows' means and deviations (the other data sets).

    Parameters
    ----------
    dataset : str
        ``digits``, ``breast-cancer``, ``wine`` or ``iris``.
    model : str
        ``mlp``, ``logistic`` or ``forest`` (see the module docstring).
    seed : int
        Root seed of the split and of the classifier.

    Returns
    -------
    DemoLogits
    """
    _sklearn()
    if dataset not in DATASETS:
        raise ValidationError("demo", f"must be one of {', '.join(DATASETS)} (got {dataset!r})")
    if model not in MODELS:
        raise ValidationError("model", f"must be one of {', '.join(MODELS)} (got {model!r})")
    from sklearn.exceptions import ConvergenceWarning as TrainingWarning

    seed = as_count(seed, "seed", minimum=0)
    x, y, names = _load(dataset)
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    perm = rng.permutation(y.size)
    n_train, n_cal = y.size // 2, y.size // 4
    tr, ca, te = perm[:n_train], perm[n_train : n_train + n_cal], perm[n_train + n_cal :]
    if dataset == "digits":
        x = x / 16.0
    else:
        mu, sd = x[tr].mean(axis=0), x[tr].std(axis=0)
        x = (x - mu) / np.where(sd > 0, sd, 1.0)
    model_seed = int(np.random.SeedSequence(seed, spawn_key=(1,)).generate_state(1)[0] >> 1)
    clf = _classifier(model, model_seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TrainingWarning)  # the MLP is meant to overfit
        clf.fit(x[tr], y[tr])
    return DemoLogits(
        dataset,
        model,
        _logits(clf, model, x[ca]),
        y[ca],
        _logits(clf, model, x[te]),
        y[te],
        names,
        (tr.size, ca.size, te.size),
        seed,
        clf,
        x[ca],
        x[te],
    )


def _classifier(model: str, seed: int):
    if model == "mlp":
        from sklearn.neural_network import MLPClassifier

        return MLPClassifier(
            hidden_layer_sizes=(32,),
            solver="lbfgs",
            alpha=0.0,
            max_iter=150,
            tol=0.0,
            random_state=seed,
        )
    if model == "logistic":
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=1.0, max_iter=10_000)
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(n_estimators=200, random_state=seed, n_jobs=1)


def _logits(clf, model: str, x: np.ndarray) -> np.ndarray:
    if model == "mlp":
        return mlp_logits(clf, x)
    if model == "logistic":
        return clf.decision_function(x)
    return np.log(clf.predict_proba(x) + PROBABILITY_EPS)


def calibration_demo(
    dataset: str = "digits",
    *,
    model: str = "mlp",
    method: str = "temperature",
    seed: int = 0,
    bins: int = 15,
    adaptive: bool = False,
    bootstrap: int = 0,
    class_bias: bool = False,
) -> Demo:
    """Train a classifier on a bundled data set and calibrate it (needs scikit-learn).

    Parameters
    ----------
    dataset : str
        ``digits``, ``breast-cancer``, ``wine`` or ``iris``.
    model : str
        ``mlp`` (the default: an over-confident network), ``logistic`` or ``forest``.
    method : str
        The calibration map, as in :func:`maxent.calibrate`.
    seed : int
        Root seed of the split, of the classifier and of the bootstrap.
    bins : int
        Number of bins of the calibration errors.
    adaptive : bool
        Equal-mass bins for the reliability diagram.
    bootstrap : int
        Bootstrap resamples of the test rows for intervals of the metrics.
    class_bias : bool
        The same as ``method="bias"``.

    Returns
    -------
    Demo
    """
    data = demo_logits(dataset, model, seed)
    res = calibrate_split(
        data.calib_logits,
        data.calib_labels,
        data.test_logits,
        data.test_labels,
        method=method,
        bins=bins,
        adaptive=adaptive,
        bootstrap=bootstrap,
        seed=seed,
        class_bias=class_bias,
    )
    zt = data.test_logits
    zt = np.column_stack([np.zeros_like(zt), zt]) if zt.ndim == 1 else zt
    if res.method == "temperature":
        beta = res.beta
    else:  # the comparison is of softmax at its fitted temperature
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # +inf is a valid limit here
            beta = TemperatureScaling().fit(data.calib_logits, data.calib_labels).beta_
    norm = compare_normalisations(zt, data.test_labels, beta, res.after.bins)
    return Demo(res, norm, data)


def digits_demo(seed: int = 0, bins: int = 15, class_bias: bool = False) -> Demo:
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
    Demo
    """
    return calibration_demo("digits", seed=seed, bins=bins, class_bias=class_bias)
