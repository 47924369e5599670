"""Temperature scaling fitted as maximum entropy: maxent.calibrate and maxent calibrate."""

import math
import sys
import warnings

import mpmath
import numpy as np
import pytest
from click.testing import CliRunner
from scipy.optimize import brentq, minimize_scalar
from scipy.special import expit, logsumexp

import maxent
from maxent import ValidationError
from maxent._calibrate import compare_normalisations, fit_temperature
from maxent._calibrate.fit import calibrate_split
from maxent._calibrate.metrics import evaluate
from maxent.cli import cli

from . import strict_json


def synthetic(seed, n=400, k=6, signal=2.0, noise=2.0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    z = rng.normal(size=(n, k)) * noise
    z[np.arange(n), y] += rng.normal(signal, 1.5, n)
    return z, y


# --- independent references: written from the formulas, nothing shared with maxent --------


def ref_nll(beta, z, y):
    return float((logsumexp(beta * z, axis=1) - beta * z[np.arange(len(y)), y]).mean())


def ref_grad(beta, z, y):
    a = beta * z
    a = a - a.max(axis=1, keepdims=True)
    p = np.exp(a)
    p /= p.sum(axis=1, keepdims=True)
    return float(((p * z).sum(axis=1) - z[np.arange(len(y)), y]).mean())


def ref_residual(beta, z, y):
    return abs(ref_grad(beta, z, y)) / float((z.max(axis=1) - z.min(axis=1)).mean())


# --- the fit -------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_beta_matches_independent_fits(seed):
    z, y = synthetic(seed)
    fit = fit_temperature(z, y)
    assert fit.status == "converged"
    # the root of the independently coded gradient, to machine precision
    root = brentq(lambda b: ref_grad(b, z, y), 1e-3, 50.0, xtol=1e-15, rtol=1e-15)
    assert fit.beta == pytest.approx(root, rel=1e-8)
    # scipy's minimiser on the NLL itself (a flat minimum: it resolves ~sqrt(eps) only)
    res = minimize_scalar(
        lambda b: ref_nll(b, z, y), bounds=(1e-3, 50.0), method="bounded", options={"xatol": 1e-12}
    )
    assert fit.beta == pytest.approx(res.x, rel=1e-6)
    # a fine grid around the fit: its minimum is the fitted point
    grid = fit.beta * (1.0 + 1e-5 * np.arange(-20, 21))
    values = [ref_nll(b, z, y) for b in grid]
    assert int(np.argmin(values)) == 20
    assert ref_residual(fit.beta, z, y) < 1e-10 and fit.residual < 1e-10
    assert fit.nll == pytest.approx(ref_nll(fit.beta, z, y), rel=1e-12)


def test_beta_matches_a_high_precision_root():
    z, y = synthetic(5, n=30, k=4)
    mpmath.mp.dps = 40
    zz = [[mpmath.mpf(float(v)) for v in row] for row in z]

    def grad(b):
        tot = mpmath.mpf(0)
        for row, lab in zip(zz, y):
            w = [mpmath.exp(b * v) for v in row]
            tot += sum(wi * v for wi, v in zip(w, row)) / sum(w) - row[lab]
        return tot

    exact = float(mpmath.findroot(grad, mpmath.mpf(0.5)))
    assert fit_temperature(z, y).beta == pytest.approx(exact, rel=1e-12)


@pytest.mark.slow
def test_large_input_takes_the_subsample_path_and_stays_exact():
    z, y = synthetic(7, n=50_000, k=100, signal=3.0)
    fit = fit_temperature(z, y)
    assert fit.subsample_passes > 0 and fit.status == "converged"
    root = brentq(lambda b: ref_grad(b, z, y), 1e-3, 50.0, xtol=1e-15, rtol=1e-15)
    assert fit.beta == pytest.approx(root, rel=1e-9)
    assert ref_residual(fit.beta, z, y) < 1e-10


@pytest.mark.parametrize("seed", range(6))
def test_nll_after_is_at_most_before_on_fitting_data(seed):
    z, y = synthetic(seed, n=200, k=3 + seed, signal=float(seed - 2))
    res = maxent.calibrate(z, y)
    assert res.fit_nll_after <= res.fit_nll_before + 1e-15
    assert res.after.nll <= res.before.nll + 1e-15  # evaluated on the same rows
    assert res.fit_nll_after == pytest.approx(ref_nll(res.beta, z, y), rel=1e-12)


def test_logits_of_magnitude_1e6_no_warnings():
    z, y = synthetic(3)
    base = fit_temperature(z, y)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        big = fit_temperature(1e6 * z + 3e6, y)
        huge = fit_temperature(1e200 * z, y)
        res = maxent.calibrate(1e6 * z - 7e6, y, fit_fraction=0.5)
    assert big.beta == pytest.approx(base.beta / 1e6, rel=1e-10)
    assert huge.beta == pytest.approx(base.beta / 1e200, rel=1e-10)
    assert math.isfinite(res.after.nll) and res.residual < 1e-10


def test_inline_exp_is_within_3_ulp_of_numpy_including_subnormals_and_zero():
    from maxent._kernels._calibrate import exp_moderate, exp_nonpositive

    rng = np.random.default_rng(0)
    x = np.concatenate(
        [
            -rng.random(20_000) * 760.0,
            -rng.random(20_000) * 0.5,
            -np.logspace(-320, 3, 2000),
            [0.0, -0.0, -708.39, -708.4, -745.13, -745.14, -746.0, -1e300, -np.inf],
        ]
    )
    got = np.array([exp_nonpositive(v) for v in x])
    ref = np.exp(x)
    normal = ref >= np.finfo(float).tiny
    assert np.all(np.abs(got - ref)[normal] <= 3 * np.spacing(ref[normal]))
    # subnormal results: within one unit of the smallest subnormal; 0 exactly below
    assert np.all(np.abs(got - ref)[~normal] <= 5e-324)
    assert got[-1] == 0.0 and got[-2] == 0.0 and got[-3] == 0.0
    moderate = x >= -708.0
    got = np.array([exp_moderate(v) for v in x[moderate]])
    assert np.all(np.abs(got - ref[moderate]) <= 3 * np.spacing(ref[moderate]))


@pytest.mark.parametrize("moments", [5, 7, 10])
@pytest.mark.parametrize("bs", [0.9, -0.4])
def test_fused_row_moments_match_numpy(moments, bs):
    from maxent._kernels._calibrate import row_moments

    rng = np.random.default_rng(moments)
    z = rng.normal(size=(700, 13)) * 3.0
    z[::7] *= 1000.0  # rows whose smallest weights are subnormal or 0
    c, o = (z.max(axis=1), z.min(axis=1)) if bs >= 0 else (z.min(axis=1), z.max(axis=1))
    d = (z - c[:, None]) * 0.25
    w = np.exp(bs * d)
    ref = np.stack([(w * d**j).sum(axis=1) for j in range(moments)], axis=1)
    for fn in (row_moments.serial, row_moments.parallel):
        got = fn(z, c, o, bs, 0.25, np.empty((700, moments)))
        np.testing.assert_allclose(got, ref, rtol=1e-13, atol=1e-300)


def test_row_summary_means_extremes_and_non_finite_rows():
    from maxent._calibrate.core import row_extremes

    rng = np.random.default_rng(4)
    z = rng.normal(size=(600, 7))
    z[::5] = 1e12 + 1e-3 * z[::5]  # large offset, small spread: averaged about the midpoint
    z[3, 2], z[8, 0], z[9, 6] = np.nan, np.inf, -np.inf
    zmax, zmin, zmean, bad = row_extremes(z)
    ok = np.ones(600, bool)
    ok[[3, 8, 9]] = False
    assert bad == 3 and np.all(np.isnan(zmean[~ok]))
    np.testing.assert_array_equal(zmax[ok], z[ok].max(axis=1))
    np.testing.assert_array_equal(zmin[ok], z[ok].min(axis=1))
    exact = np.array([float(mpmath.fsum(map(mpmath.mpf, row)) / 7) for row in z[ok]])
    tol = 4 * np.finfo(float).eps * np.abs(z[ok]).mean(axis=1)  # a sum's rounding
    big = np.abs(exact) > 1e6
    tol[big] = 2 * np.spacing(exact[big])
    assert np.all(np.abs(zmean[ok] - exact) <= tol)


def test_any_memory_layout_gives_the_same_fit():
    z, y = synthetic(6, n=300, k=5)
    base = fit_temperature(z, y)
    assert fit_temperature(np.asfortranarray(z), y).beta == base.beta
    wide = np.zeros((300, 10))
    wide[:, ::2] = z
    assert fit_temperature(wide[:, ::2], y).beta == base.beta


# --- honest edge cases ----------------------------------------------------------------------


def test_every_true_class_the_argmax_gives_infinite_beta_and_the_limit_nll():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(50, 4))
    y = z.argmax(axis=1)
    z[0, (y[0] + 1) % 4] = z[0, y[0]]  # one tie: the limit NLL is ln 2 / 50
    fit = fit_temperature(z, y)
    assert fit.beta == math.inf and fit.status == "+inf"
    assert fit.temperature == 0.0
    assert "for ever" in fit.message
    assert fit.nll == pytest.approx(math.log(2) / 50, rel=1e-12)
    # the NLL is indeed still decreasing at large beta
    assert ref_nll(100.0, z, y) < ref_nll(10.0, z, y)
    res = maxent.calibrate(z, y)
    assert res.after.nll == pytest.approx(math.log(2) / 50, rel=1e-12)


