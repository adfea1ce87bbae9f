"""Orbits of 2–4 node graphlets: the 15 node orbits of every node, and graphlet totals.

Algorithm
---------
ORCA's equations (Hočevar & Demšar 2014): every orbit comes from a few sums
around each node (triangles on its edges, degrees, 4-cycles through it,
4-cliques on it) that each count a known mix of orbits, through a triangular
system of linear equations. ORCA gets the sums by walking each node's
two-step neighbourhood, ``Σ_v deg(v)²`` steps: on a hub-heavy graph (a 100M-edge
R-MAT: 8·10¹¹) that walk is the whole cost, and one hub's walk the longest task.
Here no pattern is walked from a hub: the nodes are ranked by (degree, id), and
each pattern is found once, from the node that makes its walk shortest
(Chiba & Nishizeki's ordering):

1. *ranking*: the graph renumbered by rank, rows sorted
   (:class:`~engine.graphlets.common.RankedGraph`, one O(m) scatter);
2. *triangles*: the common neighbours of each edge, from its higher end
   (``Σ`` over edges of the lower end's degree);
3. *4-cliques*: triangles and 4-cliques listed from their lowest node, on
   up-lists at most ``√(2m)`` long, with each triangle's opposite-edge
   triangle count summed per node (what ORCA's walk adds per triangle);
4. *4-cycles*: from their highest node ``v``, the paths ``v-u-w`` with ``u``,
   ``w`` below ``v`` (``Σ up·low + C(up, 2)`` over nodes: 5·10¹⁰ on that R-MAT,
   15x fewer than ORCA's walk);
5. *nodes*: each node's sums over its edges, and its orbits solved.

Every pass takes its items from the top rank down, in small chunks handed to
whichever thread is free, so the heaviest items go first and the light tail
evens the threads out; no item is more than a fraction of a percent of its
pass on the R-MAT graphs. Each pass's work per item is known before it runs,
so progress is reported in work done (the units of
:func:`engine.graphlets.cost.orbit_counts_estimate`, which predicts each pass from
the degrees alone) rather than in nodes. Memory is O(m) (the ranked copy,
triangles per edge) plus a few int64 arrays per node and thread.

With ``graphlet_size=5``, :func:`orbit_counts` adds the five-node orbits of
:mod:`engine.graphlets.five`.
"""

from __future__ import annotations

import functools
import itertools
import time

import numpy as np
import pandas as pd

