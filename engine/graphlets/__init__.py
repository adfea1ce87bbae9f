"""Graphlet-orbit counting (2–5 node graphlets) and graphlet-degree-vector similarity.

A *graphlet* is a small connected induced subgraph; its *orbits* are the
classes of its nodes (or edges) that an automorphism can swap. For 2–4 nodes
there are nine graphlets, 15 node orbits and 12 edge orbits. A node's *graphlet
degree vector* (GDV) counts how often it touches each orbit: a fingerprint of
its structural role (Pržulj 2007).

Node orbits (numbered as by Pržulj and ORCA)::

    G0 edge       0            G4 star (claw)  6 leaf, 7 centre
    G1 path 3     1 end, 2 mid G5 4-cycle      8
    G2 triangle   3            G6 paw          9 tail end, 10 triangle node of degree 2,
    G3 path 4     4 end, 5 mid                 11 node of degree 3
                               G7 diamond      12 degree 2, 13 degree 3
                               G8 4-clique     14

Edge orbits (as ORCA's edge mode numbers them)::

    0 edge of a 3-path        4 star edge               8 paw, triangle edge at the degree-3 node
    1 triangle edge           5 4-cycle edge            9 diamond, outer edge
    2 4-path, end edge        6 paw, tail edge         10 diamond, chord
    3 4-path, middle edge     7 paw, triangle edge     11 4-clique edge
                                opposite the degree-3 node

With ``graphlet_size=5``, :func:`orbit_counts` adds the 58 orbits 15–72 of the
21 five-node graphlets G9–G29 (73 in all), numbered as by Pržulj and ORCA; the
table :data:`FIVE_NODE_GRAPHLETS` lists each graphlet's edges and its nodes' orbits.

Layout: one algorithm per module, each beside its Numba kernels
(``<module>_kernels.py``):

=============  ==============================================================
``four``       :func:`orbit_counts`, :func:`graphlet_counts` (ORCA's equations)
``five``       orbits 15–72 of 5-node graphlets (a derived triangular system)
``edges``      :func:`edge_orbit_counts`, :func:`graphlet_edges`
``adjacency``  :func:`orbit_adjacency` (GRADCO's orbit adjacency matrices)
``signature``  :func:`gdv_similarity` (graphlet degree signature similarity)
``common``     the simple graph every counter runs on, threads, shared checks
``cost``       :func:`~engine.graphlets.cost.orbit_counts_estimate`, before a count
``edges_cost`` :func:`~engine.graphlets.edges_cost.edge_orbit_counts_estimate`
=============  ==============================================================

Results. Orbit counts are whole-graph results: NumPy arrays whose row ``i`` is
node id ``i`` (edge orbits: row ``i`` is edge ``i`` of :func:`graphlet_edges`);
``app.tables`` labels them for the CLI and the dashboard. A per-query answer
(:func:`gdv_similarity`) and the small per-graphlet summary
(:func:`graphlet_counts`) are DataFrames.

Input graphs. Orbits are defined on simple undirected graphs, so a directed
graph is counted on its undirected version (an edge where either direction
exists), self-loops are dropped and repeated edges counted once; weights are
ignored. Node ids and labels are those of ``g``.
"""

from engine.graphlets.adjacency import ORBIT_ADJACENCY_KEYS, orbit_adjacency
from engine.graphlets.common import N_EDGE_ORBITS, N_NODE_ORBITS, N_NODE_ORBITS_5
from engine.graphlets.edges import edge_orbit_counts, graphlet_edges
from engine.graphlets.five import FIVE_NODE_GRAPHLETS
from engine.graphlets.four import GRAPHLETS, graphlet_counts, orbit_counts
from engine.graphlets.signature import (
    AFFECTED_ORBITS,
    AFFECTED_ORBITS_5,
    ORBIT_WEIGHTS,
    ORBIT_WEIGHTS_5,
    gdv_similarity,
    signature_similarity,
)

__all__ = [
    "AFFECTED_ORBITS",
    "AFFECTED_ORBITS_5",
    "FIVE_NODE_GRAPHLETS",
    "GRAPHLETS",
    "N_EDGE_ORBITS",
    "N_NODE_ORBITS",
    "N_NODE_ORBITS_5",
    "ORBIT_ADJACENCY_KEYS",
    "ORBIT_WEIGHTS",
    "ORBIT_WEIGHTS_5",
    "edge_orbit_counts",
    "gdv_similarity",
    "graphlet_counts",
    "graphlet_edges",
    "orbit_adjacency",
    "orbit_counts",
    "signature_similarity",
]
