"""Compiling one kernel source as a serial and a parallel twin, each with its own cache.

Numba names a kernel's cache files after the function's qualified name and
line, so two ``njit`` variants of one Python function (``parallel=True`` and
not) share an index and overwrite each other's entries: a process could load
the serial machine code for the parallel twin. Each twin here is compiled from
a copy of the function that carries its own name.
"""

from __future__ import annotations

import types
from collections.abc import Callable

from numba import njit


def serial_and_parallel(function: Callable, *, nogil: bool = False) -> tuple[Callable, Callable]:
    """``(serial, parallel)`` njit kernels of ``function``; ``prange`` is ``range`` in the first.

    With ``nogil`` the serial twin releases the GIL, for callers that run one per
    thread (a batch of queries on every core).
    """
    return (
        njit(cache=True, nogil=nogil)(_renamed(function, "serial")),
        njit(parallel=True, cache=True)(_renamed(function, "parallel")),
    )


def _renamed(function: Callable, suffix: str) -> Callable:
    copy = types.FunctionType(
        function.__code__,
        function.__globals__,
        f"{function.__name__}_{suffix}",
        function.__defaults__,
        function.__closure__,
    )
    copy.__qualname__ = f"{function.__qualname__}_{suffix}"
    copy.__doc__ = function.__doc__
    copy.__module__ = function.__module__
    return copy
