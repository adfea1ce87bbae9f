"""Loading speed: a text edge list parsed by us, networkx, igraph, pandas and pyarrow; store reopen.

Run ``python -m benchmarks.load [--sizes 1M 10M 100M] [--repeats N] [--skip-networkx-10m]
[--igraph-100m]``. Inputs are seeded R-MAT graphs written as space-separated
text into ``bench-data/`` (100M: scale 23, edge factor 12, 100,663,296 lines,
1.5 GB, as issue #28 measured).

Three tables:

- **In process** (1M and 10M): every ratio is peer time / our time, measured
  in the same process, medians of ``--repeats``.
- **Parse throughput**, each run in its own process: our reader's parse (the
  tokenizer and id parsing, up to the two id arrays) against
  ``pyarrow.csv.read_csv`` (its table of two int64 columns, not yet NumPy
  arrays), pinned to one core and on every core, as MB/s per core (file
  bytes / wall time / cores) and MB per CPU second (file bytes / the process's
  user + system time over the parse, which holds when other work shares the
  machine). The system time (faulting in fresh memory) is shown apart: on a
  machine whose memory is fragmented it varies from run to run (pyarrow's
  reader: 1.8 to 8.6 s of it at 100M, for 4.4 s of user time).
- **Text to graph**, each run in its own process: wall time, CPU time and peak
  resident memory of ``engine.load`` into an empty cache (parse, CSR build,
  store write), of ``read_edgelist`` alone (text to an in-memory graph), of the
  path a user writes by hand (``pyarrow.csv.read_csv``, then a symmetrised
  SciPy CSR with repeats summed) and of igraph's ``Read_Edgelist`` (~200 s at
  100M: only with ``--igraph-100m``).

Numba's cache is filled first by untimed runs on the 1M file. Set
``GWB_BENCH_LOCK`` to a file to take turns with other big runs on a shared
machine (an exclusive ``flock`` around each child process).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SIZES = {"1M": (16, 16), "10M": (20, 10), "100M": (23, 12)}  # label → (R-MAT scale, edge factor)


def edge_list_file(label: str) -> Path:
    """The seeded R-MAT edge list of a size, written once (to a temporary name, then renamed)."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    from benchmarks.common import bench_dir
    from loaders import rmat

    scale, edge_factor = SIZES[label]
    path = bench_dir() / f"rmat-{scale}-{edge_factor}.txt"
    if not path.exists():
        src, dst = rmat(scale, edge_factor, seed=42, as_arrays=True)
        table = pa.table({"src": src, "dst": dst})
        partial = path.with_suffix(".partial")
        pa_csv.write_csv(table, partial, pa_csv.WriteOptions(include_header=False, delimiter=" "))
        partial.rename(path)
    return path


# ---------------------------------------------------------------- in process (1M, 10M)