from engine.graphlets import common_kernels, four_kernels
from engine.graphlets.common import (
    LIST_CAPACITY,
    N_NODE_ORBITS,
    N_NODE_ORBITS_5,
    PARALLEL_WORK_5,
    SOLVE_NODES,
    RankedGraph,
    SimpleGraph,
    check_orbits,
    thread_count,
    threads_for,
)
from engine.graphlets.cost import (
    long_run_advice,
    orbit_counts_estimate,
    orbit_pass_units,
    orbit_statistics,
    orbit_threads,
)
from engine.graphlets.five import FIVE_NODE_GRAPHLETS, five_node_orbit_counts
from engine.long_run import LONG_RUN_SECONDS, LongRunError
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
    g: Graph,
    progress: Progress = None,
    *,
    client=None,
    graphlet_size: int = 4,
    max_seconds: float | None = LONG_RUN_SECONDS,
) -> np.ndarray:
    """How many times each node touches each orbit of the 2–4 (or 2–5) node graphlets.

    Parameters
    ----------
    g : Graph
        Counted on its simple undirected version (see :mod:`engine.graphlets`).
    progress : callable ``(done, total, stage)``, optional
        Called with work done out of the total (stage ``"orbits"``), in the work
        units of :func:`engine.graphlets.cost.orbit_counts_estimate` (about a
        nanosecond of one core each, so the fraction done tracks time), then
        with nodes done out of ``n`` (stage ``"5-node orbits"``); with a
        ``client``, with node ranges done.
    client : dask.distributed.Client, optional
        Count on a Dask cluster (see :mod:`engine.distributed`). For 4-node
        orbits every worker ranks the graph and counts its triangles once, then
        each task takes an equal share of the steps of the 4-clique and 4-cycle
        passes; with ``graphlet_size=5`` every worker counts the 4-node orbits
        once, then the 5-node ones of its node ranges. The counts are exact either way.
    graphlet_size : {4, 5}
        The largest graphlets counted: 4 gives the 15 orbits 0–14, 5 the 73
        orbits 0–72 (see :mod:`engine.graphlets.five` for how; expect far longer runs).
    max_seconds : float or None
        Refuse (:class:`~engine.estimate.LongRunError`, before any work) when
        the estimate (:func:`~engine.graphlets.cost.orbit_counts_estimate`) is longer
        than this; the error names the estimate and the Dask call that would
        spread the work. Default :data:`~engine.estimate.LONG_RUN_SECONDS`
        (30 minutes); ``None`` runs whatever the estimate. Not checked with a ``client``.

    Returns
    -------
    numpy.ndarray of int64, shape (n, 15) or (n, 73)
        Row ``i`` is the graphlet degree vector of node id ``i``; column ``k`` is
        orbit ``k`` numbered as in ORCA (:mod:`engine.graphlets` lists them).

    Raises
    ------
    LongRunError
        The estimate is above ``max_seconds``.
    InsufficientMemoryError
        The estimated memory is above the limit (:mod:`loaders.memory`).

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
    estimate = orbit_counts_estimate(g, graphlet_size)
    if client is None and max_seconds is not None and estimate.seconds > max_seconds:
        raise LongRunError(estimate, max_seconds, long_run_advice(g, estimate))
    # The 5-node count keeps 73 int64 counts per node three times over at the end.
    check_memory(
        estimate.bytes,
        f"orbit_counts(graphlet_size={graphlet_size}) on {g.n_nodes:,} nodes",
        parameter="graphlet_size" if graphlet_size == 5 else None,
    )
    if graphlet_size == 5:
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
        with orbit_threads(g):
            small = _orbit_counts(g, progress)
        with threads_for(g, power=3, work=PARALLEL_WORK_5):
            return np.hstack([small, five_node_orbit_counts(g, progress)])
    if client is not None:
        from engine.distributed import map_node_ranges

        parts = map_node_ranges(
            client, g, _orbit_counts_of_range, progress=progress, stage="orbits"
        )
        return _solve_ranges(parts)
    with orbit_threads(g):
        return _orbit_counts(g, progress)


def _orbit_counts_of_range(g: Graph, start: int, stop: int) -> tuple:
    """The Dask task of :func:`orbit_counts`: this range's share of the global passes.

    Every worker ranks the graph and counts triangles on all its edges once
    (cached); then each task lists the 4-cliques and 4-cycles of its share of
    the work (the fraction ``start/n .. stop/n`` of each pass's steps, so that
    hub-heavy ranks spread over the tasks) and sums the edges of nodes
    ``start..stop-1``. Returns those rows' sums and the share's per-node totals,
    which the caller adds up (:func:`_solve_ranges`).
    """
    with orbit_threads(g):
        passes = _cached_passes(g)
        share = (start / max(g.n_nodes, 1), stop / max(g.n_nodes, 1))
        totals = passes.totals(None, share)
        return passes.sums(start, stop), totals


def _solve_ranges(parts: list) -> np.ndarray:
    """:func:`orbit_counts` from the Dask tasks' ``(sums, totals)``."""
    totals = sum(part[1] for part in parts)
    sums = np.concatenate([part[0] for part in parts])
    orbits = np.zeros((sums.shape[0], N_NODE_ORBITS), dtype=np.int64)
    if sums.shape[0]:
        four_kernels.solve_orbits(sums, totals[0], totals[1], totals[2], orbits)
    return orbits


def _five_node_orbit_counts_of_range(g: Graph, start: int, stop: int) -> np.ndarray:
    """Rows ``start..stop-1`` of ``orbit_counts(g, graphlet_size=5)`` (a Dask task)."""
    with orbit_threads(g):
        small = _cached_orbit_counts(g)[start:stop]
    with threads_for(g, power=3, work=PARALLEL_WORK_5):
        return np.hstack([small, five_node_orbit_counts(g, None, start, stop)])


@functools.lru_cache(maxsize=2)
def _cached_passes(g: Graph) -> _Passes:
    # A Dask worker runs several tasks on one graph: it ranks it and counts triangles once.
    return _Passes(g, None)


@functools.lru_cache(maxsize=2)
def _cached_orbit_counts(g: Graph) -> np.ndarray:
    return _orbit_counts(g, None)


# Progress reports (and kernel launches) per pass: the work is cut into batches of
# about equal work, at most this many, each of at least BATCH_UNITS (about 70 ms of
# one core; a launch and its barrier cost microseconds: a small graph's pass is one launch).
BATCHES = 64
BATCH_UNITS = 1 << 26
# Words of each thread's adjacency bits of one up-list: up-lists of up to 2048 nodes
# (the longest on the 100M-edge R-MAT: 1077) keep theirs.
BIT_WORDS = 2048 * 32


