"""Turning edge arrays into the CSR arrays of a :class:`~loaders.graph.Graph`.

Everything here is vectorised: node labels are factorised with a presence mask
(dense non-negative integers) or pandas/pyarrow hashing (anything else), and the
CSR is built by the counting-sort kernels in :mod:`loaders._kernels`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from checks import check_choice
from loaders import _kernels
from loaders.errors import NodeNotFoundError

MERGE = {"sum": _kernels.MERGE_SUM, "max": _kernels.MERGE_MAX, "min": _kernels.MERGE_MIN}


def index_dtype(n_nodes: int) -> np.dtype:
    """int32 column indices while node ids fit in them, int64 beyond."""
    return np.dtype(np.int32) if n_nodes < 2**31 else np.dtype(np.int64)


def build_csr(
    src: np.ndarray,
    dst: np.ndarray,
    n_nodes: int,
    weights: np.ndarray | None,
    *,
    directed: bool,
    merge: str = "sum",
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """CSR arrays (indptr, indices, weights) from 0-based edge endpoints.

    Undirected edges are stored in both directions, a self-loop once; repeated
    edges (in either orientation when undirected) merge, their weights combined
    by ``merge`` ("sum", "max" or "min").
    """
    src = np.ascontiguousarray(src, dtype=np.int64)
    dst = np.ascontiguousarray(dst, dtype=np.int64)
    has_weights = weights is not None
    edge_weights = (
        np.ascontiguousarray(weights, dtype=np.float64) if has_weights else np.empty(0, np.float64)
    )
    symmetrize = not directed

    counts = _kernels.row_counts(src, dst, n_nodes, symmetrize)
    indptr = np.cumsum(counts)
    n_slots = int(indptr[-1])
    cols = np.empty(n_slots, dtype=np.int64)
    slot_weights = np.empty(n_slots if has_weights else 0, dtype=np.float64)
    _kernels.scatter_edges(
        src, dst, edge_weights, has_weights, indptr, symmetrize, cols, slot_weights
    )
    small = n_slots < _kernels.SERIAL_BELOW
    sort_and_merge_rows = (
        _kernels.sort_and_merge_rows_serial if small else _kernels.sort_and_merge_rows_parallel
    )
    compact_rows = _kernels.compact_rows_serial if small else _kernels.compact_rows_parallel
    kept = sort_and_merge_rows(indptr, cols, slot_weights, has_weights, MERGE[merge])

    new_indptr = np.zeros(n_nodes + 1, dtype=np.int64)
    np.cumsum(kept, out=new_indptr[1:])
    indices = np.empty(int(new_indptr[-1]), dtype=index_dtype(n_nodes))
    out_weights = np.empty(indices.shape[0] if has_weights else 0, dtype=np.float64)
    compact_rows(indptr, new_indptr, cols, slot_weights, has_weights, indices, out_weights)
    return new_indptr, indices, (out_weights.astype(np.float32) if has_weights else None)


def factorize_endpoints(src, dst) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Map arbitrary endpoint labels to ids 0..n-1.

    Returns ``(src_ids, dst_ids, labels)`` with ``labels`` sorted; ``labels`` is
    None when the endpoints are already exactly 0..n-1 (the identity labelling).
    """
    if isinstance(src, pa.ChunkedArray | pa.Array) and not pa.types.is_integer(src.type):
        return _factorize_arrow(src, dst)
    src = _as_array(src)
    dst = _as_array(dst)
    if src.ndim != 1 or dst.ndim != 1:
        raise ValueError(
            "src and dst must be 1-D sequences of node labels; for tuple labels pass object arrays"
        )
    if src.size == 0 and dst.size == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64), None
    if src.dtype.kind in "iu" and dst.dtype.kind in "iu":
        return _factorize_integers(src, dst)
    both = np.concatenate([src.astype(object), dst.astype(object)])
    codes, uniques = pd.factorize(both, sort=True)
    labels = np.asarray(uniques, dtype=object)
    return codes[: len(src)], codes[len(src) :], labels


def _as_array(values) -> np.ndarray:
    if isinstance(values, pa.ChunkedArray | pa.Array):
        return values.to_numpy()
    return np.asarray(values)


def _factorize_integers(src: np.ndarray, dst: np.ndarray):
    low = min(int(src.min(initial=0)), int(dst.min(initial=0)))
    high = max(int(src.max(initial=0)), int(dst.max(initial=0)))
    if low >= 0 and high < 4 * (src.size + dst.size) + 1024:
        # Dense ids: a presence mask and a prefix sum relabel in O(m), no hashing.
        present = np.zeros(high + 1, dtype=bool)
        present[src] = True
        present[dst] = True
        if present.all():
            return src.astype(np.int64, copy=False), dst.astype(np.int64, copy=False), None
        # int32 keeps the lookup table small enough to stay in cache during the gather.
        new_id = (np.cumsum(present, dtype=np.int64) - 1).astype(index_dtype(high + 1))
        relabel = (
            _kernels.relabel_serial
            if src.size < _kernels.SERIAL_BELOW
            else _kernels.relabel_parallel
        )
        src_ids = relabel(np.ascontiguousarray(src), new_id)
        dst_ids = relabel(np.ascontiguousarray(dst), new_id)
        return src_ids, dst_ids, np.flatnonzero(present).astype(np.int64)
    codes, uniques = pd.factorize(np.concatenate([src, dst]).astype(np.int64), sort=True)
    return codes[: src.size], codes[src.size :], np.asarray(uniques, dtype=np.int64)


