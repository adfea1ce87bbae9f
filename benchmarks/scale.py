"""A 100M-edge graph through every engine, each step in its own process.

Run ``python -m benchmarks.scale`` (about an hour on 2 cores; not part of
``make test``). It writes a seeded R-MAT edge list (scale 23, edge factor 12:
100,663,296 ``u v`` lines, 1.5 GB) into ``bench-data/`` once, then runs each
step in a fresh Python process and prints one table: wall time of the step's
call, the process's peak resident memory (file-backed pages of the memory-mapped
store included, as the kernel counts them), and that peak per edge.

Steps, in order (``--steps`` picks some):

- ``load``: :func:`engine.load` of the text file into an empty cache folder
  (parse, CSR build, store write); ``pyarrow+scipy``: ``pyarrow.csv.read_csv``
  then a symmetrised SciPy CSR with duplicates summed, the path a user would
  write by hand; ``igraph`` (``--igraph``, ~200 s): ``Graph.Read_Edgelist``.
- ``reopen``: :func:`engine.load` again, which opens the cached store.
- ``ppr first`` / ``ppr next``: the default :func:`engine.ppr` twice (the first
  includes compiling, unless the Numba cache is warm).
- ``ppr_batch``: :func:`engine.ppr_batch` over ``--sources`` random sources (the
  first ``--checked-sources`` of them only, when given: ``ppr_batch@dask`` then
  runs them all and is compared on those, each source being computed alone).
- ``PPRIndex.build``, ``fastrp`` (dim 128), ``NeighbourhoodIndex.build``,
  ``orbit_counts`` (4-node), ``ncp``: the heavy calls at their defaults.

With ``--dask``, ``fastrp``, ``ppr_batch``, ``NeighbourhoodIndex.build`` and
``orbit_counts`` run again through a ``LocalCluster`` of two single-threaded
worker processes (``step@dask``); each is compared with the in-process result
(saved beside the cache folder) and shows each worker's peak RSS and the bytes
it sent (Dask's ``transfer_outgoing_bytes_total``: results to the client and
data to peers; the graph itself is not sent, workers map the store).

A step that runs past ``--timeout`` seconds is killed and shown as such; a step
that raises shows the error's first line (a refusal with an estimate is a result).
Setup (opening the store) is not timed, but its memory counts in the peak.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import bench_dir, held_lock

SCALE, EDGE_FACTOR = 23, 12
STEPS = [
    "load",
    "pyarrow+scipy",
    "igraph",
    "reopen",
    "ppr",
    "ppr_batch",
    "PPRIndex.build",
    "fastrp",
    "NeighbourhoodIndex.build",
    "orbit_counts",
    "ncp",
]
# The jobs #28 runs again on a two-worker LocalCluster, compared with the in-process result.
DASK_STEPS = [
    f"{step}@dask" for step in ("fastrp", "ppr_batch", "NeighbourhoodIndex.build", "orbit_counts")
]


def edge_list_file(scale: int, edge_factor: int) -> Path:
    """The seeded R-MAT edge list, written once (to a temporary name, then renamed)."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    from loaders import rmat

    path = bench_dir() / f"rmat-{scale}-{edge_factor}.txt"
    if not path.exists():
        src, dst = rmat(scale, edge_factor, seed=42, as_arrays=True)
        partial = path.with_suffix(".partial")
        pa_csv.write_csv(
            pa.table({"src": src, "dst": dst}),
            partial,
            pa_csv.WriteOptions(include_header=False, delimiter=" "),
        )
        partial.rename(path)
    return path


# --------------------------------------------------------------------------- child


