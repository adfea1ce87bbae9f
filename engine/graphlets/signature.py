"""Graphlet-degree-vector similarity: which nodes play the same structural role.

A node's graphlet degree vector (its row of :func:`~engine.graphlets.orbit_counts`)
is a fingerprint of its role; the signature similarity of Milenković & Pržulj
(2008) compares two of them orbit by orbit, on a log scale, weighting down the
orbits whose counts include others.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from checks import check_positive_int
from engine.graphlets.common import N_NODE_ORBITS, check_orbits
from engine.graphlets.four import orbit_counts
from loaders import Graph

# Milenković & Pržulj (2008): orbit i is "affected" by o_i orbits (itself and those
# whose counts include it); orbits that depend on many others weigh less.
AFFECTED_ORBITS = np.array([1, 2, 2, 2, 3, 4, 3, 3, 4, 3, 4, 4, 4, 4, 3])
ORBIT_WEIGHTS = 1.0 - np.log(AFFECTED_ORBITS) / math.log(73)


def gdv_similarity(
    g: Graph, node, k: int = 10, *, orbits: np.ndarray | None = None
) -> pd.DataFrame:
    """The ``k`` nodes whose graphlet degree vectors are most like ``node``'s.

    "Who plays the same structural role": the signature similarity of
    Milenković & Pržulj (2008) over the 15 orbits of 2–4 node graphlets,

    ``D_i(u, v) = w_i · |log(u_i + 1) − log(v_i + 1)| / log(max(u_i, v_i) + 2)``,
    ``S(u, v) = 1 − Σ_i D_i / Σ_i w_i``, with ``w_i = 1 − log(o_i) / log(73)``

    where ``o_i`` is the number of orbits that orbit ``i`` depends on. ``S`` is in
    [0, 1] and 1 for identical vectors. The paper sums over 73 orbits (up to 5
    nodes); here the sums run over the first 15 with the same weights.

    Parameters
    ----------
    g : Graph
    node : label
        The query node.
    k : int
        How many nodes to return; the query itself is left out.
    orbits : array (n, 15), optional
        Counts already computed by :func:`orbit_counts` (saves recounting when
        asking about many nodes).

    Returns
    -------
    pandas.DataFrame
        ``node`` (label) and ``similarity``, most similar first, ties by id.

    Raises
    ------
    NodeNotFoundError
        (a ``KeyError``) naming ``node`` when it is not in the graph.
    ValueError
        When ``k`` is not an integer ≥ 1.

    Examples
    --------
    >>> import engine
    >>> g = engine.sample("karate")
    >>> table = gdv_similarity(g, 33, k=3)
    >>> list(table.columns), len(table)
    (['node', 'similarity'], 3)
    >>> bool(table["similarity"].between(0, 1).all())
    True

    References
    ----------
    T. Milenković, N. Pržulj, "Uncovering biological network function via
    graphlet degree signatures", Cancer Informatics 6, 2008.
    """
    k = check_positive_int("k", k)
    query = g.node_id(node)
    orbits = check_orbits(g, orbit_counts(g) if orbits is None else orbits)
    similarity = signature_similarity(orbits, orbits[query])
    similarity[query] = -np.inf
    k = min(k, g.n_nodes - 1)
    ids = np.arange(g.n_nodes)
    order = np.lexsort((ids, -similarity))[:k]
    return pd.DataFrame({"node": g.labels_of(order), "similarity": similarity[order]})


def signature_similarity(orbits: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Milenković–Pržulj signature similarity of every row of ``orbits`` to ``query``.

    >>> signature_similarity(np.array([[1, 0], [1, 0], [9, 3]]), np.array([1, 0]))
    Traceback (most recent call last):
    ...
    ValueError: orbits must have 15 columns; got 2
    >>> gdv = np.zeros((2, 15), dtype=np.int64)
    >>> signature_similarity(gdv, gdv[0]).tolist()
    [1.0, 1.0]
    """
    orbits = np.asarray(orbits)
    if orbits.ndim != 2 or orbits.shape[1] != N_NODE_ORBITS:
        raise ValueError(f"orbits must have {N_NODE_ORBITS} columns; got {orbits.shape[-1]}")
    rows = orbits.astype(np.float64)
    target = np.asarray(query, dtype=np.float64)
    distance = np.abs(np.log1p(rows) - np.log1p(target)) / np.log(np.maximum(rows, target) + 2)
    return 1.0 - (distance @ ORBIT_WEIGHTS) / ORBIT_WEIGHTS.sum()
