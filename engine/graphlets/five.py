"""Orbits of 5-node graphlets: orbits 15–72 of every node, from a triangular system.

The 21 five-node graphlets G9–G29 have 58 orbits, numbered 15–72 as by Pržulj
and ORCA; :data:`FIVE_NODE_GRAPHLETS` lists each graphlet's edges and its
nodes' orbits.

The system is derived mechanically rather than by hand. From each node x the
kernel walks every connected 4-node set T holding x (ESU rooted at x) and adds
*probes*: for a class of (T's shape, a set P of T's nodes), how many nodes
outside T are adjacent to all of P. A probe counts the 5-node graphlets T + w
around x whose w covers P: the one where w touches exactly P (its *leading*
orbit) and denser ones. One probe per orbit is chosen at import, preferring the
O(1) ones (a degree, a common-neighbour count with x or with T's second node,
an edge's triangles) over scans of a neighbour list; its coefficients are
measured at first use by running the kernel on each of the 21 graphlets alone,
and the system is solved from the densest graphlet down. The work is the number
of 4-node sets around each node (not the far larger number of 5-node ones) plus
the scans; memory is O(m) plus O(n) per thread, and for graphs of up to
:data:`MAX_BIT_NODES` nodes their adjacency bits (n² / 8 bytes), from which a
scan is a popcount of ANDed rows when that is cheaper than walking a row.
:func:`five_node_orbit_counts_by_enumeration` instead enumerates every
connected 5-node set once (ESU from its smallest id) and names its nodes'
orbits from a 1024-entry table of adjacency codes; the tests use it as a
second opinion.
"""

from __future__ import annotations

import functools
import itertools

import numba
import numpy as np

from engine.graphlets import five_enumeration_kernels, five_kernels
from engine.graphlets.common import (
    BATCH_NODES,
    N_NODE_ORBITS,
    N_NODE_ORBITS_5,
    SimpleGraph,
    thread_count,
)
from engine.per_graph import Progress
from loaders import Graph

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
_FIRST_FIVE_NODE_ORBIT = 15


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


