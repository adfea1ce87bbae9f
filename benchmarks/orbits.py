"""Graphlet-orbit counting speed and memory: ours vs ORCA (C++), node and edge orbits.

Run ``python -m benchmarks.orbits [--orca PATH] [--cases ...] [--repeats N]``.

``--modes node5`` counts the 73 orbits of 2–5 node graphlets (ORCA's ``node 5``);
far slower than 4-node counting, so it runs on ``FIVE_NODE_CASES`` unless
``--cases`` names others, once per case (``--repeats`` is ignored), e.g.
``python -m benchmarks.orbits --orca /path/to/orca --modes node5``.

Graphs: seeded Erdős–Rényi G(n, m) and Barabási–Albert graphs of 100k nodes /
1M edges (igraph's generators), email-Eu-core and the lgc-* graphs of
``../shared/datasets`` (skipped when absent). ORCA is not on PyPI: build it
outside the project from its public source (``g++ -O2 -std=c++11 -o orca
orca.cpp``, https://github.com/thocevar/orca) and pass the binary's path. The
script then checks that both give the same counts, row for row, and prints
ORCA's wall time (parsing its input and writing its output included) and its
compute time (the CPU ``total:`` it prints), against our median wall time; our CPU
time (all threads) is printed beside it, since wall times suffer on a shared machine.
Ratios are ORCA time / our time; peak memory is the extra resident memory of
one run in a fresh process over the graph (ours) and ORCA's maximum RSS.

``--per-core`` compares 5-node counts with ORCA on every shared dataset (but
``PER_CORE_SKIP``), pinned to one core and then two (``taskset``; ORCA has one
thread either way), ours in a fresh process per round with as many Numba threads
(after one untimed run that leaves every kernel it needs compiled in Numba's cache),
ORCA and ours alternating round by round (``--repeats`` rounds), medians of wall
and CPU time, e.g. ``python -m benchmarks.orbits --orca /path/to/orca --per-core
--repeats 3``.

``--estimates`` checks :func:`engine.graphlets.cost.orbit_counts_estimate` against
real 4-node runs (``--modes node5``: 5-node runs too): per case, the estimated
seconds on this process's threads against the run's wall and CPU time, and per
pass the estimated seconds of one core against the pass's CPU time. ``--cases``
may name ``.gwb`` stores as well, e.g. ``python -m benchmarks.orbits --estimates
--cases email-Eu-core bench-data/rmat-20-10.gwb``.

``--gradco PYTHON`` adds the orbit adjacency matrices (GRADCO, 28 matrices) on
seeded Barabási–Albert graphs (5 edges per new node) of ``--gradco-sizes``
nodes, against the ``gradco`` package run by that interpreter: it pins
numpy < 2, so it lives in its own virtual environment, e.g. ``python3 -m venv
/tmp/gradco-venv && /tmp/gradco-venv/bin/pip install gradco``. The script checks
that all 28 matrices are equal and compares time and peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import igraph as ig
import numpy as np
import pandas as pd
import scipy.sparse as sp

from benchmarks.common import Row, bench_dir, median_time, print_table
from engine.graphlets import edge_orbit_counts, graphlet_edges, orbit_adjacency, orbit_counts
from loaders import Graph, load, open_store

SHARED = Path(__file__).resolve().parents[2] / "shared" / "datasets"
GENERATED = {
    "er-100k-1M": ("er", 100_000, 1_000_000),
    "ba-100k-1M": ("ba", 100_000, 10),
    # Sized so that ORCA's 5-node count takes a few seconds (ER) or about 20 s (BA).
    "er-20k-100k": ("er", 20_000, 100_000),
    "ba-20k-100k": ("ba", 20_000, 5),
}
DATASETS = {
    "karate": ("karate/karate.gml", {}),
    "lesmis": ("lesmis/lesmis.gml", {}),
    "dolphins": ("dolphins/dolphins.gml", {}),
    "football": ("football/football.gml", {}),
    "polbooks": ("polbooks/polbooks.gml", {}),
    "cora": ("cora/cora_edgelist.txt", {}),
    "email-Eu-core": ("email-eu-core/email-Eu-core.txt", {}),
    "lgc-johnshopkins": ("lgc-johnshopkins/JohnsHopkins.edgelist", {}),
    "lgc-minnesota": ("lgc-minnesota/minnesota.edgelist", {"weight_col": 2, "merge": "max"}),
    "lgc-senate": ("lgc-senate/senate.edgelist", {}),
    "lgc-ppi-mips": ("lgc-ppi-mips/ppi_mips.graphml", {}),
    "lgc-sfld": (
        "lgc-sfld-amidohydrolases/"
        "sfld_brown_et_al_amidohydrolases_protein_similarities_for_beh.graphml",
        {"directed": False},
    ),
}


def five_node_orbit_counts(g: Graph):
    """The 73 orbits of 2–5 node graphlets (the ``node5`` mode)."""
    return orbit_counts(g, graphlet_size=5)


MODES = {"node": orbit_counts, "edge": edge_orbit_counts, "node5": five_node_orbit_counts}
# ORCA's arguments and output width per mode.
ORCA_MODES = {"node": ("node", "4", 15), "edge": ("edge", "4", 12), "node5": ("node", "5", 73)}
FIVE_NODE_CASES = ["email-Eu-core", "er-20k-100k"]
# Too big for a per-core run: ORCA's 5-node count ran past 25 minutes on one core.
PER_CORE_SKIP = {"lgc-johnshopkins"}


def generated_store(case: str) -> str:
    kind, n, size = GENERATED[case]
    path = bench_dir() / f"{case}.gwb"
    if not path.exists():
        import random

        random.seed(7)
        ig.set_random_number_generator(random)
        graph = ig.Graph.Erdos_Renyi(n, m=size) if kind == "er" else ig.Graph.Barabasi(n, size)
        edges = np.asarray(graph.get_edgelist())
        Graph.from_edges(edges[:, 0], edges[:, 1], n_nodes=n, name=case).save(path)
    return str(path)


def open_case(case: str) -> tuple[Graph, str | None]:
    """The graph, and a store path for the fresh-process memory run (None: load the file)."""
    if case.endswith(".gwb"):
        return open_store(case), case
    if case in GENERATED:
        store = generated_store(case)
        return open_store(store), store
    relative, options = DATASETS[case]
    return load(SHARED / relative, **options), None


def available_cases() -> list[str]:
    present = [c for c, (rel, _) in DATASETS.items() if (SHARED / rel).exists()]
    return list(GENERATED) + present


# ------------------------------------------------------------------ ORCA


def run_orca(orca: str, mode: str, edges: np.ndarray, n: int, folder: str, prefix=()):
    """ORCA's counts, wall time, compute time and peak RSS (bytes) for one graph
    (``prefix``: a command to run it under, e.g. ``taskset -c 0``)."""
    source = os.path.join(folder, "graph.in")
    if not os.path.exists(source):
        with open(source, "w") as out:
            out.write(f"{n} {len(edges)}\n")
            np.savetxt(out, edges, fmt="%d")
    target = os.path.join(folder, f"{mode}.out")
    log_path = os.path.join(folder, f"{mode}.log")
    orca_mode, size, width = ORCA_MODES[mode]
    command = [*prefix, orca, orca_mode, size, source, target]
    # GNU time forks ORCA from a small process, so the peak RSS it reports is ORCA's
    # own (a child forked from this Python process inherits its high-water mark).
    timer = shutil.which("time", path="/usr/bin:/bin")
    if timer:
        command = [timer, "-f", "GWB_MAX_RSS_KB %M", *command]
    with open(log_path, "wb") as log:
        started = time.perf_counter()
        finished = subprocess.run(command, stdout=log, stderr=log, check=False)
        wall = time.perf_counter() - started
    output = Path(log_path).read_bytes()
    if finished.returncode != 0 or not os.path.exists(target):
        raise RuntimeError(f"ORCA failed ({finished.returncode}): {output[-500:]!r}")
    totals = re.findall(rb"total: ([0-9.]+)", output)
    compute = float(totals[-1]) if totals else float("nan")
    rss = re.findall(rb"GWB_MAX_RSS_KB (\d+)", output)
    peak = int(rss[-1]) * 1024 if rss else -1
    if (len(edges) if mode == "edge" else n) == 0:
        counts = np.zeros((0, width), dtype=np.int64)
    else:
        counts = pd.read_csv(target, sep=" ", header=None, dtype=np.int64).to_numpy()
    return counts, wall, compute, peak


# ------------------------------------------------------------------ memory


def peak_memory(case: str, store: str | None, mode: str) -> int:
    """Extra resident bytes of one run in a fresh process, the graph already paged in."""
    opener = (
        f"open_store({store!r})"
        if store
        else f"load({str(SHARED / DATASETS[case][0])!r}, **{DATASETS[case][1]!r})"
    )
    # This script's own functions live in __main__ when it runs with -m.
    module = MODES[mode].__module__.replace("__main__", "benchmarks.orbits")
    script = f"""