def _run_step(
    step: str, path: Path, cache_dir: Path, sources: int, checked: int | None = None
) -> dict:
    """Run one step in this process; return what it measured."""
    import numpy as np

    import engine

    if step == "load":
        started = time.perf_counter()
        g = engine.load(path, cache_dir=cache_dir)
        return {"seconds": time.perf_counter() - started, "edges": g.n_edges, "nodes": g.n_nodes}
    if step == "pyarrow+scipy":
        return _pyarrow_scipy(path)
    if step == "igraph":
        import igraph as ig

        started = time.perf_counter()
        graph = ig.Graph.Read_Edgelist(str(path), directed=False)
        graph.simplify(multiple=True, loops=True)
        return {"seconds": time.perf_counter() - started, "edges": graph.ecount()}
    if step == "reopen":
        started = time.perf_counter()
        g = engine.load(path, cache_dir=cache_dir)
        return {"seconds": time.perf_counter() - started, "edges": g.n_edges}

    g = engine.load(path, cache_dir=cache_dir)
    rng = np.random.default_rng(7)
    degrees = np.diff(np.asarray(g.indptr))
    connected = np.flatnonzero(degrees > 0)
    labels = g.labels
    if step == "ppr":
        first, second = (labels[i] for i in rng.choice(connected, 2, replace=False))
        started = time.perf_counter()
        engine.ppr(g, first)
        first_s = time.perf_counter() - started
        started = time.perf_counter()
        engine.ppr(g, second)
        return {"seconds": first_s, "next_seconds": time.perf_counter() - started}
    batch_sources = labels[rng.choice(connected, sources, replace=False)]
    checked_sources = batch_sources[:checked] if checked else batch_sources
    calls = {
        "ppr_batch": lambda **dask: engine.ppr_batch(
            g, batch_sources if dask else checked_sources, top_k=100, seed=1, **dask
        ),
        "PPRIndex.build": lambda: engine.PPRIndex.build(g),
        "fastrp": lambda **dask: engine.fastrp(g, dim=128, seed=1, **dask),
        "NeighbourhoodIndex.build": lambda **dask: engine.NeighbourhoodIndex.build(g, **dask),
        "orbit_counts": lambda **dask: engine.orbit_counts(g, **dask),
        "ncp": lambda: engine.ncp(g, seed=1),
    }
    name, _, where = step.partition("@")
    cluster = client = None
    if where == "dask":
        from dask.distributed import Client, LocalCluster

        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True)
        client = Client(cluster)
    started = time.perf_counter()
    try:
        result = calls[name](client=client) if client else calls[name]()
    except Exception as error:  # a refusal (with its estimate) is a result to show
        first_line = str(error).splitlines()[0] if str(error) else ""
        return {
            "seconds": time.perf_counter() - started,
            "error": f"{type(error).__name__}: {first_line}",
        }
    report = {"seconds": time.perf_counter() - started}
    results = cache_dir.parent / f"{cache_dir.name}-results"
    if client is None:
        if name in ("fastrp", "ppr_batch", "NeighbourhoodIndex.build", "orbit_counts"):
            results.mkdir(exist_ok=True)
            _save_result(results / name, result)
        return report
    report.update(_dask_costs(client))
    if name == "ppr_batch" and checked:
        result = result[result["source"].isin(set(checked_sources.tolist()))]
        report["checked"] = len(checked_sources)
    report["same"] = _compare_result(results / name, result)
    client.close()
    cluster.close()
    return report


def _comparable(result):
    """The arrays a result is compared by (an index by its signatures)."""
    import numpy as np
    import pandas as pd

    if isinstance(result, pd.DataFrame):
        return {column: result[column].to_numpy() for column in result.columns}
    if hasattr(result, "signatures"):
        return {"signatures": np.asarray(result.signatures)}
    return {"values": np.asarray(result)}


def _save_result(stem: Path, result) -> None:
    import numpy as np

    partial = stem.with_suffix(".partial.npz")
    np.savez(partial, **_comparable(result))
    partial.rename(stem.with_suffix(".npz"))


def _compare_result(stem: Path, result) -> str:
    """``equal``, ``allclose (max |diff| ...)`` or what differs, against the in-process run."""
    import numpy as np

    path = stem.with_suffix(".npz")
    if not path.exists():
        return "no in-process result to compare"
    saved = np.load(path, allow_pickle=True)
    ours = _comparable(result)
    if sorted(saved.files) != sorted(ours):
        return f"columns differ: {sorted(saved.files)} vs {sorted(ours)}"
    worst = 0.0
    for key, value in ours.items():
        expected = saved[key]
        if expected.shape != value.shape:
            return f"{key}: shape {value.shape} vs {expected.shape}"
        if np.array_equal(expected, value):
            continue
        if value.dtype.kind != "f" or not np.allclose(value, expected, rtol=1e-5, atol=1e-6):
            return f"{key}: {int((value != expected).sum())} entries differ"
        worst = max(worst, float(np.abs(value - expected).max()))
    return "equal" if worst == 0 else f"allclose (max |diff| {worst:.1e})"


def _dask_costs(client) -> dict:
    """Each worker's peak RSS and the bytes it sent (results to the client, data to peers)."""

    def measure(dask_worker):
        import resource

        return {
            "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
            "sent": getattr(dask_worker, "transfer_outgoing_bytes_total", None),
        }

    per_worker = client.run(measure)
    return {
        "worker_peaks": [value["peak"] for value in per_worker.values()],
        "worker_sent": [value["sent"] for value in per_worker.values()],
    }


def _pyarrow_scipy(path: Path) -> dict:
    import numpy as np
    import pyarrow.csv as pa_csv
    import scipy.sparse as sp

    started = time.perf_counter()
    table = pa_csv.read_csv(
        path,
        read_options=pa_csv.ReadOptions(column_names=["s", "d"]),
        parse_options=pa_csv.ParseOptions(delimiter=" "),
    )
    parsed = time.perf_counter() - started
    src, dst = table.column("s").to_numpy(), table.column("d").to_numpy()
    del table
    n = int(max(src.max(), dst.max())) + 1
    keep = src != dst
    rows = np.concatenate([src[keep], dst[keep]])
    cols = np.concatenate([dst[keep], src[keep]])
    del src, dst, keep
    matrix = sp.coo_array((np.ones(rows.size, np.float32), (rows, cols)), shape=(n, n))
    del rows, cols
    matrix = matrix.tocsr()
    matrix.sum_duplicates()
    return {
        "seconds": time.perf_counter() - started,
        "parse_seconds": parsed,
        "edges": matrix.nnz // 2,
    }


