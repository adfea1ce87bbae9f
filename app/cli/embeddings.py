"""``gwb embed``: FastRP node embeddings exported to a file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

import engine
from app.cli.common import (
    STATE,
    DaskAddress,
    DaskWorkers,
    Device,
    GraphArgument,
    Json,
    Quiet,
    Seed,
    Stopwatch,
    echo_summary,
    engine_hooks,
    open_graph,
    output_option,
)
from app.cli.heavy import Yes, approve
from app.long_run import estimate_of


def parse_weights(text: str) -> list[float]:
    """``--iteration-weights``: comma-separated numbers, as a usage error otherwise."""
    try:
        return [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise typer.BadParameter(f"expected comma-separated numbers, got {text!r}") from None


def check_embedding_fits(n_nodes: int, dim: int) -> None:
    """Refuse up front a ``--dim`` whose vectors cannot fit in this machine's memory at all.

    FastRP holds about three ``n × dim`` float32 matrices at once (the initial
    vectors, the propagation buffer and the result). The engine's own estimate
    checks what is free when it runs; this catches the hopeless cases (a typo
    such as ``--dim 1000000000``) before any array is made.
    """
    needed = 3 * 4 * n_nodes * dim
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, OSError, ValueError):
        physical = None
    if needed > (physical or 2**63 - 1):
        raise MemoryError(
            f"--dim {dim:,} needs about {needed / 2**30:,.1f} GiB for {n_nodes:,} nodes "
            f"but this machine has {physical / 2**30:,.1f} GiB; lower --dim"
        )


def embed(
    graph_path: GraphArgument,
    output: Annotated[
        Path, output_option("Where to write: .parquet, .npy, .csv, or .txt (word2vec).")
    ],
    dim: Annotated[int, typer.Option(min=1, help="Embedding dimension.")] = 128,
    iteration_weights: Annotated[
        str, typer.Option(help="Comma-separated weight of each propagation step.")
    ] = "0,1,1",
    normalization_strength: Annotated[float, typer.Option(help="Degree exponent beta.")] = 0.0,
    self_influence: Annotated[float, typer.Option(help="Weight of the initial vector.")] = 0.0,
    seed: Seed = None,
    device: Device = "auto",
    dask_workers: DaskWorkers = None,
    dask_address: DaskAddress = None,
    yes: Yes = False,
    quiet: Quiet = False,
    as_json: Json = False,
) -> None:
    """FastRP node embeddings of a graph, exported to a file (with a .run.json beside it).

    The estimate of time and memory is printed first; a run estimated over 10
    minutes asks before it starts (--yes does not ask).

    Example: gwb embed graph.gwb -o emb.parquet --dim 256 --seed 1
    """
    weights = parse_weights(iteration_weights)
    if output.suffix.lower() not in engine.export.EMBEDDING_FORMATS:
        # Said before FastRP runs, not after: the extension alone decides.
        raise typer.BadParameter(
            f"must end in {', '.join(engine.export.EMBEDDING_FORMATS)}; got {output.name}",
            param_hint="'-o' / '--output'",
        )
    graph = open_graph(graph_path)
    check_embedding_fits(graph.n_nodes, dim)
    STATE["memory_hint"] = "lower --dim"
    # FastRP's own arguments, also written to the .run.json beside the vectors.
    parameters = {
        "dim": dim,
        "iteration_weights": weights,
        "normalization_strength": normalization_strength,
        "self_influence": self_influence,
        "seed": seed,
        "device": device,
    }
    on_dask = bool(dask_workers or dask_address)
    # The estimate is of one machine's run: on Dask the engine spreads it.
    estimate = None if on_dask else estimate_of("fastrp_estimate", graph, **parameters)
    limit = approve(estimate, engine.fastrp, yes=yes, quiet=quiet)
    clock = Stopwatch()
    expected = None if estimate is None else estimate.seconds
    with engine_hooks("FastRP", quiet, dask_workers, dask_address, expected) as hooks:
        embedding = engine.fastrp(graph, **parameters, **hooks, **limit)
    path = engine.export_embeddings(embedding, graph, output, parameters=parameters)
    summary = {"output": path, "nodes": graph.n_nodes, "dim": dim, "seconds": clock.seconds()}
    echo_summary(summary, as_json, f"wrote {path}: {graph.n_nodes:,} nodes x {dim} dimensions")
