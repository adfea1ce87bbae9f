"""GRADCO's orbit adjacency matrices for 2–4 node graphlets, built sparse.

One-hop matrices come from per-edge sums on the walks of the edge orbits;
two-hop ones from one walk per node over its two-step neighbourhood; the
three-hop one from 3-step walks less the paws among them.
"""

from __future__ import annotations

from collections.abc import Iterable

import numba
import numpy as np
import scipy.sparse as sp

from engine.graphlets import adjacency_kernels
from engine.graphlets.common import CHUNK_NODES, SimpleGraph, thread_count, threads_for
from loaders import Graph

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
        Counted on its simple undirected version (see :mod:`engine.graphlets`).
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
    with threads_for(g):
        return _orbit_adjacency(g, hops)


def _orbit_adjacency(g: Graph, hops: list[int]) -> dict[tuple[int, int, int], sp.csr_array]:
    simple = SimpleGraph.of(g)
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


def _one_hop(simple: SimpleGraph) -> dict[tuple[int, int, int], sp.csr_array]:
    n, indptr, indices = simple.n, simple.csr.indptr, simple.csr.indices
    _, slot_cliques = simple.cliques(per_edge=True)
    sums = np.zeros((indices.shape[0], 4), dtype=np.int64)
    state = np.zeros((thread_count(), n), dtype=np.int64)
    adjacency_kernels.slot_sums(
        simple.csr, simple.degree, simple.tri, simple.up, slot_cliques, state, sums
    )
    tri_yz, degree_z, cycles, cliques = sums.T
    # Slot q is (x → y): x the row, y the column; u = x is on the first orbit.
    x = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
    y = indices.astype(np.int64)
    t = simple.tri.astype(np.int64)
    dx, dy = simple.degree[x], simple.degree[y]
    tri_sum, degree_sum, _ = simple.node_sums()
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


def _three_hop(simple: SimpleGraph, paws: sp.csr_array) -> sp.csr_array:
    """The 3-hop matrix ``A(3,4,4)``: 3-step walks less paws, built in place.

    At 100k nodes / 1M edges it holds ~765M entries, so it is built with 32-bit
    columns (and 32-bit counts when ``max_degree² < 2³¹`` bounds them) and the
    paws are subtracted in place: int64 arrays plus the copy a scipy subtraction
    makes came to over 24 GiB.
    """
    walks = _three_step_walks(simple)
    paws = paws.copy()
    paws.sort_indices()
    missing = adjacency_kernels.subtract_sorted_rows(
        walks.indptr, walks.indices, walks.data, paws.indptr, paws.indices, paws.data
    )
    if missing:
        raise AssertionError(f"{missing} paw entries have no 3-step walk: a counting bug")
    walks.eliminate_zeros()
    return walks


def _three_step_walks(simple: SimpleGraph) -> sp.csr_array:
    n = simple.n
    row_start = np.zeros(n + 1, dtype=np.int64)

    def run(fill: bool, columns: np.ndarray, counts: np.ndarray) -> None:
        with numba.parallel_chunksize(CHUNK_NODES):
            adjacency_kernels.three_step_walks(
                simple.csr,
                row_start,
                fill,
                np.zeros((thread_count(), n), dtype=np.int64),
                np.full((thread_count(), n), -1, dtype=np.int64),
                np.zeros((thread_count(), n), dtype=np.int64),
                np.empty((thread_count(), 2, n), dtype=np.int64),
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


def _two_hop(simple: SimpleGraph) -> dict[tuple[int, int, int], sp.csr_array]:
    n = simple.n
    row_start = np.zeros(n + 1, dtype=np.int64)
    scratch = np.full((thread_count(), 7, n), -1, dtype=np.int64)

    def run(fill: bool, columns: np.ndarray, sums: np.ndarray) -> None:
        state = np.zeros((thread_count(), n), dtype=np.int64)
        with numba.parallel_chunksize(CHUNK_NODES):
            adjacency_kernels.two_hop_pairs(
                simple.csr, simple.degree, simple.tri, row_start, fill, state, scratch, columns,
                sums,
            )  # fmt: skip

    # First the pairs per row, then, in arrays of that size, the pairs and their sums.
    run(False, np.empty(0, dtype=np.int64), np.empty((0, 5), dtype=np.int64))
    np.cumsum(row_start, out=row_start)
    columns = np.empty(row_start[-1], dtype=np.int64)
    sums = np.empty((row_start[-1], 5), dtype=np.int64)
    run(True, columns, sums)
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
