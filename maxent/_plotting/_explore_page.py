# ruff: noqa: E501  (HTML and script lines: the page, not Python, sets their length)
"""The page template of ``maxent explore``: HTML, CSS and script, no external resource.

``@@DATA@@`` is replaced by the strict JSON of the exact laws and ``@@VERSION@@`` by
maxent's version. The script only draws: every number it shows is read from the data
at the slider's stop, never interpolated.
"""

PAGE = r"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>maxent explore: the counting argument, live</title>
<style>
:root {
  --bg: #ffffff; --fg: #111111; --muted: #555555; --grid: #dddddd; --panel: #f6f6f6;
  --blue: #0072B2; --orange: #E69F00; --sky: #56B4E9; --green: #009E73;
  --vermillion: #D55E00; --purple: #CC79A7; --grey: #999999; --ink: #000000;
}
:root[data-theme="dark"] {
  --bg: #121212; --fg: #f2f2f2; --muted: #bbbbbb; --grid: #3a3a3a; --panel: #1e1e1e;
  --blue: #3d9be0; --ink: #f2f2f2; --grey: #aaaaaa;
}
@media (prefers-color-scheme: dark) {
  :root:not([data-theme="light"]) {
    --bg: #121212; --fg: #f2f2f2; --muted: #bbbbbb; --grid: #3a3a3a; --panel: #1e1e1e;
    --blue: #3d9be0; --ink: #f2f2f2; --grey: #aaaaaa;
  }
}
html { font-size: 20px; }
body { background: var(--bg); color: var(--fg); margin: 0 auto; max-width: 1400px;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; padding: 0 1rem; }
header { display: flex; justify-content: space-between; align-items: center; gap: 1rem; }
h1 { font-size: 1.6rem; margin: 0.8rem 0 0.2rem; }
h2 { font-size: 1.3rem; margin: 0 0 0.4rem; }
p.lead, p.note { color: var(--muted); margin: 0.2rem 0 0.6rem; }
section { background: var(--panel); border-radius: 10px; padding: 0.8rem 1rem;
  margin: 1rem 0; display: grid; grid-template-columns: minmax(0, 3fr) minmax(16rem, 2fr);
  gap: 1rem; }
@media (max-width: 900px) { section { grid-template-columns: 1fr; } }
svg { width: 100%; height: auto; display: block; }
svg text { fill: var(--fg); font-size: 15px; }
.control { margin: 0.5rem 0 0.9rem; }
.control label { display: block; font-weight: 600; }
.control output { font-variant-numeric: tabular-nums; }
input[type=range] { width: 100%; height: 2.2rem; accent-color: var(--blue); }
button { font-size: 1rem; padding: 0.4rem 0.8rem; border-radius: 6px;
  border: 1px solid var(--muted); background: var(--bg); color: var(--fg); cursor: pointer; }
:focus-visible { outline: 3px solid var(--orange); outline-offset: 2px; }
dl.readout { display: grid; grid-template-columns: minmax(0, 1.2fr) minmax(0, 1fr); gap: 0.2rem 0.8rem; margin: 0.4rem 0; }
dl.readout dt { color: var(--muted); }
dl.readout dd { margin: 0; font-variant-numeric: tabular-nums; font-weight: 600; }
.legend span { display: inline-block; margin-right: 1rem; }
.swatch { display: inline-block; width: 0.9rem; height: 0.9rem; border-radius: 2px;
  vertical-align: -0.1rem; margin-right: 0.3rem; }
footer { color: var(--muted); margin: 1rem 0 2rem; }
</style>
</head>
<body>
<header>
  <div>
    <h1>The counting argument, live</h1>
    <p class="lead">Every allocation of N items that keeps the count and the total energy is
    equally likely. Each number below is maxent's exact computation at the slider's stop;
    the sliders snap to the computed stops.</p>
  </div>
  <button id="theme" type="button" aria-pressed="false">Dark theme</button>
</header>

