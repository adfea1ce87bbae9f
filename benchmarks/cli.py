"""The batch jobs on one process vs a local Dask cluster: wall time and peak memory per process.

Run ``python -m benchmarks.cli [--workers 2] [--dim 128]``.

The graph is the seeded Barabási–Albert graph of ``benchmarks.ppr`` (1M nodes,
10M edges). Each job runs the same engine call the CLI makes (``gwb embed``,
``gwb orbits``, ``gwb similar``'s signatures), first in this process, then with
``client=`` on a ``LocalCluster`` of ``--workers`` single-threaded processes.
Peak memory is the resident set above the process's size before the job, for
this process, and the largest ``ru_maxrss`` among the workers: their whole size
(Python and the memory-mapped graph pages they touched included), and a running
maximum over the jobs so far, not per job.
"""

from __future__ import annotations

import argparse
import resource
import threading
import time

import engine
from benchmarks.ppr import graph_store
from engine.graphlets import orbit_counts
from engine.similarity import NeighbourhoodIndex


def _rss() -> int:
    return int(open("/proc/self/statm").read().split()[1]) * resource.getpagesize()


def measured(job) -> tuple[float, float]:
    """``(seconds, peak MiB above the start)`` of ``job()`` in this process."""
    before = _rss()
    peak = [before]
    done = threading.Event()

    def watch():
        while not done.is_set():
            peak[0] = max(peak[0], _rss())
            time.sleep(0.005)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    started = time.perf_counter()
    job()
    seconds = time.perf_counter() - started
    done.set()
    watcher.join()
    return seconds, (peak[0] - before) / 2**20


def _worker_peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dim", type=int, default=128)
    args = parser.parse_args(argv)
    from dask.distributed import Client, LocalCluster

    g = engine.open_store(graph_store("10M"))
    print(f"graph: {g}")
    jobs = {
        f"FastRP dim {args.dim}": lambda graph, client: engine.fastrp(
            graph, dim=args.dim, seed=1, device="cpu", client=client
        ),
        "node orbits": lambda graph, client: orbit_counts(graph, client=client),
        "MinHash signatures": lambda graph, client: NeighbourhoodIndex.build(
            graph, device="cpu", client=client
        ),
    }
    small = engine.sample("karate")
    alone = {}
    for name, job in jobs.items():
        job(small, None)  # compile outside the timing
        alone[name] = measured(lambda job=job: job(g, None))
    with (
        LocalCluster(
            n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        print(
            f"\n{'job':<22} {'one process':>14} {'peak':>9} {'dask':>10} {'peak here':>10}"
            f" {'worker peak':>12} {'ratio':>7}"
        )
        for name, job in jobs.items():
            job(small, client)  # the workers compile
            seconds, here = measured(lambda job=job: job(g, client))
            workers = max(client.run(_worker_peak_mib).values())
            one_seconds, one_peak = alone[name]
            print(
                f"{name:<22} {one_seconds:>12.2f} s {one_peak:>7.0f} MiB {seconds:>8.2f} s "
                f"{here:>6.0f} MiB {workers:>8.0f} MiB {one_seconds / seconds:>6.2f}x"
            )
    print(
        f"\n{args.workers} single-threaded workers; numba threads in this process: "
        f"{__import__('numba').get_num_threads()}"
    )


if __name__ == "__main__":
    main()
