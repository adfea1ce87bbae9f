"""The peers of :mod:`benchmarks.cluster`: networkit's ``scd`` algorithms in this
process and localgraphclustering in its own Python (see the docstring there for
how to build it).

Every peer runs at its own defaults. Where a constructor has no default the
choice is written next to it in :func:`networkit_peers` and in the row's name.

Examples
--------
>>> import engine
>>> g = engine.sample("karate")
>>> peers = networkit_peers(g)
>>> found = peers["nk TCE"](0)
>>> bool(0 in found.tolist())
True
"""

from __future__ import annotations

import os
import pickle
import subprocess
import tempfile
from collections.abc import Callable

import numpy as np

from loaders import Graph

LGC_PYTHON = os.environ.get("GWB_LGC_PYTHON", "/tmp/lgc-venv/bin/python")
# localgraphclustering 0.6.1's spectral_clustering(method="acl") defaults: alpha 0.15,
# rho 1e-6 (and iterations 1e5, timeout 100 s). Nothing is passed, so the rows are
# exactly its defaults; MQI is its own lgc.MQI refinement.
LGC_METHODS = {"lgc ACL (defaults)": {}, "lgc ACL+MQI (defaults)": {"mqi": True}}
# Names of rows that are told the truth and so are shown but never ranked as a peer.
ORACLES = ("nk RandomBFS (true sizes)",)


def to_networkit(g: Graph):
    """``g`` as an undirected, unweighted networkit graph on the same ids (no self-loops)."""
    import networkit as nk

    graph = nk.Graph(g.n_nodes, weighted=False, directed=False)
    src = np.repeat(np.arange(g.n_nodes), np.diff(g.indptr))
    keep = src < g.indices  # each undirected edge once, self-loops dropped
    graph.addEdges((src[keep].astype(np.uint64), g.indices[keep].astype(np.uint64)))
    return graph


def networkit_peers(
    g: Graph, communities: list[np.ndarray] | None = None
) -> dict[str, Callable[[int], np.ndarray]]:
    """Every ``networkit.scd`` detector that finds a community from one seed.

    ``communities`` (the true ones) is only for RandomBFS, a baseline that is told
    the size of the seed's true community: it is shown, never ranked as a peer.
    Left out: ``ApproximatePageRank`` (a PPR vector, no cluster), ``CombinedSCD``
    (a combinator of two other detectors), ``SelectiveCommunityDetector`` (the base
    class) and the evaluation classes.
    """
    import networkit as nk

    graph = to_networkit(g)
    scd = nk.scd
    algorithms = {
        # No defaults in networkit: alpha 0.1 and epsilon 1e-4, a common choice.
        "nk PageRankNibble (a .1, eps 1e-4; no defaults)": scd.PageRankNibble(graph, 0.1, 1e-4),
        "nk LocalTightnessExpansion": scd.LocalTightnessExpansion(graph),
        "nk LocalT": scd.LocalT(graph),
        # GCE's quality function has no default: both documented values.
        "nk GCE (M; no default)": scd.GCE(graph, "M"),
        "nk GCE (L; no default)": scd.GCE(graph, "L"),
        "nk LFMLocal": scd.LFMLocal(graph),
        "nk TCE": scd.TCE(graph),
        "nk TwoPhaseL": scd.TwoPhaseL(graph),
        "nk CliqueDetect": scd.CliqueDetect(graph),
    }
    if communities is not None:
        cover = nk.Cover(g.n_nodes)
        cover.setUpperBound(len(communities))
        for k, members in enumerate(communities):
            for node in members.tolist():
                cover.addToSubset(k, node)
        algorithms[ORACLES[0]] = scd.RandomBFS(graph, cover)

    def wrap(algorithm):
        return lambda s: np.fromiter(algorithm.expandOneCommunity(s), dtype=np.int64)

    return {name: wrap(algorithm) for name, algorithm in algorithms.items()}


