"""Cosine nearest neighbours in an embedding, exact, by blocked matrix products."""

from __future__ import annotations

import numpy as np
import pandas as pd

from checks import check_positive_int
from loaders import Graph

_BLOCK_ROWS = 65_536


def nearest(
    embedding: np.ndarray, node, k: int = 10, *, graph: Graph | None = None
) -> pd.DataFrame:
    """The ``k`` nodes whose vectors have the highest cosine similarity to ``node``'s.

    Parameters
    ----------
    embedding : array, shape (n_nodes, dim)
    node : label (when ``graph`` is given) or node id
    k : int
        Neighbours to return; the node itself is left out.
    graph : Graph, optional
        Maps ``node`` from a label and the answer back to labels.

    Returns
    -------
    pandas.DataFrame
        ``node`` and ``similarity``, most similar first (ties by id).

    Notes
    -----
    Exact: the query is compared with every row, a block of rows at a time, so
    memory stays at one block whatever ``n``. At a million rows of 128 floats one
    query takes tens of milliseconds, below what an approximate index saves.

    Examples
    --------
    >>> import engine
    >>> g = engine.sample("karate")
    >>> emb = engine.fastrp(g, dim=64, seed=1, device="cpu")
    >>> table = nearest(emb, 0, k=3, graph=g)
    >>> list(table.columns), len(table)
    (['node', 'similarity'], 3)
    """
    embedding = np.asarray(embedding)
    if embedding.ndim != 2:
        raise ValueError(f"embedding must be 2-D (n_nodes, dim); got shape {embedding.shape}")
    n = embedding.shape[0]
    k = check_positive_int("k", k)
    if graph is not None:
        if graph.n_nodes != n:
            raise ValueError(f"embedding has {n} rows but the graph has {graph.n_nodes} nodes")
        query_id = graph.node_id(node)
    else:
        if not isinstance(node, int | np.integer) or not 0 <= node < n:
            raise KeyError(f"node id {node!r} outside [0, {n}); pass graph= to use labels")
        query_id = int(node)
    norms = np.linalg.norm(embedding, axis=1)
    query = embedding[query_id] / (norms[query_id] or 1.0)
    similarity = np.empty(n, dtype=np.float32)
    for start in range(0, n, _BLOCK_ROWS):
        block = embedding[start : start + _BLOCK_ROWS]
        block_norms = norms[start : start + _BLOCK_ROWS]
        similarity[start : start + len(block)] = (block @ query) / np.where(
            block_norms > 0, block_norms, 1.0
        )
    similarity[query_id] = -np.inf
    k = min(k, n - 1)
    candidates = np.argpartition(-similarity, k - 1)[:k] if k > 0 else np.empty(0, int)
    order = candidates[np.lexsort((candidates, -similarity[candidates]))]
    labels = graph.labels_of(order) if graph is not None else order
    return pd.DataFrame({"node": labels, "similarity": similarity[order]})