def test_worse_than_chance_gives_negative_beta_unclipped():
    z, y = synthetic(4)
    fit = fit_temperature(-z, y)
    assert fit.status == "converged" and fit.beta < 0
    assert "worse than chance" in fit.message and "not clipped" in fit.message
    root = brentq(lambda b: ref_grad(b, -z, y), -50.0, -1e-3, xtol=1e-15, rtol=1e-15)
    assert fit.beta == pytest.approx(root, rel=1e-9)
    assert fit.beta == pytest.approx(-fit_temperature(z, y).beta, rel=1e-12)


def test_every_true_class_the_argmin_gives_minus_infinity():
    rng = np.random.default_rng(1)
    z = rng.normal(size=(40, 3))
    fit = fit_temperature(z, z.argmin(axis=1))
    assert fit.beta == -math.inf and fit.status == "-inf" and fit.nll == 0.0


def test_constant_rows():
    z, y = synthetic(8, n=100, k=5)
    fit = fit_temperature(z, y)
    # constant rows say nothing about the temperature: the same beta with them added
    zc = np.vstack([z, np.full((30, 5), 2.5)])
    yc = np.concatenate([y, np.zeros(30, dtype=int)])
    assert fit_temperature(zc, yc).beta == pytest.approx(fit.beta, rel=1e-12)
    # all rows constant: every beta is optimal
    flat = fit_temperature(np.full((10, 5), -3.0), np.arange(10) % 5)
    assert flat.status == "undetermined" and math.isnan(flat.beta)
    assert flat.nll == pytest.approx(math.log(5))
    res = maxent.calibrate(np.full((10, 5), -3.0), np.arange(10) % 5)
    assert res.after.nll == pytest.approx(math.log(5)) and "undetermined" in res.message


