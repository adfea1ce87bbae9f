"""Reading what an analyst types: node labels, seed sets, and engine errors shown back."""

from __future__ import annotations

import weakref

import numpy as np
import pandas as pd

import engine


def parse_label(graph: engine.Graph, text: str):
    """One label: an int when the graph's labels are ints and the text reads as one.

    >>> g = engine.sample("karate")
    >>> parse_label(g, " 33 "), parse_label(g, "x")
    (33, 'x')
    """
    text = text.strip()
    if graph.labels.dtype.kind in "iu":
        try:
            return int(text)
        except ValueError:
            return text
    return text


def parse_labels(graph: engine.Graph, text: str) -> list:
    """Comma-separated labels.

    >>> parse_labels(engine.sample("lesmis"), "Valjean, Javert,")
    ['Valjean', 'Javert']
    """
    return [parse_label(graph, part) for part in text.split(",") if part.strip()]


def parse_seeds(graph: engine.Graph, text: str) -> list | dict:
    """``a, b`` → ``[a, b]``; ``a=2, b=1`` → ``{a: 2.0, b: 1.0}`` (a weighted seed set).

    >>> parse_seeds(engine.sample("karate"), "0=2, 33=1")
    {0: 2.0, 33: 1.0}
    """
    parts = [part for part in text.split(",") if part.strip()]
    if any("=" in part for part in parts):
        weights = {}
        for part in parts:
            label, _, weight = part.partition("=")
            weights[parse_label(graph, label)] = float(weight)
        return weights
    return [parse_label(graph, part) for part in parts]


def error_message(error: Exception) -> str:
    """The engine's message: a KeyError's argument without the quotes ``str()`` adds.

    >>> error_message(KeyError("node 'x' not found"))
    "node 'x' not found"
    """
    return str(error.args[0]) if isinstance(error, KeyError) and error.args else str(error)


def find_nodes(graph: engine.Graph, query: str, limit: int = 20) -> pd.DataFrame:
    """Nodes whose label contains ``query`` (case-insensitive), exact matches first.

    Columns ``node`` and ``degree``; at most ``limit`` rows, by degree within each group.

    >>> find_nodes(engine.sample("lesmis"), "jean").iloc[0]["node"]
    'Valjean'
    """
    query = query.strip().lower()
    if not query or graph.n_nodes == 0:
        return pd.DataFrame({"node": [], "degree": []})
    # Every picker on the page asks again on each rerun; at 1M nodes one scan costs
    # a few hundred milliseconds, so answers (and the lower-cased labels) are kept
    # for as long as the graph object lives.
    found = _FOUND.setdefault(graph, {})
    if (query, limit) not in found:
        if len(found) >= 64:
            found.clear()
        found[query, limit] = _scan_labels(graph, query, limit)
    return found[query, limit].copy()


_LOWER_LABELS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_FOUND: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _scan_labels(graph: engine.Graph, query: str, limit: int) -> pd.DataFrame:
    if graph not in _LOWER_LABELS:
        _LOWER_LABELS[graph] = pd.Series(graph.labels).astype(str).str.lower()
    labels = _LOWER_LABELS[graph]
    contains = labels.str.contains(query, regex=False).to_numpy()
    ids = np.flatnonzero(contains)
    exact = (labels.to_numpy()[ids] == query) if len(ids) else np.zeros(0, bool)
    degree = graph.degree()[ids]
    order = np.lexsort((-degree, ~exact))[:limit]
    return pd.DataFrame({"node": graph.labels_of(ids[order]), "degree": degree[order]})
