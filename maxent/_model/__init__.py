"""_model: see docs/architecture.md."""
