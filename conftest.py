"""Test-run options for the whole repository (the suite and the doctests)."""


def pytest_addoption(parser):
    """Add ``--slow``."""
    parser.addoption(
        "--slow",
        action="store_true",
        help="also run the tests marked slow (CI and the README's test command do)",
    )


def pytest_collection_modifyitems(config, items):
    """Leave out the tests marked slow unless ``--slow`` (or an explicit ``-m``) is given."""
    if config.getoption("--slow") or config.getoption("-m"):
        return
    keep, skipped = [], []
    for item in items:
        (skipped if item.get_closest_marker("slow") else keep).append(item)
    if skipped:
        config.hook.pytest_deselected(items=skipped)
        items[:] = keep
