"""Local clustering quality and speed: ours vs networkit's local community detection, same seeds.

Run ``python -m benchmarks.cluster [--seeds N] [--graphs planted lfr email ...]``.

For every graph with ground truth, ``--seeds`` random seeds (nodes whose true
community has at least 5 members) are given to every method in one process.
Each row reports, over those seeds, the mean and median F1 of the found set
against the seed's true community, the mean conductance of the found set
(computed the same way for everyone, :func:`engine.conductance.set_conductance`),
the mean size, and the median and mean milliseconds per seed of single calls
(after one warm-up call). The methods in this process take turns seed by seed,
so load from other processes falls on all of them alike; speed ratios use the
medians. localgraphclustering runs in its own process after ours.
Conductance and F1 are shown together: a method that returns half the graph
gets a good conductance and a bad F1, one that returns the seed alone the
reverse. The ratio table compares each of our methods with each peer whose F1
is within 0.1 of the best peer's: F1 and conductance differences, the speed
ratio (peer ms / our ms, single calls) and whether the issue's target (at least
the peer's F1 and conductance at twice its speed) is met. Our rows: the ACL push
and hk-relax at their defaults and at settings found on these graphs, and the
least-conductance cluster of a small grid per seed (what a user without ground
truth can choose by; never chosen by F1). Below the table, the throughput of
``local_cluster_batch`` over all seeds at once, reported apart from the
single-call times that the peers are compared with.

Graphs: a planted partition (100,000 nodes, about 760,000 edges, blocks of 100,
mixing 0.3, built here with a vectorised generator and cached in the bench
folder), an LFR graph from networkit (10,000 nodes, mu 0.3), the bundled
``planted`` sample, email-Eu-core with its departments and the lgc-* graphs
with ground truth (ppi-mips complexes, sfld families) from ``../shared/datasets``.

localgraphclustering runs in a separate Python (``$GWB_LGC_PYTHON``, default
``/tmp/lgc-venv/bin/python``) in a subprocess that gets the graph and the same
seeds and times each call itself: the wheel of 0.6.1 on PyPI ships a
``libgraph.so`` without ``MQI_weighted64`` and does not import, and the package
needs NumPy < 2, so it cannot share this environment. To build that Python::

    python -m venv /tmp/lgc-venv
    /tmp/lgc-venv/bin/pip install "numpy<2" "scipy<1.14" "networkx<3.4" "pandas<2.3" \
        "matplotlib<3.10" scikit-learn plotly
    pip download localgraphclustering==0.6.1 --no-deps --no-binary :all: -d /tmp/lgc-src
    cd /tmp/lgc-src && tar xzf localgraphclustering-0.6.1.tar.gz
    cd localgraphclustering-0.6.1/localgraphclustering/src/lib
    find . -name "*.o" -delete && (cd graph_lib_test && make libgraph.so)
    echo /tmp/lgc-src/localgraphclustering-0.6.1 \
        > /tmp/lgc-venv/lib/python3.11/site-packages/lgc-src.pth

Without it the first line of the output says why it was skipped.
"""

from __future__ import annotations

import argparse
import os
import pickle
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

import engine
from benchmarks.common import bench_dir
from engine.cluster import local_cluster, local_cluster_batch
from engine.conductance import set_conductance
from loaders import Graph, open_store

SHARED = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "datasets")
MIN_COMMUNITY = 5
# A peer whose warm-up seeds average more than this is stopped early (and marked).
SLOW_PEER_S = 0.5


@dataclass
class Case:
    name: str
    graph: Graph
    truth: Callable[[int], np.ndarray]  # seed id -> ids of its true community
    eligible: np.ndarray  # seed ids whose community has >= MIN_COMMUNITY members


# ------------------------------------------------------------------ graphs


