"""Check the documentation site in a headless browser: math typeset offline, no other hosts.

    python benchmarks/check_docs_site.py                  # build into a temporary folder
    python benchmarks/check_docs_site.py --site docs/site --out out/site-check

1. Builds the site (``mkdocs build --strict``) unless ``--site`` names a built one.
2. Scans every HTML page for resources (scripts, styles, images, fonts, frames) loaded from
   another host; plain links (``<a href>``) are allowed.
3. Serves the site on 127.0.0.1 and opens a few pages in headless Chromium with every
   other host unresolvable, then counts the typeset formulas (``mjx-container``) in the
   final DOM and that no raw ``\\(`` is left in an arithmatex span; it saves screenshots.

Needs Chromium (``apt-get install -y chromium``). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = {
    "theory/large-deviations/": 40,
    "theory/ensemble-equivalence/": 30,
    "theory/counting/": 10,
    "notebooks/01_why_softmax/": 5,
    "notebooks/03_bose_fermi/": 5,
}
# a resource attribute on anything but an <a> tag, or a CSS url(), pointing off-site
_TAG = re.compile(r"<(?!a[\s>])(\w+)\b[^>]*?\b(?:src|href|data)=[\"']?((?:https?:)?//[^\"' >]+)")
_CSS = re.compile(r"url\(\s*[\"']?((?:https?:)?//[^\"')]+)")
_RAW = re.compile(r'<span class="arithmatex">\\\(')


def build(site: Path) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)]
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, capture_output=True, text=True)


def external_resources(site: Path) -> list[tuple[str, str]]:
    found = []
    for page in sorted(site.rglob("*.html")) + sorted(site.rglob("*.css")):
        text = page.read_text(errors="replace")
        for m in _TAG.finditer(text):
            found.append((str(page.relative_to(site)), f"<{m.group(1)}> {m.group(2)}"))
        for m in _CSS.finditer(text):
            found.append((str(page.relative_to(site)), f"css url {m.group(1)}"))
    return found


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(site: Path):
    handler = functools.partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def browse(browser: str, url: str, screenshot: Path) -> str:
    common = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        # nothing but this machine can be reached: math must come from the site itself
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        "--virtual-time-budget=10000",
        "--window-size=1280,1600",
    ]
    dom = subprocess.run(
        [*common, "--dump-dom", url], capture_output=True, text=True, timeout=120
    ).stdout
    subprocess.run(
        [*common, f"--screenshot={screenshot}", url], capture_output=True, timeout=120, check=True
    )
    return dom


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--site", type=Path, help="an already built site (default: build one)")
    ap.add_argument("--out", type=Path, default=Path("out") / "site-check", help="screenshots")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        site = args.site
        if site is None:
            site = Path(tmp) / "site"
            print("building the site ...", flush=True)
            build(site)
        mathjax = site / "javascripts" / "mathjax" / "tex-mml-chtml.js"
        if not mathjax.exists():
            failures.append(f"MathJax is not served by the site ({mathjax} missing)")
        ext = external_resources(site)
        for page, what in ext[:20]:
            print(f"external resource: {page}: {what}")
        if ext:
            failures.append(f"{len(ext)} resources load from other hosts")
        else:
            print("no page loads anything from another host")
        browser = chromium()
        if browser is None:
            print("Chromium not found (apt-get install -y chromium): browser check skipped")
            return 2 if failures else 0
        with serve(site) as base:
            print(f"{'page':40s} {'formulas':>9s}  screenshot")
            for page, minimum in PAGES.items():
                shot = args.out / (page.strip("/").replace("/", "_") + ".png")
                dom = browse(browser, base + page, shot)
                typeset = dom.count("<mjx-container")
                raw = len(_RAW.findall(dom))
                print(f"{page:40s} {typeset:9d}  {shot}")
                if typeset < minimum:
                    failures.append(f"{page}: {typeset} typeset formulas (expected >= {minimum})")
                if raw:
                    failures.append(f"{page}: {raw} arithmatex spans left untypeset")
    for f in failures:
        print("FAIL:", f)
    print("OK" if not failures else f"{len(failures)} problem(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
