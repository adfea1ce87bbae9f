"""Sizes a graph file declares, checked against the memory limit before a parser allocates.

A Matrix Market size line, a Pajek ``*Vertices`` count, GraphML's
``parse.nodes``/``parse.edges``, a Parquet file's row count, and for GML and
GraphML (which declare nothing) the file's size: past the memory limit
(``memory_limit=`` in bytes, else ``$GWB_MEMORY_LIMIT``, else the available
memory capped by :func:`loaders.memory.read_cap`) the reader raises
:class:`~loaders.errors.GraphFormatError` naming the line and the bytes it would
need, so a file of a few bytes cannot make scipy or igraph allocate gigabytes.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from loaders import memory
from loaders.edgelist import COMPRESSION
from loaders.errors import GraphFormatError
from loaders.memory import format_bytes, graph_read_memory

# igraph's parsers hold the whole file as a tree of tokens or XML nodes, plus a
# Python tuple per edge on the way to our CSR: measured 5-6x the file size for GML
# and GraphML (networkx-written, 13-22 MB) and up to 34x for Pajek (short edge lines).
_IGRAPH_BYTES_PER_FILE_BYTE = {"gml": 8, "graphml": 8, "pajek": 40}
# igraph's vertex vectors and ours, for vertices a Pajek file declares but need not list.
_PAJEK_BYTES_PER_VERTEX = 64
# Lines looked at for a header: it comes first, after comments.
_HEADER_LINES = 1000


def _check_declared(path: Path, line: int | None, declares: str, needed: int, limit) -> None:
    """Refuse a file whose declared size needs more than the memory limit."""
    cap = memory.read_cap(path.stat().st_size, compressed=path.suffix.lower() in COMPRESSION)
    allowed, source = memory.memory_limit(limit, cap=cap)
    if needed > allowed:
        raise GraphFormatError(
            path,
            line,
            f"{declares}; reading it would need about {format_bytes(needed)} ({needed:,} bytes), "
            f"over the memory limit of {format_bytes(allowed)} ({source}); if the file is "
            "trusted, pass memory_limit= (bytes) or set GWB_MEMORY_LIMIT",
        )


def _head_lines(path: Path) -> Iterator[tuple[int, str]]:
    """``(line number, line)`` of the file's first lines, looking through compression.

    Decoding errors are replaced: only ASCII headers matter here, and the real
    reader reports a file that is not text.
    """
    compression = COMPRESSION.get(path.suffix.lower())
    with pa.input_stream(str(path), compression=compression) as stream:
        text = io.TextIOWrapper(stream, encoding="utf-8", errors="replace")
        for number, line in enumerate(text, start=1):
            if number > _HEADER_LINES:
                return
            yield number, line.strip()


def check_matrix_market_header(path: Path, limit) -> None:
    """Check the size line (the first line after the banner and ``%`` comments).

    A malformed header is left to scipy, whose error names what is wrong.
    """
    banner: list[str] = []
    try:
        for number, line in _head_lines(path):
            if number == 1:
                banner = line.lower().split()
                if not banner or banner[0] != "%%matrixmarket" or len(banner) < 5:
                    return
                continue
            if not line or line.startswith("%"):
                continue
            sizes = [int(token) for token in line.split()]
            break
        else:
            return
    except (ValueError, OSError, pa.ArrowException):
        return  # not integers or not readable: scipy says why
    layout, field, symmetry = banner[2], banner[3], banner[4]
    if layout == "array" and len(sizes) == 2:
        rows, cols = sizes
        entries = rows * cols
        # scipy builds the dense array first, then the non-zeros' COO.
        needed = 8 * entries + graph_read_memory(max(rows, cols), entries)
        declares = f"the size line declares a dense {rows:,} x {cols:,} matrix"
    elif layout == "coordinate" and len(sizes) == 3:
        rows, cols, nnz = sizes
        # scipy expands a symmetric file to both triangles before we keep one.
        entries = nnz if symmetry == "general" else 2 * nnz
        needed = graph_read_memory(max(rows, cols), entries, weighted=field != "pattern")
        declares = f"the size line declares a {rows:,} x {cols:,} matrix with {nnz:,} entries"
    else:
        return
    if min(sizes) < 0:
        return
    if rows != cols:
        raise GraphFormatError(
            path, number, f"adjacency matrix must be square; the size line declares {rows}x{cols}"
        )
    _check_declared(path, number, declares, needed, limit)


def check_igraph_input(path: Path, fmt: str, limit) -> None:
    """Check the file size, and the counts Pajek and GraphML declare, before igraph parses."""
    size = path.stat().st_size
    needed = _IGRAPH_BYTES_PER_FILE_BYTE[fmt] * size
    line, declares = None, f"the file holds {size:,} bytes"
    try:
        if fmt == "pajek":
            declared = _pajek_vertices(path)
            if declared is not None:
                line, vertices = declared
                needed += _PAJEK_BYTES_PER_VERTEX * vertices
                declares = f"*Vertices declares {vertices:,} vertices (in a file of {size:,} bytes)"
        elif fmt == "graphml":
            declared = _graphml_counts(path)
            if declared is not None:
                line, nodes, edges = declared
                by_counts = graph_read_memory(nodes, 2 * edges) + _PAJEK_BYTES_PER_VERTEX * nodes
                if by_counts > needed:
                    needed = by_counts
                    declares = f"<graph> declares {nodes:,} nodes and {edges:,} edges"
    except (OSError, pa.ArrowException):
        return  # unreadable: igraph's error names the file
    _check_declared(path, line, declares, needed, limit)


def _pajek_vertices(path: Path) -> tuple[int, int] | None:
    """``(line, count)`` of the ``*Vertices N`` line, if it comes before any edge."""
    for number, line in _head_lines(path):
        if not line or line.startswith("%"):
            continue
        if not line.startswith("*"):
            return None  # data before *Vertices: igraph will refuse the file
        keyword, _, rest = line.partition(" ")
        keyword = keyword.lower()
        if keyword == "*vertices":
            tokens = rest.split()
            return (number, int(tokens[0])) if tokens and tokens[0].isdigit() else None
        if keyword != "*network":
            return None
    return None


_GRAPH_ELEMENT = re.compile(r"<graph[\s>]")
_GRAPHML_COUNT = re.compile(r'parse\.(nodes|edges)\s*=\s*["\'](\d+)["\']')


def _graphml_counts(path: Path) -> tuple[int, int, int] | None:
    """``(line, nodes, edges)`` from the first ``<graph>`` element's ``parse.nodes``/``parse.edges``
    (GraphML's parse extension), when it declares them."""
    element: list[str] = []
    first = None
    for number, line in _head_lines(path):
        if first is None:
            match = _GRAPH_ELEMENT.search(line)
            if match is None:
                continue
            first, line = number, line[match.start() :]
        element.append(line)
        if ">" in line:
            break
    if first is None:
        return None
    counts = dict(_GRAPHML_COUNT.findall(" ".join(element)))
    if not counts:
        return None
    return first, int(counts.get("nodes", 0)), int(counts.get("edges", 0))


def check_rows(path: Path, rows: int, columns: int, limit) -> None:
    """An edge table's declared rows: its columns, then the graph built from them."""
    needed = 8 * rows * max(columns, 2) + graph_read_memory(2 * rows, rows)
    _check_declared(path, None, f"the table declares {rows:,} rows", needed, limit)