def test_two_classes_is_the_logistic_fit():
    rng = np.random.default_rng(9)
    s = rng.normal(0, 3, 300)
    y = (rng.random(300) < expit(0.4 * s)).astype(int)
    z = np.column_stack([np.zeros(300), s])  # softmax([0, s]) = [1 - sigmoid(s), sigmoid(s)]

    def logistic_grad(b):
        return float(((expit(b * s) - y) * s).sum())

    root = brentq(logistic_grad, 1e-3, 10.0, xtol=1e-15, rtol=1e-15)
    fit = fit_temperature(z, y)
    assert fit.beta == pytest.approx(root, rel=1e-10)
    assert fit.beta == pytest.approx(0.4, abs=0.15)  # and near the truth it was drawn from


# --- the class-bias extension ------------------------------------------------------------------


def test_class_bias_matches_the_class_frequencies():
    z, y = synthetic(10, n=300, k=4)
    z[:, 2] += 1.5  # a class the model favours too much
    res = maxent.calibrate(z, y, class_bias=True)
    assert res.status == "converged" and res.residual < 1e-10
    a = res.beta * z + res.bias
    p = np.exp(a - logsumexp(a, axis=1, keepdims=True))
    np.testing.assert_allclose(p.mean(axis=0), np.bincount(y, minlength=4) / 300, atol=1e-12)
    assert ref_grad(res.beta, z, y) != 0  # not the plain moment condition ...
    zy = z[np.arange(300), y]
    assert (p * z).sum(axis=1).mean() == pytest.approx(zy.mean(), rel=1e-11)  # ... but this
    assert res.bias.sum() == pytest.approx(0.0, abs=1e-12)
    plain = maxent.calibrate(z, y)
    assert res.fit_nll_after <= plain.fit_nll_after


