"""What every graphlet counter shares: the simple graph it counts on, threads, checks.

Orbits are defined on simple undirected graphs, so a directed graph is counted
on its undirected version (an edge where either direction exists), self-loops
are dropped and repeated edges counted once; weights are ignored.
:class:`SimpleGraph` builds that CSR once per call, with the per-edge triangle
counts and the degree-oriented copy that the 4-clique search walks.
"""

from __future__ import annotations

from contextlib import contextmanager

import numba
import numpy as np
import scipy.sparse as sp

from checks.twins import one_thread
from engine._kernels.csr import CSR
from engine.graphlets import common_kernels as kernels
from loaders import Graph

N_NODE_ORBITS = 15
N_EDGE_ORBITS = 12
N_NODE_ORBITS_5 = 73

# Nodes per progress report (and per kernel launch): small enough for a live bar,
# large enough that launching costs nothing.
BATCH_NODES = 1 << 16
MAX_NODES = 1 << 31
PARALLEL_WORK = 10_000_000
# The same for 5-node counts, whose walks grow as Σ deg³: on cora (Σ deg³ = 6.9e6, a
# 68 ms count) two threads took 101 ms against one's 68 ms.
PARALLEL_WORK_5 = 100_000_000
# Nodes a thread takes at a time in the orbit walks: dynamic, so that a thread
# whose core is busy elsewhere takes fewer.
CHUNK_NODES = 64
# Nodes whose orbits are solved at a time (bounds the per-node sums' memory).
SOLVE_NODES = 1 << 20
# Entries of each thread's 4-clique sub-lists (one node's up-list subgraph; a
# bigger one walks its up-lists whole).
LIST_CAPACITY = 1 << 20


class SimpleGraph:
    """The simple undirected CSR of a graph, with what every orbit kernel needs.

    Attributes
    ----------
    csr : CSR
        Both directions of every edge, rows sorted, no self-loops, no weights.
    n, m : int
        Nodes and (undirected) edges.
    degree : int64 (n,)
    up : CSR
        With ``orient``: each node's neighbours that outrank it in (degree, id)
        order (:func:`~engine.graphlets.common_kernels.orient_by_degree`).
    tri : int32 (2m,)
        With ``orient``: common neighbours of the two ends of each CSR slot.
    """

    def __init__(self, indptr: np.ndarray, indices: np.ndarray, orient: bool) -> None:
        self.csr = unweighted_csr(indptr, indices)
        self.n = indptr.shape[0] - 1
        self.m = int(indptr[-1]) // 2
        self.degree = np.diff(indptr)
        if orient:
            self.up = unweighted_csr(*kernels.orient_by_degree(self.csr, self.degree))
            self.tri = kernels.edge_triangles(self.csr, self.degree, thread_count())

    def cliques(self, per_edge: bool) -> tuple[np.ndarray, np.ndarray]:
        """4-cliques on each node, and (``per_edge``) on each slot of the oriented lists."""
        node_cliques = np.zeros(self.n, dtype=np.int64)
        slot_cliques = np.zeros(self.up.indices.shape[0] if per_edge else 0, dtype=np.int64)
        kernels.count_cliques(self.up, thread_count(), node_cliques, slot_cliques, per_edge)
        return node_cliques, slot_cliques

    def node_sums(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per node, over its neighbours z: ``Σ tri``, ``Σ (deg z − 1)`` and their difference
        (:func:`~engine.graphlets.common_kernels.node_sums`)."""
        return kernels.node_sums(self.csr, self.degree, self.tri)

    @classmethod
    def of(cls, g: Graph, orient: bool = True) -> SimpleGraph:
        if g.n_nodes >= MAX_NODES:
            # The kernels pack a node id and a count into one int64 (see common_kernels).
            raise ValueError(
                f"orbit counting supports fewer than {MAX_NODES:,} nodes; got {g.n_nodes:,}"
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
            indptr, indices = kernels.drop_self_loops(unweighted_csr(indptr, indices))
        return cls(indptr, indices, orient)


class RankedGraph:
    """The simple graph renumbered by rank, (degree, id) ascending, for the node-orbit passes.

    Built in one O(m) scatter (:func:`~engine.graphlets.common_kernels.rank_rows`):
    rows come out sorted, so a node's lower-ranked neighbours are a prefix of its
    row and the rest is its up-list (at most ``√(2m)`` long).

    Attributes
    ----------
    csr : CSR
        Row ``r`` is node ``perm[r]``'s neighbours, as ranks, sorted.
    perm, rank : int64 (n,)
        ``perm[r]`` is the node of rank ``r``; ``rank`` is its inverse.
    low : int64 (n,)
        Neighbours ranked below each rank (the length of its row's prefix).
    wedges : int64 (n,)
        Per rank ``v``: the paths ``v-u-w`` with ``u, w`` ranked below ``v``, the
        steps of the 4-cycle search from ``v``.
    reach : int64 (n,)
        Per rank: its lower neighbours' degrees, summed: the steps of counting
        triangles on its edges.
    """

    def __init__(self, simple: SimpleGraph) -> None:
        n = simple.n
        self.n, self.m = n, simple.m
        degree = simple.degree
        self.perm = np.argsort(degree, kind="stable")
        self.rank = np.empty(n, dtype=np.int64)
        self.rank[self.perm] = np.arange(n)
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(degree[self.perm], out=indptr[1:])
        indices = np.empty(int(indptr[-1]), dtype=np.uint32)
        self.low = np.zeros(n, dtype=np.int64)
        self.wedges = np.zeros(n, dtype=np.int64)
        self.reach = np.zeros(n, dtype=np.int64)
        kernels.rank_rows(
            simple.csr, self.perm, self.rank, indptr, indices, self.low, self.wedges, self.reach
        )
        self.csr = unweighted_csr(indptr, indices)
        self.degree = degree[self.perm]


def unweighted_csr(indptr: np.ndarray, indices: np.ndarray) -> CSR:
    """The kernels' :class:`~engine._kernels.csr.CSR` of a graph without weights.

    int32 ids are viewed as uint32, as :func:`~engine._kernels.csr.csr_of` does:
    gathers then skip Numba's negative-index wrap (node orbits 10-15% faster on
    the BA graph of ``benchmarks/orbits.py``, edge orbits about as much).
    """
    if indices.dtype == np.int32:
        indices = indices.view(np.uint32)
    return CSR(indptr, indices, np.empty(0, dtype=np.float32), np.empty(0, dtype=np.float64))


def thread_count() -> int:
    return numba.get_num_threads()


@contextmanager
def threads_for(g: Graph, power: int = 2, work: float = PARALLEL_WORK):
    """One thread when the two-step walk is short (``Σ deg² < PARALLEL_WORK``; with
    ``power`` and ``work``, ``Σ deg^power < work``).

    Each parallel region ends at a barrier that waits for every thread; when
    another process holds a core, that wait costs a scheduler time slice, which
    on email-Eu-core (2.4M steps) made two threads 5x slower than one.
    """
    degree = np.diff(g.indptr).astype(np.float64)
    with one_thread(float(np.sum(degree**power)) < work):
        yield


def check_orbits(g: Graph, orbits, widths: tuple[int, ...] = (N_NODE_ORBITS,)) -> np.ndarray:
    orbits = np.asarray(orbits)
    if orbits.ndim != 2 or orbits.shape[0] != g.n_nodes or orbits.shape[1] not in widths:
        shapes = " or ".join(f"({g.n_nodes}, {w})" for w in widths)
        raise ValueError(f"orbits must have shape {shapes} for this graph; got {orbits.shape}")
    return orbits
