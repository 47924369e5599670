"""_optimize: see docs/architecture.md."""