import resource, threading, time, numpy as np
from {module} import {MODES[mode].__name__} as count
from loaders import Graph, load, open_store
count(Graph.from_edges([0, 1, 2], [1, 2, 0]))  # load the compiled kernels first
g = {opener}
np.asarray(g.indptr).sum(); np.asarray(g.indices).sum()
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * resource.getpagesize()
before = rss(); peak = [before]; done = threading.Event()
def watch():
    while not done.is_set():
        peak[0] = max(peak[0], rss()); time.sleep(0.001)
watcher = threading.Thread(target=watch); watcher.start()
count(g)
done.set(); watcher.join()
print(peak[0] - before)
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    return int(result.stdout.split()[-1])


# ------------------------------------------------------------------ GRADCO

GRADCO_SCRIPT = """
import resource, sys, time, numpy as np, scipy.sparse as sp, gradco
edges = np.load(sys.argv[1]); n = int(sys.argv[2]); folder = sys.argv[3]
rows, cols = np.r_[edges[:, 0], edges[:, 1]], np.r_[edges[:, 1], edges[:, 0]]
A = sp.csr_array((np.ones(len(rows)), (rows, cols)), shape=(n, n))
started = time.perf_counter()
counter = gradco.Counter(A)
counter.count()
found = {(h, i, j): m for h, i, j, m in counter.generate_orbit_adjacencies()}
seconds = time.perf_counter() - started
for (h, i, j), m in found.items():
    sp.save_npz(f"{folder}/{h}_{i}_{j}.npz", sp.csr_array(m))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print("GRADCO", seconds, peak)
"""


