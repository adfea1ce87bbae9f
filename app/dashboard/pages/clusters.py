"""Local clusters: a low-conductance cluster around chosen seeds, its sweep profile and subgraph."""

import numpy as np
import streamlit as st

from app.dashboard.figures import ncp_figure, neighbourhood_figure, sweep_profile_figure
from app.dashboard.inputs import error_message
from app.dashboard.pickers import pick_nodes, read_picks
from app.dashboard.progress import ProgressBar
from app.dashboard.state import current_graph
from engine.cluster import local_cluster
from engine.community_profile import ncp

METHODS = {"PPR push (Andersen–Chung–Lang)": "ppr", "heat kernel (hk-relax)": "heat"}


graph = current_graph()
st.title(f"Local clusters: {graph.name}")


def show_cluster(seeds, found, seconds: float) -> None:
    columns = st.columns(5)
    columns[0].metric("Members", f"{len(found):,}")
    columns[1].metric("Conductance", f"{found.conductance:.4f}")
    columns[2].metric("Volume", f"{found.volume:,.0f}")
    columns[3].metric("Cut", f"{found.cut:,.0f}")
    columns[4].metric("Time", f"{seconds * 1000:.1f} ms")
    left, right = st.columns([3, 2])
    left.plotly_chart(sweep_profile_figure(found.profile, len(found)), width="stretch")
    right.dataframe(found.members, hide_index=True, width="stretch", height=380)
    scores = np.zeros(graph.n_nodes)
    scores[found.node_ids] = found.scores
    st.plotly_chart(neighbourhood_figure(graph, scores, seeds), width="stretch")
    st.caption(
        "The subgraph shows the seeds and up to 200 members with the highest scores. "
        "Directed graphs are clustered on their symmetrised edges."
    )


@st.fragment
def cluster_panel() -> None:
    """Seeds in, cluster out; a run reruns this panel only."""
    with st.form("cluster"):
        picks = pick_nodes(graph, "Seed nodes", "cluster_seeds")
        left, middle, right = st.columns(3)
        method = left.selectbox("Diffusion", list(METHODS))
        alpha = middle.slider("Teleport probability α (PPR)", 0.01, 0.5, 0.15, 0.01)
        t = right.slider("Diffusion time t (heat)", 1.0, 40.0, 10.0, 1.0)
        eps = left.select_slider(
            "Accuracy ε",
            [None, 1e-2, 1e-3, 1e-4, 1e-5],
            None,
            format_func=lambda value: "method's default" if value is None else f"{value:g}",
            help="Default: 1e-4 for PPR, 1e-3 for heat",
        )
        refine = middle.checkbox("Refine with MQI", help="Kept only when it lowers conductance")
        submitted = st.form_submit_button("Run", type="primary")

    if submitted:
        try:
            seeds = read_picks(graph, picks)
            with ProgressBar("Local cluster") as bar:
                found = local_cluster(
                    graph,
                    seeds,
                    method=METHODS[method],
                    alpha=alpha,
                    t=t,
                    eps=eps,
                    refine="mqi" if refine else None,
                    progress=bar,
                )
        except (ValueError, KeyError) as error:
            st.error(error_message(error))
        else:
            st.session_state["cluster_result"] = (graph.name, seeds, found, bar.seconds)

    result = st.session_state.get("cluster_result")
    if result is None or result[0] != graph.name:
        st.info("Choose seed nodes and press **Run**.")
    else:
        show_cluster(*result[1:])


@st.fragment
def ncp_panel() -> None:
    """The network community profile; a run reruns this panel only."""
    st.subheader("Network community profile")
    with st.form("ncp"):
        left, right = st.columns(2)
        n_seeds = left.number_input("Random seeds", 1, 2000, 50)
        random_seed = right.number_input("Random seed", 0, 2**31 - 1, 0)
        profiled = st.form_submit_button("Compute profile")
    if profiled:
        with ProgressBar("Network community profile", "seeds") as bar:
            profile = ncp(graph, n_seeds=int(n_seeds), seed=int(random_seed), progress=bar)
        st.session_state["ncp_result"] = (graph.name, profile, bar.seconds)
    ncp_result = st.session_state.get("ncp_result")
    if ncp_result is not None and ncp_result[0] == graph.name:
        _, profile, seconds = ncp_result
        st.caption(f"{len(profile)} sizes, computed in {seconds:.2f} s")
        left, right = st.columns([3, 2])
        left.plotly_chart(ncp_figure(profile), width="stretch")
        right.dataframe(profile, hide_index=True, width="stretch", height=380)


cluster_panel()
ncp_panel()