def _factorize_arrow(src, dst):
    both = pa.chunked_array(_chunks(src) + _chunks(dst)).cast(pa.string())
    encoded = both.dictionary_encode().combine_chunks()
    dictionary = encoded.dictionary
    order = pc.sort_indices(dictionary).to_numpy()
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    codes = rank[encoded.indices.to_numpy(zero_copy_only=False)]
    labels = np.asarray(dictionary.take(pa.array(order)).to_pylist(), dtype=object)
    n_src = len(src)
    return codes[:n_src], codes[n_src:], labels


def _chunks(values) -> list:
    if isinstance(values, pa.ChunkedArray):
        return list(values.chunks)
    return [values]


def lookup_ids(index: pd.Index, labels, graph_name: str | None = None) -> np.ndarray:
    """Ids of ``labels`` in ``index``; NodeNotFoundError names the first unknown label."""
    positions = index.get_indexer(labels)
    missing = np.flatnonzero(positions < 0)
    if missing.size:
        raise NodeNotFoundError(
            python_scalar(np.asarray(labels, dtype=object)[missing[0]]), graph_name
        )
    return positions.astype(np.int64)


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
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """``(indptr, indices, weights, labels)`` of :meth:`loaders.graph.Graph.from_edges`."""
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

    if n_nodes is not None:
        src_ids = np.asarray(src, dtype=np.int64)
        dst_ids = np.asarray(dst, dtype=np.int64)
        for side, ids in (("src", src_ids), ("dst", dst_ids)):
            if ids.size and (ids.min() < 0 or ids.max() >= n_nodes):
                bad = ids[(ids < 0) | (ids >= n_nodes)][0]
                raise ValueError(f"{side} contains id {bad}, outside [0, {n_nodes})")
        labels = None
    elif nodes is not None:
        labels = np.asarray(nodes)
        if labels.size == 0:
            labels = np.empty(0, np.int64)  # np.asarray([]) is float64: no graph has float labels
        index = pd.Index(labels)
        if not index.is_unique:
            raise ValueError("nodes must not repeat a label")
        src_ids = lookup_ids(index, src, name)
        dst_ids = lookup_ids(index, dst, name)
        n_nodes = len(labels)
    else:
        src_ids, dst_ids, labels = factorize_endpoints(src, dst)
        n_nodes = len(labels) if labels is not None else _implied_n(src_ids, dst_ids)

    if self_loops == "drop":
        keep = src_ids != dst_ids
        src_ids, dst_ids = src_ids[keep], dst_ids[keep]
        if edge_weights is not None:
            edge_weights = edge_weights[keep]
    indptr, indices, csr_weights = build_csr(
        src_ids, dst_ids, n_nodes, edge_weights, directed=directed, merge=merge
    )
    return indptr, indices, csr_weights, labels


def check_weights(weights: np.ndarray) -> None:
    """Raise ValueError naming the first weight that is negative or not finite."""
    bad = ~np.isfinite(weights) | (weights < 0)
    if bad.any():
        position = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"edge weights must be finite and >= 0; weight {position} is {weights[position]}"
        )


def _implied_n(src_ids: np.ndarray, dst_ids: np.ndarray) -> int:
    if src_ids.size == 0:
        return 0
    return int(max(src_ids.max(), dst_ids.max())) + 1


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


def identity_ids(query, n_nodes: int, graph_name: str | None) -> np.ndarray:
    """Ids of ``query`` in a graph whose labels are its ids; NodeNotFoundError names a stranger."""
    if not isinstance(query, np.ndarray) or query.dtype.kind not in "iu":
        # Check the values as given: numpy would turn [0, "x"] into ["0", "x"].
        values = query.tolist() if isinstance(query, np.ndarray) else query
        bad = next((x for x in values if not _is_int(x)), None)
        if bad is not None:
            raise NodeNotFoundError(bad, graph_name)
    ids = np.asarray(query, dtype=np.int64)
    if ids.size == 0:
        return ids
    outside = (ids < 0) | (ids >= n_nodes)
    if outside.any():
        raise NodeNotFoundError(python_scalar(ids[outside][0]), graph_name)
    return ids.astype(np.int64)


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


def python_scalar(value):
    """A NumPy scalar as the Python value it holds (labels in messages and results)."""
    return value.item() if isinstance(value, np.generic) else value


def _is_int(value) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


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
