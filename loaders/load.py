"""``load``: one entry point for every graph source, with a store cache for text files."""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from pathlib import Path

from loaders.atomic import atomic_write
from loaders.edgelist import COMPRESSION, read_edgelist
from loaders.errors import StoreError
from loaders.formats import read_igraph_format, read_matrix_market, read_table
from loaders.graph import Graph
from loaders.node_table import attach_node_table
from loaders.store import FORMAT_VERSION, read_store, save_store

#: File extension (after any compression suffix) → format name.
EXTENSIONS = {
    ".txt": "edgelist",
    ".edges": "edgelist",
    ".edgelist": "edgelist",
    ".el": "edgelist",
    ".tsv": "edgelist",
    ".csv": "edgelist",
    ".snap": "edgelist",
    ".dat": "edgelist",
    ".ncol": "edgelist",
    ".cites": "edgelist",
    ".mtx": "mtx",
    ".mm": "mtx",
    ".gml": "gml",
    ".graphml": "graphml",
    ".xml": "graphml",
    ".net": "pajek",
    ".pajek": "pajek",
    ".parquet": "parquet",
    ".arrow": "arrow",
    ".feather": "arrow",
    ".ipc": "arrow",
    ".gwb": "gwb",
}
FORMATS = ("edgelist", "mtx", "gml", "graphml", "pajek", "parquet", "arrow", "gwb")
_CACHED_FORMATS = {"edgelist", "mtx", "gml", "graphml", "pajek"}


def load(
    source,
    format: str | None = None,
    *,
    nodes: str | os.PathLike | None = None,
    cache: bool = True,
    cache_dir: str | os.PathLike | None = None,
    **options,
) -> Graph:
    """Load a graph from a file, a ``.gwb`` store, or a networkx/igraph object.

    Parameters
    ----------
    source : path-like, networkx.Graph, igraph.Graph or Graph
    format : str, optional
        One of ``FORMATS``; by default taken from the file extension
        (``.gz``/``.bz2``/``.zst`` are looked through).
    nodes : path-like, optional
        A node table (CSV/TSV, Parquet, Arrow) whose columns become node
        attributes; see :func:`~loaders.node_table.attach_node_table`.
    cache : bool
        Convert text formats once to a ``.gwb`` store, keyed by the file's path,
        size, modification time and the options, so the next load is a memory map.
    cache_dir : path-like, optional
        Where cached stores live: this, else ``$GWB_CACHE_DIR``, else ``~/.cache/gwb``.
    **options
        Passed to the reader: see :func:`~loaders.edgelist.read_edgelist`,
        :func:`~loaders.formats.read_matrix_market`,
        :func:`~loaders.formats.read_igraph_format`, :func:`~loaders.formats.read_table`.

    Examples
    --------
    >>> import networkx as nx
    >>> load(nx.karate_club_graph()).n_edges
    78
    """
    if nodes is not None:
        if not Path(nodes).is_file():
            raise FileNotFoundError(f"node table not found: {nodes}")
        if not (cache and isinstance(source, str | os.PathLike)):
            graph = load(source, format, cache=cache, cache_dir=cache_dir, **options)
            return attach_node_table(graph, nodes)
    if isinstance(source, Graph):
        return source
    kind = type(source).__module__.split(".")[0]
    if kind == "networkx":
        return Graph.from_networkx(source, **options)
    if kind == "igraph":
        return Graph.from_igraph(source, **options)
    if not isinstance(source, str | os.PathLike):
        raise TypeError(
            f"cannot load a graph from {type(source).__name__}; give a path, a "
            "networkx or igraph graph"
        )
    path = Path(source)
    fmt = format or detect_format(path)
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; formats: {', '.join(FORMATS)}")
    if fmt == "gwb":
        # A store declares no sizes to check: it is validated and memory-mapped.
        options.pop("memory_limit", None)
        graph = open_store(path, **options)
        return graph if nodes is None else attach_node_table(graph, nodes)
    if not path.exists():
        raise FileNotFoundError(f"graph file not found: {path}")
    if not (cache and fmt in _CACHED_FORMATS):
        graph = _read(path, fmt, options)
        return graph if nodes is None else attach_node_table(graph, nodes)

    cached = _cache_path(path, fmt, options, cache_dir, nodes)
    if cached.is_dir():
        try:
            return _open_cached(cached)
        except (StoreError, OSError):
            pass  # a damaged cache entry is rebuilt below
    graph = _read(path, fmt, options)
    if nodes is not None:
        graph = attach_node_table(graph, nodes)
    try:
        save_store(graph, cached, overwrite=True)
    except (OSError, TypeError) as error:
        warnings.warn(
            f"could not cache {path} as a store in {cached.parent}: {error}", stacklevel=2
        )
    else:
        # Its checksums were computed from the files just written: as good as a check.
        _remember_verified(cached)
    return graph


# (store folder, signature of its files) pairs whose CRC32s this process has checked.
_VERIFIED: set[tuple[str, tuple]] = set()


