"""Graph page: the graph drawn (whole when small, else around a centre), and the selection.

Click a node, or lasso or box-select several: they become the selection, which every
page's node pickers start from (the seeds of PageRank, clusters, similar nodes...).
"""

import numpy as np
import pandas as pd
import streamlit as st

from app.dashboard.graph_drawing import MAX_VIEW_NODES, degrees_of, view_nodes
from app.dashboard.graph_view import graph_view, selection_node_ids
from app.dashboard.pickers import selected_labels
from app.dashboard.widgets import page_header

graph = page_header(
    "Graph",
    "Click a node, or lasso or box-select several (the tools above the chart), to select "
    "them: the selection becomes the seeds on every page. Double-click the background to "
    "clear the chart's own selection.",
)

whole = graph.n_nodes <= MAX_VIEW_NODES
centre_key = f"graph_centre@{graph.name}"
if not whole:
    # A large graph is drawn around a centre that stays put while nodes are clicked:
    # clicking selects, the buttons move the view.
    if centre_key not in st.session_state:
        st.session_state[centre_key] = selection_node_ids(graph)
    if st.button(
        "Centre on the selection",
        key="graph_centre",
        disabled=not selection_node_ids(graph),
        help="Draw the selected nodes and their neighbourhood",
    ):
        st.session_state[centre_key] = selection_node_ids(graph)
centre = [] if whole else st.session_state[centre_key]
ids = view_nodes(graph, centre)
if whole:
    st.caption(f"The whole graph: {graph.n_nodes:,} nodes.")
elif centre:
    st.caption(
        f"{len(centre):,} centre nodes and their neighbourhood: {len(ids):,} of "
        f"{graph.n_nodes:,} nodes."
    )
else:
    st.caption(f"The {len(ids):,} highest-degree of {graph.n_nodes:,} nodes.")

graph_view(graph, ids, key="graph_view", choose_colour=True, expand=not whole)

selected = selected_labels(graph)
if not selected:
    st.info("No node selected yet: click one in the graph.")
else:
    shown = ", ".join(str(label) for label in selected[:20])
    more = f" and {len(selected) - 20:,} more" if len(selected) > 20 else ""
    st.success(f"Selected: {shown}{more}. These are now the seeds on every page.")
    picked = np.asarray(selection_node_ids(graph), dtype=np.int64)
    table = {"node": graph.labels_of(picked), "degree": degrees_of(graph, picked)}
    for name, column in graph.attributes.items():
        table[name] = np.asarray(column)[picked]
    st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch")
