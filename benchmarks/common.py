"""Timing and reporting helpers shared by the benchmark scripts."""

from __future__ import annotations

import contextlib
import fcntl
import gc
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


def bench_dir() -> Path:
    """Where generated benchmark inputs live (``$GWB_BENCH_DIR``, default ``./bench-data``)."""
    folder = Path(os.environ.get("GWB_BENCH_DIR", "bench-data"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def median_time(run: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``repeats`` calls, each after a garbage collection."""
    times = []
    for _ in range(repeats):
        gc.collect()
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


@dataclass
class Row:
    case: str
    ours_s: float
    peer: str
    peer_s: float

    @property
    def ratio(self) -> float:
        """How many times faster we are (peer time / our time)."""
        return self.peer_s / self.ours_s


def print_table(title: str, rows: list[Row]) -> None:
    print(f"\n{title}")
    header = f"{'case':<34} {'ours':>10} {'peer':<28} {'peer time':>10} {'ratio':>8}"
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row.case:<34} {_fmt(row.ours_s):>10} {row.peer:<28} {_fmt(row.peer_s):>10} "
            f"{row.ratio:>7.1f}x"
        )


def _fmt(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


@contextlib.contextmanager
def held_lock(lock: str | Path | None):
    """Hold an exclusive lock on the file ``lock`` (None: no lock), so that big runs on a
    shared machine take turns."""
    if not lock:
        yield
        return
    with open(lock, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
