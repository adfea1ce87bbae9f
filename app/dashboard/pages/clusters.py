"""Local clusters: a low-conductance cluster around chosen seeds, its sweep profile and subgraph."""

import numpy as np
import streamlit as st

from app.dashboard.figures import ncp_figure, sweep_profile_figure
from app.dashboard.graph_drawing import MAX_VIEW_NODES, view_nodes
from app.dashboard.graph_view import graph_view
from app.dashboard.inputs import error_message
from app.dashboard.long_run import approved, estimate_caption
from app.dashboard.pickers import pick_nodes, read_picks
from app.dashboard.progress import ProgressBar
from app.dashboard.widgets import figure_beside_table, metric_row, page_header
from app.long_run import estimate_of, unlimited
from engine.cluster import local_cluster
from engine.community_profile import ncp

METHODS = {"PPR push (Andersen–Chung–Lang)": "ppr", "heat kernel (hk-relax)": "heat"}


graph = page_header("Local clusters")


def show_cluster(seeds, found, seconds: float) -> None:
    metric_row(
        {
            "Members": f"{len(found):,}",
            "Conductance": f"{found.conductance:.4f}",
            "Volume": f"{found.volume:,.0f}",
            "Cut": f"{found.cut:,.0f}",
            "Time": f"{seconds * 1000:.1f} ms",
        }
    )
    if found.seed_only:
        st.warning(
            f"Only the seeds came back: no set of at least {found.min_size} nodes around "
            "them has lower conductance. Lower **Least size**, add seeds, or try the heat "
            "kernel."
        )
    chosen = f"ε {found.eps:g}" + ("" if found.t is None else f", t {found.t:g}")
    refined = ", refined by MQI" if found.refined else ""
    st.caption(f"Diffusion kept: {chosen}{refined}.")
    figure_beside_table(sweep_profile_figure(found.profile, len(found)), found.members, 380)
    if found.ladder is not None:
        with st.expander("Accuracy ladder (ε auto)"):
            st.dataframe(found.ladder, hide_index=True)
    scores = np.zeros(graph.n_nodes)
    scores[found.node_ids] = found.scores
    seed_ids = graph.node_ids(list(seeds))

    def side(ids):
        """Each drawn node's side of the cut: a seed, in the cluster, or outside it."""
        inside = np.where(np.isin(ids, found.node_ids), "in the cluster", "outside")
        return np.where(np.isin(ids, seed_ids), "seed", inside)

    graph_view(
        graph,
        view_nodes(graph, [*seed_ids.tolist(), *found.node_ids.tolist()]),
        key="cluster_view",
        colours={"cluster": side, "score": scores},
        highlight=seed_ids.tolist(),
        highlight_name="seeds, selected",
    )
    st.caption(
        "The view shows the seeds, the cluster and the nodes just outside it "
        f"({MAX_VIEW_NODES:,} nodes at most). "
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
        t = right.select_slider(
            "Diffusion time t (heat)",
            [None, 5.0, 10.0, 20.0, 40.0, 80.0],
            None,
            format_func=lambda value: "auto" if value is None else f"{value:g}",
            help="auto: with ε auto, the ladder chooses t too; otherwise 10",
        )
        eps = left.select_slider(
            "Accuracy ε",
            ["auto", 1e-2, 1e-3, 1e-4, 1e-5, 1e-6],
            "auto",
            format_func=lambda value: value if isinstance(value, str) else f"{value:g}",
            help="auto climbs from coarse to fine and keeps the clearest cluster",
        )
        refine = middle.checkbox(
            "Refine with MQI", True, help="Kept only when it lowers conductance"
        )
        min_size = right.number_input("Least size", 1, 10_000, 5, help="No smaller cluster")
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
                    min_size=int(min_size),
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


def ncp_panel() -> None:
    """The network community profile.

    Not a fragment, unlike the cluster panel: a click on a fragment's widget never
    interrupts a running script (Streamlit queues it), so a Cancel button drawn in
    one would wait for the whole profile.
    """
    st.subheader("Network community profile")
    with st.form("ncp"):
        left, right = st.columns(2)
        n_seeds = left.number_input("Random seeds", 1, 2000, 50)
        random_seed = right.number_input("Random seed", 0, 2**31 - 1, 0)
        profiled = st.form_submit_button("Compute profile")
        # Of the form as last submitted (or its defaults): a form's values change on submit.
        parameters = {"n_seeds": int(n_seeds), "seed": int(random_seed)}
        estimate = estimate_of("ncp_estimate", graph, **parameters)
        estimate_caption(estimate, f"Estimate for {int(n_seeds)} seeds")
    request = (graph.name, graph.n_nodes, graph.n_edges, *parameters.values())
    if approved("ncp", profiled, estimate, request):
        with ProgressBar(
            "Network community profile",
            "seeds",
            expected=None if estimate is None else estimate.seconds,
            cancel="ncp",
        ) as bar:
            profile = ncp(graph, **parameters, progress=bar, **unlimited(ncp))
        st.session_state["ncp_result"] = (graph.name, profile, bar.seconds)
    ncp_result = st.session_state.get("ncp_result")
    if ncp_result is not None and ncp_result[0] == graph.name:
        _, profile, seconds = ncp_result
        st.caption(f"{len(profile)} sizes, computed in {seconds:.2f} s")
        figure_beside_table(ncp_figure(profile), profile, 380)


cluster_panel()
ncp_panel()