<section id="occupation" aria-labelledby="h-occ">
  <div><h2 id="h-occ">1. Exact occupations at finite N against the Boltzmann law</h2>
    <svg id="svg-occ" viewBox="0 0 640 400" role="img" aria-label="occupation fractions"></svg>
    <p class="legend"><span><i class="swatch" style="background:var(--ink)"></i>exact mean
      &lt;n<sub>k</sub>&gt;/N, bar &plusmn; one standard deviation</span>
      <span><i class="swatch" style="background:var(--sky)"></i>large-N law</span></p></div>
  <div>
    <div class="control"><label for="occ-k">classes K: <output id="occ-k-out"></output></label>
      <input id="occ-k" type="range"></div>
    <div class="control"><label for="occ-n">items N (log scale): <output id="occ-n-out"></output></label>
      <input id="occ-n" type="range"></div>
    <div class="control"><label for="occ-t">temperature T: <output id="occ-t-out"></output></label>
      <input id="occ-t" type="range"></div>
    <div class="control"><label for="occ-s">statistics: <output id="occ-s-out"></output></label>
      <input id="occ-s" type="range"></div>
    <dl class="readout">
      <dt>mean energy U/N</dt><dd id="occ-u"></dd>
      <dt>total variation to the limit</dt><dd id="occ-tv"></dd>
      <dt>computed by</dt><dd id="occ-how"></dd>
    </dl>
    <p class="note">Energies 0, 1, ..., K-1. Bose: two states a level; Fermi: room for 2N/K
      items a level.</p>
  </div>
</section>

<section id="simplex" aria-labelledby="h-sim">
  <div><h2 id="h-sim">2. The counting simplex (K = 3)</h2>
    <svg id="svg-sim" viewBox="0 0 640 560" role="img" aria-label="counting simplex"></svg>
    <p class="legend"><span><i class="swatch" style="background:var(--grey)"></i>ln W 1 (solid), 10 (dashed), 100 (dotted) below its maximum</span>
      <span><i class="swatch" style="background:var(--vermillion)"></i>energy line</span>
      <span><i class="swatch" style="background:var(--orange)"></i>exact draws (area: how often)</span>
      <span><i class="swatch" style="background:var(--sky)"></i>Boltzmann point</span></p></div>
  <div>
    <div class="control"><label for="sim-n">items N (log scale): <output id="sim-n-out"></output></label>
      <input id="sim-n" type="range"></div>
    <div class="control"><label for="sim-u">mean energy: <output id="sim-u-out"></output></label>
      <input id="sim-u" type="range"></div>
    <dl class="readout">
      <dt>RMS distance of the draws to Boltzmann</dt><dd id="sim-rms"></dd>
      <dt>Boltzmann p</dt><dd id="sim-p"></dd>
      <dt>mean energy (on the lattice)</dt><dd id="sim-e"></dd>
      <dt>exact draws</dt><dd id="sim-how"></dd>
    </dl>
    <p class="note">Energies 0, 1, 2. A corner holds every item in one class; the cloud
      tightens around the Boltzmann point as N grows.</p>
  </div>
</section>

<section id="softmax" aria-labelledby="h-soft">
  <div><h2 id="h-soft">3. softmax(z / T) against plain normalisation</h2>
    <svg id="svg-soft" viewBox="0 0 640 400" role="img" aria-label="softmax bars"></svg>
    <p class="legend"><span><i class="swatch" style="background:var(--blue)"></i>softmax(z / T)</span>
      <span><i class="swatch" style="background:var(--grey)"></i>z / sum z</span></p></div>
  <div>
    <div class="control"><label for="soft-t">temperature T (log scale): <output id="soft-t-out"></output></label>
      <input id="soft-t" type="range"></div>
    <dl class="readout">
      <dt>softmax, top score</dt><dd id="soft-top"></dd>
      <dt>z / sum z, top score</dt><dd id="soft-plain"></dd>
      <dt>entropy (nats)</dt><dd id="soft-h"></dd>
    </dl>
    <p class="note">Scores z = [2, 4, 2, 1]. T &rarr; 0 is the argmax, T &rarr; &infin; uniform;
      plain normalisation is neither, and breaks on negative scores.</p>
  </div>
</section>

