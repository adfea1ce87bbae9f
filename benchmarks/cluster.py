"""Local clustering quality and speed at every tool's defaults, same seeds (issue #21).

Run ``python -m benchmarks.cluster [--seeds N] [--graphs email ppi ...] [--no-jhu]``
(default: 100 seeds on each of email, ppi, sfld, bundled, lfr, planted, then the
JohnsHopkins line; ``--graphs planted100k lfr10k`` adds the two graphs earlier
settings were tuned on; ``--batch`` adds ``local_cluster_batch`` throughput).

**Graphs** (:mod:`benchmarks.cluster_graphs`): email-Eu-core with its departments,
the lgc-* graphs with ground truth (ppi-mips complexes, sfld families) from
``../shared/datasets``, the bundled ``planted`` sample, and two graphs generated
fresh with seed 2026: an LFR graph from networkit (5,000 nodes, degrees 20-50,
communities of 60-500, mu 0.3) and a planted partition of 500 blocks of sizes
drawn uniformly in 60-200 where each node picks Poisson(5) random partners in its
block and Poisson(2) anywhere.

**Seeds**: ``--seeds`` nodes (all when fewer) drawn with rng 0 among those whose
true community has at least 5 members; every method gets the same seeds.

**Methods**, each at its own defaults:

- ``gwb ppr (default)`` is ``local_cluster(g, seed)`` with no options at all and
  ``gwb heat (default)`` is ``local_cluster(g, seed, method="heat")``, so the rows
  follow whatever the defaults are when the benchmark runs. The few extra rows of
  ours say their options in their names: heat+MQI at t 15 / eps 3e-3 and, while the
  default accuracy is ``eps="auto"``, the fixed eps 1e-4 without MQI it replaced
  (before the switch: ``eps="auto"`` and ``refine="mqi"`` as extras instead).
- every ``networkit.scd`` detector that grows a community from a seed
  (:func:`benchmarks.cluster_peers.networkit_peers`); where a constructor has no
  default the row's name says what was chosen. RandomBFS is told the size of the
  true community, so it is shown for scale and never ranked.
- localgraphclustering's ``spectral_clustering(method="acl")`` at its defaults
  (alpha 0.15, rho 1e-6), alone and refined by its MQI.

**Columns**: median and mean F1 of the found set against the seed's true community;
median conductance of the found set, computed the same way for everyone in the
graph itself (:func:`engine.conductance.set_conductance`); median size; median
milliseconds per seed of single calls after one warm-up call. The methods in this
process take turns seed by seed, so load from other processes falls on all alike;
localgraphclustering runs in its own process after them and times each call itself.
A peer whose first five seeds average over 0.5 s is stopped there, one whose
warm-up call alone takes over 5 s right after it (marked, and not ranked). F1 and
conductance are shown together: a method that returns half the graph gets a good
conductance and a bad F1, one that returns the seed alone the reverse.

**Verdicts**: per graph, the best peer by median F1 (mean F1 breaks ties), our
default's median F1 against it, the speed ratio (peer median ms / ours) and whether
the issue's goal is met there: F1 at least the best peer's at at least twice its
speed; otherwise by how much it falls short. The JohnsHopkins line (no ground
truth) gives conductance, size and time for seed 3215 of ours at defaults and of
lgc ACL at its defaults (goal: conductance <= 0.28 at twice lgc's speed). The
summary at the end has one line per graph.

localgraphclustering runs in a separate Python (``$GWB_LGC_PYTHON``, default
``/tmp/lgc-venv/bin/python``): the wheel of 0.6.1 on PyPI ships a ``libgraph.so``
without ``MQI_weighted64`` and does not import, and the package needs NumPy < 2, so
it cannot share this environment. To build that Python::

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
import inspect
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

import engine
from benchmarks.cluster_graphs import GRAPHS, JOHNS_HOPKINS, OPTIONAL_GRAPHS, Case
from benchmarks.cluster_peers import (
    ORACLES,
    localgraphclustering_status,
    networkit_peers,
    run_localgraphclustering,
)
from engine.cluster import local_cluster, local_cluster_batch
from engine.conductance import set_conductance
from loaders import Graph

# A peer whose warm-up seeds average more than this is stopped early (and marked).
SLOW_PEER_S = 0.5
# ... and one whose warm-up call alone takes more than this is stopped right there.
WARM_UP_CAP_S = 5.0
PPR_DEFAULT = "gwb ppr (default)"
HEAT_DEFAULT = "gwb heat (default)"
JHU_SEED = 3215
JHU_GOAL = 0.28


def our_options() -> dict[str, dict]:
    """Our rows: the two defaults (no options but the method) and a few extras."""
    rows = {PPR_DEFAULT: {}, HEAT_DEFAULT: {"method": "heat"}}
    defaults = inspect.signature(local_cluster).parameters
    # Each extra that a default already is would repeat a row: shown only until then.
    if defaults["eps"].default != "auto":
        rows["gwb ppr eps auto"] = {"eps": "auto"}
    else:
        # ... and once it is, the fixed accuracy it replaced, for the time it costs.
        rows["gwb ppr eps 1e-4, no MQI (former default)"] = {"eps": 1e-4, "refine": None}
    if defaults["refine"].default != "mqi":
        rows["gwb ppr+MQI (default + MQI)"] = {"refine": "mqi"}
    # Chosen on a disjoint draw of seeds over planted 100k and LFR 10k (see engine.cluster).
    rows["gwb heat+MQI (t 15, eps 3e-3)"] = {
        "method": "heat",
        "t": 15.0,
        "eps": 3e-3,
        "refine": "mqi",
    }
    return rows


def ours(g: Graph) -> dict[str, Callable[[int], np.ndarray]]:
    def run(options):
        return lambda s: local_cluster(g, g.label(s), **options).node_ids

    return {name: run(options) for name, options in our_options().items()}


# ------------------------------------------------------------------ measuring


@dataclass
class Result:
    method: str
    f1: list[float] = field(default_factory=list)
    conductance: list[float] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    stopped: bool = False

    @property
    def med_f1(self) -> float:
        return statistics.median(self.f1)

    @property
    def ms(self) -> float:
        """Median milliseconds per seed: a burst of load from elsewhere moves it least."""
        return 1e3 * statistics.median(self.seconds)

    @property
    def ranked(self) -> bool:
        """Whether this row may be the best peer: a full run of a peer, not an oracle."""
        return not self.method.startswith("gwb") and not self.stopped and self.method not in ORACLES


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
    results = {name: Result(name) for name in methods}
    for name, method in methods.items():
        started = time.perf_counter()
        found = method(int(seeds[0]))  # warm up: compilation, caches
        elapsed = time.perf_counter() - started
        if elapsed > WARM_UP_CAP_S and not name.startswith("gwb"):
            # A peer this slow would hold the run up for minutes (LocalT takes about a
            # minute a seed on the 64k planted graph): its warm-up stands as its one seed.
            result = results[name]
            result.seconds.append(elapsed)
            score(case, result, int(seeds[0]), found)
            result.stopped = True
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


def lgc_results(case: Case, seeds: np.ndarray) -> list[Result]:
    found = run_localgraphclustering(seeds, SLOW_PEER_S, graph=case.graph)
    results = []
    for name, (clusters, _, seconds) in found.items():
        result = Result(name, seconds=list(seconds), stopped=len(clusters) < seeds.size)
        for s, cluster in zip(seeds.tolist(), clusters, strict=False):
            score(case, result, s, cluster)
        results.append(result)
    return results


def communities_of(case: Case) -> list[np.ndarray]:
    """The distinct true communities of the eligible seeds (for RandomBFS's cover)."""
    distinct = {}
    for s in case.eligible.tolist():
        members = case.truth(s)
        distinct.setdefault(id(members), members)
    return list(distinct.values())


# ------------------------------------------------------------------ reporting


@dataclass
class Verdict:
    graph: str
    ours: Result
    peer: Result | None

    @property
    def speed(self) -> float:
        return self.peer.ms / self.ours.ms if self.peer else float("nan")

    def text(self) -> str:
        if self.peer is None:
            return "no peer ran in full"
        d_f1 = self.ours.med_f1 - self.peer.med_f1
        short = []
        if d_f1 < 0:
            short.append(f"F1 short by {-d_f1:.3f}")
        if self.speed < 2:
            short.append(f"speed {self.speed:.2f}x < 2x")
        return "goal met" if not short else "short: " + ", ".join(short)


def print_table(results: list[Result]) -> None:
    header = (
        f"  {'method':<48} {'med F1':>7} {'mean F1':>7} {'med cond':>8} {'med size':>8} "
        f"{'med ms':>9}"
    )
    print(header)
    print("  " + "-" * (len(header) - 2))
    for r in results:
        note = ""
        if r.stopped:
            n = len(r.seconds)
            note = f"  (stopped after {n} seed{'s' * (n > 1)}: too slow; not ranked)"
        elif r.method in ORACLES:
            note = "  (told the true size; not ranked)"
        print(
            f"  {r.method:<48} {r.med_f1:>7.3f} {statistics.mean(r.f1):>7.3f} "
            f"{statistics.median(r.conductance):>8.3f} {statistics.median(r.sizes):>8.0f} "
            f"{r.ms:>9.3f}{note}"
        )


def verdicts(name: str, results: list[Result]) -> list[Verdict]:
    peers = [r for r in results if r.ranked]
    best = max(peers, key=lambda r: (r.med_f1, statistics.mean(r.f1)), default=None)
    by_name = {r.method: r for r in results}
    found = [Verdict(name, by_name[mine], best) for mine in (PPR_DEFAULT, HEAT_DEFAULT)]
    if best is not None:
        print(f"  best peer by median F1: {best.method} ({best.med_f1:.3f}, {best.ms:.3f} ms)")
    for v in found:
        print(
            f"  {v.ours.method:<20} median F1 {v.ours.med_f1:.3f} "
            f"({v.ours.med_f1 - (best.med_f1 if best else np.nan):+.3f} vs best peer), "
            f"speed {v.speed:.2f}x the best peer: {v.text()}"
        )
    return found


def run_case(case: Case, n_seeds: int, use_lgc: bool, batch: bool) -> list[Verdict]:
    rng = np.random.default_rng(0)
    seeds = rng.choice(case.eligible, min(n_seeds, case.eligible.size), replace=False)
    g = case.graph
    print(f"\n{case.name}: {g.n_nodes:,} nodes, {g.n_edges:,} edges, {seeds.size} seeds")
    methods = ours(g)
    try:
        methods.update(networkit_peers(g, communities_of(case)))
    except ImportError:
        print("  networkit not installed: its peers skipped")
    results = measure_interleaved(case, methods, seeds)
    if use_lgc:
        results += lgc_results(case, seeds)
    print_table(results)
    found = verdicts(case.name, results)
    if batch:
        batch_throughput(case, seeds, workers=os.cpu_count() or 1)
    return found


def batch_throughput(case: Case, seeds: np.ndarray, workers: int) -> None:
    """Milliseconds per seed of :func:`local_cluster_batch` over all seeds at once."""
    labels = [case.graph.label(s) for s in seeds.tolist()]
    for name in (PPR_DEFAULT, HEAT_DEFAULT):
        options = our_options()[name]
        local_cluster_batch(case.graph, labels[:2], workers=workers, **options)
        times = []
        for _ in range(3):
            started = time.perf_counter()
            local_cluster_batch(case.graph, labels, workers=workers, **options)
            times.append(time.perf_counter() - started)
        per_seed = 1e3 * statistics.median(times) / len(labels)
        print(f"  batch, {workers} threads: {name[4:]:<24} {per_seed:>7.3f} ms per seed")


def johns_hopkins(use_lgc: bool, repeats: int = 7) -> None:
    """Seed 3215 of JohnsHopkins: conductance, size and median time of ours at defaults
    and of lgc's ACL at its defaults (lgc reads the edge list itself, so its ids are
    the file's ids, which are our labels)."""
    if not os.path.exists(JOHNS_HOPKINS):
        print("\nJohnsHopkins: data set not available, skipped")
        return
    g = engine.load(JOHNS_HOPKINS)
    print(f"\nJohnsHopkins seed {JHU_SEED}: {g.n_nodes:,} nodes, {g.n_edges:,} edges")
    print(f"  {'method':<28} {'cond':>7} {'size':>6} {'med ms':>9}")
    rows: dict[str, tuple[float, int, float]] = {}
    for name in (PPR_DEFAULT, HEAT_DEFAULT):
        options = our_options()[name]
        local_cluster(g, JHU_SEED, **options)  # warm-up
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            cluster = local_cluster(g, JHU_SEED, **options)
            times.append(time.perf_counter() - started)
        phi = set_conductance(g, cluster.nodes)[2]
        rows[name] = (phi, len(cluster), 1e3 * statistics.median(times))
    if use_lgc:
        seeds = np.full(repeats, JHU_SEED)
        found = run_localgraphclustering(seeds, float("inf"), edgelist=JOHNS_HOPKINS)
        for name, (clusters, own, seconds) in found.items():
            phi = set_conductance(g, clusters[0])[2]
            rows[name] = (phi, np.unique(clusters[0]).size, 1e3 * statistics.median(seconds))
            print(f"  ({name} reports conductance {own[0]:.4f} itself)")
    for name, (phi, size, ms) in rows.items():
        print(f"  {name:<28} {phi:>7.4f} {size:>6} {ms:>9.3f}")
    acl = rows.get("lgc ACL (defaults)")
    for name in (PPR_DEFAULT, HEAT_DEFAULT):
        phi, _, ms = rows[name]
        short = [] if phi <= JHU_GOAL else [f"conductance {phi:.4f} > {JHU_GOAL}"]
        speed = ""
        if acl is not None:
            speed = f", speed {acl[2] / ms:.2f}x lgc ACL"
            if acl[2] / ms < 2:
                short.append(f"speed {acl[2] / ms:.2f}x < 2x")
        verdict = "goal met" if not short else "short: " + ", ".join(short)
        print(f"  {name}: conductance {phi:.4f}{speed}: {verdict}")


def print_summary(found: list[Verdict]) -> None:
    """One line per graph: our default (``ppr``) against the best peer, then heat's."""
    print("\nSummary: our defaults against the best peer (by median F1) on each graph")
    header = (
        f"  {'graph':<52} {'ppr F1':>6}  {'best peer':<48} {'F1':>6} {'speed':>7}  "
        f"{'ppr (the default): goal':<44} heat: F1, speed, goal"
    )
    print(header)
    print("  " + "-" * (len(header) - 2))
    by_graph: dict[str, dict[str, Verdict]] = {}
    for v in found:
        by_graph.setdefault(v.graph, {})[v.ours.method] = v
    for graph, mine in by_graph.items():
        ppr, heat = mine[PPR_DEFAULT], mine[HEAT_DEFAULT]
        peer = ppr.peer.method if ppr.peer else "-"
        peer_f1 = f"{ppr.peer.med_f1:>6.3f}" if ppr.peer else f"{'-':>6}"
        print(
            f"  {graph:<52} {ppr.ours.med_f1:>6.3f}  {peer:<48} {peer_f1} "
            f"{ppr.speed:>6.2f}x  {ppr.text():<44} "
            f"{heat.ours.med_f1:.3f}, {heat.speed:.2f}x, {heat.text()}"
        )


def main(argv=None) -> None:
    builders = {**GRAPHS, **OPTIONAL_GRAPHS}
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--graphs", nargs="+", default=list(GRAPHS), choices=list(builders))
    parser.add_argument("--no-jhu", action="store_true", help="skip the JohnsHopkins line")
    parser.add_argument("--batch", action="store_true", help="add batch throughput")
    args = parser.parse_args(argv)
    status = localgraphclustering_status()
    print(status)
    print(f"local_cluster{inspect.signature(local_cluster)}")
    use_lgc = " runs in " in status
    found: list[Verdict] = []
    for key in args.graphs:
        case = builders[key]()
        if case is None:
            print(f"\n{key}: data set not available, skipped")
            continue
        found += run_case(case, args.seeds, use_lgc, args.batch)
    if not args.no_jhu:
        johns_hopkins(use_lgc)
    if found:
        print_summary(found)


if __name__ == "__main__":
    main()
