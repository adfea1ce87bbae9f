"""The graph view: a clickable picture of part of the graph, shared by the Graph page and
the PageRank, Similar nodes, Local clusters and Graphlets pages.

What is drawn and how (node choice, layout, figure) is in
:mod:`app.dashboard.graph_drawing`; this module puts it on the page. Clicking a
node, or selecting with the lasso or the box, makes the selected nodes the graph's
selection (:func:`app.dashboard.pickers.set_selection`): every node picker on every
page starts from it, so a click in any view chooses the seeds everywhere. On the
Graph page, "Expand" adds the selected nodes' neighbours to the view.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping

import numpy as np
import pandas as pd
import streamlit as st

import engine
from app.dashboard.graph_drawing import (
    LAYOUTS,
    MAX_VIEW_NODES,
    Colour,
    colour_columns,
    graph_view_figure,
    induced_edges,
    neighbour_ids,
    selection_ids,
    view_nodes,
)
from app.dashboard.pickers import selected_labels, set_selection
from app.dashboard.widgets import show_table

SELECTION_MODES = ("points", "lasso", "box")


def _take_selection(graph: engine.Graph, chart_key: str) -> None:
    """The chart's ``on_select`` callback: its nodes become the graph's selection.

    A callback runs before the rerun draws anything, so every picker drawn in
    that rerun, on this page too, already starts from the new selection. An
    empty selection (a double click on the background) keeps the last one.
    """
    ids = selection_ids(st.session_state.get(chart_key))
    if ids:
        set_selection(graph, graph.labels_of(np.asarray(ids)).tolist())


def _expansion_key(graph: engine.Graph, key: str) -> str:
    return f"{key}_expanded@{graph.name}"


def graph_view(
    graph: engine.Graph,
    node_ids,
    *,
    key: str,
    colours: Mapping[str, Colour] | None = None,
    colour_by: str | None = None,
    choose_colour: bool = False,
    size_by: str | None = None,
    highlight=(),
    highlight_name: str = "selected",
    expand: bool = False,
    title: str = "",
) -> list:
    """Draw a graph view of ``node_ids`` and return the graph's selection (labels).

    Parameters
    ----------
    graph : engine.Graph
    node_ids : sequence of int
        The nodes to draw (see :func:`view_nodes`), at most :data:`MAX_VIEW_NODES`.
    key : str
        The view's name: its widgets' keys start with it (``<key>@<graph>`` is the chart).
    colours : mapping of str to numpy.ndarray or callable, optional
        A page's own node values to colour by, beside degree and the node attributes:
        arrays aligned with node ids, or functions from drawn ids to their values (a
        membership needs no array as long as the graph).
    colour_by : str, optional
        The colour shown first (default: the first of ``colours``, else degree).
    choose_colour : bool
        Draw a "Colour by" box (key ``<key>_colour@<graph>``).
    size_by : str, optional
        A numeric colour column to size nodes by (default degree).
    highlight : sequence of int
        Node ids to outline besides the selection (seeds, a query node).
    highlight_name : str
        The outlined nodes' legend entry.
    expand : bool
        Draw "Expand" (add the selected nodes' neighbours to the view) and "Reset view".
        Added nodes are kept per view and dropped when ``node_ids`` change.
    title : str
    """
    columns = colour_columns(graph, colours)
    names = list(columns)
    chosen = colour_by if colour_by in columns else names[0]
    if choose_colour:
        chosen = st.selectbox(
            "Colour by",
            names,
            index=names.index(chosen),
            key=f"{key}_colour@{graph.name}",
            help="Degree, the page's own scores, or a node attribute (node table)",
        )
    selected_ids = selection_node_ids(graph)
    ids = np.unique(np.asarray(list(node_ids), dtype=np.int64))
    if expand:
        ids = _expanded(graph, ids, selected_ids, key)
    edges = induced_edges(graph, ids)
    positions = LAYOUTS.positions(len(ids), edges)
    size = None if size_by is None else _values(columns[size_by], ids)
    figure = graph_view_figure(
        graph,
        ids,
        positions,
        edges,
        colour=_values(columns[chosen], ids),
        colour_name=chosen,
        size=size,
        highlight=[*selected_ids, *highlight],
        highlight_name=highlight_name,
        title=title,
    )
    chart_key = f"{key}@{graph.name}"
    st.plotly_chart(
        figure,
        width="stretch",
        key=chart_key,
        on_select=functools.partial(_take_selection, graph, chart_key),
        selection_mode=SELECTION_MODES,
    )
    return selected_labels(graph)


def _values(column: Colour, ids: np.ndarray) -> np.ndarray:
    """A colour column's values at ``ids``: an array indexed, a function called."""
    return np.asarray(column(ids) if callable(column) else np.asarray(column)[ids])


def sparse_colour(graph: engine.Graph, labels, values, default: float = 0.0) -> Colour:
    """A colour for a few nodes (a query's answer): ``values`` at ``labels``, ``default``
    elsewhere, as a function of the drawn ids, so no array as long as the graph is made.

    >>> colour = sparse_colour(engine.sample("karate"), [33, 0], [1.0, 0.5])
    >>> colour(np.array([0, 1, 33])).tolist()
    [0.5, 0.0, 1.0]
    """
    known = pd.Series(np.asarray(values, dtype=np.float64), index=graph.node_ids(list(labels)))
    known = known[~known.index.duplicated()]
    return lambda ids: known.reindex(ids).fillna(default).to_numpy()


def matrix_colours(matrix: np.ndarray, name: str) -> dict[str, Colour]:
    """One colour per column of a node × column matrix (orbit counts): ``"<name> <j>"``,
    as floats so that each is a colour bar, read only at the drawn ids.

    >>> colours = matrix_colours(np.arange(6).reshape(3, 2), "orbit")
    >>> list(colours), colours["orbit 1"](np.array([2, 0])).tolist()
    (['orbit 0', 'orbit 1'], [5.0, 1.0])
    """
    return {
        f"{name} {column}": functools.partial(_matrix_column, matrix, column)
        for column in range(matrix.shape[1])
    }


def _matrix_column(matrix: np.ndarray, column: int, ids: np.ndarray) -> np.ndarray:
    return np.asarray(matrix[ids, column], dtype=np.float64)


def graph_view_beside_table(
    graph: engine.Graph, focus, table: pd.DataFrame, *, highlight=(), **view
) -> None:
    """A graph view of ``focus`` and its neighbourhood on the left three fifths, ``table``
    on the right: a page's answer drawn where it lies in the graph.

    ``focus`` and ``highlight`` are labels (the answer's nodes, the seeds), the focus
    most important first, as :func:`~app.dashboard.graph_drawing.view_nodes` takes
    them; ``view`` goes to :func:`graph_view` (``key`` is required). The seeds are
    outlined under the legend entry "seeds, selected".
    """
    focus_ids = graph.node_ids(list(focus)) if len(focus) else []
    highlight_ids = graph.node_ids(list(highlight)).tolist() if len(highlight) else []
    left, right = st.columns([3, 2])
    with left:
        graph_view(
            graph,
            view_nodes(graph, focus_ids),
            highlight=highlight_ids,
            highlight_name="seeds, selected",
            **view,
        )
    with right:
        show_table(table)


def selection_node_ids(graph: engine.Graph) -> list[int]:
    """Ids of the selected nodes this graph has (a selection made on another graph of the
    same name may name nodes it lacks; those are skipped)."""
    ids = []
    for label in selected_labels(graph):
        try:
            ids.append(graph.node_id(label))
        except KeyError:
            continue
    return ids


def _expanded(graph: engine.Graph, ids: np.ndarray, selected_ids: list, key: str) -> np.ndarray:
    """``ids`` plus what "Expand" added, with the Expand and Reset buttons drawn."""
    state_key = _expansion_key(graph, key)
    base = hashlib.sha1(ids.tobytes()).hexdigest()
    stored = st.session_state.get(state_key)
    added = stored[1] if stored is not None and stored[0] == base else np.zeros(0, np.int64)
    left, right, note = st.columns([1, 1, 4])
    if left.button(
        "Expand",
        key=f"{key}_expand",
        disabled=not selected_ids,
        help="Add the neighbours of the selected nodes to the view",
    ):
        reached = np.union1d(added, np.asarray(selected_ids, dtype=np.int64))
        reached = np.union1d(reached, neighbour_ids(graph, np.asarray(selected_ids)))
        shown = np.union1d(ids, added)
        room = max(MAX_VIEW_NODES - len(shown), 0)
        fresh = np.setdiff1d(reached, shown)
        if len(fresh) > room:
            note.caption(
                f"{len(fresh) - room:,} neighbours left out: the view draws at most "
                f"{MAX_VIEW_NODES:,} nodes."
            )
        added = np.union1d(added, fresh[:room])
        st.session_state[state_key] = (base, added)
    if right.button("Reset view", key=f"{key}_reset", disabled=not len(added)):
        added = np.zeros(0, np.int64)
        st.session_state.pop(state_key, None)
    return np.union1d(ids, added).astype(np.int64)