# -------------------------------------------------------------------------- parent


def _in_child(
    step: str, path: Path, cache_dir: Path, sources: int, timeout: float, checked: int | None
) -> dict:
    """Run ``step`` in a fresh process, which reports its own time and peak RSS."""
    command = [sys.executable, "-m", "benchmarks.scale", "--child", step, "--file", str(path)]
    command += ["--cache-dir", str(cache_dir), "--sources", str(sources)]
    if checked:
        command += ["--checked-sources", str(checked)]
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    result: dict = {}
    try:
        out, _ = child.communicate(timeout=timeout)
        lines = [line for line in out.splitlines() if line.startswith("{")]
        result = json.loads(lines[-1]) if lines else {"error": f"exit {child.returncode}"}
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        result = {"error": f"killed after {timeout:.0f} s", "seconds": timeout}
    result.setdefault("wall", time.perf_counter() - started)
    return result


def _child_main(step: str, path: Path, cache_dir: Path, sources: int, checked: int | None) -> None:
    import resource

    result = _run_step(step, path, cache_dir, sources, checked)
    result["peak_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps(result, default=float), flush=True)


def _format_row(step: str, result: dict, n_edges: int | None) -> str:
    seconds = result.get("seconds")
    time_text = f"{seconds:8.1f} s" if seconds is not None else "       - "
    peak = result.get("peak_bytes")
    peak_text = f"{peak / 2**30:6.2f} GiB" if peak else "       -  "
    per_edge = f"{peak / n_edges:7.1f}" if peak and n_edges else "      -"
    notes = []
    if "next_seconds" in result:
        notes.append(f"next call {result['next_seconds']:.2f} s")
    if "parse_seconds" in result:
        notes.append(f"parse {result['parse_seconds']:.1f} s")
    if "same" in result:
        on = f" on {result['checked']:,} of the sources" if "checked" in result else ""
        notes.append(f"vs in-process{on}: {result['same']}")
    if "worker_peaks" in result:
        peaks = ", ".join(f"{peak / 2**30:.2f}" for peak in result["worker_peaks"])
        notes.append(f"worker peaks {peaks} GiB")
    if result.get("worker_sent") and None not in result["worker_sent"]:
        sent = ", ".join(f"{sent / 2**20:.0f}" for sent in result["worker_sent"])
        notes.append(f"sent {sent} MiB")
    if "error" in result:
        notes.append(result["error"][:110])
    return f"{step:<26} {time_text} {peak_text} {per_edge}  {'; '.join(notes)}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=SCALE)
    parser.add_argument("--edge-factor", type=int, default=EDGE_FACTOR)
    parser.add_argument("--file", type=Path, help="an edge list to use instead of R-MAT")
    parser.add_argument("--steps", nargs="+", choices=STEPS + DASK_STEPS, default=None)
    parser.add_argument("--igraph", action="store_true", help="also time igraph's reader")
    parser.add_argument("--sources", type=int, default=100, help="sources for ppr_batch")
    parser.add_argument(
        "--checked-sources",
        type=int,
        default=None,
        help="run ppr_batch in-process on only the first this many sources",
    )
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per step")
    parser.add_argument("--cache-dir", type=Path, default=None)
    parser.add_argument("--lock", type=Path, help="hold this file's lock (flock) during each step")
    parser.add_argument("--dask", action="store_true", help="also run the Dask steps")
    parser.add_argument("--child", choices=STEPS + DASK_STEPS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        _child_main(args.child, args.file, args.cache_dir, args.sources, args.checked_sources)
        return

    path = args.file or edge_list_file(args.scale, args.edge_factor)
    cache_dir = args.cache_dir or bench_dir() / "scale-cache"
    steps = args.steps or [s for s in STEPS if s != "igraph" or args.igraph]
    if args.dask and not args.steps:
        steps += DASK_STEPS
    if "load" in steps and cache_dir.exists():
        shutil.rmtree(cache_dir)  # the load step measures a load without a cache
    print(f"{path} ({path.stat().st_size / 1e9:.2f} GB), {os.cpu_count()} cores")
    print(f"{'step':<26} {'time':>10} {'peak RSS':>10} {'B/edge':>7}  notes")
    n_edges = None
    for step in steps:
        with held_lock(args.lock):
            result = _in_child(
                step, path, cache_dir, args.sources, args.timeout, args.checked_sources
            )
        if n_edges is None and "nodes" in result:
            print(f"  graph: {result['nodes']:,} nodes, {result['edges']:,} edges")
        n_edges = n_edges or result.get("edges")
        print(_format_row(step, result, n_edges), flush=True)


if __name__ == "__main__":
    main()
