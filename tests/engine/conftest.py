"""Fixtures the engine's tests share."""

import numba
import pytest


@pytest.fixture
def one_thread():
    """One Numba thread: CPU time is then the wall time of an unloaded machine."""
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    yield
    numba.set_num_threads(threads)
