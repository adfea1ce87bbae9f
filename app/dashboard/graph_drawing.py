"""The graph view's pure parts: which nodes to draw, their edges, a cached layout, the figure.

Pure functions from a graph and node ids to arrays and a Plotly figure, tested apart
from Streamlit; :mod:`app.dashboard.graph_view` draws them and handles selections.

A view draws at most :data:`MAX_VIEW_NODES` nodes (the whole graph when it is that
small): the nodes a page is about, then their neighbours, the ones with most links
into the set first. The layout is igraph's Fruchterman-Reingold on a grid, cached by
the drawn subgraph; the figure is Plotly WebGL (``Scattergl``), with every edge in
one trace, so 2,000 nodes lay out and draw in well under a second (measured by
``python -m benchmarks.dashboard --graph-view``). Nodes are coloured by a number on
a colour bar or by a category in a legend, and sized by degree or score; hovering
shows the label, the colour, the degree and the node attributes.

Directed graphs are drawn without arrows: each linked pair is one segment.
"""

from __future__ import annotations

import hashlib
import random
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence

import igraph
import numpy as np
import plotly.graph_objects as go

import engine

#: The most nodes a view draws; a graph this small is drawn whole.
MAX_VIEW_NODES = 3_000
#: Categories beyond the commonest this many share one legend entry, "other".
MAX_CATEGORIES = 12
#: Node attributes shown on hover, at most (a node table may have dozens of columns).
HOVER_ATTRIBUTES = 6
#: Fruchterman-Reingold iterations: 500 lay out 2,000 nodes in 0.15-0.5 s, by edge count
#: (``python -m benchmarks.dashboard --graph-view``).
LAYOUT_ITERATIONS = 500
#: Layouts kept in memory (per server, shared by every session).
LAYOUT_CACHE_SIZE = 64
#: Outline of the selected nodes and of a page's own nodes (seeds, the query node).
HIGHLIGHT_COLOUR = "crimson"
EDGE_LINE = {"width": 0.5, "color": "#bbb"}
#: Up to this many edges are drawn solid; more get fainter, down to 20% opacity.
EDGES_SHOWN_SOLID = 2_000
_IGRAPH_RANDOM = threading.Lock()

#: A colour column: values aligned with node ids, or a function from drawn ids to values.
Colour = np.ndarray | Callable[[np.ndarray], np.ndarray]


def view_nodes(
    graph: engine.Graph, focus=(), *, hops: int = 1, max_nodes: int = MAX_VIEW_NODES
) -> np.ndarray:
    """The node ids a view draws (sorted): the whole graph when it has at most ``max_nodes``
    nodes, else ``focus`` and its neighbourhood, at most ``max_nodes`` in all.

    Nodes ``hops`` steps from ``focus`` join ring by ring; within a ring the nodes
    with the most links into the set so far come first (then the higher degree, then
    the lower id), so a hub's thousand leaves do not crowd out the nodes that tie the
    focus together. Without ``focus`` a large graph shows its highest-degree nodes.
    On a directed graph the neighbourhood follows out-edges.

    Parameters
    ----------
    graph : engine.Graph
    focus : sequence of int
        Node ids the view is about (seeds, a cluster, query results), most important
        first: when they alone pass ``max_nodes``, the first ``max_nodes`` are drawn.
    hops : int
        How far the neighbourhood reaches (0: the focus only).
    max_nodes : int
        The most nodes drawn.

    Examples
    --------
    >>> g = engine.sample("karate")
    >>> len(view_nodes(g))  # small: the whole graph
    34
    >>> view_nodes(g, [16], max_nodes=10).tolist()  # node 16 and its neighbours 5 and 6
    [5, 6, 16]
    >>> len(view_nodes(g, [0], max_nodes=10)), len(view_nodes(g, max_nodes=10))
    (10, 10)
    """
    if graph.n_nodes <= max_nodes:
        return np.arange(graph.n_nodes)
    focus = np.asarray(list(focus), dtype=np.int64)
    if focus.size == 0:
        degree = graph.degree()
        top = np.argpartition(-degree, max_nodes - 1)[:max_nodes]
        return np.sort(top)
    chosen = list(dict.fromkeys(focus.tolist()))[:max_nodes]
    ring = np.asarray(chosen, dtype=np.int64)
    for _ in range(hops):
        if len(chosen) >= max_nodes or ring.size == 0:
            break
        reached = neighbour_ids(graph, ring)
        candidates, links = np.unique(reached, return_counts=True)
        fresh = ~np.isin(candidates, chosen)
        candidates, links = candidates[fresh], links[fresh]
        order = np.lexsort((candidates, -degrees_of(graph, candidates), -links))
        ring = candidates[order][: max_nodes - len(chosen)]
        chosen.extend(ring.tolist())
    return np.sort(np.asarray(chosen, dtype=np.int64))


