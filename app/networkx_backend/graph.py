"""The graph the ``gwb`` backend computes on, converted once from a networkx graph.

:class:`BackendGraph` holds one CSR pattern and, per edge attribute networkx asked for,
its float64 values aligned with the pattern. The engine computes on
:meth:`BackendGraph.engine_graph`, a :class:`~loaders.Graph` over the same arrays (no
copy), passing those float64 values as its ``weights`` (:mod:`engine.edge_weights`);
what the engine derives from them (triangle counts, a transition matrix) it keeps per
engine graph, which lives on this one.

Node ids
--------
The conversion numbers the nodes by decreasing degree (out-degree when directed; ties in
networkx's order), not in networkx's order: a kernel's gathers then find the
most-referenced nodes together in a few cache lines, and rows of one length follow one
another. On a 30k-node Barabási–Albert graph a PageRank step takes half the time it
takes in networkx's order. Results go back to networkx's order (:meth:`to_dict`), so
callers never see the ids.

The conversion cache
--------------------
networkx keeps converted graphs in ``G.__networkx_cache__["backends"]["gwb"]``, keyed by
the edge attributes a call needs, so repeated calls on one graph convert it once; a graph
converted with more attributes also serves calls needing fewer. networkx clears the cache
whenever ``G`` is changed through its methods (``add_edge``, ``remove_node``,
``G.add_edge(u, v, weight=2)``, ...). It cannot see changes made to attribute dicts in place
(``G[u][v]["weight"] = 2``, ``G.nodes[u]`` edits): after those, call
``G.__networkx_cache__.clear()``. ``nx.config.cache_converted_graphs = False`` turns the
cache off. Everything derived from a graph lives on its converted graph (the engine's
caches are keyed by the engine graph, held in :attr:`BackendGraph._derived`), so it goes
with it.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from itertools import chain

import networkx as nx
import numpy as np

from loaders import Graph


class BackendGraph:
    """A networkx graph converted for the ``gwb`` backend.

    Parameters
    ----------
    nodes : list
        The node labels in networkx's order.
    ids : numpy.ndarray
        int64, the id of each of ``nodes`` (a permutation of ``0..n-1``).
    indptr, indices : numpy.ndarray
        The CSR pattern over the ids (int64, int32), rows sorted; an undirected graph
        stores each edge both ways and a self-loop once.
    directed : bool
    weights : dict of str to numpy.ndarray or None, optional
        float64 values of edge attributes, aligned with ``indices``; None for an
        attribute that is 1 on every edge (the unit-weight paths of the kernels).
    graph : dict, optional
        networkx's graph attributes (``G.graph``).
    multiplicity : numpy.ndarray, optional
        A multigraph's parallel edges per CSR slot (float64).

    Examples
    --------
    >>> G = nx.Graph([("a", "b", {"weight": 2.5}), ("b", "c")])
    >>> g = BackendGraph.from_networkx(G, {"weight": 1})
    >>> g.nodes, g.ids.tolist(), g.labels  # b, of degree 2, is id 0
    (['a', 'b', 'c'], [1, 0, 2], ['b', 'a', 'c'])
    >>> g.indptr.tolist(), g.indices.tolist(), g.values("weight").tolist()
    ([0, 2, 3, 4], [1, 2, 0, 0], [2.5, 1.0, 2.5, 1.0])
    >>> g.to_dict(np.array([10.0, 20.0, 30.0]))  # values by id, back in networkx's order
    {'a': 20.0, 'b': 10.0, 'c': 30.0}
    >>> sorted(g.to_networkx().edges(data=True))
    [('a', 'b', {'weight': 2.5}), ('b', 'c', {'weight': 1.0})]
    """

    __networkx_backend__ = "gwb"

    def __init__(
        self,
        nodes: list,
        ids: np.ndarray,
        indptr: np.ndarray,
        indices: np.ndarray,
        directed: bool,
        weights: dict[str, np.ndarray | None] | None = None,
        graph: dict | None = None,
        multiplicity: np.ndarray | None = None,
    ) -> None:
        self.nodes = nodes
        self.ids = ids
        self.index = dict(zip(nodes, ids.tolist()))
        self.indptr = indptr
        self.indices = indices
        self.directed = directed
        self.weights = dict(weights or {})
        self.graph = dict(graph or {})
        self.multiplicity = multiplicity
        self.multigraph = multiplicity is not None
        self._labels: list | None = None
        self._derived: dict = {}

    # ------------------------------------------------------------------ networkx's view
    def is_directed(self) -> bool:
        return self.directed

    def is_multigraph(self) -> bool:
        return self.multigraph

    def number_of_nodes(self) -> int:
        return len(self.nodes)

    def number_of_edges(self) -> int:
        return self.engine_graph().n_edges

    def __len__(self) -> int:
        return len(self.nodes)

    def __iter__(self):
        return iter(self.nodes)

    def __contains__(self, node) -> bool:
        try:
            return node in self.index
        except TypeError:  # an unhashable object is not a node, as in networkx
            return False

    # ------------------------------------------------------------------ conversions
    @classmethod
    def from_networkx(cls, G, edge_attrs: Mapping[str, object] | None = None) -> BackendGraph:
        """Convert ``G``, keeping the values of ``edge_attrs``.

        ``edge_attrs`` maps each attribute to the value a missing one takes (networkx's
        own convention; 1 for the weights of its algorithms). Weights must be
        finite: anything else raises ``NotImplementedError``, which networkx takes as
        "this backend cannot convert the graph" (it falls back or tries another backend).
        A multigraph's parallel edges become one slot whose values add up, and whose
        unit weight is their number (as networkx's degrees, cuts and PageRank count them).
        """
        multi = G.is_multigraph()
        nodes = list(G)
        adjacency = G._adj  # not networkx's converters: they would dispatch again
        lengths = np.fromiter(map(len, adjacency.values()), dtype=np.int64, count=len(nodes))
        ids = _degree_order(lengths)
        index = dict(zip(nodes, ids.tolist()))
        indptr = np.zeros(len(nodes) + 1, dtype=np.int64)
        np.cumsum(np.sort(lengths)[::-1], out=indptr[1:])  # row lengths by id
        columns = np.fromiter(
            map(index.__getitem__, chain.from_iterable(adjacency.values())),
            dtype=np.int64,
            count=int(indptr[-1]),
        )
        # One int64 key per slot, (row id, column id): the slots in CSR order, rows
        # sorted (16x faster than np.lexsort on a 30k-node graph).
        rows = np.repeat(ids, lengths)
        order = np.argsort(rows * len(nodes) + columns, kind="stable")
        weights = {}
        for attr, default in dict(edge_attrs or {}).items():
            values = _values(G, attr, default, columns.shape[0], multi)
            weights[attr] = None if np.all(values == 1) else values[order]
        multiplicity = None
        if multi:
            keys = chain.from_iterable(map(dict.values, adjacency.values()))
            multiplicity = np.fromiter(map(len, keys), dtype=np.float64)[order]
        return cls(
            nodes,
            ids,
            indptr,
            columns[order].astype(np.int32 if len(nodes) < 2**31 else np.int64),
            G.is_directed(),
            weights,
            G.graph,
            multiplicity,
        )

    def to_networkx(self):
        """The networkx graph this one stands for (nodes in their order, edges, converted
        attributes; a multigraph's parallel edges come back as one edge with their values
        summed)."""
        G = nx.DiGraph() if self.directed else nx.Graph()
        G.graph.update(self.graph)
        G.add_nodes_from(self.nodes)
        labels = self.labels
        # An attribute that was 1 on every edge (or missing) is not written back.
        names = [name for name, values in self.weights.items() if values is not None]
        for row in self.ids.tolist():  # rows in networkx's order
            start, end = int(self.indptr[row]), int(self.indptr[row + 1])
            for slot, column in enumerate(self.indices[start:end].tolist(), start):
                if self.directed or row <= column:
                    data = {name: float(self.weights[name][slot]) for name in names}
                    G.add_edge(labels[row], labels[column], **data)
        return G

    # ------------------------------------------------------------------ what algorithms read
    @property
    def labels(self) -> list:
        """The node label of each id."""
        if self._labels is None:
            labels = [None] * len(self.nodes)
            for node, i in zip(self.nodes, self.ids.tolist()):
                labels[i] = node
            self._labels = labels
        return self._labels

    def ids_of(self, nodes: Iterable[Hashable]) -> np.ndarray:
        """Ids of ``nodes`` in iteration order, repeats kept, nodes not in the graph skipped
        (what networkx's ``nbunch_iter`` yields for a container)."""
        index = self.index
        nodes = nodes if isinstance(nodes, list | tuple | set | frozenset) else list(nodes)
        try:
            return np.fromiter(map(index.__getitem__, nodes), dtype=np.int64, count=len(nodes))
        except (KeyError, TypeError):  # some are not nodes: skip them, as networkx does
            return np.fromiter((index[v] for v in nodes if v in self), dtype=np.int64)

    def to_dict(self, values: np.ndarray) -> dict:
        """``{node: values[its id]}`` for every node, in networkx's order."""
        # A copy of the index (same keys, same order) is a memcpy; updating its values in
        # place then skips the resizes of a dict built key by key: 20% faster at 30k nodes.
        result = self.index.copy()
        result.update(zip(self.nodes, values[self.ids].tolist()))
        return result

    def values(self, weight: str | None) -> np.ndarray | None:
        """float64 values of ``weight`` aligned with ``indices``; None for unit weights
        (a multigraph's unit weights count its parallel edges)."""
        if weight is None:
            return self.multiplicity
        if weight not in self.weights:
            raise NotImplementedError(f"edge attribute {weight!r} was not converted")
        return self.weights[weight]

    def engine_graph(self) -> Graph:
        """The engine's :class:`~loaders.Graph` over this graph's pattern (ids as labels,
        no weights: each call passes the float64 values of :meth:`values`)."""

        def build() -> Graph:
            return Graph(
                self.indptr,
                self.indices,
                directed=self.directed,
                validate=False,  # built from a networkx graph: sorted, symmetric, no repeats
            )

        return self.cached("engine_graph", build)

    def cached(self, key, build):
        """``build()``, computed once per converted graph."""
        if key not in self._derived:
            self._derived[key] = build()
        return self._derived[key]


def _degree_order(lengths: np.ndarray) -> np.ndarray:
    """The id of each node: its rank by decreasing row length, ties in networkx's order."""
    by_rank = np.argsort(-lengths, kind="stable")
    ids = np.empty(lengths.shape[0], dtype=np.int64)
    ids[by_rank] = np.arange(lengths.shape[0])
    return ids


def _values(G, attr: str, default, count: int, multi: bool = False) -> np.ndarray:
    """float64 values of ``attr`` on every adjacency slot, in ``G._adj`` order (summed
    over a multigraph's parallel edges)."""
    slots = (d for nbrs in G._adj.values() for d in nbrs.values())
    if multi:
        slots = ({attr: sum(e.get(attr, default) for e in keys.values())} for keys in slots)
    try:
        values = np.fromiter((d.get(attr, default) for d in slots), dtype=np.float64, count=count)
    except (TypeError, ValueError) as error:
        raise NotImplementedError(f"gwb needs numeric {attr!r} values: {error}") from None
    if not np.all(np.isfinite(values)):
        raise NotImplementedError(f"gwb needs finite {attr!r} values on every edge")
    return values
