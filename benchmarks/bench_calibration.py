"""Calibration side by side with scikit-learn, on the data sets scikit-learn ships.

For each bundled data set (digits, breast cancer, wine, iris) and classifier (logistic
regression, an over-confident MLP, a random forest's log-probabilities), trained on 50 %
of the rows with a fixed seed (``maxent._calibrate.demo.demo_logits``), every method is
fitted on the calibration quarter and scored on the test quarter:

* uncalibrated (the classifier's own probabilities);
* maxent: ``TemperatureScaling`` (and with ``class_bias``), ``VectorScaling``,
  ``MatrixScaling`` and ``DirichletCalibration``, unpenalised and with the ODIR penalty
  chosen by 5-fold ``GridSearchCV`` (neg. log loss) on the calibration rows;
* scikit-learn: ``CalibratedClassifierCV(FrozenEstimator(clf), method=...)`` with
  ``temperature``, ``sigmoid`` and ``isotonic``;
* the PyTorch recipe (``LBFGS([T], lr=0.01, max_iter=50)``, ``T0 = 1.5``, one
  ``step``), re-implemented in numpy step for step, on the logits and, as it is often
  misused, on the probabilities.

scikit-learn's calibrators are fed exactly what ``FrozenEstimator(clf)`` hands them (the
decision function, or ``predict_proba`` for classifiers without one); the script checks
that its predictions equal those of the real ``FrozenEstimator`` pipeline, so that the
fit time is the calibrator's alone. Metrics (maxent's, the same for every method): test
NLL, Brier score, ECE with 15 equal-width bins and its 95 % percentile bootstrap interval
(1000 resamples of the test rows, the same resamples for every method), accuracy, and
the median fit time over repeats.

Speed, in the same run: the temperature fit at N = 1e6, K = 1000 (float32 logits, 4 GB:
float64 would be 8 GB, and scikit-learn's fit holds a second copy) against
scikit-learn's; vector scaling at N = 1e5, K = 100 against scipy's L-BFGS-B on the same
NLL with its analytic gradient.

    PYTHONPATH=. python benchmarks/bench_calibration.py [--out table.md] [--skip-speed]
        [--big-n 1e6] [--big-k 1000] [--repeat 5]
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
from scipy.optimize import minimize  # noqa: E402
from scipy.special import logsumexp, softmax  # noqa: E402
from sklearn.base import BaseEstimator, ClassifierMixin  # noqa: E402
from sklearn.calibration import CalibratedClassifierCV  # noqa: E402
from sklearn.frozen import FrozenEstimator  # noqa: E402
from sklearn.model_selection import GridSearchCV, StratifiedKFold  # noqa: E402

import maxent  # noqa: E402
from maxent._calibrate.demo import demo_logits  # noqa: E402
from maxent.calibration import (  # noqa: E402
    ConvergenceWarning,
    DirichletCalibration,
    MatrixScaling,
    TemperatureScaling,
    VectorScaling,
    calibration_metrics,
)

DATASETS = ("digits", "breast-cancer", "wine", "iris")
MODELS = ("logistic", "mlp", "forest")
PENALTIES = (1e-3, 1e-2, 1e-1, 1.0, 10.0)
BOOTSTRAP = 1000


# --- what FrozenEstimator(clf) hands scikit-learn's calibrators -------------------------


class _Scores(ClassifierMixin, BaseEstimator):
    """A 'classifier' whose input is already its scores (fitted: only ``classes_``)."""

    def __init__(self, classes=None):
        self.classes = classes

    def fit(self, X, y=None):
        self.classes_ = np.asarray(self.classes)
        return self


class DecisionScores(_Scores):
    def decision_function(self, X):
        return np.asarray(X)

    def predict(self, X):
        s = np.asarray(X)
        return self.classes_[(s > 0).astype(int) if s.ndim == 1 else s.argmax(axis=1)]


class ProbaScores(_Scores):
    def predict_proba(self, X):
        return np.asarray(X)

    def predict(self, X):
        return self.classes_[np.asarray(X).argmax(axis=1)]


def sklearn_inputs(data):
    """The scores scikit-learn's calibrators see, and the wrapper that returns them."""
    clf = data.classifier
    if hasattr(clf, "decision_function"):
        return (
            clf.decision_function(data.calib_features),
            clf.decision_function(data.test_features),
            DecisionScores(clf.classes_).fit(None),
        )
    return (
        clf.predict_proba(data.calib_features),
        clf.predict_proba(data.test_features),
        ProbaScores(clf.classes_).fit(None),
    )


