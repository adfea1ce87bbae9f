"""What :func:`engine.orbit_counts` will cost, before it runs: seconds, bytes, threads.

The estimate follows the passes of :mod:`engine.graphlets.four`, each priced per
step and per row from the graph's degree statistics (:func:`orbit_statistics`,
one O(m) pass), with constants fitted on this project's reference machine class
(2 cores of an Intel Xeon server). The generic parts (:class:`~engine.long_run.Estimate`,
:class:`~engine.long_run.LongRunError`) live in :mod:`engine.long_run`;
:mod:`engine.estimate` re-exports this model with the other calls'. The edge
orbits' estimate, built on the same statistics, is :mod:`engine.graphlets.edges_cost`.

Examples
--------
>>> import engine
>>> g = engine.sample("karate")
>>> orbit_counts_memory(g) >= 34 * 73 * 8
True
>>> str(orbit_counts_estimate(g, 4)).startswith("orbit_counts(graphlet_size=4) on 34 nodes")
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from contextlib import contextmanager

import numba
import numpy as np

from checks.twins import one_thread
from engine.graphlets import common_kernels, cost_kernels
from engine.graphlets.common import (
    LIST_CAPACITY,
    N_NODE_ORBITS,
    N_NODE_ORBITS_5,
    PARALLEL_WORK,
    SOLVE_NODES,
    SimpleGraph,
)
from engine.long_run import Estimate, format_seconds
from engine.per_graph import derived
from loaders import Graph

__all__ = [
    "orbit_counts_estimate",
    "orbit_counts_memory",
    "orbit_statistics",
]


def simple_copy_bytes(g: Graph) -> int:
    """Bytes of the simple undirected copy a count makes first (from a directed graph:
    arcs + arcsᵀ as int8 then int32 CSR, up to twice the arcs, and its indptr)."""
    n, nnz, index_bytes = int(g.n_nodes), int(g.nnz), g.indices.dtype.itemsize
    if g.directed:
        return 2 * nnz * (1 + 4 + index_bytes) + 16 * (n + 1)
    if g.n_self_loops:
        return 8 * (n + 1) + nnz * index_bytes
    return 0


def orbit_counts_memory(g: Graph, graphlet_size: int = 5) -> int:
    """Peak bytes of :func:`engine.orbit_counts` with ``graphlet_size``, above the graph.

    The 4-node count holds the ranked copy of the graph and a triangle count per
    CSR slot (8 bytes per slot), about 90 bytes per node of ranks, degrees and
    per-pass work, and at its peak either four int64 arrays per node and
    thread (listing 4-cliques, with each thread's sub-lists) or, at the end,
    the ``n × 15`` result, per-node totals and sums (about 170 bytes per node).
    A directed graph or one with self-loops is first copied as a simple graph.

    For 5-node graphlets the peak is at the end, when the 15 small orbits, the
    58 five-node ones and the stacked ``n × 73`` result are alive together
    (``8 · n · (15 + 58 + 73)`` bytes), plus the simple graph's derived arrays
    (degrees, the degree-oriented lists, per-edge triangles: about 32 bytes per
    node and 6 per CSR slot) and the kernels' per-thread work arrays (about 60
    bytes per node and thread).

    Examples
    --------
    >>> import engine
    >>> g = engine.sample("karate")
    >>> orbit_counts_memory(g, 5) > orbit_counts_memory(g, 4)
    True
    """
    if graphlet_size not in (4, 5) or isinstance(graphlet_size, bool):
        raise ValueError(f"graphlet_size must be 4 or 5; got {graphlet_size!r}")
    n, nnz, workers = int(g.n_nodes), int(g.nnz), numba.get_num_threads()
    index_bytes = g.indices.dtype.itemsize
    simple_copy = simple_copy_bytes(g)
    slots = 2 * nnz if g.directed else nnz  # an upper bound on the simple graph's slots
    held = 8 * slots + 96 * n  # ranked rows and triangles; ranks, degrees, work per node
    capacity = max(min(LIST_CAPACITY, slots // 2), math.isqrt(slots) + 1)
    cliques = 32 * workers * n + 16 * workers * capacity
    end = 8 * n * N_NODE_ORBITS + 48 * n + 8 * 12 * min(n, SOLVE_NODES)
    four = int(max(simple_copy + 4 * slots + 64 * n, held + cliques, held + end))
    if graphlet_size == 4:
        return four
    derived = 32 * n + nnz * (4 + index_bytes // 2) + simple_copy
    work = 8 * 7 * workers * n
    five = N_NODE_ORBITS_5 - N_NODE_ORBITS
    return int(max(four, 8 * n * (N_NODE_ORBITS + five + N_NODE_ORBITS_5) + derived + work))


#: The 4-node orbit count's passes, and what each costs on one core of the reference
#: machine, in nanoseconds: ``(per step, per step that misses the core's cache, per
#: step that misses the shared cache, per row, per row missed, per row missed in
#: the shared cache)``. A step reads a 4-byte entry of a random node, a row a
#: random node's row; reads land on nodes in proportion to their degree, so how
#: many miss each cache follows from the degrees (:func:`orbit_statistics`). Fitted
#: to the benchmark graphs and the 100M-edge R-MAT (see ``tests/engine/test_estimate.py``:
#: within 1.4x of each one-thread run). The passes: ranking the graph (per CSR slot);
#: counting triangles on each edge from its higher end (steps: the lower end's
#: row); listing the triangles and 4-cliques from each node's up-list (steps: its
#: up-neighbours' up-lists, the 4-clique tests included on average); the 4-cycle
#: search (steps: the paths ``v-u-w`` below each ``v``); summing each node's
#: edges and solving its orbits (per CSR slot).
ORBIT_NS = {
    "ranking": (10.4, 8.78, 157.0, 0.0, 0.0, 0.0),
    "triangles": (0.956, 6.44, 0.0, 0.0, 19.5, 288.0),
    "4-cliques": (2.89, 0.0, 0.0, 26.4, 0.0, 207.0),
    "4-cycles": (2.75, 15.4, 14.4, 0.0, 59.1, 119.0),
    "nodes": (6.93, 3.78, 99.2, 0.0, 0.0, 0.0),
}
#: The caches random reads hit, as they behave (fitted): the core's (about a
#: quarter of the reference machine's 2 MiB L2, which several arrays share) and
#: what reads reach without paying a page walk and a trip to memory.
CACHE_BYTES = 512 * 2**10
SHARED_CACHE_BYTES = 32 * 2**20
#: Bytes a random row read brings in: its ``indptr`` entry and a cache line of ids.
ROW_BYTES = 72
#: CSR slots whose 4-clique walk :func:`orbit_statistics` samples (``clique_triangles``).
CLIQUE_SAMPLES = 5_000
#: A call's fixed cost in seconds (Python, allocations, kernel launches).
ORBIT_OVERHEAD_SECONDS = 3e-4
#: The 5-node count (on one core): nanoseconds per CSR slot, per ``Σ deg²`` (its
#: common-neighbour stamps) and per ``Σ`` over edges of ``deg(u)·deg(v)`` (its
#: 4-node sets), fitted to the shared datasets (within 1.7x on each).
FIVE_NODE_NS = {"slots": 225.0, "degree_squared": 171.0, "edge_degree_products": 16.0}
#: What each thread past the first adds, as a fraction of one: at two threads the passes
#: took the CPU seconds one thread takes (within 3% on the benchmark graphs: every
#: thread stays busy), less the serial ranking and the memory bus the cores share.
PARALLEL_EFFICIENCY = 0.9


def orbit_statistics(g: Graph) -> dict[str, float]:
    """The degree statistics orbit counting's cost follows, computed once per graph.

    In (degree, id) rank order, with ``low(v)`` the neighbours ranked below ``v``
    and ``up(v) = deg(v) − low(v)``: counting triangles walks, from each edge's
    higher end, the lower end's row (``Σ`` over edges of the smaller degree);
    listing triangles walks ``Σ up(v)·low(v)`` entries of up-lists; the 4-cycle
    search walks ``Σ up(v)·low(v) + up(v)(up(v)−1)/2`` paths ``v-u-w`` below
    ``v``. All follow from the degrees, in one O(m) pass.

    Returns
    -------
    dict
        ``nodes``, ``edges``, ``max_degree``, ``longest_up_list``,
        ``degree_squared`` (``Σ deg²``), ``edge_degree_products`` (``Σ`` over edges of
        ``deg(u)·deg(v)``), ``missed_nodes`` and ``missed_rows`` (the shares of CSR
        slots outside the busiest nodes whose 4-byte entries, or rows, fit in
        :data:`CACHE_BYTES`), ``missed_memory`` (outside those whose rows fit in
        :data:`SHARED_CACHE_BYTES`), ``clique_triangles`` (what the edge count's
        4-clique search walks past the up-lists: for every triangle, its top node's
        up-list, measured on :data:`CLIQUE_SAMPLES` random slots, a fixed draw, and
        scaled to all edges), and for each pass of :data:`ORBIT_NS` its
        ``steps:<pass>`` and ``rows:<pass>``.

    Examples
    --------
    >>> import engine
    >>> stats = orbit_statistics(engine.sample("karate"))
    >>> stats["nodes"], stats["edges"], stats["max_degree"], stats["steps:4-cycles"]
    (34, 78, 17, 155)
    """
    return derived("orbit_statistics", g, _orbit_statistics)


def _orbit_statistics(g: Graph) -> dict[str, float]:
    simple = SimpleGraph.of(g, orient=False)
    n, m, degree = simple.n, simple.m, simple.degree
    low = np.zeros(n, dtype=np.int64)
    reach = np.zeros(n, dtype=np.int64)
    around = np.zeros(n, dtype=np.int64)
    common_kernels.rank_counts.for_work(n + 2 * m)(simple.csr, degree, low, reach, around)
    up = degree - low
    # The edge count's 4-clique search walks the up-list of every triangle's top node:
    # how many triangles there are the degrees do not say, so a fixed sample measures it.
    indptr, indices = simple.csr.indptr, simple.csr.indices
    found, oriented = 0, 0
    if m:
        picked = np.random.default_rng(0).integers(0, 2 * m, min(CLIQUE_SAMPLES, 2 * m))
        rows = np.searchsorted(indptr, picked, side="right") - 1
        sampled = cost_kernels.sampled_clique_triangles
        found, oriented = sampled(indptr, indices, degree, up, rows, picked)
    # Reads land on nodes in proportion to their degree: the share of CSR slots
    # outside the busiest nodes that fit in the cache is the share that misses.
    busiest = np.cumsum(np.sort(degree)[::-1], dtype=np.float64)
    total = max(float(busiest[-1]) if n else 0.0, 1.0)

    def missed(entry_bytes: int, cache: int) -> float:
        fit = min(cache // entry_bytes, n)
        return 1.0 - float(busiest[fit - 1]) / total if fit > 0 else 1.0

    counts = {
        "steps:ranking": 2 * m + n,
        "rows:ranking": 0,
        "steps:triangles": int(reach.sum()),
        "rows:triangles": int(degree[low > 0].sum()),
        "steps:4-cliques": int(np.dot(up, low)),
        "rows:4-cliques": m,
        "steps:4-cycles": int(np.dot(up, low) + np.sum(up * (up - 1) // 2)),
        "rows:4-cycles": m,
        "steps:nodes": 2 * m + n,
        "rows:nodes": 0,
    }
    return {
        "nodes": n,
        "edges": m,
        "max_degree": int(degree.max(initial=0)),
        "longest_up_list": int(up.max(initial=0)),
        "degree_squared": int(np.dot(degree, degree)),
        "edge_degree_products": int(np.dot(degree, around)) // 2,
        "missed_nodes": missed(4, CACHE_BYTES),
        "missed_rows": missed(ROW_BYTES, CACHE_BYTES),
        "missed_memory": missed(ROW_BYTES, SHARED_CACHE_BYTES),
        # Half the slots point up the order: those sampled stand for the m edges.
        "clique_triangles": found * m / max(oriented, 1),
        **counts,
    }


def orbit_pass_units(name: str, steps, rows, stats: Mapping[str, float]):
    """Work units (about a nanosecond of one core each) of ``steps`` and ``rows`` of one
    pass of the 4-node orbit count (numbers or arrays) on a graph of these
    :func:`orbit_statistics`: :data:`ORBIT_NS`, the missed parts weighted by the
    shares of reads that miss."""
    step, step_missed, step_far, row, row_missed, row_far = ORBIT_NS[name]
    far = stats["missed_memory"]
    if name in ("ranking", "nodes"):  # a slot's reads and writes land in random rows
        return steps * (step + step_missed * stats["missed_rows"] + step_far * far)
    return steps * (step + step_missed * stats["missed_nodes"] + step_far * far) + rows * (
        row + row_missed * stats["missed_rows"] + row_far * far
    )


def orbit_thread_count(units: float) -> int:
    """The threads :func:`engine.orbit_counts` runs on for this much work: one below ten
    times ``engine.graphlets.common.PARALLEL_WORK`` units (0.1 s of one core), where
    parallel regions' wake-ups and barriers cost more than they save (a barrier waits
    a whole time slice when another process holds a core: lgc-senate's 40 ms count
    took 106 ms on two threads of a busy machine)."""
    return 1 if units < 10 * PARALLEL_WORK else numba.get_num_threads()


def orbit_counts_estimate(
    g: Graph, graphlet_size: int = 4, *, threads: int | None = None
) -> Estimate:
    """Time and memory of :func:`engine.orbit_counts` on ``g``, from its degree statistics.

    The 4-node count ranks the nodes by degree, counts the triangles on each
    edge from its higher end, lists triangles and 4-cliques from their lowest
    node and 4-cycles from their highest: each pass's steps follow from the
    degrees (:func:`orbit_statistics`), times its cost per step and per row
    (:data:`ORBIT_NS`). The 5-node count
    adds a fit to its slots, ``Σ deg²`` and ``Σ deg(u)·deg(v)``
    (:data:`FIVE_NODE_NS`). Checked against real runs
    in ``tests/engine/test_estimate.py`` (within 2x on the benchmark graphs).

    Parameters
    ----------
    g : Graph
    graphlet_size : {4, 5}
    threads : int, optional
        Threads to estimate for; by default those the call would use (Numba's
        thread count, one for small graphs).

    Returns
    -------
    Estimate
        ``work`` is the total :func:`engine.orbit_counts` reports to ``progress``
        (the 4-node count; the 5-node part reports its nodes as a second stage).
        ``basis`` holds :func:`orbit_statistics` and the seconds of one core
        per pass (``seconds:<pass>``), of what every Dask worker repeats
        (``seconds:each worker``: ranking, triangles, the per-node sums) and of
        what the workers share (``seconds:shared``).

    Examples
    --------
    >>> import engine
    >>> e = orbit_counts_estimate(engine.sample("karate"))
    >>> e.seconds < 0.1, e.threads, e.basis["edges"]
    (True, 1, 78)
    """
    if graphlet_size not in (4, 5) or isinstance(graphlet_size, bool):
        raise ValueError(f"graphlet_size must be 4 or 5; got {graphlet_size!r}")
    stats = orbit_statistics(g)
    units = {
        name: round(orbit_pass_units(name, stats[f"steps:{name}"], stats[f"rows:{name}"], stats))
        for name in ORBIT_NS
    }
    work = sum(units.values())
    five = 0.0
    if graphlet_size == 5:
        five = sum(
            FIVE_NODE_NS[key] * stats[key] for key in ("degree_squared", "edge_degree_products")
        )
        five += FIVE_NODE_NS["slots"] * 2 * stats["edges"]
    threads = orbit_thread_count(work) if threads is None else int(threads)
    speedup = 1 + (threads - 1) * PARALLEL_EFFICIENCY
    seconds = {f"seconds:{name}": count * 1e-9 for name, count in units.items()}
    shared = units["4-cliques"] + units["4-cycles"]
    basis = {
        "graphlet_size": graphlet_size,
        **stats,
        **seconds,
        "seconds:5-node": five * 1e-9,
        "seconds:each worker": (work - shared) * 1e-9,
        "seconds:shared": shared * 1e-9,
    }
    return Estimate(
        what=f"orbit_counts(graphlet_size={graphlet_size}) on {stats['nodes']:,} nodes, "
        f"{stats['edges']:,} edges",
        seconds=ORBIT_OVERHEAD_SECONDS + (work + five) * 1e-9 / speedup,
        bytes=orbit_counts_memory(g, graphlet_size),
        threads=threads,
        work=int(work),
        basis=basis,
    )


@contextmanager
def orbit_threads(g: Graph):
    """As many threads as :func:`orbit_counts_estimate` says the 4-node
    count runs on: one below ``10 · PARALLEL_WORK`` work units (0.1 s of one core)."""
    with one_thread(orbit_counts_estimate(g, 4).threads == 1):
        yield


def long_run_advice(g: Graph, estimate: Estimate) -> str:
    """How to run a count :func:`engine.orbit_counts` refused anyway, or spread it over a
    Dask cluster (the advice of its :class:`~engine.estimate.LongRunError`)."""
    size = estimate.basis.get("graphlet_size", 4)
    path = g.store_path or "GRAPH"
    spread = ""
    if size == 4:
        each = format_seconds(estimate.basis["seconds:each worker"])
        shared = format_seconds(estimate.basis["seconds:shared"])
        spread = (
            f" Each worker ranks the graph and counts its triangles once (about {each} on "
            f"one core), then takes its share of the rest (about {shared} of one core's "
            "work in all)."
        )
    return (
        "Pass max_seconds=None to run it here anyway, or spread it over a Dask cluster: "
        "engine.orbit_counts(g, client=dask.distributed.Client(ADDRESS)"
        f"{', graphlet_size=5' if size == 5 else ''}), or from the shell "
        f"`gwb orbits {path} -o orbits.parquet --dask ADDRESS"
        f"{' --size 5' if size == 5 else ''}` (`--dask-workers N` for a local cluster)." + spread
    )
