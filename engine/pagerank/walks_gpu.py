"""The random-walk kernel for CUDA: one thread per walk, on the walk step of the CPU
kernels (``make_steps`` of :mod:`engine.pagerank.walks_kernels`) compiled as device
functions, counts added atomically.

Launched on CuPy arrays on a GPU; CI runs it on NumPy arrays under
``NUMBA_ENABLE_CUDASIM=1`` and checks it against the CPU kernel
(:func:`~engine.pagerank.walks_kernels.sample_walks`) count for count.
Importing this module needs numba's CUDA target (the ``gpu`` extra), not a GPU.
"""

from __future__ import annotations

from numba import cuda

from engine.pagerank.walks_kernels import LOST, STOPPED, make_steps

_begin, _, _, _advance, _, _stop_threshold = make_steps(cuda.jit(device=True))


@cuda.jit(device=True)
def _walk(walker, starts, walk_id, count_visits, counts):
    """Run walk ``walk_id`` from ``starts``; add its end point (or every visit) to
    ``counts[0]``, atomically. Returns the number of steps, or ``-1 - steps`` when it
    met a dangling node with no seeds."""
    node, state = _begin(starts, walker.seed, walk_id)
    stop_below = _stop_threshold(walker.alpha)
    steps = 0
    while True:
        if count_visits:
            cuda.atomic.add(counts, (0, node), 1)
        following, state, status = _advance(walker, stop_below, node, state)
        if status == STOPPED:
            if not count_visits:
                cuda.atomic.add(counts, (0, node), 1)
            return steps
        if status == LOST:
            return -1 - steps
        node = following
        steps += 1


@cuda.jit
def sample_walks_kernel(walker, starts, n_walks, count_visits, counts, steps):
    """Walks ``0..n_walks-1`` from ``starts`` in a grid-stride loop, as
    :func:`engine.pagerank.walks_kernels.sample_walks` runs them; ``counts`` has one
    row; ``steps[0]`` receives the total number of steps, lost walks' included."""
    first = cuda.grid(1)
    stride = cuda.gridsize(1)
    taken = 0
    for walk in range(first, n_walks, stride):
        steps_or_lost = _walk(walker, starts, walk, count_visits, counts)
        # A lost walk's steps count as the CPU kernel counts them (-1 - steps decoded).
        taken += steps_or_lost if steps_or_lost >= 0 else -1 - steps_or_lost
    cuda.atomic.add(steps, 0, taken)


def launch(
    walker,
    starts,
    n_walks: int,
    count_visits: bool,
    counts,
    steps,
    threads_per_block: int = 256,
    max_blocks: int = 4096,
) -> None:
    """Launch ``sample_walks_kernel`` with enough blocks to keep the device busy.

    ``walker`` and ``starts`` are the bundles of :mod:`engine.pagerank.walks_kernels`
    with their arrays in device memory (CuPy arrays, or NumPy ones under the
    simulator)."""
    blocks = max(1, min(max_blocks, (n_walks + threads_per_block - 1) // threads_per_block))
    walker, starts = _kernel_argument(walker), _kernel_argument(starts)
    sample_walks_kernel[blocks, threads_per_block](
        walker, starts, n_walks, count_visits, counts, steps
    )


def _kernel_argument(value):
    """``value`` with every CuPy array in its named tuples viewed as a Numba device
    array (no copy): Numba types an array inside a tuple argument by its own type,
    not by the CUDA array interface it accepts for a bare argument."""
    if hasattr(value, "_fields"):
        return type(value)(*(_kernel_argument(field) for field in value))
    if hasattr(value, "__cuda_array_interface__"):
        return cuda.as_cuda_array(value)
    return value