def degrees_of(graph: engine.Graph, ids: np.ndarray) -> np.ndarray:
    """The degrees of ``ids`` only: a view of a 100M-node graph needs no graph-long array.

    >>> degrees_of(engine.sample("karate"), np.array([33, 0])).tolist()
    [17, 16]
    """
    ids = np.asarray(ids, dtype=np.int64)
    return graph.indptr[ids + 1] - graph.indptr[ids]


def neighbour_ids(graph: engine.Graph, ids: np.ndarray) -> np.ndarray:
    """Every out-neighbour of ``ids``, one entry per edge (concatenated CSR rows).

    >>> neighbour_ids(engine.sample("karate"), np.array([11, 12])).tolist()
    [0, 0, 3]
    """
    starts, ends = graph.indptr[ids], graph.indptr[ids + 1]
    lengths = ends - starts
    if lengths.sum() == 0:
        return np.zeros(0, dtype=np.int64)
    # Positions start..end-1 of each row, without a Python loop over the rows.
    offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    return graph.indices[np.arange(lengths.sum()) + offsets].astype(np.int64)


def induced_edges(graph: engine.Graph, ids: np.ndarray) -> np.ndarray:
    """The edges among the sorted node ``ids``, as rows ``(i, j)`` of positions in ``ids``.

    Each linked pair appears once with ``i < j`` (both directions of a directed pair
    are one segment in the picture); self-loops are left out. Only the rows of
    ``ids`` are read, so a view of a 100M-edge graph costs the view's degrees.

    >>> g = engine.sample("karate")
    >>> induced_edges(g, np.array([0, 1, 2, 32])).tolist()
    [[0, 1], [0, 2], [1, 2], [2, 3]]
    """
    ids = np.asarray(ids, dtype=np.int64)
    lengths = graph.indptr[ids + 1] - graph.indptr[ids]
    rows = np.repeat(np.arange(ids.size), lengths)
    targets = neighbour_ids(graph, ids)
    columns = np.searchsorted(ids, targets)
    inside = columns < ids.size
    inside[inside] = ids[columns[inside]] == targets[inside]
    pairs = np.column_stack([rows[inside], columns[inside]])
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    pairs.sort(axis=1)
    return np.unique(pairs, axis=0).reshape(-1, 2)


