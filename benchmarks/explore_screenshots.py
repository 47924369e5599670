"""Screenshots of every panel of a ``maxent explore`` page, in headless Chromium.

    maxent explore --out lecture.html
    python benchmarks/explore_screenshots.py --page lecture.html --out shots [--dark]

Needs Debian's ``chromium`` and ``chromium-driver`` and Selenium (the ``test`` extra).
One PNG per panel (``occupation.png``, ``simplex.png``, ...), at 1600 px wide.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

PANELS = ("occupation", "simplex", "softmax", "concentration", "die")


def browser(width: int = 1600, height: int = 1000):
    """Headless Chromium with the network features a closed machine refuses turned off."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--window-size={width},{height}",
        f"--user-data-dir={tempfile.mkdtemp(prefix='maxent-chromium-')}",
    ):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--page", required=True, type=Path)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--dark", action="store_true", help="switch to the dark theme first")
    args = ap.parse_args()
    from selenium.webdriver.common.by import By

    args.out.mkdir(parents=True, exist_ok=True)
    drv = browser()
    try:
        drv.get(args.page.resolve().as_uri())
        if args.dark:
            drv.find_element(By.ID, "theme").click()
        for name in PANELS:
            section = drv.find_element(By.ID, name)
            drv.execute_script("arguments[0].scrollIntoView()", section)
            path = args.out / f"{name}{'-dark' if args.dark else ''}.png"
            section.screenshot(str(path))
            print(path)
        errors = [e for e in drv.get_log("browser") if e["level"] == "SEVERE"]
        if errors:
            raise SystemExit(f"the page logged errors: {errors}")
    finally:
        drv.quit()


if __name__ == "__main__":
    main()
