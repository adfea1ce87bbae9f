"""How good ``ppr_batch``'s top-k lists are, and what they cost: top-k rounds against
the whole-vector query, both against exact scores.

Run ``python -m benchmarks.ppr_top_k STORE [--sources 32] [--top-k 100] [--index]`` on
any graph store (or edge-list file) of at least
``engine.pagerank.top_k.TOP_K_MIN_ENTRIES`` entries, where ``ppr_batch`` runs top-k
rounds by default. The sources are drawn (seeded) from the nodes with edges.
``--index`` also builds a ``PPRIndex`` (its build time printed) and measures its
``query_batch`` both ways.

For each way of querying it prints the wall seconds a source and, against a block
power iteration to ``tol=1e-9`` (kept to ``10 * top_k`` scores a source):

- ``precision``: the share of the returned nodes that are in the exact top k
  (mean and least over the sources). On graphs whose scores near the k-th are
  flat (R-MAT: ranks 50 to 150 within 12%), noise far below ``eps`` swaps
  nodes across the k-th, so this alone understates a list's quality;
- ``worst / k-th``: the least exact score of a returned node over the exact k-th
  score (least and median over the sources): 1 when every returned node is as
  good as the k-th; FORA's top-k guarantee holds it at ``(1 - eps) / (1 + eps)``
  or more with probability ``1 - delta``;
- ``mass``: the exact scores of the returned nodes summed, over those of the
  exact top k (least over the sources).

The exact run costs the most (about 30 s a source on a 100M-edge graph, 2 cores:
16 minutes for the default 32 sources). Fewer sources are too few to compare runs
by: on the 100M-edge R-MAT the mean precision of 8 sources moved between 0.84 and
0.93 from one draw to the next.

Examples
--------
>>> import numpy as np, pandas as pd
>>> exact = pd.DataFrame({"source": [0] * 4, "node": [1, 2, 3, 4], "score": [.4, .3, .2, .1]})
>>> got = pd.DataFrame({"source": [0, 0], "node": [1, 3], "score": [.4, .25]})
>>> {name: np.round(v, 3).tolist() for name, v in list_quality(got, exact, [0], 2).items()}
{'precision': [0.5], 'worst / k-th': [0.667], 'mass': [0.857]}
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

import engine


def list_quality(got: pd.DataFrame, exact: pd.DataFrame, sources, top_k: int) -> dict:
    """Per source: precision, least returned exact score over the k-th, and mass ratio
    of the ``got`` lists against ``exact`` (which must hold at least ``top_k`` scores a
    source; a returned node beyond its rows counts as scoring 0)."""
    quality: dict[str, list[float]] = {"precision": [], "worst / k-th": [], "mass": []}
    for source in sources:
        scores = exact[exact.source == source].set_index("node")["score"]
        scores = scores.sort_values(ascending=False)
        returned = got[got.source == source].node.to_numpy()
        returned_exact = scores.reindex(returned).fillna(0.0).to_numpy()
        top = scores.iloc[:top_k]
        quality["precision"].append(len(set(returned) & set(top.index)) / top_k)
        quality["worst / k-th"].append(float(returned_exact.min() / top.iloc[-1]))
        quality["mass"].append(float(returned_exact.sum() / top.sum()))
    return quality


def _without_rounds(run):
    """``run()`` with top-k rounds off (the index has no threshold to pass)."""
    from engine.pagerank import top_k

    kept = top_k.TOP_K_MIN_ENTRIES
    top_k.TOP_K_MIN_ENTRIES = 1 << 62
    try:
        return run()
    finally:
        top_k.TOP_K_MIN_ENTRIES = kept


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("graph", help="a graph store (.gwb) or an edge-list file")
    parser.add_argument("--sources", type=int, default=32)
    parser.add_argument("--top-k", type=int, default=100)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--index", action="store_true", help="also PPRIndex.query_batch")
    args = parser.parse_args(argv)

    g = engine.load(args.graph)
    with_edges = np.flatnonzero(np.diff(g.indptr) > 0)
    rng = np.random.default_rng(args.seed)
    sources = g.labels_of(rng.choice(with_edges, args.sources + 1, replace=False)).tolist()
    warm, sources = sources[:1], sources[1:]
    started = time.perf_counter()
    exact = engine.ppr_batch(g, sources, method="exact", tol=1e-9, top_k=10 * args.top_k)
    print(f"exact: {(time.perf_counter() - started) / len(sources):.1f} s a source")
    engine.ppr_batch(g, warm, seed=1, top_k=args.top_k)  # compile outside the timing
    ways = {
        "ppr_batch, top-k rounds (default)": lambda: engine.ppr_batch(
            g, sources, seed=1, top_k=args.top_k
        ),
        "ppr_batch, whole vector (threshold=1/n)": lambda: engine.ppr_batch(
            g, sources, seed=1, top_k=args.top_k, threshold=1 / g.n_nodes
        ),
    }
    if args.index:
        started = time.perf_counter()
        index = engine.PPRIndex.build(g, seed=1, max_seconds=None)
        print(f"PPRIndex.build: {time.perf_counter() - started:.1f} s")
        index.query_batch(warm, top_k=args.top_k)
        ways["PPRIndex.query_batch, top-k rounds (default)"] = lambda: index.query_batch(
            sources, top_k=args.top_k
        )
        ways["PPRIndex.query_batch, whole vector"] = lambda: _without_rounds(
            lambda: index.query_batch(sources, top_k=args.top_k)
        )
    for name, run in ways.items():
        started = time.perf_counter()
        got = run()
        seconds = (time.perf_counter() - started) / len(sources)
        quality = list_quality(got, exact, sources, args.top_k)
        print(
            f"{name}: {seconds:.2f} s a source; precision mean "
            f"{np.mean(quality['precision']):.3f}, least {min(quality['precision']):.2f}; "
            f"worst / k-th least {min(quality['worst / k-th']):.3f}, median "
            f"{np.median(quality['worst / k-th']):.3f}; mass least {min(quality['mass']):.5f}"
        )


if __name__ == "__main__":
    main()
