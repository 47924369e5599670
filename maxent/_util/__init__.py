"""_util: see docs/architecture.md."""
