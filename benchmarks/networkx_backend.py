"""networkx backends side by side: networkx itself, ``gwb`` (ours), ``graphblas``
(graphblas-algorithms over SuiteSparse:GraphBLAS) and ``parallel`` (nx-parallel) where
installed, on a seeded Barabási–Albert graph.

Run ``python -m benchmarks.networkx_backend [--nodes 30000] [--edges-per-node 5]
[--repeats 5] [--only pagerank ...]`` (``--only``: the functions whose names start so).

gwb and graphblas run on one thread (Numba's, SuiteSparse's), the process pinned to one
CPU while they run; nx-parallel runs with two workers (its joblib processes, spawned
while the process may use two CPUs; it implements ``square_clustering`` of the functions
here). The rounds are interleaved: each round calls every backend once, so a load that
comes and goes on a shared machine falls on all of them alike. ``OMP_WAIT_POLICY`` is
``passive`` unless set, as in ``benchmarks/ppr.py``.

Three times per backend and function:

- **reused**: the graph converted once beforehand, then the median of ``--repeats``
  calls. Whatever a backend derived from the graph in an earlier call (gwb's triangle
  counts and transition matrix, graphblas's cached degrees and triangular parts) is
  dropped before each call, so every call computes its answer.
- **as dict**: the same, until the caller holds what networkx documents (a dict).
  graphblas returns a lazy ``NodeMap`` whose first full read costs far more than the
  call (300-360 ms for PageRank's on the 30k-node graph); gwb and nx-parallel return
  dicts, so theirs is the reused time.
- **first**: one call on a fresh copy of the networkx graph, conversion included, the
  answer held as a dict.

Ratios are the peer's time over ours (above 1: we are faster). Every backend's answer
is checked against networkx's (pagerank within 1e-4 per node, the tolerance of
networkx's own tests; the others to 1e-9).
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

import networkx as nx
import numba

from benchmarks.common import _fmt

PEERS = ("graphblas", "parallel")
#: CPUs (and workers) each backend runs on.
CORES = {"gwb": 1, "graphblas": 1, "parallel": 2, "networkx": 1}


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


def held(result):
    """``result`` as a caller holds it: a dict for any mapping (a lazy one read in full)."""
    if isinstance(result, Mapping) and not isinstance(result, dict):
        return dict(result)
    return result


def one_thread() -> None:
    """One thread for gwb and graphblas: Numba's, and SuiteSparse's OpenMP; nx-parallel's
    worker count is :data:`CORES`."""
    numba.set_num_threads(1)
    try:
        import graphblas

        graphblas.ss.config["nthreads"] = 1
    except ImportError:
        pass
    try:
        import nx_parallel

        # nx-parallel 0.2 starts os.cpu_count() joblib workers; it has no setting for it.
        nx_parallel.cpu_count = lambda: CORES["parallel"]
    except ImportError:
        pass


@contextmanager
def pinned(backend: str) -> Iterator[None]:
    """This process on the first ``CORES[backend]`` CPUs it may use (all of them where
    affinity cannot be set), restored afterwards."""
    if not hasattr(os, "sched_setaffinity"):
        yield
        return
    cpus = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, cpus[: CORES[backend]])
    try:
        yield
    finally:
        os.sched_setaffinity(0, cpus)


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


def timed(run: Callable[[], object]) -> float:
    """Wall seconds of one call, after a garbage collection."""
    gc.collect()
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def run(G: nx.Graph, repeats: int, only: tuple[str, ...] = ()) -> list[dict]:
    """One row per function and backend: seconds ``reused``, ``as_dict`` and ``first``
    (None where the backend does not implement it), ``networkx`` s, and ``equal``;
    with ``only``, for the functions whose names start with one of them."""
    backends = ["gwb", *[p for p in PEERS if available(p) is None]]
    graphs = {b: converted(G, b) for b in backends}
    rows = []
    for name, call in workloads(G).items():
        if not only or name.startswith(tuple(only)):
            rows += measure(G, name, call, graphs, repeats)
    return rows


def measure(G: nx.Graph, name: str, call: Callable, graphs: dict, repeats: int) -> list[dict]:
    """The rows of one function, its backends' rounds interleaved."""
    with pinned("networkx"):
        started = time.perf_counter()
        expected = call(G, "networkx")
        networkx_s = time.perf_counter() - started
    rows, answers = [], {}
    for backend, graph in graphs.items():
        try:
            with pinned(backend):
                answers[backend] = call(graph, backend)
        except NotImplementedError:
            rows.append({"function": name, "backend": backend, "reused": None})

    def once(backend: str, hold: bool = False) -> float:
        graph = graphs[backend]

        def reused():
            forget_derived(graph)
            result = call(graph, backend)
            return held(result) if hold else result

        with pinned(backend):
            return timed(reused)

    lazy = {b for b, answer in answers.items() if held(answer) is not answer}
    times = {b: {"reused": [], "as_dict": []} for b in answers}
    for _ in range(repeats):  # interleaved: each round calls every backend once
        for backend in answers:
            times[backend]["reused"].append(once(backend))
        for backend in lazy:
            times[backend]["as_dict"].append(once(backend, hold=True))
    for backend, answer in answers.items():
        fresh = G.copy()  # an empty conversion cache
        with pinned(backend):
            first = timed(lambda: held(call(fresh, backend)))  # noqa: B023 (called here)
        reused = statistics.median(times[backend]["reused"])
        as_dict = statistics.median(times[backend]["as_dict"]) if backend in lazy else reused
        rows.append(
            {
                "function": name,
                "backend": backend,
                "networkx": networkx_s,
                "reused": reused,
                "as_dict": as_dict,
                "first": first,
                "equal": same(name, held(answer), expected),
            }
        )
    order = list(graphs)
    return sorted(rows, key=lambda row: order.index(row["backend"]))


