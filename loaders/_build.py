"""Turning edge arrays into the CSR arrays of a :class:`~loaders.graph.Graph`.

Everything here is vectorised. Dense non-negative integer ids go to the CSR
build as they are, which keeps the ids that occur and renumbers them in order
(no hashing); other labels are factorised by pandas/pyarrow hashing
(:mod:`loaders._ids`). The CSR is built by the bucketed radix kernels in
:mod:`loaders._kernels`. The checks of ``Graph(...)`` and the array work behind
the graph's other methods (subgraphs, edge tables) are here too.
"""

from __future__ import annotations

import mmap
from collections.abc import Mapping

import numba
import numpy as np
import pandas as pd
import pyarrow as pa

from checks import check_choice
from loaders import _kernels
from loaders._ids import _given_ids, _ids_among, dense_int_ids, factorize_endpoints

MERGE = {"sum": _kernels.MERGE_SUM, "max": _kernels.MERGE_MAX, "min": _kernels.MERGE_MIN}


#: Arrays at least this large get their own anonymous memory map (see :func:`fresh_array`).
_MAPPED_FROM = 1 << 24


def fresh_array(shape, dtype) -> np.ndarray:
    """An uninitialised array for the build's large temporaries, in memory of its own.

    NumPy asks the kernel for transparent huge pages on every large array
    (``MADV_HUGEPAGE``); when memory is fragmented, as on a machine up for
    hours, each first touch of a huge page then waits while the kernel compacts
    memory: 3.9 s to fault in 800 MB, against 0.5 s in small pages, measured on
    the 2-core machine of issue #28. The build gains nothing from huge pages
    (its buckets keep the random writes in cache: the partition of the 100M-edge
    graph took the same time either way), so its large arrays are anonymous
    maps in small pages.
    """
    dtype = np.dtype(dtype)
    shape = (shape,) if isinstance(shape, int | np.integer) else tuple(shape)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if nbytes < _MAPPED_FROM:
        return np.empty(shape, dtype=dtype)
    return np.frombuffer(mmap.mmap(-1, nbytes), dtype=dtype).reshape(shape)


def index_dtype(n_nodes: int) -> np.dtype:
    """int32 column indices while node ids fit in them, int64 beyond."""
    return np.dtype(np.int32) if n_nodes < 2**31 else np.dtype(np.int64)


