"""Orbits of 2–4 node graphlets: the 15 node orbits of every node, and graphlet totals.

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

With ``graphlet_size=5``, :func:`orbit_counts` adds the five-node orbits of
:mod:`engine.graphlets.five`.
"""

from __future__ import annotations

import functools

import numba
import numpy as np
import pandas as pd

from engine.estimate import orbit_counts_memory
from engine.graphlets import four_kernels
from engine.graphlets.common import (
    BATCH_NODES,
    CHUNK_NODES,
    N_NODE_ORBITS,
    N_NODE_ORBITS_5,
    PARALLEL_WORK_5,
    SimpleGraph,
    check_orbits,
    thread_count,
    threads_for,
)
from engine.graphlets.five import FIVE_NODE_GRAPHLETS, five_node_orbit_counts
from engine.per_graph import Progress
from loaders import Graph
from loaders.memory import check_memory

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


def orbit_counts(
    g: Graph, progress: Progress = None, *, client=None, graphlet_size: int = 4
) -> np.ndarray:
    """How many times each node touches each orbit of the 2–4 (or 2–5) node graphlets.

    Parameters
    ----------
    g : Graph
        Counted on its simple undirected version (see :mod:`engine.graphlets`).
    progress : callable ``(done, total, stage)``, optional
        Called with nodes done out of ``n`` (stage ``"orbits"``, then
        ``"5-node orbits"``); with a ``client``, with node ranges done.
    client : dask.distributed.Client, optional
        Count node ranges on a Dask cluster (see :mod:`engine.distributed`).
        Every worker repeats the global pass (simple graph, triangles,
        4-cliques) once, then counts its ranges (4- and, with
        ``graphlet_size=5``, 5-node orbits); the counts are exact either way.
    graphlet_size : {4, 5}
        The largest graphlets counted: 4 gives the 15 orbits 0–14, 5 the 73
        orbits 0–72 (see :mod:`engine.graphlets.five` for how; expect far longer runs).

    Returns
    -------
    numpy.ndarray of int64, shape (n, 15) or (n, 73)
        Row ``i`` is the graphlet degree vector of node id ``i``; column ``k`` is
        orbit ``k`` numbered as in ORCA (:mod:`engine.graphlets` lists them).

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
        # 73 int64 counts per node, three times over at the end: refuse before hours of work.
        check_memory(
            orbit_counts_memory(g, 5),
            f"orbit_counts(graphlet_size=5) on {g.n_nodes:,} nodes",
            parameter="graphlet_size",
        )
        if client is not None:
            from engine.distributed import map_node_ranges

            ranges = map_node_ranges(
                client,
                g,
                _five_node_orbit_counts_of_range,
                progress=progress,
                stage="5-node orbits",
            )
            return np.concatenate(ranges)
        with threads_for(g):
            small = _orbit_counts(g, progress, 0, g.n_nodes)
        with threads_for(g, power=3, work=PARALLEL_WORK_5):
            return np.hstack([small, five_node_orbit_counts(g, progress)])
    if client is not None:
        from engine.distributed import map_node_ranges

        ranges = map_node_ranges(
            client, g, _orbit_counts_of_range, progress=progress, stage="orbits"
        )
        return np.concatenate(ranges)
    with threads_for(g):
        return _orbit_counts(g, progress, 0, g.n_nodes)


def _orbit_counts_of_range(g: Graph, start: int, stop: int) -> np.ndarray:
    """Rows ``start..stop-1`` of :func:`orbit_counts` (the task Dask workers run)."""
    with threads_for(g):
        return _orbit_counts(g, None, start, stop, _cached_node_orbit_inputs(g))[start:stop].copy()


def _five_node_orbit_counts_of_range(g: Graph, start: int, stop: int) -> np.ndarray:
    """Rows ``start..stop-1`` of ``orbit_counts(g, graphlet_size=5)`` (a Dask task)."""
    inputs = _cached_node_orbit_inputs(g)
    with threads_for(g):
        small = _orbit_counts(g, None, start, stop, inputs)[start:stop]
    with threads_for(g, power=3, work=PARALLEL_WORK_5):
        return np.hstack([small, five_node_orbit_counts(g, None, start, stop, inputs[0])])


@functools.lru_cache(maxsize=2)
def _cached_node_orbit_inputs(g: Graph):
    # A Dask worker counts several ranges of one graph: it runs the global pass once.
    return _node_orbit_inputs(g)


def _node_orbit_inputs(g: Graph):
    """The global pass every node range needs: simple graph, 4-cliques per node, sums."""
    simple = SimpleGraph.of(g)
    node_cliques, _ = simple.cliques(per_edge=False)
    tri_sum, _, open_sum = simple.node_sums()
    return simple, node_cliques, tri_sum, open_sum


def _orbit_counts(g: Graph, progress: Progress, first: int, last: int, inputs=None) -> np.ndarray:
    orbits = np.zeros((g.n_nodes, N_NODE_ORBITS), dtype=np.int64)
    if g.n_nodes == 0 or first >= last:
        return orbits
    simple, node_cliques, tri_sum, open_sum = inputs or _node_orbit_inputs(g)
    state = np.zeros((thread_count(), simple.n), dtype=np.int64)
    for start in range(first, last, BATCH_NODES):
        stop = min(start + BATCH_NODES, last)
        with numba.parallel_chunksize(CHUNK_NODES):
            four_kernels.node_orbits(
                simple.csr,
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
    orbits = check_orbits(g, orbits, widths=(N_NODE_ORBITS, N_NODE_ORBITS_5))
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
