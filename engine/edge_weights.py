"""The weight each edge carries, for the measures that take it as an argument.

The graph measures in networkx's conventions (:mod:`engine.clustering_coefficient`,
:mod:`engine.cuts`, :mod:`engine.pagerank_power`) take ``weights``:

- ``None`` or ``False``: every edge weighs 1;
- ``True``: the graph's own weights (a :class:`~loaders.Graph` keeps them as float32;
  1 on every edge of an unweighted graph);
- a float64 array aligned with ``g.indices``: those values. A caller whose weights are
  more precise than a store's float32 (a networkx graph's, a multigraph's count of
  parallel edges) passes them this way, and the measure then computes in float64 from them.

What a measure derives from the weights (a transition matrix, a total volume) is kept
per graph and per weights array (:func:`derived_for`), as :func:`engine.per_graph.derived`
keeps what it derives from a graph: an array must not be changed in place after it
was passed.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TypeVar

import numpy as np

from engine.per_graph import derived
from loaders import Graph

T = TypeVar("T")

#: What ``weights`` may be: see the module's docstring.
Weights = bool | np.ndarray | None


def edge_weights(g: Graph, weights: Weights) -> np.ndarray | None:
    """float64 weights aligned with ``g.indices``, or None when every edge weighs 1.

    >>> from loaders import sample
    >>> g = sample("karate")
    >>> edge_weights(g, None) is None, edge_weights(g, True) is None  # karate is unweighted
    (True, True)
    >>> edge_weights(g, np.full(g.nnz, 2.0))[:3].tolist()
    [2.0, 2.0, 2.0]
    >>> edge_weights(g, np.ones(3))
    Traceback (most recent call last):
    ...
    ValueError: weights must be a float64 array of 156 values (one per CSR entry); got shape (3,)
    """
    if weights is None or weights is False:
        return None
    if weights is True:
        if g.weights is None:
            return None
        return derived("edge_weights.float64", g, lambda graph: graph.weights.astype(np.float64))
    if not isinstance(weights, np.ndarray) or weights.dtype != np.float64 or weights.ndim != 1:
        raise ValueError(
            "weights must be None, a bool or a float64 array aligned with g.indices; "
            f"got {type(weights).__name__}"
            + (f" of {weights.dtype}" if isinstance(weights, np.ndarray) else "")
        )
    if weights.shape[0] != g.nnz:
        raise ValueError(
            f"weights must be a float64 array of {g.nnz} values (one per CSR entry); "
            f"got shape {weights.shape}"
        )
    if not derived_for("edge_weights.finite", g, weights, lambda: bool(np.isfinite(weights).all())):
        raise ValueError("weights must be finite")
    return weights


def derived_for(name: str, g: Graph, weights: Weights, build: Callable[[], T]) -> T:
    """``build()``, computed once per graph, ``name`` and ``weights`` (the array itself,
    not its values: an array is looked up by identity) and kept while both live.

    >>> from loaders import sample
    >>> g, ones = sample("karate"), np.ones(156)
    >>> first = derived_for("doctest.total", g, ones, lambda: float(ones.sum()))
    >>> derived_for("doctest.total", g, ones, lambda: None) == first
    True
    >>> derived_for("doctest.total", g, np.ones(156), lambda: None) is None  # another array
    True
    """
    if not isinstance(weights, np.ndarray):
        unit = weights is None or weights is False
        return derived(f"{name}[{'unit' if unit else 'graph'}]", g, lambda _: build())
    table: dict[int, tuple[weakref.ref, object]] = derived(f"{name}[array]", g, lambda _: {})
    key = id(weights)
    hit = table.get(key)
    if hit is not None and hit[0]() is weights:
        return hit[1]  # type: ignore[return-value]
    value = build()
    table[key] = (weakref.ref(weights, lambda _: table.pop(key, None)), value)
    return value
