"""_plotting: see docs/architecture.md."""
