"""Reading text edge lists: whitespace, CSV and TSV, SNAP, KONECT, Gephi; compressed or not.

One tokenizer (:mod:`loaders._edgelist_kernels`) applies the reading contract
written in :func:`read_edgelist` to every file: there is no fast path with
rules of its own beside a slow exact one. The head is sniffed
(:mod:`loaders._sniff`), then the body is parsed in chunks on several threads
(:mod:`loaders._edgelist_parse`). What is left here is the reader's options
and its decisions about the whole file (direction, KONECT's declared sizes).
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from checks import check_choice
from loaders._build import graph_arrays
from loaders._edgelist_parse import parse_body
from loaders._sniff import ENDPOINT_NAMES, Layout, choose_columns, sniff
from loaders.errors import GraphFormatError
from loaders.graph import Graph

COMPRESSION = {".gz": "gzip", ".bz2": "bz2", ".zst": "zstd", ".zstd": "zstd"}
__all__ = ["COMPRESSION", "ENDPOINT_NAMES", "read_edgelist"]


def read_edgelist(
    path: str | os.PathLike,
    *,
    directed: bool | None = None,
    delimiter: str | None = None,
    comments: str = "#%",
    header: bool | str = "auto",
    source_col: int | str = 0,
    target_col: int | str = 1,
    weight_col: int | str | None = "auto",
    ids: str = "auto",
    self_loops: str = "keep",
    merge: str = "sum",
    name: str | None = None,
    memory_limit: int | None = None,
) -> Graph:
    """Read a text edge list into a :class:`Graph`.

    The reading contract, the same for every file (plain or compressed, int or
    string ids, small or large):

    - **Lines.** UTF-8 text; a leading byte-order mark is dropped; lines end in
      ``\\n``, ``\\r\\n`` or ``\\r``, the last one optionally without. Blank and
      whitespace-only lines are skipped anywhere. A line whose first non-blank
      character is one of ``comments`` is skipped anywhere; the same character
      inside or after a field is data.
    - **Fields.** With ``delimiter`` given, or sniffed from the first data
      lines: tab when every line of several words holds a tab (ids may then
      hold spaces; a file that mixes tabs and runs of spaces between ids is
      blank-separated), else comma when a line holds one, else runs of blanks.
      Fields are trimmed of surrounding blanks. With a delimiter, a field may be
      quoted as in RFC 4180: it may then hold the delimiter and blanks, and
      ``""`` stands for a quote; a quoted field must end on its line. Blank-
      separated files have no quoting. Columns beyond those used are ignored; an
      empty id or weight is an error.
    - **Header.** ``header="auto"`` takes the first data line as column names
      only when its two endpoint fields are names a user gives such columns
      (``source``, ``target``, ``src``, ``dst``, ``from``, ``to``, ``node1``,
      ``node2``, ... in any case, e.g. Gephi's ``Source,Target,Weight``), or when
      they are not numbers while every other line read for sniffing has numbers
      there. Otherwise the first line is an edge.
    - **Ids.** ``ids="auto"`` reads integers only when every id in the file is a
      plain ASCII decimal that prints back as written (``0``, ``-7``, ``42``;
      not ``007``, ``+1``, ``1_000`` or other scripts' digits) and fits int64;
      otherwise every id is the string as written. ``ids="int"`` accepts any
      ASCII decimal within int64 and names the file and line of any other id;
      ``ids="str"`` keeps every id as a string.
    - **Weights.** ``weight_col="auto"`` takes what a KONECT header says, else
      a header column named like a weight (``weight``, ``Weight``, ``value``...),
      else a third column that is a number on every line sniffed (as igraph's
      NCOL and networkx's ``read_weighted_edgelist`` read it). A third column
      of Unix-time-like integers, or one a header calls ``time``/``timestamp``,
      is ignored with a warning; one numeric on most lines but not all is an
      error naming the first line that is not. A weight is a number as Arrow
      parses it (``1``, ``0.5``, ``1e-3``), finite and ≥ 0.
    - **Direction.** ``directed=None`` lets the file decide: KONECT's ``asym``
      header, or Gephi's ``Type`` column (``Directed``/``Undirected`` per row;
      mixed rows give a directed graph with each undirected row both ways, and
      a warning); otherwise undirected.
    - **KONECT.** A first line ``% sym|asym|bip <weights>`` sets direction and
      weights; a ``% m n1 n2`` line is checked against the edges read, and
      nodes ``1..n`` are all kept (isolated ones too); in a ``bip`` file the
      right-hand side is numbered after the left.

    What the reader decided (the weight column, the direction, what it
    ignored) is in ``graph.provenance`` and shows in ``repr``.

    Every error is a :class:`GraphFormatError` naming the file and, where one is
    to blame, the line.

    Parameters
    ----------
    path : path-like
        A text file, optionally compressed (``.gz``, ``.bz2``, ``.zst``).
    directed : bool, optional
        Keep edge direction (SNAP's directed graphs need ``directed=True``). None
        lets a KONECT header or a Gephi ``Type`` column decide, else undirected.
    delimiter : str, optional
        One ASCII character; ``" "`` means runs of blanks. Sniffed by default.
    comments : str
        ASCII characters that start a comment line.
    header : bool or "auto"
        Whether the first data line holds column names.
    source_col, target_col : int or str
        Columns of the edge endpoints, by position or header name.
    weight_col : int, str, "auto" or None
        Column of edge weights, by position or header name; "auto" as above;
        None reads no weights.
    ids : {"auto", "int", "str"}
    self_loops : {"keep", "drop"}
    merge : {"sum", "max", "min"}
        How weights of repeated edges combine (see :meth:`Graph.from_edges`).
    name : str, optional
        Defaults to the file name without extensions.
    memory_limit : int, optional
        Accepted for symmetry with the readers of formats that declare sizes in
        a header; an edge list declares none, so its memory follows its length.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    GraphFormatError
        A malformed line, named by file and line number, or an unreadable file.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "edges.csv")
    >>> _ = open(path, "w").write('source,target\\n"Smith, J", Doe\\n# a comment\\nDoe,Roe\\n')
    >>> g = read_edgelist(path)
    >>> g
    <Graph 'edges': 3 nodes, 2 edges, undirected, unweighted>
    >>> g.labels.tolist()
    ['Doe', 'Roe', 'Smith, J']
    """
    check_choice("ids", ids, ("auto", "int", "str"))
    check_choice("self_loops", self_loops, ("keep", "drop"))
    check_choice("merge", merge, ("sum", "max", "min"))
    if header not in (True, False, "auto"):
        raise ValueError(f"header must be True, False or 'auto'; got {header!r}")
    if delimiter is not None and (len(delimiter) != 1 or not delimiter.isascii()):
        raise ValueError(f"delimiter must be a single ASCII character; got {delimiter!r}")
    if not comments.isascii() or any(c in " \t\r\n" for c in comments):
        raise ValueError(f"comments must be ASCII characters other than blanks; got {comments!r}")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"edge list not found: {path}")
    named_columns = (source_col, target_col, None if weight_col == "auto" else weight_col)
    if header == "auto" and any(isinstance(c, str) for c in named_columns):
        header = True  # columns named by the header
    compression = COMPRESSION.get(path.suffix.lower())
    layout = sniff(path, compression, delimiter, comments, header, (source_col, target_col))
    columns = choose_columns(path, layout, source_col, target_col, weight_col)
    src, dst, weights, types = parse_body(path, compression, layout, columns, ids)
    directed, src, dst, weights = _direction(path, layout, directed, types, src, dst, weights)
    nodes, dst = _konect_nodes(path, layout, src, dst, len(src))
    # The parsed arrays are this reader's own: the build may write over them.
    spare = (src.base if isinstance(src, np.ndarray) else None, weights)
    indptr, indices, csr_weights, labels, n_self_loops = graph_arrays(
        src,
        dst,
        weights,
        directed=directed,
        self_loops=self_loops,
        merge=merge,
        n_nodes=None,
        nodes=nodes,
        name=name or _stem(path),
        spare=spare,
    )
    del src, dst, weights, spare
    graph = Graph(
        indptr,
        indices,
        csr_weights,
        directed=directed,
        labels=labels,
        name=name or _stem(path),
        validate=False,
    )
    graph._n_self_loops = n_self_loops
    graph.provenance = {"file": str(path), **layout.notes}
    return graph


def _stem(path: Path) -> str:
    name = path.name
    if path.suffix.lower() in COMPRESSION:
        name = name[: -len(path.suffix)]
    return name.rsplit(".", 1)[0] if "." in name else name


def _direction(path, layout: Layout, directed, types, src, dst, weights):
    """Direction from the caller, else a KONECT header or a Gephi ``Type`` column, else none."""
    if directed is not None:
        return bool(directed), src, dst, weights
    if layout.konect is not None:
        layout.notes["direction"] = f"KONECT header ({layout.konect.structure})"
        return layout.konect.structure == "asym", src, dst, weights
    if types is None:
        return False, src, dst, weights
    undirected = np.asarray(pc.equal(pc.utf8_lower(types), "undirected"))
    if undirected.all():
        layout.notes["direction"] = "Type column: Undirected"
        return False, src, dst, weights
    layout.notes["direction"] = "Type column: Directed"
    if undirected.any():
        # Gephi's mixed graphs: an undirected row is an arc each way.
        count = int(undirected.sum())
        layout.notes["direction"] = (
            f"Type column: mixed; {count:,} undirected rows read as arcs both ways"
        )
        warnings.warn(
            f"{path}: {count:,} of {len(undirected):,} rows are Undirected and the rest "
            "Directed; read as a directed graph with each undirected row in both directions",
            UserWarning,
            stacklevel=3,
        )
        rows = np.flatnonzero(undirected)
        src, dst = _append(src, dst, rows), _append(dst, src, rows)
        if weights is not None:
            weights = np.concatenate([weights, weights[rows]])
    return True, src, dst, weights


def _append(values, extra_from, rows: np.ndarray):
    if isinstance(values, np.ndarray):
        return np.concatenate([values, np.asarray(extra_from)[rows]])
    return pa.chunked_array(
        [*values.chunks, pa.chunked_array(extra_from).take(pa.array(rows)).combine_chunks()]
    )


def _konect_nodes(path, layout: Layout, src, dst, n_rows: int):
    """KONECT's declared sizes, checked; its nodes 1..n (isolated ones too) as labels, and
    the targets (a bipartite file's right-hand side renumbered after the left)."""
    konect = layout.konect
    if konect is None or konect.n_edges is None:
        return None, dst
    if n_rows != konect.n_edges:
        raise GraphFormatError(
            path,
            konect.size_line,
            f"the KONECT header declares {konect.n_edges:,} edges; the file has {n_rows:,}",
        )
    if not isinstance(src, np.ndarray):
        raise GraphFormatError(path, konect.size_line, "KONECT node ids must be integers")
    n_nodes = konect.n_left + (konect.n_right if konect.structure == "bip" else 0)
    if konect.structure == "bip":
        dst = dst.astype(np.int64) + konect.n_left  # the sides number their nodes from 1 each
        layout.notes["bipartite"] = f"right-hand nodes numbered from {konect.n_left + 1}"
    low = min(src.min(initial=1), dst.min(initial=1))
    high = max(src.max(initial=1), dst.max(initial=1))
    if low < 1 or high > n_nodes:
        raise GraphFormatError(
            path,
            konect.size_line,
            f"the KONECT header declares nodes 1..{n_nodes:,}; the file uses "
            f"{low if low < 1 else high:,}",
        )
    return np.arange(1, n_nodes + 1, dtype=np.int64), dst
