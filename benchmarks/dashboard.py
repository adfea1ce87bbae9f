"""How long each dashboard page takes on a 1M-edge graph, server side.

Drives every page with Streamlit's AppTest on a graph opened from the data
folder, as an analyst would: the page's first run, its action (the button),
and a rerun afterwards (what a widget change costs). Browser rendering is not
included. The issue's goal: a query on a built index answers in under a second,
and reruns stay well under that.

``--graph-view`` measures the graph view alone (issue #22: layout + figure for 2,000
nodes within about a second): the 2,000 nodes around the highest-degree node of
Cora (from ``../shared/datasets``, when present) and of the bundled planted graph,
each step's median: choosing the nodes, their induced edges, the igraph layout
(uncached), the Plotly figure, and its JSON (what ``st.plotly_chart`` sends).

    python -m benchmarks.dashboard [--graph er-100k-1M] [--repeats 3]
    python -m benchmarks.dashboard --graph-view [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from benchmarks.common import bench_dir, median_time
from benchmarks.orbits import GENERATED, generated_store

PAGES = Path(__file__).resolve().parents[1] / "app" / "dashboard" / "pages"


def timed(step) -> float:
    started = time.perf_counter()
    step()
    return time.perf_counter() - started


def page_app(page: str, store_name: str):
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(PAGES / page), default_timeout=600)
    app.session_state["graph_source"] = "Data folder"
    app.session_state["data_file_picker"] = store_name
    return app


def check(app, page: str) -> None:
    if app.exception:
        raise RuntimeError(f"{page}: {app.exception[0].value}")
    if app.error:
        raise RuntimeError(f"{page}: {app.error[0].value}")


def measure_page(page: str, action, store_name: str) -> dict[str, float]:
    """First run, action (if any) and rerun times of one page, in seconds."""
    app = page_app(page, store_name)
    times = {"first run": timed(app.run)}
    check(app, page)
    if action is not None:
        times["action"] = timed(lambda: action(app))
        check(app, page)
    times["rerun"] = timed(app.run)
    check(app, page)
    return times


def click_first_button(app) -> None:
    app.button[0].click().run()


def colour_by_kmeans(app) -> None:
    app.selectbox(key="embedding_colour").select("k-means clusters of the embedding").run()


ACTIONS = {
    "overview.py": ("load, components, PageRank", None),
    "graph.py": ("graph view of 3,000 top-degree", None),
    "pagerank.py": ("hybrid PPR query", click_first_button),
    "embeddings.py": ("FastRP dim 128", click_first_button),
    "similar.py": ("index build on first run; query", click_first_button),
    "clusters.py": ("local cluster (PPR push)", click_first_button),
    "graphlets.py": ("count node orbits", click_first_button),
}


#: How many nodes the graph view measurement draws (the issue's goal is stated for 2,000).
VIEW_NODES = 2_000


def view_graphs() -> dict[str, object]:
    """Graphs to draw 2,000 nodes of: Cora when the shared datasets are there, planted."""
    import engine

    graphs = {}
    cora = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "cora"
    if (cora / "cora_edgelist.txt").exists():
        graphs["cora"] = engine.load(cora / "cora_edgelist.txt")
    graphs["planted"] = engine.sample("planted")
    return graphs


def measure_graph_view(graph, repeats: int) -> dict:
    """Median seconds of each step of a 2,000-node graph view around the top-degree node,
    and ``drawn``: how many nodes and edges it draws."""
    import plotly.io

    from app.dashboard.graph_drawing import (
        LayoutCache,
        graph_view_figure,
        induced_edges,
        layout_positions,
        view_nodes,
    )

    hub = int(graph.degree().argmax())
    ids = view_nodes(graph, [hub], hops=50, max_nodes=VIEW_NODES)
    edges = induced_edges(graph, ids)
    positions = layout_positions(len(ids), edges)
    score = graph.degree()[ids].astype(float)
    figure = graph_view_figure(graph, ids, positions, edges, colour=score, colour_name="score")
    cache = LayoutCache()
    cache.positions(len(ids), edges)
    times = {
        "choose": median_time(
            lambda: view_nodes(graph, [hub], hops=50, max_nodes=VIEW_NODES), repeats
        ),
        "edges": median_time(lambda: induced_edges(graph, ids), repeats),
        "layout": median_time(lambda: layout_positions(len(ids), edges), repeats),
        "figure": median_time(
            lambda: graph_view_figure(
                graph, ids, positions, edges, colour=score, colour_name="score"
            ),
            repeats,
        ),
        "json": median_time(lambda: plotly.io.to_json(figure, validate=False), repeats),
        "cached layout": median_time(lambda: cache.positions(len(ids), edges), repeats),
    }
    times["drawn"] = (len(ids), len(edges))
    return times


def report_graph_view(repeats: int) -> None:
    print(f"graph view of {VIEW_NODES:,} nodes, repeats {repeats}; medians in seconds")
    steps = ("choose", "edges", "layout", "figure", "json")
    header = " ".join(f"{step:>7}" for step in steps)
    print(f"{'graph':<8} {'nodes':>6} {'edges':>7} {header} {'total':>7} {'cached':>7}")
    for name, graph in view_graphs().items():
        times = measure_graph_view(graph, repeats)
        nodes, edges = times["drawn"]
        total = sum(times[step] for step in steps)
        cells = " ".join(f"{times[step]:>7.3f}" for step in steps)
        print(
            f"{name:<8} {nodes:>6,} {edges:>7,} {cells} {total:>7.3f} "
            f"{times['cached layout']:>7.4f}"
        )
    print("total: choose the nodes + edges + layout + figure + JSON; cached: a layout cache hit")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graph", default="er-100k-1M", choices=sorted(GENERATED))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--graph-view", action="store_true", help="measure the graph view only (#22)"
    )
    args = parser.parse_args(argv)
    if args.graph_view:
        report_graph_view(args.repeats)
        return
    store = Path(generated_store(args.graph))
    os.environ["GWB_DATA_DIR"] = str(bench_dir().resolve())
    print(f"graph {args.graph} ({store}), repeats {args.repeats}; medians in seconds")
    print(f"{'page':<16} {'what':<34} {'first run':>10} {'action':>8} {'rerun':>8}")
    for page, (what, action) in ACTIONS.items():
        runs = [measure_page(page, action, store.name) for _ in range(args.repeats)]
        medians = {step: statistics.median(run[step] for run in runs) for step in runs[0]}
        action_time = f"{medians['action']:.2f}" if "action" in medians else "—"
        print(
            f"{page:<16} {what:<34} {medians['first run']:>10.2f} {action_time:>8} "
            f"{medians['rerun']:>8.2f}"
        )
    # Colouring by k-means is the one widget on these pages that computes something new.
    app = page_app("embeddings.py", store.name)
    app.run()
    click_first_button(app)
    print(
        f"{'embeddings.py':<16} {'colour by k-means (k 8)':<34} {'':>10} "
        f"{timed(lambda: colour_by_kmeans(app)):>8.2f}"
    )
    print()
    report_graph_view(args.repeats)


if __name__ == "__main__":
    main()
