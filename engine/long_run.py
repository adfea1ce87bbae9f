"""What every heavy call's estimate is, and the refusal of a call estimated to run too long.

The base of the estimates: :class:`Estimate` (seconds, bytes, threads, the work
its progress counts, and the statistics behind them), :class:`LongRunError`
and :data:`LONG_RUN_SECONDS`. Each cost model sits beside its algorithm
(:mod:`engine.graphlets.cost`, :mod:`engine.embed_cost`,
:mod:`engine.pagerank.cost`, :mod:`engine.similarity_cost`,
:mod:`engine.community_profile_cost`) and imports this module, which imports no
algorithm; :mod:`engine.estimate` is the public index of them all.

Examples
--------
>>> e = Estimate("demo", seconds=3600.0, bytes=2**30, threads=2, work=7 * 10**12)
>>> e.seconds > LONG_RUN_SECONDS
True
>>> print(LongRunError(e, LONG_RUN_SECONDS, "Pass max_seconds=None."))  # doctest: +ELLIPSIS
demo: about 60 min on 2 threads, 1.0 GiB (estimated; more than the 30 min limit). Pass ...
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from loaders.memory import format_bytes

__all__ = ["LONG_RUN_SECONDS", "Estimate", "LongRunError", "check_long_run", "format_seconds"]

#: Calls estimated to run longer than this (seconds) refuse to start unless the
#: caller lifts the limit (``max_seconds=None``): half an hour.
LONG_RUN_SECONDS = 1800.0


@dataclass(frozen=True)
class Estimate:
    """What a heavy call should cost, worked out before it runs.

    Attributes
    ----------
    what : str
        The call, e.g. ``"orbit_counts(graphlet_size=4)"``.
    seconds : float
        Wall-clock seconds on ``threads`` threads of the reference machine class
        (a 2-core Intel Xeon server); a busy or slower machine takes longer.
    bytes : int
        Peak bytes the call allocates above the graph.
    threads : int
        The threads the call will run on (small graphs run on one).
    work : int
        The call's work in the units its ``progress`` callback counts (about a
        nanosecond of one core each), so that ``done / total`` tracks time.
    basis : mapping of str to number
        The statistics it was computed from (node and edge counts, and the
        steps of each pass, which the degree statistics fix).

    Examples
    --------
    >>> e = Estimate("demo", seconds=95.0, bytes=3 * 2**30, threads=2, work=190 * 10**9,
    ...              basis={"edges": 10**8})
    >>> str(e)
    'demo: about 1.6 min on 2 threads, 3.0 GiB'
    """

    what: str
    seconds: float
    bytes: int
    threads: int
    work: int
    basis: Mapping[str, float] = field(default_factory=dict)

    def __str__(self) -> str:
        threads = "1 thread" if self.threads == 1 else f"{self.threads} threads"
        seconds, size = format_seconds(self.seconds), format_bytes(self.bytes)
        return f"{self.what}: about {seconds} on {threads}, {size}"


class LongRunError(RuntimeError):
    """A call whose :class:`Estimate` is above the caller's time limit, refused before work.

    ``estimate`` is the :class:`Estimate`; ``limit`` the limit in seconds; the
    message says how to run it anyway and how to run it on a cluster.
    """

    def __init__(self, estimate: Estimate, limit: float, advice: str) -> None:
        self.estimate, self.limit = estimate, float(limit)
        super().__init__(
            f"{estimate} (estimated; more than the {format_seconds(limit)} limit). {advice}"
        )


def format_seconds(seconds: float) -> str:
    """``'40 s'``, ``'12 min'``, ``'3.5 h'``: a duration as a person reads it.

    >>> format_seconds(0.2), format_seconds(42), format_seconds(95), format_seconds(4 * 3600)
    ('0.2 s', '42 s', '1.6 min', '4.0 h')
    """
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.1f} min" if seconds < 600 else f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def check_long_run(estimate: Estimate, max_seconds: float | None, advice: str) -> None:
    """Raise :class:`LongRunError` when ``estimate`` is longer than ``max_seconds``
    (``None``: no limit), with ``advice`` saying how to run it anyway.

    >>> check_long_run(Estimate("demo", 2.0, 0, 1, 0), None, "")
    >>> check_long_run(Estimate("demo", 2.0, 0, 1, 0), 1.0, "Pass max_seconds=None.")
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    engine.long_run.LongRunError: demo: about 2.0 s on 1 thread, 0 bytes (estimated; ...
    """
    if max_seconds is not None and estimate.seconds > max_seconds:
        raise LongRunError(estimate, max_seconds, advice)
