"""A seeded grid of problems a user can state: each gets a right answer or a clear refusal.

Every case runs a command as a user would and asserts either exit 0 with JSON that passes
sanity checks (fractions sum to 1, the constraints hold, no NaN where a number is
promised, saved draws keep both constraints exactly) or exit 2 with one
``maxent: error:`` line. The grid spans K from 2 to 10^4, N from 1 to ~10^18, means at
both extremes, inside and at the unweighted mean, lattice / irregular / degenerate /
non-lattice / all-equal energies, the three statistics, with and without an extra
constraint. The small part runs in-process; the large part (``slow``) runs each case in
a subprocess with a time limit, so a hang fails the test instead of stalling the suite.
"""

import math
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from maxent.cli import cli
from tests import strict_json

KINDS = ("lattice", "irregular", "degenerate", "equal", "real")
POSITIONS = ("min", "max", "inside", "unweighted", "near-min")
STATS = ("boltzmann", "bose", "fermi")


def make_case(rng, k, n, kind, position, stat, constraint):
    """The CLI arguments of one problem, and what its answer must satisfy."""
    if kind == "lattice":
        e = np.arange(k, dtype=float)
    elif kind == "irregular":
        e = np.sort(rng.choice(np.arange(3 * k + 3), size=k, replace=False)).astype(float)
    elif kind == "degenerate":
        e = np.sort(rng.integers(0, max(2, k // 2), size=k)).astype(float)
        e[0], e[-1] = 0.0, float(max(1, k // 2))  # at least two levels
    elif kind == "equal":
        e = np.ones(k)
    else:
        e = np.sort(rng.random(k)) * 3.0
    g = None
    caps = np.full(k, n)
    if stat == "fermi":
        g = np.full(k, max(1, math.ceil(1.5 * n / k)))
        caps = g
    # a reachable total: the energy of one random allocation within the capacities
    alloc = np.zeros(k, dtype=np.int64)
    left = n
    while left:
        free = np.flatnonzero(alloc < caps)
        take = rng.multinomial(left, np.full(free.size, 1.0 / free.size))
        take = np.minimum(take, caps[free] - alloc[free])
        alloc[free] += take
        left = n - int(alloc.sum())
    args = ["--energies", ",".join(f"{x:.17g}" for x in e), "--n", str(n)]
    args += ["--statistics", stat]
    if g is not None:
        args += ["--degeneracies", ",".join(str(int(x)) for x in g)]
    if kind == "real":
        args += ["--energy-tolerance", "0.5"]
    order = np.argsort(e, kind="stable")
    if position in ("min", "max", "near-min"):
        filled = np.zeros(k, dtype=np.int64)
        left = n
        for c in order if position != "max" else order[::-1]:
            filled[c] = min(left, caps[c])
            left -= filled[c]
        if position == "near-min" and n > 1 and k > 1:
            # one item moved one level up from the lowest face
            src = int(np.flatnonzero(filled > 0)[-1] if True else 0)
            dst = next((c for c in order if filled[c] < caps[c] and e[c] > e[src]), None)
            if dst is not None:
                filled[src] -= 1
                filled[dst] += 1
        args += ["--total-energy", f"{float(filled @ e):.17g}"]
    elif position == "unweighted":
        args += ["--beta", "0"]
    else:
        args += ["--total-energy", f"{float(alloc @ e):.17g}"]
    if constraint and kind != "equal" and k >= 3:
        value = float(alloc @ (np.arange(k, dtype=float) ** 2)) / n  # int64 would overflow
        args += ["--constraint", f"k**2={value:.17g}"]
    return args, e


def run(*args):
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def check_refusal(code, err):
    assert code == 2, f"exit {code}: {err[-800:]}"
    lines = [line for line in err.strip().splitlines() if not line.startswith("note:")]
    assert len(lines) == 1 and lines[0].startswith("maxent: error: "), err
    assert "Traceback" not in err


def finite(x) -> bool:
    return x is not None and not (isinstance(x, str) and x.lower() == "nan")


def check_optimize(d, energies):
    n = d["n"]
    u = float(d["total_energy"])
    for key in ("optimum", "stirling"):
        if d.get(key) is None:
            continue
        f = np.asarray(d[key]["fractions"], dtype=float)
        assert np.all(np.isfinite(f)) and abs(f.sum() - 1) < 1e-9, key
        assert abs(f @ energies * n - u) <= 1e-7 * (abs(u) + n * np.ptp(energies) + 1), key
        kkt = d[key]["kkt_residual"]
        # converged means a small KKT residual; otherwise the result must say it is not
        assert finite(kkt) and (float(kkt) < 1e-6 or not d[key]["success"]), key
    mode = d.get("mode")
    if mode and mode.get("counts") is not None:
        c = np.asarray(mode["counts"], dtype=np.int64)
        assert c.sum() == n and (c >= 0).all()
        assert abs(float(c @ energies) - u) <= 1e-9 * (abs(u) + 1) + 1e-6
    for key in ("beta", "mean_energy", "total_energy"):
        assert finite(d[key]), key


def check_draws(path, energies, n, u):
    draws = np.load(path)
    assert draws.ndim == 2 and draws.shape[1] == energies.size
    assert (draws.sum(axis=1) == n).all()
    tot = draws @ energies
    assert np.all(np.abs(tot - u) <= 1e-9 * (abs(u) + 1) + 1e-6)


def optimize_or_refuse(args, e):
    """``optimize --json`` of a case, sanity-checked; None after a checked one-line refusal."""
    code, out, err = run("optimize", *args, "--json")
    if code != 0:
        check_refusal(code, err)
        return None
    d = strict_json.loads(out)
    check_optimize(d, e)
    return d


def grid(seed, ks, ns, count):
    rng = np.random.default_rng(seed)
    cases = []
    for i in range(count):
        k = int(rng.choice(ks))
        n = int(rng.choice(ns))
        kind = KINDS[i % len(KINDS)]
        position = POSITIONS[(i // len(KINDS)) % len(POSITIONS)]
        stat = STATS[int(rng.integers(3))]
        constraint = bool(rng.random() < 0.25)
        cases.append((k, n, kind, position, stat, constraint))
    return cases


SMALL = grid(20261122, ks=(2, 3, 4, 10), ns=(1, 2, 7, 60, 1000, 10**5), count=50)


@pytest.mark.parametrize(("k", "n", "kind", "position", "stat", "constraint"), SMALL)
def test_small_grid_optimize_and_sample(tmp_path, k, n, kind, position, stat, constraint):
    rng = np.random.default_rng([k, n, KINDS.index(kind), POSITIONS.index(position)])
    args, e = make_case(rng, k, n, kind, position, stat, constraint)
    d = optimize_or_refuse(args, e)
    if d is None:
        return
    save = tmp_path / "draws.npy"
    code, _, err = run("sample", *args, "--samples", "40", "--seed", "3", "--save", str(save))
    if code != 0:
        check_refusal(code, err)
        return
    check_draws(save, e, d["n"], float(d["total_energy"]))


LARGE = grid(20261123, ks=(10, 100, 1000, 10_000), ns=(10**6, 10**9, 10**15, 4 * 10**18), count=40)


@pytest.mark.slow
@pytest.mark.parametrize(("k", "n", "kind", "position", "stat", "constraint"), LARGE)
def test_large_grid_optimize(tmp_path, k, n, kind, position, stat, constraint):
    rng = np.random.default_rng([k, n % 2**32, KINDS.index(kind), POSITIONS.index(position)])
    args, e = make_case(rng, k, n, kind, position, stat, constraint)
    # long lists go through a file, as a user with 10,000 energies would
    efile = tmp_path / "energies.txt"
    i = args.index("--energies")
    efile.write_text("\n".join(args[i + 1].split(",")))
    args[i + 1] = f"@{efile}"
    if "--degeneracies" in args:
        j = args.index("--degeneracies")
        gfile = tmp_path / "g.txt"
        gfile.write_text(args[j + 1].replace(",", "\n"))
        args[j + 1] = f"@{gfile}"
    cmd = [sys.executable, "-m", "maxent", "optimize", *args, "--json"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail(f"no answer within 120 s: {' '.join(cmd[3:])}")
    if proc.returncode != 0:
        check_refusal(proc.returncode, proc.stderr)
        return
    check_optimize(strict_json.loads(proc.stdout), e)


HUGE_N = grid(20261124, ks=(2, 3, 4, 10), ns=(10**6, 10**9, 10**15, 10**18), count=24)


@pytest.mark.slow
@pytest.mark.parametrize(("k", "n", "kind", "position", "stat", "constraint"), HUGE_N)
def test_huge_n_grid_sample(tmp_path, k, n, kind, position, stat, constraint):
    # a few classes and N up to 1e18: sample must answer (or refuse in one line) within
    # a bound, every draw keeping both constraints (a lattice size computed with
    # cancelling lgamma's once sent N = 1e18 to enumeration, which never ended)
    rng = np.random.default_rng([k, n % 2**32, KINDS.index(kind), POSITIONS.index(position)])
    args, e = make_case(rng, k, n, kind, position, stat, constraint)
    d = optimize_or_refuse(args, e)
    if d is None:
        return
    save = tmp_path / "draws.npy"
    cmd = [sys.executable, "-m", "maxent", "sample", *args, "--samples", "200", "--seed", "5"]
    try:
        proc = subprocess.run(
            [*cmd, "--save", str(save)], capture_output=True, text=True, timeout=120
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"no answer within 120 s: {' '.join(cmd[3:])}")
    if proc.returncode != 0:
        check_refusal(proc.returncode, proc.stderr)
        return
    assert "Traceback" not in proc.stderr
    check_draws(save, e, d["n"], float(d["total_energy"]))


# --- the near-edge family: totals 1 to 3 quanta from either end ---------------------------

#: integer energy sets (the quantum is 1; each has a level 1 above its lowest and 1 below
#: its highest, so every total d = 1, 2, 3 quanta from either end is reachable)
EDGE_SETS = {
    "0-1-1e9": [0, 1, 10**9 - 1, 10**9],
    "0-1-5e13": [0, 1, 5 * 10**13],
    "12-decades": [0, 1, 10, 1000, 10**6, 10**9, 10**12 - 1, 10**12],
    "offset-1e9": [10**9, 10**9 + 1, 10**9 + 3, 10**9 + 4],
    "negative": [-(10**6), -(10**6) + 1, -(10**6) + 2, 0, 1],
    "degenerate": [0, 0, 1, 1, 2, 3, 3],
    "K=200": [0, 1, *[10 + 3 * i for i in range(196)], 604, 605],
    "K=1000": list(range(1000)),
}
EDGE_NS = (10**3, 10**6, 10**9, 10**12, 10**15, 10**18)


def edge_cases(seed, count, ns):
    """Seeded (set, N, side, quanta, statistics) cases of the near-edge family."""
    rng = np.random.default_rng(seed)
    names = sorted(EDGE_SETS)
    out = []
    for i in range(count):
        name = names[i % len(names)]
        out.append(
            (
                name,
                int(rng.choice(ns)),
                ("low", "high")[int(rng.integers(2))],
                int(rng.integers(1, 4)),
                STATS[int(rng.integers(3))],
            )
        )
    return out


def edge_args(name, n, side, quanta, stat):
    e = EDGE_SETS[name]
    if name == "0-1-5e13" and side == "high":
        e = [0, 5 * 10**13 - 1, 5 * 10**13]  # a level one quantum below the top
    total = n * min(e) + quanta if side == "low" else n * max(e) - quanta
    args = ["--energies", ",".join(map(str, e)), "--n", str(n), "--total-energy", str(total)]
    args += ["--statistics", stat]
    if stat != "boltzmann":
        # Fermi: room for all N items on any level; Bose: two states per level
        g = 2 * n if stat == "fermi" else 2
        args += ["--degeneracies", ",".join([str(g)] * len(e))]
    return args, e, total


#: the mode's documented limits: lattice totals beyond 2**62 are refused (one line), and
#: beyond 1e8 items a difference of ln W below 1e-12 cannot be resolved in float64
MODE_LIMITS = ("exceeds 2**62", "below the floating-point resolution")


def check_edge(d, e, n, total, side, quanta, stat):
    assert d["n"] == n and int(d["total_energy"]) == total
    for key in ("optimum", "stirling"):
        r = d[key]
        assert r is not None and r["success"], (key, r and r.get("message"))
        assert r["residuals"]["ok"], (key, r["residuals"])
    r = d["mode"]
    if r is None:
        assert "exceeds 2**62" in d["mode_message"]
        span = (max(e) - min(e)) * n
        assert span > 2**62
        return
    assert r["success"] or any(m in r["message"] for m in MODE_LIMITS[1:]), r["message"]
    assert r["residuals"]["ok"], r["residuals"]
    # the mode, exactly
    c = [int(x) for x in d["mode"]["counts"]]
    assert sum(c) == n and min(c) >= 0
    assert sum(ci * ei for ci, ei in zip(c, e, strict=True)) == total
    # the exact optimum, recomputed from the face (exact integer offset)
    face = min(e) if side == "low" else max(e)
    x = d["optimum"]["counts"]
    above = math.fsum(xi * (ei - face) for xi, ei in zip(x, e, strict=True))
    want = quanta if side == "low" else -quanta
    size = math.fsum(abs(xi * (ei - face)) for xi, ei in zip(x, e, strict=True))
    assert abs(above - want) <= 1e-9 * max(1.0, size)
    assert abs(math.fsum(x) - n) <= 1e-9 * n
    # closed form: one quantum above a single face level with a single next level
    order = sorted(range(len(e)), key=lambda k: e[k] if side == "low" else -e[k])
    single = e.count(face) == 1 and e.count(e[order[1]]) == 1
    if quanta == 1 and single and abs(e[order[1]] - face) == 1:
        want_c = [0] * len(e)
        want_c[order[0]], want_c[order[1]] = n - 1, 1
        assert c == want_c
        if stat == "boltzmann":
            assert d["mode"]["log_count"] == pytest.approx(math.log(n), rel=1e-12)


EDGE_FAST = edge_cases(20261205, 16, (10**3, 10**6))


@pytest.mark.parametrize(("name", "n", "side", "quanta", "stat"), EDGE_FAST)
def test_near_edge_family(name, n, side, quanta, stat):
    args, e, total = edge_args(name, n, side, quanta, stat)
    code, out, err = run("optimize", *args, "--json")
    assert code == 0, err[-800:]
    check_edge(strict_json.loads(out), e, n, total, side, quanta, stat)


EDGE_SLOW = edge_cases(20261206, 48, EDGE_NS)

_FERMI = (
    "Fermi-Dirac with 2N states a level at N >= 1e12: the exact optimum misses U by up to "
    "3 quanta a few quanta above the face (reported as failed, exit 1), not yet solved"
)
_UNCERTIFIED = (
    "degenerate levels or many classes at huge N with Bose/Fermi counting: the mode comes "
    "back uncertified (reported with its gap), not yet certified"
)
#: cases of the family that fail today, each reported as failed (never a silent success)
KNOWN = {
    ("negative", 10**12, "low", 1, "fermi"): _FERMI,
    ("negative", 10**18, "low", 1, "fermi"): _FERMI,
    ("0-1-1e9", 10**18, "low", 2, "fermi"): _FERMI,
    ("0-1-5e13", 10**18, "high", 2, "fermi"): _FERMI,
    ("K=1000", 10**18, "low", 2, "fermi"): _FERMI,
    ("K=200", 10**18, "high", 3, "fermi"): _FERMI,
    ("degenerate", 10**15, "low", 3, "fermi"): _UNCERTIFIED,
    ("degenerate", 10**15, "low", 3, "boltzmann"): _UNCERTIFIED,
    ("K=200", 10**15, "low", 1, "bose"): _UNCERTIFIED,
    ("degenerate", 10**9, "high", 1, "bose"): _UNCERTIFIED,
    ("K=200", 10**18, "high", 1, "bose"): (
        "Bose-Einstein with two states a level, 1 quantum below the top at N = 1e18: the "
        "Stirling optimum misses U (reported as failed, exit 1)"
    ),
    ("degenerate", 10**18, "low", 2, "bose"): (
        "degenerate levels, Bose-Einstein, N = 1e18: optimize takes more than 120 s"
    ),
}
EDGE_SLOW = [
    pytest.param(*c, marks=pytest.mark.xfail(strict=True, reason=KNOWN[c])) if c in KNOWN else c
    for c in EDGE_SLOW
]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "n", "side", "quanta", "stat"), EDGE_SLOW)
def test_near_edge_family_huge_n(tmp_path, name, n, side, quanta, stat):
    args, e, total = edge_args(name, n, side, quanta, stat)
    cmd = [sys.executable, "-m", "maxent", "optimize", *args, "--json"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail(f"no answer within 120 s: {' '.join(cmd[3:])}")
    assert proc.returncode == 0, proc.stderr[-800:]
    check_edge(strict_json.loads(proc.stdout), e, n, total, side, quanta, stat)
    if n <= 10**6 and stat == "boltzmann" and (max(e) - min(e)) * n <= 2**62:
        save = tmp_path / "draws.npy"
        code, _, err = run("sample", *args, "--samples", "50", "--seed", "2", "--save", str(save))
        assert code == 0, err[-800:]
        draws = np.load(save)
        assert all(sum(r) == n for r in draws.tolist())
        assert all(sum(a * b for a, b in zip(r, e, strict=True)) == total for r in draws.tolist())
