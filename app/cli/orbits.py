"""``gwb orbits``: graphlet-orbit counts of every node or edge."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

import engine
from app.cli.common import (
    DaskAddress,
    DaskWorkers,
    GraphArgument,
    Json,
    Quiet,
    Stopwatch,
    check_table_path,
    echo_summary,
    engine_hooks,
    open_graph,
    output_option,
    write_table,
)
from app.cli.heavy import Yes, approve
from app.long_run import estimate_of
from app.tables import edge_orbit_table, orbit_table


def check_orbit_options(edges: bool, size: int, on_dask: bool) -> None:
    """Refuse the combinations the engine cannot count yet, naming the option to drop."""
    if edges and on_dask:
        raise ValueError("edge orbits do not run on Dask yet; drop --dask-workers/--dask")
    if edges and size == 5:
        raise ValueError("edge orbits are counted for graphlets of up to 4 nodes; drop --size 5")
    if size == 5 and on_dask:
        raise ValueError("5-node orbits do not run on Dask yet; drop --dask-workers/--dask")


def orbits(
    graph_path: GraphArgument,
    output: Annotated[Path, output_option("Write the counts: .parquet or .csv.")],
    edges: Annotated[
        bool, typer.Option("--edges", help="Edge orbits (12 per edge) instead of node orbits.")
    ] = False,
    size: Annotated[
        int,
        typer.Option(
            "--size",
            min=4,
            max=5,
            help="Largest graphlet: 4 (15 node orbits) or 5 (73 node orbits, one machine).",
        ),
    ] = 4,
    dask_workers: DaskWorkers = None,
    dask_address: DaskAddress = None,
    yes: Yes = False,
    quiet: Quiet = False,
    as_json: Json = False,
) -> None:
    """Graphlet-orbit counts of every node (15 or 73 orbits) or edge (12), as ORCA numbers them.

    The estimate of the count's time and memory is printed first; a run estimated
    over 10 minutes asks before it starts (--yes does not ask).

    Example: gwb orbits sample:karate -o orbits.parquet --size 5
    """
    on_dask = bool(dask_workers or dask_address)
    check_orbit_options(edges, size, on_dask)
    check_table_path(output)
    graph = open_graph(graph_path)
    # The estimate is of one machine's run: on Dask the engine spreads it and sets no limit.
    if on_dask:
        estimate = None
    elif edges:
        estimate = estimate_of("edge_orbit_counts_estimate", graph)
    else:
        estimate = estimate_of("orbit_counts_estimate", graph, size)
    call = engine.edge_orbit_counts if edges else engine.orbit_counts
    limit = approve(estimate, call, yes=yes, quiet=quiet)
    clock = Stopwatch()
    expected = None if estimate is None else estimate.seconds
    with engine_hooks("Orbits", quiet, dask_workers, dask_address, expected) as hooks:
        if edges:
            counts = engine.edge_orbit_counts(graph, progress=hooks["progress"], **limit)
            table = edge_orbit_table(graph, counts)
        else:
            counts = engine.orbit_counts(graph, graphlet_size=size, **hooks, **limit)
            table = orbit_table(graph, counts)
    write_table(table, output)
    summary = {
        "rows": len(table),
        "kind": "edge" if edges else "node",
        "graphlet_size": size,
        "output": str(output),
        "seconds": clock.seconds(),
    }
    echo_summary(summary, as_json, f"wrote {output}: {len(table):,} {summary['kind']}s")
