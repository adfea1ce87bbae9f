"""The bottom layer: the :class:`Graph` type, its ``.gwb`` store, file readers and samples."""

import checks.numba_cache  # noqa: F401  (keys the kernels' Numba cache; before any kernel)
from loaders.edgelist import read_edgelist
from loaders.errors import GraphFormatError, NodeNotFoundError, StoreError
from loaders.formats import read_igraph_format, read_matrix_market, read_table
from loaders.generators import planted_partition, rmat
from loaders.graph import Graph
from loaders.load import FORMATS, load, open_store
from loaders.memory import InsufficientMemoryError
from loaders.samples import sample, sample_names, samples
from loaders.store import save_store

__all__ = [
    "FORMATS",
    "Graph",
    "GraphFormatError",
    "InsufficientMemoryError",
    "NodeNotFoundError",
    "StoreError",
    "load",
    "open_store",
    "planted_partition",
    "read_edgelist",
    "read_igraph_format",
    "read_matrix_market",
    "read_table",
    "rmat",
    "sample",
    "sample_names",
    "samples",
    "save_store",
]
