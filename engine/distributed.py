"""Running batch work on a Dask cluster, partitioned by node ranges over the graph's store.

Workers never receive the graph's arrays: they receive the path of its ``.gwb``
store and memory-map it themselves (once per worker process), so a task ships
a path and two ints. **Every worker must see the store at the same path**: a
``LocalCluster`` on one machine does; a real cluster needs a shared filesystem.
A graph that was not opened from a store is first saved to one under
``$GWB_CACHE_DIR/dask/``, named by its fingerprint.

``client`` is a :class:`dask.distributed.Client`; Dask is the ``distributed``
extra and is imported only when a client is given.

Examples
--------
>>> from engine.distributed import node_ranges
>>> node_ranges(10, 3)
[(0, 3), (3, 7), (7, 10)]
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from engine.per_graph import Progress
from loaders import Graph, open_store
from loaders.fingerprint import graph_fingerprint
from loaders.load import default_cache_dir


def node_ranges(n_nodes: int, parts: int) -> list[tuple[int, int]]:
    """``parts`` contiguous ``(start, stop)`` ranges covering ``0..n_nodes`` (fewer for small n)."""
    bounds = np.linspace(0, n_nodes, max(1, min(parts, n_nodes)) + 1).round().astype(int)
    return [(int(a), int(b)) for a, b in itertools.pairwise(bounds) if b > a] or [(0, 0)]


def store_for_workers(g: Graph) -> str:
    """The path workers open ``g`` from: its own store, or one saved once by fingerprint."""
    if g.store_path is not None:
        return g.store_path
    folder = default_cache_dir() / "dask"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{graph_fingerprint(g)['sha256'][:20]}.gwb"
    if not path.exists():
        try:
            g.save(path)
        except FileExistsError:  # another process saved the same graph first
            pass
    return str(path)


def partitions(client) -> int:
    """How many tasks to split a job into: two per worker thread, so none idles."""
    threads = sum(client.nthreads().values())
    return max(1, 2 * threads)


def map_node_ranges(
    client, g: Graph, task: Callable, *, progress: Progress = None, stage: str = "", **options
) -> list:
    """``[task(graph, start, stop, **options) for each node range]`` on the cluster, in order.

    ``task`` must be importable by the workers (a module-level function).
    """
    path = store_for_workers(g)
    futures = [
        client.submit(_run_on_range, path, task, start, stop, options, pure=False)
        for start, stop in node_ranges(g.n_nodes, partitions(client))
    ]
    return _gather(client, futures, progress, stage)


def map_items(
    client,
    g: Graph,
    task: Callable,
    items: Sequence,
    *,
    progress: Progress = None,
    stage: str = "",
    **options,
) -> list:
    """``task(graph, chunk, **options)`` for chunks of ``items`` on the cluster, in order."""
    path = store_for_workers(g)
    chunks = [items[a:b] for a, b in node_ranges(len(items), partitions(client)) if b > a]
    futures = [
        client.submit(_run_on_items, path, task, chunk, options, pure=False) for chunk in chunks
    ]
    return _gather(client, futures, progress, stage)


def _gather(client, futures: list, progress: Progress, stage: str) -> list:
    if progress is not None:
        from dask.distributed import as_completed

        for done, _ in enumerate(as_completed(futures), start=1):
            progress(done, len(futures), stage)
    return client.gather(futures)


def _run_on_range(path: str, task: Callable, start: int, stop: int, options: dict):
    return task(_worker_graph(path, Path(path).stat().st_mtime_ns), start, stop, **options)


def _run_on_items(path: str, task: Callable, items, options: dict):
    return task(_worker_graph(path, Path(path).stat().st_mtime_ns), items, **options)


@functools.lru_cache(maxsize=4)
def _worker_graph(path: str, mtime_ns: int) -> Graph:
    # Keyed by modification time too, so a rewritten store is reopened.
    return open_store(path)
