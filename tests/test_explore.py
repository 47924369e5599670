"""``maxent explore``: the page's embedded numbers against independent computations,
the command as a user runs it, and the page in a real browser (headless Chromium)."""

from __future__ import annotations

import itertools
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import maxent
from maxent._compare import explore as X
from maxent.cli import cli
from tests import strict_json


def embedded(html: str) -> dict:
    """The JSON in the page, parsed strictly (no NaN or Infinity tokens)."""
    start = html.index('<script type="application/json" id="maxent-data">')
    body = html[html.index(">", start) + 1 : html.index("</script>", start)]
    return json.loads(body, parse_constant=strict_json._refuse)


@pytest.fixture(scope="module")
def small():
    return maxent.explore(n_max=20, classes_max=3, seed=7)


def test_the_embedded_json_is_the_data_and_strict(small):
    assert embedded(small.html) == json.loads(json.dumps(small.data))
    assert "</script" not in small.html.split('id="maxent-data">')[1].split("</script>")[0]
    # self-contained: no address the page would fetch
    for needle in ("http://", "https://", "src=", "@import", "url("):
        assert needle not in small.html.replace("http://www.w3.org/2000/svg", "")


def test_a_closing_tag_in_the_data_cannot_end_the_script(monkeypatch):
    from maxent._plotting import explore as E

    # a string holding "</script>" in the data: escaped in the page, itself in the JSON
    monkeypatch.setattr(E, "__version__", "1.0</script><b>x")
    page = maxent.explore(n_max=10, classes_max=2)
    block = page.html.split('id="maxent-data">')[1]
    assert block.index("</script>") > block.index("<\\/script>")
    assert embedded(page.html)["maxent"] == "1.0</script><b>x"


def test_the_same_seed_writes_the_same_bytes(tmp_path):
    args = ["explore", "--n-max", "20", "--classes-max", "3"]
    a, b, c = (tmp_path / f"{x}.html" for x in "abc")
    for out, seed in ((a, "5"), (b, "5"), (c, "6")):
        res = CliRunner().invoke(cli, [*args, "--seed", seed, "--out", str(out)])
        assert res.exit_code == 0, res.stderr
    assert a.read_bytes() == b.read_bytes()
    # another seed: other exact draws on the simplex, the same exact laws elsewhere
    da, dc = (embedded(x.read_text(encoding="utf-8"))["panels"] for x in (a, c))
    assert da["simplex"]["stops"] != dc["simplex"]["stops"]
    assert da["occupation"] == dc["occupation"] and da["die"] == dc["die"]


def test_help_lists_the_options():
    res = CliRunner().invoke(cli, ["explore", "--help"])
    assert res.exit_code == 0
    for option in ("--out", "--n-max", "--classes-max", "--mean-energy", "--beta", "--seed"):
        assert option in res.stdout


def _weight(c, stat, g):
    if stat == "boltzmann":
        return math.factorial(int(c.sum())) / math.prod(math.factorial(int(x)) for x in c)
    if stat == "bose":
        return math.prod(math.comb(int(x) + gk - 1, int(x)) for x, gk in zip(c, g, strict=True))
    return math.prod(math.comb(gk, int(x)) for x, gk in zip(c, g, strict=True))


def test_occupations_equal_a_brute_force_at_every_small_stop(small):
    occ = small.data["panels"]["occupation"]
    checked = 0
    for key, st in occ["stops"].items():
        k, n, _, stat = key.split("|")
        k, n = int(k), int(n)
        if n > 10:
            continue
        g = X.slider_degeneracies(stat, k, n) or [1] * k
        total = round(st["mean_energy"] * n)
        allocs, w = [], []
        for cut in itertools.combinations(range(n + k - 1), k - 1):
            c = np.diff([-1, *cut, n + k - 1]) - 1
            if int(c @ np.arange(k)) == total and (stat != "fermi" or (c <= g).all()):
                allocs.append(c / n)
                w.append(_weight(c, stat, g))
        w = np.array(w) / sum(w)
        mean = w @ np.array(allocs)
        sd = np.sqrt(np.maximum(w @ np.array(allocs) ** 2 - mean**2, 0))
        assert st["mean"] == pytest.approx(mean.tolist(), rel=1e-5, abs=1e-9), key
        assert st["sd"] == pytest.approx(sd.tolist(), rel=1e-5, abs=1e-7), key
        tv = 0.5 * np.abs(mean - np.array(st["limit"])).sum()
        assert st["tv"] == pytest.approx(tv, rel=1e-4, abs=5e-6)  # limit to 6 digits
        checked += 1
    assert checked > 100