# --- the PyTorch recipe, step for step ----------------------------------------------------


def torch_recipe(z, y, t0=1.5, lr=0.01, max_iter=50, history=100, tol_grad=1e-7, tol_change=1e-9):
    """One ``torch.optim.LBFGS([T], lr, max_iter).step(closure)`` on ``CE(z / T, y)``.

    The closure is the mean cross-entropy of ``softmax(z / T)``; the step is L-BFGS with
    a fixed step length (no line search), as torch runs it by default: the first step
    ``min(1, 1/|g|_1) lr`` along ``-g``, then ``lr`` along the two-loop direction, with
    torch's stopping rules (``max_eval = 1.25 max_iter``). Returns ``T``.
    """
    z = np.asarray(z, dtype=np.float64)
    n = z.shape[0]
    zy = z[np.arange(n), y]

    def closure(t):
        a = z / t
        lse = logsumexp(a, axis=1)
        p = np.exp(a - lse[:, None])
        loss = float((lse - zy / t).mean())
        # d/dT [lse(z/T) - z_y/T] = -(E_p[z] - z_y) / T^2
        grad = -float(((p * z).sum(axis=1) - zy).mean()) / (t * t)
        return loss, grad

    max_eval = max_iter * 5 // 4
    t_param = t0
    loss, g = closure(t_param)
    evals = 1
    if abs(g) <= tol_grad:
        return t_param
    dirs, steps, ro = [], [], []
    h_diag = 1.0
    d = step = prev_g = prev_loss = None
    for it in range(1, max_iter + 1):
        if it == 1:
            d = -g
        else:
            yk, sk = g - prev_g, d * step
            ys = yk * sk
            if ys > 1e-10:
                if len(dirs) == history:
                    dirs.pop(0), steps.pop(0), ro.pop(0)
                dirs.append(yk), steps.append(sk), ro.append(1.0 / ys)
                h_diag = ys / (yk * yk)
            q = -g
            al = [0.0] * len(dirs)
            for i in range(len(dirs) - 1, -1, -1):
                al[i] = steps[i] * q * ro[i]
                q -= al[i] * dirs[i]
            r = q * h_diag
            for i in range(len(dirs)):
                be = dirs[i] * r * ro[i]
                r += steps[i] * (al[i] - be)
            d = r
        prev_g, prev_loss = g, loss
        step = min(1.0, 1.0 / abs(g)) * lr if it == 1 else lr
        if g * d > -tol_change:
            break
        t_param += step * d
        if it != max_iter:
            loss, g = closure(t_param)
            evals += 1
        if it == max_iter or evals >= max_eval or abs(g) <= tol_grad:
            break
        if abs(d * step) <= tol_change or abs(loss - prev_loss) < tol_change:
            break
    return t_param


def two_columns(z):
    z = np.asarray(z, dtype=np.float64)
    return np.column_stack([np.zeros_like(z), z]) if z.ndim == 1 else z


# --- one data set and classifier ----------------------------------------------------------


