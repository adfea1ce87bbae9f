"""Overview page: the chosen graph's size and degree distribution."""

import streamlit as st

from app.dashboard.figures import degree_distribution_figure, top_degree_table
from app.dashboard.state import current_graph

graph = current_graph()
st.title(f"Overview: {graph.name}")

degrees = graph.degree()
possible_edges = graph.n_nodes * (graph.n_nodes - 1) / (1 if graph.directed else 2)
columns = st.columns(4)
columns[0].metric("Nodes", f"{graph.n_nodes:,}")
columns[1].metric("Edges", f"{graph.n_edges:,}")
columns[2].metric("Density", f"{graph.n_edges / possible_edges:.4g}" if possible_edges else "—")
columns[3].metric("Mean degree", f"{degrees.mean():.2f}" if graph.n_nodes else "—")
kind = [
    "directed" if graph.directed else "undirected",
    "weighted" if graph.is_weighted else "unweighted",
]
attributes = ", ".join(graph.attributes) or "none"
st.caption(f"{' · '.join(kind)} · node attributes: {attributes}")

left, right = st.columns([3, 2])
left.plotly_chart(degree_distribution_figure(degrees), width="stretch")
right.subheader("Top nodes by degree")
right.dataframe(top_degree_table(graph, 10), hide_index=True, width="stretch")
