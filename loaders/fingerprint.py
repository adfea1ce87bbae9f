"""Which graph a file was made from: the stamp that export sets and index files carry.

An embedding export, a saved :class:`engine.PPRIndex` and a saved neighbourhood
index each record the fingerprint of their graph, so that loading one beside a
different graph is refused rather than answered with another graph's node ids.
"""

from __future__ import annotations

import hashlib

import numpy as np

from loaders.graph import Graph


def graph_fingerprint(g: Graph) -> dict:
    """Sizes and a SHA-256 of the CSR arrays and labels: which graph an output came from.

    Two graphs share the ``sha256`` exactly when their CSR arrays (and labels,
    unless the labels are the ids) are equal byte for byte.

    >>> from loaders import sample
    >>> stamp = graph_fingerprint(sample("karate"))
    >>> stamp["n_nodes"], stamp["n_edges"], len(stamp["sha256"])
    (34, 78, 64)
    >>> stamp["sha256"] == graph_fingerprint(sample("karate"))["sha256"]
    True
    """
    digest = hashlib.sha256()
    for array in (g.indptr, g.indices, g.weights):
        if array is not None:
            digest.update(np.ascontiguousarray(array).data)
    if not g.has_identity_labels:
        digest.update("\x1f".join(map(str, g.labels.tolist())).encode())
    return {
        "name": g.name,
        "n_nodes": g.n_nodes,
        "n_edges": g.n_edges,
        "directed": g.directed,
        "weighted": g.is_weighted,
        "sha256": digest.hexdigest(),
    }