class _Passes:
    """The ranked graph, its triangles, and the passes of the 4-node orbit count.

    ``progress`` hears ``(units, total, "orbits")`` in work units (see
    :func:`engine.graphlets.cost.orbit_counts_estimate`): each pass reports its batches
    weighted by the time one of its steps takes, so the fraction done tracks time.
    """

    def __init__(self, g: Graph, progress: Progress) -> None:
        # Wall and CPU seconds per pass, kept for benchmarks/orbits.py's calibration table.
        self.seconds: dict[str, float] = {}
        self.cpu_seconds: dict[str, float] = {}
        clock, cpu = time.perf_counter(), time.process_time()
        simple = SimpleGraph.of(g, orient=False)
        self.ranked = RankedGraph(simple)
        ranked = self.ranked
        self.n, self.m = ranked.n, ranked.m
        self.threads = thread_count()
        self.up = ranked.degree - ranked.low
        self.build = np.zeros(self.n, dtype=np.int64)
        four_kernels.up_reach(ranked.csr, ranked.low, self.build)
        # Each pass's work per item (steps and rows, weighted as the estimate weighs
        # them), items in the order the passes take them: top rank first.
        top_down = slice(None, None, -1)
        degree, low = ranked.degree, ranked.low
        stats = orbit_statistics(g)
        rows = np.where(low > 0, degree, 0)
        per_item = {
            "triangles": (ranked.reach, rows),
            "4-cliques": (self.build, self.up),
            "4-cycles": (ranked.wedges, low),
        }
        self.work = {
            name: orbit_pass_units(name, steps[top_down], rows[top_down], stats)
            for name, (steps, rows) in per_item.items()
        }
        self.step_counts = {
            "ranking": (2 * self.m + self.n, 0),
            **{
                name: (int(steps.sum()), int(rows.sum()))
                for name, (steps, rows) in per_item.items()
            },
            "nodes": (2 * self.m + self.n, 0),
        }
        self.units = {
            name: round(orbit_pass_units(name, *counts, stats))
            for name, counts in self.step_counts.items()
        }
        self.total = int(sum(self.units.values()))
        self.done = 0
        self.progress = progress
        self.seconds["ranking"] = time.perf_counter() - clock
        self.cpu_seconds["ranking"] = time.process_time() - cpu
        self._report(0)
        self._report(self.units["ranking"])
        self.tri = np.zeros(ranked.csr.indices.shape[0], dtype=np.int32)
        state = np.zeros((self.threads, self.n), dtype=np.int32)
        csr, low, tri = ranked.csr, ranked.low, self.tri
        self._in_batches(
            "triangles",
            lambda first, last, queue: common_kernels.ranked_triangles(
                csr, low, first, last, queue, state, tri
            ),
        )

    def _report(self, units: int) -> None:
        self.done += units
        if self.progress is not None:
            self.progress(min(self.done, self.total), self.total, "orbits")

    def _in_batches(self, name: str, launch, share=(0.0, 1.0)) -> None:
        """``launch(first, last, queue)`` over this share of the pass's items, in batches of
        about equal work, reporting each (``queue``: see ``common_kernels.next_chunk``)."""
        work = self.work[name]
        if work.shape[0] == 0:
            return
        done = np.cumsum(work)
        total = int(done[-1])
        first, last = (int(b) for b in np.searchsorted(done, [share[0] * total, share[1] * total]))
        if share[1] >= 1.0:
            last = work.shape[0]
        if share[0] <= 0.0:
            first = 0
        span = float(done[last - 1] - (done[first - 1] if first else 0)) if last > first else 0.0
        batches = int(np.clip(span // BATCH_UNITS, 1, BATCHES))
        cuts = np.searchsorted(
            done,
            (done[first - 1] if first else 0) + np.arange(1, batches) * (span / batches),
            side="right",
        )
        bounds = np.unique(np.clip(np.concatenate([[first], cuts, [last]]), first, last))
        weight = self.units[name] / max(total, 1)
        reported = done[first - 1] if first else 0
        clock, cpu = time.perf_counter(), time.process_time()
        for a, b in itertools.pairwise(bounds.tolist()):
            # Heavy items (the first batches: the top ranks) one at a time; the light
            # tail in bigger chunks, which cost less to hand out.
            chunk = int(np.clip((b - a) // (self.threads * 64), 1, 256))
            launch(a, b, np.array([0, chunk], dtype=np.int64))
            self._report(round(weight * (done[b - 1] - reported)))
            reported = done[b - 1]
        self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - clock
        self.cpu_seconds[name] = self.cpu_seconds.get(name, 0.0) + time.process_time() - cpu

    def totals(self, progress: Progress = None, share=(0.0, 1.0)) -> np.ndarray:
        """``(3, n)`` per rank: 4-cliques, triangles weighted by their opposite edge's
        triangles, and twice the 4-cycles (as subgraphs), from this share of the work."""
        if progress is not None:
            self.progress = progress
        totals = np.empty((3, self.n), dtype=np.int64)
        self._cliques(share, totals[0], totals[1])
        self._cycles(share, totals[2])
        return totals

    def _cliques(self, share, cliques_out: np.ndarray, sums_out: np.ndarray) -> None:
        ranked, threads, n = self.ranked, self.threads, self.n
        csr, low, tri = ranked.csr, ranked.low, self.tri
        longest = int(self.up.max(initial=0)) + 1
        capacity = max(longest, min(LIST_CAPACITY, self.m))
        in_a = np.zeros((threads, n), dtype=np.int64)
        position = np.zeros((threads, n), dtype=np.int64)
        buffers = np.zeros((threads, 2, capacity), dtype=np.int32)
        width = min(BIT_WORDS, longest * ((longest + 63) // 64))
        bits = np.zeros((threads, width), dtype=np.uint64)
        tallies = np.zeros((threads, 4, longest), dtype=np.int64)
        cliques = np.zeros((threads, n), dtype=np.int64)
        triangle_sums = np.zeros((threads, n), dtype=np.int64)
        scratch = (in_a, position, buffers, bits, tallies, cliques, triangle_sums)
        self._in_batches(
            "4-cliques",
            lambda first, last, queue: four_kernels.cliques_and_triangle_sums(
                csr, low, tri, first, last, queue, *scratch
            ),
            share,
        )
        np.sum(cliques, axis=0, out=cliques_out)
        np.sum(triangle_sums, axis=0, out=sums_out)

    def _cycles(self, share, out: np.ndarray) -> None:
        threads, n = self.threads, self.n
        csr, low = self.ranked.csr, self.ranked.low
        counts = np.zeros((threads, n), dtype=np.int32)
        touched = np.zeros((threads, n), dtype=np.int32)
        cycles = np.zeros((threads, n), dtype=np.int64)
        self._in_batches(
            "4-cycles",
            lambda first, last, queue: four_kernels.four_cycles(
                csr, low, first, last, queue, counts, touched, cycles
            ),
            share,
        )
        np.sum(cycles, axis=0, out=out)

    def sums(self, start: int, stop: int) -> np.ndarray:
        """The per-node sums (``four_kernels.node_orbit_sums``) of nodes ``start..stop-1``."""
        ranked = self.ranked
        if not hasattr(self, "_node_sums"):
            tri_sum, _, open_sum = common_kernels.node_sums(ranked.csr, ranked.degree, self.tri)
            self._node_sums = tri_sum, open_sum
        tri_sum, open_sum = self._node_sums
        sums = np.zeros((max(stop - start, 0), four_kernels.LOCAL_SUMS), dtype=np.int64)
        four_kernels.node_orbit_sums(
            ranked.csr, ranked.rank, self.tri, tri_sum, open_sum, start, stop, sums
        )
        return sums

    def orbits(self, totals: np.ndarray) -> np.ndarray:
        clock, cpu = time.perf_counter(), time.process_time()
        orbits = np.zeros((self.n, N_NODE_ORBITS), dtype=np.int64)
        for start in range(0, self.n, SOLVE_NODES):
            stop = min(start + SOLVE_NODES, self.n)
            four_kernels.solve_orbits(
                self.sums(start, stop), totals[0], totals[1], totals[2], orbits[start:stop]
            )
        self.seconds["nodes"] = time.perf_counter() - clock
        self.cpu_seconds["nodes"] = time.process_time() - cpu
        self.done = self.total - self.units["nodes"]
        self._report(self.units["nodes"])
        return orbits


def _orbit_counts(g: Graph, progress: Progress) -> np.ndarray:
    if g.n_nodes == 0:
        return np.zeros((0, N_NODE_ORBITS), dtype=np.int64)
    passes = _Passes(g, progress)
    return passes.orbits(passes.totals())


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