def _open_cached(cached: Path) -> Graph:
    """Open a cached store, checking its CRC32s once per version of its files.

    ``open_store`` always checks structure, but only a checksum catches damage
    that leaves a valid graph (a changed weight, another in-range neighbour),
    and a cache is trusted without the user having asked for ``verify``. The
    full read costs about as much as opening a second time, so it is done once
    for each version of the files, recognised by their sizes, times and inodes,
    and remembered in this process and, for the next one, in a marker inside the
    store (``.verified.json``: hidden, not one of the store's files, and gone
    with the store when it is replaced). A rewrite of a file changes its
    times; damage that leaves them alone (bit rot) is caught only by
    ``open_store(..., verify=True)``.
    """
    signature = _store_signature(cached)
    verified = (str(cached), signature) in _VERIFIED or _marker_signature(cached) == signature
    graph = open_store(cached, verify=not verified)
    if not verified:
        _remember_verified(cached, signature)
    return graph


def _store_signature(folder: Path) -> tuple:
    """Name, size, inode, mtime and ctime of every file of a store (hidden ones aside)."""
    entries = []
    with os.scandir(folder) as listing:
        for entry in listing:
            if entry.name.startswith("."):
                continue  # the marker and its temporaries
            stat = entry.stat(follow_symlinks=False)
            entries.append(
                (entry.name, stat.st_size, stat.st_ino, stat.st_mtime_ns, stat.st_ctime_ns)
            )
    return tuple(sorted(entries))


def _marker_path(folder: Path) -> Path:
    return folder / ".verified.json"


def _marker_signature(folder: Path) -> tuple | None:
    """The signature a ``.verified`` marker records, or None without a readable one."""
    try:
        document = json.loads(_marker_path(folder).read_text())
        return tuple(tuple(entry) for entry in document["files"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _remember_verified(folder: Path, signature: tuple | None = None) -> None:
    """Record that the store's files, as they are now, passed their checksums."""
    try:
        signature = signature or _store_signature(folder)
        _VERIFIED.add((str(folder), signature))
        document = {"store": folder.name, "files": [list(entry) for entry in signature]}
        atomic_write(_marker_path(folder), lambda tmp: tmp.write_text(json.dumps(document)))
    except OSError:
        pass  # a read-only cache: the check is remembered in this process only


def detect_format(path: Path) -> str:
    """The format name implied by a path's extension."""
    if path.is_dir():
        if (path / "meta.json").exists() or path.suffix == ".gwb":
            return "gwb"
        raise ValueError(f"{path} is a folder but not a graph store (no meta.json)")
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in COMPRESSION:
        suffixes = suffixes[:-1]
    extension = suffixes[-1] if suffixes else ""
    if extension not in EXTENSIONS:
        known = ", ".join(sorted(EXTENSIONS))
        raise ValueError(
            f"cannot tell the format of {path} from its extension "
            f"{extension or '(none)'!r}; known extensions: {known} (optionally "
            f"compressed .gz/.bz2/.zst), or pass format= one of {', '.join(FORMATS)}"
        )
    return EXTENSIONS[extension]


def _read(path: Path, fmt: str, options: dict) -> Graph:
    if fmt == "edgelist":
        return read_edgelist(path, **options)
    if fmt == "mtx":
        return read_matrix_market(path, **options)
    if fmt in ("gml", "graphml", "pajek"):
        return read_igraph_format(path, fmt, **options)
    return read_table(path, **options)


# Bump when a reader or the store writer changes what it produces, so that stores
# cached by an older gwb are rebuilt rather than trusted. 2: node attributes
# called "label" no longer overwrite the labels. 3: the reading contract, weights
# and names as their writers meant them, provenance.
CACHE_REVISION = 3


def default_cache_dir() -> Path:
    """``$GWB_CACHE_DIR``, else ``~/.cache/gwb``."""
    return Path(os.environ.get("GWB_CACHE_DIR") or Path.home() / ".cache" / "gwb")


def _cache_path(path: Path, fmt: str, options: dict, cache_dir, nodes=None) -> Path:
    stat = path.stat()
    node_table = None
    if nodes is not None:
        table = Path(nodes).stat()
        node_table = [str(Path(nodes).resolve()), table.st_size, table.st_mtime_ns]
    key = json.dumps(
        {
            "path": str(path.resolve()),
            "size": stat.st_size,
            "mtime_ns": stat.st_mtime_ns,
            "format": fmt,
            "store": FORMAT_VERSION,
            "revision": CACHE_REVISION,
            "options": options,
            "nodes": node_table,
        },
        sort_keys=True,
        default=str,
    )
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    return folder / f"{path.name}-{digest}.gwb"


def open_store(path: str | os.PathLike, *, verify: bool = False) -> Graph:
    """Open a ``.gwb`` store as a :class:`Graph`, its arrays memory-mapped (read-only).

    Milliseconds whatever the graph's size, plus one checked pass over the
    arrays (see :func:`loaders.store.read_store`): a damaged store is a
    :class:`~loaders.errors.StoreError` naming the file, never a crash later.

    Parameters
    ----------
    path : path-like
        The store folder.
    verify : bool
        Also re-read every byte against the CRC32s recorded at write time.

    Examples
    --------
    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> path = Graph.from_edges(["a", "b"], ["b", "c"]).save(os.path.join(folder, "g.gwb"))
    >>> open_store(path, verify=True).neighbors("b").tolist()
    ['a', 'c']
    """
    contents = read_store(path, verify=verify)
    meta = contents.meta
    graph = Graph(
        contents.indptr,
        contents.indices,
        contents.weights,
        directed=meta["directed"],
        labels=contents.labels,
        attributes=contents.attributes,
        name=meta["name"],
        validate=False,
    )
    graph._n_self_loops = meta["n_self_loops"]
    graph.store_path = str(contents.folder)
    graph.provenance = dict(meta.get("provenance", {}))
    return graph
