"""The ``gwb`` command line.

Exit codes: 0 success, 1 failure (a one-line message on stderr; ``--debug``,
before or after the command, shows the traceback), 2 bad usage, 130 cancelled
(Ctrl-C, or "no" to a long run's question: ``gwb: cancelled``, no output written).

One module per command group; what every command shares (failures, option types,
progress, Dask, tables, ``--json``) is in :mod:`app.cli.common`. This module is the
command table: the order below is the order ``gwb --help`` lists them in.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from typer.core import TyperCommand, TyperGroup

from app.cli import clusters, embeddings, graph_io, orbits, pagerank, serve, similarity
from app.cli.common import STATE, one_line_errors
from app.cli.heavy import CANCELLED_EXIT, Cancelled


def _untyped_flags(params: list) -> list:
    """``params`` with no type shown beside the flags among them (``--json``, ``--help``).

    A flag takes no value, yet Typer's help prints its type (``<bool>``) beside it; an
    empty metavar leaves that column blank. Done when help asks for the parameters, so
    the help option Click adds last is covered too.
    """
    for param in params:
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
    return params


class _Command(TyperCommand):
    """A ``gwb`` command: flags shown without a type in its help; Ctrl-C cancels it."""

    def get_params(self, ctx) -> list:
        return _untyped_flags(super().get_params(ctx))

    def invoke(self, ctx):
        # Click would say "Aborted!" and exit 1, as for a failure: a cancel is the user's
        # choice, said in one line with the shell's code for an interrupted job. The
        # engine's work stops at its next progress report; outputs are written under a
        # temporary name, so none is left half written.
        try:
            return super().invoke(ctx)
        except (KeyboardInterrupt, Cancelled):
            if STATE["debug"]:
                raise
            typer.echo("gwb: cancelled", err=True)
            sys.exit(CANCELLED_EXIT)


class _Group(TyperGroup):
    """The ``gwb`` command table: flags shown without a type in its help."""

    def get_params(self, ctx) -> list:
        return _untyped_flags(super().get_params(ctx))


cli = typer.Typer(
    cls=_Group,
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
    cli.command(cls=_Command)(command)


@cli.callback()
def _options(
    debug: Annotated[
        bool,
        typer.Option("--debug", help="Show tracebacks on failure (before or after the command)."),
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
