"""Compiling one kernel source as a serial and a parallel twin, each with its own cache.

In ``checks``, the bottom layer, because ``loaders``, ``sketches`` and ``engine``
all compile twins and ``loaders`` and ``sketches`` may not import each other.

Numba names a kernel's cache files after the function's qualified name and
line, so two ``njit`` variants of one Python function (``parallel=True`` and
not) share an index and overwrite each other's entries: a process could load
the serial machine code for the parallel twin. Each twin here is compiled from
a copy of the function that carries its own name.

Twins compile lazily, each at its first call, and a parallel twin costs two to
three times its serial one to compile (Numba's parfor passes, then a gufunc per
loop: 3.1 s against 1.4 s for the hybrid PPR's walk kernel). So a small graph,
whose kernels run serial anyway, never pays for the parallel twin (issue #22).
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NamedTuple

import numba
from numba import njit

#: Work (nodes plus stored edges) below which a kernel with twins runs serial: a
#: parallel region costs a thread wake-up and a barrier (tens of microseconds,
#: a scheduler slice when another process holds a core), which no graph this
#: small wins back, and the parallel twin's compile (seconds) is never paid.
PARALLEL_FROM_WORK = 1 << 16


class Twins(NamedTuple):
    """The ``(serial, parallel)`` njit kernels of one source.

    Unpacks as a pair; called directly, runs the serial twin when Numba has one
    thread to run on (``numba.set_num_threads(1)``, as the graphlet counters set
    for small graphs) and the parallel one otherwise.
    """

    serial: Callable
    parallel: Callable

    def __call__(self, *args):
        twin = self.serial if numba.get_num_threads() == 1 else self.parallel
        return twin(*args)

    def for_work(self, work: int) -> Callable:
        """The twin for ``work`` nodes plus edges (:func:`runs_serial`)."""
        return self.serial if runs_serial(work) else self.parallel


def serial_and_parallel(function: Callable | None = None, *, nogil: bool = False):
    """:class:`Twins` of ``function``: njit kernels where ``prange`` is ``range`` in the first.

    With ``nogil`` the serial twin releases the GIL, for callers that run one per
    thread (a batch of queries on every core). Usable as a decorator, bare or
    with ``nogil``.
    """
    if function is None:
        return lambda function: serial_and_parallel(function, nogil=nogil)
    return Twins(
        njit(cache=True, nogil=nogil)(_renamed(function, "serial")),
        njit(parallel=True, cache=True)(_renamed(function, "parallel")),
    )


def runs_serial(work: int) -> bool:
    """Whether a kernel over ``work`` nodes plus edges runs its serial twin
    (below :data:`PARALLEL_FROM_WORK`, or with one Numba thread)."""
    return work < PARALLEL_FROM_WORK or numba.get_num_threads() == 1


@contextmanager
def serial_below(work: int) -> Iterator[None]:
    """One Numba thread, so :class:`Twins` run serial, while ``work`` is below
    :data:`PARALLEL_FROM_WORK`. Numba's thread count is per Python thread, so
    another thread's kernels keep theirs.

    >>> with serial_below(10):
    ...     numba.get_num_threads()
    1
    """
    with one_thread(work < PARALLEL_FROM_WORK):
        yield


@contextmanager
def one_thread(when: bool = True) -> Iterator[None]:
    """One Numba thread inside the block when ``when`` holds, the caller's count after.

    Numba's thread count is per Python thread, so another thread's kernels keep theirs.

    >>> before = numba.get_num_threads()
    >>> with one_thread():
    ...     numba.get_num_threads()
    1
    >>> numba.get_num_threads() == before
    True
    """
    threads = numba.get_num_threads()
    if not when or threads == 1:
        yield
        return
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(threads)


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