def _five_node_probes() -> five_kernels.Probes:
    """The probes of the counting mode, one per orbit 15–72.

    A probe is a class of (4-node set T rooted at x, set P of T's nodes) under the
    relabellings that fix x; its sum over the graph counts, for each T, the nodes
    w outside T adjacent to all of P (summed over the class). Its *leading* orbit
    is x's orbit in T + w when w is adjacent to exactly P; every other 5-node set
    it counts has more edges, so the system is triangular. For each orbit the
    cheapest probe leading to it is kept.

    Returns the :class:`~engine.graphlets.five_kernels.Probes` of every 6-bit
    code; probe ``j`` leads to orbit ``15 + j``.
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
            members = _adjacent_to_all(code, probe)
            inside = 0 if kind == five_kernels.SCAN else members
            code_rows.append((orbit, kind, a, b, probe, inside, members))
        # Rows that do not depend on the last node's neighbours first (degrees,
        # common neighbours, the edge w1-w2): the kernel sums them per code.
        code_rows.sort(key=_per_set)
        split[code] = start[code] + sum(not _per_set(row) for row in code_rows)
        rows.extend(code_rows)
    return five_kernels.Probes(start, split, np.array(rows, dtype=np.int64).reshape(-1, 7))


def _per_set(row: tuple) -> bool:
    """Whether the kernel evaluates a probe row once per 4-node set (edges to the
    last node, scans) rather than once per code."""
    _, kind, a, b, _, _, _ = row
    return kind == five_kernels.SCAN or (kind == five_kernels.EDGE and (a, b) != (1, 2))


def _probe_kind(code: int, probe: int) -> tuple[int, int, int]:
    """How the kernel counts a probe: (kind, position a, position b)."""
    positions = [p for p in range(4) if probe >> p & 1]
    if len(positions) == 1:
        return five_kernels.DEGREE, positions[0], 0
    if len(positions) == 2 and positions[0] < 2:
        return five_kernels.COMMON, positions[0], positions[1]
    if len(positions) == 2 and code & _pair_bit(*positions):
        return five_kernels.EDGE, positions[0], positions[1]
    return five_kernels.SCAN, 0, 0


def _adjacent_to_all(code: int, probe: int) -> int:
    """Nodes of T outside ``probe`` adjacent to all of it (the kernel's counts include them)."""
    members = [p for p in range(4) if probe >> p & 1]
    return sum(all(code & _pair_bit(s, t) for t in members) for s in range(4) if not probe >> s & 1)


_PROBES = _five_node_probes()


def _probe_sums(simple: SimpleGraph, start: int, stop: int, sums: np.ndarray) -> None:
    """Probe sums of nodes ``start..stop-1`` into ``sums`` (row ``x - start``)."""
    workers = thread_count()
    # Per thread: the extension lists of levels 2 and 3, the slots of their entries,
    # common neighbours, and the level-2 entries by their adjacency to x and w1.
    lists = np.empty((workers, 8, 3 * int(simple.degree.max(initial=0)) + 1), dtype=np.int64)
    # One root at a time, off a shared queue (five_kernels.five_node_sums): hubs
    # carry most of the work.
    five_kernels.five_node_sums(
        simple.csr,
        simple.degree,
        _reach(simple),
        simple.tri,
        _adjacency_words(simple),
        _PROBES,
        start,
        stop,
        np.zeros((workers, simple.n), dtype=np.int32),
        np.zeros((workers, 7, simple.n), dtype=np.int64),
        lists,
        np.zeros((workers, 80), dtype=np.int64),
        sums,
    )


# Adjacency bits only while they are small (n² / 8 bytes: 32 MiB at this bound); a
# bigger graph's scans walk neighbour lists.
MAX_BIT_NODES = 1 << 14


def _adjacency_words(simple: SimpleGraph) -> np.ndarray:
    """``words[v, k]`` bit ``j``: whether node ``64 k + j`` is adjacent to ``v``, shape (n, W);
    ``W = 0`` for graphs over :data:`MAX_BIT_NODES` nodes."""
    n = simple.n
    width = (n + 63) // 64 if n <= MAX_BIT_NODES else 0
    words = np.zeros((n, width), dtype=np.uint64)
    if width:
        rows = np.repeat(np.arange(n, dtype=np.int64), simple.degree)
        columns = simple.csr.indices.astype(np.int64)
        bits = np.left_shift(np.uint64(1), (columns & 63).astype(np.uint64))
        np.bitwise_or.at(words.reshape(-1), rows * width + (columns >> 6), bits)
    return words


def _reach(simple: SimpleGraph) -> np.ndarray:
    """Each node's neighbours' degrees, summed (what stamping their neighbours costs)."""
    rows = np.repeat(np.arange(simple.n), simple.degree)
    reach = np.bincount(rows, weights=simple.degree[simple.csr.indices], minlength=simple.n)
    return reach.astype(np.int64)


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
        _probe_sums(SimpleGraph.of(graph), 0, 5, sums)
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


@functools.cache
def _solving_plan() -> tuple[np.ndarray, ...]:
    """The system of :func:`_five_node_equations` as :func:`five_kernels.back_substitute`
    reads it: orbits in solving order, their coefficients, and per orbit its denser
    orbits' columns and coefficients (a sparse row)."""
    coefficients, order = _five_node_equations()
    columns = [[j for j in np.flatnonzero(coefficients[k]) if j != k] for k in order]
    starts = np.cumsum([0] + [len(c) for c in columns])
    flat = np.array([j for c in columns for j in c], dtype=np.int64)
    order = np.array(order, dtype=np.int64)
    weights = coefficients[np.repeat(order, np.diff(starts)), flat]
    return order, coefficients[order, order], starts, flat, weights


def _solve_five_node_orbits(sums: np.ndarray) -> np.ndarray:
    """Orbit counts 15–72 from the probe sums (exact integer back-substitution, one
    kernel pass over the nodes: 58 NumPy passes took 2 of lgc-minnesota's 10 ms)."""
    orbits = np.zeros_like(sums)
    if five_kernels.back_substitute(sums, *_solving_plan(), orbits):
        raise AssertionError("five-node orbits: the equations do not divide")
    return orbits


def five_node_orbit_counts(
    g: Graph,
    progress: Progress,
    first: int = 0,
    last: int | None = None,
    simple: SimpleGraph | None = None,
) -> np.ndarray:
    """Orbits 15–72 of nodes ``first..last-1`` (default: all), shape (last - first, 58),
    from the probe sums; a node's sums need only the graph, so node ranges are
    independent (the Dask path counts one range per task, ``simple`` built once
    per worker)."""
    simple = simple or SimpleGraph.of(g)
    last = simple.n if last is None else last
    width = N_NODE_ORBITS_5 - N_NODE_ORBITS
    sums = np.zeros((max(last - first, 0), width), dtype=np.int64)
    for start in range(first, last, BATCH_NODES):
        stop = min(start + BATCH_NODES, last)
        _probe_sums(simple, start, stop, sums[start - first : stop - first])
        if progress is not None:
            progress(stop - first, last - first, "5-node orbits")
    return _solve_five_node_orbits(sums)


def five_node_orbit_counts_by_enumeration(g: Graph, progress: Progress) -> np.ndarray:
    """Orbits 15–72 of every node, shape (n, 58), enumerating every 5-node set."""
    simple = SimpleGraph.of(g, orient=False)
    n = simple.n
    width = N_NODE_ORBITS_5 - N_NODE_ORBITS
    orbits = np.zeros((n, width), dtype=np.int64)
    if n == 0:
        return orbits
    workers = thread_count()
    max_degree = int(simple.degree.max())
    counts = np.zeros((workers, n, width), dtype=np.int64)
    masks = np.zeros((workers, n), dtype=np.int32)
    lists = np.empty((workers, 3, 3 * max_degree + 1), dtype=np.int64)
    for start in range(0, n, BATCH_NODES):
        stop = min(start + BATCH_NODES, n)
        # One root at a time: a root's work is its share of the 5-node sets, which
        # hubs with small ids dominate.
        with numba.parallel_chunksize(1):
            five_enumeration_kernels.five_node_orbits(
                simple.csr, _FIVE_NODE_ORBIT_OF, start, stop, masks, lists, counts
            )
        if progress is not None:
            progress(stop, n, "5-node orbits")
    five_enumeration_kernels.sum_threads(counts, orbits)
    return orbits
