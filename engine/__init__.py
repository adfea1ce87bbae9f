"""Algorithms over a :class:`~loaders.Graph`; one import for a notebook.

The loaders are re-exported so that ``import engine`` is all a notebook needs:

>>> import engine
>>> g = engine.sample("karate")
>>> g.n_nodes, g.n_edges
(34, 78)
"""

from engine._device import DeviceUnavailableError, gpu_status
from engine.cluster import (
    LocalCluster,
    label_weighted_graph,
    local_cluster,
    local_cluster_batch,
    mqi,
)
from engine.community_profile import ncp
from engine.conductance import prefix_conductance, set_conductance
from engine.embed import fastrp
from engine.estimate import fastrp_memory, orbit_counts_memory, ppr_index_memory
from engine.export import export_embeddings
from engine.graphlets import (
    edge_orbit_counts,
    edge_orbit_counts_frame,
    gdv_similarity,
    graphlet_counts,
    graphlet_edges,
    orbit_adjacency,
    orbit_counts,
    orbit_counts_frame,
)
from engine.nearest import nearest
from engine.pagerank import PPRIndex, forward_push, ppr, ppr_batch, top_nodes
from engine.similarity import Community, NeighbourhoodIndex
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

__all__ = [
    "Community",
    "DeviceUnavailableError",
    "Graph",
    "GraphFormatError",
    "IndexFileError",
    "InsufficientMemoryError",
    "LocalCluster",
    "NeighbourhoodIndex",
    "NodeNotFoundError",
    "PPRIndex",
    "StoreError",
    "edge_orbit_counts",
    "edge_orbit_counts_frame",
    "export_embeddings",
    "fastrp",
    "fastrp_memory",
    "forward_push",
    "gdv_similarity",
    "gpu_status",
    "graphlet_counts",
    "graphlet_edges",
    "label_weighted_graph",
    "load",
    "local_cluster",
    "local_cluster_batch",
    "mqi",
    "ncp",
    "nearest",
    "open_store",
    "orbit_adjacency",
    "orbit_counts",
    "orbit_counts_frame",
    "orbit_counts_memory",
    "ppr",
    "ppr_batch",
    "ppr_index_memory",
    "prefix_conductance",
    "sample",
    "sample_names",
    "samples",
    "set_conductance",
    "top_nodes",
]