def ba_graph(n: int, per_node: int = 5) -> Graph:
    import random

    random.seed(7)
    ig.set_random_number_generator(random)
    edges = np.asarray(ig.Graph.Barabasi(n, per_node).get_edgelist())
    return Graph.from_edges(edges[:, 0], edges[:, 1], n_nodes=n, name=f"ba-{n}-{per_node}")


def run_gradco(python: str, sizes: list[int], repeats: int) -> None:
    rows, notes = [], []
    orbit_adjacency(ba_graph(50))  # load the compiled kernels
    for n in sizes:
        g = ba_graph(n)
        ours = median_time(lambda g=g: orbit_adjacency(g), repeats)
        mine = orbit_adjacency(g)
        with tempfile.TemporaryDirectory() as folder:
            edge_file = os.path.join(folder, "edges.npy")
            np.save(edge_file, graphlet_edges(g))
            result = subprocess.run(
                [python, "-c", GRADCO_SCRIPT, edge_file, str(n), folder],
                capture_output=True,
                text=True,
            )
            line = [x for x in result.stdout.splitlines() if x.startswith("GRADCO ")]
            if result.returncode != 0 or not line:
                notes.append(f"BA {n:,} nodes: GRADCO failed: {result.stderr[-300:]}")
                continue
            _, seconds, peak = line[0].split()
            same = all(
                (sp.load_npz(os.path.join(folder, f"{h}_{i}_{j}.npz")) != m).nnz == 0
                for (h, i, j), m in mine.items()
            )
        size = sum(m.data.nbytes + m.indices.nbytes + m.indptr.nbytes for m in mine.values())
        rows.append(
            Row(f"BA {n:,} nodes, 28 matrices", ours, "gradco (PyPI, dense)", float(seconds))
        )
        notes.append(
            f"BA {n:,} nodes: matrices {'identical' if same else 'DIFFER'}; ours "
            f"{size / 2**20:.0f} MiB of sparse matrices; GRADCO peak RSS "
            f"{int(peak) / 2**20:.0f} MiB"
        )
        print("  " + notes[-1], flush=True)
    print_table("Orbit adjacency (GRADCO), gradco time / ours", rows)
    for note in notes:
        print("  " + note)


