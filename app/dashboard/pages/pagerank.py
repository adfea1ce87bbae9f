"""PageRank explorer: Personalized PageRank from seeds chosen by label."""

import numpy as np
import streamlit as st

import engine
from app.dashboard.graph_view import graph_view_beside_table
from app.dashboard.inputs import error_message
from app.dashboard.pickers import pick_nodes, read_seed_picks
from app.dashboard.widgets import metric_row, page_header, timed

METHODS = {
    "hybrid (push + walks)": "hybrid",
    "exact (power iteration)": "exact",
    "push": "push",
    "walks": "walks",
}

graph = page_header("PageRank explorer")


def seed_only_notice(seed_labels, scores) -> None:
    """Say why, when no node but the seeds got a score: never a silent one-row answer."""
    seed_ids = np.unique(graph.node_ids(list(seed_labels)))
    if np.count_nonzero(scores) > seed_ids.size:
        return
    reached = [graph.neighbor_ids(seed_id) for seed_id in seed_ids.tolist()]
    if np.setdiff1d(np.concatenate(reached), seed_ids).size == 0:
        why = "no edge leads out of the seed set, so no walk ever leaves it"
        fix = "Pick seeds with neighbours outside the set."
    else:
        why = "no walk or push reached past them at this accuracy"
        fix = "Lower **α**, or choose the **exact** method."
    st.warning(f"Only the seeds have a score: {why}. {fix}")


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
    seed_only_notice(seed_labels, scores)
    # The seeds, the top k and their neighbourhood, coloured and sized by score.
    graph_view_beside_table(
        graph,
        [*seed_labels, *top["node"]],
        top,
        highlight=seed_labels,
        key="ppr_view",
        colours={"score": scores},
        size_by="score",
    )


pagerank_panel()
