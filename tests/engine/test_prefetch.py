"""engine._kernels.prefetch: a hint that changes no result, whatever the index."""

import numpy as np
from numba import njit

from engine._kernels.prefetch import prefetch


@njit
def _gather_with_hints(values, ids, ahead):
    total = values.dtype.type(0)
    for i in range(ids.shape[0]):
        # the hint for a later read, as the walk runner gives it
        prefetch(values, ids[min(i + ahead, ids.shape[0] - 1)])
        total += values[ids[i]]
    return total


def test_prefetching_changes_nothing():
    rng = np.random.default_rng(0)
    for dtype in (np.int64, np.uint32, np.float32):
        values = rng.integers(0, 100, 100_000).astype(dtype)
        ids = rng.integers(0, values.shape[0], 5_000)
        for ahead in (0, 7):
            assert _gather_with_hints(values, ids, ahead) == values[ids].sum(dtype=values.dtype)


def test_the_hint_reaches_the_machine_code():
    values = np.arange(10.0)
    ids = np.arange(10)
    _gather_with_hints(values, ids, 1)
    code = "\n".join(_gather_with_hints.inspect_asm().values())
    assert "prefetch" in code
