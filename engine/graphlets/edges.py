"""Edge orbits of 2–4 node graphlets: the 12 orbits of every edge, as ORCA's ``edge`` mode.

The same equations as the node orbits (:mod:`engine.graphlets.four`), summed per
edge: each edge ``x < y`` is handled by the walk of ``x``, except the 4-cycles,
half of which only ``y``'s walk can see; a last pass adds the halves and solves.
"""

from __future__ import annotations

import numba
import numpy as np

from engine.graphlets import edges_kernels
from engine.graphlets.common import (
    BATCH_NODES,
    CHUNK_NODES,
    N_EDGE_ORBITS,
    SimpleGraph,
    thread_count,
    threads_for,
)
from engine.graphlets.edges_cost import edge_orbit_counts_estimate
from engine.long_run import LONG_RUN_SECONDS, check_long_run
from engine.per_graph import Progress
from loaders import Graph
from loaders.memory import check_memory


def edge_orbit_counts(
    g: Graph, progress: Progress = None, *, max_seconds: float | None = LONG_RUN_SECONDS
) -> np.ndarray:
    """How many times each edge touches each of the 12 edge orbits of 2–4 node graphlets.

    Parameters
    ----------
    g : Graph
        Counted on its simple undirected version (see :mod:`engine.graphlets`).
    progress : callable ``(done, total, stage)``, optional
        Called with nodes done out of ``n`` (stage ``"edge orbits"``).
    max_seconds : float or None
        Refuse (:class:`~engine.estimate.LongRunError`, before any work) when the
        estimate (:func:`~engine.graphlets.edges_cost.edge_orbit_counts_estimate`) is
        longer than this. Default :data:`~engine.estimate.LONG_RUN_SECONDS` (30
        minutes); ``None`` runs whatever the estimate.

    Returns
    -------
    numpy.ndarray of int64, shape (m, 12)
        One row per edge of the simple undirected graph, in the order of
        :func:`graphlet_edges` (``u < v`` by id, sorted by ``u`` then ``v``);
        columns are ORCA's edge orbits (listed in :mod:`engine.graphlets`).

    Raises
    ------
    LongRunError
        The estimate is above ``max_seconds``.
    InsufficientMemoryError
        The estimated memory is above the limit (:mod:`loaders.memory`).

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
    estimate = edge_orbit_counts_estimate(g)
    check_long_run(
        estimate,
        max_seconds,
        "Pass max_seconds=None to run it anyway (edge orbits do not run on Dask yet), or "
        "count node orbits instead (engine.orbit_counts), which can.",
    )
    check_memory(estimate.bytes, f"edge_orbit_counts on {g.n_nodes:,} nodes")
    with threads_for(g):
        return _edge_orbit_counts(g, progress)


def _edge_orbit_counts(g: Graph, progress: Progress) -> np.ndarray:
    simple = SimpleGraph.of(g)
    upper = edges_kernels.upper_edges(simple.csr)
    eorbits = np.zeros((simple.m, N_EDGE_ORBITS), dtype=np.int64)
    if simple.m == 0:
        return eorbits
    tri_sum, degree_sum, _ = simple.node_sums()
    _, slot_cliques = simple.cliques(per_edge=True)
    half_cycles = np.zeros(simple.csr.indices.shape[0], dtype=np.int64)
    state = np.zeros((thread_count(), simple.n), dtype=np.int64)
    slots = np.empty((thread_count(), simple.n), dtype=np.int64)
    for start in range(0, simple.n, BATCH_NODES):
        stop = min(start + BATCH_NODES, simple.n)
        with numba.parallel_chunksize(CHUNK_NODES):
            edges_kernels.edge_orbit_sums(
                simple.csr, simple.degree, simple.tri, simple.up, slot_cliques, tri_sum,
                degree_sum, upper, start, stop, state, slots, half_cycles, eorbits,
            )  # fmt: skip
        if progress is not None:
            progress(stop, simple.n, "edge orbits")
    edges_kernels.solve_edge_orbits(simple.csr, upper, half_cycles, eorbits)
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
    simple = SimpleGraph.of(g, orient=False)
    indices = simple.csr.indices
    rows = np.repeat(np.arange(simple.n, dtype=np.int64), simple.degree)
    upper = indices > rows
    return np.column_stack([rows[upper], indices[upper].astype(np.int64)])
