"""Similar nodes: MinHash-LSH neighbourhood queries and community expansion from seeds."""

from collections.abc import Callable

import numpy as np
import streamlit as st

from app.dashboard.graph_view import graph_view_beside_table
from app.dashboard.inputs import error_message
from app.dashboard.long_run import approved, estimate_caption
from app.dashboard.pickers import pick_node, pick_nodes, read_picks
from app.dashboard.progress import ProgressBar
from app.dashboard.widgets import metric_row, page_header, timed
from app.long_run import estimate_of, needs_confirmation, unlimited
from engine.similarity import NeighbourhoodIndex

graph = page_header(
    "Similar nodes",
    "Each node's neighbourhood is summarised by a MinHash signature; an LSH index finds "
    "nodes with similar neighbourhoods, re-ranked by exact Jaccard (Chamberlain et al. 2016).",
)

with st.expander("Index parameters"):
    left, right = st.columns(2)
    num_perm = left.select_slider("Signature length (num_perm)", [32, 64, 128, 256], 128)
    threshold = right.slider("Jaccard threshold of the LSH bands", 0.1, 0.9, 0.5, 0.05)

indexes = st.session_state.setdefault("neighbourhood_indexes", {})
key = (graph.name, graph.n_nodes, graph.n_edges, num_perm, threshold)
if key not in indexes:
    estimate = estimate_of("neighbourhood_index_estimate", graph, num_perm, threshold)
    # Built as the page opens, unless it is long or was cancelled: then on a button.
    on_button = st.session_state.setdefault("neighbourhood_index_on_button", set())
    if st.session_state.get("neighbourhood_index_cancelled"):
        on_button.add(key)
    if key in on_button or needs_confirmation(estimate):
        build = st.button("Build the index", type="primary", key="neighbourhood_index_build")
    else:
        build = True
    estimate_caption(estimate, "Index estimate")
    if approved("neighbourhood_index", build, estimate, key):
        with ProgressBar(
            "MinHash index",
            expected=None if estimate is None else estimate.seconds,
            cancel="neighbourhood_index",
        ) as bar:
            built = NeighbourhoodIndex.build(
                graph,
                num_perm,
                threshold,
                progress=bar,
                **unlimited(NeighbourhoodIndex.build),
            )
        indexes[key] = (built, bar.seconds)
        on_button.discard(key)
    if key not in indexes:
        st.info("Queries need the MinHash index of this graph: press **Build the index**.")
        st.stop()
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


def query_panel(
    form: str,
    *,
    pick: Callable[[], object],
    number: tuple[str, int, int, int],
    button: str,
    answer: Callable[[object, int], tuple],
    show: Callable[..., None],
) -> None:
    """What both tabs draw: a form (a picker beside a number input), its answer, then that shown.

    ``answer(picked, number)`` returns ``(query, result, seconds)``, kept in the session
    under ``<form>_result`` beside the index it came from; ``show(query, result, seconds)``
    draws it for as long as that index is the one in use.
    """
    with st.form(form):
        left, right = st.columns([3, 1])
        with left:
            picked = pick()
        amount = right.number_input(*number)
        asked = st.form_submit_button(button, type="primary")
    if asked:
        try:
            st.session_state[f"{form}_result"] = (key, *answer(picked, int(amount)))
        except (ValueError, KeyError) as error:
            st.error(error_message(error))
    result = st.session_state.get(f"{form}_result")
    if result is not None and result[0] == key:
        show(*result[1:])


def similar_answer(node, k: int) -> tuple:
    if node is None:
        raise ValueError("choose a node")
    table, seconds = timed(lambda: index.similar(node, k), f"Finding nodes like {node}…")
    return node, table, seconds


def why_none_similar(node) -> str:
    """Why no node came back for ``node``: no neighbours, or none shared with a candidate."""
    degree = int(graph.degree()[graph.node_id(node)])
    if degree == 0:
        return f"Node {node} has no neighbours, so no neighbourhood can be like its own."
    return (
        f"No node found by the index shares any of node {node}'s {degree:,} neighbours. "
        "Lower the **Jaccard threshold** or raise the **Signature length** under Index "
        "parameters to widen the search."
    )


