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

import numba
import numpy as np

from checks.twins import PARALLEL_FROM_WORK
from engine.per_graph import derived
from loaders import Graph
from loaders.memory import format_bytes

__all__ = [
    "LONG_RUN_SECONDS",
    "Estimate",
    "LongRunError",
    "check_long_run",
    "format_seconds",
    "missed_share",
    "priced",
    "speedup",
]

#: The caches random reads hit, as the orbit model fitted them
#: (:data:`engine.graphlets.cost.SHARED_CACHE_BYTES`): what reads reach without a page
#: walk and a trip to memory.
SHARED_CACHE_BYTES = 32 * 2**20
#: The core's own cache as random reads find it (about a quarter of the reference
#: machine's 2 MiB L2, which several arrays share; :data:`engine.graphlets.cost.CACHE_BYTES`).
CORE_CACHE_BYTES = 512 * 2**10
#: What each thread past the first adds, as a fraction of one (the orbit model's
#: :data:`engine.graphlets.cost.PARALLEL_EFFICIENCY`: two threads took the CPU seconds
#: of one, within 3%, on the benchmark graphs). The other parallel kernels' rows are
#: as independent, and their memory traffic shares the bus alike.
PARALLEL_EFFICIENCY = 0.9

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


def speedup(threads: int) -> float:
    """How many times faster ``threads`` threads run a parallel pass than one:
    ``1 + (threads − 1)·PARALLEL_EFFICIENCY``.

    >>> speedup(1), speedup(2)
    (1.0, 1.9)
    """
    return 1.0 + (int(threads) - 1) * PARALLEL_EFFICIENCY


def parallel_threads(work: int) -> int:
    """The threads a kernel over ``work`` nodes plus edges runs on: one below
    :data:`checks.twins.PARALLEL_FROM_WORK` (its serial twin), else Numba's count."""
    return 1 if work < PARALLEL_FROM_WORK else numba.get_num_threads()


def missed_share(g: Graph, entry_bytes: int, cache_bytes: int = SHARED_CACHE_BYTES) -> float:
    """The share of CSR slots whose target's ``entry_bytes`` miss a cache of ``cache_bytes``.

    Random reads land on nodes in proportion to how often they are a CSR entry (their
    in-degree): the busiest nodes' entries stay cached, as many as fit, and the
    slots pointing elsewhere miss (as :func:`engine.graphlets.cost.orbit_statistics`
    counts them).

    >>> import engine
    >>> missed_share(engine.sample("karate"), 64)
    0.0
    """
    busiest = derived("busiest_entries", g, _busiest_entries)
    total = float(busiest[-1]) if busiest.size else 0.0
    fit = min(int(cache_bytes) // max(int(entry_bytes), 1), busiest.size)
    if total <= 0:
        return 0.0
    return 1.0 - float(busiest[fit - 1]) / total if fit > 0 else 1.0


def _busiest_entries(g: Graph) -> np.ndarray:
    landing = np.bincount(np.asarray(g.indices), minlength=g.n_nodes)
    return np.cumsum(np.sort(landing)[::-1], dtype=np.float64)


def priced(counts: Mapping[str, float], nanoseconds: Mapping[str, float]) -> float:
    """Seconds of one core: each count times its cost in nanoseconds.

    >>> priced({"entries": 1e9}, {"entries": 2.0})
    2.0
    """
    return sum(float(counts[name]) * cost for name, cost in nanoseconds.items()) * 1e-9
