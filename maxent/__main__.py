"""``python -m maxent``: the command line."""

from maxent.cli import main

main()
