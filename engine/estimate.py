"""Estimates of the heavy calls, before they run (as Neo4j GDS's ``estimate`` procedures).

The one public index of them: each cost model sits beside its algorithm
(:mod:`engine.graphlets.cost`, :mod:`engine.graphlets.edges_cost`,
:mod:`engine.embed_cost`, :mod:`engine.pagerank.cost`, ...) and :class:`Estimate` with
:class:`LongRunError` in :mod:`engine.long_run`; this module re-exports them all, so a
caller needs one import.

Time and memory: an ``*_estimate`` function takes the same parameters as the
call it estimates and returns an :class:`Estimate` (the seconds, the peak
bytes, and the statistics they were computed from), read off the graph's degree
statistics in one O(m) pass, with constants calibrated on this project's
reference machine class (2 cores of an Intel Xeon server, 24 GiB; see
:data:`engine.graphlets.cost.ORBIT_NS`). A call whose estimate is above
:data:`LONG_RUN_SECONDS` refuses to start unless told to
(:class:`LongRunError`), naming the estimate and how to run it on a cluster.

Memory only: each ``*_memory`` function takes the graph and the call's
parameters and returns the peak bytes the call allocates above the graph
itself. The heavy calls check their own estimate against
:func:`loaders.memory.memory_limit` (the available memory, or
``$GWB_MEMORY_LIMIT``) at their top and raise
:class:`~loaders.memory.InsufficientMemoryError` naming the parameter to
lower, before allocating anything.

The counts follow the code (which arrays are alive at the peak); the
constants were checked against tracemalloc and sampled RSS in
``tests/engine/test_estimate.py`` (within 2x, usually within 1.3x).

Examples
--------
>>> import engine
>>> g = engine.sample("karate")
>>> fastrp_memory(g, dim=128) >= 2 * 34 * 128 * 4  # two n x dim float32 matrices
True
>>> ppr_index_memory(g) > 0
True
>>> from loaders.memory import format_bytes
>>> from loaders import planted_partition
>>> g = planted_partition([1000] * 10, 0.01, 0.0005, seed=1)
>>> format_bytes(fastrp_memory(g, dim=256))
'21.1 MiB'
"""

from engine.community_profile_cost import ncp_estimate, ncp_memory
from engine.embed_cost import fastrp_estimate, fastrp_memory
from engine.graphlets.cost import orbit_counts_estimate, orbit_counts_memory
from engine.graphlets.edges_cost import edge_orbit_counts_estimate, edge_orbit_counts_memory
from engine.long_run import LONG_RUN_SECONDS, Estimate, LongRunError, format_seconds
from engine.pagerank.cost import (
    ppr_batch_estimate,
    ppr_batch_memory,
    ppr_index_estimate,
    ppr_index_memory,
)
from engine.similarity_cost import neighbourhood_index_estimate, neighbourhood_index_memory

__all__ = [
    "LONG_RUN_SECONDS",
    "Estimate",
    "LongRunError",
    "edge_orbit_counts_estimate",
    "edge_orbit_counts_memory",
    "fastrp_estimate",
    "fastrp_memory",
    "format_seconds",
    "ncp_estimate",
    "ncp_memory",
    "neighbourhood_index_estimate",
    "neighbourhood_index_memory",
    "orbit_counts_estimate",
    "orbit_counts_memory",
    "ppr_batch_estimate",
    "ppr_batch_memory",
    "ppr_index_estimate",
    "ppr_index_memory",
]
