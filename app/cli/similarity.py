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
    closed_summary,
    echo_summary,
    engine_hooks,
    open_graph_and_nodes,
    output_option,
    write_and_echo,
    write_table,
)
from app.cli.heavy import Yes, approve
from app.long_run import estimate_of
from engine.community_growth import Community


def neighbourhood_index(
    graph: engine.Graph,
    index_path: Path | None,
    num_perm: int,
    threshold: float,
    quiet: bool,
    workers: int | None = None,
    address: str | None = None,
    yes: bool = False,
) -> engine.NeighbourhoodIndex:
    """Open ``--index`` when it exists, else build (and save there when given).

    Dask starts only to build: a saved index opens without a cluster. A build
    says its estimate first and asks when it is long (:func:`app.cli.heavy.approve`).
    """
    if index_path is not None and index_path.exists():
        return engine.NeighbourhoodIndex.load(index_path, graph)
    build = engine.NeighbourhoodIndex.build
    # The estimate is of one machine's run: on Dask the engine spreads it.
    on_dask = workers is not None or address is not None
    estimate = (
        None if on_dask else estimate_of("neighbourhood_index_estimate", graph, num_perm, threshold)
    )
    limit = approve(estimate, build, yes=yes, quiet=quiet)
    expected = None if estimate is None else estimate.seconds
    with engine_hooks("MinHash index", quiet, workers, address, expected) as hooks:
        index = build(graph, num_perm, threshold, **hooks, **limit)
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
    yes: Yes = False,
    quiet: Quiet = False,
    as_json: Json = False,
) -> None:
    """Nodes whose neighbourhoods are most like each query node's (MinHash-LSH, exact Jaccard).

    Building the index prints its estimate first; a build estimated over 10
    minutes asks before it starts (--yes does not ask).

    Example: gwb similar sample:lesmis -n Valjean -k 5
    """
    import pandas as pd

    graph, labels = open_graph_and_nodes(graph_path, nodes, output)
    clock = Stopwatch()
    index = neighbourhood_index(
        graph, index_path, num_perm, threshold, quiet, dask_workers, dask_address, yes
    )
    table = pd.concat(
        [index.similar(label, k).assign(query=label) for label in labels], ignore_index=True
    )[["query", "node", "estimated_jaccard", "jaccard"]]
    summary = {"queries": len(labels), "rows": len(table)}
    wrote = f"{len(table):,} rows for {len(labels)} nodes"
    write_and_echo(table, output, summary, clock, as_json, wrote)


def expand(
    graph_path: GraphArgument,
    seeds: SeedNodes,
    rounds: Annotated[int, typer.Option(min=1, help="Rounds of growth.")] = 3,
    max_size: Annotated[int | None, typer.Option(min=1, help="Largest community.")] = None,
    min_score: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Least score a candidate needs.")
    ] = 0.2,
    candidates_per_member: Annotated[
        int, typer.Option(min=1, help="LSH candidates per member and round.")
    ] = 20,
    index_path: IndexPath = None,
    num_perm: Annotated[int, typer.Option(min=16, help="MinHash signature length.")] = 128,
    threshold: Annotated[float, typer.Option(help="Jaccard the LSH bands aim at.")] = 0.5,
    output: Annotated[Path | None, output_option("Write the members: .parquet or .csv.")] = None,
    yes: Yes = False,
    quiet: Quiet = False,
    as_json: Json = False,
) -> None:
    """Grow a community around seed nodes (Chamberlain et al.'s MinHash-LSH expansion).

    Why growth stopped, and an option that would grow it, go to stderr (fields
    stop_reason, why, suggestion, suggested in --json).

    Example: gwb expand sample:planted -s 0 -s 1 -s 2
    """
    graph, labels = open_graph_and_nodes(graph_path, seeds, output)
    clock = Stopwatch()
    index = neighbourhood_index(graph, index_path, num_perm, threshold, quiet, yes=yes)
    community = index.expand(
        labels,
        rounds=rounds,
        max_size=max_size,
        min_score=min_score,
        candidates_per_member=candidates_per_member,
    )
    write_table(community.members, output)
    summary = {
        "seeds": len(labels),
        "members": len(community),
        "conductance": round(community.conductance, 6),
        "stop_reason": community.stop_reason,
        "why": community.why,
        "suggestion": community.suggestion,
        "suggested": community.suggested,
    }
    if not as_json:
        for line in stop_lines(community):
            typer.echo(line, err=True)
    found = f"{len(community)} members, conductance {community.conductance:.4f}"
    shown = (community.members, found) if output is None else (f"wrote {output}: {found}",)
    echo_summary(closed_summary(summary, output, clock), as_json, *shown)


def stop_lines(community: Community) -> list[str]:
    """What ``gwb expand`` says on stderr: why growth stopped, and the options that grow it."""
    heading = "only the seeds came back" if community.seed_only else "stopped"
    lines = [f"gwb: {heading} ({community.stop_reason}): {community.why}"]
    if community.suggestion is not None:
        # The engine names its parameters; a shell user types options.
        options = " ".join(
            f"--{name.replace('_', '-')} {value}"
            for name, value in community.suggested.items()
            if value is not None
        )
        dropped = [name for name, value in community.suggested.items() if value is None]
        hint = options or " ".join(f"without --{name.replace('_', '-')}" for name in dropped)
        lines.append(f"gwb: suggestion: {community.suggestion}" + (f" ({hint})" if hint else ""))
    return lines