def median_time(fn, repeat):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def odir_search(estimator, z, y, seed):
    grid = {"reg_off_diagonal": list(PENALTIES), "reg_intercept": list(PENALTIES)}
    cv = StratifiedKFold(5, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GridSearchCV(estimator, grid, scoring="neg_log_loss", cv=cv, error_score="raise")
        search.fit(z, y)
    return search.best_estimator_, search.best_params_


def run_case(dataset, model, repeat, seed=0):
    data = demo_logits(dataset, model, seed)
    zc, zt = data.calib_logits, data.test_logits
    yc, yt = data.calib_labels, data.test_labels
    k = len(data.class_names)
    rows = []
    boot_seed = np.random.SeedSequence(seed, spawn_key=(7,))

    def score(name, probs, seconds, note=""):
        m = calibration_metrics(probs, yt, 15, bootstrap=BOOTSTRAP, seed=boot_seed)
        lo, hi = m.intervals["ece"]
        rows.append([name, m.nll, m.brier, m.ece, lo, hi, m.accuracy, seconds, note])

    score("uncalibrated", softmax(two_columns(zt), axis=1), math.nan)

    def ours(name, make, cv=False):
        def fit():
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ConvergenceWarning)
                if cv:
                    est, params = odir_search(make(), zc, yc, seed)
                else:
                    est, params = make().fit(zc, yc), None
            return est, params, caught

        secs, (est, params, caught) = median_time(fit, 1 if cv else repeat)
        note = "" if est.converged_ else est.status_
        if caught and not note:
            note = "warned"
        if params:
            lam, mu = params["reg_off_diagonal"], params["reg_intercept"]
            note = (note + "; " if note else "") + f"lambda={lam:g}, mu={mu:g}"
        score(name, est.predict_proba(zt), secs, note)

    ours("maxent temperature", TemperatureScaling)
    ours("maxent temperature + bias", lambda: TemperatureScaling(class_bias=True))
    ours("maxent vector", VectorScaling)
    ours("maxent matrix", MatrixScaling)
    ours("maxent matrix, ODIR (CV)", MatrixScaling, cv=True)
    ours("maxent Dirichlet", DirichletCalibration)
    ours("maxent Dirichlet, ODIR (CV)", DirichletCalibration, cv=True)

    sc, st, wrapper = sklearn_inputs(data)
    for method in ("temperature", "sigmoid", "isotonic"):

        def fit(method=method):
            return CalibratedClassifierCV(FrozenEstimator(wrapper), method=method).fit(sc, yc)

        secs, cal = median_time(fit, repeat)
        probs = cal.predict_proba(st)
        # the same calibrator through the real classifier: identical predictions
        real = CalibratedClassifierCV(FrozenEstimator(data.classifier), method=method)
        real.fit(data.calib_features, yc)
        # (temperature: equal to its minimiser's tolerance, about 1e-10)
        assert np.allclose(real.predict_proba(data.test_features), probs, rtol=0, atol=1e-8)
        score(f"sklearn {method}", probs, secs)

    zc2, zt2 = two_columns(zc), two_columns(zt)
    secs, t = median_time(lambda: torch_recipe(zc2, yc), repeat)
    score("PyTorch recipe (logits)", softmax(zt2 / t, axis=1), secs, f"T={t:.3g}")
    pc, pt = softmax(zc2, axis=1), softmax(zt2, axis=1)
    secs, t = median_time(lambda: torch_recipe(pc, yc), repeat)
    score("PyTorch recipe (probabilities)", softmax(pt / t, axis=1), secs, f"T={t:.3g}")
    ts = TemperatureScaling().fit(zc, yc)
    return {
        "dataset": dataset,
        "model": model,
        "k": k,
        "sizes": data.sizes,
        "rows": rows,
        "temperature": ts.temperature_,
        "temperature_stderr": ts.temperature_stderr_,
    }


# --- speed ----------------------------------------------------------------------------------