def build_csr(
    src: np.ndarray,
    dst: np.ndarray,
    n_ids: int,
    weights: np.ndarray | None,
    *,
    directed: bool,
    merge: str = "sum",
    drop_loops: bool = False,
    compact_ids: bool = False,
    spare: tuple[np.ndarray, ...] = (),
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, int, np.ndarray | None]:
    """CSR arrays from edge endpoints in ``[0, n_ids)``, by the bucketed radix kernels.

    Undirected edges are stored in both directions, a self-loop once; repeated
    edges (in either orientation when undirected) merge, their weights combined
    by ``merge`` ("sum", "max" or "min") in file order. ``drop_loops`` leaves out
    self-loops (their nodes stay). With ``compact_ids`` the nodes are only the
    ids that occur as an endpoint, renumbered in order. ``spare`` arrays (the
    memory of ``src``, ``dst`` or ``weights``, when the caller made them and
    needs them no more) may be overwritten with the output, which then needs
    no fresh memory: on a large graph, fresh memory is slow to fault in (the
    kernel may compact memory to give it huge pages), besides the peak it adds.

    Returns ``(indptr, indices, weights, n_self_loops, kept_ids)``: ``kept_ids``
    are the ids that became nodes (int64, sorted), or None when every id did.
    """
    src = _kernel_ids(src)
    dst = _kernel_ids(dst)
    m = src.shape[0]
    has_weights = weights is not None
    if n_ids >= 2**32:
        # Keys pack a column in 32 bits; no graph that large fits in memory here anyway.
        raise ValueError(f"graphs with 2**32 or more node ids are not supported (got {n_ids:,})")
    edge_weights = (
        np.ascontiguousarray(weights, dtype=np.float64) if has_weights else np.empty(0, np.float64)
    )
    serial = m + n_ids < _kernels.SERIAL_BELOW or numba.get_num_threads() == 1
    n_parts = 1 if serial else 4 * numba.get_num_threads()
    shift = _kernels.bucket_shift(n_ids, m if directed else 2 * m, has_weights)
    n_buckets = ((n_ids - 1) >> shift) + 1 if n_ids else 0
    n_words = (n_ids + 63) >> 6
    marked = compact_ids and (directed or drop_loops)
    marks = np.zeros((n_parts, n_words) if marked else (0, 0), dtype=np.uint64)
    twin = _Twin(serial)

    # 1. Entries per (part, bucket), then where each part writes in each bucket.
    counts = twin.count_buckets(
        src, dst, n_parts, not directed, drop_loops, shift, n_buckets, marks
    )
    bounds = np.zeros(n_buckets + 1, dtype=np.int64)
    np.cumsum(counts.sum(axis=0), out=bounds[1:])
    n_entries = int(bounds[-1])
    cursors = np.cumsum(counts, axis=0)
    cursors -= counts
    cursors += bounds[:-1]
    del counts
    # 2. Every entry into its bucket, as a key (row in bucket << 32 | column).
    keys = fresh_array(n_entries, np.int64)
    key_weights = fresh_array(n_entries if has_weights else 0, np.float64)
    twin.partition_edges(
        src,
        dst,
        edge_weights,
        has_weights,
        not directed,
        drop_loops,
        shift,
        cursors,
        keys,
        key_weights,
    )
    del cursors, src, dst, edge_weights
    # 3. Each bucket sorted and merged in cache; its rows written over its own keys.
    row_lengths = np.zeros(n_buckets << shift, dtype=np.int64)
    groups = np.searchsorted(bounds, np.linspace(0, n_entries, n_parts + 1)).astype(np.int64)
    groups[0], groups[-1] = 0, n_buckets
    with numba.parallel_chunksize(1):  # buckets differ in cost: hand them out as threads free up
        n_loops = twin.sort_buckets(
            keys,
            key_weights,
            has_weights,
            bounds,
            groups,
            _column_bits(n_ids),
            shift,
            MERGE[merge],
            keys.view(np.int32),
            key_weights.view(np.float32),
            2,
            row_lengths,
        )
    kept_bounds = np.zeros(n_buckets + 1, dtype=np.int64)
    np.cumsum(row_lengths.reshape(n_buckets, 1 << shift).sum(axis=1), out=kept_bounds[1:])
    row_lengths = row_lengths[:n_ids]
    n_kept = int(kept_bounds[-1])

    # 4. The nodes: ids with a row, or marked; their new ids by rank in a bitmap.
    n_out, kept_ids = n_ids, None
    words = ranks = np.empty(0, np.uint64)
    if compact_ids:
        present = row_lengths > 0
        bits = np.zeros(n_words * 8, dtype=np.uint8)
        bits[: (n_ids + 7) >> 3] = np.packbits(present, bitorder="little")
        words = bits.view(np.uint64)
        if marked:
            words |= np.bitwise_or.reduce(marks, axis=0)
            present = np.unpackbits(bits, count=n_ids, bitorder="little").view(np.bool_)
        del marks
        if present.all():
            words = np.empty(0, np.uint64)
        else:
            kept_ids = np.flatnonzero(present)
            n_out = kept_ids.shape[0]
            per_word = np.zeros(n_words * 64, dtype=np.bool_)
            per_word[:n_ids] = present
            ranks = np.zeros(n_words, dtype=np.int64)
            np.cumsum(per_word.reshape(n_words, 64).sum(axis=1)[:-1], out=ranks[1:])
            row_lengths = row_lengths[present]
    # 5. The rows packed, renumbered, into spare memory where there is some.
    columns, csr_weights = _outputs(
        spare, [(n_kept, index_dtype(n_out)), (n_kept if has_weights else 0, np.float32)]
    )
    twin.move_rows(
        2 * bounds[:-1],
        kept_bounds,
        keys.view(np.int32),
        key_weights.view(np.float32),
        has_weights,
        words,
        ranks.view(np.int64),
        columns,
        csr_weights,
    )
    indptr = np.zeros(n_out + 1, dtype=np.int64)
    np.cumsum(row_lengths, out=indptr[1:])
    return indptr, columns, (csr_weights if has_weights else None), int(n_loops), kept_ids


def _outputs(spare: tuple[np.ndarray, ...], wanted: list[tuple[int, object]]) -> list:
    """An array of ``length`` values of ``dtype`` for each of ``wanted``: in a spare
    array with room (each spare array used once), else fresh."""
    free = [a for a in spare if a is not None and a.flags.c_contiguous and a.flags.writeable]
    arrays = []
    for length, dtype in wanted:
        dtype = np.dtype(dtype)
        fits = [k for k, a in enumerate(free) if length and a.nbytes >= length * dtype.itemsize]
        if not fits:
            arrays.append(fresh_array(length, dtype))
            continue
        room = free.pop(fits[0])
        arrays.append(room.reshape(-1).view(np.uint8)[: length * dtype.itemsize].view(dtype))
    return arrays


def _kernel_ids(ids) -> np.ndarray:
    """Endpoint ids as int32 or int64, contiguous (the dtypes the kernels compile for)."""
    ids = np.asarray(ids)
    dtype = ids.dtype if ids.dtype in (np.int32, np.int64) else np.int64
    return np.ascontiguousarray(ids, dtype=dtype)


