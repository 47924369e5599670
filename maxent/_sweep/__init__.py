"""_sweep: see docs/architecture.md."""
