"""Per-graph work arrays of the push kernels, reused from one query to the next.

A push query on an ``n``-node graph needs a FIFO queue of ``n + 1`` node ids, an
``n``-flag "queued" mask, the list of nodes that ever held residual and its mask,
and, for PowerPush's sweeps, a value vector, a gather vector and the seed vector:
about ``59·n`` bytes. Allocating them per query costs an O(n) zeroing (or page
faults) on every call, which a local push of a few hundred edges does not
otherwise pay. A :class:`Workspace` holds them for one graph; :func:`borrowed`
lends one per query from the graph's pool (one per thread running queries at
once, so a batch on every core allocates one per thread, once), and takes it back
when the query is done.

The kernels hand a workspace back as they found it: every flag False and the
seed vector all zero, restoring only the entries they set (never an O(n) clear).
A query that fails while holding one drops it instead of returning it to the
pool. The pool lives and dies with its graph (:func:`engine.per_graph.derived`),
so another graph, even one of the same size, never sees these arrays.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from engine.per_graph import derived
from loaders import Graph


class Workspace:
    """The work arrays of the push kernels on an ``n``-node graph.

    Attributes
    ----------
    queue : int64 (n + 1,)
        FIFO ring of node ids (contents undefined between queries).
    queued : bool (n,)
        Whether a node is in ``queue``; all False between queries.
    seen : int64 (n,)
        Nodes that ever held residual in a local push (contents undefined).
    ever : bool (n,)
        Marks of ``seen``; all False between queries.
    seed_vector : float64 (n,)
        The seed distribution as a dense vector in the sweeps' order; all zero
        between queries.
    values : float64 (n,)
        The sweeps' estimate (contents undefined).
    spare : float64 (n,)
        The sweeps' residual, in their order (contents undefined).
    residual : float64 (n,)
        PowerPush's residual, read by the caller's walks or look-ups before it
        gives the workspace back (contents undefined between queries).

    Examples
    --------
    >>> import engine
    >>> g = engine.sample("karate")
    >>> with borrowed(g) as first:
    ...     pass
    >>> with borrowed(g) as again:
    ...     again is first
    True
    >>> bool(first.queued.any() or first.ever.any())
    False
    """

    def __init__(self, n: int):
        self.n = n
        self.queue = np.empty(n + 1, dtype=np.int64)
        self.queued = np.zeros(n, dtype=np.bool_)
        self.seen = np.empty(n, dtype=np.int64)
        self.ever = np.zeros(n, dtype=np.bool_)
        self.seed_vector = np.zeros(n)
        self.values = np.empty(n)
        self.spare = np.empty(n)
        self.residual = np.empty(n)
        self._gathers: dict[type, np.ndarray] = {}
        self._counts: dict[int, np.ndarray] = {}

    def counts(self, lanes: int) -> np.ndarray:
        """The index look-up's int32 counts, ``lanes`` × n, allocated on first use for
        that many lanes (contents undefined)."""
        if lanes not in self._counts:
            self._counts[lanes] = np.empty((lanes, self.n), dtype=np.int32)
        return self._counts[lanes]

    def gathers(self, dtype) -> np.ndarray:
        """The sweeps' gather vector ``x / out-weight`` of ``dtype`` (float32 or
        float64), allocated on first use (contents undefined)."""
        key = np.dtype(dtype).type
        if key not in self._gathers:
            self._gathers[key] = np.empty(self.n, dtype=key)
        return self._gathers[key]


class _Pool:
    """The idle workspaces of one graph; a thread borrows one or makes a new one."""

    def __init__(self, g: Graph):
        self.n = g.n_nodes
        self.idle: list[Workspace] = []
        self.lock = threading.Lock()

    def take(self) -> Workspace:
        with self.lock:
            if self.idle:
                return self.idle.pop()
        return Workspace(self.n)

    def give_back(self, workspace: Workspace) -> None:
        with self.lock:
            self.idle.append(workspace)


@contextmanager
def borrowed(g: Graph) -> Iterator[Workspace]:
    """A :class:`Workspace` of ``g`` for the duration of one query; returned to the
    graph's pool afterwards, or dropped if the query raised (its arrays may then
    not be clean)."""
    pool = derived("pagerank.workspaces", g, _Pool)
    workspace = pool.take()
    yield workspace
    pool.give_back(workspace)