def _column_bits(n_ids: int) -> int:
    return max(int(n_ids - 1).bit_length(), 1)


class _Twin:
    """The serial or the parallel twins of the build's kernels."""

    def __init__(self, serial: bool) -> None:
        suffix = "serial" if serial else "parallel"
        for name in ("count_buckets", "partition_edges", "sort_buckets", "move_rows"):
            setattr(self, name, getattr(_kernels, f"{name}_{suffix}"))


def is_symmetric(indptr: np.ndarray, indices: np.ndarray, weights: np.ndarray | None) -> bool:
    """Whether every CSR entry's mirror is stored, with the same weight (one hashed pass).

    An undirected graph must be: kernels look up reverse edges and sweep as if it is.
    """
    bits = weights.view(np.uint32) if weights is not None else np.empty(0, np.uint32)
    checksums = (
        _kernels.symmetry_checksums_serial
        if indices.shape[0] < _kernels.SERIAL_BELOW
        else _kernels.symmetry_checksums_parallel
    )
    forward, backward = checksums(indptr, indices, bits, weights is not None)
    return forward == backward


def graph_arrays(
    src,
    dst,
    weights,
    *,
    directed: bool,
    self_loops: str,
    merge: str,
    n_nodes: int | None,
    nodes,
    name: str | None,
    spare: tuple[np.ndarray, ...] = (),
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None, int]:
    """``(indptr, indices, weights, labels, n_self_loops)`` of :meth:`Graph.from_edges`.

    ``spare``: arrays the caller made and needs no more (see :func:`build_csr`).
    """
    check_choice("self_loops", self_loops, ("keep", "drop"))
    check_choice("merge", merge, ("sum", "max", "min"))
    if n_nodes is not None and nodes is not None:
        raise ValueError("give n_nodes or nodes, not both")
    if len(src) != len(dst):
        raise ValueError(f"src and dst must have the same length; got {len(src)} and {len(dst)}")
    edge_weights = None
    if weights is not None:
        edge_weights = np.asarray(weights, dtype=np.float64)
        if edge_weights.shape != (len(src),):
            raise ValueError(
                f"weights must have one value per edge ({len(src)}); got shape {edge_weights.shape}"
            )
        check_weights(edge_weights)

    compact_ids = False
    if n_nodes is not None:
        src_ids = _given_ids(src)
        dst_ids = _given_ids(dst)
        for side, ids in (("src", src_ids), ("dst", dst_ids)):
            if ids.size and (ids.min() < 0 or ids.max() >= n_nodes):
                bad = ids[(ids < 0) | (ids >= n_nodes)][0]
                raise ValueError(f"{side} contains id {bad}, outside [0, {n_nodes})")
        labels = None
    elif nodes is not None:
        labels = np.asarray(nodes)
        if labels.size == 0:
            labels = np.empty(0, np.int64)  # np.asarray([]) is float64: no graph has float labels
        src_ids, dst_ids = _ids_among(labels, src, dst, name)
        n_nodes = len(labels)
    elif (dense := dense_int_ids(src, dst)) is not None:
        # Ids kept as they are; the build keeps those that occur, renumbered in order.
        src_ids, dst_ids, n_nodes = dense
        labels, compact_ids = None, True
    else:
        src_ids, dst_ids, labels = factorize_endpoints(src, dst)
        n_nodes = len(labels)
        spare = (*spare, src_ids.base if src_ids.base is dst_ids.base else None)

    indptr, indices, csr_weights, n_loops, kept_ids = build_csr(
        src_ids,
        dst_ids,
        n_nodes,
        edge_weights,
        directed=directed,
        merge=merge,
        drop_loops=self_loops == "drop",
        compact_ids=compact_ids,
        spare=spare,
    )
    if kept_ids is not None:
        labels = kept_ids
    return indptr, indices, csr_weights, labels, n_loops


def check_weights(weights: np.ndarray) -> None:
    """Raise ValueError naming the first weight that is negative or not finite."""
    bad = ~np.isfinite(weights) | (weights < 0)
    if bad.any():
        position = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"edge weights must be finite and >= 0; weight {position} is {weights[position]}"
        )


