"""What :meth:`engine.NeighbourhoodIndex.build` will cost, before it runs: seconds, bytes.

The build hashes every neighbourhood ``num_perm`` times (per CSR entry, and per node
with ``include_self``: :data:`NEIGHBOURHOOD_NS` ``"entry hashes"``), writes each
node's signature (``"node hashes"``), then radix-sorts each of the ``bands`` LSH
bands (``"band rows"``, per node and band; the band count follows from
``threshold``, ``num_perm`` and ``recall``, :func:`sketches.lsh.recall_banding`).

Examples
--------
>>> import engine
>>> g = engine.sample("karate")
>>> e = neighbourhood_index_estimate(g, num_perm=64)
>>> e.seconds < 0.1, e.basis["bands"] > 0
(True, True)
"""

from __future__ import annotations

from engine.long_run import (
    CORE_CACHE_BYTES,
    LONG_RUN_SECONDS,
    SHARED_CACHE_BYTES,
    Estimate,
    parallel_threads,
    priced,
    speedup,
)
from loaders import Graph
from sketches.lsh import recall_banding

__all__ = ["NEIGHBOURHOOD_NS", "neighbourhood_index_estimate", "neighbourhood_index_memory"]

#: Nanoseconds of one core per count of :func:`neighbourhood_index_estimate`'s basis;
#: fitted (non-negative least squares of the relative error, one thread, CPU time,
#: least of 3 runs) on the benchmark graphs, bench-data's 10M-edge rmat-20-10 and the
#: 100M-edge R-MAT (one run), after the band sort got 1.3x faster (issue #28).
NEIGHBOURHOOD_NS = {
    "entry hashes": 0.057,
    "node hashes": 5.47,
    "band rows": 0.0,
    "missed band rows": 2.32,
    "far band rows": 102.0,
}
#: How close the fit came (estimate / one-thread CPU time): 0.95 (R-MAT scale 15) to
#: 1.12 (email-Eu-core, 2 ms) on the benchmark graphs, 1.01 on rmat-20-10 and 1.00 on
#: the 100M-edge R-MAT (14.3 s of one core). With 128 permutations the bands are 42
#: a node, so node hashes and band rows are one column of the fit: the per-node cost
#: sits in "node hashes", and "band rows" came out at zero. The radix sort's cost
#: past the core's cache is small ("missed band rows"); past the shared cache
#: ("far band rows") it is set by the 100M-edge R-MAT alone, whose bands' 69 MB of
#: keys a thread scatter and re-read from memory, and whose CPU time includes
#: zeroing the 0.72 GB of orders (about 1.5 CPU-s on this machine class).
NEIGHBOURHOOD_FIT = (0.95, 1.12)
#: A build's fixed cost (checks, banding, the LSH object), seconds.
NEIGHBOURHOOD_OVERHEAD_SECONDS = 1e-3
#: Bytes of one signature value (datasketch's affine32 scheme, the default).
SIGNATURE_BYTES = 4


def neighbourhood_index_memory(
    g: Graph, num_perm: int = 128, bands: int | None = None, threads: int = 1
) -> int:
    """Peak bytes of :meth:`engine.NeighbourhoodIndex.build` above the graph.

    The signatures (``n × num_perm`` values of 4 bytes, written in the columns the
    bands are sorted from), one order per band (4 bytes per node), and per sorting
    thread four uint64 scratch rows and a spare order (36 bytes per node). Priced for
    the CPU: a GPU's signatures come back row by row, and the band columns copied out
    of them a block at a time add a third of their size.

    >>> import engine
    >>> neighbourhood_index_memory(engine.sample("karate")) >= 34 * 128 * 4
    True
    """
    n, num_perm = int(g.n_nodes), int(num_perm)
    if bands is None:
        bands = recall_banding(0.5, num_perm, 0.95)[0]
    signatures = SIGNATURE_BYTES * n * num_perm
    return int(signatures + 4 * n * bands + 36 * n * int(threads))


def neighbourhood_index_estimate(
    g: Graph,
    num_perm: int = 128,
    threshold: float = 0.5,
    include_self: bool = True,
    seed: int | None = 1,
    *,
    recall: float = 0.95,
    device: str = "auto",
    client=None,
    progress=None,
    max_seconds: float | None = LONG_RUN_SECONDS,
) -> Estimate:
    """Time and memory of :meth:`engine.NeighbourhoodIndex.build` with these parameters.

    Priced for the CPU signatures (on a GPU they are faster; the bands sort on the
    CPU either way).

    Returns
    -------
    Estimate
        ``work``: twice the bands (what ``progress`` counts); ``basis``: ``nodes``,
        ``entries``, ``num_perm``, ``bands``, ``rows`` and the counts priced.
    """
    num_perm = int(num_perm)
    bands, rows = recall_banding(float(threshold), num_perm, recall)
    n, nnz = int(g.n_nodes), int(g.nnz)
    counts = {
        "entry hashes": (nnz + (n if include_self else 0)) * num_perm,
        "node hashes": n * num_perm,
        "band rows": n * bands,
        # a band's radix sort moves 16 bytes a row (key and order) at random once the
        # band outgrows the core's cache
        "missed band rows": n * bands * max(0.0, 1.0 - CORE_CACHE_BYTES / max(16 * n, 1)),
        "far band rows": n * bands * max(0.0, 1.0 - SHARED_CACHE_BYTES / max(16 * n, 1)),
    }
    threads = parallel_threads(n + nnz)
    seconds = NEIGHBOURHOOD_OVERHEAD_SECONDS + priced(counts, NEIGHBOURHOOD_NS) / speedup(threads)
    return Estimate(
        what=f"NeighbourhoodIndex.build(num_perm={num_perm}) on {n:,} nodes, {nnz:,} entries",
        seconds=seconds,
        bytes=neighbourhood_index_memory(g, num_perm, bands, threads),
        threads=threads,
        work=2 * bands,
        basis={
            "nodes": n,
            "entries": nnz,
            "num_perm": num_perm,
            "bands": bands,
            "rows": rows,
            **counts,
        },
    )
