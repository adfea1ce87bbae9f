"""Personalized PageRank speed: ours vs igraph (PRPACK) and scikit-network, in one process.

Run ``python -m benchmarks.ppr [--sizes 1M 10M] [--queries N] [--batch N]``.
Graphs are seeded Barabási–Albert graphs (igraph's generator, 10 edges per new
node): 100k nodes / 1M edges and 1M nodes / 10M edges. Each single-source row is
the median over ``--queries`` random sources; precision is top-100 overlap with
``method="exact"``. Ratios are peer time / our time.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

import igraph as ig
import numba
import numpy as np
import scipy.sparse as sp
from numba import njit

import engine
from benchmarks.common import Row, bench_dir, median_time, print_table
from loaders import Graph, open_store

SIZES = {"1M": 100_000, "10M": 1_000_000}
EDGES_PER_NODE = 10


def graph_store(label: str) -> str:
    path = bench_dir() / f"ba-{SIZES[label]}-{EDGES_PER_NODE}.gwb"
    if not path.exists():
        import random

        random.seed(7)
        ig.set_random_number_generator(random)
        ba = ig.Graph.Barabasi(SIZES[label], EDGES_PER_NODE)
        edges = np.asarray(ba.get_edgelist())
        Graph.from_edges(edges[:, 0], edges[:, 1], n_nodes=ba.vcount(), name=f"ba-{label}").save(
            path
        )
    return str(path)


def precision(found: np.ndarray, exact: np.ndarray, k: int = 100) -> float:
    truth = np.argsort(-exact, kind="stable")[:k]
    top = np.argsort(-found, kind="stable")[:k]
    return len(set(truth.tolist()) & set(top.tolist())) / k


@njit(cache=True)
def _gather_floor(indptr, indices, values):
    total = 0.0
    for row in range(indptr.shape[0] - 1):
        for p in range(indptr[row], indptr[row + 1]):
            total += values[indices[p]]
    return total


def run(sizes: list[str], n_queries: int, batch: int) -> None:
    for label in sizes:
        run_size(label, n_queries, batch)


def run_size(label: str, n_queries: int, batch: int) -> None:
    from sknetwork.ranking import PageRank

    g = open_store(graph_store(label))
    print(f"\n{label}: {g}")
    rng = np.random.default_rng(1)
    sources = rng.choice(g.n_nodes, n_queries, replace=False)
    exact = {int(s): engine.ppr(g, int(s), method="exact") for s in sources}
    converted = g.to_igraph()
    adjacency = sp.csr_matrix(g.to_scipy())
    started = time.perf_counter()
    index = engine.PPRIndex.build(g, seed=1)
    build = time.perf_counter() - started
    print(
        f"  PPRIndex: {index.n_walks:,} stored walks, built in {build:.1f} s, "
        f"{index.ends.nbytes / 2**20:.0f} MiB"
    )

    methods = {
        "hybrid (eps 0.5)": lambda s: engine.ppr(g, s, seed=1, device="cpu"),
        "PPRIndex query": index.query,
        "push (r_max 1e-7)": lambda s: engine.ppr(g, s, method="push"),
        **(
            {"walks (eps 0.5)": lambda s: engine.ppr(g, s, method="walks", seed=1, device="cpu")}
            if label == "1M"
            else {}
        ),
        "exact (power iteration)": lambda s: engine.ppr(g, s, method="exact", tol=1e-9),
    }
    peers = {
        "igraph PRPACK": lambda s: converted.personalized_pagerank(
            damping=0.85, reset_vertices=[s]
        ),
        "scikit-network PageRank": lambda s: PageRank(damping_factor=0.85).fit_predict(
            adjacency, weights={s: 1}
        ),
    }
    for fn in methods.values():
        fn(int(sources[0]))  # compile
    timings, quality = {}, {}
    for name, fn in {**methods, **peers}.items():
        times, scores = [], []
        for s in sources[: n_queries if name in methods else max(3, n_queries // 4)]:
            started = time.perf_counter()
            result = fn(int(s))
            times.append(time.perf_counter() - started)
            scores.append(precision(np.asarray(result), exact[int(s)]))
        timings[name], quality[name] = float(np.median(times)), float(np.mean(scores))
    print(
        "  top-100 precision vs exact: "
        + ", ".join(f"{name} {quality[name]:.3f}" for name in timings)
    )
    rows = [
        Row(f"{label}: {name}", timings[name], peer, timings[peer])
        for name in methods
        for peer in peers
    ]
    print_table(f"Single-source PPR, {label} edges (median of queries)", rows)

    # Batch throughput: queries per second.
    batch_sources = rng.choice(g.n_nodes, batch, replace=False)
    qps = {}
    for name, fn in (
        ("hybrid", lambda: engine.ppr_batch(g, batch_sources, top_k=100, seed=1, device="cpu")),
        ("PPRIndex", lambda: index.query_batch(batch_sources, top_k=100)),
        (
            "exact, block power iteration",
            lambda: engine.ppr_batch(g, batch_sources, method="exact", top_k=100, tol=1e-9),
        ),
    ):
        qps[name] = batch / median_time(fn, 1)
    igraph_each = timings["igraph PRPACK"]
    qps["igraph PRPACK (from single-query median)"] = 1 / igraph_each
    print(f"  batch of {batch}: " + ", ".join(f"{k} {v:,.1f} q/s" for k, v in qps.items()))

    # Walk throughput against the random-access floor (one core).
    nodes = np.array([int(sources[0])])
    counts = np.zeros((numba.get_num_threads(), g.n_nodes), dtype=np.int64)
    ppr_module = sys.modules["engine.ppr"]
    kernels = ppr_module.kernels
    cdf = np.array([np.inf])
    args = (g.indptr, g.indices, np.empty(0), False, nodes, cdf, nodes, cdf)
    kernels.sample_walks(*args, 1000, 0.15, 1, False, counts)
    started = time.perf_counter()
    steps = kernels.sample_walks(*args, 2_000_000, 0.15, 1, False, counts)
    walk_rate = steps / (time.perf_counter() - started)
    values = np.random.default_rng(0).random(g.n_nodes)
    _gather_floor(g.indptr, g.indices, values)
    floor = g.nnz / median_time(lambda: _gather_floor(g.indptr, g.indices, values), 3)
    print(
        f"  walk steps/s: {walk_rate / 1e6:.0f} M on {numba.get_num_threads()} threads "
        f"({walk_rate / numba.get_num_threads() / 1e6:.0f} M per thread); random-gather "
        f"floor {floor / 1e6:.0f} M edges/s on one core"
    )
    print("  peak memory above the graph: " + json.dumps(peak_memory(graph_store(label))))


def peak_memory(store: str) -> dict:
    """Peak resident memory of one query per method in a fresh process (MiB above the graph)."""
    script = f"""
import json, resource, threading, time, numpy as np, engine
from loaders import open_store
g = open_store({store!r})
for a in (g.indptr, g.indices):
    np.asarray(a).sum()
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * resource.getpagesize()
out = {{}}
for method in ("exact", "push", "hybrid", "walks"):
    engine.ppr(g, 0, method=method, device="cpu", seed=1)  # compile, warm
    before = rss(); peak = [before]; done = threading.Event()
    def watch():
        while not done.is_set():
            peak[0] = max(peak[0], rss()); time.sleep(0.001)
    w = threading.Thread(target=watch); w.start()
    engine.ppr(g, 1, method=method, device="cpu", seed=1)
    done.set(); w.join()
    out[method] = round((peak[0] - before) / 2**20)
print(json.dumps(out))
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", nargs="+", default=["1M", "10M"], choices=list(SIZES))
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args(argv)
    run(args.sizes, args.queries, args.batch)


if __name__ == "__main__":
    main()
