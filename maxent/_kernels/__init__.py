"""Numba kernels: plain arrays in, plain arrays out, no validation.

The public API in ``maxent`` validates inputs, allocates outputs and handles random
streams; the functions here only run loops. Nothing in this package is public.
"""
