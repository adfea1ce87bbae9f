"""Things the engine derives from a graph once and keeps while the graph lives.

A PageRank sweep graph, the undirected view local clustering diffuses over, a
copy of the CSR in GPU memory: each is built on first use and dropped with
its graph (a weak reference, so the cache never keeps a graph alive), and
:data:`Progress` is the callback type every long function takes.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TypeVar

from loaders import Graph

#: ``progress(done, total, stage)``: the CLI draws it as a bar, the dashboard as st.progress.
Progress = Callable[[int, int, str], None] | None

T = TypeVar("T")
_CACHES: dict[str, dict[int, tuple[weakref.ref, object]]] = {}


def derived(name: str, g: Graph, build: Callable[[Graph], T]) -> T:
    """``build(g)``, computed once per graph under ``name`` and kept while ``g`` lives.

    >>> from loaders import sample
    >>> g = sample("karate")
    >>> first = derived("doctest.degree", g, lambda graph: graph.degree())
    >>> derived("doctest.degree", g, lambda graph: None) is first
    True
    """
    cache = _CACHES.setdefault(name, {})
    key = id(g)
    hit = cache.get(key)
    if hit is not None and hit[0]() is g:
        return hit[1]  # type: ignore[return-value]
    value = build(g)
    cache[key] = (weakref.ref(g, lambda _: cache.pop(key, None)), value)
    return value


def derived_already(name: str, g: Graph) -> object | None:
    """What :func:`derived` keeps for ``g`` under ``name``, or None when it was not built
    yet (an estimate then counts building it).

    >>> from loaders import sample
    >>> g = sample("karate")
    >>> derived_already("doctest.edges", g) is None
    True
    >>> derived("doctest.edges", g, lambda graph: graph.nnz)
    156
    >>> derived_already("doctest.edges", g)
    156
    """
    hit = _CACHES.get(name, {}).get(id(g))
    return hit[1] if hit is not None and hit[0]() is g else None
