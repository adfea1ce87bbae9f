"""The table behind ``test_contract.py``: how to call every public engine function.

Each :class:`Case` says how to call one public function (or one method, or one
``method=`` of a function) on a graph and a query label, what its result is
(see ``engine``'s docstring: whole-graph results are arrays by node id,
per-query results are DataFrames whose node columns hold labels), whether it
takes ``seed=``, and one bad value for each of its numeric and choice
parameters. The test module runs the same checks over every row, so a new
public function needs one row here and nothing else.

The graphs have string labels ("n0".."n33" in string order, so label ``"n5"`` is
not id 5): a function that mixes labels and ids fails loudly on them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import engine
from engine import Graph, NeighbourhoodIndex, PPRIndex

# What a result is (the house convention, per kind of function).
BY_NODE = "array by node id"  # first axis: one row per node, row i is g.labels[i]
BY_EDGE = "array by edge"  # first axis: the simple graph's edges (edge_orbit_counts)
TABLE = "DataFrame"  # node columns (label_columns) hold labels
CLUSTER = "cluster"  # an object whose .members is such a DataFrame
CLUSTERS = "list of clusters"
OBJECT = "object"  # an index, a path, a Graph: checked by type only


def _string_graphs() -> dict[str, Graph]:
    """Karate with string labels, and its directed, weighted and degenerate kin."""
    edges = engine.sample("karate").edges()
    src = [f"n{u}" for u in edges["source"]]
    dst = [f"n{v}" for v in edges["target"]]
    names = sorted(f"n{i}" for i in range(34))
    weights = np.random.default_rng(0).uniform(0.5, 4.0, len(src)).round(2)
    return {
        "karate": Graph.from_edges(src, dst, nodes=names, name="karate"),
        # Edges point from the smaller id to the larger, so n33 has no out-edge
        # (a dangling node), plus two edges back to n0.
        "directed": Graph.from_edges(
            [*src, "n33", "n5"], [*dst, "n0", "n0"], directed=True, nodes=names, name="directed"
        ),
        "weighted": Graph.from_edges(src, dst, weights, nodes=names, name="weighted"),
        "empty": Graph.from_edges([], [], nodes=np.array([], dtype=object), name="empty"),
        "isolated": Graph.from_edges(
            src, dst, nodes=sorted([*names, "iso0", "iso1"]), name="isolated"
        ),
        "single": Graph.from_edges([], [], nodes=["solo"], name="single"),
    }


GRAPHS = _string_graphs()

#: The label each graph is queried at: an ordinary node, a dangling one (no
#: out-edges), an isolated one, the only one, and on the empty graph a label
#: that cannot be there.
QUERY_NODE = {
    "karate": "n5",
    "directed": "n33",
    "weighted": "n5",
    "empty": "n0",
    "isolated": "iso0",
    "single": "solo",
}
#: The graphs that are not plain karate: each either works or raises a clear error.
ODD_GRAPHS = ("directed", "weighted", "empty", "isolated", "single")

_unique = itertools.count()


@dataclass(frozen=True)
class Inputs:
    """What a call gets: the graph, the query label, and a folder for files."""

    g: Graph
    node: Any
    folder: Path

    def fresh(self, name: str) -> str:
        """A path in ``folder`` no earlier call used (saves refuse to overwrite)."""
        return str(self.folder / f"{next(_unique)}-{name}")


@dataclass(frozen=True)
class Bad:
    """A bad value for one parameter; ``bug`` marks a known engine bug (strict xfail)."""

    param: str
    value: Any
    bug: str | None = None


@dataclass(frozen=True)
class Case:
    """One public function (or method, or ``method=`` of one) and its contract."""

    name: str  # "function", "function[variant]" or "Class.method"
    call: Callable[..., Any]  # call(inputs, **options) -> result
    kind: str
    defaults: Mapping[str, Any] = field(default_factory=dict)  # small and on the CPU
    label_columns: tuple[str, ...] = ()  # table (or members) columns holding labels
    bad: tuple[Bad, ...] = ()
    takes_node: bool = False  # a label (or labels) is its query
    seed_sets: bool = False  # also takes a list of labels or a mapping label -> weight
    seeded: bool = False  # takes seed=
    on_graph: bool = True  # takes a graph at all (sample_names does not)
    returns: type | None = None  # for OBJECT
    digest: Callable[[Any, Inputs], Any] | None = None  # what two equal results share

    def run(self, inputs: Inputs, **options):
        return self.call(inputs, **{**self.defaults, **options})

    @property
    def public_name(self) -> str:
        """The name in ``engine.__all__`` (and the method) this row holds to the contract."""
        return self.name.split("[")[0]


def bad(param: str, *values, bug: str | None = None) -> tuple[Bad, ...]:
    return tuple(Bad(param, value, bug) for value in values)


def embedding_of(g: Graph) -> np.ndarray:
    return np.random.default_rng(0).standard_normal((g.n_nodes, 4)).astype(np.float32)


@cache
def ppr_index(g: Graph) -> PPRIndex:
    """One index per graph for the query rows (the build row builds its own)."""
    return PPRIndex.build(g, seed=1)


@cache
def neighbourhood_index(g: Graph) -> NeighbourhoodIndex:
    return NeighbourhoodIndex.build(g, num_perm=16, seed=1, device="cpu")


CPU = {"device": "cpu"}
#: Known engine bugs, each a strict xfail on its row until fixed (see the report of issue 20).
BUGS: dict[str, str] = {}


def _ppr(x: Inputs, **options):
    return engine.ppr(x.g, x.node, **options)


def _ppr_batch(x: Inputs, **options):
    return engine.ppr_batch(x.g, [x.node], **options)


def _local_cluster(x: Inputs, **options):
    return engine.local_cluster(x.g, x.node, **options)


def _ramp(x: Inputs, **options):
    """top_nodes of positive scores that rise with the id (it lists positive scores only)."""
    return engine.top_nodes(x.g, **{"scores": np.linspace(1.0, 2.0, x.g.n_nodes), **options})


def _rebuilt(x: Inputs, **options) -> Graph:
    edges = x.g.edges()
    weights = edges["weight"] if "weight" in edges else None
    return Graph.from_edges(
        edges["source"],
        edges["target"],
        weights,
        directed=x.g.directed,
        nodes=x.g.labels,
        **options,
    )


def _labelled(x: Inputs, **options):
    """The label-weighted diffusion of Back de Luca et al.: labels keyed by label."""
    return engine.local_cluster(x.g, x.node, labels={x.node: 1.0}, **options)


def _saved_ppr_index(x: Inputs, **options) -> PPRIndex:
    return PPRIndex.load(ppr_index(x.g).save(x.fresh("ppr.npz")), x.g, **options)


def _saved_neighbourhoods(x: Inputs, **options) -> NeighbourhoodIndex:
    path = neighbourhood_index(x.g).save(x.fresh("nbhd.npz"))
    return NeighbourhoodIndex.load(path, x.g, **options)


def _queried(index, x: Inputs):
    return index.query(x.node)


def _similar(index, x: Inputs):
    return index.similar(x.node, k=5)


# What rows of one family share (passed as keywords).
_PPR_QUERY = dict(kind=BY_NODE, takes_node=True, seed_sets=True)
_TOP = dict(kind=TABLE, takes_node=True, label_columns=("source", "node"))
_CLUSTER = dict(kind=CLUSTER, takes_node=True, seed_sets=True, label_columns=("node",))
_SIMILAR = dict(kind=TABLE, takes_node=True, label_columns=("node",))

CASES: tuple[Case, ...] = (
    # Personalized PageRank: one row per method, each holding the parameters it uses.
    Case("ppr[exact]", _ppr, **_PPR_QUERY, defaults={"method": "exact"},
         bad=bad("method", "nope") + bad("alpha", 1.5, 0.0)
         + bad("tol", -1.0) + bad("max_iter", 0)),
    Case("ppr[push]", _ppr, **_PPR_QUERY, defaults={"method": "push"},
         bad=bad("r_max", 0.0, -1.0) + bad("alpha", 1.0)),
    Case("ppr[walks]", _ppr, **_PPR_QUERY, seeded=True, defaults={"method": "walks", **CPU},
         bad=bad("n_walks", 0) + bad("n_walks", 1.5)
         + bad("eps", 0.0) + bad("delta", 1.5) + bad("threshold", 0.0) + bad("device", "tpu")
         + bad("seed", -1)),
    Case("ppr[hybrid]", _ppr, **_PPR_QUERY, seeded=True, defaults={"method": "hybrid", **CPU},
         bad=bad("eps", -1.0) + bad("alpha", -0.1) + bad("delta", 0.0) + bad("threshold", 1.5)
         + bad("device", "tpu") + bad("seed", -1)
         + bad("r_max", 0.0)),
    Case("ppr_batch[exact]", _ppr_batch, **_TOP, defaults={"method": "exact", "top_k": 5},
         bad=bad("top_k", 0) + bad("method", "nope") + bad("alpha", 0.0)
         + bad("block_size", 0)
         + bad("block_size", -1)),
    Case("ppr_batch[hybrid]", _ppr_batch, **_TOP, seeded=True,
         defaults={"method": "hybrid", "top_k": 5, **CPU},
         bad=bad("top_k", 1.5) + bad("eps", 0.0) + bad("seed", -1) + bad("device", "tpu")),
    Case("top_nodes", _ramp, TABLE, label_columns=("node",), defaults={"top_k": 3},
         bad=bad("top_k", 0, -1) + bad("scores", np.arange(5.0))),
    Case("PPRIndex.build", lambda x, **o: PPRIndex.build(x.g, **o), OBJECT, returns=PPRIndex,
         seeded=True, digest=_queried,
         bad=bad("alpha", 0.0) + bad("eps", 0.0) + bad("delta", 1.5) + bad("threshold", 0.0)
         + bad("balance", 0.0) + bad("seed", -1)),
    Case("PPRIndex.query", lambda x, **o: ppr_index(x.g).query(x.node, **o), **_PPR_QUERY),
    Case("PPRIndex.query_batch", lambda x, **o: ppr_index(x.g).query_batch([x.node], **o),
         **_TOP, defaults={"top_k": 5}, bad=bad("top_k", 0)),
    Case("PPRIndex.save", lambda x, **o: ppr_index(x.g).save(x.fresh("ppr.npz"), **o),
         OBJECT, returns=str, digest=lambda path, x: PPRIndex.load(path, x.g).query(x.node)),
    Case("PPRIndex.load", _saved_ppr_index, OBJECT, returns=PPRIndex, digest=_queried),
    # Embeddings.
    Case("fastrp", lambda x, **o: engine.fastrp(x.g, **o), BY_NODE, seeded=True,
         defaults={"dim": 8, **CPU},
         bad=bad("dim", 0, -1, 1.5) + bad("iteration_weights", ()) + bad("density", 1.5)
         + bad("normalization_strength", np.nan) + bad("self_influence", np.inf)
         + bad("feature_ratio", -0.1) + bad("features", np.ones((5, 2)))
         + bad("seed", -1) + bad("device", "tpu")),
    # In-place propagation by column blocks: only with self_influence.
    Case("fastrp[self_influence]", lambda x, **o: engine.fastrp(x.g, **o), BY_NODE, seeded=True,
         defaults={"dim": 8, "self_influence": 0.5, **CPU}, bad=bad("block_width", 0, -1)),
    Case("nearest",
         lambda x, **o: engine.nearest(**{"embedding": embedding_of(x.g), "node": x.node,
                                          "graph": x.g, **o}),
         **_SIMILAR, defaults={"k": 3}, bad=bad("k", 0) + bad("embedding", np.ones((5, 4)))),
    Case("export_embeddings",
         lambda x, **o: engine.export_embeddings(**{"embedding": embedding_of(x.g), "g": x.g,
                                                    "path": x.fresh("emb.parquet"), **o}),
         OBJECT, returns=str, digest=lambda path, x: pd.read_parquet(path),
         bad=bad("format", "nope") + bad("embedding", np.ones((5, 4), np.float32))),
    # Neighbourhood similarity and local communities.
    Case("NeighbourhoodIndex.build", lambda x, **o: NeighbourhoodIndex.build(x.g, **o), OBJECT,
         returns=NeighbourhoodIndex, seeded=True, defaults={"num_perm": 16, **CPU},
         digest=_similar,
         bad=bad("num_perm", 8) + bad("threshold", 1.0) + bad("recall", 0.0) + bad("seed", -1)
         + bad("device", "tpu")),
    Case("NeighbourhoodIndex.similar",
         lambda x, **o: neighbourhood_index(x.g).similar(x.node, **o), **_SIMILAR,
         defaults={"k": 5}, bad=bad("k", 0) + bad("candidates", 0)),
    Case("NeighbourhoodIndex.expand",
         lambda x, **o: neighbourhood_index(x.g).expand([x.node], **o), CLUSTER,
         takes_node=True, label_columns=("node",),
         bad=bad("rounds", 0) + bad("candidates_per_member", 0) + bad("min_score", 1.5)
         + bad("max_size", 0)),
    Case("NeighbourhoodIndex.save",
         lambda x, **o: neighbourhood_index(x.g).save(x.fresh("nbhd.npz"), **o), OBJECT,
         returns=str,
         digest=lambda path, x: NeighbourhoodIndex.load(path, x.g).similar(x.node, k=5)),
    Case("NeighbourhoodIndex.load", _saved_neighbourhoods, OBJECT, returns=NeighbourhoodIndex,
         digest=_similar),
    Case("local_cluster[ppr]", _local_cluster, **_CLUSTER, seeded=True, defaults={"method": "ppr"},
         bad=bad("method", "nope") + bad("alpha", 1.5) + bad("eps", 1.0) + bad("refine", "nope")
         + bad("labels", {"n5": 2.0}) + bad("seed", -1)),
    Case("local_cluster[heat]", _local_cluster, **_CLUSTER, defaults={"method": "heat"},
         bad=bad("t", 0.0, 101.0) + bad("eps", 0.0)),
    Case("local_cluster[mqi]", _local_cluster, **_CLUSTER, defaults={"refine": "mqi"}),
    Case("local_cluster[auto]", _local_cluster, **_CLUSTER, defaults={"eps": "auto"},
         bad=bad("eps", "fast")),
    Case("local_cluster[heat auto]", _local_cluster, **_CLUSTER,
         defaults={"method": "heat", "eps": "auto"}),
    Case("local_cluster[labels]", _labelled, CLUSTER, takes_node=True, label_columns=("node",),
         bad=bad("label_epsilon", 0.0, 1.5)),
    Case("local_cluster_batch",
         lambda x, **o: engine.local_cluster_batch(x.g, [x.node, x.node], **o), CLUSTERS,
         takes_node=True, seed_sets=True, seeded=True, label_columns=("node",),
         defaults={"workers": 2},
         bad=bad("workers", 0) + bad("method", "nope") + bad("alpha", 0.0) + bad("seed", -1)),
    Case("ncp", lambda x, **o: engine.ncp(x.g, **o), TABLE, label_columns=("seed",),
         seeded=True, defaults={"n_seeds": 5},
         bad=bad("n_seeds", 0) + bad("sizes", 0) + bad("seed", -1)
         + bad("alphas", [1.5])
         + bad("eps_values", [0.0])),
    # Graphlets.
    Case("orbit_counts[4]", lambda x, **o: engine.orbit_counts(x.g, **o), BY_NODE,
         bad=bad("graphlet_size", 3, 6)),
    Case("orbit_counts[5]", lambda x, **o: engine.orbit_counts(x.g, graphlet_size=5, **o),
         BY_NODE),
    Case("edge_orbit_counts", lambda x, **o: engine.edge_orbit_counts(x.g, **o), BY_EDGE),
    Case("graphlet_counts", lambda x, **o: engine.graphlet_counts(x.g, **o), TABLE,
         bad=bad("graphlet_size", 6) + bad("orbits", np.zeros((5, 15), np.int64))),
    Case("gdv_similarity", lambda x, **o: engine.gdv_similarity(x.g, x.node, **o), **_SIMILAR,
         defaults={"k": 3}, bad=bad("k", 0, 1.5) + bad("orbits", np.zeros((5, 15), np.int64))),
    # The loaders a notebook reaches through engine: graphs in, graphs out.
    Case("Graph", _rebuilt, OBJECT, returns=Graph,
         bad=bad("self_loops", "nope") + bad("merge", "nope")),
    Case("load", lambda x, **o: engine.load(x.g.save(x.fresh("g.gwb")), **o), OBJECT,
         returns=Graph, bad=bad("format", "nope")),
    Case("open_store", lambda x, **o: engine.open_store(x.g.save(x.fresh("g.gwb")), **o),
         OBJECT, returns=Graph),
    Case("sample", lambda x, **o: engine.sample(**o), OBJECT, returns=Graph, on_graph=False),
    Case("sample_names", lambda x, **o: engine.sample_names(**o), OBJECT, returns=list,
         on_graph=False),
    Case("samples", lambda x, **o: engine.samples(**o), TABLE, on_graph=False),
    Case("gpu_status", lambda x, **o: engine.gpu_status(**o), OBJECT, returns=tuple,
         on_graph=False),
)  # fmt: skip

#: Public methods that no row calls, and why.
NOT_HELD = {
    "NeighbourhoodIndex.jaccard": "takes node ids and an id array (the kernels' side), not labels",
}
#: Public classes that are results, held through the rows that return them.
RESULT_TYPES = {"LocalCluster": "local_cluster[*]"}
