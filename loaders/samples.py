"""The sample graphs that ship in ``sample_graphs/`` as ``.gwb`` stores.

They are produced by ``sample_graphs/make_samples.py`` from networkx's bundled
data and the project's own generator, so a fresh checkout needs nothing else.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from loaders.graph import Graph
from loaders.load import open_store

#: name → one-line description, in the order ``samples()`` lists them.
SAMPLES = {
    "karate": "Zachary's karate club: 34 members, 78 ties; attribute 'club' is the faction "
    "each member joined after the split",
    "lesmis": "Les Misérables co-appearances (Knuth): 77 characters by name, 254 weighted edges",
    "florentine": "Florentine families (Padgett): 15 families by name, 20 marriage ties",
    "planted": "Planted-partition graph: 10,000 nodes in 20 communities, mixing 0.3; "
    "attribute 'community' is the ground truth",
}
DEFAULT_SAMPLE = "karate"


def samples_dir() -> Path:
    """The folder holding the sample stores (``$GWB_SAMPLES_DIR`` overrides it)."""
    override = os.environ.get("GWB_SAMPLES_DIR")
    return Path(override) if override else Path(__file__).resolve().parent.parent / "sample_graphs"


def sample_names() -> list[str]:
    """Names of the bundled sample graphs, the default first.

    >>> sample_names()[0]
    'karate'
    """
    return list(SAMPLES)


def samples() -> pd.DataFrame:
    """The bundled sample graphs: name, description, nodes, edges.

    >>> samples()["name"].tolist()
    ['karate', 'lesmis', 'florentine', 'planted']
    """
    rows = []
    for name, description in SAMPLES.items():
        graph = sample(name)
        rows.append(
            {
                "name": name,
                "description": description,
                "nodes": graph.n_nodes,
                "edges": graph.n_edges,
                "weighted": graph.is_weighted,
            }
        )
    return pd.DataFrame(rows)


def sample(name: str = DEFAULT_SAMPLE) -> Graph:
    """Open a bundled sample graph by name (memory-mapped).

    >>> sample("karate")
    <Graph 'karate': 34 nodes, 78 edges, undirected, unweighted, attributes: club>
    """
    if name not in SAMPLES:
        raise KeyError(f"no sample graph {name!r}; samples: {', '.join(SAMPLES)}")
    return open_store(samples_dir() / f"{name}.gwb")