def test_the_convolution_route_equals_enumeration(monkeypatch):
    for n, u in ((12, 9), (20, 31), (7, 4)):
        p = maxent.Problem([0, 1, 2, 3], n, total_energy=u)
        mean, sd, how = X.exact_occupations(p)
        assert how == "enumeration"
        with monkeypatch.context() as m:
            m.setattr(X, "ENUMERATE_MAX", 0)
            mean2, sd2, how2 = X.exact_occupations(p)
        assert how2 == "convolution"
        np.testing.assert_allclose(mean2, mean, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(sd2, sd, rtol=1e-7, atol=1e-10)


def test_every_occupation_stop_is_computed_or_says_why():
    page = maxent.explore(n_max=1000, classes_max=4)
    stops = page.data["panels"]["occupation"]["stops"]
    for key, st in stops.items():
        if st["mean"] is None:
            assert st["mean_message"] and key.split("|")[3] != "boltzmann"
        else:
            assert abs(sum(st["mean"]) - 1) < 1e-5
    # Boltzmann counting is exact at every stop (the convolution covers large N)
    assert all(st["mean"] is not None for key, st in stops.items() if key.endswith("boltzmann"))


def test_softmax_rows(small):
    sm = small.data["panels"]["softmax"]
    z = np.array([2.0, 4.0, 2.0, 1.0])
    for t, row in sm["softmax"].items():
        if t == "0":
            want = [0, 1, 0, 0]
        elif t == "inf":
            want = [0.25] * 4
        else:
            e = np.exp(z / float(t) - (z / float(t)).max())
            want = e / e.sum()
        assert row == pytest.approx(list(want), rel=1e-5, abs=1e-12), t
    assert sm["plain"] == pytest.approx([2 / 9, 4 / 9, 2 / 9, 1 / 9], rel=1e-6)
    keys = list(sm["softmax"])
    assert keys[0] == "0" and keys[-1] == "inf"


def test_die_stops_against_brute_force(small):
    die = small.data["panels"]["die"]
    for key, st in die["stops"].items():
        n, a = key.split("|")
        n, a = int(n), float(a)
        if n > 5:
            continue
        hits = sum(1 for t in itertools.product(range(1, 7), repeat=n) if sum(t) >= a * n)
        want = -(math.log(hits) - n * math.log(6)) / n
        assert st["rate_n"] == pytest.approx(want, rel=1e-5), key
    for a, rate in die["rate"].items():
        assert rate == pytest.approx(maxent.die_rate(float(a)), rel=1e-5)


def test_concentration_stops_against_brute_force(small):
    conc = small.data["panels"]["concentration"]
    from scipy.stats import chi2

    for key, st in conc["stops"].items():
        n = int(key.split("|")[0])
        total = round(st["mean_energy"] * n)
        xs, w = [], []
        b = maxent.Problem([0, 1, 2, 3], n, total_energy=total).boltzmann
        hmax = -(b * np.log(b)).sum()
        for c in itertools.product(range(n + 1), repeat=4):
            if sum(c) == n and c[1] + 2 * c[2] + 3 * c[3] == total:
                f = np.array(c) / n
                h = -sum(v * math.log(v) for v in f if v > 0)
                xs.append(max(2 * n * (hmax - h), 0.0))
                w.append(_weight(np.array(c), "boltzmann", None))
        w = np.array(w) / sum(w)
        order = np.argsort(xs, kind="stable")
        xs, cdf = np.array(xs)[order], np.cumsum(w[order])
        ks = max(
            np.abs(cdf - chi2.cdf(xs, 2)).max(), np.abs(cdf - w[order] - chi2.cdf(xs, 2)).max()
        )
        assert st["ks"] == pytest.approx(ks, rel=1e-4), key
        assert st["mean_x"] == pytest.approx(float(w @ np.array(xs)[np.argsort(order)]), rel=1e-4)
        assert st["lattice"] == xs.size


def test_simplex_draws_keep_the_energy_and_follow_the_seed(small):
    sim = small.data["panels"]["simplex"]
    for key, st in sim["stops"].items():
        n = int(key.split("|")[0])
        for x, y in st["draws"]:
            p2 = 2 * y / math.sqrt(3)
            p1 = x - p2 / 2
            assert p1 + 2 * p2 == pytest.approx(st["mean_energy"], abs=2e-3)
            assert min(p1, p2, 1 - p1 - p2) > -1e-3
            assert abs(round(p1 * n) - p1 * n) < 5e-3 * n + 1e-9
    again = maxent.explore(n_max=20, classes_max=3, seed=7)
    assert again.html == small.html  # a pure function of its seed
    other = maxent.explore(n_max=20, classes_max=3, seed=8)
    assert other.data["panels"]["simplex"]["stops"] != sim["stops"]


def test_starting_positions_snap_to_stops():
    page = maxent.explore(n_max=100, classes_max=4, classes=3, n=70, temperature=1.3)
    start = page.data["panels"]["occupation"]["start"]
    assert start == {"classes": 3, "n": 50, "temperature": 1.5, "statistics": "boltzmann"}
    axes = page.data["panels"]["occupation"]["axes"]
    assert start["n"] in axes["n"] and start["temperature"] in axes["temperature"]

    # the starting T given as a mean energy (energies 0..K-1) or as beta
    e = np.arange(4.0)
    mean = float(maxent.boltzmann(e, 1 / 2.9) @ e)
    for kw in ({"mean_energy": mean}, {"beta": 1 / 2.9}):
        page = maxent.explore(n_max=10, classes_max=4, **kw)
        assert page.data["panels"]["occupation"]["start"]["temperature"] == 3.0, kw


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (["--n-max", "5"], "--n-max"),
        (["--classes-max", "9"], "--classes-max"),
        (["--classes", "6"], "--classes"),
        (["--n", "50000"], "--n"),
        (["--temperature", "0"], "--temperature"),
        (["--temperature", "nan"], "--temperature"),
        (["--beta", "-1"], "--beta"),
        (["--mean-energy", "1.5"], "--mean-energy"),  # the uniform mean of 0..3: T = inf
        (["--temperature", "2", "--beta", "1"], "--beta"),
        (["--out", "page.txt"], "--out"),
        (["--out", "no/such/dir/page.html"], "--out"),
    ],
)
def test_bad_options_are_one_line_exit_2(args, name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(cli, ["explore", *args])
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"maxent: error: {name}"), res.stderr
    assert not list(tmp_path.iterdir())  # nothing written


