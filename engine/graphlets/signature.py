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
from engine.graphlets.common import N_NODE_ORBITS, N_NODE_ORBITS_5, check_orbits
from engine.graphlets.four import orbit_counts
from loaders import Graph

# Milenković & Pržulj (2008): orbit i is "affected" by o_i orbits (itself and those
# whose counts include it); orbits that depend on many others weigh less. The 73
# factors are the paper's, as its authors' GraphCrunch ships them (and GRAAL, SANA
# after it), so that our similarities match theirs. Counting, for a node of orbit i
# in its graphlet alone, the orbits it touches gives the same numbers except at
# orbits 24, 26, 31, 41, 48, 54, 59, 60 and 64, one more there (the tests pin both).
AFFECTED_ORBITS_5 = np.array(
    [1, 2, 2, 2, 3, 4, 3, 3, 4, 3, 4, 4, 4, 4, 3,
     4, 6, 5, 4, 5, 6, 6, 4, 4, 4, 5, 7, 4, 6, 6, 7, 4, 6, 6, 6, 5, 6, 7, 7, 5, 7, 6, 7, 6,
     5, 5, 6, 8, 7, 6, 6, 8, 6, 9, 5, 6, 4, 6, 6, 7, 8, 6, 6, 8, 7, 6, 7, 7, 8, 5, 6, 6, 4]
)  # fmt: skip
AFFECTED_ORBITS = AFFECTED_ORBITS_5[:N_NODE_ORBITS]
# log(73) for both widths, as in the paper: the 15-orbit weights are the first 15 of the 73.
ORBIT_WEIGHTS_5 = 1.0 - np.log(AFFECTED_ORBITS_5) / math.log(N_NODE_ORBITS_5)
ORBIT_WEIGHTS = ORBIT_WEIGHTS_5[:N_NODE_ORBITS]
_WEIGHTS_OF_WIDTH = {N_NODE_ORBITS: ORBIT_WEIGHTS, N_NODE_ORBITS_5: ORBIT_WEIGHTS_5}
_SIZE_OF_WIDTH = {N_NODE_ORBITS: 4, N_NODE_ORBITS_5: 5}


def gdv_similarity(
    g: Graph,
    node,
    k: int = 10,
    *,
    orbits: np.ndarray | None = None,
    graphlet_size: int | None = None,
) -> pd.DataFrame:
    """The ``k`` nodes whose graphlet degree vectors are most like ``node``'s.

    "Who plays the same structural role": the signature similarity of
    Milenković & Pržulj (2008) over the 15 orbits of 2–4 node graphlets, or all
    73 orbits of 2–5 node graphlets (``graphlet_size=5``, as in the paper),

    ``D_i(u, v) = w_i · |log(u_i + 1) − log(v_i + 1)| / log(max(u_i, v_i) + 2)``,
    ``S(u, v) = 1 − Σ_i D_i / Σ_i w_i``, with ``w_i = 1 − log(o_i) / log(73)``

    where ``o_i`` is the number of orbits that orbit ``i`` depends on
    (:data:`AFFECTED_ORBITS_5`). ``S`` is in [0, 1] and 1 for identical vectors.
    With 2–4 node graphlets the sums run over the first 15 orbits, same weights.

    Parameters
    ----------
    g : Graph
    node : label
        The query node.
    k : int
        How many nodes to return; the query itself is left out.
    orbits : array (n, 15) or (n, 73), optional
        Counts already computed by :func:`orbit_counts` (saves recounting when
        asking about many nodes); their width says the graphlet size.
    graphlet_size : {4, 5}, optional
        Compare over the 15 orbits of 2–4 node graphlets or the 73 of 2–5 node
        ones. Default: the width of ``orbits``, else 4. Five-node counts take far
        longer (see :func:`orbit_counts`).

    Returns
    -------
    pandas.DataFrame
        ``node`` (label) and ``similarity``, most similar first, ties by id.

    Raises
    ------
    NodeNotFoundError
        (a ``KeyError``) naming ``node`` when it is not in the graph.
    ValueError
        When ``k`` is not an integer ≥ 1, ``graphlet_size`` is not 4 or 5, or
        ``orbits`` has another shape than ``graphlet_size`` asks for.

    Examples
    --------
    >>> import engine
    >>> g = engine.sample("karate")
    >>> table = gdv_similarity(g, 33, k=3)
    >>> list(table.columns), len(table)
    (['node', 'similarity'], 3)
    >>> bool(table["similarity"].between(0, 1).all())
    True
    >>> table5 = gdv_similarity(g, 33, k=3, graphlet_size=5)  # all 73 orbits
    >>> bool(table5["similarity"].between(0, 1).all())
    True

    References
    ----------
    T. Milenković, N. Pržulj, "Uncovering biological network function via
    graphlet degree signatures", Cancer Informatics 6, 2008.
    """
    k = check_positive_int("k", k)
    query = g.node_id(node)
    if graphlet_size is None:
        width = np.shape(orbits)[-1] if orbits is not None else N_NODE_ORBITS
        graphlet_size = _SIZE_OF_WIDTH.get(width, 4)
    if graphlet_size not in (4, 5) or isinstance(graphlet_size, bool):
        raise ValueError(f"graphlet_size must be 4 or 5; got {graphlet_size!r}")
    width = N_NODE_ORBITS if graphlet_size == 4 else N_NODE_ORBITS_5
    if orbits is None:
        orbits = orbit_counts(g, graphlet_size=graphlet_size)
    orbits = check_orbits(g, orbits, (width,))
    similarity = signature_similarity(orbits, orbits[query])
    similarity[query] = -np.inf
    k = min(k, g.n_nodes - 1)
    ids = np.arange(g.n_nodes)
    order = np.lexsort((ids, -similarity))[:k]
    return pd.DataFrame({"node": g.labels_of(order), "similarity": similarity[order]})


def signature_similarity(orbits: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Milenković–Pržulj signature similarity of every row of ``orbits`` to ``query``.

    Over 15 orbits (2–4 node graphlets) or 73 (2–5 node), by the width of ``orbits``.

    >>> signature_similarity(np.array([[1, 0], [1, 0], [9, 3]]), np.array([1, 0]))
    Traceback (most recent call last):
    ...
    ValueError: orbits must have 15 or 73 columns; got 2
    >>> gdv = np.zeros((2, 73), dtype=np.int64)
    >>> signature_similarity(gdv, gdv[0]).tolist()
    [1.0, 1.0]
    """
    orbits = np.asarray(orbits)
    weights = _WEIGHTS_OF_WIDTH.get(orbits.shape[-1]) if orbits.ndim == 2 else None
    if weights is None:
        raise ValueError(
            f"orbits must have {N_NODE_ORBITS} or {N_NODE_ORBITS_5} columns; got {orbits.shape[-1]}"
        )
    rows = orbits.astype(np.float64)
    target = np.asarray(query, dtype=np.float64)
    distance = np.abs(np.log1p(rows) - np.log1p(target)) / np.log(np.maximum(rows, target) + 2)
    return 1.0 - (distance @ weights) / weights.sum()
