"""The random-walk kernel for CUDA: the CPU walk (``make_walk`` of
:mod:`engine.pagerank.walks_kernels`) compiled as a device function, one thread per
walk, counts added atomically.

Launched on CuPy arrays on a GPU; CI runs it on NumPy arrays under
``NUMBA_ENABLE_CUDASIM=1`` and checks it against the CPU kernel count for count.
Importing this module needs numba's CUDA target (the ``gpu`` extra), not a GPU.
"""

from __future__ import annotations

from numba import cuda

from engine.pagerank.walks_kernels import make_walk


@cuda.jit(device=True)
def _atomic_increment(counts, lane, node):
    cuda.atomic.add(counts, (lane, node), 1)


_walk, _, _ = make_walk(cuda.jit(device=True), _atomic_increment)


@cuda.jit
def sample_walks_kernel(
    indptr,
    indices,
    cumulative,
    weighted,
    start_nodes,
    start_cdf,
    seed_nodes,
    seed_cdf,
    n_walks,
    alpha,
    seed,
    count_visits,
    counts,
    steps,
):
    """Walks ``0..n_walks-1`` in a grid-stride loop; ``counts`` has one row; ``steps[0]``
    receives the total number of steps."""
    first = cuda.grid(1)
    stride = cuda.gridsize(1)
    taken = 0
    for walk in range(first, n_walks, stride):
        taken += _walk(
            indptr,
            indices,
            cumulative,
            weighted,
            start_nodes,
            start_cdf,
            seed_nodes,
            seed_cdf,
            alpha,
            seed,
            walk,
            count_visits,
            counts,
            0,
        )
    cuda.atomic.add(steps, 0, taken)


def launch(
    arrays: dict,
    n_walks: int,
    alpha: float,
    seed: int,
    count_visits: bool,
    counts,
    steps,
    threads_per_block: int = 256,
    max_blocks: int = 4096,
) -> None:
    """Launch ``sample_walks_kernel`` with enough blocks to keep the device busy."""
    blocks = max(1, min(max_blocks, (n_walks + threads_per_block - 1) // threads_per_block))
    sample_walks_kernel[blocks, threads_per_block](
        arrays["indptr"],
        arrays["indices"],
        arrays["cumulative"],
        arrays["weighted"],
        arrays["start_nodes"],
        arrays["start_cdf"],
        arrays["seed_nodes"],
        arrays["seed_cdf"],
        n_walks,
        alpha,
        seed,
        count_visits,
        counts,
        steps,
    )