# ------------------------------------------------------------------ per core

PER_CORE_SCRIPT = """
import sys, time, numpy as np
from benchmarks.orbits import open_case
from engine.graphlets import orbit_counts
from loaders import Graph
orbit_counts(Graph.from_edges([0, 1, 2, 3], [1, 2, 0, 0]), graphlet_size=5)  # cached kernels
g, _ = open_case(sys.argv[1])
cpu_started, started = time.process_time(), time.perf_counter()
counts = orbit_counts(g, graphlet_size=5)
print("GWB_TIMES", time.perf_counter() - started, time.process_time() - cpu_started)
np.save(sys.argv[2], counts)
"""


def _ours_pinned(case: str, cpus: list[int], counts_path: str) -> tuple[float, float]:
    """Our wall and CPU seconds for one 5-node count, in a fresh process on ``cpus``."""
    env = dict(os.environ, NUMBA_NUM_THREADS=str(len(cpus)))
    # Threads that finish early wait passively (unless set), as in benchmarks/ppr.py:
    # spinning OpenMP threads take a shared core's time from the ones still working.
    env.setdefault("OMP_WAIT_POLICY", "passive")
    command = [sys.executable, "-c", PER_CORE_SCRIPT, case, counts_path]
    if shutil.which("taskset"):
        command = ["taskset", "-c", ",".join(map(str, cpus)), *command]
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    line = next(x for x in result.stdout.splitlines() if x.startswith("GWB_TIMES"))
    _, wall, cpu = line.split()
    return float(wall), float(cpu)


def run_per_core(orca: str, cases: list[str], repeats: int) -> None:
    """5-node counts against ORCA per dataset on 1 and 2 cores, alternating round by round."""
    import statistics

    cpus = sorted(os.sched_getaffinity(0))
    pin = ("taskset", "-c", str(cpus[0])) if shutil.which("taskset") else ()
    tables: dict[int, tuple[list[Row], list[Row]]] = {}
    for case in cases:
        g, _ = open_case(case)
        edges = graphlet_edges(g)
        print(f"{case}: {g.n_nodes} nodes, {len(edges)} edges", flush=True)
        with tempfile.TemporaryDirectory() as folder:
            counts_path = os.path.join(folder, "ours.npy")
            orca_runs, same = [], True
            for cores in (1, 2)[: len(cpus)]:
                # One untimed run first: the script's warm-up graph is small enough to
                # run the serial kernel twins only, so a first run on two cores would
                # otherwise compile the parallel ones inside its timing.
                _ours_pinned(case, cpus[:cores], counts_path)
                ours_runs = []
                for round_ in range(repeats):
                    # Alternate who goes first, so drifting load on a shared machine
                    # weighs on both alike.
                    for turn in (0, 1) if round_ % 2 == 0 else (1, 0):
                        if turn:
                            ours_runs.append(_ours_pinned(case, cpus[:cores], counts_path))
                        elif cores == 1:
                            theirs, wall, compute, _ = run_orca(
                                orca, "node5", edges, g.n_nodes, folder, pin
                            )
                            orca_runs.append((wall, compute))
                same = same and np.array_equal(np.load(counts_path), theirs)
                ours_wall = statistics.median(w for w, _ in ours_runs)
                ours_cpu = statistics.median(c for _, c in ours_runs)
                orca_wall = statistics.median(w for w, _ in orca_runs)
                orca_cpu = statistics.median(c for _, c in orca_runs)
                wall_rows, cpu_rows = tables.setdefault(cores, ([], []))
                wall_rows.append(Row(case, ours_wall, "ORCA wall, 1 core", orca_wall))
                # ORCA prints its CPU time to 10 ms; 0.00 is kept as 1 ms, and said so.
                peer = "ORCA CPU" if orca_cpu > 0 else "ORCA CPU (printed 0.00 s)"
                cpu_rows.append(Row(case, max(ours_cpu, 1e-3), peer, max(orca_cpu, 1e-3)))
                print(
                    f"  {cores} core(s): ours {ours_wall:.3f} s wall {ours_cpu:.3f} s CPU; "
                    f"ORCA {orca_wall:.3f} s wall {orca_cpu:.2f} s CPU; "
                    f"counts {'identical' if same else 'DIFFER'}",
                    flush=True,
                )
    for cores, (wall_rows, cpu_rows) in tables.items():
        print_table(f"5-node orbits on {cores} core(s): ORCA wall / ours (medians)", wall_rows)
        print_table(f"5-node orbits on {cores} core(s): ORCA CPU / ours", cpu_rows)