def induced_subgraph(
    indptr: np.ndarray, indices: np.ndarray, weights: np.ndarray | None, ids: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """CSR arrays of the subgraph induced by the sorted node ``ids`` (renumbered 0..k-1)."""
    n = indptr.shape[0] - 1
    keep_node = np.zeros(n, dtype=bool)
    keep_node[ids] = True
    new_id = np.cumsum(keep_node) - 1
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
    keep = keep_node[rows] & keep_node[indices]
    counts = np.bincount(new_id[rows[keep]], minlength=ids.size)
    sub_indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return sub_indptr, new_id[indices[keep]], None if weights is None else weights[keep]


def check_graph_arrays(indptr, indices, weights, directed: bool, labels, attributes) -> None:
    """Raise ValueError unless the arrays make a valid graph (the checks of ``Graph(...)``)."""
    n = indptr.shape[0] - 1
    if indptr.ndim != 1 or n < 0:
        raise ValueError("indptr must be a 1-D array of length n_nodes + 1")
    if indptr[0] != 0 or np.any(np.diff(indptr) < 0):
        raise ValueError("indptr must start at 0 and never decrease")
    if indptr[-1] != indices.shape[0]:
        raise ValueError(f"indptr[-1] ({indptr[-1]}) must equal len(indices) ({indices.shape[0]})")
    if indices.size and (indices.min() < 0 or indices.max() >= n):
        raise ValueError(f"indices must lie in [0, {n})")
    if weights is not None:
        if weights.shape != indices.shape:
            raise ValueError("weights must align with indices")
        check_weights(weights)
    if not directed and not is_symmetric(indptr, indices, weights):
        raise ValueError(
            "an undirected graph stores every edge in both directions with one weight; "
            "these arrays do not (pass directed=True, or build with Graph.from_edges)"
        )
    if labels is not None:
        if len(labels) != n:
            raise ValueError(f"labels must have one entry per node ({n}); got {len(labels)}")
        if isinstance(labels, np.ndarray) and not pd.Index(labels).is_unique:
            raise ValueError("labels must be unique")
    for key, column in attributes.items():
        if len(column) != n:
            raise ValueError(f"attribute {key!r} must have one value per node ({n})")


def aligned_column(key: str, column, labels: np.ndarray) -> np.ndarray:
    """A node attribute as an array in id order: given so, or a mapping/Series by label."""
    if isinstance(column, Mapping | pd.Series):
        series = pd.Series(column) if isinstance(column, Mapping) else column
        values = series.reindex(labels).to_numpy()
    else:
        values = np.asarray(column)
    if values.shape[:1] != (len(labels),):
        raise ValueError(
            f"attribute {key!r} must have one value per node ({len(labels)}); "
            f"got {values.shape[:1]}"
        )
    return values


def edge_table(indptr, indices, weights, directed: bool, labels: np.ndarray) -> pd.DataFrame:
    """``source``, ``target`` (labels) and ``weight``; an undirected edge once, source first."""
    rows = np.repeat(np.arange(indptr.shape[0] - 1, dtype=np.int64), np.diff(indptr))
    cols = indices.astype(np.int64)
    keep = slice(None) if directed else rows <= cols
    rows, cols = rows[keep], cols[keep]
    table = {"source": labels[rows], "target": labels[cols]}
    if weights is not None:
        table["weight"] = weights[keep]
    return pd.DataFrame(table)


def readonly(values, dtype) -> np.ndarray:
    """``values`` as a read-only array of ``dtype`` (a view when no cast is needed)."""
    array = np.asarray(values)
    if array.dtype != dtype:
        array = array.astype(dtype)
    if array.flags.writeable and not isinstance(values, np.memmap):
        array = array.view()
        array.flags.writeable = False
    return array


def arrow_to_numpy(column) -> np.ndarray:
    """An Arrow column as NumPy: numbers and booleans without nulls as themselves, else objects."""
    kind = column.type
    if column.null_count == 0 and (
        pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind)
    ):
        return column.to_numpy(zero_copy_only=False)
    return np.asarray(column.to_pylist(), dtype=object)


def same_values(first, second) -> bool:
    """Equality of two graph parts: arrays (None only equals None), dicts of arrays, scalars."""
    if first is None or second is None:
        return first is second
    if isinstance(first, dict):
        return first.keys() == second.keys() and all(
            np.array_equal(first[k], second[k]) for k in first
        )
    return bool(np.array_equal(first, second))


def count_self_loops(indptr: np.ndarray, indices: np.ndarray) -> int:
    """Entries ``(u, u)`` of a CSR adjacency."""
    rows = np.repeat(np.arange(indptr.shape[0] - 1, dtype=indices.dtype), np.diff(indptr))
    return int(np.count_nonzero(rows == indices))


def row_weight_sums(indptr: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The sum of each CSR row's weights, as float64 (``Graph.degree(weighted=True)``)."""
    # Differences of a float64 running sum: one pass, empty rows give 0.
    running = np.zeros(weights.shape[0] + 1)
    np.cumsum(weights, dtype=np.float64, out=running[1:])
    return running[indptr[1:]] - running[indptr[:-1]]
