"""Node ids from endpoint labels, and back: the id step of building and querying a graph.

A graph's nodes have ids ``0..n-1``; its labels are what the input called them.
Here endpoints become ids (dense non-negative ints kept as they are, a
consecutive range shifted, anything else factorised by pandas/pyarrow hashing)
and labels asked about are looked up, with :class:`~loaders.errors.NodeNotFoundError`
naming the first unknown one. :mod:`loaders._build` (the CSR from the ids) and
:class:`~loaders.graph.Graph` (its label queries) call these.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from loaders.errors import NodeNotFoundError


def factorize_endpoints(src, dst) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Map endpoint labels that are not dense non-negative ints to ids 0..n-1.

    Returns ``(src_ids, dst_ids, labels)`` with ``labels`` sorted.
    """
    if isinstance(src, pa.ChunkedArray | pa.Array) and not pa.types.is_integer(src.type):
        return _factorize_arrow(src, dst)
    src = _as_array(src)
    dst = _as_array(dst)
    if src.dtype.kind in "iu" and dst.dtype.kind in "iu":
        codes, uniques = pd.factorize(np.concatenate([src, dst]).astype(np.int64), sort=True)
        return codes[: src.size], codes[src.size :], np.asarray(uniques, dtype=np.int64)
    both = np.concatenate([src.astype(object), dst.astype(object)])
    codes, uniques = pd.factorize(both, sort=True)
    labels = np.asarray(uniques, dtype=object)
    return codes[: len(src)], codes[len(src) :], labels


def dense_int_ids(src, dst) -> tuple[np.ndarray, np.ndarray, int] | None:
    """``(src, dst, high + 1)`` when the endpoints are ints in ``[0, high]`` with ``high``
    at most a few times the number of endpoints: ids the CSR build can take as they are,
    keeping those that occur, with no hashing. None otherwise."""
    if isinstance(src, pa.ChunkedArray | pa.Array) and not pa.types.is_integer(src.type):
        return None
    src = _as_array(src)
    dst = _as_array(dst)
    if src.ndim != 1 or dst.ndim != 1:
        raise ValueError(
            "src and dst must be 1-D sequences of node labels; for tuple labels pass object arrays"
        )
    if src.size == 0 and dst.size == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64), 0
    if src.dtype.kind not in "iu" or dst.dtype.kind not in "iu":
        return None
    low, high = _min_max(src, dst)
    if low < 0 or high >= 4 * (src.size + dst.size) + 1024:
        return None
    return src, dst, high + 1


def _min_max(src: np.ndarray, dst: np.ndarray) -> tuple[int, int]:
    ends = [ids for ids in (src, dst) if ids.size]
    return min(int(ids.min()) for ids in ends), max(int(ids.max()) for ids in ends)


def _as_array(values) -> np.ndarray:
    if isinstance(values, pa.ChunkedArray | pa.Array):
        return values.to_numpy()
    return np.asarray(values)


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


def _given_ids(ids) -> np.ndarray:
    """Ids given as node numbers: integer arrays as they are, anything else as int64."""
    array = ids if isinstance(ids, np.ndarray) else None
    if array is not None and array.dtype.kind in "iu":
        return array
    return np.asarray(ids, dtype=np.int64)


def _ids_among(labels: np.ndarray, src, dst, name) -> tuple[np.ndarray, np.ndarray]:
    """Ids of the endpoints in ``labels``; a consecutive int range (KONECT's 1..n) by
    subtraction, anything else by hashing. NodeNotFoundError names an unknown endpoint."""
    if labels.dtype.kind in "iu" and labels.size and isinstance(src, np.ndarray):
        first = int(labels[0])
        if (
            isinstance(dst, np.ndarray)
            and src.dtype.kind in "iu"
            and dst.dtype.kind in "iu"
            and int(labels[-1]) - first == labels.size - 1
            and (labels.size == 1 or bool(np.all(np.diff(labels) == 1)))
        ):
            src_ids, dst_ids = src.astype(np.int64) - first, dst.astype(np.int64) - first
            for ids, given in ((src_ids, src), (dst_ids, dst)):
                outside = (ids < 0) | (ids >= labels.size)
                if outside.any():
                    raise NodeNotFoundError(python_scalar(given[outside][0]), name)
            return src_ids, dst_ids
    index = pd.Index(labels)
    if not index.is_unique:
        raise ValueError("nodes must not repeat a label")
    return lookup_ids(index, src, name), lookup_ids(index, dst, name)


def lookup_ids(index: pd.Index, labels, graph_name: str | None = None) -> np.ndarray:
    """Ids of ``labels`` in ``index``; NodeNotFoundError names the first unknown label."""
    positions = index.get_indexer(labels)
    missing = np.flatnonzero(positions < 0)
    if missing.size:
        raise NodeNotFoundError(
            python_scalar(np.asarray(labels, dtype=object)[missing[0]]), graph_name
        )
    return positions.astype(np.int64)


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


def python_scalar(value):
    """A NumPy scalar as the Python value it holds (labels in messages and results)."""
    return value.item() if isinstance(value, np.generic) else value


def _is_int(value) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)
