"""The object networkx loads for ``backend="gwb"`` (the ``networkx.backends`` entry point).

networkx asks it, per call: ``can_run`` (can these arguments be computed here? a string
says why not, and networkx logs it and falls back), ``should_run`` (is it worth it?),
``convert_from_nx`` (once per graph and edge attributes, cached by networkx, see
:mod:`app.networkx_backend.graph`), then the function of the same name, and
``convert_to_nx`` on the result.

>>> import networkx as nx
>>> backend_interface.can_run("triangles", (nx.MultiGraph(),), {})
'gwb runs triangles on simple graphs, not multigraphs'
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

from app.networkx_backend import clustering, cuts, link_prediction
from app.networkx_backend import pagerank as pagerank_module
from app.networkx_backend.graph import BackendGraph

# When networkx picks the backend itself (``nx.config.backend_priority``), graphs with
# fewer edges than this stay in networkx: converting costs more than networkx's own count
# (triangles: 36 µs in networkx against 106 µs converted first at 16 edges, 131 against
# 180 µs at 64, 479 against 421 µs at 256). ``backend="gwb"`` still runs here.
SMALL_GRAPH_EDGES = 64
# Functions networkx computes from the given nodes' edges only: on a graph not yet
# converted, the O(m) conversion costs more than networkx's whole call.
LOCAL = frozenset({"volume", "cut_size"})
# Functions whose networkx answers on a multigraph count parallel edges as gwb's
# multigraph conversion does (their weights add, their number is the unit weight).
MULTIGRAPH_FUNCTIONS = frozenset({"pagerank", "volume", "cut_size", "conductance"})


def _always(G, **_) -> bool:
    return True


# name → (function, can_run check taking the function's arguments by name)
DISPATCHED: dict[str, tuple[Callable, Callable]] = {
    "pagerank": (pagerank_module.pagerank, pagerank_module.can_run),
    "triangles": (clustering.triangles, _always),
    "clustering": (clustering.clustering, _always),
    "average_clustering": (clustering.average_clustering, _always),
    "transitivity": (clustering.transitivity, _always),
    "square_clustering": (clustering.square_clustering, clustering.can_run_square_clustering),
    "jaccard_coefficient": (link_prediction.jaccard_coefficient, link_prediction.can_run),
    "cut_size": (cuts.cut_size, _always),
    "volume": (cuts.volume, _always),
    "conductance": (cuts.conductance, _always),
}

SIGNATURES = {name: inspect.signature(function) for name, (function, _) in DISPATCHED.items()}


class BackendInterface:
    """networkx's view of the ``gwb`` backend: conversions, checks and the functions."""

    @staticmethod
    def convert_from_nx(
        G,
        edge_attrs: dict | None = None,
        node_attrs: dict | None = None,
        preserve_edge_attrs: bool = False,
        preserve_node_attrs: bool = False,
        preserve_graph_attrs: bool = False,
        name: str | None = None,
        graph_name: str | None = None,
    ) -> BackendGraph:
        """A :class:`BackendGraph` keeping the edge attributes the call reads.

        ``edge_attrs`` maps attribute → default for missing values (networkx passes
        ``{"weight": 1}`` for ``weight="weight"``). Node attributes are not kept: no
        dispatched function reads them.
        """
        if isinstance(G, BackendGraph):
            return G
        if preserve_edge_attrs:
            raise NotImplementedError("gwb keeps named numeric edge attributes only")
        return BackendGraph.from_networkx(G, edge_attrs)

    @staticmethod
    def convert_to_nx(obj, *, name: str | None = None):
        """A converted graph back as networkx's; any other result unchanged."""
        return obj.to_networkx() if isinstance(obj, BackendGraph) else obj

    @staticmethod
    def can_run(name: str, args: tuple, kwargs: dict) -> bool | str:
        """True, or why ``name`` cannot run here with these arguments."""
        if name not in DISPATCHED:
            return f"{name} is not implemented by gwb"
        check = DISPATCHED[name][1]
        bound = SIGNATURES[name].bind(*args, **kwargs)
        bound.apply_defaults()
        G = bound.arguments["G"]
        if G.is_multigraph() and name not in MULTIGRAPH_FUNCTIONS:
            # networkx itself refuses these (NetworkXNotImplemented) or reads a multigraph
            # as its simple graph; falling back keeps its answer, error included.
            return f"gwb runs {name} on simple graphs, not multigraphs"
        return check(**bound.arguments)

    @staticmethod
    def should_run(name: str, args: tuple, kwargs: dict) -> bool | str:
        """Whether converting pays off: always once ``G`` is converted (networkx's
        cache holds it), else not for tiny graphs nor for functions of a few nodes."""
        G = args[0] if args else kwargs.get("G")
        if isinstance(G, BackendGraph) or _converted(G):
            return True
        if name in LOCAL:
            return f"networkx's {name} reads only the given nodes; converting G costs more"
        if G.number_of_edges() < SMALL_GRAPH_EDGES:
            return f"graph has fewer than {SMALL_GRAPH_EDGES} edges: networkx is faster"
        return True


def _converted(G) -> bool:
    """Whether networkx's conversion cache already holds a gwb graph for ``G``."""
    cache = getattr(G, "__networkx_cache__", None) or {}
    return any(
        isinstance(graph, BackendGraph)
        for graph in cache.get("backends", {}).get("gwb", {}).values()
    )


for _name, (_function, _) in DISPATCHED.items():
    setattr(BackendInterface, _name, staticmethod(_function))

backend_interface = BackendInterface()
