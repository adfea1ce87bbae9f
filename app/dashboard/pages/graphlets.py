"""Graphlets page: orbit counts (graphlet degree vectors), graphlet totals, similar roles."""

import streamlit as st

from app.dashboard.graph_view import graph_view_beside_table, matrix_colours, sparse_colour
from app.dashboard.inputs import error_message
from app.dashboard.long_run import approved
from app.dashboard.pickers import pick_node
from app.dashboard.progress import ProgressBar
from app.dashboard.state import current_graph
from app.long_run import estimate_of, one_after_another, short_estimate, unlimited
from app.tables import edge_orbit_table, orbit_table
from engine.graphlets import edge_orbit_counts, gdv_similarity, graphlet_counts, orbit_counts

graph = current_graph()
st.title(f"Graphlets: {graph.name}")
st.caption(
    "Exact counts of the graphlets around every node (ORCA's numbering: 15 node orbits "
    "for 2–4 nodes, 73 for 2–5) and edge (12 edge orbits, 2–4 nodes); directed graphs "
    "are counted on their undirected simple version. Similar roles use the "
    "graphlet-degree-vector signature similarity of Milenković & Pržulj (2008)."
)

with st.form("graphlet_form"):
    left, right = st.columns(2)
    size = left.radio(
        "Graphlets of up to",
        [4, 5],
        format_func=lambda nodes: f"{nodes} nodes ({15 if nodes == 4 else 73} orbits)",
        horizontal=True,
        help="5-node graphlets take far longer: there are many more of them around each node.",
    )
    with_edges = right.checkbox("Also count edge orbits (up to 4 nodes)", value=False)
    submitted = st.form_submit_button("Count orbits", type="primary")
    # Every choice's estimate: the form's choice is only known once it is submitted.
    # They share one pass over the degrees (orbit_statistics, kept per graph).
    estimates = {nodes: estimate_of("orbit_counts_estimate", graph, nodes) for nodes in (4, 5)}
    edge_estimate = estimate_of("edge_orbit_counts_estimate", graph)
    shown = [
        f"{nodes} nodes {short_estimate(estimate)}"
        for nodes, estimate in estimates.items()
        if estimate is not None
    ]
    if edge_estimate is not None:
        shown.append(f"edge orbits {short_estimate(edge_estimate)} more")
    st.caption("Estimate: " + " · ".join(shown))

cache = st.session_state.setdefault("graphlet_orbits", {})
key = (graph.name, graph.n_nodes, graph.n_edges, size)
wanted = key not in cache or (with_edges and cache[key][1] is None)
run_estimate = one_after_another(estimates[size], edge_estimate if with_edges else None)
# Above the threshold a submitted count waits for "Run anyway" (the form keeps its values).
if approved("graphlets", submitted and wanted, run_estimate, (key, with_edges)):
    st.session_state["graphlet_size"] = size
    with ProgressBar(
        f"Orbits of graphlets up to {size} nodes",
        expected=run_estimate.seconds if run_estimate else None,
        cancel="graphlets",
    ) as bar:
        orbits = orbit_counts(graph, progress=bar, graphlet_size=size, **unlimited(orbit_counts))
        edge_orbits = (
            edge_orbit_counts(graph, progress=bar, **unlimited(edge_orbit_counts))
            if with_edges
            else None
        )
    cache[key] = (orbits, edge_orbits, bar.seconds)
elif submitted and not wanted:
    st.session_state["graphlet_size"] = size
size = st.session_state.get("graphlet_size", 4)
key = (graph.name, graph.n_nodes, graph.n_edges, size)

if key not in cache:
    st.info("Press **Count orbits**.")
    st.stop()

orbits, edge_orbits, seconds = cache[key]
st.success(f"Orbits of {graph.n_nodes:,} nodes in {seconds:.2f} s")

totals = graphlet_counts(graph, orbits=orbits, graphlet_size=size)
left, right = st.columns(2)
with left:
    st.subheader("Graphlets")
    st.dataframe(totals, hide_index=True, width="stretch")
with right:
    st.bar_chart(totals.set_index("name")["count"], horizontal=True)


@st.fragment
def similar_panel() -> None:
    st.subheader("Similar structural roles")
    node = pick_node(graph, "Node", "graphlet_node")
    k = st.slider("How many", 1, 50, 10, key="graphlet_k")
    if node is None:
        st.info("Choose a node.")
        return
    try:
        # Counted 5-node graphlets compare over all 73 orbits, as the paper does.
        table = gdv_similarity(graph, node, k=k, orbits=orbits)
    except KeyError as error:
        st.error(error_message(error))
        return
    if not len(table):
        st.info(f"No other node to compare with node {node}: the graph has one node.")
        return
    # The node and its role-mates with their neighbourhoods, coloured by similarity or
    # by any orbit count.
    similarity = sparse_colour(graph, [node, *table["node"]], [1.0, *table["similarity"]])
    graph_view_beside_table(
        graph,
        [node, *table["node"]],
        table,
        highlight=[node],
        key="graphlet_view",
        colours={"similarity": similarity, **matrix_colours(orbits, "orbit")},
        choose_colour=True,
    )


similar_panel()
st.subheader("Graphlet degree vectors")
vectors = orbit_table(graph, orbits)
st.dataframe(vectors, hide_index=True, width="stretch")
# Written when pressed, not on every rerun: 100k nodes make a ~5 MB CSV.
st.download_button(
    "Download CSV",
    lambda: vectors.to_csv(index=False),
    file_name=f"{graph.name}-orbits{size}.csv",
    on_click="ignore",
)
if edge_orbits is not None:
    st.subheader("Edge orbits")
    st.dataframe(edge_orbit_table(graph, edge_orbits), hide_index=True, width="stretch")
