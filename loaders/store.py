"""The on-disk ``.gwb`` store: a folder of ``.npy`` arrays plus ``meta.json``.

Layout::

    name.gwb/
        meta.json      format version, sizes, dtypes, per-file byte counts and CRC32s
        indptr.npy     int64, n + 1
        indices.npy    int32 (int64 when n >= 2**31), nnz
        weights.npy    float32, nnz (weighted graphs only)
        nodes.arrow    Arrow IPC file: ``label`` column and node attributes (when any)

A store is written into a hidden temporary folder beside its destination and
renamed into place, so a crash never leaves a folder that opens as valid; the
``meta.json`` is written last and carries a checksum of its own. Opening
memory-maps every array, so it costs milliseconds whatever the graph's size;
``verify=True`` re-reads every byte against the recorded CRC32s.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import zlib
from pathlib import Path

import numpy as np
import pyarrow as pa

from loaders.errors import StoreError
from loaders.graph import Graph

FORMAT_NAME = "gwb-store"
FORMAT_VERSION = 1
_CHUNK = 1 << 24


def save_store(graph: Graph, path: str | os.PathLike, *, overwrite: bool = False) -> str:
    """Write ``graph`` to the store folder ``path`` atomically and return the path.

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
    """
    destination = Path(path)
    if destination.exists() and not overwrite:
        raise FileExistsError(f"{destination} exists; pass overwrite=True to replace it")
    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(
        tempfile.mkdtemp(prefix=f".{destination.name}.", suffix=".tmp", dir=destination.parent)
    )
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
            "dtypes": {
                name.removesuffix(".npy"): str(array.dtype) for name, array in files.items()
            },
            "files": checksums,
        }
        _write_meta(staging / "meta.json", meta)
        _fsync_dir(staging)
        if destination.exists():
            # Move the old store aside first so the rename below is atomic.
            graveyard = Path(
                tempfile.mkdtemp(
                    prefix=f".{destination.name}.", suffix=".old", dir=destination.parent
                )
            )
            os.replace(destination, graveyard / "store")
            os.replace(staging, destination)
            shutil.rmtree(graveyard, ignore_errors=True)
        else:
            os.replace(staging, destination)
        _fsync_dir(destination.parent)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return str(destination)


def open_store(path: str | os.PathLike, *, verify: bool = False) -> Graph:
    """Open a ``.gwb`` store with its arrays memory-mapped (read-only).

    Parameters
    ----------
    path : path-like
        The store folder.
    verify : bool
        Re-read every file and compare its CRC32 with the one recorded at write
        time. File sizes and the metadata's own checksum are always checked.

    Raises
    ------
    FileNotFoundError
        No store at ``path``.
    StoreError
        The store is incomplete, corrupted, or written by a newer format version.
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

    indptr = np.load(folder / "indptr.npy", mmap_mode="r")
    indices = np.load(folder / "indices.npy", mmap_mode="r")
    weights = np.load(folder / "weights.npy", mmap_mode="r") if meta["weighted"] else None
    labels, attributes = None, {}
    if "nodes.arrow" in meta["files"]:
        table = pa.ipc.open_file(pa.memory_map(str(folder / "nodes.arrow"), "r")).read_all()
        # Stores written before label_column existed call it "label".
        label_column = meta.get("label_column", "label")
        if meta["labels"] != "identity" and label_column in table.column_names:
            labels = table.column(label_column)
        attributes = {key: table.column(key) for key in meta["attributes"]}
    if indptr.shape != (meta["n_nodes"] + 1,) or indices.shape != (meta["nnz"],):
        raise StoreError(f"{folder}: array shapes disagree with meta.json")
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
    return graph


def read_meta(folder: str | os.PathLike) -> dict:
    """The parsed and checked ``meta.json`` of a store folder."""
    folder = Path(folder)
    meta_path = folder / "meta.json"
    if not meta_path.is_file():
        raise StoreError(f"{folder}: no meta.json; not a graph store, or one left half written")
    try:
        document = json.loads(meta_path.read_text())
        meta, recorded = document["meta"], document["crc32"]
    except (ValueError, KeyError, TypeError) as error:
        raise StoreError(f"{meta_path}: unreadable ({error})") from None
    if zlib.crc32(_canonical(meta)) != recorded:
        raise StoreError(f"{meta_path}: fails its checksum; the store is corrupted")
    if meta.get("format") != FORMAT_NAME:
        raise StoreError(f"{meta_path}: not a {FORMAT_NAME} (format {meta.get('format')!r})")
    version = meta.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise StoreError(
            f"{folder}: store format version {version} is newer than this gwb reads "
            f"({FORMAT_VERSION}); upgrade gwb or rebuild the store"
        )
    return meta


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


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