def run(sizes: list[str], repeats: int, networkx_10m: bool) -> list:
    import igraph as ig
    import networkx as nx
    import numpy as np
    import pandas as pd

    from benchmarks.common import Row, bench_dir, median_time
    from loaders import Graph, open_store, read_edgelist

    rows: list[Row] = []
    for label in sizes:
        path = edge_list_file(label)
        n_lines = sum(1 for _ in open(path, "rb"))
        print(f"{label}: {path} ({n_lines:,} lines, {path.stat().st_size / 2**20:.0f} MiB)")
        reps = repeats if label == "1M" else max(1, repeats // 2)
        ours = median_time(lambda p=path: read_edgelist(p), reps)
        graph = read_edgelist(path)
        print(f"  parsed: {graph}")

        rows.append(
            Row(
                f"parse {label} edges",
                ours,
                "igraph Read_Edgelist",
                median_time(lambda p=path: ig.Graph.Read_Edgelist(str(p), directed=False), reps),
            )
        )
        rows.append(
            Row(
                f"parse {label} edges",
                ours,
                "pandas read_csv (no graph)",
                median_time(
                    lambda p=path: pd.read_csv(p, sep=" ", header=None, dtype=np.int64), reps
                ),
            )
        )
        if label != "10M" or networkx_10m:
            rows.append(
                Row(
                    f"parse {label} edges",
                    ours,
                    "networkx read_edgelist",
                    median_time(lambda p=path: nx.read_edgelist(p, nodetype=int), 1),
                )
            )

        store = bench_dir() / f"{path.stem}.gwb"
        shutil.rmtree(store, ignore_errors=True)
        graph.save(store)
        reopen = median_time(lambda s=store: open_store(s), max(reps, 20))
        rows.append(
            Row(f"reopen {label} store (vs our parse)", reopen, "gwb parse of the text", ours)
        )

        src, dst = _columns(path)
        rows.append(
            Row(
                f"from_edges {label}",
                median_time(lambda s=src, d=dst: Graph.from_edges(s, d), reps),
                "scipy coo->csr, symmetrised",
                median_time(lambda s=src, d=dst: _scipy_csr(s, d), reps),
            )
        )
    return rows


def _table(path, use_threads: bool = True):
    """pyarrow's CSV reader on an edge list: a table of two int64 columns."""
    import pyarrow.csv as pa_csv

    return pa_csv.read_csv(
        path,
        read_options=pa_csv.ReadOptions(column_names=["s", "d"], use_threads=use_threads),
        parse_options=pa_csv.ParseOptions(delimiter=" "),
    )


def _columns(path, use_threads: bool = True):
    table = _table(path, use_threads)
    return table.column("s").to_numpy(), table.column("d").to_numpy()


def _scipy_csr(src, dst):
    """The CSR a user builds by hand: both directions, loops once, repeats summed."""
    import numpy as np
    import scipy.sparse as sp

    n = int(max(src.max(), dst.max())) + 1
    keep = src != dst
    rows = np.concatenate([src, dst[keep]])
    cols = np.concatenate([dst, src[keep]])
    del keep
    matrix = sp.coo_array((np.ones(rows.size, np.float32), (rows, cols)), shape=(n, n))
    del rows, cols
    matrix = matrix.tocsr()
    matrix.sum_duplicates()
    return matrix


# ---------------------------------------------------------------- one process per case

#: What a child process can run: (table, case name).
CASES = {
    "parse-ours": "our parse (tokenizer + ids)",
    "parse-pyarrow": "pyarrow.csv.read_csv",
    "load": "engine.load, empty cache (text -> store)",
    "read_edgelist": "read_edgelist (text -> Graph)",
    "pyarrow+scipy": "pyarrow read_csv + SciPy CSR",
    "igraph": "igraph Read_Edgelist",
}


def _child(case: str, path: Path, cores: int) -> dict:
    """Run one case in this (fresh) process: its wall time, CPU time and peak memory."""
    if cores == 1:
        import pyarrow as pa

        pa.set_cpu_count(1)
        pa.set_io_thread_count(1)
    result: dict = {}
    with _clock(result):
        if case == "parse-ours":
            from loaders._edgelist_parse import parse_body
            from loaders._sniff import choose_columns, sniff

            layout = sniff(path, None, None, "#%", "auto", (0, 1))
            columns = choose_columns(path, layout, 0, 1, "auto")
            src, _, _, _ = parse_body(path, None, layout, columns, "auto")
            result["rows"] = len(src)
        elif case == "parse-pyarrow":
            result["rows"] = _table(path, use_threads=cores != 1).num_rows
        elif case == "load":
            import engine

            cache = Path(tempfile.mkdtemp(dir=path.parent, prefix=".bench-load-"))
            result["edges"] = engine.load(path, cache_dir=cache).n_edges
        elif case == "read_edgelist":
            from loaders import read_edgelist

            result["edges"] = read_edgelist(path).n_edges
        elif case == "pyarrow+scipy":
            started = time.perf_counter()
            src, dst = _columns(path)
            result["parse_seconds"] = time.perf_counter() - started
            matrix = _scipy_csr(src, dst)
            result["edges"] = (matrix.nnz + int(matrix.diagonal().astype(bool).sum())) // 2
        elif case == "igraph":
            import igraph as ig

            result["edges"] = ig.Graph.Read_Edgelist(str(path), directed=False).ecount()
    if case == "load":
        shutil.rmtree(cache, ignore_errors=True)
    result["peak_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return result


@contextlib.contextmanager
def _clock(result: dict):
    """Put the wall and CPU (user + system, every thread) seconds of the block in ``result``."""
    before, started = os.times(), time.perf_counter()
    yield
    after = os.times()
    result["seconds"] = time.perf_counter() - started
    result["cpu_seconds"] = (after.user - before.user) + (after.system - before.system)
    result["system_seconds"] = after.system - before.system


def _in_child(case: str, path: Path, cores: int, timeout: float) -> dict:
    """Run ``case`` in a fresh process (pinned to one core when ``cores`` is 1)."""
    from benchmarks.common import held_lock

    environment = dict(os.environ)
    if cores == 1:
        environment["NUMBA_NUM_THREADS"] = "1"
    command = [sys.executable, "-m", "benchmarks.load", "--child", case, "--file", str(path)]
    command += ["--cores", str(cores)]
    with held_lock(os.environ.get("GWB_BENCH_LOCK")):
        child = subprocess.Popen(
            command, stdout=subprocess.PIPE, text=True, env=environment, preexec_fn=_pin(cores)
        )
        try:
            out, _ = child.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.communicate()
            return {"error": f"killed after {timeout:.0f} s"}
    lines = [line for line in out.splitlines() if line.startswith("{")]
    return json.loads(lines[-1]) if lines else {"error": f"exit {child.returncode}"}


def _pin(cores: int):
    if cores != 1:
        return None
    first = min(os.sched_getaffinity(0))
    return lambda: os.sched_setaffinity(0, {first})


def per_process(sizes: list[str], igraph_100m: bool, timeout: float) -> None:
    all_cores = len(os.sched_getaffinity(0))
    # Fill Numba's cache first (kernels compile once per core count and id width):
    # these tables time the reading, not the compiling.
    small = edge_list_file("1M")
    for cores in (1, all_cores):
        _in_child("parse-ours", small, cores, timeout)
    _in_child("load", small, all_cores, timeout)
    for label in sizes:
        path = edge_list_file(label)
        size = path.stat().st_size
        print(f"\n{label}: {path} ({size / 1e9:.2f} GB)")
        print(f"\nParse throughput, one process each (MB = 10^6 bytes; {all_cores} cores here)")
        header = (
            f"{'reader':<30} {'cores':>5} {'wall':>8} {'CPU':>8} {'(system)':>9} "
            f"{'MB/s/core':>10} {'MB/CPU-s':>9} {'peak RSS':>9}"
        )
        print(header)
        print("-" * len(header))
        for cores in (1, all_cores):
            for case in ("parse-ours", "parse-pyarrow"):
                result = _in_child(case, path, cores, timeout)
                if "error" in result:
                    print(f"{CASES[case]:<30} {cores:>5} {result['error']}")
                    continue
                wall, cpu = result["seconds"], result["cpu_seconds"]
                print(
                    f"{CASES[case]:<30} {cores:>5} {wall:7.2f}s {cpu:7.2f}s "
                    f"{result['system_seconds']:8.2f}s {size / 1e6 / wall / cores:10.0f} "
                    f"{size / 1e6 / cpu:9.0f} {result['peak_bytes'] / 2**30:6.2f}GiB"
                )
        print(f"\nText to graph, one process each, {all_cores} cores")
        header = (
            f"{'case':<42} {'wall':>8} {'CPU':>8} {'(system)':>9} {'peak RSS':>10} "
            f"{'B/edge':>7} {'vs ours':>8}"
        )
        print(header)
        print("-" * len(header))
        cases = ["load", "read_edgelist", "pyarrow+scipy"]
        if label != "100M" or igraph_100m:
            cases.append("igraph")
        ours = None
        for case in cases:
            result = _in_child(case, path, all_cores, timeout)
            if "error" in result:
                print(f"{CASES[case]:<42} {result['error']}")
                continue
            wall, peak, edges = result["seconds"], result["peak_bytes"], result["edges"]
            ours = ours or wall
            note = f"  (parse {result['parse_seconds']:.1f} s)" if "parse_seconds" in result else ""
            print(
                f"{CASES[case]:<42} {wall:7.2f}s {result['cpu_seconds']:7.2f}s "
                f"{result['system_seconds']:8.2f}s {peak / 2**30:8.2f}GiB {peak / edges:7.1f} "
                f"{wall / ours:7.1f}x{note}"
            )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["1M", "10M"], choices=list(SIZES))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--skip-networkx-10m",
        action="store_true",
        help="networkx needs minutes and ~10 GiB at 10M edges",
    )
    parser.add_argument(
        "--igraph-100m", action="store_true", help="also time igraph at 100M (~200 s)"
    )
    parser.add_argument(
        "--no-per-process", action="store_true", help="skip the one-process-per-case tables"
    )
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per child process")
    parser.add_argument("--child", choices=list(CASES), help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--cores", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_child(args.child, args.file, args.cores)), flush=True)
        return

    from benchmarks.common import print_table

    in_process = [label for label in args.sizes if label != "100M"]
    if in_process:
        rows = run(in_process, args.repeats, not args.skip_networkx_10m)
        print_table("Loading (ratio = peer time / our time; > 1 means we are faster)", rows)
    if not args.no_per_process:
        per_process(args.sizes, args.igraph_100m, args.timeout)


if __name__ == "__main__":
    main()