<section id="concentration" aria-labelledby="h-conc">
  <div><h2 id="h-conc">4. Entropy concentration: 2N (H<sub>max</sub> &minus; H) against &chi;&sup2;</h2>
    <svg id="svg-conc" viewBox="0 0 640 400" role="img" aria-label="cumulative distributions"></svg>
    <p class="legend"><span><i class="swatch" style="background:var(--ink)"></i>exact law on the lattice</span>
      <span><i class="swatch" style="background:var(--sky)"></i>&chi;&sup2; with 2 degrees of freedom</span></p></div>
  <div>
    <div class="control"><label for="conc-n">items N (log scale): <output id="conc-n-out"></output></label>
      <input id="conc-n" type="range"></div>
    <div class="control"><label for="conc-u">mean energy: <output id="conc-u-out"></output></label>
      <input id="conc-u" type="range"></div>
    <dl class="readout">
      <dt>largest CDF gap (Kolmogorov)</dt><dd id="conc-ks"></dd>
      <dt>mean of 2N(H<sub>max</sub> &minus; H)</dt><dd id="conc-mean"></dd>
      <dt>allocations on the lattice</dt><dd id="conc-size"></dd>
    </dl>
    <p class="note">K = 4 (energies 0..3): every allocation with the exact total, weighted by
      W. The limit has K &minus; 2 = 2 degrees of freedom (mean 2).</p>
  </div>
</section>

<section id="die" aria-labelledby="h-die">
  <div><h2 id="h-die">5. Large deviations of a fair die</h2>
    <svg id="svg-die" viewBox="0 0 640 400" role="img" aria-label="rate functions"></svg>
    <p class="legend"><span><i class="swatch" style="background:var(--ink)"></i>exact &minus;(1/N) ln P(mean &ge; a)</span>
      <span><i class="swatch" style="background:var(--sky)"></i>rate I(a) = ln 6 &minus; H(p<sub>&beta;</sub>)</span></p></div>
  <div>
    <div class="control"><label for="die-n">throws N (log scale): <output id="die-n-out"></output></label>
      <input id="die-n" type="range"></div>
    <div class="control"><label for="die-a">threshold a: <output id="die-a-out"></output></label>
      <input id="die-a" type="range"></div>
    <dl class="readout">
      <dt>exact &minus;(1/N) ln P</dt><dd id="die-rate-n"></dd>
      <dt>I(a)</dt><dd id="die-rate"></dd>
      <dt>P(mean &ge; a)</dt><dd id="die-p"></dd>
    </dl>
    <p class="note">Counted exactly with big integers; the gap to I(a) closes like (ln N)/N.</p>
  </div>
</section>

<footer>Made by maxent @@VERSION@@ (<code>maxent explore</code>); works offline.</footer>
<script type="application/json" id="maxent-data">@@DATA@@</script>
<script>
"use strict";
const D = JSON.parse(document.getElementById("maxent-data").textContent);
const P = D.panels;
const NS = "http://www.w3.org/2000/svg";
const css = (v) => `var(--${v})`;

function fmt(x, digits = 4) {
  if (x === null || x === undefined) return "\u2014";
  if (typeof x === "string") return x;
  if (x === 0) return "0";
  const a = Math.abs(x);
  if (a >= 1e5 || a < 1e-3) return x.toExponential(digits - 1).replace("e+", "e");
  return String(Number(x.toPrecision(digits)));
}

function el(parent, name, attrs, text) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  parent.appendChild(e);
  return e;
}

function clear(svg) { while (svg.firstChild) svg.removeChild(svg.firstChild); return svg; }

// A slider over the stops of one axis: its value is an index, its label the stop.
function slider(id, values, start, label, onChange) {
  const input = document.getElementById(id);
  const out = document.getElementById(id + "-out");
  input.min = 0; input.max = values.length - 1; input.step = 1;
  let i = values.findIndex((v) => String(v) === String(start));
  input.value = i < 0 ? 0 : i;
  const show = () => {
    const text = (label || String)(values[+input.value]);
    out.textContent = text;
    input.setAttribute("aria-valuetext", text);
  };
  input.addEventListener("input", () => { show(); onChange(); });
  show();
  return () => values[+input.value];
}