# ------------------------------------------------------------------ estimates


def run_estimates(cases: list[str], modes: list[str]) -> None:
    """Estimated against measured seconds, per case and per pass of the 4-node count."""
    from engine.graphlets import common
    from engine.graphlets.cost import orbit_counts_estimate, orbit_threads
    from engine.graphlets.four import _Passes

    # Load both twins of every kernel (a small graph runs the serial ones only).
    warm_up = Graph.from_edges([0, 1, 2, 3], [1, 2, 0, 0])
    parallel_from, common.PARALLEL_WORK = common.PARALLEL_WORK, 0
    try:
        for size in (4, 5) if "node5" in modes else (4,):
            orbit_counts(warm_up, graphlet_size=size)
    finally:
        common.PARALLEL_WORK = parallel_from
    orbit_counts(warm_up)
    rows, notes = [], []
    for case in cases:
        g, _ = open_case(case)
        for size in (4, 5) if "node5" in modes else (4,):
            estimate = orbit_counts_estimate(g, size)
            cpu_started, started = time.process_time(), time.perf_counter()
            if size == 4:
                with orbit_threads(g):
                    passes = _Passes(g, None)
                    passes.orbits(passes.totals())
            else:
                orbit_counts(g, graphlet_size=5, max_seconds=None)
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            label = f"{Path(case).name}, {size}-node"
            rows.append(Row(label, wall, "estimate", estimate.seconds))
            note = (
                f"{label}: estimate {estimate.seconds:.3f} s on {estimate.threads} thread(s), "
                f"run {wall:.3f} s wall, {cpu:.3f} s CPU (estimate / wall "
                f"{estimate.seconds / wall:.2f})"
            )
            if size == 4:
                note += "; per pass, estimated one-core s / CPU s: " + ", ".join(
                    f"{name} {estimate.basis[f'seconds:{name}']:.3g}/"
                    f"{passes.cpu_seconds.get(name, 0.0):.3g}"
                    for name in passes.units
                )
            notes.append(note)
            print("  " + note, flush=True)
    print_table("orbit_counts: estimated seconds / measured wall seconds", rows)
    print(json.dumps({"threads": _threads()}))


# ------------------------------------------------------------------ main


