"""Conversions between a graph's parts and SciPy, networkx and igraph objects.

These functions deal in plain parts (endpoint ids, weights, labels, node
attributes) so that this module needs nothing from :mod:`loaders.graph`; the
:class:`~loaders.graph.Graph` methods ``to_scipy``, ``from_networkx`` and so on
are thin wrappers over them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp


@dataclass
class EdgeParts:
    """A graph as ``Graph.from_edges`` takes it: ids ``0..n_nodes-1``, then labels."""

    src: np.ndarray
    dst: np.ndarray
    weights: np.ndarray | None
    n_nodes: int
    directed: bool
    labels: np.ndarray | None = None  # None: the labels are the ids
    attributes: dict = field(default_factory=dict)
    name: str | None = None


def scipy_parts(matrix, *, directed: bool, weighted: bool) -> EdgeParts:
    """The edges of a square sparse adjacency ``matrix`` (each undirected edge once).

    >>> import scipy.sparse as sp
    >>> parts = scipy_parts(sp.csr_array([[0, 2], [2, 0]]), directed=False, weighted=True)
    >>> parts.src.tolist(), parts.dst.tolist(), parts.weights.tolist()
    ([0], [1], [2])
    """
    coo = sp.coo_array(matrix)
    if coo.shape[0] != coo.shape[1]:
        raise ValueError(f"adjacency matrix must be square; got shape {coo.shape}")
    if not directed:
        # Keep each undirected edge once: the upper triangle and diagonal, the larger
        # of two entries where the matrix is not symmetric.
        upper = coo.row <= coo.col
        lower_only = sp.coo_array(
            (coo.data[~upper], (coo.col[~upper], coo.row[~upper])), shape=coo.shape
        )
        coo = (
            sp.coo_array((coo.data[upper], (coo.row[upper], coo.col[upper])), shape=coo.shape)
            .maximum(lower_only)
            .tocoo()
        )
    return EdgeParts(coo.row, coo.col, coo.data if weighted else None, coo.shape[0], directed)


def scipy_matrix(indptr, indices, weights, dtype) -> sp.csr_array:
    """The adjacency of CSR arrays as a ``scipy.sparse.csr_array`` (weights, or ones)."""
    n_nodes = indptr.shape[0] - 1
    data = np.ones(indices.shape[0], dtype=dtype) if weights is None else weights.astype(dtype)
    return sp.csr_array((data, indices, indptr), shape=(n_nodes,) * 2)


def networkx_parts(graph, *, weight: str | None = "weight") -> EdgeParts:
    """A networkx graph's parts: node order gives ids, node data become attributes.

    Weighted when any edge carries ``weight`` (missing weights count 1).
    """
    import networkx as nx

    nodes = list(graph.nodes)
    directed = graph.is_directed()
    if not nodes:
        empty = np.empty(0, np.int64)
        return EdgeParts(empty, empty, None, 0, directed, name=graph.name or None)
    weighted = weight is not None and any(weight in data for *_, data in graph.edges(data=True))
    matrix = nx.to_scipy_sparse_array(
        graph, nodelist=nodes, weight=weight if weighted else None, format="coo"
    )
    # networkx builds an undirected matrix as A + Aᵀ − diag(A) without merging entries:
    # a weighted self-loop comes back as w, w and −w until the duplicates are summed.
    matrix.sum_duplicates()
    src, dst, data = matrix.row, matrix.col, matrix.data
    if not directed:
        upper = src <= dst
        src, dst, data = src[upper], dst[upper], data[upper]
    return EdgeParts(
        src,
        dst,
        data if weighted else None,
        len(nodes),
        directed,
        labels=None if nodes == list(range(len(nodes))) else label_array(nodes),
        attributes=_networkx_node_columns(graph, nodes),
        name=graph.name or None,
    )


def igraph_parts(graph, *, weight: str | None = "weight", label_attr: str | None = "name"):
    """An igraph graph's parts: ``label_attr`` gives labels, other vertex attributes stay."""
    edges = np.asarray(graph.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    weights = None
    if weight is not None and weight in graph.es.attributes():
        weights = np.asarray(graph.es[weight], dtype=np.float64)
    names = graph.vs.attributes()
    labels = None
    if label_attr is not None and label_attr in names:
        labels = label_array(graph.vs[label_attr])
    attributes = {key: column_array(graph.vs[key]) for key in names if key != label_attr}
    return EdgeParts(
        edges[:, 0],
        edges[:, 1],
        weights,
        graph.vcount(),
        graph.is_directed(),
        labels=labels,
        attributes=attributes,
    )


def networkx_graph(labels: np.ndarray, attributes: dict, edges: pd.DataFrame, directed: bool):
    """A ``networkx.Graph`` (or ``DiGraph``) from node labels, attributes and an edge table."""
    import networkx as nx

    graph = nx.DiGraph() if directed else nx.Graph()
    columns = {key: column.tolist() for key, column in attributes.items()}
    graph.add_nodes_from(
        (label, {key: values[i] for key, values in columns.items()})
        for i, label in enumerate(labels.tolist())
    )
    sources, targets = edges["source"].tolist(), edges["target"].tolist()
    if "weight" not in edges:
        graph.add_edges_from(zip(sources, targets))
    else:
        graph.add_weighted_edges_from(zip(sources, targets, edges["weight"].astype(float)))
    return graph


def igraph_graph(
    indptr: np.ndarray,
    indices: np.ndarray,
    weights: np.ndarray | None,
    directed: bool,
    labels: np.ndarray,
    attributes: dict,
):
    """An ``igraph.Graph`` with vertex attribute ``name`` (labels), attributes, ``weight``."""
    import igraph as ig

    n = indptr.shape[0] - 1
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
    cols = indices.astype(np.int64)
    keep = slice(None) if directed else rows <= cols
    graph = ig.Graph(n=n, edges=np.column_stack([rows[keep], cols[keep]]), directed=directed)
    graph.vs["name"] = labels.tolist()
    for key, column in attributes.items():
        graph.vs[key] = column.tolist()
    if weights is not None:
        graph.es["weight"] = weights[keep].astype(float).tolist()
    return graph


def label_array(values) -> np.ndarray:
    """Labels as int64 when every one is an int, else as objects."""
    values = list(values)
    if all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in values):
        return np.asarray(values, dtype=np.int64)
    return np.asarray(values, dtype=object)


def column_array(values) -> np.ndarray:
    """An attribute column: a numeric/str NumPy array where possible, else objects."""
    array = np.asarray(values)
    return array if array.dtype.kind in "biufU" else np.asarray(values, dtype=object)


def _networkx_node_columns(graph, nodes: list) -> dict[str, np.ndarray]:
    keys: dict[str, None] = {}
    for _, data in graph.nodes(data=True):
        keys.update(dict.fromkeys(data))
    node_data = graph.nodes
    return {key: column_array([node_data[v].get(key) for v in nodes]) for key in keys}
