"""Loading speed: a text edge list parsed by us, networkx, igraph and pandas; store reopen.

Run ``python -m benchmarks.load [--sizes 1M 10M] [--repeats N] [--skip-networkx-10m]``.
Inputs are seeded R-MAT graphs written as space-separated text into ``bench-data/``.
Every ratio is peer time / our time, measured in the same process.
"""

from __future__ import annotations

import argparse
import shutil

import igraph as ig
import networkx as nx
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import scipy.sparse as sp

from benchmarks.common import Row, bench_dir, median_time, print_table
from loaders import Graph, open_store, read_edgelist, rmat

SIZES = {"1M": (16, 16), "10M": (20, 10)}  # label → (R-MAT scale, edge factor)


def edge_list_file(label: str):
    scale, edge_factor = SIZES[label]
    path = bench_dir() / f"rmat-{scale}-{edge_factor}.txt"
    if not path.exists():
        src, dst = rmat(scale, edge_factor, seed=42, as_arrays=True)
        table = pa.table({"src": src, "dst": dst})
        partial = path.with_suffix(".partial")
        pa_csv.write_csv(table, partial, pa_csv.WriteOptions(include_header=False, delimiter=" "))
        partial.rename(path)
    return path


def run(sizes: list[str], repeats: int, networkx_10m: bool) -> list[Row]:
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


def _columns(path):
    table = pa_csv.read_csv(
        path,
        read_options=pa_csv.ReadOptions(column_names=["s", "d"]),
        parse_options=pa_csv.ParseOptions(delimiter=" "),
    )
    return table.column("s").to_numpy(), table.column("d").to_numpy()


def _scipy_csr(src, dst):
    n = int(max(src.max(), dst.max())) + 1
    rows = np.concatenate([src, dst])
    cols = np.concatenate([dst, src])
    matrix = sp.coo_array((np.ones(rows.size, np.float32), (rows, cols)), shape=(n, n)).tocsr()
    matrix.sum_duplicates()
    return matrix


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", nargs="+", default=["1M", "10M"], choices=list(SIZES))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--skip-networkx-10m",
        action="store_true",
        help="networkx needs minutes and ~10 GiB at 10M edges",
    )
    args = parser.parse_args(argv)
    rows = run(args.sizes, args.repeats, not args.skip_networkx_10m)
    print_table("Loading (ratio = peer time / our time; > 1 means we are faster)", rows)


if __name__ == "__main__":
    main()