def planted_equal_blocks(n_blocks: int, block: int, p_in: float, p_out: float, seed: int):
    """A planted partition with equal blocks, vectorised: pairs inside blocks are drawn
    all at once, pairs between blocks as uniform random pairs (repeats merge)."""
    rng = np.random.default_rng(seed)
    first, second = np.triu_indices(block, 1)
    chosen = rng.random((n_blocks, first.size)) < p_in
    blocks, pairs = np.nonzero(chosen)
    n = n_blocks * block
    between = rng.binomial(n * (n - block) // 2, p_out)
    u = rng.integers(0, n, int(between * 1.05) + 16)
    v = rng.integers(0, n, u.size)
    apart = (u // block) != (v // block)
    src = np.concatenate([blocks * block + first[pairs], u[apart][:between]])
    dst = np.concatenate([blocks * block + second[pairs], v[apart][:between]])
    graph = Graph.from_edges(src, dst, n_nodes=n, name=f"planted-{n}")
    return graph.with_attributes(community=np.arange(n) // block)


def partition_case(name: str, graph: Graph, membership: np.ndarray) -> Case:
    membership = np.asarray(membership)
    _, inverse, counts = np.unique(membership, return_inverse=True, return_counts=True)
    members = {k: np.flatnonzero(inverse == k) for k in range(counts.size)}
    eligible = np.flatnonzero(counts[inverse] >= MIN_COMMUNITY)
    eligible = eligible[np.diff(graph.indptr)[eligible] > 0]
    return Case(name, graph, lambda s: members[inverse[s]], eligible)


def planted_100k() -> Case:
    path = bench_dir() / "planted-100k-b100-mix0.3.gwb"
    if not path.exists():
        mixing, degree = 0.3, 15.2
        planted_equal_blocks(
            1000, 100, degree * (1 - mixing) / 99, degree * mixing / 99_900, seed=1
        ).save(path)
    g = open_store(path)
    return partition_case("planted 100k (blocks of 100)", g, g.attributes["community"])


def lfr() -> Case | None:
    import networkit as nk

    nk.setSeed(7, False)
    generator = nk.generators.LFRGenerator(10_000)
    generator.generatePowerlawDegreeSequence(20, 50, -2)
    generator.generatePowerlawCommunitySizeSequence(20, 100, -1)
    generator.setMu(0.3)
    generator.run()
    graph = generator.getGraph()
    src, dst = [], []
    for u, v in graph.iterEdges():
        src.append(u)
        dst.append(v)
    g = Graph.from_edges(src, dst, n_nodes=graph.numberOfNodes(), name="lfr-10k")
    return partition_case("LFR 10k (mu 0.3)", g, generator.getPartition().getVector())


def bundled_planted() -> Case:
    g = engine.sample("planted")
    return partition_case("bundled planted (blocks of 500)", g, g.attributes["community"])


def email() -> Case | None:
    folder = os.path.join(SHARED, "email-eu-core")
    if not os.path.exists(folder):
        return None
    g = engine.load(os.path.join(folder, "email-Eu-core.txt"), directed=False, self_loops="drop")
    table = np.loadtxt(os.path.join(folder, "email-Eu-core-department-labels.txt"), dtype=int)
    membership = np.full(g.n_nodes, -1)
    membership[g.node_ids(table[:, 0])] = table[:, 1]
    return partition_case("email-Eu-core departments", g, membership)


def ppi_mips() -> Case | None:
    folder = os.path.join(SHARED, "lgc-ppi-mips")
    if not os.path.exists(folder):
        return None
    g = engine.load(os.path.join(folder, "ppi_mips.graphml"))
    complexes: dict[str, list[int]] = {}
    with open(os.path.join(folder, "ppi_mips_ground_truth.csv")) as lines:
        for line in lines:
            protein, rest = line.rstrip("\n").split("\t")
            complexes.setdefault(rest.rsplit(":", 1)[0], []).append(g.node_id(protein))
    # Overlapping: a protein's truth is the largest of its complexes.
    best: dict[int, np.ndarray] = {}
    for ids in complexes.values():
        ids = np.unique(ids)
        for node in ids.tolist():
            if node not in best or ids.size > best[node].size:
                best[node] = ids
    eligible = np.array(sorted(n for n, ids in best.items() if ids.size >= MIN_COMMUNITY))
    return Case("lgc ppi-mips complexes", g, best.__getitem__, eligible)


def sfld() -> Case | None:
    folder = os.path.join(SHARED, "lgc-sfld-amidohydrolases")
    if not os.path.exists(folder):
        return None
    stem = "sfld_brown_et_al_amidohydrolases_protein_similarities_for_beh"
    # Read with networkx: engine.load gives this file's nodes non-unique labels (a loader
    # issue noted separately), and the benchmark must not depend on it.
    import networkx as nx

    reference = nx.read_graphml(os.path.join(folder, f"{stem}.graphml")).to_undirected()
    edges = [(u, v) for u, v in reference.edges() if u != v]
    g = Graph.from_edges([u for u, _ in edges], [v for _, v in edges], nodes=list(reference))
    membership = np.full(g.n_nodes, "", dtype=object)
    with open(os.path.join(folder, f"{stem}_ground_truth.csv")) as lines:
        for line in lines:
            node, family = line.rstrip("\n").split("\t")
            membership[g.node_id(node)] = family.strip()
    return partition_case("lgc sfld families", g, membership.astype(str))


GRAPHS = {
    "planted": planted_100k,
    "lfr": lfr,
    "bundled": bundled_planted,
    "email": email,
    "ppi": ppi_mips,
    "sfld": sfld,
}


# ------------------------------------------------------------------ methods


# What a user without ground truth can tune by: the grid whose least-conductance
# cluster is kept per seed (never chosen by F1).
GRID = (
    {"method": "heat", "t": 10.0, "eps": 1e-3},
    {"method": "heat", "t": 20.0, "eps": 3e-3},
    {"method": "ppr", "alpha": 0.05, "eps": 1e-4, "refine": "mqi"},
    {"method": "ppr", "alpha": 0.15, "eps": 1e-5, "refine": "mqi"},
)
OURS = {
    "gwb ppr (a .15, eps 1e-4)": {"method": "ppr"},
    "gwb ppr+MQI (a .05, eps 1e-4)": {"method": "ppr", "alpha": 0.05, "refine": "mqi"},
    "gwb ppr+MQI (a .15, eps 1e-5)": {"method": "ppr", "eps": 1e-5, "refine": "mqi"},
    "gwb heat (t 10, eps 1e-3)": {"method": "heat", "t": 10.0, "eps": 1e-3},
    "gwb heat (t 20, eps 3e-3)": {"method": "heat", "t": 20.0, "eps": 3e-3},
    # Chosen on a disjoint draw of 100 seeds (rng 1, not the tables' rng 0) by mean F1
    # over planted 100k and LFR, among heat t 15/20/25 at eps 2e-3..4e-3, with and
    # without MQI: 0.990 there, against 0.986 for t 20 / eps 3e-3 + MQI.
    "gwb heat+MQI (t 15, eps 3e-3)": {
        "method": "heat",
        "t": 15.0,
        "eps": 3e-3,
        "refine": "mqi",
    },
}


def ours(g: Graph) -> dict[str, Callable[[int], np.ndarray]]:
    def run(**options):
        return lambda s: local_cluster(g, g.label(s), **options).node_ids

    def least_conductance(s):
        found = [local_cluster(g, g.label(s), **options) for options in GRID]
        return min(found, key=lambda cluster: cluster.conductance).node_ids

    methods = {name: run(**options) for name, options in OURS.items()}
    methods[f"gwb least cond. of {len(GRID)} (heat, ppr+MQI)"] = least_conductance
    return methods


def batch_throughput(case: Case, seeds: np.ndarray, workers: int) -> None:
    """Milliseconds per seed of :func:`local_cluster_batch` over all seeds at once."""
    labels = [case.graph.label(s) for s in seeds.tolist()]
    for name in ("gwb ppr (a .15, eps 1e-4)", "gwb heat (t 20, eps 3e-3)"):
        options = OURS[name]
        local_cluster_batch(case.graph, labels[:2], workers=workers, **options)
        times = []
        for _ in range(3):
            started = time.perf_counter()
            local_cluster_batch(case.graph, labels, workers=workers, **options)
            times.append(time.perf_counter() - started)
        per_seed = 1e3 * statistics.median(times) / len(labels)
        print(f"  batch, {workers} threads: {name[4:]:<32} {per_seed:>7.3f} ms per seed")


def networkit_peers(g: Graph) -> dict[str, Callable[[int], np.ndarray]]:
    import networkit as nk

    graph = nk.Graph(g.n_nodes, weighted=False, directed=False)
    table = g.edges()
    src = g.node_ids(table["source"]) if not g.has_identity_labels else table["source"]
    dst = g.node_ids(table["target"]) if not g.has_identity_labels else table["target"]
    for u, v in zip(np.asarray(src).tolist(), np.asarray(dst).tolist(), strict=True):
        if u != v:
            graph.addEdge(u, v)
    scd = nk.scd
    algorithms = {
        "nk PageRankNibble (a .1, eps 1e-4)": scd.PageRankNibble(graph, 0.1, 1e-4),
        "nk PageRankNibble (a .01, eps 1e-5)": scd.PageRankNibble(graph, 0.01, 1e-5),
        "nk LocalTightnessExpansion": scd.LocalTightnessExpansion(graph),
        "nk GCE (M)": scd.GCE(graph, "M"),
        "nk LFMLocal": scd.LFMLocal(graph),
        "nk TCE": scd.TCE(graph),
        "nk TwoPhaseL": scd.TwoPhaseL(graph),
    }

    def wrap(algorithm):
        return lambda s: np.fromiter(algorithm.expandOneCommunity(s), dtype=np.int64)

    return {name: wrap(algorithm) for name, algorithm in algorithms.items()}


LGC_PYTHON = os.environ.get("GWB_LGC_PYTHON", "/tmp/lgc-venv/bin/python")
LGC_METHODS = {
    "lgc ACL (a .01, rho 1e-5)": {"alpha": 0.01, "rho": 1e-5},
    "lgc ACL (a .15, rho 1e-4)": {"alpha": 0.15, "rho": 1e-4},
    "lgc ACL+MQI (a .01, rho 1e-5)": {"alpha": 0.01, "rho": 1e-5, "mqi": True},
}
# Runs in localgraphclustering's own Python: reads the CSR and the seeds, times each
# call (after one warm-up call) and writes the clusters back, all ids.
LGC_WORKER = """
import pickle, sys, time
import numpy as np, scipy.sparse as sp
import localgraphclustering as lgc
data = np.load(sys.argv[1])
methods = pickle.loads(bytes.fromhex(sys.argv[3]))
n = data["indptr"].size - 1
adjacency = sp.csr_matrix((np.ones(data["indices"].size), data["indices"], data["indptr"]), (n, n))
G = lgc.GraphLocal.from_sparse_adjacency(adjacency)
out = {}
for name, options in methods.items():
    options = dict(options)
    refine = lgc.MQI if options.pop("mqi", False) else None
    def run(s):
        found = lgc.spectral_clustering(G, [int(s)], method="acl", refine=refine, **options)
        return np.asarray(found[0], dtype=np.int64)
    run(data["seeds"][0])
    clusters, seconds = [], []
    for k, s in enumerate(data["seeds"].tolist()):
        started = time.perf_counter()
        clusters.append(run(s))
        seconds.append(time.perf_counter() - started)
        if k == 4 and sum(seconds) / len(seconds) > float(sys.argv[4]):
            break
    out[name] = (clusters, seconds)
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


def localgraphclustering_results(case: Case, seeds: np.ndarray) -> list[Result]:
    """localgraphclustering's ACL (+MQI) on the same graph and seeds, in its own Python."""
    g = case.graph
    with tempfile.TemporaryDirectory() as folder:
        graph_file = os.path.join(folder, "graph.npz")
        out_file = os.path.join(folder, "out.pkl")
        np.savez(graph_file, indptr=g.indptr, indices=g.indices, seeds=seeds)
        subprocess.run(
            [
                LGC_PYTHON,
                "-c",
                LGC_WORKER,
                graph_file,
                out_file,
                pickle.dumps(LGC_METHODS).hex(),
                str(SLOW_PEER_S),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        with open(out_file, "rb") as f:
            found = pickle.load(f)
    results = []
    for name, (clusters, seconds) in found.items():
        result = Result(name, [], [], [], list(seconds), stopped=len(clusters) < seeds.size)
        for s, cluster in zip(seeds.tolist(), clusters, strict=False):
            score(case, result, s, cluster)
        results.append(result)
    return results


# ------------------------------------------------------------------ measuring


@dataclass
class Result:
    method: str
    f1: list[float]
    conductance: list[float]
    sizes: list[int]
    seconds: list[float]
    stopped: bool = False

    @property
    def ms(self) -> float:
        """Median milliseconds per seed: a burst of load from elsewhere moves it least."""
        return 1e3 * statistics.median(self.seconds)

    @property
    def mean_ms(self) -> float:
        return 1e3 * statistics.mean(self.seconds)


def f1_score(found: np.ndarray, truth: np.ndarray) -> float:
    hits = np.intersect1d(found, truth).size
    return 0.0 if hits == 0 else 2 * hits / (np.unique(found).size + truth.size)


def score(case: Case, result: Result, seed: int, found: np.ndarray) -> None:
    """Add F1, conductance (in the graph itself, the same way for everyone) and size."""
    found = np.unique(found)
    result.f1.append(f1_score(found, case.truth(seed)))
    result.conductance.append(set_conductance(case.graph, case.graph.labels_of(found))[2])
    result.sizes.append(found.size)


def measure_interleaved(case: Case, methods: dict, seeds: np.ndarray) -> list[Result]:
    """Every method on seed 1, then every method on seed 2, ...: load from other
    processes then falls on all methods alike instead of on whichever ran during it."""
    for method in methods.values():
        method(int(seeds[0]))  # warm up: compilation, caches
    results = {name: Result(name, [], [], [], []) for name in methods}
    for k, s in enumerate(seeds.tolist()):
        for name, method in methods.items():
            result = results[name]
            if result.stopped:
                continue
            started = time.perf_counter()
            found = method(s)
            result.seconds.append(time.perf_counter() - started)
            score(case, result, s, found)
            if k == 4 and statistics.mean(result.seconds) > SLOW_PEER_S:
                result.stopped = True
    return list(results.values())


def run_case(case: Case, n_seeds: int, use_lgc: bool = False) -> list[Result]:
    rng = np.random.default_rng(0)
    seeds = rng.choice(case.eligible, min(n_seeds, case.eligible.size), replace=False)
    g = case.graph
    print(f"\n{case.name}: {g.n_nodes:,} nodes, {g.n_edges:,} edges, {seeds.size} seeds")
    methods = {**ours(g), **networkit_peers(g)}
    results = measure_interleaved(case, methods, seeds)
    if use_lgc:
        results += localgraphclustering_results(case, seeds)
    header = (
        f"  {'method':<38} {'mean F1':>8} {'med F1':>8} {'cond':>7} {'size':>7} "
        f"{'med ms':>8} {'mean ms':>8}"
    )
    print(header)
    print("  " + "-" * (len(header) - 2))
    for r in results:
        stopped = f"  (stopped after {len(r.seconds)} seeds: too slow)" if r.stopped else ""
        print(
            f"  {r.method:<38} {statistics.mean(r.f1):>8.3f} {statistics.median(r.f1):>8.3f} "
            f"{statistics.mean(r.conductance):>7.3f} {statistics.mean(r.sizes):>7.1f} "
            f"{r.ms:>8.3f} {r.mean_ms:>8.3f}{stopped}"
        )
    ours_results = [r for r in results if r.method.startswith("gwb")]
    peers = [r for r in results if not r.method.startswith("gwb") and not r.stopped]
    best_peer = max(peers, key=lambda r: statistics.mean(r.f1))
    print(f"  best peer by mean F1: {best_peer.method}")
    # Peers within 0.1 of the best peer's F1: the ones worth being compared with.
    close = [r for r in peers if statistics.mean(r.f1) >= statistics.mean(best_peer.f1) - 0.1]
    print(f"  {'ours vs peer':<68} {'dF1':>7} {'dcond':>7} {'speed':>8}  target")
    for mine in ours_results:
        for peer in close:
            d_f1 = statistics.mean(mine.f1) - statistics.mean(peer.f1)
            d_cond = statistics.mean(mine.conductance) - statistics.mean(peer.conductance)
            speed = peer.ms / mine.ms
            # The target: at least the peer's F1 and conductance at twice its speed.
            met = "met" if d_f1 >= 0 and d_cond <= 0 and speed >= 2 else "-"
            print(
                f"  {mine.method[4:] + ' vs ' + peer.method:<68} "
                f"{d_f1:>+7.4f} {d_cond:>+7.4f} {speed:>7.1f}x  {met}"
            )
    batch_throughput(case, seeds, workers=os.cpu_count() or 1)
    return results


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--graphs", nargs="+", default=list(GRAPHS), choices=list(GRAPHS))
    args = parser.parse_args(argv)
    status = localgraphclustering_status()
    print(status)
    use_lgc = " runs in " in status
    for key in args.graphs:
        case = GRAPHS[key]()
        if case is None:
            print(f"\n{key}: data set not available, skipped")
            continue
        run_case(case, args.seeds, use_lgc)


if __name__ == "__main__":
    main()
