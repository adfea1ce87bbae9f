"""The band sort is ``np.lexsort((tails, heads))``, on keys chosen to break radix sorts.

Signatures are built so that their band keys are given ``(heads, tails)``:

- 64-bit values, two a band: head = first value, tail = second (the three-array
  sort, :func:`sketches.lsh_kernels.sort_band` with a spare order);
- 32-bit values, three a band: head = first two packed, tail = third (the tail
  packed beside the row id, :func:`sketches.lsh_kernels.sort_band` without one);
- 32-bit values, two a band: head = both packed, no tail (packed too).
"""

import numpy as np
import pytest

from sketches import lsh_kernels
from sketches.lsh import _sort_bands

rng = np.random.default_rng(28)
TOP64 = np.iinfo(np.uint64).max
TOP32 = np.iinfo(np.uint32).max


def random_u64(n, top=TOP64):
    return rng.integers(0, top, n, dtype=np.uint64, endpoint=True)


def key_cases():
    """``name -> (heads, tails)``, 64-bit each."""
    cases = {
        "empty": (np.empty(0, np.uint64), np.empty(0, np.uint64)),
        "one row": (np.array([7], np.uint64), np.array([3], np.uint64)),
        "two equal rows": (np.array([5, 5], np.uint64), np.array([9, 9], np.uint64)),
        "random": (random_u64(5000), random_u64(5000)),
        "all heads equal": (np.full(3000, 123456789, np.uint64), random_u64(3000)),
        "all keys equal": (np.full(2000, TOP64, np.uint64), np.full(2000, TOP64, np.uint64)),
        "few values, many duplicates": (random_u64(4000, 2), random_u64(4000, 2)),
        "heads differ in the lowest bit": (
            np.uint64(1 << 40) + random_u64(3000, 1),
            random_u64(3000, 3),
        ),
        "descending": (np.arange(3000, 0, -1).astype(np.uint64), np.zeros(3000, np.uint64)),
        "one bucket over SMALL": (random_u64(lsh_kernels.SMALL + 1, 3), random_u64(33)),
    }
    # A pile: most rows share one head (every neighbour of the node with the least
    # hash shares its value), the rest spread; tails piled too.
    heads, tails = random_u64(6000), random_u64(6000, 50)
    heads[rng.random(6000) < 0.7] = np.uint64(2**63 + 11)
    cases["pile of one head"] = (heads, tails)
    # Values at the top of the range (MinHash's empty set) beside small ones.
    heads = np.where(rng.random(3000) < 0.5, TOP64, random_u64(3000, 1000)).astype(np.uint64)
    cases["maximum and small heads"] = (heads, random_u64(3000, 4))
    # A dense graph's first values are the least of thousands of hashes: their top
    # bits are all zero, and the first pass must split on the bits below.
    cases["small first values"] = (random_u64(5000, 2**56) << np.uint64(2), random_u64(5000))
    return cases


CASES = key_cases()


def signatures_for(heads, tails, layout):
    """Signatures of one band per layout whose band keys are ``(heads, tails)``, the
    keys cut to what the layout holds, and the band's ``(rows, pack)``."""
    if layout == "64-bit, tail":
        return np.stack([heads, tails], axis=1), heads, tails, 2, 1
    first, second = heads >> np.uint64(32), heads & np.uint64(TOP32)
    if layout == "32-bit, tail packed":
        tails = tails & np.uint64(TOP32)
        values = np.stack([first, second, tails], axis=1).astype(np.uint32)
        return values, heads, tails, 3, 2
    values = np.stack([first, second], axis=1).astype(np.uint32)  # no tail
    return values, heads, np.zeros_like(tails), 2, 2


@pytest.mark.parametrize("layout", ["64-bit, tail", "32-bit, tail packed", "32-bit, no tail"])
@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("parallel", [False, True])
@pytest.mark.parametrize("order", ["C", "F"])
def test_band_sort_is_the_lexsort_of_the_keys(case, layout, parallel, order, monkeypatch):
    """Row-major signatures (copied into columns) and Fortran-ordered ones (sorted
    where they lie) give np.lexsort's order."""
    from checks import twins

    if parallel:
        monkeypatch.setattr(twins, "PARALLEL_FROM_WORK", 0)
    values, heads, tails, rows, pack = signatures_for(*CASES[case], layout)
    # Three bands: the same keys, reversed, and shuffled rows (each its own order).
    flip = rng.permutation(len(values))
    signatures = np.hstack([values, values[::-1], values[flip]])
    signatures = np.asfortranarray(signatures) if order == "F" else np.ascontiguousarray(signatures)
    orders = np.full((3, len(values)), -1, dtype=np.int32)
    _sort_bands(signatures, rows, pack, orders)
    for band, index in enumerate([np.arange(len(values)), np.arange(len(values))[::-1], flip]):
        expected = np.lexsort((tails[index], heads[index]))
        np.testing.assert_array_equal(orders[band], expected, err_msg=f"band {band}")


def test_packed_path_is_taken_where_the_tail_fits_beside_the_row():
    packs = lsh_kernels.packs_tail_with_row
    assert packs(3, 2, 4, 1000) and packs(2, 2, 4, 1000) and packs(1, 2, 8, 1000)
    assert not packs(2, 1, 8, 1000)  # a 64-bit tail
    assert not packs(4, 2, 4, 1000)  # a hashed tail
    assert not packs(3, 2, 4, 2**31)  # row ids past 32 bits
