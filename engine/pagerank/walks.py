"""Monte-Carlo walks: ``method="walks"`` and the walks of the hybrid on the GPU.

``walks`` counts every visit (``π̂(v) = α·visits(v)/W``, the "complete path"
estimator of Avrachenkov et al. 2007): each walk reports ``1/α`` nodes on average
instead of one, and on the test graphs it has about a third of the end-point
estimator's variance at the same walk count
(``tests/engine/pagerank/test_ppr.py::test_visit_estimator_has_lower_variance``).
On the CPU the walks run in Numba on every core
(:mod:`engine.pagerank.walks_kernels`); on the GPU one CUDA thread runs each walk
(:mod:`engine.pagerank.walks_gpu`, the same walk compiled for CUDA).
Walk ``i`` draws from the random stream ``(seed, i)``: same seed, same counts,
whatever the threads; the CPU and GPU kernels agree count for count.
"""

from __future__ import annotations

import numpy as np

from engine.pagerank import walks_kernels as kernels
from engine.pagerank.common import cumulative, n_threads, seed_int, unsigned_indices
from engine.per_graph import derived
from loaders import Graph


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
    seed = seed_int(seed)
    start_cdf = np.cumsum(start_mass)
    start_cdf[-1] = np.inf  # a draw of exactly the total never falls off the end
    seed_cdf = np.cumsum(seed_mass)
    seed_cdf[-1] = np.inf
    if device == "gpu":
        return _run_walks_gpu(
            g, start_nodes, start_cdf, seed_nodes, seed_cdf, alpha, n_walks, count_visits, seed
        )
    counts = np.zeros((n_threads(), g.n_nodes), dtype=np.int64)
    kernels.sample_walks(
        g.indptr,
        unsigned_indices(g),
        cumulative(g),
        g.is_weighted,
        np.asarray(start_nodes, np.int64),
        start_cdf,
        np.asarray(seed_nodes, np.int64),
        seed_cdf,
        n_walks,
        alpha,
        seed,
        count_visits,
        counts,
    )
    return counts.sum(axis=0)


def _run_walks_gpu(
    g, start_nodes, start_cdf, seed_nodes, seed_cdf, alpha, n_walks, count_visits, seed
):
    import cupy

    from engine.pagerank import walks_gpu

    arrays = _device_graph(g)
    arrays.update(
        start_nodes=cupy.asarray(start_nodes, dtype=cupy.int64),
        start_cdf=cupy.asarray(start_cdf),
        seed_nodes=cupy.asarray(seed_nodes, dtype=cupy.int64),
        seed_cdf=cupy.asarray(seed_cdf),
    )
    counts = cupy.zeros((1, g.n_nodes), dtype=cupy.int64)
    steps = cupy.zeros(1, dtype=cupy.int64)
    walks_gpu.launch(arrays, n_walks, alpha, seed, count_visits, counts, steps)
    return cupy.asnumpy(counts[0])


def _device_graph(g: Graph) -> dict:
    """The CSR in GPU memory, copied once per graph and kept while the graph lives."""

    def copy(graph: Graph) -> dict:
        import cupy

        return {
            "indptr": cupy.asarray(graph.indptr),
            "indices": cupy.asarray(graph.indices),
            "cumulative": cupy.asarray(cumulative(graph)),
            "weighted": graph.is_weighted,
        }

    return dict(derived("pagerank.device_graph", g, copy))


def visit_estimate(
    g: Graph, seed_nodes, seed_mass, alpha: float, n_walks: int, device: str, seed: int | None
) -> np.ndarray:
    """``walks``: ``α·visits/W`` from walks started at the seed distribution."""
    visits = run_walks(
        g, seed_nodes, seed_mass, seed_nodes, seed_mass, alpha, n_walks, True, device, seed
    )
    return alpha * visits / n_walks
