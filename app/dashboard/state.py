"""Shared dashboard state: the graph chosen in the sidebar, cached across reruns and sessions."""

from __future__ import annotations

import streamlit as st

import engine

GRAPH_KEY = "sample_picker"


@st.cache_resource(show_spinner="Opening graph…")
def open_sample(name: str) -> engine.Graph:
    """A bundled sample graph, opened once per server (its arrays are read-only memory maps)."""
    return engine.sample(name)


def sidebar_graph_picker() -> None:
    """Draw the graph picker in the sidebar (the router calls this on every run)."""
    if GRAPH_KEY in st.session_state:
        # Re-assigning keeps the choice when a page switch skips drawing the widget:
        # Streamlit forgets the state of widgets a run does not draw.
        st.session_state[GRAPH_KEY] = st.session_state[GRAPH_KEY]
    choice = st.sidebar.selectbox(
        "Sample graph",
        engine.sample_names(),
        key=GRAPH_KEY,
        help="Graphs bundled with gwb in sample_graphs/",
    )
    graph = open_sample(choice)
    st.sidebar.caption(f"{graph.n_nodes:,} nodes · {graph.n_edges:,} edges")


def current_graph() -> engine.Graph:
    """The graph chosen in the sidebar."""
    return open_sample(st.session_state.get(GRAPH_KEY) or engine.sample_names()[0])