def layout_positions(n_nodes: int, edges: np.ndarray, *, seed: int = 0) -> np.ndarray:
    """Positions ``(n_nodes, 2)`` of a graph given by its edges, by igraph's
    Fruchterman-Reingold with the grid approximation (linear repulsion cost).

    The same ``seed`` gives the same layout: it draws the start and seeds igraph's
    random numbers for the run.

    >>> edges = np.array([[0, 1], [1, 2]])
    >>> positions = layout_positions(3, edges)
    >>> positions.shape, bool((positions == layout_positions(3, edges)).all())
    ((3, 2), True)
    """
    if n_nodes == 0:
        return np.zeros((0, 2))
    sub = igraph.Graph(n=n_nodes, edges=np.asarray(edges).tolist())
    start = np.random.default_rng(seed).uniform(-1, 1, (n_nodes, 2)) * np.sqrt(n_nodes)
    # igraph draws from one process-wide generator: seed it for this layout only, and
    # keep other sessions' layouts from reseeding it halfway through.
    with _IGRAPH_RANDOM:
        igraph.set_random_number_generator(random.Random(seed))
        try:
            placed = sub.layout_fruchterman_reingold(
                seed=start.tolist(),
                niter=LAYOUT_ITERATIONS,
                grid="grid" if n_nodes > 500 else "nogrid",
            )
        finally:
            igraph.set_random_number_generator(random)
    return np.asarray(placed.coords, dtype=np.float64).reshape(n_nodes, 2)


class LayoutCache:
    """Layouts by drawn subgraph: the key is a digest of the node count, the edges and the
    seed, so one node set on one graph is laid out once per server, whichever page or
    session asks. Least recently used layouts go first; safe across sessions' threads.

    >>> cache = LayoutCache(size=2)
    >>> edges = np.array([[0, 1]])
    >>> first = cache.positions(2, edges)
    >>> cache.positions(2, edges) is first, cache.hits, cache.misses
    (True, 1, 1)
    """

    def __init__(self, size: int = LAYOUT_CACHE_SIZE) -> None:
        self.size = size
        self.hits = 0
        self.misses = 0
        self._layouts: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def positions(self, n_nodes: int, edges: np.ndarray, *, seed: int = 0) -> np.ndarray:
        """The cached layout of this subgraph, computed on a miss."""
        digest = hashlib.sha1(f"{n_nodes}:{seed}:".encode())
        digest.update(np.ascontiguousarray(edges, dtype=np.int64).data)
        key = digest.hexdigest()
        with self._lock:
            if key in self._layouts:
                self.hits += 1
                self._layouts.move_to_end(key)
                return self._layouts[key]
            self.misses += 1
        # Laid out outside the cache's lock: another session's cache hit need not wait.
        placed = layout_positions(n_nodes, edges, seed=seed)
        placed.setflags(write=False)
        with self._lock:
            self._layouts[key] = placed
            while len(self._layouts) > self.size:
                self._layouts.popitem(last=False)
        return placed


#: The layouts of every view on this server.
LAYOUTS = LayoutCache()


def colour_columns(
    graph: engine.Graph, extra: Mapping[str, Colour] | None = None
) -> dict[str, Colour]:
    """What a view can colour by, each an array aligned with node ids or a function of the
    drawn ids: ``extra`` (a page's scores or memberships) first, then degree, then the
    graph's node attributes.

    >>> list(colour_columns(engine.sample("karate"), {"score": np.zeros(34)}))
    ['score', 'degree', 'club']
    """
    columns = dict(extra or {})
    # As floats: degree is a scale even when a small graph has only a few distinct degrees.
    columns.setdefault("degree", lambda ids: degrees_of(graph, ids).astype(np.float64))
    for name, column in graph.attributes.items():
        columns.setdefault(name, column)
    return columns


def _is_numeric_scale(values: np.ndarray) -> bool:
    """Whether values go on a colour bar: floats (scores) do; integers do when they take
    many values, else they are categories (a cluster id, a small orbit count); the rest
    (text, booleans) are categories."""
    if values.dtype.kind == "f":
        return True
    return values.dtype.kind in "iu" and len(np.unique(values)) > MAX_CATEGORIES


def _categories(values: np.ndarray) -> np.ndarray:
    """Values as legend names: the :data:`MAX_CATEGORIES` commonest, the rest "other"."""
    text = np.asarray(["(missing)" if v is None else str(v) for v in values.tolist()], object)
    names, counts = np.unique(text, return_counts=True)
    kept = names[np.lexsort((names, -counts))][:MAX_CATEGORIES]
    return np.where(np.isin(text, kept), text, "other")


