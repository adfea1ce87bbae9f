"""The on-disk ``.gwb`` store: a folder of ``.npy`` arrays plus ``meta.json``.

Layout::

    name.gwb/
        meta.json      format version, sizes, dtypes, per-file byte counts and CRC32s
        indptr.npy     int64, n + 1
        indices.npy    int32 (int64 when n >= 2**31), nnz
        weights.npy    float32, nnz (weighted graphs only)
        nodes.arrow    Arrow IPC file: ``label`` column and node attributes (when any)

A store is written into a hidden temporary folder beside its destination and
renamed into place (swapped with the old store in one step when replacing
one, on Linux), so a crash never leaves a folder that opens as valid and a
reader never finds the path empty; the ``meta.json`` is written last and
carries a checksum of its own. Opening memory-maps every array and checks its
structure in one vectorised pass (about 35 ms for 10M edges, a sixtieth of
parsing them from text), so no kernel ever sees an index out of bounds;
``verify=True`` also re-reads every byte against the recorded CRC32s.
"""

from __future__ import annotations

import json
import os
import tempfile
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from loaders._build import index_dtype, is_symmetric
from loaders.atomic import (
    exchange_paths,
    file_mode,
    fsync_dir,
    fsync_file,
    make_staging_folder,
    remove_path,
    remove_stale,
)
from loaders.errors import StoreError
from loaders.graph import Graph

FORMAT_NAME = "gwb-store"
FORMAT_VERSION = 1
_CHUNK = 1 << 24


def save_store(graph: Graph, path: str | os.PathLike, *, overwrite: bool = False) -> str:
    """Write ``graph`` to the store folder ``path`` atomically and return the path.

    The store is written into a hidden staging folder beside ``path`` and only
    then put in place, so a reader (or a crash) sees the old complete store or
    the new one. With ``overwrite`` on Linux the two folders are swapped in one
    step (``renameat2`` with ``RENAME_EXCHANGE``) and the old one deleted after,
    so there is never a moment with nothing valid at ``path``. Where that call
    is missing (other systems, old C libraries, filesystems that refuse it) the
    old store is first renamed aside and the new one renamed in: two renames,
    between which, for an instant, nothing is at ``path``. On failure the staging
    folder is removed and the old store stays; hidden ``.tmp``/``.old``
    temporaries that a killed earlier save left (older than an hour, so that a
    save still at work in another process keeps its own) are removed first.
    Files and folders get the modes the umask asks for (0644 and 0755 by default).

    Parameters
    ----------
    graph : Graph
    path : path-like
        The destination folder (conventionally ending in ``.gwb``).
    overwrite : bool
        Replace an existing store at ``path``; without it, an existing path is an error.

    Examples
    --------
    >>> import tempfile, os
    >>> from loaders import Graph, open_store
    >>> folder = tempfile.mkdtemp()
    >>> path = Graph.from_edges([0, 1], [1, 2]).save(os.path.join(folder, "path.gwb"))
    >>> open_store(path)
    <Graph 'path': 3 nodes, 2 edges, undirected, unweighted>
    >>> _ = Graph.from_edges([0], [1]).save(path, overwrite=True)
    >>> open_store(path).n_edges, os.listdir(folder)
    (1, ['path.gwb'])
    """
    destination = Path(path)
    if _exists(destination) and not overwrite:
        raise FileExistsError(f"{destination} exists; pass overwrite=True to replace it")
    remove_stale(destination)
    staging = make_staging_folder(destination)
    try:
        files = {"indptr.npy": graph.indptr, "indices.npy": graph.indices}
        if graph.weights is not None:
            files["weights.npy"] = graph.weights
        checksums = {name: _write_array(staging / name, array) for name, array in files.items()}
        node_table = _node_table(graph)
        if node_table is not None:
            with (
                pa.OSFile(str(staging / "nodes.arrow"), "wb") as sink,
                pa.ipc.new_file(sink, node_table.schema) as writer,
            ):
                writer.write_table(node_table)
            fsync_file(staging / "nodes.arrow")
            checksums["nodes.arrow"] = _file_checksum(staging / "nodes.arrow")
        meta = {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "name": graph.name or destination.name.removesuffix(".gwb"),
            "n_nodes": graph.n_nodes,
            "n_edges": graph.n_edges,
            "nnz": graph.nnz,
            "n_self_loops": graph.n_self_loops,
            "directed": graph.directed,
            "weighted": graph.is_weighted,
            "labels": _label_kind(graph),
            "label_column": _label_column(graph),
            "attributes": list(graph._attributes),
            "provenance": {str(k): str(v) for k, v in graph.provenance.items()},
            "dtypes": {
                name.removesuffix(".npy"): str(array.dtype) for name, array in files.items()
            },
            "files": checksums,
        }
        _write_meta(staging / "meta.json", meta)
        # Some writers (Arrow's) pick their own modes: give every file the umask's.
        for file in staging.iterdir():
            os.chmod(file, file_mode())
        fsync_dir(staging)
        _put_in_place(staging, destination)
    except BaseException:
        # After a swap the staging name holds the old store: removing it is right too.
        remove_path(staging)
        raise
    return str(destination)


