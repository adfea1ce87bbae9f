"""Monte-Carlo walks: ``method="walks"`` and the walks of the hybrid on the GPU.

``walks`` counts every visit (``π̂(v) = α·visits(v)/W``, the "complete path"
estimator of Avrachenkov et al. 2007): each walk reports ``1/α`` nodes on average
instead of one, and on the test graphs it has about a third of the end-point
estimator's variance at the same walk count
(``tests/engine/pagerank/test_walks.py::test_visit_estimator_has_lower_variance``).
On the CPU the walks run in Numba on every core
(:mod:`engine.pagerank.walks_kernels`); on the GPU one CUDA thread runs each walk
(:mod:`engine.pagerank.walks_gpu`, the same walk compiled for CUDA).
Walk ``i`` draws from the random stream ``(seed, i)``: same seed, same counts,
whatever the threads; the CPU and GPU kernels agree count for count.
"""

from __future__ import annotations

import numpy as np

from engine._kernels.csr import csr_of
from engine.pagerank import walks_kernels as kernels
from engine.pagerank.common import n_threads, seed_int
from engine.pagerank.common_kernels import Seeds
from engine.pagerank.walks_kernels import Walker, WalkGraph
from engine.per_graph import derived
from loaders import Graph


def walk_graph(g: Graph) -> WalkGraph:
    """The graph as walks read it (:class:`~engine.pagerank.walks_kernels.WalkGraph`),
    built once per graph: the running weights are O(m) to sum."""
    return derived("pagerank.walk_graph", g, _build_walk_graph)


def _build_walk_graph(g: Graph) -> WalkGraph:
    csr = csr_of(g)
    if g.weights is None:
        return WalkGraph(csr.indptr, csr.indices, np.empty(0, dtype=np.float64))
    return WalkGraph(csr.indptr, csr.indices, kernels.row_cumulative_weights(g.indptr, g.weights))


def query_walker(g: Graph, seed_nodes, seed_mass, alpha: float, seed: int | None) -> Walker:
    """The :class:`~engine.pagerank.walks_kernels.Walker` of a query: its walks restart
    at the seed distribution; ``seed`` None draws a fresh stream."""
    return Walker.of(walk_graph(g), Seeds.of(seed_nodes, seed_mass), alpha, seed_int(seed))


def run_walks(
    g: Graph,
    start_nodes,
    start_mass,
    seed_nodes,
    seed_mass,
    alpha: float,
    n_walks: int,
    count_visits: bool,
    device: str,
    seed: int | None,
) -> np.ndarray:
    """Integer counts per node of ``n_walks`` walks started from ``start_mass`` (end points,
    or every visit with ``count_visits``). Same seed, same device → same counts."""
    seeds = Seeds.of(seed_nodes, seed_mass)
    starts = Seeds.of(start_nodes, start_mass)
    if device == "gpu":
        return _run_walks_gpu(g, seeds, starts, alpha, n_walks, count_visits, seed_int(seed))
    walker = Walker.of(walk_graph(g), seeds, alpha, seed_int(seed))
    counts = np.zeros((n_threads(), g.n_nodes), dtype=np.int64)
    kernels.sample_walks(walker, starts, n_walks, count_visits, counts)
    return counts.sum(axis=0)


def _run_walks_gpu(g, seeds, starts, alpha, n_walks, count_visits, seed) -> np.ndarray:
    import cupy

    from engine.pagerank import walks_gpu

    walker = Walker.of(_device_graph(g), _on_device(seeds), alpha, seed)
    counts = cupy.zeros((1, g.n_nodes), dtype=cupy.int64)
    steps = cupy.zeros(1, dtype=cupy.int64)
    walks_gpu.launch(walker, _on_device(starts), n_walks, count_visits, counts, steps)
    return cupy.asnumpy(counts[0])


def _on_device(bundle):
    """A named tuple of arrays, copied to GPU memory."""
    import cupy

    return type(bundle)(*(cupy.asarray(array) for array in bundle))


def _device_graph(g: Graph) -> WalkGraph:
    """The walk graph in GPU memory, copied once per graph and kept while the graph lives."""
    return derived("pagerank.device_graph", g, lambda graph: _on_device(walk_graph(graph)))


def visit_estimate(
    g: Graph, seed_nodes, seed_mass, alpha: float, n_walks: int, device: str, seed: int | None
) -> np.ndarray:
    """``walks``: ``α·visits/W`` from walks started at the seed distribution."""
    visits = run_walks(
        g, seed_nodes, seed_mass, seed_nodes, seed_mass, alpha, n_walks, True, device, seed
    )
    return alpha * visits / n_walks
