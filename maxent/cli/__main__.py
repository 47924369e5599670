"""``python -m maxent.cli``: the command line."""

from maxent.cli import main

main()
