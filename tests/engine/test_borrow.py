"""engine._kernels.borrow: a borrowed array is the same memory, without a reference count."""

import sys

import numpy as np
from numba import njit

from engine._kernels.borrow import borrowed


@njit(inline="always")
def _add_one(values, i):
    values[i] += 1.0


@njit
def _add_one_everywhere(values):
    view = borrowed(values)
    for i in range(view.shape[0]):
        _add_one(view, i)
    return view.sum()


@njit
def _meminfo_is_kept(values):
    # A borrowed view read in a loop must not free or count the original.
    total = 0.0
    for _ in range(3):
        total += borrowed(values)[0]
    return total


def test_a_borrowed_array_reads_and_writes_the_original():
    values = np.arange(5, dtype=np.float64)
    assert _add_one_everywhere(values) == float(np.arange(1, 6).sum())
    np.testing.assert_array_equal(values, np.arange(1, 6))


def test_borrowing_leaves_the_reference_count_alone():
    values = np.ones(4)
    _meminfo_is_kept(values)
    before = sys.getrefcount(values)
    for _ in range(100):
        assert _meminfo_is_kept(values) == 3.0
    assert sys.getrefcount(values) == before


def test_a_two_dimensional_array_keeps_its_shape_and_strides():
    values = np.arange(12, dtype=np.int64).reshape(3, 4)[:, ::2]

    @njit
    def read(values):
        view = borrowed(values)
        return view.shape[0], view.shape[1], view[2, 1]

    assert read(values) == (3, 2, values[2, 1])