def _hover_text(graph: engine.Graph, ids: np.ndarray, colour_name: str, values) -> list[str]:
    """One hover box per node: bold label, the colour's value, degree, node attributes."""
    lines = [[f"<b>{label}</b>"] for label in graph.labels_of(ids).tolist()]
    columns = {colour_name: values, "degree": degrees_of(graph, ids)}
    for name, column in list(graph.attributes.items())[:HOVER_ATTRIBUTES]:
        columns.setdefault(name, np.asarray(column)[ids])
    for name, column in columns.items():
        for line, value in zip(lines, np.asarray(column).tolist()):
            shown = f"{value:.4g}" if isinstance(value, float) else value
            line.append(f"{name}: {shown}")
    return ["<br>".join(line) for line in lines]


def _marker_sizes(values: np.ndarray) -> np.ndarray:
    """Marker diameters in pixels, growing with the square root of where each value lies
    between the least and the greatest: 6-20 px on a small view, shrinking to 3-8 px at
    a few thousand nodes, where large markers would cover the edges.

    >>> _marker_sizes(np.array([1.0, 4.0, 4.0])).round(1).tolist()
    [6.0, 20.0, 20.0]
    """
    values = np.nan_to_num(np.asarray(values, dtype=np.float64))
    largest = float(np.clip(20 * np.sqrt(100 / max(len(values), 1)), 8, 20))
    smallest = largest * 0.3
    if values.size == 0 or values.max() == values.min():
        return np.full(values.shape, (smallest + largest) / 2)
    where = (values - values.min()) / (values.max() - values.min())
    return smallest + (largest - smallest) * np.sqrt(where)