function axes(svg, box, xr, yr, opt) {
  const { x0, y0, w, h } = box;
  const lx = opt.logx;
  const tx = (v) => lx ? Math.log10(v) : v;
  const X = (v) => x0 + (tx(v) - tx(xr[0])) / (tx(xr[1]) - tx(xr[0])) * w;
  const Y = (v) => y0 + h - (v - yr[0]) / (yr[1] - yr[0]) * h;
  for (const t of opt.yticks) {
    el(svg, "line", { x1: x0, x2: x0 + w, y1: Y(t), y2: Y(t), stroke: css("grid") });
    el(svg, "text", { x: x0 - 8, y: Y(t) + 5, "text-anchor": "end" }, fmt(t, 3));
  }
  for (const t of opt.xticks) {
    el(svg, "text", { x: X(t), y: y0 + h + 22, "text-anchor": "middle" }, opt.xlabel ? opt.xlabel(t) : fmt(t, 3));
  }
  el(svg, "line", { x1: x0, x2: x0 + w, y1: y0 + h, y2: y0 + h, stroke: css("fg") });
  el(svg, "line", { x1: x0, x2: x0, y1: y0, y2: y0 + h, stroke: css("fg") });
  if (opt.xtitle) el(svg, "text", { x: x0 + w / 2, y: y0 + h + 46, "text-anchor": "middle" }, opt.xtitle);
  if (opt.ytitle) el(svg, "text", { x: 18, y: y0 + h / 2, transform: `rotate(-90 18 ${y0 + h / 2})`, "text-anchor": "middle" }, opt.ytitle);
  return { X, Y };
}

function path(points) { return points.map((p, i) => (i ? "L" : "M") + p[0].toFixed(2) + " " + p[1].toFixed(2)).join(" "); }

function ticks(lo, hi, n) {
  const step = (hi - lo) / n, out = [];
  for (let i = 0; i <= n; i++) out.push(Number((lo + i * step).toPrecision(6)));
  return out;
}

// 1. occupations
(function () {
  const A = P.occupation.axes, S = P.occupation.start;
  const upd = () => draw();
  const k = slider("occ-k", A.classes, S.classes, String, upd);
  const n = slider("occ-n", A.n, S.n, String, upd);
  const t = slider("occ-t", A.temperature, S.temperature, String, upd);
  const s = slider("occ-s", A.statistics, S.statistics, String, upd);
  function draw() {
    const key = `${k()}|${n()}|${t()}|${s()}`;
    const st = P.occupation.stops[key];
    const svg = clear(document.getElementById("svg-occ"));
    const K = k();
    const top = Math.max(...st.limit, ...(st.mean ? st.mean.map((m, i) => m + st.sd[i]) : []));
    const ymax = Math.min(1, Math.ceil(top * 10.5) / 10) || 1;
    const step = ymax > 0.5 ? 0.2 : 0.1;
    const { X, Y } = axes(svg, { x0: 70, y0: 20, w: 550, h: 300 }, [0, K], [0, ymax],
      { yticks: ticks(0, Math.floor(ymax / step + 1e-9) * step, Math.round(Math.floor(ymax / step + 1e-9))), xticks: [...Array(K).keys()].map((i) => i + 0.5),
        xlabel: (v) => `E = ${v - 0.5}`, ytitle: "fraction of items", xtitle: "class" });
    for (let i = 0; i < K; i++) {
      const w = 0.34;
      if (st.mean) {
        el(svg, "rect", { x: X(i + 0.5 - w), y: Y(st.mean[i]), width: X(w) - X(0),
          height: Y(0) - Y(st.mean[i]), fill: css("ink"), opacity: 0.8 });
        const lo = Math.max(0, st.mean[i] - st.sd[i]), hi = st.mean[i] + st.sd[i];
        el(svg, "line", { x1: X(i + 0.5 - w / 2), x2: X(i + 0.5 - w / 2), y1: Y(lo), y2: Y(hi),
          stroke: css("vermillion"), "stroke-width": 3 });
      }
      el(svg, "rect", { x: X(i + 0.5), y: Y(st.limit[i]), width: X(w) - X(0),
        height: Y(0) - Y(st.limit[i]), fill: css("sky") });
    }
    document.getElementById("occ-u").textContent = fmt(st.mean_energy);
    document.getElementById("occ-tv").textContent = st.mean ? fmt(st.tv) : "\u2014";
    document.getElementById("occ-how").textContent = st.mean ? st.how : st.mean_message;
  }
  draw();
})();

