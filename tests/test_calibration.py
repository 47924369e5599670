"""maxent.calibration: the maximum-entropy calibrators, their promises, metrics and CLI.

Every fitted map is checked against what it promises: its moment (stationarity)
conditions, recomputed here from the fitted parameters with scipy, to 1e-8, and an
independent scipy fit of the same objective (coded here, nothing shared) to 1e-7. The
metrics are checked against a loop over explicit bin edges; the standard error of beta
against a bootstrap (a statistical test with a stated false-alarm rate and a negative
control that must fail).
"""

import math
import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest
from click.testing import CliRunner
from scipy import stats
from scipy.optimize import minimize
from scipy.special import log_softmax, logsumexp, softmax

from maxent import ValidationError
from maxent._util.format import to_json
from maxent.calibration import (
    ConvergenceWarning,
    DirichletCalibration,
    MatrixScaling,
    NotFittedError,
    ProbabilitiesWarning,
    TemperatureScaling,
    VectorScaling,
    calibrate,
    calibration_metrics,
    clopper_pearson,
    reliability,
)
from maxent.cli import cli

from . import strict_json


def drawn(seed, n=600, k=4, beta=0.7, scale=2.0):
    """Logits and labels drawn from a known calibrated-at-beta model (columns distinct)."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, k)) * scale + np.linspace(-0.5, 0.5, k)
    p = softmax(beta * z, axis=1)
    y = (rng.random(n)[:, None] > np.cumsum(p, axis=1)).sum(axis=1)
    return z, np.minimum(y, k - 1)


def probs_of(kind, z, coef, intercept):
    """Calibrated probabilities from the fitted parameters, written out here."""
    if kind == "temperature":
        a = coef * z + intercept
    elif kind == "vector":
        a = z * coef + intercept
    elif kind == "matrix":
        a = z @ coef.T + intercept
    else:
        a = log_softmax(z, axis=1) @ coef.T + intercept
    return softmax(a, axis=1)


def spread(x):
    return float((x.max(axis=1) - x.min(axis=1)).mean())


# --- moment conditions: each map reproduces its constraint set to 1e-8 ---------------------


def test_temperature_reproduces_the_mean_true_class_logit():
    z, y = drawn(1)
    ts = TemperatureScaling().fit(z, y)
    p = softmax(ts.beta_ * z, axis=1)
    gap = ((p * z).sum(axis=1) - z[np.arange(len(y)), y]).mean()
    assert abs(gap) / spread(z) < 1e-8
    assert ts.moment_residual_ < 1e-8 and ts.converged_


@pytest.mark.parametrize("kind", ["bias", "vector", "matrix", "dirichlet"])
def test_each_family_reproduces_its_moments(kind):
    z, y = drawn(2)
    n, k = z.shape
    est = {
        "bias": TemperatureScaling(class_bias=True),
        "vector": VectorScaling(),
        "matrix": MatrixScaling(),
        "dirichlet": DirichletCalibration(),
    }[kind].fit(z, y)
    assert est.status_ == "converged", est.message_
    if kind == "bias":
        p = probs_of("temperature", z, est.beta_, est.intercept_)
    else:
        p = probs_of(kind, z, est.coef_, est.intercept_)
    onehot = np.eye(k)[y]
    x = log_softmax(z, axis=1) if kind == "dirichlet" else z
    # the class frequencies, in every family with intercepts
    np.testing.assert_allclose(p.mean(axis=0), onehot.mean(axis=0), rtol=0, atol=1e-8)
    tol = 1e-8 * spread(x)
    if kind == "bias":  # one shared moment: the mean true-class logit
        assert abs((p * z).sum() - (onehot * z).sum()) / n < tol
    elif kind == "vector":  # E[z_k 1{y = k}] per class
        np.testing.assert_allclose((p * z).mean(axis=0), (onehot * z).mean(axis=0), atol=tol)
    else:  # every cross moment E[x_j 1{y = k}]
        np.testing.assert_allclose(p.T @ x / n, onehot.T @ x / n, rtol=0, atol=tol)
    assert est.moment_residual_ < 1e-8


def test_penalised_matrix_meets_its_relaxed_moment_conditions():
    # ODIR: the moment gap equals minus the penalty's gradient (the KKT conditions)
    z, y = drawn(3)
    n, k = z.shape
    lam, mu = 0.3, 0.05
    est = MatrixScaling(reg_off_diagonal=lam, reg_intercept=mu).fit(z, y)
    p = probs_of("matrix", z, est.coef_, est.intercept_)
    r = p - np.eye(k)[y]
    off = 1.0 - np.eye(k)
    gw = r.T @ z / n + 2 * lam / (k * (k - 1)) * off * est.coef_
    gb = r.mean(axis=0) + 2 * mu / k * est.intercept_
    assert np.abs(gw).max() < 1e-8 * spread(z) and np.abs(gb).max() < 1e-8
    assert np.abs(r.T @ z / n).max() > 1e-4  # ... which are not the plain moment conditions


# --- independent fits: scipy on the same objective, to 1e-7 ----------------------------------


def scipy_fit(kind, z, y, lam=0.0, mu=0.0, w=None):
    """The same objective coded from the formulas: BFGS, then Newton steps to the bottom.

    The scores are linear in the parameters, ``a_ik = sum_m J_ikm theta_m``, so the mean
    NLL, its gradient and its Hessian follow from the dense design ``J``; the ODIR
    penalty is the quadratic ``theta^T Q theta / 2``. BFGS alone stops near 1e-9 in the
    gradient (its line search meets rounding); the Newton steps, solved by least squares
    (the gauge makes the Hessian singular), take it to rounding.
    """
    n, k = z.shape
    ww = np.full(n, 1.0 / n) if w is None else w / w.sum()
    x = log_softmax(z, axis=1) if kind == "dirichlet" else z
    rows = np.arange(n)
    nc = {"temperature": 1, "bias": 1, "vector": k}.get(kind, k * k)
    nb = 0 if kind == "temperature" else k  # intercepts
    jac = np.zeros((n, k, nc + nb))
    for c in range(k):
        if kind in ("temperature", "bias"):
            jac[:, c, 0] = x[:, c]
        elif kind == "vector":
            jac[:, c, c] = x[:, c]
        else:
            jac[:, c, c * k : (c + 1) * k] = x
        if nb:
            jac[:, c, nc + c] = 1.0
    q = np.zeros(nc + nb)
    if kind in ("matrix", "dirichlet"):
        q[:nc] = (2 * lam / (k * (k - 1)) * (1.0 - np.eye(k))).ravel()
    q[nc:] = 2 * mu / k if nb else 0.0

    def f(t):
        a = jac @ t
        lse = logsumexp(a, axis=1)
        p = np.exp(a - lse[:, None])
        r = (p - np.eye(k)[y]) * ww[:, None]
        val = float(ww @ (lse - a[rows, y])) + 0.5 * float(t @ (q * t))
        return val, np.einsum("ik,ikm->m", r, jac) + q * t

    def hess(t):
        a = jac @ t
        p = softmax(a, axis=1)
        cov = np.einsum("i,ik,kl->ikl", ww, p, np.eye(k)) - np.einsum("i,ik,il->ikl", ww, p, p)
        return np.einsum("ikm,ikl,iln->mn", jac, cov, jac) + np.diag(q)

    c0 = {"temperature": [1.0], "bias": [1.0], "vector": np.ones(k)}.get(kind, np.eye(k).ravel())
    t = np.concatenate([c0, np.zeros(nb)])
    t = minimize(f, t, jac=True, method="BFGS", options={"gtol": 1e-10, "maxiter": 5000}).x
    for _ in range(4):
        t = t - np.linalg.lstsq(hess(t), f(t)[1], rcond=1e-12)[0]
    grad = f(t)[1]
    c, b = t[:nc], (t[nc:] if nb else np.zeros(k))
    return (c[0] if nc == 1 else c.reshape(k, k) if nc == k * k else c), b, grad


@pytest.mark.parametrize(
    ("kind", "lam", "mu"),
    [
        ("temperature", 0, 0),
        ("bias", 0, 0),
        ("vector", 0, 0),
        ("matrix", 0, 0),
        ("dirichlet", 0, 0),
        ("matrix", 0.3, 0.05),
    ],
)
def test_each_family_matches_an_independent_scipy_fit(kind, lam, mu):
    z, y = drawn(4)
    est = {
        "temperature": TemperatureScaling(),
        "bias": TemperatureScaling(class_bias=True),
        "vector": VectorScaling(),
        "matrix": MatrixScaling(reg_off_diagonal=lam, reg_intercept=mu),
        "dirichlet": DirichletCalibration(),
    }[kind].fit(z, y)
    c, b, grad = scipy_fit(kind, z, y, lam, mu)
    assert np.abs(grad).max() < 1e-13
    ours = est.predict_proba(z)
    theirs = probs_of("temperature" if kind == "bias" else kind, z, c, b)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-7)
    if kind == "temperature":
        assert est.beta_ == pytest.approx(float(c), rel=1e-7)
    elif kind == "bias":
        assert est.beta_ == pytest.approx(float(c), rel=1e-7)
        np.testing.assert_allclose(est.intercept_, b - b.mean(), atol=1e-7)
    elif kind == "vector":
        np.testing.assert_allclose(est.coef_, c, rtol=1e-7)
        np.testing.assert_allclose(est.intercept_, b - b.mean(), atol=1e-7)
    elif lam == 0:  # W up to W + 1 v^T and b up to b + c: compare differences of rows
        np.testing.assert_allclose(est.coef_ - est.coef_[0], c - c[0], atol=1e-7)
        np.testing.assert_allclose(est.intercept_ - est.intercept_[0], b - b[0], atol=1e-7)
    else:  # the penalty fixes every parameter
        np.testing.assert_allclose(est.coef_, c, atol=1e-7)
        np.testing.assert_allclose(est.intercept_, b, atol=1e-7)


def test_matrix_scaling_is_logistic_regression_on_the_logits():
    # an independent implementation of the same model: scikit-learn's multinomial fit
    sk = pytest.importorskip("sklearn.linear_model")
    z, y = drawn(5)
    lr = sk.LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(z, y)
    est = MatrixScaling().fit(z, y)
    np.testing.assert_allclose(est.predict_proba(z), lr.predict_proba(z), atol=1e-6)


def test_weights_are_repeated_rows_and_match_a_weighted_scipy_fit():
    z, y = drawn(6, n=300)
    rng = np.random.default_rng(0)
    w = rng.integers(0, 4, len(y)).astype(float)
    rep = np.repeat(np.arange(len(y)), w.astype(int))
    for make in (TemperatureScaling, VectorScaling, MatrixScaling):
        a = make().fit(z, y, sample_weight=w)
        b = make().fit(z[rep], y[rep])
        np.testing.assert_allclose(a.predict_proba(z), b.predict_proba(z), atol=1e-10)
    c, _, _ = scipy_fit("vector", z, y, w=w)
    a = VectorScaling().fit(z, y, sample_weight=w)
    np.testing.assert_allclose(a.coef_, c, rtol=1e-7)
    t = TemperatureScaling().fit(z, y, sample_weight=w)
    tb = TemperatureScaling().fit(z[rep], y[rep])
    assert t.beta_ == pytest.approx(tb.beta_, rel=1e-12)
    assert t.beta_stderr_ == pytest.approx(tb.beta_stderr_, rel=1e-10)


# --- the standard error of beta against a bootstrap ------------------------------------------

B = 400


def bootstrap_sd(z, y, fit, resamples, seed):
    rng = np.random.default_rng(seed)
    n = len(y)
    betas = [fit(z[i], y[i]) for i in (rng.integers(0, n, n) for _ in range(resamples))]
    return float(np.std(betas, ddof=1))


def test_beta_stderr_agrees_with_a_bootstrap():
    # With B = 400 resamples the bootstrap standard deviation has a relative error of
    # about 1/sqrt(2 (B - 1)) = 3.5 %: |ratio - 1| < 0.15 is 4.2 of its standard errors,
    # a two-sided false-alarm rate of about 3e-5 (plus the O(1/n) difference between the
    # observed information and the bootstrap at n = 2000, far below the tolerance).
    z, y = drawn(7, n=2000, k=5, beta=0.7)
    ts = TemperatureScaling().fit(z, y)
    sd = bootstrap_sd(z, y, lambda a, b: TemperatureScaling().fit(a, b).beta_, B, 11)
    assert abs(sd / ts.beta_stderr_ - 1) < 0.15
    # the observed information by hand: sum_i Var_{p_i}[z_i] at the fitted beta
    p = softmax(ts.beta_ * z, axis=1)
    info = ((p * z * z).sum(axis=1) - (p * z).sum(axis=1) ** 2).sum()
    assert ts.beta_stderr_ == pytest.approx(1 / math.sqrt(info), rel=1e-10)
    assert ts.temperature_stderr_ == pytest.approx(ts.beta_stderr_ / ts.beta_**2, rel=1e-12)
    # negative control: a standard error off by sqrt(2) (each row counted twice) fails
    assert abs(sd / (ts.beta_stderr_ / math.sqrt(2)) - 1) > 0.15


def test_beta_stderr_with_class_bias_agrees_with_a_bootstrap():
    # B = 200: relative error 5 %, |ratio - 1| < 0.2 is 4 of them (false alarm ~6e-5)
    z, y = drawn(8, n=1500, k=4, beta=0.5)
    est = TemperatureScaling(class_bias=True).fit(z, y)

    def fit(a, b):
        return TemperatureScaling(class_bias=True).fit(a, b).beta_

    sd = bootstrap_sd(z, y, fit, 200, 12)
    assert abs(sd / est.beta_stderr_ - 1) < 0.2
    assert abs(sd / (est.beta_stderr_ * math.sqrt(2)) - 1) > 0.2  # negative control


# --- binning: the known bugs, each with a test ------------------------------------------------


def ece_by_loop(conf, correct, edges):
    """ECE over explicit bins [e_b, e_{b+1}) with the last bin closed; empty bins skipped."""
    total, n = 0.0, len(conf)
    for b in range(len(edges) - 1):
        last = b == len(edges) - 2
        hi = edges[b + 1]
        inside = [
            i
            for i in range(n)
            if edges[b] <= conf[i] and (conf[i] < hi or (last and conf[i] <= hi))
        ]
        if inside:
            acc = sum(correct[i] for i in inside) / len(inside)
            cf = sum(conf[i] for i in inside) / len(inside)
            total += len(inside) / n * abs(acc - cf)
    return total


def test_confidence_exactly_one_is_in_the_top_bin():
    rel = reliability([1.0, 1.0, 0.95, 0.55], [1, 1, 0, 1], bins=10)
    assert rel.counts[9] == 3 and rel.counts.sum() == 4
    assert rel.confidence[9] == pytest.approx((1 + 1 + 0.95) / 3)


def test_confidence_zero_is_valid_and_counted():
    conf = np.array([0.0, 0.0, 0.5, 0.9])
    correct = np.array([0, 1, 1, 1])
    rel = reliability(conf, correct, bins=4)
    assert rel.counts[0] == 2 and rel.accuracy[0] == 0.5
    p = np.array([[0.5, 0.5], [0.5, 0.5]])  # the MCE and ECE see the zero-confidence bin
    assert calibration_metrics(p, [0, 1], bins=4).ece == pytest.approx(0.0)


def test_empty_bins_are_skipped_and_counted():
    rng = np.random.default_rng(3)
    conf = 0.9 + 0.1 * rng.random(200)
    correct = rng.random(200) < 0.8
    rel = reliability(conf, correct, bins=10)
    assert rel.empty == 9 and rel.counts[9] == 200
    assert np.isnan(rel.accuracy[:9]).all() and np.isnan(rel.lower[:9]).all()
    assert rel.mce == pytest.approx(abs(correct.mean() - conf.mean()))
    assert "9 empty" in repr(rel)


def test_ece_matches_a_loop_over_explicit_edges():
    rng = np.random.default_rng(4)
    k = 5
    p = softmax(rng.normal(size=(300, k)) * 3, axis=1)
    y = rng.integers(0, k, 300)
    conf, pred = p.max(axis=1), p.argmax(axis=1)
    correct = (pred == y).astype(float)
    m = calibration_metrics(p, y, bins=12)
    assert m.ece == pytest.approx(ece_by_loop(conf, correct, np.arange(13) / 12), abs=1e-12)
    # equal mass: 12 groups of 25 rows in order of confidence
    order = np.argsort(conf)
    gaps = [abs((correct[g] - conf[g]).sum()) for g in np.array_split(order, 12)]
    assert m.ece_adaptive == pytest.approx(sum(gaps) / 300, abs=1e-12)
    # classwise: every class's probability in equal-width bins, averaged over classes
    per_class = [ece_by_loop(p[:, j], (y == j).astype(float), np.arange(13) / 12) for j in range(k)]
    assert m.ece_classwise == pytest.approx(np.mean(per_class), abs=1e-12)
    # and the fused kernel of maxent.calibrate on the logits gives the same numbers
    res = calibrate(np.log(p), y, bins=12)
    assert res.before.ece == pytest.approx(m.ece, abs=1e-12)
    assert res.before.ece_classwise == pytest.approx(m.ece_classwise, abs=1e-12)


def test_clopper_pearson_bands_are_the_exact_binomial_interval():
    hits, counts = np.array([0, 3, 10, 7]), np.array([5, 10, 10, 0])
    lo, hi = clopper_pearson(hits, counts, 0.95)
    assert lo[0] == 0.0 and hi[2] == 1.0 and np.isnan(lo[3]) and np.isnan(hi[3])
    assert lo[1] == pytest.approx(stats.beta.ppf(0.025, 3, 8), rel=1e-10)
    assert hi[1] == pytest.approx(stats.beta.ppf(0.975, 4, 7), rel=1e-10)
    # the defining tail probabilities
    assert stats.binom.sf(2, 10, lo[1]) == pytest.approx(0.025, rel=1e-8)
    assert stats.binom.cdf(3, 10, hi[1]) == pytest.approx(0.025, rel=1e-8)


def test_bootstrap_intervals_equal_an_explicit_resampling():
    rng = np.random.default_rng(5)
    p = softmax(rng.normal(size=(150, 3)) * 2, axis=1)
    y = rng.integers(0, 3, 150)
    m = calibration_metrics(p, y, bins=8, bootstrap=60, seed=9)
    again = calibration_metrics(p, y, bins=8, bootstrap=60, seed=9)
    assert m.intervals == again.intervals and m.bootstrap == 60
    # the same resamples drawn explicitly, each scored from scratch
    draws = np.random.default_rng(np.random.SeedSequence(9))
    names = ("ece", "ece_adaptive", "nll", "mce", "ece_classwise")
    vals = {name: [] for name in names}
    for _ in range(60):
        i = draws.integers(0, 150, 150)
        mi = calibration_metrics(p[i], y[i], bins=8)
        for name in names:
            vals[name].append(getattr(mi, name))
    for name in names:
        q = np.quantile(vals[name], [0.025, 0.975], method="inverted_cdf")
        np.testing.assert_allclose(m.intervals[name], q, rtol=1e-10, err_msg=name)
    # the fused pass of maxent.calibrate on the logits resamples the same way
    z = np.log(p)
    res = calibrate(z, y, bins=8, bootstrap=60, seed=9)
    ref = calibration_metrics(
        p, y, bins=8, bootstrap=60, seed=np.random.SeedSequence(9, spawn_key=(1,))
    )
    for name in names:
        np.testing.assert_allclose(res.before.intervals[name], ref.intervals[name], rtol=1e-9)
    # above the size limit the classwise ECE has no interval; the others keep theirs
    small = calibration_metrics(p, y, bins=8, bootstrap=60, seed=9)
    from maxent._calibrate import metrics

    old, metrics.CLASSWISE_BOOTSTRAP = metrics.CLASSWISE_BOOTSTRAP, 60 * 150 * 3 - 1
    try:
        capped = calibration_metrics(p, y, bins=8, bootstrap=60, seed=9)
    finally:
        metrics.CLASSWISE_BOOTSTRAP = old
    assert "ece_classwise" not in capped.intervals
    assert capped.intervals["ece"] == small.intervals["ece"]


# --- the estimator API ----------------------------------------------------------------------


def test_params_clone_pickle_and_repr():
    est = MatrixScaling(reg_off_diagonal=0.1)
    assert est.get_params() == {
        "classes": None, "max_iter": 100, "reg_intercept": 0.0, "reg_off_diagonal": 0.1,
    }  # fmt: skip
    assert repr(est) == "MatrixScaling(reg_off_diagonal=0.1)"
    assert est.set_params(reg_intercept=2.0) is est and est.reg_intercept == 2.0
    with pytest.raises(ValueError, match="Invalid parameter 'bogus'"):
        est.set_params(bogus=1)
    z, y = drawn(9)
    est.fit(z, y)
    twin = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(twin.predict_proba(z), est.predict_proba(z))
    base = pytest.importorskip("sklearn.base")
    fresh = base.clone(est)
    assert fresh.get_params() == est.get_params() and not hasattr(fresh, "coef_")
    assert base.is_classifier(est)


def test_not_fitted_is_scikit_learns_error_too():
    with pytest.raises(NotFittedError, match="not fitted"):
        TemperatureScaling().predict(np.zeros((2, 3)))
    exceptions = pytest.importorskip("sklearn.exceptions")
    with pytest.raises(exceptions.NotFittedError):
        VectorScaling().predict_proba(np.zeros((2, 3)))


def test_class_labels_and_the_classes_parameter():
    z, y = drawn(10, k=3)
    names = np.array(["cat", "dog", "eel"])
    est = TemperatureScaling().fit(z, names[y])
    assert list(est.classes_) == ["cat", "dog", "eel"]
    assert set(est.predict(z)) <= set(names)
    # a class that never occurs: its column named by classes=
    keep = y != 1
    est = VectorScaling(classes=["eel", "dog", "cat"]).fit(z[keep], names[::-1][y[keep]])
    assert est.intercept_[1] == -math.inf and est.coef_[1] == 0.0
    assert (est.predict_proba(z)[:, 1] == 0).all()
    with pytest.raises(ValidationError, match="pass classes="):
        VectorScaling().fit(z[keep], names[y[keep]])


def test_binary_log_odds_are_the_logits_zero_and_s():
    rng = np.random.default_rng(11)
    s = rng.normal(0, 3, 400)
    y = (rng.random(400) < 1 / (1 + np.exp(-0.5 * s))).astype(int)
    one = TemperatureScaling().fit(s, y)
    two = TemperatureScaling().fit(np.column_stack([np.zeros(400), s]), y)
    assert one.beta_ == two.beta_ and one.n_features_in_ == 1
    assert one.decision_function(s).shape == (400,)  # scikit-learn's binary shape
    np.testing.assert_allclose(one.decision_function(s), one.beta_ * s)
    assert one.transform(s).shape == (400, 2)
    # vector scaling of binary log-odds is Platt scaling: sigmoid(a s + c)
    v = VectorScaling().fit(s, y)
    a = v.coef_[1]
    c = v.intercept_[1] - v.intercept_[0]
    np.testing.assert_allclose(v.predict_proba(s)[:, 1], 1 / (1 + np.exp(-(a * s + c))))


class DLPackOnly:
    """Exposes an array through DLPack only, as a CPU tensor of another library does."""

    def __init__(self, a):
        self._a = a

    def __dlpack__(self, **kw):
        return self._a.__dlpack__(**kw)

    def __dlpack_device__(self):
        return self._a.__dlpack_device__()


class ArrayOnly:
    def __init__(self, a):
        self._a = a

    def __array__(self, dtype=None, copy=None):
        return self._a if dtype is None else self._a.astype(dtype)


def test_dlpack_and_array_inputs_without_a_copy():
    from maxent._calibrate.inputs import as_scores

    z, y = drawn(12)
    z32 = z.astype(np.float32)
    for wrapped in (DLPackOnly(z32), ArrayOnly(z32)):
        got = as_scores(wrapped)
        assert got.dtype == np.float32 and np.shares_memory(got, z32)  # not even one copy
    ref = TemperatureScaling().fit(z32, y)
    assert TemperatureScaling().fit(DLPackOnly(z32), y).beta_ == ref.beta_
    assert TemperatureScaling().fit(ArrayOnly(z32), y).beta_ == ref.beta_
    # float32 logits give the fit of their float64 values, computed in float64
    assert ref.beta_ == pytest.approx(
        TemperatureScaling().fit(z32.astype(float), y).beta_, rel=1e-13
    )
    np.testing.assert_array_equal(
        MatrixScaling().fit(DLPackOnly(z32), y).coef_, MatrixScaling().fit(z32, y).coef_
    )


def test_a_torch_tensor_if_torch_is_installed():
    torch = pytest.importorskip("torch")
    z, y = drawn(13)
    t = torch.from_numpy(z.astype(np.float32))
    assert TemperatureScaling().fit(t, torch.from_numpy(y)).beta_ == pytest.approx(
        TemperatureScaling().fit(z.astype(np.float32), y).beta_, rel=0
    )


def test_probabilities_get_a_warning_saying_what_to_pass():
    z, y = drawn(14)
    p = softmax(z, axis=1)
    with pytest.warns(ProbabilitiesWarning, match="look like probabilities.*log"):
        TemperatureScaling().fit(p, y)
    with pytest.warns(ProbabilitiesWarning, match="positive class"):
        TemperatureScaling().fit(p[:, 1], (y > 1).astype(int))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        TemperatureScaling().fit(np.log(p), y)  # log-probabilities are logits


# --- honest endings: separable, infinite, undetermined -----------------------------------------


def test_separable_rows_are_reported_not_chased():
    rng = np.random.default_rng(15)
    z = rng.normal(size=(40, 3))
    y = rng.integers(0, 3, 40)
    z[np.arange(40), y] += 3.0
    with pytest.warns(ConvergenceWarning, match="separable by the matrix family"):
        est = MatrixScaling().fit(z, y)
    assert est.status_ == "separable" and not est.converged_
    assert est.n_iter_ <= 12  # the short iterate, not a chase to gtol
    with pytest.warns(ConvergenceWarning, match=r"separable by the Dirichlet \(matrix on log"):
        DirichletCalibration().fit(z, y)
    # (a class bias alone separates these rows too)
    with pytest.warns(ConvergenceWarning, match="separable by the bias family"):
        TemperatureScaling(class_bias=True).fit(z, y)
    sk = pytest.importorskip("sklearn.exceptions")
    with pytest.warns(sk.ConvergenceWarning):  # the same warning, as scikit-learn's class
        MatrixScaling().fit(z, y)
    # the same rows with some true classes moved down overlap: a certified minimum
    z[:8, :] = rng.normal(size=(8, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est = VectorScaling().fit(z, y)
    assert est.converged_ and "no direction separates" in est.message_


def test_a_fit_stopped_early_says_not_converged(monkeypatch):
    # one trust-region step and no Newton polish cannot reach the 1e-9 residual: the fit
    # must measure that from its own parameters and say so, not report success
    from maxent._calibrate import family

    monkeypatch.setattr(family, "_polish", lambda prob, theta: (theta, *prob.fun(theta), 0))
    z, y = drawn(22)
    with pytest.warns(ConvergenceWarning, match="no convergence after 1 steps"):
        est = VectorScaling(max_iter=1).fit(z, y)
    assert est.status_ == "not converged" and not est.converged_
    assert est.moment_residual_ > family.RESIDUAL_TOL
    res = calibrate(z, y, calibrator=VectorScaling(max_iter=1))
    assert res.status == "not converged"
    assert strict_json.loads(to_json(res.to_dict()))["status"] == "not converged"


def test_every_true_class_the_argmax_warns_and_predicts_the_limit():
    rng = np.random.default_rng(16)
    z = rng.normal(size=(30, 4))
    y = z.argmax(axis=1)
    with pytest.warns(ConvergenceWarning, match=r"T -> 0"):
        ts = TemperatureScaling().fit(z, y)
    assert ts.beta_ == math.inf and ts.temperature_ == 0 and math.isnan(ts.beta_stderr_)
    np.testing.assert_array_equal(ts.predict_proba(z), np.eye(4)[y])


def test_logits_of_size_1e6_fit_every_family_without_overflow():
    # the maps on logits are equivariant under z -> 1e6 z + 3e6 (the scale goes into the
    # weights, the shift into the intercepts); Dirichlet's log-probabilities only under
    # the shift, and at scale 1e6 they must still come out finite
    z, y = drawn(17, n=300)
    big = 1e6 * z + 3e6
    for make in (TemperatureScaling, VectorScaling, MatrixScaling, DirichletCalibration):
        a = make().fit(z, y)
        moved = z + 3e6 if make is DirichletCalibration else big
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            b = make().fit(moved, y)
            c = make().fit(big, y)
        np.testing.assert_allclose(a.predict_proba(z), b.predict_proba(moved), atol=1e-8)
        assert np.isfinite(c.predict_proba(big)).all() and c.status_ in ("converged", "separable")


def test_bad_input_is_one_line_naming_the_parameter():
    z, y = drawn(18)
    cases = [
        (lambda: VectorScaling().fit(np.where(z > 3, np.nan, z), y), "logits", "NaN"),
        (lambda: VectorScaling().fit(z, y[:-1]), "labels", "one label per logit row"),
        (lambda: VectorScaling().fit(z, y + 0.5), "labels", "Unknown label type"),
        (
            lambda: VectorScaling().fit(z, y, sample_weight=-np.ones(len(y))),
            "sample_weight",
            ">= 0",
        ),
        (lambda: MatrixScaling(reg_intercept=-1).fit(z, y), "reg_intercept", ">= 0"),
        (lambda: VectorScaling(max_iter=0).fit(z, y), "max_iter", ">= 1"),
        (lambda: VectorScaling().fit(z, y).predict(z[:, :3]), "logits", "expecting 4 features"),
    ]
    for call, param, text in cases:
        with pytest.raises(ValidationError) as err:
            call()
        assert err.value.param == param and text in err.value.message
        assert "\n" not in str(err.value)


def test_works_without_scikit_learn(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    z, y = drawn(19)
    est = MatrixScaling(reg_off_diagonal=0.1).fit(z, y)
    assert est.converged_ and est.predict(z).shape == (len(y),)
    rng = np.random.default_rng(16)
    zz = rng.normal(size=(30, 4))
    with pytest.warns(ConvergenceWarning) as rec:
        TemperatureScaling().fit(zz, zz.argmax(axis=1))
    assert type(rec[0].message) is ConvergenceWarning  # maxent's own class, nothing imported


def test_importing_the_calibration_module_loads_no_scikit_learn():
    code = "import sys, maxent.calibration; print('sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- scikit-learn's estimator checks ---------------------------------------------------------

# The common checks fit X of n_features columns against labels with another number of
# classes (e.g. 2 feature columns and 3 classes). A calibrator's X is one logit per class,
# so that data is invalid input and the calibrators refuse it with a one-line error.
_SHAPES = (
    "the check's X has a column count other than its number of classes; a calibrator's "
    "X is one logit per class, so the data are refused (one-line ValidationError)"
)
_DATA_CHECKS = (
    "check_classifiers_classes",
    "check_classifiers_train",
    "check_estimators_fit_returns_self",
    "check_estimators_overwrite_params",
    "check_readonly_memmap_input",
)


def _expected_failures(estimator):
    out = dict.fromkeys(_DATA_CHECKS, _SHAPES)
    if isinstance(estimator, TemperatureScaling) and not estimator.class_bias:
        out["check_classifiers_one_label"] = (
            "temperature scaling (T > 0) keeps the classifier's ranking: trained on one "
            "label it still predicts each row's largest logit (a class bias would not)"
        )
    return out


try:
    from sklearn.utils.estimator_checks import parametrize_with_checks
except ImportError:  # the checks need scikit-learn
    parametrize_with_checks = None

if parametrize_with_checks is not None:
    with warnings.catch_warnings():
        # collected with a UserWarning: maxent's calibrators implement the estimator API
        # themselves (scikit-learn is optional), they do not inherit from BaseEstimator
        warnings.filterwarnings("ignore", "Estimator .* does not inherit", UserWarning)
        _checks = parametrize_with_checks(
            [
                TemperatureScaling(),
                TemperatureScaling(class_bias=True),
                VectorScaling(),
                MatrixScaling(),
                DirichletCalibration(),
            ],
            expected_failed_checks=_expected_failures,
            xfail_strict=True,
        )

    @_checks
    @pytest.mark.filterwarnings("ignore:Estimator .* does not inherit:UserWarning")
    @pytest.mark.filterwarnings("ignore::maxent.calibration.ProbabilitiesWarning")
    @pytest.mark.filterwarnings("ignore::maxent.calibration.ConvergenceWarning")
    @pytest.mark.filterwarnings("ignore::sklearn.exceptions.SkipTestWarning")
    def test_scikit_learn_estimator_checks(estimator, check):
        check(estimator)


# --- maxent.calibrate and the command line ------------------------------------------------------


@pytest.mark.parametrize("method", ["temperature", "bias", "vector", "matrix", "dirichlet"])
def test_calibrate_every_method_strict_json(method):
    z, y = drawn(20, n=400)
    res = calibrate(z, y, method=method, fit_fraction=0.5, bootstrap=50, adaptive=True)
    assert res.status == "converged" and res.evaluated_on == "held-out"
    assert res.after.reliability.binning == "equal-mass" and "ece" in res.after.intervals
    lo, hi = res.after.intervals["ece"]
    assert lo <= hi
    d = strict_json.loads(to_json(res.to_dict()))
    if method in ("temperature", "bias"):
        assert d["temperature"] == pytest.approx(res.temperature) and d["beta_stderr"] > 0
    else:
        assert d["temperature"] is None and "no single temperature" in d["temperature_message"]
        assert len(d["intercept"]) == 4


def run(*args):
    r = CliRunner().invoke(cli, list(args))
    return r.exit_code, r.stdout, r.stderr


@pytest.fixture
def files(tmp_path):
    z, y = drawn(21, n=300, k=3)
    np.save(tmp_path / "z.npy", z)
    np.save(tmp_path / "y.npy", y)
    np.save(tmp_path / "p.npy", softmax(z, axis=1))
    return {n: str(tmp_path / f"{n}.npy") for n in ("z", "y", "p")}


@pytest.mark.parametrize("method", ["temperature", "bias", "vector", "matrix", "dirichlet"])
def test_cli_methods_json_is_strict(files, method):
    code, out, err = run(
        "calibrate", "--logits", files["z"], "--labels", files["y"], "--method", method,
        "--fit-fraction", "0.5", "--bootstrap", "40", "--adaptive", "--bins", "10", "--json",
    )  # fmt: skip
    assert code == 0, err
    d = strict_json.loads(out)  # no NaN tokens, and every null says why
    assert d["method"] == method and d["after"]["binning"] == "equal-mass"
    assert d["after"]["bins"] == 10 and d["after"]["bootstrap"] == 40


def test_reliability_diagram_draws_each_nonempty_bins_interval():
    import matplotlib.pyplot as plt

    from maxent import plot_reliability

    conf = np.array([0.05, 0.55, 0.56, 0.95, 1.0, 1.0])
    correct = np.array([0, 1, 0, 1, 1, 0])
    rel = reliability(conf, correct, bins=10)
    fig, (ax, cax) = plt.subplots(2, 1)
    art = plot_reliability(rel, ax, counts_ax=cax)
    ok = rel.counts > 0
    assert len(art["bands"]) == ok.sum() == 3 and len(art["counts"]) == 3
    for band, lo, hi, left in zip(
        art["bands"], rel.lower[ok], rel.upper[ok], rel.edges[:-1][ok], strict=True
    ):
        assert band.get_y() == pytest.approx(lo) and band.get_height() == pytest.approx(hi - lo)
        assert band.get_x() == pytest.approx(left) and band.get_width() == pytest.approx(0.1)
    segs = art["bars"].get_segments()
    assert [s[0, 1] for s in segs] == pytest.approx(rel.lower[ok])
    assert [s[1, 1] for s in segs] == pytest.approx(rel.upper[ok])
    assert [h.get_height() for h in art["counts"]] == [1, 2, 3]
    plt.close(fig)


def test_cli_table_plot_and_probability_note(files, tmp_path):
    png = tmp_path / "r.png"
    code, out, err = run(
        "calibrate", "--logits", files["z"], "--labels", files["y"], "--method", "vector",
        "--bootstrap", "30", "--plot", str(png),
    )  # fmt: skip
    assert code == 0, err
    assert "weights w_k" in out and "classwise ECE" in out and "95% interval" in out
    assert png.stat().st_size > 20_000 and "figure written" in out
    code, out, err = run("calibrate", "--logits", files["p"], "--labels", files["y"])
    assert code == 0 and err.startswith("note: logits: every row is non-negative")
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["--method", "platt"], "--method"),
        (["--bootstrap", "-1"], "--bootstrap"),
        (["--method", "vector", "--class-bias"], "--class-bias applies"),
        (["--demo", "mnist"], "--demo"),
    ],
)
def test_cli_errors_are_one_line_exit_2(files, args, text):
    code, _out, err = run("calibrate", "--logits", files["z"], "--labels", files["y"], *args)
    assert code == 2 and err.startswith("maxent: error: ") and err.count("\n") == 1
    assert text in err


@pytest.mark.slow
@pytest.mark.parametrize("demo", ["breast-cancer", "wine"])
def test_cli_demos(demo, tmp_path):
    pytest.importorskip("sklearn")
    png = tmp_path / "d.png"
    code, out, err = run(
        "calibrate", "--demo", demo, "--method", "matrix", "--json", "--plot", str(png)
    )
    assert code == 0, err
    d = strict_json.loads(out)
    assert d["method"] == "matrix" and "ratio, row-min shift" in d["normalisation"]["rows"]
    assert png.stat().st_size > 20_000
