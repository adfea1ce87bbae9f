"""MinHash signatures of every row of a CSR matrix, bit-compatible with datasketch.

Row ``i``'s set is its column ids (plus ``i`` itself when ``include_self``); its
signature is what :class:`datasketch.MinHash` gives for that set with the same
``num_perm``, ``seed`` and ``scheme`` and the identity as hash function::

    m = MinHash(num_perm, seed=seed, scheme=scheme, hashfunc=int)
    for column in row_set:
        m.update(column)

datasketch pre-mixes every element with the MurmurHash3 finalizer before its
affine permutations (the ``affine32``/``affine64`` schemes of datasketch 2.x),
which is what makes the identity hash safe for sequential integer ids. We reuse
datasketch's permutation parameters and its finalizer, and only move the
per-element loop into one parallel Numba kernel, so a signature can be wrapped
in :class:`datasketch.LeanMinHash` and handed to any datasketch index.

References
----------
A. Z. Broder, "On the resemblance and containment of documents", 1997.
"""

from __future__ import annotations

import itertools

import numpy as np
from datasketch import LeanMinHash, MinHash
from datasketch.minhash import _fmix
from numba import njit, prange

from checks import check_seed
from checks.twins import serial_and_parallel

SCHEMES = {"affine32": (np.uint32, 32), "affine64": (np.uint64, 64)}


def minhash_signatures(
    indptr: np.ndarray,
    indices: np.ndarray,
    num_perm: int = 128,
    seed: int = 1,
    include_self: bool = True,
    *,
    scheme: str = "affine32",
    device: str = "cpu",
    first_row: int = 0,
    order: str = "C",
    progress=None,
) -> np.ndarray:
    """MinHash signature of each row's set of column ids, one row per CSR row.

    Parameters
    ----------
    indptr, indices : ndarray
        A CSR structure (``indptr`` of length ``n + 1``); values are ignored.
    num_perm : int
        Signature length (number of permutations), at least 1.
    seed : int
        Seed of the permutations, as in :class:`datasketch.MinHash`.
    include_self : bool
        Add row ``i`` to its own set (closed neighbourhoods). Without it an
        empty row gets the empty signature (every value at the maximum),
        which datasketch treats as similar to nothing.
    scheme : {"affine32", "affine64"}
        datasketch's permutation scheme; ``affine32`` (its default) stores
        4-byte values.
    device : {"cpu", "gpu"}
        ``"gpu"`` runs the CUDA twin of the kernel (needs the ``gpu`` extra and
        a GPU, or numba's CUDA simulator); the result is a NumPy array either way.
    first_row : int
        Id of the first row when ``indptr`` is a slice ``indptr[a:b + 1]`` of a
        larger matrix (``include_self`` adds that id), so that row blocks can be
        signed apart and stacked.
    order : {"C", "F"}
        Memory layout of the result, as NumPy names it: ``"C"`` keeps each
        signature contiguous, ``"F"`` each permutation's values (a column of the
        result), the layout in which :class:`sketches.lsh.MinHashLSH` sorts its
        bands without copying them. The same values either way; the CPU writes
        ``"F"`` directly, the GPU transposes its result before copying it back.
    progress : callable, optional
        ``progress(done, n)`` with the rows signed so far: the rows are then
        signed in :data:`PROGRESS_BLOCKS` blocks of about equal work (the same
        signatures). On the GPU it is called once, at the end.

    Returns
    -------
    ndarray of shape (n, num_perm), uint32 or uint64

    Examples
    --------
    >>> from datasketch import MinHash
    >>> indptr, indices = np.array([0, 2, 3]), np.array([1, 2, 0])
    >>> signatures = minhash_signatures(indptr, indices, num_perm=16, include_self=False)
    >>> reference = MinHash(16, seed=1, hashfunc=int)
    >>> reference.update_batch([1, 2])
    >>> bool((signatures[0] == reference.hashvalues).all())
    True
    """
    num_perm = _check_num_perm(num_perm)
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {', '.join(map(repr, SCHEMES))}; got {scheme!r}")
    indptr = np.asarray(indptr)
    indices = np.asarray(indices)
    if indptr.ndim != 1 or indptr.size == 0:
        raise ValueError("indptr must be a 1-d array of length n + 1")
    n = indptr.size - 1
    if indices.size and indices.min() < 0:
        raise ValueError("indices must be non-negative column ids")
    dtype, width = SCHEMES[scheme]
    a, b = permutations(num_perm, seed, scheme)
    first_row = int(first_row)
    if first_row < 0:
        raise ValueError(f"first_row must be >= 0; got {first_row}")
    n_columns = max(first_row + n, int(indices.max()) + 1 if indices.size else 0)
    element_hash = _fmix(np.arange(n_columns, dtype=dtype), width)
    if device not in ("cpu", "gpu"):
        raise ValueError(f"device must be 'cpu' or 'gpu'; got {device!r}")
    if order not in ("C", "F"):
        raise ValueError(f"order must be 'C' or 'F'; got {order!r}")
    if device == "gpu":
        from sketches import _minhash_gpu

        out = _minhash_gpu.row_signatures(
            indptr, indices, element_hash, a, b, include_self, first_row, dtype, order=order
        )
        if progress is not None:
            progress(n, n)
        return out
    columns = order == "F"
    # "F" is the transpose of a C array of one row per permutation, which the
    # kernel fills a column (node) at a time.
    out = np.empty((num_perm, n) if columns else (n, num_perm), dtype=dtype)
    # Serial for a small graph: rows are independent, so the same signatures, and the
    # parallel twin is never compiled for it (issue #22).
    kernel = _row_signatures.for_work(n + indices.shape[0])
    blocks = [0, n] if progress is None else _work_blocks(indptr, PROGRESS_BLOCKS)
    for lo, hi in itertools.pairwise(blocks):
        kernel(
            indptr[lo : hi + 1],
            indices,
            element_hash,
            a,
            b,
            bool(include_self),
            first_row + lo,
            out,
            lo,
            columns,
        )
        if progress is not None:
            progress(hi, n)
    return out.T if columns else out


