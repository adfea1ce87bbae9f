"""The :class:`Graph`: a compressed sparse row adjacency with node labels and attributes.

Nodes have internal ids ``0..n-1``; their original ids (ints or strings) are
``labels``. Public methods take and return labels; the raw CSR arrays
(``indptr``, ``indices``, ``weights``) are indexed by id, for kernels.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import scipy.sparse as sp

from loaders import convert
from loaders._build import (
    aligned_column,
    arrow_to_numpy,
    check_graph_arrays,
    count_self_loops,
    edge_table,
    graph_arrays,
    index_dtype,
    induced_subgraph,
    readonly,
    row_weight_sums,
    same_values,
)
from loaders._ids import identity_ids, lookup_ids, python_scalar
from loaders.store import save_store

Labels = np.ndarray | pa.Array | None


class Graph:
    """A directed or undirected graph in CSR form, optionally weighted.

    Parameters
    ----------
    indptr : array of int64, shape (n + 1,)
        Row pointers: the out-neighbours of node ``i`` are
        ``indices[indptr[i]:indptr[i + 1]]``.
    indices : array of int32 (int64 when n ≥ 2**31), shape (nnz,)
        Column ids, sorted within each row, no repeats.
    weights : array of float32, shape (nnz,), optional
        Edge weights aligned with ``indices``; None for an unweighted graph.
    directed : bool
        An undirected graph stores each edge in both directions and a self-loop once.
    labels : array, optional
        The original node ids (ints or strings), one per node; None means the
        labels are the ids themselves.
    attributes : mapping of str to array, optional
        Per-node columns (e.g. a ground-truth community), each of length n.
    name : str, optional
        A name shown in ``repr`` and in error messages.
    validate : bool
        Check the CSR invariants (O(m)); stores opened from disk skip this.

    Examples
    --------
    >>> g = Graph.from_edges(["a", "b", "c"], ["b", "c", "a"])
    >>> g
    <Graph: 3 nodes, 3 edges, undirected, unweighted>
    >>> g.neighbors("a").tolist()
    ['b', 'c']
    >>> g.degree().tolist()
    [2, 2, 2]
    """

    def __init__(
        self,
        indptr,
        indices,
        weights=None,
        *,
        directed: bool = False,
        labels: Labels = None,
        attributes: Mapping[str, Any] | None = None,
        name: str | None = None,
        validate: bool = True,
    ) -> None:
        self.indptr = readonly(indptr, np.int64)
        n_nodes = self.indptr.shape[0] - 1
        self.indices = readonly(indices, index_dtype(max(n_nodes, 0)))
        self.weights = None if weights is None else readonly(weights, np.float32)
        self.directed = bool(directed)
        self.name = name
        self._labels = labels
        self._attributes: dict[str, Any] = dict(attributes or {})
        self._label_index: pd.Index | None = None
        self._n_self_loops: int | None = None
        self.store_path: str | None = None  # the .gwb folder it was opened from, if any
        self.provenance: dict[str, str] = {}  # what a reader decided, e.g. the weight column
        if validate:
            check_graph_arrays(
                self.indptr, self.indices, self.weights, self.directed, labels, self._attributes
            )

    # ------------------------------------------------------------------ building
    @classmethod
    def from_edges(
        cls,
        src,
        dst,
        weights=None,
        *,
        directed: bool = False,
        self_loops: str = "keep",
        merge: str = "sum",
        n_nodes: int | None = None,
        nodes=None,
        name: str | None = None,
    ) -> Graph:
        """Build a graph from two aligned arrays of edge endpoints.

        Parameters
        ----------
        src, dst : array-like
            Endpoint labels (ints or strings), or ids in ``[0, n_nodes)`` when
            ``n_nodes`` is given.
        weights : array-like of float, optional
            One finite, non-negative weight per edge. Repeated edges merge and
            their weights add; in an undirected graph (u, v) and (v, u) are the same edge.
        directed : bool
            Keep edge direction.
        self_loops : {"keep", "drop"}
            What to do with edges from a node to itself.
        merge : {"sum", "max", "min"}
            How the weights of repeated edges combine. "sum" follows the usual
            multigraph-to-graph rule; "max" suits files that list each undirected
            edge in both directions with the same weight.
        n_nodes : int, optional
            Treat endpoints as ids ``0..n_nodes-1``; nodes without edges are kept.
        nodes : array-like, optional
            All node labels, in id order; endpoints must be among them. Nodes
            without edges are kept.
        name : str, optional

        Returns
        -------
        Graph
            Labels are the sorted distinct endpoints unless ``nodes`` or
            ``n_nodes`` fixes them.

        Examples
        --------
        >>> g = Graph.from_edges([10, 10, 20], [20, 20, 30], weights=[1.0, 2.0, 1.0])
        >>> g.n_edges, g.labels.tolist(), g.weights.tolist()
        (2, [10, 20, 30], [3.0, 3.0, 1.0, 1.0])
        """
        indptr, indices, csr_weights, labels, n_self_loops = graph_arrays(
            src,
            dst,
            weights,
            directed=directed,
            self_loops=self_loops,
            merge=merge,
            n_nodes=n_nodes,
            nodes=nodes,
            name=name,
        )
        graph = cls(
            indptr,
            indices,
            csr_weights,
            directed=directed,
            labels=labels,
            name=name,
            validate=False,
        )
        graph._n_self_loops = n_self_loops
        return graph

    # ------------------------------------------------------------------ sizes
    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return self.indptr.shape[0] - 1

    @property
    def nnz(self) -> int:
        """Number of stored CSR entries (each undirected edge twice, a self-loop once)."""
        return int(self.indptr[-1])

    @property
    def n_self_loops(self) -> int:
        """Number of edges from a node to itself."""
        if self._n_self_loops is None:
            self._n_self_loops = count_self_loops(self.indptr, self.indices)
        return self._n_self_loops

    @property
    def n_edges(self) -> int:
        """Number of edges: directed arcs, or undirected edges counted once."""
        if self.directed:
            return self.nnz
        return (self.nnz + self.n_self_loops) // 2

    @property
    def is_weighted(self) -> bool:
        return self.weights is not None

    # ------------------------------------------------------------------ labels
    @property
    def labels(self) -> np.ndarray:
        """Original node ids in id order (a fresh ``arange`` when labels are the ids)."""
        if self._labels is None:
            return np.arange(self.n_nodes)
        if isinstance(self._labels, pa.ChunkedArray | pa.Array):
            self._labels = arrow_to_numpy(self._labels)
        return self._labels

    @property
    def has_identity_labels(self) -> bool:
        """True when every node's label is its id."""
        return self._labels is None

    def labels_of(self, node_ids) -> np.ndarray:
        """Labels of an array of node ids, without building all n labels when they are the ids.

        >>> Graph.from_edges(["x", "y"], ["y", "z"]).labels_of([2, 0]).tolist()
        ['z', 'x']
        """
        node_ids = np.asarray(node_ids, dtype=np.int64)
        return node_ids.copy() if self._labels is None else self.labels[node_ids]

    def label(self, node_id: int):
        """The label of one node id."""
        if not 0 <= node_id < self.n_nodes:
            raise IndexError(f"node id {node_id} outside [0, {self.n_nodes})")
        if self._labels is None:
            return int(node_id)
        value = self._labels[node_id]
        return value.as_py() if isinstance(value, pa.Scalar) else python_scalar(value)

    def node_id(self, label) -> int:
        """The id of the node with this label; NodeNotFoundError (a KeyError) if absent.

        >>> g = Graph.from_edges(["x"], ["y"])
        >>> g.node_id("y")
        1
        """
        if self._labels is None or isinstance(label, bool):
            return int(self.node_ids([label])[0])
        # One hash lookup: node_ids builds an indexer for a list, ~0.5 ms per call,
        # which dominated a local cluster query of ~0.2 ms.
        if self._label_index is None:
            self._label_index = pd.Index(self.labels)
        try:
            position = self._label_index.get_loc(label)
        except (KeyError, TypeError, pd.errors.InvalidIndexError):
            position = None
        if not isinstance(position, int | np.integer):
            return int(self.node_ids([label])[0])  # raises NodeNotFoundError naming it
        return int(position)

    def node_ids(self, labels: Iterable) -> np.ndarray:
        """Ids of many labels at once (vectorised)."""
        if isinstance(labels, str) or not isinstance(labels, Iterable):
            raise TypeError(f"node_ids takes a sequence of labels; got {labels!r}")
        query = labels if isinstance(labels, np.ndarray) else list(labels)
        if self._labels is None:
            return identity_ids(query, self.n_nodes, self.name)
        if self._label_index is None:
            self._label_index = pd.Index(self.labels)
        return lookup_ids(self._label_index, query, self.name)

    # ------------------------------------------------------------------ attributes
    @property
    def attributes(self) -> dict[str, np.ndarray]:
        """Per-node attribute columns (name → array aligned with node ids)."""
        for key, column in self._attributes.items():
            if isinstance(column, pa.ChunkedArray | pa.Array):
                self._attributes[key] = arrow_to_numpy(column)
        return dict(self._attributes)

    def with_attributes(self, **columns) -> Graph:
        """A graph sharing this one's arrays, with node attributes added or replaced.

        Each column is an array aligned with node ids, or a mapping/Series from
        label to value (labels missing from it get None).

        >>> g = Graph.from_edges(["a"], ["b"]).with_attributes(team={"a": 1, "b": 2})
        >>> g.attributes["team"].tolist()
        [1, 2]
        """
        attributes = dict(self._attributes)
        for key, column in columns.items():
            attributes[key] = aligned_column(key, column, self.labels)
        graph = self._with_nodes(self._labels, attributes)
        graph._label_index = self._label_index
        graph._n_self_loops = self._n_self_loops
        graph.provenance = dict(self.provenance)
        return graph

    # ------------------------------------------------------------------ queries
    def degree(self, weighted: bool = False) -> np.ndarray:
        """Out-degree of every node (row length), or the sum of out-edge weights.

        A self-loop counts once, as in the adjacency matrix (networkx counts it twice).
        """
        if weighted and self.weights is not None:
            return row_weight_sums(self.indptr, self.weights)
        return np.diff(self.indptr)

    def in_degree(self, weighted: bool = False) -> np.ndarray:
        """In-degree of every node (equal to ``degree`` when undirected)."""
        if not self.directed:
            return self.degree(weighted)
        weights = self.weights if weighted and self.weights is not None else None
        return np.bincount(self.indices, weights=weights, minlength=self.n_nodes)

    def neighbor_ids(self, node_id: int) -> np.ndarray:
        """Out-neighbour ids of a node id (a read-only view into ``indices``)."""
        return self.indices[self.indptr[node_id] : self.indptr[node_id + 1]]

    def neighbors(self, node) -> np.ndarray:
        """Labels of the out-neighbours of ``node`` (a label), sorted by id."""
        ids = self.neighbor_ids(self.node_id(node))
        return ids.astype(np.int64) if self._labels is None else self.labels[ids]

    def edges(self) -> pd.DataFrame:
        """The edge table: ``source``, ``target`` (labels) and ``weight`` when weighted.

        An undirected edge appears once, with ``source`` ≤ ``target`` by id.
        """
        return edge_table(self.indptr, self.indices, self.weights, self.directed, self.labels)

    def nodes(self) -> pd.DataFrame:
        """The node table: ``node`` (labels) and one column per node attribute.

        With :meth:`edges` it is what a node table and an edge list hold, so
        ``load(edges_csv, nodes=nodes_csv)`` gives this graph back.

        >>> g = Graph.from_edges(["a"], ["b"]).with_attributes(team={"a": 1, "b": 2})
        >>> g.nodes().values.tolist()
        [['a', 1], ['b', 2]]
        """
        table = {"node_attribute_node" if k == "node" else k: v for k, v in self.attributes.items()}
        return pd.DataFrame({"node": self.labels, **table})

    def subgraph(self, nodes: Iterable) -> Graph:
        """The subgraph induced by ``nodes`` (labels), keeping labels, weights and attributes.

        Nodes keep their relative id order.

        >>> g = Graph.from_edges([0, 1, 2], [1, 2, 3])
        >>> g.subgraph([1, 2, 3]).edges().values.tolist()
        [[1, 2], [2, 3]]
        """
        ids = np.unique(self.node_ids(nodes))
        indptr, indices, weights = induced_subgraph(self.indptr, self.indices, self.weights, ids)
        labels = self.labels[ids]
        attributes = {key: column[ids] for key, column in self.attributes.items()}
        return Graph(
            indptr,
            indices,
            weights,
            directed=self.directed,
            labels=labels,
            attributes=attributes,
            name=self.name,
            validate=False,
        )

    # ------------------------------------------------------------------ conversions
    def to_scipy(self, dtype=np.float64) -> sp.csr_array:
        """The adjacency matrix as a ``scipy.sparse.csr_array`` (weights, or ones)."""
        return convert.scipy_matrix(self.indptr, self.indices, self.weights, dtype)

    @classmethod
    def from_scipy(
        cls,
        matrix,
        *,
        directed: bool = True,
        weighted: bool = True,
        labels=None,
        name: str | None = None,
    ) -> Graph:
        """A graph whose adjacency is the square sparse ``matrix`` (symmetrised if undirected)."""
        parts = convert.scipy_parts(matrix, directed=directed, weighted=weighted)
        parts.labels = None if labels is None else np.asarray(labels)
        parts.name = name
        return cls._from_parts(parts)

    def to_networkx(self):
        """A ``networkx.Graph`` (or ``DiGraph``) with labels, attributes and ``weight``."""
        return convert.networkx_graph(self.labels, self.attributes, self.edges(), self.directed)

    @classmethod
    def from_networkx(
        cls, graph, *, weight: str | None = "weight", name: str | None = None
    ) -> Graph:
        """Build from a networkx graph; node order gives ids, node data become attributes.

        The graph is weighted when any edge carries the ``weight`` attribute
        (missing weights count 1). Parallel edges of a multigraph merge, weights adding.

        >>> import networkx as nx
        >>> g = Graph.from_networkx(nx.path_graph(4))
        >>> g.n_nodes, g.n_edges, g.is_weighted
        (4, 3, False)
        """
        parts = convert.networkx_parts(graph, weight=weight)
        parts.name = name or parts.name
        return cls._from_parts(parts)

    def to_igraph(self):
        """An ``igraph.Graph`` with vertex attribute ``name`` (labels), attributes, ``weight``."""
        return convert.igraph_graph(
            self.indptr, self.indices, self.weights, self.directed, self.labels, self.attributes
        )

    @classmethod
    def from_igraph(
        cls,
        graph,
        *,
        weight: str | None = "weight",
        label_attr: str | None = "name",
        name: str | None = None,
    ) -> Graph:
        """Build from an ``igraph.Graph``; multi-edges merge, weights adding.

        ``label_attr`` (default ``"name"``) gives the labels when that vertex
        attribute exists; the other vertex attributes become node attributes.

        >>> import igraph as ig
        >>> g = Graph.from_igraph(ig.Graph.Ring(5))
        >>> g.n_nodes, g.n_edges
        (5, 5)
        """
        parts = convert.igraph_parts(graph, weight=weight, label_attr=label_attr)
        parts.name = name
        return cls._from_parts(parts)

    @classmethod
    def _from_parts(cls, parts: convert.EdgeParts) -> Graph:
        built = cls.from_edges(
            parts.src,
            parts.dst,
            parts.weights,
            directed=parts.directed,
            n_nodes=parts.n_nodes,
            name=parts.name,
        )
        if parts.labels is None and not parts.attributes:
            return built
        return built._with_nodes(parts.labels, parts.attributes, validate=True)

    def _with_nodes(
        self, labels, attributes: dict, *, indptr=None, validate: bool = False
    ) -> Graph:
        """This graph's edges (shared, not copied) over other node labels and attributes;
        an ``indptr`` longer by k rows (ending as this one does) appends k isolated nodes."""
        return Graph(
            self.indptr if indptr is None else indptr,
            self.indices,
            self.weights,
            directed=self.directed,
            labels=labels,
            attributes=attributes,
            name=self.name,
            validate=validate,
        )

    # ------------------------------------------------------------------ storage
    def save(self, path: str | os.PathLike, *, overwrite: bool = False) -> str:
        """Write the graph as a ``.gwb`` store folder, atomically; returns its path."""
        return save_store(self, path, overwrite=overwrite)

    # ------------------------------------------------------------------ misc
    def equals(self, other: Graph) -> bool:
        """Same nodes, labels, direction, edges, weights and attributes."""
        if not isinstance(other, Graph):
            return False
        parts = ("directed", "indptr", "indices", "weights", "labels", "attributes")
        return all(same_values(getattr(self, p), getattr(other, p)) for p in parts)

    def __repr__(self) -> str:
        kind = "directed" if self.directed else "undirected"
        weighted = "weighted" if self.is_weighted else "unweighted"
        if self.is_weighted and "weights" in self.provenance:
            weighted += f" ({self.provenance['weights']})"
        name = f" {self.name!r}" if self.name else ""
        parts = [f"{self.n_nodes:,} nodes", f"{self.n_edges:,} edges", kind, weighted]
        if self._attributes:
            parts.append("attributes: " + ", ".join(self._attributes))
        return f"<Graph{name}: {', '.join(parts)}>"