def test_class_bias_absent_class_gets_minus_infinity():
    z, y = synthetic(11, n=200, k=4)
    y = np.where(y == 3, 0, y)
    res = maxent.calibrate(z, y, class_bias=True)
    assert res.bias[3] == -math.inf and "never occur" in res.message
    assert math.isfinite(res.after.nll)


# --- metrics ----------------------------------------------------------------------------------


def test_metrics_by_hand():
    p = np.array([[0.9, 0.1], [0.6, 0.4], [0.3, 0.7], [0.2, 0.8]])
    y = np.array([0, 1, 1, 1])
    m = evaluate(np.log(p), y, 1.0, bins=2)
    assert m.nll == pytest.approx(-np.mean(np.log([0.9, 0.4, 0.7, 0.8])))
    assert m.brier == pytest.approx(np.mean([0.02, 0.72, 0.18, 0.08]))
    assert m.accuracy == 0.75
    # equal-width bins [0, .5), [.5, 1]: all four confidences (.9, .6, .7, .8) in the top bin
    assert m.ece == pytest.approx(abs(0.75 - 0.75))
    # equal mass, 2 bins: {.6, .7} and {.8, .9}: |0.5 - 0.65| and |1 - 0.85|
    assert m.ece_adaptive == pytest.approx(0.5 * 0.15 + 0.5 * 0.15)
    assert list(m.reliability.counts) == [0, 4]


def test_normalisation_comparison():
    z, y = synthetic(12, n=300, k=5)
    cmp = compare_normalisations(z, y, fit_temperature(z, y).beta)
    rows = dict(cmp.rows)
    accs = {m.accuracy for m in rows.values()}
    assert len(accs) == 1  # a shift and a positive scale keep the argmax
    assert cmp.negative_rows == pytest.approx(float((z < 0).any(axis=1).mean()))
    assert rows["softmax T = T*"].nll < rows["ratio, global shift"].nll


# --- splits and validation ---------------------------------------------------------------------


def test_fit_fraction_split_is_a_function_of_the_seed():
    z, y = synthetic(13, n=101)
    a = maxent.calibrate(z, y, fit_fraction=0.3, seed=4)
    b = maxent.calibrate(z, y, fit_fraction=0.3, seed=4)
    c = maxent.calibrate(z, y, fit_fraction=0.3, seed=5)
    assert a.n_fit == 30 and a.n_eval == 71 and a.evaluated_on == "held-out"
    assert a.beta == b.beta and a.beta != c.beta
    assert "T=" in repr(a) and "ECE[15]" in repr(a) and len(repr(a)) < 400


BAD = [
    (lambda z, y: (z[:, :0], y), {}, "logits", "at least 2 classes"),
    (lambda z, y: (z[:0], y[:0]), {}, "logits", "at least 1 sample"),
    (lambda z, y: (z[None], y), {}, "logits", "2-D"),
    (lambda z, y: (np.where(z > 3, np.nan, z), y), {}, "logits", "finite"),
    (lambda z, y: (np.where(z > 3, np.inf, z), y), {}, "logits", "finite"),
    (lambda z, y: (z, y[:-1]), {}, "labels", "one label per logit row"),
    (lambda z, y: (z, y + 0.5), {}, "labels", "integers in [0, 5]"),
    (lambda z, y: (z, np.where(y == 0, 6, y)), {}, "labels", "integers in [0, 5]"),
    (lambda z, y: (z, np.where(y == 0, -1, y)), {}, "labels", "integers in [0, 5]"),
    (lambda z, y: (z, y.astype(str)), {}, "labels", "integers"),
    (lambda z, y: (z, y), {"fit_fraction": 1.0}, "fit_fraction", "(0, 1)"),
    (lambda z, y: (z, y), {"fit_fraction": 0.001}, "fit_fraction", "empty split"),
    (lambda z, y: (z, y), {"bins": 0}, "bins", ">= 1"),
    (lambda z, y: (z, y), {"seed": -1}, "seed", ">= 0"),
]