def print_rows(rows: list[dict]) -> None:
    """The table; the ratios are the peer's time over gwb's (above 1: gwb is faster)."""
    columns = ("reused", "as_dict", "first")
    header = (
        f"{'function':<30} {'backend':<10} {'cores':>5} {'reused':>10} {'as dict':>10} "
        f"{'first call':>11} {'networkx':>10} {'vs nx':>7} {'gwb faster: reused':>19} "
        f"{'as dict':>8} {'first':>7} {'equal':>6}"
    )
    print(header)
    print("-" * len(header))
    ours = {row["function"]: row for row in rows if row["backend"] == "gwb"}
    for row in rows:
        start = f"{row['function']:<30} {row['backend']:<10} {CORES[row['backend']]:>5}"
        if row["reused"] is None:
            print(f"{start} {'not implemented':>21}")
            continue
        mine = ours[row["function"]]
        times = " ".join(f"{_fmt(row[c]):>{w}}" for c, w in zip(columns, (10, 10, 11)))
        ratios = " ".join(f"{row[c] / mine[c]:>{w - 1}.2f}x" for c, w in zip(columns, (19, 8, 7)))
        print(
            f"{start} {times} {_fmt(row['networkx']):>10} "
            f"{row['networkx'] / row['as_dict']:>6.1f}x {ratios} {row['equal']!s:>6}"
        )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nodes", type=int, default=30_000)
    parser.add_argument("--edges-per-node", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", nargs="*", default=())
    args = parser.parse_args(argv)
    # Before SuiteSparse's OpenMP loads: an idle OpenMP thread that spins shares the one
    # pinned CPU with the caller (graphblas's PageRank 3.8 -> 7.6 ms wall at 3.8 ms CPU).
    os.environ.setdefault("OMP_WAIT_POLICY", "passive")
    one_thread()
    nx.config.warnings_to_ignore.add("cache")
    G = nx.barabasi_albert_graph(args.nodes, args.edges_per_node, seed=1)
    for peer in PEERS:
        if (why := available(peer)) is not None:
            print(f"{peer}: {why}")
    print(
        f"\nnetworkx backends, Barabási–Albert {args.nodes:,} nodes, "
        f"{G.number_of_edges():,} edges; gwb and graphblas on one thread and CPU, "
        "nx-parallel on two ('gwb faster': peer time / ours)"
    )
    print_rows(run(G, args.repeats, tuple(args.only)))


if __name__ == "__main__":
    main()
