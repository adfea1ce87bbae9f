"""Similar nodes: MinHash-LSH neighbourhood queries and community expansion from seeds."""

import time

import numpy as np
import streamlit as st

from app.dashboard.figures import neighbourhood_figure
from app.dashboard.inputs import error_message
from app.dashboard.pickers import pick_node, pick_nodes, read_picks
from app.dashboard.progress import ProgressBar
from app.dashboard.state import current_graph
from engine.similarity import NeighbourhoodIndex

graph = current_graph()
st.title(f"Similar nodes: {graph.name}")
st.caption(
    "Each node's neighbourhood is summarised by a MinHash signature; an LSH index finds "
    "nodes with similar neighbourhoods, re-ranked by exact Jaccard (Chamberlain et al. 2016)."
)

with st.expander("Index parameters"):
    left, right = st.columns(2)
    num_perm = left.select_slider("Signature length (num_perm)", [32, 64, 128, 256], 128)
    threshold = right.slider("Jaccard threshold of the LSH bands", 0.1, 0.9, 0.5, 0.05)

indexes = st.session_state.setdefault("neighbourhood_indexes", {})
key = (graph.name, graph.n_nodes, graph.n_edges, num_perm, threshold)
if key not in indexes:
    with ProgressBar("MinHash index") as bar:
        built = NeighbourhoodIndex.build(graph, num_perm, threshold, progress=bar)
    indexes[key] = (built, bar.seconds)
index, build_seconds = indexes[key]
st.caption(
    f"Index: {index.lsh.bands} bands × {index.lsh.rows} rows, built in "
    f"{build_seconds * 1000:.0f} ms"
)


def scores_of(labels, values) -> np.ndarray:
    scores = np.zeros(graph.n_nodes)
    if len(labels):
        scores[graph.node_ids(list(labels))] = values
    return scores


@st.fragment
def similar_panel() -> None:
    """Query one node; a submit reruns this panel only."""
    with st.form("similar"):
        left, right = st.columns([3, 1])
        with left:
            node = pick_node(graph, "Node", "similar_node")
        k = right.number_input("How many", 1, 100, 10)
        asked = st.form_submit_button("Find similar nodes", type="primary")
    if asked:
        try:
            if node is None:
                raise ValueError("choose a node")
            started = time.perf_counter()
            table = index.similar(node, int(k))
            st.session_state["similar_result"] = (key, node, table, time.perf_counter() - started)
        except (ValueError, KeyError) as error:
            st.error(error_message(error))
    result = st.session_state.get("similar_result")
    if result is not None and result[0] == key:
        _, node, table, seconds = result
        columns = st.columns(3)
        columns[0].metric("Most similar", str(table["node"].iloc[0]) if len(table) else "—")
        columns[1].metric("Its Jaccard", f"{table['jaccard'].iloc[0]:.3f}" if len(table) else "—")
        columns[2].metric("Query time", f"{seconds * 1000:.1f} ms")
        left, right = st.columns([3, 2])
        left.plotly_chart(
            neighbourhood_figure(graph, scores_of(table["node"], table["jaccard"]), [node]),
            width="stretch",
        )
        right.dataframe(table, hide_index=True, width="stretch")


@st.fragment
def expand_panel() -> None:
    """Grow a community from seeds; a submit reruns this panel only."""
    with st.form("expand"):
        left, right = st.columns([3, 1])
        with left:
            picks = pick_nodes(graph, "Seed nodes", "expand_seeds")
        rounds = right.number_input("Rounds", 1, 10, 3)
        grown = st.form_submit_button("Grow community", type="primary")
    if grown:
        try:
            seeds = read_picks(graph, picks)
            started = time.perf_counter()
            with st.spinner("Growing the community…", show_time=True):
                community = index.expand(seeds, rounds=int(rounds))
            st.session_state["expand_result"] = (
                key,
                seeds,
                community,
                time.perf_counter() - started,
            )
        except (ValueError, KeyError) as error:
            st.error(error_message(error))
    result = st.session_state.get("expand_result")
    if result is not None and result[0] == key:
        _, seeds, community, seconds = result
        columns = st.columns(3)
        columns[0].metric("Members", f"{len(community):,}")
        columns[1].metric("Conductance", f"{community.conductance:.4f}")
        columns[2].metric("Time", f"{seconds * 1000:.0f} ms")
        members = community.members
        left, right = st.columns([3, 2])
        left.plotly_chart(
            neighbourhood_figure(graph, scores_of(members["node"], members["score"]), seeds),
            width="stretch",
        )
        right.dataframe(members, hide_index=True, width="stretch")


similar_tab, expand_tab = st.tabs(["Similar nodes", "Grow a community"])
with similar_tab:
    similar_panel()
with expand_tab:
    expand_panel()
