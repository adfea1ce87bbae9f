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
    engine_hooks,
    open_graph_and_nodes,
    write_and_echo,
)
from app.cli.heavy import Yes, approve
from app.long_run import estimate_of


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
    yes: Yes = False,
    quiet: Quiet = False,
    as_json: Json = False,
) -> None:
    """Top-k Personalized PageRank of each source: a table of source, node, score.

    The estimate of time and memory is printed first; a run estimated over 10
    minutes asks before it starts (--yes does not ask).

    Example: gwb ppr sample:karate -s 0 -s 33 --top-k 5
    """
    graph, labels = open_graph_and_nodes(graph_path, sources, output)
    options = {"eps": eps, "seed": seed, "device": device} if method != "exact" else {}
    parameters = {"alpha": alpha, "method": method, "top_k": top_k, **options}
    on_dask = bool(dask_workers or dask_address)
    # The estimate is of one machine's run: on Dask the engine spreads it.
    estimate = None if on_dask else estimate_of("ppr_batch_estimate", graph, labels, **parameters)
    limit = approve(estimate, engine.ppr_batch, yes=yes, quiet=quiet)
    clock = Stopwatch()
    expected = None if estimate is None else estimate.seconds
    with engine_hooks("PPR", quiet, dask_workers, dask_address, expected) as hooks:
        table = engine.ppr_batch(graph, labels, **parameters, **hooks, **limit)
    summary = {"sources": len(labels), "rows": len(table), "method": method}
    wrote = f"{len(table):,} rows for {len(labels)} sources"
    write_and_echo(table, output, summary, clock, as_json, wrote)
