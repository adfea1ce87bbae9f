"""The measurements behind ``make gpu-check``: GPU against its CPU twin, on R-MAT graphs.

Run as ``python -m benchmarks.gpu_measure STEP --mode MODE``, one step per process so
that :mod:`benchmarks.gpu_check` can give each its own timeout; each table row is
printed as one ``ROW {json}`` line.

Steps
-----
walks
    Random-walk steps per second of the numba-cuda kernel
    (:mod:`engine.pagerank.walks_gpu`) and of the CPU kernel, counting visits and end
    points, and whether both give the same counts for the same seed (bit-equal: a
    walk's path depends only on ``(seed, walk id)``).
fastrp
    Seconds for FastRP at dim 128 through the GPU path of ``engine.fastrp`` (``R``
    drawn on the CPU, ``N_0`` and the propagation on CuPy, the copy back), the same
    propagation with the graph already on the device, and the CPU kernels; allclose
    GPU = CPU.
minhash
    MinHash signatures per second, GPU kernel and CPU kernel; bit-equal.

Modes
-----
gpu
    CuPy arrays and numba-cuda kernels on a real device.
sim
    The dry run CI can afford: the same code with NumPy standing in for CuPy and
    the numba-cuda kernels under ``NUMBA_ENABLE_CUDASIM=1``, on tiny graphs.
cpu
    The CPU column alone, at the full sizes (what a machine without a GPU can measure).
"""

from __future__ import annotations

import argparse
import json
import math
import time
import types
from dataclasses import asdict, dataclass

import numpy as np

SEED = 7
_FASTRP_GOAL = "GPU ≤ 5 s at 100M edges"
ALPHA = 0.15
# Graph500's R-MAT quadrant probabilities (a, b, c; d = 0.05).
QUADRANTS = (0.57, 0.19, 0.19)


@dataclass(frozen=True)
class Sizes:
    """How big each measurement is in one mode."""

    graph_edges: int  # the R-MAT graph of the walks, MinHash and the first FastRP
    walks_timed_gpu: int
    walks_timed_cpu: int
    walks_compared: int
    fastrp_edges: tuple[int, ...]
    fastrp_cpu_max_edges: int  # larger FastRP graphs get no CPU run (the time budget)
    dim: int
    num_perm: int
    threads_per_block: int = 256
    max_blocks: int = 4096


FULL = Sizes(
    graph_edges=10_000_000,
    walks_timed_gpu=1 << 26,
    walks_timed_cpu=1 << 22,
    walks_compared=1 << 20,
    fastrp_edges=(10_000_000, 100_000_000),
    fastrp_cpu_max_edges=10_000_000,
    dim=128,
    num_perm=128,
)
# The CUDA simulator runs every GPU thread as a Python thread: a few hundred walks at most.
TINY = Sizes(
    graph_edges=600,
    walks_timed_gpu=128,
    walks_timed_cpu=128,
    walks_compared=128,
    fastrp_edges=(600, 1_500),
    fastrp_cpu_max_edges=1_500,
    dim=16,
    num_perm=16,
    threads_per_block=32,
    max_blocks=2,
)


@dataclass
class Row:
    """One line of the table: GPU and CPU figures of one check, and their agreement.

    ``bigger_is_better`` says whether the figures are rates (speed-up = GPU/CPU) or
    seconds (speed-up = CPU/GPU); ``ok`` is False for a failure, never for a missed goal.
    """

    check: str
    size: str = ""
    gpu: float | None = None
    cpu: float | None = None
    bigger_is_better: bool = True
    goal: str = ""
    goal_met: bool | None = None
    agreement: str = ""
    ok: bool = True
    note: str = ""


