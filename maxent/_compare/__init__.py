"""_compare: see docs/architecture.md."""