def _exists(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def _put_in_place(staging: Path, destination: Path) -> None:
    """Move the finished ``staging`` folder to ``destination``, replacing what is there."""
    parent = destination.parent
    if not _exists(destination):
        # rename, not replace: a folder that appeared meanwhile is an error, not a victim.
        os.rename(staging, destination)
    elif exchange_paths(staging, destination):
        fsync_dir(parent)
        remove_path(staging)  # the old store, now under the staging name
    else:
        # No atomic exchange here: two renames, with an instant between them at
        # which nothing is at the destination.
        graveyard = Path(
            tempfile.mkdtemp(prefix=f".{destination.name}.", suffix=".old", dir=parent)
        )
        try:
            os.replace(destination, graveyard / "store")
        except BaseException:
            graveyard.rmdir()
            raise
        try:
            os.rename(staging, destination)
        except BaseException:
            os.replace(graveyard / "store", destination)  # put the old one back
            graveyard.rmdir()
            raise
        remove_path(graveyard)
    fsync_dir(parent)


def open_store(path: str | os.PathLike, *, verify: bool = False) -> Graph:
    """Open a ``.gwb`` store with its arrays memory-mapped (read-only).

    Before any array reaches a caller its structure is checked, in vectorised
    chunks (one pass over each array, no full-size temporaries): ``meta.json``'s
    fields and their types; each ``.npy`` header's dtype, order and shape against
    ``meta.json`` and the file's size; ``indptr`` starting at 0, never decreasing
    and ending at ``nnz``; every index in ``[0, n)`` and sorted within its row;
    weights finite and >= 0; ``nodes.arrow`` fully validated by Arrow, with one
    unique, non-null label per node and attribute columns of storable types. A
    damaged store is a :class:`StoreError`, never a crash in a kernel later.

    Parameters
    ----------
    path : path-like
        The store folder.
    verify : bool
        Also re-read every file and compare its CRC32 with the one recorded at
        write time, which catches damage that leaves a valid graph (a flipped
        weight, a different but in-range neighbour). File sizes and the
        metadata's own checksum are always checked.

    Returns
    -------
    Graph
        With ``store_path`` set to the folder.

    Raises
    ------
    FileNotFoundError
        No store at ``path``.
    StoreError
        The store is incomplete, corrupted, or written by a newer format version;
        the message names the folder, the file and what is wrong.

    Examples
    --------
    >>> import tempfile, os
    >>> from loaders import Graph
    >>> folder = tempfile.mkdtemp()
    >>> path = Graph.from_edges(["a", "b"], ["b", "c"]).save(os.path.join(folder, "g.gwb"))
    >>> open_store(path, verify=True).neighbors("b").tolist()
    ['a', 'c']
    """
    folder = Path(path)
    if not folder.is_dir():
        raise FileNotFoundError(f"no graph store at {folder}")
    meta = read_meta(folder)
    for name, record in meta["files"].items():
        file = folder / name
        if not file.is_file():
            raise StoreError(f"{folder}: {name} is missing; the store is incomplete")
        size = file.stat().st_size
        if size != record["bytes"]:
            raise StoreError(
                f"{folder}: {name} has {size} bytes, expected {record['bytes']}; the store is "
                "truncated or corrupted"
            )
        if verify and _file_checksum(file)["crc32"] != record["crc32"]:
            raise StoreError(f"{folder}: {name} fails its checksum; the store is corrupted")

    n, nnz = meta["n_nodes"], meta["nnz"]
    indptr = _map_array(folder, "indptr.npy", np.dtype(np.int64), n + 1)
    indices = _map_array(folder, "indices.npy", index_dtype(n), nnz)
    weights = (
        _map_array(folder, "weights.npy", np.dtype(np.float32), nnz) if meta["weighted"] else None
    )
    _check_csr(folder, indptr, indices, weights, n, meta["directed"])
    labels, attributes = None, {}
    if "nodes.arrow" in meta["files"]:
        labels, attributes = _read_nodes(folder, meta)
    graph = Graph(
        indptr,
        indices,
        weights,
        directed=meta["directed"],
        labels=labels,
        attributes=attributes,
        name=meta["name"],
        validate=False,
    )
    graph._n_self_loops = meta["n_self_loops"]
    graph.store_path = str(folder.resolve())
    graph.provenance = dict(meta.get("provenance", {}))
    return graph


def read_meta(folder: str | os.PathLike) -> dict:
    """The parsed and checked ``meta.json`` of a store folder.

    Besides its checksum and format version, every field :func:`open_store`
    relies on is checked for its type, its range and its agreement with the
    others, so that a hand-edited or damaged file is a :class:`StoreError`
    naming the field rather than a ``TypeError`` deep inside a kernel.
    """
    folder = Path(folder)
    meta_path = folder / "meta.json"
    if not meta_path.is_file():
        raise StoreError(f"{folder}: no meta.json; not a graph store, or one left half written")
    if meta_path.stat().st_size > _META_MAX_BYTES:
        raise StoreError(f"{meta_path}: {meta_path.stat().st_size} bytes; not a store's meta.json")
    try:
        document = json.loads(meta_path.read_bytes())
        meta, recorded = document["meta"], document["crc32"]
        canonical = _canonical(meta)
    # RecursionError: deeply nested JSON; the rest: not JSON, not UTF-8, wrong shape.
    except (ValueError, KeyError, TypeError, RecursionError) as error:
        raise StoreError(f"{meta_path}: unreadable ({error})") from None
    if zlib.crc32(canonical) != recorded:
        raise StoreError(f"{meta_path}: fails its checksum; the store is corrupted")
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
        format_name = meta.get("format") if isinstance(meta, dict) else None
        raise StoreError(f"{meta_path}: not a {FORMAT_NAME} (format {format_name!r})")
    version = meta.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise StoreError(
            f"{folder}: store format version {version} is newer than this gwb reads "
            f"({FORMAT_VERSION}); upgrade gwb or rebuild the store"
        )
    _check_meta(meta_path, meta)
    return meta


#: meta.json is a few hundred bytes plus the attribute names; anything this big is not one.
_META_MAX_BYTES = 1 << 24
#: Entries per slice when checking arrays, so a 100M-edge store needs no full-size temporary.
_CHECK_CHUNK = 1 << 24
_ARRAY_FILES = ("indptr.npy", "indices.npy", "weights.npy")


def _check_meta(meta_path: Path, meta: dict) -> None:
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


def _map_array(folder: Path, name: str, dtype: np.dtype, length: int) -> np.ndarray:
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
        raise StoreError(
            f"{folder}: {name} has shape {shape}, expected ({length},) from meta.json"
        )
    if offset + length * dtype.itemsize != size:
        raise StoreError(
            f"{folder}: {name} has {size} bytes, but its header and shape need "
            f"{offset + length * dtype.itemsize}"
        )
    return np.memmap(file, dtype=dtype, mode="r", shape=(length,), offset=offset)


def _check_csr(
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
    for start in range(0, n, _CHECK_CHUNK):
        chunk = indptr[start : start + _CHECK_CHUNK + 1]
        falls = chunk[1:] < chunk[:-1]
        if falls.any():
            at = start + int(np.argmax(falls)) + 1
            raise StoreError(
                f"{folder}: indptr.npy decreases at entry {at} ({indptr[at - 1]} -> {indptr[at]})"
            )
    for start in range(0, nnz, _CHECK_CHUNK):
        chunk = indices[start : start + _CHECK_CHUNK]
        if chunk.min() < 0 or chunk.max() >= n:
            at = start + int(np.argmax((chunk < 0) | (chunk >= n)))
            raise StoreError(
                f"{folder}: indices.npy entry {at} is {indices[at]}, outside [0, {n})"
            )
    # Within a row ids strictly increase, so a drop (or a repeat) between neighbouring
    # entries may only happen where a row starts. Counting is far cheaper than
    # locating: the drops over all entries must equal the drops at row starts.
    drops = 0
    for start in range(1, nnz, _CHECK_CHUNK):
        chunk = indices[start - 1 : start + _CHECK_CHUNK]
        drops += int(np.count_nonzero(chunk[1:] <= chunk[:-1]))
    if drops:
        at_row_starts = 0
        for start in range(0, n, _CHECK_CHUNK):
            starts = _row_starts(indptr[start : start + _CHECK_CHUNK + 1])
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
        for start in range(0, nnz, _CHECK_CHUNK):
            chunk = weights[start : start + _CHECK_CHUNK]
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
    for start in range(1, indices.shape[0], _CHECK_CHUNK):
        chunk = indices[start - 1 : start + _CHECK_CHUNK]
        bad = chunk[1:] <= chunk[:-1]
        end = start + bad.shape[0]
        starts = indptr[np.searchsorted(indptr, start) : np.searchsorted(indptr, end)]
        bad[starts - start] = False
        if bad.any():
            return start + int(np.argmax(bad))
    raise AssertionError("unreachable: the counts said an entry is out of order")


def _read_nodes(folder: Path, meta: dict) -> tuple[pa.ChunkedArray | None, dict]:
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


def _label_kind(graph: Graph) -> str:
    if graph.has_identity_labels:
        return "identity"
    return "int" if graph.labels.dtype.kind in "iu" else "str"


def _label_column(graph: Graph) -> str:
    """``label``, or, when a node attribute is called that, a name no attribute has."""
    name = "label"
    while name in graph._attributes:
        name = f"_{name}"
    return name


def _node_table(graph: Graph) -> pa.Table | None:
    columns = {}
    if not graph.has_identity_labels:
        labels = graph._labels
        if not isinstance(labels, pa.ChunkedArray | pa.Array):
            labels = _arrow_column("labels", labels)
        columns[_label_column(graph)] = labels
    for key, column in graph._attributes.items():
        columns[key] = (
            column
            if isinstance(column, pa.ChunkedArray | pa.Array)
            else _arrow_column(f"attribute {key!r}", column)
        )
    return pa.table(columns) if columns else None


def _arrow_column(what: str, values: np.ndarray) -> pa.Array:
    try:
        column = pa.array(values.tolist() if values.dtype == object else values)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as error:
        raise TypeError(
            f"cannot store {what}: values must be numbers or strings ({error})"
        ) from None
    kind = column.type
    allowed = (
        (pa.types.is_integer(kind) or pa.types.is_string(kind))
        if what == "labels"
        else (
            pa.types.is_integer(kind)
            or pa.types.is_floating(kind)
            or pa.types.is_string(kind)
            or pa.types.is_boolean(kind)
            or pa.types.is_null(kind)
        )
    )
    if not allowed:
        raise TypeError(
            f"cannot store {what}: values must be "
            f"{'ints or strings' if what == 'labels' else 'numbers or strings'}, "
            f"not {kind}"
        )
    return column


def _write_array(path: Path, array: np.ndarray) -> dict:
    with open(path, "wb") as handle:
        np.lib.format.write_array(handle, np.ascontiguousarray(array), allow_pickle=False)
        handle.flush()
        os.fsync(handle.fileno())
    return _file_checksum(path)


def _file_checksum(path: Path) -> dict:
    crc = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            crc = zlib.crc32(chunk, crc)
    return {"bytes": path.stat().st_size, "crc32": crc}


def _canonical(meta: dict) -> bytes:
    return json.dumps(meta, sort_keys=True, separators=(",", ":")).encode()


def _write_meta(path: Path, meta: dict) -> None:
    document = {"meta": meta, "crc32": zlib.crc32(_canonical(meta))}
    with open(path, "w") as handle:
        json.dump(document, handle, indent=1, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())
