"""MkDocs hook: the live lecture page (``maxent explore``) as a file of the site.

The page is built at its defaults when the site is built (a few seconds) and added as
``explore/lecture.html``; ``docs/explore.md`` embeds it in an iframe and links it, so
that the site carries the same offline page a lecturer writes with ``maxent explore``.
"""

from __future__ import annotations

from mkdocs.structure.files import File

#: Where the page goes inside the site.
TARGET = "explore/lecture.html"


def on_files(files, config):
    """Build the default page and add it to the site."""
    import maxent

    page = maxent.explore()
    files.append(File.generated(config, TARGET, content=page.html))
    return files