class Device:
    """The array module and kernels' home of one mode: CuPy on a GPU, NumPy otherwise.

    Examples
    --------
    >>> device = Device("sim")
    >>> device.xp is np, device.to_host(device.xp.arange(3)).tolist()
    (True, [0, 1, 2])
    """

    def __init__(self, mode: str) -> None:
        self.mode = mode
        if mode == "gpu":
            import cupy
            import cupyx.scipy.sparse

            self.xp, self.csr_matrix = cupy, cupyx.scipy.sparse.csr_matrix
        else:
            import scipy.sparse

            self.xp, self.csr_matrix = np, scipy.sparse.csr_matrix

    def sync(self) -> None:
        """Wait for the device, so that a timer stopped next measures finished work."""
        if self.mode == "gpu":
            self.xp.cuda.Device().synchronize()

    def to_host(self, array) -> np.ndarray:
        return self.xp.asnumpy(array) if self.mode == "gpu" else np.asarray(array)


def rmat_scale(n_edges: int) -> int:
    """log2 of the node count for ``n_edges``: an average out-degree of 16 or less.

    >>> rmat_scale(10_000_000), rmat_scale(100_000_000)
    (20, 23)
    """
    return max(4, math.ceil(math.log2(max(n_edges, 16) / 16)))


def rmat_csr(xp, scale: int, n_edges: int, seed: int = SEED, symmetric: bool = False):
    """An R-MAT graph (Chakrabarti et al. 2004) of ``n_edges`` distinct stored edges.

    Written against the array module ``xp`` so that CuPy builds the 100M-edge graph on
    the GPU in about a second; NumPy builds the small ones. Node ids are permuted, as
    Graph500 does, so that degree does not follow id order. Directed graphs keep their
    self-loops; a ``symmetric`` one (an undirected graph, both directions stored, so
    ``n_edges // 2`` edges) has none.

    Returns
    -------
    indptr : int64 (2**scale + 1,)
    indices : int32 (nnz,), sorted within each row

    Examples
    --------
    >>> indptr, indices = rmat_csr(np, 6, 300)
    >>> indptr.shape, int(indptr[-1]), indices.dtype.name
    ((65,), 300, 'int32')
    >>> indptr, indices = rmat_csr(np, 6, 300, symmetric=True)
    >>> int(indptr[-1])
    300
    """
    n = 1 << scale
    rng = xp.random.RandomState(seed)
    relabel = rng.permutation(n).astype(xp.int64)
    wanted = n_edges // 2 if symmetric else n_edges
    keys = xp.empty(0, dtype=xp.int64)
    a, b, c = QUADRANTS
    # Repeated edges merge, so draw a little more than the deficit until enough are distinct.
    for _ in range(64):
        missing = wanted - int(keys.shape[0])
        if missing <= 0:
            break
        draws = int(missing * 1.15) + 64
        src = xp.zeros(draws, dtype=xp.int64)
        dst = xp.zeros(draws, dtype=xp.int64)
        for level in range(scale):
            u = rng.random_sample(draws)
            shift = scale - 1 - level
            src |= (u >= a + b).astype(xp.int64) << shift
            dst |= (((u >= a) & (u < a + b)) | (u >= a + b + c)).astype(xp.int64) << shift
            del u
        src, dst = relabel[src], relabel[dst]
        if symmetric:  # each edge once, as (low, high)
            src, dst = xp.minimum(src, dst), xp.maximum(src, dst)
            keep = src != dst
            src, dst = src[keep], dst[keep]
        keys = xp.unique(xp.concatenate([keys, src * n + dst]))
        del src, dst
    if keys.shape[0] > wanted:  # exactly the edges asked for: a random subset, still sorted
        keys = keys[xp.sort(rng.permutation(keys.shape[0])[:wanted])]
    if symmetric:
        keys = xp.sort(xp.concatenate([keys, (keys % n) * n + keys // n]))
    indptr = xp.zeros(n + 1, dtype=xp.int64)
    indptr[1:] = xp.cumsum(xp.bincount(keys // n, minlength=n))
    return indptr, (keys % n).astype(xp.int32)


def graph_size(scale: int, nnz: int) -> str:
    """The size column of a graph: ``R-MAT 2^20 nodes, 10.0M edges``."""
    edges = f"{nnz / 1e6:.1f}M" if nnz >= 100_000 else f"{nnz:,}"
    return f"R-MAT 2^{scale} nodes, {edges} edges"


def host_graph(device: Device, n_edges: int, directed: bool = True):
    """The R-MAT graph of ``n_edges`` stored edges: built where the arrays live, returned
    as ``(Graph on the host, (indptr, indices) on the device, scale)``."""
    from loaders import Graph

    scale = rmat_scale(n_edges)
    indptr, indices = rmat_csr(device.xp, scale, n_edges, symmetric=not directed)
    device.sync()
    # The generator's rows are sorted and distinct: the O(m) validation adds nothing.
    g = Graph(device.to_host(indptr), device.to_host(indices), directed=directed, validate=False)
    return g, (indptr, indices), scale


def warm_graph(measured):
    """A graph whose CPU kernels are the twins (serial or parallel, by
    :data:`checks.twins.PARALLEL_FROM_WORK`) that ``measured``'s run: ``measured`` itself
    when it is small, else one just big enough for the parallel twins. A warm-up on a
    small graph before a big one would compile the serial twins only, and the timed
    call would pay the parallel compile."""
    from checks.twins import PARALLEL_FROM_WORK
    from loaders import Graph

    if measured.n_nodes + measured.nnz < PARALLEL_FROM_WORK:
        return measured
    indptr, indices = rmat_csr(np, rmat_scale(PARALLEL_FROM_WORK), PARALLEL_FROM_WORK)
    return Graph(indptr, indices, directed=True, validate=False)


def _timed(run):
    """``(result, seconds)`` of ``run()``."""
    started = time.perf_counter()
    result = run()
    return result, time.perf_counter() - started


def measure_walks(device: Device | None, sizes: Sizes, cpu: bool = True) -> list[Row]:
    """Walk steps per second, GPU and CPU, counting visits (``method="walks"``) and end
    points, of PPR walks from a seed set on an undirected R-MAT graph."""
    from engine.pagerank import walks, walks_kernels
    from engine.pagerank.common import n_threads

    g, _, scale = host_graph(device or Device("cpu"), sizes.graph_edges, directed=False)
    n = g.n_nodes
    seeds = walk_seeds(g)
    walker = walks_kernels.Walker.of(walks.walk_graph(g), seeds, ALPHA, SEED)

    def on_cpu(n_walks: int, visits: bool):
        counts = np.zeros((n_threads(), n), dtype=np.int64)
        steps = walks_kernels.sample_walks(walker, seeds, n_walks, visits, counts)
        return counts.sum(axis=0), int(steps)

    on_cpu(64, True)  # compile (or load the cache) outside the timing
    on_gpu = None if device is None else _gpu_walks(device, walker, seeds, n, sizes)
    rows = []
    for visits in (True, False):
        row = Row(
            f"walk steps/s ({'visit counts' if visits else 'end points'})",
            f"{graph_size(scale, g.nnz)}, undirected; {len(seeds.nodes):,} seeds; α={ALPHA}",
            goal="GPU ≥ 2e9 steps/s",
        )
        rows.append(row)
        if cpu:
            (_, cpu_steps), seconds = _timed(lambda v=visits: on_cpu(sizes.walks_timed_cpu, v))
            row.cpu = cpu_steps / seconds
        if on_gpu is None:
            continue
        (_, gpu_steps), seconds = _timed(lambda v=visits: on_gpu(sizes.walks_timed_gpu, v))
        row.gpu = int(device.to_host(gpu_steps)[0]) / seconds
        row.goal_met = row.gpu >= 2e9 if device.mode == "gpu" else None
        row.note = (
            f"{sizes.walks_timed_gpu:,} walks on the GPU, {sizes.walks_timed_cpu:,} on the CPU"
        )
        counts, steps = on_gpu(sizes.walks_compared, visits)
        cpu_counts, cpu_steps = on_cpu(sizes.walks_compared, visits)
        differences = [
            name
            for name, same in (
                ("counts", np.array_equal(device.to_host(counts)[0], cpu_counts)),
                ("step totals", int(device.to_host(steps)[0]) == cpu_steps),
            )
            if not same
        ]
        row.ok = not differences
        row.agreement = (
            f"bit-equal ({sizes.walks_compared:,} walks)"
            if row.ok
            else "DIFFER: " + ", ".join(differences)
        )
    return rows


def walk_seeds(g, count: int = 1_000):
    """A seed set as PPR queries use one: ``count`` distinct nodes with edges, equal mass.

    >>> import engine
    >>> len(walk_seeds(engine.sample("karate"), 10).nodes)
    10
    """
    from engine.pagerank.common_kernels import Seeds

    with_edges = np.flatnonzero(np.diff(g.indptr))
    count = min(count, max(1, len(with_edges) // 2))
    nodes = np.sort(np.random.default_rng(SEED).choice(with_edges, count, replace=False))
    return Seeds.of(nodes, np.full(count, 1.0 / count))


def _gpu_walks(device: Device, walker, seeds, n: int, sizes: Sizes):
    """``run(n_walks, visits) -> (counts, steps)`` on the device, compiled before it returns."""
    from engine.pagerank import walks_gpu
    from engine.pagerank.common_kernels import Seeds
    from engine.pagerank.walks_kernels import Walker

    xp = device.xp
    on_device = Walker(*(xp.asarray(f) if isinstance(f, np.ndarray) else f for f in walker))
    device_seeds = Seeds(*(xp.asarray(array) for array in seeds))

    def run(n_walks: int, visits: bool):
        counts = xp.zeros((1, n), dtype=xp.int64)
        steps = xp.zeros(1, dtype=xp.int64)
        walks_gpu.launch(
            on_device, device_seeds, n_walks, visits, counts, steps,
            threads_per_block=sizes.threads_per_block, max_blocks=sizes.max_blocks,
        )  # fmt: skip
        device.sync()
        return counts, steps

    run(64, True)  # compile outside the timing
    return run


def measure_fastrp(device: Device | None, sizes: Sizes, cpu: bool = True) -> list[Row]:
    """FastRP seconds at ``sizes.dim``, GPU path and CPU kernels, on each R-MAT size."""
    import engine
    from engine import embed

    weights = [0.0, 1.0, 1.0]  # the defaults of engine.fastrp
    rows = []
    for n_edges in sizes.fastrp_edges:
        if device is None and n_edges > sizes.fastrp_cpu_max_edges:
            scale = rmat_scale(n_edges)
            rows.append(
                Row(
                    "FastRP seconds (engine.fastrp)",
                    f"R-MAT 2^{scale} nodes, {n_edges / 1e6:.0f}M edges; dim {sizes.dim}",
                    bigger_is_better=False,
                    note="no CPU run: it would not fit the 5-minute budget",
                )
            )
            continue
        g, (indptr, indices), scale = host_graph(device or Device("cpu"), n_edges)
        size = f"{graph_size(scale, g.nnz)}; dim {sizes.dim}"
        warm = warm_graph(g)
        end_to_end = Row("FastRP seconds (engine.fastrp)", size, bigger_is_better=False)
        cpu_result = None
        if cpu and n_edges <= sizes.fastrp_cpu_max_edges:
            engine.fastrp(warm, dim=sizes.dim, seed=SEED, device="cpu")  # compile
            cpu_result, end_to_end.cpu = _timed(
                lambda g=g: engine.fastrp(g, dim=sizes.dim, seed=SEED, device="cpu")
            )
        elif cpu:
            end_to_end.note = "no CPU run: it would not fit the 5-minute budget"
        end_to_end.goal = _FASTRP_GOAL if n_edges >= 100_000_000 else ""
        rows.append(end_to_end)
        if device is None:
            continue

        def gpu_path(graph):
            # engine.fastrp(device="gpu") less its argument and memory checks: the host
            # memory estimate could refuse the largest graph where RAM grows on demand.
            initial = embed.initial_vectors(graph, sizes.dim, seed=SEED, xp=device.xp)
            result = embed.propagate_array_module(
                graph, initial, weights, 0.0, device.xp, device.csr_matrix
            )
            return device.to_host(result)

        gpu_path(warm)  # CuPy's kernels and cuSPARSE's handle, outside the timing
        gpu_result, end_to_end.gpu = _timed(lambda g=g: gpu_path(g))
        if end_to_end.goal and device.mode == "gpu":
            end_to_end.goal_met = end_to_end.gpu <= 5.0
        if cpu_result is not None:
            worst = float(np.abs(gpu_result - cpu_result).max()) if gpu_result.size else 0.0
            end_to_end.ok = bool(np.allclose(gpu_result, cpu_result, rtol=1e-4, atol=1e-4))
            end_to_end.agreement = (
                f"{'allclose' if end_to_end.ok else 'DIFFER'}, max abs diff {worst:.1e}"
            )
        del gpu_result, cpu_result
        rows.append(_fastrp_on_device(device, g, indptr, indices, size, weights, sizes, n_edges))
    return rows


def _fastrp_on_device(device, g, indptr, indices, size, weights, sizes, n_edges) -> Row:
    """The propagation alone, with the graph and ``N_0`` already in device memory."""
    from engine import embed

    resident = types.SimpleNamespace(
        n_nodes=g.n_nodes, nnz=g.nnz, weights=None, indptr=indptr, indices=indices
    )
    initial = embed.initial_vectors(g, sizes.dim, seed=SEED, xp=device.xp)
    device.sync()

    def propagate():
        result = embed.propagate_array_module(
            resident, initial, weights, 0.0, device.xp, device.csr_matrix
        )
        device.sync()
        return result

    _, seconds = _timed(propagate)
    row = Row(
        "FastRP seconds (graph already on the GPU)", size, gpu=seconds, bigger_is_better=False
    )
    if n_edges >= 100_000_000:
        row.goal = _FASTRP_GOAL
        row.goal_met = seconds <= 5.0 if device.mode == "gpu" else None
    return row


def measure_minhash(device: Device | None, sizes: Sizes, cpu: bool = True) -> list[Row]:
    """MinHash signatures (closed neighbourhoods) per second, GPU kernel and CPU kernel."""
    from sketches.minhash import minhash_signatures

    g, _, scale = host_graph(device or Device("cpu"), sizes.graph_edges)
    row = Row("MinHash signatures/s", f"{graph_size(scale, g.nnz)}; {sizes.num_perm} perms")

    def sign(where: str, indptr=g.indptr, indices=g.indices):
        return minhash_signatures(indptr, indices, sizes.num_perm, device=where)

    warm = warm_graph(g)  # the dtypes and the twin the timed call runs
    cpu_result = None
    if cpu:
        sign("cpu", warm.indptr, warm.indices)  # compile outside the timing
        cpu_result, seconds = _timed(lambda: sign("cpu"))
        row.cpu = g.n_nodes / seconds
    if device is None:
        return [row]
    sign("gpu", warm.indptr[:4], warm.indices)  # three rows: the simulator is slow
    gpu_result, seconds = _timed(lambda: sign("gpu"))
    row.gpu = g.n_nodes / seconds
    row.note = "GPU time includes the copies to and from the device"
    if cpu_result is not None:
        row.ok = bool(np.array_equal(gpu_result, cpu_result))
        row.agreement = "bit-equal" if row.ok else "DIFFER"
    return [row]


STEPS = {"walks": measure_walks, "fastrp": measure_fastrp, "minhash": measure_minhash}


def main(argv: list[str] | None = None) -> int:
    """Run one step and print its rows as ``ROW {json}`` lines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=sorted(STEPS))
    parser.add_argument("--mode", choices=("gpu", "sim", "cpu"), default="gpu")
    args = parser.parse_args(argv)
    sizes = TINY if args.mode == "sim" else FULL
    device = None if args.mode == "cpu" else Device(args.mode)
    for row in STEPS[args.step](device, sizes):
        print("ROW " + json.dumps(asdict(row)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
