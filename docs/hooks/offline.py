"""MkDocs hook: a site that loads nothing from other hosts.

MathJax 3 is served from the site itself, so that no page loads math from a CDN, and the
notebooks, when the build executes them, show static output (``MAXENT_NOTEBOOK_STATIC``),
so that no page needs the ipywidgets JavaScript from a CDN either.

The MathJax files come from the PyPI package ``django-static-mathjax`` (MathJax 3.2.2,
Apache-2.0; it installs the plain files under ``mathjax/static/mathjax`` and needs no
Django). They are added to the build as generated files under ``javascripts/mathjax/``:
the combined TeX + MathML + CHTML component, its web fonts, the TeX extensions it can
autoload, the menu and the accessibility components (the speech engine is left out).
"""

from __future__ import annotations

import os
from pathlib import Path

from mkdocs.structure.files import File

#: Where the files go inside the site.
TARGET = "javascripts/mathjax"
#: What is copied, relative to MathJax's es5/ folder.
PARTS = (
    "tex-mml-chtml.js",
    "output/chtml/fonts/woff-v2",
    "input/tex/extensions",
    "ui",
    "a11y",
)


def mathjax_root() -> Path:
    """MathJax's ``es5`` folder inside the installed package."""
    try:
        import mathjax
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError(
            "offline MathJax needs the docs extra: pip install 'maxent[docs]' "
            "(it brings django-static-mathjax, which ships MathJax 3)"
        ) from exc
    return Path(mathjax.__file__).resolve().parent / "static" / "mathjax" / "es5"


def on_config(config):
    """Make executed notebooks skip their widgets (static figures only)."""
    os.environ.setdefault("MAXENT_NOTEBOOK_STATIC", "1")  # inherited by notebook kernels
    return config


def on_files(files, config):
    """Add the MathJax files to the site as generated files."""
    root = mathjax_root()
    sources = [root.parent / "LICENSE"]
    for part in PARTS:
        path = root / part
        sources += sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for src in sources:
        rel = src.relative_to(root) if src.is_relative_to(root) else Path(src.name)
        uri = f"{TARGET}/{rel.as_posix()}"
        files.append(File.generated(config, uri, abs_src_path=str(src)))
    return files