#: Blocks of rows signed one after another when progress is reported.
PROGRESS_BLOCKS = 16


def _work_blocks(indptr: np.ndarray, blocks: int) -> list[int]:
    """Row boundaries ``0 = r0 < ... = n`` cutting rows plus entries into about equal parts."""
    n = len(indptr) - 1
    work = np.arange(n + 1) + (indptr - indptr[0])
    cuts = np.searchsorted(work, np.linspace(0, work[-1], blocks + 1)[1:-1])
    return sorted({0, n, *cuts.tolist()})


def permutations(num_perm: int, seed: int, scheme: str = "affine32") -> np.ndarray:
    """datasketch's permutation parameters ``(a, b)`` for this ``num_perm`` and ``seed``."""
    return MinHash(num_perm=num_perm, seed=check_seed(seed), scheme=scheme).permutations


def lean_minhash(signature: np.ndarray, seed: int = 1, scheme: str = "affine32") -> LeanMinHash:
    """Wrap one signature as a :class:`datasketch.LeanMinHash` for datasketch's indexes."""
    return LeanMinHash(seed=check_seed(seed), hashvalues=signature, scheme=scheme)


def estimated_jaccard(signature: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Fraction of equal values between ``signature`` and each row of ``others``.

    >>> estimated_jaccard(np.array([1, 2, 3, 4]), np.array([[1, 2, 0, 0], [1, 2, 3, 4]]))
    array([0.5, 1. ])
    """
    return (np.asarray(others) == np.asarray(signature)).mean(axis=-1)


def _check_num_perm(num_perm) -> int:
    if isinstance(num_perm, bool) or not isinstance(num_perm, (int, np.integer)) or num_perm < 1:
        raise ValueError(f"num_perm must be an integer >= 1; got {num_perm!r}")
    return int(num_perm)


#: Rows a worker signs before writing them out in columns (``order="F"``): 64 values
#: of 4 bytes are four whole cache lines of each column, and the tile (32 KiB at
#: 128 permutations of 32 bits) is still in the core's cache when it is transposed.
TILE_ROWS = 64


@serial_and_parallel
def _row_signatures(
    indptr, indices, element_hash, a, b, include_self, first_row, out, done, columns
):
    # Row ``row`` of ``indptr`` goes to row ``done + row`` of ``out``, or to that
    # column where ``columns`` (``out`` is then num_perm x n; see minhash_signatures).
    # A tile of rows is signed before it is written out, so that its columns are
    # written a few whole cache lines at a time.
    n_rows, num_perm = len(indptr) - 1, len(a)
    for tile_start in prange((n_rows + TILE_ROWS - 1) // TILE_ROWS):
        lo = tile_start * TILE_ROWS
        hi = min(lo + TILE_ROWS, n_rows)
        tile = np.empty((TILE_ROWS, num_perm), dtype=out.dtype)
        for row in range(lo, hi):
            best = tile[row - lo] if columns else out[done + row]
            elements = indices[indptr[row] : indptr[row + 1]]
            own = first_row + row if include_self else -1
            if out.itemsize == 4:
                _min_hashes_32(best, elements, own, element_hash, a, b)
            else:
                _min_hashes_64(best, elements, own, element_hash, a, b)
        if columns:
            for k in range(num_perm):
                for row in range(lo, hi):
                    out[k, done + row] = tile[row - lo, k]


@njit(cache=True, inline="always")
def _min_hashes_32(best, elements, own, element_hash, a, b):
    # Permutations innermost: a, b and the running minimum are contiguous, so
    # the multiply-add-min loop vectorises. Truncating to uint32 before the
    # minimum is datasketch's arithmetic mod 2**32, and lets LLVM use 32-bit
    # lanes. Four elements per pass over the row's minimum halve its loads and
    # stores (about 2x on a million rows of 20 elements).
    num_perm = len(a)
    best[:] = np.uint32(0xFFFFFFFF)
    if own >= 0:
        value = element_hash[own]
        for k in range(num_perm):
            best[k] = min(best[k], np.uint32(a[k] * value + b[k]))
    position, stop = 0, len(elements)
    while position + 4 <= stop:
        h0 = element_hash[elements[position]]
        h1 = element_hash[elements[position + 1]]
        h2 = element_hash[elements[position + 2]]
        h3 = element_hash[elements[position + 3]]
        for k in range(num_perm):
            first = min(np.uint32(a[k] * h0 + b[k]), np.uint32(a[k] * h1 + b[k]))
            second = min(np.uint32(a[k] * h2 + b[k]), np.uint32(a[k] * h3 + b[k]))
            best[k] = min(best[k], min(first, second))
        position += 4
    while position < stop:
        value = element_hash[elements[position]]
        for k in range(num_perm):
            best[k] = min(best[k], np.uint32(a[k] * value + b[k]))
        position += 1


@njit(cache=True, inline="always")
def _min_hashes_64(best, elements, own, element_hash, a, b):
    # _min_hashes_32 for affine64: uint64 arithmetic wraps mod 2**64.
    best[:] = np.uint64(0xFFFFFFFFFFFFFFFF)
    if own >= 0:
        value = element_hash[own]
        for k in range(len(a)):
            best[k] = min(best[k], a[k] * value + b[k])
    for element in elements:
        value = element_hash[element]
        for k in range(len(a)):
            best[k] = min(best[k], a[k] * value + b[k])
