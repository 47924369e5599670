"""Shared command-line handling for the scripted studies."""

import argparse
import json
from pathlib import Path

import maxent


def parser(doc: str, out: str) -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--seed", type=int, default=2026, help="root seed (default 2026)")
    ap.add_argument("--out", type=Path, default=Path("out") / out, help="output directory")
    ap.add_argument("--quick", action="store_true", help="a smaller, faster version")
    ap.add_argument(
        "--format", default="png", choices=["png", "svg", "pdf"], help="figure format (default png)"
    )
    ap.add_argument("--dpi", type=float, default=None, help="PNG resolution (default 150)")
    return ap


_SETTINGS = {"dpi": None}


def prepare(args) -> Path:
    """Create the output directory and remember the figure settings."""
    args.out.mkdir(parents=True, exist_ok=True)
    _SETTINGS["dpi"] = args.dpi
    return args.out


def write_json(path: Path, obj) -> None:
    from maxent._util.format import jsonable

    path.write_text(json.dumps(jsonable(obj), indent=1))
    print(f"wrote {path}")


def write_csv(path: Path, rows: list[dict]) -> None:
    import csv

    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {path}")


def save(fig, path: Path) -> None:
    maxent.save_figure(fig, path, dpi=_SETTINGS["dpi"])
    print(f"wrote {path}")
