"""The ``gwb`` command line.

Exit codes: 0 success, 1 failure (a one-line message on stderr; ``--debug``,
before or after the command, shows the traceback), 2 bad usage.

One module per command group; what every command shares (failures, option types,
progress, Dask, tables, ``--json``) is in :mod:`app.cli.common`. This module is the
command table: the order below is the order ``gwb --help`` lists them in.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from app.cli import clusters, embeddings, graph_io, orbits, pagerank, serve, similarity
from app.cli.common import STATE, one_line_errors

cli = typer.Typer(
    help="Graph Workbench: graph analytics from the command line.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for command in (
    graph_io.convert,
    graph_io.info,
    embeddings.embed,
    pagerank.ppr,
    similarity.similar,
    similarity.expand,
    clusters.cluster,
    clusters.ncp,
    orbits.orbits,
    serve.app,
):
    cli.command()(command)


@cli.callback()
def _options(
    debug: Annotated[
        bool, typer.Option(help="Show tracebacks on failure (also after the command).")
    ] = False,
) -> None:
    STATE["debug"] = STATE["debug"] or debug


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: no traceback without ``--debug``, exit 1 on any failure."""
    args = _hoist_debug(list(sys.argv[1:] if argv is None else argv))
    STATE["debug"] = "--debug" in args
    STATE.pop("memory_hint", None)
    with one_line_errors():
        cli(args=args, prog_name="gwb")


def _hoist_debug(args: list[str]) -> list[str]:
    """Move ``--debug`` given after the command to the front, where Typer expects it."""
    end = args.index("--") if "--" in args else len(args)
    if "--debug" not in args[:end]:
        return args
    return ["--debug", *(a for a in args[:end] if a != "--debug"), *args[end:]]
