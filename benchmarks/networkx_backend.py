"""networkx backends side by side: networkx itself, ``gwb`` (ours), ``graphblas``
(graphblas-algorithms over SuiteSparse:GraphBLAS) and ``parallel`` (nx-parallel) where
installed, one thread each, on a seeded Barabási–Albert graph.

Run ``python -m benchmarks.networkx_backend [--nodes 30000] [--edges-per-node 5]
[--repeats 5]``.

Two times per backend and function:

- **reused**: the graph converted once beforehand, then the median of ``--repeats``
  calls. Whatever a backend derived from the graph in an earlier call (gwb's triangle
  counts, graphblas's cached degrees and triangular parts) is dropped before each call,
  so every call computes its answer.
- **first**: one call on a fresh copy of the networkx graph, conversion included.

Ratios are the peer's time over ours (above 1: we are faster). Every backend's answer
is checked against networkx's (pagerank within 1e-4 per node, the tolerance of
networkx's own tests; the others to 1e-9).

nx-parallel 0.4 needs Python ≥ 3.12 and 0.3 does not import with networkx 3.6, so on
this project's Python 3.11 it is reported as missing.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import networkx as nx
import numba

from benchmarks.common import _fmt, median_time

PEERS = ("graphblas", "parallel")


def workloads(G: nx.Graph) -> dict[str, Callable]:
    """name → ``call(G, backend)`` of each dispatched function, with fixed arguments."""
    nodes = list(G)
    seeds = {nodes[i]: 1.0 for i in range(0, 50)}
    S = set(nodes[: len(nodes) // 10])
    n = len(nodes)
    pairs = [(nodes[i % n], nodes[(i * 7919) % n]) for i in range(10_000)]
    return {
        "pagerank": lambda G, b: nx.pagerank(G, backend=b),
        "pagerank personalized": lambda G, b: nx.pagerank(G, personalization=seeds, backend=b),
        "triangles": lambda G, b: nx.triangles(G, backend=b),
        "clustering": lambda G, b: nx.clustering(G, backend=b),
        "average_clustering": lambda G, b: nx.average_clustering(G, backend=b),
        "transitivity": lambda G, b: nx.transitivity(G, backend=b),
        "square_clustering": lambda G, b: nx.square_clustering(G, backend=b),
        "jaccard_coefficient 10k pairs": lambda G, b: list(
            nx.jaccard_coefficient(G, pairs, backend=b)
        ),
        "conductance": lambda G, b: nx.conductance(G, S, backend=b),
        "cut_size": lambda G, b: nx.cut_size(G, S, backend=b),
        "volume": lambda G, b: nx.volume(G, S, backend=b),
    }


def one_thread() -> None:
    """One thread for every backend: Numba's, and SuiteSparse's OpenMP."""
    numba.set_num_threads(1)
    try:
        import graphblas

        graphblas.ss.config["nthreads"] = 1
    except ImportError:
        pass


def available(backend: str) -> str | None:
    """None when ``backend`` can run here, else why not."""
    if backend not in nx.utils.backends.backends:
        return "not installed"
    try:
        nx.utils.backends._load_backend(backend)
    except Exception as error:  # a backend that does not import with this networkx
        return f"does not load: {error}"
    return None


def converted(G: nx.Graph, backend: str):
    """``G`` converted once for ``backend``, every edge attribute kept."""
    interface = nx.utils.backends._load_backend(backend)
    return interface.convert_from_nx(
        G,
        edge_attrs={"weight": 1},
        node_attrs=None,
        preserve_edge_attrs=False,
        preserve_node_attrs=False,
        preserve_graph_attrs=False,
    )


def forget_derived(graph) -> None:
    """Drop what a backend graph derived in earlier calls (gwb's and graphblas's caches)."""
    for name in ("_derived", "_cache"):
        cache = getattr(graph, name, None)
        if isinstance(cache, dict):
            cache.clear()


def same(name: str, ours, theirs) -> bool:
    if isinstance(theirs, dict):
        tol = 1e-4 if name.startswith("pagerank") else 1e-9
        return ours.keys() == theirs.keys() and all(abs(ours[k] - theirs[k]) <= tol for k in theirs)
    if isinstance(theirs, list):
        return all(abs(a[2] - b[2]) <= 1e-9 for a, b in zip(ours, theirs))
    return abs(ours - theirs) <= 1e-9 * max(1.0, abs(theirs))


def run(G: nx.Graph, repeats: int) -> list[tuple]:
    """Rows ``(function, backend, reused s, first s, networkx s, correct)``."""
    backends = ["gwb", *[p for p in PEERS if available(p) is None]]
    graphs = {b: converted(G, b) for b in backends}
    rows = []
    for name, call in workloads(G).items():
        started = time.perf_counter()
        expected = call(G, "networkx")
        networkx_s = time.perf_counter() - started
        for backend in backends:
            graph = graphs[backend]
            try:
                answer = call(graph, backend)
            except NotImplementedError:
                rows.append((name, backend, None, None, networkx_s, None))
                continue

            def reused(graph=graph, call=call, backend=backend):
                forget_derived(graph)
                call(graph, backend)

            reused_s = median_time(reused, repeats)
            fresh = G.copy()  # an empty conversion cache
            started = time.perf_counter()
            call(fresh, backend)
            first_s = time.perf_counter() - started
            rows.append(
                (name, backend, reused_s, first_s, networkx_s, same(name, answer, expected))
            )
    return rows


def print_rows(rows: list[tuple]) -> None:
    header = (
        f"{'function':<30} {'backend':<10} {'reused':>10} {'first call':>11} "
        f"{'networkx':>10} {'vs nx':>7} {'gwb faster':>11} {'first':>7} {'equal':>6}"
    )
    print(header)
    print("-" * len(header))
    ours = {(r[0]): r for r in rows if r[1] == "gwb"}
    for name, backend, reused_s, first_s, networkx_s, correct in rows:
        if reused_s is None:
            print(f"{name:<30} {backend:<10} {'not implemented':>22}")
            continue
        mine = ours[name]
        print(
            f"{name:<30} {backend:<10} {_fmt(reused_s):>10} {_fmt(first_s):>11} "
            f"{_fmt(networkx_s):>10} {networkx_s / reused_s:>6.1f}x "
            f"{reused_s / mine[2]:>10.2f}x {first_s / mine[3]:>6.2f}x {correct!s:>6}"
        )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nodes", type=int, default=30_000)
    parser.add_argument("--edges-per-node", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    one_thread()
    nx.config.warnings_to_ignore.add("cache")
    G = nx.barabasi_albert_graph(args.nodes, args.edges_per_node, seed=1)
    for peer in PEERS:
        if (why := available(peer)) is not None:
            print(f"{peer}: {why}")
    print(
        f"\nnetworkx backends, Barabási–Albert {args.nodes:,} nodes, "
        f"{G.number_of_edges():,} edges, one thread ('gwb faster': peer time / ours)"
    )
    print_rows(run(G, args.repeats))


if __name__ == "__main__":
    main()