def show_similar(node, table, seconds: float) -> None:
    if not len(table):
        st.info(why_none_similar(node))
    metric_row(
        {
            "Most similar": str(table["node"].iloc[0]) if len(table) else "—",
            "Its Jaccard": f"{table['jaccard'].iloc[0]:.3f}" if len(table) else "—",
            "Query time": f"{seconds * 1000:.1f} ms",
        }
    )
    scores = scores_of(table["node"], table["jaccard"])
    graph_view_beside_table(
        graph,
        [node, *table["node"]],
        table,
        highlight=[node],
        key="similar_view",
        colours={"jaccard": scores},
    )


# Parameters of expand that a suggestion may change and this page can apply with a click;
# threshold and num_perm belong to the index (the expander above).
REGROW = ("min_score", "candidates_per_member", "rounds", "max_size")


def grow(seeds, options: dict, spinner: str | None = "Growing the community…") -> tuple:
    """``(query, community, seconds)``: the query keeps the options, for a retry to change."""
    community, seconds = timed(lambda: index.expand(seeds, **options), spinner)
    return {"seeds": seeds, "options": options}, community, seconds


def expand_answer(picks, rounds: int) -> tuple:
    return grow(read_picks(graph, picks), {"rounds": rounds})


def regrow(query: dict, suggested: dict) -> None:
    """Run the suggested parameters: the answer replaces the one shown."""
    st.session_state["expand_result"] = (
        key,
        # A callback runs before the page redraws: no spinner to draw into.
        *grow(query["seeds"], {**query["options"], **suggested}, spinner=None),
    )


def stop_notice(query: dict, community) -> None:
    """Why growth stopped, never silently when only the seeds came back, with a retry button."""
    options = ", ".join(f"{name}={value}" for name, value in query["options"].items())
    message = f"Stopped ({community.stop_reason}): {community.why}."
    if community.seed_only:
        st.warning(f"Only the seeds came back. {message}")
    elif community.stop_reason in ("rounds", "max_size"):
        st.info(message)
    else:
        st.caption(f"{message} Grown with {options}.")
    if community.suggestion is None:
        return
    st.info(f"Suggestion: {community.suggestion}.")
    suggested = community.suggested
    if suggested and set(suggested) <= set(REGROW):
        change = ", ".join(f"{name}={value}" for name, value in suggested.items())
        st.button(
            f"Grow again with {change}",
            key="expand_regrow",
            on_click=regrow,
            args=(query, suggested),
        )


def show_expand(query: dict, community, seconds: float) -> None:
    metric_row(
        {
            "Members": f"{len(community):,}",
            "Conductance": f"{community.conductance:.4f}",
            "Time": f"{seconds * 1000:.0f} ms",
        }
    )
    stop_notice(query, community)
    members = community.members
    scores = scores_of(members["node"], members["score"])
    graph_view_beside_table(
        graph,
        [*query["seeds"], *members["node"]],
        members,
        highlight=query["seeds"],
        key="expand_view",
        colours={"score": scores},
    )
    with st.expander("Rounds"):
        st.dataframe(community.rounds, hide_index=True)


@st.fragment
def similar_panel() -> None:
    """Query one node; a submit reruns this panel only."""
    query_panel(
        "similar",
        pick=lambda: pick_node(graph, "Node", "similar_node"),
        number=("How many", 1, 100, 10),
        button="Find similar nodes",
        answer=similar_answer,
        show=show_similar,
    )


@st.fragment
def expand_panel() -> None:
    """Grow a community from seeds; a submit reruns this panel only."""
    query_panel(
        "expand",
        pick=lambda: pick_nodes(graph, "Seed nodes", "expand_seeds"),
        number=("Rounds", 1, 10, 3),
        button="Grow community",
        answer=expand_answer,
        show=show_expand,
    )


similar_tab, expand_tab = st.tabs(["Similar nodes", "Grow a community"])
with similar_tab:
    similar_panel()
with expand_tab:
    expand_panel()
