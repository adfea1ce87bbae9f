"""What every ``gwb`` command shares, written once.

- failures: :func:`one_line_errors` turns any exception into ``gwb: error: ...`` and exit 1
  (``--debug`` lets the traceback through); usage errors stay Click's, exit 2;
- option types: the graph argument, ``--seed``, ``--device``, ``--quiet``, ``--json``,
  ``-o`` and the Dask options, so a command's signature says only what is its own;
- the engine's ``progress`` callback as a rich bar on stderr and its Dask ``client``
  (:func:`engine_hooks`);
- reading a graph and node labels, writing a table, and the ``--json`` summary
  (:func:`open_graph_and_nodes` and :func:`write_and_echo` are a command's first and
  last steps).
"""

from __future__ import annotations

import contextlib
import json
import re
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated

import typer

import engine
from checks import check_seed
from engine.estimate import LongRunError
from loaders.atomic import atomic_write

#: ``debug``: tracebacks shown (``--debug``); ``memory_hint``: what the running command
#: can lower when an allocation fails (e.g. ``lower --dim``).
STATE: dict = {"debug": False}
#: Engine parameters an out-of-memory message names, as the options that set them.
OPTION_OF = {"dim": "--dim", "num_perm": "--num-perm", "n_seeds": "--seeds"}
TABLE_FORMATS = (".parquet", ".csv")


# --- failures -------------------------------------------------------------------------


def describe(error: BaseException) -> str:
    """One line saying what went wrong, from any exception (no traceback, no blank message)."""
    text = str(error.args[0]) if isinstance(error, KeyError) and error.args else str(error)
    text = " ".join(line.strip() for line in text.splitlines() if line.strip())
    if isinstance(error, MemoryError):
        if "lower " in text:
            # An engine estimate names the parameter to lower: say it as the option.
            text = re.sub(r"lower (\w+)$", lambda m: f"lower {OPTION_OF.get(m[1], m[1])}", text)
        else:  # a bare MemoryError from an allocation: say what the command can change
            hint = STATE.get("memory_hint")
            text = "out of memory" + (f" ({text})" if text else "") + (f"; {hint}" if hint else "")
    elif not text:
        text = type(error).__name__
    elif isinstance(error, LongRunError):
        # The engine's own refusal (a call the CLI had no estimate for): say the option.
        text = text.replace("Pass max_seconds=None to run it", "Pass --yes to run it")
    elif not isinstance(error, (ValueError, KeyError, OSError, TypeError)):
        # Library errors (pyarrow's ArrowNotImplementedError...) need their kind to make sense.
        text = f"{type(error).__name__}: {text}"
    return text


@contextlib.contextmanager
def one_line_errors() -> Iterator[None]:
    """Any exception a command raises: one line on stderr and exit 1, or re-raised with --debug.

    The one place failures are reported: commands raise (``ValueError`` and the engine's
    own errors say what was wrong) and never catch just to print.
    """
    try:
        yield
    except Exception as error:
        if STATE["debug"]:
            raise
        typer.echo(f"gwb: error: {describe(error)}", err=True)
        sys.exit(1)


# --- option types ---------------------------------------------------------------------


def parse_seed(value: str | None) -> int | None:
    """``--seed``: the engine's seed rule (:func:`checks.check_seed`), as a usage error."""
    if value is None:
        return None
    text = value.strip()
    try:
        return check_seed(int(text) if re.fullmatch(r"[+-]?[0-9]+", text) else text)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None


def output_option(help: str) -> typer.models.OptionInfo:
    """``-o`` / ``--output`` with the command's own help text."""
    return typer.Option("-o", "--output", help=help)


GraphArgument = Annotated[
    str, typer.Argument(metavar="GRAPH", help="A graph file, a .gwb store, or sample:NAME.")
]
Seed = Annotated[
    int | None,
    typer.Option(
        parser=parse_seed,
        metavar="INTEGER",
        help="Random seed in [0, 2**32) (same seed, same output); random when omitted.",
    ),
]
SeedNodes = Annotated[
    list[str],
    typer.Option("--seed", "-s", help="A seed label (repeat it), or a file with one per line."),
]
Device = Annotated[str, typer.Option(help="auto, cpu or gpu.")]
Quiet = Annotated[bool, typer.Option("--quiet", help="No progress bar.")]
Json = Annotated[bool, typer.Option("--json", help="Print a JSON summary.")]
TableOutput = Annotated[
    Path | None,
    output_option("Write the table: .parquet or .csv; stdout without it."),
]
IndexPath = Annotated[
    Path | None,
    typer.Option("--index", help="A saved index (.npz): used if it exists, written if not."),
]
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


# --- reading ---------------------------------------------------------------------------


def open_graph(graph_path: str) -> engine.Graph:
    """A graph file, a .gwb store, or ``sample:NAME``."""
    if graph_path.startswith("sample:"):
        return engine.sample(graph_path.removeprefix("sample:"))
    return engine.load(graph_path)


