"""Before a heavy command starts: its estimate on stderr, and a question above the threshold.

Every command that runs a heavy engine call (``gwb orbits``, ``gwb embed``,
``gwb ppr``, the MinHash index of ``gwb similar``/``gwb expand``, ``gwb ncp``)
calls :func:`approve` with the engine's estimate just before the work starts:

- the estimate is printed to stderr, one line (``str(estimate)``; not with ``--quiet``);
- above :func:`app.long_run.confirm_seconds` (10 minutes, or ``$GWB_CONFIRM_SECONDS``)
  the command asks ``Continue? [y/N]`` on a terminal, and refuses, naming ``--yes``,
  when stdin is not one (a pipeline never hangs on a question);
- ``--yes`` skips the question; once the run is decided, the engine's own half-hour
  limit is lifted (``max_seconds=None``) so the estimate is judged once.

Ctrl-C, or a "no" to the question, is :class:`Cancelled`: the command table
(:mod:`app.cli`) says ``gwb: cancelled`` and exits 130. Outputs are written to a
temporary name and renamed into place, so a cancelled run leaves no file.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Annotated

import typer

from app.long_run import CONFIRM_ENV, confirm_seconds, needs_confirmation, unlimited
from engine.estimate import Estimate, format_seconds

#: Exit code of a cancelled command: 128 + SIGINT, as shells report an interrupted job.
CANCELLED_EXIT = 130

Yes = Annotated[
    bool,
    typer.Option(
        "--yes",
        "-y",
        help="Run without asking, however long the estimate (runs estimated over "
        f"10 min ask first; ${CONFIRM_ENV} sets the threshold).",
    ),
]


class Cancelled(Exception):
    """The user stopped a command: Ctrl-C, or "no" to the long-run question."""


class LongRunRefused(ValueError):
    """A run above the threshold, with no ``--yes`` and no terminal to ask on."""


def approve(estimate: Estimate | None, call: Callable, *, yes: bool, quiet: bool) -> dict:
    """Say the estimate; ask above the threshold; the keywords ``call`` then runs with.

    Parameters
    ----------
    estimate : Estimate or None
        The engine's estimate of the run (None: the engine has none; nothing is said).
    call : callable
        The engine call about to run: ``{"max_seconds": None}`` is returned when it
        takes that keyword and the run is decided.
    yes : bool
        ``--yes``: no question.
    quiet : bool
        ``--quiet``: the estimate is said only when a question needs it.

    Raises
    ------
    LongRunRefused
        Above the threshold without ``--yes`` and with no terminal on stdin.
    Cancelled
        The user answered no.
    """
    if estimate is None:
        return unlimited(call) if yes else {}
    asking = needs_confirmation(estimate) and not yes
    if not quiet or asking:
        typer.echo(str(estimate), err=True)
    if asking:
        limit = format_seconds(confirm_seconds())
        if not sys.stdin.isatty():
            raise LongRunRefused(
                f"estimated about {format_seconds(estimate.seconds)}, more than the {limit} "
                f"a command runs without asking (${CONFIRM_ENV}); pass --yes to run it"
            )
        try:
            agreed = typer.confirm("Continue?", default=False, err=True)
        except typer.Abort:  # Ctrl-C or end of input at the prompt
            raise Cancelled() from None
        if not agreed:
            raise Cancelled()
    return unlimited(call)
