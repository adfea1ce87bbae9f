"""FastRP speed and memory: ours vs the ``fastrp`` package (Rust) and scikit-network.

Run ``python -m benchmarks.fastrp [--sizes 1M 10M] [--dims 128 512] [--repeats N]``.
Graphs are seeded R-MAT graphs; every method runs 4 propagation steps with
iteration weights (0, 0, 1, 1). Ratios are peer time / our time, in one process.
The "floor" is one full-width random gather of n × dim float32 rows over the
CSR (the memory-bound minimum of one step), measured here.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

import numpy as np
import scipy.sparse as sp

from benchmarks.common import Row, bench_dir, median_time, print_table
from engine import fastrp
from engine._kernels.csr import csr_of
from engine._kernels.embed import propagate_columns
from loaders import Graph, open_store, rmat

SIZES = {"1M": (17, 8), "10M": (20, 10)}
WEIGHTS = [0.0, 0.0, 1.0, 1.0]


def graph_store(label: str) -> str:
    scale, edge_factor = SIZES[label]
    path = bench_dir() / f"rmat-{scale}-{edge_factor}.gwb"
    if not path.exists():
        rmat(scale, edge_factor, seed=42).save(path)
    return str(path)


def floor_per_step(g: Graph, dim: int, repeats: int) -> float:
    source = np.random.default_rng(0).random((g.n_nodes, dim), dtype=np.float32)
    out = np.empty_like(source)
    csr = csr_of(g)
    # A full-width propagate_columns is exactly one gather of every neighbour row.
    propagate_columns(csr, source, 0, dim, out)
    return median_time(lambda: propagate_columns(csr, source, 0, dim, out), repeats)


def steady_step(g: Graph, dim: int, repeats: int) -> float:
    """Median time of steps 2..K, from the progress callback (step 1 also allocates)."""
    durations = []
    for _ in range(repeats):
        marks = [time.perf_counter()]

        def mark(*_, marks=marks):
            marks.append(time.perf_counter())

        fastrp(g, dim=dim, iteration_weights=WEIGHTS, seed=0, device="cpu", progress=mark)
        durations.extend(np.diff(marks)[1:])
    return float(np.median(durations))


def peak_memory(store: str, dim: int) -> dict:
    """Peak resident memory of one FastRP run in a fresh process, against graph + output."""
    script = f"""
import json, resource, threading, time, numpy as np
from engine import fastrp
from loaders import open_store
g = open_store({store!r})
fastrp(g, dim=8, iteration_weights=[1.0], device="cpu")  # compile for these array types first
graph_bytes = sum(a.nbytes for a in (g.indptr, g.indices))
for array in (g.indptr, g.indices):
    np.asarray(array).sum()  # page the graph in
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * resource.getpagesize()
before = rss()
peak = [before]
done = threading.Event()
def sample():
    while not done.is_set():
        peak[0] = max(peak[0], rss())
        time.sleep(0.002)
watcher = threading.Thread(target=sample)
watcher.start()
emb = fastrp(g, dim={dim}, iteration_weights={WEIGHTS}, seed=0, device="cpu")
done.set()
watcher.join()
print(json.dumps({{"graph": graph_bytes, "output": emb.nbytes, "extra": peak[0] - before}}))
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def run(sizes, dims, repeats: int, scikit_network_10m: bool) -> list[Row]:
    import fastrp as fastrp_rust
    from sknetwork.embedding import RandomProjection

    rows: list[Row] = []
    notes = []
    for label in sizes:
        store = graph_store(label)
        g = open_store(store)
        adjacency = sp.csr_matrix(g.to_scipy(dtype=np.float32))  # scikit-network wants a matrix
        print(f"{label}: {g}")
        for dim in dims:
            reps = repeats if label == "1M" else max(1, repeats // 2)
            fastrp(g, dim=dim, iteration_weights=WEIGHTS, seed=0, device="cpu")
            ours = median_time(
                lambda g=g, d=dim: fastrp(
                    g, dim=d, iteration_weights=WEIGHTS, seed=0, device="cpu"
                ),
                reps,
            )
            case = f"{label} edges, dim {dim}"
            rows.append(
                Row(
                    case,
                    ours,
                    "fastrp (Rust, PyPI)",
                    median_time(
                        lambda a=adjacency, d=dim: fastrp_rust.fit_csr(
                            a.indptr,
                            a.indices,
                            a.data,
                            a.shape[0],
                            d,
                            weights=WEIGHTS,
                            seed=0,
                            undirected=False,
                        ),
                        reps,
                    ),
                )
            )
            if label != "10M" or scikit_network_10m:
                rows.append(
                    Row(
                        case,
                        ours,
                        "scikit-network RandomProj.",
                        median_time(
                            lambda a=adjacency, d=dim: RandomProjection(
                                n_components=d, n_iter=4
                            ).fit_transform(a),
                            1,
                        ),
                    )
                )
            floor = floor_per_step(g, dim, reps)
            rows.append(
                Row(
                    case + ", per step", steady_step(g, dim, reps), "gather floor (one pass)", floor
                )
            )
            memory = peak_memory(store, dim)
            base = memory["graph"] + memory["output"]
            ratio = (memory["extra"] + memory["graph"]) / base
            notes.append(
                f"{case}: graph {memory['graph'] / 2**20:.0f} MiB + run peak "
                f"{memory['extra'] / 2**20:.0f} MiB = {ratio:.2f} x (graph + output)"
            )
    print_table(
        "FastRP, 4 steps (ratio = peer time / our time; on the per-step rows, "
        "floor / our median step 2..4)",
        rows,
    )
    print("\nPeak memory (fresh process, graph paged in before the run):")
    for note in notes:
        print("  " + note)
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", nargs="+", default=["1M", "10M"], choices=list(SIZES))
    parser.add_argument("--dims", nargs="+", type=int, default=[128, 512])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--scikit-network-10m",
        action="store_true",
        help="scikit-network takes minutes at 10M edges",
    )
    args = parser.parse_args(argv)
    run(args.sizes, args.dims, args.repeats, args.scikit_network_10m)


if __name__ == "__main__":
    main()
