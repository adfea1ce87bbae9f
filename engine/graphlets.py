"""Graphlet-orbit counting (2–4 node graphlets) and graphlet-degree-vector similarity.

A *graphlet* is a small connected induced subgraph; its *orbits* are the
classes of its nodes (or edges) that an automorphism can swap. For 2–4 nodes
there are nine graphlets, 15 node orbits and 12 edge orbits. A node's *graphlet
degree vector* (GDV) counts how often it touches each orbit: a fingerprint of
its structural role (Pržulj 2007).

Node orbits (numbered as by Pržulj and ORCA)::

    G0 edge       0            G4 star (claw)  6 leaf, 7 centre
    G1 path 3     1 end, 2 mid G5 4-cycle      8
    G2 triangle   3            G6 paw          9 tail end, 10 triangle node of degree 2,
    G3 path 4     4 end, 5 mid                 11 node of degree 3
                               G7 diamond      12 degree 2, 13 degree 3
                               G8 4-clique     14

Edge orbits (as ORCA's edge mode numbers them)::

    0 edge of a 3-path        4 star edge               8 paw, triangle edge at the degree-3 node
    1 triangle edge           5 4-cycle edge            9 diamond, outer edge
    2 4-path, end edge        6 paw, tail edge         10 diamond, chord
    3 4-path, middle edge     7 paw, triangle edge     11 4-clique edge
                                opposite the degree-3 node

Algorithm
---------
ORCA's (Hočevar & Demšar 2014): per node, enumerate only the 4-cliques and sum
a few cheap quantities (triangle counts of edges, degrees, common-neighbour
counts) that each count a known mix of orbits; a triangular system of linear
equations turns them into the orbit counts. Everything is counted in one walk
over the two-step neighbourhood of each node, so the work is ``Σ_v deg(v)²``
plus the 4-clique search, which walks degree-oriented lists (at most
``√(2m)`` long) instead of full ones. Unlike ORCA, adjacency tests are stamps
in a per-thread array (O(1), no binary search or hash map) and nodes run on
every core; memory is O(m) for the graph, triangles per edge and the oriented
copy, plus O(n) scratch per thread.

Input graphs. Orbits are defined on simple undirected graphs, so a directed
graph is counted on its undirected version (an edge where either direction
exists), self-loops are dropped and repeated edges counted once; weights are
ignored. Node ids and labels are those of ``g``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numba
import numpy as np
import pandas as pd
import scipy.sparse as sp

from engine._kernels import graphlets as kernels
from loaders import Graph

Progress = Callable[[int, int, str], None] | None

N_NODE_ORBITS = 15
N_EDGE_ORBITS = 12

# The nine graphlets: name, size, and (node orbit, nodes of the graphlet in that orbit)
# from which the total is read: each graphlet is counted once per node in the orbit.
GRAPHLETS = (
    ("G0", "edge", 2, 0, 2),
    ("G1", "3-path", 3, 2, 1),
    ("G2", "triangle", 3, 3, 3),
    ("G3", "4-path", 4, 5, 2),
    ("G4", "star", 4, 7, 1),
    ("G5", "4-cycle", 4, 8, 4),
    ("G6", "paw", 4, 11, 1),
    ("G7", "diamond", 4, 13, 2),
    ("G8", "4-clique", 4, 14, 4),
)

# Milenković & Pržulj (2008): orbit i is "affected" by o_i orbits (itself and those
# whose counts include it); orbits that depend on many others weigh less.
AFFECTED_ORBITS = np.array([1, 2, 2, 2, 3, 4, 3, 3, 4, 3, 4, 4, 4, 4, 3])
ORBIT_WEIGHTS = 1.0 - np.log(AFFECTED_ORBITS) / math.log(73)

# Nodes per progress report (and per kernel launch): small enough for a live bar,
# large enough that launching costs nothing.
_BATCH_NODES = 1 << 16
_MAX_NODES = 1 << 31


# ------------------------------------------------------------------ public API


def orbit_counts(g: Graph, progress: Progress = None) -> np.ndarray:
    """How many times each node touches each of the 15 orbits of 2–4 node graphlets.

    Parameters
    ----------
    g : Graph
        Counted on its simple undirected version (see the module notes).
    progress : callable ``(done, total, stage)``, optional
        Called with nodes done out of ``n`` (stage ``"orbits"``).

    Returns
    -------
    numpy.ndarray of int64, shape (n, 15)
        Row ``i`` is the graphlet degree vector of node id ``i``; column ``k`` is
        orbit ``k`` numbered as in ORCA (the module docstring lists them).

    Examples
    --------
    >>> import engine
    >>> from engine.graphlets import orbit_counts
    >>> g = engine.sample("karate")
    >>> gdv = orbit_counts(g)
    >>> gdv.shape
    (34, 15)
    >>> bool((gdv[:, 0] == g.degree()).all())  # orbit 0 is the degree
    True
    >>> int(gdv[:, 3].sum()) // 3  # orbit 3: triangles, seen from each corner
    45

    References
    ----------
    T. Hočevar, J. Demšar, "A combinatorial approach to graphlet counting",
    Bioinformatics 30(4), 2014. N. Pržulj, "Biological network comparison using
    graphlet degree distribution", Bioinformatics 23(2), 2007.
    """
    simple = _SimpleGraph.of(g)
    orbits = np.zeros((simple.n, N_NODE_ORBITS), dtype=np.int64)
    if simple.n == 0:
        return orbits
    node_cliques, _ = simple.cliques(per_edge=False)
    tri_sum, _, open_sum = kernels.node_sums(
        simple.indptr, simple.indices, simple.degree, simple.tri
    )
    state = np.zeros((_workers(), simple.n), dtype=np.int64)
    for start in range(0, simple.n, _BATCH_NODES):
        stop = min(start + _BATCH_NODES, simple.n)
        kernels.node_orbits(
            simple.indptr,
            simple.indices,
            simple.degree,
            simple.tri,
            tri_sum,
            open_sum,
            node_cliques,
            start,
            stop,
            state,
            orbits,
        )
        if progress is not None:
            progress(stop, simple.n, "orbits")
    return orbits


def orbit_counts_frame(g: Graph, orbits: np.ndarray | None = None) -> pd.DataFrame:
    """The orbit counts as a table: ``node`` (label), then ``o0`` … ``o14``.

    Parameters
    ----------
    g : Graph
    orbits : array (n, 15), optional
        Counts already computed by :func:`orbit_counts`.

    Examples
    --------
    >>> import engine
    >>> from engine.graphlets import orbit_counts_frame
    >>> table = orbit_counts_frame(engine.sample("karate"))
    >>> table.loc[0, ["node", "o0", "o3"]].tolist()
    [0, 16, 18]
    """
    orbits = _check_orbits(g, orbit_counts(g) if orbits is None else orbits)
    table = pd.DataFrame(orbits, columns=[f"o{k}" for k in range(N_NODE_ORBITS)])
    table.insert(0, "node", g.labels)
    return table


def edge_orbit_counts(g: Graph, progress: Progress = None) -> np.ndarray:
    """How many times each edge touches each of the 12 edge orbits of 2–4 node graphlets.

    Parameters
    ----------
    g : Graph
        Counted on its simple undirected version (see the module notes).
    progress : callable ``(done, total, stage)``, optional
        Called with nodes done out of ``n`` (stage ``"edge orbits"``).

    Returns
    -------
    numpy.ndarray of int64, shape (m, 12)
        One row per edge of the simple undirected graph, in the order of
        :func:`graphlet_edges` (``u < v`` by id, sorted by ``u`` then ``v``);
        columns are ORCA's edge orbits (listed in the module docstring).

    Examples
    --------
    >>> import engine
    >>> from engine.graphlets import edge_orbit_counts, graphlet_edges
    >>> g = engine.sample("karate")
    >>> edge_orbits = edge_orbit_counts(g)
    >>> edge_orbits.shape == (len(graphlet_edges(g)), 12)
    True
    >>> int(edge_orbits[:, 1].sum()) // 3  # orbit 1: triangles, once per side
    45

    References
    ----------
    T. Hočevar, J. Demšar, "A combinatorial approach to graphlet counting",
    Bioinformatics 30(4), 2014 (edge orbits: ORCA's ``edge`` mode).
    """
    simple = _SimpleGraph.of(g)
    first_up, edge_offset = kernels.upper_edge_offsets(simple.indptr, simple.indices)
    eorbits = np.zeros((simple.m, N_EDGE_ORBITS), dtype=np.int64)
    if simple.m == 0:
        return eorbits
    tri_sum, degree_sum, _ = kernels.node_sums(
        simple.indptr, simple.indices, simple.degree, simple.tri
    )
    _, slot_cliques = simple.cliques(per_edge=True)
    half_cycles = np.zeros(simple.indices.shape[0], dtype=np.int64)
    state = np.zeros((_workers(), simple.n), dtype=np.int64)
    slots = np.empty((_workers(), simple.n), dtype=np.int64)
    for start in range(0, simple.n, _BATCH_NODES):
        stop = min(start + _BATCH_NODES, simple.n)
        kernels.edge_orbit_sums(
            simple.indptr,
            simple.indices,
            simple.degree,
            simple.tri,
            simple.up_indptr,
            simple.up_indices,
            slot_cliques,
            tri_sum,
            degree_sum,
            first_up,
            edge_offset,
            start,
            stop,
            state,
            slots,
            half_cycles,
            eorbits,
        )
        if progress is not None:
            progress(stop, simple.n, "edge orbits")
    kernels.solve_edge_orbits(
        simple.indptr, simple.indices, first_up, edge_offset, half_cycles, eorbits
    )
    return eorbits


def graphlet_edges(g: Graph) -> np.ndarray:
    """The edges whose orbits :func:`edge_orbit_counts` returns, as node ids.

    Returns
    -------
    numpy.ndarray of int64, shape (m, 2)
        The edges of the simple undirected version of ``g``, each once as
        ``(u, v)`` with ``u < v``, sorted by ``u`` then ``v`` (the CSR order).

    Examples
    --------
    >>> from loaders import Graph
    >>> g = Graph.from_edges([2, 0, 1, 1], [0, 1, 0, 1], directed=True)
    >>> graphlet_edges(g).tolist()
    [[0, 1], [0, 2]]
    """
    simple = _SimpleGraph.of(g, orient=False)
    rows = np.repeat(np.arange(simple.n, dtype=np.int64), np.diff(simple.indptr))
    upper = simple.indices > rows
    return np.column_stack([rows[upper], simple.indices[upper].astype(np.int64)])


def edge_orbit_counts_frame(g: Graph, eorbits: np.ndarray | None = None) -> pd.DataFrame:
    """The edge orbit counts as a table: ``source``, ``target`` (labels), ``e0`` … ``e11``.

    Examples
    --------
    >>> import engine
    >>> table = edge_orbit_counts_frame(engine.sample("karate"))
    >>> list(table.columns[:4]), len(table)
    (['source', 'target', 'e0', 'e1'], 78)
    """
    edges = graphlet_edges(g)
    eorbits = edge_orbit_counts(g) if eorbits is None else np.asarray(eorbits)
    if eorbits.shape != (len(edges), N_EDGE_ORBITS):
        raise ValueError(
            f"eorbits must have shape ({len(edges)}, {N_EDGE_ORBITS}) for this graph; "
            f"got {eorbits.shape}"
        )
    labels = g.labels
    table = pd.DataFrame(eorbits, columns=[f"e{k}" for k in range(N_EDGE_ORBITS)])
    table.insert(0, "target", labels[edges[:, 1]])
    table.insert(0, "source", labels[edges[:, 0]])
    return table


def graphlet_counts(g: Graph, orbits: np.ndarray | None = None) -> pd.DataFrame:
    """How many times each of the nine 2–4 node graphlets occurs (as an induced subgraph).

    Parameters
    ----------
    g : Graph
    orbits : array (n, 15), optional
        Counts already computed by :func:`orbit_counts`.

    Returns
    -------
    pandas.DataFrame
        One row per graphlet G0…G8: ``graphlet``, ``name``, ``nodes`` and ``count``.
        Each total is the sum of one orbit over all nodes, divided by the number
        of the graphlet's nodes in that orbit.

    Examples
    --------
    >>> import engine
    >>> table = graphlet_counts(engine.sample("karate"))
    >>> table.set_index("name")["count"][["edge", "triangle", "4-clique"]].tolist()
    [78, 45, 11]
    """
    orbits = _check_orbits(g, orbit_counts(g) if orbits is None else orbits)
    totals = orbits.sum(axis=0)
    return pd.DataFrame(
        {
            "graphlet": [code for code, *_ in GRAPHLETS],
            "name": [name for _, name, *_ in GRAPHLETS],
            "nodes": [size for _, _, size, *_ in GRAPHLETS],
            "count": [int(totals[orbit]) // per for *_, orbit, per in GRAPHLETS],
        }
    )


def gdv_similarity(
    g: Graph, node, k: int = 10, *, orbits: np.ndarray | None = None
) -> pd.DataFrame:
    """The ``k`` nodes whose graphlet degree vectors are most like ``node``'s.

    "Who plays the same structural role": the signature similarity of
    Milenković & Pržulj (2008) over the 15 orbits of 2–4 node graphlets,

    ``D_i(u, v) = w_i · |log(u_i + 1) − log(v_i + 1)| / log(max(u_i, v_i) + 2)``,
    ``S(u, v) = 1 − Σ_i D_i / Σ_i w_i``, with ``w_i = 1 − log(o_i) / log(73)``

    where ``o_i`` is the number of orbits that orbit ``i`` depends on. ``S`` is in
    [0, 1] and 1 for identical vectors. The paper sums over 73 orbits (up to 5
    nodes); here the sums run over the first 15 with the same weights.

    Parameters
    ----------
    g : Graph
    node : label
        The query node.
    k : int
        How many nodes to return; the query itself is left out.
    orbits : array (n, 15), optional
        Counts already computed by :func:`orbit_counts` (saves recounting when
        asking about many nodes).

    Returns
    -------
    pandas.DataFrame
        ``node`` (label) and ``similarity``, most similar first, ties by id.

    Raises
    ------
    NodeNotFoundError
        (a ``KeyError``) naming ``node`` when it is not in the graph.
    ValueError
        When ``k`` is not an integer ≥ 1.

    Examples
    --------
    >>> import engine
    >>> g = engine.sample("karate")
    >>> table = gdv_similarity(g, 33, k=3)
    >>> list(table.columns), len(table)
    (['node', 'similarity'], 3)
    >>> bool(table["similarity"].between(0, 1).all())
    True

    References
    ----------
    T. Milenković, N. Pržulj, "Uncovering biological network function via
    graphlet degree signatures", Cancer Informatics 6, 2008.
    """
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"k must be an integer >= 1; got {k!r}")
    query = g.node_id(node)
    orbits = _check_orbits(g, orbit_counts(g) if orbits is None else orbits)
    similarity = signature_similarity(orbits, orbits[query])
    similarity[query] = -np.inf
    k = min(int(k), g.n_nodes - 1)
    ids = np.arange(g.n_nodes)
    order = np.lexsort((ids, -similarity))[:k]
    return pd.DataFrame({"node": g.labels[order], "similarity": similarity[order]})


def signature_similarity(orbits: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Milenković–Pržulj signature similarity of every row of ``orbits`` to ``query``.

    >>> signature_similarity(np.array([[1, 0], [1, 0], [9, 3]]), np.array([1, 0]))
    Traceback (most recent call last):
    ...
    ValueError: orbits must have 15 columns; got 2
    >>> gdv = np.zeros((2, 15), dtype=np.int64)
    >>> signature_similarity(gdv, gdv[0]).tolist()
    [1.0, 1.0]
    """
    orbits = np.asarray(orbits)
    if orbits.ndim != 2 or orbits.shape[1] != N_NODE_ORBITS:
        raise ValueError(f"orbits must have {N_NODE_ORBITS} columns; got {orbits.shape[-1]}")
    rows = orbits.astype(np.float64)
    target = np.asarray(query, dtype=np.float64)
    distance = np.abs(np.log1p(rows) - np.log1p(target)) / np.log(np.maximum(rows, target) + 2)
    return 1.0 - (distance @ ORBIT_WEIGHTS) / ORBIT_WEIGHTS.sum()


# ------------------------------------------------------------------ internals


class _SimpleGraph:
    """The simple undirected CSR of a graph, with what every orbit kernel needs."""

    def __init__(self, indptr: np.ndarray, indices: np.ndarray, orient: bool) -> None:
        self.indptr, self.indices = indptr, indices
        self.n = indptr.shape[0] - 1
        self.m = int(indptr[-1]) // 2
        self.degree = np.diff(indptr)
        if orient:
            self.up_indptr, self.up_indices = kernels.orient_by_degree(indptr, indices, self.degree)
            self.tri = kernels.edge_triangles(indptr, indices, self.degree, _workers())

    def cliques(self, per_edge: bool) -> tuple[np.ndarray, np.ndarray]:
        """4-cliques on each node, and (``per_edge``) on each slot of the oriented lists."""
        node_cliques = np.zeros(self.n, dtype=np.int64)
        slot_cliques = np.zeros(self.up_indices.shape[0] if per_edge else 0, dtype=np.int64)
        kernels.count_cliques(
            self.up_indptr, self.up_indices, _workers(), node_cliques, slot_cliques, per_edge
        )
        return node_cliques, slot_cliques

    @classmethod
    def of(cls, g: Graph, orient: bool = True) -> _SimpleGraph:
        if g.n_nodes >= _MAX_NODES:
            # The kernels pack a node id and a count into one int64 (see _kernels).
            raise ValueError(
                f"orbit counting supports fewer than {_MAX_NODES:,} nodes; got {g.n_nodes:,}"
            )
        indptr, indices = g.indptr, g.indices
        if g.directed:
            # An undirected edge wherever either direction exists; the sum's
            # values (1 or 2) are dropped, only the pattern is kept.
            n = g.n_nodes
            arcs = sp.csr_array((np.ones(g.nnz, dtype=np.int8), indices, indptr), shape=(n, n))
            both = (arcs + arcs.T).tocsr()
            both.sort_indices()
            indptr = both.indptr.astype(np.int64)
            indices = both.indices.astype(g.indices.dtype)
        if g.directed or g.n_self_loops:
            indptr, indices = kernels.drop_self_loops(indptr, indices)
        return cls(indptr, indices, orient)


def _workers() -> int:
    return numba.get_num_threads()


def _check_orbits(g: Graph, orbits) -> np.ndarray:
    orbits = np.asarray(orbits)
    if orbits.shape != (g.n_nodes, N_NODE_ORBITS):
        raise ValueError(
            f"orbits must have shape ({g.n_nodes}, {N_NODE_ORBITS}) for this graph; "
            f"got {orbits.shape}"
        )
    return orbits
