"""MinHash-LSH speed and recall: ours vs datasketch, in one process.

Run ``python -m benchmarks.minhash [--nodes N] [--queries N]``.

The graph is a seeded clustered graph: blocks of 20 nodes, each pair inside a
block joined with probability 0.8, plus random edges between blocks, about
10 edges per node (1M nodes / 10M edges by default). Closed neighbourhoods of
two nodes in one block have Jaccard around 0.5, so the threshold 0.5 splits
many real pairs: the case where banding decides recall.

Rows:

- signatures per second: ours on every node; datasketch's ``MinHash.bulk`` and
  its per-node ``update`` loop on a sample (same sets, same ``hashfunc=int``, so
  the outputs are equal); ratios are of rates.
- index build: ours on every node; datasketch's ``MinHashLSH.insert`` on a
  sample, as a rate.
- ``similar`` and ``expand`` latency: p50 and p99 over random queries.
- recall of pairs with exact Jaccard >= threshold among the LSH candidates of
  sampled nodes, with our recall banding and datasketch's default banding, and
  the precision of the candidates before and after the exact re-rank.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import scipy.sparse as sp
from datasketch import MinHash
from datasketch import MinHashLSH as DatasketchLSH

from benchmarks.common import bench_dir, median_time
from engine import gpu_status
from engine.similarity import NeighbourhoodIndex
from loaders import Graph, open_store
from sketches.lsh import MinHashLSH, datasketch_banding
from sketches.minhash import lean_minhash, minhash_signatures

BLOCK = 20
P_IN = 0.8
NUM_PERM = 128
THRESHOLD = 0.5


def clustered_graph(n_nodes: int, seed: int = 7) -> Graph:
    """Blocks of ``BLOCK`` nodes (pairs inside joined with ``P_IN``) plus random edges."""
    path = bench_dir() / f"clustered-{n_nodes}-{BLOCK}.gwb"
    if path.exists():
        return open_store(path)
    rng = np.random.default_rng(seed)
    n_blocks = n_nodes // BLOCK
    u, v = np.triu_indices(BLOCK, k=1)
    keep = rng.random((n_blocks, len(u))) < P_IN
    offsets = (np.arange(n_blocks) * BLOCK)[:, None]
    inside_src = (offsets + u)[keep]
    inside_dst = (offsets + v)[keep]
    n_between = n_nodes * 10 - len(inside_src)
    between_src = rng.integers(0, n_blocks * BLOCK, max(n_between, 0))
    between_dst = rng.integers(0, n_blocks * BLOCK, max(n_between, 0))
    g = Graph.from_edges(
        np.concatenate([inside_src, between_src]),
        np.concatenate([inside_dst, between_dst]),
        n_nodes=n_blocks * BLOCK,
        self_loops="drop",
        name=f"clustered-{n_nodes}",
    )
    g.save(path)
    return open_store(path)


def rate(seconds: float, count: int) -> str:
    return f"{count / seconds:,.0f}/s"


def neighbour_sets(g: Graph, nodes: np.ndarray) -> list[list[int]]:
    return [[*g.indices[g.indptr[v] : g.indptr[v + 1]].tolist(), int(v)] for v in nodes]


def signature_rows(g: Graph, sample: np.ndarray) -> None:
    ours = median_time(lambda: minhash_signatures(g.indptr, g.indices, NUM_PERM), 3)
    ours_rate = g.n_nodes / ours
    sets = neighbour_sets(g, sample)
    bulk = median_time(lambda: MinHash.bulk(sets, num_perm=NUM_PERM, hashfunc=int), 3)
    bulk_rate = len(sets) / bulk
    few = sets[:300]

    def update_loop():
        for members in few:
            sketch = MinHash(num_perm=NUM_PERM, hashfunc=int)
            for member in members:
                sketch.update(member)

    loop_rate = len(few) / median_time(update_loop, 3)
    print("\nsignatures (num_perm=128, every node)")
    print(f"  ours                     {ours * 1e3:9.1f} ms  {rate(ours, g.n_nodes):>14}")
    print(
        f"  datasketch MinHash.bulk  (sample {len(sets)}) {bulk_rate:>14,.0f}/s"
        f"   ours {ours_rate / bulk_rate:6.1f}x faster"
    )
    print(
        f"  datasketch update loop   (sample {len(few)})  {loop_rate:>14,.0f}/s"
        f"   ours {ours_rate / loop_rate:6.1f}x faster"
    )
    if gpu_status()[0]:
        minhash_signatures(g.indptr[:2], g.indices, NUM_PERM, device="gpu")
        gpu = median_time(
            lambda: minhash_signatures(g.indptr, g.indices, NUM_PERM, device="gpu"), 3
        )
        print(
            f"  ours on the GPU          {gpu * 1e3:9.1f} ms  {rate(gpu, g.n_nodes):>14}"
            f"   ({ours / gpu:.1f}x the CPU, transfers included)"
        )
    else:
        print(f"  (GPU row skipped: {gpu_status()[1]})")


def build_rows(g: Graph, sample: np.ndarray) -> NeighbourhoodIndex:
    started = time.perf_counter()
    index = NeighbourhoodIndex.build(g, NUM_PERM, THRESHOLD)
    total = time.perf_counter() - started
    signatures = index.signatures
    lsh = MinHashLSH(THRESHOLD, NUM_PERM, params=(index.lsh.bands, index.lsh.rows))
    bands = median_time(lambda: lsh.insert(np.arange(g.n_nodes), signatures), 1)
    sketches = [lean_minhash(signatures[v]) for v in sample]

    def datasketch_insert():
        reference = DatasketchLSH(THRESHOLD, NUM_PERM, params=(index.lsh.bands, index.lsh.rows))
        for key, sketch in zip(sample.tolist(), sketches):
            reference.insert(key, sketch)

    peer = median_time(datasketch_insert, 1)
    print(f"\nindex build ({index.lsh.bands} bands x {index.lsh.rows} rows)")
    print(f"  ours, signatures + bands {total:9.2f} s   ({g.n_nodes:,} nodes)")
    print(f"  ours, bands only         {bands:9.2f} s   {rate(bands, g.n_nodes):>14}")
    print(
        f"  datasketch insert        (sample {len(sample)}) {rate(peer, len(sample)):>14}"
        f"   ours {(g.n_nodes / bands) / (len(sample) / peer):6.1f}x faster"
    )
    return index


def latency_rows(index: NeighbourhoodIndex, queries: int, rng) -> None:
    g = index.graph
    nodes = rng.integers(0, g.n_nodes, queries)
    index.similar(int(nodes[0]))
    times = []
    for node in nodes:
        started = time.perf_counter()
        index.similar(int(node), k=10)
        times.append(time.perf_counter() - started)
    p50, p99 = np.percentile(np.asarray(times) * 1e3, [50, 99])
    print(f"\nsimilar(k=10), {queries} random nodes: p50 {p50:.2f} ms, p99 {p99:.2f} ms")
    times, f1s = [], []
    for _ in range(max(20, queries // 20)):
        block = int(rng.integers(0, g.n_nodes // BLOCK))
        truth = np.arange(block * BLOCK, (block + 1) * BLOCK)
        seeds = rng.choice(truth, 10, replace=False)
        started = time.perf_counter()
        community = index.expand(seeds)
        times.append(time.perf_counter() - started)
        found = np.asarray(community.members["node"], dtype=np.int64)
        overlap = len(np.intersect1d(found, truth))
        f1s.append(2 * overlap / (len(found) + len(truth)))
    p50, p99 = np.percentile(np.asarray(times) * 1e3, [50, 99])
    print(
        f"expand(10 seeds), {len(times)} blocks: p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
        f"median F1 vs block {np.median(f1s):.3f}"
    )


def recall_rows(index: NeighbourhoodIndex, queries: int, rng) -> None:
    g = index.graph
    nodes = rng.choice(g.n_nodes, queries, replace=False)
    closed = (g.to_scipy() != 0).astype(np.float32) + sp.identity(g.n_nodes, format="csr")
    closed = (closed != 0).astype(np.float32).tocsr()
    sizes = np.asarray(closed.sum(axis=1)).ravel()
    shared = (closed[nodes] @ closed.T).tocsr()
    banded = {
        "ours (recall banding)": index.lsh,
        "datasketch default banding": MinHashLSH(
            THRESHOLD, NUM_PERM, params=datasketch_banding(THRESHOLD, NUM_PERM)
        ),
    }
    banded["datasketch default banding"].insert(np.arange(g.n_nodes), index.signatures)
    print(f"\nrecall of pairs with exact Jaccard >= {THRESHOLD}, {queries} sampled nodes")
    for name, lsh in banded.items():
        true_pairs = found_pairs = n_candidates = good_candidates = 0
        for row, node in enumerate(nodes):
            others = shared.indices[shared.indptr[row] : shared.indptr[row + 1]]
            common = shared.data[shared.indptr[row] : shared.indptr[row + 1]]
            jaccard = common / (sizes[node] + sizes[others] - common)
            truth = set(others[(jaccard >= THRESHOLD) & (others != node)].tolist())
            candidates = set(lsh.query(index.signatures[node]).tolist()) - {int(node)}
            exact = dict(zip(others.tolist(), jaccard.tolist()))
            true_pairs += len(truth)
            found_pairs += len(truth & candidates)
            n_candidates += len(candidates)
            good_candidates += sum(exact.get(c, 0.0) >= THRESHOLD for c in candidates)
        recall = found_pairs / max(true_pairs, 1)
        before = good_candidates / max(n_candidates, 1)
        print(
            f"  {name:<28} bands {lsh.bands:>3} x {lsh.rows:<2} recall {recall:.3f}  "
            f"candidate precision {before:.3f} -> 1.000 after exact re-rank "
            f"({true_pairs} true pairs, {n_candidates / queries:.1f} candidates per query)"
        )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nodes", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--sample", type=int, default=20_000, help="datasketch sample size")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(3)
    g = clustered_graph(args.nodes)
    print(f"graph: {g}")
    minhash_signatures(g.indptr[:2], g.indices, NUM_PERM)  # compile outside the timings
    sample = rng.choice(g.n_nodes, min(args.sample, g.n_nodes), replace=False)
    signature_rows(g, sample)
    index = build_rows(g, sample)
    latency_rows(index, args.queries, rng)
    recall_rows(index, args.queries, rng)


if __name__ == "__main__":
    main()
