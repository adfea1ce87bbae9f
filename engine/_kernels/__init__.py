"""Numba kernels, one module per capability, taking raw arrays; validation lives in the callers."""
