"""``gwb ppr``: top-k Personalized PageRank for many sources."""

from __future__ import annotations

from typing import Annotated

import typer

import engine
from app.cli.common import (
    DaskAddress,
    DaskWorkers,
    Device,
    GraphArgument,
    Json,
    Quiet,
    Seed,
    Stopwatch,
    TableOutput,
    check_table_path,
    echo_summary,
    engine_hooks,
    node_labels,
    open_graph,
    write_table,
)


def ppr(
    graph_path: GraphArgument,
    sources: Annotated[
        list[str],
        typer.Option(
            "--sources", "-s", help="A source node label (repeat it), or a file with one per line."
        ),
    ],
    output: TableOutput = None,
    top_k: Annotated[int, typer.Option(min=1, help="Nodes per source.")] = 100,
    method: Annotated[str, typer.Option(help="hybrid, exact, push or walks.")] = "hybrid",
    alpha: Annotated[float, typer.Option(help="Teleport probability.")] = 0.15,
    eps: Annotated[float, typer.Option(help="Relative error (hybrid, walks).")] = 0.5,
    seed: Seed = None,
    device: Device = "auto",
    dask_workers: DaskWorkers = None,
    dask_address: DaskAddress = None,
    quiet: Quiet = False,
    as_json: Json = False,
) -> None:
    """Top-k Personalized PageRank of each source: a table of source, node, score.

    Example: gwb ppr sample:karate -s 0 -s 33 --top-k 5
    """
    check_table_path(output)
    graph = open_graph(graph_path)
    labels = node_labels(graph, sources)
    options = {"eps": eps, "seed": seed, "device": device} if method != "exact" else {}
    clock = Stopwatch()
    with engine_hooks("PPR", quiet, dask_workers, dask_address) as hooks:
        table = engine.ppr_batch(
            graph, labels, alpha=alpha, method=method, top_k=top_k, **options, **hooks
        )
    write_table(table, output)
    summary = {
        "sources": len(labels),
        "rows": len(table),
        "method": method,
        "output": None if output is None else str(output),
        "seconds": clock.seconds(),
    }
    shown = (
        table
        if output is None
        else f"wrote {output}: {len(table):,} rows for {len(labels)} sources"
    )
    echo_summary(summary, as_json, shown)
