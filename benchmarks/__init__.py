"""Benchmarks and measurement scripts of the stance package (run from the repository root: python -m benchmarks.NAME)."""
