"""``gwb cluster`` and ``gwb ncp``: local diffusion clustering and the community profile."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

import engine
from app.cli.common import (
    GraphArgument,
    Json,
    Quiet,
    SeedNodes,
    Stopwatch,
    check_table_path,
    closed_summary,
    echo_summary,
    open_graph,
    open_graph_and_nodes,
    output_option,
    parse_seed,
    progress_bar,
    write_and_echo,
    write_table,
)
from app.cli.heavy import Yes, approve
from app.long_run import estimate_of


def cluster(
    graph_path: GraphArgument,
    seeds: SeedNodes,
    method: Annotated[str, typer.Option(help="ppr (Andersen-Chung-Lang) or heat (hk-relax).")] = (
        "ppr"
    ),
    alpha: Annotated[float, typer.Option(help="Teleport probability (ppr).")] = 0.15,
    t: Annotated[float | None, typer.Option("--t", help="Diffusion time (heat; 10).")] = None,
    eps: Annotated[
        str, typer.Option(help="Accuracy: auto (a ladder from 1e-3 down) or a number.")
    ] = "auto",
    refine: Annotated[bool, typer.Option("--mqi/--no-mqi", help="Refine with MQI.")] = True,
    min_size: Annotated[int, typer.Option(help="Least cluster size.")] = 5,
    output: Annotated[Path | None, output_option("Write the members: .parquet or .csv.")] = None,
    as_json: Json = False,
) -> None:
    """A low-conductance cluster around seed nodes, by local diffusion and a sweep cut.

    Example: gwb cluster sample:karate -s 0 --method heat
    """
    graph, labels = open_graph_and_nodes(graph_path, seeds, output)
    accuracy = eps if eps == "auto" else _number("eps", eps)
    clock = Stopwatch()
    found = engine.local_cluster(
        graph,
        labels,
        method=method,
        alpha=alpha,
        t=t,
        eps=accuracy,
        refine="mqi" if refine else None,
        min_size=min_size,
    )
    write_table(found.members, output)
    summary = {
        "seeds": len(labels),
        "members": len(found),
        "conductance": round(found.conductance, 6),
        "volume": found.volume,
        "cut": found.cut,
        "seed_only": found.seed_only,
        "eps": found.eps,
    }
    if found.t is not None:
        summary["t"] = found.t
    if found.seed_only:
        typer.echo(
            f"Only the seeds came back: no set of at least {min_size} nodes around them "
            "has lower conductance (try a smaller --min-size, more seeds or --method heat).",
            err=True,
        )
    echo_summary(
        closed_summary(summary, output, clock),
        as_json,
        found.members if output is None else None,
        f"{len(found)} members, conductance {found.conductance:.4f}, "
        f"volume {found.volume:g}, cut {found.cut:g}"
        + ("" if output is None else f"; wrote {output}"),
    )


def ncp(
    graph_path: GraphArgument,
    n_seeds: Annotated[int, typer.Option("--seeds", min=1, help="Random seed nodes.")] = 100,
    bins: Annotated[int, typer.Option(min=1, help="Size bins (log-spaced).")] = 30,
    seed: Annotated[
        int | None,
        typer.Option(
            "--random-seed",
            parser=parse_seed,
            metavar="INTEGER",
            help="Random seed in [0, 2**32) for the seed nodes; random when omitted.",
        ),
    ] = None,
    output: Annotated[Path | None, output_option("Write the profile: .parquet or .csv.")] = None,
    yes: Yes = False,
    quiet: Quiet = False,
    as_json: Json = False,
) -> None:
    """Network community profile: the best conductance found per cluster size.

    The estimate of time and memory is printed first; a run estimated over 10
    minutes asks before it starts (--yes does not ask).

    Example: gwb ncp sample:planted --seeds 50 -o ncp.csv
    """
    check_table_path(output)
    graph = open_graph(graph_path)
    parameters = {"n_seeds": n_seeds, "sizes": bins, "seed": seed}
    estimate = estimate_of("ncp_estimate", graph, **parameters)
    limit = approve(estimate, engine.ncp, yes=yes, quiet=quiet)
    clock = Stopwatch()
    expected = None if estimate is None else estimate.seconds
    with progress_bar(quiet, "NCP", expected) as report:
        profile = engine.ncp(graph, **parameters, progress=report, **limit)
    summary = {
        "rows": len(profile),
        "best_conductance": float(profile["conductance"].min()) if len(profile) else None,
    }
    write_and_echo(profile, output, summary, clock, as_json, f"{len(profile)} sizes")


def _number(name: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise typer.BadParameter(f"{name} must be 'auto' or a number; got {text!r}") from None