@pytest.mark.parametrize(("make", "kw", "param", "text"), BAD)
def test_bad_input_is_one_line_naming_the_parameter(make, kw, param, text):
    z, y = synthetic(14, n=50)
    zz, yy = make(z, y)
    with pytest.raises(ValidationError) as err:
        maxent.calibrate(zz, yy, **kw)
    assert err.value.param == param and text in err.value.message
    assert "\n" not in str(err.value)


def test_float_labels_that_are_integers_are_accepted():
    z, y = synthetic(15, n=60)
    assert fit_temperature(z, y.astype(float)).beta == fit_temperature(z, y).beta


# --- the digits demo ----------------------------------------------------------------------------


@pytest.mark.slow
def test_digits_demo_is_reproducible_and_overconfident():
    pytest.importorskip("sklearn")
    from maxent._calibrate.demo import digits_demo

    a, b = digits_demo(seed=3), digits_demo(seed=3)
    assert a.calibration.beta == b.calibration.beta
    np.testing.assert_array_equal(a.test_logits, b.test_logits)
    res = a.calibration
    assert res.temperature > 1  # an unregularised net fitted to zero loss is over-confident
    assert res.after.nll < res.before.nll and res.evaluated_on == "held-out"
    again = calibrate_split(a.calib_logits, a.calib_labels, a.test_logits, a.test_labels)
    assert again.beta == res.beta


def test_mlp_logits_are_the_networks_logits():
    pytest.importorskip("sklearn")
    from sklearn.neural_network import MLPClassifier

    from maxent._calibrate.demo import mlp_logits

    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 5))
    y = (x[:, 0] > 0).astype(int) + (x[:, 1] > 0)
    m = MLPClassifier(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=50, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # an unconverged fit is fine here
        m.fit(x, y)
    z = mlp_logits(m, x)
    p = np.exp(z - logsumexp(z, axis=1, keepdims=True))
    np.testing.assert_allclose(p, m.predict_proba(x), rtol=1e-10, atol=1e-14)


def test_missing_scikit_learn_is_one_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    from maxent._calibrate.demo import digits_demo

    with pytest.raises(ValidationError, match=r"pip install 'maxent\[ml\]'"):
        digits_demo()
    result = CliRunner().invoke(cli, ["calibrate", "--demo", "digits"])
    assert result.exit_code == 2
    assert result.stderr.startswith("maxent: error: ") and result.stderr.count("\n") == 1
    assert "maxent[ml]" in result.stderr


# --- the command line -----------------------------------------------------------------------------


def run(*args):
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def files(tmp_path):
    z, y = synthetic(16, n=120, k=4)
    paths = {}
    np.save(tmp_path / "z.npy", z)
    np.save(tmp_path / "y.npy", y)
    np.savetxt(tmp_path / "z.csv", z, delimiter=",", header="a,b,c,d", comments="")
    np.savetxt(tmp_path / "y.txt", y, fmt="%d")
    for name in ("z.npy", "y.npy", "z.csv", "y.txt"):
        paths[name] = str(tmp_path / name)
    return z, y, paths


def test_cli_table_and_json(files, tmp_path):
    z, y, p = files
    code, out, err = run("calibrate", "--logits", p["z.npy"], "--labels", p["y.npy"])
    assert code == 0, err
    assert "T = " in out and "ECE (equal mass)" in out and "NLL" in out
    code, out, err = run("calibrate", "--logits", p["z.csv"], "--labels", p["y.txt"], "--json")
    assert code == 0, err
    d = strict_json.loads(out)
    assert d["beta"] == pytest.approx(fit_temperature(z, y).beta, rel=1e-14)
    assert d["before"]["bins"] == 15 and d["status"] == "converged"
    png = tmp_path / "cal.png"
    code, out, err = run(
        "calibrate", "--logits", p["z.npy"], "--labels", p["y.npy"], "--fit-fraction", "0.5",
        "--class-bias", "--bins", "10", "--plot", str(png),
    )  # fmt: skip
    assert code == 0, err
    assert png.stat().st_size > 10_000 and "figure written" in out


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["--logits", "nope.npy", "--labels", "y.npy"], "--logits: no such file: 'nope.npy'"),
        (["--logits", "z.npy", "--labels", "y.csv"], "--labels: no such file"),
        (["--logits", "z.json", "--labels", "y.npy"], "--logits: file extension"),
        (["--logits", "z.npy"], "give --logits FILE and --labels FILE"),
        (["--demo", "digits", "--logits", "z.npy"], "not both"),
        (["--logits", "z.npy", "--labels", "y.npy", "--bins", "0"], "--bins"),
        (["--logits", "z.npy", "--labels", "y.npy", "--fit-fraction", "2"], "--fit-fraction"),
        (["--logits", "z.npy", "--labels", "bad.npy"], "--labels: must be integers in [0, 3]"),
        (["--logits", "z.npy", "--labels", "y.npy", "--plot", "x.gif"], "--plot"),
        (["--demo", "mnist"], "--demo"),
    ],
)
def test_cli_errors_are_one_line_exit_2(files, tmp_path, monkeypatch, args, text):
    _z, y, _p = files
    np.save(tmp_path / "bad.npy", y + 1)
    monkeypatch.chdir(tmp_path)
    code, _out, err = run("calibrate", *args)
    assert code == 2
    assert err.startswith("maxent: error: ") and err.count("\n") == 1
    assert text in err