def test_the_command_writes_the_page(tmp_path):
    out = tmp_path / "lecture.html"
    args = ["explore", "--out", str(out), "--n-max", "50", "--classes-max", "3", "--json"]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.stderr
    d = strict_json.loads(res.stdout)
    assert d["path"] == str(out) and d["bytes"] == out.stat().st_size and d["stops"] > 100
    assert embedded(out.read_text(encoding="utf-8"))["seed"] == 2026


# --- the page in a real browser ----------------------------------------------------------

HAVE_BROWSER = shutil.which("chromium") and shutil.which("chromedriver")


@pytest.fixture(scope="module")
def default_page(tmp_path_factory):
    path = tmp_path_factory.mktemp("explore") / "lecture.html"
    page = maxent.explore(path)
    return path, page


@pytest.mark.slow
def test_the_default_page_is_small(default_page):
    _, page = default_page
    assert page.size < 5_000_000
    assert page.path is not None and page.path.stat().st_size == page.size


#: slider id -> (panel, readout id, how to find the embedded value at the slider's last stop)
def _two(panel, axis, key):
    """The embedded value at (slider value, the other slider at its start)."""

    def value(P, v):
        p = P[panel]
        other = next(a for a in p["axes"] if a != axis)
        pair = {axis: v, other: p["start"][other]}
        first, second = list(p["axes"])
        return p["stops"][f"{_g(pair[first])}|{_g(pair[second])}"][key]

    return value