def node_labels(graph: engine.Graph, values: list[str]) -> list:
    """Labels from a repeatable node option: a file of labels, or labels themselves."""
    labels: list[str] = []
    for value in values:
        path = Path(value)
        if path.is_file():
            labels.extend(line.strip() for line in path.read_text().splitlines() if line.strip())
        else:
            labels.append(value)
    if graph.labels.dtype.kind in "iu":
        try:
            return [int(label) for label in labels]
        except ValueError:
            pass
    return labels


def open_graph_and_nodes(
    graph_path: str, values: list[str], output: Path | None
) -> tuple[engine.Graph, list]:
    """The first steps of a command about nodes: refuse a bad ``-o`` before any work, open
    the graph, read the node labels from the repeatable option's ``values``."""
    check_table_path(output)
    graph = open_graph(graph_path)
    return graph, node_labels(graph, values)


# --- running ---------------------------------------------------------------------------


@contextlib.contextmanager
def progress_bar(
    quiet: bool, title: str, expected: float | None = None
) -> Iterator[Callable[[int, int, str], None] | None]:
    """A rich progress bar on stderr fed by the engine's ``progress`` callback.

    Beside the bar: the time elapsed and the time left (:class:`app.long_run.Eta`:
    the pace so far, and while little is done, the estimate of ``expected``
    seconds). Off with ``--quiet`` or when stderr is not a terminal (pipelines,
    CI logs).
    """
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    from app.long_run import Eta, format_left

    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[left]}"),
    )
    eta = Eta(expected)
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(title, total=None, left=format_left(expected))

        def report(done: int, total: int, stage: str) -> None:
            bar.update(
                task,
                completed=done,
                total=total,
                description=f"{title}: {stage}",
                left=format_left(eta.left(done, total, stage)),
            )

        yield report


@contextlib.contextmanager
def dask_client(workers: int | None, address: str | None) -> Iterator[object | None]:
    """A Dask client for ``--dask-workers`` / ``--dask``, or None for a single process."""
    if workers is None and address is None:
        yield None
        return
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise RuntimeError(
            "Dask is not installed: pip install 'graph-workbench[distributed]'"
        ) from None
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


@contextlib.contextmanager
def engine_hooks(
    title: str,
    quiet: bool,
    workers: int | None = None,
    address: str | None = None,
    expected: float | None = None,
) -> Iterator[dict]:
    """The engine's ``progress`` and ``client`` arguments for one run, as keywords.

    ``expected``: the estimate's seconds, for the time left while little is done.
    Example: ``with engine_hooks("PPR", quiet, workers, address) as hooks:
    engine.ppr_batch(graph, labels, **hooks)``.
    """
    with (
        dask_client(workers, address) as client,
        progress_bar(quiet, title, expected) as report,
    ):
        yield {"progress": report, "client": client}


class Stopwatch:
    """Seconds since a command's work began, rounded for its summary."""

    def __init__(self) -> None:
        self.started = time.perf_counter()

    def seconds(self) -> float:
        return round(time.perf_counter() - self.started, 3)


# --- writing ---------------------------------------------------------------------------


def check_table_path(path: Path | None) -> None:
    """Refuse an ``-o`` that is neither .parquet nor .csv, before any work is done."""
    if path is not None and path.suffix.lower() not in TABLE_FORMATS:
        raise ValueError(f"output must end in .parquet or .csv; got {path.name}")


def write_table(table, path: Path | None) -> None:
    """Parquet or CSV by extension, written to a temporary name and renamed into place.

    Nothing is written when ``path`` is None (the table goes to stdout instead).
    """
    if path is None:
        return
    check_table_path(path)
    if path.suffix.lower() == ".parquet":
        atomic_write(path, lambda temporary: table.to_parquet(temporary, index=False))
    else:
        atomic_write(path, lambda temporary: table.to_csv(temporary, index=False))


def echo_summary(summary: dict, as_json: bool, *lines) -> None:
    """``--json``: the summary on one line. Otherwise each line: a table (shown without its
    index) or text; None is skipped."""
    if as_json:
        typer.echo(json.dumps(summary))
        return
    for line in lines:
        if line is not None:
            typer.echo(line if isinstance(line, str) else line.to_string(index=False))


def closed_summary(summary: dict, output: Path | None, clock: Stopwatch) -> dict:
    """``summary`` with what every command reports last: the file written (or None), the seconds.

    Call it once the work and the writing are done: the clock is read here.
    """
    return {
        **summary,
        "output": None if output is None else str(output),
        "seconds": clock.seconds(),
    }


def write_and_echo(
    table, output: Path | None, summary: dict, clock: Stopwatch, as_json: bool, wrote: str
) -> None:
    """The last step of a command whose result is one table.

    Writes ``table`` to ``output`` when given, then prints the closed summary
    (``--json``), the table itself (no ``-o``), or ``wrote OUTPUT: <wrote>``.
    """
    write_table(table, output)
    shown = table if output is None else f"wrote {output}: {wrote}"
    echo_summary(closed_summary(summary, output, clock), as_json, shown)
