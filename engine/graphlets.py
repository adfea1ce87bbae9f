"""Graphlet-orbit counting (2–5 node graphlets) and graphlet-degree-vector similarity.

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

With ``graphlet_size=5``, :func:`orbit_counts` adds the 58 orbits 15–72 of the
21 five-node graphlets G9–G29 (73 in all), numbered as by Pržulj and ORCA; the
table :data:`FIVE_NODE_GRAPHLETS` lists each graphlet's edges and its nodes' orbits.

Algorithm
---------
ORCA's equations (Hočevar & Demšar 2014): only the 4-cliques are enumerated;
every other orbit comes from a few cheap sums (triangles on edges, degrees,
common-neighbour counts) that each count a known mix of orbits, through a
triangular system of linear equations. The sums take one walk over the
two-step neighbourhood of each node (``Σ_v deg(v)²`` steps); the 4-cliques are
found once each, from their lowest node in (degree, id) order, on oriented
lists at most ``√(2m)`` long. Unlike ORCA, a membership test and a
common-neighbour count share one stamped counter per node in a per-thread array
(one memory access, no binary search or hash map), and nodes run on every
core. Memory is O(m) (the graph, triangles per edge, the oriented copy) plus
O(n) scratch per thread.

:func:`orbit_adjacency` builds GRADCO's 28 orbit adjacency matrices on the
same walks, sparse.

Five-node orbits come from a triangular system too, derived mechanically rather
than by hand. From each node x the kernel walks every connected 4-node set T
holding x (ESU rooted at x) and adds *probes*: for a class of (T's shape, a set P
of T's nodes), how many nodes outside T are adjacent to all of P. A probe
counts the 5-node graphlets T + w around x whose w covers P: the one where w
touches exactly P (its *leading* orbit) and denser ones. One probe per orbit is
chosen at import, preferring the O(1) ones (a degree, a common-neighbour count
with x or with T's second node, an edge's triangles) over scans of a neighbour
list; its coefficients are measured at first use by running the kernel on each
of the 21 graphlets alone, and the system is solved from the densest graphlet
down. The work is the number of 4-node sets around each node (not the far
larger number of 5-node ones) plus the scans; memory is O(m) plus O(n) per
thread. :func:`_five_node_orbit_counts_by_enumeration` instead enumerates every
connected 5-node set once (ESU from its smallest id) and names its nodes'
orbits from a 1024-entry table of adjacency codes; the tests use it as a
second opinion.

Input graphs. Orbits are defined on simple undirected graphs, so a directed
graph is counted on its undirected version (an edge where either direction
exists), self-loops are dropped and repeated edges counted once; weights are
ignored. Node ids and labels are those of ``g``.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Iterable
from contextlib import contextmanager

import numba
import numpy as np
import pandas as pd
import scipy.sparse as sp

from engine._kernels import graphlets as kernels
from engine._kernels import graphlets5 as kernels5
from engine.estimate import orbit_counts_memory
from loaders import Graph
from loaders.memory import check_memory

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

# The 21 five-node graphlets G9–G29 (Pržulj 2004): name, edges on nodes 0–4, and the
# orbit of each node 0–4. Orbits run 15–72 graphlet by graphlet, as in ORCA.
FIVE_NODE_GRAPHLETS = (
    ("G9", "5-path", ((0, 2), (0, 4), (1, 2), (1, 3)), (16, 16, 17, 15, 15)),
    ("G10", "chair", ((0, 1), (0, 3), (0, 4), (1, 2)), (21, 20, 18, 19, 19)),
    ("G11", "4-star", ((0, 1), (0, 2), (0, 3), (0, 4)), (23, 22, 22, 22, 22)),
    ("G12", "bull", ((0, 1), (0, 2), (0, 4), (1, 2), (1, 3)), (26, 26, 25, 24, 24)),
    ("G13", "triangle, 2-path tail", ((0, 1), (0, 4), (1, 2), (1, 3), (2, 3)),
     (28, 30, 29, 29, 27)),
    ("G14", "cricket", ((0, 1), (0, 2), (0, 3), (0, 4), (1, 2)), (33, 32, 32, 31, 31)),
    ("G15", "5-cycle", ((0, 3), (0, 4), (1, 2), (1, 4), (2, 3)), (34, 34, 34, 34, 34)),
    ("G16", "banner", ((0, 2), (0, 3), (0, 4), (1, 2), (1, 3)), (38, 36, 37, 37, 35)),
    ("G17", "diamond, tail at a degree-3 node", ((0, 1), (0, 2), (0, 3), (0, 4), (1, 2), (1, 3)),
     (42, 41, 40, 40, 39)),
    ("G18", "butterfly", ((0, 1), (0, 2), (0, 3), (0, 4), (1, 4), (2, 3)), (44, 43, 43, 43, 43)),
    ("G19", "diamond, tail at a degree-2 node", ((0, 1), (0, 2), (0, 4), (1, 2), (1, 3), (2, 3)),
     (47, 48, 48, 46, 45)),
    ("G20", "K2,3", ((0, 2), (0, 3), (0, 4), (1, 2), (1, 3), (1, 4)), (50, 50, 49, 49, 49)),
    ("G21", "house", ((0, 1), (0, 3), (0, 4), (1, 2), (1, 4), (2, 3)), (53, 53, 51, 51, 52)),
    ("G22", "book of 3 triangles", ((0, 1), (0, 2), (0, 3), (0, 4), (1, 2), (1, 3), (1, 4)),
     (55, 55, 54, 54, 54)),
    ("G23", "4-clique, tail", ((0, 1), (0, 2), (0, 3), (0, 4), (1, 2), (1, 3), (2, 3)),
     (58, 57, 57, 57, 56)),
    ("G24", "gem", ((0, 1), (0, 2), (0, 3), (0, 4), (1, 2), (1, 4), (2, 3)),
     (61, 60, 60, 59, 59)),
    ("G25", "house with a roof chord", ((0, 2), (0, 3), (0, 4), (1, 2), (1, 3), (1, 4), (2, 3)),
     (63, 63, 64, 64, 62)),
    ("G26", "4-clique, triangle on an edge",
     ((0, 1), (0, 2), (0, 3), (0, 4), (1, 2), (1, 3), (1, 4), (2, 3)), (67, 67, 66, 66, 65)),
    ("G27", "wheel", ((0, 1), (0, 2), (0, 3), (0, 4), (1, 3), (1, 4), (2, 3), (2, 4)),
     (69, 68, 68, 68, 68)),
    ("G28", "5-clique less an edge",
     ((0, 1), (0, 2), (0, 3), (0, 4), (1, 2), (1, 3), (1, 4), (2, 3), (2, 4)),
     (71, 71, 71, 70, 70)),
    ("G29", "5-clique",
     ((0, 1), (0, 2), (0, 3), (0, 4), (1, 2), (1, 3), (1, 4), (2, 3), (2, 4), (3, 4)),
     (72, 72, 72, 72, 72)),
)  # fmt: skip
N_NODE_ORBITS_5 = 73
_FIRST_FIVE_NODE_ORBIT = 15

# Milenković & Pržulj (2008): orbit i is "affected" by o_i orbits (itself and those
# whose counts include it); orbits that depend on many others weigh less.
AFFECTED_ORBITS = np.array([1, 2, 2, 2, 3, 4, 3, 3, 4, 3, 4, 4, 4, 4, 3])
ORBIT_WEIGHTS = 1.0 - np.log(AFFECTED_ORBITS) / math.log(73)

# Nodes per progress report (and per kernel launch): small enough for a live bar,
# large enough that launching costs nothing.
_BATCH_NODES = 1 << 16
_MAX_NODES = 1 << 31
_PARALLEL_WORK = 10_000_000
# Nodes a thread takes at a time in the orbit walks: dynamic, so that a thread
# whose core is busy elsewhere takes fewer.
_CHUNK_NODES = 64


# ------------------------------------------------------------------ public API


def orbit_counts(
    g: Graph, progress: Progress = None, *, client=None, graphlet_size: int = 4
) -> np.ndarray:
    """How many times each node touches each orbit of the 2–4 (or 2–5) node graphlets.

    Parameters
    ----------
    g : Graph
        Counted on its simple undirected version (see the module notes).
    progress : callable ``(done, total, stage)``, optional
        Called with nodes done out of ``n`` (stage ``"orbits"``, then
        ``"5-node orbits"``); with a ``client``, with node ranges done.
    client : dask.distributed.Client, optional
        Count node ranges on a Dask cluster (see :mod:`engine.distributed`).
        Every worker repeats the global pass (simple graph, triangles,
        4-cliques) once, then counts its ranges; the counts are exact either way.
        Only for ``graphlet_size=4``.
    graphlet_size : {4, 5}
        The largest graphlets counted: 4 gives the 15 orbits 0–14, 5 the 73
        orbits 0–72 (see the module notes for how; expect far longer runs).

    Returns
    -------
    numpy.ndarray of int64, shape (n, 15) or (n, 73)
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
    >>> gdv5 = orbit_counts(g, graphlet_size=5)
    >>> gdv5.shape, bool((gdv5[:, :15] == gdv).all())
    ((34, 73), True)
    >>> int(gdv5[:, 72].sum()) // 5  # orbit 72: 5-cliques, once per member
    2

    References
    ----------
    T. Hočevar, J. Demšar, "A combinatorial approach to graphlet counting",
    Bioinformatics 30(4), 2014. N. Pržulj, "Biological network comparison using
    graphlet degree distribution", Bioinformatics 23(2), 2007.
    """
    if graphlet_size not in (4, 5) or isinstance(graphlet_size, bool):
        raise ValueError(f"graphlet_size must be 4 or 5; got {graphlet_size!r}")
    if graphlet_size == 5:
        if client is not None:
            raise ValueError("graphlet_size=5 runs on one machine only; pass client=None")
        # 73 int64 counts per node, three times over at the end: refuse before hours of work.
        check_memory(
            orbit_counts_memory(g, 5),
            f"orbit_counts(graphlet_size=5) on {g.n_nodes:,} nodes",
            parameter="graphlet_size",
        )
        with _threads_for(g):
            small = _orbit_counts(g, progress, 0, g.n_nodes)
        return np.hstack([small, _five_node_orbit_counts(g, progress)])
    if client is not None:
        from engine.distributed import map_node_ranges

        ranges = map_node_ranges(
            client, g, _orbit_counts_of_range, progress=progress, stage="orbits"
        )
        return np.concatenate(ranges)
    with _threads_for(g):
        return _orbit_counts(g, progress, 0, g.n_nodes)


def _orbit_counts_of_range(g: Graph, start: int, stop: int) -> np.ndarray:
    """Rows ``start..stop-1`` of :func:`orbit_counts` (the task Dask workers run)."""
    with _threads_for(g):
        return _orbit_counts(g, None, start, stop, _cached_node_orbit_inputs(g))[start:stop].copy()


@functools.lru_cache(maxsize=2)
def _cached_node_orbit_inputs(g: Graph):
    # A Dask worker counts several ranges of one graph: it runs the global pass once.
    return _node_orbit_inputs(g)


def _node_orbit_inputs(g: Graph):
    """The global pass every node range needs: simple graph, 4-cliques per node, sums."""
    simple = _SimpleGraph.of(g)
    node_cliques, _ = simple.cliques(per_edge=False)
    tri_sum, _, open_sum = kernels.node_sums(
        simple.indptr, simple.indices, simple.degree, simple.tri
    )
    return simple, node_cliques, tri_sum, open_sum


def _orbit_counts(g: Graph, progress: Progress, first: int, last: int, inputs=None) -> np.ndarray:
    orbits = np.zeros((g.n_nodes, N_NODE_ORBITS), dtype=np.int64)
    if g.n_nodes == 0 or first >= last:
        return orbits
    simple, node_cliques, tri_sum, open_sum = inputs or _node_orbit_inputs(g)
    state = np.zeros((_workers(), simple.n), dtype=np.int64)
    for start in range(first, last, _BATCH_NODES):
        stop = min(start + _BATCH_NODES, last)
        with numba.parallel_chunksize(_CHUNK_NODES):
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
            progress(stop - first, last - first, "orbits")
    return orbits


def orbit_counts_frame(
    g: Graph, orbits: np.ndarray | None = None, *, graphlet_size: int = 4
) -> pd.DataFrame:
    """The orbit counts as a table: ``node`` (label), then ``o0`` … ``o14`` (or ``o72``).

    Parameters
    ----------
    g : Graph
    orbits : array (n, 15) or (n, 73), optional
        Counts already computed by :func:`orbit_counts`; their width decides
        the columns.
    graphlet_size : {4, 5}
        What to count when ``orbits`` is not given.

    Examples
    --------
    >>> import engine
    >>> from engine.graphlets import orbit_counts_frame
    >>> table = orbit_counts_frame(engine.sample("karate"))
    >>> table.loc[0, ["node", "o0", "o3"]].tolist()
    [0, 16, 18]
    >>> list(orbit_counts_frame(engine.sample("karate"), graphlet_size=5).columns[-2:])
    ['o71', 'o72']
    """
    if orbits is None:
        orbits = orbit_counts(g, graphlet_size=graphlet_size)
    orbits = _check_orbits(g, orbits, widths=(N_NODE_ORBITS, N_NODE_ORBITS_5))
    table = pd.DataFrame(orbits, columns=[f"o{k}" for k in range(orbits.shape[1])])
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
    with _threads_for(g):
        return _edge_orbit_counts(g, progress)


def _edge_orbit_counts(g: Graph, progress: Progress) -> np.ndarray:
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
        with numba.parallel_chunksize(_CHUNK_NODES):
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


def graphlet_counts(
    g: Graph, orbits: np.ndarray | None = None, *, graphlet_size: int = 4
) -> pd.DataFrame:
    """How many times each 2–4 (or 2–5) node graphlet occurs (as an induced subgraph).

    Parameters
    ----------
    g : Graph
    orbits : array (n, 15) or (n, 73), optional
        Counts already computed by :func:`orbit_counts`; 73 columns give the
        five-node graphlets too.
    graphlet_size : {4, 5}
        What to count when ``orbits`` is not given.

    Returns
    -------
    pandas.DataFrame
        One row per graphlet G0…G8 (or G0…G29): ``graphlet``, ``name``, ``nodes``
        and ``count``. Each total is the sum of one orbit over all nodes, divided
        by the number of the graphlet's nodes in that orbit.

    Examples
    --------
    >>> import engine
    >>> table = graphlet_counts(engine.sample("karate"))
    >>> table.set_index("name")["count"][["edge", "triangle", "4-clique"]].tolist()
    [78, 45, 11]
    >>> table = graphlet_counts(engine.sample("karate"), graphlet_size=5)
    >>> len(table), table.set_index("name")["count"][["4-star", "5-clique"]].tolist()
    (30, [2472, 2])
    """
    if orbits is None:
        orbits = orbit_counts(g, graphlet_size=graphlet_size)
    orbits = _check_orbits(g, orbits, widths=(N_NODE_ORBITS, N_NODE_ORBITS_5))
    totals = orbits.sum(axis=0)
    rows = [(code, name, size, orbit, per) for code, name, size, orbit, per in GRAPHLETS]
    if orbits.shape[1] == N_NODE_ORBITS_5:
        for code, name, _, node_orbits in FIVE_NODE_GRAPHLETS:
            rows.append((code, name, 5, node_orbits[0], node_orbits.count(node_orbits[0])))
    return pd.DataFrame(
        {
            "graphlet": [code for code, *_ in rows],
            "name": [name for _, name, *_ in rows],
            "nodes": [size for _, _, size, *_ in rows],
            "count": [int(totals[orbit]) // per for *_, orbit, per in rows],
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
    return pd.DataFrame({"node": g.labels_of(order), "similarity": similarity[order]})


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


# The 28 orbit adjacencies of GRADCO (Windels et al. 2024): (hop, orbit of u, orbit
# of v) with u, v that far apart inside the graphlet. Transposes are listed too.
ORBIT_ADJACENCY_KEYS = (
    (1, 0, 0), (1, 1, 2), (1, 2, 1), (1, 3, 3), (1, 4, 5), (1, 5, 4), (1, 5, 5),
    (1, 6, 7), (1, 7, 6), (1, 8, 8), (1, 9, 11), (1, 11, 9), (1, 10, 10), (1, 10, 11),
    (1, 11, 10), (1, 12, 13), (1, 13, 12), (1, 13, 13), (1, 14, 14),
    (2, 1, 1), (2, 4, 5), (2, 5, 4), (2, 6, 6), (2, 8, 8), (2, 9, 10), (2, 10, 9),
    (2, 12, 12),
    (3, 4, 4),
)  # fmt: skip


def orbit_adjacency(
    g: Graph, hops: Iterable[int] = (1, 2, 3)
) -> dict[tuple[int, int, int], sp.csr_array]:
    """GRADCO's orbit adjacency matrices for 2–4 node graphlets, sparse.

    ``A[(hop, i, j)][u, v]`` is the number of graphlets (connected induced
    subgraphs of 2–4 nodes) in which ``u`` is on orbit ``i``, ``v`` on orbit ``j``,
    and ``u`` and ``v`` are ``hop`` edges apart *inside the graphlet*: 28 matrices,
    listed in :data:`ORBIT_ADJACENCY_KEYS` (``(hop, j, i)`` is the transpose of
    ``(hop, i, j)``).

    Parameters
    ----------
    g : Graph
        Counted on its simple undirected version (see the module notes).
    hops : iterable of {1, 2, 3}
        Which matrices to build. One-hop matrices have the graph's sparsity
        (O(m)); two-hop ones one entry per non-adjacent pair with a common
        neighbour (about ``Σ deg²``); the three-hop one (orbit 4 to 4, the ends
        of a 4-path) one per pair joined by a 3-path, which can be far larger.

    Returns
    -------
    dict of (hop, i, j) → scipy.sparse.csr_array of int64, shape (n, n)
        Rows and columns are node ids. The 3-hop matrix, the largest by far,
        stores int32 counts and indices when they cannot overflow.

    Notes
    -----
    One-hop entries come from per-edge sums (triangles, degrees, common
    neighbours, 4-cliques) of the same walk as :func:`edge_orbit_counts`;
    two-hop entries from one walk per node over its two-step neighbourhood; the
    three-hop entries count the walks ``u-y-z-v`` with ``z`` and ``v`` not adjacent
    to ``u`` (one per node at distance two, weighted by common neighbours) less
    the paws among them, ``A(2,9,10)``; GRADCO's ``A(2,1,1)·A − …`` says the same
    with the neighbours of ``u`` included. GRADCO builds dense n × n matrices;
    these stay sparse.

    Examples
    --------
    >>> import engine
    >>> g = engine.sample("karate")
    >>> A = orbit_adjacency(g, hops=(1, 2))
    >>> len(A)
    27
    >>> int(A[(1, 3, 3)].sum()) // 6  # each triangle puts 6 ordered pairs on orbit 3
    45

    References
    ----------
    S. F. M. Windels et al., "Graphlets correct for the topological information
    missed by random walks", 2024 (GRADCO; https://pypi.org/project/gradco/).
    """
    hops = sorted(set(hops))
    if not hops or any(h not in (1, 2, 3) for h in hops):
        raise ValueError(f"hops must be some of 1, 2, 3; got {hops!r}")
    with _threads_for(g):
        return _orbit_adjacency(g, hops)


def _orbit_adjacency(g: Graph, hops: list[int]) -> dict[tuple[int, int, int], sp.csr_array]:
    simple = _SimpleGraph.of(g)
    result: dict[tuple[int, int, int], sp.csr_array] = {}
    if 1 in hops:
        one = _one_hop(simple)
    if 2 in hops or 3 in hops:
        two = _two_hop(simple)
    if 1 in hops:
        result.update(one)
    if 2 in hops:
        result.update(two)
    if 3 in hops:
        # A walk u-y-z-v with z and v not adjacent to u is an induced 4-path unless
        # y is adjacent to v, which makes it a paw with tail u: subtract those.
        result[(3, 4, 4)] = _three_hop(simple, two[(2, 9, 10)])
    return {key: result[key] for key in ORBIT_ADJACENCY_KEYS if key in result}


def _one_hop(simple: _SimpleGraph) -> dict[tuple[int, int, int], sp.csr_array]:
    n, indptr, indices = simple.n, simple.indptr, simple.indices
    _, slot_cliques = simple.cliques(per_edge=True)
    sums = np.zeros((indices.shape[0], 4), dtype=np.int64)
    kernels.slot_sums(
        indptr,
        indices,
        simple.degree,
        simple.tri,
        simple.up_indptr,
        simple.up_indices,
        slot_cliques,
        np.zeros((_workers(), n), dtype=np.int64),
        sums,
    )
    tri_yz, degree_z, cycles, cliques = sums.T
    # Slot q is (x → y): x the row, y the column; u = x is on the first orbit.
    x = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
    y = indices.astype(np.int64)
    t = simple.tri.astype(np.int64)
    dx, dy = simple.degree[x], simple.degree[y]
    tri_sum, degree_sum, _ = kernels.node_sums(indptr, indices, simple.degree, simple.tri)
    only_x = dx - 1 - t  # neighbours of x, not y, not adjacent to y
    only_y = dy - 1 - t
    # Edges inside N(y) \ N[x]: those of N(y), less those touching x or a common
    # neighbour, plus the 4-cliques' edges counted twice in that.
    apart = tri_sum[y] // 2 - t - (tri_yz - t) + cliques
    paths = (degree_sum[y] + dy - tri_sum[y]) - (dx - t) - (degree_z - tri_yz)
    twin_cycles = _twin_values(indptr, indices, cycles)
    twin_tri = _twin_values(indptr, indices, tri_yz)  # Σ tri(x, z) over common z
    squares = (cycles + twin_cycles - (tri_yz - t) - (twin_tri - t) + 4 * cliques) // 2
    values = {
        (1, 0, 0): np.ones_like(t),
        (1, 1, 2): only_y,
        (1, 3, 3): t,
        (1, 4, 5): paths - (cycles + only_y) + (tri_yz - t) - 2 * cliques,
        (1, 5, 5): only_x * only_y - squares,
        (1, 6, 7): only_y * (only_y - 1) // 2 - apart,
        (1, 8, 8): squares,
        (1, 9, 11): apart,
        # Paw, triangle edge x-y away from the degree-3 node w (a common neighbour
        # with a third neighbour adjacent to neither x nor y).
        (1, 10, 10): degree_z - tri_yz - twin_tri + 2 * cliques,
        (1, 10, 11): t * (dy - t) - tri_yz + 2 * cliques,
        (1, 12, 13): tri_yz - t - 2 * cliques,
        (1, 13, 13): t * (t - 1) // 2 - cliques,
        (1, 14, 14): cliques,
    }
    return _matrices(values, x, y, n)


def _matrices(values: dict, rows, columns, n: int) -> dict[tuple[int, int, int], sp.csr_array]:
    """One sparse matrix per key from per-pair values (row-sorted pairs), zeros left out,
    plus the transpose of each asymmetric key. Each matrix owns its arrays."""
    result = {}
    for key, column in values.items():
        keep = column != 0
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows[keep], minlength=n), out=indptr[1:])
        matrix = sp.csr_array((column[keep], columns[keep], indptr), shape=(n, n))
        result[key] = matrix
        if key[1] != key[2]:
            result[(key[0], key[2], key[1])] = sp.csr_array(matrix.T)
    return result


def _three_hop(simple: _SimpleGraph, paws: sp.csr_array) -> sp.csr_array:
    """The 3-hop matrix ``A(3,4,4)``: 3-step walks less paws, built in place.

    At 100k nodes / 1M edges it holds ~765M entries, so it is built with 32-bit
    columns (and 32-bit counts when ``max_degree² < 2³¹`` bounds them) and the
    paws are subtracted in place: int64 arrays plus the copy a scipy subtraction
    makes came to over 24 GiB.
    """
    walks = _three_step_walks(simple)
    paws = paws.copy()
    paws.sort_indices()
    missing = kernels.subtract_sorted_rows(
        walks.indptr, walks.indices, walks.data, paws.indptr, paws.indices, paws.data
    )
    if missing:
        raise AssertionError(f"{missing} paw entries have no 3-step walk: a counting bug")
    walks.eliminate_zeros()
    return walks


def _three_step_walks(simple: _SimpleGraph) -> sp.csr_array:
    n = simple.n
    row_start = np.zeros(n + 1, dtype=np.int64)

    def run(fill: bool, columns: np.ndarray, counts: np.ndarray) -> None:
        with numba.parallel_chunksize(_CHUNK_NODES):
            kernels.three_step_walks(
                simple.indptr,
                simple.indices,
                row_start,
                fill,
                np.zeros((_workers(), n), dtype=np.int64),
                np.full((_workers(), n), -1, dtype=np.int64),
                np.zeros((_workers(), n), dtype=np.int64),
                np.empty((_workers(), 2, n), dtype=np.int64),
                columns,
                counts,
            )

    max_degree = int(simple.degree.max()) if n else 0
    # A pair (x, u) is joined by at most deg(x)·deg(u) 3-step walks.
    count_dtype = np.int32 if max_degree**2 < 2**31 else np.int64
    run(False, np.empty(0, dtype=np.int32), np.empty(0, dtype=count_dtype))
    np.cumsum(row_start, out=row_start)
    index_dtype = np.int32 if row_start[-1] < 2**31 and n < 2**31 else np.int64
    columns = np.empty(row_start[-1], dtype=index_dtype)
    counts = np.empty(row_start[-1], dtype=count_dtype)
    run(True, columns, counts)
    return sp.csr_array((counts, columns, row_start.astype(index_dtype)), shape=(n, n), copy=False)


def _twin_values(indptr, indices, values: np.ndarray) -> np.ndarray:
    """``values`` of slot (y → x) placed at slot (x → y) (the CSR is symmetric and sorted)."""
    n = indptr.shape[0] - 1
    transposed = sp.csr_array(
        (np.arange(1, values.shape[0] + 1), indices, indptr), shape=(n, n)
    ).T.tocsr()
    transposed.sort_indices()
    return values[transposed.data - 1]


def _two_hop(simple: _SimpleGraph) -> dict[tuple[int, int, int], sp.csr_array]:
    n = simple.n
    arguments = (simple.indptr, simple.indices, simple.degree, simple.tri)
    row_start = np.zeros(n + 1, dtype=np.int64)
    scratch = np.full((_workers(), 7, n), -1, dtype=np.int64)
    empty_columns = np.empty(0, dtype=np.int64)
    empty_sums = np.empty((0, 5), dtype=np.int64)
    with numba.parallel_chunksize(_CHUNK_NODES):
        kernels.two_hop_pairs(
            *arguments,
            row_start,
            False,
            np.zeros((_workers(), n), dtype=np.int64),
            scratch,
            empty_columns,
            empty_sums,
        )
    row_start = np.cumsum(row_start)
    columns = np.empty(row_start[-1], dtype=np.int64)
    sums = np.empty((row_start[-1], 5), dtype=np.int64)
    with numba.parallel_chunksize(_CHUNK_NODES):
        kernels.two_hop_pairs(
            *arguments,
            row_start,
            True,
            np.zeros((_workers(), n), dtype=np.int64),
            scratch,
            columns,
            sums,
        )
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(row_start))
    common, degree_y, tri_xy, tri_yz, twice_edges = sums.T
    edges = twice_edges // 2
    z_degree = simple.degree[columns]
    values = {
        (2, 1, 1): common,
        (2, 4, 5): common * (z_degree - common) - tri_yz + 2 * edges,
        (2, 6, 6): (degree_y - 2 * common) - tri_xy - tri_yz + 2 * edges,
        (2, 8, 8): common * (common - 1) // 2 - edges,
        (2, 9, 10): tri_yz - 2 * edges,
        (2, 12, 12): edges,
    }
    return _matrices(values, rows, columns, n)


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


@contextmanager
def _threads_for(g: Graph):
    """One thread when the two-step walk is short (``Σ deg² < _PARALLEL_WORK``).

    Each parallel region ends at a barrier that waits for every thread; when
    another process holds a core, that wait costs a scheduler time slice, which
    on email-Eu-core (2.4M steps) made two threads 5x slower than one.
    """
    degree = np.diff(g.indptr).astype(np.float64)
    if float(degree @ degree) >= _PARALLEL_WORK or numba.get_num_threads() == 1:
        yield
        return
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(threads)


def _check_orbits(g: Graph, orbits, widths: tuple[int, ...] = (N_NODE_ORBITS,)) -> np.ndarray:
    orbits = np.asarray(orbits)
    if orbits.ndim != 2 or orbits.shape[0] != g.n_nodes or orbits.shape[1] not in widths:
        shapes = " or ".join(f"({g.n_nodes}, {w})" for w in widths)
        raise ValueError(f"orbits must have shape {shapes} for this graph; got {orbits.shape}")
    return orbits


# ------------------------------------------------------------------ five-node orbits


def _five_node_orbit_table() -> np.ndarray:
    """``table[code, s]``: the orbit (less 15) of position ``s`` in the 5-node set whose
    adjacency code is ``code``, -1 for disconnected codes.

    Position ``s`` holds its adjacency to positions ``0..s-1`` at bit offset
    ``s(s-1)/2`` (the kernel's layout). Every relabelling of every graphlet of
    :data:`FIVE_NODE_GRAPHLETS` fills its code; two relabellings that reach one
    code must agree, which checks the table's orbits against its edges.
    """
    table = np.full((1024, 5), -1, dtype=np.int64)
    for _, _, edges, node_orbits in FIVE_NODE_GRAPHLETS:
        for place in itertools.permutations(range(5)):
            code = 0
            for a, b in edges:
                low, high = sorted((place[a], place[b]))
                code |= 1 << (high * (high - 1) // 2 + low)
            row = np.empty(5, dtype=np.int64)
            row[list(place)] = np.array(node_orbits) - _FIRST_FIVE_NODE_ORBIT
            if table[code, 0] >= 0 and not (table[code] == row).all():
                raise AssertionError(f"FIVE_NODE_GRAPHLETS: inconsistent orbits at code {code}")
            table[code] = row
    return table


_FIVE_NODE_ORBIT_OF = _five_node_orbit_table()


def _pair_bit(s: int, t: int) -> int:
    low, high = sorted((s, t))
    return 1 << (high * (high - 1) // 2 + low)


def _relabel(code: int, probe: int, place: tuple[int, ...]) -> tuple[int, int]:
    """A 4-node code and a set of its positions, with position ``p`` moved to ``place[p]``."""
    moved = 0
    for s, t in itertools.combinations(range(4), 2):
        if code & _pair_bit(s, t):
            moved |= _pair_bit(place[s], place[t])
    return moved, sum(1 << place[p] for p in range(4) if probe >> p & 1)


def _is_connected4(code: int) -> bool:
    reached, frontier = {0}, [0]
    while frontier:
        s = frontier.pop()
        for t in range(4):
            if t not in reached and t != s and code & _pair_bit(s, t):
                reached.add(t)
                frontier.append(t)
    return len(reached) == 4


def _reached_by_esu(code: int) -> bool:
    """Whether the kernel can label a 4-node set so: each position adjacent to an earlier one."""
    return all(any(code & _pair_bit(s, t) for t in range(s)) for s in range(1, 4))


def _probe_cost(code: int, probe: int) -> tuple[int, int]:
    # O(1) probes first: one node's degree, or a common-neighbour count with x or
    # with the second node (position 1); then the edges' triangle counts (a binary
    # search); the rest scan a neighbour list once per 4-node set, so take the
    # densest sets, the rarest.
    size = bin(probe).count("1")
    if size == 1 or (size == 2 and probe & 3):
        return (0, 0)
    if size == 2:
        s, t = (p for p in range(4) if probe >> p & 1)
        if code & _pair_bit(s, t):
            return (1, 0)
    return (2, -bin(code).count("1"))


def _five_node_probes() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The probes of the counting mode, one per orbit 15–72.

    A probe is a class of (4-node set T rooted at x, set P of T's nodes) under the
    relabellings that fix x; its sum over the graph counts, for each T, the nodes
    w outside T adjacent to all of P (summed over the class). Its *leading* orbit
    is x's orbit in T + w when w is adjacent to exactly P; every other 5-node set
    it counts has more edges, so the system is triangular. For each orbit the
    cheapest probe leading to it is kept.

    Returns ``(start, split, rows)``: per 6-bit code, the rows ``start[c] :
    start[c + 1]`` of ``rows`` (see :func:`engine._kernels.graphlets5.five_node_sums`),
    the degree and common-neighbour ones before ``split[c]``. Probe ``j`` leads
    to orbit ``15 + j``.
    """
    fix_x = [(0, *rest) for rest in itertools.permutations((1, 2, 3))]
    key_of: dict[tuple[int, int], tuple[int, int]] = {}
    cost: dict[tuple[int, int], tuple[int, int]] = {}
    leading: dict[tuple[int, int], int] = {}
    for code in range(64):
        if not _is_connected4(code):
            continue
        for probe in range(1, 16):
            key = min(_relabel(code, probe, place) for place in fix_x)
            key_of[(code, probe)] = key
            leading[key] = int(_FIVE_NODE_ORBIT_OF[code | probe << 6, 0])
            if _reached_by_esu(code):  # a class costs what its dearest member costs
                cost[key] = max(cost.get(key, (0, 0)), _probe_cost(code, probe))
    best: dict[int, tuple[int, int]] = {}
    for key, orbit in leading.items():
        if orbit not in best or cost[key] < cost[best[orbit]]:
            best[orbit] = key
    chosen = {key: orbit for orbit, key in best.items()}
    entries: list[list[tuple[int, int]]] = [[] for _ in range(64)]
    for (code, probe), key in key_of.items():
        if key in chosen:
            entries[code].append((probe, chosen[key]))
    start = np.zeros(65, dtype=np.int64)
    np.cumsum([len(e) for e in entries], out=start[1:])
    split = np.zeros(64, dtype=np.int64)
    rows = []
    for code, code_entries in enumerate(entries):
        code_rows = []
        for probe, orbit in code_entries:
            kind, a, b = _probe_kind(code, probe)
            # A scan skips T's nodes itself; the other kinds count them.
            inside = 0 if kind == kernels5.SCAN else _adjacent_to_all(code, probe)
            code_rows.append((orbit, kind, a, b, probe, inside))
        # Rows that do not depend on the last node's neighbours first (degrees,
        # common neighbours, the edge w1-w2): the kernel sums them per code.
        code_rows.sort(key=_per_set)
        split[code] = start[code] + sum(not _per_set(row) for row in code_rows)
        rows.extend(code_rows)
    return start, split, np.array(rows, dtype=np.int64).reshape(-1, 6)


def _per_set(row: tuple) -> bool:
    """Whether the kernel evaluates a probe row once per 4-node set (edges to the
    last node, scans) rather than once per code."""
    _, kind, a, b, _, _ = row
    return kind == kernels5.SCAN or (kind == kernels5.EDGE and (a, b) != (1, 2))


def _probe_kind(code: int, probe: int) -> tuple[int, int, int]:
    """How the kernel counts a probe: (kind, position a, position b)."""
    positions = [p for p in range(4) if probe >> p & 1]
    if len(positions) == 1:
        return kernels5.DEGREE, positions[0], 0
    if len(positions) == 2 and positions[0] < 2:
        return kernels5.COMMON, positions[0], positions[1]
    if len(positions) == 2 and code & _pair_bit(*positions):
        return kernels5.EDGE, positions[0], positions[1]
    return kernels5.SCAN, 0, 0


def _adjacent_to_all(code: int, probe: int) -> int:
    """Nodes of T outside ``probe`` adjacent to all of it (the kernel's counts include them)."""
    members = [p for p in range(4) if probe >> p & 1]
    return sum(all(code & _pair_bit(s, t) for t in members) for s in range(4) if not probe >> s & 1)


_PROBES = _five_node_probes()


def _probe_sums(simple: _SimpleGraph, start: int, stop: int, sums: np.ndarray) -> None:
    workers = _workers()
    probe_start, probe_split, probes = _PROBES
    # Per thread: the extension lists of levels 2 and 3, and the slots of their entries.
    lists = np.empty((workers, 4, 3 * int(simple.degree.max(initial=0)) + 1), dtype=np.int64)
    # One node at a time: hubs carry most of the work (email-Eu-core: 1 core busy
    # for most of the run with chunks of 64).
    with numba.parallel_chunksize(1):
        kernels5.five_node_sums(
            simple.indptr,
            simple.indices,
            simple.degree,
            simple.tri,
            probe_start,
            probe_split,
            probes,
            start,
            stop,
            np.zeros((workers, simple.n), dtype=np.int32),
            np.zeros((workers, 2, simple.n), dtype=np.int64),
            lists,
            sums,
        )


@functools.cache
def _five_node_equations() -> tuple[np.ndarray, list[int]]:
    """``(C, order)``: probe sum ``j`` of a node = ``Σ_k C[j, k] ·`` (its orbit 15 + k
    count), measured by running the probes on each five-node graphlet alone; and
    the orbits from the densest graphlets down, the order that solves the system."""
    width = N_NODE_ORBITS_5 - N_NODE_ORBITS
    coefficients = np.zeros((width, width), dtype=np.int64)
    n_edges = np.zeros(width, dtype=np.int64)
    for _, _, edges, node_orbits in FIVE_NODE_GRAPHLETS:
        graph = Graph.from_edges(*zip(*edges, strict=True), n_nodes=5)
        sums = np.zeros((5, width), dtype=np.int64)
        _probe_sums(_SimpleGraph.of(graph), 0, 5, sums)
        for node, orbit in enumerate(node_orbits):
            coefficients[:, orbit - _FIRST_FIVE_NODE_ORBIT] = sums[node]
            n_edges[orbit - _FIRST_FIVE_NODE_ORBIT] = len(edges)
    order = sorted(range(width), key=lambda k: -n_edges[k])
    for k in range(width):
        # Triangular: probe k counts orbit k and orbits of denser graphlets only.
        lighter = (n_edges <= n_edges[k]) & (np.arange(width) != k)
        if coefficients[k, k] <= 0 or coefficients[k, lighter].any():
            raise AssertionError(f"five-node probe {k} does not lead to orbit {k + 15}")
    return coefficients, order


def _solve_five_node_orbits(sums: np.ndarray) -> np.ndarray:
    """Orbit counts 15–72 from the probe sums (exact integer back-substitution)."""
    coefficients, order = _five_node_equations()
    orbits = np.zeros_like(sums)
    for k in order:
        denser = np.flatnonzero(coefficients[k])
        denser = denser[denser != k]  # solved already: the order is by edges, densest first
        rest = sums[:, k] - orbits[:, denser] @ coefficients[k, denser]
        orbits[:, k], remainder = np.divmod(rest, coefficients[k, k])
        if remainder.any():
            raise AssertionError(f"five-node orbit {k + 15}: the equations do not divide")
    return orbits


def _five_node_orbit_counts(g: Graph, progress: Progress) -> np.ndarray:
    """Orbits 15–72 of every node, shape (n, 58), from the probe sums."""
    simple = _SimpleGraph.of(g)
    width = N_NODE_ORBITS_5 - N_NODE_ORBITS
    sums = np.zeros((simple.n, width), dtype=np.int64)
    for start in range(0, simple.n, _BATCH_NODES):
        stop = min(start + _BATCH_NODES, simple.n)
        _probe_sums(simple, start, stop, sums)
        if progress is not None:
            progress(stop, simple.n, "5-node orbits")
    return _solve_five_node_orbits(sums)


def _five_node_orbit_counts_by_enumeration(g: Graph, progress: Progress) -> np.ndarray:
    """Orbits 15–72 of every node, shape (n, 58), enumerating every 5-node set."""
    simple = _SimpleGraph.of(g, orient=False)
    n = simple.n
    width = N_NODE_ORBITS_5 - N_NODE_ORBITS
    orbits = np.zeros((n, width), dtype=np.int64)
    if n == 0:
        return orbits
    workers = _workers()
    max_degree = int(simple.degree.max())
    counts = np.zeros((workers, n, width), dtype=np.int64)
    masks = np.zeros((workers, n), dtype=np.int32)
    lists = np.empty((workers, 2, 3 * max_degree + 1), dtype=np.int64)
    for start in range(0, n, _BATCH_NODES):
        stop = min(start + _BATCH_NODES, n)
        # One root at a time: a root's work is its share of the 5-node sets, which
        # hubs with small ids dominate.
        with numba.parallel_chunksize(1):
            kernels5.five_node_orbits(
                simple.indptr,
                simple.indices,
                _FIVE_NODE_ORBIT_OF,
                start,
                stop,
                masks,
                lists,
                counts,
            )
        if progress is not None:
            progress(stop, n, "5-node orbits")
    kernels5.sum_threads(counts, orbits)
    return orbits
