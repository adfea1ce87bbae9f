"""Checks a ``.gwb`` store passes before any of its arrays reach a caller.

Everything read from disk is suspect: ``meta.json``'s fields and their
combination, each ``.npy`` header (parsed here, not trusted to ``np.load``),
the CSR's invariants (``indptr`` from 0 to ``nnz`` without decreasing, indices
in ``[0, n)`` and sorted within rows, an undirected graph symmetric), weights
finite and >= 0, and ``nodes.arrow`` validated by Arrow with one unique label a
node. Each check is vectorised over slices of ``CHECK_CHUNK`` entries, so a
100M-edge store needs no full-size temporary, and each failure is a
:class:`StoreError` naming the folder, the file and what is wrong.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from loaders._build import index_dtype, is_symmetric
from loaders.errors import StoreError

#: meta.json is a few hundred bytes plus the attribute names; anything this big is not one.
META_MAX_BYTES = 1 << 24
#: Entries per slice when checking arrays, so a 100M-edge store needs no full-size temporary.
CHECK_CHUNK = 1 << 24
_ARRAY_FILES = ("indptr.npy", "indices.npy", "weights.npy")


def check_meta(meta_path: Path, meta: dict) -> None:
    """Refuse a ``meta.json`` whose fields have the wrong type, range or combination."""

    def refuse(reason: str) -> None:
        raise StoreError(f"{meta_path}: {reason}")

    for key in ("n_nodes", "nnz", "n_edges", "n_self_loops"):
        value = meta.get(key)
        # bool is an int to Python; a JSON true is not a count.
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            refuse(f"{key} must be an integer >= 0, not {value!r}")
    for key in ("directed", "weighted"):
        if not isinstance(meta.get(key), bool):
            refuse(f"{key} must be true or false, not {meta.get(key)!r}")
    if meta.get("name") is not None and not isinstance(meta["name"], str):
        refuse(f"name must be a string, not {meta['name']!r}")
    provenance = meta.get("provenance", {})  # older stores lack it
    if not isinstance(provenance, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in provenance.items()
    ):
        refuse("provenance must map strings to strings")
    n, nnz, loops = meta["n_nodes"], meta["nnz"], meta["n_self_loops"]
    if loops > min(n, nnz):
        refuse(f"n_self_loops {loops} exceeds the nodes ({n}) or entries ({nnz})")
    edges = nnz if meta["directed"] else (nnz + loops) // 2
    if meta["n_edges"] != edges or (not meta["directed"] and (nnz - loops) % 2):
        refuse(f"n_edges {meta['n_edges']} disagrees with nnz {nnz} and n_self_loops {loops}")
    if meta.get("labels") not in ("identity", "int", "str"):
        refuse(f"labels must be 'identity', 'int' or 'str', not {meta.get('labels')!r}")
    label_column = meta.setdefault("label_column", "label")  # older stores lack it
    attributes = meta.get("attributes")
    if (
        not isinstance(label_column, str)
        or not isinstance(attributes, list)
        or not all(isinstance(key, str) for key in attributes)
        or len(set(attributes)) != len(attributes)
        or (meta["labels"] != "identity" and label_column in attributes)
    ):
        refuse(
            f"attributes must be a list of distinct names besides the label column "
            f"{label_column!r}; got {attributes!r}"
        )
    expected = {"indptr": "int64", "indices": str(index_dtype(n))}
    if meta["weighted"]:
        expected["weights"] = "float32"
    if meta.get("dtypes") != expected:
        refuse(f"dtypes must be {expected} for {n} nodes, not {meta.get('dtypes')!r}")
    files = meta.get("files")
    if not isinstance(files, dict):
        refuse(f"files must map file names to sizes and checksums, not {files!r}")
    needed = {"indptr.npy", "indices.npy"}
    if meta["weighted"]:
        needed.add("weights.npy")
    if meta["labels"] != "identity" or attributes:
        needed.add("nodes.arrow")
    if set(files) != needed:
        refuse(f"files must be {sorted(needed)}, not {sorted(files)}")
    for name, record in files.items():
        if (
            not isinstance(record, dict)
            or not all(
                isinstance(record.get(key), int) and not isinstance(record.get(key), bool)
                for key in ("bytes", "crc32")
            )
            or record["bytes"] < 0
            or not 0 <= record["crc32"] < 2**32
        ):
            refuse(f"files[{name!r}] must hold integer bytes and crc32, not {record!r}")


def map_array(folder: Path, name: str, dtype: np.dtype, length: int) -> np.ndarray:
    """Memory-map a 1-D ``.npy`` array after checking its header against what meta.json says.

    The header is parsed here rather than trusted to ``np.load``: a damaged one
    could name another dtype, Fortran order, Python objects, or a shape that
    maps past the end of the file.
    """
    file = folder / name
    size = file.stat().st_size
    with open(file, "rb") as handle:
        try:
            version = np.lib.format.read_magic(handle)
            if version == (1, 0):
                shape, fortran, found = np.lib.format.read_array_header_1_0(handle)
            elif version == (2, 0):
                shape, fortran, found = np.lib.format.read_array_header_2_0(handle)
            else:
                raise ValueError(f"unsupported .npy version {version}")
            offset = handle.tell()
        # The header is a Python literal from disk: a damaged one can fail in many ways.
        except Exception as error:
            raise StoreError(f"{folder}: {name} has an unreadable .npy header ({error})") from None
    if found.hasobject:
        raise StoreError(f"{folder}: {name} holds Python objects; a store holds plain numbers")
    if fortran:
        raise StoreError(f"{folder}: {name} is in Fortran order; a store writes C order")
    if found != dtype:
        raise StoreError(
            f"{folder}: {name} has dtype {found} ({found.str}), expected {dtype} ({dtype.str})"
        )
    if shape != (length,):
        raise StoreError(f"{folder}: {name} has shape {shape}, expected ({length},) from meta.json")
    if offset + length * dtype.itemsize != size:
        raise StoreError(
            f"{folder}: {name} has {size} bytes, but its header and shape need "
            f"{offset + length * dtype.itemsize}"
        )
    return np.memmap(file, dtype=dtype, mode="r", shape=(length,), offset=offset)


def check_csr(
    folder: Path,
    indptr: np.ndarray,
    indices: np.ndarray,
    weights: np.ndarray | None,
    n: int,
    directed: bool,
) -> None:
    """Refuse CSR arrays a kernel could read out of bounds with, or that are not a graph."""
    nnz = indices.shape[0]
    if indptr[0] != 0:
        raise StoreError(f"{folder}: indptr.npy starts at {indptr[0]}, not 0")
    if indptr[-1] != nnz:
        raise StoreError(f"{folder}: indptr.npy ends at {indptr[-1]}, not nnz = {nnz}")
    # With the ends fixed, a non-decreasing indptr lies in [0, nnz]: every row is in bounds.
    for start in range(0, n, CHECK_CHUNK):
        chunk = indptr[start : start + CHECK_CHUNK + 1]
        falls = chunk[1:] < chunk[:-1]
        if falls.any():
            at = start + int(np.argmax(falls)) + 1
            raise StoreError(
                f"{folder}: indptr.npy decreases at entry {at} ({indptr[at - 1]} -> {indptr[at]})"
            )
    for start in range(0, nnz, CHECK_CHUNK):
        chunk = indices[start : start + CHECK_CHUNK]
        if chunk.min() < 0 or chunk.max() >= n:
            at = start + int(np.argmax((chunk < 0) | (chunk >= n)))
            raise StoreError(f"{folder}: indices.npy entry {at} is {indices[at]}, outside [0, {n})")
    # Within a row ids strictly increase, so a drop (or a repeat) between neighbouring
    # entries may only happen where a row starts. Counting is far cheaper than
    # locating: the drops over all entries must equal the drops at row starts.
    drops = 0
    for start in range(1, nnz, CHECK_CHUNK):
        chunk = indices[start - 1 : start + CHECK_CHUNK]
        drops += int(np.count_nonzero(chunk[1:] <= chunk[:-1]))
    if drops:
        at_row_starts = 0
        for start in range(0, n, CHECK_CHUNK):
            starts = _row_starts(indptr[start : start + CHECK_CHUNK + 1])
            at_row_starts += int(np.count_nonzero(indices[starts] <= indices[starts - 1]))
        if drops != at_row_starts:
            at = _first_unsorted(indices, indptr)
            raise StoreError(
                f"{folder}: indices.npy is not sorted within a row at entry {at} "
                f"({indices[at - 1]} then {indices[at]})"
            )
    if not directed:
        if not is_symmetric(indptr, indices, weights):
            raise StoreError(
                f"{folder}: the graph is undirected but its adjacency is not symmetric "
                "(an edge is stored in one direction only, or with two weights)"
            )
    if weights is not None:
        for start in range(0, nnz, CHECK_CHUNK):
            chunk = weights[start : start + CHECK_CHUNK]
            # min is NaN when any entry is; NaN >= 0 is False, so NaN fails here too.
            if not (chunk.min() >= 0 and chunk.max() < np.inf):
                at = start + int(np.argmax(~np.isfinite(chunk) | (chunk < 0)))
                raise StoreError(
                    f"{folder}: weights.npy entry {at} is {weights[at]}; weights must be "
                    "finite and >= 0 (negative, nan or inf found)"
                )


def _row_starts(indptr: np.ndarray) -> np.ndarray:
    """Positions ``p > 0`` where a non-empty row of this ``indptr`` slice starts.

    Each position once: empty rows share their start with the next non-empty one.
    """
    first = indptr[:-1]
    return first[(indptr[1:] > first) & (first > 0)]


def _first_unsorted(indices: np.ndarray, indptr: np.ndarray) -> int:
    """The first entry that does not increase on its predecessor within its row."""
    for start in range(1, indices.shape[0], CHECK_CHUNK):
        chunk = indices[start - 1 : start + CHECK_CHUNK]
        bad = chunk[1:] <= chunk[:-1]
        end = start + bad.shape[0]
        starts = indptr[np.searchsorted(indptr, start) : np.searchsorted(indptr, end)]
        bad[starts - start] = False
        if bad.any():
            return start + int(np.argmax(bad))
    raise AssertionError("unreachable: the counts said an entry is out of order")


def read_nodes(folder: Path, meta: dict) -> tuple[pa.ChunkedArray | None, dict]:
    """The label column and attribute columns of ``nodes.arrow``, fully validated."""
    file = folder / "nodes.arrow"
    n = meta["n_nodes"]
    try:
        with pa.memory_map(str(file), "r") as source:
            table = pa.ipc.open_file(source).read_all()
        # Without a full validation a damaged offset buffer makes Arrow read outside
        # the file (SIGBUS or SIGSEGV) when the labels are first converted.
        table.validate(full=True)
        # Column names are not part of the validation: a damaged one is not UTF-8.
        names = table.column_names
    except (pa.ArrowException, OSError, UnicodeDecodeError) as error:
        raise StoreError(f"{folder}: nodes.arrow is unreadable or corrupted ({error})") from None
    if table.num_rows != n:
        raise StoreError(f"{folder}: nodes.arrow has {table.num_rows} rows, expected {n} nodes")
    if len(set(names)) != len(names):
        raise StoreError(f"{folder}: nodes.arrow repeats a column name ({names})")
    labels = None
    if meta["labels"] != "identity":
        label_column = meta["label_column"]
        if label_column not in names:
            raise StoreError(f"{folder}: nodes.arrow has no {label_column!r} column")
        labels = table.column(label_column)
        kind = labels.type
        is_int, is_str = pa.types.is_integer(kind), _is_string(kind)
        if not (is_int if meta["labels"] == "int" else is_str):
            raise StoreError(
                f"{folder}: nodes.arrow labels are {kind}, expected {meta['labels']} labels"
            )
        if labels.null_count:
            raise StoreError(f"{folder}: nodes.arrow has {labels.null_count} missing labels")
        if not _all_distinct(labels):
            raise StoreError(f"{folder}: nodes.arrow repeats a label; labels must be unique")
    attributes = {}
    for key in meta["attributes"]:
        if key not in names:
            raise StoreError(f"{folder}: nodes.arrow has no attribute column {key!r}")
        column = table.column(key)
        if not _storable_attribute(column.type):
            raise StoreError(
                f"{folder}: nodes.arrow attribute {key!r} has type {column.type}; "
                "attributes are numbers, strings or booleans"
            )
        attributes[key] = column
    return labels, attributes


def _all_distinct(labels: pa.ChunkedArray) -> bool:
    """No label repeats. Readers write labels sorted, so a strictly increasing column,
    checked in one cheap comparison, spares the hashing of every label."""
    if len(labels) < 2:
        return True
    if not pc.any(pc.greater_equal(labels[:-1], labels[1:])).as_py():
        return True
    if pa.types.is_integer(labels.type):
        return bool(pd.Index(labels.to_numpy()).is_unique)
    return len(pc.unique(labels)) == len(labels)


def _is_string(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind)


def _storable_attribute(kind: pa.DataType) -> bool:
    return (
        pa.types.is_integer(kind)
        or pa.types.is_floating(kind)
        or _is_string(kind)
        or pa.types.is_boolean(kind)
        or pa.types.is_null(kind)
    )
