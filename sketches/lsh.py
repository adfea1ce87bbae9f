"""Locality-sensitive hashing over MinHash signatures, built in bulk.

:class:`MinHashLSH` answers the questions datasketch's ``MinHashLSH`` and
``MinHashLSHForest`` answer, over signatures held as one array:

- ``query(signature)``: the keys that agree with it on every value of at least
  one band of ``rows`` values: the candidates of datasketch's ``MinHashLSH``
  with the same ``(bands, rows)``.
- ``query_top(signature, k)``: at least ``k`` keys (when the index holds that
  many), relaxing the match from whole bands to their first two values and then
  their first value until there are enough, as ``MinHashLSHForest`` shortens
  its prefixes.

datasketch inserts one key at a time into Python dicts (about 10 s for 100k
keys). Here each band is sorted by an MSD radix sort of its packed band keys
(:mod:`sketches.lsh_kernels`), groups of bands in parallel, and a query is a
binary search per band. The sorted order is the whole index: no band values are
stored beside the signatures.

A band of ``r`` values is ordered by ``(first two values packed in 64 bits,
a 64-bit hash of the rest)``, ties by key. Two bands with equal values are
therefore always neighbours; two different bands share a slot only when their
remaining values collide in 64 bits (probability about ``n**2 / 2**65`` per band).

References
----------
J. Leskovec, A. Rajaraman, J. Ullman, *Mining of Massive Datasets*, ch. 3.
M. Bawa, T. Condie, P. Ganesan, "LSH Forest: self-tuning indexes for similarity
search", WWW 2005.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numba
import numpy as np
from numba import njit

from checks import check_seed
from sketches import lsh_kernels
from sketches.bundle import open_bundle
from sketches.lsh_kernels import column_key
from sketches.minhash import SCHEMES, lean_minhash

FORMAT_VERSION = 1
#: Longest signature a saved bundle may declare.
MAX_NUM_PERM = 1 << 20


def datasketch_banding(
    threshold: float, num_perm: int, weights: tuple[float, float] = (0.5, 0.5)
) -> tuple[int, int]:
    """``(bands, rows)`` as datasketch's ``MinHashLSH`` picks them for ``threshold``.

    >>> datasketch_banding(0.5, 128)
    (25, 5)
    """
    from datasketch.lsh import _optimal_param

    _check_threshold(threshold)
    return tuple(_optimal_param(threshold, num_perm, weights[0], weights[1]))


def recall_banding(threshold: float, num_perm: int, recall: float = 0.95) -> tuple[int, int]:
    """The ``(bands, rows)`` with the most rows whose chance of finding a pair at
    Jaccard ``threshold`` is at least ``recall``; pairs above it are found more often.

    A pair of Jaccard ``J`` shares a band with probability ``1 - (1 - J**r)**b``.
    datasketch's default weighs false positives and negatives equally and finds
    about half the pairs at the threshold (``(25, 5)`` at 0.5 finds 55%). Here
    false positives are cheap, because every candidate is re-ranked by its exact
    Jaccard, so recall comes first and the most rows that still meet it keep the
    candidate lists short.

    >>> recall_banding(0.5, 128)
    (42, 3)
    >>> bands, rows = recall_banding(0.5, 128)
    >>> round(1 - (1 - 0.5**rows) ** bands, 3)
    0.996
    """
    _check_threshold(threshold)
    if not 0.0 < recall < 1.0:
        raise ValueError(f"recall must be in (0, 1); got {recall!r}")
    best = (num_perm, 1)
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        if 1.0 - (1.0 - threshold**rows) ** bands >= recall:
            best = (bands, rows)
    return best


class MinHashLSH:
    """A banded LSH index over an array of MinHash signatures.

    Parameters
    ----------
    threshold : float in (0, 1)
        Jaccard threshold used to choose the banding (as datasketch does).
    num_perm : int
        Signature length.
    weights : (float, float)
        datasketch's false-positive and false-negative weights for the banding.
    params : (bands, rows), optional
        Explicit banding; overrides ``threshold`` and ``weights``.
    seed, scheme :
        Of the signatures (for :meth:`to_datasketch` and :meth:`save`).

    Examples
    --------
    >>> from sketches.minhash import minhash_signatures
    >>> indptr, indices = np.array([0, 2, 4, 6]), np.array([1, 2, 1, 2, 0, 1])
    >>> signatures = minhash_signatures(indptr, indices, num_perm=32, include_self=False)
    >>> index = MinHashLSH(threshold=0.5, num_perm=32)
    >>> index.insert(np.array([10, 11, 12]), signatures)
    >>> index.query(signatures[0]).tolist()  # rows 0 and 1 hold the same set
    [10, 11]
    """

    def __init__(
        self,
        threshold: float = 0.5,
        num_perm: int = 128,
        weights: tuple[float, float] = (0.5, 0.5),
        params: tuple[int, int] | None = None,
        *,
        seed: int = 1,
        scheme: str = "affine32",
    ):
        if scheme not in SCHEMES:
            raise ValueError(f"scheme must be one of {', '.join(map(repr, SCHEMES))}")
        self.threshold = _check_threshold(threshold)
        self.num_perm = int(num_perm)
        if params is None:
            params = datasketch_banding(threshold, num_perm, weights)
        bands, rows = (int(p) for p in params)
        if bands < 1 or rows < 1 or bands * rows > num_perm:
            raise ValueError(
                f"params (bands, rows) must be positive with bands * rows <= num_perm "
                f"({num_perm}); got {params!r}"
            )
        self.bands, self.rows = bands, rows
        self.seed, self.scheme = check_seed(seed), scheme
        self.keys = np.empty(0, dtype=np.int64)
        self.signatures = np.empty((0, num_perm), dtype=SCHEMES[scheme][0])
        self._orders = np.empty((bands, 0), dtype=np.int32)

    def __len__(self) -> int:
        return len(self.keys)

    def __repr__(self) -> str:
        return (
            f"MinHashLSH({len(self)} keys, num_perm={self.num_perm}, "
            f"bands={self.bands}, rows={self.rows})"
        )

    def insert(self, keys: np.ndarray, signatures: np.ndarray, *, progress=None) -> None:
        """Add ``keys`` (int64) with their signatures (one row each) and re-sort the bands.

        Signatures in Fortran order (``minhash_signatures(..., order="F")``, each
        permutation's values contiguous) are kept as they are and sorted without
        a copy; any other layout is held C-contiguous and copied into columns a
        few bands at a time. The orders are the same. ``progress(done, total)``,
        when given, is called with the bands sorted so far, a few bands at a time.
        """
        keys = np.asarray(keys, dtype=np.int64).ravel()
        signatures = np.asarray(signatures)
        if signatures.dtype != self.signatures.dtype or not signatures.flags.f_contiguous:
            signatures = np.ascontiguousarray(signatures, dtype=self.signatures.dtype)
        if signatures.ndim != 2 or signatures.shape != (len(keys), self.num_perm):
            raise ValueError(
                f"signatures must have shape ({len(keys)}, {self.num_perm}); got {signatures.shape}"
            )
        if len(self.keys):
            keys = np.concatenate([self.keys, keys])
            signatures = np.concatenate([self.signatures, signatures])
        self.keys, self.signatures = keys, signatures
        order_dtype = np.int32 if len(keys) < 2**31 else np.int64
        self._orders = np.empty((self.bands, len(keys)), dtype=order_dtype)
        _sort_bands(signatures, self.rows, self._pack, self._orders, progress)

    def query(self, signature: np.ndarray) -> np.ndarray:
        """Keys sharing at least one whole band with ``signature`` (sorted)."""
        return self.keys[self._candidates(signature, self.rows)]

    def query_top(self, signature: np.ndarray, k: int) -> np.ndarray:
        """At least ``k`` candidate keys (fewer only if the index is smaller).

        Whole-band matches first; while fewer than ``k``, bands matching on their
        first two values, then on their first value. The result is a candidate
        set, not a ranking: re-rank it by the similarity that matters.
        """
        found = self._candidates(signature, self.rows)
        for prefix in (min(self._pack, self.rows), 1):
            if len(found) >= k or prefix >= self.rows:
                continue
            found = self._candidates(signature, prefix)
        return self.keys[found]

    @property
    def _pack(self) -> int:
        return 2 if self.scheme == "affine32" else 1

    def _candidates(self, signature: np.ndarray, prefix: int) -> np.ndarray:
        signature = np.ascontiguousarray(signature, dtype=self.signatures.dtype)
        if signature.shape != (self.num_perm,):
            raise ValueError(f"signature must have length {self.num_perm}; got {signature.shape}")
        if not len(self.keys):
            return np.empty(0, dtype=np.int64)
        # Both as columns (one signature position a row), whatever the layout.
        rows = _band_matches(
            self.signatures.T, self._orders, signature[:, None], self.rows, self._pack, prefix
        )
        return np.unique(rows)

    def to_datasketch(self, storage_config: dict | None = None, **options):
        """A :class:`datasketch.MinHashLSH` holding the same keys, with the same banding.

        Use it where datasketch's storage is wanted, e.g. Redis::

            index.to_datasketch({"type": "redis", "redis": {"host": "localhost", "port": 6379}})

        ``options`` go to datasketch's constructor (``prepickle``, ...). The
        keys are inserted in one ``insertion_session`` (one Redis pipeline).
        """
        from datasketch import MinHashLSH as DatasketchLSH

        lsh = DatasketchLSH(
            threshold=self.threshold,
            num_perm=self.num_perm,
            params=(self.bands, self.rows),
            storage_config=storage_config,
            **options,
        )
        with lsh.insertion_session() as session:
            for key, signature in zip(self.keys.tolist(), self.signatures):
                session.insert(key, lean_minhash(signature, self.seed, self.scheme))
        return lsh

    def save(self, path: str | os.PathLike, extra: dict | None = None) -> str:
        """Write a versioned bundle (``.npz``: keys, signatures, parameters) atomically.

        ``extra`` is JSON stored beside the parameters and returned by :meth:`load`
        as ``index.extra``; the bands are re-sorted on load rather than stored.
        """
        path = Path(path)
        meta = {
            "format_version": FORMAT_VERSION,
            "threshold": self.threshold,
            "num_perm": self.num_perm,
            "bands": self.bands,
            "rows": self.rows,
            "seed": self.seed,
            "scheme": self.scheme,
            "extra": extra or {},
        }
        handle, temporary = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
        )
        try:
            # mkstemp makes 0600; an index is an output like any other and gets
            # the mode the umask gives (sketches may not use loaders' writer).
            os.fchmod(handle, 0o666 & ~_umask())
            with os.fdopen(handle, "wb") as sink:
                np.savez(
                    sink,
                    keys=self.keys,
                    signatures=self.signatures,
                    meta=np.array(json.dumps(meta)),
                )
                sink.flush()
                os.fsync(sink.fileno())
            os.replace(temporary, path)
        except BaseException:
            if os.path.exists(temporary):
                os.remove(temporary)
            raise
        return str(path)

    @classmethod
    def load(cls, path: str | os.PathLike) -> MinHashLSH:
        """Open a bundle written by :meth:`save` and rebuild the bands.

        Everything is checked before the bands are sorted: the parameters' types
        and ranges, ``keys`` (int64, 1-d) and ``signatures`` (the scheme's dtype,
        one row of ``num_perm`` per key). A damaged or foreign file raises
        :class:`sketches.bundle.IndexFileError` (a ValueError) naming it.
        """
        with open_bundle(path) as bundle:
            meta = bundle.meta()
            version = bundle.integer(meta, "format_version", 0)
            if version > FORMAT_VERSION:
                raise bundle.error(
                    f"LSH bundle format {version} is newer than this gwb reads ({FORMAT_VERSION})"
                )
            threshold = bundle.number(meta, "threshold", 0.0, 1.0)
            # The cap keeps a damaged count from driving the band loops over an
            # empty index for ages; real signatures are hundreds of values long.
            num_perm = bundle.integer(meta, "num_perm", 1, MAX_NUM_PERM)
            bands = bundle.integer(meta, "bands", 1, num_perm)
            rows = bundle.integer(meta, "rows", 1, num_perm // bands)
            seed = bundle.integer(meta, "seed", 0, 2**32 - 1)  # datasketch's range
            scheme = bundle.text(meta, "scheme")
            if scheme not in SCHEMES:
                raise bundle.error(f"meta 'scheme' is {scheme[:40]!r}, not one of {list(SCHEMES)}")
            extra = bundle.mapping(meta, "extra")
            keys = bundle.array("keys", [np.int64], [None])
            signatures = bundle.array("signatures", [SCHEMES[scheme][0]], [len(keys), num_perm])
        index = cls(threshold, num_perm, params=(bands, rows), seed=seed, scheme=scheme)
        index.insert(keys, signatures)
        index.extra = extra
        return index


def _umask() -> int:
    """The process umask (set and restored at once: there is no way only to read it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _check_threshold(threshold: float) -> float:
    if not 0.0 < float(threshold) < 1.0:
        raise ValueError(f"threshold must be in (0, 1); got {threshold!r}")
    return float(threshold)


#: Bytes of the band columns copied at a time from row-major signatures
#: (:func:`_sort_bands`); None: a third of the signatures' size.
COLUMN_BUDGET: int | None = None


def _sort_bands(
    signatures: np.ndarray, rows: int, pack: int, orders: np.ndarray, progress=None
) -> None:
    """Fill ``orders[band]`` with the rows sorted by that band's ``(head, tail)`` key,
    ties by row: ``np.lexsort((tails, heads))`` per band (see :mod:`sketches.lsh_kernels`).

    The bands go in blocks, sorted a band per worker (Numba's threads);
    ``progress(done, bands)`` hears after each block. Fortran-ordered signatures
    are already columns and are sorted where they lie; row-major ones are copied
    into columns a block at a time (:data:`COLUMN_BUDGET`: a third of the
    signatures' size, so a third more memory than they take). Scratch: 36 bytes a
    row per worker, 32 where the tail packs beside the row id; of that, the
    spare half is touched (and paged in) only as far as the largest bucket of
    the first pass.
    """
    n = signatures.shape[0]
    bands = orders.shape[0]
    if bands == 0 or n == 0:
        return
    # Serial for few rows (the same order; no parallel compile, issue #22).
    serial = lsh_kernels.sort_bands.for_work(n) is lsh_kernels.sort_bands.serial
    workers = 1 if serial else max(1, min(numba.get_num_threads(), bands))
    band_bytes = rows * signatures.itemsize * n
    budget = signatures.nbytes // 3 if COLUMN_BUDGET is None else COLUMN_BUDGET
    block = min(bands, max(1, budget // band_bytes))
    if block > workers:
        block -= block % workers  # whole rounds of the workers
    in_columns = signatures.flags.f_contiguous
    columns = signatures.T if in_columns else np.empty((block * rows, n), signatures.dtype)
    # Tail and row in one word where the tail is a 32-bit value or absent: two
    # scratch arrays of keys instead of three (see sketches.lsh_kernels).
    packed = lsh_kernels.packs_tail_with_row(rows, pack, signatures.itemsize, n)
    scratch = [np.empty((workers, n), dtype=np.uint64) for _ in range(4)]
    # The spare order; None is the packed path.
    scratch.append(None if packed else np.empty((workers, n), dtype=orders.dtype))
    counts = np.empty((workers, (1 << lsh_kernels.TOP_DIGIT) + 1), dtype=np.int64)
    bucket_counts = np.empty((workers, (1 << lsh_kernels.BUCKET_DIGIT) + 1), dtype=np.int64)
    # Buckets waiting to be split are disjoint and longer than SMALL rows.
    stack = np.empty((workers, 2 * (n // (lsh_kernels.SMALL + 1) + 2)), dtype=np.int64)
    copy = lsh_kernels.copy_columns.for_work(n)
    sort = lsh_kernels.sort_bands.serial if serial else lsh_kernels.sort_bands.parallel
    for first in range(0, bands, block):
        last = min(first + block, bands)
        if in_columns:
            view = columns[first * rows : last * rows]
        else:
            view = columns[: (last - first) * rows]
            copy(signatures, first * rows, view)
        sort(view, first, last, rows, pack, orders, *scratch, counts, bucket_counts, stack)
        if progress is not None:
            progress(last, bands)


@njit(cache=True)
def _band_matches(columns, orders, query, rows, pack, prefix):
    """Rows whose band agrees with the query's on its first ``prefix`` values, per band.

    ``columns``: the signatures transposed (``columns[k, row]``), ``query`` one
    column (``query[k, 0]``), as :func:`sketches.lsh_kernels.column_key` reads them.

    ``prefix`` is ``rows`` (the whole band), ``2`` (the packed head, when
    ``pack == 2``) or ``1`` (the first value): the three levels at which a band's
    matches are contiguous in the sorted order.
    """
    bands = orders.shape[0]
    pieces = []
    total = 0
    for band in range(bands):
        start = band * rows
        head, tail = column_key(query, start, 0, rows, pack)
        if prefix == 1 and pack == 2 and rows > 1:
            low_head = head & np.uint64(0xFFFFFFFF00000000)
            high_head = head | np.uint64(0x00000000FFFFFFFF)
        else:
            low_head = head
            high_head = head
        exact_tail = prefix == rows and rows > pack
        lo = _bound(columns, orders[band], start, rows, pack, low_head, tail, exact_tail, False)
        hi = _bound(columns, orders[band], start, rows, pack, high_head, tail, exact_tail, True)
        if hi > lo:
            pieces.append(orders[band, lo:hi])
            total += hi - lo
    found = np.empty(total, dtype=np.int64)
    filled = 0
    for piece in pieces:
        found[filled : filled + len(piece)] = piece
        filled += len(piece)
    return found


@njit(cache=True, inline="always")
def _before(columns, item, start, rows, pack, head, tail, use_tail, or_equal):
    item_head, item_tail = column_key(columns, start, item, rows, pack)
    if item_head != head:
        return item_head < head
    if not use_tail or item_tail == tail:
        return or_equal
    return item_tail < tail


@njit(cache=True)
def _bound(columns, order, start, rows, pack, head, tail, use_tail, upper):
    """The first position in ``order`` whose band key is above the key (``upper``),
    or at or above it (not ``upper``): bisect's right and left bounds."""
    lo, hi = 0, len(order)
    while lo < hi:
        mid = (lo + hi) // 2
        if _before(columns, order[mid], start, rows, pack, head, tail, use_tail, upper):
            lo = mid + 1
        else:
            hi = mid
    return lo