@pytest.mark.parametrize("name", ["empty.txt", "empty.csv", "comments.txt"])
def test_cli_empty_logits_file_is_an_error_without_numpys_warning(tmp_path, name):
    # issue 18: numpy's "loadtxt: input contained no data" UserWarning came first
    (tmp_path / name).write_text("# nothing but a comment\n" if name == "comments.txt" else "")
    (tmp_path / "y.txt").write_text("0\n1\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code, out, err = run(
            "calibrate", "--logits", str(tmp_path / name), "--labels", str(tmp_path / "y.txt")
        )
    assert [str(w.message) for w in caught] == []
    assert code == 2 and out == "" and "Warning" not in err
    assert err.startswith("maxent: error: --logits: needs at least 1 sample (got 0 rows")
    assert err.count("\n") == 1


@pytest.mark.slow
def test_cli_demo_and_lecture_figure(tmp_path):
    pytest.importorskip("sklearn")
    code, out, err = run("calibrate", "--demo", "digits", "--seed", "1", "--json")
    assert code == 0, err
    d = strict_json.loads(out)
    assert d["temperature"] > 1 and "ratio, row-min shift" in d["normalisation"]["rows"]
    code, out, err = run(
        "lecture", "--only", "softmax-in-the-wild", "--out", str(tmp_path), "--format", "png"
    )
    assert code == 0, err
    assert (tmp_path / "10-softmax-in-the-wild.png").stat().st_size > 20_000


def test_class_bias_with_one_class_is_undetermined():
    z, _ = synthetic(17, n=50, k=3)
    res = maxent.calibrate(z, np.zeros(50, dtype=int), class_bias=True)
    assert res.status == "undetermined" and math.isnan(res.beta)
    assert list(res.bias) == [0.0, -math.inf, -math.inf] and res.after.nll == 0.0


@pytest.mark.parametrize("class_bias", [False, True])
def test_nll_curve_has_its_minimum_at_the_fit(class_bias):
    z, y = synthetic(18, n=300, k=5)
    res = maxent.calibrate(z, y, class_bias=class_bias)
    i = int(np.argmin(res.curve_nll))
    assert res.curve_beta[i] == res.beta
    assert res.curve_nll[i] == pytest.approx(res.fit_nll_after, rel=1e-12)
    assert 1.0 in res.curve_beta  # T = 1 is on the curve
