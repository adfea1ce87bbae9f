"""The ``gwb`` command line.

Exit codes: 0 success, 1 failure (a one-line message on stderr; ``--debug``,
before or after the command, shows the traceback), 2 bad usage.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Annotated

import numpy as np
import typer

import engine
from loaders.atomic import atomic_write
from loaders.check import check_seed

cli = typer.Typer(
    help="Graph Workbench: graph analytics from the command line.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
_state = {"debug": False}
#: Engine parameters an out-of-memory message names, as the options that set them.
_OPTION_OF = {"dim": "--dim", "num_perm": "--num-perm", "n_seeds": "--seeds"}
PORT_RANGE = (1, 65535)


@cli.callback()
def _options(
    debug: Annotated[
        bool, typer.Option(help="Show tracebacks on failure (also after the command).")
    ] = False,
) -> None:
    _state["debug"] = _state["debug"] or debug


def _describe(error: BaseException) -> str:
    """One line saying what went wrong, from any exception (no traceback, no blank message)."""
    text = str(error.args[0]) if isinstance(error, KeyError) and error.args else str(error)
    text = " ".join(line.strip() for line in text.splitlines() if line.strip())
    if isinstance(error, MemoryError):
        if "lower " in text:
            # An engine estimate names the parameter to lower: say it as the option.
            text = re.sub(r"lower (\w+)$", lambda m: f"lower {_OPTION_OF.get(m[1], m[1])}", text)
        else:  # a bare MemoryError from an allocation: say what the command can change
            hint = _state.get("memory_hint")
            text = "out of memory" + (f" ({text})" if text else "") + (f"; {hint}" if hint else "")
    elif not text:
        text = type(error).__name__
    elif not isinstance(error, (ValueError, KeyError, OSError, TypeError)):
        # Library errors (pyarrow's ArrowNotImplementedError...) need their kind to make sense.
        text = f"{type(error).__name__}: {text}"
    return text


def _fail(error: BaseException) -> None:
    if _state["debug"]:
        raise error
    typer.echo(f"gwb: error: {_describe(error)}", err=True)
    raise typer.Exit(1)


def _seed_option(value: str | None) -> int | None:
    """``--seed``: the engine's seed rule (:func:`loaders.check.check_seed`), as a usage error."""
    if value is None:
        return None
    text = value.strip()
    try:
        return check_seed(int(text) if re.fullmatch(r"[+-]?[0-9]+", text) else text)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None


def _port_option(value: str | int) -> int:
    low, high = PORT_RANGE
    text = str(value).strip()  # the default arrives as an int
    if not re.fullmatch(r"[0-9]+", text) or not low <= int(text) <= high:
        raise typer.BadParameter(f"port must be an integer in [{low}, {high}]; got {value!r}")
    return int(text)


SeedOption = typer.Option(
    parser=_seed_option,
    metavar="INTEGER",
    help="Random seed in [0, 2**32) (same seed, same output); random when omitted.",
)


def _read_options(fmt, directed, source_col, target_col, weight_col, self_loops) -> dict:
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


def _open_graph(graph_path: str) -> engine.Graph:
    """A graph file, a .gwb store, or ``sample:NAME``; failures exit with code 1."""
    try:
        if graph_path.startswith("sample:"):
            return engine.sample(graph_path.removeprefix("sample:"))
        return engine.load(graph_path)
    except (ValueError, KeyError, OSError, TypeError) as error:
        _fail(error)
        raise  # unreachable: _fail exits


