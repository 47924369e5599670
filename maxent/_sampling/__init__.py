"""_sampling: see docs/architecture.md."""
