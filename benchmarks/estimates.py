"""Estimates against real runs: every heavy call's estimated seconds and bytes beside a run's.

Run ``python -m benchmarks.estimates [--graphs ...] [--calls ...] [--threads N]
[--json FILE]``.

Per heavy call (``fastrp``, ``PPRIndex.build``, ``ppr_batch``,
``NeighbourhoodIndex.build``, ``ncp``; ``orbit_counts`` and ``edge_orbit_counts`` when
named in ``--calls``) and benchmark graph it
prints the estimate (:mod:`engine.estimate`, for the threads the run uses) against
the run's wall seconds and CPU seconds (``time.process_time``: all threads; the least
of ``--repeats`` runs, after one untimed run that compiles), and the estimated peak
bytes against the run's peak (tracemalloc, which sees NumPy's allocations, in a
separate run; ``--repeats 0``: one run, timed and traced at once, no warm-up: for the
100M-edge store). ``--threads 1`` (the default) is how the constants were fitted: one
Numba thread, where CPU time is what an unloaded machine's wall time would be; a busy
machine stretches wall time, not CPU time.

Graphs: email-Eu-core and Cora from ``../shared/datasets`` (skipped when absent), a
planted partition (40k nodes), R-MAT (scale 15 and 17), a Barabási–Albert graph
(igraph, 50k nodes, 10 edges each) and the ``.gwb`` stores of ``bench-data/`` named
by ``--graphs`` (e.g. ``bench-data/er-100k-1M.gwb``; run those over 3 GB under
``flock /tmp/gwb-bigmem.lock``).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numba
import numpy as np

import engine
from loaders import Graph, planted_partition, rmat

DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
SHARED = {
    "email-Eu-core": ("email-eu-core", "email-Eu-core.txt"),
    "cora": ("cora", "cora_edgelist.txt"),
}
DEFAULT_GRAPHS = ["email-Eu-core", "cora", "planted-40k", "rmat-15", "ba-50k", "rmat-17"]
CALLS = ["fastrp", "fastrp-dim64-5", "PPRIndex.build", "ppr_batch", "ppr_batch-exact",
         "NeighbourhoodIndex.build", "ncp"]  # fmt: skip
#: Calls run only when named in ``--calls``.
EXTRA_CALLS = ["orbit_counts", "edge_orbit_counts"]
SOURCES = 16


def benchmark_graph(name: str) -> Graph:
    """A benchmark graph by name (see the module's docstring), or a ``.gwb`` store's path."""
    if name.endswith(".gwb"):
        return engine.load(name)
    if name in SHARED:
        path = DATASETS.joinpath(*SHARED[name])
        if not path.exists():
            raise FileNotFoundError(path)
        return engine.load(str(path))
    if name == "planted-40k":
        return planted_partition([2000] * 20, 20 / 2000, 2 / 38000, seed=1)
    if name.startswith("rmat-"):
        return rmat(int(name.split("-")[1]), 16, seed=2)
    if name == "ba-50k":
        import igraph as ig

        edges = np.array(ig.Graph.Barabasi(50_000, 10).get_edgelist())
        return Graph.from_edges(edges[:, 0], edges[:, 1], n_nodes=50_000)
    raise ValueError(f"unknown benchmark graph {name!r}")


def sources_of(g: Graph, count: int = SOURCES) -> np.ndarray:
    """``count`` seeded random node labels among the nodes with edges."""
    rng = np.random.default_rng(0)
    nodes = np.flatnonzero(np.diff(g.indptr) > 0)
    return g.labels_of(rng.choice(nodes, size=min(count, nodes.size), replace=False))


def call_and_estimate(name: str, g: Graph) -> tuple[Callable[[], object], Callable]:
    """The heavy call ``name`` on ``g`` (a thunk), and its estimate (a thunk too)."""
    from engine import estimate
    from engine.community_profile import ncp
    from engine.pagerank import ppr_batch

    options: dict
    if name.startswith("fastrp"):
        options = {"dim": 128, "seed": 0, "device": "cpu"}
        if name == "fastrp-dim64-5":
            options.update(dim=64, iteration_weights=(0.0, 0.0, 1.0, 1.0, 1.0))
        return (
            lambda: engine.fastrp(g, **options),
            lambda: estimate.fastrp_estimate(g, **options),
        )
    if name == "PPRIndex.build":
        return (
            lambda: engine.PPRIndex.build(g, seed=0),
            lambda: estimate.ppr_index_estimate(g, seed=0),
        )
    if name.startswith("ppr_batch"):
        sources = sources_of(g)
        method = "exact" if name.endswith("exact") else "hybrid"
        options = {"method": method, "device": "cpu", "seed": 0}
        return (
            lambda: ppr_batch(g, sources, **options),
            lambda: estimate.ppr_batch_estimate(g, sources, **options),
        )
    if name == "NeighbourhoodIndex.build":
        return (
            lambda: engine.NeighbourhoodIndex.build(g, device="cpu"),
            lambda: estimate.neighbourhood_index_estimate(g, device="cpu"),
        )
    if name == "ncp":
        return (
            lambda: ncp(g, n_seeds=20, seed=0),
            lambda: estimate.ncp_estimate(g, n_seeds=20, seed=0),
        )
    if name == "orbit_counts":
        return lambda: engine.orbit_counts(g), lambda: estimate.orbit_counts_estimate(g)
    if name == "edge_orbit_counts":
        return (
            lambda: engine.edge_orbit_counts(g),
            lambda: estimate.edge_orbit_counts_estimate(g),
        )
    raise ValueError(f"unknown call {name!r}; one of {[*CALLS, *EXTRA_CALLS]}")


def measure(run: Callable[[], object], repeats: int) -> tuple[float, float, int]:
    """Least wall and CPU seconds of ``repeats`` runs, and the peak traced bytes of one more
    (``repeats=0``: one run, timed and traced at once, for the largest graphs)."""
    if repeats == 0:
        gc.collect()
        tracemalloc.start()
        try:
            started, started_cpu = time.perf_counter(), time.process_time()
            run()
            cpu, wall = time.process_time() - started_cpu, time.perf_counter() - started
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        return wall, cpu, peak
    wall, cpu = float("inf"), float("inf")
    for _ in range(repeats):
        gc.collect()
        started, started_cpu = time.perf_counter(), time.process_time()
        run()
        cpu = min(cpu, time.process_time() - started_cpu)
        wall = min(wall, time.perf_counter() - started)
    gc.collect()
    tracemalloc.start()
    try:
        run()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return wall, cpu, peak


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--graphs", nargs="+", default=DEFAULT_GRAPHS)
    parser.add_argument("--calls", nargs="+", default=CALLS)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--repeats", type=int, default=2, help="0: one run, timed and traced, no warm-up"
    )
    parser.add_argument("--json", help="append each row as a JSON line to this file")
    parser.add_argument("--no-estimate", action="store_true", help="measure only")
    args = parser.parse_args(argv)
    numba.set_num_threads(args.threads)
    small = engine.sample("karate")
    header = (
        f"{'call':<26} {'graph':<26} {'est s':>8} {'wall s':>8} {'cpu s':>8} {'est/cpu':>8} "
        f"{'est MiB':>9} {'peak MiB':>9} {'est/peak':>8}"
    )
    print(f"threads: {args.threads}, pid {os.getpid()}\n{header}\n{'-' * len(header)}")
    for graph_name in args.graphs:
        try:
            g = benchmark_graph(graph_name)
        except FileNotFoundError as missing:
            print(f"skipped {graph_name}: {missing} is absent")
            continue
        for call in args.calls:
            call_and_estimate(call, small)[0]()  # compile on a small graph first
            run, estimate_of = call_and_estimate(call, g)
            if args.repeats:
                run()  # and this graph's own paths (weighted, directed), untimed
            # estimated as the measured runs find the graph (after the warm-up, if any)
            found = None if args.no_estimate else estimate_of()
            wall, cpu, peak = measure(run, args.repeats)
            row = {"call": call, "graph": graph_name, "n": g.n_nodes, "nnz": int(g.nnz),
                   "wall": wall, "cpu": cpu, "peak": peak, "threads": args.threads}  # fmt: skip
            est_s = est_b = float("nan")
            if found is not None:
                est_s, est_b = found.seconds, found.bytes
                row.update(est_seconds=est_s, est_bytes=est_b)
            print(
                f"{call:<26} {graph_name[-26:]:<26} {est_s:>8.3f} {wall:>8.3f} {cpu:>8.3f} "
                f"{est_s / cpu:>8.2f} {est_b / 2**20:>9.1f} {peak / 2**20:>9.1f} "
                f"{est_b / max(peak, 1):>8.2f}",
                flush=True,
            )
            if args.json:
                with open(args.json, "a") as sink:
                    sink.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