def graph_view_figure(
    graph: engine.Graph,
    ids: np.ndarray,
    positions: np.ndarray,
    edges: np.ndarray,
    *,
    colour: np.ndarray | None = None,
    colour_name: str = "degree",
    size: np.ndarray | None = None,
    highlight: Sequence[int] = (),
    highlight_name: str = "selected",
    title: str = "",
) -> go.Figure:
    """The drawn subgraph: edges as one ``Scattergl`` line trace, then the nodes.

    Parameters
    ----------
    graph : engine.Graph
    ids : numpy.ndarray
        The drawn node ids, sorted (from :func:`view_nodes`).
    positions : numpy.ndarray
        ``(len(ids), 2)`` coordinates (from :func:`layout_positions`).
    edges : numpy.ndarray
        Rows of positions in ``ids`` (from :func:`induced_edges`).
    colour : numpy.ndarray, optional
        A value per drawn node: floats, and integers of many distinct values, get a
        colour bar; anything else one legend entry per category. Default: degree.
    colour_name : str
        The colour's name, in the colour bar, the legend and the hover.
    size : numpy.ndarray, optional
        Non-negative numbers to size nodes by. Default: degree.
    highlight : sequence of int
        Node ids outlined in a legend entry of their own, drawn on top.
    highlight_name : str
        That legend entry's name.
    title : str

    Returns
    -------
    plotly.graph_objects.Figure
        Every node point carries its node id as ``customdata``, which turns a
        selection back into nodes (:func:`selection_ids`).

    Examples
    --------
    >>> g = engine.sample("karate")
    >>> ids = view_nodes(g)
    >>> edges = induced_edges(g, ids)
    >>> figure = graph_view_figure(g, ids, layout_positions(len(ids), edges), edges,
    ...                            colour=g.attributes["club"], colour_name="club")
    >>> [trace.type for trace in figure.data], [trace.name for trace in figure.data[1:]]
    (['scattergl', 'scattergl', 'scattergl'], ['Mr. Hi', 'Officer'])
    """
    ids = np.asarray(ids, dtype=np.int64)
    values = degrees_of(graph, ids).astype(np.float64) if colour is None else np.asarray(colour)
    segments = np.full((len(edges), 3, 2), np.nan)
    segments[:, 0], segments[:, 1] = positions[edges[:, 0]], positions[edges[:, 1]]
    traces = [
        go.Scattergl(
            x=segments[:, :, 0].ravel(),
            y=segments[:, :, 1].ravel(),
            mode="lines",
            line=EDGE_LINE,
            # Fainter as edges multiply, so that thousands of them do not hide the nodes.
            opacity=float(np.clip(EDGES_SHOWN_SOLID / max(len(edges), 1), 0.2, 1.0)),
            hoverinfo="skip",
            showlegend=False,
            name="edges",
        )
    ]
    text = np.asarray(_hover_text(graph, ids, colour_name, values), dtype=object)
    sizes = _marker_sizes(degrees_of(graph, ids) if size is None else size)
    node = {"mode": "markers", "hovertemplate": "%{text}<extra></extra>"}
    if _is_numeric_scale(values):
        traces.append(
            go.Scattergl(
                x=positions[:, 0],
                y=positions[:, 1],
                customdata=ids,
                text=text,
                name=colour_name,
                showlegend=False,
                marker={
                    "size": sizes,
                    "color": values,
                    "colorscale": "Viridis",
                    "showscale": True,
                    "colorbar": {"title": {"text": colour_name}},
                    "line": {"width": 0.5, "color": "white"},
                },
                **node,
            )
        )
    else:
        categories = _categories(values)
        for category in sorted(set(categories.tolist()), key=lambda c: (c == "other", c)):
            mask = categories == category
            traces.append(
                go.Scattergl(
                    x=positions[mask, 0],
                    y=positions[mask, 1],
                    customdata=ids[mask],
                    text=text[mask],
                    name=category,
                    legendgrouptitle={"text": colour_name} if len(traces) == 1 else None,
                    legendgroup="colour",
                    marker={"size": sizes[mask], "line": {"width": 0.5, "color": "white"}},
                    **node,
                )
            )
    marked = np.isin(ids, np.asarray(list(highlight), dtype=np.int64))
    if marked.any():
        traces.append(
            go.Scattergl(
                x=positions[marked, 0],
                y=positions[marked, 1],
                customdata=ids[marked],
                text=text[marked],
                name=highlight_name,
                marker={
                    "size": sizes[marked] + 6,
                    "symbol": "circle-open",
                    "color": HIGHLIGHT_COLOUR,
                    "line": {"width": 2},
                },
                **node,
            )
        )
    figure = go.Figure(traces)
    figure.update_layout(
        title=title,
        height=600,
        xaxis={"visible": False},
        # No fixed aspect ratio: the picture fills a narrow column too (a layout has no
        # meaningful axes, and Fruchterman-Reingold spreads about evenly both ways).
        yaxis={"visible": False},
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        # Above the plot, in a row: on the right it would cover the colour bar's title.
        legend={"itemsizing": "constant", "orientation": "h", "x": 0, "y": 1, "yanchor": "bottom"},
        hovermode="closest",
        # No dragmode: Streamlit then pans on drag and selects on click; a lasso or box
        # dragmode would make a click only an event, not a selection.
    )
    return figure


def selection_ids(event) -> list[int]:
    """The node ids of a chart's selection event, in the order selected, without repeats.

    >>> selection_ids({"selection": {"points": [{"customdata": 5}, {"customdata": [2]},
    ...                                          {"customdata": 5}, {"x": 0.1}]}})
    [5, 2]
    """
    points = (event or {}).get("selection", {}).get("points", [])
    found = []
    for point in points:
        data = point.get("customdata")
        if isinstance(data, list):  # Plotly sends array-valued customdata as a list
            data = data[0] if data else None
        if data is not None:
            found.append(int(data))
    return list(dict.fromkeys(found))