# Runs in localgraphclustering's own Python. Input: an npz with either the CSR
# (indptr, indices) or the path of an edge list to read with lgc's own reader, the
# seeds and the methods. Each method is warmed up once, then every call is timed
# alone; the clusters (lgc's ids) and lgc's own conductance go back in a pickle.
LGC_WORKER = """
import pickle, sys, time
import numpy as np, scipy.sparse as sp
import localgraphclustering as lgc
data = np.load(sys.argv[1])
methods = pickle.loads(bytes.fromhex(sys.argv[3]))
if "edgelist" in data:
    G = lgc.GraphLocal(str(data["edgelist"]), "edgelist", "\\t")
else:
    n = data["indptr"].size - 1
    adjacency = sp.csr_matrix(
        (np.ones(data["indices"].size), data["indices"], data["indptr"]), (n, n))
    G = lgc.GraphLocal.from_sparse_adjacency(adjacency)
seeds = data["seeds"].tolist()
out = {}
for name, options in methods.items():
    options = dict(options)
    refine = lgc.MQI if options.pop("mqi", False) else None
    def run(s):
        found = lgc.spectral_clustering(G, [int(s)], method="acl", refine=refine, **options)
        return np.asarray(found[0], dtype=np.int64), float(found[1])
    run(seeds[0])
    clusters, own, seconds = [], [], []
    for k, s in enumerate(seeds):
        started = time.perf_counter()
        cluster, phi = run(s)
        seconds.append(time.perf_counter() - started)
        clusters.append(cluster)
        own.append(phi)
        if k == 4 and sum(seconds) / len(seconds) > float(sys.argv[4]):
            break
    out[name] = (clusters, own, seconds)
with open(sys.argv[2], "wb") as f:
    pickle.dump(out, f)
"""


def localgraphclustering_status() -> str:
    """Why localgraphclustering is skipped, or that it runs (and in which Python)."""
    if not os.path.exists(LGC_PYTHON):
        return f"localgraphclustering skipped: no Python at {LGC_PYTHON} (see the module doc)"
    probe = subprocess.run(
        [LGC_PYTHON, "-c", "import localgraphclustering"], capture_output=True, text=True
    )
    if probe.returncode != 0:
        last = probe.stderr.strip().splitlines()[-1:] or ["?"]
        return f"localgraphclustering skipped: import fails in {LGC_PYTHON} ({last[0]})"
    return f"localgraphclustering 0.6.1 runs in {LGC_PYTHON}, one subprocess per graph"


def run_localgraphclustering(
    seeds: np.ndarray,
    slow_s: float,
    graph: Graph | None = None,
    edgelist: str | None = None,
    methods: dict | None = None,
) -> dict[str, tuple[list[np.ndarray], list[float], list[float]]]:
    """Run lgc's ACL (+MQI) in its own Python on ``graph``'s CSR or on ``edgelist``
    (read by lgc's reader, so its ids are the file's). Returns, per method, the
    clusters, lgc's own conductance of each and the seconds of each call; a method
    whose first five seeds average over ``slow_s`` stops there."""
    with tempfile.TemporaryDirectory() as folder:
        graph_file = os.path.join(folder, "graph.npz")
        out_file = os.path.join(folder, "out.pkl")
        if edgelist is not None:
            np.savez(graph_file, edgelist=np.array(edgelist), seeds=seeds)
        else:
            np.savez(graph_file, indptr=graph.indptr, indices=graph.indices, seeds=seeds)
        methods = LGC_METHODS if methods is None else methods
        worker = [LGC_PYTHON, "-c", LGC_WORKER, graph_file, out_file]
        done = subprocess.run(
            [*worker, pickle.dumps(methods).hex(), str(slow_s)],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            # lgc warns a lot on stderr; only a failure's last lines are worth showing.
            tail = "\n".join(done.stderr.strip().splitlines()[-5:])
            raise RuntimeError(f"localgraphclustering's worker failed:\n{tail}")
        with open(out_file, "rb") as f:
            return pickle.load(f)
