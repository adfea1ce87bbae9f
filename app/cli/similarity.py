"""``gwb similar`` and ``gwb expand``: MinHash-LSH neighbourhood queries."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

import engine
from app.cli.common import (
    DaskAddress,
    DaskWorkers,
    GraphArgument,
    IndexPath,
    Json,
    Quiet,
    SeedNodes,
    Stopwatch,
    TableOutput,
    check_table_path,
    echo_summary,
    engine_hooks,
    node_labels,
    open_graph,
    output_option,
    write_table,
)


def neighbourhood_index(
    graph: engine.Graph,
    index_path: Path | None,
    num_perm: int,
    threshold: float,
    quiet: bool,
    workers: int | None = None,
    address: str | None = None,
) -> engine.NeighbourhoodIndex:
    """Open ``--index`` when it exists, else build (and save there when given).

    Dask starts only to build: a saved index opens without a cluster.
    """
    if index_path is not None and index_path.exists():
        return engine.NeighbourhoodIndex.load(index_path, graph)
    with engine_hooks("MinHash index", quiet, workers, address) as hooks:
        index = engine.NeighbourhoodIndex.build(graph, num_perm, threshold, **hooks)
    if index_path is not None:
        index.save(index_path)
    return index


def similar(
    graph_path: GraphArgument,
    nodes: Annotated[
        list[str],
        typer.Option(
            "--node", "--nodes", "-n", help="A node label (repeat it), or a file with one per line."
        ),
    ],
    k: Annotated[int, typer.Option("-k", min=1, help="Similar nodes per query node.")] = 10,
    index_path: IndexPath = None,
    num_perm: Annotated[int, typer.Option(min=16, help="MinHash signature length.")] = 128,
    threshold: Annotated[float, typer.Option(help="Jaccard the LSH bands aim at.")] = 0.5,
    dask_workers: DaskWorkers = None,
    dask_address: DaskAddress = None,
    output: TableOutput = None,
    quiet: Quiet = False,
    as_json: Json = False,
) -> None:
    """Nodes whose neighbourhoods are most like each query node's (MinHash-LSH, exact Jaccard).

    Example: gwb similar sample:lesmis -n Valjean -k 5
    """
    import pandas as pd

    check_table_path(output)
    graph = open_graph(graph_path)
    labels = node_labels(graph, nodes)
    clock = Stopwatch()
    index = neighbourhood_index(
        graph, index_path, num_perm, threshold, quiet, dask_workers, dask_address
    )
    table = pd.concat(
        [index.similar(label, k).assign(query=label) for label in labels], ignore_index=True
    )[["query", "node", "estimated_jaccard", "jaccard"]]
    write_table(table, output)
    summary = {
        "queries": len(labels),
        "rows": len(table),
        "output": None if output is None else str(output),
        "seconds": clock.seconds(),
    }
    shown = (
        table if output is None else f"wrote {output}: {len(table):,} rows for {len(labels)} nodes"
    )
    echo_summary(summary, as_json, shown)


def expand(
    graph_path: GraphArgument,
    seeds: SeedNodes,
    rounds: Annotated[int, typer.Option(min=1, help="Rounds of growth.")] = 3,
    max_size: Annotated[int | None, typer.Option(min=1, help="Largest community.")] = None,
    index_path: IndexPath = None,
    output: Annotated[Path | None, output_option("Write the members: .parquet or .csv.")] = None,
    quiet: Quiet = False,
    as_json: Json = False,
) -> None:
    """Grow a community around seed nodes (Chamberlain et al.'s MinHash-LSH expansion).

    Example: gwb expand sample:planted -s 0 -s 1 -s 2
    """
    check_table_path(output)
    graph = open_graph(graph_path)
    labels = node_labels(graph, seeds)
    clock = Stopwatch()
    index = neighbourhood_index(graph, index_path, 128, 0.5, quiet)
    community = index.expand(labels, rounds=rounds, max_size=max_size)
    write_table(community.members, output)
    summary = {
        "seeds": len(labels),
        "members": len(community),
        "conductance": round(community.conductance, 6),
        "output": None if output is None else str(output),
        "seconds": clock.seconds(),
    }
    found = f"{len(community)} members, conductance {community.conductance:.4f}"
    if output is None:
        echo_summary(summary, as_json, community.members, found)
    else:
        echo_summary(summary, as_json, f"wrote {output}: {found}")
