"""Algorithms over a :class:`~loaders.Graph`; one import for a notebook.

The loaders are re-exported so that ``import engine`` is all a notebook needs:

>>> import engine
>>> g = engine.sample("karate")
>>> g.n_nodes, g.n_edges
(34, 78)

Results follow one convention. A whole-graph result (PPR scores, embeddings,
orbit counts) is a NumPy array indexed by node id, so ``g.labels[i]`` names
row ``i``. A per-query result (the top nodes, a cluster's members, nearest
neighbours, a batch of queries) is a pandas DataFrame whose node columns hold
labels. :func:`top_nodes` turns a score vector into such a table.

The building blocks behind these functions stay importable from their modules:
``engine.pagerank.forward_push``, ``engine.conductance.set_conductance``,
``engine.cluster.mqi``, ``engine.graphlets.orbit_adjacency``,
``engine.estimate.fastrp_memory`` and the like.
"""

import checks.numba_cache  # noqa: F401  (keys the kernels' Numba cache; before any kernel)
from engine._device import DeviceUnavailableError, gpu_status
from engine.cluster import LocalCluster, local_cluster, local_cluster_batch
from engine.community_profile import ncp
from engine.embed import fastrp
from engine.export import export_embeddings
from engine.graphlets import edge_orbit_counts, gdv_similarity, graphlet_counts, orbit_counts
from engine.nearest import nearest
from engine.pagerank import PPRIndex, ppr, ppr_batch, top_nodes
from engine.similarity import NeighbourhoodIndex
from loaders import (
    Graph,
    GraphFormatError,
    InsufficientMemoryError,
    NodeNotFoundError,
    StoreError,
    load,
    open_store,
    sample,
    sample_names,
    samples,
)
from sketches.bundle import IndexFileError

__all__ = [  # noqa: RUF022 (grouped by task, in the order a notebook meets them)
    # Graphs: loading, the bundled samples, and what goes wrong reading them.
    "Graph",
    "load",
    "open_store",
    "sample",
    "sample_names",
    "samples",
    "GraphFormatError",
    "StoreError",
    "IndexFileError",
    "NodeNotFoundError",
    "InsufficientMemoryError",
    "DeviceUnavailableError",
    "gpu_status",
    # Personalized PageRank.
    "ppr",
    "ppr_batch",
    "top_nodes",
    "PPRIndex",
    # Embeddings.
    "fastrp",
    "nearest",
    "export_embeddings",
    # Neighbourhood similarity and local communities.
    "NeighbourhoodIndex",
    "local_cluster",
    "local_cluster_batch",
    "LocalCluster",
    "ncp",
    # Graphlets.
    "orbit_counts",
    "edge_orbit_counts",
    "graphlet_counts",
    "gdv_similarity",
]
