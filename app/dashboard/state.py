"""Shared dashboard state: the graph chosen in the sidebar, cached across reruns and sessions.

A graph comes from one of three sources:

- a bundled sample;
- a file under the data folder (``$GWB_DATA_DIR``, default ``./data``); nothing
  outside that folder can be opened, through links either: a file, a folder or a
  ``.gwb`` store's member that is a symbolic link out of it is refused;
- an uploaded file, up to ``$GWB_MAX_UPLOAD_MB`` (default 200) megabytes (``gwb app``
  sets Streamlit's ``server.maxUploadSize`` to match); sizes its header declares
  may need at most :data:`~app.dashboard.limits.UPLOAD_MEMORY_FACTOR` times that.

Files are opened with :func:`engine.load`, which converts text formats once into
a store, so reopening is a memory map. Opened graphs are held with
``st.cache_resource``: uploads keyed by their content hash, data files by path,
size and modification time.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import streamlit as st

import engine
from app.dashboard.inputs import error_message, find_nodes
from app.dashboard.limits import max_upload_bytes, upload_memory_limit
from loaders.atomic import atomic_write
from loaders.load import EXTENSIONS, default_cache_dir

SOURCE_KEY = "graph_source"
GRAPH_KEY = "sample_picker"
DATA_FILE_KEY = "data_file_picker"
UPLOAD_KEY = "graph_upload"
NODE_SEARCH_KEY = "node_search"
SOURCES = ("Sample", "Data folder", "Upload")
NODES_UPLOAD_KEY = "node_table_upload"
NODE_TABLE_TYPES = ["csv", "tsv", "txt", "parquet", "gz"]
UPLOAD_TYPES = sorted({ext.lstrip(".") for ext in EXTENSIONS} | {"gz", "bz2", "zst"})


def data_dir() -> Path:
    """The folder analysts may open files from (``$GWB_DATA_DIR``, default ``./data``)."""
    return Path(os.environ.get("GWB_DATA_DIR", "data")).resolve()


def data_files(folder: Path) -> list[str]:
    """Graph files under ``folder`` (relative paths), by extension, stores included."""
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.rglob("*")):
        if path.name.startswith("."):
            continue
        if path.is_dir() and (path / "meta.json").exists():
            found.append(str(path.relative_to(folder)))
        elif path.is_file() and _known_extension(path):
            found.append(str(path.relative_to(folder)))
    return found


def _known_extension(path: Path) -> bool:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in (".gz", ".bz2", ".zst"):
        suffixes = suffixes[:-1]
    return bool(suffixes) and suffixes[-1] in EXTENSIONS


def resolve_data_file(relative: str, folder: Path | None = None) -> Path:
    """``relative`` inside the data folder; ValueError for anything that escapes it.

    >>> resolve_data_file("../etc/passwd", Path("/srv/data"))
    Traceback (most recent call last):
    ...
    ValueError: ../etc/passwd is outside the data folder /srv/data
    """
    folder = (folder or data_dir()).resolve()
    path = (folder / relative).resolve()  # follows links: a linked file or folder lands outside
    if not path.is_relative_to(folder):
        raise ValueError(f"{relative} is outside the data folder {folder}")
    if path.is_dir():
        # A store is read member by member: one linked member would read a file
        # from anywhere on the server, although the folder itself is inside.
        for member in sorted(path.rglob("*")):
            if member.is_symlink() and not member.resolve().is_relative_to(folder):
                raise ValueError(
                    f"{relative}/{member.relative_to(path)} is a link to a file outside "
                    f"the data folder {folder}"
                )
    return path


@st.cache_resource(show_spinner="Opening graph…")
def open_sample(name: str) -> engine.Graph:
    """A bundled sample graph, opened once per server (its arrays are read-only memory maps)."""
    return engine.sample(name)


@st.cache_resource(show_spinner="Opening graph…", max_entries=16)
def open_data_file(path: str, size: int, mtime_ns: int) -> engine.Graph:
    """A file from the data folder; ``size`` and ``mtime_ns`` key the cache to its version."""
    return engine.load(path)


@st.cache_resource(show_spinner="Reading the upload…", max_entries=8)
def open_upload(
    name: str,
    digest: str,
    _content: bytes,
    nodes_name: str | None = None,
    nodes_digest: str | None = None,
    _nodes_content: bytes | None = None,
) -> engine.Graph:
    """An uploaded file (and node table), saved under the cache folder by content hash, loaded."""
    path = _saved_upload(name, digest, _content)
    nodes = None
    if nodes_name is not None and _nodes_content is not None:
        nodes = _saved_upload(nodes_name, nodes_digest or "", _nodes_content)
    # A header may declare sizes far beyond what the upload could hold (10^8 nodes in
    # a few bytes): uploads get a limit tied to their own size, not the machine's.
    return engine.load(path, nodes=nodes, memory_limit=upload_memory_limit())


def _saved_upload(name: str, digest: str, content: bytes) -> Path:
    base = Path(name).name
    if base in ("", ".", "..") or base.startswith("."):
        raise ValueError(f"an upload needs a plain file name; got {name!r}")
    path = default_cache_dir() / "uploads" / digest / base
    if not path.exists():
        atomic_write(path, lambda temporary: temporary.write_bytes(content))
    return path


def sidebar_graph_picker() -> str | None:
    """Draw the graph source and picker in the sidebar (the router calls this on every run).

    Returns why the chosen file could not be opened, or None; the pages then
    show the default sample.
    """
    for key in (SOURCE_KEY, GRAPH_KEY, DATA_FILE_KEY, NODE_SEARCH_KEY):
        if key in st.session_state:
            # Re-assigning keeps the choice when a page switch skips drawing the widget:
            # Streamlit forgets the state of widgets a run does not draw.
            st.session_state[key] = st.session_state[key]
    source = st.sidebar.radio("Graph source", SOURCES, key=SOURCE_KEY, horizontal=True)
    if source == "Data folder":
        folder = data_dir()
        files = data_files(folder)
        if not files:
            st.sidebar.info(f"No graph files in {folder} (set GWB_DATA_DIR).")
        else:
            st.sidebar.selectbox("File", files, key=DATA_FILE_KEY, help=f"Files under {folder}")
    elif source == "Upload":
        try:
            limit = max_upload_bytes()
        except ValueError as error:  # a bad GWB_MAX_UPLOAD_MB: say so instead of failing the page
            st.sidebar.error(str(error))
        else:
            st.sidebar.file_uploader(
                f"Edge list, CSV, GraphML or Parquet (up to {limit / 2**20:.0f} MB)",
                type=UPLOAD_TYPES,
                key=UPLOAD_KEY,
            )
            st.sidebar.file_uploader(
                "Node table (optional): Id, Label and attribute columns",
                type=NODE_TABLE_TYPES,
                key=NODES_UPLOAD_KEY,
                help="CSV/TSV or Parquet, as Gephi, Neo4j or Cytoscape export; its columns "
                "colour the graph view and the embedding map",
            )
    else:
        st.sidebar.selectbox(
            "Sample graph",
            engine.sample_names(),
            key=GRAPH_KEY,
            help="Graphs bundled with gwb in sample_graphs/",
        )
    graph, error = _chosen_graph()
    st.sidebar.caption(f"{graph.name} · {graph.n_nodes:,} nodes · {graph.n_edges:,} edges")
    for line in provenance_lines(graph):
        st.sidebar.caption(line)
    query = st.sidebar.text_input(
        "Find a node",
        key=NODE_SEARCH_KEY,
        placeholder="part of a label",
        help="Labels containing this text, exact matches first, then by degree",
    )
    if query:
        matches = find_nodes(graph, query)
        if len(matches):
            st.sidebar.dataframe(matches, hide_index=True, width="stretch")
        else:
            st.sidebar.caption(f"No node label contains {query!r}.")
    return error


def provenance_lines(graph: engine.Graph) -> list[str]:
    """What the reader decided, one short line each (\"weighted: column 3\")."""
    names = {"weights": "weighted", "direction": "direction", "names": "names from"}
    return [
        f"{names.get(what, what)}: {decided}"
        for what, decided in graph.provenance.items()
        if what != "file"
    ]


def current_graph() -> engine.Graph:
    """The graph chosen in the sidebar (the default sample when the chosen file is bad)."""
    return _chosen_graph()[0]


def _chosen_graph() -> tuple[engine.Graph, str | None]:
    """``(graph, error message or None)``; a bad file falls back to the default sample."""
    source = st.session_state.get(SOURCE_KEY, SOURCES[0])
    try:
        if source == "Data folder" and st.session_state.get(DATA_FILE_KEY):
            path = resolve_data_file(st.session_state[DATA_FILE_KEY])
            stat = path.stat()
            return open_data_file(str(path), stat.st_size, stat.st_mtime_ns), None
        if source == "Upload" and st.session_state.get(UPLOAD_KEY) is not None:
            upload = st.session_state[UPLOAD_KEY]
            if upload.size > max_upload_bytes():
                raise ValueError(
                    f"{upload.name} is {upload.size / 2**20:.1f} MB; the limit is "
                    f"{max_upload_bytes() / 2**20:.0f} MB (GWB_MAX_UPLOAD_MB)"
                )
            content = upload.getvalue()
            table = st.session_state.get(NODES_UPLOAD_KEY)
            extra = ()
            if table is not None:
                table_content = table.getvalue()
                extra = (table.name, hashlib.sha256(table_content).hexdigest(), table_content)
            graph = open_upload(upload.name, hashlib.sha256(content).hexdigest(), content, *extra)
            return graph, None
    except (ValueError, KeyError, OSError, TypeError) as error:
        return open_sample(engine.sample_names()[0]), error_message(error)
    if source == "Sample":
        return open_sample(st.session_state.get(GRAPH_KEY) or engine.sample_names()[0]), None
    return open_sample(engine.sample_names()[0]), None