// 2. counting simplex
(function () {
  const A = P.simplex.axes, S = P.simplex.start;
  const n = slider("sim-n", A.n, S.n, String, () => draw());
  const u = slider("sim-u", A.mean, S.mean, String, () => draw());
  const box = { x0: 60, y0: 30, w: 520 };
  const h3 = Math.sqrt(3) / 2;
  const XY = (p) => [box.x0 + p[0] * box.w, box.y0 + (h3 - p[1]) * box.w];
  function draw() {
    const svg = clear(document.getElementById("svg-sim"));
    const corners = [[0, 0], [1, 0], [0.5, h3]];
    el(svg, "path", { d: path(corners.map(XY)) + " Z", fill: "none", stroke: css("fg"), "stroke-width": 2 });
    const names = ["all at E = 0", "all at E = 1", "all at E = 2"];
    const off = [[-10, 28], [10, 28], [0, -12]];
    corners.forEach((c, i) => {
      const [x, y] = XY(c);
      el(svg, "text", { x: x + off[i][0], y: y + off[i][1], "text-anchor": i === 0 ? "start" : i === 1 ? "end" : "middle" }, names[i]);
    });
    const cont = P.simplex.contours[String(n())];
    cont.forEach((lines, j) => {
      for (const line of lines) {
        el(svg, "path", { d: path(line.map(XY)), fill: "none", stroke: css("grey"),
          "stroke-width": 2, "stroke-dasharray": ["", "8 5", "2 5"][j] });
      }
    });
    const st = P.simplex.stops[`${n()}|${u()}`];
    el(svg, "path", { d: path(st.line.map(XY)), stroke: css("vermillion"), "stroke-width": 3 });
    const [bx, by] = XY(st.boltzmann_xy);
    // at small N many draws are the same allocation: one dot each, its area the count
    const seen = new Map();
    for (const d of st.draws) seen.set(d.join(","), [d, (seen.get(d.join(",")) || [d, 0])[1] + 1]);
    for (const [d, c] of seen.values()) {
      const [x, y] = XY(d);
      el(svg, "circle", { cx: x, cy: y, r: Math.min(4 * Math.sqrt(c), 16), fill: css("orange"),
        opacity: 0.6 });
    }
    // the Boltzmann point as a hollow ring over the draws: a tight cloud shows through it
    el(svg, "circle", { cx: bx, cy: by, r: 13, fill: "none", stroke: css("sky"), "stroke-width": 4 });
    document.getElementById("sim-rms").textContent = fmt(st.rms);
    document.getElementById("sim-e").textContent = fmt(st.mean_energy);
    document.getElementById("sim-p").textContent = st.boltzmann.map((v) => fmt(v, 3)).join(", ");
    const how = st.method === "enumerate" ? "from the enumerated lattice" : "exact sampler";
    document.getElementById("sim-how").textContent = `${st.draws.length} (${how})`;
  }
  draw();
})();

// 3. softmax against plain normalisation
(function () {
  const A = P.softmax.axes, S = P.softmax.start;
  const label = (v) => v === "0" ? "0 (argmax)" : v === "inf" ? "\u221e (uniform)" : v;
  const t = slider("soft-t", A.temperature, S.temperature, label, () => draw());
  function draw() {
    const svg = clear(document.getElementById("svg-soft"));
    const z = P.softmax.scores, q = P.softmax.softmax[t()], plain = P.softmax.plain;
    const { X, Y } = axes(svg, { x0: 70, y0: 20, w: 550, h: 300 }, [0, z.length], [0, 1],
      { yticks: ticks(0, 1, 4), xticks: z.map((_, i) => i + 0.5), xlabel: (v) => `z = ${z[v - 0.5]}`,
        ytitle: "probability", xtitle: "score" });
    z.forEach((_, i) => {
      const w = 0.36;
      el(svg, "rect", { x: X(i + 0.5 - w), y: Y(q[i]), width: X(w) - X(0), height: Y(0) - Y(q[i]), fill: css("blue") });
      el(svg, "rect", { x: X(i + 0.5), y: Y(plain[i]), width: X(w) - X(0), height: Y(0) - Y(plain[i]), fill: css("grey") });
    });
    const top = z.indexOf(Math.max(...z));
    const h = -q.reduce((a, p) => a + (p > 0 ? p * Math.log(p) : 0), 0);
    document.getElementById("soft-top").textContent = fmt(q[top]);
    document.getElementById("soft-plain").textContent = fmt(plain[top]);
    document.getElementById("soft-h").textContent = fmt(h);
  }
  draw();
})();