def run(cases: list[str], modes: list[str], repeats: int, orca: str | None) -> None:
    rows_wall, rows_compute, notes = [], [], []
    for case in cases:
        g, store = open_case(case)
        edges = graphlet_edges(g)
        print(f"{case}: {g.n_nodes} nodes, {len(edges)} simple undirected edges", flush=True)
        reps = repeats if len(edges) < 200_000 else max(1, repeats // 2 + 1)
        with tempfile.TemporaryDirectory() as folder:
            for mode in modes:
                count = MODES[mode]
                if mode == "node5":
                    # Minutes a run: one run gives the counts, wall and CPU time
                    # (the kernels were loaded on a small graph first).
                    count(Graph.from_edges([0, 1, 2], [1, 2, 0]))
                    cpu_started, started = time.process_time(), time.perf_counter()
                    ours_counts = count(g)
                    ours = time.perf_counter() - started
                    ours_cpu = time.process_time() - cpu_started
                else:
                    ours_counts = count(g)  # also loads the cached kernels
                    ours = median_time(lambda g=g, count=count: count(g), reps)
                    # CPU seconds of all our threads: comparable with ORCA's clock() (one
                    # thread) and, unlike wall time, not inflated when others share the cores.
                    cpu_started = time.process_time()
                    count(g)
                    ours_cpu = time.process_time() - cpu_started
                extra = peak_memory(case, store, mode)
                out_bytes = ours_counts.nbytes
                label = f"{case}, {mode}"
                if orca:
                    theirs, wall, compute, orca_rss = run_orca(orca, mode, edges, g.n_nodes, folder)
                    same = theirs.shape == ours_counts.shape and np.array_equal(theirs, ours_counts)
                    rows_wall.append(Row(label, ours, "ORCA wall (with file I/O)", wall))
                    if compute > 0:  # ORCA's clock() ticks in 10 ms: 0 means "less"
                        rows_compute.append(Row(label, ours, "ORCA compute", compute))
                    notes.append(
                        f"{label}: counts {'identical' if same else 'DIFFER'}; "
                        f"ours {ours:.3f} s wall, {ours_cpu:.3f} s CPU, "
                        f"peak +{extra / 2**20:.0f} MiB (output {out_bytes / 2**20:.0f} MiB); "
                        f"ORCA {compute:.2f} s CPU (10 ms ticks), "
                        f"max RSS {orca_rss / 2**20:.0f} MiB"
                    )
                else:
                    notes.append(
                        f"{label}: ours {ours:.3f} s wall, {ours_cpu:.3f} s CPU, "
                        f"peak +{extra / 2**20:.0f} MiB (output {out_bytes / 2**20:.0f} MiB)"
                    )
                print("  " + notes[-1], flush=True)
    if orca:
        sizes = "2-5" if "node5" in modes else "2-4"
        print_table(f"Orbits of {sizes} node graphlets, ORCA compute / ours", rows_compute)
        print_table(f"Orbits of {sizes} node graphlets, ORCA wall / ours", rows_wall)
    print("\nPer case:")
    for note in notes:
        print("  " + note)
    print(json.dumps({"threads": _threads()}))


def _threads() -> int:
    import numba

    return numba.get_num_threads()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orca", help="path of an ORCA binary built outside the project")
    parser.add_argument("--cases", nargs="+", help="default: every available case")
    parser.add_argument("--modes", nargs="+", default=["node", "edge"], choices=list(MODES))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--per-core", action="store_true", help="5-node counts vs ORCA on every dataset, 1-2 cores"
    )
    parser.add_argument(
        "--estimates", action="store_true", help="orbit_counts_estimate against real runs"
    )
    parser.add_argument("--gradco", help="a Python interpreter that can import gradco")
    parser.add_argument("--gradco-sizes", nargs="+", type=int, default=[5_000, 10_000])
    parser.add_argument("--gradco-only", action="store_true", help="skip the orbit-count cases")
    args = parser.parse_args(argv)
    if args.gradco:
        run_gradco(args.gradco, args.gradco_sizes, max(1, args.repeats // 2))
        if args.gradco_only:
            return
    if args.per_core:
        if not args.orca:
            parser.error("--per-core needs --orca")
        present = [c for c in available_cases() if c in DATASETS and c not in PER_CORE_SKIP]
        run_per_core(args.orca, args.cases or present, args.repeats)
        return
    default = FIVE_NODE_CASES if args.modes == ["node5"] else available_cases()
    cases = args.cases or [c for c in default if c in available_cases()]
    if args.estimates:
        run_estimates(cases, args.modes)
        return
    unknown = sorted(
        set(cases) - set(GENERATED) - set(DATASETS) - {c for c in cases if c.endswith(".gwb")}
    )
    if unknown:
        parser.error(f"unknown case(s) {unknown}; choose from {available_cases()}")
    run(cases, args.modes, args.repeats, args.orca)


if __name__ == "__main__":
    main()
