"""``gwb convert`` and ``gwb info``: a graph file into a store, and what a graph holds."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import typer

import engine
from app.cli.common import Json, Stopwatch, echo_summary, open_graph, output_option


def read_options(fmt, directed, source_col, target_col, weight_col, self_loops) -> dict:
    """The reader's keyword arguments from ``convert``'s options; unset ones are left out."""
    options = {"format": fmt}
    if directed is not None:
        options["directed"] = directed
    for key, value in (
        ("source_col", source_col),
        ("target_col", target_col),
        ("weight_col", weight_col),
    ):
        if value is not None:
            if key == "weight_col" and value.lower() in ("none", "auto"):
                options[key] = None if value.lower() == "none" else "auto"
            else:
                options[key] = int(value) if value.isdigit() else value
    if self_loops is not None:
        options["self_loops"] = self_loops
    return options


def existing_store(output: Path) -> FileExistsError:
    """The error for an ``-o`` that exists, naming the option that replaces it."""
    return FileExistsError(f"{output} exists; pass --overwrite to replace it")


def convert(
    source: Annotated[
        Path,
        typer.Argument(
            metavar="SOURCE",
            help="Edge list, CSV/TSV, Matrix Market, GML, GraphML, Pajek, Parquet or Arrow file.",
        ),
    ],
    output: Annotated[Path, output_option("The .gwb store to write.")],
    fmt: Annotated[
        str | None, typer.Option("--format", help="Override the format the extension implies.")
    ] = None,
    directed: Annotated[
        bool | None,
        typer.Option(
            "--directed/--undirected",
            help="Edge direction; without either, the file decides (a KONECT header, a Gephi "
            "Type column), else undirected.",
        ),
    ] = None,
    source_col: Annotated[str | None, typer.Option(help="Source column (name or 0-based).")] = None,
    target_col: Annotated[str | None, typer.Option(help="Target column (name or 0-based).")] = None,
    weight_col: Annotated[
        str | None,
        typer.Option(help="Weight column (name or 0-based), 'none', or 'auto' (the default)."),
    ] = None,
    self_loops: Annotated[
        str | None,
        typer.Option(
            help="Edges from a node to itself: keep (the default) or drop. Kept ones skew "
            "conductance and the NCP."
        ),
    ] = None,
    nodes: Annotated[
        Path | None,
        typer.Option(
            "--nodes", help="A node table (CSV/TSV/Parquet: Id, Label, attributes) to attach."
        ),
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace an existing store.")
    ] = False,
    as_json: Json = False,
) -> None:
    """Convert a graph file to a memory-mapped .gwb store.

    Example: gwb convert edges.csv --nodes nodes.csv -o graph.gwb --self-loops drop
    """
    clock = Stopwatch()
    # Refused before the parse (minutes for a big file), in the CLI's words: the store's
    # own error names the library's keyword, overwrite=True.
    if not overwrite and (output.exists() or output.is_symlink()):
        raise existing_store(output)
    options = read_options(fmt, directed, source_col, target_col, weight_col, self_loops)
    graph = engine.load(source, nodes=nodes, cache=False, **options)
    try:
        path = graph.save(output, overwrite=overwrite)
    except FileExistsError:  # it appeared while the file was read
        raise existing_store(output) from None
    summary = {
        "store": path,
        "nodes": graph.n_nodes,
        "edges": graph.n_edges,
        "directed": graph.directed,
        "weighted": graph.is_weighted,
        "attributes": list(graph.attributes),
        "provenance": graph.provenance,
        "seconds": clock.seconds(),
    }
    echo_summary(
        summary, as_json, f"wrote {path}: {graph.n_nodes:,} nodes, {graph.n_edges:,} edges"
    )


def info(
    graph_path: Annotated[
        str,
        typer.Argument(
            metavar="GRAPH", help="A graph file, a .gwb store, or sample:NAME for a bundled sample."
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Sizes, degree statistics, connected components and node attributes of a graph.

    Example: gwb info sample:karate
    """
    from scipy.sparse.csgraph import connected_components

    graph = open_graph(graph_path)
    degrees = graph.degree()
    n_components, membership = connected_components(
        graph.to_scipy(), directed=graph.directed, connection="weak"
    )
    largest = int(np.bincount(membership).max()) if graph.n_nodes else 0
    summary = {
        "name": graph.name,
        "nodes": graph.n_nodes,
        "edges": graph.n_edges,
        "directed": graph.directed,
        "weighted": graph.is_weighted,
        "self_loops": graph.n_self_loops,
        "degree": {
            "min": int(degrees.min()) if graph.n_nodes else 0,
            "mean": float(degrees.mean()) if graph.n_nodes else 0.0,
            "max": int(degrees.max()) if graph.n_nodes else 0,
        },
        "components": int(n_components),
        "largest_component": largest,
        "attributes": list(graph.attributes),
        "provenance": graph.provenance,
    }
    echo_summary(
        summary,
        as_json,
        repr(graph),
        f"degree: min {summary['degree']['min']}, mean {summary['degree']['mean']:.2f}, "
        f"max {summary['degree']['max']}",
        f"components: {n_components} (largest {largest:,} nodes)",
        f"self-loops: {graph.n_self_loops}",
        f"attributes: {', '.join(summary['attributes']) or 'none'}",
        *(
            f"read: {what}: {decided}"
            for what, decided in graph.provenance.items()
            if what != "file"
        ),
    )
