"""What :func:`engine.graphlets.edge_orbit_counts` will cost, before it runs: seconds,
bytes, threads, from the same degree statistics as the node orbits'
(:func:`engine.graphlets.cost.orbit_statistics`).

Examples
--------
>>> import engine
>>> e = edge_orbit_counts_estimate(engine.sample("karate"))
>>> e.bytes == edge_orbit_counts_memory(engine.sample("karate"))
True
"""

from __future__ import annotations

import numba
import numpy as np

from engine.graphlets.common import N_EDGE_ORBITS, PARALLEL_WORK
from engine.graphlets.cost import (
    ORBIT_NS,
    ORBIT_OVERHEAD_SECONDS,
    PARALLEL_EFFICIENCY,
    orbit_statistics,
    simple_copy_bytes,
)
from engine.long_run import LONG_RUN_SECONDS, Estimate
from loaders import Graph

__all__ = ["edge_orbit_counts_estimate", "edge_orbit_counts_memory"]


def edge_orbit_counts_memory(g: Graph) -> int:
    """Peak bytes of :func:`engine.graphlets.edge_orbit_counts` on ``g``, above the graph.

    At the peak (the edge walk) these are alive: the ``m × 12`` result (96 bytes
    per edge), each CSR slot's half 4-cycles (8 bytes a slot) and triangles (4),
    the 4-cliques on each oriented edge (8 per edge) and the oriented lists
    themselves, about 88 bytes per node of degrees, edge numbering and per-node
    sums, and each thread's two int64 arrays over the nodes. A directed graph or
    one with self-loops is first copied as a simple graph (as
    :func:`orbit_counts_memory` counts it).

    Examples
    --------
    >>> import engine
    >>> edge_orbit_counts_memory(engine.sample("karate")) >= 78 * 12 * 8
    True
    """
    n, nnz, workers = int(g.n_nodes), int(g.nnz), numba.get_num_threads()
    index_bytes = g.indices.dtype.itemsize
    simple_copy = simple_copy_bytes(g)
    slots = 2 * nnz if g.directed else nnz  # an upper bound on the simple graph's slots
    edges = slots // 2
    per_edge = 8 * N_EDGE_ORBITS + 2 * 8 + 2 * 4 + 8 + index_bytes
    return int(simple_copy + per_edge * edges + 88 * n + 16 * workers * n)


#: The edge-orbit count's work, in nanoseconds of one core per count, fitted (one
#: thread, CPU time, least of 2 runs) to each pass on the benchmark graphs of
#: ``benchmarks/estimates.py``: ``"two-step"``, every node walking its neighbours'
#: rows twice (``2·Σ deg²`` steps, each a random read of an 8-byte stamp: 2.34); the
#: 4-clique search's ``"clique walk"`` (the up-lists of each node's up-neighbours,
#: ``steps:4-cliques``: 3.21) and ``"clique triangles"`` (``clique_triangles``: 4.34);
#: ``"triangle steps"``, counting each edge's triangles (``steps:triangles``: 1.35);
#: ``"slots"``, the passes in CSR order (orienting, per-node sums, solving: 100 ns a
#: slot measured per pass), and ``"missed slots"``, the share of them whose random
#: rows miss the core's cache (``missed_rows``), fitted to the whole call's time with
#: the others fixed (141 and 109: the call's allocations and the result's first writes
#: too). Within 0.88 (R-MAT 17) to 1.04 (BA, email-Eu-core) of the one-thread runs of
#: email-Eu-core, Cora, the 40k-node planted partition, R-MAT 15 and 17 and BA.
EDGE_ORBIT_NS = {
    "two-step": 2.34,
    "clique walk": 3.21,
    "clique triangles": 4.34,
    "triangle steps": 1.35,
    "slots": 141.0,
    "missed slots": 109.0,
}
#: Where the two-step walk's stamps miss the caches (none of the fitted graphs: their
#: stamps fit), a step costs what the 4-cycle search's does (:data:`ORBIT_NS`), which
#: walks the same paths against the same kind of stamps.
TWO_STEP_MISSED_NS = ORBIT_NS["4-cycles"][1:3]


def edge_orbit_counts_estimate(
    g: Graph, progress=None, *, max_seconds: float | None = LONG_RUN_SECONDS
) -> Estimate:
    """Time and memory of :func:`engine.graphlets.edge_orbit_counts` on ``g``.

    The simple graph's triangles and 4-cliques are counted first, then every node
    walks its neighbours' rows (twice: ``2·Σ deg²`` steps) and every edge is
    solved once: all from :func:`orbit_statistics` (the degrees, and a sample of
    the 4-clique search's triangles), priced by :data:`EDGE_ORBIT_NS`. Checked
    against real runs in ``tests/engine/test_estimate_calls.py``.
    Takes the call's own parameters (``progress`` and ``max_seconds`` do not
    change the estimate).

    Returns
    -------
    Estimate
        ``work``: the nodes (what ``progress`` counts); ``threads``: those the
        call runs on (one when ``Σ deg² < PARALLEL_WORK``); ``basis``:
        :func:`orbit_statistics` and the seconds of one core per pass.

    Examples
    --------
    >>> import engine
    >>> e = edge_orbit_counts_estimate(engine.sample("karate"))
    >>> e.seconds < 0.1, e.threads, e.work
    (True, 1, 34)
    """
    stats = orbit_statistics(g)
    counts = {
        "two-step": 2 * stats["degree_squared"],
        "clique walk": stats["steps:4-cliques"],
        "clique triangles": stats["clique_triangles"],
        "triangle steps": stats["steps:triangles"],
        "slots": 2 * stats["edges"],
        "missed slots": 2 * stats["edges"] * stats["missed_rows"],
    }
    units = {name: count * EDGE_ORBIT_NS[name] for name, count in counts.items()}
    missed, far = TWO_STEP_MISSED_NS
    units["two-step"] += counts["two-step"] * (
        missed * stats["missed_nodes"] + far * stats["missed_memory"]
    )
    degree = np.diff(g.indptr).astype(np.float64)
    # As edge_orbit_counts' threads_for: one thread while the two-step walk is short.
    threads = 1 if float(np.dot(degree, degree)) < PARALLEL_WORK else numba.get_num_threads()
    speedup = 1 + (threads - 1) * PARALLEL_EFFICIENCY
    return Estimate(
        what=f"edge_orbit_counts on {stats['nodes']:,} nodes, {stats['edges']:,} edges",
        seconds=ORBIT_OVERHEAD_SECONDS + sum(units.values()) * 1e-9 / speedup,
        bytes=edge_orbit_counts_memory(g),
        threads=threads,
        work=int(stats["nodes"]),
        basis={**stats, **{f"seconds:{name}": u * 1e-9 for name, u in units.items()}},
    )