@cli.command()
def convert(
    source: Annotated[
        Path,
        typer.Argument(
            help="Edge list, CSV/TSV, Matrix Market, GML, GraphML, Pajek, Parquet or Arrow file."
        ),
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="The .gwb store to write.")],
    fmt: Annotated[
        str | None, typer.Option("--format", help="Override the format the extension implies.")
    ] = None,
    directed: Annotated[bool | None, typer.Option("--directed/--undirected")] = None,
    source_col: Annotated[str | None, typer.Option(help="Source column (name or 0-based).")] = None,
    target_col: Annotated[str | None, typer.Option(help="Target column (name or 0-based).")] = None,
    weight_col: Annotated[
        str | None,
        typer.Option(help="Weight column (name or 0-based), 'none', or 'auto' (the default)."),
    ] = None,
    self_loops: Annotated[str | None, typer.Option(help="keep or drop.")] = None,
    nodes: Annotated[
        Path | None,
        typer.Option(
            "--nodes", help="A node table (CSV/TSV/Parquet: Id, Label, attributes) to attach."
        ),
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing store.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
) -> None:
    """Convert a graph file to a memory-mapped .gwb store.

    Example: gwb convert edges.csv --nodes nodes.csv -o graph.gwb --self-loops drop
    """
    try:
        started = time.perf_counter()
        options = _read_options(fmt, directed, source_col, target_col, weight_col, self_loops)
        graph = engine.load(source, nodes=nodes, cache=False, **options)
        path = graph.save(output, overwrite=overwrite)
    except (ValueError, KeyError, OSError, TypeError) as error:
        _fail(error)
    summary = {
        "store": path,
        "nodes": graph.n_nodes,
        "edges": graph.n_edges,
        "directed": graph.directed,
        "weighted": graph.is_weighted,
        "attributes": list(graph.attributes),
        "provenance": graph.provenance,
        "seconds": round(time.perf_counter() - started, 3),
    }
    typer.echo(
        json.dumps(summary)
        if as_json
        else f"wrote {path}: {graph.n_nodes:,} nodes, {graph.n_edges:,} edges"
    )


@cli.command()
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
    graph = _open_graph(graph_path)
    from scipy.sparse.csgraph import connected_components

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
    if as_json:
        typer.echo(json.dumps(summary))
        return
    typer.echo(repr(graph))
    typer.echo(
        f"degree: min {summary['degree']['min']}, mean {summary['degree']['mean']:.2f}, "
        f"max {summary['degree']['max']}"
    )
    typer.echo(f"components: {n_components} (largest {largest:,} nodes)")
    typer.echo(f"self-loops: {graph.n_self_loops}")
    typer.echo(f"attributes: {', '.join(summary['attributes']) or 'none'}")
    for what, decided in graph.provenance.items():
        if what != "file":
            typer.echo(f"read: {what}: {decided}")


