"""PageRank explorer: Personalized PageRank from seeds chosen by label."""

import streamlit as st

import engine
from app.dashboard.figures import neighbourhood_figure
from app.dashboard.inputs import error_message
from app.dashboard.pickers import pick_nodes, read_seed_picks
from app.dashboard.widgets import figure_beside_table, metric_row, page_header, timed

METHODS = {
    "hybrid (push + walks)": "hybrid",
    "exact (power iteration)": "exact",
    "push": "push",
    "walks": "walks",
}

graph = page_header("PageRank explorer")


@st.fragment
def pagerank_panel() -> None:
    """Seeds and parameters in, scores out; a query reruns this panel only."""
    with st.form("ppr"):
        picks = pick_nodes(
            graph,
            "Seed nodes",
            "ppr_seeds",
            help="Pick labels, or type one; type label=weight for a weighted seed set",
        )
        left, middle, right = st.columns(3)
        alpha = left.slider("Teleport probability α", 0.01, 0.99, 0.15, 0.01)
        method = middle.selectbox("Method", list(METHODS))
        eps = right.select_slider("Accuracy (relative error ε)", [0.1, 0.2, 0.3, 0.5, 1.0], 0.5)
        top_k = left.number_input("Top k", 1, 1000, 20)
        devices = ["cpu", "gpu"] if engine.gpu_status()[0] else ["cpu"]
        device = middle.selectbox("Device", devices)
        submitted = st.form_submit_button("Run", type="primary")

    if submitted:
        try:
            seeds = read_seed_picks(graph, picks)
            options = {"alpha": alpha, "method": METHODS[method], "eps": eps, "device": device}
            scores, seconds = timed(
                lambda: engine.ppr(graph, seeds, **options, seed=0), "Computing PageRank…"
            )
        except (ValueError, KeyError, RuntimeError) as error:
            st.error(error_message(error))
            return
        st.session_state["ppr_result"] = (graph.name, seeds, scores, seconds, int(top_k))

    result = st.session_state.get("ppr_result")
    if result is None or result[0] != graph.name:
        st.info("Choose seed nodes and press **Run**.")
        return
    _, seeds, scores, seconds, top_k = result
    top = engine.top_nodes(graph, scores, top_k)
    metric_row(
        {
            "Top node": str(top["node"].iloc[0]) if len(top) else "—",
            "Nodes with a score": f"{int((scores > 0).sum()):,}",
            "Time": f"{seconds * 1000:.0f} ms",
        }
    )
    seed_labels = seeds if not isinstance(seeds, dict) else list(seeds)
    figure_beside_table(neighbourhood_figure(graph, scores, seed_labels), top)


pagerank_panel()
