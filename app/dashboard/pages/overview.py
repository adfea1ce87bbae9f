"""Overview page: the chosen graph's size, components, degree distribution and top nodes."""

import numpy as np
import streamlit as st
from scipy.sparse.csgraph import connected_components

import engine
from app.dashboard.figures import degree_distribution_figure, top_degree_table
from app.dashboard.graph_drawing import view_nodes
from app.dashboard.graph_view import graph_view
from app.dashboard.warmup import wait_for_engine
from app.dashboard.widgets import page_header, show_table

graph = page_header("Overview")

degrees = graph.degree()
possible_edges = graph.n_nodes * (graph.n_nodes - 1) / (1 if graph.directed else 2)
with st.spinner("Connected components…", show_time=True):
    n_components, membership = connected_components(
        graph.to_scipy(), directed=graph.directed, connection="weak"
    )
largest = int(np.bincount(membership).max()) if graph.n_nodes else 0
columns = st.columns(5)
columns[0].metric("Nodes", f"{graph.n_nodes:,}")
columns[1].metric("Edges", f"{graph.n_edges:,}")
columns[2].metric("Density", f"{graph.n_edges / possible_edges:.4g}" if possible_edges else "—")
columns[3].metric("Mean degree", f"{degrees.mean():.2f}" if graph.n_nodes else "—")
columns[4].metric("Components", f"{n_components:,}", help=f"largest: {largest:,} nodes")
kind = [
    "directed" if graph.directed else "undirected",
    "weighted" if graph.is_weighted else "unweighted",
]
attributes = ", ".join(graph.attributes) or "none"
st.caption(f"{' · '.join(kind)} · node attributes: {attributes}")

left, right = st.columns([3, 2])
left.plotly_chart(degree_distribution_figure(degrees), width="stretch")
right.subheader("Top nodes by degree")
with right:
    show_table(top_degree_table(graph, 10))


def pagerank_table(graph: engine.Graph, k: int = 10):
    """Global PageRank (teleport to every node alike, alpha 0.15), top ``k``, cached per graph."""
    cache = st.session_state.setdefault("overview_pagerank", {})
    key = (graph.name, graph.n_nodes, graph.n_edges)
    if key not in cache:
        wait_for_engine("overview")  # a fresh install's first PageRank loads, not compiles
        with st.spinner("PageRank…", show_time=True):
            scores = engine.ppr(graph, list(graph.labels), method="exact")
            cache[key] = engine.top_nodes(graph, scores, k)
    return cache[key]


if graph.n_nodes:
    right.subheader("Top nodes by PageRank")
    with right:
        show_table(pagerank_table(graph))


if graph.n_nodes:
    st.subheader("The graph")
    ids = view_nodes(graph, [])
    if ids.size < graph.n_nodes:
        st.caption(
            f"The {ids.size:,} highest-degree of {graph.n_nodes:,} nodes; the Graph page "
            "draws any node's neighbourhood."
        )
    # A click here selects nodes for every page, like on the Graph page.
    graph_view(graph, ids, key="overview", choose_colour=True)