def synthetic(n, k, dtype, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    z = np.empty((n, k), dtype=dtype)
    step = max(1, (1 << 22) // k)
    for a in range(0, n, step):
        b = min(n, a + step)
        z[a:b] = rng.standard_normal((b - a, k), dtype=np.float32) * 2.0
        z[np.arange(a, b), y[a:b]] += rng.normal(3.0, 2.0, b - a).astype(dtype)
    return z, y


def peak_rss_gb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def speed_temperature(n, k, repeat):
    z, y = synthetic(n, k, np.float32)
    base = peak_rss_gb()
    TemperatureScaling().fit(z[:1000], y[:1000])  # compile / load the kernels
    t_me, est = median_time(lambda: TemperatureScaling().fit(z, y), repeat)
    me_peak = peak_rss_gb()
    wrapper = DecisionScores(np.arange(k)).fit(None)
    t_sk, cal = median_time(
        lambda: CalibratedClassifierCV(FrozenEstimator(wrapper), method="temperature").fit(z, y),
        max(1, repeat // 2),
    )
    sk_peak = peak_rss_gb()
    b_sk = float(cal.calibrated_classifiers_[0].calibrators[0].beta_)
    return {
        "n": n,
        "k": k,
        "gb": z.nbytes / 2**30,
        "maxent_s": t_me,
        "sklearn_s": t_sk,
        "beta": est.beta_,
        "beta_sklearn": b_sk,
        "passes": est.n_iter_,
        "residual": est.moment_residual_,
        "rss_data": base,
        "rss_maxent": me_peak,
        "rss_sklearn": sk_peak,
    }


def speed_vector(n, k, repeat):
    z, y = synthetic(n, k, np.float64, seed=1)
    zy = z[np.arange(n), y]
    onehot_counts = np.bincount(y, minlength=k)
    t_me, est = median_time(lambda: VectorScaling().fit(z, y), repeat)

    def obj(theta):
        w, b = theta[:k], theta[k:]
        a = z * w + b
        lse = logsumexp(a, axis=1)
        p = np.exp(a - lse[:, None])
        f = float((lse - (zy * w[y] + b[y])).mean())
        gw = ((p * z).sum(axis=0) - np.bincount(y, weights=zy, minlength=k)) / n
        gb = (p.sum(axis=0) - onehot_counts) / n
        return f, np.concatenate([gw, gb])

    theta0 = np.concatenate([np.ones(k), np.zeros(k)])
    out = []
    for label, opts in (("L-BFGS-B, default tolerances", {}),
                        ("L-BFGS-B, gtol 1e-10, ftol 1e-15", {"gtol": 1e-10, "ftol": 1e-15,
                                                               "maxiter": 20000})):  # fmt: skip
        secs, r = median_time(
            lambda opts=opts: minimize(obj, theta0, jac=True, method="L-BFGS-B", options=opts),
            max(1, repeat // 2),
        )
        p = softmax(z * r.x[:k] + r.x[k:], axis=1)
        out.append((label, secs, r.nfev, float(r.fun), _vector_residual(z, y, p)))
    p_me = est.predict_proba(z)
    nll_me = float(-np.log(p_me[np.arange(n), y]).mean())
    return {
        "n": n,
        "k": k,
        "maxent_s": t_me,
        "maxent_iter": est.n_iter_,
        "maxent_nll": nll_me,
        "maxent_residual": _vector_residual(z, y, p_me),
        "baselines": out,
    }


def _vector_residual(z, y, p):
    """Largest violation of vector scaling's moment conditions (frequencies, E[z_k 1{y=k}])."""
    n = z.shape[0]
    r = p.copy()
    r[np.arange(n), y] -= 1.0
    freq = np.abs(r.sum(axis=0) / n).max()
    mom = np.abs((r * z).sum(axis=0) / n).max() / float((z.max(axis=1) - z.min(axis=1)).mean())
    return float(max(freq, mom))


# --- output -----------------------------------------------------------------------------------


def fmt(x, digits=3):
    if isinstance(x, str):
        return x
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if isinstance(x, float) and math.isinf(x):
        return "inf"
    return f"{x:.{digits}g}" if abs(x) < 1e4 else f"{x:.3g}"


def case_table(case):
    out = [
        f"#### {case['dataset']}, {case['model']} (K = {case['k']}; train / calibration / "
        f"test = {' / '.join(map(str, case['sizes']))}; T* = {case['temperature']:.3g} "
        f"± {case['temperature_stderr']:.2g})",
        "",
        "| method | test NLL | Brier | ECE | ECE 95% interval | accuracy | fit ms | note |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    rows = case["rows"]
    finite = [r[1] for r in rows if math.isfinite(r[1])]
    best_nll = min(finite)
    best_ece = min(r[3] for r in rows)
    for name, nll, brier, ece, lo, hi, acc, secs, note in rows:
        n_txt = fmt(nll)
        e_txt = fmt(ece)
        if nll == best_nll:
            n_txt = f"**{n_txt}**"
        if ece == best_ece:
            e_txt = f"**{e_txt}**"
        ms = "-" if math.isnan(secs) else fmt(1e3 * secs)
        out.append(
            f"| {name} | {n_txt} | {fmt(brier)} | {e_txt} | [{fmt(lo)}, {fmt(hi)}] | "
            f"{fmt(acc)} | {ms} | {note} |"
        )
    return "\n".join(out)


def _flagged(row):
    """The method's name, with how its fit ended when that was no certified minimum."""
    note = row[8].split(";")[0].strip()
    return f"{row[0]} [{note}]" if note and not note.startswith(("T=", "lambda")) else row[0]


def wins_table(cases):
    out = [
        "| data set | classifier | best test NLL | best ECE | maxent temperature vs sklearn "
        "temperature (NLL) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for c in cases:
        rows = c["rows"]
        finite = [r for r in rows if math.isfinite(r[1])]
        bn = min(finite, key=lambda r: r[1])
        be = min(rows, key=lambda r: r[3])
        me = next(r for r in rows if r[0] == "maxent temperature")[1]
        sk = next(r for r in rows if r[0] == "sklearn temperature")[1]
        out.append(
            f"| {c['dataset']} | {c['model']} | {_flagged(bn)} ({fmt(bn[1])}) | "
            f"{_flagged(be)} ({fmt(be[3])}) | {fmt(me)} vs {fmt(sk)} |"
        )
    return "\n".join(out)


def speed_tables(temp, vec):
    out = []
    if temp:
        ratio = temp["sklearn_s"] / temp["maxent_s"]
        out += [
            f"Temperature fit, N = {temp['n']:.0e}, K = {temp['k']}, float32 logits "
            f"({temp['gb']:.1f} GB):",
            "",
            "| method | fit s (median) | beta | passes | moment residual | peak RSS GB |",
            "| --- | --- | --- | --- | --- | --- |",
            f"| maxent `TemperatureScaling` | {fmt(temp['maxent_s'])} | {temp['beta']:.9g} | "
            f"{temp['passes']} | {temp['residual']:.1e} | {temp['rss_maxent']:.1f} |",
            f'| sklearn `CalibratedClassifierCV(method="temperature")` | '
            f"{fmt(temp['sklearn_s'])} | {temp['beta_sklearn']:.9g} | - | - | "
            f"{temp['rss_sklearn']:.1f} |",
            "",
            f"maxent is {ratio:.3g} times faster; the betas differ by "
            f"{abs(temp['beta_sklearn'] / temp['beta'] - 1):.1e} (relative). Peak RSS "
            f"after making the data: {temp['rss_data']:.1f} GB.",
            "",
        ]
    if vec:
        out += [
            f"Vector scaling, N = {vec['n']:.0e}, K = {vec['k']} (float64):",
            "",
            "| method | fit s (median) | evaluations | mean NLL | moment residual |",
            "| --- | --- | --- | --- | --- |",
            f"| maxent `VectorScaling` | {fmt(vec['maxent_s'])} | {vec['maxent_iter']} Newton "
            f"steps | {vec['maxent_nll']:.10f} | {vec['maxent_residual']:.1e} |",
        ]
        for label, secs, nfev, fun, resid in vec["baselines"]:
            out.append(
                f"| scipy {label} | {fmt(secs)} ({secs / vec['maxent_s']:.3g}x) | {nfev} | "
                f"{fun:.10f} | {resid:.1e} |"
            )
        out.append("")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", help="also write the markdown here")
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--skip-tables", action="store_true")
    ap.add_argument("--big-n", default="1e6")
    ap.add_argument("--big-k", default="1000")
    ap.add_argument("--vector-n", default="1e5")
    ap.add_argument("--vector-k", default="100")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    import sklearn

    load0 = os.getloadavg()
    t_start = time.perf_counter()
    parts = [
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
        f"numpy {np.__version__}, scikit-learn {sklearn.__version__}, maxent "
        f"{maxent.__version__}. BLAS threads pinned to 1.",
        "",
    ]
    cases = []
    if not args.skip_tables:
        for dataset in DATASETS:
            for model in MODELS:
                case = run_case(dataset, model, args.repeat)
                cases.append(case)
                print(case_table(case) + "\n", flush=True)
        parts += ["### Where each wins", "", wins_table(cases), ""]
        parts += [case_table(c) + "\n" for c in cases]
    temp = vec = None
    if not args.skip_speed:
        vec = speed_vector(int(float(args.vector_n)), int(float(args.vector_k)), args.repeat)
        print(speed_tables(None, vec), flush=True)
        temp = speed_temperature(int(float(args.big_n)), int(float(args.big_k)), 3)
        parts += ["### Speed", "", speed_tables(temp, vec)]
    load1 = os.getloadavg()
    parts.append(
        f"Load average (1 min) {load0[0]:.1f} at the start, {load1[0]:.1f} at the end; "
        f"the whole run took {time.perf_counter() - t_start:.0f} s."
    )
    text = "\n".join(parts)
    print(text)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(text + "\n")


if __name__ == "__main__":
    main()
