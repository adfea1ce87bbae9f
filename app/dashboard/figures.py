"""Plotly figure builders: pure functions from arrays to figures, tested apart from Streamlit."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go


def degree_histogram(degrees: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct positive degrees and how many nodes have each (zero degrees left out).

    >>> degree_histogram(np.array([0, 1, 1, 3]))
    (array([1, 3]), array([2, 1]))
    """
    values, counts = np.unique(np.asarray(degrees)[np.asarray(degrees) > 0], return_counts=True)
    return values, counts


def degree_distribution_figure(
    degrees: np.ndarray, *, title: str = "Degree distribution"
) -> go.Figure:
    """Log-log scatter of node count against degree.

    >>> fig = degree_distribution_figure(np.array([1, 1, 2, 5]))
    >>> fig.data[0].x.tolist(), fig.data[0].y.tolist()
    ([1, 2, 5], [2, 1, 1])
    """
    values, counts = degree_histogram(degrees)
    figure = go.Figure(
        go.Scatter(
            x=values,
            y=counts,
            mode="markers",
            hovertemplate="degree %{x}: %{y} nodes<extra></extra>",
        )
    )
    figure.update_layout(
        title=title,
        xaxis_title="degree",
        yaxis_title="nodes",
        xaxis_type="log",
        yaxis_type="log",
        height=420,
        margin={"l": 40, "r": 20, "t": 50, "b": 40},
    )
    return figure


def top_degree_table(graph, k: int = 10):
    """The ``k`` nodes of highest degree as a DataFrame (``node``, ``degree``), ties by id.

    >>> from loaders import sample
    >>> top_degree_table(sample("karate"), 2)["node"].tolist()
    [33, 0]
    """
    import pandas as pd

    degrees = graph.degree()
    order = np.lexsort((np.arange(degrees.size), -degrees))[:k]
    return pd.DataFrame({"node": graph.labels[order], "degree": degrees[order]})
