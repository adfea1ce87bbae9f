"""Choosing where heavy work runs: ``device="auto" | "cpu" | "gpu"``.

CuPy is optional: importing the engine never needs it. The GPU probe runs
once per process and remembers why a GPU is unavailable, so the error can say so.
"""

from __future__ import annotations

import functools

from checks import check_choice

DEVICES = ("auto", "cpu", "gpu")


class DeviceUnavailableError(RuntimeError):
    """``device="gpu"`` was asked for on a machine without a usable GPU."""


@functools.cache
def gpu_status() -> tuple[bool, str]:
    """``(available, reason)``: whether CuPy finds a CUDA device, and why not when it does not."""
    try:
        import cupy
    except ImportError:
        return False, "CuPy is not installed (pip install 'graph-workbench[gpu]')"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as error:  # CUDA driver or runtime missing
        return False, f"CuPy found no CUDA driver ({error})"
    if count == 0:
        return False, "CuPy found no CUDA device"
    return True, f"{count} CUDA device(s)"


def resolve_device(device: str) -> str:
    """``"cpu"`` or ``"gpu"`` for a requested device; DeviceUnavailableError for a missing GPU.

    >>> resolve_device("cpu")
    'cpu'
    """
    check_choice("device", device, DEVICES)
    available, reason = gpu_status()
    if device == "auto":
        return "gpu" if available else "cpu"
    if device == "gpu" and not available:
        raise DeviceUnavailableError(f"device='gpu' asked for, but {reason}; use device='cpu'")
    return device
