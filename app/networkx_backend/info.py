"""What networkx shows about the ``gwb`` backend (the ``networkx.backend_info`` entry point).

networkx calls :func:`get_info` while it is being imported, so this module imports
neither networkx nor the engine.
"""

from __future__ import annotations

FUNCTIONS: dict[str, str] = {
    "pagerank": "engine.pagerank_power: networkx's power iteration (nstart, dangling, tol as "
    "N·tol) in one Numba kernel, float64, over a transition matrix kept per converted graph: "
    "equal to networkx's to rounding.",
    "triangles": "engine.triangles: per-edge triangle counts of engine.graphlets (Numba).",
    "clustering": "engine.clustering_coefficient: networkx's four formulas (undirected or "
    "directed, weighted or not); weighted cube roots by NumPy, as networkx takes them.",
    "average_clustering": "As clustering.",
    "transitivity": "engine.triangles: triangle counts of engine.graphlets; directed, a Numba "
    "count over each node's successors (networkx's definition).",
    "square_clustering": "engine.square_clustering, undirected graphs: a Numba walk over "
    "two-step paths per node.",
    "jaccard_coefficient": "engine.jaccard: a Numba merge of sorted neighbour lists per pair.",
    "conductance": "engine.cuts: one Numba walk over the rows of S (the complement's volume "
    "from the graph's, kept per converted graph), networkx's conventions.",
    "cut_size": "engine.cuts: a Numba walk over the rows of S and T.",
    "volume": "engine.cuts: a Numba walk over the rows of S (an undirected self-loop counts "
    "twice).",
}


def get_info() -> dict:
    """The backend's description for networkx's docs and ``nx.config.backends``.

    >>> info = get_info()
    >>> info["backend_name"], "pagerank" in info["functions"]
    ('gwb', True)
    """
    return {
        "backend_name": "gwb",
        "project": "graph-workbench",
        "package": "graph-workbench",
        "short_summary": "Graph Workbench's engine (Numba, SciPy) behind networkx calls.",
        "functions": {name: {"additional_docs": docs} for name, docs in FUNCTIONS.items()},
        "default_config": {},
    }
