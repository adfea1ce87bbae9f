"""Page pieces drawn the same way on every page: the header, a timed run, a result's layout.

A page reads top to bottom as header, form, run, result; these helpers are the
parts that do not change from page to page, so each page file holds only what
is its own (its form's widgets, the engine call, the metrics it names).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import engine
from app.dashboard.inputs import error_message
from app.dashboard.pickers import pick_node
from app.dashboard.state import current_graph
from app.dashboard.warmup import wait_for_engine

Result = TypeVar("Result")


def page_header(title: str, caption: str | None = None) -> engine.Graph:
    """The graph chosen in the sidebar, after drawing ``"<title>: <graph name>"`` and a caption."""
    graph = current_graph()
    st.title(f"{title}: {graph.name}")
    if caption is not None:
        st.caption(caption)
    return graph


def timed(work: Callable[[], Result], spinner: str | None = None) -> tuple[Result, float]:
    """``work()`` and the seconds it took, under a spinner saying ``spinner`` when given.

    On a fresh install the page first waits for its engine's warm-up (not timed).
    """
    wait_for_engine()
    started = time.perf_counter()
    if spinner is None:
        result = work()
    else:
        with st.spinner(spinner, show_time=True):
            result = work()
    return result, time.perf_counter() - started


def metric_row(metrics: dict[str, str]) -> None:
    """One row of ``st.metric``, a column each, in the order given (label: shown value)."""
    for column, (label, value) in zip(st.columns(len(metrics)), metrics.items()):
        column.metric(label, value)


#: How a score is shown: three significant digits, in scientific notation when tiny or huge
#: (``0.0123``, ``1.23e-07``), so that close scores do not all round to the same text.
SCORE_FORMAT = "%.3g"


def score_columns(table: pd.DataFrame) -> dict[str, st.column_config.NumberColumn]:
    """Column settings that show each fractional float column of ``table`` as a score.

    Whole-number float columns (a volume or cut on an unweighted graph) keep their digits;
    the data itself is untouched, so a download or a test reads the full values.

    >>> table = pd.DataFrame({"node": [1], "score": [0.000123456], "volume": [12345.0]})
    >>> list(score_columns(table))
    ['score']
    """
    columns = {}
    for name in table.columns:
        values = table[name]
        if values.dtype.kind == "f" and not np.all(np.mod(values.fillna(0), 1) == 0):
            columns[name] = st.column_config.NumberColumn(format=SCORE_FORMAT)
    return columns


def show_table(table: pd.DataFrame, **options) -> None:
    """``st.dataframe`` of ``table`` without its index, full width, scores to 3 digits."""
    options = {"hide_index": True, "width": "stretch", **options}
    st.dataframe(table, column_config=score_columns(table), **options)


def figure_beside_table(figure: go.Figure, table: pd.DataFrame, height: int | None = None) -> None:
    """A chart on the left three fifths, its table on the right (``height`` pixels when given)."""
    left, right = st.columns([3, 2])
    left.plotly_chart(figure, width="stretch")
    sizing = {} if height is None else {"height": height}
    with right:
        show_table(table, **sizing)


def node_table_panel(
    graph: engine.Graph,
    title: str,
    key: str,
    query: Callable[[object, int], pd.DataFrame],
) -> None:
    """A node picker and a "How many" slider, then the table ``query(node, k)`` returns.

    Widget keys are ``<key>_node`` and ``<key>_k``; an unknown node's KeyError is shown,
    not raised. For any "nodes like this one" table, e.g. the embeddings' nearest neighbours.
    """
    st.subheader(title)
    node = pick_node(graph, "Node", f"{key}_node")
    k = st.slider("How many", 1, 50, 10, key=f"{key}_k")
    if node is None:
        st.info("Choose a node.")
        return
    try:
        table = query(node, k)
    except KeyError as error:
        st.error(error_message(error))
        return
    show_table(table)
