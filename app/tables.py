"""Whole-graph results as labelled tables, for the front ends that show or write them.

The engine returns a whole-graph result as a NumPy array indexed by node (or
edge) id; the CLI writes it, and the dashboard shows it, as a DataFrame whose
first columns name each row by its node labels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.graphlets import N_EDGE_ORBITS, N_NODE_ORBITS, N_NODE_ORBITS_5, graphlet_edges
from engine.graphlets.common import check_orbits
from loaders import Graph


def orbit_table(g: Graph, orbits: np.ndarray) -> pd.DataFrame:
    """Node orbit counts as a table: ``node`` (label), then ``o0`` … ``o14`` (or ``o72``).

    Parameters
    ----------
    g : Graph
    orbits : array (n, 15) or (n, 73)
        :func:`engine.orbit_counts` of ``g``; its width decides the columns.

    Examples
    --------
    >>> import engine
    >>> g = engine.sample("karate")
    >>> table = orbit_table(g, engine.orbit_counts(g))
    >>> table.loc[0, ["node", "o0", "o3"]].tolist()
    [0, 16, 18]
    >>> list(orbit_table(g, engine.orbit_counts(g, graphlet_size=5)).columns[-2:])
    ['o71', 'o72']
    """
    orbits = check_orbits(g, orbits, widths=(N_NODE_ORBITS, N_NODE_ORBITS_5))
    table = pd.DataFrame(orbits, columns=[f"o{k}" for k in range(orbits.shape[1])])
    table.insert(0, "node", g.labels)
    return table


def edge_orbit_table(g: Graph, eorbits: np.ndarray) -> pd.DataFrame:
    """Edge orbit counts as a table: ``source``, ``target`` (labels), then ``e0`` … ``e11``.

    Parameters
    ----------
    g : Graph
    eorbits : array (m, 12)
        :func:`engine.edge_orbit_counts` of ``g``, rows in the order of
        :func:`engine.graphlets.graphlet_edges`.

    Examples
    --------
    >>> import engine
    >>> g = engine.sample("karate")
    >>> table = edge_orbit_table(g, engine.edge_orbit_counts(g))
    >>> list(table.columns[:4]), len(table)
    (['source', 'target', 'e0', 'e1'], 78)
    """
    edges = graphlet_edges(g)
    eorbits = np.asarray(eorbits)
    if eorbits.shape != (len(edges), N_EDGE_ORBITS):
        raise ValueError(
            f"eorbits must have shape ({len(edges)}, {N_EDGE_ORBITS}) for this graph; "
            f"got {eorbits.shape}"
        )
    labels = g.labels
    table = pd.DataFrame(eorbits, columns=[f"e{k}" for k in range(N_EDGE_ORBITS)])
    table.insert(0, "target", labels[edges[:, 1]])
    table.insert(0, "source", labels[edges[:, 0]])
    return table