#: slider id -> (panel, axis, readout id, the embedded value that readout shows at a stop)
SLIDERS = {
    "occ-n": ("occupation", "n", None, None),
    "occ-t": ("occupation", "temperature", None, None),
    "occ-k": ("occupation", "classes", None, None),
    "occ-s": ("occupation", "statistics", None, None),
    "sim-n": ("simplex", "n", "sim-rms", _two("simplex", "n", "rms")),
    "sim-u": ("simplex", "mean", "sim-rms", _two("simplex", "mean", "rms")),
    "soft-t": ("softmax", "temperature", "soft-top", lambda P, v: P["softmax"]["softmax"][v][1]),
    "conc-n": ("concentration", "n", "conc-ks", _two("concentration", "n", "ks")),
    "conc-u": ("concentration", "mean", "conc-ks", _two("concentration", "mean", "ks")),
    "die-n": ("die", "n", "die-rate-n", _two("die", "n", "rate_n")),
    "die-a": ("die", "threshold", "die-rate-n", _two("die", "threshold", "rate_n")),
}


def _g(v) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _occ_key(P, classes=None, n=None, temperature=None, statistics=None):
    s = P["occupation"]["start"]
    return (
        f"{classes or s['classes']}|{n or s['n']}|{_g(temperature or s['temperature'])}"
        f"|{statistics or s['statistics']}"
    )


def _expected(P, slider, v):
    """(readout id, what it must show) with ``slider`` at stop ``v``, the others at start."""
    panel, axis, readout, value = SLIDERS[slider]
    if panel == "occupation":
        st = P["occupation"]["stops"][_occ_key(P, **{axis: v})]
        if st["mean"] is None:  # no exact route at this stop: the page says why
            return "occ-how", st["mean_message"]
        return "occ-tv", st["tv"]
    return readout, value(P, v)


def _label(v) -> str:
    return {"inf": "\u221e"}.get(v, _g(v))


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_BROWSER, reason="needs Debian's chromium and chromium-driver")
def test_every_slider_moves_the_readouts_in_chromium(default_page):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from benchmarks.explore_screenshots import browser

    path, page = default_page
    P = page.data["panels"]
    drv = browser()
    try:
        drv.get(Path(path).resolve().as_uri())
        moved = 0
        for slider, (panel, axis, _, _) in SLIDERS.items():
            # back to the start position: reload, so that each slider moves alone
            drv.get(Path(path).resolve().as_uri())
            values = P[panel]["axes"][axis]
            box = drv.find_element(By.ID, slider)
            assert box.get_attribute("type") == "range" and box.get_attribute("aria-valuetext")
            i = int(box.get_attribute("value"))
            assert values[i] == P[panel]["start"][axis], slider
            # one step right (left from the last stop), then End, then one step left
            first = Keys.ARROW_RIGHT if i < len(values) - 1 else Keys.ARROW_LEFT
            for key in (first, Keys.END, Keys.ARROW_LEFT):
                box.send_keys(key)
                i = {Keys.END: len(values) - 1, Keys.ARROW_LEFT: i - 1}.get(key, i + 1)
                assert int(box.get_attribute("value")) == i, (slider, key)
                v = values[i]
                label = drv.find_element(By.ID, f"{slider}-out").text
                assert label.startswith(_label(v)), (slider, v, label)
                assert box.get_attribute("aria-valuetext") == label
                readout, want = _expected(P, slider, v)
                text = drv.find_element(By.ID, readout).text
                if isinstance(want, str):
                    assert text == want, (slider, v, text)
                else:  # the page shows 4 significant digits of the embedded value
                    assert float(text) == pytest.approx(want, rel=1e-3, abs=1e-12), (slider, v)
                moved += 1
        assert moved == 3 * len(SLIDERS)
        drv.find_element(By.ID, "theme").click()
        assert drv.execute_script("return document.documentElement.dataset.theme") in (
            "dark",
            "light",
        )
        errors = [e for e in drv.get_log("browser") if e["level"] == "SEVERE"]
        assert not errors, errors
    finally:
        drv.quit()