def _parse_weights(text: str) -> list[float]:
    try:
        return [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise typer.BadParameter(f"expected comma-separated numbers, got {text!r}") from None


DaskWorkers = Annotated[
    int | None,
    typer.Option(
        "--dask-workers", min=1, help="Run on a local Dask cluster of this many worker processes."
    ),
]
DaskAddress = Annotated[
    str | None,
    typer.Option("--dask", help="Run on the Dask scheduler at this address (shared filesystem)."),
]


@contextlib.contextmanager
def _dask_client(workers: int | None, address: str | None):
    """A Dask client for ``--dask-workers`` / ``--dask``, or None for a single process."""
    if workers is None and address is None:
        yield None
        return
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        _fail(RuntimeError("Dask is not installed: pip install 'graph-workbench[distributed]'"))
    if address is not None:
        with Client(address) as client:
            yield client
        return
    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


@cli.command()
def embed(
    graph_path: Annotated[
        str, typer.Argument(metavar="GRAPH", help="A graph file, a .gwb store, or sample:NAME.")
    ],
    output: Annotated[
        Path,
        typer.Option(
            "-o", "--output", help="Where to write: .parquet, .npy, .csv, or .txt (word2vec)."
        ),
    ],
    dim: Annotated[int, typer.Option(min=1, help="Embedding dimension.")] = 128,
    iteration_weights: Annotated[
        str, typer.Option(help="Comma-separated weight of each propagation step.")
    ] = "0,1,1",
    normalization_strength: Annotated[float, typer.Option(help="Degree exponent beta.")] = 0.0,
    self_influence: Annotated[float, typer.Option(help="Weight of the initial vector.")] = 0.0,
    seed: Annotated[int | None, SeedOption] = None,
    device: Annotated[str, typer.Option(help="auto, cpu or gpu.")] = "auto",
    dask_workers: DaskWorkers = None,
    dask_address: DaskAddress = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
) -> None:
    """FastRP node embeddings of a graph, exported to a file (with a .run.json beside it).

    Example: gwb embed graph.gwb -o emb.parquet --dim 256 --seed 1
    """
    weights = _parse_weights(iteration_weights)
    if output.suffix.lower() not in engine.export.EMBEDDING_FORMATS:
        # Said before FastRP runs, not after: the extension alone decides.
        raise typer.BadParameter(
            f"must end in {', '.join(engine.export.EMBEDDING_FORMATS)}; got {output.name}",
            param_hint="'-o' / '--output'",
        )
    graph = _open_graph(graph_path)
    _check_embedding_fits(graph.n_nodes, dim)
    _state["memory_hint"] = "lower --dim"
    parameters = {
        "dim": dim,
        "iteration_weights": weights,
        "normalization_strength": normalization_strength,
        "self_influence": self_influence,
        "seed": seed,
        "device": device,
    }
    started = time.perf_counter()
    try:
        with (
            _dask_client(dask_workers, dask_address) as client,
            _progress_bar(quiet, "FastRP") as report,
        ):
            embedding = engine.fastrp(
                graph,
                dim=dim,
                iteration_weights=weights,
                normalization_strength=normalization_strength,
                self_influence=self_influence,
                seed=seed,
                device=device,
                progress=report,
                client=client,
            )
        path = engine.export_embeddings(embedding, graph, output, parameters=parameters)
    except (ValueError, KeyError, OSError, RuntimeError) as error:
        _fail(error)
    summary = {
        "output": path,
        "nodes": graph.n_nodes,
        "dim": dim,
        "seconds": round(time.perf_counter() - started, 3),
    }
    typer.echo(
        json.dumps(summary)
        if as_json
        else f"wrote {path}: {graph.n_nodes:,} nodes x {dim} dimensions"
    )


def _check_embedding_fits(n_nodes: int, dim: int) -> None:
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
        _fail(
            MemoryError(
                f"--dim {dim:,} needs about {needed / 2**30:,.1f} GiB for {n_nodes:,} nodes "
                f"but this machine has {physical / 2**30:,.1f} GiB; lower --dim"
            )
        )


@cli.command("ppr")
def ppr_command(
    graph_path: Annotated[
        str, typer.Argument(metavar="GRAPH", help="A graph file, a .gwb store, or sample:NAME.")
    ],
    sources: Annotated[
        list[str],
        typer.Option(
            "--sources", "-s", help="A source node label (repeat it), or a file with one per line."
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", help="Write the table: .parquet or .csv; stdout without it."
        ),
    ] = None,
    top_k: Annotated[int, typer.Option(min=1, help="Nodes per source.")] = 100,
    method: Annotated[str, typer.Option(help="hybrid, exact, push or walks.")] = "hybrid",
    alpha: Annotated[float, typer.Option(help="Teleport probability.")] = 0.15,
    eps: Annotated[float, typer.Option(help="Relative error (hybrid, walks).")] = 0.5,
    seed: Annotated[int | None, SeedOption] = None,
    device: Annotated[str, typer.Option(help="auto, cpu or gpu.")] = "auto",
    dask_workers: DaskWorkers = None,
    dask_address: DaskAddress = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
) -> None:
    """Top-k Personalized PageRank of each source: a table of source, node, score.

    Example: gwb ppr sample:karate -s 0 -s 33 --top-k 5
    """
    graph = _open_graph(graph_path)
    labels = _source_labels(graph, sources)
    options = {"eps": eps, "seed": seed, "device": device} if method != "exact" else {}
    started = time.perf_counter()
    try:
        with (
            _dask_client(dask_workers, dask_address) as client,
            _progress_bar(quiet, "PPR") as report,
        ):
            table = engine.ppr_batch(
                graph,
                labels,
                alpha=alpha,
                method=method,
                top_k=top_k,
                progress=report,
                client=client,
                **options,
            )
        if output is not None:
            _write_table(table, output)
    except (ValueError, KeyError, OSError, RuntimeError) as error:
        _fail(error)
    summary = {
        "sources": len(labels),
        "rows": len(table),
        "method": method,
        "output": None if output is None else str(output),
        "seconds": round(time.perf_counter() - started, 3),
    }
    _report(summary, as_json, table, output, f"{len(table):,} rows for {len(labels)} sources")


GraphArgument = Annotated[
    str, typer.Argument(metavar="GRAPH", help="A graph file, a .gwb store, or sample:NAME.")
]


def _neighbourhood_index(graph, index_path, num_perm, threshold, quiet, client=None):
    """Open ``--index`` when it exists, else build (and save there when given)."""
    from engine.similarity import NeighbourhoodIndex

    if index_path is not None and index_path.exists():
        return NeighbourhoodIndex.load(index_path, graph)
    with _progress_bar(quiet, "MinHash index") as report:
        index = NeighbourhoodIndex.build(graph, num_perm, threshold, client=client, progress=report)
    if index_path is not None:
        index.save(index_path)
    return index


@cli.command()
def similar(
    graph_path: GraphArgument,
    nodes: Annotated[
        list[str],
        typer.Option(
            "--node", "--nodes", "-n", help="A node label (repeat it), or a file with one per line."
        ),
    ],
    k: Annotated[int, typer.Option("-k", min=1, help="Similar nodes per query node.")] = 10,
    index_path: Annotated[
        Path | None,
        typer.Option("--index", help="A saved index (.npz): used if it exists, written if not."),
    ] = None,
    num_perm: Annotated[int, typer.Option(min=16, help="MinHash signature length.")] = 128,
    threshold: Annotated[float, typer.Option(help="Jaccard the LSH bands aim at.")] = 0.5,
    dask_workers: DaskWorkers = None,
    dask_address: DaskAddress = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", help="Write the table: .parquet or .csv; stdout without it."
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
) -> None:
    """Nodes whose neighbourhoods are most like each query node's (MinHash-LSH, exact Jaccard).

    Example: gwb similar sample:lesmis -n Valjean -k 5
    """
    import pandas as pd

    graph = _open_graph(graph_path)
    labels = _source_labels(graph, nodes)
    started = time.perf_counter()
    try:
        with _dask_client(dask_workers, dask_address) as client:
            index = _neighbourhood_index(graph, index_path, num_perm, threshold, quiet, client)
        table = pd.concat(
            [index.similar(label, k).assign(query=label) for label in labels], ignore_index=True
        )[["query", "node", "estimated_jaccard", "jaccard"]]
        if output is not None:
            _write_table(table, output)
    except (ValueError, KeyError, OSError) as error:
        _fail(error)
    summary = {
        "queries": len(labels),
        "rows": len(table),
        "output": None if output is None else str(output),
        "seconds": round(time.perf_counter() - started, 3),
    }
    _report(summary, as_json, table, output, f"{len(table):,} rows for {len(labels)} nodes")


@cli.command()
def expand(
    graph_path: GraphArgument,
    seeds: Annotated[
        list[str],
        typer.Option("--seed", "-s", help="A seed label (repeat it), or a file with one per line."),
    ],
    rounds: Annotated[int, typer.Option(min=1, help="Rounds of growth.")] = 3,
    max_size: Annotated[int | None, typer.Option(min=1, help="Largest community.")] = None,
    index_path: Annotated[
        Path | None,
        typer.Option("--index", help="A saved index (.npz): used if it exists, written if not."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Write the members: .parquet or .csv."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
) -> None:
    """Grow a community around seed nodes (Chamberlain et al.'s MinHash-LSH expansion).

    Example: gwb expand sample:planted -s 0 -s 1 -s 2
    """
    graph = _open_graph(graph_path)
    labels = _source_labels(graph, seeds)
    started = time.perf_counter()
    try:
        index = _neighbourhood_index(graph, index_path, 128, 0.5, quiet)
        community = index.expand(labels, rounds=rounds, max_size=max_size)
        if output is not None:
            _write_table(community.members, output)
    except (ValueError, KeyError, OSError) as error:
        _fail(error)
    summary = {
        "seeds": len(labels),
        "members": len(community),
        "conductance": round(community.conductance, 6),
        "output": None if output is None else str(output),
        "seconds": round(time.perf_counter() - started, 3),
    }
    if as_json:
        typer.echo(json.dumps(summary))
    elif output is None:
        typer.echo(community.members.to_string(index=False))
        typer.echo(f"{len(community)} members, conductance {community.conductance:.4f}")
    else:
        typer.echo(
            f"wrote {output}: {len(community)} members, conductance {community.conductance:.4f}"
        )


@cli.command()
def cluster(
    graph_path: GraphArgument,
    seeds: Annotated[
        list[str],
        typer.Option("--seed", "-s", help="A seed label (repeat it), or a file with one per line."),
    ],
    method: Annotated[str, typer.Option(help="ppr (Andersen-Chung-Lang) or heat (hk-relax).")] = (
        "ppr"
    ),
    alpha: Annotated[float, typer.Option(help="Teleport probability (ppr).")] = 0.15,
    t: Annotated[float | None, typer.Option("--t", help="Diffusion time (heat; 10).")] = None,
    eps: Annotated[float | None, typer.Option(help="Accuracy (1e-4).")] = None,
    refine: Annotated[bool, typer.Option("--mqi", help="Refine with MQI.")] = False,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Write the members: .parquet or .csv."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
) -> None:
    """A low-conductance cluster around seed nodes, by local diffusion and a sweep cut.

    Example: gwb cluster sample:karate -s 0 --method heat
    """
    graph = _open_graph(graph_path)
    labels = _source_labels(graph, seeds)
    started = time.perf_counter()
    try:
        found = engine.local_cluster(
            graph,
            labels,
            method=method,
            alpha=alpha,
            t=t,
            eps=eps,
            refine="mqi" if refine else None,
        )
        if output is not None:
            _write_table(found.members, output)
    except (ValueError, KeyError, OSError) as error:
        _fail(error)
    summary = {
        "seeds": len(labels),
        "members": len(found),
        "conductance": round(found.conductance, 6),
        "volume": found.volume,
        "cut": found.cut,
        "output": None if output is None else str(output),
        "seconds": round(time.perf_counter() - started, 3),
    }
    if as_json:
        typer.echo(json.dumps(summary))
    else:
        if output is None:
            typer.echo(found.members.to_string(index=False))
        typer.echo(
            f"{len(found)} members, conductance {found.conductance:.4f}, "
            f"volume {found.volume:g}, cut {found.cut:g}"
            + ("" if output is None else f"; wrote {output}")
        )


@cli.command()
def ncp(
    graph_path: GraphArgument,
    n_seeds: Annotated[int, typer.Option("--seeds", min=1, help="Random seed nodes.")] = 100,
    bins: Annotated[int, typer.Option(min=1, help="Size bins (log-spaced).")] = 30,
    seed: Annotated[
        int | None,
        typer.Option(
            "--random-seed",
            parser=_seed_option,
            metavar="INTEGER",
            help="Random seed in [0, 2**32) for the seed nodes; random when omitted.",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Write the profile: .parquet or .csv."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
) -> None:
    """Network community profile: the best conductance found per cluster size.

    Example: gwb ncp sample:planted --seeds 50 -o ncp.csv
    """
    graph = _open_graph(graph_path)
    started = time.perf_counter()
    try:
        with _progress_bar(quiet, "NCP") as report:
            profile = engine.ncp(graph, n_seeds=n_seeds, sizes=bins, seed=seed, progress=report)
        if output is not None:
            _write_table(profile, output)
    except (ValueError, KeyError, OSError) as error:
        _fail(error)
    summary = {
        "rows": len(profile),
        "best_conductance": float(profile["conductance"].min()) if len(profile) else None,
        "output": None if output is None else str(output),
        "seconds": round(time.perf_counter() - started, 3),
    }
    _report(summary, as_json, profile, output, f"{len(profile)} sizes")


@cli.command()
def orbits(
    graph_path: GraphArgument,
    output: Annotated[
        Path,
        typer.Option("-o", "--output", help="Write the counts: .parquet or .csv."),
    ],
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
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
) -> None:
    """Graphlet-orbit counts of every node (15 or 73 orbits) or edge (12), as ORCA numbers them.

    Example: gwb orbits sample:karate -o orbits.parquet --size 5
    """
    from engine import graphlets

    graph = _open_graph(graph_path)
    started = time.perf_counter()
    try:
        if edges and (dask_workers or dask_address):
            raise ValueError("edge orbits do not run on Dask yet; drop --dask-workers/--dask")
        if edges and size == 5:
            raise ValueError(
                "edge orbits are counted for graphlets of up to 4 nodes; drop --size 5"
            )
        if size == 5 and (dask_workers or dask_address):
            raise ValueError("5-node orbits do not run on Dask yet; drop --dask-workers/--dask")
        with (
            _dask_client(dask_workers, dask_address) as client,
            _progress_bar(quiet, "Orbits") as report,
        ):
            if edges:
                table = graphlets.edge_orbit_counts_frame(
                    graph, graphlets.edge_orbit_counts(graph, progress=report)
                )
            else:
                counts = graphlets.orbit_counts(
                    graph, progress=report, client=client, graphlet_size=size
                )
                table = graphlets.orbit_counts_frame(graph, counts, graphlet_size=size)
        _write_table(table, output)
    except (ValueError, KeyError, OSError) as error:
        _fail(error)
    summary = {
        "rows": len(table),
        "kind": "edge" if edges else "node",
        "graphlet_size": size,
        "output": str(output),
        "seconds": round(time.perf_counter() - started, 3),
    }
    if as_json:
        typer.echo(json.dumps(summary))
    else:
        typer.echo(f"wrote {output}: {len(table):,} {summary['kind']}s")


def _report(summary: dict, as_json: bool, table, output: Path | None, written: str) -> None:
    """Print the JSON summary, or the table when there is no output file, or what was written."""
    if as_json:
        typer.echo(json.dumps(summary))
    elif output is None:
        typer.echo(table.to_string(index=False))
    else:
        typer.echo(f"wrote {output}: {written}")


def _source_labels(graph: engine.Graph, sources: list[str]) -> list:
    """Labels from ``--sources`` values: a file of labels, or labels themselves."""
    values: list[str] = []
    for value in sources:
        path = Path(value)
        if path.is_file():
            values.extend(line.strip() for line in path.read_text().splitlines() if line.strip())
        else:
            values.append(value)
    if graph.labels.dtype.kind in "iu":
        try:
            return [int(v) for v in values]
        except ValueError:
            pass
    return values


def _write_table(table, path: Path) -> None:
    """Parquet or CSV by extension, written to a temporary name and renamed into place."""
    suffix = path.suffix.lower()
    if suffix not in (".parquet", ".csv"):
        raise ValueError(f"output must end in .parquet or .csv; got {path.name}")
    if suffix == ".parquet":
        atomic_write(path, lambda temporary: table.to_parquet(temporary, index=False))
    else:
        atomic_write(path, lambda temporary: table.to_csv(temporary, index=False))


@contextlib.contextmanager
def _progress_bar(quiet: bool, title: str):
    """A rich progress bar on stderr fed by the engine's ``progress`` callback.

    Off with ``--quiet`` or when stderr is not a terminal (pipelines, CI logs).
    """
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(title, total=None)

        def report(done: int, total: int, stage: str) -> None:
            bar.update(task, completed=done, total=total, description=f"{title}: {stage}")

        yield report


@cli.command()
def app(
    port: Annotated[
        int,
        typer.Option(
            parser=_port_option,
            metavar="INTEGER",
            help=f"Port to serve on, {PORT_RANGE[0]}-{PORT_RANGE[1]}.",
        ),
    ] = 8501,
    address: Annotated[
        str, typer.Option(help="Interface to bind; 0.0.0.0 exposes the dashboard to the network.")
    ] = "127.0.0.1",
    headless: Annotated[bool, typer.Option(help="Do not open a browser.")] = False,
) -> None:
    """Open the dashboard in the browser.

    Example: gwb app --port 8502
    """
    from app.dashboard.limits import max_upload_mb

    main_file = Path(__file__).parent.parent / "dashboard" / "main.py"
    try:
        upload_mb = max_upload_mb()
    except ValueError as error:
        _fail(error)
    # Streamlit always runs headless: otherwise its first run stops at an e-mail prompt
    # (and fails without a terminal). The browser is opened from here once it is up.
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(main_file),
        "--server.address",
        address,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "minimal",
        # Streamlit refuses bigger uploads itself (default 200 MB) before the dashboard's
        # own check runs; both follow GWB_MAX_UPLOAD_MB. Streamlit wants whole megabytes.
        "--server.maxUploadSize",
        str(max(1, math.ceil(upload_mb))),
    ]
    server = subprocess.Popen(command, env=os.environ.copy())
    url = f"http://{'localhost' if address in ('127.0.0.1', '0.0.0.0') else address}:{port}"
    if not headless:
        threading.Thread(target=_open_when_healthy, args=(url, server), daemon=True).start()
    try:
        code = server.wait()
    except KeyboardInterrupt:
        server.terminate()
        code = server.wait()
    raise typer.Exit(code)


def _open_when_healthy(url: str, server: subprocess.Popen, timeout: float = 60.0) -> None:
    """Open ``url`` in the default browser once Streamlit answers its health check."""
    import urllib.request
    import webbrowser

    deadline = time.monotonic() + timeout
    while server.poll() is None and time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                if reply.read().strip() == b"ok":
                    webbrowser.open(url)
                    return
        except OSError:
            time.sleep(0.5)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: no traceback without ``--debug``, exit 1 on any failure."""
    args = _hoist_debug(list(sys.argv[1:] if argv is None else argv))
    _state["debug"] = "--debug" in args
    _state.pop("memory_hint", None)
    try:
        cli(args=args, prog_name="gwb")
    except Exception as error:  # whatever a command did not foresee
        if _state["debug"]:
            raise
        typer.echo(f"gwb: error: {_describe(error)}", err=True)
        sys.exit(1)


def _hoist_debug(args: list[str]) -> list[str]:
    """Move ``--debug`` given after the command to the front, where Typer expects it."""
    end = args.index("--") if "--" in args else len(args)
    if "--debug" not in args[:end]:
        return args
    return ["--debug", *(a for a in args[:end] if a != "--debug"), *args[end:]]
