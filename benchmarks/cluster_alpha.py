"""Whether a teleport probability other than 0.15 helps ``local_cluster`` (issue #21).

Run ``python -m benchmarks.cluster_alpha [--seeds N]``: median (mean) F1 and median
milliseconds of ``local_cluster(g, seed, alpha=a)``, all else at its defaults, for a
few values of ``a`` on the graphs of :mod:`benchmarks.cluster`, same seeds for all.

At the time of writing (60 seeds each) no single value wins everywhere: 0.05 is best
on email-Eu-core, 0.15 on sfld, 0.25 on the fresh LFR graph, and the rest tie, so
the default stays at 0.15 (localgraphclustering's and networkit's PageRankNibble's)
and there is no ``alpha="auto"``.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from benchmarks.cluster import f1_score
from benchmarks.cluster_graphs import GRAPHS
from engine import local_cluster

ALPHAS = (0.05, 0.1, 0.15, 0.25)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=60)
    args = parser.parse_args(argv)
    for name, build in GRAPHS.items():
        case = build()
        if case is None:
            print(f"{name}: data set not on this machine, skipped")
            continue
        graph = case.graph
        rng = np.random.default_rng(0)
        seeds = rng.choice(case.eligible, size=min(args.seeds, case.eligible.size), replace=False)
        f1 = {alpha: [] for alpha in ALPHAS}
        ms = {alpha: [] for alpha in ALPHAS}
        for seed in seeds:
            for alpha in ALPHAS:  # alternate values seed by seed: drift falls on all alike
                start = time.perf_counter()
                found = local_cluster(graph, graph.label(int(seed)), alpha=alpha).node_ids
                ms[alpha].append(1e3 * (time.perf_counter() - start))
                f1[alpha].append(f1_score(np.unique(found), case.truth(int(seed))))
        cells = [
            f"a {alpha}: F1 {statistics.median(f1[alpha]):.3f} ({np.mean(f1[alpha]):.3f}) "
            f"{statistics.median(ms[alpha]):.1f} ms"
            for alpha in ALPHAS
        ]
        print(f"{name:8s} " + " | ".join(cells), flush=True)


if __name__ == "__main__":
    main()