// 4. entropy concentration
(function () {
  const A = P.concentration.axes, S = P.concentration.start;
  const n = slider("conc-n", A.n, S.n, String, () => draw());
  const u = slider("conc-u", A.mean, S.mean, String, () => draw());
  function draw() {
    const svg = clear(document.getElementById("svg-conc"));
    const st = P.concentration.stops[`${n()}|${u()}`];
    const xmax = 12;
    const { X, Y } = axes(svg, { x0: 70, y0: 20, w: 550, h: 300 }, [0, xmax], [0, 1],
      { yticks: ticks(0, 1, 4), xticks: ticks(0, xmax, 6), ytitle: "P(statistic \u2264 x)", xtitle: "x = 2N (H_max \u2212 H)" });
    const chi = [];
    for (let i = 0; i <= 120; i++) { const x = i * xmax / 120; chi.push([X(x), Y(1 - Math.exp(-x / 2))]); }
    el(svg, "path", { d: path(chi), fill: "none", stroke: css("sky"), "stroke-width": 4 });
    const pts = [[X(0), Y(0)]];
    st.x.forEach((x, i) => {
      if (x > xmax) return;
      const prev = i ? st.cdf[i - 1] : 0;
      pts.push([X(x), Y(prev)], [X(x), Y(st.cdf[i])]);
    });
    // the staircase stays flat up to the edge of the axis (its next step lies beyond)
    pts.push([X(xmax), pts[pts.length - 1][1]]);
    el(svg, "path", { d: path(pts), fill: "none", stroke: css("ink"), "stroke-width": 2 });
    document.getElementById("conc-ks").textContent = fmt(st.ks);
    document.getElementById("conc-mean").textContent = fmt(st.mean_x);
    document.getElementById("conc-size").textContent = String(st.lattice);
  }
  draw();
})();

// 5. large deviations of a die
(function () {
  const A = P.die.axes, S = P.die.start;
  const n = slider("die-n", A.n, S.n, String, () => draw());
  const a = slider("die-a", A.threshold, S.threshold, String, () => draw());
  function draw() {
    const svg = clear(document.getElementById("svg-die"));
    const th = A.threshold;
    const { X, Y } = axes(svg, { x0: 70, y0: 20, w: 550, h: 300 }, [3.5, 6], [0, 1.8],
      { yticks: ticks(0, 1.8, 6), xticks: ticks(3.5, 6, 5), ytitle: "rate (nats per throw)", xtitle: "threshold a" });
    const rate = th.map((t) => [X(t), Y(P.die.rate[String(t)])]);
    el(svg, "path", { d: path(rate), fill: "none", stroke: css("sky"), "stroke-width": 4 });
    const exact = th.map((t) => [X(t), Y(P.die.stops[`${n()}|${t}`].rate_n)]);
    el(svg, "path", { d: path(exact), fill: "none", stroke: css("ink"), "stroke-width": 1.5, "stroke-dasharray": "4 4" });
    for (const p of exact) el(svg, "circle", { cx: p[0], cy: p[1], r: 5, fill: css("ink") });
    const st = P.die.stops[`${n()}|${a()}`];
    el(svg, "circle", { cx: X(a()), cy: Y(st.rate_n), r: 10, fill: "none", stroke: css("vermillion"), "stroke-width": 3 });
    document.getElementById("die-rate-n").textContent = fmt(st.rate_n);
    document.getElementById("die-rate").textContent = fmt(P.die.rate[String(a())]);
    const e = Math.floor(st.log10_p), m = Math.pow(10, st.log10_p - e);
    document.getElementById("die-p").textContent = `${m.toFixed(2)}e${e}`;
  }
  draw();
})();

// theme: the system's unless the button says otherwise
(function () {
  const b = document.getElementById("theme");
  const dark = () => document.documentElement.dataset.theme === "dark" ||
    (!document.documentElement.dataset.theme && matchMedia("(prefers-color-scheme: dark)").matches);
  const label = () => { b.textContent = dark() ? "Light theme" : "Dark theme"; b.setAttribute("aria-pressed", String(dark())); };
  b.addEventListener("click", () => { document.documentElement.dataset.theme = dark() ? "light" : "dark"; label(); });
  label();
})();
</script>
</body>
</html>
"""
